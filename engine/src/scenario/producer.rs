//! The producer's part of a scenario: Kafka's producer settings under their Kafka names (with
//! units appended), each optional with Kafka's default, and the rules Kafka itself applies
//! when a producer is created, such as what idempotence requires.

use super::default_request_timeout_ms;
use super::limits::*;
use crate::error::{check_finite_range, check_range, InputError};
use crate::kafka::compression::CompressionType;
use crate::kafka::protocol::Acks;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    /// Mean send rate (Poisson arrivals), 1 to 1,000,000 records per second.
    pub records_per_s: u32,
    /// How many distinct keys (UPI VPAs), 1 to 1,000,000.
    pub keys: u32,
    /// Zipf exponent of key popularity: 0 is uniform, above 1 makes hot keys (0 to 3).
    #[serde(default)]
    pub key_skew: f64,
    /// Size of each record's value, 1 byte to 1 MiB (Kafka's default max.message.bytes).
    pub value_bytes: u32,
    /// "0", "1" or "all" (Kafka's default since 3.0: all).
    #[serde(default = "default_acks")]
    pub acks: Acks,
    /// Kafka's request.timeout.ms (default 30,000), 1 to 600,000 ms.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u32,
    /// Kafka's delivery.timeout.ms (default 120,000), from linger.ms + request.timeout.ms to
    /// 3,600,000 ms: how long a batch may take, from its first record, to be acknowledged.
    #[serde(default = "default_delivery_timeout_ms")]
    pub delivery_timeout_ms: u32,
    /// Kafka's retry.backoff.ms (default 100), 0 to 60,000 ms.
    #[serde(default = "default_retry_backoff_ms")]
    pub retry_backoff_ms: u32,
    /// Kafka's batch.size (default 16,384), 0 to 1,048,576 bytes: a partition's batch takes
    /// no record that would grow it past this, counting Kafka's v2 format (a 61-byte batch
    /// header, and per record its key, value and a few bytes of varint framing). 0 puts
    /// every record in a batch of its own.
    #[serde(default = "default_batch_size_bytes")]
    pub batch_size_bytes: u32,
    /// Kafka's linger.ms (default 5, Kafka 4.0's default; it was 0 before), 0 to 60,000 ms:
    /// how long a batch that is not full waits for more records before it may be sent.
    #[serde(default = "default_linger_ms")]
    pub linger_ms: u32,
    /// Kafka's compression.type: "none" (default), "gzip", "snappy", "lz4" or "zstd".
    #[serde(default)]
    pub compression_type: CompressionType,
    /// Kafka's max.in.flight.requests.per.connection (default 5), 1 to 100: unanswered
    /// Produce requests per broker; ready batches beyond that wait in the accumulator.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight_requests_per_connection: u32,
    /// Kafka's enable.idempotence (default true). It needs acks "all" and at most 5 requests
    /// in flight: set true with anything else, the scenario is refused, as Kafka refuses
    /// the configuration; left unset with acks "0" or "1", it is off, as Kafka quietly
    /// turns it off then (see `ProducerSpec::idempotence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_idempotence: Option<bool>,
    /// Share of records sent as tombstones (no value: "delete this key" on a compacted
    /// topic), 0 to 100 percent (default 0).
    #[serde(default)]
    pub tombstone_percent: u32,
    /// Share of records sent without a key, 0 to 100 percent (default 0): Kafka's sticky
    /// partitioner spreads them. A compacted topic refuses keyless records, as Kafka does.
    #[serde(default)]
    pub keyless_percent: u32,
    /// Kafka's transactional.id (default unset): makes the producer transactional. It needs
    /// idempotence (acks "all"); 1 to 249 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactional_id: Option<String>,
    /// Records per transaction (default 100), 1 to 100,000: the producer commits once the
    /// open transaction holds this many, or after `transaction_ms`, whichever comes first.
    #[serde(default = "default_transaction_records_max")]
    pub transaction_records_max: u32,
    /// Commit the open transaction this long after it began (default unset: only
    /// `transaction_records_max` decides), 1 to 3,600,000 ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_ms: Option<u32>,
    /// Kafka's transaction.timeout.ms (default 60,000), 1,000 to 900,000 ms (Kafka's
    /// transaction.max.timeout.ms): the coordinator aborts a transaction open longer.
    #[serde(default = "default_transaction_timeout_ms")]
    pub transaction_timeout_ms: u32,
}

