//! The built-in lessons (`www/lessons/*.json`) tell the truth: each parses, has the shape the
//! page relies on, and every step's state is reached with every expectation holding there.
//! The 19 lessons are all present; a claim that stops holding after an engine change
//! fails here, naming the lesson, step and claim.

use dhara_engine::lesson::{reach, Lesson};
use std::path::PathBuf;

fn lesson_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("www").join("lessons")
}

/// (file name, lesson), in file-name order, as the page lists them.
fn lessons() -> Vec<(String, Lesson)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(lesson_dir()).expect("www/lessons exists").map(|e| e.expect("readable").path()).collect();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 name").to_string();
            let text = std::fs::read_to_string(&path).expect("readable");
            let lesson = Lesson::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, lesson)
        })
        .collect()
}

#[test]
fn the_nineteen_lessons_are_there_each_named_by_its_number_and_id() {
    let lessons = lessons();
    let numbers: Vec<u32> = lessons.iter().map(|(name, _)| name[..2].parse().unwrap_or_else(|_| panic!("{name}: starts with two digits"))).collect();
    assert_eq!(numbers, (1..=19).collect::<Vec<_>>(), "lessons 1 to 19, one file each");
    let mut ids: Vec<&str> = lessons.iter().map(|(_, l)| l.id.as_str()).collect();
    for (name, lesson) in &lessons {
        assert_eq!(name, &format!("{}-{}.json", &name[..2], lesson.id), "the file is named NN-id.json");
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), lessons.len(), "ids are unique");
}

#[test]
fn every_step_states_its_claim_and_every_lesson_asks_a_question() {
    for (name, lesson) in lessons() {
        assert!(lesson.steps.len() >= 3, "{name}: at least three steps");
        assert!(lesson.steps.iter().any(|s| s.question.is_some()), "{name}: a predict-then-reveal question");
        for (i, step) in lesson.steps.iter().enumerate() {
            assert!(!step.expect.is_empty(), "{name} step {}: its notice is checked by an expectation", i + 1);
        }
    }
}

#[test]
fn every_step_is_reached_and_every_claim_holds() {
    let lessons = lessons();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let lessons = &lessons;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for (name, lesson) in lessons.iter().skip(t).step_by(threads) {
                        for step in reach::check(lesson) {
                            if let Some(error) = &step.error {
                                failures.push(format!("{name} step {}: {error}", step.step + 1));
                            }
                            for (claim, outcome) in &step.outcomes {
                                match outcome {
                                    Ok(o) if o.holds => {}
                                    Ok(o) => failures.push(format!("{name} step {}: {claim} does not hold ({} vs {})", step.step + 1, o.left, o.right)),
                                    Err(e) => failures.push(format!("{name} step {}: {claim}: {e}", step.step + 1)),
                                }
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a checker thread panicked")).collect()
    });
    assert!(failures.is_empty(), "{} claims fail:\n{}", failures.len(), failures.join("\n"));
}
