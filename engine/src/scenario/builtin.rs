//! The built-in scenarios. Each is a JSON file under `engine/scenarios/`, compiled in, so
//! `dhara scenario show NAME` prints exactly the document a user can copy and edit.

use super::Scenario;
use crate::error::InputError;

pub struct Builtin {
    pub name: &'static str,
    pub json: &'static str,
}

/// The scenario the page and the CLI start with.
pub const DEFAULT: Builtin = Builtin { name: "upi-lag", json: include_str!("../../scenarios/upi-lag.json") };

pub const ALL: [Builtin; 15] = [
    DEFAULT,
    Builtin { name: "upi-steady", json: include_str!("../../scenarios/upi-steady.json") },
    Builtin { name: "upi-hot-key", json: include_str!("../../scenarios/upi-hot-key.json") },
    Builtin { name: "upi-replication", json: include_str!("../../scenarios/upi-replication.json") },
    Builtin { name: "upi-acks1", json: include_str!("../../scenarios/upi-acks1.json") },
    Builtin { name: "upi-consumer-group", json: include_str!("../../scenarios/upi-consumer-group.json") },
    Builtin { name: "upi-transactions", json: include_str!("../../scenarios/upi-transactions.json") },
    Builtin { name: "upi-windows", json: include_str!("../../scenarios/upi-windows.json") },
    Builtin { name: "upi-fraud", json: include_str!("../../scenarios/upi-fraud.json") },
    Builtin { name: "upi-bank-totals", json: include_str!("../../scenarios/upi-bank-totals.json") },
    Builtin { name: "upi-architectures", json: include_str!("../../scenarios/upi-architectures.json") },
    Builtin { name: "social-trends", json: include_str!("../../scenarios/social-trends.json") },
    Builtin { name: "social-hashtag-counts", json: include_str!("../../scenarios/social-hashtag-counts.json") },
    Builtin { name: "shop-sessions", json: include_str!("../../scenarios/shop-sessions.json") },
    Builtin { name: "shop-category-purchases", json: include_str!("../../scenarios/shop-category-purchases.json") },
];

pub fn find(name: &str) -> Option<&'static Builtin> {
    ALL.iter().find(|b| b.name == name)
}

/// The named built-in, parsed and validated; the error lists the names that exist.
pub fn load(name: &str) -> Result<Scenario, InputError> {
    let builtin = find(name).ok_or_else(|| {
        let names: Vec<&str> = ALL.iter().map(|b| b.name).collect();
        InputError::new("scenario", format!("unknown scenario {name:?}; built-in scenarios are {}", names.join(", ")))
    })?;
    Scenario::from_json(builtin.json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_unknown_names_list_the_choices() {
        let mut names: Vec<&str> = ALL.iter().map(|b| b.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        let err = load("upi-nope").expect_err("unknown");
        assert!(err.message.contains("upi-lag, upi-steady, upi-hot-key, upi-replication, upi-acks1, upi-consumer-group, upi-transactions, upi-windows, upi-fraud, upi-bank-totals, upi-architectures, social-trends, social-hashtag-counts, shop-sessions, shop-category-purchases"), "{err}");
    }
}
