//! `keystore-write` and `keystore-read`: the official SDK against a local DynamoDB and KMS API
//! (the moto server), with a branch key store, the hierarchical keyring and a standard beacon.
//!
//! `keystore-write` creates a KMS key, a key store with one branch key, a data table with a
//! beacon index, puts a few items through the SDK's DynamoDB interceptor and describes all of
//! it in a state file. `keystore-read` takes such a file, written by either implementation, and
//! reads the keys and items back with the official SDK: gets by key, finds by beacon.
//!
//! Both refuse to run unless `AWS_ENDPOINT_URL` names a loopback address, and pin every client
//! they build to that endpoint.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_db_esdk::CryptoAction;
use aws_db_esdk::DynamoDbTablesEncryptionConfig;
use aws_db_esdk::dynamodb::types::{
    BeaconKeySource, BeaconVersion, DynamoDbTableEncryptionConfig, SearchConfig, SingleKeyStore,
    StandardBeacon,
};
use aws_db_esdk::intercept::DbEsdkInterceptor;
use aws_db_esdk::key_store::client::Client as KeyStore;
use aws_db_esdk::key_store::types::KmsConfiguration;
use aws_db_esdk::key_store::types::key_store_config::KeyStoreConfig;
use aws_db_esdk::material_providers::client::Client as Mpl;
use aws_db_esdk::material_providers::types::keyring::KeyringRef;
use aws_db_esdk::material_providers::types::material_providers_config::MaterialProvidersConfig;
use aws_sdk_dynamodb::Client as Ddb;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, IndexStatus,
    KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType, TableStatus,
};
use aws_sdk_kms::Client as Kms;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use serde::{Deserialize, Serialize};

use crate::item::{self, Item};

/// The key store's logical name, bound into every branch key's encryption context.
const LOGICAL_KEY_STORE_NAME: &str = "interop-key-store";
const PARTITION_KEY: &str = "tenant";
const SORT_KEY: &str = "id";
const BEACON_NAME: &str = "email";
const BEACON_LENGTH: i32 = 8;
/// The attribute holding the beacon, which the index is on.
const BEACON_ATTRIBUTE: &str = "aws_dbe_b_email";
const INDEX: &str = "ByEmail";
/// Cache lifetime of branch and beacon keys, seconds.
const KEY_TTL: i32 = 600;
/// How long to wait for a new table to become active.
const TABLE_WAIT: Duration = Duration::from_secs(60);

/// The state file: what `keystore-write` created, for `keystore-read` to read back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    /// The implementation that wrote it (`aws-db-esdk` or `ddb-encrypt`).
    pub writer: String,
    pub kms_key_arn: String,
    pub key_store_table: String,
    pub logical_key_store_name: String,
    pub branch_key_id: String,
    pub table: String,
    pub beacon: Beacon,
    pub items: Vec<StateItem>,
}

/// The standard beacon on `email` and the index on its attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beacon {
    pub name: String,
    pub length: i32,
    pub index: String,
}

/// One item as written (all four attributes are strings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateItem {
    pub tenant: String,
    pub id: String,
    pub email: String,
    pub note: String,
}

impl Beacon {
    /// The one beacon both subcommands configure.
    fn expected() -> Self {
        Beacon { name: BEACON_NAME.into(), length: BEACON_LENGTH, index: INDEX.into() }
    }
}

impl StateItem {
    /// The item as DynamoDB holds it in plaintext.
    fn to_item(&self) -> Item {
        let s = |v: &str| AttributeValue::S(v.to_owned());
        HashMap::from([
            (PARTITION_KEY.to_owned(), s(&self.tenant)),
            (SORT_KEY.to_owned(), s(&self.id)),
            ("email".to_owned(), s(&self.email)),
            ("note".to_owned(), s(&self.note)),
        ])
    }

    fn key(&self) -> String {
        format!("{}/{}", self.tenant, self.id)
    }
}

