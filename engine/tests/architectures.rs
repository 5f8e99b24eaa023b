//! Lambda, Kappa and CQRS end to end on the built-in workloads.

use dhara_engine::command::Command;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::{Scenario, Simulation};
use serde_json::{json, Value};

fn with_architectures(name: &str, architectures: Value) -> Scenario {
    let mut doc: Value = serde_json::from_str(builtin::find(name).expect("built in").json).expect("JSON");
    doc["architectures"] = architectures;
    Scenario::from_json(&doc.to_string()).expect("valid")
}

#[test]
fn explore() {
    let mut sim = Simulation::new(with_architectures("upi-bank-totals", json!({"window_ms": 60_000})), 1);
    for _ in 0..6 {
        sim.advance(Duration::from_secs(60));
        let view = sim.snapshot().architectures.expect("architectures");
        println!("{}", serde_json::to_string(&view).unwrap());
    }
    sim.apply(Command::DeployV2 { logic: Default::default(), allow_loss: false }).unwrap();
    sim.advance(Duration::from_secs(60));
    println!("{}", serde_json::to_string(&sim.snapshot().architectures).unwrap());
}
