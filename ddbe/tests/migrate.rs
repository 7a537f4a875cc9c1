//! `ddbe migrate` and `ddbe verify` on 20,000 items (legacy items written by the real Python
//! DynamoDB Encryption Client, plaintext and DB-ESDK items), while a writer keeps changing
//! random items, with the migration killed (SIGKILL) twice and resumed. Against the local
//! DynamoDB and KMS APIs (moto on 127.0.0.1).

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_dynamodb::types::{AttributeValue, StreamSpecification, StreamViewType};
use aws_sdk_dynamodbstreams::types::{AttributeValue as StreamValue, OperationType};
use ddb_encrypt::{EncryptedTable, Format};
use ddb_encrypt_dev::local_aws::LocalAws;
use support::{Account, Setup, account, ddbe, ddbe_killed_after};

const LEGACY: usize = 4_000;
const PLAINTEXT: usize = 8_000;
const DBESDK: usize = 8_000;
const ITEMS: usize = LEGACY + PLAINTEXT + DBESDK;

/// Changes random accounts until told to stop; returns each changed account's last value.
async fn writer(
    table: Arc<EncryptedTable<Account>>,
    stop: Arc<AtomicBool>,
) -> HashMap<String, Account> {
    let mut last = HashMap::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    while !stop.load(Ordering::Relaxed) {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let n = ((state >> 33) % ITEMS as u64) as usize;
        let id = account(n).id;
        let changed = table
            .modify(id.clone(), |a| {
                a.balance += 7;
                a.rev += 1;
            })
            .max_attempts(100)
            .await
            .unwrap()
            .unwrap();
        last.insert(id, changed);
    }
    last
}

/// The format of a stream image, and its revision.
fn image(image: Option<&HashMap<String, StreamValue>>) -> Option<(Format, String)> {
    let image = image?;
    let format = if image.contains_key("aws_dbe_head") {
        Format::DbEsdk
    } else if image.contains_key("*amzn-ddb-map-sig*") {
        Format::Legacy
    } else {
        Format::Plaintext
    };
    let Some(StreamValue::N(rev)) = image.get("rev") else { return None };
    Some((format, rev.clone()))
}

/// Every change of the table, from its stream: `(key, old image, new image)`.
async fn changes(
    table_name: &str,
) -> Vec<(String, Option<(Format, String)>, Option<(Format, String)>)> {
    let mut changes = Vec::new();
    for record in LocalAws::shared().stream_records(table_name).await {
        if record.event_name != Some(OperationType::Modify) {
            continue;
        }
        let data = record.dynamodb.unwrap();
        let Some(StreamValue::S(id)) = data.keys.as_ref().and_then(|k| k.get("id")) else {
            panic!("a stream record without its key");
        };
        changes.push((id.clone(), image(data.old_image.as_ref()), image(data.new_image.as_ref())));
    }
    changes
}

/// The table of 20,000 items, with a stream of its changes: legacy items written by the
/// Python client, plaintext and DB-ESDK items, interleaved by id.
async fn mixed_table() -> (Setup, Arc<EncryptedTable<Account>>) {
    let setup = Setup::new("ddbe-e2e").await;
    let table = setup.table();
    table.create_table().await.unwrap();
    let spec = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewAndOldImages)
        .build()
        .unwrap();
    let client = LocalAws::shared().dynamodb();
    client
        .update_table()
        .table_name(&setup.table_name)
        .stream_specification(spec)
        .send()
        .await
        .unwrap();

    // 20,000 items: legacy (the Python client), plaintext and DB-ESDK, interleaved by id.
    let accounts: Vec<Account> = (0..ITEMS).map(account).collect();
    let of_kind = |kind: usize| -> Vec<Account> {
        accounts.iter().enumerate().filter(|(n, _)| n % 5 == kind).map(|(_, a)| a.clone()).collect()
    };
    let legacy = of_kind(0);
    let plaintext: Vec<Account> = [of_kind(1), of_kind(2)].concat();
    let dbesdk: Vec<Account> = [of_kind(3), of_kind(4)].concat();
    assert_eq!((legacy.len(), plaintext.len(), dbesdk.len()), (LEGACY, PLAINTEXT, DBESDK));
    setup.write_legacy(&legacy);
    setup.write_plaintext(&plaintext).await;
    let table = Arc::new(table);
    let writes: Vec<_> = dbesdk
        .chunks(DBESDK / 4)
        .map(|chunk| {
            let (table, chunk) = (Arc::clone(&table), chunk.to_vec());
            tokio::spawn(async move {
                for account in &chunk {
                    table.put(account).await.unwrap();
                }
            })
        })
        .collect();
    for write in writes {
        write.await.unwrap();
    }
    (setup, table)
}