/// `keystore-write STATE_OUT`: creates the keys, the table and the items with the official SDK
/// and writes the state file.
pub async fn write(out: &Path) -> Result<(), String> {
    let aws = Aws::load().await?;
    let suffix = unique_suffix();

    let kms_key_arn = create_kms_key(&aws.kms()).await?;
    println!("created KMS key {kms_key_arn}");

    let key_store_table = format!("official-keys-{suffix}");
    let store = key_store(&aws, &key_store_table, LOGICAL_KEY_STORE_NAME, &kms_key_arn)?;
    store.create_key_store().send().await.map_err(context("CreateKeyStore"))?;
    let branch_key_id = store
        .create_key()
        .send()
        .await
        .map_err(context("CreateKey"))?
        .branch_key_identifier
        .ok_or("CreateKey returned no branch key id")?;
    println!("created key store {key_store_table} with branch key {branch_key_id}");

    let table = format!("official-items-{suffix}");
    create_table(&aws.ddb(), &table).await?;
    println!("created table {table} with index {INDEX}");

    let client = encrypting_client(&aws, &table, &store, &branch_key_id).await?;
    let items = sample_items();
    for item in &items {
        put(&client, &table, item).await?;
    }
    println!("put {} items", items.len());

    let state = State {
        writer: "aws-db-esdk".into(),
        kms_key_arn,
        key_store_table,
        logical_key_store_name: LOGICAL_KEY_STORE_NAME.into(),
        branch_key_id,
        table,
        beacon: Beacon::expected(),
        items,
    };
    let text = serde_json::to_string_pretty(&state).map_err(|e| e.to_string())? + "\n";
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

/// `keystore-read STATE`: reads another implementation's keys and items with the official SDK.
/// Prints `ok CHECK` or `FAIL CHECK: reason` per check and a summary; fails if any check did.
pub async fn read(path: &Path) -> Result<(), String> {
    let state = read_state(path)?;
    let aws = Aws::load().await?;
    println!("state written by {}", state.writer);

    let store =
        key_store(&aws, &state.key_store_table, &state.logical_key_store_name, &state.kms_key_arn)?;
    let mut tally = Tally::default();
    tally.record(check_branch_key(&store, &state.branch_key_id).await);
    tally.record(check_beacon_key(&store, &state.branch_key_id).await);

    let client = encrypting_client(&aws, &state.table, &store, &state.branch_key_id).await?;
    for item in &state.items {
        tally.record(check_get(&client, &state.table, item).await);
    }
    let mut emails: Vec<&str> = state.items.iter().map(|i| i.email.as_str()).collect();
    emails.sort_unstable();
    emails.dedup();
    for email in emails {
        tally.record(check_find(&client, &state, email).await);
    }

    println!("keystore-read: {} ok, {} failed", tally.ok, tally.failed);
    if tally.failed > 0 { Err(format!("{} checks failed", tally.failed)) } else { Ok(()) }
}

/// Reads a state file and checks that it describes what this tool can configure.
fn read_state(path: &Path) -> Result<State, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let state: State =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if state.beacon != Beacon::expected() {
        return Err(format!(
            "{}: beacon {:?}, but this tool configures {:?}",
            path.display(),
            state.beacon,
            Beacon::expected()
        ));
    }
    if state.items.is_empty() {
        return Err(format!("{}: no items", path.display()));
    }
    Ok(state)
}

/// Counts checks and prints each result.
#[derive(Default)]
struct Tally {
    ok: usize,
    failed: usize,
}

impl Tally {
    /// `Ok(what)` passed, `Err(what: reason)` failed.
    fn record(&mut self, result: Result<String, String>) {
        match result {
            Ok(what) => {
                println!("ok {what}");
                self.ok += 1;
            }
            Err(what) => {
                println!("FAIL {what}");
                self.failed += 1;
            }
        }
    }
}

async fn check_branch_key(store: &KeyStore, branch_key_id: &str) -> Result<String, String> {
    let fail = |e: String| format!("active branch key {branch_key_id}: {e}");
    let materials = store
        .get_active_branch_key()
        .branch_key_identifier(branch_key_id)
        .send()
        .await
        .map_err(context("GetActiveBranchKey"))
        .map_err(fail)?
        .branch_key_materials
        .ok_or_else(|| fail("no materials".into()))?;
    let version = materials.branch_key_version.ok_or_else(|| fail("no version".into()))?;
    Ok(format!("active branch key {branch_key_id}: version {version}"))
}

