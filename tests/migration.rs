//! Migrating a table that holds legacy, plaintext and DB-ESDK items to the DB-ESDK format,
//! while a writer keeps changing items, against a real DynamoDB API (the moto server on
//! 127.0.0.1, started by the harness for this test binary).

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::HashMap;
use std::sync::Arc;

use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::provider::{SigningKey, WrappedMaterialsProvider, WrappingKey};
use ddb_encrypt::table::{Migration, MigrationPage, Outcome, ScanPosition};
use ddb_encrypt::{
    AttributeValue, EncryptedItem, EncryptedTable, Format, ItemEncryptor, LegacyPolicy,
    PlaintextPolicy,
};
use ddb_encrypt_dev::interceptors::BeforeFirst;
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use futures_util::StreamExt as _;

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Account {
    #[ddb(partition_key)]
    id: String,
    balance: i64,
    #[ddb(sign_only)]
    owner: String,
}

fn account(n: usize) -> Account {
    Account { id: format!("acct-{n:04}"), balance: 0, owner: format!("owner {n}") }
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("tests", "accounts", &[0x51; 32]).unwrap()
}

fn legacy_provider() -> WrappedMaterialsProvider {
    WrappedMaterialsProvider::new(
        WrappingKey::aes(&[0x52; 32]).unwrap(),
        SigningKey::hmac_sha256(&[0x53; 32]).unwrap(),
    )
}

/// A handle on `name` that writes `legacy` or DB-ESDK items and reads every format.
fn handle(client: &aws_sdk_dynamodb::Client, name: &str, legacy: bool) -> EncryptedTable<Account> {
    let policy = if legacy {
        LegacyPolicy::ForceLegacyEncryptAllowLegacyDecrypt
    } else {
        LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt
    };
    let encryptor = ItemEncryptor::new(keyring())
        .with_legacy(legacy_provider(), policy)
        .with_plaintext_policy(PlaintextPolicy::ForbidPlaintextWriteAllowPlaintextRead);
    EncryptedTable::with_encryptor(client.clone(), name, encryptor).unwrap()
}

/// A table of `count` accounts: a third legacy, a third plaintext, a third DB-ESDK.
async fn mixed_table(count: usize) -> (EncryptedTable<Account>, EncryptedTable<Account>) {
    let client = LocalAws::shared().dynamodb();
    let name = unique_name("accounts");
    let (legacy, current) = (handle(&client, &name, true), handle(&client, &name, false));
    current.create_table().await.unwrap();
    let accounts: Vec<_> = (0..count).map(account).collect();
    for (n, chunk) in accounts.chunks(count.div_ceil(3)).enumerate() {
        match n {
            0 => legacy.batch_put(chunk).await.unwrap(),
            1 => {
                for account in chunk {
                    let item = account.to_item().unwrap();
                    let put = client.put_item().table_name(&name).set_item(Some(item));
                    put.send().await.unwrap();
                }
            }
            _ => current.batch_put(chunk).await.unwrap(),
        }
    }
    (legacy, current)
}

/// The formats of the table's items as stored.
async fn formats(table: &EncryptedTable<Account>) -> HashMap<Format, usize> {
    let scan = table.client().scan().table_name(table.table_name());
    let mut formats = HashMap::new();
    for item in scan.send().await.unwrap().items.unwrap_or_default() {
        *formats.entry(Format::of(&item).unwrap()).or_default() += 1;
    }
    formats
}

