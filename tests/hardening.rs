//! Hardening, offline: a tamper matrix over the typical order, round trips of arbitrary items
//! in both formats (DB-ESDK and legacy), bad input through the public API, and secrets kept
//! out of `Debug` and `Display`.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ddb_encrypt::format::DESCRIPTION_ATTRIBUTE;
use ddb_encrypt::format::FOOTER_ATTRIBUTE;
use ddb_encrypt::format::HEADER_ATTRIBUTE;
use ddb_encrypt::format::SIGNATURE_ATTRIBUTE;
use ddb_encrypt::format::is_reserved_name;
use ddb_encrypt::keyring::{
    EncryptedDataKey, EncryptionContext as KeyringContext, IntermediateKey, Keyring, RawAesKeyring,
};
use ddb_encrypt::provider::{
    CryptographicMaterialsProvider, DataKey, DecryptionMaterials, EncryptionContext,
    EncryptionMaterials, SigningKey, StaticMaterialsProvider, VerificationKey,
    WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{
    AttributeAction, AttributeValue, EncryptedItem, Error, Format, ItemEncryptor, TableSchema,
};
use ddb_encrypt_dev::fixtures::{TypedOrder, bench_encryptors, now_or_never, typical_order};
use ddb_encrypt_dev::json::{Item, Numbers, canonical_item};
use ddb_encrypt_dev::strategies::item;
use ddb_encrypt_dev::vectors::{encode_hex, legacy_unsignable};
use proptest::prelude::*;

fn run<F: Future>(future: F) -> F::Output {
    now_or_never(future).expect("offline providers complete at once")
}

/// Every byte of every stored signed value and of the envelope attributes (the DB-ESDK header
/// and footer; the legacy signature), flipped one at a time, for every writer: every case must
/// fail with the integrity error.
#[test]
fn tamper_matrix_over_the_typical_order() {
    let (schema, plain) = typical_order();
    let mut total = 0;
    for (label, encryptor) in bench_encryptors() {
        let stored = run(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
        let mut envelope = 0;
        let mut cases = 0;
        for (name, value) in &stored {
            let signed = is_reserved_name(name) || schema.action(name).is_signed();
            if !signed {
                continue;
            }
            // The legacy description is not signed (`docs/legacy-format.md` 2.4): skip it there.
            if name == DESCRIPTION_ATTRIBUTE && encryptor.write_format() == Format::Legacy {
                continue;
            }
            if is_reserved_name(name) {
                envelope += 1;
            }
            for mutated in mutations(value) {
                let mut tampered = stored.clone();
                tampered.insert(name.clone(), mutated);
                let result = run(encryptor.decrypt_item(&schema, tampered));
                match result {
                    Err(error) => assert!(error.is_integrity(), "{label} `{name}`: {error}"),
                    Ok(_) => panic!("{label}: tampering with `{name}` went unnoticed"),
                }
                cases += 1;
            }
        }
        // The header and footer, or the signature (and the description, skipped).
        let expected = if encryptor.write_format() == Format::Legacy { 1 } else { 2 };
        assert_eq!(envelope, expected, "{label}: envelope attributes tampered with");
        assert!(cases > 500, "{label}: {cases} cases");
        total += cases;
    }
    println!("tamper matrix: {total} cases, all refused with the integrity error");
}

/// One-bit flips of every byte of a stored value (for S and N values, of every byte that
/// keeps the text valid UTF-8 and different).
fn mutations(value: &AttributeValue) -> Vec<AttributeValue> {
    match value {
        AttributeValue::B(b) => (0..b.as_ref().len())
            .map(|i| {
                let mut bytes = b.as_ref().to_vec();
                bytes[i] ^= 0x01;
                AttributeValue::B(bytes.into())
            })
            .collect(),
        AttributeValue::S(s) => (0..s.len())
            .filter_map(|i| {
                let mut bytes = s.clone().into_bytes();
                bytes[i] ^= 0x01;
                String::from_utf8(bytes).ok().map(AttributeValue::S)
            })
            .collect(),
        AttributeValue::N(n) => (0..n.len())
            .filter_map(|i| {
                let mut bytes = n.clone().into_bytes();
                bytes[i] = if bytes[i] == b'9' { b'8' } else { b'9' };
                String::from_utf8(bytes).ok().filter(|t| t != n).map(AttributeValue::N)
            })
            .collect(),
        other => vec![AttributeValue::S(format!("{other:?}"))],
    }
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("tests", "hardening", &[1; 32]).unwrap()
}

fn legacy_encryptor() -> ItemEncryptor {
    ItemEncryptor::legacy(StaticMaterialsProvider::new(
        DataKey::from_bytes(&[1; 32]).unwrap(),
        SigningKey::hmac_sha256(&[2; 32]).unwrap(),
    ))
}

/// The two writers: the DB-ESDK format (the default) and the legacy one.
fn has_empty_map_key(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::M(map) => map.iter().any(|(k, v)| k.is_empty() || has_empty_map_key(v)),
        AttributeValue::L(list) => list.iter().any(has_empty_map_key),
        _ => false,
    }
}

fn encryptors() -> Vec<(&'static str, ItemEncryptor)> {
    vec![("dbesdk", ItemEncryptor::new(keyring())), ("legacy", legacy_encryptor())]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary items (all types, nesting, unicode names, empty values) round-trip in both
    /// formats, with arbitrary actions. (The DB-ESDK format needs a partition key: `pk`.)
    #[test]
    fn arbitrary_items_round_trip(item in item(12), signed in any::<u64>()) {
        let mut item = item;
        item.insert("pk".to_owned(), AttributeValue::S("key".into()));
        let mut builder = TableSchema::builder("PropTable").partition_key("pk");
        for (index, name) in item.keys().filter(|name| *name != "pk").enumerate() {
            let action = match (signed >> (2 * (index % 32))) & 3 {
                0 => AttributeAction::DoNothing,
                1 => AttributeAction::SignOnly,
                _ => AttributeAction::EncryptAndSign,
            };
            builder = builder.action(name.clone(), action);
        }
        let schema = builder.build().unwrap();
        // A SIGN_ONLY number written with more than 38 digits, or with more than 28 significant
        // digits (which the legacy signature would round), cannot be signed in the legacy format:
        // refused, with the attribute named.
        let unsignable = legacy_unsignable(&schema, &item);
        // The DB-ESDK format cannot store a map with an empty key (its official readers refuse
        // one): refused, with the attribute named.
        let empty_keys: Vec<&String> = item
            .iter()
            .filter(|(name, value)| schema.action(name).is_signed() && has_empty_map_key(value))
            .map(|(name, _)| name)
            .collect();
        for (label, encryptor) in encryptors() {
            if !empty_keys.is_empty() && encryptor.write_format() == Format::DbEsdk {
                let error = run(encryptor.encrypt_item(&schema, item.clone())).unwrap_err();
                prop_assert!(
                    matches!(&error, Error::InvalidItem { attribute, .. } if empty_keys.contains(&attribute)),
                    "{}: {}", label, error
                );
                continue;
            }
            if !unsignable.is_empty() && encryptor.write_format() == Format::Legacy {
                let error = run(encryptor.encrypt_item(&schema, item.clone())).unwrap_err();
                prop_assert!(
                    matches!(&error, Error::InvalidItem { attribute, .. } if unsignable.contains(attribute)),
                    "{}: {}", label, error
                );
                continue;
            }
            let stored = run(encryptor.encrypt_item(&schema, item.clone()))
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            let back = run(encryptor.decrypt_item(&schema, stored))
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            prop_assert_eq!(
                canonical_item(&back, Numbers::Exact),
                canonical_item(&item, Numbers::Exact),
                "{}", label
            );
        }
    }
}

#[test]
fn bad_input_is_refused_with_clear_errors() {
    let schema = TableSchema::builder("T").partition_key("pk").build().unwrap();
    let base = HashMap::from([("pk".to_owned(), AttributeValue::S("k".into()))]);

    // Names reserved by either format, refused by both writers.
    for (label, encryptor) in encryptors() {
        for name in [
            DESCRIPTION_ATTRIBUTE,
            SIGNATURE_ATTRIBUTE,
            "*ddbe-x",
            HEADER_ATTRIBUTE,
            FOOTER_ATTRIBUTE,
            "aws_dbe_x",
        ] {
            let mut item = base.clone();
            item.insert(name.into(), AttributeValue::S("v".into()));
            let result = run(encryptor.encrypt_item(&schema, item));
            assert!(
                matches!(&result, Err(Error::ReservedAttribute(n)) if n == name),
                "{label} `{name}`: {result:?}"
            );
        }
    }
    // `AttributeValue::Unknown` cannot be built outside the SDK: tests/faults.rs has a server
    // send one.

    // Wrong types and missing attributes for a struct.
    let (_, item) = typical_order();
    let mut wrong = item.clone();
    wrong.insert("created_at".into(), AttributeValue::S("yesterday".into()));
    let error = TypedOrder::from_item(wrong).unwrap_err();
    assert_eq!(
        error.to_string(),
        "attribute `created_at`: expected an integer (N) that fits u64, found a string (S)"
    );
    assert!(!error.to_string().contains("yesterday"));
    let mut missing = item;
    missing.remove("customer_email");
    let error = TypedOrder::from_item(missing).unwrap_err();
    assert!(
        matches!(&error, Error::Conversion { attribute, .. } if attribute == "customer_email"),
        "{error}"
    );
}

/// A provider that answers with whatever materials a test gives it.
#[derive(Debug)]
struct Misbehaving {
    encryption: Option<EncryptionMaterials>,
    decryption: fn() -> DecryptionMaterials,
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for Misbehaving {
    async fn encryption_materials(
        &self,
        _: &EncryptionContext<'_>,
    ) -> ddb_encrypt::Result<EncryptionMaterials> {
        self.encryption.clone().ok_or_else(|| Error::provider("no materials configured", None))
    }

    async fn decryption_materials(
        &self,
        _: &EncryptionContext<'_>,
    ) -> ddb_encrypt::Result<DecryptionMaterials> {
        Ok((self.decryption)())
    }
}

#[test]
fn providers_returning_the_wrong_materials_are_errors_not_panics() {
    let schema = TableSchema::builder("T").partition_key("pk").build().unwrap();
    let item: Item = HashMap::from([
        ("pk".to_owned(), AttributeValue::S("k".into())),
        ("secret".to_owned(), AttributeValue::S("s".into())),
    ]);
    let hmac = || SigningKey::hmac_sha256(&[2; 32]).unwrap();
    let rsa_pem = include_str!("../ddb-encrypt/src/provider/wrapped/test-rsa-2048.pem");
    // No encryption key, but an attribute to encrypt.
    let sign_only = Misbehaving {
        encryption: Some(EncryptionMaterials::sign_only(hmac())),
        decryption: || {
            DecryptionMaterials::verify_only(VerificationKey::hmac_sha256(&[2; 32]).unwrap())
        },
    };
    assert!(matches!(
        run(ItemEncryptor::legacy(sign_only).encrypt_item(&schema, item.clone())),
        Err(Error::Config(_))
    ));
    // Decryption materials of another kind: an RSA key for an HMAC-signed item, no key for an
    // encrypted one.
    let stored = run(legacy_encryptor().encrypt_item(&schema, item.clone())).unwrap();
    let rsa = Misbehaving {
        encryption: None,
        decryption: || {
            let pem = include_str!("../ddb-encrypt/src/provider/wrapped/test-rsa-2048.pem");
            DecryptionMaterials::verify_only(
                SigningKey::rsa_sha256_from_pkcs8_pem(pem).unwrap().verification_key(),
            )
        },
    };
    assert!(
        run(ItemEncryptor::legacy(rsa).decrypt_item(&schema, stored.clone()))
            .unwrap_err()
            .is_integrity()
    );
    let no_key = Misbehaving {
        encryption: None,
        decryption: || {
            DecryptionMaterials::verify_only(VerificationKey::hmac_sha256(&[2; 32]).unwrap())
        },
    };
    assert!(matches!(
        run(ItemEncryptor::legacy(no_key).decrypt_item(&schema, stored)),
        Err(Error::Config(_))
    ));
    let _ = rsa_pem;
}

/// A keyring that wraps a fresh key for `recipients` recipients and unwraps whatever
/// `unwrapped` says.
#[derive(Debug)]
struct MisbehavingKeyring {
    recipients: usize,
    unwrapped: fn() -> ddb_encrypt::Result<Option<IntermediateKey>>,
}

#[async_trait::async_trait]
impl Keyring for MisbehavingKeyring {
    async fn wrap_keys(
        &self,
        _: &KeyringContext,
    ) -> ddb_encrypt::Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        (0..self.recipients)
            .map(|_| {
                let key = EncryptedDataKey::new("misbehaving", Vec::new(), vec![0; 32]);
                Ok((IntermediateKey::generate()?, key))
            })
            .collect()
    }

    async fn unwrap_key(
        &self,
        _: &KeyringContext,
        _: &EncryptedDataKey,
    ) -> ddb_encrypt::Result<Option<IntermediateKey>> {
        (self.unwrapped)()
    }
}

#[test]
fn keyrings_returning_the_wrong_keys_are_errors_not_panics() {
    let schema = TableSchema::builder("T").partition_key("pk").build().unwrap();
    let item: Item = HashMap::from([
        ("pk".to_owned(), AttributeValue::S("k".into())),
        ("secret".to_owned(), AttributeValue::S("s".into())),
    ]);
    let never: fn() -> ddb_encrypt::Result<Option<IntermediateKey>> =
        || unreachable!("not asked to unwrap");
    // No recipient, or more than the header can name.
    for recipients in [0, 256] {
        let keyring = MisbehavingKeyring { recipients, unwrapped: never };
        let result = run(ItemEncryptor::new(keyring).encrypt_item(&schema, item.clone()));
        assert!(matches!(result, Err(Error::Config(_))), "{recipients} recipients: {result:?}");
    }
    // An item of another keyring: opened with another key, not opened, or a keyring failure.
    let stored = run(ItemEncryptor::new(keyring()).encrypt_item(&schema, item.clone())).unwrap();
    let wrong_key = MisbehavingKeyring {
        recipients: 1,
        unwrapped: || Ok(Some(IntermediateKey::from_bytes(&[9; 32])?)),
    };
    let not_mine = MisbehavingKeyring { recipients: 1, unwrapped: || Ok(None) };
    for keyring in [wrong_key, not_mine] {
        let error =
            run(ItemEncryptor::new(keyring).decrypt_item(&schema, stored.clone())).unwrap_err();
        assert!(error.is_integrity(), "{error}");
    }
    let failing = MisbehavingKeyring {
        recipients: 1,
        unwrapped: || Err(Error::provider("the key service is unreachable", None)),
    };
    let error = run(ItemEncryptor::new(failing).decrypt_item(&schema, stored)).unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");
}

/// `Debug` and `Display` of keys, materials, providers and errors never show key bytes (hex,
/// base64 or as a list) or plaintext.
#[test]
fn secrets_stay_out_of_debug_and_display() {
    let key = [0xA7u8; 32];
    let mac = [0x5Cu8; 32];
    let forms = |bytes: &[u8]| {
        vec![
            encode_hex(bytes),
            encode_hex(bytes).to_uppercase(),
            BASE64.encode(bytes),
            format!("{:?}", &bytes[..4]).trim_end_matches(']').to_owned(),
        ]
    };
    let secret_forms: Vec<String> = forms(&key).into_iter().chain(forms(&mac)).collect();
    let plaintext = "plaintext-card-4111111111111111";
    let check = |text: String| {
        for form in &secret_forms {
            assert!(!text.contains(form.as_str()), "{text} shows {form}");
        }
        assert!(!text.contains(plaintext), "{text} shows the plaintext");
    };
    let data_key = DataKey::from_bytes(&key).unwrap();
    let signing = SigningKey::hmac_sha256(&mac).unwrap();
    check(format!("{data_key:?}"));
    check(format!("{signing:?} {:?}", signing.verification_key()));
    let materials = EncryptionMaterials::new(data_key.clone(), signing.clone());
    check(format!("{materials:?}"));
    check(format!("{:?}", DecryptionMaterials::new(data_key.clone(), signing.verification_key())));
    let fixed = StaticMaterialsProvider::new(data_key, signing.clone());
    check(format!("{fixed:?}"));
    let wrapped = WrappedMaterialsProvider::new(WrappingKey::aes(&key).unwrap(), signing);
    check(format!("{wrapped:?}"));
    let legacy = ItemEncryptor::legacy_from_arc(Arc::new(fixed));
    check(format!("{legacy:?}"));
    let raw_aes = RawAesKeyring::new("tests", "secrets", &key).unwrap();
    check(format!("{raw_aes:?}"));
    let dbesdk = ItemEncryptor::new(raw_aes);
    check(format!("{dbesdk:?}"));

    // Errors of every path that sees plaintext or keys, in both formats.
    let schema = TableSchema::builder("T").partition_key("pk").build().unwrap();
    for encryptor in [legacy, dbesdk] {
        let item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("k".into())),
            ("card".to_owned(), AttributeValue::N(plaintext.to_owned())),
        ]);
        let error = run(encryptor.encrypt_item(&schema, item)).unwrap_err();
        check(format!("{error} {error:?}"));
        let mut stored = run(encryptor.encrypt_item(
            &schema,
            HashMap::from([
                ("pk".to_owned(), AttributeValue::S(plaintext.into())),
                ("card".to_owned(), AttributeValue::S(plaintext.into())),
            ]),
        ))
        .unwrap();
        stored.insert("pk".into(), AttributeValue::S(format!("{plaintext}!")));

        let error = run(encryptor.decrypt_item(&schema, stored)).unwrap_err();
        check(format!("{error} {error:?}"));
    }
    let error = plaintext.parse::<ddb_encrypt::Number>().unwrap_err();
    check(format!("{error} {error:?}"));
}

/// Randomness can be pinned only in the library's own unit tests (`cfg(test)`), never through
/// a feature: feature unification would let any crate in a dependency graph turn a feature on
/// for everyone, and the workspace's own examples were built with it. So the library declares
/// exactly its documented features, none of them internal.
#[test]
fn no_feature_of_the_library_can_pin_randomness_in_a_users_build() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--no-deps", "--offline", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let library = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "ddb-encrypt")
        .expect("the library is a workspace member");
    let mut features: Vec<&str> =
        library["features"].as_object().unwrap().keys().map(String::as_str).collect();
    features.sort_unstable();
    assert_eq!(features, ["default", "derive", "kms", "lambda", "streams"]);
}
