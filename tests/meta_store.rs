//! The MetaStore and the Most Recent provider against someone who can write the meta table or
//! plant items: against a real DynamoDB API (the moto server on 127.0.0.1).

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::__fuzz::{decode_material_description, encode_material_description};
use ddb_encrypt::format::DESCRIPTION_ATTRIBUTE;
use ddb_encrypt::provider::MetaStore;
use ddb_encrypt::provider::{
    CryptographicMaterialsProvider, MostRecentProvider, ProviderStore, SigningKey,
    WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{AttributeValue, Error, ItemEncryptor, TableSchema};
use ddb_encrypt_dev::interceptors::RequestCounter;
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};

type Item = HashMap<String, AttributeValue>;

fn meta_provider() -> Arc<dyn CryptographicMaterialsProvider> {
    Arc::new(WrappedMaterialsProvider::new(
        WrappingKey::aes(&[0x61; 32]).unwrap(),
        SigningKey::hmac_sha256(&[0x62; 32]).unwrap(),
    ))
}

/// A meta table, a store over it (through `client`) and a raw client for the attacker.
async fn meta_store(client: aws_sdk_dynamodb::Client) -> (Arc<MetaStore>, String) {
    let name = unique_name("meta");
    MetaStore::create_table(&client, &name).await.unwrap();
    (Arc::new(MetaStore::new(client, &name, meta_provider()).unwrap()), name)
}

fn most_recent(store: &Arc<MetaStore>) -> MostRecentProvider {
    MostRecentProvider::new(store.clone(), "m", Duration::from_mins(1)).unwrap()
}

fn schema() -> TableSchema {
    TableSchema::builder("Items").partition_key("pk").build().unwrap()
}

fn item(pk: &str) -> Item {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk.into())),
        ("secret".to_owned(), AttributeValue::S(format!("secret of {pk}"))),
    ])
}

fn meta_id(stored: &Item) -> String {
    let md = decode_material_description(stored[DESCRIPTION_ATTRIBUTE].as_b().unwrap().as_ref());
    md.unwrap().0.get("amzn-ddb-meta-id").unwrap().to_owned()
}

fn with_meta_id(stored: &Item, id: &str) -> Item {
    let bytes = stored[DESCRIPTION_ATTRIBUTE].as_b().unwrap().as_ref();
    let (mut md, _) = decode_material_description(bytes).unwrap();
    md.insert("amzn-ddb-meta-id", id);
    let mut planted = stored.clone();
    planted.insert(
        DESCRIPTION_ATTRIBUTE.into(),
        AttributeValue::B(encode_material_description(&md).unwrap().into()),
    );
    planted
}

/// Puts a row into the meta table as someone who can write it but holds no key.
async fn plant_row(table: &str, version: &str) {
    let row = HashMap::from([
        ("N".to_owned(), AttributeValue::S("m".into())),
        ("V".to_owned(), AttributeValue::N(version.into())),
        ("t".to_owned(), AttributeValue::S("0".into())),
        ("encAlg".to_owned(), AttributeValue::S("AES".into())),
        ("enc".to_owned(), AttributeValue::B(vec![7; 40].into())),
        ("intAlg".to_owned(), AttributeValue::S("HmacSHA256".into())),
        ("int".to_owned(), AttributeValue::B(vec![7; 40].into())),
        ("*amzn-ddb-map-sig*".to_owned(), AttributeValue::B(vec![0; 32].into())),
    ]);
    let client = LocalAws::shared().dynamodb();
    client.put_item().table_name(table).set_item(Some(row)).send().await.unwrap();
}

#[tokio::test]
async fn a_planted_newest_meta_row_neither_stops_writers_nor_becomes_their_version() {
    let (store, table) = meta_store(LocalAws::shared().dynamodb()).await;
    let writer = ItemEncryptor::legacy(most_recent(&store));
    writer.encrypt_item(&schema(), item("a")).await.unwrap();
    plant_row(&table, &u64::MAX.to_string()).await;
    plant_row(&table, "5").await;

    assert_eq!(store.max_version("m").await.unwrap(), Some(0));
    assert_eq!(store.rejected_rows(), 2);
    // A writer starting now still writes under version 0, and readers read it.
    let fresh = ItemEncryptor::legacy(most_recent(&store));
    let stored = fresh.encrypt_item(&schema(), item("b")).await.unwrap();
    assert_eq!(meta_id(&stored), "m#0");
    assert_eq!(fresh.decrypt_item(&schema(), stored).await.unwrap(), item("b"));
}

#[tokio::test]
async fn a_meta_table_of_planted_rows_only_is_a_provider_error_naming_the_table() {
    let (store, table) = meta_store(LocalAws::shared().dynamodb()).await;
    plant_row(&table, "3").await;
    let error = store.max_version("m").await.unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");
    assert!(error.to_string().contains(&format!("meta table `{table}`")), "{error}");
}

