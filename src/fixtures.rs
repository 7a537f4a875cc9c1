//! Items shared by benchmarks and tests.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::provider::MetaStore;
use ddb_encrypt::provider::{
    CryptographicMaterialsProvider, DataKey, MostRecentProvider, ProviderStore, SigningKey,
    StaticMaterialsProvider, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{
    AlgorithmSuite, AttributeAction, EncryptedItem, ItemEncryptor, Number, TableSchema,
};

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

/// The keys every benchmark uses (demo keys).
#[derive(Debug)]
pub struct BenchKeys {
    /// The Static provider's AES-256 key.
    pub aes: [u8; 32],
    /// The HMAC-SHA256 signing key.
    pub hmac: [u8; 32],
    /// The Wrapped provider's key-encryption key.
    pub kek: [u8; 32],
}

/// The benchmark keys.
pub const BENCH_KEYS: BenchKeys = BenchKeys { aes: [0x42; 32], hmac: [0x17; 32], kek: [0x24; 32] };

/// A benchmark item shape: its name, schema and plaintext.
#[derive(Debug, Clone)]
pub struct Shape {
    /// `small`, `typical` or `large`.
    pub name: &'static str,
    /// The table schema.
    pub schema: TableSchema,
    /// The plaintext item.
    pub item: Item,
}

/// A small item: 3 attributes (a SIGN_ONLY key and two encrypted ones).
///
/// # Panics
///
/// Never: the schema is valid.
pub fn small_item() -> (TableSchema, Item) {
    let schema =
        TableSchema::builder("Sessions").partition_key("session_id").build().expect("valid schema");
    let item = HashMap::from([
        ("session_id".to_owned(), s("sess-8c1f2a")),
        ("user".to_owned(), s("ada")),
        ("expires".to_owned(), n("1795785600")),
    ]);
    (schema, item)
}

/// A large item: a ~100 KB binary attribute and 10 small ones.
///
/// # Panics
///
/// Never: the schema is valid.
pub fn large_item() -> (TableSchema, Item) {
    let schema = TableSchema::builder("Documents")
        .partition_key("doc_id")
        .sort_key("revision")
        .action("kind", AttributeAction::SignOnly)
        .build()
        .expect("valid schema");
    let payload: Vec<u8> =
        (0..100 * 1024).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let mut item = HashMap::from([
        ("doc_id".to_owned(), s("doc-77")),
        ("revision".to_owned(), n("12")),
        ("kind".to_owned(), s("pdf")),
        ("payload".to_owned(), AttributeValue::B(payload.into())),
    ]);
    for i in 0..7 {
        item.insert(format!("meta_{i}"), s(&format!("value {i}")));
    }
    (schema, item)
}

/// The three benchmark shapes: small, typical, large.
pub fn shapes() -> Vec<Shape> {
    [("small", small_item()), ("typical", typical_order()), ("large", large_item())]
        .into_iter()
        .map(|(name, (schema, item))| Shape { name, schema, item })
        .collect()
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

/// Versioned material keys held in memory, as a read-only [`ProviderStore`]: for vector files
/// and benchmarks of the Most Recent provider (a warm cache never asks the store again).
#[derive(Debug)]
pub struct InMemoryStore {
    versions: BTreeMap<u64, (Vec<u8>, Vec<u8>)>,
}

impl InMemoryStore {
    /// Versions and their `(enc, int)` keys.
    pub fn new(versions: BTreeMap<u64, (Vec<u8>, Vec<u8>)>) -> Self {
        Self { versions }
    }
}

#[async_trait::async_trait]
impl ProviderStore for InMemoryStore {
    async fn max_version(&self, _: &str) -> ddb_encrypt::Result<Option<u64>> {
        Ok(self.versions.keys().next_back().copied())
    }

    async fn provider(
        &self,
        name: &str,
        version: u64,
    ) -> ddb_encrypt::Result<Option<Arc<dyn CryptographicMaterialsProvider>>> {
        let Some((enc, int)) = self.versions.get(&version) else {
            return Ok(None);
        };
        MetaStore::version_provider(name, version, enc, int).map(Some)
    }

    async fn get_or_create_provider(
        &self,
        name: &str,
        version: u64,
    ) -> ddb_encrypt::Result<Arc<dyn CryptographicMaterialsProvider>> {
        self.provider(name, version).await?.ok_or_else(|| {
            ddb_encrypt::Error::provider(
                format_args!("the in-memory store has no version {version} and makes none"),
                None,
            )
        })
    }
}

/// The benchmark providers: Static, Wrapped (AES key wrap) and Most Recent (warm, over one
/// in-memory version), with [`BENCH_KEYS`].
///
/// # Panics
///
/// Never: the keys are valid.
pub fn bench_providers() -> Vec<(&'static str, Arc<dyn CryptographicMaterialsProvider>)> {
    let signing = || SigningKey::hmac_sha256(&BENCH_KEYS.hmac).expect("key");
    let versions = BTreeMap::from([(0, (BENCH_KEYS.kek.to_vec(), BENCH_KEYS.hmac.to_vec()))]);
    let most_recent = MostRecentProvider::new(
        Arc::new(InMemoryStore::new(versions)),
        BENCH_MATERIAL,
        Duration::from_hours(1),
    )
    .expect("a valid material name");
    vec![
        (
            "static",
            Arc::new(StaticMaterialsProvider::new(
                DataKey::from_bytes(&BENCH_KEYS.aes).expect("key"),
                signing(),
            )),
        ),
        (
            "wrapped",
            Arc::new(WrappedMaterialsProvider::new(
                WrappingKey::aes(&BENCH_KEYS.kek).expect("key"),
                signing(),
            )),
        ),
        ("most-recent", Arc::new(most_recent)),
    ]
}

/// The Most Recent benchmark material name.
pub const BENCH_MATERIAL: &str = "bench";

/// The key namespace of [`bench_keyring`].
pub const BENCH_KEYRING_NAMESPACE: &str = "ddb-encrypt-bench";
/// The key name of [`bench_keyring`].
pub const BENCH_KEYRING_NAME: &str = "bench-kek";

/// The benchmark keyring of the DB-ESDK format: a Raw AES keyring over the benchmark
/// key-encryption key (demo key).
///
/// # Panics
///
/// Never: the key is valid.
pub fn bench_keyring() -> RawAesKeyring {
    RawAesKeyring::new(BENCH_KEYRING_NAMESPACE, BENCH_KEYRING_NAME, &BENCH_KEYS.kek)
        .expect("a valid key")
}

/// The DB-ESDK benchmark writers: [`bench_keyring`] with suite `0x6701` (ECDSA P-384
/// signatures, the default) and with suite `0x6700` (HMAC only), labelled `dbesdk-6701` and
/// `dbesdk-6700`.
pub fn dbesdk_encryptors() -> Vec<(&'static str, ItemEncryptor)> {
    vec![
        ("dbesdk-6701", ItemEncryptor::new(bench_keyring())),
        (
            "dbesdk-6700",
            ItemEncryptor::new(bench_keyring()).with_algorithm_suite(AlgorithmSuite::HmacSha384),
        ),
    ]
}

/// Every benchmark writer, labelled `format/keys`: the DB-ESDK format in both suites with the
/// Raw AES keyring (`dbesdk-6701/raw-aes`, `dbesdk-6700/raw-aes`), then the legacy format with
/// each of [`bench_providers`] (`legacy/static`, `legacy/wrapped`, `legacy/most-recent`).
pub fn bench_encryptors() -> Vec<(String, ItemEncryptor)> {
    let dbesdk = dbesdk_encryptors()
        .into_iter()
        .map(|(format, encryptor)| (format!("{format}/raw-aes"), encryptor));
    let legacy = bench_providers()
        .into_iter()
        .map(|(provider, p)| (format!("legacy/{provider}"), ItemEncryptor::legacy_from_arc(p)));
    dbesdk.chain(legacy).collect()
}
