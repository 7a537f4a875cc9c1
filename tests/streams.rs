//! Stream records read as typed values: the records of the local server's DynamoDB Streams API
//! (`aws-sdk-dynamodbstreams`), and Lambda events (`aws_lambda_events`) made of the items as
//! stored, each image verified and decrypted.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use aws_sdk_dynamodb::types::{StreamSpecification, StreamViewType};
use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::stream::{ChangeKind, StreamRecord};
use ddb_encrypt::{EncryptedItem, EncryptedTable};
use ddb_encrypt_dev::json::item_to_json;
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use serde_json::json;

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    status: String,
    #[ddb(sign_only)]
    total_cents: u64,
}

fn order(status: &str) -> Order {
    Order { id: "o-1".into(), status: status.into(), total_cents: 1_250 }
}

async fn streamed_table() -> EncryptedTable<Order> {
    let keyring = RawAesKeyring::new("tests", "orders", &[0x41; 32]).unwrap();
    let client = LocalAws::shared().dynamodb();
    let table = EncryptedTable::new(client.clone(), unique_name("orders"), keyring).unwrap();
    table.create_table().await.unwrap();
    let spec = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()
        .unwrap();
    let update = client.update_table().table_name(table.table_name()).stream_specification(spec);
    update.send().await.unwrap();
    table
}

/// Every record of the table's stream so far.
async fn records(table: &EncryptedTable<Order>) -> Vec<aws_sdk_dynamodbstreams::types::Record> {
    LocalAws::shared().stream_records(table.table_name()).await
}

/// The records read as the order placed, then shipped, then removed.
async fn assert_placed_shipped_removed(
    table: &EncryptedTable<Order>,
    records: &[impl StreamRecord],
) {
    let mut changes = Vec::new();
    for record in records {
        let change = table.open_record(record).await.unwrap();
        changes.push((change.kind, change.old, change.new));
    }
    assert_eq!(
        changes,
        [
            (ChangeKind::Insert, None, Some(order("PLACED"))),
            (ChangeKind::Modify, Some(order("PLACED")), Some(order("SHIPPED"))),
            (ChangeKind::Remove, Some(order("SHIPPED")), None),
        ]
    );
}

#[tokio::test]
async fn records_of_the_streams_api_read_as_typed_changes() {
    let table = streamed_table().await;
    table.put(&order("PLACED")).await.unwrap();
    table.modify("o-1", |o| o.status = "SHIPPED".into()).await.unwrap();
    table.delete("o-1").await.unwrap();

    let records = records(&table).await;
    assert_eq!(records.len(), 3);
    assert_placed_shipped_removed(&table, &records).await;
}

#[tokio::test]
async fn a_tampered_stream_image_fails_verification() {
    let table = streamed_table().await;
    table.put(&order("PLACED")).await.unwrap();
    let mut record = records(&table).await.remove(0);

    // The stored status is ciphertext; change one of its bits in the record's new image.
    let change = record.dynamodb.as_mut().unwrap();
    let image = change.new_image.as_mut().unwrap();
    let aws_sdk_dynamodbstreams::types::AttributeValue::B(status) = &image["status"] else {
        panic!("the status is stored encrypted");
    };
    let mut bytes = status.clone().into_inner();
    bytes[10] ^= 1;
    image.insert(
        "status".into(),
        aws_sdk_dynamodbstreams::types::AttributeValue::B(
            aws_sdk_dynamodbstreams::primitives::Blob::new(bytes),
        ),
    );

    let error = table.open_record(&record).await.unwrap_err();
    assert!(error.is_integrity(), "{error}");
}

/// The stored form of the order, as a Lambda event's image carries it.
async fn stored(table: &EncryptedTable<Order>) -> serde_json::Value {
    let key = Order::key_item(&"o-1".to_owned()).unwrap();
    let output = table.client().get_item().table_name(table.table_name()).set_key(Some(key));
    item_to_json(&output.send().await.unwrap().item.unwrap())
}

#[tokio::test]
async fn lambda_events_read_as_typed_changes() {
    let table = streamed_table().await;
    table.put(&order("PLACED")).await.unwrap();
    let placed = stored(&table).await;
    table.put(&order("SHIPPED")).await.unwrap();
    let shipped = stored(&table).await;

    let record = |name: &str, old: &serde_json::Value, new: &serde_json::Value| {
        json!({
            "eventID": "1",
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "Keys": { "id": { "S": "o-1" } },
                "NewImage": new,
                "OldImage": old,
                "SequenceNumber": "1",
                "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            },
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/1"
        })
    };
    let event = json!({ "Records": [
        record("INSERT", &json!({}), &placed),
        record("MODIFY", &placed, &shipped),
        record("REMOVE", &shipped, &json!({})),
    ]});
    let event: aws_lambda_events::dynamodb::Event = serde_json::from_value(event).unwrap();

    assert_placed_shipped_removed(&table, &event.records).await;

    // An image from another table's item does not verify here.
    let other = streamed_table().await;
    let error = other.open_record(&event.records[0]).await.unwrap_err();
    assert!(error.is_integrity(), "{error}");
}
