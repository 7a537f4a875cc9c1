//! `EncryptedTable` against a real DynamoDB API (the moto server on 127.0.0.1, started by the
//! harness for this test binary; each test has its own table).

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use ddb_encrypt::error::CancellationReason;
use ddb_encrypt::format::DESCRIPTION_ATTRIBUTE;
use ddb_encrypt::format::FOOTER_ATTRIBUTE;
use ddb_encrypt::format::HEADER_ATTRIBUTE;
use ddb_encrypt::format::SIGNATURE_ATTRIBUTE;
use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::provider::{
    DataKey, SigningKey, StaticMaterialsProvider, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{
    AttributeValue, Condition, EncryptedItem, EncryptedTable, Error, Format, ItemEncryptor,
    LegacyPolicy, SortKeyCondition, Transaction,
};
use ddb_encrypt_dev::interceptors::{FaultMode, RequestCounter, UnprocessedFaults};
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use futures_util::{StreamExt as _, TryStreamExt as _};

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Order {
    #[ddb(partition_key)]
    customer: String,
    #[ddb(sort_key)]
    order_no: u64,
    #[ddb(gsi_partition_key = "ByStatus", sign_only)]
    status: String,
    #[ddb(gsi_sort_key = "ByStatus", sign_only)]
    total_cents: u64,
    #[ddb(do_nothing)]
    ttl: Option<i64>,
    email: String,
    card: Vec<u8>,
    notes: Option<String>,
}

fn order(customer: &str, order_no: u64) -> Order {
    Order {
        customer: customer.into(),
        order_no,
        status: if order_no.is_multiple_of(2) { "PAID".into() } else { "PENDING".into() },
        total_cents: order_no * 100,
        ttl: Some(1_900_000_000),
        email: format!("{customer}@example.com"),
        card: vec![4, 1, 1, 1, u8::try_from(order_no % 256).unwrap()],
        notes: Some("leave at the door".into()),
    }
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("tests", "orders", &[0x24; 32]).unwrap()
}

/// The default writer: the DB-ESDK format.
fn encryptor() -> ItemEncryptor {
    ItemEncryptor::new(keyring())
}

/// The keys of the table's legacy items (the DynamoDB Encryption Client's format).
fn legacy_provider() -> WrappedMaterialsProvider {
    WrappedMaterialsProvider::new(
        WrappingKey::aes(&[0x24; 32]).unwrap(),
        SigningKey::hmac_sha256(&[0x17; 32]).unwrap(),
    )
}

async fn new_table_with(client: aws_sdk_dynamodb::Client) -> EncryptedTable<Order> {
    let table = EncryptedTable::with_encryptor(client, unique_name("orders"), encryptor()).unwrap();
    table.create_table().await.unwrap();
    table
}

async fn new_table() -> EncryptedTable<Order> {
    new_table_with(LocalAws::shared().dynamodb()).await
}

async fn raw_item(
    table: &EncryptedTable<Order>,
    customer: &str,
    order_no: u64,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    let key = Order::key_item(&(customer.to_owned(), order_no)).unwrap();
    table
        .client()
        .get_item()
        .table_name(table.table_name())
        .set_key(Some(key))
        .send()
        .await
        .unwrap()
        .item
}

#[tokio::test]
async fn put_then_get_and_the_stored_form() {
    let table = new_table().await;
    let ada = order("ada", 1);
    table.put(&ada).await.unwrap();
    assert_eq!(table.get(("ada", 1)).await.unwrap(), Some(ada.clone()));
    assert_eq!(table.get(("ada", 2)).await.unwrap(), None);

    // As stored: keys and signed attributes in the clear, everything else binary ciphertext.
    let stored = raw_item(&table, "ada", 1).await.unwrap();
    assert_eq!(stored["customer"], AttributeValue::S("ada".into()));
    assert_eq!(stored["order_no"], AttributeValue::N("1".into()));
    assert_eq!(stored["status"], AttributeValue::S("PENDING".into()));
    assert_eq!(stored["total_cents"], AttributeValue::N("100".into()));
    assert_eq!(stored["ttl"], AttributeValue::N("1900000000".into()));
    for name in ["email", "card", "notes"] {
        let ciphertext = stored[name].as_b().unwrap().as_ref();
        // The type (2 bytes), the ciphertext and the AES-GCM tag (16 bytes).
        assert!(ciphertext.len() >= 2 + 16, "{name}");
        assert!(
            !ciphertext.windows(3).any(|w| w == b"ada" || w == b"the"),
            "{name} leaks plaintext"
        );
    }
    assert!(stored[HEADER_ATTRIBUTE].is_b() && stored[FOOTER_ATTRIBUTE].is_b());
    assert_eq!(Format::of(&stored), Some(Format::DbEsdk));
}

#[tokio::test]
async fn an_item_altered_in_the_table_fails_with_the_integrity_error() {
    let table = new_table().await;
    table.put(&order("bob", 7)).await.unwrap();
    let stored = raw_item(&table, "bob", 7).await.unwrap();
    let client = table.client();
    let key = Order::key_item(&("bob".to_owned(), 7)).unwrap();

    // A flipped ciphertext byte, a changed signed value, a swapped ciphertext.
    let mut ciphertext = stored["email"].as_b().unwrap().as_ref().to_vec();
    ciphertext[20] ^= 1;
    let alterations = [
        ("email", AttributeValue::B(ciphertext.into())),
        ("status", AttributeValue::S("REFUNDED".into())),
        ("notes", stored["email"].clone()),
    ];
    for (name, value) in alterations {
        let mut altered = stored.clone();
        altered.insert(name.into(), value);
        client
            .put_item()
            .table_name(table.table_name())
            .set_item(Some(altered))
            .send()
            .await
            .unwrap();
        let error = table.get(("bob", 7)).await.unwrap_err();
        assert!(error.is_integrity(), "{name}: {error}");
    }

    // A DO_NOTHING attribute may change.
    let mut altered = stored.clone();
    altered.insert("ttl".into(), AttributeValue::N("5".into()));
    client.put_item().table_name(table.table_name()).set_item(Some(altered)).send().await.unwrap();
    assert_eq!(table.get(("bob", 7)).await.unwrap().unwrap().ttl, Some(5));
    let _ = key;
}

#[tokio::test]
async fn conditional_writes() {
    let table = new_table().await;
    let first = order("cy", 2); // PAID
    table.put(&first).create_only().await.unwrap();
    let error = table.put(&first).create_only().await.unwrap_err();
    assert!(error.is_conditional_check_failed(), "{error}");

    // Conditions on SIGN_ONLY and DO_NOTHING attributes.
    let mut changed = first.clone();
    changed.email = "new@example.com".into();
    let error =
        table.put(&changed).condition(Condition::eq("status", "PENDING")).await.unwrap_err();
    assert!(error.is_conditional_check_failed(), "{error}");
    table
        .put(&changed)
        .condition(Condition::eq("status", "PAID").and(Condition::exists("ttl")))
        .await
        .unwrap();
    assert_eq!(table.get(("cy", 2)).await.unwrap().unwrap().email, "new@example.com");

    // A condition that would read an encrypted attribute is refused before any request.
    let mut third = changed.clone();
    third.email = "third@example.com".into();
    let error =
        table.put(&third).condition(Condition::eq("email", "new@example.com")).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(m) if m.contains("`email`") && m.contains("encrypted")),
        "{error}"
    );
    assert_eq!(table.get(("cy", 2)).await.unwrap().unwrap().email, "new@example.com");

    // Deletes, with and without a condition.
    let key = ("cy".to_owned(), 2);
    let error = table.delete(&key).condition(Condition::eq("status", "PENDING")).await.unwrap_err();
    assert!(error.is_conditional_check_failed(), "{error}");
    table.delete(&key).condition(Condition::le("total_cents", 200)).await.unwrap();
    assert_eq!(table.get(&key).await.unwrap(), None);
}

