//! What the CLI tests share: running the binary and reading its answers.

use std::process::{Command, Output};

pub fn dhara(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dhara")).args(args).output().expect("dhara runs")
}

pub fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

pub fn assert_refused(output: &Output, mentions: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(mentions), "stderr should mention {mentions:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