/// Sums the counts of every segment of a checkpoint file; checks that each is done.
fn checkpoint_counts(path: &std::path::Path) -> HashMap<String, u64> {
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut counted = HashMap::new();
    for segment in saved["segments"].as_object().unwrap().values() {
        assert_eq!(segment["done"], true);
        for (name, count) in segment["counts"].as_object().unwrap() {
            if let Some(count) = count.as_u64() {
                *counted.entry(name.clone()).or_default() += count;
            }
        }
    }
    counted
}

/// Alters one item's encrypted balance in place.
async fn tamper(table_name: &str, id: &str) {
    let client = LocalAws::shared().dynamodb();
    let key = HashMap::from([("id".to_owned(), AttributeValue::S(id.to_owned()))]);
    let request = client.get_item().table_name(table_name).set_key(Some(key));
    let mut item = request.send().await.unwrap().item.unwrap();
    let Some(AttributeValue::B(balance)) = item.get("balance") else {
        panic!("balance is encrypted")
    };
    let mut bytes = balance.clone().into_inner();
    let last_byte = bytes.len() - 1;
    bytes[last_byte] ^= 1;
    item.insert("balance".to_owned(), AttributeValue::B(bytes.into()));
    client.put_item().table_name(table_name).set_item(Some(item)).send().await.unwrap();
}

/// Checks that every item is DB-ESDK and decrypts; returns how many do not hold the writer's
/// last value (or, for those it never changed, their first).
async fn lost_updates(table: &EncryptedTable<Account>, last: &HashMap<String, Account>) -> usize {
    let stored = support::stored_items(table.table_name()).await;
    assert_eq!(stored.len(), ITEMS);
    assert!(stored.iter().all(|item| Format::of(item) == Some(Format::DbEsdk)));
    let read: Vec<Account> = table.scan().await.unwrap();
    assert_eq!(read.len(), ITEMS);
    read.iter()
        .filter(|found| {
            let n: usize = found.id["acct-".len()..].parse().unwrap();
            let expected = last.get(&found.id).cloned().unwrap_or_else(|| account(n));
            **found != expected
        })
        .count()
}

