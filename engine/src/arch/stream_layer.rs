//! A stream layer, as the Lambda speed layer and every Kappa job version run it: read the
//! topic as fast as its one core allows, give each record its event time, and keep a
//! watermark (bounded out-of-orderness per partition, the minimum over partitions). A record
//! whose window the watermark passed more than the allowed lateness ago is dropped and
//! counted, exactly as Beam's late-data dropping does: the stream's answer to late data.

use super::answer::{Answer, Row, Shape};
use super::reader::{Budget, ReadRecord, TopicAccess, TopicReader};
use super::spec::{ArchSpec, Logic};
use crate::stream::watermark::{SourceWatermarks, WatermarkConfig};
use crate::stream::EventTimeUs;

/// Bytes a record takes in a log besides its value (offset, timestamp, key, headers).
pub const RECORD_OVERHEAD_BYTES: u64 = 48;

/// What a layer hands its owner, in order.
pub enum LayerEvent<'a> {
    /// The partition's log was truncated to `end` under the reader (a new leader never had
    /// those records): rows kept from offsets at or above it are of records that are gone.
    Truncated { partition: u32, end: u64 },
    /// A row of `record` that was not too late.
    Row(&'a ReadRecord, Row),
}

#[derive(Clone, Debug)]
pub struct StreamLayer {
    pub reader: TopicReader,
    budget: Budget,
    watermark: WatermarkConfig,
    watermarks: SourceWatermarks,
    allowed_lateness_us: i64,
    pub logic: Logic,
    /// While crashed: when it runs again.
    pub down_until_us: Option<u64>,
    pub late_dropped_rows: u64,
    /// The dropped rows' sums per cell: exactly what late data cost this layer's answer.
    pub late_dropped: Answer,
    /// Core time held (a stream job keeps its core whether or not records come), µs.
    pub cpu_us: u64,
    /// Bytes of the records read: the history the topic must keep for this layer to replay.
    pub bytes_read: u64,
    read: Vec<ReadRecord>,
    rows: Vec<Row>,
}

impl StreamLayer {
    /// A layer that starts reading at `positions`.
    pub fn new(spec: &ArchSpec, positions: Vec<u64>, logic: Logic, now_us: u64) -> StreamLayer {
        let watermark = WatermarkConfig { out_of_orderness_us: i64::from(spec.out_of_orderness_ms) * 1_000, idle_timeout_us: None };
        let partitions = positions.len();
        StreamLayer {
            reader: TopicReader::from_positions(positions, now_us),
            budget: Budget::new(spec.stream_records_per_s),
            watermarks: SourceWatermarks::new(&watermark, partitions, now_us).expect("validated at the edge"),
            watermark,
            allowed_lateness_us: i64::from(spec.allowed_lateness_ms) * 1_000,
            logic,
            down_until_us: None,
            late_dropped_rows: 0,
            late_dropped: Answer::default(),
            cpu_us: 0,
            bytes_read: 0,
            read: Vec::new(),
            rows: Vec::new(),
        }
    }

    pub fn is_down(&self) -> bool {
        self.down_until_us.is_some()
    }

    pub fn watermark_us(&self) -> EventTimeUs {
        self.watermarks.watermark_us()
    }

    /// The process dies: what it held in memory (watermarks, the read position) is gone; it
    /// comes back at `positions` after `restart_us`.
    pub fn crash(&mut self, positions: Vec<u64>, now_us: u64, restart_us: u64) {
        let partitions = positions.len();
        self.reader.restart(positions);
        self.watermarks = SourceWatermarks::new(&self.watermark, partitions, now_us).expect("validated at the edge");
        self.down_until_us = Some(now_us + restart_us);
    }

    /// One tick of `elapsed_us`: reads what the budget allows and hands `on` the truncations
    /// found, then each admitted row with its record. `room` bounds how many records may be
    /// read (the caller's storage left).
    pub fn tick(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64, room: u64, mut on: impl FnMut(LayerEvent)) {
        if !super::up(&mut self.down_until_us, now_us) {
            return;
        }
        self.cpu_us += elapsed_us;
        let max = self.budget.take(elapsed_us).min(room);
        let mut read = std::mem::take(&mut self.read);
        read.clear();
        self.reader.read(topic, max, now_us, &mut read);
        for (partition, end) in self.reader.take_truncations() {
            on(LayerEvent::Truncated { partition, end });
        }
        for record in &read {
            self.bytes_read += u64::from(record.record.value_bytes) + RECORD_OVERHEAD_BYTES;
            let event_time_us = shape.event_time_us(record);
            let watermark_us = self.watermarks.watermark_us();
            self.rows.clear();
            shape.rows(self.logic, record, now_us, &mut self.rows);
            for &row in &self.rows {
                // Beam drops an element once its window's max timestamp plus the allowed
                // lateness is behind the input watermark.
                let max_timestamp_us = row.cell.0 + shape.window_us - 1;
                if max_timestamp_us.saturating_add(self.allowed_lateness_us) < watermark_us {
                    self.late_dropped_rows += 1;
                    self.late_dropped.add(row.cell, row.amount);
                } else {
                    on(LayerEvent::Row(record, row));
                }
            }
            self.watermarks.on_record(record.partition as usize, event_time_us, now_us);
        }
        self.read = read;
    }
}
