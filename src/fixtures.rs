//! Items shared by benchmarks and tests.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::BTreeSet;

use ddb_encrypt::{AttributeAction, EncryptedItem, Number, TableSchema};

use crate::json::Item;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

fn m(pairs: &[(&str, AttributeValue)]) -> AttributeValue {
    AttributeValue::M(pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}

/// The typical order of the benchmarks (about 1 KB, 12 attributes): two SIGN_ONLY keys, a
/// nested address map, a list of line items, a 300-character note, a string set and one
/// DO_NOTHING attribute; the rest is encrypted.
///
/// # Panics
///
/// Never: the schema is valid.
pub fn typical_order() -> (TableSchema, Item) {
    let schema = TableSchema::builder("Orders")
        .partition_key("order_id")
        .sort_key("created_at")
        .action("ttl", AttributeAction::DoNothing)
        .build()
        .expect("valid schema");
    let line = |sku: &str, qty: &str, price: &str, name: &str| {
        m(&[("sku", s(sku)), ("qty", n(qty)), ("price", n(price)), ("name", s(name))])
    };
    let note: String = "Leave the parcel with the neighbour at number 12 if nobody answers. "
        .chars()
        .cycle()
        .take(300)
        .collect();
    let item = HashMap::from([
        ("order_id".to_owned(), s("ord-2026-11-27-000123")),
        ("created_at".to_owned(), n("1795785600123")),
        ("customer_email".to_owned(), s("ada.lovelace@example.com")),
        ("customer_name".to_owned(), s("Ada Lovelace")),
        (
            "address".to_owned(),
            m(&[
                ("street", s("12 Analytical Engine Row")),
                ("city", s("London")),
                ("postcode", s("NW1 6XE")),
                ("country", s("GB")),
            ]),
        ),
        (
            "lines".to_owned(),
            AttributeValue::L(vec![
                line("SKU-1001", "2", "19.99", "Brass gear, large"),
                line("SKU-2002", "1", "149", "Difference engine manual"),
                line("SKU-3003", "12", "0.45", "Punched card, blank"),
            ]),
        ),
        ("note".to_owned(), s(&note)),
        (
            "tags".to_owned(),
            AttributeValue::Ss(vec!["express".into(), "fragile".into(), "gift".into()]),
        ),
        ("total".to_owned(), n("194.38")),
        ("currency".to_owned(), s("GBP")),
        ("status".to_owned(), s("PAID")),
        ("ttl".to_owned(), n("1827321600")),
    ]);
    (schema, item)
}

/// A line of [`TypedOrder`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrderLine {
    /// Stock keeping unit.
    pub sku: String,
    /// Quantity.
    pub qty: u32,
    /// Unit price.
    pub price: Number,
    /// Display name.
    pub name: String,
}

/// A delivery address of [`TypedOrder`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// Postcode.
    pub postcode: String,
    /// ISO country code.
    pub country: String,
}

/// [`typical_order`] as a derived struct: the same attributes, names and actions.
#[derive(EncryptedItem, Debug, Clone, PartialEq)]
pub struct TypedOrder {
    /// Partition key.
    #[ddb(partition_key)]
    pub order_id: String,
    /// Sort key.
    #[ddb(sort_key)]
    pub created_at: u64,
    /// Encrypted.
    pub customer_email: String,
    /// Encrypted.
    pub customer_name: String,
    /// Encrypted (M).
    pub address: Address,
    /// Encrypted (L).
    pub lines: Vec<OrderLine>,
    /// Encrypted, 300 characters.
    pub note: String,
    /// Encrypted (SS).
    #[ddb(set)]
    pub tags: BTreeSet<String>,
    /// Encrypted.
    pub total: Number,
    /// Encrypted.
    pub currency: String,
    /// Encrypted.
    pub status: String,
    /// DO_NOTHING.
    #[ddb(do_nothing)]
    pub ttl: Option<i64>,
}

/// The typed twin of [`typical_order`].
///
/// # Panics
///
/// Never: the item converts.
pub fn typed_order() -> TypedOrder {
    let (_, item) = typical_order();
    TypedOrder::from_item(item).expect("the typical order converts")
}

/// Polls a future that completes without waiting (the offline providers' futures do) and
/// returns its output; `None` if it would block. Adds no runtime overhead to benchmarks.
pub fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
