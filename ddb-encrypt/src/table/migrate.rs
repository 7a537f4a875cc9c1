//! Rewriting a whole table in its encryptor's write format (from the legacy format, from
//! plaintext, or under new keys), under live traffic: every write is conditional on the item
//! being the one read, so a concurrent writer is never overwritten.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use futures_util::stream::{self, Stream};

use super::modify::unchanged;
use super::position::ScanPosition;
use super::query::check_scan;
use super::{EncryptedTable, describe_key, in_item, primary_key, put_if, read_stored, seal};
use crate::beacon::{BeaconKeySource, VERSION_ATTRIBUTE};
use crate::encryptor::ItemEncryptor;
use crate::error::{Error, Result};
use crate::format::Format;
use crate::item::{EncryptedItem, Item};
use crate::schema::TableSchema;

const DEFAULT_ATTEMPTS: u32 = 10;

/// Where the next page of a migration starts.
enum Next {
    /// After this key (`None`: at the table's beginning).
    After(Option<Item>),
    /// Nowhere: the last page was read.
    End,
}

/// Rewrites the items of a table in its encryptor's write format, page by page.
///
/// Each item is read in whatever format it is in (the encryptor must read it: configure
/// [`ItemEncryptor::with_legacy`] for legacy items and
/// [`ItemEncryptor::with_plaintext_policy`] for plaintext ones), verified, and written back
/// with a condition that the stored item is still the one read (as
/// [`EncryptedTable::modify`] writes). On a conflict with a concurrent writer the item is
/// read again and rewritten; an item deleted meanwhile is left deleted. Items already in the
/// write format are skipped, unless [`Migration::rewrite_all`] (after a key rotation, say).
/// Every attribute is kept, also those the item type does not name.
///
/// Run several segments in parallel ([`Migration::segment`]), and store each page's position
/// to resume a stopped migration ([`Migration::resume_from`]).
///
/// ```no_run
/// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
/// # use ddb_encrypt::table::{Migration, Outcome};
/// # #[derive(EncryptedItem)] struct Order { #[ddb(partition_key)] id: String }
/// # async fn demo(orders: EncryptedTable<Order>) -> ddb_encrypt::Result<()> {
/// use futures_util::StreamExt as _;
///
/// let mut pages = std::pin::pin!(Migration::for_table(&orders).pages());
/// while let Some(page) = pages.next().await {
///     let page = page?;
///     for report in &page.items {
///         if let Outcome::Failed(error) = &report.outcome {
///             eprintln!("{}: {error}", report.key);
///         }
///     }
///     // Store page.next to resume from here.
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "a Migration does nothing until its pages are read"]
pub struct Migration {
    client: Client,
    table_name: Arc<str>,
    schema: Arc<TableSchema>,
    encryptor: ItemEncryptor,
    beacon_keys: Option<Arc<dyn BeaconKeySource>>,
    rewrite_all: bool,
    max_attempts: u32,
    page_size: Option<i32>,
    segment: Option<(u32, u32)>,
    start: Option<ScanPosition>,
}

/// Shows the table and settings, never an item.
impl std::fmt::Debug for Migration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migration")
            .field("table", &self.table_name)
            .field("write_format", &self.encryptor.write_format())
            .field("rewrite_all", &self.rewrite_all)
            .field("segment", &self.segment)
            .finish_non_exhaustive()
    }
}

/// What happened to one item.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Rewritten in the write format, after `conflicts` concurrent writes made it read the
    /// item again.
    Migrated {
        /// Conflicts with concurrent writers before the write held.
        conflicts: u32,
    },
    /// Already in the write format: not written.
    Skipped,
    /// Deleted by a concurrent writer before it could be rewritten: not written.
    Deleted,
    /// Not rewritten: why (never a value). The other items go on.
    Failed(Error),
}

/// One item of a [`MigrationPage`].
#[derive(Debug)]
#[non_exhaustive]
pub struct ItemReport {
    /// The item's primary key as stored, for people: `name = value, ...`.
    pub key: String,
    /// The format it was in when first read; `None` for an item with the markers of two.
    pub from: Option<Format>,
    /// What happened to it.
    pub outcome: Outcome,
}

