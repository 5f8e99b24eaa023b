//! The transaction coordinator (Kafka's `TransactionCoordinator`): per transactional id it
//! keeps a producer id, an epoch that fences older instances, and the open transaction's
//! partitions. To end a transaction it records the decision (PREPARE_COMMIT or PREPARE_ABORT),
//! asks every partition's leader to append a marker, and once all are written it is COMPLETE.
//!
//! Simplifications: it runs on the controller (Kafka keeps this state in the
//! `__transaction_state` topic, led by a broker) and never fails; EndTxn is answered when the
//! transaction is complete rather than once PREPARE is written.

use super::protocol::{Msg, Outbox, PartitionState, Timer, TxnError};
use crate::sim::{Duration, NodeId, SimTime, TraceKind};
use std::collections::{BTreeMap, BTreeSet};

/// Producer ids of transactional producers start here (idempotent ones use 1000 + index).
pub const TRANSACTIONAL_PRODUCER_ID_BASE: u64 = 5_000;
/// How often the coordinator looks for timed-out transactions and unanswered markers. Kafka's
/// transaction.abort.timed.out.transaction.cleanup.interval.ms is 10 s; 1 s keeps the lesson
/// short, so a timeout abort here comes up to 1 s (not 10 s) after the timeout.
pub const TRANSACTION_CHECK_INTERVAL_US: u64 = 1_000_000;
/// A marker request with no answer for this long is sent again (to the current leader).
const MARKER_RESEND_US: u64 = 30_000_000;

/// A transaction's state as the coordinator logs it. The number is its trace code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnState {
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
}

/// Who waits for the end of a PREPARE phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiter {
    EndTxn { commit: bool },
    /// A (re)started producer whose InitProducerId first had to abort the open transaction.
    InitProducerId,
}

#[derive(Clone, Debug)]
struct TxnMeta {
    producer_id: u64,
    epoch: u16,
    timeout_us: u64,
    state: TxnState,
    partitions: BTreeSet<u32>,
    started_at: SimTime,
    /// Partitions whose marker is not yet confirmed, with when it was last sent (None: to send).
    markers: BTreeMap<u32, Option<SimTime>>,
    client: NodeId,
    waiter: Option<Waiter>,
}

#[derive(Clone, Default)]
pub struct TransactionCoordinator {
    txns: BTreeMap<String, TxnMeta>,
    next_producer_id: u64,
}

impl TransactionCoordinator {
    pub fn start(&self, out: &mut Outbox) {
        out.set_timer(Duration::from_us(TRANSACTION_CHECK_INTERVAL_US), Timer::TransactionCheck);
    }

    /// The state of `transactional_id`'s current transaction, if it is known.
    pub fn state(&self, transactional_id: &str) -> Option<TxnState> {
        self.txns.get(transactional_id).map(|t| t.state)
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, now: SimTime, leaders: &[PartitionState], out: &mut Outbox) {
        match msg {
            Msg::InitProducerId { transactional_id, transaction_timeout_us } => self.init(from, transactional_id, transaction_timeout_us, now, leaders, out),
            Msg::AddPartitionsToTxn { transactional_id, producer_id, producer_epoch, partitions } => {
                let result = self.add_partitions(&transactional_id, producer_id, producer_epoch, &partitions, now, out);
                out.send(from, Msg::AddPartitionsToTxnResponse { partitions, result });
            }
            Msg::EndTxn { transactional_id, producer_id, producer_epoch, commit } => {
                match self.end(&transactional_id, producer_id, producer_epoch, commit, now, leaders, out) {
                    Ok(true) => {} // Answered once the markers are written.
                    Ok(false) => out.send(from, Msg::EndTxnResponse { commit, result: Ok(()) }),
                    Err(error) => out.send(from, Msg::EndTxnResponse { commit, result: Err(error) }),
                }
            }
            Msg::WriteTxnMarkersResponse { partition, producer_id, result } => {
                let Some(txn) = self.txns.values_mut().find(|t| t.producer_id == producer_id) else { return };
                let Some(sent) = txn.markers.get_mut(&partition) else { return };
                match result {
                    Ok(()) => {
                        txn.markers.remove(&partition);
                        complete_if_done(txn, out);
                    }
                    Err(_) => *sent = None, // Resent to the new leader at the next check.
                }
            }
            other => unreachable!("the transaction coordinator is never sent {}", other.name()),
        }
    }

    /// InitProducerId: a new id, or the same id with a bumped epoch, which fences the older
    /// instance; an open transaction of the old instance is aborted first.
    fn init(&mut self, client: NodeId, transactional_id: String, timeout_us: u64, now: SimTime, leaders: &[PartitionState], out: &mut Outbox) {
        if !self.txns.contains_key(&transactional_id) {
            let producer_id = TRANSACTIONAL_PRODUCER_ID_BASE + self.next_producer_id;
            self.next_producer_id += 1;
            let txn = TxnMeta {
                producer_id,
                epoch: 0,
                timeout_us,
                state: TxnState::Empty,
                partitions: BTreeSet::new(),
                started_at: now,
                markers: BTreeMap::new(),
                client,
                waiter: None,
            };
            self.txns.insert(transactional_id, txn);
            out.send(client, Msg::InitProducerIdResponse { result: Ok((producer_id, 0)) });
            return;
        }
        let Some(txn) = self.txns.get_mut(&transactional_id) else { return };
        txn.client = client;
        txn.timeout_us = timeout_us;
        txn.epoch = txn.epoch.checked_add(1).expect("fewer than 65,536 producer restarts in a run");
        match txn.state {
            TxnState::Ongoing => {
                txn.waiter = Some(Waiter::InitProducerId);
                prepare(txn, false, now, leaders, out);
            }
            TxnState::PrepareCommit | TxnState::PrepareAbort => txn.waiter = Some(Waiter::InitProducerId),
            _ => out.send(client, Msg::InitProducerIdResponse { result: Ok((txn.producer_id, txn.epoch)) }),
        }
    }

