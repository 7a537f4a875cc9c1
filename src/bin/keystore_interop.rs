//! The branch key store and standard beacons, both ways with the official AWS Database
//! Encryption SDK (`interop/dbesdk`, built by `scripts/dbesdk-interop.sh`), against a local
//! DynamoDB and KMS API that this program starts:
//!
//! 1. the official SDK makes a KMS key, a key store with a branch key, and a table with a beacon
//!    index, and writes items through its hierarchical keyring and beacon; ddb-encrypt reads
//!    the store (active, version and beacon keys), gets every item and finds each by its email;
//! 2. ddb-encrypt does the same; the official SDK reads its store, gets every item and queries
//!    each email through its beacon.
//!
//! `keystore_interop PATH_TO_DBESDK_INTEROP`; exits non-zero on any failure.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::EncryptedItem;
use ddb_encrypt::EncryptedTable;
use ddb_encrypt::beacon::SingleKeyStore;
use ddb_encrypt::keyring::{
    BranchKeyCache, BranchKeyStore as _, DynamoDbBranchKeyStore, HierarchicalKeyring,
};
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use serde::{Deserialize, Serialize};

/// The item both implementations write: keys in the clear, the email encrypted and beaconed.
#[derive(EncryptedItem, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Order {
    #[ddb(partition_key)]
    tenant: String,
    #[ddb(sort_key)]
    id: String,
    #[ddb(beacon(length = 8, index = "ByEmail"))]
    email: String,
    note: String,
}

/// What a writer hands to the other implementation's reader.
#[derive(Serialize, Deserialize, Debug)]
struct State {
    writer: String,
    kms_key_arn: String,
    key_store_table: String,
    logical_key_store_name: String,
    branch_key_id: String,
    table: String,
    beacon: BeaconState,
    items: Vec<Order>,
}

#[derive(Serialize, Deserialize, Debug)]
struct BeaconState {
    name: String,
    length: u8,
    index: String,
}

