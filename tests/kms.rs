//! The Direct KMS provider, the MetaStore and the Most Recent provider against a real KMS and
//! DynamoDB API (the moto server on 127.0.0.1), with request counts.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::format::DESCRIPTION_ATTRIBUTE;
use ddb_encrypt::format::HEADER_ATTRIBUTE;
use ddb_encrypt::keyring::AwsKmsKeyring;
use ddb_encrypt::provider::MetaStore;
use ddb_encrypt::provider::{
    AwsKmsMaterialsProvider, CryptographicMaterialsProvider, MostRecentProvider, ProviderStore,
    SigningKey, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{
    AttributeValue, EncryptedItem, EncryptedTable, Error, Format, ItemEncryptor, LegacyPolicy,
    TableSchema,
};
use ddb_encrypt_dev::interceptors::{FailOperation, RequestCounter};
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Secret {
    #[ddb(partition_key)]
    owner: String,
    #[ddb(sort_key)]
    n: u64,
    #[ddb(sign_only)]
    kind: String,
    value: String,
}

fn secret(owner: &str, n: u64) -> Secret {
    Secret { owner: owner.into(), n, kind: "api-key".into(), value: format!("sk-{owner}-{n}") }
}

fn counted_kms(counter: &RequestCounter) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::from_conf(
        LocalAws::shared().kms_config().interceptor(counter.clone()).build(),
    )
}

fn counted_dynamodb(counter: &RequestCounter) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    )
}

/// The error's `Display` and `Debug`, and those of every error in its `source()` chain.
fn everything_shown(error: &Error) -> String {
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        shown = format!("{shown} {cause} {cause:?}");
        source = cause.source();
    }
    shown
}

/// A writer of KMS data keys through a KMS client, for a key ARN.
type KmsWriter = fn(aws_sdk_kms::Client, &str) -> ItemEncryptor;

