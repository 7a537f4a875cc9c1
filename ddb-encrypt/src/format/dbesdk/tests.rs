//! The DB-ESDK format through the item encryptor: round trips, layout, known answers and a
//! tamper matrix. Byte compatibility with the official SDK is checked by the vector files.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use hex_literal::hex;

use super::crypto::ItemKeys;
use super::{FOOTER_ATTRIBUTE, HEADER_ATTRIBUTE};
use crate::item::Item;
use crate::keyring::{
    BranchKey, HierarchicalKeyring, MultiKeyring, RawAesKeyring, StaticBranchKeyStore,
};
use crate::{AlgorithmSuite, AttributeAction, Error, ItemEncryptor, TableSchema, block_on};

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("test-namespace", "test-key", &[0x5a; 32]).unwrap()
}

fn encryptor(suite: AlgorithmSuite) -> ItemEncryptor {
    ItemEncryptor::new(keyring()).with_algorithm_suite(suite)
}

const SUITES: [AlgorithmSuite; 2] =
    [AlgorithmSuite::EcdsaP384HmacSha384, AlgorithmSuite::HmacSha384];

fn schema() -> TableSchema {
    TableSchema::builder("Orders")
        .partition_key("pk")
        .sort_key("sk")
        .action("status", AttributeAction::SignOnly)
        .action("ttl", AttributeAction::DoNothing)
        .build()
        .unwrap()
}

fn order() -> Item {
    let nested = AttributeValue::M(HashMap::from([
        ("b".to_owned(), AttributeValue::L(vec![n("1.50"), AttributeValue::Null(true)])),
        ("\u{1F600}".to_owned(), AttributeValue::Bool(true)),
        ("\u{FB01}".to_owned(), s("ligature")),
    ]));
    HashMap::from([
        ("pk".to_owned(), s("order-1")),
        ("sk".to_owned(), n("42")),
        ("status".to_owned(), s("shipped")),
        ("ttl".to_owned(), n("1700000000")),
        ("total".to_owned(), n("0800.000e0")),
        ("card".to_owned(), AttributeValue::B(Blob::new(vec![1, 2, 3]))),
        (
            "tags".to_owned(),
            AttributeValue::Ss(vec!["\u{FB01}".into(), "\u{1F600}".into(), "a".into()]),
        ),
        ("amounts".to_owned(), AttributeValue::Ns(vec!["10".into(), "-0.5".into(), "2".into()])),
        ("blobs".to_owned(), AttributeValue::Bs(vec![Blob::new(vec![2]), Blob::new(vec![1])])),
        ("gift".to_owned(), AttributeValue::Bool(false)),
        ("note".to_owned(), AttributeValue::Null(true)),
        ("details".to_owned(), nested),
        ("名前".to_owned(), s("unicode name")),
        ("\u{1F600}x".to_owned(), s("non-BMP name")),
    ])
}

/// `order()` as it reads back: numbers in canonical form, sets in canonical order.
fn order_read_back() -> Item {
    let mut item = order();
    item.insert("total".into(), n("800"));
    item.insert("amounts".into(), AttributeValue::Ns(vec!["-0.5".into(), "10".into(), "2".into()]));
    item.insert(
        "tags".into(),
        AttributeValue::Ss(vec!["a".into(), "\u{1F600}".into(), "\u{FB01}".into()]),
    );
    item.insert("blobs".into(), AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])]));
    let AttributeValue::M(mut details) = item.remove("details").unwrap() else { unreachable!() };
    details.insert("b".into(), AttributeValue::L(vec![n("1.5"), AttributeValue::Null(true)]));
    item.insert("details".into(), AttributeValue::M(details));
    item
}

fn binary(item: &Item, name: &str) -> Vec<u8> {
    match &item[name] {
        AttributeValue::B(b) => b.as_ref().to_vec(),
        _ => panic!("{name} is not binary"),
    }
}

