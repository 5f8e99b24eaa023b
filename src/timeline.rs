//! Time travel for the page: scrub back, replay, fork. The engine's `Timeline` keeps the
//! command log and a snapshot every few simulated seconds; going back restores one and
//! replays from it, so the page can show any past instant and start a new future there.
//! The log, with scenario and seed, is the whole state a shared link has to carry.

use crate::{refused_to_js, to_js, Lab};
use dhara_engine::command::{parse_schedule, schedule_json, Scheduled, AT_MS_MAX};
use dhara_engine::InputError;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Lab {
    /// Goes to simulated time `ms` (0 to 604,800,000 = 7 days, rounded to a whole
    /// millisecond), back or forward: the latest snapshot at or before it is restored and
    /// the run replayed from there with the logged commands. Returns the summary.
    pub fn seek(&mut self, ms: f64) -> Result<JsValue, JsError> {
        let at_ms = parse_seek_ms(ms).map_err(to_js)?;
        self.timeline.seek(at_ms).map_err(refused_to_js)?;
        self.summary()
    }

    /// Drops the logged commands later than now (a new future starts here); returns how many.
    pub fn fork(&mut self) -> u32 {
        self.timeline.fork() as u32
    }

    /// The command log as JSON, in the format `dhara run --commands FILE` reads:
    /// `[{"at_ms": 5000, "command": "crash_consumer", "consumer": 0}]`.
    pub fn command_log(&self) -> String {
        schedule_json(self.timeline.log())
    }

    /// Loads a command log (the `command_log` format) into a fresh Lab, before it has run:
    /// the commands are applied as time reaches them. Errors name the entry and field
    /// (`commands[2].at_ms`).
    pub fn load_commands(&mut self, log_json: &str) -> Result<(), JsError> {
        let log = parse_command_log(log_json).map_err(to_js)?;
        self.timeline.load_log(log).map_err(to_js)
    }

    /// The current simulated time in milliseconds.
    pub fn now_ms(&self) -> f64 {
        self.timeline.now_ms()
    }

    /// The latest time reached since the future last changed (a command or fork): how far
    /// the scrub bar goes.
    pub fn furthest_ms(&self) -> f64 {
        self.timeline.furthest_ms()
    }

    /// The instants of the snapshots held, in milliseconds, oldest first.
    pub fn snapshot_times_ms(&self) -> Vec<f64> {
        self.timeline.snapshot_times_ms()
    }
}

/// Validates a `seek` target and rounds it to whole milliseconds (the log's resolution).
pub fn parse_seek_ms(ms: f64) -> Result<u64, InputError> {
    let max = AT_MS_MAX as f64;
    if !ms.is_finite() || !(0.0..=max).contains(&ms) {
        return Err(InputError::new("ms", format!("must be a number from 0 to {max} (7 days; got {ms})")));
    }
    Ok(ms.round() as u64)
}

/// Parses a command log from the page, naming the field as `commands[i].field`.
pub fn parse_command_log(text: &str) -> Result<Vec<Scheduled>, InputError> {
    parse_schedule(text).map_err(|e| {
        let path = match e.path.as_str() {
            "$" => "commands".to_string(),
            p if p.starts_with('[') => format!("commands{p}"),
            p => format!("commands.{p}"),
        };
        InputError::new(path, e.message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seek_accepts_a_week_of_milliseconds_only() {
        assert_eq!(parse_seek_ms(0.0), Ok(0));
        assert_eq!(parse_seek_ms(1_234.6), Ok(1_235));
        assert_eq!(parse_seek_ms(604_800_000.0), Ok(AT_MS_MAX));
        for bad in [-1.0, f64::NAN, f64::INFINITY, 604_800_000.5] {
            assert_eq!(parse_seek_ms(bad).expect_err("refused").path, "ms", "{bad}");
        }
    }

    #[test]
    fn command_log_errors_name_the_entry_and_field() {
        let err = parse_command_log(r#"[{"at_ms": 5, "command": "crash_consumer"}, {"at_ms": 4, "command": "add_consumer"}]"#).unwrap_err();
        assert_eq!(err.path, "commands[1].at_ms");
        let err = parse_command_log(r#"[{"at_ms": 5, "command": "slow_node", "node": "broker-1", "factor": 0}]"#).unwrap_err();
        assert_eq!(err.path, "commands[0].factor");
        assert_eq!(parse_command_log("{}").unwrap_err().path, "commands");
        let log = r#"[{"at_ms":5,"command":"crash_consumer","consumer":0}]"#;
        assert_eq!(schedule_json(&parse_command_log(log).expect("valid")), log);
    }
}
