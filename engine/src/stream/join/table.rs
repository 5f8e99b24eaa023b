//! Kafka Streams' KStream–KTable join: the table is a compacted changelog folded into its
//! latest value per key, and each stream record is joined with whatever the table holds
//! for its key when the record is processed. No versions are consulted (that would be a
//! versioned/temporal join), so an update arriving a moment later is missed.

use std::collections::BTreeMap;

use crate::stream::StreamRecord;

/// Key, value and version (8 bytes each) per row.
pub const TABLE_ROW_BYTES: usize = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TableRow {
    pub value: i64,
    /// The changelog offset (or version) the value came from, shown on the page.
    pub version: u64,
}

/// A changelog folded to its latest value per key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    rows: BTreeMap<u64, TableRow>,
    upserts: u64,
    tombstones: u64,
}

impl Table {
    pub fn new() -> Self {
        Table::default()
    }

    /// Applies updates in arrival order, as a changelog partition delivers them.
    pub fn upsert(&mut self, key: u64, value: i64, version: u64) {
        self.rows.insert(key, TableRow { value, version });
        self.upserts += 1;
    }

    /// A tombstone: the key has no value any more. Returns whether it had one.
    pub fn delete(&mut self, key: u64) -> bool {
        self.tombstones += 1;
        self.rows.remove(&key).is_some()
    }

    pub fn get(&self, key: u64) -> Option<TableRow> {
        self.rows.get(&key).copied()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn state_bytes(&self) -> usize {
        self.rows.len() * TABLE_ROW_BYTES
    }

    pub fn upserts(&self) -> u64 {
        self.upserts
    }

    pub fn tombstones(&self) -> u64 {
        self.tombstones
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    /// A record whose key the table lacks is dropped (and counted).
    #[default]
    Inner,
    /// A record whose key the table lacks goes on with no table value.
    Left,
}

// Not Serialize: `StreamRecord` (in stream/mod.rs) does not derive it yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enriched {
    pub record: StreamRecord,
    /// Always `Some` for an inner join.
    pub table: Option<TableRow>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamTableJoin {
    kind: JoinKind,
    table: Table,
    matched: u64,
    misses_dropped: u64,
    misses_kept: u64,
}

impl StreamTableJoin {
    pub fn new(kind: JoinKind) -> Self {
        StreamTableJoin { kind, table: Table::new(), matched: 0, misses_dropped: 0, misses_kept: 0 }
    }

    pub fn kind(&self) -> JoinKind {
        self.kind
    }

    pub fn upsert(&mut self, key: u64, value: i64, version: u64) {
        self.table.upsert(key, value, version);
    }

    pub fn delete(&mut self, key: u64) -> bool {
        self.table.delete(key)
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Joins one stream record with the table as it is now; `None` when an inner join
    /// drops a miss.
    pub fn enrich(&mut self, record: StreamRecord) -> Option<Enriched> {
        let table = self.table.get(record.key);
        match (table, self.kind) {
            (Some(_), _) => self.matched += 1,
            (None, JoinKind::Inner) => {
                self.misses_dropped += 1;
                return None;
            }
            (None, JoinKind::Left) => self.misses_kept += 1,
        }
        Some(Enriched { record, table })
    }

    pub fn matched(&self) -> u64 {
        self.matched
    }

    pub fn misses_dropped(&self) -> u64 {
        self.misses_dropped
    }

    pub fn misses_kept(&self) -> u64 {
        self.misses_kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: u64, key: u64) -> StreamRecord {
        StreamRecord { id, key, origin_key: key, event_time_us: id as i64, value: 10, tag: 0, payload: crate::workload::Payload::None }
    }

    #[test]
    fn the_stream_sees_the_tables_current_value() {
        let mut join = StreamTableJoin::new(JoinKind::Inner);
        join.upsert(1, 500, 0);
        assert_eq!(join.enrich(rec(1, 1)).unwrap().table, Some(TableRow { value: 500, version: 0 }));
        join.upsert(1, 700, 3);
        assert_eq!(join.enrich(rec(2, 1)).unwrap().table, Some(TableRow { value: 700, version: 3 }));
        assert!(join.delete(1));
        assert!(!join.delete(1));
        assert_eq!(join.enrich(rec(3, 1)), None);
        assert_eq!((join.matched(), join.misses_dropped(), join.misses_kept()), (2, 1, 0));
        assert_eq!((join.table().upserts(), join.table().tombstones()), (2, 2));
        assert!(join.table().is_empty());
    }

    #[test]
    fn a_left_join_keeps_misses_without_a_value() {
        let mut join = StreamTableJoin::new(JoinKind::Left);
        join.upsert(2, -1, 9);
        join.upsert(4, 8, 10);
        let miss = join.enrich(rec(1, 3)).unwrap();
        assert_eq!(miss, Enriched { record: rec(1, 3), table: None });
        assert!(join.enrich(rec(2, 2)).unwrap().table.is_some());
        assert_eq!((join.matched(), join.misses_dropped(), join.misses_kept()), (1, 0, 1));
        assert_eq!(join.table().len(), 2);
        assert_eq!(join.table().state_bytes(), 2 * TABLE_ROW_BYTES);
    }
}
