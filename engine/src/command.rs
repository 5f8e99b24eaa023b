//! Commands from outside the simulation: the page's buttons, lessons and scripts. They are
//! one JSON-tagged enum, applied at the current simulated instant and recorded in the trace,
//! so a run is exactly reproducible from (scenario, seed, command log).

use crate::error::{check_range, InputError};
use crate::scenario::limits::RATE_RECORDS_PER_S_MAX;
use serde::{Deserialize, Serialize};

/// A command, as JSON: `{"command": "set_consumer_rate", "records_per_s": 500}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Change the producer's mean send rate (1 to 1,000,000 records/s).
    SetProducerRate { records_per_s: u32 },
    /// Change the consumer's processing speed (1 to 1,000,000 records/s).
    SetConsumerRate { records_per_s: u32 },
    /// Kill consumer `consumer` (default 0): its batch in hand is lost; after
    /// session.timeout.ms the group rebalances its partitions to the others.
    CrashConsumer {
        #[serde(default)]
        consumer: u16,
    },
    /// Start a crashed consumer again; it rejoins the group.
    RestartConsumer {
        #[serde(default)]
        consumer: u16,
    },
    /// Start one more member of the group (up to 16): a rebalance follows.
    /// (Empty braces, not unit variants: serde only rejects unknown fields in struct variants.)
    AddConsumer {},
    /// Kill a broker process: its logs survive on disk, its leadership does not.
    CrashBroker { broker: u16 },
    /// Start a crashed broker again; it catches up from the leaders and rejoins the ISR.
    RestartBroker { broker: u16 },
    /// Cut every link between the nodes in `a` and those in `b` (e.g. `["broker-0"]` and
    /// `["controller", "broker-1", "broker-2"]`). Messages sent across are lost.
    PartitionNetwork { a: Vec<String>, b: Vec<String> },
    /// Remove every network partition.
    HealNetwork {},
    /// Make messages to and from `node` take `factor` times as long (1 to 1000; 1 restores).
    SlowNode { node: String, factor: u32 },
    /// Set a node's clock error in ms (−86,400,000 to 86,400,000). A producer's clock stamps
    /// records' CreateTime; a broker's decides when time retention deletes them.
    SkewClock { node: String, offset_ms: i64 },
    /// A transactional producer aborts its open transaction instead of committing it: its
    /// records stay in the log, but read_committed consumers never see them.
    AbortTransaction {},
    /// Kill keyed task `task` (default 0) of the stream job: the whole job fails over and
    /// restarts from its last completed checkpoint (Flink's default full restart).
    CrashTask {
        #[serde(default)]
        task: u16,
    },
    /// Change how fast each keyed task of the stream job works (1 to 1,000,000 records/s):
    /// slow it down to watch backpressure reach the sources and Kafka lag grow.
    SetOperatorRate { records_per_s: u32 },
    /// Lambda: start a batch run over the master dataset now (refused while one runs).
    RunBatchNow {},
    /// Kappa: deploy the next job version with `logic` (default "exact"); it replays the
    /// topic from offset 0 into a new table and takes over serving once caught up. Refused if
    /// retention already removed records, unless `allow_loss` (then the loss is counted).
    DeployV2 {
        #[serde(default)]
        logic: crate::arch::Logic,
        #[serde(default)]
        allow_loss: bool,
    },
    /// Lambda: change one layer's logic ("exact", "sampled", "processing_time"): the two
    /// codebases diverge until both say the same again.
    SetLogic { layer: crate::arch::Layer, logic: crate::arch::Logic },
    /// CQRS: rebuild the projection from the event log (from the latest snapshot if any).
    RebuildProjection {},
    /// Kill one architecture's layer: lambda_batch, lambda_speed, kappa, cqrs_commands or
    /// cqrs_projection. It restarts by itself after `architectures.restart_ms`.
    CrashLayer { layer: crate::arch::Layer },
    /// Send `percent` (0 to 100; 0 turns it off) of the producer's records with one key, the
    /// busiest one: its partition becomes a hot spot that one consumer cannot drain. Refused
    /// for a workload scenario, whose generator decides every record's key.
    HotKey { percent: u32 },
}