    fn add_partitions(&mut self, transactional_id: &str, producer_id: u64, epoch: u16, partitions: &[u32], now: SimTime, out: &mut Outbox) -> Result<(), TxnError> {
        let txn = self.current(transactional_id, producer_id, epoch)?;
        match txn.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort => return Err(TxnError::InvalidTxnState),
            TxnState::Ongoing => {}
            _ => {
                txn.state = TxnState::Ongoing;
                txn.started_at = now;
                txn.partitions.clear();
                note_state(txn, out);
            }
        }
        txn.partitions.extend(partitions.iter().copied());
        Ok(())
    }

    /// EndTxn. Returns whether the answer waits for markers.
    #[allow(clippy::too_many_arguments)]
    fn end(&mut self, transactional_id: &str, producer_id: u64, epoch: u16, commit: bool, now: SimTime, leaders: &[PartitionState], out: &mut Outbox) -> Result<bool, TxnError> {
        let txn = self.current(transactional_id, producer_id, epoch)?;
        match (txn.state, commit) {
            (TxnState::Ongoing, _) => {
                txn.waiter = Some(Waiter::EndTxn { commit });
                prepare(txn, commit, now, leaders, out);
                Ok(true)
            }
            // A retry of an EndTxn that already completed.
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => Ok(false),
            _ => Err(TxnError::InvalidTxnState),
        }
    }

    /// The transaction of `transactional_id` if the request comes from its current epoch.
    fn current(&mut self, transactional_id: &str, producer_id: u64, epoch: u16) -> Result<&mut TxnMeta, TxnError> {
        let txn = self.txns.get_mut(transactional_id).ok_or(TxnError::InvalidTxnState)?;
        if txn.producer_id != producer_id || epoch < txn.epoch {
            return Err(TxnError::ProducerFenced);
        }
        Ok(txn)
    }

    /// TransactionCheck: abort transactions open longer than their transaction.timeout.ms
    /// (bumping the epoch, so the producer is fenced), and resend unanswered markers.
    pub fn on_check(&mut self, now: SimTime, leaders: &[PartitionState], out: &mut Outbox) {
        for txn in self.txns.values_mut() {
            if txn.state == TxnState::Ongoing && now.since(txn.started_at).as_us() > txn.timeout_us {
                txn.epoch = txn.epoch.checked_add(1).expect("fewer than 65,536 epoch bumps in a run");
                prepare(txn, false, now, leaders, out);
                continue;
            }
            let due: Vec<u32> = txn.markers.iter().filter(|(_, sent)| sent.is_none_or(|at| now.since(at).as_us() >= MARKER_RESEND_US)).map(|(&p, _)| p).collect();
            send_markers(txn, &due, now, leaders, out);
        }
        out.set_timer(Duration::from_us(TRANSACTION_CHECK_INTERVAL_US), Timer::TransactionCheck);
    }
}

/// Records the decision and asks each partition's leader for its marker.
fn prepare(txn: &mut TxnMeta, commit: bool, now: SimTime, leaders: &[PartitionState], out: &mut Outbox) {
    txn.state = if commit { TxnState::PrepareCommit } else { TxnState::PrepareAbort };
    note_state(txn, out);
    txn.markers = crate::sim::sort::collect_map(txn.partitions.iter().map(|&p| (p, None)));
    let all: Vec<u32> = txn.partitions.iter().copied().collect();
    send_markers(txn, &all, now, leaders, out);
    complete_if_done(txn, out);
}

fn send_markers(txn: &mut TxnMeta, partitions: &[u32], now: SimTime, leaders: &[PartitionState], out: &mut Outbox) {
    let commit = txn.state == TxnState::PrepareCommit;
    for &partition in partitions {
        let Some(leader) = leaders.get(partition as usize).and_then(|s| s.leader) else { continue };
        txn.markers.insert(partition, Some(now));
        let msg = Msg::WriteTxnMarkers { partition, producer_id: txn.producer_id, producer_epoch: txn.epoch, commit };
        out.send(NodeId::broker(leader), msg);
    }
}

/// Every marker written: the transaction is complete, and whoever waited is answered.
fn complete_if_done(txn: &mut TxnMeta, out: &mut Outbox) {
    let commit = match txn.state {
        TxnState::PrepareCommit => true,
        TxnState::PrepareAbort => false,
        _ => return,
    };
    if !txn.markers.is_empty() {
        return;
    }
    txn.state = if commit { TxnState::CompleteCommit } else { TxnState::CompleteAbort };
    note_state(txn, out);
    match txn.waiter.take() {
        Some(Waiter::EndTxn { commit }) => out.send(txn.client, Msg::EndTxnResponse { commit, result: Ok(()) }),
        Some(Waiter::InitProducerId) => out.send(txn.client, Msg::InitProducerIdResponse { result: Ok((txn.producer_id, txn.epoch)) }),
        None => {}
    }
}

fn note_state(txn: &TxnMeta, out: &mut Outbox) {
    out.note(TraceKind::TxnState, [txn.producer_id, txn.epoch.into(), txn.state as u64]);
}

#[cfg(test)]
mod tests;
