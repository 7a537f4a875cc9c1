use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use hex_literal::hex;

use super::*;
use crate::ItemEncryptor;
use crate::block_on;
use crate::crypto::rng::pinned;
use crate::provider::{
    DataKey, SigningKey, StaticMaterialsProvider, WrappedMaterialsProvider, WrappingKey,
};

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

fn b(v: &[u8]) -> AttributeValue {
    AttributeValue::B(Blob::new(v))
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn bytes(value: &AttributeValue) -> Vec<u8> {
    value.as_b().unwrap().as_ref().to_vec()
}

const AES_KEY: [u8; 32] = hex!("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const HMAC_KEY: [u8; 32] = hex!("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const KEK: [u8; 32] = hex!("404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f");

fn static_provider() -> StaticMaterialsProvider {
    StaticMaterialsProvider::new(
        DataKey::from_bytes(&AES_KEY).unwrap(),
        SigningKey::hmac_sha256(&HMAC_KEY).unwrap(),
    )
}

fn wrapped_provider() -> WrappedMaterialsProvider {
    WrappedMaterialsProvider::new(
        WrappingKey::aes(&KEK).unwrap(),
        SigningKey::hmac_sha256(&HMAC_KEY).unwrap(),
    )
}

/// Table `T`, `pk` SIGN_ONLY, `v` ENCRYPT_AND_SIGN, `x` DO_NOTHING: `docs/legacy-format.md` 4.3.
fn minimal() -> (TableSchema, Item) {
    let schema = TableSchema::builder("T")
        .partition_key("pk")
        .action("x", AttributeAction::DoNothing)
        .build()
        .unwrap();
    (schema, item(&[("pk", s("a")), ("v", n("1")), ("x", s("clear"))]))
}

fn every_type() -> Item {
    item(&[
        ("pk", s("partition")),
        ("sk", n("42")),
        ("s", s("hé€😀")),
        ("n", n("-12.50")),
        ("long", n("12345678901234567890123456789012345678")),
        ("b", b(&[0, 1, 2, 0xff])),
        ("ss", AttributeValue::Ss(vec!["b".into(), "a".into()])),
        ("ns", AttributeValue::Ns(vec!["10".into(), "9".into()])),
        ("bs", AttributeValue::Bs(vec![Blob::new(vec![0x80]), Blob::new(vec![1])])),
        ("bool", AttributeValue::Bool(true)),
        ("null", AttributeValue::Null(true)),
        ("l", AttributeValue::L(vec![s("x"), n("1"), AttributeValue::M(HashMap::new())])),
        ("m", AttributeValue::M(item(&[("k", AttributeValue::L(vec![])), ("", s(""))]))),
        ("signed", s("visible")),
        ("ignored", s("ttl")),
    ])
}

fn every_type_schema() -> TableSchema {
    TableSchema::builder("Table")
        .partition_key("pk")
        .sort_key("sk")
        .action("signed", AttributeAction::SignOnly)
        .action("ignored", AttributeAction::DoNothing)
        .build()
        .unwrap()
}

/// Encrypted numbers come back in canonical form, encrypted sets in canonical order.
fn canonical(mut item: Item) -> Item {
    item.insert("n".into(), n("-12.5"));
    item.insert("ss".into(), AttributeValue::Ss(vec!["a".into(), "b".into()]));
    item.insert("bs".into(), AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![0x80])]));
    item
}