/// Kafka's cap on requests in flight for an idempotent producer: its brokers remember the
/// last 5 batches of each producer (`kafka::idempotence::BATCHES_RETAINED`).
pub const IDEMPOTENT_MAX_IN_FLIGHT: u32 = 5;

impl ProducerSpec {
    /// Whether the producer is idempotent, resolved as Kafka's `ProducerConfig` does: an
    /// explicit choice stands (validation refuses an impossible one); by default it is on,
    /// unless acks is not "all", which turns it off without complaint.
    pub fn idempotence(&self) -> bool {
        self.enable_idempotence.unwrap_or(self.acks == Acks::All)
    }

    /// Checks every producer field against its documented range.
    pub(super) fn validate(&self) -> Result<(), InputError> {
        check_range("producer.records_per_s", self.records_per_s, 1, RATE_RECORDS_PER_S_MAX, "records/s")?;
        check_range("producer.keys", self.keys, 1, KEYS_MAX, "")?;
        check_range("producer.tombstone_percent", self.tombstone_percent, 0, 100, "%")?;
        check_range("producer.keyless_percent", self.keyless_percent, 0, 100, "%")?;
        check_finite_range("producer.key_skew", self.key_skew, 0.0, KEY_SKEW_MAX, "")?;
        check_range("producer.value_bytes", self.value_bytes, 1, VALUE_BYTES_MAX, "bytes")?;
        check_range("producer.request_timeout_ms", self.request_timeout_ms, 1, CLUSTER_TIMEOUT_MS_MAX, "ms")?;
        check_range("producer.linger_ms", self.linger_ms, 0, WAIT_MS_MAX, "ms")?;
        // Kafka refuses a delivery.timeout.ms below linger.ms + request.timeout.ms.
        let delivery_min = self.request_timeout_ms + self.linger_ms;
        let why = "ms (at least producer.linger_ms + producer.request_timeout_ms)";
        check_range("producer.delivery_timeout_ms", self.delivery_timeout_ms, delivery_min, DELIVERY_TIMEOUT_MS_MAX, why)?;
        check_range("producer.retry_backoff_ms", self.retry_backoff_ms, 0, 60_000, "ms")?;
        check_range("producer.batch_size_bytes", self.batch_size_bytes, 0, BATCH_SIZE_BYTES_MAX, "bytes")?;
        let in_flight = self.max_in_flight_requests_per_connection;
        check_range("producer.max_in_flight_requests_per_connection", in_flight, 1, MAX_IN_FLIGHT_MAX, "")?;
        self.validate_idempotence()?;
        self.validate_transactions()
    }

    /// Kafka's rules for transactional.id: it needs an idempotent producer.
    fn validate_transactions(&self) -> Result<(), InputError> {
        let Some(id) = &self.transactional_id else { return Ok(()) };
        if id.is_empty() || id.len() > 249 {
            return Err(InputError::new("producer.transactional_id", format!("must be 1 to 249 characters (got {})", id.len())));
        }
        if self.acks != Acks::All {
            let message = "must be \"all\" for a transactional producer (transactions need idempotence, which needs acks=all)";
            return Err(InputError::new("producer.acks", message));
        }
        if self.enable_idempotence == Some(false) {
            return Err(InputError::new("producer.enable_idempotence", "cannot be false with producer.transactional_id set (Kafka refuses it)"));
        }
        check_range("producer.transaction_records_max", self.transaction_records_max, 1, 100_000, "records")?;
        if let Some(ms) = self.transaction_ms {
            check_range("producer.transaction_ms", ms, 1, DELIVERY_TIMEOUT_MS_MAX, "ms")?;
        }
        check_range("producer.transaction_timeout_ms", self.transaction_timeout_ms, 1_000, 900_000, "ms")
    }

    /// Kafka's rules for enable.idempotence, with the substance of its messages.
    fn validate_idempotence(&self) -> Result<(), InputError> {
        if !self.idempotence() {
            return Ok(());
        }
        if self.acks != Acks::All {
            let message = "must be \"all\" for the idempotent producer (Kafka refuses acks 0 or 1 with enable.idempotence=true); set producer.enable_idempotence to false to use it";
            return Err(InputError::new("producer.acks", message));
        }
        let in_flight = self.max_in_flight_requests_per_connection;
        if in_flight > IDEMPOTENT_MAX_IN_FLIGHT {
            // Kafka 3.x quietly turned idempotence off here when it was not set explicitly;
            // Kafka 4.0 refuses it either way (KAFKA-17927), and so does Dhara.
            let message = format!("must be at most {IDEMPOTENT_MAX_IN_FLIGHT} for the idempotent producer (got {in_flight}); set producer.enable_idempotence to false to allow more");
            return Err(InputError::new("producer.max_in_flight_requests_per_connection", message));
        }
        Ok(())
    }
}

