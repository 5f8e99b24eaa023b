use super::*;
use serde_json::json;

/// A two-step lesson: acks=1 and a leader crash; the second step only moves the time.
fn lesson() -> Value {
    json!({
        "id": "acks-demo",
        "title": "acks=1 loses what a dying leader acknowledged",
        "summary": "The leader answers before its followers have the record.",
        "simplifies": ["One topic."],
        "steps": [
            {
                "title": "Before the crash",
                "text": "The producer waits for the leader only.",
                "state": {"scenario": "upi-acks1", "seed": 7, "set": {"producer.linger_ms": "5"},
                          "commands": [{"at_ms": 3000, "command": "crash_broker", "broker": 0}], "at_ms": 2000},
                "show": "lag",
                "notice": "Nothing is lost yet.",
                "expect": ["fates.acked_lost == 0"],
                "question": {"ask": "What happens at 3 s?", "choices": ["nothing", "records are lost"], "answer": 1, "explain": "The leader dies."}
            },
            {"title": "After", "text": "Later.", "state": {"at_ms": 8000}, "notice": "Lost.", "expect": ["fates.acked_lost > 0"]}
        ]
    })
}

fn parse(doc: &Value) -> Result<Lesson, InputError> {
    Lesson::from_json(&doc.to_string())
}

#[test]
fn a_later_step_inherits_what_it_leaves_out() {
    let lesson = parse(&lesson()).expect("valid");
    let (first, second) = (&lesson.steps[0].state, &lesson.steps[1].state);
    assert_eq!(second.scenario, "upi-acks1");
    assert_eq!(second.seed, 7);
    assert_eq!(second.set, first.set);
    assert_eq!(second.commands, first.commands);
    assert_eq!((first.at_ms, second.at_ms), (2000, 8000));
    assert_eq!(first.set, vec![("producer.linger_ms".to_string(), json!(5))], "a string value reads as --set does");
}

#[test]
fn a_new_scenario_starts_without_the_previous_knobs_and_commands() {
    let mut doc = lesson();
    doc["steps"][1]["state"] = json!({"scenario": "upi-steady", "at_ms": 1000});
    let lesson = parse(&doc).expect("valid");
    assert!(lesson.steps[1].state.set.is_empty() && lesson.steps[1].state.commands.is_empty());
}

#[test]
fn every_step_is_reached_and_its_claims_checked() {
    let lesson = parse(&lesson()).expect("valid");
    let checks = reach::check(&lesson);
    assert!(checks.iter().all(|c| c.passed()), "{checks:?}");
    // The same lesson with the claims swapped fails, so the check can fail.
    let mut doc = self::lesson();
    doc["steps"][1]["expect"] = json!(["fates.acked_lost == 0"]);
    let checks = reach::check(&parse(&doc).expect("valid"));
    assert!(!checks[1].passed());
    assert!(checks[0].passed());
}

#[test]
fn a_step_the_run_cannot_reach_is_an_error_naming_the_command() {
    let mut doc = lesson();
    doc["steps"][0]["state"]["commands"] = json!([{"at_ms": 1000, "command": "crash_broker", "broker": 0}, {"at_ms": 1500, "command": "crash_broker", "broker": 0}]);
    let checks = reach::check(&parse(&doc).expect("parses: the refusal is only known when the run gets there"));
    let error = checks[0].error.as_deref().expect("refused");
    assert!(error.starts_with("steps[0].state.commands[1]"), "{error}");
    let mut doc = lesson();
    doc["steps"][0]["show"] = json!("panes");
    let error = reach::check(&parse(&doc).unwrap())[0].error.clone().expect("no stream job");
    assert!(error.contains("steps[0].show"), "{error}");
}

#[test]
fn a_malformed_lesson_names_the_step_and_field() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/steps/0/state/scenario", json!("upi-nope"), "steps[0].state.scenario"),
        ("/steps/0/state/seed", json!(-1), "steps[0].state.seed"),
        ("/steps/0/state/seed", json!("12x"), "steps[0].state.seed"),
        ("/steps/1/state/at_ms", json!(AT_MS_MAX + 1), "steps[1].state.at_ms"),
        ("/steps/0/state/set", json!({"producer.acks": "2"}), "steps[0].state.set.producer.acks"),
        ("/steps/0/state/set", json!({"producer.nope": 1}), "steps[0].state.set.producer.nope"),
        ("/steps/0/state/commands", json!([{"at_ms": 1, "command": "explode"}]), "steps[0].state.commands[0].command"),
        ("/steps/0/show", json!("pie"), "steps[0].show"),
        ("/steps/1/expect", json!(["fates.acked_lost"]), "steps[1].expect[0]"),
        ("/steps/0/question/answer", json!(2), "steps[0].question.answer"),
        ("/steps/0/question/choices", json!(["only one"]), "steps[0].question.choices"),
        ("/steps/1/notice", json!(""), "steps[1].notice"),
        ("/steps/1/title", json!("x".repeat(81)), "steps[1].title"),
        ("/id", json!("Acks Demo"), "id"),
        ("/simplifies", json!([]), "simplifies"),
        ("/steps", json!([]), "steps"),
    ];
    for (pointer, value, path) in cases {
        let mut doc = lesson();
        *doc.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value;
        let error = parse(&doc).expect_err(pointer);
        assert_eq!(error.path, path, "{pointer}: {error}");
    }
    let mut doc = lesson();
    doc["steps"][0]["state"].as_object_mut().unwrap().remove("seed");
    assert_eq!(parse(&doc).unwrap_err().path, "steps[0].state.seed");
    doc = lesson();
    doc["steps"][1]["colour"] = json!("red");
    let error = parse(&doc).unwrap_err();
    assert!(error.path.starts_with("steps[1]") && error.message.contains("colour"), "{error}");
}

#[test]
fn the_page_reads_the_resolved_lesson() {
    let json = parse(&lesson()).unwrap().to_json();
    assert_eq!(json["steps"][1]["state"]["seed"], json!("7"));
    assert_eq!(json["steps"][1]["state"]["commands"][0]["command"], json!("crash_broker"));
    assert_eq!(json["steps"][1]["state"]["set"]["producer.linger_ms"], json!(5));
    assert_eq!(json["steps"][0]["question"]["answer"], json!(1));
    assert_eq!(json["steps"][1]["expect"][0], json!("fates.acked_lost > 0"));
}
