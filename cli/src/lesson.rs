//! `dhara lesson check FILE|DIR…`: what a teacher runs after writing a lesson. Each file is
//! parsed (a mistake names the step and field, exit 2), then every step is reached and its
//! expectations checked on the run there (a claim that does not hold, exit 1).

use crate::Refusal;
use dhara_engine::lesson::{reach, Lesson, LESSON_BYTES_MAX};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The lesson files named: each FILE, and each DIR's `*.json` in name order.
fn lesson_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, Refusal> {
    let mut files = Vec::new();
    for arg in args {
        if arg.is_dir() {
            let entries = std::fs::read_dir(arg).map_err(|e| Refusal(format!("{}: cannot read the directory: {e}", arg.display())))?;
            let mut found: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
            found.sort();
            files.extend(found);
        } else if arg.is_file() {
            files.push(arg.clone());
        } else {
            return Err(Refusal(format!("FILE: {} is neither a lesson file nor a directory of them", arg.display())));
        }
    }
    if files.is_empty() {
        return Err(Refusal("FILE: no lesson files given (pass lesson JSON files or a directory such as www/lessons)".into()));
    }
    Ok(files)
}

fn read_lesson(path: &Path) -> Result<Lesson, Refusal> {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if bytes > LESSON_BYTES_MAX as u64 {
        return Err(Refusal(format!("{}: a lesson file is at most {LESSON_BYTES_MAX} bytes (got {bytes})", path.display())));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Refusal(format!("{}: cannot read: {e}", path.display())))?;
    Lesson::from_json(&text).map_err(|e| Refusal(format!("{}: {e}", path.display())))
}

pub fn check(args: &[PathBuf]) -> Result<ExitCode, Refusal> {
    let lessons = lesson_files(args)?.iter().map(|path| read_lesson(path).map(|l| (path.clone(), l))).collect::<Result<Vec<_>, _>>()?;
    let mut ids = std::collections::BTreeMap::new();
    for (path, lesson) in &lessons {
        if let Some(first) = ids.insert(lesson.id.clone(), path.clone()) {
            return Err(Refusal(format!("{}: id: {:?} is already the id of {}; each lesson needs its own", path.display(), lesson.id, first.display())));
        }
    }
    let (mut steps, mut claims, mut failed) = (0, 0, 0);
    for (path, lesson) in &lessons {
        println!("{} ({}): {}", lesson.id, path.display(), lesson.title);
        for step in reach::check(lesson) {
            steps += 1;
            let mark = if step.passed() { "ok  " } else { "FAIL" };
            println!("  {mark} step {} {:?}", step.step + 1, step.title);
            if let Some(error) = &step.error {
                println!("       {error}");
            }
            for (source, outcome) in &step.outcomes {
                claims += 1;
                match outcome {
                    Ok(o) => println!("       {} {source}   ({} vs {})", if o.holds { "holds:" } else { "FALSE:" }, o.left, o.right),
                    Err(error) => println!("       ERROR: {error}"),
                }
            }
            failed += usize::from(!step.passed());
        }
    }
    println!("{} lessons, {steps} steps, {claims} claims checked, {failed} steps failing", lessons.len());
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `dhara lesson state FILE STEP`: the snapshot at step STEP (1-based) as JSON, the document
/// expectations read, without the in-flight messages (hundreds of lines of dots).
pub fn state(path: &Path, step: usize) -> Result<ExitCode, Refusal> {
    let lesson = read_lesson(path)?;
    let count = lesson.steps.len();
    let chosen = step.checked_sub(1).and_then(|i| lesson.steps.get(i)).ok_or_else(|| Refusal(format!("STEP: must be 1 to {count} (got {step})")))?;
    let timeline = chosen.state.reach().map_err(|e| Refusal(format!("{}: steps[{}].{e}", path.display(), step - 1)))?;
    let mut state = reach::state_of(timeline.sim());
    if let Some(object) = state.as_object_mut() {
        object.remove("in_flight");
    }
    println!("{}", serde_json::to_string_pretty(&state).expect("JSON serializes"));
    Ok(ExitCode::SUCCESS)
}
