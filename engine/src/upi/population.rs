//! Who pays, where and for what. A payer's bank, home city and phone never change within a
//! run, so they are derived from the payer's id by a hash instead of being stored: a
//! population of millions costs no memory and every reader (generator, tests) agrees on it.
//! The tables below are rough shares from public sources, good enough to make the numbers
//! on the page look like UPI; each says where it comes from.

use crate::sim::rng::splitmix64;
use crate::sim::SimRng;
use serde::Serialize;

/// Payee ids at or above this are merchants (P2M); below it they are people (P2P), in the
/// producer's key space, so a person can both pay and be paid.
pub const MERCHANT_BASE: u32 = 1 << 31;
/// Merchants per category (a payee id is MERCHANT_BASE + category × 100,000 + index).
const MERCHANTS_PER_CATEGORY: u64 = 5_000;

/// The payer's bank (the remitter). Shares roughly follow NPCI's monthly remitter-bank
/// volumes for 2024-25, where SBI alone is about a quarter; the rest are folded into the
/// banks listed. The index into this table is the bank's id (the `bank` field and the
/// query's group).
pub const BANKS: [(&str, u32); 15] = [
    ("State Bank of India", 25),
    ("HDFC Bank", 10),
    ("ICICI Bank", 8),
    ("Axis Bank", 7),
    ("Bank of Baroda", 7),
    ("Kotak Mahindra Bank", 6),
    ("Punjab National Bank", 6),
    ("Canara Bank", 5),
    ("Union Bank of India", 5),
    ("Bank of India", 5),
    ("Yes Bank", 4),
    ("Indian Bank", 4),
    ("IDFC First Bank", 3),
    ("Paytm Payments Bank", 3),
    ("Airtel Payments Bank", 2),
];

/// The payer's app (the PSP), named by the VPA's handle: `@ybl`, `@ibl`, `@axl` are PhonePe,
/// `@ok…` are Google Pay, `@paytm` is Paytm. With the key space's eight handles this gives
/// Google Pay 4/8, PhonePe 3/8 and Paytm 1/8, close to NPCI's app shares (PhonePe ≈ 48%,
/// Google Pay ≈ 37%, Paytm ≈ 7%, in 2025).
pub const APPS: [&str; 3] = ["PhonePe", "Google Pay", "Paytm"];

/// Indian cities with their coordinates (degrees) and a weight: where payers live. Weights
/// are loosely by urban population; every payer stays in their home city (see the
/// scenario's simplifications).
pub const CITIES: [(&str, f64, f64, u32); 18] = [
    ("Delhi", 28.6139, 77.2090, 12),
    ("Mumbai", 19.0760, 72.8777, 12),
    ("Bengaluru", 12.9716, 77.5946, 11),
    ("Hyderabad", 17.3850, 78.4867, 8),
    ("Chennai", 13.0827, 80.2707, 7),
    ("Kolkata", 22.5726, 88.3639, 7),
    ("Pune", 18.5204, 73.8567, 6),
    ("Ahmedabad", 23.0225, 72.5714, 5),
    ("Jaipur", 26.9124, 75.7873, 4),
    ("Lucknow", 26.8467, 80.9462, 4),
    ("Patna", 25.5941, 85.1376, 3),
    ("Bhopal", 23.2599, 77.4126, 3),
    ("Kochi", 9.9312, 76.2673, 3),
    ("Guwahati", 26.1445, 91.7362, 3),
    ("Chandigarh", 30.7333, 76.7794, 3),
    ("Indore", 22.7196, 75.8577, 3),
    ("Surat", 21.1702, 72.8311, 3),
    ("Nagpur", 21.1458, 79.0882, 3),
];

/// What a payment is for. P2P is person to person; the rest are person to merchant (P2M).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    #[default]
    P2p,
    Grocery,
    Fuel,
    Ecommerce,
    Bills,
}

/// Category, volume share (%), median amount (₹) and the spread σ of ln(amount). NPCI
/// reports P2M at about 60% of UPI volume in 2024-25 with an average ticket near ₹650, and
/// P2P near ₹2,300 on average; amounts are log-normal (many small payments, a long tail),
/// so each mean is well above its median. The tail is cut at UPI's ₹1 lakh limit.
pub const CATEGORIES: [(Category, u32, f64, f64); 5] = [
    (Category::P2p, 38, 600.0, 1.1),
    (Category::Grocery, 27, 180.0, 0.9),
    (Category::Fuel, 8, 500.0, 0.6),
    (Category::Ecommerce, 15, 800.0, 1.0),
    (Category::Bills, 12, 900.0, 0.8),
];

/// UPI's per-transaction limit for ordinary payments, in paise (₹1,00,000).
pub const AMOUNT_MAX_PAISE: u64 = 100_000 * 100;

impl Category {
    pub fn index(self) -> usize {
        CATEGORIES.iter().position(|c| c.0 == self).expect("every category is in the table")
    }
    pub fn name(self) -> &'static str {
        match self {
            Category::P2p => "p2p",
            Category::Grocery => "grocery",
            Category::Fuel => "fuel",
            Category::Ecommerce => "ecommerce",
            Category::Bills => "bills",
        }
    }
}