const LOGICAL_KEY_STORE_NAME: &str = "interop-key-store";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [official] = args.as_slice() else {
        eprintln!("usage: keystore_interop PATH_TO_DBESDK_INTEROP");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(Path::new(official))),
        Err(error) => Err(error.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("keystore_interop: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(official: &Path) -> Result<(), String> {
    let local = LocalAws::start()?;
    let work = std::env::temp_dir().join(unique_name("keystore-interop"));
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let result = both_ways(&local, official, &work).await;
    local.stop();
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn both_ways(local: &LocalAws, official: &Path, work: &Path) -> Result<(), String> {
    println!("== ddb-encrypt reads the key store and the items the official SDK wrote");
    let theirs = work.join("official.json");
    run_official(local, official, "keystore-write", &theirs)?;
    let text = std::fs::read_to_string(&theirs).map_err(|e| e.to_string())?;
    let state: State = serde_json::from_str(&text).map_err(|e| format!("official state: {e}"))?;
    read(local, &state).await?;

    println!("== the official SDK reads the key store and the items ddb-encrypt wrote");
    let ours = work.join("ours.json");
    let state = write(local).await?;
    let text = serde_json::to_string_pretty(&state).map_err(|e| e.to_string())?;
    std::fs::write(&ours, text).map_err(|e| e.to_string())?;
    run_official(local, official, "keystore-read", &ours)
}

/// Runs the official side against this program's server.
fn run_official(
    local: &LocalAws,
    official: &Path,
    command: &str,
    state: &Path,
) -> Result<(), String> {
    let status = Command::new(official)
        .arg(command)
        .arg(state)
        .env("AWS_ENDPOINT_URL", local.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .status()
        .map_err(|e| format!("{}: {e}", official.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("dbesdk-interop {command} failed: {status}"))
    }
}

/// The table of `state` through ddb-encrypt: a hierarchical keyring and the beacon key of its
/// branch key, both through one cache of its key store.
fn open(local: &LocalAws, state: &State) -> Result<(EncryptedTable<Order>, Arc<Cached>), String> {
    let store = DynamoDbBranchKeyStore::new(
        local.dynamodb(),
        &state.key_store_table,
        &state.logical_key_store_name,
        local.kms(),
        &state.kms_key_arn,
    )
    .map_err(|e| format!("key store: {e}"))?;
    let cache = Arc::new(BranchKeyCache::new(store, Duration::from_mins(10), 100));
    let keyring = HierarchicalKeyring::new(Arc::clone(&cache), &state.branch_key_id);
    let table = EncryptedTable::<Order>::new(local.dynamodb(), &state.table, keyring)
        .map_err(|e| e.to_string())?
        .with_beacon_key(SingleKeyStore::new(Arc::clone(&cache), &state.branch_key_id));
    Ok((table, cache))
}

type Cached = BranchKeyCache<DynamoDbBranchKeyStore>;

async fn read(local: &LocalAws, state: &State) -> Result<(), String> {
    let (table, cache) = open(local, state)?;
    let id = &state.branch_key_id;
    let active = cache.active_key(id).await.map_err(|e| format!("active key of {id}: {e}"))?;
    let version = cache.key_version(id, active.version()).await.map_err(|e| e.to_string())?;
    if version.is_none() {
        return Err(format!("the active version of {id} is not in the store"));
    }
    cache.beacon_key(id).await.map_err(|e| format!("beacon key of {id}: {e}"))?;
    println!("ok key store {}: active key, its version and the beacon key", state.key_store_table);
    check_beacon(state)?;

    let mut failed = 0;
    for expected in &state.items {
        match table.get((&expected.tenant, &expected.id)).await {
            Ok(Some(order)) if &order == expected => {
                println!("ok get {}/{}", order.tenant, order.id);
            }
            other => {
                println!("FAIL get {}/{}: {other:?}", expected.tenant, expected.id);
                failed += 1;
            }
        }
    }
    for (email, expected) in by_email(&state.items) {
        let found = table.find(Order::BEACONS.email, &email).await;
        match found.map(sorted) {
            Ok(found) if found == expected => println!("ok find {email}: {} items", found.len()),
            other => {
                println!("FAIL find {email}: {other:?}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} checks of the official SDK's items failed"));
    }
    Ok(())
}

/// The beacon the other side declared is ours.
fn check_beacon(state: &State) -> Result<(), String> {
    let [ours] = Order::SCHEMA.beacons else { return Err("Order has one beacon".into()) };
    let theirs = &state.beacon;
    if (theirs.name.as_str(), theirs.length, Some(theirs.index.as_str()))
        != (ours.name, ours.length, ours.index)
    {
        return Err(format!("the state's beacon {theirs:?} is not Order's {ours:?}"));
    }
    Ok(())
}

async fn write(local: &LocalAws) -> Result<State, String> {
    let kms_key_arn = local.create_kms_key().await;
    let key_store_table = unique_name("ours-keys");
    let store = DynamoDbBranchKeyStore::new(
        local.dynamodb(),
        &key_store_table,
        LOGICAL_KEY_STORE_NAME,
        local.kms(),
        &kms_key_arn,
    )
    .map_err(|e| e.to_string())?;
    store.create_table().await.map_err(|e| format!("key store table: {e}"))?;
    let branch_key_id = store.create_key().await.map_err(|e| format!("branch key: {e}"))?;
    let [beacon] = Order::SCHEMA.beacons else { return Err("Order has one beacon".into()) };
    let state = State {
        writer: "ddb-encrypt".into(),
        kms_key_arn,
        key_store_table,
        logical_key_store_name: LOGICAL_KEY_STORE_NAME.into(),
        branch_key_id,
        table: unique_name("ours-items"),
        beacon: BeaconState {
            name: beacon.name.into(),
            length: beacon.length,
            index: beacon.index.unwrap_or_default().into(),
        },
        items: orders(),
    };
    let (table, _) = open(local, &state)?;
    table.create_table().await.map_err(|e| format!("table: {e}"))?;
    for order in &state.items {
        table.put(order).await.map_err(|e| format!("put {}: {e}", order.id))?;
    }
    println!(
        "wrote {} items to {} under branch key {}",
        state.items.len(),
        state.table,
        state.branch_key_id
    );
    Ok(state)
}

/// Six orders of one tenant; two share an email.
fn orders() -> Vec<Order> {
    let emails = ["ada", "bob", "cy", "ada", "dee", "eve"];
    emails
        .iter()
        .zip(1..)
        .map(|(name, n)| Order {
            tenant: "t1".into(),
            id: format!("o-{n}"),
            email: format!("{name}@example.com"),
            note: format!("note o-{n}"),
        })
        .collect()
}

fn by_email(items: &[Order]) -> BTreeMap<String, Vec<Order>> {
    let mut map: BTreeMap<String, Vec<Order>> = BTreeMap::new();
    for item in items {
        map.entry(item.email.clone()).or_default().push(item.clone());
    }
    map.into_iter().map(|(email, orders)| (email, sorted(orders))).collect()
}

fn sorted(mut orders: Vec<Order>) -> Vec<Order> {
    orders.sort();
    orders
}
