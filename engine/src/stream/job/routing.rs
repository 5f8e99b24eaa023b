//! Who reads what, and who owns which key, computed exactly as Flink does: the Kafka source's
//! enumerator spreads partitions over readers starting at an index picked by the topic
//! name's hash, and keyBy sends a key to one of `max_parallelism` key groups (Murmur3 of the
//! key's Java hashCode), each owned by one task. Key groups are why Flink can rescale state.

/// Flink's default maximum parallelism for jobs up to 128 tasks wide: the number of key
/// groups (`KeyGroupRangeAssignment.computeDefaultMaxParallelism`).
pub const KEY_GROUPS: u32 = 128;

/// Java's `String.hashCode`: 31-polynomial over UTF-16 code units, wrapping.
pub fn java_string_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `KafkaSourceEnumerator.getSplitOwner`: the reader (source task) that owns `partition`.
pub fn split_owner(topic: &str, partition: u32, readers: u16) -> u16 {
    let readers = i32::from(readers);
    let start = (java_string_hash(topic).wrapping_mul(31) & 0x7FFF_FFFF) % readers;
    ((start + partition as i32) % readers) as u16
}

/// Flink's `MathUtils.murmurHash`: Murmur3's mix of one int, made non-negative.
pub fn flink_murmur_hash(code: i32) -> i32 {
    let mut h = (code as u32).wrapping_mul(0xcc9e_2d51);
    h = h.rotate_left(15).wrapping_mul(0x1b87_3593);
    h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    h ^= 4;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    let h = h as i32;
    if h >= 0 {
        h
    } else if h != i32::MIN {
        -h
    } else {
        0
    }
}

/// The key group of a key that is a Java `Long` (its hashCode folds the two halves).
pub fn key_group(key: u64) -> u32 {
    let java_long_hash = (key ^ (key >> 32)) as u32 as i32;
    flink_murmur_hash(java_long_hash) as u32 % KEY_GROUPS
}

/// The task that owns `key` among `parallelism` (`computeOperatorIndexForKeyGroup`).
pub fn key_owner(key: u64, parallelism: u16) -> u16 {
    (key_group(key) * u32::from(parallelism) / KEY_GROUPS) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_string_hash_matches_java() {
        // Well-known JVM values ("polygenelubricants" is the classic MIN_VALUE hash).
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("ab"), 97 * 31 + 98);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(java_string_hash("upi.payments"), -787_206_163, "printed by the JVM");
    }

    #[test]
    fn murmur_matches_flinks_math_utils() {
        // Printed by the JVM running MathUtils.murmurHash's body.
        let jvm = [(0, 593_689_054), (1, 68_075_478), (2, 1_085_422_463), (-1, 1_982_413_648), (12_345, 638_799_361), (i32::MIN, 1_718_298_732)];
        for (code, hash) in jvm {
            assert_eq!(flink_murmur_hash(code), hash, "murmurHash({code})");
        }
        assert!((0..10_000).all(|c| flink_murmur_hash(c) >= 0));
    }

    #[test]
    fn split_owners_go_round_the_readers_from_the_topics_start_index() {
        let owners: Vec<u16> = (0..6).map(|p| split_owner("upi.payments", p, 4)).collect();
        let start = owners[0];
        assert!(owners.iter().enumerate().all(|(p, &o)| o == (start + p as u16) % 4), "{owners:?}");
    }

    #[test]
    fn keys_spread_over_every_task_and_stay_put() {
        let mut counts = [0u32; 4];
        for key in 0..4_000u64 {
            counts[key_owner(key, 4) as usize] += 1;
            assert_eq!(key_owner(key, 4), key_owner(key, 4));
            assert_eq!(key_owner(key, 1), 0);
        }
        assert!(counts.iter().all(|&c| c > 700), "{counts:?}");
    }
}
