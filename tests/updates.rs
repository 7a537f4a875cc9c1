//! Updates of encrypted items (`modify`), tables restored under another name (the logical table
//! name), and parallel, resumable scans, against a real DynamoDB API (the moto server on
//! 127.0.0.1, started by the harness for this test binary).

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::collections::{HashMap, HashSet};
use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ddb_encrypt::format::{FOOTER_ATTRIBUTE, SIGNATURE_ATTRIBUTE};
use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::provider::{SigningKey, WrappedMaterialsProvider, WrappingKey};
use ddb_encrypt::table::ScanPosition;
use ddb_encrypt::{
    AttributeValue, EncryptedItem, EncryptedTable, Error, Format, ItemEncryptor, LegacyPolicy,
};
use ddb_encrypt_dev::interceptors::RequestCounter;
use ddb_encrypt_dev::local_aws::{LocalAws, unique_name};
use futures_util::StreamExt as _;

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Account {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sort_key)]
    n: u64,
    /// Encrypted: the counter the concurrent tasks increment.
    balance: i64,
    #[ddb(sign_only)]
    owner: String,
}

fn account(id: &str, n: u64) -> Account {
    Account { id: id.into(), n, balance: 0, owner: format!("owner of {id}") }
}

fn keyring() -> RawAesKeyring {
    RawAesKeyring::new("tests", "accounts", &[0x31; 32]).unwrap()
}

fn legacy_provider() -> WrappedMaterialsProvider {
    WrappedMaterialsProvider::new(
        WrappingKey::aes(&[0x31; 32]).unwrap(),
        SigningKey::hmac_sha256(&[0x32; 32]).unwrap(),
    )
}

async fn new_table(client: aws_sdk_dynamodb::Client) -> EncryptedTable<Account> {
    let table = EncryptedTable::new(client, unique_name("accounts"), keyring()).unwrap();
    table.create_table().await.unwrap();
    table
}