/// One page of a migration: a report per item, and where to resume after it.
#[derive(Debug)]
#[non_exhaustive]
pub struct MigrationPage {
    /// A report per item of the page, in the table's order.
    pub items: Vec<ItemReport>,
    /// Where the next page starts; `None` after the last page.
    pub next: Option<ScanPosition>,
}

impl Migration {
    /// A migration of `table_name`, whose items `schema` describes (with its keys), through
    /// `encryptor`.
    pub fn new(
        client: Client,
        table_name: impl Into<String>,
        schema: TableSchema,
        encryptor: ItemEncryptor,
    ) -> Self {
        let table_name: String = table_name.into();
        Self::with_parts(client, table_name.into(), Arc::new(schema), encryptor)
    }

    /// A migration of `table`'s items, through its encryptor.
    pub fn for_table<T: EncryptedItem>(table: &EncryptedTable<T>) -> Self {
        Self::with_parts(
            table.client.clone(),
            Arc::clone(&table.table_name),
            Arc::clone(&table.schema),
            table.encryptor.clone(),
        )
        .with_beacon_keys(table.beacon_keys.clone())
    }

    /// Takes the beacon key of the schema's beacons from `keys`, as
    /// [`EncryptedTable::with_beacon_key`] does: rewritten items get their beacons.
    pub fn with_beacon_key(self, keys: impl BeaconKeySource + 'static) -> Self {
        self.with_beacon_keys(Some(Arc::new(keys)))
    }

    fn with_beacon_keys(mut self, keys: Option<Arc<dyn BeaconKeySource>>) -> Self {
        self.beacon_keys = keys;
        self
    }

    fn with_parts(
        client: Client,
        table_name: Arc<str>,
        schema: Arc<TableSchema>,
        encryptor: ItemEncryptor,
    ) -> Self {
        Self {
            client,
            table_name,
            schema,
            encryptor,
            beacon_keys: None,
            rewrite_all: false,
            max_attempts: DEFAULT_ATTEMPTS,
            page_size: None,
            segment: None,
            start: None,
        }
    }

    /// Rewrites the items already in the write format too: to move them under new keys after
    /// a rotation.
    pub fn rewrite_all(mut self) -> Self {
        self.rewrite_all = true;
        self
    }

    /// At most `attempts` reads and conditional writes per item (10 by default; at least 1)
    /// before it is reported as [`Error::Conflict`].
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Reads at most `items` items per page (DynamoDB's `Limit`; pages are also cut at 1 MB).
    pub fn page_size(mut self, items: usize) -> Self {
        self.page_size = Some(i32::try_from(items.max(1)).unwrap_or(i32::MAX));
        self
    }

    /// Migrates segment `segment` (from 0) of `total` only, as
    /// [`Scan::segment`](super::Scan::segment): `total` migrations, one per segment, cover the
    /// table between them.
    pub fn segment(mut self, segment: u32, total: u32) -> Self {
        self.segment = Some((segment, total));
        self
    }

    /// Starts after `position`, which a page of a migration of the same table and segment
    /// returned.
    pub fn resume_from(mut self, position: ScanPosition) -> Self {
        self.start = Some(position);
        self
    }

    /// The migration, page by page.
    ///
    /// # Errors
    ///
    /// A page is an `Err` when its scan request fails (which ends the stream), or before any
    /// request for an invalid segment or a position of another table or segment
    /// ([`Error::Config`]). An item that cannot be migrated is an [`Outcome::Failed`] in its
    /// page; the migration goes on.
    pub fn pages(self) -> impl Stream<Item = Result<MigrationPage>> + Send {
        let checked = self.check().map(|start| (self, Next::After(start)));
        stream::unfold(Some(checked), |state| async move {
            let (migration, next) = match state? {
                Err(error) => return Some((Err(error), None)),
                Ok(state) => state,
            };
            let Next::After(start) = next else { return None };
            match migration.page(start).await {
                Ok((page, next)) => Some((Ok(page), Some(Ok((migration, next))))),
                Err(error) => Some((Err(error), None)),
            }
        })
    }

    /// The first page's start: `None` for the table's beginning.
    fn check(&self) -> Result<Option<Item>> {
        if self.schema.partition_key().is_none() {
            return Err(Error::config(format_args!(
                "the schema of table `{}` names no partition key; a migration needs it to read \
                 items again after a conflict",
                self.table_name
            )));
        }
        check_scan(&self.table_name, self.segment, self.start.as_ref())
    }

    /// The item's primary key attributes.
    /// Reads and migrates the page after `start`; returns the start of the next one.
    async fn page(&self, start: Option<Item>) -> Result<(MigrationPage, Next)> {
        let to_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        let output = self
            .client
            .scan()
            .table_name(&*self.table_name)
            .consistent_read(true)
            .set_limit(self.page_size)
            .set_segment(self.segment.map(|(s, _)| to_i32(s)))
            .set_total_segments(self.segment.map(|(_, t)| to_i32(t)))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| self.service_error("Scan", &e))?;
        let mut items = Vec::new();
        for stored in output.items.unwrap_or_default() {
            items.push(self.migrate(stored).await);
        }
        let last = output.last_evaluated_key.filter(|key| !key.is_empty());
        let next = last.clone().map(|key| ScanPosition {
            table: self.table_name.to_string(),
            segment: self.segment,
            key,
        });
        Ok((MigrationPage { items, next }, last.map_or(Next::End, |key| Next::After(Some(key)))))
    }