#[test]
fn every_type_and_name_round_trips_in_both_suites() {
    for suite in SUITES {
        let encryptor = encryptor(suite);
        let stored = block_on(encryptor.encrypt_item(&schema(), order())).unwrap();
        for plain in ["pk", "sk", "status", "ttl"] {
            assert_eq!(stored[plain], order()[plain], "{plain} stays readable");
        }
        for encrypted in ["total", "card", "tags", "details", "名前", "\u{1F600}x", "note"] {
            assert!(stored[encrypted].is_b(), "{encrypted} is encrypted ({suite:?})");
        }
        let back = block_on(encryptor.decrypt_item(&schema(), stored)).unwrap();
        assert_eq!(back, order_read_back(), "{suite:?}");
    }
}

#[test]
fn the_header_and_footer_have_the_documented_layout() {
    for (suite, flavor, footer_len) in
        [(AlgorithmSuite::EcdsaP384HmacSha384, 1, 48 + 103), (AlgorithmSuite::HmacSha384, 0, 48)]
    {
        let stored = block_on(encryptor(suite).encrypt_item(&schema(), order())).unwrap();
        let header = binary(&stored, HEADER_ATTRIBUTE);
        assert_eq!(header[..2], [1, flavor]);
        // The legend, in canonical order: by UTF-16 length, then bytes; `ttl` is unsigned.
        // pk sk 名前 (2 units), \u{1F600}x (3), card gift note tags (4), blobs total (5),
        // status (6), amounts details (7).
        assert_eq!(&header[34..49], b"\x00\x0dsseeeeeeeesee");
        assert_eq!(binary(&stored, FOOTER_ATTRIBUTE).len(), footer_len);
    }
}

#[test]
fn canonical_order_counts_names_in_utf16_code_units() {
    // `\u{1F600}x` is 5 UTF-8 bytes but 3 UTF-16 units: it sorts with the 3-unit names.
    let schema = TableSchema::builder("T").partition_key("pk").build().unwrap();
    let item = HashMap::from([
        ("pk".to_owned(), s("k")),
        ("abcd".to_owned(), s("4")),
        ("\u{1F600}x".to_owned(), s("3")),
        ("xyz".to_owned(), s("3")),
    ]);
    let encryptor = encryptor(AlgorithmSuite::HmacSha384);
    let stored = block_on(encryptor.encrypt_item(&schema, item.clone())).unwrap();
    let header = binary(&stored, HEADER_ATTRIBUTE);
    assert_eq!(&header[34..40], b"\x00\x04seee");
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored)).unwrap(), item);
}

#[test]
fn field_keys_match_the_official_known_answers() {
    // From the official implementation's field-key tests: root key, field index, key || nonce.
    let cases = [
        (
            [0u8; 32],
            0,
            hex!(
                "4d17ac4f80763c4f5c1523ca2322b89918d5ad8b728aea9e052b177e41570f7be7ff404ace5e9b22aa1e8968"
            ),
        ),
        (
            [0u8; 32],
            7,
            hex!(
                "edfa5a6c99e14d131753163c2b890b135b8a6d4e310884d7d365a0670ef46686ef44b77c1c5a945797f17dd5"
            ),
        ),
        (
            hex!("59d9a5166a507f3cf0dfd60809a8b387b409d0b0c935abbfe08833fa9ffc1ecc"),
            7,
            hex!(
                "20847d5de204cb578f3012940fa9876ddb3386ae9719cf9adcbdd611385011b2e7d5375fb6d3fd5ea77ba461"
            ),
        ),
    ];
    let mut one = [0u8; 32];
    one[31] = 1;
    for (root, index, expected) in cases {
        assert_eq!(ItemKeys::field_material_for_root(&root, index).unwrap(), expected);
    }
    assert_eq!(
        ItemKeys::field_material_for_root(&one, 0).unwrap(),
        hex!(
            "c6a8b4e10a23bac8e13ae2d4edc0311509a5ce01b4d2357f8b1e667eeef77066cb9a2c4481d66ad1ede3d50f"
        )
    );
}

type Change = Box<dyn Fn(&mut Item)>;