/// The two writers with KMS keys: the DB-ESDK format with the AWS KMS keyring, and the legacy
/// format with the Direct KMS provider.
fn kms_writers() -> [(&'static str, KmsWriter); 2] {
    [
        ("dbesdk", |kms, key| ItemEncryptor::new(AwsKmsKeyring::new(kms, key))),
        ("legacy", |kms, key| {
            ItemEncryptor::legacy(AwsKmsMaterialsProvider::new(kms, key).with_key_id_check(true))
        }),
    ]
}

fn description(
    item: &HashMap<String, AttributeValue>,
) -> ddb_encrypt::provider::MaterialDescription {
    let bytes = item[DESCRIPTION_ATTRIBUTE].as_b().unwrap().as_ref();
    ddb_encrypt::__fuzz::decode_material_description(bytes).unwrap().0
}

#[tokio::test]
async fn direct_kms_makes_one_data_key_per_put_in_both_formats() {
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    for (label, writer) in kms_writers() {
        let kms_calls = RequestCounter::default();
        let table = EncryptedTable::<Secret>::with_encryptor(
            aws.dynamodb(),
            unique_name("kms"),
            writer(counted_kms(&kms_calls), &key),
        )
        .unwrap();
        table.create_table().await.unwrap();
        for n in 0..5 {
            table.put(&secret("ann", n)).await.unwrap();
        }
        assert_eq!(kms_calls.count("GenerateDataKey"), 5, "{label}");
        for n in 0..5 {
            assert_eq!(table.get(("ann", n)).await.unwrap(), Some(secret("ann", n)));
        }
        assert_eq!(kms_calls.count("Decrypt"), 5, "{label}");

        let stored = table
            .client()
            .get_item()
            .table_name(table.table_name())
            .set_key(Some(Secret::key_item(&("ann".into(), 0)).unwrap()))
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        if label == "legacy" {
            let md = description(&stored);
            assert_eq!(md.get("amzn-ddb-wrap-alg"), Some("kms"));
            assert_eq!(md.get("amzn-ddb-env-alg"), Some("AES/256"));
            assert_eq!(md.get("amzn-ddb-sig-alg"), Some("HmacSHA256/256"));
            assert_eq!(md.get("aws-kms-ec-attr"), Some("*keys*"));
        } else {
            // The header's one encrypted data key: the KMS keyring's, naming the key by its ARN.
            assert_eq!(Format::of(&stored), Some(Format::DbEsdk));
            let header = stored[HEADER_ATTRIBUTE].as_b().unwrap().as_ref();
            let holds = |text: &[u8]| header.windows(text.len()).any(|w| w == text);
            assert!(holds(b"aws-kms") && holds(key.as_bytes()), "{label}");
        }
    }
}

#[tokio::test]
async fn the_kms_context_binds_items_to_their_keys_and_table() {
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    let encryptor = ItemEncryptor::legacy(AwsKmsMaterialsProvider::new(aws.kms(), &key));
    let schema =
        TableSchema::builder("Secrets").partition_key("pk").sort_key("sk").build().unwrap();
    // The KMS context takes the key text as written: "42.0" stays "42.0".
    let item = HashMap::from([
        ("pk".to_owned(), AttributeValue::S("p".into())),
        ("sk".to_owned(), AttributeValue::N("42.0".into())),
        ("v".to_owned(), AttributeValue::S("hidden".into())),
    ]);
    let stored = encryptor.encrypt_item(&schema, item.clone()).await.unwrap();
    assert_eq!(encryptor.decrypt_item(&schema, stored.clone()).await.unwrap(), item);
    // Another table name, or another key value: KMS refuses the data key.
    let other_table =
        TableSchema::builder("Other").partition_key("pk").sort_key("sk").build().unwrap();
    assert!(encryptor.decrypt_item(&other_table, stored.clone()).await.unwrap_err().is_integrity());
    let mut moved = stored.clone();
    moved.insert("pk".into(), AttributeValue::S("q".into()));
    assert!(encryptor.decrypt_item(&schema, moved).await.unwrap_err().is_integrity());
    // A reader expecting another key refuses an item made with this one.
    let other_key = aws.create_kms_key().await;
    let strict = ItemEncryptor::legacy(
        AwsKmsMaterialsProvider::new(aws.kms(), &other_key).with_key_id_check(true),
    );
    assert!(strict.decrypt_item(&schema, stored).await.unwrap_err().is_integrity());
}

#[tokio::test]
async fn kms_failures_are_clear_errors_and_nothing_is_written() {
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    let table_name = unique_name("kmsfail");
    let healthy = EncryptedTable::<Secret>::legacy(
        aws.dynamodb(),
        &table_name,
        AwsKmsMaterialsProvider::new(aws.kms(), &key),
    )
    .unwrap();
    healthy.create_table().await.unwrap();

    // Access denied.
    let denied = aws_sdk_kms::Client::from_conf(
        aws.kms_config()
            .interceptor(FailOperation::new("GenerateDataKey", 400, "AccessDeniedException"))
            .build(),
    );
    let table = EncryptedTable::<Secret>::legacy(
        aws.dynamodb(),
        &table_name,
        AwsKmsMaterialsProvider::new(denied, &key),
    )
    .unwrap();
    let error = table.put(&secret("bo", 1)).await.unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, Error::Provider { .. })
            && message.contains("GenerateDataKey")
            && message.contains("AccessDeniedException"),
        "{message}"
    );

    // Unreachable: nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = aws_sdk_kms::Client::from_conf(
        aws.kms_config()
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            .build(),
    );
    let table = EncryptedTable::<Secret>::legacy(
        aws.dynamodb(),
        &table_name,
        AwsKmsMaterialsProvider::new(unreachable, &key),
    )
    .unwrap();
    let error = table.put(&secret("bo", 2)).await.unwrap_err();
    assert!(error.to_string().contains("could not be reached"), "{error}");

    // An unknown key.
    let table = EncryptedTable::<Secret>::legacy(
        aws.dynamodb(),
        &table_name,
        AwsKmsMaterialsProvider::new(aws.kms(), "alias/does-not-exist"),
    )
    .unwrap();
    let error = table.put(&secret("bo", 3)).await.unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");

    // Nothing reached the table.
    assert!(healthy.scan().await.unwrap().is_empty());
    // A read whose key is disabled is a provider error, not an integrity error.
    healthy.put(&secret("bo", 4)).await.unwrap();
    let disabled = aws_sdk_kms::Client::from_conf(
        aws.kms_config()
            .interceptor(FailOperation::new("Decrypt", 400, "DisabledException"))
            .build(),
    );
    let reader = EncryptedTable::<Secret>::legacy(
        aws.dynamodb(),
        &table_name,
        AwsKmsMaterialsProvider::new(disabled, &key),
    )
    .unwrap();
    let error = reader.get(("bo", 4)).await.unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, Error::Provider { .. }) && message.contains("DisabledException"),
        "{message}"
    );
    // A Decrypt refused for the item's data key (denied, unknown or incorrect key) means the
    // item cannot be verified: the integrity error.
    for code in ["AccessDeniedException", "NotFoundException", "IncorrectKeyException"] {
        let refusing = aws_sdk_kms::Client::from_conf(
            aws.kms_config().interceptor(FailOperation::new("Decrypt", 400, code)).build(),
        );
        let reader = EncryptedTable::<Secret>::legacy(
            aws.dynamodb(),
            &table_name,
            AwsKmsMaterialsProvider::new(refusing, &key),
        )
        .unwrap();
        let error = reader.get(("bo", 4)).await.unwrap_err();
        assert!(error.is_integrity(), "{code}: {error}");
    }
}