async fn raw(table: &EncryptedTable<Account>, id: &str, n: u64) -> HashMap<String, AttributeValue> {
    let key = Account::key_item(&(id.to_owned(), n)).unwrap();
    let output = table.client().get_item().table_name(table.table_name()).set_key(Some(key));
    output.send().await.unwrap().item.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_tasks_modifying_one_item_lose_no_update() {
    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    );
    let table = Arc::new(new_table(client).await);
    table.put(&account("shared", 1)).await.unwrap();
    counter.reset();

    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let table = Arc::clone(&table);
            tokio::spawn(async move {
                for _ in 0..100 {
                    let changed = table
                        .modify(("shared", 1), |a| a.balance += 1)
                        .max_attempts(1_000)
                        .await
                        .unwrap();
                    assert!(changed.is_some());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    let stored = table.get(("shared", 1)).await.unwrap().unwrap();
    assert_eq!(stored.balance, 1_600);
    assert_eq!(stored.owner, "owner of shared", "the other fields are kept");
    let puts = counter.count("PutItem");
    let conflicts = puts - 1_600;
    assert_eq!(counter.count("GetItem"), puts + 1, "one read per attempt, and the last get");
    println!("1,600 modifications: {puts} conditional writes, {conflicts} conflicts retried");
}

#[tokio::test]
async fn modify_changes_only_what_the_closure_changes_and_nothing_when_there_is_no_item() {
    let table = new_table(LocalAws::shared().dynamodb()).await;
    let mut before = account("ada", 1);
    before.balance = 10;
    table.put(&before).await.unwrap();
    let footer = raw(&table, "ada", 1).await[FOOTER_ATTRIBUTE].clone();

    let after = table.modify(("ada", 1), |a| a.balance -= 3).await.unwrap().unwrap();
    assert_eq!(after, Account { balance: 7, ..before });
    assert_eq!(table.get(("ada", 1)).await.unwrap(), Some(after));
    let stored = raw(&table, "ada", 1).await;
    assert!(stored["balance"].is_b(), "still encrypted");
    assert_ne!(stored[FOOTER_ATTRIBUTE], footer, "a new write, with a new footer");

    let calls = AtomicUsize::new(0);
    let missing = table.modify(("nobody", 1), |_| {
        calls.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(missing.await.unwrap(), None);
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    assert_eq!(table.get(("nobody", 1)).await.unwrap(), None, "nothing was written");
}

#[tokio::test]
async fn a_modify_that_changes_the_key_is_refused_and_writes_nothing() {
    let table = new_table(LocalAws::shared().dynamodb()).await;
    table.put(&account("bob", 1)).await.unwrap();

    let error = table.modify(("bob", 1), |a| a.n = 2).await.unwrap_err();
    assert!(matches!(&error, Error::Config(m) if m.contains("key")), "{error}");
    assert_eq!(table.get(("bob", 1)).await.unwrap(), Some(account("bob", 1)));
    assert_eq!(table.get(("bob", 2)).await.unwrap(), None);
}

/// `modify` of `cy`'s balance with `attempts`, while another writer sets it to 100 between
/// the read and the write of the first `interfere` attempts.
async fn modify_under_interference(
    attempts: u32,
    interfere: usize,
) -> (Result<Option<Account>, Error>, Account) {
    let table = new_table(LocalAws::shared().dynamodb()).await;
    table.put(&account("cy", 1)).await.unwrap();
    let other = table.clone();
    let reader = table.clone();
    let handle = tokio::runtime::Handle::current();
    // The closure runs between the read and the write: the other writer gets in there, from
    // its own thread.
    let result = tokio::task::spawn_blocking(move || {
        let mut calls = 0;
        let modify = table.modify(("cy", 1), |a| {
            calls += 1;
            if calls <= interfere {
                let mut concurrent = account("cy", 1);
                concurrent.balance = 100;
                let handle = tokio::runtime::Handle::current();
                std::thread::scope(|s| {
                    s.spawn(|| handle.block_on(other.put(&concurrent).into_future()).unwrap());
                });
            }
            a.balance += 1;
        });
        handle.block_on(modify.max_attempts(attempts).into_future())
    })
    .await
    .unwrap();
    (result, reader.get(("cy", 1)).await.unwrap().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_between_the_read_and_the_write_is_never_overwritten() {
    let (result, stored) = modify_under_interference(25, 1).await;
    let after = result.unwrap().unwrap();
    assert_eq!(after.balance, 101, "the second attempt read the concurrent write");
    assert_eq!(stored, after);

    let (result, stored) = modify_under_interference(3, 3).await;
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Conflict { attempts: 3, .. }), "{error}");
    assert_eq!(stored.balance, 100, "the other writer's value stands");
}

#[tokio::test]
async fn modify_rewrites_a_legacy_item_in_the_tables_write_format() {
    let client = LocalAws::shared().dynamodb();
    let name = unique_name("migrating");
    let table_with = |policy| {
        let encryptor = ItemEncryptor::new(keyring()).with_legacy(legacy_provider(), policy);
        EncryptedTable::<Account>::with_encryptor(client.clone(), &name, encryptor).unwrap()
    };
    let legacy = table_with(LegacyPolicy::ForceLegacyEncryptAllowLegacyDecrypt);
    legacy.create_table().await.unwrap();
    legacy.put(&account("dee", 1)).await.unwrap();
    let stored = raw(&legacy, "dee", 1).await;
    assert_eq!(Format::of(&stored), Some(Format::Legacy));
    assert!(stored.contains_key(SIGNATURE_ATTRIBUTE));

    let migrating = table_with(LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt);
    let after = migrating.modify(("dee", 1), |a| a.balance = 5).await.unwrap().unwrap();
    assert_eq!(after.balance, 5);
    assert_eq!(Format::of(&raw(&legacy, "dee", 1).await), Some(Format::DbEsdk));
    assert_eq!(migrating.get(("dee", 1)).await.unwrap(), Some(after));
}

/// Copies every item of `from` to `to` as stored, as a restore does.
async fn copy_table(client: &aws_sdk_dynamodb::Client, from: &str, to: &str) -> usize {
    let items = client.scan().table_name(from).send().await.unwrap().items.unwrap_or_default();
    for item in &items {
        client.put_item().table_name(to).set_item(Some(item.clone())).send().await.unwrap();
    }
    items.len()
}

#[tokio::test]
async fn items_restored_under_another_name_read_through_the_logical_table_name() {
    let client = LocalAws::shared().dynamodb();
    for legacy in [false, true] {
        let orders = unique_name("Orders");
        let restored = format!("{orders}-restored");
        let table = |name: &str| {
            if legacy {
                EncryptedTable::<Account>::legacy(client.clone(), name, legacy_provider()).unwrap()
            } else {
                EncryptedTable::new(client.clone(), name, keyring()).unwrap()
            }
        };
        table(&orders).create_table().await.unwrap();
        table(&restored).create_table().await.unwrap();
        let written: Vec<_> = (1..=3).map(|n| account("eve", n)).collect();
        table(&orders).batch_put(&written).await.unwrap();
        assert_eq!(copy_table(&client, &orders, &restored).await, 3);

        // Bound to `orders`: read through a handle with that logical name.
        let through_logical = table(&restored).with_logical_table_name(&orders).unwrap();
        assert_eq!(through_logical.logical_table_name(), orders);
        assert_eq!(through_logical.table_name(), restored);
        assert_eq!(through_logical.query("eve").await.unwrap(), written, "legacy: {legacy}");
        // It writes items bound to `orders` too.
        through_logical.put(&account("eve", 4)).await.unwrap();
        copy_table(&client, &restored, &orders).await;
        assert_eq!(table(&orders).get(("eve", 4)).await.unwrap(), Some(account("eve", 4)));

        // The physical name, or any other, is not the name the items are bound to.
        for wrong in [table(&restored), table(&restored).with_logical_table_name("Other").unwrap()]
        {
            let error = wrong.get(("eve", 1)).await.unwrap_err();
            assert!(error.is_integrity(), "legacy: {legacy}: {error}");
        }
    }
}

/// A table of `count` accounts.
async fn table_of(count: u64) -> (EncryptedTable<Account>, HashSet<(String, u64)>) {
    let table = new_table(LocalAws::shared().dynamodb()).await;
    let accounts: Vec<_> = (0..count).map(|n| account(&format!("c{}", n % 13), n)).collect();
    table.batch_put(&accounts).await.unwrap();
    let keys = accounts.into_iter().map(|a| (a.id, a.n)).collect();
    (table, keys)
}

#[tokio::test]
async fn four_segments_together_return_every_item_exactly_once() {
    let (table, keys) = table_of(300).await;

    let mut seen = Vec::new();
    let segments = (0..4).map(|segment| table.scan().segment(segment, 4).page_size(16));
    let results = futures_util::future::join_all(segments.map(IntoFuture::into_future)).await;
    let mut sizes = Vec::new();
    for result in results {
        let items = result.unwrap();
        sizes.push(items.len());
        seen.extend(items.into_iter().map(|a| (a.id, a.n)));
    }
    assert_eq!(seen.len(), 300, "no item twice: {sizes:?}");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), keys);
}

#[tokio::test]
async fn a_resumed_scan_neither_repeats_nor_skips_items() {
    let (table, keys) = table_of(120).await;
    for segment in [None, Some((1, 3))] {
        let scan = || match segment {
            Some((s, n)) => table.scan().segment(s, n).page_size(7),
            None => table.scan().page_size(7),
        };
        let everything: Vec<_> = scan().await.unwrap().into_iter().map(|a| (a.id, a.n)).collect();

        // Three pages, then a stop; the position survives as text.
        let mut seen = Vec::new();
        let mut saved = None;
        let mut pages = std::pin::pin!(scan().pages());
        for _ in 0..3 {
            let page = pages.next().await.unwrap().unwrap();
            seen.extend(page.items.into_iter().map(|a| a.map(|a| (a.id, a.n)).unwrap()));
            saved = page.next.map(|p| p.to_string());
        }
        let position: ScanPosition = saved.unwrap().parse().unwrap();
        assert_eq!(position.segment(), segment);

        let mut resumed = std::pin::pin!(scan().resume_from(position).pages());
        let mut pages_after = 0;
        while let Some(page) = resumed.next().await {
            let page = page.unwrap();
            pages_after += 1;
            seen.extend(page.items.into_iter().map(|a| a.map(|a| (a.id, a.n)).unwrap()));
        }
        assert!(pages_after > 1, "the scan went on for more pages");
        assert_eq!(seen, everything, "the same items in the same order, once each");
        if segment.is_none() {
            assert_eq!(seen.into_iter().collect::<HashSet<_>>(), keys);
        }
    }
}

#[tokio::test]
async fn a_page_cut_by_the_limit_resumes_after_its_last_item() {
    let (table, _) = table_of(40).await;
    let everything: Vec<_> = table.scan().await.unwrap().into_iter().map(|a| (a.id, a.n)).collect();

    let mut pages = std::pin::pin!(table.scan().page_size(10).limit(15).pages());
    let mut seen = Vec::new();
    let mut next = None;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        seen.extend(page.items.into_iter().map(|a| a.map(|a| (a.id, a.n)).unwrap()));
        next = page.next;
    }
    assert_eq!(seen.len(), 15);
    let rest = table.scan().resume_from(next.unwrap()).await.unwrap();
    seen.extend(rest.into_iter().map(|a| (a.id, a.n)));
    assert_eq!(seen, everything);
}

#[tokio::test]
async fn positions_of_other_scans_and_invalid_segments_are_refused_before_any_request() {
    let (table, _) = table_of(10).await;
    let (other, _) = table_of(10).await;
    let mut pages = std::pin::pin!(table.scan().page_size(3).pages());
    let position = pages.next().await.unwrap().unwrap().next.unwrap();

    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    );
    let other =
        EncryptedTable::<Account>::new(client.clone(), other.table_name(), keyring()).unwrap();
    let same = EncryptedTable::<Account>::new(client, table.table_name(), keyring()).unwrap();
    let refused = [
        other.scan().resume_from(position.clone()).await,
        same.scan().segment(0, 2).resume_from(position.clone()).await,
        same.scan().segment(2, 2).await,
        same.scan().segment(0, 0).await,
        same.scan().segment(0, 1_000_001).await,
    ];
    for result in refused {
        let error = result.unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error}");
    }
    assert_eq!(counter.count("Scan"), 0);
    assert!(same.scan().resume_from(position).await.is_ok());
}

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Article {
    #[ddb(partition_key)]
    id: String,
    body: String,
    #[ddb(sign_only)]
    author: String,
    #[ddb(do_nothing)]
    views: u64,
    #[ddb(do_nothing)]
    expires_at: Option<i64>,
    #[ddb(do_nothing)]
    tag: String,
}

