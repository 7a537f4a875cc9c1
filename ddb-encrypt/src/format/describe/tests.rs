//! Descriptions of items in each format, and of envelopes that do not parse.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{Description, describe};
use crate::format::{Format, HEADER_ATTRIBUTE};
use crate::item::Item;
use crate::keyring::{BranchKey, HierarchicalKeyring, RawAesKeyring, StaticBranchKeyStore};
use crate::provider::{SigningKey, WrappedMaterialsProvider, WrappingKey};
use crate::{AttributeAction, Error, ItemEncryptor, TableSchema, block_on};

fn schema() -> TableSchema {
    TableSchema::builder("Orders")
        .partition_key("pk")
        .action("status", AttributeAction::SignOnly)
        .action("ttl", AttributeAction::DoNothing)
        .build()
        .unwrap()
}

fn order() -> Item {
    let s = |v: &str| AttributeValue::S(v.to_owned());
    HashMap::from([
        ("pk".to_owned(), s("order-1")),
        ("status".to_owned(), s("shipped")),
        ("ttl".to_owned(), AttributeValue::N("1700000000".to_owned())),
        ("card".to_owned(), s("4111 1111 1111 1111")),
        ("total".to_owned(), AttributeValue::N("12.5".to_owned())),
    ])
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|&name| name.to_owned()).collect()
}

fn shows_no_value(description: &Description) {
    let text = format!("{description:?}");
    for value in ["order-1", "shipped", "4111", "12.5", "1700000000"] {
        assert!(!text.contains(value), "{value} in {text}");
    }
}

#[test]
fn a_dbesdk_item_is_described_from_its_legend_and_keys() {
    let keyring = RawAesKeyring::new("my-namespace", "my-key", &[7; 32]).unwrap();
    let stored = block_on(ItemEncryptor::new(keyring).encrypt_item(&schema(), order())).unwrap();
    let description = describe(&schema(), &stored).unwrap();
    assert_eq!(description.format, Format::DbEsdk);
    assert_eq!(description.algorithm.as_deref(), Some("suite 0x6701, format version 1"));
    assert_eq!(description.keys, ["raw key: namespace my-namespace, name my-key"]);
    assert_eq!(description.encrypted, names(&["card", "total"]));
    assert_eq!(description.signed, names(&["pk", "status"]));
    assert_eq!(description.unprotected, names(&["ttl"]));
    shows_no_value(&description);
}

#[test]
fn a_branch_key_item_names_the_branch_key_and_its_version() {
    let version = [0x11; 16];
    let store = StaticBranchKeyStore::new("tenant-1", BranchKey::new(version, &[3; 32]).unwrap());
    let keyring = HierarchicalKeyring::new(store, "tenant-1");
    let stored = block_on(ItemEncryptor::new(keyring).encrypt_item(&schema(), order())).unwrap();
    let description = describe(&schema(), &stored).unwrap();
    assert_eq!(
        description.keys,
        ["aws-kms-hierarchy: branch key tenant-1, version 11111111-1111-1111-1111-111111111111"]
    );
}

#[test]
fn a_legacy_item_is_described_from_its_material_description_and_the_schema() {
    let provider = WrappedMaterialsProvider::new(
        WrappingKey::aes(&[1; 32]).unwrap(),
        SigningKey::hmac_sha256(&[2; 32]).unwrap(),
    );
    let stored =
        block_on(ItemEncryptor::legacy(provider).encrypt_item(&schema(), order())).unwrap();
    let description = describe(&schema(), &stored).unwrap();
    assert_eq!(description.format, Format::Legacy);
    assert!(description.algorithm.as_deref().unwrap().contains("HmacSHA256"), "{description:?}");
    assert!(description.keys.iter().any(|k| k.starts_with("amzn-ddb-env-key = <wrapped data key")));
    assert_eq!(description.encrypted, names(&["card", "total"]));
    assert_eq!(description.signed, names(&["pk", "status"]));
    assert_eq!(description.unprotected, names(&["ttl"]));
    shows_no_value(&description);
}

#[test]
fn a_plaintext_item_has_only_unprotected_attributes() {
    let description = describe(&schema(), &order()).unwrap();
    assert_eq!(description.format, Format::Plaintext);
    assert_eq!(description.unprotected, names(&["card", "pk", "status", "total", "ttl"]));
    assert!(description.keys.is_empty() && description.algorithm.is_none());
}

#[test]
fn envelopes_that_do_not_parse_or_fit_the_schema_are_integrity_errors() {
    let keyring = RawAesKeyring::new("ns", "k", &[7; 32]).unwrap();
    let stored = block_on(ItemEncryptor::new(keyring).encrypt_item(&schema(), order())).unwrap();
    let mut cut = stored.clone();
    cut.insert(HEADER_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(vec![2, 1, 0])));
    assert!(matches!(describe(&schema(), &cut), Err(Error::Integrity)));
    let mut extra = stored;
    extra.insert("added".to_owned(), AttributeValue::S("x".to_owned()));
    assert!(matches!(describe(&schema(), &extra), Err(Error::Integrity)));
}
