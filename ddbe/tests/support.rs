//! Running `ddbe` against the local server, and the tables its tests migrate.
#![allow(dead_code, reason = "each test binary that includes this file uses part of it")]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ddb_encrypt::keyring::{BranchKeyCache, DynamoDbBranchKeyStore, HierarchicalKeyring};
use ddb_encrypt::provider::AwsKmsMaterialsProvider;
use ddb_encrypt::{EncryptedItem, EncryptedTable, ItemEncryptor, LegacyPolicy, PlaintextPolicy};
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use serde_json::Value;

/// The items of every test here: a balance (encrypted), an owner and a revision (signed, in
/// the clear), which a writer increments with each change it makes.
#[derive(EncryptedItem, Debug, Clone, PartialEq)]
pub(crate) struct Account {
    #[ddb(partition_key)]
    pub(crate) id: String,
    pub(crate) balance: i64,
    #[ddb(sign_only)]
    pub(crate) owner: String,
    #[ddb(sign_only)]
    pub(crate) rev: u64,
}

pub(crate) fn account(n: usize) -> Account {
    Account { id: format!("acct-{n:05}"), balance: 0, owner: format!("owner {n}"), rev: 0 }
}

/// A test's table, keys, and `ddbe` configuration file.
#[derive(Debug)]
pub(crate) struct Setup {
    pub(crate) directory: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) table_name: String,
    pub(crate) kms_key: String,
    pub(crate) branch_key_id: String,
    pub(crate) store_table: String,
}

impl Setup {
    /// A new table name, a KMS key, and a branch key store with one branch key, which
    /// `ddbe keys` creates.
    pub(crate) async fn new(prefix: &str) -> Self {
        let aws = LocalAws::shared();
        let directory = std::env::temp_dir().join(unique_name(prefix));
        std::fs::create_dir_all(&directory).unwrap();
        let mut setup = Self {
            config: directory.join("ddbe.toml"),
            directory,
            table_name: unique_name(prefix),
            kms_key: aws.create_kms_key().await,
            branch_key_id: "none yet".to_owned(),
            store_table: unique_name("branch-keys"),
        };
        setup.write_config("");
        let created = ddbe(&setup.config, &["keys", "branch-create-table"]);
        assert!(created.status.success(), "{}", created.stderr);
        let key = ddbe(&setup.config, &["--json", "keys", "branch-create"]);
        assert!(key.status.success(), "{}", key.stderr);
        key.json()[0]["branch_key_id"].as_str().unwrap().clone_into(&mut setup.branch_key_id);
        setup.write_config("");
        setup
    }

    /// The configuration: DB-ESDK under the branch key; legacy items (Direct KMS, as the
    /// Python client writes them) and plaintext items are read. `extra` is appended.
    pub(crate) fn write_config(&self, extra: &str) {
        self.write_config_at(&LocalAws::shared().endpoint(), extra);
    }

    /// The configuration, with `endpoint` as the AWS endpoint.
    pub(crate) fn write_config_at(&self, endpoint: &str, extra: &str) {
        let text = format!(
            r#"[aws]
endpoint_url = "{endpoint}"
region = "us-east-1"

[table]
name = "{table}"
partition_key = "id"
sign_only = ["owner", "rev"]

[write]
format = "dbesdk"
keyring = "branch"

[read]
legacy = "python"
plaintext = true

[keyrings.branch]
type = "hierarchical"
branch_key_id = "{branch}"
cache_ttl_seconds = 1

[providers.python]
type = "aws-kms"
key_id = "{kms}"

[key_store]
table = "{store}"
kms_key_arn = "{kms}"
{extra}"#,
            table = self.table_name,
            branch = self.branch_key_id,
            kms = self.kms_key,
            store = self.store_table,
        );
        std::fs::write(&self.config, text).unwrap();
    }

    /// The table as the application sees it: writes DB-ESDK under the branch key, reads
    /// every format.
    pub(crate) fn table(&self) -> EncryptedTable<Account> {
        let aws = LocalAws::shared();
        let store = DynamoDbBranchKeyStore::new(
            aws.dynamodb(),
            &self.store_table,
            &self.store_table,
            aws.kms(),
            &self.kms_key,
        )
        .unwrap();
        let cache = BranchKeyCache::new(store, std::time::Duration::from_secs(1), 100);
        let keyring = HierarchicalKeyring::new(cache, &self.branch_key_id);
        let legacy = AwsKmsMaterialsProvider::new(aws.kms(), &self.kms_key);
        let encryptor = ItemEncryptor::new(keyring)
            .with_legacy(legacy, LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt)
            .with_plaintext_policy(PlaintextPolicy::ForbidPlaintextWriteAllowPlaintextRead);
        EncryptedTable::with_encryptor(aws.dynamodb(), &self.table_name, encryptor).unwrap()
    }