#[tokio::test]
async fn queries_by_partition_and_sort_key() {
    let table = new_table().await;
    table.batch_put(&(1..=10).map(|n| order("dee", n)).collect::<Vec<_>>()).await.unwrap();
    table.put(&order("eve", 1)).await.unwrap();

    let numbers = |orders: Vec<Order>| orders.into_iter().map(|o| o.order_no).collect::<Vec<_>>();
    assert_eq!(numbers(table.query("dee").await.unwrap()), (1..=10).collect::<Vec<_>>());
    assert_eq!(
        numbers(table.query("dee").sort_key(SortKeyCondition::between(3, 5)).await.unwrap()),
        [3, 4, 5]
    );
    assert_eq!(
        numbers(table.query("dee").sort_key(SortKeyCondition::gt(8)).await.unwrap()),
        [9, 10]
    );
    assert_eq!(numbers(table.query("dee").sort_key(SortKeyCondition::eq(4)).await.unwrap()), [4]);
    assert_eq!(numbers(table.query("dee").descending().limit(3).await.unwrap()), [10, 9, 8]);
    let paid = table.query("dee").filter(Condition::eq("status", "PAID")).await.unwrap();
    assert_eq!(numbers(paid), [2, 4, 6, 8, 10]);
    // Pages of 3, streamed.
    let streamed: Vec<Order> =
        table.query("dee").page_size(3).stream().try_collect().await.unwrap();
    assert_eq!(streamed.len(), 10);

    let error =
        table.query("dee").filter(Condition::begins_with("email", "dee")).await.unwrap_err();
    assert!(matches!(&error, Error::Config(m) if m.contains("`email`")), "{error}");
}

