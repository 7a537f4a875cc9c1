//! The DynamoDB branch key store against real DynamoDB and KMS APIs (the moto server on
//! 127.0.0.1, started by the harness for this test binary): rows as the official store writes
//! them, rotation, the hierarchical keyring over it, and planted or altered rows.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::keyring::{
    BranchKeyCache, BranchKeyStore, DynamoDbBranchKeyStore, HierarchicalKeyring,
};
use ddb_encrypt::{AttributeValue, EncryptedItem, EncryptedTable, Error};
use ddb_encrypt_dev::interceptors::RequestCounter;
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};

type Row = HashMap<String, AttributeValue>;

async fn new_store() -> (DynamoDbBranchKeyStore, String) {
    let local = LocalAws::shared();
    let key_arn = local.create_kms_key().await;
    let table = unique_name("KeyStore");
    let store = DynamoDbBranchKeyStore::new(
        local.dynamodb(),
        &table,
        "test-key-store",
        local.kms(),
        key_arn,
    )
    .unwrap();
    store.create_table().await.unwrap();
    (store, table)
}

/// Every row of the store's table, by (branch key id, type).
async fn rows(table: &str) -> BTreeMap<(String, String), Row> {
    let client = LocalAws::shared().dynamodb();
    let items = client.scan().table_name(table).send().await.unwrap().items.unwrap_or_default();
    items
        .into_iter()
        .map(|row| {
            let text = |name: &str| row[name].as_s().unwrap().clone();
            ((text("branch-key-id"), text("type")), row)
        })
        .collect()
}

async fn put_row(table: &str, row: Row) {
    let client = LocalAws::shared().dynamodb();
    client.put_item().table_name(table).set_item(Some(row)).send().await.unwrap();
}

#[tokio::test]
async fn a_new_branch_key_is_three_rows_as_the_official_store_writes_them() {
    let (store, table) = new_store().await;
    let id = store.create_key().await.unwrap();

    let rows = rows(&table).await;
    let types: Vec<&str> = rows.keys().map(|(_, kind)| kind.as_str()).collect();
    assert_eq!(types.len(), 3);
    assert!(types.contains(&"branch:ACTIVE") && types.contains(&"beacon:ACTIVE"));
    let version_type = types.iter().find(|t| t.starts_with("branch:version:")).unwrap();
    for ((row_id, kind), row) in &rows {
        assert_eq!(row_id, &id);
        let mut names: Vec<&str> = row.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut expected =
            vec!["branch-key-id", "create-time", "enc", "hierarchy-version", "kms-arn", "type"];
        if kind == "branch:ACTIVE" {
            expected.push("version");
            expected.sort_unstable();
            assert_eq!(row["version"].as_s().unwrap(), version_type);
        }
        assert_eq!(names, expected, "{kind}");
        assert_eq!(row["hierarchy-version"].as_n().unwrap(), "1");
        assert!(row["enc"].is_b());
    }

    let active = store.active_key(&id).await.unwrap();
    let uuid = version_type.strip_prefix("branch:version:").unwrap().replace('-', "");
    let hex: String =
        active.version().iter().fold(String::new(), |hex, b| hex + &format!("{b:02x}"));
    assert_eq!(hex, uuid, "the active key is the version the active row names");
    let beacon = ddb_encrypt::beacon::StandardBeacon::new("email", 63).unwrap();
    let email = AttributeValue::S("ada@example.com".into());
    let first = beacon.hash(&store.beacon_key(&id).await.unwrap(), &email).unwrap();
    let again = beacon.hash(&store.beacon_key(&id).await.unwrap(), &email).unwrap();
    assert_eq!(first, again);
}

#[tokio::test]
async fn a_rotation_makes_a_new_active_version_and_keeps_the_old_one() {
    let (store, table) = new_store().await;
    let id = store.create_key().await.unwrap();
    let first = store.active_key(&id).await.unwrap();

    store.version_key(&id).await.unwrap();
    let second = store.active_key(&id).await.unwrap();
    assert_ne!(second.version(), first.version());
    assert_eq!(rows(&table).await.len(), 4, "two versions, the active row, the beacon key");

    // Each version still reads, with its own key: items written under it keep reading.
    let again = store.key_version(&id, first.version()).await.unwrap().unwrap();
    assert_eq!(format!("{again:?}"), format!("{first:?}"));
    let unknown = store.key_version(&id, &[7; 16]).await.unwrap();
    assert!(unknown.is_none());
}

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Note {
    #[ddb(partition_key)]
    id: String,
    text: String,
}

#[tokio::test]
async fn items_written_through_the_hierarchical_keyring_read_across_a_rotation() {
    let (store, _) = new_store().await;
    let branch_key_id = store.create_key().await.unwrap();
    let client = LocalAws::shared().dynamodb();
    let keyring = HierarchicalKeyring::new(store.clone(), branch_key_id.clone());
    let notes = EncryptedTable::<Note>::new(client, unique_name("notes"), keyring).unwrap();
    notes.create_table().await.unwrap();

    let before = Note { id: "n-1".into(), text: "before the rotation".into() };
    notes.put(&before).await.unwrap();
    store.version_key(&branch_key_id).await.unwrap();
    let after = Note { id: "n-2".into(), text: "after the rotation".into() };
    notes.put(&after).await.unwrap();

    assert_eq!(notes.get("n-1").await.unwrap(), Some(before));
    assert_eq!(notes.get("n-2").await.unwrap(), Some(after));
}

