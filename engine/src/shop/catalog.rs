//! The shop's catalogue: products in categories, each with a price in rupees and units in
//! stock. Prices are skewed the way Indian marketplaces' are (log-normal per category: most
//! grocery under ₹500, phones around ₹15,000 with a long tail of flagships), and within a
//! category a few products draw most views (Zipf). The catalogue depends on the spec only,
//! not the seed, so the generator and the downstream analytics build the same one.

use super::spec::ShopSpec;
use crate::sim::rng::splitmix64;
use crate::sim::SimRng;
use serde::Serialize;

/// A product category. The order is the query's group id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    #[default]
    Mobiles,
    Electronics,
    Fashion,
    Home,
    Beauty,
    Grocery,
    Books,
}

pub const CATEGORIES: [Category; 7] = [Category::Mobiles, Category::Electronics, Category::Fashion, Category::Home, Category::Beauty, Category::Grocery, Category::Books];

/// What a category looks like: its share of product views, its median price (₹) and the
/// spread of log-price (σ: 0.4 keeps prices within about ×2 of the median for 2 in 3
/// products, 1.1 spreads them from ₹300 earbuds to ₹80,000 laptops), and product nouns.
struct Shape {
    name: &'static str,
    view_share: f64,
    median_rupees: f64,
    sigma: f64,
    nouns: &'static [&'static str],
}

const SHAPES: [Shape; 7] = [
    Shape { name: "mobiles", view_share: 0.16, median_rupees: 14_000.0, sigma: 0.55, nouns: &["5G phone", "Smartphone", "Foldable phone", "Feature phone"] },
    Shape { name: "electronics", view_share: 0.14, median_rupees: 2_000.0, sigma: 1.1, nouns: &["Earbuds", "Smartwatch", "Power bank", "Bluetooth speaker", "Laptop", "LED TV", "Trimmer"] },
    Shape { name: "fashion", view_share: 0.24, median_rupees: 800.0, sigma: 0.6, nouns: &["Kurta", "Saree", "Jeans", "Sneakers", "T-shirt", "Lehenga", "Analog watch"] },
    Shape { name: "home", view_share: 0.14, median_rupees: 1_100.0, sigma: 0.9, nouns: &["Pressure cooker", "Mixer grinder", "Bedsheet", "Steel bottle", "Air fryer", "Ceiling fan"] },
    Shape { name: "beauty", view_share: 0.10, median_rupees: 400.0, sigma: 0.6, nouns: &["Face wash", "Sunscreen", "Kajal", "Shampoo", "Perfume", "Lipstick"] },
    Shape { name: "grocery", view_share: 0.14, median_rupees: 250.0, sigma: 0.6, nouns: &["Basmati rice 5 kg", "Atta 10 kg", "Ghee 1 L", "Tea 500 g", "Dry fruits 1 kg", "Mustard oil 5 L"] },
    Shape { name: "books", view_share: 0.08, median_rupees: 350.0, sigma: 0.4, nouns: &["Novel", "Exam guide", "Comic", "Cookbook"] },
];

impl Category {
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        SHAPES[self.index()].name
    }
    /// The category with query group id `id`, if any.
    pub fn from_index(id: usize) -> Option<Category> {
        CATEGORIES.get(id).copied()
    }
    /// Median price in rupees and σ of log-price, as documented on `SHAPES`.
    pub fn price_shape(self) -> (f64, f64) {
        (SHAPES[self.index()].median_rupees, SHAPES[self.index()].sigma)
    }
}

/// One product. Its price is the list price; a sale price is derived while a sale is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Product {
    pub category: Category,
    pub price_paise: u64,
    pub stock: u32,
    pub on_sale: bool,
}

/// Every product, by id, with per-category popularity for drawing views.
#[derive(Clone, Debug)]
pub struct Catalogue {
    products: Vec<Product>,
    /// Per category: its first product id and how many it has (ids are contiguous).
    ranges: [(u32, u32); 7],
    /// Per category: cumulative Zipf weights (exponent 1) over its products, rank = id order.
    popularity: Vec<Vec<f64>>,
    sale: Vec<u32>,
}