async fn check_beacon_key(store: &KeyStore, branch_key_id: &str) -> Result<String, String> {
    let fail = |e: String| format!("beacon key {branch_key_id}: {e}");
    let materials = store
        .get_beacon_key()
        .branch_key_identifier(branch_key_id)
        .send()
        .await
        .map_err(context("GetBeaconKey"))
        .map_err(fail)?
        .beacon_key_materials
        .ok_or_else(|| fail("no materials".into()))?;
    if materials.beacon_key.is_none_or(|key| key.as_ref().len() != 32) {
        return Err(fail("no 32-byte beacon key".into()));
    }
    Ok(format!("beacon key {branch_key_id}"))
}

/// Gets an item by its key through the interceptor and compares it with the expected one:
/// exactly its four attributes. (The interceptor removes every `aws_dbe_` attribute, the
/// header, footer and beacons, from what it returns, so none is expected.)
async fn check_get(client: &Ddb, table: &str, item: &StateItem) -> Result<String, String> {
    let what = format!("get {}", item.key());
    let output = client
        .get_item()
        .table_name(table)
        .key(PARTITION_KEY, AttributeValue::S(item.tenant.clone()))
        .key(SORT_KEY, AttributeValue::S(item.id.clone()))
        .consistent_read(true)
        .send()
        .await
        .map_err(sdk_context("GetItem"))
        .map_err(|e| format!("{what}: {e}"))?;
    let got = output.item.ok_or_else(|| format!("{what}: not found"))?;
    item::compare(&item.to_item(), &got).map_err(|e| format!("{what}: {e}"))?;
    Ok(what)
}

/// Queries the beacon index for an email through the interceptor, which turns `email = :e`
/// into a condition on the beacon and drops false positives; the items found must be exactly
/// those of the state with that email.
async fn check_find(client: &Ddb, state: &State, email: &str) -> Result<String, String> {
    let what = format!("find {email}");
    let found =
        query_email(client, &state.table, email).await.map_err(|e| format!("{what}: {e}"))?;
    let mut got: Vec<String> =
        found.iter().map(key_of).collect::<Result<_, _>>().map_err(|e| format!("{what}: {e}"))?;
    let mut expected: Vec<String> =
        state.items.iter().filter(|i| i.email == email).map(StateItem::key).collect();
    got.sort();
    expected.sort();
    if got != expected {
        return Err(format!("{what}: got {got:?}, expected {expected:?}"));
    }
    Ok(format!("{what}: {} items", got.len()))
}

/// Every item of the index whose `email` is `email`, over all pages.
async fn query_email(client: &Ddb, table: &str, email: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = client
            .query()
            .table_name(table)
            .index_name(INDEX)
            .key_condition_expression("email = :e")
            .expression_attribute_values(":e", AttributeValue::S(email.to_owned()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk_context("Query"))?;
        items.extend(output.items.unwrap_or_default());
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

/// `tenant/id` of a returned item.
fn key_of(item: &Item) -> Result<String, String> {
    match (item.get(PARTITION_KEY), item.get(SORT_KEY)) {
        (Some(AttributeValue::S(tenant)), Some(AttributeValue::S(id))) => {
            Ok(format!("{tenant}/{id}"))
        }
        _ => Err(format!("returned item without string {PARTITION_KEY} and {SORT_KEY}")),
    }
}

/// The items `keystore-write` puts: two share an email, the others are distinct.
fn sample_items() -> Vec<StateItem> {
    let emails = [
        "ada@example.com",
        "bob@example.com",
        "carol@example.com",
        "ada@example.com",
        "dan@example.com",
        "eve@example.com",
    ];
    emails
        .iter()
        .enumerate()
        .map(|(i, email)| {
            let id = format!("o-{}", i + 1);
            StateItem {
                tenant: "t1".into(),
                note: format!("note {id}"),
                id,
                email: (*email).into(),
            }
        })
        .collect()
}

async fn put(client: &Ddb, table: &str, item: &StateItem) -> Result<(), String> {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item.to_item()))
        .send()
        .await
        .map_err(sdk_context(&format!("PutItem {}", item.key())))?;
    Ok(())
}

/// A symmetric encryption KMS key, for wrapping branch keys; returns its ARN.
async fn create_kms_key(kms: &Kms) -> Result<String, String> {
    let output = kms
        .create_key()
        .key_spec(KeySpec::SymmetricDefault)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .description("dbesdk-interop branch key wrapping key")
        .send()
        .await
        .map_err(sdk_context("KMS CreateKey"))?;
    output.key_metadata.and_then(|m| m.arn).ok_or_else(|| "CreateKey returned no ARN".into())
}