#[tokio::test]
async fn an_item_made_under_another_kms_key_is_refused_even_when_the_reader_may_use_that_key() {
    let aws = LocalAws::shared();
    let (key_a, key_b) = (aws.create_kms_key().await, aws.create_kms_key().await);
    let table_name = unique_name("kmskeys");
    // The reader's role may use both keys (one KMS client), but it reads with key A only, in
    // both formats.
    let reader = EncryptedTable::<Secret>::with_encryptor(
        aws.dynamodb(),
        &table_name,
        ItemEncryptor::new(AwsKmsKeyring::new(aws.kms(), &key_a)).with_legacy(
            AwsKmsMaterialsProvider::new(aws.kms(), &key_a),
            LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt,
        ),
    )
    .unwrap();
    reader.create_table().await.unwrap();
    reader.put(&secret("ann", 1)).await.unwrap();
    assert_eq!(reader.get(("ann", 1)).await.unwrap(), Some(secret("ann", 1)));
    for (label, writer) in kms_writers() {
        let forger = EncryptedTable::<Secret>::with_encryptor(
            aws.dynamodb(),
            &table_name,
            writer(aws.kms(), &key_b),
        )
        .unwrap();
        forger.put(&secret("mallory", 2)).await.unwrap();
        let error = reader.get(("mallory", 2)).await.unwrap_err();
        assert!(error.is_integrity(), "{label}: {error}");
    }
}

