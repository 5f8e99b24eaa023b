//! The fraud the generator injects. Each pattern is an episode of one or more payments, as
//! the fraud happens in the world: a taken-over account is drained by a burst, a scammer
//! collects through a mule account from many victims, a fraudster first sends ₹1 to check
//! the account works. The episode's first payment goes out now; the rest are planned at
//! their due times. Every fraudulent payment is labelled with its pattern (ground truth).

use super::generator::Generator;
use super::population::{city_distance_km, log_uniform, rupees_to_paise, Category, CITIES};
use super::{Pattern, Txn};
use crate::kafka::keys::KeySpace;
use crate::sim::{Duration, SimTime};

/// (labelled payments, all payments) an episode of each pattern has on average, in
/// `Pattern::ALL` order: velocity 4-10, amount spike 1, impossible travel 1 fraudulent after
/// 1 genuine, new device 2-3, mule 6-12, test-then-large 2.
const SIZES: [(f64, f64); 6] = [(7.0, 7.0), (1.0, 1.0), (1.0, 2.0), (2.5, 2.5), (9.0, 9.0), (2.0, 2.0)];

/// The probability that an ordinary arrival starts an episode, so that `share` of all
/// payments are fraudulent: with p per arrival, labelled L·p and extra payments (T−1)·p per
/// arrival on average, share = L·p / (1 + (T−1)·p), solved for p.
pub fn episode_probability(share: f64) -> f64 {
    let n = SIZES.len() as f64;
    let labelled = SIZES.iter().map(|s| s.0).sum::<f64>() / n;
    let total = SIZES.iter().map(|s| s.1).sum::<f64>() / n;
    (share / (labelled - share * (total - 1.0))).clamp(0.0, 1.0)
}

/// Starts an episode of a random pattern at `t0`; returns its first payment.
pub fn start(g: &mut Generator, t0: SimTime, keys: &KeySpace) -> Txn {
    let pattern = Pattern::ALL[g.rng.below(Pattern::ALL.len() as u64) as usize];
    match pattern {
        Pattern::Velocity => velocity(g, t0, keys),
        Pattern::AmountSpike => {
            let payer = victim_with_history(g, keys);
            // Some spikes stay under what a rule would call large: fraud that evades.
            let amount = log_uniform(&mut g.rng, 30_000.0, 100_000.0);
            transfer(g, payer, keys.len(), amount, pattern)
        }
        Pattern::ImpossibleTravel => impossible_travel(g, t0, keys),
        Pattern::NewDevice => new_device(g, t0, keys),
        Pattern::Mule => mule(g, t0, keys),
        Pattern::TestThenLarge => {
            let payer = keys.sample(&mut g.rng);
            let small = log_uniform(&mut g.rng, 1.0, 10.0);
            let test = transfer(g, payer, keys.len(), small, pattern);
            let after = seconds(g, 5, 29);
            let large = log_uniform(&mut g.rng, 20_000.0, 90_000.0);
            g.plan(t0 + after, Txn { amount_paise: rupees_to_paise(large), ..test });
            test
        }
    }
}

/// A P2P payment of ₹`rupees` from `payer` to a random person, labelled `pattern`.
fn transfer(g: &mut Generator, payer: u32, people: u32, rupees: f64, pattern: Pattern) -> Txn {
    let payee = g.person_other_than(payer, people);
    Txn { payee, amount_paise: rupees_to_paise(rupees), category: Category::P2p, label: Some(pattern), ..g.base(payer) }
}

/// A whole number of seconds between `low` and `high`, plus a random fraction.
fn seconds(g: &mut Generator, low: u64, high: u64) -> Duration {
    Duration::from_us((low + g.rng.below(high - low + 1)) * 1_000_000 + g.rng.below(1_000_000))
}

/// A payer who has paid recently, so the detector may have their history; anyone if none.
fn victim_with_history(g: &mut Generator, keys: &KeySpace) -> u32 {
    if g.recent_payers.is_empty() {
        return keys.sample(&mut g.rng);
    }
    let i = g.rng.below(g.recent_payers.len() as u64) as usize;
    g.recent_payers[i]
}

