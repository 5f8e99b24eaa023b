//! Seeded fuzzing of every parser that takes user input: scenarios, commands, command logs,
//! knob overrides, lessons and their expectations. Each case starts from something valid (a
//! built-in scenario, a real command, a lesson) and mutates it the way hostile or careless
//! input does: a leaf replaced by an extreme or wrongly typed value, a key dropped, an unknown
//! key added, the text cut short. Whatever
//! comes in, a parser answers Ok or an error that names a field; it never panics. The seeds
//! are fixed, so a failure reproduces exactly.

use dhara_engine::command::{parse_schedule, Command};
use dhara_engine::lesson::{reach, Expectation, Lesson};
use dhara_engine::scenario::knobs::{apply_overrides, parse_override};
use dhara_engine::scenario::{builtin, Scenario};
use dhara_engine::sim::rng::SplitMix;
use dhara_engine::sim::Duration;
use dhara_engine::{InputError, Simulation};
use serde_json::{json, Value};

/// Values that break careless parsers: wrong types, extremes, empties, deep nesting.
fn hostile(rng: &mut SplitMix) -> Value {
    let deep = (0..64).fold(json!(1), |inner, _| json!([inner]));
    let choices = [
        json!(null),
        json!(-1),
        json!(0),
        json!(1),
        json!(1e308),
        json!(-1e308),
        json!(18446744073709551615u64),
        json!(-9223372036854775808i64),
        json!(0.5),
        json!(""),
        json!("x".repeat(10_000)),
        json!("<script>alert(1)</script>"),
        json!(true),
        json!([]),
        json!({}),
        json!({"unknown": 1}),
        deep,
    ];
    choices[rng.below(choices.len() as u64) as usize].clone()
}

/// A random path to a node of `value`: the object keys and array indices leading to it.
fn random_path(value: &Value, rng: &mut SplitMix) -> Vec<Value> {
    let mut path = Vec::new();
    let mut at = value;
    loop {
        let next = match at {
            Value::Object(map) if !map.is_empty() && rng.below(4) != 0 => {
                let key = map.keys().nth(rng.below(map.len() as u64) as usize).expect("in range").clone();
                path.push(Value::String(key.clone()));
                &map[&key]
            }
            Value::Array(items) if !items.is_empty() && rng.below(4) != 0 => {
                let index = rng.below(items.len() as u64) as usize;
                path.push(json!(index));
                &items[index]
            }
            _ => return path,
        };
        at = next;
    }
}

fn node_at<'v>(value: &'v mut Value, path: &[Value]) -> &'v mut Value {
    path.iter().fold(value, |at, step| match step {
        Value::String(key) => &mut at[key.as_str()],
        index => &mut at[index.as_u64().expect("an index") as usize],
    })
}

/// One mutation of `doc`: replace a node, drop a key, or add an unknown one.
fn mutate(doc: &mut Value, rng: &mut SplitMix) {
    let path = random_path(doc, rng);
    match rng.below(3) {
        0 => *node_at(doc, &path) = hostile(rng),
        1 => {
            if let Some((Value::String(key), parent)) = path.split_last() {
                if let Some(map) = node_at(doc, parent).as_object_mut() {
                    map.remove(key);
                }
            }
        }
        _ => {
            if let Some(map) = node_at(doc, &path).as_object_mut() {
                map.insert("no_such_field".into(), hostile(rng));
            }
        }
    }
}

/// Text that is `text` cut at a random byte (on a char boundary) or left whole.
fn maybe_cut(text: String, rng: &mut SplitMix) -> String {
    if rng.below(5) != 0 {
        return text;
    }
    let mut cut = rng.below(text.len() as u64 + 1) as usize;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text[..cut].to_string()
}

fn assert_named(error: &InputError, what: &str, input: &str) {
    assert!(!error.path.is_empty() && !error.message.is_empty(), "{what}: an error without a field or a message for input {}", &input[..input.len().min(400)]);
}