impl Command {
    pub const NAMES: [&'static str; 20] = [
        "set_producer_rate",
        "set_consumer_rate",
        "crash_consumer",
        "restart_consumer",
        "add_consumer",
        "crash_broker",
        "restart_broker",
        "partition_network",
        "heal_network",
        "slow_node",
        "skew_clock",
        "abort_transaction",
        "crash_task",
        "set_operator_rate",
        "run_batch_now",
        "deploy_v2",
        "set_logic",
        "rebuild_projection",
        "crash_layer",
        "hot_key",
    ];

    /// The command as one to the architectures, if it is one.
    pub fn to_arch(&self) -> Option<crate::arch::ArchCommand> {
        use crate::arch::ArchCommand;
        Some(match *self {
            Command::RunBatchNow {} => ArchCommand::RunBatchNow,
            Command::DeployV2 { logic, allow_loss } => ArchCommand::DeployV2 { logic, allow_loss },
            Command::SetLogic { layer, logic } => ArchCommand::SetLogic { layer, logic },
            Command::RebuildProjection {} => ArchCommand::RebuildProjection,
            Command::CrashLayer { layer } => ArchCommand::CrashLayer { layer },
            _ => return None,
        })
    }

    /// Parses and range-checks one command.
    pub fn from_json(text: &str) -> Result<Command, InputError> {
        let command: Command = InputError::parse_json("command", text).map_err(|mut e| {
            if e.message.contains("unknown variant") || e.message.contains("missing field `command`") {
                e.path = "command".into();
                e.message = format!("{}; commands are {}", e.message, Command::NAMES.join(", "));
            }
            e
        })?;
        command.validate()?;
        Ok(command)
    }

    pub fn validate(&self) -> Result<(), InputError> {
        match self {
            Command::PartitionNetwork { a, b } => {
                let a = parse_nodes("a", a)?;
                let b = parse_nodes("b", b)?;
                if let Some(both) = a.intersection(&b).next() {
                    return Err(InputError::new("b", format!("{both} is on both sides; a partition splits nodes into two groups")));
                }
                return Ok(());
            }
            Command::SlowNode { node, factor } => {
                parse_node("node", node)?;
                return check_range("factor", *factor, 1, 1_000, "");
            }
            Command::SkewClock { node, offset_ms } => {
                use crate::sim::node::NodeKind;
                if !matches!(parse_node("node", node)?.kind, NodeKind::Producer | NodeKind::Broker) {
                    return Err(InputError::new("node", format!("only producer and broker clocks are modelled so far (got {node:?})")));
                }
                return check_range("offset_ms", *offset_ms, -86_400_000, 86_400_000, "ms");
            }
            _ => {}
        }
        match *self {
            Command::CrashTask { task } => check_range("task", task, 0, crate::scenario::stream::PARALLELISM_MAX - 1, ""),
            Command::SetProducerRate { records_per_s } | Command::SetConsumerRate { records_per_s } | Command::SetOperatorRate { records_per_s } => {
                check_range("records_per_s", records_per_s, 1, RATE_RECORDS_PER_S_MAX, "records/s")
            }
            Command::CrashConsumer { consumer } | Command::RestartConsumer { consumer } => {
                check_range("consumer", consumer, 0, crate::scenario::limits::CONSUMERS_MAX - 1, "")
            }
            Command::AddConsumer {} => Ok(()),
            Command::HotKey { percent } => check_range("percent", percent, 0, 100, "%"),
            Command::CrashBroker { broker } | Command::RestartBroker { broker } => {
                check_range("broker", broker, 0, crate::scenario::limits::BROKERS_MAX - 1, "")
            }
            _ => Ok(()),
        }
    }