/// A SIM swap or a phished login: the account is set up on the fraudster's phone, which
/// then sends 2-3 transfers of ₹15,000–₹60,000, 10-40 s apart, to different people.
fn new_device(g: &mut Generator, t0: SimTime, keys: &KeySpace) -> Txn {
    let payer = victim_with_history(g, keys);
    let device = g.new_phone(payer);
    let n = 2 + g.rng.below(2);
    let mut at = t0;
    for _ in 1..n {
        at = at + seconds(g, 10, 39);
        let amount = log_uniform(&mut g.rng, 15_000.0, 60_000.0);
        let txn = Txn { device, ..transfer(g, payer, keys.len(), amount, Pattern::NewDevice) };
        g.plan(at, txn);
    }
    let amount = log_uniform(&mut g.rng, 15_000.0, 60_000.0);
    Txn { device, ..transfer(g, payer, keys.len(), amount, Pattern::NewDevice) }
}

/// A taken-over account drained by 4-10 payments of ₹2,000–₹10,000, 2-6 s apart, each to a
/// different person. The shortest bursts are below what a velocity rule can tell from a
/// busy payer: fraud that evades.
fn velocity(g: &mut Generator, t0: SimTime, keys: &KeySpace) -> Txn {
    let payer = keys.sample(&mut g.rng);
    let n = 4 + g.rng.below(7);
    let mut at = t0;
    for _ in 1..n {
        at = at + seconds(g, 2, 5);
        let amount = log_uniform(&mut g.rng, 2_000.0, 9_999.0);
        let txn = transfer(g, payer, keys.len(), amount, Pattern::Velocity);
        g.plan(at, txn);
    }
    let amount = log_uniform(&mut g.rng, 2_000.0, 9_999.0);
    transfer(g, payer, keys.len(), amount, Pattern::Velocity)
}

/// The payer pays as usual at home (genuine), and 5-40 s later "the payer" pays ₹1,000–
/// ₹15,000 from a city at least 500 km away: cloned credentials used elsewhere.
fn impossible_travel(g: &mut Generator, t0: SimTime, keys: &KeySpace) -> Txn {
    let payer = keys.sample(&mut g.rng);
    let genuine = g.ordinary(payer, keys.len());
    let home = genuine.city;
    let mut far = home;
    for _ in 0..32 {
        let c = g.rng.below(CITIES.len() as u64) as u8;
        if city_distance_km(home, c) >= 500.0 {
            far = c;
            break;
        }
    }
    let after = seconds(g, 5, 40);
    let amount = log_uniform(&mut g.rng, 1_000.0, 15_000.0);
    let fraud = Txn { city: far, ..transfer(g, payer, keys.len(), amount, Pattern::ImpossibleTravel) };
    g.plan(t0 + after, fraud);
    genuine
}

/// 6-12 different people, tricked by the same scam, each pay ₹3,000–₹20,000 to one mule
/// account, 2-6 s apart. Mules are accounts opened (or rented) for the purpose: they are
/// outside the payer population (ids from the key space's size up), receive and never pay.
fn mule(g: &mut Generator, t0: SimTime, keys: &KeySpace) -> Txn {
    let mule = keys.len() + g.rng.below(1_000_000) as u32;
    let n = 6 + g.rng.below(7);
    let mut at = t0;
    let mut first = None;
    for i in 0..n {
        let payer = keys.sample(&mut g.rng);
        let amount = log_uniform(&mut g.rng, 3_000.0, 20_000.0);
        let txn = Txn { payee: mule, ..transfer(g, payer, keys.len(), amount, Pattern::Mule) };
        if i == 0 {
            first = Some(txn);
        } else {
            at = at + seconds(g, 2, 5);
            g.plan(at, txn);
        }
    }
    first.expect("at least one payment")
}