/// Cheapest and dearest list prices, ₹.
const PRICE_MIN_RUPEES: f64 = 49.0;
const PRICE_MAX_RUPEES: f64 = 200_000.0;

impl Catalogue {
    pub fn new(spec: &ShopSpec) -> Catalogue {
        let n = spec.products.max(CATEGORIES.len() as u32);
        let mut ranges = [(0u32, 0u32); 7];
        let (mut start, mut cumulative) = (0u32, 0.0);
        for (c, shape) in SHAPES.iter().enumerate() {
            cumulative += shape.view_share;
            // Products proportional to view share; the last category takes the rest.
            let end = if c == 6 { n } else { ((cumulative * f64::from(n)).round() as u32).clamp(start + 1, n - (6 - c as u32)) };
            ranges[c] = (start, end - start);
            start = end;
        }
        let mut products = Vec::with_capacity(n as usize);
        for (c, &(first, count)) in ranges.iter().enumerate() {
            for id in first..first + count {
                let category = CATEGORIES[c];
                let stock = (f64::from(spec.stock_units) * (0.5 + unit(id, 3))).round().max(1.0) as u32;
                products.push(Product { category, price_paise: list_price_paise(category, id), stock, on_sale: false });
            }
        }
        let popularity = ranges.iter().map(|&(_, count)| (1..=count).scan(0.0, |acc, r| { *acc += 1.0 / f64::from(r); Some(*acc) }).collect()).collect();
        // The sale: each category's most popular product in turn, then the second, …
        let mut sale = Vec::new();
        'pick: for rank in 0..n {
            for &(first, count) in &ranges {
                if sale.len() as u32 == spec.flash_sale.products {
                    break 'pick;
                }
                if rank < count {
                    sale.push(first + rank);
                }
            }
        }
        for &id in &sale {
            let product = &mut products[id as usize];
            product.on_sale = true;
            product.stock = spec.flash_sale.stock_units;
        }
        Catalogue { products, ranges, popularity, sale }
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub fn product(&self, id: u32) -> &Product {
        &self.products[id as usize]
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    pub fn sale_products(&self) -> &[u32] {
        &self.sale
    }

    /// A readable name, e.g. "Pressure cooker H-123": a noun of its category and its id.
    pub fn name(&self, id: u32) -> String {
        let category = self.product(id).category;
        let nouns = SHAPES[category.index()].nouns;
        let noun = nouns[(splitmix64(u64::from(id) ^ 0x4e41_4d45) % nouns.len() as u64) as usize];
        let letter = category.name().chars().next().unwrap_or('x').to_ascii_uppercase();
        format!("{noun} {letter}-{}", 100 + id)
    }

    /// A product to view: a category by view share, then a product by popularity.
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        let draw = rng.unit_f64();
        let mut cumulative = 0.0;
        let mut c = SHAPES.len() - 1;
        for (i, shape) in SHAPES.iter().enumerate() {
            cumulative += shape.view_share;
            if draw < cumulative {
                c = i;
                break;
            }
        }
        let weights = &self.popularity[c];
        let total = weights.last().copied().unwrap_or(1.0);
        let at = rng.unit_f64() * total;
        let rank = weights.partition_point(|&w| w <= at).min(weights.len().saturating_sub(1));
        self.ranges[c].0 + rank as u32
    }
}

/// A uniform number in [0, 1) from the product id and a salt: per-product draws that do not
/// depend on the seed.
fn unit(id: u32, salt: u64) -> f64 {
    (splitmix64(u64::from(id) ^ (salt << 32)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Log-normal around the category's median (Box–Muller from two per-product uniforms),
/// clamped to ₹49..₹2,00,000 and priced like a shop does: ₹x99 above ₹1,000, ₹x9 below.
fn list_price_paise(category: Category, id: u32) -> u64 {
    let (median, sigma) = category.price_shape();
    let (u1, u2) = (unit(id, 1).max(1e-12), unit(id, 2));
    let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2);
    let rupees = (median * libm::exp(sigma * z)).clamp(PRICE_MIN_RUPEES, PRICE_MAX_RUPEES) as u64;
    let charm = if rupees >= 1_000 { rupees / 100 * 100 - 1 } else { (rupees / 10 * 10).saturating_sub(1).max(49) };
    charm * 100
}
