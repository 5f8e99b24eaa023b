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
    /// Kill the consumer process: its batch in hand is lost and lag builds up.
    /// (Empty braces, not unit variants: serde only rejects unknown fields in struct variants.)
    CrashConsumer {},
    /// Start the consumer again; it resumes from the group's committed offsets.
    RestartConsumer {},
}

impl Command {
    pub const NAMES: [&'static str; 4] = ["set_producer_rate", "set_consumer_rate", "crash_consumer", "restart_consumer"];

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
        match *self {
            Command::SetProducerRate { records_per_s } | Command::SetConsumerRate { records_per_s } => {
                check_range("records_per_s", records_per_s, 1, RATE_RECORDS_PER_S_MAX, "records/s")
            }
            Command::CrashConsumer {} | Command::RestartConsumer {} => Ok(()),
        }
    }

    /// A stable code and argument for the trace hash.
    pub fn trace_code(&self) -> (u64, u64) {
        match *self {
            Command::SetProducerRate { records_per_s } => (1, records_per_s.into()),
            Command::SetConsumerRate { records_per_s } => (2, records_per_s.into()),
            Command::CrashConsumer {} => (3, 0),
            Command::RestartConsumer {} => (4, 0),
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
        assert_eq!(Command::from_json(r#"{"command":"crash_consumer"}"#), Ok(Command::CrashConsumer {}));
        for command in [Command::RestartConsumer {}, Command::SetProducerRate { records_per_s: 9 }] {
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