    /// Migrates one item, re-reading it after each conflict.
    async fn migrate(&self, mut stored: Item) -> ItemReport {
        let key_item = primary_key(&self.schema, &stored);
        let names = [self.schema.partition_key(), self.schema.sort_key()];
        let key_values: Vec<_> =
            names.into_iter().flatten().map(|name| (name, key_item.get(name).cloned())).collect();
        let key = describe_key(&key_values);
        let from = Format::of(&stored);
        let outcome = match self.rewrite(&mut stored, &key_item).await {
            Outcome::Failed(error) => {
                Outcome::Failed(in_item(&self.table_name, || key.clone(), error))
            }
            outcome => outcome,
        };
        ItemReport { key, from, outcome }
    }

    async fn rewrite(&self, stored: &mut Item, key_item: &Item) -> Outcome {
        for conflicts in 0..self.max_attempts {
            let write_format = self.encryptor.write_format();
            // An item written before its beacons were declared is rewritten to get them.
            let has_beacons =
                self.schema.beacons().len() == 0 || stored.contains_key(VERSION_ATTRIBUTE);
            if !self.rewrite_all && Format::of(stored) == Some(write_format) && has_beacons {
                return Outcome::Skipped;
            }
            let read = std::mem::take(stored);
            let condition = unchanged(&read, &self.schema);
            let plaintext = match self.encryptor.decrypt_item(&self.schema, read).await {
                Ok(plaintext) => plaintext,
                Err(error) => return Outcome::Failed(error),
            };
            let sealed = match seal(
                &self.encryptor,
                &self.schema,
                &self.table_name,
                self.beacon_keys.as_deref(),
                plaintext,
            )
            .await
            {
                Ok(sealed) => sealed,
                Err(error) => return Outcome::Failed(error),
            };
            match put_if(&self.client, &self.table_name, sealed, condition).await {
                Ok(true) => return Outcome::Migrated { conflicts },
                Ok(false) => {}
                Err(error) => return Outcome::Failed(error),
            }
            // A concurrent writer got in: read what it wrote, and go again.
            match read_stored(&self.client, &self.table_name, key_item).await {
                Ok(Some(current)) => *stored = current,
                Ok(None) => return Outcome::Deleted,
                Err(error) => return Outcome::Failed(error),
            }
        }
        Outcome::Failed(Error::Conflict {
            table: self.table_name.to_string(),
            attempts: self.max_attempts,
        })
    }

    fn service_error<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
        &self,
        operation: &'static str,
        error: &aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    ) -> Error {
        let request = crate::error::AwsRequest::DynamoDb { operation, table: &self.table_name };
        Error::aws(&request, error)
    }
}
