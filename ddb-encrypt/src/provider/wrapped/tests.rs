use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::{Oaep, Pkcs1v15Encrypt};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

use super::*;
use crate::block_on;
use crate::codec;
use crate::crypto::rng::pinned;
use crate::format::{DESCRIPTION_ATTRIBUTE, SIGNATURE_ATTRIBUTE};
use crate::{ItemEncryptor, TableSchema};

const PEM: &str = include_str!("test-rsa-2048.pem");
const CONTENT_KEY: [u8; 32] = [0x22; 32];

fn rsa_provider() -> WrappedMaterialsProvider {
    WrappedMaterialsProvider::new(
        WrappingKey::rsa_from_pkcs8_pem(PEM).unwrap(),
        SigningKey::hmac_sha256(&[9; 32]).unwrap(),
    )
}

fn sample() -> (TableSchema, HashMap<String, AttributeValue>) {
    let schema = TableSchema::builder("JavaTable").partition_key("pk").build().unwrap();
    let item = HashMap::from([
        ("pk".to_owned(), AttributeValue::S("java".into())),
        ("secret".to_owned(), AttributeValue::S("encrypted".into())),
    ]);
    (schema, item)
}

/// A legacy item written with the content key pinned to `CONTENT_KEY`.
fn legacy_item(provider: &WrappedMaterialsProvider) -> HashMap<String, AttributeValue> {
    let (schema, item) = sample();
    pinned::push(CONTENT_KEY);
    let encryptor = ItemEncryptor::legacy(provider.clone());
    block_on(encryptor.encrypt_item(&schema, item)).unwrap()
}

/// Replaces the description with `pairs`, encoded in the given order (Java writes `HashMap`
/// order) without the encryptor's help. The legacy description is not signed.
fn with_description(
    item: &HashMap<String, AttributeValue>,
    pairs: &[(&str, &str)],
) -> HashMap<String, AttributeValue> {
    let mut bytes = vec![0, 0, 0, 0];
    for (k, v) in pairs {
        codec::put_lv(&mut bytes, k.as_bytes()).unwrap();
        codec::put_lv(&mut bytes, v.as_bytes()).unwrap();
    }
    let mut item = item.clone();
    item.insert(DESCRIPTION_ATTRIBUTE.into(), AttributeValue::B(bytes.into()));
    item
}

/// MIME base64 as old Java versions wrote it: CRLF every 76 characters.
fn mime(bytes: &[u8]) -> String {
    let text = BASE64.encode(bytes);
    text.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn public_key() -> PublicKey {
    rsa_private_key_from_pem(PEM).unwrap().to_public_key()
}

#[test]
fn reads_old_java_items_without_wrap_alg() {
    let provider = rsa_provider();
    let stored = legacy_item(&provider);
    let wrapped =
        public_key().encrypt(&mut getrandom::SysRng, Pkcs1v15Encrypt, &CONTENT_KEY).unwrap();
    let env_key = mime(&wrapped);
    assert!(env_key.contains("\r\n"));
    // HashMap order, no signingAlg (Java omits it for HMAC), env-alg without a length.
    let java = with_description(
        &stored,
        &[
            ("amzn-ddb-env-alg", "AES"),
            ("amzn-ddb-map-sym-mode", "/CBC/PKCS5Padding"),
            ("amzn-ddb-env-key", &env_key),
        ],
    );
    let (schema, plain) = sample();
    let encryptor = ItemEncryptor::legacy(provider);
    assert_eq!(block_on(encryptor.decrypt_item(&schema, java)).unwrap(), plain);
}

#[test]
fn reads_every_rsa_transformation_the_clients_can_name() {
    let provider = rsa_provider();
    let stored = legacy_item(&provider);
    let public = public_key();
    let mut rng = getrandom::SysRng;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
            public
                .encrypt(&mut rng, Oaep::<Sha256, Sha1>::new_with_mgf_hash(), &CONTENT_KEY)
                .unwrap(),
        ),
        (
            "RSA/ECB/OAEPWithSHA-1AndMGF1Padding",
            public
                .encrypt(&mut rng, Oaep::<Sha1, Sha1>::new_with_mgf_hash(), &CONTENT_KEY)
                .unwrap(),
        ),
        (
            "RSA/ECB/OAEPPadding",
            public
                .encrypt(&mut rng, Oaep::<Sha1, Sha1>::new_with_mgf_hash(), &CONTENT_KEY)
                .unwrap(),
        ),
        (
            "RSA/ECB/OAEPWithSHA-384AndMGF1Padding",
            public
                .encrypt(&mut rng, Oaep::<Sha384, Sha1>::new_with_mgf_hash(), &CONTENT_KEY)
                .unwrap(),
        ),
        (
            "RSA/ECB/OAEPWithSHA-512AndMGF1Padding",
            public
                .encrypt(&mut rng, Oaep::<Sha512, Sha1>::new_with_mgf_hash(), &CONTENT_KEY)
                .unwrap(),
        ),
        ("RSA/ECB/PKCS1Padding", public.encrypt(&mut rng, Pkcs1v15Encrypt, &CONTENT_KEY).unwrap()),
    ];
    let (schema, plain) = sample();
    let encryptor = ItemEncryptor::legacy(provider);
    for (algorithm, wrapped) in cases {
        let item = with_description(
            &stored,
            &[
                ("amzn-ddb-env-key", &BASE64.encode(&wrapped)),
                ("amzn-ddb-wrap-alg", algorithm),
                ("amzn-ddb-env-alg", "AES/256"),
                ("amzn-ddb-map-sym-mode", "/CBC/PKCS5Padding"),
            ],
        );
        assert_eq!(
            block_on(encryptor.decrypt_item(&schema, item.clone())).unwrap(),
            plain,
            "{algorithm}"
        );
        // The same key under another OAEP hash does not unwrap.
        let wrong = if algorithm.contains("SHA-512") {
            "RSA/ECB/OAEPWithSHA-384AndMGF1Padding"
        } else {
            "RSA/ECB/OAEPWithSHA-512AndMGF1Padding"
        };
        let mislabeled = with_description(
            &stored,
            &[
                ("amzn-ddb-env-key", &BASE64.encode(&wrapped)),
                ("amzn-ddb-wrap-alg", wrong),
                ("amzn-ddb-map-sym-mode", "/CBC/PKCS5Padding"),
            ],
        );
        let error = block_on(encryptor.decrypt_item(&schema, mislabeled)).unwrap_err();
        assert!(error.is_integrity(), "{algorithm} as {wrong}: {error}");
    }
}

