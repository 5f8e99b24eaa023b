//! What the fraud job remembers per key, and the features it computes from it. A fraud
//! detector cannot judge a payment alone: ₹40,000 is normal for one payer and absurd for
//! another, five payments a minute is a burst only against a quiet history. So each payer
//! (and each payee) has keyed state: a running mean and variance of its amounts, its last
//! place and time, its phones, its recent payments. Everything is bounded (short histories, a TTL).

use super::population::{city_distance_km, AMOUNT_MAX_PAISE};
use super::{Category, Txn};
use crate::sim::small_deque::SmallDeque;
use crate::stream::EventTimeUs;

/// Recent payments a payer's state keeps (the velocity window needs at most a burst's worth).
pub const PAYER_RECENT_MAX: usize = 16;
/// Of those, kept inside the payer's state: at real scale four payers in five have at most
/// two recent payments (the key limit drops idle payers first).
pub const PAYER_RECENT_INLINE: usize = 2;
/// Recent inbound P2P payments a payee's state keeps.
pub const PAYEE_RECENT_MAX: usize = 32;
/// Of those, kept inside the payee's state: at real scale most payees have one.
pub const PAYEE_RECENT_INLINE: usize = 1;
/// Phones a payer's state remembers.
const DEVICES_MAX: usize = 4;
/// The velocity window: transfers by one payer within this much event time.
pub const VELOCITY_WINDOW_US: i64 = 60_000_000;
/// A burst's payments follow each other at most this far apart: when a burst is
/// recognised, the earlier payments chained to it this closely are flagged too.
pub const BURST_GAP_US: i64 = 20_000_000;
/// The fan-in window: distinct people paying one payee within this much event time.
pub const FAN_IN_WINDOW_US: i64 = 120_000_000;
/// "Test then large": the test payment precedes the large one by at most this.
pub const TEST_WINDOW_US: i64 = 60_000_000;
/// A test payment is at most ₹20.
pub const TEST_AMOUNT_MAX_PAISE: u64 = 2_000;

/// The running mean and variance of ln(amount), by Welford's online algorithm (one pass,
/// numerically stable). It starts from `PRIOR_N` pseudo-payments of a typical payer
/// (median ₹350, σ 1.3 in ln units), so a payer with little history is compared with
/// what people usually pay, and their own payments take over as they accumulate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Welford {
    pub n: f64,
    pub mean: f64,
    /// The sum of squared deviations from the mean.
    pub m2: f64,
}

const PRIOR_N: f64 = 3.0;
const PRIOR_MEDIAN_RUPEES: f64 = 350.0;
const PRIOR_SIGMA: f64 = 1.3;

impl Welford {
    /// Empty: no observations at all.
    pub fn empty() -> Welford {
        Welford { n: 0.0, mean: 0.0, m2: 0.0 }
    }

    /// Seeded with the population prior.
    pub fn with_prior() -> Welford {
        Welford { n: PRIOR_N, mean: libm::log(PRIOR_MEDIAN_RUPEES), m2: PRIOR_N * PRIOR_SIGMA * PRIOR_SIGMA }
    }

    pub fn add(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    /// The population variance (m2 / n), 0 when empty.
    pub fn variance(&self) -> f64 {
        if self.n > 0.0 {
            self.m2 / self.n
        } else {
            0.0
        }
    }

    /// How many standard deviations `x` is above the mean (σ floored at 0.3 so a payer who
    /// always pays the same amount is not alarmed by a few rupees more).
    pub fn z(&self, x: f64) -> f64 {
        (x - self.mean) / libm::sqrt(self.variance()).max(0.3)
    }
}

/// One of a payer's recent payments, in 24 bytes: a payer's state holds up to
/// `PAYER_RECENT_MAX` of them (the first `PAYER_RECENT_INLINE` inside itself) and is copied
/// whenever a checkpoint shares it, so each byte here is paid per payer and per copy. The
/// flags ride in the record id's top bits (record ids count records, far below 2^61) and the
/// amount in 32 bits (every amount is clamped to UPI's ₹1 lakh, 10^7 paise; 32 bits hold
/// ₹4.29 crore).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Recent {
    id_and_flags: u64,
    pub event_us: EventTimeUs,
    pub payee: u32,
    amount_paise: u32,
}

const _: () = assert!(AMOUNT_MAX_PAISE <= u32::MAX as u64, "a payment's amount fits an entry's 32 bits");

/// Flags kept in the top bits of an entry's record id.
const FLAGGED_BIT: u64 = 1 << 62;
const TRANSFER_BIT: u64 = 1 << 61;
const ID_MASK: u64 = TRANSFER_BIT - 1;

/// `id` with `flags` in its top bits.
fn tag(id: u64, flags: u64) -> u64 {
    assert!(id <= ID_MASK, "record id {id} beyond 2^61");
    id | flags
}

/// An amount in an entry's 32 bits (every generated amount fits: see `Recent`).
fn paise_u32(amount_paise: u64) -> u32 {
    u32::try_from(amount_paise).unwrap_or(u32::MAX)
}