async fn article_table(client: aws_sdk_dynamodb::Client) -> EncryptedTable<Article> {
    let table = EncryptedTable::new(client, unique_name("articles"), keyring()).unwrap();
    table.create_table().await.unwrap();
    let article = Article {
        id: "a-1".into(),
        body: "secret text".into(),
        author: "ada".into(),
        views: 0,
        expires_at: Some(1_900_000_000),
        tag: "draft".into(),
    };
    table.put(&article).await.unwrap();
    table
}

#[tokio::test]
async fn unsigned_fields_change_in_place_with_one_update_item_and_the_item_still_verifies() {
    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    );
    let table = article_table(client).await;
    let fields = Article::FIELDS;
    counter.reset();

    for _ in 0..3 {
        assert!(table.update("a-1").add(fields.views, 2).await.unwrap());
    }
    let update = table.update("a-1").set(fields.tag, "published").remove(fields.expires_at);
    assert!(update.await.unwrap());
    assert_eq!(counter.count("UpdateItem"), 4);
    assert_eq!(counter.counts().values().sum::<usize>(), 4, "no read: {:?}", counter.counts());

    let read = table.get("a-1").await.unwrap().unwrap();
    assert_eq!((read.views, read.expires_at, read.tag.as_str()), (6, None, "published"));
    assert_eq!((read.body.as_str(), read.author.as_str()), ("secret text", "ada"));
}