#[test]
fn rsa_wrapping_and_rsa_signing_round_trip() {
    let provider = WrappedMaterialsProvider::new(
        WrappingKey::rsa_from_pkcs8_pem(PEM).unwrap(),
        SigningKey::rsa_sha256_from_pkcs8_pem(PEM).unwrap(),
    );
    let (schema, plain) = sample();
    let encryptor = ItemEncryptor::legacy(provider);
    let stored = block_on(encryptor.encrypt_item(&schema, plain.clone())).unwrap();
    assert_eq!(stored[SIGNATURE_ATTRIBUTE].as_b().unwrap().as_ref().len(), 256);
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored)).unwrap(), plain);
}

#[test]
fn a_decrypt_only_provider_reads_but_cannot_write() {
    let (schema, plain) = sample();
    let writer = rsa_provider();
    let stored =
        block_on(ItemEncryptor::legacy(writer).encrypt_item(&schema, plain.clone())).unwrap();
    let reader = WrappedMaterialsProvider::decrypt_only(
        WrappingKey::rsa_from_pkcs8_pem(PEM).unwrap(),
        SigningKey::hmac_sha256(&[9; 32]).unwrap().verification_key(),
    );
    let encryptor = ItemEncryptor::legacy(reader);
    assert_eq!(block_on(encryptor.decrypt_item(&schema, stored)).unwrap(), plain);
    let error = block_on(encryptor.encrypt_item(&schema, plain)).unwrap_err();
    assert!(error.to_string().contains("it can only decrypt"), "{error}");
}

#[test]
fn an_altered_wrapped_key_is_an_integrity_error() {
    let provider = WrappedMaterialsProvider::new(
        WrappingKey::aes(&[5; 32]).unwrap(),
        SigningKey::hmac_sha256(&[9; 32]).unwrap(),
    );
    let (schema, plain) = sample();
    let encryptor = ItemEncryptor::legacy(provider);
    let stored = block_on(encryptor.encrypt_item(&schema, plain)).unwrap();
    let (mut md, _) =
        MaterialDescription::from_bytes(stored[DESCRIPTION_ATTRIBUTE].as_b().unwrap().as_ref())
            .unwrap();
    let mut wrapped = BASE64.decode(md.get(keys::ENV_KEY).unwrap()).unwrap();
    wrapped[3] ^= 1;
    md.insert(keys::ENV_KEY, BASE64.encode(&wrapped));
    let mut item = stored.clone();
    item.insert(DESCRIPTION_ATTRIBUTE.into(), AttributeValue::B(md.to_bytes().unwrap().into()));
    assert!(block_on(encryptor.decrypt_item(&schema, item)).unwrap_err().is_integrity());
    // An unknown content-key algorithm, likewise.
    md.insert(keys::ENV_ALG, "DESede");
    let mut item = stored;
    item.insert(DESCRIPTION_ATTRIBUTE.into(), AttributeValue::B(md.to_bytes().unwrap().into()));
    assert!(block_on(encryptor.decrypt_item(&schema, item)).unwrap_err().is_integrity());
}

#[test]
fn keys_never_show_in_debug_output() {
    let provider = WrappedMaterialsProvider::new(
        WrappingKey::aes(&[0xAB; 32]).unwrap(),
        SigningKey::hmac_sha256(&[0xCD; 32]).unwrap(),
    );
    let debug = format!("{provider:?}");
    assert!(
        !debug.to_lowercase().contains("abab") && !debug.to_lowercase().contains("cdcd"),
        "{debug}"
    );
    assert!(!debug.contains("171, 171") && !debug.contains("205, 205"), "{debug}");
    let rsa = format!("{:?}", rsa_provider());
    assert!(!rsa.contains("MII"), "{rsa}");
}
