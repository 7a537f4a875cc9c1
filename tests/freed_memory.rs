//! Plaintext left in freed memory: encrypting must wipe what it holds before giving it back.
//! The global allocator of this binary (`scan-alloc`) searches every block a watching thread
//! frees for a marker placed in the plaintext, and always moves on `realloc`, so a buffer that
//! grows is caught leaving a copy behind.

#![allow(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;

use ddb_encrypt::provider::{DataKey, SigningKey, StaticMaterialsProvider};
use ddb_encrypt::{AttributeValue, Format, ItemEncryptor, TableSchema};
use ddb_encrypt_dev::fixtures::now_or_never;
use scan_alloc::watch;

#[global_allocator]
static ALLOCATOR: scan_alloc::ScanAlloc = scan_alloc::ScanAlloc;

/// Planted in strings, names and bytes.
const TEXT: &str = "FreedMemoryMarker5b0e7d";
/// Planted in numbers: 25 digits.
const DIGITS: &str = "2718281828459045235360287";

fn encryptor(format: Format) -> ItemEncryptor {
    let provider = StaticMaterialsProvider::new(
        DataKey::from_bytes(&[7; 32]).unwrap(),
        SigningKey::hmac_sha256(&[9; 32]).unwrap(),
    );
    ItemEncryptor::new(provider).with_write_format(format)
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.to_owned())
}

#[test]
fn encrypting_leaves_no_plaintext_in_freed_memory() {
    let schema = TableSchema::builder("Records").partition_key("id").build().unwrap();
    let long = format!("{TEXT}{}", "x".repeat(400));
    // Two of these outgrow the 256 bytes a scratch buffer could start with, after the first
    // is written: a buffer that grows there leaves a copy of it behind.
    let medium = format!("{TEXT}{}", "x".repeat(200));
    let item = HashMap::from([
        ("id".to_owned(), s("r-1")),
        ("note".to_owned(), s(&long)),
        ("bin".to_owned(), AttributeValue::B(long.clone().into_bytes().into())),
        ("list".to_owned(), AttributeValue::L(vec![s(&medium), s(&medium), n(DIGITS)])),
        ("map".to_owned(), AttributeValue::M(HashMap::from([(TEXT.to_owned(), s(&long))]))),
        // Written `2.718..E+24`: the marker's digits only appear together in the canonical form.
        ("amount".to_owned(), n(&format!("{}.{}E+24", &DIGITS[..1], &DIGITS[1..]))),
        ("amounts".to_owned(), AttributeValue::Ns(vec![DIGITS.to_owned(), "7E+3".to_owned()])),
    ]);
    for format in [Format::Gcm, Format::Legacy] {
        let encryptor = encryptor(format);
        for marker in [TEXT, DIGITS] {
            let input = item.clone();
            let (stored, found) = watch(marker.as_bytes(), || {
                now_or_never(encryptor.encrypt_item(&schema, input)).unwrap().unwrap()
            });
            assert_eq!(found, 0, "{format:?}: {found} freed blocks held `{marker}`");
            assert!(stored["note"].is_b(), "encrypted");
        }
    }
}
