//! Rewriting a whole table in its encryptor's write format (from the legacy format, from
//! plaintext, or under new keys), under live traffic: every write is conditional on the item
//! being the one read, so a concurrent writer is never overwritten.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use futures_util::stream::{self, Stream};

use super::condition::{Conditioned as _, Rendered};
use super::modify::unchanged;
use super::position::ScanPosition;
use super::query::check_scan;
use super::{EncryptedTable, describe_key, in_item, primary_key, read_stored, seal};
use crate::beacon::{BeaconKeySource, VERSION_ATTRIBUTE};
use crate::encryptor::ItemEncryptor;
use crate::error::{Error, Result};
use crate::format::Format;
use crate::item::{EncryptedItem, Item};
use crate::schema::TableSchema;

const DEFAULT_ATTEMPTS: u32 = 10;

/// What a migration does with each item it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    DryRun,
    Verify,
}

/// Says of a stored item, from its envelope alone, that it is already under the target keys.
type SkipIf = Arc<dyn Fn(&Item) -> bool + Send + Sync>;

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
    mode: Mode,
    skip_if: Option<SkipIf>,
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
            .field("mode", &self.mode)
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
    /// [`Migration::dry_run`]: read, verified and encrypted again, but not written.
    WouldMigrate,
    /// [`Migration::verify_only`]: read and verified; nothing is written.
    Verified,
    /// Not rewritten (or, verifying, not verified): why (never a value). The other items go
    /// on.
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
    /// The capacity units DynamoDB reports the page's requests consumed (scan, writes and
    /// reads again after conflicts), for throttling a migration ([`ReturnConsumedCapacity`]
    /// `TOTAL`); a conditional write that failed counts one unit.
    ///
    /// [`ReturnConsumedCapacity`]: aws_sdk_dynamodb::types::ReturnConsumedCapacity
    pub capacity_units: f64,
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
            mode: Mode::Write,
            skip_if: None,
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

    /// Reads, verifies and encrypts each item as a migration would, but writes nothing:
    /// what would be migrated is reported as [`Outcome::WouldMigrate`].
    pub fn dry_run(mut self) -> Self {
        self.mode = Mode::DryRun;
        self
    }

    /// Reads and verifies every item (every format the encryptor reads), writes nothing: an
    /// audit. Each item is [`Outcome::Verified`] or [`Outcome::Failed`].
    pub fn verify_only(mut self) -> Self {
        self.mode = Mode::Verify;
        self
    }

    /// With [`rewrite_all`](Self::rewrite_all), skips the items in the write format for which
    /// `already` says, from the stored item's envelope (its key ids, say, with
    /// [`describe`](crate::format::describe)), that they are under the target keys already.
    /// Nothing is written for a skipped item, so an envelope that lies costs nothing.
    pub fn skip_if(mut self, already: impl Fn(&Item) -> bool + Send + Sync + 'static) -> Self {
        self.skip_if = Some(Arc::new(already));
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
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| self.service_error("Scan", &e))?;
        let mut capacity_units = units(output.consumed_capacity.as_ref());
        let mut items = Vec::new();
        for stored in output.items.unwrap_or_default() {
            items.push(self.migrate(stored, &mut capacity_units).await);
        }
        let last = output.last_evaluated_key.filter(|key| !key.is_empty());
        let next = last.clone().map(|key| ScanPosition {
            table: self.table_name.to_string(),
            segment: self.segment,
            key,
        });
        Ok((
            MigrationPage { items, next, capacity_units },
            last.map_or(Next::End, |key| Next::After(Some(key))),
        ))
    }

    /// Migrates one item, re-reading it after each conflict.
    async fn migrate(&self, mut stored: Item, capacity: &mut f64) -> ItemReport {
        let key_item = primary_key(&self.schema, &stored);
        let names = [self.schema.partition_key(), self.schema.sort_key()];
        let key_values: Vec<_> =
            names.into_iter().flatten().map(|name| (name, key_item.get(name).cloned())).collect();
        let key = describe_key(&key_values);
        let from = Format::of(&stored);
        let outcome = match self.rewrite(&mut stored, &key_item, capacity).await {
            Outcome::Failed(error) => {
                Outcome::Failed(in_item(&self.table_name, || key.clone(), error))
            }
            outcome => outcome,
        };
        ItemReport { key, from, outcome }
    }

    /// Whether `stored` is in the write format and under the target keys already.
    fn is_current(&self, stored: &Item) -> bool {
        // An item written before its beacons were declared is rewritten to get them.
        let has_beacons =
            self.schema.beacons().len() == 0 || stored.contains_key(VERSION_ATTRIBUTE);
        let current = Format::of(stored) == Some(self.encryptor.write_format()) && has_beacons;
        current && (!self.rewrite_all || self.skip_if.as_ref().is_some_and(|skip| skip(stored)))
    }

    async fn rewrite(&self, stored: &mut Item, key_item: &Item, capacity: &mut f64) -> Outcome {
        for conflicts in 0..self.max_attempts {
            if self.mode != Mode::Verify && self.is_current(stored) {
                return Outcome::Skipped;
            }
            let read = std::mem::take(stored);
            let condition = unchanged(&read, &self.schema);
            let plaintext = match self.encryptor.decrypt_item(&self.schema, read).await {
                Ok(plaintext) => plaintext,
                Err(error) => return Outcome::Failed(error),
            };
            if self.mode == Mode::Verify {
                drop(plaintext);
                return Outcome::Verified;
            }
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
            if self.mode == Mode::DryRun {
                drop(sealed);
                return Outcome::WouldMigrate;
            }
            match self.put_if(sealed, condition, capacity).await {
                Ok(true) => return Outcome::Migrated { conflicts },
                Ok(false) => {}
                Err(error) => return Outcome::Failed(error),
            }
            // A concurrent writer got in: read what it wrote, and go again.
            *capacity += 1.0;
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

    /// Writes `item` if `condition` holds; `Ok(false)` if it did not.
    async fn put_if(&self, item: Item, condition: Rendered, capacity: &mut f64) -> Result<bool> {
        let written = self
            .client
            .put_item()
            .table_name(&*self.table_name)
            .set_item(Some(item))
            .condition(condition)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match written {
            Ok(output) => {
                *capacity += units(output.consumed_capacity.as_ref());
                Ok(true)
            }
            Err(error) => {
                *capacity += 1.0;
                let error = self.service_error("PutItem", &error);
                if error.is_conditional_check_failed() { Ok(false) } else { Err(error) }
            }
        }
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

fn units(consumed: Option<&ConsumedCapacity>) -> f64 {
    consumed.and_then(|c| c.capacity_units).unwrap_or(0.0)
}
