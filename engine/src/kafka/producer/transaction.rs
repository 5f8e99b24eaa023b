//! The transactional producer (the transaction half of Kafka's `TransactionManager`). It gets
//! its producer id and epoch from the transaction coordinator (InitProducerId), adds each
//! partition to the open transaction before sending to it, and ends the transaction with
//! EndTxn once every batch of it is answered: all of its records become visible to
//! read_committed consumers together, or none do.
//!
//! When to commit (Dhara's stand-in for the application calling commitTransaction): after
//! `transaction_records_max` records, or `transaction_ms` after the transaction began,
//! whichever comes first. Records the application creates while a transaction is being
//! ended wait (the application thread is blocked in commitTransaction) and open the next one.

use super::sequences::Sequences;
use super::Producer;
use crate::kafka::log::Record;
use crate::kafka::protocol::{Accounting, Msg, Outbox, Timer, TxnError};
use crate::sim::{Duration, NodeId, SimTime, TraceKind};
use std::collections::{BTreeMap, VecDeque};

/// Validated transaction settings; times in µs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionConfig {
    pub transactional_id: String,
    pub records_max: u32,
    pub due_us: Option<u64>,
    /// Kafka's transaction.timeout.ms: the coordinator aborts a transaction open longer.
    pub timeout_us: u64,
}

/// Where the producer's transaction stands, as the page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionState {
    /// Waiting for InitProducerId.
    Initializing,
    /// No transaction open.
    Ready,
    InTransaction,
    /// Flushing its batches, then EndTxn(commit).
    Committing,
    /// Flushing its batches, then EndTxn(abort).
    Aborting,
}

impl TransactionState {
    /// The name the page shows.
    pub fn name(self) -> &'static str {
        match self {
            TransactionState::Initializing => "initializing",
            TransactionState::Ready => "ready",
            TransactionState::InTransaction => "in_transaction",
            TransactionState::Committing => "committing",
            TransactionState::Aborting => "aborting",
        }
    }
}

#[derive(Clone)]
pub(super) struct TransactionClient {
    config: TransactionConfig,
    pub(super) state: TransactionState,
    /// Transactions begun so far; numbers the TransactionDue timer.
    number: u64,
    /// Partitions of the open transaction: true once the coordinator added them.
    partitions: BTreeMap<u32, bool>,
    /// Records of the open transaction, so an abort can settle them.
    record_ids: Vec<u64>,
    /// A record of it failed: it can only abort (Kafka's abortable error).
    doomed: bool,
    /// The abort_transaction command came while no transaction could be aborted at once:
    /// the next one to end aborts instead of committing.
    abort_next: bool,
    end_sent: bool,
    /// Records created while no transaction could take them: (partition, record, key bytes).
    held: VecDeque<(u32, Record, u32)>,
    pub(super) committed: u64,
    pub(super) aborted: u64,
}

impl TransactionClient {
    /// The records of the open transaction: an abort would settle them.
    pub fn record_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.record_ids.iter().copied()
    }

    pub(super) fn new(config: TransactionConfig) -> Self {
        TransactionClient {
            config,
            state: TransactionState::Initializing,
            number: 0,
            partitions: BTreeMap::new(),
            record_ids: Vec::new(),
            doomed: false,
            abort_next: false,
            end_sent: false,
            held: VecDeque::new(),
            committed: 0,
            aborted: 0,
        }
    }

    /// Whether batches of `partition` may be sent: only once it is in the transaction.
    pub(super) fn may_send(&self, partition: u32) -> bool {
        self.partitions.get(&partition) == Some(&true)
    }

    /// A record of the open transaction failed.
    pub(super) fn record_failed(&mut self) {
        self.doomed = true;
        if self.state == TransactionState::Committing && !self.end_sent {
            self.state = TransactionState::Aborting;
        }
    }
}

impl Producer {
    pub(super) fn init_transactions(&mut self, out: &mut Outbox) {
        let Some(txn) = &mut self.txn else { return };
        txn.state = TransactionState::Initializing;
        let msg = Msg::InitProducerId { transactional_id: txn.config.transactional_id.clone(), transaction_timeout_us: txn.config.timeout_us };
        out.send(NodeId::controller(), msg);
    }