#[tokio::test]
async fn an_update_creates_no_item_and_refuses_what_it_cannot_do_before_any_request() {
    let counter = RequestCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        LocalAws::shared().dynamodb_config().interceptor(counter.clone()).build(),
    );
    let table = article_table(client).await;
    let fields = Article::FIELDS;

    assert!(!table.update("nobody").add(fields.views, 1).await.unwrap(), "no such item");
    assert_eq!(table.get("nobody").await.unwrap(), None, "and none was created");

    counter.reset();
    for result in [table.update("a-1").await, table.update("a-1").add(fields.tag, "x").await] {
        let error = result.unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error}");
    }
    assert_eq!(counter.count("UpdateItem"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_between_a_modifys_read_and_its_write_is_not_lost() {
    let table = article_table(LocalAws::shared().dynamodb()).await;
    let other = table.clone();
    let reader = table.clone();
    let handle = tokio::runtime::Handle::current();
    let calls = tokio::task::spawn_blocking(move || {
        let mut calls = 0;
        let modify = table.modify("a-1", |article| {
            calls += 1;
            if calls == 1 {
                // An in-place update of an unsigned field, after the read: no footer changes.
                let handle = tokio::runtime::Handle::current();
                std::thread::scope(|s| {
                    let update = other.update("a-1").add(Article::FIELDS.views, 1);
                    s.spawn(|| assert!(handle.block_on(update.into_future()).unwrap()));
                });
            }
            article.body = "edited".into();
        });
        handle.block_on(modify.into_future()).unwrap().unwrap();
        calls
    })
    .await
    .unwrap();

    assert_eq!(calls, 2, "the first write was refused");
    let read = reader.get("a-1").await.unwrap().unwrap();
    assert_eq!((read.body.as_str(), read.views), ("edited", 1), "both changes are kept");
}
