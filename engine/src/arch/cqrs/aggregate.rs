//! Aggregates: what the command side knows about one key (a payer's account, a shopper's
//! order) to decide whether a command may happen. A command is decided against the state
//! that all earlier commands of its key left, and deciding it updates that state, so
//! replaying the logged commands through `decide` rebuilds every aggregate exactly.

use crate::upi::Status;
use crate::workload::Payload;
use std::collections::BTreeMap;

/// NPCI's per-payer daily limit for UPI payments, ₹.
pub const UPI_DAILY_LIMIT_RUPEES: i64 = 100_000;
/// Record ids an aggregate remembers to recognise a command it already handled.
const RECENT_IDS: usize = 4;
/// Products an order remembers in its cart (a session adds at most 3).
const CART_MAX: usize = 8;
const DAY_US: i64 = 86_400_000_000;
/// IST is UTC+5:30: a "day" for the limit starts at midnight in India.
const IST_OFFSET_US: i64 = 19_800_000_000;

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// The same command (record id) was handled before: a producer retry's duplicate.
    Duplicate,
    /// The payer's successful payments today would pass ₹1,00,000.
    DailyLimit,
    /// The bank declined it or it timed out: a failed payment moves no money.
    NotSuccessful,
    /// A purchase of a product the shopper's order does not hold, or before checkout.
    NotInCheckedOutOrder,
    /// A checkout of an empty cart.
    EmptyCart,
}

impl Rejection {
    pub fn name(self) -> &'static str {
        match self {
            Rejection::Duplicate => "duplicate",
            Rejection::DailyLimit => "daily_limit",
            Rejection::NotSuccessful => "not_successful",
            Rejection::NotInCheckedOutOrder => "not_in_checked_out_order",
            Rejection::EmptyCart => "empty_cart",
        }
    }
}

/// A command as the aggregates see it.
#[derive(Clone, Copy, Debug)]
pub struct Command {
    pub key: u32,
    pub record_id: u64,
    pub event_time_us: i64,
    pub payload: Payload,
}

#[derive(Clone, Debug, Default)]
struct Aggregate {
    day: i64,
    spent_today_rupees: i64,
    recent_ids: [u64; RECENT_IDS],
    handled: u64,
    /// A shopper's order: products in the cart (oldest first) and whether it is checked out.
    cart: Vec<u32>,
    checked_out: bool,
}

/// Every key's aggregate. Keys are the workload's key population, at most `KEYS_MAX`.
#[derive(Clone, Debug, Default)]
pub struct Aggregates {
    by_key: BTreeMap<u32, Aggregate>,
}

impl Aggregates {
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Decides `command` against its key's aggregate and records that it was handled.
    pub fn decide(&mut self, command: &Command) -> Result<(), Rejection> {
        let aggregate = self.by_key.entry(command.key).or_default();
        // Kept as id + 1, so the ring's zeros never match record 0.
        let id = command.record_id + 1;
        if aggregate.recent_ids.contains(&id) {
            return Err(Rejection::Duplicate);
        }
        aggregate.recent_ids[(aggregate.handled % RECENT_IDS as u64) as usize] = id;
        aggregate.handled += 1;
        match command.payload {
            Payload::Upi(txn) => decide_payment(aggregate, &txn, command.event_time_us),
            Payload::Shop(event) => decide_order(aggregate, &event),
            Payload::Post(_) | Payload::None => Ok(()),
        }
    }
}

/// A payment moves money only if the bank said yes and the payer's day stays within the limit.
fn decide_payment(aggregate: &mut Aggregate, txn: &crate::upi::Txn, event_time_us: i64) -> Result<(), Rejection> {
    if txn.status != Status::Success {
        return Err(Rejection::NotSuccessful);
    }
    let day = (event_time_us + IST_OFFSET_US).div_euclid(DAY_US);
    if day < aggregate.day {
        // A late payment of a day that is over: that day's total is no longer kept.
        return Ok(());
    }
    if day > aggregate.day {
        aggregate.day = day;
        aggregate.spent_today_rupees = 0;
    }
    let rupees = (txn.amount_paise / 100) as i64;
    if aggregate.spent_today_rupees + rupees > UPI_DAILY_LIMIT_RUPEES {
        return Err(Rejection::DailyLimit);
    }
    aggregate.spent_today_rupees += rupees;
    Ok(())
}