fn default_acks() -> Acks {
    Acks::All
}
fn default_delivery_timeout_ms() -> u32 {
    120_000
}
fn default_retry_backoff_ms() -> u32 {
    100
}
fn default_batch_size_bytes() -> u32 {
    16_384
}
fn default_linger_ms() -> u32 {
    5
}
fn default_max_in_flight() -> u32 {
    5
}
fn default_transaction_records_max() -> u32 {
    100
}
fn default_transaction_timeout_ms() -> u32 {
    60_000
}

#[cfg(test)]
mod tests {
    use super::super::tests::{default_json, error_for};
    use super::super::Scenario;

    #[test]
    fn producer_knobs_are_range_checked_by_name() {
        let err = error_for(|j| j["producer"]["batch_size_bytes"] = 2_000_000.into());
        assert_eq!(err.to_string(), "producer.batch_size_bytes: must be between 0 and 1048576 bytes (got 2000000)");
        let err = error_for(|j| j["producer"]["linger_ms"] = 60_001.into());
        assert_eq!(err.path, "producer.linger_ms");
        let err = error_for(|j| j["producer"]["compression_type"] = "brotli".into());
        assert_eq!(err.path, "producer.compression_type");
        assert!(err.message.contains("none") && err.message.contains("zstd"), "{err}");
        let err = error_for(|j| j["producer"]["max_in_flight_requests_per_connection"] = 0.into());
        assert_eq!(err.path, "producer.max_in_flight_requests_per_connection");
        let err = error_for(|j| {
            j["producer"]["request_timeout_ms"] = 30_000.into();
            j["producer"]["linger_ms"] = 100.into();
            j["producer"]["delivery_timeout_ms"] = 30_050.into();
        });
        assert_eq!(err.path, "producer.delivery_timeout_ms", "Kafka: at least linger.ms + request.timeout.ms");
    }

    #[test]
    fn idempotence_needs_acks_all_and_at_most_5_in_flight_as_in_kafka() {
        let err = error_for(|j| {
            j["producer"]["acks"] = "1".into();
            j["producer"]["enable_idempotence"] = true.into();
        });
        assert_eq!(err.path, "producer.acks");
        assert!(err.message.contains("producer.enable_idempotence"), "{err}");
        let err = error_for(|j| j["producer"]["max_in_flight_requests_per_connection"] = 6.into());
        assert_eq!(err.path, "producer.max_in_flight_requests_per_connection", "refused even by default, as Kafka 4.0");
        // Left unset, acks 0 or 1 turn idempotence off, as Kafka does; set false, anything goes.
        let mut json = default_json();
        json["producer"]["acks"] = "1".into();
        let scenario = Scenario::from_json(&json.to_string()).expect("valid");
        assert!(!scenario.producer.idempotence());
        json["producer"]["enable_idempotence"] = false.into();
        json["producer"]["max_in_flight_requests_per_connection"] = 20.into();
        assert!(Scenario::from_json(&json.to_string()).is_ok());
    }

    #[test]
    fn transactional_settings_name_the_field() {
        let err = error_for(|j| {
            j["producer"]["transactional_id"] = "upi-txn".into();
            j["producer"]["acks"] = "1".into();
        });
        assert_eq!(err.path, "producer.acks");
        let err = error_for(|j| {
            j["producer"]["transactional_id"] = "upi-txn".into();
            j["producer"]["enable_idempotence"] = false.into();
        });
        assert_eq!(err.path, "producer.enable_idempotence");
        let err = error_for(|j| {
            j["producer"]["transactional_id"] = "upi-txn".into();
            j["producer"]["transaction_records_max"] = 0.into();
        });
        assert_eq!(err.to_string(), "producer.transaction_records_max: must be between 1 and 100000 records (got 0)");
        let err = error_for(|j| {
            j["producer"]["transactional_id"] = "".into();
        });
        assert_eq!(err.path, "producer.transactional_id");
        let err = error_for(|j| {
            j["producer"]["transactional_id"] = "t".into();
            j["producer"]["transaction_timeout_ms"] = 999.into();
        });
        assert_eq!(err.path, "producer.transaction_timeout_ms");
    }
}
