//! How many bytes a record takes in Kafka's v2 message format (the record batch, since Kafka
//! 0.11). A batch carries one 61-byte header; each record inside it stores its key and value
//! plus small varint deltas from the batch's first offset and timestamp, so a record costs
//! only a few bytes beyond its payload once it shares a batch with others.

/// The v2 batch header (Kafka's `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`): base offset,
/// length, leader epoch, magic, CRC, attributes, last offset delta, two timestamps, producer
/// id, producer epoch, base sequence and record count.
pub const BATCH_HEADER_BYTES: u32 = 61;

/// The most a record's framing can take besides key, value and headers (Kafka's
/// `DefaultRecord.MAX_RECORD_OVERHEAD`): length 5, attributes 1, timestamp delta 10, offset
/// delta 5. Used where Kafka must size a buffer before it knows the deltas.
pub const RECORD_OVERHEAD_MAX_BYTES: u32 = 21;

/// What a record of `value_bytes` weighs when its key and deltas are not tracked (fetched
/// records, replicated entries): the value plus the most the framing can take.
pub fn record_bytes_max(value_bytes: u32) -> u64 {
    u64::from(RECORD_OVERHEAD_MAX_BYTES + value_bytes)
}

/// Bytes of a zigzag varint: small magnitudes, positive or negative, take few bytes
/// (Kafka's `ByteUtils.sizeOfVarlong`; for 32-bit values it equals `sizeOfVarint`).
pub fn varint_bytes(value: i64) -> u32 {
    let zigzag = ((value << 1) ^ (value >> 63)) as u64;
    let significant_bits = 64 - zigzag.leading_zeros();
    significant_bits.max(1).div_ceil(7)
}

/// A record's exact size inside a v2 batch, with no headers (Kafka's
/// `DefaultRecord.sizeInBytes`): the body, prefixed by its own length as a varint.
pub fn record_bytes(offset_delta: u32, timestamp_delta_ms: i64, key_bytes: u32, value_bytes: u32) -> u32 {
    let body = 1 // attributes
        + varint_bytes(timestamp_delta_ms)
        + varint_bytes(offset_delta.into())
        + payload_bytes(key_bytes, value_bytes);
    body + varint_bytes(body.into())
}

/// The largest a batch holding just this record can be (Kafka's
/// `DefaultRecordBatch.estimateBatchSizeUpperBound`). A record bigger than `batch.size`
/// still gets a batch of its own, sized by this.
pub fn single_record_batch_bytes_max(key_bytes: u32, value_bytes: u32) -> u32 {
    BATCH_HEADER_BYTES + RECORD_OVERHEAD_MAX_BYTES + payload_bytes(key_bytes, value_bytes)
}

/// Key and value with their length prefixes, plus the (empty) header count.
fn payload_bytes(key_bytes: u32, value_bytes: u32) -> u32 {
    let headers_count = varint_bytes(0);
    varint_bytes(key_bytes.into()) + key_bytes + varint_bytes(value_bytes.into()) + value_bytes + headers_count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_grow_every_seven_bits_of_the_zigzag_value() {
        assert_eq!(varint_bytes(0), 1);
        assert_eq!(varint_bytes(63), 1, "zigzag 126");
        assert_eq!(varint_bytes(64), 2, "zigzag 128");
        assert_eq!(varint_bytes(-64), 1, "zigzag 127");
        assert_eq!(varint_bytes(-65), 2);
        assert_eq!(varint_bytes(i64::from(i32::MAX)), 5);
        assert_eq!(varint_bytes(i64::MIN), 10);
    }

    #[test]
    fn a_record_costs_its_payload_plus_a_few_bytes_of_framing() {
        // Body: attributes 1, timestamp delta 1, offset delta 1, key 1+20, value 2+320,
        // headers 1 = 347; its length prefix (zigzag 694) takes 2 more bytes.
        assert_eq!(record_bytes(0, 0, 20, 320), 349);
        // Later records in a batch have larger deltas; a 200 ms delta takes 2 bytes.
        assert_eq!(record_bytes(70, 200, 20, 320), 351);
        assert!(single_record_batch_bytes_max(20, 320) >= BATCH_HEADER_BYTES + record_bytes(0, 0, 20, 320));
    }
}
