//! Interop with the real Python DynamoDB Encryption Client over the local DynamoDB and KMS
//! APIs: Direct KMS items and Most Recent items both ways, and one meta table shared by both
//! implementations.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::format::DESCRIPTION_ATTRIBUTE;
use ddb_encrypt::provider::MetaStore;
use ddb_encrypt::provider::{
    AwsKmsMaterialsProvider, CryptographicMaterialsProvider, MostRecentProvider, ProviderStore,
};
use ddb_encrypt::{ItemEncryptor, TableSchema};
use ddb_encrypt_dev::json::{self, Item, Numbers};
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use ddb_encrypt_dev::python::{aws_interop, workspace_root};
use ddb_encrypt_dev::vectors::{VectorFile, provider_from_spec};
use serde_json::{Value, json};

/// An item file of the Python CLI, and its twin for this crate.
struct Items {
    path: PathBuf,
    items: Vec<Item>,
    actions: Value,
}

fn items_file(label: &str) -> Items {
    let items_json: Vec<Value> = (0..4)
        .map(|n| {
            json!({
                "pk": {"S": format!("{label}-user")},
                "sk": {"N": n.to_string()},
                "kind": {"S": "signed"},
                "note": {"S": "free"},
                "secret": {"S": format!("secret number {n}")},
                "blob": {"B": "AAEC/w=="},
                "nested": {"M": {"l": {"L": [{"N": "1.5"}, {"SS": ["a", "b"]}]}, "t": {"BOOL": true}}}
            })
        })
        .collect();
    let actions = json!({"default": "ENCRYPT_AND_SIGN", "overrides": {"pk": "SIGN_ONLY", "sk": "SIGN_ONLY", "kind": "SIGN_ONLY", "note": "DO_NOTHING"}});
    let file = json!({"partition_key_name": "pk", "sort_key_name": "sk", "attribute_actions": actions, "items": items_json});
    let dir = workspace_root().join("target/aws-interop");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.json", unique_name(label)));
    std::fs::write(&path, file.to_string()).unwrap();
    let items = items_json.iter().map(|i| json::item_from_json(i).unwrap()).collect();
    Items { path, items, actions }
}

impl Items {
    fn path(&self) -> &str {
        self.path.to_str().unwrap()
    }

    fn schema(&self, table: &str) -> TableSchema {
        let mut builder = TableSchema::builder(table).partition_key("pk").sort_key("sk");
        for (name, action) in self.actions["overrides"].as_object().unwrap() {
            builder = builder.action(
                name,
                ddb_encrypt::AttributeAction::from_name(action.as_str().unwrap()).unwrap(),
            );
        }
        builder.build().unwrap()
    }

    fn key(item: &Item) -> Item {
        item.iter()
            .filter(|(k, _)| *k == "pk" || *k == "sk")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Writes every item with `encryptor` (legacy format) and `put_item`.
    async fn write(
        &self,
        client: &aws_sdk_dynamodb::Client,
        table: &str,
        encryptor: &ItemEncryptor,
    ) {
        let schema = self.schema(table);
        for item in &self.items {
            let stored = encryptor.encrypt_item(&schema, item.clone()).await.unwrap();
            client.put_item().table_name(table).set_item(Some(stored)).send().await.unwrap();
        }
    }

    /// Reads every item back with `encryptor` and compares; returns the items as stored.
    async fn read(
        &self,
        client: &aws_sdk_dynamodb::Client,
        table: &str,
        encryptor: &ItemEncryptor,
    ) -> Vec<Item> {
        let schema = self.schema(table);
        let mut stored_items = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            let stored = client
                .get_item()
                .table_name(table)
                .set_key(Some(Self::key(item)))
                .consistent_read(true)
                .send()
                .await
                .unwrap()
                .item;
            let stored = stored.unwrap_or_else(|| panic!("item {index} missing in {table}"));
            let decrypted = encryptor
                .decrypt_item(&schema, stored.clone())
                .await
                .unwrap_or_else(|e| panic!("item {index}: {e}"));
            assert_eq!(
                json::canonical_item(&decrypted, Numbers::Exact),
                json::canonical_item(item, Numbers::Exact),
                "item {index}"
            );
            stored_items.push(stored);
        }
        stored_items
    }
}

fn python(aws: &LocalAws, command: &str, args: &[&str]) -> Value {
    let (ok, json, stderr) = aws_interop(&aws.endpoint(), command, args);
    assert!(ok, "aws_interop.py {command} failed: {stderr}\n{json}");
    json
}

