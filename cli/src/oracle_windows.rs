//! `dhara oracle windows FILE`: the windower's answer for every scenario of a
//! windows.json-shaped file (see shared/oracles/README.md). The work is in the engine's
//! `stream::windower::oracle`, which the engine's own oracle test uses too.

use crate::Refusal;
use dhara_engine::stream::windower::oracle::{parse_scenarios, run_all};
use std::path::Path;

/// Prints `{"<scenario id>": {"panes": [...], "dropped_element_ids": [...]}}`.
pub fn command(file: &Path) -> Result<(), Refusal> {
    let text = crate::read_oracle_file(file)?;
    let scenarios = parse_scenarios(&text).map_err(|e| Refusal(format!("{}: {e}", file.display())))?;
    println!("{}", run_all(&scenarios));
    Ok(())
}