#[tokio::test]
async fn a_kms_answer_that_does_not_parse_never_shows_its_data_key_in_the_error() {
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    // A GenerateDataKey answer with a plaintext data key and a field that does not parse.
    let plaintext = "c2VjcmV0LWRhdGEta2V5LW9mLTMyLWJ5dGVzLWxvbmch";
    let body = format!(r#"{{"Plaintext":"{plaintext}","KeyId":"{key}","CiphertextBlob":42}}"#);
    let broken = aws_sdk_kms::Client::from_conf(
        aws.kms_config().interceptor(FailOperation::respond("GenerateDataKey", 200, body)).build(),
    );
    let encryptor = ItemEncryptor::legacy(AwsKmsMaterialsProvider::new(broken, &key));
    let schema = TableSchema::builder("Secrets").partition_key("pk").build().unwrap();
    let item = HashMap::from([("pk".to_owned(), AttributeValue::S("p".into()))]);
    let error = encryptor.encrypt_item(&schema, item).await.unwrap_err();
    assert!(matches!(error, Error::Provider { .. }), "{error}");
    let shown = everything_shown(&error);
    assert!(shown.contains("GenerateDataKey"), "{shown}");
    assert!(!shown.contains(plaintext), "the data key leaked: {shown}");
}

fn meta_provider() -> Arc<dyn CryptographicMaterialsProvider> {
    Arc::new(WrappedMaterialsProvider::new(
        WrappingKey::aes(&[0x61; 32]).unwrap(),
        SigningKey::hmac_sha256(&[0x62; 32]).unwrap(),
    ))
}

async fn meta_store(client: aws_sdk_dynamodb::Client) -> (MetaStore, String) {
    let name = unique_name("meta");
    MetaStore::create_table(&client, &name).await.unwrap();
    (MetaStore::new(client, &name, meta_provider()).unwrap(), name)
}

#[tokio::test]
async fn most_recent_creates_version_zero_rotates_and_reads_every_version() {
    let aws = LocalAws::shared();
    let (store, _) = meta_store(aws.dynamodb()).await;
    let store = Arc::new(store);
    let provider =
        MostRecentProvider::new(store.clone(), "orders-key", Duration::from_mins(1)).unwrap();
    let provider = Arc::new(provider);
    let table = EncryptedTable::<Secret>::with_encryptor(
        aws.dynamodb(),
        unique_name("mr"),
        ItemEncryptor::legacy_from_arc(provider.clone()),
    )
    .unwrap();
    table.create_table().await.unwrap();

    table.put(&secret("cat", 1)).await.unwrap();
    assert_eq!(store.max_version("orders-key").await.unwrap(), Some(0));
    let raw = |n: u64| {
        let table = table.clone();
        async move {
            table
                .client()
                .get_item()
                .table_name(table.table_name())
                .set_key(Some(Secret::key_item(&("cat".into(), n)).unwrap()))
                .send()
                .await
                .unwrap()
                .item
                .unwrap()
        }
    };
    assert_eq!(description(&raw(1).await).get("amzn-ddb-meta-id"), Some("orders-key#0"));

    let (version, _) = store.new_provider("orders-key").await.unwrap();
    assert_eq!(version, 1);
    provider.invalidate();
    table.put(&secret("cat", 2)).await.unwrap();
    assert_eq!(description(&raw(2).await).get("amzn-ddb-meta-id"), Some("orders-key#1"));
    // A fresh provider (cold cache) reads both versions.
    let cold =
        MostRecentProvider::new(store.clone(), "orders-key", Duration::from_mins(1)).unwrap();
    let reader = EncryptedTable::<Secret>::with_encryptor(
        aws.dynamodb(),
        table.table_name(),
        ItemEncryptor::legacy(cold),
    )
    .unwrap();
    assert_eq!(reader.get(("cat", 1)).await.unwrap(), Some(secret("cat", 1)));
    assert_eq!(reader.get(("cat", 2)).await.unwrap(), Some(secret("cat", 2)));
}

#[tokio::test]
async fn two_writers_racing_for_version_zero_end_up_with_one() {
    let aws = LocalAws::shared();
    let (first, name) = meta_store(aws.dynamodb()).await;
    let second = MetaStore::new(aws.dynamodb(), &name, meta_provider()).unwrap();
    let (a, b) = tokio::join!(
        first.get_or_create_provider("race", 0),
        second.get_or_create_provider("race", 0)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    // Whatever each got, an item written with one reads with the other.
    let schema = TableSchema::builder("T").partition_key("pk").build().unwrap();
    let item = HashMap::from([
        ("pk".to_owned(), AttributeValue::S("x".into())),
        ("v".to_owned(), AttributeValue::S("y".into())),
    ]);
    let stored =
        ItemEncryptor::legacy_from_arc(a).encrypt_item(&schema, item.clone()).await.unwrap();
    assert_eq!(
        ItemEncryptor::legacy_from_arc(b).decrypt_item(&schema, stored).await.unwrap(),
        item
    );
    assert_eq!(first.max_version("race").await.unwrap(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_meta_table_query_per_ttl_window_whatever_the_concurrency() {
    let meta_calls = RequestCounter::default();
    let (store, _) = meta_store(counted_dynamodb(&meta_calls)).await;
    let ttl = Duration::from_millis(300);
    let provider = Arc::new(
        MostRecentProvider::new(Arc::new(store), "burst", ttl)
            .unwrap()
            .with_grace_period(Duration::ZERO),
    );
    let encryptor = ItemEncryptor::legacy_from_arc(provider);
    let schema = Arc::new(TableSchema::builder("T").partition_key("pk").build().unwrap());
    let burst = |label: &'static str| {
        let (encryptor, schema) = (encryptor.clone(), schema.clone());
        async move {
            let tasks: Vec<_> = (0..16)
                .map(|i| {
                    let (encryptor, schema) = (encryptor.clone(), schema.clone());
                    tokio::spawn(async move {
                        let item = HashMap::from([
                            ("pk".to_owned(), AttributeValue::S(format!("{label}-{i}"))),
                            ("v".to_owned(), AttributeValue::N(i.to_string())),
                        ]);
                        encryptor.encrypt_item(&schema, item).await.unwrap()
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        }
    };
    burst("first").await;
    assert_eq!(meta_calls.count("Query"), 1, "{:?}", meta_calls.counts());
    assert_eq!(meta_calls.count("PutItem"), 1, "version 0 created once");
    burst("warm").await;
    assert_eq!(meta_calls.count("Query"), 1, "within the TTL: {:?}", meta_calls.counts());
    for window in 2..=4 {
        tokio::time::sleep(ttl + Duration::from_millis(50)).await;
        burst("expired").await;
        assert_eq!(
            meta_calls.count("Query"),
            window,
            "TTL expired under 16 concurrent encrypts: {:?}",
            meta_calls.counts()
        );
    }
    // The version row was loaded once at most: versions are cached.
    assert!(meta_calls.count("GetItem") <= 1, "{:?}", meta_calls.counts());
}

#[tokio::test]
async fn most_recent_over_a_kms_protected_meta_table_makes_no_kms_call_per_item() {
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    let kms_calls = RequestCounter::default();
    let client = aws.dynamodb();
    let meta_name = unique_name("meta");
    MetaStore::create_table(&client, &meta_name).await.unwrap();
    let store = MetaStore::new(
        client.clone(),
        &meta_name,
        Arc::new(AwsKmsMaterialsProvider::new(counted_kms(&kms_calls), &key)),
    )
    .unwrap();
    let provider =
        MostRecentProvider::new(Arc::new(store), "kms-backed", Duration::from_mins(1)).unwrap();
    let table = EncryptedTable::<Secret>::legacy(client, unique_name("mrkms"), provider).unwrap();
    table.create_table().await.unwrap();
    for n in 0..20 {
        table.put(&secret("dan", n)).await.unwrap();
    }
    assert_eq!(table.query("dan").await.unwrap().len(), 20);
    // One data key for the version-0 row, nothing per item.
    assert_eq!(kms_calls.count("GenerateDataKey"), 1, "{:?}", kms_calls.counts());
    assert_eq!(kms_calls.count("Decrypt"), 0, "{:?}", kms_calls.counts());
}

#[tokio::test]
async fn a_dynamodb_answer_that_does_not_parse_never_shows_item_values_in_the_error() {
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    let value = "visible-only-in-the-raw-response";
    let body = format!(
        r#"{{"Item":{{"owner":{{"S":"ann"}},"n":{{"N":"1"}},"kind":{{"S":"{value}"}}}},"ConsumedCapacity":42}}"#
    );
    let broken = aws_sdk_dynamodb::Client::from_conf(
        aws.dynamodb_config().interceptor(FailOperation::respond("GetItem", 200, body)).build(),
    );
    let table = EncryptedTable::<Secret>::legacy(
        broken,
        unique_name("broken"),
        AwsKmsMaterialsProvider::new(aws.kms(), &key),
    )
    .unwrap();
    let error = table.get(("ann", 1)).await.unwrap_err();
    assert!(matches!(error, Error::Service { .. }), "{error}");
    let shown = everything_shown(&error);
    assert!(shown.contains("GetItem"), "{shown}");
    assert!(!shown.contains(value), "an item value leaked: {shown}");
}