#[tokio::test]
async fn queries_on_a_secondary_index_with_signed_keys() {
    let table = new_table().await;
    let orders: Vec<Order> =
        ["fay", "gus", "hal"].iter().flat_map(|c| (1..=4).map(|n| order(c, n))).collect();
    table.batch_put(&orders).await.unwrap();

    let paid = table.query_index("ByStatus", "PAID".to_owned()).await.unwrap();
    assert_eq!(paid.len(), 6);
    assert!(paid.iter().all(|o| o.status == "PAID"));
    let big = table
        .query_index("ByStatus", "PAID".to_owned())
        .index_sort_key(SortKeyCondition::ge(400u64))
        .await
        .unwrap();
    assert_eq!(big.len(), 3);
    assert!(big.iter().all(|o| o.order_no == 4));

    // The same with the derive's typed handles: the index and the filter are checked at
    // compile time (tests/ui/typed-handles.rs), and read the same items.
    let typed = table
        .query_index(Order::INDEXES.by_status, "PAID")
        .index_sort_key(SortKeyCondition::ge(400u64))
        .filter(Order::FIELDS.customer.ne("gus").and(Order::FIELDS.ttl.gt(0)))
        .await
        .unwrap();
    let mut customers: Vec<_> = typed.iter().map(|o| o.customer.as_str()).collect();
    customers.sort_unstable();
    assert_eq!(customers, ["fay", "hal"]);
    // A typed create-only put: its condition holds once.
    let first = order("ira", 1);
    table.put(&first).condition(Order::FIELDS.customer.not_exists()).await.unwrap();
    let again = table.put(&first).condition(Order::FIELDS.customer.not_exists()).await;
    assert!(again.unwrap_err().is_conditional_check_failed());

    let error = table.query_index("ByStatus", 7u64).await.unwrap_err();
    assert!(matches!(&error, Error::Config(m) if m.contains("type S")), "{error}");
    let error = table.query_index("ByEmail", "x".to_owned()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(m) if m.contains("no index named `ByEmail`")),
        "{error}"
    );

    // A table-wide consistent default does not reach the global index (DynamoDB refuses
    // consistent reads there); asking for one on it is refused before any request.
    let consistent = table.clone().consistent_reads(true);
    assert_eq!(consistent.query_index("ByStatus", "PAID".to_owned()).await.unwrap().len(), 6);
    assert_eq!(consistent.query("fay").await.unwrap().len(), 4);
    let error =
        consistent.query_index("ByStatus", "PAID".to_owned()).consistent(true).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(m) if m.contains("`ByStatus` is a global secondary index")),
        "{error}"
    );
}