    /// Writes `accounts` in the legacy format with the real Python DynamoDB Encryption Client
    /// (Direct KMS).
    pub(crate) fn write_legacy(&self, accounts: &[Account]) {
        let items: Vec<Value> = accounts
            .iter()
            .map(|a| {
                serde_json::json!({
                    "id": {"S": a.id}, "balance": {"N": a.balance.to_string()},
                    "owner": {"S": a.owner}, "rev": {"N": a.rev.to_string()},
                })
            })
            .collect();
        let overrides =
            serde_json::json!({"id": "SIGN_ONLY", "owner": "SIGN_ONLY", "rev": "SIGN_ONLY"});
        let file = serde_json::json!({
            "partition_key_name": "id",
            "sort_key_name": null,
            "attribute_actions": {"default": "ENCRYPT_AND_SIGN", "overrides": overrides},
            "items": items,
        });
        let path = self.directory.join("legacy-items.json");
        std::fs::write(&path, file.to_string()).unwrap();
        let path = path.to_str().unwrap();
        let endpoint = LocalAws::shared().endpoint();
        let args = ["--table", &self.table_name, "--key-id", &self.kms_key, "--items", path];
        let (ok, _, stderr) =
            ddb_encrypt_dev::python::aws_interop(&endpoint, "direct-kms-write", &args);
        assert!(ok, "the Python client could not write: {stderr}");
    }

    /// Writes `accounts` unencrypted.
    pub(crate) async fn write_plaintext(&self, accounts: &[Account]) {
        use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
        let client = LocalAws::shared().dynamodb();
        for chunk in accounts.chunks(25) {
            let requests = chunk.iter().map(|a| {
                let item = [
                    ("id", AttributeValue::S(a.id.clone())),
                    ("balance", AttributeValue::N(a.balance.to_string())),
                    ("owner", AttributeValue::S(a.owner.clone())),
                    ("rev", AttributeValue::N(a.rev.to_string())),
                ];
                let item = item.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                let put = PutRequest::builder().set_item(Some(item)).build().unwrap();
                WriteRequest::builder().put_request(put).build()
            });
            let output = client
                .batch_write_item()
                .request_items(&self.table_name, requests.collect())
                .send()
                .await
                .unwrap();
            assert!(output.unprocessed_items.unwrap_or_default().is_empty());
        }
    }
}

/// Every item of `table_name` as stored, by a consistent scan.
pub(crate) async fn stored_items(
    table_name: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let scan = LocalAws::shared().dynamodb().scan().table_name(table_name).consistent_read(true);
    scan.into_paginator().items().send().try_collect().await.unwrap()
}

/// What a `ddbe` run printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: std::process::ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// Whether the test killed it.
    pub(crate) killed: bool,
}

impl Run {
    /// The JSON lines of stdout.
    pub(crate) fn json(&self) -> Vec<Value> {
        self.stdout.lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
    }

    /// The events of one kind (`page`, `failed`, `summary`).
    pub(crate) fn events(&self, kind: &str) -> Vec<Value> {
        self.json().into_iter().filter(|event| event["event"] == kind).collect()
    }
}

/// Runs `ddbe --config CONFIG ARGS...` to its end.
pub(crate) fn ddbe(config: &Path, args: &[&str]) -> Run {
    ddbe_killed_after(config, args, None)
}

/// Runs `ddbe --json ...`, and kills it (SIGKILL) once its page events have counted
/// `items` items, if it gets that far.
pub(crate) fn ddbe_killed_after(config: &Path, args: &[&str], items: Option<u64>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddbe"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        // The keys a configuration may name for a wrapped provider (base64).
        .env("DDBE_TEST_WRAPPING_KEY", "UlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlJSUlI=")
        .env("DDBE_TEST_SIGNING_KEY", "U1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1NTU1M=")
        .env_remove("AWS_PROFILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let mut lines = String::new();
    let mut seen = 0;
    let mut killed = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Ok(event) = serde_json::from_str::<Value>(&line) {
            seen += event["page_items"].as_u64().unwrap_or(0);
        }
        lines.push_str(&line);
        lines.push('\n');
        if items.is_some_and(|items| seen >= items) {
            child.kill().unwrap();
            killed = true;
            break;
        }
    }
    let status = child.wait().unwrap();
    Run { status, stdout: lines, stderr: errors.join().unwrap(), killed }
}