/// A payer, as derived from their id: what never changes during a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Payer {
    pub bank: u8,
    pub city: u8,
    /// The phone they always use.
    pub device: u32,
}

/// The population of one run: `salt` makes a different seed give a different population.
#[derive(Clone, Copy, Debug)]
pub struct Population {
    salt: u64,
}

impl Population {
    pub fn new(seed: u64) -> Population {
        Population { salt: splitmix64(seed ^ 0x5550_4950_6f70) }
    }

    pub fn payer(&self, id: u32) -> Payer {
        let h = splitmix64(self.salt ^ u64::from(id));
        Payer {
            bank: pick_weighted(BANKS.iter().map(|b| b.1), h % 100) as u8,
            city: pick_weighted(CITIES.iter().map(|c| c.3), (h >> 8) % 100) as u8,
            device: (splitmix64(h) >> 32) as u32,
        }
    }

    /// A phone this payer has never used before (`n` tells several apart).
    pub fn new_device(&self, id: u32, n: u64) -> u32 {
        (splitmix64(self.salt ^ u64::from(id) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 32) as u32 | 1
    }
}

/// The index whose cumulative weight first exceeds `draw` (`draw` below the total).
pub fn pick_weighted(weights: impl Iterator<Item = u32>, draw: u64) -> usize {
    let mut acc = 0u64;
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        acc += u64::from(w);
        last = i;
        if draw < acc {
            return i;
        }
    }
    last
}

/// A category by its volume share.
pub fn draw_category(rng: &mut SimRng) -> Category {
    CATEGORIES[pick_weighted(CATEGORIES.iter().map(|c| c.1), rng.below(100))].0
}

/// A standard normal draw (Box–Muller, through libm so native and wasm agree).
pub fn standard_normal(rng: &mut SimRng) -> f64 {
    let u1 = 1.0 - rng.unit_f64();
    let u2 = rng.unit_f64();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
}

/// A log-normal draw with the given median and σ of the log.
pub fn log_normal(rng: &mut SimRng, median: f64, sigma: f64) -> f64 {
    median * libm::exp(sigma * standard_normal(rng))
}

/// A uniform draw on a log scale between `low` and `high` (an amount "between ₹2,000 and
/// ₹10,000" where small and large are equally likely in ratio).
pub fn log_uniform(rng: &mut SimRng, low: f64, high: f64) -> f64 {
    low * libm::exp(rng.unit_f64() * libm::log(high / low))
}

/// An ordinary payment's amount in paise for `category`, between ₹1 and the UPI limit.
pub fn draw_amount_paise(rng: &mut SimRng, category: Category) -> u64 {
    let (_, _, median, sigma) = CATEGORIES[category.index()];
    rupees_to_paise(log_normal(rng, median, sigma))
}

pub fn rupees_to_paise(rupees: f64) -> u64 {
    ((rupees * 100.0) as u64).clamp(100, AMOUNT_MAX_PAISE)
}

/// A merchant of `category` for a P2M payment.
pub fn draw_merchant(rng: &mut SimRng, category: Category) -> u32 {
    MERCHANT_BASE + category.index() as u32 * 100_000 + rng.below(MERCHANTS_PER_CATEGORY) as u32
}

/// A payee's VPA: a person's is their key's (`ravi.42@okaxis`); a merchant's is a QR
/// handle like `grocery.q1234@ybl`.
pub fn payee_vpa(payee: u32) -> String {
    if payee < MERCHANT_BASE {
        return crate::kafka::keys::vpa(payee);
    }
    let index = payee - MERCHANT_BASE;
    let category = CATEGORIES.get((index / 100_000) as usize).map_or("merchant", |c| c.0.name());
    let handle = ["ybl", "paytm", "okaxis", "oksbi"][(index % 4) as usize];
    format!("{category}.q{}@{handle}", index % 100_000)
}

/// The app behind a VPA handle.
pub fn app_of_handle(handle: &str) -> u8 {
    match handle {
        "ybl" | "ibl" | "axl" => 0,
        "paytm" => 2,
        _ => 1,
    }
}

/// Great-circle distance in km between two points given in degrees (the haversine
/// formula on a sphere of radius 6,371 km; the Earth's flattening changes it by < 0.5%).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let rad = core::f64::consts::PI / 180.0;
    let (p1, p2) = (lat1 * rad, lat2 * rad);
    let dp = p2 - p1;
    let dl = (lon2 - lon1) * rad;
    let a = libm::sin(dp / 2.0) * libm::sin(dp / 2.0) + libm::cos(p1) * libm::cos(p2) * libm::sin(dl / 2.0) * libm::sin(dl / 2.0);
    2.0 * 6_371.0 * libm::asin(libm::sqrt(a.min(1.0)))
}

/// Distance between two cities of the table, km.
pub fn city_distance_km(a: u8, b: u8) -> f64 {
    let (_, lat1, lon1, _) = CITIES[a as usize];
    let (_, lat2, lon2, _) = CITIES[b as usize];
    haversine_km(lat1, lon1, lat2, lon2)
}