#[tokio::test]
async fn conditions_on_names_the_item_type_does_not_have_are_refused_before_any_request() {
    let table = new_table().await;
    let first = order("ivy", 1);
    // A misspelled `not_exists` would always hold: a "create only" put would overwrite.
    let error = table.put(&first).condition(Condition::not_exists("ordr_no")).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(m) if m.contains("`ordr_no`") && m.contains("did you mean `order_no`")),
        "{error}"
    );
    // A misspelled comparison says the name is unknown, not that it is encrypted.
    let error = table.query("ivy").filter(Condition::eq("statu", "PAID")).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(m) if m.contains("not an attribute") && m.contains("`status`")),
        "{error}"
    );
    // Nothing was written by the refused put; the right name works.
    assert_eq!(table.get(("ivy", 1)).await.unwrap(), None);
    table.put(&first).condition(Condition::not_exists("order_no")).await.unwrap();
    assert_eq!(table.get(("ivy", 1)).await.unwrap(), Some(first));
}

#[tokio::test]
async fn a_scan_of_250_items_follows_pagination() {
    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    );
    let table = new_table_with(client).await;
    let orders: Vec<Order> = (0..250).map(|n| order(&format!("c{}", n % 17), n)).collect();
    table.batch_put(&orders).await.unwrap();
    assert_eq!(counter.count("BatchWriteItem"), 10, "{:?}", counter.counts());

    counter.reset();
    let scanned: Vec<Order> = table.scan().page_size(40).stream().try_collect().await.unwrap();
    assert_eq!(scanned.len(), 250);
    assert!(counter.count("Scan") >= 7, "{:?}", counter.counts());
    let mut expected = orders.clone();
    let mut scanned = scanned;
    expected.sort_by_key(|o| o.order_no);
    scanned.sort_by_key(|o| o.order_no);
    assert_eq!(scanned, expected);

    let limited = table.scan().limit(7).await.unwrap();
    assert_eq!(limited.len(), 7);
}

#[tokio::test]
async fn batch_put_and_get_of_60_items() {
    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    );
    let table = new_table_with(client).await;
    let orders: Vec<Order> = (1..=60).map(|n| order("ivy", n)).collect();
    table.batch_put(&orders).await.unwrap();
    assert_eq!(counter.count("BatchWriteItem"), 3, "chunks of 25");
    let keys: Vec<_> = orders.iter().map(EncryptedItem::key).collect();
    let mut found = table.batch_get(&keys).await.unwrap();
    found.sort_by_key(|o| o.order_no);
    assert_eq!(found, orders);
    // 150 keys (90 without items) in chunks of 100.
    counter.reset();
    let keys: Vec<_> = (1..=150).map(|n| ("ivy".to_owned(), n)).collect();
    assert_eq!(table.batch_get(&keys).await.unwrap().len(), 60);
    assert_eq!(counter.count("BatchGetItem"), 2);
}

#[tokio::test]
async fn unprocessed_batch_items_are_retried_until_done() {
    let faults = UnprocessedFaults::new(FaultMode::WithholdHalf, 6);
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(faults.clone()).build(),
    );
    let table = new_table_with(client).await;
    let orders: Vec<Order> = (1..=60).map(|n| order("jo", n)).collect();
    table.batch_put(&orders).await.unwrap();
    assert!(faults.injected() > 0);
    // Every item really is in the table (read without the faults).
    let plain = EncryptedTable::<Order>::with_encryptor(
        LocalAws::shared().dynamodb(),
        table.table_name(),
        encryptor(),
    )
    .unwrap();
    assert_eq!(plain.query("jo").await.unwrap().len(), 60);

    let faults = UnprocessedFaults::new(FaultMode::WithholdHalf, 4);
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(faults.clone()).build(),
    );
    let reader =
        EncryptedTable::<Order>::with_encryptor(client, table.table_name(), encryptor()).unwrap();
    let keys: Vec<_> = orders.iter().map(EncryptedItem::key).collect();
    let found = reader.batch_get(&keys).await.unwrap();
    assert!(faults.injected() > 0);
    assert_eq!(found.iter().map(|o| o.order_no).collect::<HashSet<_>>().len(), 60);
}