/// The size an entry is counted at in the job's state-size metric: what a checkpoint would
/// write for it (id, event time and amount at 8 bytes each, a 4-byte party, the flags),
/// not its size in memory. The metric sets how long a checkpoint's upload takes.
const ENTRY_STATE_BYTES: usize = 32;

impl Recent {
    pub fn new(id: u64, event_us: EventTimeUs, payee: u32, amount_paise: u64, transfer: bool, flagged: bool) -> Recent {
        let flags = if transfer { TRANSFER_BIT } else { 0 } | if flagged { FLAGGED_BIT } else { 0 };
        Recent { id_and_flags: tag(id, flags), event_us, payee, amount_paise: paise_u32(amount_paise) }
    }

    pub fn id(&self) -> u64 {
        self.id_and_flags & ID_MASK
    }

    pub fn amount_paise(&self) -> u64 {
        u64::from(self.amount_paise)
    }

    /// A transfer to a person (P2P).
    pub fn transfer(&self) -> bool {
        self.id_and_flags & TRANSFER_BIT != 0
    }

    /// Already alerted (so a later retroactive alert does not repeat it).
    pub fn flagged(&self) -> bool {
        self.id_and_flags & FLAGGED_BIT != 0
    }

    pub fn flag(&mut self) {
        self.id_and_flags |= FLAGGED_BIT;
    }
}

/// The last `DEVICES_MAX` phones a payer used, oldest first. Held inline rather than in a
/// heap buffer: a payer's state is copied whenever a checkpoint shares it, and a copy without
/// an allocation is several times cheaper. The ids are kept as bytes, so the count packs
/// beside them in 17 bytes, not 20 (see `PayerState`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Devices {
    ids: [[u8; 4]; DEVICES_MAX],
    len: u8,
}

impl Devices {
    pub fn contains(&self, device: &u32) -> bool {
        self.ids[..usize::from(self.len)].contains(&device.to_le_bytes())
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Adds a phone, forgetting the oldest when all places are taken.
    pub fn remember(&mut self, device: u32) {
        let device = device.to_le_bytes();
        if self.len() == DEVICES_MAX {
            self.ids.copy_within(1.., 0);
            self.ids[DEVICES_MAX - 1] = device;
        } else {
            self.ids[self.len()] = device;
            self.len += 1;
        }
    }
}

/// A payer's keyed state: 120 bytes, so that with its shared pointer's counts it takes a
/// 144-byte heap block (a million of them at real scale, again for each checkpoint's copy).
#[derive(Clone, Debug, PartialEq)]
pub struct PayerState {
    pub amounts: Welford,
    pub recent: SmallDeque<Recent, PAYER_RECENT_INLINE, PAYER_RECENT_MAX>,
    /// When and where (`last_city`) their latest payment (by event time) happened; the city
    /// apart from the time, so it packs with the other small fields.
    last_place_us: EventTimeUs,
    last_city: Option<u8>,
    pub devices: Devices,
    pub payments: u32,
    pub last_seen_us: EventTimeUs,
}

const _: () = assert!(std::mem::size_of::<PayerState>() <= 120, "a payer's state fits 120 bytes");

/// The features of one payment from its payer's point of view, computed before the payment
/// is added to the state.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PayerFeatures {
    /// This payment is a transfer to a person (P2P): how a taken-over account is drained.
    pub transfer: bool,
    /// Transfers by this payer in the last minute of event time, this one included if it is one.
    pub velocity: u32,
    /// Their amount together, ₹ (a drain moves money, not just messages).
    pub transfers_rupees: f64,
    /// z-score of ln(amount) against the payer's history.
    pub amount_z: f64,
    pub amount_rupees: f64,
    /// Since their previous payment: distance (km) and the speed it implies (km/h).
    pub distance_km: f64,
    pub speed_kmh: f64,
    /// A phone this payer has not used before (false while no phone of theirs is known).
    pub new_device: bool,
    /// A payment of at most ₹20 to the same payee within the last minute.
    pub after_test_payment: bool,
}

impl PayerState {
    pub fn new() -> PayerState {
        PayerState { amounts: Welford::with_prior(), recent: SmallDeque::new(), last_place_us: 0, last_city: None, devices: Devices::default(), payments: 0, last_seen_us: i64::MIN }
    }

    /// When and in which city their latest payment (by event time) happened, if any.
    pub fn last_place(&self) -> Option<(EventTimeUs, u8)> {
        self.last_city.map(|city| (self.last_place_us, city))
    }

