//! CPU time per item of `ddbe migrate` against a plain copy of the same table with the SDK
//! (`scan` + `put_item`), each in its own process, against the local DynamoDB API, rounds
//! interleaved in one run. The server's CPU is not counted: each process reports its own
//! (user + system, from `/proc/self/stat`). Prints JSON.
//!
//! `cargo build --release -p ddbe && cargo run --release --bin bench_migrate [ITEMS]`
//! (`bench_migrate plain-copy ENDPOINT FROM TO` is the plain copy's process.)

#![expect(clippy::cast_precision_loss, reason = "counts far below 2^52, shown as ratios")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use base64::Engine as _;
use ddb_encrypt::provider::{SigningKey, WrappedMaterialsProvider, WrappingKey};
use ddb_encrypt::{ItemEncryptor, TableSchema};
use ddb_encrypt_dev::local_aws::LocalAws;

const ROUNDS: usize = 3;
const WRAPPING_KEY: [u8; 32] = [0x52; 32];
const SIGNING_KEY: [u8; 32] = [0x53; 32];
const KEYRING_KEY: [u8; 32] = [0x51; 32];

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("plain-copy") {
        let [_, _, endpoint, from, to] = &args[..] else {
            return Err("usage: bench_migrate plain-copy ENDPOINT FROM TO".into());
        };
        return plain_copy(endpoint, from, to).await;
    }
    let items: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let aws = LocalAws::start()?;
    let result = run(&aws, items).await;
    aws.stop();
    println!("{}", result?);
    Ok(())
}

/// The process's CPU seconds, user and system.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The plain copy: every item of `from` put into `to`, one `put_item` each.
async fn plain_copy(endpoint: &str, from: &str, to: &str) -> Result<(), Error> {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "bench",
        ))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let mut pages = client.scan().table_name(from).limit(100).into_paginator().send();
    let mut copied = 0_u64;
    while let Some(page) = pages.next().await {
        for item in page?.items.unwrap_or_default() {
            client.put_item().table_name(to).set_item(Some(item)).send().await?;
            copied += 1;
        }
    }
    println!("{}", serde_json::json!({ "items": copied, "cpu_seconds": cpu_seconds() }));
    Ok(())
}

fn item(n: usize) -> HashMap<String, AttributeValue> {
    let text = |s: String| AttributeValue::S(s);
    HashMap::from([
        ("id".to_owned(), text(format!("order-{n:06}"))),
        ("customer".to_owned(), text(format!("customer-{}@example.com", n % 997))),
        ("status".to_owned(), text("PLACED".to_owned())),
        ("total".to_owned(), AttributeValue::N(format!("{}.{:02}", n % 1000, n % 100))),
        ("note".to_owned(), text("deliver to the back door, ring twice".repeat(3))),
    ])
}

fn schema(table: &str) -> Result<TableSchema, Error> {
    Ok(TableSchema::builder(table)
        .partition_key("id")
        .action("status", ddb_encrypt::AttributeAction::SignOnly)
        .build()?)
}

async fn create(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<(), Error> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let id =
        AttributeDefinition::builder().attribute_name("id").attribute_type(ScalarAttributeType::S);
    let key = KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash);
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(id.build()?)
        .key_schema(key.build()?)
        .send()
        .await?;
    Ok(())
}