#[tokio::test]
async fn items_that_stay_unprocessed_are_reported_never_dropped() {
    let faults = UnprocessedFaults::new(FaultMode::ReportAll, usize::MAX);
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(faults).build(),
    );
    let table = new_table_with(client).await;
    let orders: Vec<Order> = (1..=30).map(|n| order("kit", n)).collect();
    let error = table.batch_put(&orders).await.unwrap_err();
    assert!(
        matches!(error, Error::Unprocessed { operation: "BatchWriteItem", count: 25, .. }),
        "{error}"
    );
    let keys: Vec<_> = orders.iter().map(EncryptedItem::key).collect();
    let error = table.batch_get(&keys).await.unwrap_err();
    assert!(
        matches!(error, Error::Unprocessed { operation: "BatchGetItem", count: 30, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn transactions_are_all_or_nothing() {
    let table = new_table().await;
    let (a, b, c) = (order("lu", 1), order("lu", 2), order("lu", 3));
    Transaction::new()
        .put(&table, &a)
        .put_if(&table, &b, Condition::not_exists("customer"))
        .await
        .unwrap();
    assert_eq!(
        table.transact_get([a.key(), c.key(), b.key()]).await.unwrap(),
        [Some(a.clone()), None, Some(b.clone())]
    );

    // A failing condition check cancels the put beside it: nothing is written, and the error
    // says which operation was refused and why.
    let error = Transaction::new()
        .put(&table, &c)
        .condition_check(&table, a.key(), Condition::eq("status", "REFUNDED"))
        .await
        .unwrap_err();
    assert!(error.is_transaction_canceled() && error.is_conditional_check_failed(), "{error}");
    let Error::TransactionCanceled { operations } = &error else { panic!("{error}") };
    let reasons: Vec<_> = operations.iter().map(|o| (o.operation, o.reason.clone())).collect();
    assert_eq!(
        reasons,
        [("Put", None), ("ConditionCheck", Some(CancellationReason::ConditionalCheckFailed))]
    );
    assert!(error.to_string().contains("operation 2 (ConditionCheck on `"), "{error}");
    assert_eq!(table.get(c.key()).await.unwrap(), None);

    // A delete and a put in one transaction.
    Transaction::new().delete(&table, a.key()).put(&table, &c).await.unwrap();
    assert_eq!(table.get(a.key()).await.unwrap(), None);
    assert_eq!(table.get(c.key()).await.unwrap(), Some(c));
    // A condition on an encrypted attribute is refused before the request.
    let error = Transaction::new()
        .delete_if(&table, b.key(), Condition::eq("email", "x"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error}");
    assert!(table.get(b.key()).await.unwrap().is_some());
    // So is an empty transaction.
    assert!(matches!(Transaction::new().await, Err(Error::Config(_))));
}

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Patient {
    #[ddb(partition_key)]
    patient_id: String,
    name: String,
}

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Visit {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(sort_key)]
    at: u64,
    notes: String,
}

#[tokio::test]
async fn a_visit_is_put_only_if_its_patient_exists_in_another_table() {
    let client = LocalAws::shared().dynamodb();
    let patients = EncryptedTable::<Patient>::with_encryptor(
        client.clone(),
        unique_name("patients"),
        encryptor(),
    )
    .unwrap();
    let visits =
        EncryptedTable::<Visit>::with_encryptor(client.clone(), unique_name("visits"), encryptor())
            .unwrap();
    patients.create_table().await.unwrap();
    visits.create_table().await.unwrap();
    // A plaintext audit table, written with the SDK's own operation in the same transaction.
    let audit = unique_name("audit");
    client
        .create_table()
        .table_name(&audit)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let audit_entry = |id: &str| {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&audit)
            .item("id", AttributeValue::S(id.to_owned()))
            .build()
            .unwrap();
        aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build()
    };
    let put_visit = |visit: &'static Visit, entry: &str| {
        Transaction::new()
            .condition_check(&patients, visit.patient_id.as_str(), Condition::exists("patient_id"))
            .put(&visits, visit)
            .sdk_operation(audit_entry(entry))
    };
    let visit: &'static Visit =
        Box::leak(Box::new(Visit { patient_id: "p-ada".into(), at: 1, notes: "checkup".into() }));

    // No patient: nothing is written, in any of the three tables.
    let error = put_visit(visit, "e-1").await.unwrap_err();
    assert!(error.is_conditional_check_failed(), "{error}");
    let Error::TransactionCanceled { operations } = &error else { panic!("{error}") };
    assert_eq!(operations[0].table, patients.table_name());
    assert_eq!(operations[0].reason, Some(CancellationReason::ConditionalCheckFailed));
    assert_eq!(visits.get(("p-ada", 1)).await.unwrap(), None);
    let entry = client.get_item().table_name(&audit).key("id", AttributeValue::S("e-1".into()));
    assert!(entry.send().await.unwrap().item.is_none());

    // The patient exists: all three are written, the visit encrypted.
    patients.put(&Patient { patient_id: "p-ada".into(), name: "Ada".into() }).await.unwrap();
    put_visit(visit, "e-2").await.unwrap();
    assert_eq!(visits.get(("p-ada", 1)).await.unwrap().as_ref(), Some(visit));
    let stored = client
        .get_item()
        .table_name(visits.table_name())
        .key("patient_id", AttributeValue::S("p-ada".into()))
        .key("at", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(stored["notes"].is_b(), "the visit's notes are encrypted");
    let entry = client.get_item().table_name(&audit).key("id", AttributeValue::S("e-2".into()));
    assert!(entry.send().await.unwrap().item.is_some());
}

#[tokio::test]
async fn verify_schema_names_both_sides_of_a_difference() {
    #[derive(EncryptedItem)]
    struct Other {
        #[ddb(partition_key)]
        id: String,
    }

    let table = new_table().await;
    table.verify_schema().await.unwrap();

    // A table keyed differently.
    let client = LocalAws::shared().dynamodb();
    let other = unique_name("other");
    EncryptedTable::<Other>::with_encryptor(client.clone(), &other, encryptor())
        .unwrap()
        .create_table()
        .await
        .unwrap();
    let wrong = EncryptedTable::<Order>::with_encryptor(client, &other, encryptor()).unwrap();
    let error = wrong.verify_schema().await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::SchemaMismatch { .. }), "{message}");
    assert!(message.contains("`id` (S)") && message.contains("`customer` (S)"), "{message}");
}

