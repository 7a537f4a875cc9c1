//! The encryptor's choice of formats: recognition by reserved attributes, and the legacy and
//! plaintext migration policies.

use std::collections::HashMap;

use super::*;
use crate::block_on;
use crate::keyring::RawAesKeyring;
use crate::provider::{DataKey, SigningKey, StaticMaterialsProvider};
use crate::{AttributeAction, DESCRIPTION_ATTRIBUTE, HEADER_ATTRIBUTE, SIGNATURE_ATTRIBUTE};

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("ns", "key", &[4; 32]).unwrap()
}

fn provider() -> StaticMaterialsProvider {
    StaticMaterialsProvider::new(
        DataKey::from_bytes(&[5; 32]).unwrap(),
        SigningKey::hmac_sha256(&[6; 32]).unwrap(),
    )
}

fn schema() -> TableSchema {
    TableSchema::builder("T")
        .partition_key("pk")
        .action("n", AttributeAction::SignOnly)
        .build()
        .unwrap()
}

fn plain() -> Item {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S("k".into())),
        ("n".to_owned(), AttributeValue::N("1".into())),
        ("secret".to_owned(), AttributeValue::S("s".into())),
    ])
}

fn write(encryptor: &ItemEncryptor) -> Item {
    block_on(encryptor.encrypt_item(&schema(), plain())).unwrap()
}

fn read(encryptor: &ItemEncryptor, item: Item) -> Result<Item> {
    block_on(encryptor.decrypt_item(&schema(), item))
}

#[test]
fn new_encryptors_write_dbesdk_with_the_signing_suite() {
    let encryptor = ItemEncryptor::new(keyring());
    assert_eq!(encryptor.write_format(), Format::DbEsdk);
    assert_eq!(encryptor.algorithm_suite(), Some(AlgorithmSuite::EcdsaP384HmacSha384));
    let stored = write(&encryptor);
    assert_eq!(Format::of(&stored), Some(Format::DbEsdk));
    assert_eq!(read(&encryptor, stored).unwrap(), plain());
    assert_eq!(Format::of(&plain()), Some(Format::Plaintext));
    let legacy = ItemEncryptor::legacy(provider());
    assert_eq!(Format::of(&write(&legacy)), Some(Format::Legacy));
}

#[test]
fn the_legacy_policies_move_a_table_from_legacy_to_dbesdk() {
    let old_client = ItemEncryptor::legacy(provider());
    let legacy_item = write(&old_client);
    let stages = [
        (LegacyPolicy::ForceLegacyEncryptAllowLegacyDecrypt, Format::Legacy, true),
        (LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt, Format::DbEsdk, true),
        (LegacyPolicy::ForbidLegacyEncryptForbidLegacyDecrypt, Format::DbEsdk, false),
    ];
    let mut written = Vec::new();
    for (policy, writes, reads_legacy) in stages {
        let encryptor = ItemEncryptor::new(keyring()).with_legacy(provider(), policy);
        assert_eq!(encryptor.write_format(), writes, "{policy:?}");
        let stored = write(&encryptor);
        assert_eq!(Format::of(&stored), Some(writes), "{policy:?}");
        written.push(stored);
        match read(&encryptor, legacy_item.clone()) {
            Ok(item) => assert!(reads_legacy && item == plain(), "{policy:?}"),
            Err(Error::FormatRefused(Format::Legacy)) => assert!(!reads_legacy, "{policy:?}"),
            Err(other) => panic!("{policy:?}: {other}"),
        }
        // Every DB-ESDK item written so far stays readable.
        for item in written.iter().filter(|i| Format::of(i) == Some(Format::DbEsdk)) {
            assert_eq!(read(&encryptor, item.clone()).unwrap(), plain(), "{policy:?}");
        }
    }
    // The old client reads what the first stage wrote.
    assert_eq!(read(&old_client, written[0].clone()).unwrap(), plain());
}

#[test]
fn the_plaintext_policies_move_a_table_into_encryption() {
    let stages = [
        (PlaintextPolicy::ForcePlaintextWriteAllowPlaintextRead, Format::Plaintext, true),
        (PlaintextPolicy::ForbidPlaintextWriteAllowPlaintextRead, Format::DbEsdk, true),
        (PlaintextPolicy::ForbidPlaintextWriteForbidPlaintextRead, Format::DbEsdk, false),
    ];
    for (policy, writes, reads_plaintext) in stages {
        let encryptor = ItemEncryptor::new(keyring()).with_plaintext_policy(policy);
        assert_eq!(encryptor.write_format(), writes, "{policy:?}");
        let stored = write(&encryptor);
        assert_eq!(Format::of(&stored), Some(writes), "{policy:?}");
        assert_eq!(read(&encryptor, stored).unwrap(), plain(), "{policy:?}");
        match read(&encryptor, plain()) {
            Ok(item) => assert!(reads_plaintext && item == plain(), "{policy:?}"),
            Err(Error::FormatRefused(Format::Plaintext)) => assert!(!reads_plaintext, "{policy:?}"),
            Err(other) => panic!("{policy:?}: {other}"),
        }
    }
    // A plaintext write still refuses reserved names.
    let passthrough = ItemEncryptor::new(keyring())
        .with_plaintext_policy(PlaintextPolicy::ForcePlaintextWriteAllowPlaintextRead);
    let mut reserved = plain();
    reserved.insert(HEADER_ATTRIBUTE.into(), AttributeValue::S("x".into()));
    assert!(matches!(
        block_on(passthrough.encrypt_item(&schema(), reserved)),
        Err(Error::ReservedAttribute(_))
    ));
}

#[test]
fn a_legacy_item_is_never_passed_through_as_plaintext() {
    let legacy_item = write(&ItemEncryptor::legacy(provider()));
    let reader = ItemEncryptor::new(keyring())
        .with_plaintext_policy(PlaintextPolicy::ForbidPlaintextWriteAllowPlaintextRead);
    assert!(matches!(read(&reader, legacy_item.clone()), Err(Error::FormatRefused(Format::Legacy))));
    // Half an envelope still counts as its format, and is then altered.
    for name in [SIGNATURE_ATTRIBUTE, DESCRIPTION_ATTRIBUTE] {
        let mut half = legacy_item.clone();
        half.remove(name);
        assert_eq!(Format::of(&half), Some(Format::Legacy));
    }
    let mut dbesdk_half = write(&ItemEncryptor::new(keyring()));
    dbesdk_half.remove(HEADER_ATTRIBUTE);
    assert!(matches!(read(&reader, dbesdk_half), Err(Error::Integrity)));
}

#[test]
fn an_item_with_the_attributes_of_two_formats_is_altered() {
    let mut mixed = write(&ItemEncryptor::new(keyring()));
    let legacy = write(&ItemEncryptor::legacy(provider()));
    mixed.insert(SIGNATURE_ATTRIBUTE.into(), legacy[SIGNATURE_ATTRIBUTE].clone());
    assert_eq!(Format::of(&mixed), None);
    let reader = ItemEncryptor::new(keyring())
        .with_legacy(provider(), LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt);
    assert!(matches!(read(&reader, mixed), Err(Error::Integrity)));
}

#[test]
fn a_legacy_encryptor_refuses_dbesdk_items_by_format() {
    let dbesdk_item = write(&ItemEncryptor::new(keyring()));
    let error = read(&ItemEncryptor::legacy(provider()), dbesdk_item).unwrap_err();
    assert!(matches!(error, Error::FormatRefused(Format::DbEsdk)), "{error}");
    assert!(error.to_string().contains("DB-ESDK format"), "{error}");
}
