//! `dhara swarm`: the engine's swarm harness from the command line. It prints one JSON
//! summary; for each violation it writes the scenario and command log next to each other and
//! prints the `dhara run` command that replays it. Exit 0 when every seed kept every rule,
//! 1 when one did not.

use crate::Refusal;
use std::path::Path;

pub fn command(seeds: u64, from: u64, out: &Path) -> Result<(), Refusal> {
    let summary = dhara_engine::swarm::run(from, seeds);
    for violation in &summary.violations {
        std::fs::create_dir_all(out).map_err(|e| Refusal(format!("--out: cannot create {}: {e}", out.display())))?;
        let scenario = out.join(format!("seed-{}-scenario.json", violation.seed));
        let commands = out.join(format!("seed-{}-commands.json", violation.seed));
        let write = |path: &Path, text: String| std::fs::write(path, text).map_err(|e| Refusal(format!("--out: cannot write {}: {e}", path.display())));
        write(&scenario, serde_json::to_string_pretty(&violation.scenario).unwrap_or_default())?;
        write(&commands, serde_json::to_string_pretty(&violation.commands).unwrap_or_default())?;
        eprintln!(
            "dhara: seed {} broke an invariant: {}\n  reproduce: dhara run {} --seed {} --for {}ms --commands {} --check-invariants",
            violation.seed,
            violation.message,
            scenario.display(),
            violation.seed,
            violation.run_for_ms,
            commands.display()
        );
    }
    let mut report = serde_json::to_value(&summary).unwrap_or_default();
    if let Some(object) = report.as_object_mut() {
        // The summary counts them; the details went to stderr and the files above.
        object.insert("violations".into(), summary.violations.len().into());
    }
    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    if summary.violations.is_empty() {
        Ok(())
    } else {
        // A violation is not bad input: exit 1, as a failed test run would.
        std::process::exit(1);
    }
}