/// Mutates the JSON documents `sources` (taken in turn) `rounds` times, 1 to 4 mutations
/// each, sometimes cutting the text short, and hands each text to `parse`: its refusal must
/// name a field. Returns how many were accepted and how many refused.
fn fuzz_documents(sources: &[&str], rounds: usize, seed: u64, what: &str, mut parse: impl FnMut(&str, usize) -> Result<(), InputError>) -> (u32, u32) {
    let mut rng = SplitMix(seed);
    let (mut accepted, mut refused) = (0, 0);
    for round in 0..rounds {
        let mut doc: Value = serde_json::from_str(sources[round % sources.len()]).expect("a source is JSON");
        for _ in 0..=rng.below(3) {
            mutate(&mut doc, &mut rng);
        }
        let text = maybe_cut(doc.to_string(), &mut rng);
        match parse(&text, round) {
            Ok(()) => accepted += 1,
            Err(error) => {
                assert_named(&error, what, &text);
                refused += 1;
            }
        }
    }
    eprintln!("{what} fuzz: {rounds} cases, {accepted} accepted, {refused} refused by name");
    (accepted, refused)
}

/// Mutated built-in scenarios: every one is refused naming a field, or parses and runs.
#[test]
fn scenarios_parse_or_name_the_field_whatever_the_mutation() {
    let sources: Vec<&str> = builtin::ALL.iter().map(|b| b.json).collect();
    let (accepted, refused) = fuzz_documents(&sources, 2_000, 0x5CE7A210, "scenario", |text, round| {
        let scenario = Scenario::from_json(text)?;
        // What validation accepts must also run: no panic building or starting it.
        Simulation::new(scenario, round as u64).advance(Duration::from_ms(200));
        Ok(())
    });
    assert!(refused > 1_000 && accepted > 10, "the mutations reach both outcomes ({accepted} accepted, {refused} refused)");
}

/// Commands of every kind with fields replaced, dropped or added, and command logs of them.
#[test]
fn commands_and_command_logs_parse_or_name_the_field() {
    let mut rng = SplitMix(0xC0FFEE);
    let samples = [
        json!({"command": "crash_broker", "broker": 1}),
        json!({"command": "partition_network", "a": ["broker-0"], "b": ["controller", "broker-1"]}),
        json!({"command": "slow_node", "node": "consumer-0", "factor": 10}),
        json!({"command": "skew_clock", "node": "producer-0", "offset_ms": -30000}),
        json!({"command": "set_producer_rate", "records_per_s": 500}),
        json!({"command": "deploy_v2", "logic": "sampled", "allow_loss": true}),
        json!({"command": "set_logic", "layer": "lambda_speed", "logic": "exact"}),
        json!({"command": "hot_key", "percent": 80}),
        json!({"command": "crash_task", "task": 2}),
    ];
    let (mut commands, mut logs) = (0, 0);
    for _ in 0..3_000 {
        let mut command = samples[rng.below(samples.len() as u64) as usize].clone();
        mutate(&mut command, &mut rng);
        let text = maybe_cut(command.to_string(), &mut rng);
        if let Err(error) = Command::from_json(&text) {
            assert_named(&error, "command", &text);
        }
        commands += 1;
        let mut entry = command.clone();
        if let Some(map) = entry.as_object_mut() {
            map.insert("at_ms".into(), if rng.below(4) == 0 { hostile(&mut rng) } else { json!(rng.below(100_000)) });
        }
        let log = maybe_cut(json!([entry, samples[0].clone()]).to_string(), &mut rng);
        if let Err(error) = parse_schedule(&log) {
            assert_named(&error, "command log", &log);
        }
        logs += 1;
    }
    eprintln!("command fuzz: {commands} commands and {logs} command logs");
}

/// Knob overrides: random paths and values, as a URL hash or `--set` would bring them.
#[test]
fn knob_overrides_apply_or_name_the_path() {
    let mut rng = SplitMix(0x4B0B5);
    let mut cases = 0;
    for round in 0..600 {
        let source = &builtin::ALL[round % builtin::ALL.len()];
        let doc: Value = serde_json::from_str(source.json).expect("a built-in is JSON");
        let path: Vec<String> = random_path(&doc, &mut rng).iter().map(|step| step.as_str().map_or_else(|| format!("[{step}]"), str::to_string)).collect();
        let dotted = path.join(".").replace(".[", "[");
        let value = hostile(&mut rng);
        let text = maybe_cut(format!("{dotted}={}", value.as_str().map_or_else(|| value.to_string(), str::to_string)), &mut rng);
        match parse_override(&text) {
            Ok(parsed) => {
                if let Err(error) = apply_overrides(source.json, &[parsed]) {
                    assert_named(&error, "override", &text);
                }
            }
            Err(error) => assert_named(&error, "override text", &text),
        }
        cases += 1;
    }
    eprintln!("override fuzz: {cases} cases");
}

