//! The trace: a compact record of every event the simulation processed and every command
//! it was given, plus a running 64-bit fingerprint of the whole run. Two runs with the same
//! scenario, seed and commands have the same `trace_hash`; any difference in any event, on
//! any platform, changes it.
//!
//! The hash is FNV-1a 64 (see `rng::fnv1a64`) over each entry's canonical encoding, in
//! order: `seq` u64 LE, `at_us` u64 LE, `kind` u8, `node` u32 LE, then `a`, `b`, `c` as u64 LE.
//! It starts at the FNV offset basis. This encoding is part of Dhara's contract: changing it
//! changes every stored hash, so it only changes with a note in the changelog.

use super::chunked::ChunkedDeque;
use super::node::NodeId;
use super::rng::{fnv1a64_extend_le, FNV_OFFSET_BASIS};
use super::time::SimTime;
use serde::Serialize;

/// What happened. The meaning of the three payload fields `a`, `b`, `c` is per kind (see
/// `field_names`), so the JSON form of the trace can name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceKind {
    /// The application handed the producer a record; it joins its partition's batch.
    /// a = partition, b = key id.
    Send = 1,
    /// A leader appended a record. a = partition, b = offset, c = record id.
    Append = 2,
    /// A producer received the acknowledgement. a = partition, b = offset, c = record id.
    Ack = 3,
    /// A consumer sent a fetch. a = partitions it asks for, b = max records.
    Fetch = 4,
    /// A consumer received a fetch response. a = records, b = first partition, c = first offset.
    FetchResponse = 5,
    /// A consumer finished processing a batch. a = records, b = duplicates among them.
    Processed = 6,
    /// A broker stored committed offsets. a = partitions, b = sum of committed offsets.
    Commit = 7,
    /// A consumer learned its committed offsets. a = partitions, b = sum of offsets.
    OffsetsLoaded = 8,
    /// A command from outside. a = command code, b = argument.
    Command = 9,
    /// A metrics sample. a = total lag in records, b = produced so far, c = processed so far.
    Sample = 10,
    /// A message or timer reached a crashed node and was lost. a = message or timer code.
    Dropped = 11,
    /// A message arrived. a = message code, b = sender's node code.
    Deliver = 12,
    /// A timer fired. a = timer code, b = the timer's id (fetch or batch), if any.
    Timer = 13,
    /// A follower truncated its log to match a new leader. a = partition, b = new log end, c = records removed.
    Truncate = 14,
    /// The controller changed a partition's ISR. a = partition, b = ISR as a bit set of broker ids.
    IsrChange = 15,
    /// The controller elected a leader. a = partition, b = leader (u64::MAX: none, offline), c = epoch.
    LeaderElected = 16,
    /// An out-of-sync replica was made leader. a = partition, b = leader.
    UncleanElection = 17,
    /// A broker missed its heartbeats and was fenced. a = broker.
    BrokerFenced = 18,
    /// A fenced broker came back. a = broker.
    BrokerUnfenced = 19,
    /// A produce attempt failed. a = the batch's first record id, b = error code, c = attempt.
    ProduceError = 20,
    /// The group coordinator started a rebalance. a = round, b = members.
    RebalanceStarted = 21,
    /// A rebalance completed its join phase. a = generation, b = members.
    GroupGeneration = 22,
    /// A member left or was expired. a = generation, b = 1 if expired.
    MemberLeft = 23,
    /// An offset commit from a stale generation or unknown member was refused. a = its generation, b = current.
    CommitRejected = 24,
    /// A member received its assignment. a = generation, b = partitions, c = revoked.
    Assigned = 25,
    /// A producer sent a batch. a = partition, b = records, c = bytes on the wire.
    BatchSent = 26,
    /// A leader recognised a retried idempotent batch and wrote nothing.
    /// a = partition, b = the original base offset, c = base sequence.
    DuplicateBatch = 27,
    /// An idempotent producer bumped its epoch to restart sequences after a gap.
    /// a = producer id, b = new epoch, c = partitions whose batches were renumbered.
    ProducerEpochBump = 28,
    /// A leader appended a transaction marker. a = partition, b = offset, c = 1 commit, 0 abort.
    TxnMarker = 29,
    /// The transaction coordinator changed a transaction's state.
    /// a = producer id, b = producer epoch, c = state code (`kafka::transactions::TxnState`).
    TxnState = 30,
    /// A stream job's coordinator started a checkpoint. a = checkpoint id.
    CheckpointTriggered = 31,
    /// Every task acknowledged a checkpoint. a = id, b = duration in µs, c = size in bytes.
    CheckpointCompleted = 32,
    /// A checkpoint was given up. a = id, b = 1 if cut short by a failure (else timed out).
    CheckpointAbandoned = 33,
    /// A keyed task emitted results. a = task, b = results, c = records processed in the slice.
    StreamOutput = 34,
    /// A stream job failed and will restart. a = attempt, b = the checkpoint it will restore.
    JobFailed = 35,
    /// A stream job restarted. a = restarts so far, b = the checkpoint restored (0: none).
    JobRestored = 36,
    /// An architecture changed what it serves. a = what (`arch::NOTE_*`: batch started,
    /// batch done, a Kappa version took over, a projection rebuilt), b and c its numbers.
    Architecture = 37,
}