/// The official key store over `table`, wrapping branch keys with `kms_key_arn`.
fn key_store(
    aws: &Aws,
    table: &str,
    logical_name: &str,
    kms_key_arn: &str,
) -> Result<KeyStore, String> {
    let config = KeyStoreConfig::builder()
        .ddb_client(aws.ddb())
        .kms_client(aws.kms())
        .ddb_table_name(table)
        .logical_key_store_name(logical_name)
        .kms_configuration(KmsConfiguration::KmsKeyArn(kms_key_arn.to_owned()))
        .build()
        .map_err(context("key store config"))?;
    KeyStore::from_conf(config).map_err(context("key store"))
}

/// The data table: `tenant` and `id` (strings), on demand, and the index on the beacon.
async fn create_table(ddb: &Ddb, table: &str) -> Result<(), String> {
    let string = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(context("attribute definition"))
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(context("key schema"))
    };
    let index = GlobalSecondaryIndex::builder()
        .index_name(INDEX)
        .key_schema(key(BEACON_ATTRIBUTE, KeyType::Hash)?)
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .map_err(context("index"))?;
    ddb.create_table()
        .table_name(table)
        .attribute_definitions(string(PARTITION_KEY)?)
        .attribute_definitions(string(SORT_KEY)?)
        .attribute_definitions(string(BEACON_ATTRIBUTE)?)
        .key_schema(key(PARTITION_KEY, KeyType::Hash)?)
        .key_schema(key(SORT_KEY, KeyType::Range)?)
        .billing_mode(BillingMode::PayPerRequest)
        .global_secondary_indexes(index)
        .send()
        .await
        .map_err(sdk_context(&format!("CreateTable {table}")))?;
    wait_until_active(ddb, table).await
}

