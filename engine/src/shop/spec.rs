//! The `workload` section of a shop scenario: how shoppers browse (views per visit, think
//! time, how many drop off at each step of the funnel), the catalogue and its stock, and the
//! flash sale that runs during the traffic's spikes. Checked once, when the scenario loads.

use crate::error::{check_finite_range, check_range, InputError};
use crate::workload::traffic::TrafficSpec;
use crate::workload::Scale;
use serde::{Deserialize, Serialize};

/// Events per second at `"scale": "real"`: an order-of-magnitude estimate for a big Indian
/// festival sale (a marketplace's "Big Billion Days"/"Great Indian Festival" week), not a
/// measured figure. Such sales report on the order of a billion visits over about a week,
/// ~150 million a day; at ~8 events a visit (views, cart, checkout, purchase) that is ~1.2
/// billion events a day, ~14,000 a second on average. The launch-hour peak is several times
/// the mean; put it in with a spike. Each shopper is busy for a session and a break, so this
/// rate needs about a million shoppers (`producer.keys`: 1,000,000); with 50,000 the
/// generator runs out of idle shoppers at about 7,000 events/s (measured with the
/// shop-sessions settings).
pub const REAL_RATE_PER_S: u32 = 15_000;

/// The most product views one session makes (the geometric draw is cut here).
pub const VIEWS_MAX: u32 = 30;
/// The most distinct products a cart holds.
pub const CART_MAX: usize = 3;

/// Shoppers, catalogue and sale. Rates are per session; defaults follow published
/// e-commerce benchmarks: ~10% of sessions add to cart, ~70% of carts are abandoned (the
/// Baymard Institute's long-run average), so ~3% of sessions buy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShopSpec {
    /// "class" (default: `producer.records_per_s`) or "real" (`REAL_RATE_PER_S`).
    pub scale: Scale,
    /// The day's shape and the spikes; a spike is a flash sale.
    pub traffic: TrafficSpec,
    /// Products in the catalogue, 10 to 5,000 (default 400), spread over 7 categories.
    pub products: u32,
    /// Mean product views per session, 1 to 20 (default 4); every session views at least one
    /// product and at most 30.
    pub views_mean: f64,
    /// Percentage of sessions that add to cart, 0 to 100 (default 10).
    pub cart_percent: f64,
    /// Percentage of carts that reach checkout, 0 to 100 (default 45).
    pub checkout_percent: f64,
    /// Percentage of checkouts that pay, 0 to 100 (default 65).
    pub purchase_percent: f64,
    /// Mean time between one shopper's events in a session, 100 to 600,000 ms (default 8,000).
    pub think_ms_mean: u32,
    /// The longest such time, from think_ms_mean to 3,600,000 ms (default 40,000). Keep it
    /// below the funnel's session gap, or one visit splits into two sessions.
    pub think_ms_max: u32,
    /// A shopper starts no new session within this long of their last one ending, 1,000 to
    /// 86,400,000 ms (default 300,000). Keep it above the funnel's session gap.
    pub session_break_ms_min: u32,
    /// Units in stock per product (each product gets between 0.5× and 1.5× this), 1 to
    /// 1,000,000 (default 500). There is no restocking.
    pub stock_units: u32,
    /// The inventory alert fires when a product's stock falls below this, 0 to 1,000,000 units
    /// (default 10); a separate alert fires when it sells out.
    pub low_stock_units: u32,
    pub flash_sale: FlashSaleSpec,
}

/// During any traffic spike, a few popular products go on sale with little stock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlashSaleSpec {
    /// Products on sale, 0 to 50 (default 6): the most popular of each category in turn.
    pub products: u32,
    /// Their discount while a spike is on, 0 to 90% (default 40).
    pub discount_percent: u32,
    /// Units of each in stock, 1 to 1,000,000 (default 60): few, so they sell out.
    pub stock_units: u32,
    /// Percentage of sessions started during a spike that come for the sale, 0 to 100
    /// (default 60): most of their views go to sale products.
    pub sale_session_percent: f64,
    /// Percentage of those sessions that add to cart, 0 to 100 (default 35): deal hunters.
    pub sale_cart_percent: f64,
}