/// The built-in lesson files' texts, in name order.
fn lesson_texts() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/lessons");
    let mut files: Vec<_> = std::fs::read_dir(dir).expect("www/lessons").map(|e| e.expect("entry").path()).collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).expect("readable")).collect()
}

/// Mutated lessons: refused naming a field, or accepted; an accepted lesson's first step is
/// reached (its time cut to half a second) and its expectations evaluated without a panic.
#[test]
fn lessons_parse_or_name_the_step_and_field_whatever_the_mutation() {
    let texts = lesson_texts();
    let sources: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (accepted, refused) = fuzz_documents(&sources, 1_500, 0x1E550, "lesson", |text, _| {
        let lesson = Lesson::from_json(text)?;
        let mut state = lesson.steps[0].state.clone();
        state.at_ms = state.at_ms.min(500);
        if let Ok(timeline) = state.reach() {
            let snapshot = reach::state_of(timeline.sim());
            for expectation in &lesson.steps[0].expect {
                let _ = expectation.evaluate(&snapshot);
            }
        }
        Ok(())
    });
    assert!(refused > 500 && accepted > 10, "the mutations reach both outcomes ({accepted} accepted, {refused} refused)");
}

/// Random expectations from the language's own pieces and hostile ones, evaluated on a real
/// state: each parses or is refused by name, and evaluates or explains; nothing panics.
#[test]
fn expectations_parse_and_evaluate_or_explain_whatever_the_text() {
    let pieces = ["fates", ".", "acked_lost", "topic", "partitions", "*", "0", "99999999999999999999", "lag_records", "max(", "sum(", "len(", "count(", ")", " ", ">", ">=", "==", "!=", "<", "\"", "-", "1.5", "4 *", "null", "true", "é", "(", "stream", "brokers", "up", "..", "+"];
    let state = reach::state_of(&Simulation::new(builtin::load("upi-lag").expect("built-in"), 1));
    let operands = ["fates.acked_lost", "max(topic.partitions.*.lag_records)", "4 * min(topic.partitions.*.high_watermark)", "len(brokers)", "count(brokers.*.up)", "group.state", "\"stable\"", "0", "-3.5", "null", "true", "stream.tasks.0.watermark_us", "topic.partitions.7.leader", "sum(consumers.*.processed)"];
    let ops = [">", ">=", "<", "<=", "==", "!="];
    let mut rng = SplitMix(0xE7BEC7);
    let (mut parsed, mut evaluated) = (0, 0);
    for round in 0..20_000 {
        let text: String = if round % 2 == 0 {
            (0..=rng.below(12)).map(|_| pieces[rng.below(pieces.len() as u64) as usize]).collect()
        } else {
            // A well-formed claim, then perhaps one character dropped or doubled.
            let pick = |rng: &mut SplitMix, from: &[&str]| from[rng.below(from.len() as u64) as usize].to_string();
            let mut text = format!("{} {} {}", pick(&mut rng, &operands), pick(&mut rng, &ops), pick(&mut rng, &operands));
            let at = rng.below(text.len() as u64) as usize;
            if text.is_char_boundary(at) && text.is_char_boundary(at + 1) && rng.below(2) == 0 {
                let c = text.remove(at);
                if rng.below(2) == 0 {
                    text.insert_str(at, &format!("{c}{c}"));
                }
            }
            text
        };
        match Expectation::parse("expect[0]", &text) {
            Ok(expectation) => {
                parsed += 1;
                evaluated += usize::from(expectation.evaluate(&state).is_ok());
            }
            Err(error) => assert_named(&error, "expectation", &text),
        }
    }
    eprintln!("expectation fuzz: 20000 cases, {parsed} parsed, {evaluated} evaluated");
    assert!(parsed > 2_000 && evaluated > 1_000, "the fuzz reaches valid expectations ({parsed} parsed, {evaluated} evaluated)");
}
