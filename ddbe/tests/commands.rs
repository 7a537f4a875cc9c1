//! Each `ddbe` command on small tables against the local DynamoDB and KMS APIs (moto on
//! 127.0.0.1): help, `--dry-run`, `inspect`, `keys` and `reencrypt` after a rotation, and
//! workers on segments sharing a checkpoint table.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

mod support;

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use ddb_encrypt::Format;
use ddb_encrypt_dev::local_aws::LocalAws;
use serde_json::Value;
use support::{Account, Setup, account, ddbe};

fn no_config() -> std::path::PathBuf {
    std::path::PathBuf::from("/nonexistent/ddbe.toml")
}

/// The formats of the table's items, counted.
async fn formats(table_name: &str) -> HashMap<Format, usize> {
    let items = support::stored_items(table_name).await;
    let mut formats = HashMap::new();
    for item in &items {
        *formats.entry(Format::of(item).unwrap()).or_default() += 1;
    }
    formats
}

fn counts(run: &support::Run) -> Value {
    assert!(run.status.success(), "{}\n{}", run.stdout, run.stderr);
    run.events("summary")[0]["counts"].clone()
}

/// A table of `n` legacy, `n` plaintext and `n` DB-ESDK accounts.
async fn mixed(prefix: &str, n: usize) -> (Setup, ddb_encrypt::EncryptedTable<Account>) {
    let setup = Setup::new(prefix).await;
    let table = setup.table();
    table.create_table().await.unwrap();
    let accounts: Vec<Account> = (0..3 * n).map(account).collect();
    setup.write_legacy(&accounts[..n]);
    setup.write_plaintext(&accounts[n..2 * n]).await;
    for account in &accounts[2 * n..] {
        table.put(account).await.unwrap();
    }
    (setup, table)
}

#[test]
fn every_command_has_complete_help() {
    let top = ddbe(&no_config(), &["--help"]);
    assert!(top.status.success());
    for command in ["migrate", "reencrypt", "verify", "inspect", "keys"] {
        assert!(top.stdout.contains(command), "`ddbe --help` lists {command}");
    }
    assert!(
        top.stdout.contains("[write]") && top.stdout.contains("[keyrings."),
        "the config format"
    );
    for command in ["migrate", "reencrypt", "verify"] {
        let help = ddbe(&no_config(), &[command, "--help"]);
        assert!(help.status.success());
        for flag in [
            "--rate",
            "--max-capacity",
            "--segment",
            "--total-segments",
            "--checkpoint",
            "--checkpoint-table",
            "--resume",
            "--json",
            "--page-size",
            "kill -9",
        ] {
            assert!(help.stdout.contains(flag), "`ddbe {command} --help` explains {flag}");
        }
        assert_eq!(help.stdout.contains("--dry-run"), command != "verify");
    }
    let keys = ddbe(&no_config(), &["keys", "--help"]);
    for command in [
        "branch-create-table",
        "branch-create",
        "branch-rotate",
        "branch-versions",
        "meta-create-table",
        "meta-rotate",
        "meta-versions",
    ] {
        assert!(keys.stdout.contains(command), "`ddbe keys --help` lists {command}");
        assert!(ddbe(&no_config(), &["keys", command, "--help"]).status.success());
    }
    let inspect = ddbe(&no_config(), &["inspect", "--help"]);
    assert!(inspect.stdout.contains("N:123") && inspect.stdout.contains("--no-verify"));
}

