//! Reading assignment questions in the shape of `../shared/oracles/assignors.json`, so that
//! `dhara oracle assign` can answer any file like it. Only the input fields are read; the
//! recorded answers (`java`, `expected`, ...) may be absent. Errors name the JSON path.

use super::{Group, Member, Strategy};
use crate::error::InputError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The most partitions one topic may have here: enough for any real group, and small enough
/// that the sticky search answers quickly.
pub const PARTITIONS_PER_TOPIC_MAX: u32 = 10_000;

/// One question: assign this group with this strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleCase {
    pub id: String,
    pub strategy: Strategy,
    pub group: Group,
}

#[derive(Deserialize)]
struct FileIn {
    cases: Vec<CaseIn>,
}

#[derive(Deserialize)]
struct CaseIn {
    id: String,
    assignor: Strategy,
    topics: BTreeMap<String, u32>,
    members: Vec<MemberIn>,
}

#[derive(Deserialize)]
struct MemberIn {
    member_id: String,
    group_instance_id: Option<String>,
    topics: Vec<String>,
    owned: Option<BTreeMap<String, Vec<u32>>>,
    generation: Option<i32>,
}

/// Parses a whole assignors file.
pub fn parse_oracle_cases(text: &str) -> Result<Vec<OracleCase>, InputError> {
    let file: FileIn = InputError::parse_json("assignors file", text).map_err(explain)?;
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, case) in file.cases.iter().enumerate() {
        if let Some(first) = ids.insert(&case.id, i) {
            return Err(InputError::new(format!("cases[{i}].id"), format!("{:?} is already the id of cases[{first}]; ids must be unique", case.id)));
        }
        validate(i, case)?;
    }
    Ok(file.cases.into_iter().map(into_case).collect())
}

/// Points a missing field's error at the field itself, and lists the strategies when the
/// assignor is unknown.
fn explain(mut error: InputError) -> InputError {
    if let Some(field) = error.message.split("missing field `").nth(1).and_then(|rest| rest.split('`').next()) {
        error.path = if error.path == "$" { field.to_string() } else { format!("{}.{field}", error.path) };
        error.message = "missing; this field is required".into();
    } else if error.path.ends_with(".assignor") {
        error.message = format!("{}; the assignors are {}", error.message, Strategy::NAMES.join(", "));
    }
    error
}

fn validate(i: usize, case: &CaseIn) -> Result<(), InputError> {
    for (topic, &count) in &case.topics {
        if count > PARTITIONS_PER_TOPIC_MAX {
            let message = format!("must be between 0 and {PARTITIONS_PER_TOPIC_MAX} partitions (got {count})");
            return Err(InputError::new(format!("cases[{i}].topics.{topic}"), message));
        }
    }
    let mut member_ids: BTreeMap<&str, usize> = BTreeMap::new();
    for (j, member) in case.members.iter().enumerate() {
        if let Some(first) = member_ids.insert(&member.member_id, j) {
            let message = format!("{:?} is already the member_id of members[{first}]; member ids are unique in a group", member.member_id);
            return Err(InputError::new(format!("cases[{i}].members[{j}].member_id"), message));
        }
    }
    Ok(())
}

fn into_case(case: CaseIn) -> OracleCase {
    let members = case
        .members
        .into_iter()
        .map(|m| Member { member_id: m.member_id, group_instance_id: m.group_instance_id, topics: m.topics, owned: m.owned, generation: m.generation })
        .collect();
    OracleCase { id: case.id, strategy: case.assignor, group: Group { topics: case.topics, members } }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_CASE: &str = r#"{"cases": [{"id": "x", "assignor": "cooperative-sticky", "topics": {"t": 2},
        "members": [{"member_id": "a", "group_instance_id": null, "topics": ["t"], "owned": {"t": [1]}, "generation": 3}],
        "expected": {"ignored": true}}]}"#;

    #[test]
    fn reads_only_the_input_fields() {
        let cases = parse_oracle_cases(ONE_CASE).expect("valid");
        assert_eq!(cases[0].strategy, Strategy::CooperativeSticky);
        assert_eq!(cases[0].group.members[0].generation, Some(3));
        assert_eq!(cases[0].group.members[0].owned.as_ref().map(|o| o["t"].clone()), Some(vec![1]));
    }

    #[test]
    fn errors_name_the_field_and_what_is_allowed() {
        let err = parse_oracle_cases(&ONE_CASE.replace(r#""member_id": "a", "#, "")).unwrap_err();
        assert_eq!(err.path, "cases[0].members[0].member_id");
        let err = parse_oracle_cases(&ONE_CASE.replace("cooperative-sticky", "fair")).unwrap_err();
        assert_eq!(err.path, "cases[0].assignor");
        assert!(err.message.contains("roundrobin"), "{err}");
        let err = parse_oracle_cases(&ONE_CASE.replace(r#"{"t": 2}"#, r#"{"t": -2}"#)).unwrap_err();
        assert_eq!(err.path, "cases[0].topics.t");
        let err = parse_oracle_cases(&ONE_CASE.replace(r#"{"t": 2}"#, r#"{"t": 20000}"#)).unwrap_err();
        assert!(err.to_string().contains("between 0 and 10000"), "{err}");
        let err = parse_oracle_cases(&ONE_CASE.replace(r#""generation": 3"#, r#""generation": "3""#)).unwrap_err();
        assert_eq!(err.path, "cases[0].members[0].generation");
        assert_eq!(parse_oracle_cases("[]").unwrap_err().path, "$");
        assert_eq!(parse_oracle_cases("{}").unwrap_err().path, "cases");
    }

    #[test]
    fn member_ids_must_be_unique() {
        let two = ONE_CASE.replace(r#""generation": 3}]"#, r#""generation": 3}, {"member_id": "a", "topics": []}]"#);
        let err = parse_oracle_cases(&two).unwrap_err();
        assert_eq!(err.path, "cases[0].members[1].member_id");
    }
}