impl TraceKind {
    /// Names of `a`, `b`, `c` for this kind; `None` for an unused field.
    pub fn field_names(self) -> [Option<&'static str>; 3] {
        use TraceKind::*;
        match self {
            Send => [Some("partition"), Some("key_id"), Some("tombstone")],
            Append => [Some("partition"), Some("offset"), Some("record_id")],
            Ack => [Some("partition"), Some("offset"), Some("record_id")],
            Fetch => [Some("partitions"), Some("max_records"), None],
            FetchResponse => [Some("records"), Some("first_partition"), Some("first_offset")],
            Processed => [Some("records"), Some("duplicates"), None],
            Commit => [Some("partitions"), Some("offset_sum"), None],
            OffsetsLoaded => [Some("partitions"), Some("offset_sum"), None],
            Command => [Some("command_code"), Some("argument"), None],
            Sample => [Some("lag_records"), Some("produced"), Some("processed")],
            Dropped => [Some("code"), None, None],
            Deliver => [Some("message_code"), Some("from_code"), None],
            Timer => [Some("timer_code"), Some("timer_id"), None],
            Truncate => [Some("partition"), Some("log_end_offset"), Some("removed")],
            IsrChange => [Some("partition"), Some("isr_bits"), None],
            LeaderElected => [Some("partition"), Some("leader"), Some("leader_epoch")],
            UncleanElection => [Some("partition"), Some("leader"), None],
            BrokerFenced | BrokerUnfenced => [Some("broker"), None, None],
            ProduceError => [Some("record_id"), Some("error_code"), Some("attempt")],
            RebalanceStarted => [Some("round"), Some("members"), None],
            GroupGeneration => [Some("generation"), Some("members"), None],
            MemberLeft => [Some("generation"), Some("expired"), None],
            CommitRejected => [Some("generation"), Some("current_generation"), None],
            Assigned => [Some("generation"), Some("partitions"), Some("revoked")],
            BatchSent => [Some("partition"), Some("records"), Some("wire_bytes")],
            DuplicateBatch => [Some("partition"), Some("offset"), Some("base_sequence")],
            ProducerEpochBump => [Some("producer_id"), Some("producer_epoch"), Some("partitions")],
            TxnMarker => [Some("partition"), Some("offset"), Some("commit")],
            TxnState => [Some("producer_id"), Some("producer_epoch"), Some("state")],
            CheckpointTriggered => [Some("checkpoint"), None, None],
            CheckpointCompleted => [Some("checkpoint"), Some("duration_us"), Some("size_bytes")],
            CheckpointAbandoned => [Some("checkpoint"), Some("by_failure"), None],
            StreamOutput => [Some("task"), Some("results"), Some("records")],
            JobFailed => [Some("attempt"), Some("restores_checkpoint"), None],
            JobRestored => [Some("restarts"), Some("checkpoint"), None],
            Architecture => [Some("what"), Some("b"), Some("c")],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    pub seq: u64,
    pub at: SimTime,
    pub kind: TraceKind,
    pub node: NodeId,
    pub a: u64,
    pub b: u64,
    pub c: u64,
}

impl TraceEntry {
    /// `state` continued over `encode()`'s bytes, field by field (the same value, faster).
    fn extend_hash(&self, state: u64) -> u64 {
        let fields = [(self.seq, 8), (self.at.as_us(), 8), (self.kind as u64, 1), (u64::from(self.node.code()), 4), (self.a, 8), (self.b, 8), (self.c, 8)];
        fields.into_iter().fold(state, |state, (value, width)| fnv1a64_extend_le(state, value, width))
    }

    #[cfg(test)]
    fn encode(&self) -> [u8; 45] {
        let mut bytes = [0u8; 45];
        bytes[0..8].copy_from_slice(&self.seq.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.at.as_us().to_le_bytes());
        bytes[16] = self.kind as u8;
        bytes[17..21].copy_from_slice(&self.node.code().to_le_bytes());
        bytes[21..29].copy_from_slice(&self.a.to_le_bytes());
        bytes[29..37].copy_from_slice(&self.b.to_le_bytes());
        bytes[37..45].copy_from_slice(&self.c.to_le_bytes());
        bytes
    }

    /// The entry as one JSON object, payload fields named per kind.
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert("seq".into(), self.seq.into());
        object.insert("t_us".into(), self.at.as_us().into());
        object.insert("kind".into(), serde_json::to_value(self.kind).unwrap_or_default());
        object.insert("node".into(), self.node.to_string().into());
        for (name, value) in self.kind.field_names().into_iter().zip([self.a, self.b, self.c]) {
            if let Some(name) = name {
                // Fingerprints and "none" markers use all 64 bits; JavaScript numbers stop
                // at 2^53, so larger values travel as decimal strings.
                let value = if value > JS_SAFE_INTEGER_MAX { value.to_string().into() } else { value.into() };
                object.insert(name.into(), value);
            }
        }
        serde_json::Value::Object(object)
    }
}

/// The largest integer a JavaScript number holds exactly (2^53 − 1).
pub const JS_SAFE_INTEGER_MAX: u64 = (1 << 53) - 1;

/// The running trace: a fingerprint of everything, plus the most recent entries.
#[derive(Clone)]
pub struct Trace {
    hash: u64,
    len: u64,
    /// Shared in chunks with the timeline's snapshots, which would otherwise each copy it.
    recent: ChunkedDeque<TraceEntry>,
    recent_len_max: usize,
}

impl Trace {
    /// A trace that keeps the latest `recent_len_max` entries (older ones still count in
    /// the hash). Bounded so that a long run in a browser tab stays in bounded memory.
    pub fn new(recent_len_max: usize) -> Self {
        Trace { hash: FNV_OFFSET_BASIS, len: 0, recent: ChunkedDeque::new(), recent_len_max }
    }