#[test]
fn a_missing_configuration_is_an_error_that_names_the_file() {
    let run = ddbe(&no_config(), &["verify"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(run.stderr.contains("/nonexistent/ddbe.toml"), "{}", run.stderr);
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_a_migration_then_skips_what_it_did() {
    let (setup, _) = mixed("ddbe-dry", 10).await;
    let before = formats(&setup.table_name).await;

    let dry = ddbe(&setup.config, &["--json", "migrate", "--dry-run"]);
    let dry_counts = counts(&dry);
    assert_eq!(
        (dry_counts["would_migrate"].as_u64(), dry_counts["skipped"].as_u64()),
        (Some(20), Some(10))
    );
    assert_eq!(formats(&setup.table_name).await, before, "a dry run writes nothing");

    let first = counts(&ddbe(&setup.config, &["--json", "migrate"]));
    assert_eq!((first["migrated"].as_u64(), first["skipped"].as_u64()), (Some(20), Some(10)));
    assert_eq!(first["formats"]["legacy"].as_u64(), Some(10));
    let again = counts(&ddbe(&setup.config, &["--json", "migrate"]));
    assert_eq!((again["migrated"].as_u64(), again["skipped"].as_u64()), (Some(0), Some(30)));
    assert_eq!(formats(&setup.table_name).await, HashMap::from([(Format::DbEsdk, 30)]));
}

#[tokio::test]
async fn inspect_shows_the_envelope_never_a_value_and_whether_it_verifies() {
    let (setup, _) = mixed("ddbe-inspect", 1).await;
    // account 0 is legacy, 1 plaintext, 2 DB-ESDK.
    let legacy = ddbe(&setup.config, &["--json", "inspect", "id=acct-00000"]);
    let legacy: Value = serde_json::from_str(legacy.stdout.trim()).unwrap();
    assert_eq!(legacy["format"], "legacy");
    assert_eq!(legacy["encrypted"], serde_json::json!(["balance"]));
    assert_eq!(legacy["signed"], serde_json::json!(["id", "owner", "rev"]));
    assert_eq!(legacy["verification"], "verified");
    let plaintext = ddbe(&setup.config, &["--json", "inspect", "id=acct-00001"]);
    let plaintext: Value = serde_json::from_str(plaintext.stdout.trim()).unwrap();
    assert_eq!(plaintext["format"], "plaintext");
    let run = ddbe(&setup.config, &["--json", "inspect", "id=acct-00002"]);
    let dbesdk: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(dbesdk["format"], "DB-ESDK");
    assert_eq!(dbesdk["algorithm"], "suite 0x6701, format version 1");
    let key = dbesdk["keys"][0].as_str().unwrap();
    assert!(
        key.starts_with(&format!(
            "aws-kms-hierarchy: branch key {}, version ",
            setup.branch_key_id
        )),
        "{key}"
    );
    assert_eq!(dbesdk["encrypted"], serde_json::json!(["balance"]));
    assert!(!run.stdout.contains("owner 2"), "no value is shown");

    // An altered item: described, and the verification fails.
    let client = LocalAws::shared().dynamodb();
    let key = HashMap::from([("id".to_owned(), AttributeValue::S("acct-00002".into()))]);
    let mut item = client
        .get_item()
        .table_name(&setup.table_name)
        .set_key(Some(key))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    item.insert("owner".into(), AttributeValue::S("someone else".into()));
    client.put_item().table_name(&setup.table_name).set_item(Some(item)).send().await.unwrap();
    let run = ddbe(&setup.config, &["--json", "inspect", "id=acct-00002"]);
    assert_eq!(run.status.code(), Some(1));
    let altered: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert!(altered["verification"].as_str().unwrap().starts_with("FAILED"), "{altered}");
    assert!(!run.stdout.contains("someone else"));

    let missing = ddbe(&setup.config, &["inspect", "id=acct-99999"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stderr.contains("no item with that key"), "{}", missing.stderr);
}

#[tokio::test]
async fn after_a_branch_key_rotation_reencrypt_rewrites_each_item_once() {
    let setup = Setup::new("ddbe-rotate").await;
    let table = setup.table();
    table.create_table().await.unwrap();
    for n in 0..20 {
        table.put(&account(n)).await.unwrap();
    }
    let id = setup.branch_key_id.clone();
    assert!(ddbe(&setup.config, &["keys", "branch-rotate", &id]).status.success());
    let versions = ddbe(&setup.config, &["--json", "keys", "branch-versions", &id]);
    let versions = &versions.json()[0]["versions"];
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    let active: Vec<_> = versions.iter().filter(|v| v["active"] == true).collect();
    assert_eq!(active.len(), 1);
    let active = active[0]["version"].as_str().unwrap().to_owned();

    let first = counts(&ddbe(&setup.config, &["--json", "reencrypt"]));
    assert_eq!((first["migrated"].as_u64(), first["skipped"].as_u64()), (Some(20), Some(0)));
    let again = counts(&ddbe(&setup.config, &["--json", "reencrypt"]));
    assert_eq!((again["migrated"].as_u64(), again["skipped"].as_u64()), (Some(0), Some(20)));
    let inspect = ddbe(&setup.config, &["--json", "inspect", "id=acct-00003"]);
    let inspect: Value = serde_json::from_str(inspect.stdout.trim()).unwrap();
    assert!(inspect["keys"][0].as_str().unwrap().ends_with(&active), "{inspect}");
    for n in 0..20 {
        assert_eq!(table.get(account(n).id).await.unwrap().unwrap(), account(n));
    }
}

#[tokio::test]
async fn workers_on_two_segments_share_a_checkpoint_table_and_refuse_to_start_over() {
    let setup = Setup::new("ddbe-workers").await;
    setup.table().create_table().await.unwrap();
    let accounts: Vec<Account> = (0..60).map(account).collect();
    setup.write_plaintext(&accounts).await;
    let checkpoints = ddb_encrypt_dev::local_aws::unique_name("ddbe-checkpoints");
    let worker = |segment: &'static str| {
        let (config, checkpoints) = (setup.config.clone(), checkpoints.clone());
        std::thread::spawn(move || {
            let args = [
                "--json",
                "migrate",
                "--segment",
                segment,
                "--total-segments",
                "2",
                "--checkpoint-table",
                &checkpoints,
                "--job",
                "accounts",
                "--page-size",
                "7",
            ];
            ddbe(&config, &args)
        })
    };
    let (zero, one) = (worker("0"), worker("1"));
    let (zero, one) = (zero.join().unwrap(), one.join().unwrap());
    let (zero, one) = (counts(&zero), counts(&one));
    assert_eq!(zero["migrated"].as_u64().unwrap() + one["migrated"].as_u64().unwrap(), 60);
    assert_eq!(formats(&setup.table_name).await, HashMap::from([(Format::DbEsdk, 60)]));

    let base = ["--json", "migrate", "--segment", "0", "--total-segments", "2"];
    let table_args = ["--checkpoint-table", checkpoints.as_str(), "--job", "accounts"];
    let args: Vec<&str> = base.iter().chain(&table_args).copied().collect();
    let again = ddbe(&setup.config, &args);
    assert_eq!(again.status.code(), Some(2));
    assert!(again.stderr.contains("--resume"), "{}", again.stderr);
    let resume: Vec<&str> = args.iter().copied().chain(["--resume"]).collect();
    let resumed = counts(&ddbe(&setup.config, &resume));
    assert_eq!(resumed, zero, "a finished segment has nothing left to do");
    let other: Vec<&str> = ["--json", "migrate", "--total-segments", "3"]
        .iter()
        .chain(&table_args)
        .copied()
        .chain(["--resume"])
        .collect();
    let mismatch = ddbe(&setup.config, &other);
    assert_eq!(mismatch.status.code(), Some(2));
    assert!(mismatch.stderr.contains("2 segment(s)"), "{}", mismatch.stderr);
}

#[tokio::test]
async fn most_recent_materials_are_created_rotated_and_listed() {
    let setup = Setup::new("ddbe-meta").await;
    let meta = ddb_encrypt_dev::local_aws::unique_name("meta");
    setup.write_config(&format!(
        r#"
[meta_store]
table = "{meta}"
provider = "meta-rows"

[providers.meta-rows]
type = "wrapped"
wrapping_key_env = "DDBE_TEST_WRAPPING_KEY"
signing_key_env = "DDBE_TEST_SIGNING_KEY"
"#
    ));
    assert!(ddbe(&setup.config, &["keys", "meta-create-table"]).status.success());
    for expected in 0..3 {
        let rotated = ddbe(&setup.config, &["--json", "keys", "meta-rotate", "orders"]);
        assert!(rotated.status.success(), "{}", rotated.stderr);
        assert_eq!(rotated.json()[0]["version"], expected);
    }
    let versions = ddbe(&setup.config, &["--json", "keys", "meta-versions", "orders"]);
    assert_eq!(versions.json()[0]["versions"], serde_json::json!([2, 1, 0]));
    let missing = ddbe(&setup.config, &["keys", "meta-versions", "invoices"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stderr.contains("no material `invoices`"), "{}", missing.stderr);
}

/// A loopback proxy to the local server that answers every third request with a
/// `ThrottlingException`, as DynamoDB and KMS do when a table or key is over its rate. Returns
/// its endpoint and the count of throttled requests.
fn throttling_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let upstream = LocalAws::shared().endpoint();
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let throttled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&throttled);
    std::thread::spawn(move || {
        let seen = Arc::new(AtomicUsize::new(0));
        for connection in listener.incoming() {
            let (seen, throttled, upstream) =
                (Arc::clone(&seen), Arc::clone(&counter), upstream.clone());
            std::thread::spawn(move || relay(connection.unwrap(), &upstream, &seen, &throttled));
        }
    });
    (endpoint, throttled)
}

/// Serves one client connection: throttled requests are answered here, the first other one is
/// forwarded, and its response (the server closes each connection) ends the connection.
fn relay(mut client: TcpStream, upstream: &str, seen: &AtomicUsize, throttled: &AtomicUsize) {
    const BODY: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}"#;
    while let Some(request) = read_request(&mut client) {
        if seen.fetch_add(1, Ordering::SeqCst) % 3 == 2 {
            throttled.fetch_add(1, Ordering::SeqCst);
            let response = format!(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n\
                 x-amzn-ErrorType: ThrottlingException\r\nContent-Length: {}\r\n\r\n{BODY}",
                BODY.len()
            );
            client.write_all(response.as_bytes()).unwrap();
            continue;
        }
        let mut server = TcpStream::connect(upstream).unwrap();
        server.write_all(&request).unwrap();
        let mut response = Vec::new();
        server.read_to_end(&mut response).unwrap();
        let _ = client.write_all(&response);
        return;
    }
}

/// One HTTP request (head and body, by its Content-Length); `None` when the client is gone.
fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buffer = [0; 8_192];
    let head_end = loop {
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = client.read(&mut buffer).ok().filter(|&n| n > 0)?;
        request.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |value| value.trim().parse().unwrap());
    while request.len() < head_end + length {
        let read = client.read(&mut buffer).ok().filter(|&n| n > 0)?;
        request.extend_from_slice(&buffer[..read]);
    }
    Some(request)
}

#[tokio::test]
async fn throttled_requests_are_retried_with_backoff_and_counted_in_the_progress() {
    let (setup, _) = mixed("ddbe-throttle", 5).await;
    let (endpoint, throttled) = throttling_proxy();
    setup.write_config_at(&endpoint, "");
    let run = ddbe(&setup.config, &["--json", "migrate", "--page-size", "5"]);
    let migrated = counts(&run);
    assert_eq!((migrated["migrated"].as_u64(), migrated["failed"].as_u64()), (Some(10), Some(0)));
    let throttled = throttled.load(Ordering::SeqCst) as u64;
    assert!(throttled >= 5, "the proxy throttled {throttled} requests");
    let summary = &run.events("summary")[0];
    assert_eq!(summary["retries"].as_u64(), Some(throttled), "each throttled request retried once");
    let last_page = run.events("page").last().cloned().unwrap();
    assert!(last_page["retries"].as_u64().unwrap() > 0, "the progress shows the retries");
    assert_eq!(formats(&setup.table_name).await, HashMap::from([(Format::DbEsdk, 15)]));
    println!("{throttled} requests throttled, each retried; 10 of 15 items migrated, none failed");
}