/// A table of `items` items, plaintext or in the legacy format.
async fn table(aws: &LocalAws, name: &str, items: usize, legacy: bool) -> Result<(), Error> {
    let client = aws.dynamodb();
    create(&client, name).await?;
    let provider = WrappedMaterialsProvider::new(
        WrappingKey::aes(&WRAPPING_KEY)?,
        SigningKey::hmac_sha256(&SIGNING_KEY)?,
    );
    let encryptor = ItemEncryptor::legacy(provider);
    let schema = schema(name)?;
    let numbers: Vec<usize> = (0..items).collect();
    for chunk in numbers.chunks(25) {
        let mut requests = Vec::new();
        for &n in chunk {
            let item =
                if legacy { encryptor.encrypt_item(&schema, item(n)).await? } else { item(n) };
            let put = PutRequest::builder().set_item(Some(item)).build()?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        client.batch_write_item().request_items(name, requests).send().await?;
    }
    Ok(())
}

fn config(directory: &Path, endpoint: &str, table: &str, suite: &str) -> Result<PathBuf, Error> {
    let path = directory.join(format!("{table}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"[aws]
endpoint_url = "{endpoint}"
region = "us-east-1"

[table]
name = "{table}"
partition_key = "id"
sign_only = ["status"]

[write]
format = "dbesdk"
keyring = "bench"
suite = "{suite}"

[read]
legacy = "old"
plaintext = true

[keyrings.bench]
type = "raw-aes"
namespace = "bench"
name = "migrate"
key_env = "BENCH_KEYRING_KEY"

[providers.old]
type = "wrapped"
wrapping_key_env = "BENCH_WRAPPING_KEY"
signing_key_env = "BENCH_SIGNING_KEY"
"#
        ),
    )?;
    Ok(path)
}

/// Runs a process with the local server's settings; returns its last line as JSON.
fn measure(command: &mut Command) -> Result<serde_json::Value, Error> {
    let b64 = |key: &[u8]| base64::engine::general_purpose::STANDARD.encode(key);
    let output = command
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_REGION", "us-east-1")
        .env("BENCH_KEYRING_KEY", b64(&KEYRING_KEY))
        .env("BENCH_WRAPPING_KEY", b64(&WRAPPING_KEY))
        .env("BENCH_SIGNING_KEY", b64(&SIGNING_KEY))
        .output()?;
    if !output.status.success() {
        return Err(
            format!("{:?} failed: {}", command, String::from_utf8_lossy(&output.stderr)).into()
        );
    }
    let stdout = String::from_utf8(output.stdout)?;
    Ok(serde_json::from_str(stdout.lines().last().unwrap_or_default())?)
}

async fn run(aws: &LocalAws, items: usize) -> Result<serde_json::Value, Error> {
    let here = std::env::current_exe()?;
    let bin = here.parent().ok_or("no directory")?;
    let ddbe = bin.join("ddbe");
    if !ddbe.exists() {
        return Err(format!("{} is missing: cargo build --release -p ddbe", ddbe.display()).into());
    }
    let directory = std::env::temp_dir().join(format!("bench-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&directory)?;
    let endpoint = aws.endpoint();
    let cases = [
        ("plaintext", false, "0x6701"),
        ("legacy", true, "0x6701"),
        ("plaintext", false, "0x6700"),
        ("legacy", true, "0x6700"),
    ];
    let mut cpu: HashMap<String, Vec<f64>> = HashMap::new();
    for round in 0..ROUNDS {
        let (from, to) = (format!("copy-from-{round}"), format!("copy-to-{round}"));
        table(aws, &from, items, false).await?;
        create(&aws.dynamodb(), &to).await?;
        let copy = measure(Command::new(&here).args(["plain-copy", &endpoint, &from, &to]))?;
        cpu.entry("plain copy".into())
            .or_default()
            .push(copy["cpu_seconds"].as_f64().unwrap_or(0.0) / items as f64);
        for (source, legacy, suite) in cases {
            let name = format!("migrate-{source}-{}-{round}", &suite[2..]);
            table(aws, &name, items, legacy).await?;
            let config = config(&directory, &endpoint, &name, suite)?;
            let summary = measure(
                Command::new(&ddbe).arg("--config").arg(&config).args(["--json", "migrate"]),
            )?;
            let migrated = summary["counts"]["migrated"].as_u64().unwrap_or(0);
            if migrated != items as u64 {
                return Err(format!("{name}: {migrated} of {items} migrated").into());
            }
            let per_item = summary["cpu_seconds"].as_f64().unwrap_or(0.0) / items as f64;
            cpu.entry(format!("ddbe migrate, {source} to DB-ESDK {suite}"))
                .or_default()
                .push(per_item);
        }
    }
    std::fs::remove_dir_all(&directory)?;
    let median = |values: &[f64]| {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    let plain = median(&cpu["plain copy"]);
    let mut rows: Vec<_> = cpu
        .iter()
        .map(|(name, values)| {
            let per_item = median(values);
            serde_json::json!({ "what": name, "cpu_us_per_item": (per_item * 1e7).round() / 10.0, "ratio_to_plain_copy": (per_item / plain * 100.0).round() / 100.0 })
        })
        .collect();
    rows.sort_by(|a, b| a["what"].as_str().cmp(&b["what"].as_str()));
    Ok(serde_json::json!({ "items_per_run": items, "rounds": ROUNDS, "rows": rows }))
}