fn assert_integrity(encryptor: &ItemEncryptor, schema: &TableSchema, item: Item, what: &str) {
    match block_on(encryptor.decrypt_item(schema, item)) {
        Err(Error::Integrity) => {}
        other => panic!("{what}: expected the integrity error, got {other:?}"),
    }
}

fn flipped(item: &Item, name: &str, index: usize) -> Item {
    let mut bytes = binary(item, name);
    bytes[index] ^= 0x01;
    let mut altered = item.clone();
    altered.insert(name.to_owned(), AttributeValue::B(Blob::new(bytes)));
    altered
}

#[test]
fn every_altered_byte_of_the_header_footer_or_a_value_fails_as_altered() {
    let schema = schema();
    for suite in SUITES {
        let encryptor = encryptor(suite);
        let stored = block_on(encryptor.encrypt_item(&schema, order())).unwrap();
        for name in [HEADER_ATTRIBUTE, FOOTER_ATTRIBUTE, "total", "details", "名前"] {
            for index in 0..binary(&stored, name).len() {
                let what = format!("{suite:?} {name} byte {index}");
                assert_integrity(&encryptor, &schema, flipped(&stored, name, index), &what);
            }
        }
        for (name, value) in [("status", s("pending")), ("pk", s("order-2")), ("sk", n("43"))] {
            let mut altered = stored.clone();
            altered.insert(name.to_owned(), value);
            assert_integrity(&encryptor, &schema, altered, name);
        }
        // The DO_NOTHING attribute is not protected: changing it still reads.
        let mut altered = stored.clone();
        altered.insert("ttl".to_owned(), n("1"));
        assert!(block_on(encryptor.decrypt_item(&schema, altered)).is_ok());
    }
}

#[test]
fn structural_changes_fail_as_altered() {
    let schema = schema();
    for suite in SUITES {
        let encryptor = encryptor(suite);
        let stored = block_on(encryptor.encrypt_item(&schema, order())).unwrap();
        let cases: Vec<(&str, Change)> = vec![
            ("a signed attribute removed", Box::new(|i: &mut Item| drop(i.remove("status")))),
            ("an encrypted attribute removed", Box::new(|i: &mut Item| drop(i.remove("card")))),
            (
                "a signed attribute added",
                Box::new(|i: &mut Item| drop(i.insert("new".into(), s("x")))),
            ),
            (
                "two encrypted values swapped",
                Box::new(|i: &mut Item| {
                    let card = i["card"].clone();
                    let total = i.insert("total".into(), card).unwrap();
                    i.insert("card".into(), total);
                }),
            ),
            (
                "the footer truncated",
                Box::new(|i: &mut Item| {
                    let mut footer = binary(i, FOOTER_ATTRIBUTE);
                    footer.pop();
                    i.insert(FOOTER_ATTRIBUTE.into(), AttributeValue::B(Blob::new(footer)));
                }),
            ),
            (
                "an encrypted value made plaintext",
                Box::new(|i: &mut Item| drop(i.insert("total".into(), n("800")))),
            ),
        ];
        for (what, change) in cases {
            let mut altered = stored.clone();
            change(&mut altered);
            assert_integrity(&encryptor, &schema, altered, what);
        }
        let other_table = TableSchema::builder("Orders-copy")
            .partition_key("pk")
            .sort_key("sk")
            .action("status", AttributeAction::SignOnly)
            .action("ttl", AttributeAction::DoNothing)
            .build()
            .unwrap();
        assert_integrity(&encryptor, &other_table, stored.clone(), "another table name");
        let other_key = ItemEncryptor::new(
            RawAesKeyring::new("test-namespace", "test-key", &[0x5b; 32]).unwrap(),
        );
        assert_integrity(&other_key, &schema, stored.clone(), "another wrapping key");
    }
}