    pub fn record(&mut self, at: SimTime, kind: TraceKind, node: NodeId, payload: [u64; 3]) {
        let [a, b, c] = payload;
        let entry = TraceEntry { seq: self.len, at, kind, node, a, b, c };
        self.hash = entry.extend_hash(self.hash);
        self.len += 1;
        if self.recent_len_max == 0 {
            return;
        }
        if self.recent.len() == self.recent_len_max {
            self.recent.pop_front();
        }
        self.recent.push_back(entry);
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Entries recorded so far (including those no longer held).
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Held entries with `seq >= first_seq`. If older ones were already evicted, the result
    /// starts later than asked: callers compare the first `seq` to detect the gap.
    pub fn since(&self, first_seq: u64) -> impl Iterator<Item = &TraceEntry> {
        let oldest = self.recent.front().map_or(self.len, |entry| entry.seq);
        let skip = first_seq.saturating_sub(oldest).min(self.recent.len() as u64) as usize;
        self.recent.iter_from(self.recent.pos_of(skip))
    }
}

/// The canonical text form of a trace hash: 16 lower-case hex digits. JSON numbers lose
/// precision above 2^53 in JavaScript, so the hash always crosses boundaries as this string.
pub fn hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(trace: &mut Trace, n: u64) {
        for i in 0..n {
            trace.record(SimTime::from_us(i), TraceKind::Append, NodeId::broker(0), [i % 3, i, 7]);
        }
    }