#[tokio::test]
async fn rotating_past_the_highest_version_is_a_provider_error_not_an_overflow() {
    let (store, _) = meta_store(LocalAws::shared().dynamodb()).await;
    store.get_or_create_provider("m", u64::MAX).await.unwrap();
    assert_eq!(store.max_version("m").await.unwrap(), Some(u64::MAX));
    let error = store.new_provider("m").await.unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");
    assert!(error.to_string().contains("highest"), "{error}");
}

#[tokio::test]
async fn an_altered_meta_row_is_a_provider_error_of_the_meta_table_not_of_the_item() {
    let (store, table) = meta_store(LocalAws::shared().dynamodb()).await;
    let writer = ItemEncryptor::legacy(most_recent(&store));
    let stored = writer.encrypt_item(&schema(), item("a")).await.unwrap();
    // Someone swaps version 0's key-encryption key.
    LocalAws::shared()
        .dynamodb()
        .update_item()
        .table_name(&table)
        .key("N", AttributeValue::S("m".into()))
        .key("V", AttributeValue::N("0".into()))
        .update_expression("SET enc = :k")
        .expression_attribute_values(":k", AttributeValue::B(vec![9; 40].into()))
        .send()
        .await
        .unwrap();
    let reader = ItemEncryptor::legacy(most_recent(&store));
    let error = reader.decrypt_item(&schema(), stored).await.unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("meta table `{table}`")) && message.contains("m#0"),
        "{message}"
    );
    assert_eq!(store.rejected_rows(), 1);
}

#[tokio::test]
async fn deleting_the_newest_meta_row_does_not_roll_writers_back() {
    let (store, table) = meta_store(LocalAws::shared().dynamodb()).await;
    let provider = Arc::new(most_recent(&store));
    let writer = ItemEncryptor::legacy_from_arc(provider.clone());
    writer.encrypt_item(&schema(), item("a")).await.unwrap();
    store.new_provider("m").await.unwrap();
    provider.invalidate();
    let stored = writer.encrypt_item(&schema(), item("b")).await.unwrap();
    assert_eq!(meta_id(&stored), "m#1");
    // The newest row goes; version 0 is back as the newest.
    LocalAws::shared()
        .dynamodb()
        .delete_item()
        .table_name(&table)
        .key("N", AttributeValue::S("m".into()))
        .key("V", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap();
    provider.invalidate();
    let error = writer.encrypt_item(&schema(), item("c")).await.unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");
    assert!(error.to_string().contains("seen before"), "{error}");
}

#[tokio::test]
async fn a_minimum_version_pins_writers_above_a_compromised_version() {
    let (store, _) = meta_store(LocalAws::shared().dynamodb()).await;
    let old = ItemEncryptor::legacy(most_recent(&store))
        .encrypt_item(&schema(), item("old"))
        .await
        .unwrap();
    let pinned = Arc::new(most_recent(&store).with_minimum_version(1));
    let writer = ItemEncryptor::legacy_from_arc(pinned.clone());
    let error = writer.encrypt_item(&schema(), item("a")).await.unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");
    assert!(error.to_string().contains("minimum version 1"), "{error}");
    store.new_provider("m").await.unwrap();
    pinned.invalidate();
    let stored = writer.encrypt_item(&schema(), item("a")).await.unwrap();
    assert_eq!(meta_id(&stored), "m#1");
    // Items of older versions are still read, so that they can be re-encrypted.
    assert_eq!(writer.decrypt_item(&schema(), old).await.unwrap(), item("old"));
}

#[tokio::test]
async fn planted_items_naming_unknown_versions_cost_at_most_one_meta_lookup() {
    let meta_calls = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(meta_calls.clone()).build(),
    );
    let (store, _) = meta_store(client).await;
    // The legacy format, whose description is not signed, lets a planted item name any version.
    let writer = ItemEncryptor::legacy(most_recent(&store));
    let stored = writer.encrypt_item(&schema(), item("a")).await.unwrap();
    let reader = ItemEncryptor::legacy(most_recent(&store));
    assert_eq!(reader.decrypt_item(&schema(), stored.clone()).await.unwrap(), item("a"));
    meta_calls.reset();

    let planted = with_meta_id(&stored, "m#7");
    for _ in 0..5 {
        assert!(reader.decrypt_item(&schema(), planted.clone()).await.unwrap_err().is_integrity());
    }
    assert_eq!(meta_calls.count("GetItem"), 1, "{:?}", meta_calls.counts());
    // Far above the newest version: refused without a lookup.
    for version in [5_000, u64::MAX] {
        let planted = with_meta_id(&stored, &format!("m#{version}"));
        assert!(reader.decrypt_item(&schema(), planted).await.unwrap_err().is_integrity());
    }
    assert_eq!(meta_calls.count("GetItem"), 1, "{:?}", meta_calls.counts());
    assert!(meta_calls.count("Query") <= 1, "{:?}", meta_calls.counts());
}