impl Default for ShopSpec {
    fn default() -> Self {
        ShopSpec {
            scale: Scale::Class,
            traffic: TrafficSpec::default(),
            products: 400,
            views_mean: 4.0,
            cart_percent: 10.0,
            checkout_percent: 45.0,
            purchase_percent: 65.0,
            think_ms_mean: 8_000,
            think_ms_max: 40_000,
            session_break_ms_min: 300_000,
            stock_units: 500,
            low_stock_units: 10,
            flash_sale: FlashSaleSpec::default(),
        }
    }
}

impl Default for FlashSaleSpec {
    fn default() -> Self {
        FlashSaleSpec { products: 6, discount_percent: 40, stock_units: 60, sale_session_percent: 60.0, sale_cart_percent: 35.0 }
    }
}


impl ShopSpec {
    /// Checks every field; `path` is where this section sits in the scenario ("workload").
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        self.traffic.validate(&format!("{path}.traffic"))?;
        check_range(&format!("{path}.products"), self.products, 10, 5_000, "")?;
        if !self.views_mean.is_finite() {
            return Err(InputError::new(format!("{path}.views_mean"), "must be a finite number between 1 and 20"));
        }
        check_range(&format!("{path}.views_mean"), self.views_mean, 1.0, 20.0, "")?;
        check_finite_range(&format!("{path}.cart_percent"), self.cart_percent, 0.0, 100.0, "%")?;
        check_finite_range(&format!("{path}.checkout_percent"), self.checkout_percent, 0.0, 100.0, "%")?;
        check_finite_range(&format!("{path}.purchase_percent"), self.purchase_percent, 0.0, 100.0, "%")?;
        check_range(&format!("{path}.think_ms_mean"), self.think_ms_mean, 100, 600_000, "ms")?;
        check_range(&format!("{path}.think_ms_max"), self.think_ms_max, self.think_ms_mean, 3_600_000, "ms")?;
        check_range(&format!("{path}.session_break_ms_min"), self.session_break_ms_min, 1_000, 86_400_000, "ms")?;
        check_range(&format!("{path}.stock_units"), self.stock_units, 1, 1_000_000, "units")?;
        check_range(&format!("{path}.low_stock_units"), self.low_stock_units, 0, 1_000_000, "units")?;
        let sale = &self.flash_sale;
        let at = format!("{path}.flash_sale");
        check_range(&format!("{at}.products"), sale.products, 0, 50, "")?;
        check_range(&format!("{at}.discount_percent"), sale.discount_percent, 0, 90, "%")?;
        check_range(&format!("{at}.stock_units"), sale.stock_units, 1, 1_000_000, "units")?;
        check_finite_range(&format!("{at}.sale_session_percent"), sale.sale_session_percent, 0.0, 100.0, "%")?;
        check_finite_range(&format!("{at}.sale_cart_percent"), sale.sale_cart_percent, 0.0, 100.0, "%")
    }

    /// About how many events a session makes: its views, and for the sessions that get that
    /// far an add per cart item (1.18 on average), a checkout and a purchase per item. The
    /// generator starts sessions at the traffic's rate divided by this, so the event rate
    /// follows the traffic (sale sessions, which buy more, run a little above it).
    pub fn events_per_session(&self) -> f64 {
        let cart = self.cart_percent / 100.0;
        let checkout = cart * self.checkout_percent / 100.0;
        let purchase = checkout * self.purchase_percent / 100.0;
        self.views_mean + cart * ITEMS_MEAN + checkout + purchase * ITEMS_MEAN
    }
}

/// The mean number of items a cart gets (see `generator::cart_items`): 1 with 85%, 2 with
/// 12%, 3 with 3%.
pub const ITEMS_MEAN: f64 = 1.18;