#[test]
fn legacy_static_worked_example_is_byte_exact() {
    let (schema, plain) = minimal();
    let encryptor = ItemEncryptor::legacy(static_provider());
    pinned::push([0x11; 16]);
    let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
    assert!(pinned::is_drained());
    assert_eq!(
        bytes(&stored["v"]),
        hex!("11111111111111111111111111111111 2afb82fca574d47d35695270a2a476a2")
    );
    assert_eq!(
        bytes(&stored[SIGNATURE_ATTRIBUTE]),
        hex!("4276263fdc2419317f2ea3c36c9a8c4781fbca33cf699993d191d4c0cca55492")
    );
    assert_eq!(
        bytes(&stored[DESCRIPTION_ATTRIBUTE]),
        hex!(
            "00000000 00000017 616d7a6e2d6464622d6d61702d7369676e696e67416c67 0000000a 486d6163534841323536"
            "00000015 616d7a6e2d6464622d6d61702d73796d2d6d6f6465 00000011 2f4342432f504b43533550616464696e67"
        )
    );
    assert_eq!(stored["pk"], plain["pk"]);
    assert_eq!(stored["x"], plain["x"]);
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored)).unwrap(), plain);
}

#[test]
fn legacy_wrapped_worked_example_is_byte_exact() {
    let (schema, plain) = minimal();
    let encryptor = ItemEncryptor::legacy(wrapped_provider());
    pinned::push([0x22; 32]); // the content key
    pinned::push([0x11; 16]); // the IV
    let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
    assert!(pinned::is_drained());
    let (md, _) = MaterialDescription::from_bytes(&bytes(&stored[DESCRIPTION_ATTRIBUTE])).unwrap();
    assert_eq!(
        md.get(keys::ENV_KEY),
        Some("nE4wePmur/Wmo/UweIyPUp70I8pxshEoflEXW3Ua2rUwlU1jmgyrAg==")
    );
    assert_eq!(md.get(keys::ENV_ALG), Some("AES/256"));
    assert_eq!(md.get(keys::WRAP_ALG), Some("AESWrap"));
    assert_eq!(
        bytes(&stored["v"]),
        hex!("11111111111111111111111111111111 0917435fd3dfc381d4075014eff8aaea")
    );
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored)).unwrap(), plain);
}

fn encryptors() -> Vec<(&'static str, ItemEncryptor)> {
    vec![
        ("static legacy", ItemEncryptor::legacy(static_provider())),
        ("wrapped legacy", ItemEncryptor::legacy(wrapped_provider())),
    ]
}

#[test]
fn every_type_round_trips_with_both_providers() {
    let schema = every_type_schema();
    for (label, encryptor) in encryptors() {
        let plain = every_type();
        let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
        for (name, value) in &plain {
            match schema.action(name) {
                AttributeAction::EncryptAndSign => {
                    assert!(stored[name].is_b() && stored[name] != *value, "{label} {name}");
                }
                _ => assert_eq!(stored[name], *value, "{label} {name}"),
            }
        }
        let back = block_on(encryptor.decrypt_item(&schema, stored)).unwrap();
        assert_eq!(back, canonical(plain), "{label}");
    }
}

fn flip(value: &AttributeValue, index: usize) -> AttributeValue {
    match value {
        AttributeValue::B(blob) => {
            let mut bytes = blob.as_ref().to_vec();
            bytes[index] ^= 0x01;
            b(&bytes)
        }
        AttributeValue::S(text) => {
            let mut bytes = text.clone().into_bytes();
            bytes[index] ^= 0x01;
            AttributeValue::S(String::from_utf8(bytes).unwrap())
        }
        AttributeValue::N(text) => AttributeValue::N(format!("{text}1")),
        _ => unreachable!(),
    }
}

fn assert_integrity(encryptor: &ItemEncryptor, schema: &TableSchema, item: Item, what: &str) {
    let error = block_on(encryptor.decrypt_item(schema, item)).expect_err(what);
    assert!(error.is_integrity(), "{what}: {error}");
    assert_eq!(error.to_string(), "item signature, material description or ciphertext invalid");
}