fn meta_id(item: &Item) -> String {
    let bytes = item[DESCRIPTION_ATTRIBUTE].as_b().unwrap().as_ref();
    let (md, _) = ddb_encrypt::__fuzz::decode_material_description(bytes).unwrap();
    md.get("amzn-ddb-meta-id").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn direct_kms_items_both_ways() {
    let aws = LocalAws::shared();
    let client = aws.dynamodb();
    let key = aws.create_kms_key().await;
    let items = items_file("kms");
    let kms = ItemEncryptor::legacy(
        AwsKmsMaterialsProvider::new(aws.kms(), &key).with_key_id_check(true),
    );

    // Python writes, Rust reads.
    let from_python = unique_name("py-kms");
    python(aws, "create-table", &["--table", &from_python, "--items", items.path()]);
    python(
        aws,
        "direct-kms-write",
        &["--table", &from_python, "--key-id", &key, "--items", items.path()],
    );
    items.read(&client, &from_python, &kms).await;

    // Rust writes, Python reads.
    let from_rust = unique_name("rs-kms");
    python(aws, "create-table", &["--table", &from_rust, "--items", items.path()]);
    items.write(&client, &from_rust, &kms).await;
    let read = python(
        aws,
        "direct-kms-read",
        &["--table", &from_rust, "--key-id", &key, "--items", items.path()],
    );
    assert_eq!(read["ok"], 4, "{read}");

    // The Python check can fail: under another key it refuses the items.
    let other = aws.create_kms_key().await;
    let (ok, _, _) = aws_interop(
        &aws.endpoint(),
        "direct-kms-read",
        &["--table", &from_rust, "--key-id", &other, "--items", items.path()],
    );
    assert!(!ok, "reading under another key must fail");
}

#[tokio::test]
async fn one_meta_table_serves_both_implementations() {
    let aws = LocalAws::shared();
    let client = aws.dynamodb();
    let items = items_file("mr");
    let meta_spec = json!({"type": "wrapped-aes", "wrapping_key_hex": "55".repeat(32), "signing_key_hex": "66".repeat(32)});
    let meta_spec_path = items.path.with_extension("meta.json");
    std::fs::write(&meta_spec_path, meta_spec.to_string()).unwrap();
    let meta_spec_path = meta_spec_path.to_str().unwrap();
    let meta_table = unique_name("meta");
    python(aws, "meta-create-table", &["--meta-table", &meta_table]);
    let store = Arc::new(
        MetaStore::new(client.clone(), &meta_table, provider_from_spec(&meta_spec).unwrap())
            .unwrap(),
    );
    let fresh = || {
        let provider: Arc<dyn CryptographicMaterialsProvider> = Arc::new(
            MostRecentProvider::new(store.clone(), "shared", Duration::from_mins(1)).unwrap(),
        );
        ItemEncryptor::legacy_from_arc(provider)
    };
    let python_args = |table: &str| {
        vec![
            "--table".to_owned(),
            table.to_owned(),
            "--meta-table".to_owned(),
            meta_table.clone(),
            "--material-name".to_owned(),
            "shared".to_owned(),
            "--meta-provider".to_owned(),
            meta_spec_path.to_owned(),
            "--items".to_owned(),
            items.path().to_owned(),
        ]
    };
    let run = |command: &str, table: &str| {
        let args = python_args(table);
        python(aws, command, &args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // Python creates version 0 and writes; Rust reads through the same meta table.
    let t1 = unique_name("mr1");
    python(aws, "create-table", &["--table", &t1, "--items", items.path()]);
    let written = run("most-recent-write", &t1);
    assert_eq!(written["max_version"], 0, "{written}");
    let stored = items.read(&client, &t1, &fresh()).await;
    assert!(meta_id(&stored[0]).ends_with("#0"));

    // Rust rotates to version 1 (a row Rust writes) and writes; Python reads.
    assert_eq!(store.new_provider("shared").await.unwrap().0, 1);
    let t2 = unique_name("mr2");
    python(aws, "create-table", &["--table", &t2, "--items", items.path()]);
    items.write(&client, &t2, &fresh()).await;
    assert_eq!(run("most-recent-read", &t2)["ok"], 4);
    let stored = items.read(&client, &t2, &fresh()).await;
    assert!(meta_id(&stored[0]).ends_with("#1"));

    // Python rotates to version 2; Rust writes with it; Python reads.
    let rotated = python(
        aws,
        "meta-new-version",
        &[
            "--meta-table",
            &meta_table,
            "--material-name",
            "shared",
            "--meta-provider",
            meta_spec_path,
        ],
    );
    assert_eq!(rotated["version"], 2, "{rotated}");
    let t3 = unique_name("mr3");
    python(aws, "create-table", &["--table", &t3, "--items", items.path()]);
    items.write(&client, &t3, &fresh()).await;
    let stored = items.read(&client, &t3, &fresh()).await;
    assert!(meta_id(&stored[0]).ends_with("#2"));
    assert_eq!(run("most-recent-read", &t3)["ok"], 4);

    // The rows are the Python MetaStore's: Python dumps three, all readable by this crate.
    let dump = python(aws, "meta-dump", &["--meta-table", &meta_table]);
    assert_eq!(dump["rows"].as_array().unwrap().len(), 3, "{dump}");
    for version in 0..=2 {
        assert!(store.provider("shared", version).await.unwrap().is_some(), "version {version}");
    }
}

#[tokio::test]
async fn the_vector_runner_uses_a_kms_endpoint_when_given_one() {
    let aws = LocalAws::shared();
    let key = aws.create_kms_key().await;
    let mut file = VectorFile::load(
        workspace_root().join("tests/vectors/kms/aws-kms-direct-moto-all-types.json"),
    )
    .unwrap();
    // Point the file at this server's key and drop the recorded data key.
    file.json["provider"]["key_id"] = key.into();
    for recorded in ["kms_plaintext_data_key_hex", "kms_ciphertext_blob_b64"] {
        file.json.as_object_mut().unwrap().remove(recorded);
    }
    let offline = file.clone();
    let file = file.with_kms_endpoint(Some(aws.endpoint()));
    let written = VectorFile { json: file.encrypt().await.unwrap(), ..file.clone() };
    written.check_decrypt().await.unwrap();
    written.check().await.unwrap();
    // Without an endpoint and without a recorded key, the runner says what it needs.
    let error = offline.check_decrypt().await.unwrap_err();
    assert!(error.contains("AWS_ENDPOINT_URL_KMS"), "{error}");
    // Only loopback endpoints.
    let remote = offline.with_kms_endpoint(Some("https://kms.us-east-1.amazonaws.com".into()));
    assert!(remote.check_decrypt().await.unwrap_err().contains("127.0.0.0/8"));
}