/// An order's status: items go into the cart, the cart is checked out, then each item is
/// paid for once. A new item after a checkout starts the next order.
fn decide_order(aggregate: &mut Aggregate, event: &crate::shop::ShopEvent) -> Result<(), Rejection> {
    use crate::shop::Stage;
    match event.stage {
        Stage::View => Ok(()),
        Stage::Cart => {
            if aggregate.checked_out {
                aggregate.cart.clear();
                aggregate.checked_out = false;
            }
            if aggregate.cart.len() == CART_MAX {
                aggregate.cart.remove(0);
            }
            aggregate.cart.push(event.product);
            Ok(())
        }
        Stage::Checkout if aggregate.cart.is_empty() => Err(Rejection::EmptyCart),
        Stage::Checkout => {
            aggregate.checked_out = true;
            Ok(())
        }
        Stage::Purchase => {
            let line = aggregate.cart.iter().position(|&p| p == event.product).filter(|_| aggregate.checked_out);
            let line = line.ok_or(Rejection::NotInCheckedOutOrder)?;
            aggregate.cart.remove(line);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shop::{Category, ShopEvent, Stage};

    fn order(stage: Stage, product: u32, id: u64) -> Command {
        let event = ShopEvent { stage, product, category: Category::default(), price_paise: 100, quantity: 1 };
        Command { key: 7, record_id: id, event_time_us: 0, payload: Payload::Shop(event) }
    }

    #[test]
    fn an_order_is_paid_only_after_checkout_and_only_for_what_is_in_it() {
        let mut a = Aggregates::default();
        assert_eq!(a.decide(&order(Stage::Checkout, 1, 1)), Err(Rejection::EmptyCart));
        assert_eq!(a.decide(&order(Stage::Cart, 1, 2)), Ok(()));
        assert_eq!(a.decide(&order(Stage::Purchase, 1, 3)), Err(Rejection::NotInCheckedOutOrder), "not checked out");
        assert_eq!(a.decide(&order(Stage::Checkout, 1, 4)), Ok(()));
        assert_eq!(a.decide(&order(Stage::Purchase, 2, 5)), Err(Rejection::NotInCheckedOutOrder), "not in the order");
        assert_eq!(a.decide(&order(Stage::Purchase, 1, 6)), Ok(()));
        assert_eq!(a.decide(&order(Stage::Purchase, 1, 7)), Err(Rejection::NotInCheckedOutOrder), "paid once");
        assert_eq!(a.decide(&order(Stage::Purchase, 1, 6)), Err(Rejection::Duplicate), "a retry of the same command");
    }

    #[test]
    fn a_payers_day_stops_at_the_limit_and_the_next_ist_day_starts_afresh() {
        let mut a = Aggregates::default();
        let pay = |rupees: u64, id, event_time_us| {
            let txn = crate::upi::Txn { amount_paise: rupees * 100, ..Default::default() };
            Command { key: 1, record_id: id, event_time_us, payload: Payload::Upi(txn) }
        };
        assert_eq!(a.decide(&pay(60_000, 1, 0)), Ok(()));
        assert_eq!(a.decide(&pay(50_000, 2, 1)), Err(Rejection::DailyLimit));
        assert_eq!(a.decide(&pay(40_000, 3, 2)), Ok(()), "exactly the limit");
        // 18:30 UTC is midnight in India.
        assert_eq!(a.decide(&pay(50_000, 4, 18 * 3_600_000_000 + 1_800_000_000)), Ok(()));
    }
}