    /// A stable code and argument for the trace hash.
    pub fn trace_code(&self) -> (u64, u64) {
        // Commands with names in them are fingerprinted by their canonical JSON.
        let fingerprint = || crate::sim::rng::fnv1a64(serde_json::to_string(self).unwrap_or_default().as_bytes());
        match *self {
            Command::PartitionNetwork { .. } => return (7, fingerprint()),
            Command::HealNetwork {} => return (8, 0),
            Command::SlowNode { .. } => return (9, fingerprint()),
            Command::SkewClock { .. } => return (10, fingerprint()),
            Command::RunBatchNow {} => return (15, 0),
            Command::DeployV2 { .. } => return (16, fingerprint()),
            Command::SetLogic { .. } => return (17, fingerprint()),
            Command::RebuildProjection {} => return (18, 0),
            Command::CrashLayer { .. } => return (19, fingerprint()),
            _ => {}
        }
        match *self {
            Command::SetProducerRate { records_per_s } => (1, records_per_s.into()),
            Command::SetConsumerRate { records_per_s } => (2, records_per_s.into()),
            Command::CrashConsumer { consumer } => (3, consumer.into()),
            Command::RestartConsumer { consumer } => (4, consumer.into()),
            Command::AddConsumer {} => (11, 0),
            Command::AbortTransaction {} => (12, 0),
            Command::CrashTask { task } => (13, task.into()),
            Command::SetOperatorRate { records_per_s } => (14, records_per_s.into()),
            Command::CrashBroker { broker } => (5, broker.into()),
            Command::RestartBroker { broker } => (6, broker.into()),
            Command::HotKey { percent } => (20, percent.into()),
            _ => unreachable!("handled above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        let parsed = Command::from_json(r#"{"command":"set_consumer_rate","records_per_s":500}"#);
        assert_eq!(parsed, Ok(Command::SetConsumerRate { records_per_s: 500 }));
        assert_eq!(Command::from_json(r#"{"command":"crash_consumer"}"#), Ok(Command::CrashConsumer { consumer: 0 }));
        for command in [Command::RestartConsumer { consumer: 2 }, Command::SetProducerRate { records_per_s: 9 }, Command::AddConsumer {}] {
            let json = serde_json::to_string(&command).expect("serializes");
            assert_eq!(Command::from_json(&json), Ok(command));
        }
    }

    #[test]
    fn bad_commands_say_what_is_allowed() {
        let err = Command::from_json(r#"{"command":"explode"}"#).unwrap_err();
        assert_eq!(err.path, "command");
        assert!(err.message.contains("crash_consumer, restart_consumer"), "{err}");
        let err = Command::from_json(r#"{"records_per_s":5}"#).unwrap_err();
        assert_eq!(err.path, "command");
        let err = Command::from_json(r#"{"command":"set_producer_rate","records_per_s":0}"#).unwrap_err();
        assert_eq!(err.to_string(), "records_per_s: must be between 1 and 1000000 records/s (got 0)");
        let err = Command::from_json(r#"{"command":"crash_consumer","now":true}"#).unwrap_err();
        assert!(err.message.contains("unknown field `now`"), "{err}");
    }
}

/// A node name such as `broker-1`, with the field it came from named in the error.
pub fn parse_node(path: &str, name: &str) -> Result<crate::sim::NodeId, InputError> {
    name.parse().map_err(|e: String| InputError::new(path, e))
}

fn parse_nodes(path: &str, names: &[String]) -> Result<std::collections::BTreeSet<crate::sim::NodeId>, InputError> {
    if names.is_empty() || names.len() > 64 {
        return Err(InputError::new(path, "must list 1 to 64 node names"));
    }
    crate::sim::sort::try_collect_set(names.iter().enumerate().map(|(i, name)| parse_node(&format!("{path}[{i}]"), name)))
}

/// The latest instant a command log may name: seven days, the longest run `dhara run` and
/// the page accept (beyond it, milliseconds would no longer fit a microsecond clock safely).
pub const AT_MS_MAX: u64 = 7 * 24 * 3_600 * 1_000;

/// A command with the simulated instant it is applied at: one line of a command log, the
/// third part (with scenario and seed) of what makes a run reproducible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    pub at_ms: u64,
    pub command: Command,
}

impl Scheduled {
    /// The entry as one element of a command log: the command's JSON plus `at_ms`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(&self.command).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert("at_ms".into(), self.at_ms.into());
        }
        value
    }
}

/// A command log as `dhara run --commands` reads it (the inverse of `parse_schedule`).
pub fn schedule_json(schedule: &[Scheduled]) -> String {
    serde_json::Value::Array(schedule.iter().map(Scheduled::to_json).collect()).to_string()
}

/// Parses a command log: a JSON array of commands, each with an `at_ms` field, in
/// non-decreasing time order, e.g. `[{"at_ms": 5000, "command": "crash_consumer"}]`.
pub fn parse_schedule(text: &str) -> Result<Vec<Scheduled>, InputError> {
    let items: Vec<serde_json::Value> = InputError::parse_json("command log (a JSON array)", text)?;
    let mut schedule = Vec::with_capacity(items.len());
    for (i, mut item) in items.into_iter().enumerate() {
        let at = |e: InputError| InputError::new(format!("[{i}].{}", e.path), e.message);
        let object = item.as_object_mut().ok_or_else(|| InputError::new(format!("[{i}]"), "must be an object"))?;
        let at_ms = object
            .remove("at_ms")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| InputError::new(format!("[{i}].at_ms"), "must be a whole number of milliseconds ≥ 0"))?;
        let command = Command::from_json(&item.to_string()).map_err(at)?;
        schedule.push(Scheduled { at_ms, command });
    }
    check_schedule(&schedule)?;
    Ok(schedule)
}

/// Checks a command log: each `at_ms` within `AT_MS_MAX` and not earlier than the one before,
/// each command within its ranges; errors name the entry (`[2].at_ms`).
pub fn check_schedule(schedule: &[Scheduled]) -> Result<(), InputError> {
    let mut previous_ms = 0;
    for (i, entry) in schedule.iter().enumerate() {
        if entry.at_ms > AT_MS_MAX {
            return Err(InputError::new(format!("[{i}].at_ms"), format!("must be at most {AT_MS_MAX} (7 days; got {})", entry.at_ms)));
        }
        if entry.at_ms < previous_ms {
            return Err(InputError::new(format!("[{i}].at_ms"), "must not be earlier than the command before it"));
        }
        previous_ms = entry.at_ms;
        entry.command.validate().map_err(|e| InputError::new(format!("[{i}].{}", e.path), e.message))?;
    }
    Ok(())
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn parses_a_log_in_time_order() {
        let log = r#"[{"at_ms": 0, "command": "crash_consumer"}, {"at_ms": 5000, "command": "restart_consumer"}]"#;
        let schedule = parse_schedule(log).expect("valid");
        assert_eq!(schedule[1], Scheduled { at_ms: 5000, command: Command::RestartConsumer { consumer: 0 } });
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let err = parse_schedule(r#"[{"command": "crash_consumer"}]"#).unwrap_err();
        assert_eq!(err.path, "[0].at_ms");
        let err = parse_schedule(r#"[{"at_ms": 9, "command": "crash_consumer"}, {"at_ms": 3, "command": "restart_consumer"}]"#).unwrap_err();
        assert_eq!(err.path, "[1].at_ms");
        let err = parse_schedule(r#"[{"at_ms": 1, "command": "set_consumer_rate", "records_per_s": 0}]"#).unwrap_err();
        assert_eq!(err.path, "[0].records_per_s");
        assert!(parse_schedule(r#"{"at_ms": 1}"#).is_err());
        let err = parse_schedule(&format!(r#"[{{"at_ms": {}, "command": "crash_consumer"}}]"#, AT_MS_MAX + 1)).unwrap_err();
        assert_eq!(err.path, "[0].at_ms");
        assert!(err.message.contains("at most 604800000"), "{err}");
    }

    #[test]
    fn a_log_written_as_json_parses_back_to_itself() {
        let log = vec![
            Scheduled { at_ms: 0, command: Command::AddConsumer {} },
            Scheduled { at_ms: 1_250, command: Command::PartitionNetwork { a: vec!["broker-0".into()], b: vec!["controller".into()] } },
            Scheduled { at_ms: 1_250, command: Command::SetProducerRate { records_per_s: 75 } },
        ];
        assert_eq!(parse_schedule(&schedule_json(&log)), Ok(log));
    }
}