#[tokio::test]
async fn an_item_over_400_kb_is_refused_before_any_request() {
    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    );
    let table = new_table_with(client).await;
    let mut big = order("max", 1);
    big.notes = Some("x".repeat(410_000));
    counter.reset();
    let error = table.put(&big).await.unwrap_err();
    let Error::ItemTooLarge { size, .. } = error else { panic!("{error}") };
    assert!(size > 410_000, "{size}");
    assert!(error_text(size).contains(&size.to_string()));
    assert_eq!(counter.count("PutItem"), 0);
}

fn error_text(size: usize) -> String {
    Error::ItemTooLarge { table: "t".into(), size }.to_string()
}

/// A table's migration from the legacy format, one policy after the other: legacy items
/// written and read, then read beside new DB-ESDK items, then refused.
#[tokio::test]
async fn legacy_items_through_the_table_as_the_migration_policies_say() {
    let client = LocalAws::shared().dynamodb();
    let name = unique_name("migration");
    let table_with = |policy| {
        let encryptor = ItemEncryptor::new(keyring()).with_legacy(legacy_provider(), policy);
        EncryptedTable::<Order>::with_encryptor(client.clone(), &name, encryptor).unwrap()
    };
    // While old clients still read the table: legacy items.
    let table = table_with(LegacyPolicy::ForceLegacyEncryptAllowLegacyDecrypt);
    table.create_table().await.unwrap();
    let old = order("ned", 1);
    table.put(&old).await.unwrap();
    let stored = raw_item(&table, "ned", 1).await.unwrap();
    assert!(stored[SIGNATURE_ATTRIBUTE].is_b() && stored[DESCRIPTION_ATTRIBUTE].is_b());
    assert_eq!(Format::of(&stored), Some(Format::Legacy));
    assert_eq!(table.get(old.key()).await.unwrap(), Some(old.clone()));

    // Every reader migrated: new items in the DB-ESDK format, old ones still read.
    let migrating = table_with(LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt);
    let new = order("ned", 2);
    migrating.put(&new).await.unwrap();
    assert_eq!(Format::of(&raw_item(&table, "ned", 2).await.unwrap()), Some(Format::DbEsdk));
    assert_eq!(migrating.query("ned").await.unwrap(), [old.clone(), new.clone()]);

    // Migrated: legacy items are refused, as such.
    let strict = table_with(LegacyPolicy::ForbidLegacyEncryptForbidLegacyDecrypt);
    let error = strict.get(old.key()).await.unwrap_err();
    assert!(matches!(error.inner(), Error::FormatRefused(Format::Legacy)), "{error}");
    assert_eq!(strict.get(new.key()).await.unwrap(), Some(new));
    // A DB-ESDK-only table (no legacy provider) refuses them too.
    let dbesdk_only = EncryptedTable::<Order>::new(client.clone(), &name, keyring()).unwrap();
    let error = dbesdk_only.get(old.key()).await.unwrap_err();
    assert!(matches!(error.inner(), Error::FormatRefused(Format::Legacy)), "{error}");
}

