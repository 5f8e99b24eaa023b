//! Fidelity: Dhara's keyed partitioner against vectors produced by real Kafka clients
//! (`../shared/oracles/kafka_partitioner.json`, cross-checked against the Java client).

use dhara_engine::kafka::partitioner::{murmur2, partition_for_key};
use std::path::PathBuf;

fn oracle_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracles/kafka_partitioner.json")
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    assert!(hex.len() % 2 == 0, "odd hex length");
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit")).collect()
}

#[test]
fn every_oracle_case_matches_the_java_client() {
    let path = oracle_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let oracle: serde_json::Value = serde_json::from_str(&text).expect("oracle parses");
    let cases = oracle["cases"].as_array().expect("cases array");
    assert!(cases.len() >= 100, "expected the full vector set, got {}", cases.len());
    for case in cases {
        let key = hex_to_bytes(case["key_hex"].as_str().expect("key_hex"));
        let partitions = case["num_partitions"].as_u64().expect("num_partitions") as u32;
        let expected_hash = case["murmur2"].as_i64().expect("murmur2") as i32;
        let expected_partition = case["partition"].as_u64().expect("partition") as u32;
        assert_eq!(murmur2(&key), expected_hash, "murmur2 of {}", case["key_hex"]);
        assert_eq!(partition_for_key(&key, partitions), expected_partition, "partition of {}", case["key_hex"]);
    }
}