    #[test]
    fn hash_depends_on_every_entry() {
        let (mut one, mut two) = (Trace::new(10), Trace::new(10));
        sample(&mut one, 50);
        sample(&mut two, 50);
        assert_eq!(one.hash(), two.hash());
        two.record(SimTime::from_us(99), TraceKind::Ack, NodeId::producer(0), [0, 0, 0]);
        assert_ne!(one.hash(), two.hash());
    }

    #[test]
    fn hash_is_the_documented_fnv_over_the_encoding() {
        let mut trace = Trace::new(0);
        trace.record(SimTime::from_us(5), TraceKind::Send, NodeId::producer(1), [2, 3, 0]);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.extend_from_slice(&5u64.to_le_bytes());
        bytes.push(1);
        bytes.extend_from_slice(&0x1_0001u32.to_le_bytes());
        for field in [2u64, 3, 0] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        assert_eq!(trace.hash(), crate::sim::rng::fnv1a64(&bytes));
    }

    /// The field-by-field hash the trace keeps is FNV-1a over `encode()`, for values of every
    /// width: small, with zero bytes inside, and all ones.
    #[test]
    fn the_running_hash_is_fnv_over_each_entrys_bytes() {
        let values = [0, 1, 0xff, 0x100, 0x1_0000_0001, 0x00ff_0000_0000_ff00, u64::MAX >> 8, u64::MAX];
        let mut trace = Trace::new(0);
        let mut expected = FNV_OFFSET_BASIS;
        for (i, &v) in values.iter().enumerate() {
            for (j, &w) in values.iter().enumerate() {
                let (node, kind) = if (i + j) % 2 == 0 { (NodeId::broker(j as u16), TraceKind::Ack) } else { (NodeId::consumer(u16::MAX), TraceKind::Send) };
                let entry = TraceEntry { seq: trace.len(), at: SimTime::from_us(w), kind, node, a: v, b: w, c: v ^ w };
                expected = crate::sim::rng::fnv1a64_extend(expected, &entry.encode());
                trace.record(entry.at, kind, node, [v, w, v ^ w]);
                assert_eq!(trace.hash(), expected, "after a = {v:#x}, b = {w:#x}");
            }
        }
    }

    #[test]
    fn recent_entries_are_bounded_and_since_skips_correctly() {
        let mut trace = Trace::new(10);
        sample(&mut trace, 25);
        assert_eq!(trace.len(), 25);
        let seqs: Vec<u64> = trace.since(0).map(|e| e.seq).collect();
        assert_eq!(seqs, (15..25).collect::<Vec<_>>());
        let seqs: Vec<u64> = trace.since(20).map(|e| e.seq).collect();
        assert_eq!(seqs, (20..25).collect::<Vec<_>>());
        assert_eq!(trace.since(25).count(), 0);
    }

    #[test]
    fn json_names_the_payload_fields() {
        let mut trace = Trace::new(1);
        trace.record(SimTime::from_us(9), TraceKind::Append, NodeId::broker(0), [4, 12, 99]);
        let json = trace.since(0).next().map(TraceEntry::to_json).unwrap_or_default();
        assert_eq!(json["kind"], "append");
        assert_eq!(json["node"], "broker-0");
        assert_eq!(json["partition"], 4);
        assert_eq!(json["offset"], 12);
        assert_eq!(json["record_id"], 99);
        assert_eq!(json["t_us"], 9);
    }
}
