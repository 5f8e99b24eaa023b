//! Fidelity: Dhara's partition assignors against the Java client's own answers
//! (`../shared/oracles/assignors.json`). Range, roundrobin and cooperative-sticky must match
//! exactly; sticky must match exactly or, failing that, be at least as balanced and as sticky
//! as Java (the README's `invariants_expected`).

use dhara_engine::kafka::assignor::input::{parse_oracle_cases, OracleCase};
use dhara_engine::kafka::assignor::{assign, Assignment, Strategy};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn oracle_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracles/assignors.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn as_json(assignment: &Assignment) -> Value {
    serde_json::to_value(assignment).expect("an assignment serializes")
}

/// Checks the README's invariants; returns what is wrong, if anything.
fn invariants_hold(case: &OracleCase, got: &Assignment, expected: &Value) -> Result<(), String> {
    let group = &case.group;
    let mut seen = BTreeSet::new();
    for member in &group.members {
        for (topic, partitions) in got.get(&member.member_id).ok_or("a member is missing")? {
            if !member.topics.contains(topic) {
                return Err(format!("{} got {topic} without subscribing", member.member_id));
            }
            for &p in partitions {
                if !seen.insert((topic.clone(), p)) {
                    return Err(format!("{topic}-{p} assigned twice"));
                }
            }
        }
    }
    let subscribed: BTreeSet<&String> = group.members.iter().flat_map(|m| &m.topics).collect();
    let all: usize = group.topics.iter().filter(|(t, _)| subscribed.contains(t)).map(|(_, &n)| n as usize).sum();
    if seen.len() != all {
        return Err(format!("{} of {all} partitions assigned", seen.len()));
    }
    let counts: Vec<usize> = got.values().map(|topics| topics.values().map(Vec::len).sum()).collect();
    let spread = counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0);
    let kept: usize = group
        .members
        .iter()
        .flat_map(|m| m.owned.iter().flatten().flat_map(move |(t, ps)| ps.iter().map(move |p| (m, t, p))))
        .filter(|(m, t, p)| got[&m.member_id].get(*t).is_some_and(|ps| ps.contains(p)))
        .count();
    let java_spread = expected["max_minus_min"].as_u64().ok_or("no max_minus_min")? as usize;
    let java_kept = expected["previously_owned_partitions_kept"].as_u64().ok_or("no kept count")? as usize;
    if spread > java_spread || kept < java_kept {
        return Err(format!("spread {spread} (Java {java_spread}), kept {kept} (Java {java_kept})"));
    }
    Ok(())
}

#[test]
fn every_case_matches_the_java_client() {
    let text = oracle_text();
    let raw: Value = serde_json::from_str(&text).expect("oracle parses");
    let raw_cases = raw["cases"].as_array().expect("cases");
    let cases = parse_oracle_cases(&text).expect("the oracle file is valid input");
    assert!(cases.len() >= 30, "expected the full vector set, got {}", cases.len());
    let (mut sticky_exact, mut sticky_by_invariants) = (Vec::new(), Vec::new());
    for (case, raw) in cases.iter().zip(raw_cases) {
        let got = assign(case.strategy, &case.group);
        let exact = as_json(&got) == raw["expected"];
        if case.strategy == Strategy::Sticky {
            // The checker must be able to fail: nobody getting anything breaks the invariants.
            let nothing: Assignment = case.group.members.iter().map(|m| (m.member_id.clone(), Default::default())).collect();
            assert!(invariants_hold(case, &nothing, &raw["invariants_expected"]).is_err(), "{}", case.id);
        }
        match case.strategy {
            Strategy::Sticky if exact => sticky_exact.push(&case.id),
            Strategy::Sticky => {
                if let Err(why) = invariants_hold(case, &got, &raw["invariants_expected"]) {
                    panic!("{}: {why}\n got      {}\n expected {}", case.id, as_json(&got), raw["expected"]);
                }
                sticky_by_invariants.push(&case.id);
            }
            _ => assert!(exact, "{}:\n got      {}\n expected {}", case.id, as_json(&got), raw["expected"]),
        }
    }
    eprintln!(
        "sticky: {} of {} cases match Java exactly; by invariants only: {:?}",
        sticky_exact.len(),
        sticky_exact.len() + sticky_by_invariants.len(),
        sticky_by_invariants
    );
}
