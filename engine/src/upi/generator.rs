//! The payment generator. Ordinary payments arrive as a Poisson process that follows UPI's
//! day (see `workload::traffic`); now and then one of them starts a fraud episode instead,
//! which plans its later payments ahead (a burst, a test payment's big follow-up). The
//! generator hands out whichever comes first: the next ordinary arrival or the next planned
//! payment, so episodes interleave with normal traffic as they would on a real switch.

use super::patterns;
use super::population::{self, draw_amount_paise, draw_category, log_normal, Category, Population};
use super::spec::UpiSpec;
use super::{Status, Txn};
use crate::kafka::keys::{handle, KeySpace};
use crate::sim::{Duration, SimRng, SimTime};
use crate::workload::traffic::Traffic;
use crate::workload::{Arrival, Payload};
use std::collections::{BTreeMap, VecDeque};

/// A UPI payment's JSON is a few hundred bytes.
const VALUE_BYTES: u32 = 320;
/// Planned payments at most: episodes are not started while this many wait.
const PENDING_MAX: usize = 10_000;
/// Recent payers remembered, victims for the patterns that need a payer with history.
const RECENT_PAYERS_MAX: usize = 4_096;
/// A genuine payer switches to a new phone on this share of payments.
const NEW_PHONE_SHARE: f64 = 0.005;
/// The app gives up and shows "pending" after this long (an assumption; NPCI's switch
/// timeouts have been tightened to 10-30 s over the years).
pub const TIMEOUT_MS: u32 = 30_000;

#[derive(Clone)]
pub struct Generator {
    pub(super) rng: SimRng,
    traffic: Traffic,
    pub(super) population: Population,
    /// Probability that an ordinary arrival starts a fraud episode instead.
    episode_p: f64,
    declined: f64,
    technical: f64,
    timeout: f64,
    /// The next ordinary arrival, once drawn.
    staged: Option<SimTime>,
    /// Planned payments by due time (and a sequence number, so equal times keep their order).
    pending: BTreeMap<(SimTime, u64), Txn>,
    seq: u64,
    pub(super) recent_payers: VecDeque<u32>,
    /// Phones handed out so far, to make each new one distinct.
    pub(super) phones: u64,
}

impl Generator {
    pub fn new(spec: &UpiSpec, seed: u64, _keys: &KeySpace) -> Generator {
        Generator {
            rng: SimRng::stream(seed, "workload-upi"),
            traffic: Traffic::new(&spec.effective_traffic()),
            population: Population::new(seed),
            episode_p: patterns::episode_probability(spec.fraud_percent / 100.0),
            declined: spec.declined_percent / 100.0,
            technical: spec.technical_decline_percent / 100.0,
            timeout: spec.timeout_percent / 100.0,
            staged: None,
            pending: BTreeMap::new(),
            seq: 0,
            recent_payers: VecDeque::new(),
            phones: 0,
        }
    }

    /// The next payment strictly after `now`, with `base_per_s` the day's mean rate.
    pub fn next(&mut self, now: SimTime, base_per_s: u32, keys: &KeySpace) -> Arrival {
        let ordinary_at = match self.staged {
            Some(at) => at,
            None => *self.staged.insert(self.traffic.next_arrival(&mut self.rng, now, base_per_s)),
        };
        // Strictly after `now`, even when a planned payment and an arrival coincide.
        let earliest = now + Duration::from_us(1);
        let planned_first = self.pending.first_key_value().is_some_and(|(&(due, _), _)| due <= ordinary_at);
        let (at, txn) = if planned_first {
            let ((due, _), txn) = self.pending.pop_first().expect("checked above");
            (due.max(earliest), txn)
        } else {
            self.staged = None;
            let txn = if self.pending.len() < PENDING_MAX && self.rng.unit_f64() < self.episode_p {
                patterns::start(self, ordinary_at, keys)
            } else {
                let payer = keys.sample(&mut self.rng);
                self.remember(payer);
                self.ordinary(payer, keys.len())
            };
            (ordinary_at.max(earliest), txn)
        };
        let txn = self.settle(txn);
        Arrival { at, key_id: txn.payer, payload: Payload::Upi(txn), value_bytes: VALUE_BYTES }
    }

    /// Plans `txn` for `due`.
    pub(super) fn plan(&mut self, due: SimTime, txn: Txn) {
        self.seq += 1;
        self.pending.insert((due, self.seq), txn);
    }

    fn remember(&mut self, payer: u32) {
        if self.recent_payers.len() == RECENT_PAYERS_MAX {
            self.recent_payers.pop_front();
        }
        self.recent_payers.push_back(payer);
    }

    /// A genuine payment by `payer` (status and latency still to be drawn).
    pub(super) fn ordinary(&mut self, payer: u32, people: u32) -> Txn {
        let profile = self.population.payer(payer);
        let category = draw_category(&mut self.rng);
        let payee = match category {
            Category::P2p => self.person_other_than(payer, people),
            _ => population::draw_merchant(&mut self.rng, category),
        };
        let device = if self.rng.unit_f64() < NEW_PHONE_SHARE { self.new_phone(payer) } else { profile.device };
        let amount_paise = draw_amount_paise(&mut self.rng, category);
        Txn { payer, payee, amount_paise, category, device, ..self.base(payer) }
    }

    /// The fields every payment of `payer` shares: bank, app, home city, usual phone.
    pub(super) fn base(&self, payer: u32) -> Txn {
        let profile = self.population.payer(payer);
        Txn { payer, bank: profile.bank, app: population::app_of_handle(handle(payer)), city: profile.city, device: profile.device, ..Txn::default() }
    }

    pub(super) fn new_phone(&mut self, payer: u32) -> u32 {
        self.phones += 1;
        self.population.new_device(payer, self.phones)
    }

    /// A person to pay, not the payer themself.
    pub(super) fn person_other_than(&mut self, payer: u32, people: u32) -> u32 {
        let p = self.rng.below(u64::from(people.max(2))) as u32;
        if p == payer {
            (p + 1) % people.max(2)
        } else {
            p
        }
    }

    /// Draws how the payment ended and how long it took. Latencies are log-normal: a
    /// success takes about 1.2 s at the median and 4-5 s at p99 (NPCI's target is answers
    /// within a few seconds); a decline is quicker, a technical decline slower.
    fn settle(&mut self, txn: Txn) -> Txn {
        let u = self.rng.unit_f64();
        let (status, median_ms, sigma) = if u < self.timeout {
            (Status::Timeout, 0.0, 0.0)
        } else if u < self.timeout + self.technical {
            (Status::TechnicalDecline, 2_500.0, 0.8)
        } else if u < self.timeout + self.technical + self.declined {
            (Status::Declined, 800.0, 0.5)
        } else {
            (Status::Success, 1_200.0, 0.55)
        };
        let latency_ms = if status == Status::Timeout { TIMEOUT_MS } else { (log_normal(&mut self.rng, median_ms, sigma) as u32).clamp(50, TIMEOUT_MS - 1) };
        Txn { status, latency_ms, ..txn }
    }
}