#[test]
fn every_flipped_byte_of_a_signed_value_ciphertext_or_signature_fails() {
    let (schema, plain) = minimal();
    for (label, encryptor) in encryptors() {
        let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
        let mut cases = 0;
        for name in ["pk", "v", SIGNATURE_ATTRIBUTE] {
            let len = match &stored[name] {
                AttributeValue::B(blob) => blob.as_ref().len(),
                AttributeValue::S(text) => text.len(),
                _ => unreachable!(),
            };
            for index in 0..len {
                let mut tampered = stored.clone();
                tampered.insert(name.into(), flip(&stored[name], index));
                assert_integrity(
                    &encryptor,
                    &schema,
                    tampered,
                    &format!("{label} {name}[{index}]"),
                );
                cases += 1;
            }
        }
        assert!(cases > 60, "{label}: {cases}");
        // A DO_NOTHING attribute can change or go.
        let mut changed = stored.clone();
        changed.insert("x".into(), s("changed"));
        assert_eq!(block_on(encryptor.decrypt_item(&schema, changed)).unwrap()["x"], s("changed"));
        let mut removed = stored.clone();
        removed.remove("x");
        assert!(!block_on(encryptor.decrypt_item(&schema, removed)).unwrap().contains_key("x"));
    }
}

#[test]
fn structural_tampering_fails() {
    let schema = every_type_schema();
    for (label, encryptor) in encryptors() {
        let stored = block_on(encryptor.encrypt_item(&schema, every_type())).unwrap();
        // Two encrypted values swapped (also: a ciphertext moved to another name).
        let mut swapped = stored.clone();
        swapped.insert("s".into(), stored["b"].clone());
        swapped.insert("b".into(), stored["s"].clone());
        assert_integrity(&encryptor, &schema, swapped, &format!("{label} swap"));
        // A signed attribute removed, or one added.
        let mut removed = stored.clone();
        removed.remove("signed");
        assert_integrity(&encryptor, &schema, removed, &format!("{label} remove"));
        let mut added = stored.clone();
        added.insert("new".into(), s("x"));
        assert_integrity(&encryptor, &schema, added, &format!("{label} add"));
        // The signature removed, or of the wrong type.
        let mut unsigned = stored.clone();
        unsigned.remove(SIGNATURE_ATTRIBUTE);
        assert_integrity(&encryptor, &schema, unsigned, &format!("{label} unsigned"));
        let mut wrong_type = stored.clone();
        wrong_type.insert(SIGNATURE_ATTRIBUTE.into(), s("sig"));
        assert_integrity(&encryptor, &schema, wrong_type, &format!("{label} sig type"));
        // An encrypted attribute stored as something else.
        let mut not_binary = stored.clone();
        not_binary.insert("s".into(), s("plain"));
        assert_integrity(&encryptor, &schema, not_binary, &format!("{label} not binary"));
        // Another table name.
        let other = TableSchema::builder("Other")
            .partition_key("pk")
            .sort_key("sk")
            .action("signed", AttributeAction::SignOnly)
            .action("ignored", AttributeAction::DoNothing)
            .build()
            .unwrap();
        assert_integrity(&encryptor, &other, stored.clone(), &format!("{label} table"));
        // Other keys.
        let other_keys = ItemEncryptor::legacy(StaticMaterialsProvider::new(
            DataKey::from_bytes(&AES_KEY).unwrap(),
            SigningKey::hmac_sha256(&[1; 32]).unwrap(),
        ));
        assert_integrity(&other_keys, &schema, stored, &format!("{label} keys"));
    }
}

fn rewrite_description(stored: &Item, edit: impl FnOnce(&mut MaterialDescription)) -> Item {
    let (mut md, _) =
        MaterialDescription::from_bytes(&bytes(&stored[DESCRIPTION_ATTRIBUTE])).unwrap();
    edit(&mut md);
    let mut item = stored.clone();
    item.insert(DESCRIPTION_ATTRIBUTE.into(), b(&md.to_bytes().unwrap()));
    item
}

