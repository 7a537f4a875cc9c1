//! Plaintext left in freed memory: encrypting and typed reads must wipe what they hold before
//! giving it back. The global allocator of this binary (`scan-alloc`) searches every block a
//! watching thread frees for a marker placed in the plaintext, and always moves on `realloc`,
//! so a buffer that grows is caught leaving a copy behind.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;

use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::provider::{DataKey, SigningKey, StaticMaterialsProvider};
use ddb_encrypt::{AttributeValue, EncryptedItem, ItemEncryptor, Number, TableSchema};
use ddb_encrypt_dev::fixtures::now_or_never;
use scan_alloc::watch;
use serde::{Deserialize, Serialize};

#[global_allocator]
static ALLOCATOR: scan_alloc::ScanAlloc = scan_alloc::ScanAlloc;

/// Planted in strings, names and bytes.
const TEXT: &str = "FreedMemoryMarker5b0e7d";
/// Planted in numbers: 25 digits, a u128 and an exact decimal.
const DIGITS: &str = "2718281828459045235360287";

/// The two writers: the DB-ESDK format (the default) and the legacy one.
fn encryptors() -> [(&'static str, ItemEncryptor); 2] {
    let provider = StaticMaterialsProvider::new(
        DataKey::from_bytes(&[7; 32]).unwrap(),
        SigningKey::hmac_sha256(&[9; 32]).unwrap(),
    );
    [
        ("dbesdk", ItemEncryptor::new(RawAesKeyring::new("tests", "freed", &[7; 32]).unwrap())),
        ("legacy", ItemEncryptor::legacy(provider)),
    ]
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
    for (label, encryptor) in encryptors() {
        for marker in [TEXT, DIGITS] {
            let input = item.clone();
            let (stored, found) = watch(marker.as_bytes(), || {
                now_or_never(encryptor.encrypt_item(&schema, input)).unwrap().unwrap()
            });
            assert_eq!(found, 0, "{label}: {found} freed blocks held `{marker}`");
            assert!(stored["note"].is_b(), "encrypted");
        }
    }
}

/// The first variant's name is the text marker.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Kind {
    FreedMemoryMarker5b0e7d,
    Other,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Details {
    size: u8,
}

#[derive(EncryptedItem, Debug, PartialEq)]
struct Record {
    #[ddb(partition_key)]
    id: String,
    amount: u128,
    price: Number,
    kind: Kind,
    tallies: HashMap<u128, bool>,
    details: Details,
    blob: Vec<u8>,
}

/// A stored `Record` whose plaintext holds the markers where a typed read parses, matches or
/// ignores it: a number read as an integer, a number read as a decimal, a variant's name, a
/// map key read as an integer, a map entry the struct does not have, bytes read as `Vec<u8>`,
/// and an attribute that is not in the struct. With `broken`, `amount` is a string: the read
/// fails there, before it takes the other attributes.
fn stored_record(
    encryptor: &ItemEncryptor,
    schema: &TableSchema,
    broken: bool,
) -> ddb_encrypt::item::Item {
    let item = HashMap::from([
        ("id".to_owned(), s("r-1")),
        ("amount".to_owned(), if broken { s("not a number") } else { n(DIGITS) }),
        ("price".to_owned(), n(&format!("{DIGITS}.5"))),
        ("kind".to_owned(), s(TEXT)),
        (
            "tallies".to_owned(),
            AttributeValue::M(HashMap::from([(DIGITS.to_owned(), AttributeValue::Bool(true))])),
        ),
        (
            "details".to_owned(),
            AttributeValue::M(HashMap::from([
                ("size".to_owned(), n("3")),
                (TEXT.to_owned(), s(&format!("{TEXT} {DIGITS}"))),
            ])),
        ),
        ("blob".to_owned(), AttributeValue::B(format!("{TEXT}-bytes").into_bytes().into())),
        ("notes".to_owned(), s(&format!("{TEXT} {DIGITS}"))),
    ]);
    now_or_never(encryptor.encrypt_item(schema, item)).unwrap().unwrap()
}

#[test]
fn typed_reads_leave_no_decrypted_value_in_freed_memory() {
    let schema = TableSchema::for_item::<Record>("Records").unwrap();
    for (label, encryptor) in encryptors() {
        for marker in [TEXT, DIGITS] {
            let stored = stored_record(&encryptor, &schema, false);
            let (record, found) = watch(marker.as_bytes(), || {
                let item = now_or_never(encryptor.decrypt_item(&schema, stored)).unwrap().unwrap();
                Record::from_item(item).unwrap()
            });
            assert_eq!(found, 0, "{label}: {found} freed blocks held `{marker}`");
            assert_eq!(record.amount.to_string(), DIGITS);
            assert_eq!(record.kind, Kind::FreedMemoryMarker5b0e7d);
            assert_eq!(record.details, Details { size: 3 });
        }
    }
}

#[test]
fn typed_reads_that_fail_leave_no_decrypted_value_in_freed_memory() {
    let schema = TableSchema::for_item::<Record>("Records").unwrap();
    for (label, encryptor) in encryptors() {
        for marker in [TEXT, DIGITS] {
            let stored = stored_record(&encryptor, &schema, true);
            let (error, found) = watch(marker.as_bytes(), || {
                let item = now_or_never(encryptor.decrypt_item(&schema, stored)).unwrap().unwrap();
                Record::from_item(item).unwrap_err()
            });
            assert_eq!(found, 0, "{label}: {found} freed blocks held `{marker}`");
            assert!(error.to_string().contains("amount"), "{error}");
        }
    }
}

#[test]
fn reading_a_meta_store_version_leaves_its_keys_nowhere_in_freed_memory() {
    use ddb_encrypt::provider::MetaStore;
    use ddb_encrypt::provider::{ProviderStore, WrappedMaterialsProvider, WrappingKey};
    use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let meta_provider = || {
        WrappedMaterialsProvider::new(
            WrappingKey::aes(&[0x61; 32]).unwrap(),
            SigningKey::hmac_sha256(&[0x62; 32]).unwrap(),
        )
    };
    let table = unique_name("meta");
    let (enc, int) = runtime.block_on(async {
        let aws = LocalAws::shared();
        let client = aws.dynamodb();
        MetaStore::create_table(&client, &table).await.unwrap();
        let store = MetaStore::new(client.clone(), &table, std::sync::Arc::new(meta_provider()));
        store.unwrap().get_or_create_provider("m", 0).await.unwrap();
        // The version's keys, as the store's provider decrypts them.
        let stored = client
            .get_item()
            .table_name(&table)
            .key("N", s("m"))
            .key("V", n("0"))
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        let schema = TableSchema::builder(&table).partition_key("N").sort_key("V").build().unwrap();
        let mut row =
            ItemEncryptor::legacy(meta_provider()).decrypt_item(&schema, stored).await.unwrap();
        let key = |row: &mut ddb_encrypt::item::Item, name| {
            row.remove(name).unwrap().as_b().unwrap().as_ref().to_vec()
        };
        (key(&mut row, "enc"), key(&mut row, "int"))
    });
    let client = runtime.block_on(async { LocalAws::shared().dynamodb() });
    for key in [enc, int] {
        let marker: &'static [u8] = Box::leak(key.into_boxed_slice());
        let (provider, found) = watch(marker, || {
            runtime.block_on(async {
                let store =
                    MetaStore::new(client.clone(), &table, std::sync::Arc::new(meta_provider()))
                        .unwrap();
                store.provider("m", 0).await.unwrap().unwrap()
            })
        });
        assert_eq!(found, 0, "{found} freed blocks held a key of version 0");
        drop(provider);
    }
}