    /// The payment's features against the state as it is (before `add`).
    pub fn features(&self, txn: &Txn, event_us: EventTimeUs) -> PayerFeatures {
        let within = |r: &&Recent, window: i64| (event_us - r.event_us).abs() <= window;
        let transfer = txn.category == Category::P2p;
        let in_window = || self.recent.iter().filter(|r| r.transfer() && within(r, VELOCITY_WINDOW_US));
        let velocity = u32::from(transfer) + in_window().count() as u32;
        let own = if transfer { txn.amount_paise } else { 0 };
        let transfers_rupees = (own + in_window().map(Recent::amount_paise).sum::<u64>()) as f64 / 100.0;
        let (distance_km, speed_kmh) = match self.last_place() {
            Some((at, city)) => {
                let km = city_distance_km(city, txn.city);
                // At least a second apart: two payments "at once" from 1,000 km apart are
                // still impossible, and a zero gap must not divide by zero.
                let hours = ((event_us - at).abs().max(1_000_000)) as f64 / 3.6e9;
                (km, km / hours)
            }
            None => (0.0, 0.0),
        };
        let after_test_payment = self.recent.iter().any(|r| r.payee == txn.payee && r.amount_paise() <= TEST_AMOUNT_MAX_PAISE && within(&r, TEST_WINDOW_US));
        PayerFeatures {
            transfer,
            velocity,
            transfers_rupees,
            amount_z: self.amounts.z(ln_rupees(txn.amount_paise)),
            amount_rupees: txn.amount_paise as f64 / 100.0,
            distance_km,
            speed_kmh,
            new_device: !self.devices.is_empty() && !self.devices.contains(&txn.device),
            after_test_payment,
        }
    }

    /// Takes the payment into the state.
    pub fn add(&mut self, id: u64, txn: &Txn, event_us: EventTimeUs, flagged: bool) {
        // A flagged payment does not teach the state what the payer usually pays.
        if !flagged {
            self.amounts.add(ln_rupees(txn.amount_paise));
        }
        self.recent.push(Recent::new(id, event_us, txn.payee, txn.amount_paise, txn.category == Category::P2p, flagged));
        // A flagged payment does not move the payer: the fraudster's city is not where the
        // owner is, and the owner's next payment at home must not look like a jump back.
        if !flagged && self.last_place().is_none_or(|(at, _)| event_us >= at) {
            (self.last_place_us, self.last_city) = (event_us, Some(txn.city));
        }
        // Likewise a flagged payment's phone is not trusted: the fraudster's next payment
        // from it is still from a new phone.
        if !flagged && !self.devices.contains(&txn.device) {
            self.devices.remember(txn.device);
        }
        self.payments = self.payments.saturating_add(1);
        self.last_seen_us = self.last_seen_us.max(event_us);
    }

    /// Rough bytes of this state, for the job's state-size metric.
    pub fn bytes(&self) -> usize {
        64 + self.recent.len() * ENTRY_STATE_BYTES + self.devices.len() * 4
    }
}

impl Default for PayerState {
    fn default() -> Self {
        PayerState::new()
    }
}

/// One inbound P2P payment a payee received, in 24 bytes like `Recent`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Inbound {
    id_and_flags: u64,
    pub event_us: EventTimeUs,
    pub payer: u32,
    amount_paise: u32,
}

impl Inbound {
    pub fn new(id: u64, event_us: EventTimeUs, payer: u32, amount_paise: u64, flagged: bool) -> Inbound {
        Inbound { id_and_flags: tag(id, if flagged { FLAGGED_BIT } else { 0 }), event_us, payer, amount_paise: paise_u32(amount_paise) }
    }

    pub fn id(&self) -> u64 {
        self.id_and_flags & ID_MASK
    }

    pub fn amount_paise(&self) -> u64 {
        u64::from(self.amount_paise)
    }

    pub fn flagged(&self) -> bool {
        self.id_and_flags & FLAGGED_BIT != 0
    }

    pub fn flag(&mut self) {
        self.id_and_flags |= FLAGGED_BIT;
    }
}

/// A payee's keyed state: who has been paying them (people only; a grocer's fan-in is
/// everybody and says nothing).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PayeeState {
    pub inbound: SmallDeque<Inbound, PAYEE_RECENT_INLINE, PAYEE_RECENT_MAX>,
    pub last_seen_us: EventTimeUs,
}

impl PayeeState {
    /// Distinct people who paid this payee within the fan-in window around `event_us`,
    /// counting `payer` (the payment being judged).
    pub fn fan_in(&self, payer: u32, event_us: EventTimeUs) -> u32 {
        // On the stack: this runs for every person-to-person payment.
        let mut payers = [payer; PAYEE_RECENT_MAX + 1];
        let mut len = 1;
        for inbound in self.inbound.iter().filter(|i| (event_us - i.event_us).abs() <= FAN_IN_WINDOW_US) {
            payers[len] = inbound.payer;
            len += 1;
        }
        let payers = &mut payers[..len];
        payers.sort_unstable();
        1 + payers.windows(2).filter(|pair| pair[0] != pair[1]).count() as u32
    }

    pub fn add(&mut self, id: u64, txn: &Txn, event_us: EventTimeUs, flagged: bool) {
        if txn.category != Category::P2p {
            return;
        }
        self.inbound.push(Inbound::new(id, event_us, txn.payer, txn.amount_paise, flagged));
        self.last_seen_us = self.last_seen_us.max(event_us);
    }

    pub fn bytes(&self) -> usize {
        32 + self.inbound.len() * ENTRY_STATE_BYTES
    }
}

/// ln of the amount in rupees (≥ ₹1).
pub fn ln_rupees(amount_paise: u64) -> f64 {
    libm::log((amount_paise as f64 / 100.0).max(1.0))
}