#[test]
fn legacy_description_is_unsigned_as_in_the_python_client() {
    // `docs/legacy-format.md` 2.4: changing signingAlg or adding entries still decrypts.
    let (schema, plain) = minimal();
    let encryptor = ItemEncryptor::legacy(static_provider());
    let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
    let edited = rewrite_description(&stored, |md| {
        md.insert("unknown", "entry");
        md.insert(keys::SIGNING_ALG, "HmacSHA512");
    });
    assert_eq!(block_on(encryptor.decrypt_item(&schema, edited)).unwrap(), plain);
    // But a mode it does not implement is refused.
    let ctr = rewrite_description(&stored, |md| {
        md.insert(keys::SYM_MODE, "/CTR/NoPadding");
    });
    assert_integrity(&encryptor, &schema, ctr, "ctr");
}

#[test]
fn reserved_names_are_refused() {
    let (schema, plain) = minimal();
    for (label, encryptor) in encryptors() {
        for name in [DESCRIPTION_ATTRIBUTE, SIGNATURE_ATTRIBUTE, "*ddbe-future"] {
            let mut bad = plain.clone();
            bad.insert(name.into(), s("x"));
            let error = block_on(encryptor.encrypt_item(&schema, bad)).unwrap_err();
            assert!(matches!(&error, Error::ReservedAttribute(n) if n == name), "{label}: {error}");
        }
    }
    let error = TableSchema::builder("T")
        .action(SIGNATURE_ATTRIBUTE, AttributeAction::SignOnly)
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error}");
}

#[test]
fn all_do_nothing_passes_items_through() {
    let schema =
        TableSchema::builder("T").default_action(AttributeAction::DoNothing).build().unwrap();
    let encryptor = ItemEncryptor::legacy(static_provider());
    let plain = every_type();
    let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
    assert_eq!(stored, plain);
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored)).unwrap(), plain);
}

#[test]
fn keys_become_sign_only_and_cannot_be_encrypted() {
    let schema = TableSchema::builder("T").partition_key("pk").sort_key("sk").build().unwrap();
    assert_eq!(schema.action("pk"), AttributeAction::SignOnly);
    assert_eq!(schema.action("sk"), AttributeAction::SignOnly);
    assert_eq!(schema.action("other"), AttributeAction::EncryptAndSign);
    let error = TableSchema::builder("T")
        .partition_key("pk")
        .action("pk", AttributeAction::EncryptAndSign)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("key attribute `pk` cannot be ENCRYPT_AND_SIGN"), "{error}");
}

#[test]
fn encrypted_numbers_are_never_rounded() {
    let schema = TableSchema::builder("T").build().unwrap();
    for (label, encryptor) in encryptors() {
        let plain =
            item(&[("n", n("12345678901234567890123456789012345678")), ("tiny", n("1E-130"))]);
        let stored = block_on(encryptor.encrypt_item(&schema, plain)).unwrap();
        let back = block_on(encryptor.decrypt_item(&schema, stored)).unwrap();
        assert_eq!(back["n"], n("12345678901234567890123456789012345678"), "{label}");
        assert_eq!(back["tiny"], n(&format!("0.{}1", "0".repeat(129))), "{label}");
    }
}

#[test]
fn invalid_values_are_refused_by_name_without_their_value() {
    let schema = TableSchema::builder("T").build().unwrap();
    let encryptor = ItemEncryptor::legacy(static_provider());
    let error =
        block_on(encryptor.encrypt_item(&schema, item(&[("price", n("12abc"))]))).unwrap_err();
    assert_eq!(error.to_string(), "cannot encrypt attribute `price`: not a valid DynamoDB number");
    let error =
        block_on(encryptor.encrypt_item(&schema, item(&[("price", AttributeValue::Null(false))])))
            .unwrap_err();
    assert!(error.to_string().contains("`price`"), "{error}");
}

