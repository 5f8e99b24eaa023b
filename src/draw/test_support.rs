//! What the drawing modules' tests share: a built-in scenario run for a while.

use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::Simulation;

/// Built-in scenario `name`, seed 1, run for `seconds` of simulated time.
pub fn run(name: &str, seconds: u64) -> Simulation {
    let mut sim = Simulation::new(builtin::load(name).expect("a built-in scenario"), 1);
    sim.advance(Duration::from_secs(seconds));
    sim
}
