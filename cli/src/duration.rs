//! Durations on the command line: a whole number and a unit, `500ms`, `90s`, `10m`, `2h`, `1d`.

use dhara_engine::sim::Duration;

/// The longest run the CLI accepts: a week of simulated time.
pub const RUN_SECS_MAX: u64 = 7 * 24 * 3600;

pub fn parse(text: &str) -> Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let allowed = "a whole number with a unit: ms, s, m, h or d (e.g. 90s, 10m, 2h)";
    let value: u64 = number.parse().map_err(|_| format!("{text:?} is not {allowed}"))?;
    let unit_us: u64 = match unit {
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        "h" => 3_600_000_000,
        "d" => 86_400_000_000,
        _ => return Err(format!("{text:?} has no valid unit; use {allowed}")),
    };
    let us = value.checked_mul(unit_us).filter(|&us| us > 0 && us <= RUN_SECS_MAX * 1_000_000);
    us.map(Duration::from_us).ok_or_else(|| format!("{text:?} must be more than 0 and at most 7d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse("500ms"), Ok(Duration::from_ms(500)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7_200)));
        assert_eq!(parse("1d"), Ok(Duration::from_secs(86_400)));
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in ["", "s", "10", "10x", "-5s", "1.5s", "0s", "8d", "99999999999999999999s", "10 s"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