    /// A new record for a transactional producer: it joins the open transaction (beginning one
    /// if none is open), or waits if the transaction is being ended.
    pub(super) fn enqueue_transactional(&mut self, partition: u32, record: Record, key_bytes: u32, now: SimTime, out: &mut Outbox) {
        let Some(txn) = &mut self.txn else { return };
        if txn.state == TransactionState::Ready {
            txn.state = TransactionState::InTransaction;
            txn.number += 1;
            txn.partitions.clear();
            txn.record_ids.clear();
            txn.doomed = false;
            if let Some(due_us) = txn.config.due_us {
                out.set_timer(Duration::from_us(due_us), Timer::TransactionDue { txn: txn.number });
            }
        }
        if txn.state != TransactionState::InTransaction {
            txn.held.push_back((partition, record, key_bytes));
            return;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = txn.partitions.entry(partition) {
            slot.insert(false);
            let (producer_id, producer_epoch) = self.sequences.as_ref().map_or((0, 0), |s| (s.producer_id(), s.epoch()));
            let msg = Msg::AddPartitionsToTxn { transactional_id: txn.config.transactional_id.clone(), producer_id, producer_epoch, partitions: vec![partition] };
            out.send(NodeId::controller(), msg);
        }
        txn.record_ids.push(record.record_id);
        let full = txn.record_ids.len() as u64 >= u64::from(txn.config.records_max);
        self.append_to_accumulator(partition, record, key_bytes, now, out);
        if full {
            self.end_transaction(true, now, out);
        }
    }

    /// Stops the open transaction taking records; EndTxn follows once its batches are answered.
    pub(super) fn end_transaction(&mut self, commit: bool, now: SimTime, out: &mut Outbox) {
        let Some(txn) = &mut self.txn else { return };
        if txn.state != TransactionState::InTransaction {
            return;
        }
        let commit = commit && !std::mem::take(&mut txn.abort_next);
        txn.state = if commit && !txn.doomed { TransactionState::Committing } else { TransactionState::Aborting };
        if txn.state == TransactionState::Aborting {
            self.purge_unsent(out);
        }
        self.drain(now, out);
    }

    /// A record of the open transaction failed: it can only abort now.
    pub(super) fn on_record_failed(&mut self, out: &mut Outbox) {
        let Some(txn) = &mut self.txn else { return };
        let was_committing = txn.state == TransactionState::Committing && !txn.end_sent;
        txn.record_failed();
        if was_committing {
            self.purge_unsent(out);
        }
    }

    /// Aborting: batches still in the accumulator are dropped, as Kafka fails undrained
    /// batches with TransactionAbortedException; only requests on the wire are waited for.
    /// A dropped retry leaves its sequence unknown, so the next epoch is fetched after.
    fn purge_unsent(&mut self, out: &mut Outbox) {
        for partition in 0..self.leaders.len() as u32 {
            let ids: Vec<u64> = self.accumulator.queued_mut(partition).map(|b| b.batch_id).collect();
            for batch in ids.into_iter().filter_map(|id| self.accumulator.remove(id)) {
                for record in &batch.records {
                    out.account(Accounting::Aborted { record_id: record.record_id });
                }
                self.stats.failed += u64::from(batch.record_count());
                if let (Some(sequences), Some(stamp)) = (&mut self.sequences, batch.producer) {
                    sequences.failed(partition, stamp, batch.record_count(), true);
                    if let Some(txn) = &mut self.txn {
                        txn.doomed = true;
                    }
                }
            }
        }
    }

    /// The abort_transaction command: abort the open transaction; if it is already being
    /// committed but EndTxn has not gone out, abort it instead; otherwise abort the next one.
    pub fn abort_transaction(&mut self, now: SimTime, out: &mut Outbox) -> Result<(), String> {
        let Some(txn) = &mut self.txn else {
            return Err("this producer is not transactional (set producer.transactional_id)".into());
        };
        match txn.state {
            TransactionState::InTransaction => self.end_transaction(false, now, out),
            TransactionState::Committing if !txn.end_sent => {
                txn.doomed = true;
                txn.state = TransactionState::Aborting;
                self.purge_unsent(out);
            }
            _ => txn.abort_next = true,
        }
        Ok(())
    }

    /// Sends EndTxn once nothing of the transaction is queued or unanswered (Kafka flushes
    /// before committing).
    pub(super) fn maybe_end_transaction(&mut self, out: &mut Outbox) {
        let idle = self.accumulator.queued_records() == 0 && self.sending.is_empty();
        let Some(txn) = &mut self.txn else { return };
        let ending = matches!(txn.state, TransactionState::Committing | TransactionState::Aborting);
        if !ending || txn.end_sent || !idle || txn.partitions.values().any(|added| !added) {
            return;
        }
        txn.end_sent = true;
        let (producer_id, producer_epoch) = self.sequences.as_ref().map_or((0, 0), |s| (s.producer_id(), s.epoch()));
        let commit = txn.state == TransactionState::Committing;
        let msg = Msg::EndTxn { transactional_id: txn.config.transactional_id.clone(), producer_id, producer_epoch, commit };
        out.send(NodeId::controller(), msg);
    }

    pub(super) fn on_transaction_message(&mut self, msg: Msg, now: SimTime, out: &mut Outbox) {
        match msg {
            Msg::InitProducerIdResponse { result: Ok((producer_id, epoch)) } => {
                self.sequences = Some(Sequences::starting_at(producer_id, epoch, self.leaders.len() as u32));
                out.note(TraceKind::ProducerEpochBump, [producer_id, epoch.into(), 0]);
                self.begin_next(now, out);
            }
            Msg::InitProducerIdResponse { result: Err(_) } => self.init_transactions(out),
            Msg::AddPartitionsToTxnResponse { partitions, result } => self.on_partitions_added(&partitions, result, now, out),
            Msg::EndTxnResponse { commit, result } => {
                let committed = commit && result.is_ok();
                let doomed = self.txn.as_ref().is_some_and(|t| t.doomed);
                self.settle_transaction(committed, out);
                match result {
                    Ok(()) if !doomed => self.begin_next(now, out),
                    // The coordinator aborted it (transaction.timeout.ms) and bumped the epoch,
                    // or sequences are unknown after failures: re-initialise under a new
                    // epoch and carry on.
                    _ => self.init_transactions(out),
                }
            }
            other => unreachable!("a producer is never sent {}", other.name()),
        }
    }

    fn on_partitions_added(&mut self, partitions: &[u32], result: Result<(), TxnError>, now: SimTime, out: &mut Outbox) {
        if result.is_ok() {
            if let Some(txn) = &mut self.txn {
                partitions.iter().for_each(|&p| _ = txn.partitions.insert(p, true));
            }
            self.drain(now, out);
            return;
        }
        // Fenced: these partitions' batches can never be sent in this transaction.
        for p in partitions {
            if let Some(txn) = &mut self.txn {
                txn.partitions.remove(p);
            }
            let ids: Vec<u64> = self.accumulator.queued_mut(*p).map(|b| b.batch_id).collect();
            for id in ids {
                if let Some(batch) = self.accumulator.remove(id) {
                    self.fail(&batch, false, out);
                }
            }
        }
        if let Some(txn) = &mut self.txn {
            txn.record_failed();
        }
        self.end_transaction(false, now, out);
        self.drain(now, out);
    }

    /// The transaction is over: an aborted one's records are settled as aborted.
    fn settle_transaction(&mut self, committed: bool, out: &mut Outbox) {
        let Some(txn) = &mut self.txn else { return };
        txn.end_sent = false;
        txn.state = TransactionState::Ready;
        txn.partitions.clear();
        if committed {
            txn.committed += 1;
        } else {
            txn.aborted += 1;
            for &record_id in &txn.record_ids {
                out.account(Accounting::Aborted { record_id });
            }
        }
        txn.record_ids.clear();
    }

    /// Ready again: the records that waited open the next transaction.
    fn begin_next(&mut self, now: SimTime, out: &mut Outbox) {
        let Some(txn) = &mut self.txn else { return };
        txn.state = TransactionState::Ready;
        while let Some((partition, record, key_bytes)) = self.txn.as_mut().and_then(|t| t.held.pop_front()) {
            self.enqueue_transactional(partition, record, key_bytes, now, out);
            if self.txn.as_ref().is_some_and(|t| t.state != TransactionState::InTransaction) {
                break; // That record filled the transaction: the rest wait for the next.
            }
        }
        self.drain(now, out);
    }

    pub(super) fn on_transaction_due(&mut self, number: u64, now: SimTime, out: &mut Outbox) {
        if self.txn.as_ref().is_some_and(|t| t.number == number) {
            self.end_transaction(true, now, out);
        }
    }
}