#[test]
fn the_legacy_format_needs_no_table_name_and_takes_128_bit_keys() {
    let plain = item(&[("v", n("1"))]);
    let nameless = TableSchema::builder_without_table_name().build().unwrap();
    let legacy = ItemEncryptor::legacy(static_provider());
    let stored = block_on(legacy.encrypt_item(&nameless, plain.clone())).unwrap();
    assert_eq!(block_on(legacy.decrypt_item(&nameless, stored)).unwrap(), plain);

    let schema = TableSchema::builder("T").build().unwrap();
    let aes128 = StaticMaterialsProvider::new(
        DataKey::from_bytes(&[1; 16]).unwrap(),
        SigningKey::hmac_sha256(&[2; 8]).unwrap(),
    );
    // AES-128 and an 8-byte HMAC key are fine for the legacy format (the Java vectors).
    let legacy = ItemEncryptor::legacy(aes128);
    let stored = block_on(legacy.encrypt_item(&schema, plain.clone())).unwrap();
    assert_eq!(block_on(legacy.decrypt_item(&schema, stored)).unwrap(), plain);
}

#[test]
fn sign_only_materials_sign_and_refuse_to_encrypt() {
    let provider = StaticMaterialsProvider::sign_only(SigningKey::hmac_sha256(&HMAC_KEY).unwrap());
    let schema =
        TableSchema::builder("T").default_action(AttributeAction::SignOnly).build().unwrap();
    let encryptor = ItemEncryptor::legacy(provider);
    let mut plain = every_type();
    // 38 digits: the legacy signature would round it (see the test of that).
    plain.remove("long");
    let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored)).unwrap(), plain);
    let encrypting = TableSchema::builder("T").build().unwrap();
    assert!(matches!(block_on(encryptor.encrypt_item(&encrypting, plain)), Err(Error::Config(_))));
}

#[test]
fn label_hashes_are_the_hashes_of_their_labels() {
    use sha2::{Digest, Sha256};
    assert_eq!(SIGN_ONLY_LABEL_HASH, <[u8; 32]>::from(Sha256::digest("PLAINTEXT")));
    assert_eq!(ENCRYPTED_LABEL_HASH, <[u8; 32]>::from(Sha256::digest("ENCRYPTED")));
}

#[test]
fn the_legacy_writer_refuses_sign_only_numbers_that_its_signature_would_round() {
    let schema = TableSchema::builder("T")
        .partition_key("pk")
        .default_action(AttributeAction::SignOnly)
        .build()
        .unwrap();
    let digits29 = "12345678901234567890123456789";
    let values = [
        n(digits29),
        n(&format!("-0.{digits29}E-5")),
        AttributeValue::Ns(vec!["1".into(), digits29.into()]),
        AttributeValue::L(vec![s("x"), n(digits29)]),
        AttributeValue::M(HashMap::from([(
            "deep".to_owned(),
            AttributeValue::L(vec![n(digits29)]),
        )])),
    ];
    let legacy = ItemEncryptor::legacy(static_provider());
    for value in values {
        let plain = item(&[("pk", s("a")), ("amount", value.clone())]);
        let error = block_on(legacy.encrypt_item(&schema, plain.clone())).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, Error::InvalidItem { .. }), "{value:?}: {message}");
        assert!(
            message.contains("`amount`") && message.contains("28 significant digits"),
            "{message}"
        );
        assert!(!message.contains("12345"), "the value leaked: {message}");
        // The DB-ESDK format signs the exact value.
        let gcm =
            ItemEncryptor::new(crate::keyring::RawAesKeyring::new("ns", "k", &[1; 32]).unwrap());
        let stored = block_on(gcm.encrypt_item(&schema, plain.clone())).unwrap();
        assert_eq!(block_on(gcm.decrypt_item(&schema, stored)).unwrap(), plain);
    }
    // 28 significant digits, trailing zeros and exponents are exact, and accepted.
    for text in ["1234567890123456789012345678", "1234567890123456789012345678000", "-0", "1E+125"]
    {
        let plain = item(&[("pk", s("a")), ("amount", n(text))]);
        let stored = block_on(legacy.encrypt_item(&schema, plain.clone())).unwrap();
        assert_eq!(block_on(legacy.decrypt_item(&schema, stored)).unwrap(), plain, "{text}");
    }
}

