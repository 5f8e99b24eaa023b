//! E-commerce sessions: shoppers browse a catalogue (views, add-to-cart, checkout, purchase),
//! a stream job groups each shopper's clicks into session windows and summarises each visit,
//! and a downstream rollup turns the sessions into the conversion funnel, product rankings,
//! revenue per category and inventory alerts. The pieces are a scenario section (`spec`),
//! the catalogue, the generator, the funnel operator and the analytics.

mod analytics;
mod catalog;
mod funnel;
mod generator;
mod spec;
#[cfg(test)]
mod tests;

pub use analytics::{query, Analytics, FunnelCounts, FunnelView, HourFunnel, InventoryAlert, ProductRow, ShopView, TOP_PRODUCTS};
pub use catalog::{Catalogue, Category, Product, CATEGORIES};
pub use funnel::{Funnel, FunnelSpec, Line, SessionAcc, SessionSummary, SESSION_PRODUCTS_MAX};
pub use generator::{field, Generator, ShopEvent, Stage};
pub use spec::{FlashSaleSpec, ShopSpec, CART_MAX, ITEMS_MEAN, REAL_RATE_PER_S, VIEWS_MAX};
