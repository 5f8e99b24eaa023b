use super::*;
use serde_json::json;

fn state() -> Value {
    json!({
        "fates": {"acked_lost": 37, "duplicates_written": 0},
        "group": {"state": "stable"},
        "topic": {"partitions": [{"lag_records": 2, "leader": 1}, {"lag_records": 90, "leader": null}, {"lag_records": 4, "leader": 0}]},
        "stream": null,
        "brokers": [{"up": true}, {"up": false}, {"up": true}]
    })
}

fn check(text: &str) -> Outcome {
    Expectation::parse("expect[0]", text).unwrap_or_else(|e| panic!("{text}: {e}")).evaluate(&state()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn compares_numbers_text_and_flags_read_from_the_state() {
    assert!(check("fates.acked_lost > 0").holds);
    assert!(!check("fates.acked_lost == 0").holds);
    assert!(check("fates.duplicates_written <= 0").holds);
    assert!(check("group.state == \"stable\"").holds);
    assert!(check("brokers.1.up == false").holds);
    assert!(check("topic.partitions.1.leader == null").holds);
    assert_eq!(check("fates.acked_lost >= 37").left, json!(37));
}

#[test]
fn folds_a_list_with_sum_max_min_count_and_len() {
    assert_eq!(check("sum(topic.partitions.*.lag_records) == 96").left, json!(96.0));
    assert!(check("max(topic.partitions.*.lag_records) > 4 * min(topic.partitions.*.lag_records)").holds);
    assert!(!check("max(topic.partitions.*.lag_records) > 50 * min(topic.partitions.*.lag_records)").holds);
    assert_eq!(check("count(brokers.*.up) == 2").left, json!(2));
    assert_eq!(check("len(topic.partitions) == 3").left, json!(3));
    assert!(check("count(topic.partitions.*.leader) == 1").holds, "leader 0 counts as false, null as absent");
    assert_eq!(check("max(topic.partitions.*.leader) == 1").left, json!(1.0), "folds skip nulls");
    assert_eq!(check("fates.acked_lost < 2 * 20").right, json!(40.0), "a constant may be scaled");
}

#[test]
fn a_bad_expectation_is_refused_with_its_place_and_the_syntax() {
    for (text, says) in [
        ("fates.acked_lost", "has no comparison"),
        ("", "1 to 200 characters"),
        ("1 > 0", "two constants"),
        ("max(topic.partitions.lag_records) > 1", "one *"),
        ("topic.partitions.*.lag_records > 1", "needs sum"),
        ("avg(topic.partitions.*.lag_records) > 1", "unknown function"),
        ("Fates.Acked > 1", "not a path part"),
        ("group.state == \"sta", "quoted"),
        ("max(topic.partitions.*.lag_records > 1", "must end with )"),
        ("fates.acked - fates.acked_lost > 1", "no +, - or /"),
        ("fates.acked > fates.acked_lost + 1", "no +, - or /"),
    ] {
        let error = Expectation::parse("steps[1].expect[0]", text).expect_err(text);
        assert_eq!(error.path, "steps[1].expect[0]");
        assert!(error.message.contains(says), "{text}: {}", error.message);
    }
}

#[test]
fn a_path_the_state_lacks_names_the_fields_it_has() {
    let error = Expectation::parse("e", "fates.acked_lots > 0").unwrap().evaluate(&state()).unwrap_err();
    assert!(error.contains("\"acked_lots\"") && error.contains("acked_lost, duplicates_written"), "{error}");
    let error = Expectation::parse("e", "stream.late_dropped > 0").unwrap().evaluate(&state()).unwrap_err();
    assert!(error.contains("absent in this run"), "{error}");
    let error = Expectation::parse("e", "topic.partitions.9.lag_records > 0").unwrap().evaluate(&state()).unwrap_err();
    assert!(error.contains("past the end of a list of 3"), "{error}");
    let error = Expectation::parse("e", "group.state > 1").unwrap().evaluate(&state()).unwrap_err();
    assert!(error.contains("only == and !="), "{error}");
}