#[tokio::test]
async fn the_static_provider_works_too() {
    let provider = StaticMaterialsProvider::new(
        DataKey::from_bytes(&[3; 32]).unwrap(),
        SigningKey::hmac_sha256(&[4; 32]).unwrap(),
    );
    let table = EncryptedTable::<Order>::legacy(
        LocalAws::shared().dynamodb(),
        unique_name("static"),
        provider,
    )
    .unwrap();
    table.create_table().await.unwrap();
    table.put(&order("oz", 1)).await.unwrap();
    assert_eq!(table.get(("oz", 1)).await.unwrap(), Some(order("oz", 1)));
}

#[tokio::test]
async fn an_item_that_fails_verification_is_one_error_and_the_stream_goes_on() {
    let table = new_table().await;
    table.batch_put(&(1..=5).map(|n| order("uma", n)).collect::<Vec<_>>()).await.unwrap();
    // Order 2 altered in the table: one flipped ciphertext byte.
    let mut stored = raw_item(&table, "uma", 2).await.unwrap();
    let mut ciphertext = stored["email"].as_b().unwrap().as_ref().to_vec();
    ciphertext[20] ^= 1;
    stored.insert("email".into(), AttributeValue::B(ciphertext.into()));
    table
        .client()
        .put_item()
        .table_name(table.table_name())
        .set_item(Some(stored))
        .send()
        .await
        .unwrap();

    // Streamed, in pages of 2: the four others, and one integrity error in place of order 2.
    let streamed: Vec<_> = table.query("uma").page_size(2).stream().collect().await;
    assert_eq!(streamed.len(), 5);
    let numbers: Vec<_> = streamed.iter().flatten().map(|o| o.order_no).collect();
    assert_eq!(numbers, [1, 3, 4, 5]);
    assert!(streamed[1].as_ref().is_err_and(Error::is_integrity), "{:?}", streamed[1]);
    // The failed item is named by its table and key, and by nothing it keeps secret.
    let Err(failed) = &streamed[1] else { unreachable!() };
    let message = failed.to_string();
    assert!(
        matches!(failed, Error::InItem { key, .. } if key == r#"customer = "uma", order_no = 2"#),
        "{message}"
    );
    assert!(message.contains(table.table_name()) && !message.contains("uma@"), "{message}");
    assert!(matches!(failed.inner(), Error::Integrity), "{message}");
    let scanned: Vec<_> = table.scan().page_size(2).stream().collect().await;
    assert_eq!(scanned.len(), 5);
    assert_eq!(scanned.iter().filter(|r| r.as_ref().is_err_and(Error::is_integrity)).count(), 1);

    // Collected: no items, the count of those that failed.
    for (operation, result) in
        [("Query", table.query("uma").page_size(2).await), ("Scan", table.scan().await)]
    {
        let error = result.unwrap_err();
        let message = error.to_string();
        let Error::UnreadableItems { operation: op, failed, read, first, .. } = &error else {
            panic!("{operation}: {message}")
        };
        assert_eq!((*op, *failed, *read), (operation, 1, 5), "{message}");
        assert!(first.is_integrity(), "{message}");
        assert!(message.contains("1 of the 5 items") && !message.contains("uma@"), "{message}");
    }

    // A request failure still ends the stream, after one error.
    let gone = EncryptedTable::<Order>::with_encryptor(
        table.client().clone(),
        "no-such-table",
        encryptor(),
    )
    .unwrap();
    let failed: Vec<_> = gone.scan().stream().collect().await;
    assert_eq!(failed.len(), 1);
    assert!(matches!(&failed[0], Err(Error::Service { operation: "Scan", .. })), "{failed:?}");
}
