//! Faults and load against the local server: the server going away, a conditional put losing
//! a race, and 16 tasks x 500 puts with the Most Recent provider. Nothing reported written
//! that was not, nothing lost, nothing written in the clear.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ddb_encrypt::provider::MetaStore;
use ddb_encrypt::provider::{
    AwsKmsMaterialsProvider, MostRecentProvider, SigningKey, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{EncryptedItem, EncryptedTable, ItemEncryptor};
use ddb_encrypt_dev::interceptors::RequestCounter;
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Event {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sign_only)]
    writer: u32,
    payload: String,
}

fn wrapped() -> WrappedMaterialsProvider {
    WrappedMaterialsProvider::new(
        WrappingKey::aes(&[9; 32]).unwrap(),
        SigningKey::hmac_sha256(&[8; 32]).unwrap(),
    )
}

#[tokio::test]
async fn when_the_server_goes_away_no_write_is_reported_done() {
    // A server of its own, to stop.
    let aws = LocalAws::start().unwrap();
    let config = aws.dynamodb_config().retry_config(
        aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(2),
    );
    let table = EncryptedTable::<Event>::legacy(
        aws_sdk_dynamodb::Client::from_conf(config.build()),
        unique_name("outage"),
        wrapped(),
    )
    .unwrap();
    table.create_table().await.unwrap();
    let event =
        |i: u32| Event { id: format!("e-{i}"), writer: 0, payload: format!("secret payload {i}") };
    for i in 0..20 {
        table.put(&event(i)).await.unwrap();
    }
    assert_eq!(table.scan().await.unwrap().len(), 20);

    aws.stop();
    for i in 20..30 {
        let error = table.put(&event(i)).await.unwrap_err();
        assert!(error.is_unreachable(), "{error}");
    }
    let batch: Vec<Event> = (30..40).map(event).collect();
    assert!(table.batch_put(&batch).await.unwrap_err().is_unreachable());
    assert!(table.get("e-1").await.unwrap_err().is_unreachable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_conditional_put_losing_a_race_says_so() {
    let aws = LocalAws::shared();
    let table = Arc::new(
        EncryptedTable::<Event>::legacy(aws.dynamodb(), unique_name("race"), wrapped()).unwrap(),
    );
    table.create_table().await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|writer| {
            let table = table.clone();
            tokio::spawn(async move {
                let event = Event {
                    id: "contested".into(),
                    writer,
                    payload: format!("written by {writer}"),
                };
                table.put(&event).create_only().await.map(|()| writer)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(writer) => winners.push(writer),
            Err(error) => assert!(error.is_conditional_check_failed(), "{error}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one create-only put wins");
    let stored = table.get("contested").await.unwrap().unwrap();
    assert_eq!(stored.writer, winners[0]);
    assert_eq!(stored.payload, format!("written by {}", winners[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_tasks_times_500_puts_with_the_most_recent_provider() {
    const TASKS: u32 = 16;
    const PUTS: u32 = 500;
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    let (kms_calls, meta_calls) = (RequestCounter::default(), RequestCounter::default());
    let kms =
        aws_sdk_kms::Client::from_conf(aws.kms_config().interceptor(kms_calls.clone()).build());
    let meta_client = aws_sdk_dynamodb::Client::from_conf(
        aws.dynamodb_config().interceptor(meta_calls.clone()).build(),
    );
    let meta_table = unique_name("loadmeta");
    MetaStore::create_table(&meta_client, &meta_table).await.unwrap();
    let store =
        MetaStore::new(meta_client, &meta_table, Arc::new(AwsKmsMaterialsProvider::new(kms, &key)))
            .unwrap();
    let ttl = Duration::from_secs(5);
    let provider = Arc::new(MostRecentProvider::new(Arc::new(store), "load", ttl).unwrap());
    let table = Arc::new(
        EncryptedTable::<Event>::with_encryptor(
            aws.dynamodb(),
            unique_name("load"),
            ItemEncryptor::legacy_from_arc(provider),
        )
        .unwrap(),
    );
    table.create_table().await.unwrap();

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|writer| {
            let table = table.clone();
            tokio::spawn(async move {
                for n in 0..PUTS {
                    let event = Event {
                        id: format!("{writer}-{n}"),
                        writer,
                        payload: format!("payload {writer}/{n}"),
                    };
                    table.put(&event).await?;
                }
                Ok::<_, ddb_encrypt::Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();

    // Every item is there and decrypts.
    let events = table.scan().await.unwrap();
    assert_eq!(events.len(), (TASKS * PUTS) as usize);
    let ids: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids.len(), (TASKS * PUTS) as usize);
    assert!(events.iter().all(|e| e.payload == format!("payload {}", e.id.replace('-', "/"))));

    // One meta-table query per TTL window at most, and no KMS call per item: the version-0 row
    // took one data key; the provider kept the keys it made.
    let windows = elapsed.as_secs_f64() / ttl.as_secs_f64();
    let queries = meta_calls.count("Query");
    assert!(
        queries >= 1 && f64::from(u32::try_from(queries).unwrap()) <= windows.ceil() + 1.0,
        "{queries} queries in {elapsed:?}"
    );
    assert_eq!(kms_calls.count("GenerateDataKey"), 1, "{:?}", kms_calls.counts());
    assert_eq!(kms_calls.count("Decrypt"), 0, "{:?}", kms_calls.counts());
    println!(
        "load: {} items in {elapsed:?} ({:.0}/s); {queries} meta-table queries; KMS {:?}",
        TASKS * PUTS,
        f64::from(TASKS * PUTS) / elapsed.as_secs_f64(),
        kms_calls.counts()
    );
}

/// A server on 127.0.0.1 that answers every request with one DynamoDB JSON response, to send
/// what moto never does: an attribute of a type this SDK version does not know, which the SDK
/// reads as `AttributeValue::Unknown` (a value no caller can build).
async fn one_answer_server(body: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0; 4096];
                // Headers, then as many body bytes as Content-Length says.
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn an_attribute_of_an_unknown_type_is_an_error_not_a_panic() {
    let endpoint = one_answer_server(
        r#"{"Item":{"id":{"S":"e-1"},"writer":{"N":"1"},"payload":{"ZZ":"future type"}}}"#,
    )
    .await;
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .endpoint_url(endpoint)
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);

    // The raw item as the SDK reads it holds `Unknown`.
    let raw = client
        .get_item()
        .table_name("t")
        .key("id", ddb_encrypt::AttributeValue::S("e-1".into()))
        .send()
        .await
        .unwrap();
    let item = raw.item.unwrap();
    assert!(item["payload"].is_unknown(), "the SDK read {:?}", item["payload"]);

    // Encrypting it is refused, naming the attribute; reading it (an item without any
    // format's envelope) is refused as plaintext.
    let encryptor = ItemEncryptor::legacy(wrapped());
    let schema = ddb_encrypt::TableSchema::for_item::<Event>("t").unwrap();
    let error = encryptor.encrypt_item(&schema, item.clone()).await.unwrap_err();
    assert!(
        error.to_string().contains("`payload`") && error.to_string().contains("unsupported"),
        "{error}"
    );
    let error = encryptor.decrypt_item(&schema, item).await.unwrap_err();
    assert!(
        matches!(error, ddb_encrypt::Error::FormatRefused(ddb_encrypt::Format::Plaintext)),
        "{error}"
    );

    // Through the table: an error, never a panic, never a value.
    let table = EncryptedTable::<Event>::legacy(client, "t", wrapped()).unwrap();
    let error = table.get("e-1").await.unwrap_err();
    assert!(matches!(error.inner(), ddb_encrypt::Error::FormatRefused(_)), "{error}");
}