/// Reads every page, returning the reports by key (each key once) and the page count.
async fn run(migration: Migration, max_pages: usize) -> (Vec<MigrationPage>, usize) {
    let mut pages = std::pin::pin!(migration.pages());
    let mut read = Vec::new();
    while read.len() < max_pages {
        let Some(page) = pages.next().await else { break };
        read.push(page.unwrap());
    }
    let count = read.len();
    (read, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mixed_table_migrates_under_a_live_writer_without_losing_an_update() {
    const ITEMS: usize = 600;
    let (_, table) = mixed_table(ITEMS).await;
    assert_eq!(formats(&table).await.values().sum::<usize>(), ITEMS);
    let table = Arc::new(table);

    // The live writer: 400 increments of random accounts, through the same encryptor.
    let writer = {
        let table = Arc::clone(&table);
        tokio::spawn(async move {
            let mut expected = HashMap::<String, i64>::new();
            let mut seed = 0x2545_f491_u64;
            for _ in 0..400 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let id = account(usize::try_from(seed % ITEMS as u64).unwrap()).id;
                table.modify(id.as_str(), |a| a.balance += 1).await.unwrap();
                *expected.entry(id).or_default() += 1;
            }
            expected
        })
    };
    // The migration: 4 segments in parallel, small pages.
    let segments = (0..4).map(|segment| {
        let migration = Migration::for_table(&table).segment(segment, 4).page_size(20);
        tokio::spawn(run(migration, usize::MAX))
    });
    let mut reports = Vec::new();
    for segment in segments.collect::<Vec<_>>() {
        let (pages, _) = segment.await.unwrap();
        reports.extend(pages.into_iter().flat_map(|p| p.items));
    }
    let expected = writer.await.unwrap();

    // Every item reported once; none failed; no item left in an old format.
    let mut seen = HashMap::new();
    let (mut migrated, mut skipped, mut conflicts) = (0, 0, 0);
    for report in &reports {
        *seen.entry(report.key.clone()).or_insert(0) += 1;
        match &report.outcome {
            Outcome::Migrated { conflicts: c } => {
                migrated += 1;
                conflicts += c;
            }
            Outcome::Skipped => skipped += 1,
            other => panic!("{}: {other:?}", report.key),
        }
    }
    assert_eq!(seen.len(), ITEMS);
    assert!(seen.values().all(|&n| n == 1), "an item was reported twice");
    assert_eq!(formats(&table).await, HashMap::from([(Format::DbEsdk, ITEMS)]));
    println!(
        "{ITEMS} items: {migrated} migrated ({conflicts} conflicts with the writer retried), \
         {skipped} skipped; the writer made {} changes",
        expected.values().sum::<i64>()
    );

    // Every item reads through a DB-ESDK-only handle and holds the writer's last value.
    let strict =
        EncryptedTable::<Account>::new(table.client().clone(), table.table_name(), keyring())
            .unwrap();
    let all = strict.scan().await.unwrap();
    assert_eq!(all.len(), ITEMS);
    for account in all {
        assert_eq!(
            account.balance,
            expected.get(&account.id).copied().unwrap_or(0),
            "{}",
            account.id
        );
    }
}

#[tokio::test]
async fn a_stopped_migration_resumes_without_redoing_or_skipping_items() {
    let (_, table) = mixed_table(90).await;
    let migration = || Migration::for_table(&table).page_size(10);

    let (first, _) = run(migration(), 3).await;
    let position: ScanPosition =
        first.last().unwrap().next.as_ref().unwrap().to_string().parse().unwrap();
    let (rest, pages) = run(migration().resume_from(position), usize::MAX).await;
    assert!(pages > 1);

    let keys: Vec<_> = first.iter().chain(&rest).flat_map(|p| &p.items).map(|r| &r.key).collect();
    let unique: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!((keys.len(), unique.len()), (90, 90));
    assert_eq!(formats(&table).await, HashMap::from([(Format::DbEsdk, 90)]));

    // Run again: everything is in the write format, so everything is skipped; with
    // rewrite_all, everything is written again.
    let (again, _) = run(migration(), usize::MAX).await;
    assert!(again.iter().flat_map(|p| &p.items).all(|r| matches!(r.outcome, Outcome::Skipped)));
    let (rewritten, _) = run(migration().rewrite_all(), usize::MAX).await;
    let rewritten = rewritten.iter().flat_map(|p| &p.items);
    assert!(rewritten.clone().all(|r| matches!(r.outcome, Outcome::Migrated { conflicts: 0 })));
    assert_eq!(rewritten.count(), 90);
}

#[tokio::test]
async fn a_tampered_item_is_reported_by_its_key_and_the_others_migrate() {
    let (_, table) = mixed_table(12).await;
    let victim = account(1);
    let key = Account::key_item(&victim.id).unwrap();
    let get = table.client().get_item().table_name(table.table_name()).set_key(Some(key));
    let mut stored = get.send().await.unwrap().item.unwrap();
    assert_eq!(Format::of(&stored), Some(Format::Legacy));
    stored.insert("owner".into(), AttributeValue::S("mallory".into()));
    let put = table.client().put_item().table_name(table.table_name()).set_item(Some(stored));
    put.send().await.unwrap();

    let (pages, _) = run(Migration::for_table(&table), usize::MAX).await;
    let reports: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    assert_eq!(reports.len(), 12);
    let failed: Vec<_> = reports
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(error) => Some((r.key.as_str(), r.from, error)),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let (key, from, error) = failed[0];
    assert_eq!((key, from), ("id = \"acct-0001\"", Some(Format::Legacy)));
    assert!(error.is_integrity() && error.to_string().contains("acct-0001"), "{error}");
    assert!(!error.to_string().contains("mallory"), "never a value: {error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_between_the_migrations_read_and_its_write_is_kept() {
    let (legacy, _) = mixed_table(1).await;
    let name = legacy.table_name().to_owned();
    // Just before the migration's first write, another process changes the item (still in
    // the legacy format): the migration's write is refused, and it migrates the new value.
    let concurrent = BeforeFirst::new("PutItem", move || {
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            runtime.unwrap().block_on(async {
                let other = handle(&LocalAws::shared().dynamodb(), &name, true);
                other.modify(account(0).id.as_str(), |a| a.balance = 100).await.unwrap();
            });
        })
        .join()
        .unwrap();
    });
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(concurrent).build(),
    );
    let table = handle(&client, legacy.table_name(), false);

    let (pages, _) = run(Migration::for_table(&table), usize::MAX).await;
    let reports: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    assert_eq!(reports.len(), 1);
    assert!(matches!(reports[0].outcome, Outcome::Migrated { conflicts: 1 }), "{reports:?}");
    assert_eq!(formats(&table).await, HashMap::from([(Format::DbEsdk, 1)]));
    assert_eq!(table.get(account(0).id.as_str()).await.unwrap().unwrap().balance, 100);
}