#[test]
fn a_legacy_reader_still_accepts_sign_only_numbers_that_the_python_client_rounded() {
    let schema = TableSchema::builder("T")
        .partition_key("pk")
        .default_action(AttributeAction::SignOnly)
        .build()
        .unwrap();
    let legacy = ItemEncryptor::legacy(static_provider());
    let rounded = "123456789012345678901234567900";
    let stored =
        block_on(legacy.encrypt_item(&schema, item(&[("pk", s("a")), ("amount", n(rounded))])))
            .unwrap();
    // What the Python client writes for a 30-digit number: the hash of its 28-digit form.
    let mut old = stored;
    old.insert("amount".into(), n("123456789012345678901234567851"));
    let read = block_on(legacy.decrypt_item(&schema, old)).unwrap();
    assert_eq!(read["amount"], n("123456789012345678901234567851"));
}

#[test]
fn key_attributes_are_signed_even_under_a_do_nothing_default() {
    let schema = TableSchema::builder("T")
        .partition_key("pk")
        .default_action(AttributeAction::DoNothing)
        .action("secret", AttributeAction::EncryptAndSign)
        .build()
        .unwrap();
    assert_eq!(schema.action("pk"), AttributeAction::SignOnly);
    for (label, encryptor) in encryptors() {
        let stored = block_on(
            encryptor.encrypt_item(&schema, item(&[("pk", s("ann")), ("secret", s("s3cr3t"))])),
        )
        .unwrap();
        // Moved to another key by someone who can write the table.
        let mut moved = stored.clone();
        moved.insert("pk".into(), s("mallory"));
        assert_integrity(&encryptor, &schema, moved, label);
    }
    let error = TableSchema::builder("T")
        .partition_key("pk")
        .action("pk", AttributeAction::DoNothing)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("`pk` cannot be DO_NOTHING"), "{error}");
}

#[test]
fn unsigned_keys_are_an_explicit_opt_in_for_reading_legacy_tables_only() {
    let schema = TableSchema::builder("T")
        .partition_key("pk")
        .default_action(AttributeAction::DoNothing)
        .action("secret", AttributeAction::EncryptAndSign)
        .legacy_unsigned_keys()
        .build()
        .unwrap();
    assert_eq!(schema.action("pk"), AttributeAction::DoNothing);
    let plain = item(&[("pk", s("ann")), ("secret", s("s3cr3t"))]);
    let legacy = ItemEncryptor::legacy(static_provider());
    let stored = block_on(legacy.encrypt_item(&schema, plain.clone())).unwrap();
    assert_eq!(block_on(legacy.decrypt_item(&schema, stored)).unwrap(), plain);
    let dbesdk =
        ItemEncryptor::new(crate::keyring::RawAesKeyring::new("ns", "k", &[1; 32]).unwrap());
    let error = block_on(dbesdk.encrypt_item(&schema, plain)).unwrap_err();
    assert!(matches!(error, Error::Config(_)) && error.to_string().contains("unsigned"), "{error}");
}

#[test]
fn a_legacy_item_whose_wrapped_key_was_removed_fails_as_altered() {
    let schema = every_type_schema();
    let encryptor = ItemEncryptor::legacy(wrapped_provider());
    let stored = block_on(encryptor.encrypt_item(&schema, every_type())).unwrap();
    for entry in [keys::ENV_KEY, keys::WRAP_ALG] {
        let edited = rewrite_description(&stored, |md| {
            md.remove(entry);
        });
        assert_integrity(&encryptor, &schema, edited, entry);
    }
    let edited = rewrite_description(&stored, |md| {
        md.remove(keys::ENV_KEY);
        md.remove(keys::WRAP_ALG);
    });
    assert_integrity(&encryptor, &schema, edited, "both");
}