/// From the server's stream of every write: a write that kept the revision is the tool's.
/// Checks that none rewrote an item already in the DB-ESDK format and none wrote an item
/// twice; returns the items the tool wrote and the writes of the live writer.
async fn writes_by_origin(table_name: &str) -> (u64, u64) {
    let mut by_tool = HashMap::<String, u32>::new();
    let (mut twice, mut writer_writes) = (0, 0);
    for (id, old, new) in changes(table_name).await {
        let (Some((old_format, old_rev)), Some((new_format, new_rev))) = (old, new) else {
            panic!("a change without both images");
        };
        if old_rev != new_rev {
            writer_writes += 1;
            continue;
        }
        assert_eq!(new_format, Format::DbEsdk);
        if old_format == Format::DbEsdk {
            twice += 1;
        }
        *by_tool.entry(id).or_default() += 1;
    }
    let rewritten_twice = by_tool.values().filter(|&&n| n > 1).count();
    assert_eq!((twice, rewritten_twice), (0, 0), "items migrated twice");
    (by_tool.len() as u64, writer_writes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_killed_twice_under_live_writes_loses_nothing_and_verify_finds_one_tampered_item()
 {
    let (setup, table) = mixed_table().await;

    // The writer runs through the whole migration.
    let stop = Arc::new(AtomicBool::new(false));
    let live = tokio::spawn(writer(Arc::clone(&table), Arc::clone(&stop)));

    let checkpoint = setup.directory.join("migrate.json");
    let config = setup.config.clone();
    let checkpoint_arg = checkpoint.to_str().unwrap().to_owned();
    let runs = tokio::task::spawn_blocking(move || {
        let args = ["--json", "migrate", "--total-segments", "4", "--checkpoint", &checkpoint_arg];
        let first = ddbe_killed_after(&config, &args, Some(5_000));
        let resume: Vec<&str> = args.iter().copied().chain(["--resume"]).collect();
        let second = ddbe_killed_after(&config, &resume, Some(5_000));
        let third = ddbe(&config, &resume);
        [first, second, third]
    })
    .await
    .unwrap();
    stop.store(true, Ordering::Relaxed);
    let last = live.await.unwrap();

    let [first, second, third] = &runs;
    assert!(first.killed && second.killed, "both kills happened mid-run");
    assert!(third.status.success(), "the resumed run ends well: {}", third.stderr);
    assert_eq!(third.events("summary")[0]["complete"], true);

    // The checkpoint counted every item once, over the three runs.
    let counted = checkpoint_counts(&checkpoint);
    let (migrated, skipped, failed) = (counted["migrated"], counted["skipped"], counted["failed"]);
    assert_eq!(failed, 0);
    assert_eq!(migrated + skipped + counted["deleted"], ITEMS as u64, "each item counted once");

    // Every item is DB-ESDK now, decrypts, and holds the writer's last value.
    assert_eq!(lost_updates(&table, &last).await, 0, "lost updates");

    // From the server's stream of every write: a write that kept the revision is the
    // tool's; none rewrote an item already in the DB-ESDK format, none wrote an item twice.
    let (tool_writes, writer_writes) = writes_by_origin(&setup.table_name).await;
    // Some items were rewritten just before a kill, after the last checkpoint: the resumed
    // run found them migrated and counted them as skipped.
    assert!(tool_writes >= migrated, "the tool wrote at least what it counted");
    println!(
        "{ITEMS} items ({LEGACY} legacy from the Python client, {PLAINTEXT} plaintext, {DBESDK} DB-ESDK); \
         runs killed after {} and {} items, the third ran to the end. Checkpoint counts: \
         {migrated} migrated, {skipped} skipped, {failed} failed, {} conflicts retried. \
         The stream shows {tool_writes} items rewritten by ddbe (each once, none already DB-ESDK), \
         {writer_writes} writes by the live writer ({} items changed), 0 lost updates.",
        first.events("page").iter().filter_map(|e| e["page_items"].as_u64()).sum::<u64>(),
        second.events("page").iter().filter_map(|e| e["page_items"].as_u64()).sum::<u64>(),
        counted["conflicts"],
        last.len(),
    );

    // verify: one altered ciphertext among the 20,000 is found and named by its key.
    let victim = "acct-12345";
    tamper(&setup.table_name, victim).await;

    let verify = ddbe(&setup.config, &["--json", "verify", "--total-segments", "4"]);
    assert_eq!(verify.status.code(), Some(1), "verify fails: {}", verify.stderr);
    let failures = verify.events("failed");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["key"], format!("id = \"{victim}\""));
    let counts = &verify.events("summary")[0]["counts"];
    assert_eq!(
        (counts["verified"].as_u64(), counts["failed"].as_u64()),
        (Some(ITEMS as u64 - 1), Some(1))
    );
    println!("verify: {} verified, 1 failed: {}", ITEMS - 1, failures[0]["key"]);
}