/// Polls until the table and its indexes are active.
async fn wait_until_active(ddb: &Ddb, table: &str) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + TABLE_WAIT;
    loop {
        let description = ddb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(sdk_context(&format!("DescribeTable {table}")))?
            .table
            .ok_or_else(|| format!("DescribeTable {table}: no description"))?;
        let table_active = description.table_status() == Some(&TableStatus::Active);
        // DynamoDB always reports an index's status; a server that leaves it out has none
        // to wait for.
        let indexes_active = description
            .global_secondary_indexes()
            .iter()
            .all(|i| i.index_status().is_none_or(|s| *s == IndexStatus::Active));
        if table_active && indexes_active {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("table {table} not active after {TABLE_WAIT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A DynamoDB client that encrypts, decrypts and beacons items of `table` with the SDK's
/// interceptor: hierarchical keyring and beacon key both from `branch_key_id`.
async fn encrypting_client(
    aws: &Aws,
    table: &str,
    store: &KeyStore,
    branch_key_id: &str,
) -> Result<Ddb, String> {
    let actions = HashMap::from([
        (PARTITION_KEY.to_owned(), CryptoAction::SignOnly),
        (SORT_KEY.to_owned(), CryptoAction::SignOnly),
        ("email".to_owned(), CryptoAction::EncryptAndSign),
        ("note".to_owned(), CryptoAction::EncryptAndSign),
    ]);
    let config = DynamoDbTableEncryptionConfig::builder()
        .logical_table_name(table)
        .partition_key_name(PARTITION_KEY)
        .sort_key_name(SORT_KEY)
        .attribute_actions_on_encrypt(actions)
        .keyring(hierarchical_keyring(store, branch_key_id).await?)
        .search(search_config(store, branch_key_id)?)
        .build()
        .map_err(context("table encryption config"))?;
    let tables = DynamoDbTablesEncryptionConfig::builder()
        .table_encryption_configs(HashMap::from([(table.to_owned(), config)]))
        .build()
        .map_err(context("tables encryption config"))?;
    let interceptor = DbEsdkInterceptor::new(tables).map_err(context("interceptor"))?;
    Ok(Ddb::from_conf(aws.ddb_config().interceptor(interceptor).build()))
}

async fn hierarchical_keyring(store: &KeyStore, branch_key_id: &str) -> Result<KeyringRef, String> {
    let config = MaterialProvidersConfig::builder().build().map_err(context("mpl config"))?;
    let mpl = Mpl::from_conf(config).map_err(context("material providers"))?;
    mpl.create_aws_kms_hierarchical_keyring()
        .key_store(store.clone())
        .branch_key_id(branch_key_id)
        .ttl_seconds(KEY_TTL)
        .send()
        .await
        .map_err(context("hierarchical keyring"))
}

/// Search configuration version 1: the standard beacon on `email`, its key the beacon key of
/// `branch_key_id`. The partition settings (`maximum_number_of_partitions`,
/// `default_number_of_partitions`, the beacon's `number_of_partitions`) are left unset: one
/// partition, so beacons are the plain truncated HMAC and queries need no partition number.
fn search_config(store: &KeyStore, branch_key_id: &str) -> Result<SearchConfig, String> {
    let beacon = StandardBeacon::builder()
        .name(BEACON_NAME)
        .length(BEACON_LENGTH)
        .build()
        .map_err(context("standard beacon"))?;
    let source = SingleKeyStore::builder()
        .key_id(branch_key_id)
        .cache_ttl(KEY_TTL)
        .build()
        .map_err(context("single key store"))?;
    let version = BeaconVersion::builder()
        .version(1)
        .key_store(store.clone())
        .key_source(BeaconKeySource::Single(source))
        .standard_beacons(vec![beacon])
        .build()
        .map_err(context("beacon version"))?;
    SearchConfig::builder()
        .write_version(1)
        .versions(vec![version])
        .build()
        .map_err(context("search config"))
}

/// The AWS configuration from the environment, with the loopback endpoint every client is
/// pinned to (a service-specific `AWS_ENDPOINT_URL_*` or a profile cannot redirect one).
struct Aws {
    config: SdkConfig,
    endpoint: String,
}

impl Aws {
    async fn load() -> Result<Self, String> {
        let endpoint = local_endpoint()?;
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        Ok(Aws { config, endpoint })
    }

    fn ddb_config(&self) -> aws_sdk_dynamodb::config::Builder {
        aws_sdk_dynamodb::config::Builder::from(&self.config).endpoint_url(&self.endpoint)
    }

    fn ddb(&self) -> Ddb {
        Ddb::from_conf(self.ddb_config().build())
    }

    fn kms(&self) -> Kms {
        let config = aws_sdk_kms::config::Builder::from(&self.config).endpoint_url(&self.endpoint);
        Kms::from_conf(config.build())
    }
}

/// `AWS_ENDPOINT_URL`, if it names `localhost` or an address in 127.0.0.0/8.
fn local_endpoint() -> Result<String, String> {
    let url = std::env::var("AWS_ENDPOINT_URL").map_err(|_| {
        "AWS_ENDPOINT_URL is not set: run under scripts/with-local-aws.sh".to_owned()
    })?;
    if !is_loopback_url(&url) {
        return Err(format!(
            "AWS_ENDPOINT_URL={url:?} is not a localhost or 127.x.x.x address; refusing to run"
        ));
    }
    Ok(url)
}

/// Whether `url` is `http(s)://HOST[:PORT][/...]` with HOST `localhost` or a 127.x.x.x address.
fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.octets()[0] == 127)
}

/// A suffix for new table names: the time in nanoseconds, in hex.
fn unique_suffix() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{:x}", now.as_nanos())
}

/// Formats an error of the official SDK as `what: error` (its `Display` already shows the
/// whole error).
fn context<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Formats an AWS SDK error as `what: error`, with its sources and details.
fn sdk_context<E: std::error::Error>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {}", DisplayErrorContext(&e))
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn only_loopback_endpoints() {
        for url in [
            "http://127.0.0.1:5000",
            "http://127.0.0.1:5000/",
            "https://127.12.0.9",
            "http://localhost:8000/path",
            "http://LOCALHOST",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "",
            "127.0.0.1:5000",
            "ftp://127.0.0.1",
            "http://10.0.0.1:5000",
            "http://128.0.0.1",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
            "http://127.0.0.1@example.com",
            "http://user@127.0.0.1",
            "http://[::1]:5000",
            "https://dynamodb.us-east-1.amazonaws.com",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
