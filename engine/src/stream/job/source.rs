//! A source task: Flink's Kafka source reader. It owns the partitions the enumerator gave it,
//! decodes each record read through its Kafka consumer, runs the chained stateless steps,
//! and sends each result down the channel of the task that owns its key. It tracks one
//! watermark per partition (bounded out-of-orderness) and emits their minimum; a partition
//! that stays silent holds everyone back until it is declared idle.

use super::chain;
use super::routing::key_owner;
use super::{Channel, Item};
use crate::kafka::protocol::FetchedRecord;
use crate::scenario::stream::StreamSpec;
use crate::stream::watermark::{SourceWatermarks, WatermarkConfig};
use crate::stream::{EventTimeUs, BEGINNING_OF_TIME_US};
use std::collections::BTreeMap;

/// What a checkpoint keeps of a source: where to read from, and its watermark state.
#[derive(Clone, Debug)]
pub struct SourceState {
    pub offsets: BTreeMap<u32, u64>,
    pub watermarks: SourceWatermarks,
    pub emitted_us: EventTimeUs,
}

#[derive(Clone, Debug)]
pub struct SourceTask {
    pub index: u16,
    /// The partitions this reader owns, in order; watermark input i is partitions[i].
    pub partitions: Vec<u32>,
    pub state: SourceState,
    /// Told downstream that it is idle (and not yet that it is active again).
    pub idle_sent: bool,
    /// Restored from a checkpoint: downstream's restored view of our idleness may be stale,
    /// so the next emission says where we stand even if the watermark has not moved.
    pub announce: bool,
    pub records_in: u64,
    pub records_out: u64,
    config: WatermarkConfig,
}

impl SourceTask {
    pub fn new(index: u16, partitions: Vec<u32>, spec: &StreamSpec) -> SourceTask {
        let w = &spec.watermark;
        let config = WatermarkConfig {
            out_of_orderness_us: i64::from(w.out_of_orderness_ms) * 1_000,
            idle_timeout_us: w.idle_timeout_ms.map(|ms| u64::from(ms) * 1_000),
        };
        let watermarks = SourceWatermarks::new(&config, partitions.len(), 0).expect("validated with the scenario");
        let state = SourceState { offsets: BTreeMap::new(), watermarks, emitted_us: BEGINNING_OF_TIME_US };
        SourceTask { index, partitions, state, idle_sent: false, announce: false, records_in: 0, records_out: 0, config }
    }

    /// A fresh start at `now_us` (no checkpoint to restore): watermarks from the beginning.
    pub fn reset(&mut self, now_us: u64) {
        let watermarks = SourceWatermarks::new(&self.config, self.partitions.len(), now_us).expect("validated with the scenario");
        self.state = SourceState { offsets: self.state.offsets.clone(), watermarks, emitted_us: BEGINNING_OF_TIME_US };
        self.idle_sent = false;
    }

    /// Decodes, transforms and routes one poll batch into `channels` (one per keyed task).
    pub fn on_batch(&mut self, records: &[FetchedRecord], spec: &StreamSpec, channels: &mut [&mut Channel], now_us: u64) {
        let mut outputs = Vec::new();
        for fetched in records {
            let Some(input) = self.partitions.iter().position(|&p| p == fetched.partition) else { continue };
            self.records_in += 1;
            self.state.offsets.insert(fetched.partition, fetched.offset + 1);
            let record = chain::decode(&fetched.record, &spec.event_time);
            self.state.watermarks.on_record(input, record.event_time_us, now_us);
            outputs.clear();
            chain::run(&spec.pipeline, record, &mut outputs);
            for record in outputs.drain(..) {
                let task = key_owner(record.key, channels.len() as u16) as usize;
                channels[task].push(Item::Record(record));
                self.records_out += 1;
            }
        }
    }

    /// The periodic watermark emission: the minimum over non-idle partitions if it moved,
    /// or "idle" once every partition is.
    pub fn emit_watermark(&mut self, channels: &mut [&mut Channel], now_us: u64) {
        self.state.watermarks.on_processing_time(now_us);
        let watermarks = &self.state.watermarks;
        if watermarks.combiner().is_idle() {
            if !self.idle_sent || self.announce {
                self.idle_sent = true;
                self.announce = false;
                channels.iter_mut().for_each(|c| c.push(Item::Idle));
            }
            return;
        }
        let current = watermarks.watermark_us();
        let resend = (self.idle_sent || self.announce) && current > BEGINNING_OF_TIME_US;
        if current > self.state.emitted_us || resend {
            self.state.emitted_us = current;
            self.idle_sent = false;
            self.announce = false;
            channels.iter_mut().for_each(|c| c.push(Item::Watermark(current)));
        }
    }

    pub fn inject_barrier(&self, id: u64, channels: &mut [&mut Channel]) {
        channels.iter_mut().for_each(|c| c.push(Item::Barrier(id)));
    }
}