#[tokio::test]
async fn planted_or_altered_rows_fail_with_the_integrity_error() {
    let (store, table) = new_store().await;
    let id = store.create_key().await.unwrap();
    let other = store.create_key().await.unwrap();
    let rows = rows(&table).await;
    let active = rows[&(id.clone(), "branch:ACTIVE".to_owned())].clone();
    let others_active = rows[&(other.clone(), "branch:ACTIVE".to_owned())].clone();

    let s = |v: &str| AttributeValue::S(v.to_owned());
    let altered: Vec<(&str, Row)> = vec![
        ("a changed create-time", with(&active, "create-time", s("2020-01-01T00:00:00Z"))),
        ("an extra attribute", with(&active, "note", s("planted"))),
        ("another KMS key", with(&active, "kms-arn", s("arn:aws:kms:us-east-1:1:key/other"))),
        ("a string enc", with(&active, "enc", s("AAAA"))),
        ("hierarchy version 2", with(&active, "hierarchy-version", AttributeValue::N("2".into()))),
        ("a version that is not canonical", {
            let version = active["version"].as_s().unwrap().to_uppercase();
            with(&active, "version", s(&version.replacen("BRANCH:VERSION:", "branch:version:", 1)))
        }),
        ("another key's row under this id", with(&others_active, "branch-key-id", s(&id))),
        ("the logical name stored in the row", with(&active, "tablename", s("test-key-store"))),
    ];
    for (what, row) in altered {
        put_row(&table, row).await;
        let error = store.active_key(&id).await.unwrap_err();
        assert!(matches!(error, Error::Integrity), "{what}: {error}");
        put_row(&table, active.clone()).await;
    }
    assert!(store.active_key(&id).await.is_ok(), "the genuine row reads again");
}

#[tokio::test]
async fn a_store_under_another_logical_name_or_kms_key_reads_no_row() {
    let (store, table) = new_store().await;
    let id = store.create_key().await.unwrap();
    let local = LocalAws::shared();
    let key_arn = rows(&table).await.values().next().unwrap()["kms-arn"].as_s().unwrap().clone();

    let renamed = DynamoDbBranchKeyStore::new(
        local.dynamodb(),
        &table,
        "another-name",
        local.kms(),
        &key_arn,
    )
    .unwrap();
    let error = renamed.active_key(&id).await.unwrap_err();
    assert!(matches!(error, Error::Integrity), "{error}");

    let other_key = local.create_kms_key().await;
    let rekeyed = DynamoDbBranchKeyStore::new(
        local.dynamodb(),
        &table,
        "test-key-store",
        local.kms(),
        other_key,
    )
    .unwrap();
    let error = rekeyed.active_key(&id).await.unwrap_err();
    assert!(matches!(error, Error::Integrity), "{error}");
}

#[tokio::test]
async fn a_missing_key_and_an_alias_are_errors_that_say_so() {
    let (store, _) = new_store().await;
    let error = store.active_key("no-such-key").await.unwrap_err();
    assert!(matches!(&error, Error::Provider { .. }) && error.to_string().contains("no-such-key"));
    assert!(store.key_version("no-such-key", &[1; 16]).await.unwrap().is_none());
    let error = store.version_key("no-such-key").await.unwrap_err();
    assert!(error.to_string().contains("create_key"), "{error}");

    let local = LocalAws::shared();
    let alias = "arn:aws:kms:us-east-1:111122223333:alias/app";
    let error =
        DynamoDbBranchKeyStore::new(local.dynamodb(), "t", "t", local.kms(), alias).unwrap_err();
    assert!(matches!(&error, Error::Config(m) if m.contains("key ARN")), "{error}");
}

fn with(row: &Row, name: &str, value: AttributeValue) -> Row {
    let mut row = row.clone();
    row.insert(name.to_owned(), value);
    row
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_tasks_read_each_branch_key_version_once_through_the_cache() {
    let local = LocalAws::shared();
    let (dynamodb_requests, kms_requests) = (RequestCounter::default(), RequestCounter::default());
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        local.dynamodb_config().interceptor(dynamodb_requests.clone()).build(),
    );
    let kms = aws_sdk_kms::Client::from_conf(
        local.kms_config().interceptor(kms_requests.clone()).build(),
    );
    let table = unique_name("KeyStore");
    let key_arn = local.create_kms_key().await;
    let store = DynamoDbBranchKeyStore::new(dynamodb, &table, "cached", kms, key_arn).unwrap();
    store.create_table().await.unwrap();
    let branch_key_id = store.create_key().await.unwrap();
    let cache = BranchKeyCache::new(store, Duration::from_mins(5), 100);
    let keyring = HierarchicalKeyring::new(cache, branch_key_id);
    let notes =
        EncryptedTable::<Note>::new(local.dynamodb(), unique_name("notes"), keyring).unwrap();
    notes.create_table().await.unwrap();
    let notes = Arc::new(notes);
    dynamodb_requests.reset();
    kms_requests.reset();

    let note = |n: usize| Note { id: format!("n-{n}"), text: format!("note {n}") };
    let writes = (0..16).map(|n| {
        let notes = Arc::clone(&notes);
        tokio::spawn(async move { notes.put(&note(n)).await.unwrap() })
    });
    for write in writes.collect::<Vec<_>>() {
        write.await.unwrap();
    }
    let reads = (0..16).map(|n| {
        let notes = Arc::clone(&notes);
        tokio::spawn(async move { notes.get(format!("n-{n}").as_str()).await.unwrap() })
    });
    for (n, read) in reads.collect::<Vec<_>>().into_iter().enumerate() {
        assert_eq!(read.await.unwrap(), Some(note(n)));
    }

    // The active version for the writes, then that version by its id for the reads: two
    // store reads in all, each a DynamoDB read and a KMS call.
    assert_eq!(dynamodb_requests.count("GetItem"), 2, "{:?}", dynamodb_requests.counts());
    assert_eq!(kms_requests.count("Decrypt"), 2, "{:?}", kms_requests.counts());
}
