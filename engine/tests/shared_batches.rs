//! Replicas share the records they hold: a batch is written once, by the leader, and every
//! follower's log points at that one copy. Checked on a whole run with replication factor 3,
//! a leader crash and a new leader, where each copy must still read exactly as the leader's.

use dhara_engine::command::Command;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::Simulation;

#[test]
fn every_follower_copy_is_the_leaders_batch_not_a_second_copy() {
    let scenario = builtin::load("upi-fraud").expect("loads");
    let mut sim = Simulation::new(scenario, 3);
    sim.advance(Duration::from_secs(10));
    // Broker 0 goes down and comes back: new leaders write new batches, and broker 0's
    // replicas truncate and catch up from them.
    sim.apply(Command::CrashBroker { broker: 0 }).expect("a valid command");
    sim.advance(Duration::from_secs(5));
    sim.apply(Command::RestartBroker { broker: 0 }).expect("a valid command");
    sim.advance(Duration::from_secs(10));
    let (mut compared, mut shared) = (0, 0);
    for partition in 0..6 {
        let replicas: Vec<_> = sim.brokers().iter().filter_map(|b| b.replica(partition)).collect();
        assert_eq!(replicas.len(), 3, "partition {partition}: RF 3");
        let leader = replicas.iter().find(|r| r.is_leader()).expect("a leader");
        for follower in replicas.iter().filter(|r| !r.is_leader()) {
            for slot in follower.log.slots() {
                let Some(at_leader) = leader.log.slots().find(|l| l.offset() == slot.offset()) else { continue };
                assert_eq!(slot.entry(), at_leader.entry(), "partition {partition} offset {}", slot.offset());
                compared += 1;
                shared += usize::from(slot.shares_batch_with(at_leader));
            }
        }
    }
    assert!(compared > 5_000, "only {compared} follower records compared");
    assert_eq!(shared, compared, "every follower record is the leader's copy");
}
