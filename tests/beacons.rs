//! Standard beacons against a real DynamoDB API (the moto server on 127.0.0.1): what a write
//! stores beside the item, searches through a beacon index and without one, collisions and
//! planted beacons that never reach the caller, and the indexes that `create_table` makes and
//! `verify_schema` checks.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;

use ddb_encrypt::beacon::{BeaconKey, StandardBeacon};
use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::{AttributeValue, EncryptedItem, EncryptedTable, Error};
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use futures_util::StreamExt as _;

/// Four bits: sixteen beacon values, so that 40 addresses collide.
#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Customer {
    #[ddb(partition_key)]
    id: String,
    #[ddb(beacon(length = 4, index = "ByEmail"))]
    email: String,
    #[ddb(beacon(length = 8))]
    phone: Option<String>,
    name: String,
}

fn beacon_key() -> BeaconKey {
    BeaconKey::new(&[0x42; 32]).unwrap()
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("tests", "beacons", &[7; 32]).unwrap()
}

async fn new_table() -> EncryptedTable<Customer> {
    let table = EncryptedTable::<Customer>::new(
        LocalAws::shared().dynamodb(),
        unique_name("Customers"),
        keyring(),
    )
    .unwrap()
    .with_beacon_key(beacon_key());
    table.create_table().await.unwrap();
    table
}

fn customer(i: usize) -> Customer {
    Customer {
        id: format!("c-{i:03}"),
        email: format!("user{}@example.com", i % 40),
        phone: i.is_multiple_of(2).then(|| format!("+1555{:04}", i % 10)),
        name: format!("Customer {i}"),
    }
}

async fn fill(table: &EncryptedTable<Customer>, count: usize) -> Vec<Customer> {
    let customers: Vec<Customer> = (0..count).map(customer).collect();
    table.batch_put(&customers).await.unwrap();
    customers
}

async fn stored(table: &EncryptedTable<Customer>, id: &str) -> HashMap<String, AttributeValue> {
    let key = HashMap::from([("id".to_owned(), AttributeValue::S(id.to_owned()))]);
    let request = table.client().get_item().table_name(table.table_name()).set_key(Some(key));
    request.send().await.unwrap().item.unwrap()
}

/// The items the beacon index holds under `beacon`, as DynamoDB returns them.
async fn raw_index_matches(table: &EncryptedTable<Customer>, beacon: &str) -> usize {
    let output = table
        .client()
        .query()
        .table_name(table.table_name())
        .index_name("ByEmail")
        .key_condition_expression("aws_dbe_b_email = :b")
        .expression_attribute_values(":b", AttributeValue::S(beacon.to_owned()))
        .send()
        .await
        .unwrap();
    output.items.unwrap_or_default().len()
}

#[tokio::test]
async fn a_write_stores_each_beacon_and_the_version_marker_beside_the_encrypted_item() {
    let table = new_table().await;
    let ada = customer(2);
    table.put(&ada).await.unwrap();

    let item = stored(&table, &ada.id).await;
    assert!(item["email"].is_b(), "the value itself stays encrypted");
    let email_beacon = StandardBeacon::new("email", 4).unwrap();
    let expected = email_beacon.hash(&beacon_key(), &AttributeValue::S(ada.email.clone())).unwrap();
    assert_eq!(item["aws_dbe_b_email"].as_s().unwrap(), &expected);
    assert_eq!(expected.len(), 1);
    assert_eq!(item["aws_dbe_b_phone"].as_s().unwrap().len(), 2);
    assert_eq!(item["aws_dbe_v_1"].as_s().unwrap(), " ");

    // Read back, the beacons are not part of the item.
    let plain = table.encryptor().decrypt_item(table.schema(), item).await.unwrap();
    assert!(plain.keys().all(|name| !name.starts_with("aws_dbe_")), "{:?}", plain.keys());
    assert_eq!(table.get(&ada.id).await.unwrap(), Some(ada));

    // A missing optional value has no beacon.
    let no_phone = customer(3);
    table.put(&no_phone).await.unwrap();
    assert!(!stored(&table, &no_phone.id).await.contains_key("aws_dbe_b_phone"));
}

#[tokio::test]
async fn a_search_returns_exactly_the_matching_items_and_removes_every_collision() {
    let table = new_table().await;
    let customers = fill(&table, 200).await;

    let mut false_positives = 0;
    for address in 0..40 {
        let email = format!("user{address}@example.com");
        let mut found = table.find(Customer::BEACONS.email, &email).await.unwrap();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        let expected: Vec<Customer> =
            customers.iter().filter(|c| c.email == email).cloned().collect();
        assert_eq!(found, expected, "{email}");

        let beacon = StandardBeacon::new("email", 4).unwrap();
        let hash = beacon.hash(&beacon_key(), &AttributeValue::S(email.clone())).unwrap();
        let read = raw_index_matches(&table, &hash).await;
        assert!(read >= expected.len());
        false_positives += read - expected.len();
    }
    // 40 addresses over 16 beacon values: most reads bring other addresses' items.
    assert!(false_positives > 0, "no collision at all with 4-bit beacons");
    println!("40 searches over 200 items: {false_positives} false positives read and removed");
}