#[test]
fn a_suite_downgrade_fails_as_altered() {
    let schema = schema();
    let encryptor = encryptor(AlgorithmSuite::EcdsaP384HmacSha384);
    let stored = block_on(encryptor.encrypt_item(&schema, order())).unwrap();
    // Flavor 1 -> 0, the signature dropped: the commitment and the tag both fail.
    let mut altered = flipped(&stored, HEADER_ATTRIBUTE, 1);
    let footer = binary(&stored, FOOTER_ATTRIBUTE);
    altered.insert(FOOTER_ATTRIBUTE.into(), AttributeValue::B(Blob::new(footer[..48].to_vec())));
    assert_integrity(&encryptor, &schema, altered, "0x6701 read as 0x6700");
}

#[test]
fn sign_and_include_attributes_make_a_version_2_header() {
    let schema = TableSchema::builder("T")
        .partition_key("pk")
        .action("region", AttributeAction::SignAndIncludeInEncryptionContext)
        .build()
        .unwrap();
    assert_eq!(schema.action("pk"), AttributeAction::SignAndIncludeInEncryptionContext);
    let item = HashMap::from([
        ("pk".to_owned(), s("k")),
        ("region".to_owned(), s("eu")),
        ("secret".to_owned(), s("x")),
    ]);
    let encryptor = encryptor(AlgorithmSuite::EcdsaP384HmacSha384);
    let stored = block_on(encryptor.encrypt_item(&schema, item.clone())).unwrap();
    let header = binary(&stored, HEADER_ATTRIBUTE);
    assert_eq!(header[0], 2);
    assert_eq!(&header[34..39], b"\x00\x03cce");
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored.clone())).unwrap(), item);
    let mut altered = stored;
    altered.insert("region".into(), s("us"));
    assert_integrity(&encryptor, &schema, altered, "an included value changed");
    let explicit_sign_only = TableSchema::builder("T")
        .partition_key("pk")
        .action("pk", AttributeAction::SignOnly)
        .action("region", AttributeAction::SignAndIncludeInEncryptionContext)
        .build();
    assert!(matches!(explicit_sign_only, Err(Error::Config(_))));
}

#[test]
fn every_recipient_of_a_multi_keyring_reads_the_item_alone() {
    let other = RawAesKeyring::new("test-namespace", "escrow", &[0x77; 16]).unwrap();
    let store = StaticBranchKeyStore::new("branch", BranchKey::new([9; 16], &[0x42; 32]).unwrap());
    let writer = ItemEncryptor::new(
        MultiKeyring::new(keyring())
            .with(other.clone())
            .with(HierarchicalKeyring::new(store.clone(), "branch")),
    );
    let stored = block_on(writer.encrypt_item(&schema(), order())).unwrap();
    assert_eq!(binary(&stored, FOOTER_ATTRIBUTE).len(), 3 * 48 + 103);
    for reader in [
        ItemEncryptor::new(keyring()),
        ItemEncryptor::new(other),
        ItemEncryptor::new(HierarchicalKeyring::new(store, "branch")),
    ] {
        assert_eq!(
            block_on(reader.decrypt_item(&schema(), stored.clone())).unwrap(),
            order_read_back()
        );
    }
}

#[test]
fn items_without_a_table_name_or_keys_are_refused_before_any_key_is_made() {
    let encryptor = encryptor(AlgorithmSuite::HmacSha384);
    let unnamed = TableSchema::builder_without_table_name().partition_key("pk").build().unwrap();
    assert!(matches!(block_on(encryptor.encrypt_item(&unnamed, order())), Err(Error::Config(_))));
    let mut keyless = order();
    keyless.remove("sk");
    match block_on(encryptor.encrypt_item(&schema(), keyless)) {
        Err(Error::InvalidItem { attribute, .. }) => assert_eq!(attribute, "sk"),
        other => panic!("expected InvalidItem, got {other:?}"),
    }
    let mut reserved = order();
    reserved.insert("aws_dbe_x".into(), s("x"));
    assert!(matches!(
        block_on(encryptor.encrypt_item(&schema(), reserved)),
        Err(Error::ReservedAttribute(_))
    ));
}