#[tokio::test]
async fn a_beacon_without_an_index_is_searched_with_a_filtered_scan() {
    let table = new_table().await;
    let customers = fill(&table, 60).await;
    let phone = customers[4].phone.clone().unwrap();
    let expected = customers.iter().filter(|c| c.phone.as_ref() == Some(&phone)).count();

    let found = table.find(Customer::BEACONS.phone, &phone).await.unwrap();
    assert_eq!(found.len(), expected);
    assert!(found.iter().all(|c| c.phone.as_ref() == Some(&phone)));

    // Streamed, page by page, with a limit.
    let stream = table.find(Customer::BEACONS.phone, &phone).page_size(7).limit(2).stream();
    let some: Vec<_> = stream.collect().await;
    assert_eq!(some.len(), 2);
    assert!(some.into_iter().all(|c| c.unwrap().phone.as_ref() == Some(&phone)));
}

#[tokio::test]
async fn a_planted_beacon_brings_an_item_into_the_results_read_but_never_into_those_returned() {
    let table = new_table().await;
    fill(&table, 20).await;
    let target = "user7@example.com";
    let beacon = StandardBeacon::new("email", 4).unwrap();
    let hash = beacon.hash(&beacon_key(), &AttributeValue::S(target.to_owned())).unwrap();
    // Beacons are not signed: anyone who can write the table can change one.
    let mut victim = stored(&table, "c-001").await;
    victim.insert("aws_dbe_b_email".to_owned(), AttributeValue::S(hash.clone()));
    let request = table.client().put_item().table_name(table.table_name());
    request.set_item(Some(victim)).send().await.unwrap();

    let found = table.find(Customer::BEACONS.email, target).await.unwrap();
    assert!(raw_index_matches(&table, &hash).await > found.len());
    assert_eq!(found.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c-007"]);
    // The item with the planted beacon still verifies: the beacon is outside the signature.
    assert_eq!(table.get("c-001").await.unwrap().unwrap().email, "user1@example.com");
}

#[tokio::test]
async fn create_table_makes_the_beacon_index_and_verify_schema_requires_it() {
    let table = new_table().await;
    table.verify_schema().await.unwrap();

    let description =
        table.client().describe_table().table_name(table.table_name()).send().await.unwrap();
    let indexes = description.table.unwrap().global_secondary_indexes.unwrap();
    let by_email = indexes.iter().find(|i| i.index_name() == Some("ByEmail")).unwrap();
    assert_eq!(by_email.key_schema()[0].attribute_name(), "aws_dbe_b_email");

    // A table without the index: the mismatch is named.
    let bare = unique_name("Bare");
    let client = LocalAws::shared().dynamodb();
    client
        .create_table()
        .table_name(&bare)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let other = EncryptedTable::<Customer>::new(client, &bare, keyring()).unwrap();
    match other.verify_schema().await.unwrap_err() {
        Error::SchemaMismatch { message, .. } => assert!(message.contains("ByEmail"), "{message}"),
        other => panic!("expected a schema mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn without_a_beacon_key_a_table_with_beacons_neither_writes_nor_searches() {
    let table = EncryptedTable::<Customer>::new(
        LocalAws::shared().dynamodb(),
        unique_name("NoBeaconKey"),
        keyring(),
    )
    .unwrap();
    table.create_table().await.unwrap();

    let error = table.put(&customer(1)).await.unwrap_err();
    assert!(error.to_string().contains("with_beacon_key"), "{error}");
    let error = table.find(Customer::BEACONS.email, "user1@example.com").await.unwrap_err();
    assert!(error.to_string().contains("with_beacon_key"), "{error}");
    assert!(table.scan().await.unwrap().is_empty(), "nothing was written");
}

#[test]
fn a_schema_refuses_beacons_on_plaintext_attributes_and_two_beacons_with_one_name() {
    let beacon = || StandardBeacon::new("email", 16).unwrap();
    let signed = ddb_encrypt::TableSchema::builder("T")
        .partition_key("id")
        .action("email", ddb_encrypt::AttributeAction::SignOnly)
        .beacon("email", beacon())
        .build()
        .unwrap_err();
    assert!(signed.to_string().contains("not ENCRYPT_AND_SIGN"), "{signed}");
    let key = ddb_encrypt::TableSchema::builder("T").partition_key("id").beacon("id", beacon());
    assert!(key.build().is_err());
    let twice = ddb_encrypt::TableSchema::builder("T")
        .partition_key("id")
        .beacon("email", beacon())
        .beacon("backup_email", beacon())
        .build()
        .unwrap_err();
    assert!(twice.to_string().contains("two beacons are named `email`"), "{twice}");
}
