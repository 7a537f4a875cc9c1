//! Queries and scans: builders that render their expressions once, then a stream that follows
//! pagination and decrypts item by item.

use std::collections::{HashMap, VecDeque};
use std::future::IntoFuture;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::stream::{self, Stream, StreamExt as _};

use super::condition::{Condition, Placeholders, SortKeyCondition};
use super::field::{IndexName, IntoCondition};
use super::position::ScanPosition;
use super::{BoxFuture, EncryptedTable};
use crate::beacon::same;
use crate::error::{Error, Result};
use crate::item::{
    EncryptedItem, IndexKind, IndexSchema, IntoKey, Item, KeyAttribute, KeyType, SortKey,
};

/// A query: the items of one partition, optionally narrowed by the sort key, on the table or
/// a secondary index. Await it for all items, or call [`Query::stream`] to page through them.
///
/// # Errors
///
/// [`Error::Config`] before any request for an unknown index, a key of the wrong type, or a
/// filter that compares an encrypted attribute; [`Error::Service`] if a request fails, which
/// ends the query. An item that cannot be read ([`Error::InItem`], naming the item by its key,
/// with [`Error::Integrity`] inside if it fails verification) does not end it: [`Query::stream`] yields that item's error and
/// goes on with the next item, and awaiting the query reads every item, then returns
/// [`Error::UnreadableItems`] with the number of items that failed.
///
/// ```no_run
/// # use ddb_encrypt::{EncryptedItem, EncryptedTable, Error};
/// # #[derive(EncryptedItem)] struct Order { #[ddb(partition_key)] customer: String, #[ddb(sort_key)] placed_at: u64 }
/// # async fn demo(orders: EncryptedTable<Order>) -> ddb_encrypt::Result<()> {
/// use futures_util::StreamExt as _;
///
/// // All or nothing: any item that fails verification fails the whole read.
/// match orders.query("ada").await {
///     Ok(all) => println!("{} orders", all.len()),
///     Err(Error::UnreadableItems { failed, read, .. }) => {
///         eprintln!("{failed} of {read} orders failed verification");
///     }
///     Err(other) => return Err(other),
/// }
///
/// // Item by item: keep the items that verify, and see an error for each one that does not.
/// let mut stream = std::pin::pin!(orders.query("ada").stream());
/// while let Some(order) = stream.next().await {
///     match order {
///         Ok(order) => println!("order {}", order.placed_at),
///         Err(error) if error.is_integrity() => eprintln!("one order failed verification"),
///         Err(error) => return Err(error),
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "a Query does nothing until awaited or streamed"]
pub struct Query<'a, T> {
    table: &'a EncryptedTable<T>,
    index: Option<&'static IndexSchema>,
    partition: Result<(String, AttributeValue)>,
    sort: Option<Result<Condition>>,
    filter: Option<Condition>,
    descending: bool,
    limit: Option<usize>,
    page_size: Option<usize>,
    /// `.consistent(..)`, if given; else the table's default, except on global indexes.
    consistent: Option<bool>,
}

impl<T: EncryptedItem> EncryptedTable<T> {
    /// The items whose partition key is `partition_key`.
    pub fn query(&self, partition_key: impl IntoKey<T::PartitionKey>) -> Query<'_, T> {
        let name = T::SCHEMA.partition_key.name;
        let partition =
            key_attribute(name, &partition_key.into_key()).map(|v| (name.to_owned(), v));
        Query::new(self, None, partition)
    }

    /// The items of the secondary index `index` whose index partition key is `partition_key`.
    /// The index's key attributes are SIGN_ONLY, so they are readable by DynamoDB.
    #[expect(clippy::needless_pass_by_value, reason = "a handle or a name, given as written")]
    pub fn query_index<K: KeyAttribute>(
        &self,
        index: impl IndexName<T, K>,
        partition_key: impl IntoKey<K>,
    ) -> Query<'_, T> {
        let index = index.index_name();
        let Some(schema) = T::SCHEMA.indexes.iter().find(|i| i.name == index) else {
            let error = Error::config(format_args!(
                "`{}` has no index named `{index}`; declare it with #[ddb(gsi_partition_key = \"{index}\")] or #[ddb(lsi_sort_key = \"{index}\")]",
                std::any::type_name::<T>()
            ));
            return Query::new(self, None, Err(error));
        };
        let key = schema.partition_key;
        let partition = check_key_type(index, key.name, key.key_type, K::KEY_TYPE)
            .and_then(|()| readable_key(self, key.name))
            .and_then(|()| key_attribute(key.name, &partition_key.into_key()))
            .map(|v| (key.name.to_owned(), v));
        Query::new(self, Some(schema), partition)
    }

    /// Every item of the table, page by page.
    pub fn scan(&self) -> Scan<'_, T> {
        Scan {
            table: self,
            filter: None,
            limit: None,
            page_size: None,
            consistent: self.consistent_reads,
            segment: None,
            start: None,
        }
    }
}

fn key_attribute<K: KeyAttribute>(name: &str, value: &K) -> Result<AttributeValue> {
    crate::convert::key_value(name, K::KEY_TYPE, value)
}

fn check_key_type(index: &str, name: &str, declared: KeyType, given: KeyType) -> Result<()> {
    if declared == given {
        return Ok(());
    }
    Err(Error::config(format_args!(
        "index `{index}` key `{name}` is of type {}, but the query gives a value of type {}",
        declared.as_str(),
        given.as_str()
    )))
}

fn readable_key<T: EncryptedItem>(table: &EncryptedTable<T>, name: &str) -> Result<()> {
    let action = table.schema.action(name);
    if action.is_signed() && action.is_plaintext() {
        return Ok(());
    }
    Err(Error::config(format_args!(
        "index key `{name}` must be SIGN_ONLY (or SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT) to be \
         queried"
    )))
}

impl<'a, T: EncryptedItem> Query<'a, T> {
    fn new(
        table: &'a EncryptedTable<T>,
        index: Option<&'static IndexSchema>,
        partition: Result<(String, AttributeValue)>,
    ) -> Self {
        Self {
            table,
            index,
            partition,
            sort: None,
            filter: None,
            descending: false,
            limit: None,
            page_size: None,
            consistent: None,
        }
    }

    /// Narrows a table query by its sort key.
    pub fn sort_key(mut self, condition: SortKeyCondition<T::SortKey>) -> Self {
        let sort = match (self.index, T::SCHEMA.sort_key) {
            (None, Some(key)) => condition.into_condition(key.name, |value| {
                let key_type = <T::SortKey as SortKey>::KEY_TYPE.unwrap_or(KeyType::String);
                crate::convert::key_value(key.name, key_type, value)
            }),
            (None, None) => Err(Error::config("the table has no sort key")),
            (Some(index), _) => Err(Error::config(format_args!(
                "use index_sort_key for the sort key of index `{}`",
                index.name
            ))),
        };
        self.sort = Some(sort);
        self
    }

    /// Narrows an index query by the index's sort key.
    pub fn index_sort_key<K: KeyAttribute>(mut self, condition: SortKeyCondition<K>) -> Self {
        let sort = match self.index.map(|i| (i.name, i.sort_key)) {
            Some((index, Some(key))) => check_key_type(index, key.name, key.key_type, K::KEY_TYPE)
                .and_then(|()| readable_key(self.table, key.name))
                .and_then(|()| {
                    condition.into_condition(key.name, |value| key_attribute(key.name, value))
                }),
            Some((index, None)) => {
                Err(Error::config(format_args!("index `{index}` has no sort key")))
            }
            None => {
                Err(Error::config("index_sort_key is for index queries; use sort_key on the table"))
            }
        };
        self.sort = Some(sort);
        self
    }

    /// Newest sort keys first.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// A strongly consistent query, whatever the table's default. Global secondary indexes
    /// have no consistent reads: asking for one there is an error before any request.
    ///
    /// Without it, a query of the table or of a local index follows
    /// [`EncryptedTable::consistent_reads`], and a query of a global index reads eventually
    /// consistent data.
    pub fn consistent(mut self, consistent: bool) -> Self {
        self.consistent = Some(consistent);
        self
    }

    /// Whether the query reads consistently: see [`Query::consistent`].
    fn consistency(&self) -> Result<bool> {
        let global = self.index.filter(|i| i.kind == IndexKind::Global);
        match (self.consistent, global) {
            (Some(true), Some(index)) => Err(Error::config(format_args!(
                "index `{}` is a global secondary index, on which DynamoDB has no consistent \
                 reads; drop .consistent(true), or query the table or a local index",
                index.name
            ))),
            (Some(consistent), _) => Ok(consistent),
            (None, Some(_)) => Ok(false),
            (None, None) => Ok(self.table.consistent_reads),
        }
    }

    fn prepare(self) -> Result<(&'a EncryptedTable<T>, Prepared)> {
        let consistent = self.consistency()?;
        let (name, value) = self.partition?;
        let mut placeholders = Placeholders::default();
        let mut key_condition = Condition::key_compare(&name, "=", value);
        if let Some(sort) = self.sort {
            key_condition = key_condition.and(sort?);
        }
        let key_condition = key_condition.render(&self.table.schema, &mut placeholders)?;
        let filter =
            self.filter.map(|f| f.render(&self.table.schema, &mut placeholders)).transpose()?;
        Ok((
            self.table,
            Prepared {
                kind: Kind::Query {
                    key_condition,
                    index: self.index.map(|i| i.name),
                    descending: self.descending,
                },
                filter,
                names: placeholders.take_names(),
                values: placeholders.take_values(),
                limit: self.limit,
                page_size: self.page_size,
                consistent,
                start: None,
                matching: None,
            },
        ))
    }
}

/// A scan of the whole table. Await it for all items, or call [`Scan::stream`].
///
/// A large table is read by several tasks or processes at once with [`Scan::segment`], and a
/// scan that must survive a restart reads [`Scan::pages`], each with the [`ScanPosition`] to
/// resume from ([`Scan::resume_from`]).
///
/// # Errors
///
/// As [`Query`]: a failed request ends the scan; an item that cannot be read is one error
/// in [`Scan::stream`], and makes awaiting the scan return [`Error::UnreadableItems`].
/// [`Error::Config`] before any request for an invalid segment, or a position of another
/// table or segment.
#[must_use = "a Scan does nothing until awaited or streamed"]
pub struct Scan<'a, T> {
    table: &'a EncryptedTable<T>,
    filter: Option<Condition>,
    limit: Option<usize>,
    page_size: Option<usize>,
    consistent: bool,
    segment: Option<(u32, u32)>,
    start: Option<ScanPosition>,
}

/// One page of a scan ([`Scan::pages`]): its items, and where the scan goes on after it.
pub struct ScanPage<T> {
    /// The page's items, in the table's order. An item that cannot be read (it fails
    /// verification, is refused or does not convert) is an `Err` for that item.
    pub items: Vec<Result<T>>,
    /// Where the next page starts; `None` after the last page.
    pub next: Option<ScanPosition>,
}

/// Shows the number of items and whether there is more, never an item.
impl<T> std::fmt::Debug for ScanPage<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanPage")
            .field("items", &self.items.len())
            .field("next", &self.next)
            .finish()
    }
}

/// DynamoDB's largest number of segments.
const MAX_SEGMENTS: u32 = 1_000_000;

/// A scan's checks before any request, for a scan of `table`: the segment, and the
/// position's table and segment. Returns the key to start after.
pub(super) fn check_scan(
    table: &str,
    segment: Option<(u32, u32)>,
    start: Option<&ScanPosition>,
) -> Result<Option<Item>> {
    if let Some((segment, total)) = segment
        && (!(1..=MAX_SEGMENTS).contains(&total) || segment >= total)
    {
        return Err(Error::config(format_args!(
            "scan segment {segment} of {total}: the total is 1 to {MAX_SEGMENTS}, and segments \
             are numbered from 0 to total - 1"
        )));
    }
    let Some(position) = start else { return Ok(None) };
    if position.table != table || position.segment != segment {
        return Err(Error::config(format_args!(
            "the scan position is in table `{}`, segment {:?}; this scan is of table `{table}`, \
             segment {segment:?}: resume a position with a scan of its own table and segment",
            position.table, position.segment
        )));
    }
    Ok(Some(position.key.clone()))
}

impl<'a, T: EncryptedItem> Scan<'a, T> {
    /// Reads segment `segment` (from 0) of `total`: the scans of all `total` segments, run in
    /// parallel, read every item of the table exactly once between them.
    pub fn segment(mut self, segment: u32, total: u32) -> Self {
        self.segment = Some((segment, total));
        self
    }

    /// Starts after `position`, which a scan of the same table and segment returned with a
    /// page ([`Scan::pages`]): the items before it are not read again, and none after it are
    /// skipped.
    pub fn resume_from(mut self, position: ScanPosition) -> Self {
        self.start = Some(position);
        self
    }

    /// The scan, page by page, each page with the position to resume after it. A scan that
    /// must survive a restart stores the position once it has handled a page's items, and
    /// starts again from the last one stored.
    ///
    /// ```no_run
    /// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
    /// # use ddb_encrypt::table::ScanPosition;
    /// # #[derive(EncryptedItem)] struct Order { #[ddb(partition_key)] id: String }
    /// # fn handle(_: Order) {}
    /// # async fn demo(orders: EncryptedTable<Order>, saved: Option<String>) -> ddb_encrypt::Result<()> {
    /// use futures_util::StreamExt as _;
    ///
    /// let mut scan = orders.scan().segment(0, 4);
    /// if let Some(text) = saved {
    ///     scan = scan.resume_from(text.parse::<ScanPosition>()?);
    /// }
    /// let mut pages = std::pin::pin!(scan.pages());
    /// while let Some(page) = pages.next().await {
    ///     let page = page?;
    ///     for order in page.items {
    ///         handle(order?);
    ///     }
    ///     if let Some(position) = page.next {
    ///         println!("checkpoint: {position}"); // store it durably
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(self) -> impl Stream<Item = Result<ScanPage<T>>> + Send + 'a
    where
        T: Send + 'a,
    {
        let segment = self.segment;
        let state = self.prepare().map(Pages::new);
        stream::unfold(Some(state), move |state| async move {
            let mut pages = match state? {
                Err(error) => return Some((Err(error), None)),
                Ok(pages) => pages,
            };
            if pages.done() {
                return None;
            }
            if let Err(error) = pages.fetch().await {
                return Some((Err(error), None));
            }
            let remaining =
                pages.request.limit.map_or(usize::MAX, |l| l.saturating_sub(pages.yielded));
            let cut = pages.buffer.len() > remaining;
            pages.buffer.truncate(remaining);
            let mut items = Vec::with_capacity(pages.buffer.len());
            let mut last = None;
            while let Some(stored) = pages.buffer.pop_front() {
                // Where the scan goes on after this item.
                last = Some(super::primary_key(&pages.table.schema, &stored));
                items.push(pages.table.open(stored).await);
                pages.yielded += 1;
            }
            // A page cut short by the limit ends after its last item.
            let key = if cut { last } else { pages.next_page.clone() };
            let table = pages.table.table_name.to_string();
            let next = key.map(|key| ScanPosition { table, segment, key });
            Some((Ok(ScanPage { items, next }), Some(Ok(pages))))
        })
    }

    fn prepare(self) -> Result<(&'a EncryptedTable<T>, Prepared)> {
        let start = check_scan(&self.table.table_name, self.segment, self.start.as_ref())?;
        let mut placeholders = Placeholders::default();
        let filter =
            self.filter.map(|f| f.render(&self.table.schema, &mut placeholders)).transpose()?;
        Ok((
            self.table,
            Prepared {
                kind: Kind::Scan { segment: self.segment },
                filter,
                names: placeholders.take_names(),
                values: placeholders.take_values(),
                limit: self.limit,
                page_size: self.page_size,
                consistent: self.consistent,
                start,
                matching: None,
            },
        ))
    }
}

/// What queries and scans share: narrowing the results, and the two ways to read them.
macro_rules! paged {
    ($($builder:ident => $operation:literal),*) => {$(
        impl<T: EncryptedItem> $builder<'_, T> {
            /// Keeps only the items for which `filter` holds (evaluated by DynamoDB, after
            /// reading: filtered items still count towards the read capacity used). Given
            /// more than once, every filter must hold.
            pub fn filter(mut self, filter: impl IntoCondition<T>) -> Self {
                self.filter = Some(super::combine(self.filter.take(), filter.into_condition()));
                self
            }

            /// At most `limit` items in all.
            pub fn limit(mut self, limit: usize) -> Self {
                self.limit = Some(limit);
                self
            }

            /// Reads at most `items` items per request (DynamoDB's `Limit`; pages are also
            /// cut at 1 MB).
            pub fn page_size(mut self, items: usize) -> Self {
                self.page_size = Some(items);
                self
            }
        }

        impl<'a, T: EncryptedItem + Send + 'a> $builder<'a, T> {
            /// The items, one at a time, following pagination.
            ///
            /// An item that cannot be read (it fails verification, is refused or does not
            /// convert) is an `Err` for that item, and the stream goes on with the next one; a
            /// failed request is the last element.
            pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + 'a {
                flatten(items(self.prepare()))
            }
        }

        impl<'a, T: EncryptedItem + Send + 'a> IntoFuture for $builder<'a, T> {
            type Output = Result<Vec<T>>;
            type IntoFuture = BoxFuture<'a, Result<Vec<T>>>;

            fn into_future(self) -> Self::IntoFuture {
                let table = self.table;
                Box::pin(collect(table, $operation, items(self.prepare())))
            }
        }
    )*};
}

paged!(Query => "Query", Scan => "Scan");

impl<T> std::fmt::Debug for Query<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("table", &self.table.table_name)
            .field("index", &self.index.map(|i| i.name))
            .field("descending", &self.descending)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for Scan<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("table", &self.table.table_name)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub(super) enum Kind {
    Query { key_condition: String, index: Option<&'static str>, descending: bool },
    Scan { segment: Option<(u32, u32)> },
}

/// A rendered request, shared by its pages.
#[derive(Debug)]
pub(super) struct Prepared {
    pub(super) kind: Kind,
    pub(super) filter: Option<String>,
    pub(super) names: Option<HashMap<String, String>>,
    pub(super) values: Option<HashMap<String, AttributeValue>>,
    pub(super) limit: Option<usize>,
    pub(super) page_size: Option<usize>,
    pub(super) consistent: bool,
    /// The key to start after: a resumed scan's position.
    pub(super) start: Option<Item>,
    /// Keeps only the items whose decrypted attribute has this value: a beacon search's.
    pub(super) matching: Option<(&'static str, AttributeValue)>,
}

struct Pages<'a, T> {
    table: &'a EncryptedTable<T>,
    request: Arc<Prepared>,
    buffer: VecDeque<Item>,
    next_page: Option<Item>,
    started: bool,
    yielded: usize,
}

/// One element of [`items`]: a request failure (`Err`, which ends the stream) or one item,
/// read or not (`Ok`).
pub(super) type Step<T> = Result<Result<T>>;

/// The items of a request, following pagination. Request failures end the stream; an item
/// that cannot be read does not.
pub(super) fn items<'a, T: EncryptedItem + Send + 'a>(
    prepared: Result<(&'a EncryptedTable<T>, Prepared)>,
) -> impl Stream<Item = Step<T>> + Send + 'a {
    let state = prepared.map(Pages::new);
    stream::unfold(Some(state), |state| async move {
        let mut pages = match state? {
            Err(error) => return Some((Err(error), None)),
            Ok(pages) => pages,
        };
        loop {
            // Items that failed count too: `limit` bounds the items read.
            if pages.request.limit.is_some_and(|limit| pages.yielded >= limit) {
                return None;
            }
            if let Some(stored) = pages.buffer.pop_front() {
                let item = match &pages.request.matching {
                    None => pages.table.open(stored).await,
                    Some((name, wanted)) => {
                        let keep = |item: &Item| item.get(*name).is_some_and(|v| same(v, wanted));
                        match pages.table.open_if(stored, keep).await {
                            Some(item) => item,
                            // Another value with the same beacon.
                            None => continue,
                        }
                    }
                };
                pages.yielded += 1;
                return Some((Ok(item), Some(Ok(pages))));
            }
            if pages.done() {
                return None;
            }
            if let Err(error) = pages.fetch().await {
                return Some((Err(error), None));
            }
        }
    })
}

/// The public stream: one `Result` per item, then the request failure if any.
pub(super) fn flatten<'a, T: Send + 'a>(
    steps: impl Stream<Item = Step<T>> + Send + 'a,
) -> impl Stream<Item = Result<T>> + Send + 'a {
    steps.map(|step| step.and_then(|item| item))
}

/// Reads every item; fails with the request's error, or with [`Error::UnreadableItems`] if
/// any item could not be read.
pub(super) async fn collect<'a, T: Send + 'a>(
    table: &EncryptedTable<T>,
    operation: &'static str,
    steps: impl Stream<Item = Step<T>> + Send + 'a,
) -> Result<Vec<T>> {
    let mut steps = std::pin::pin!(steps);
    let mut items = Vec::new();
    let mut read = 0;
    let mut failed = 0;
    let mut first = None;
    while let Some(step) = steps.next().await {
        read += 1;
        match step? {
            Ok(item) => items.push(item),
            Err(error) => {
                failed += 1;
                first.get_or_insert(error);
            }
        }
    }
    match first {
        None => Ok(items),
        Some(first) => Err(Error::UnreadableItems {
            operation,
            table: table.table_name.to_string(),
            failed,
            read,
            first: Box::new(first),
        }),
    }
}

impl<'a, T: EncryptedItem> Pages<'a, T> {
    fn new((table, mut request): (&'a EncryptedTable<T>, Prepared)) -> Self {
        Self {
            table,
            next_page: request.start.take(),
            request: Arc::new(request),
            buffer: VecDeque::new(),
            started: false,
            yielded: 0,
        }
    }

    /// Whether the request has read all it will.
    fn done(&self) -> bool {
        self.started && self.next_page.is_none()
            || self.request.limit.is_some_and(|limit| self.yielded >= limit)
    }

    async fn fetch(&mut self) -> Result<()> {
        let table = self.table;
        let request = &*self.request;
        // Without a filter, ask for no more than is still wanted.
        let wanted = request
            .limit
            .filter(|_| request.filter.is_none() && request.matching.is_none())
            .map(|limit| limit.saturating_sub(self.yielded).max(1));
        let page_limit = match (wanted, request.page_size) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|n| i32::try_from(n.max(1)).unwrap_or(i32::MAX));
        let start = self.next_page.take();
        let (items, last) = match &request.kind {
            Kind::Query { key_condition, index, descending } => {
                let output = table
                    .client
                    .query()
                    .table_name(&*table.table_name)
                    .set_index_name(index.map(str::to_owned))
                    .key_condition_expression(key_condition)
                    .set_filter_expression(request.filter.clone())
                    .set_expression_attribute_names(request.names.clone())
                    .set_expression_attribute_values(request.values.clone())
                    .scan_index_forward(!descending)
                    .set_limit(page_limit)
                    .consistent_read(request.consistent)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| table.service_error("Query", &e))?;
                (output.items, output.last_evaluated_key)
            }
            Kind::Scan { segment } => {
                let output = table
                    .client
                    .scan()
                    .table_name(&*table.table_name)
                    .set_segment(segment.map(|(s, _)| i32::try_from(s).unwrap_or(i32::MAX)))
                    .set_total_segments(segment.map(|(_, t)| i32::try_from(t).unwrap_or(i32::MAX)))
                    .set_filter_expression(request.filter.clone())
                    .set_expression_attribute_names(request.names.clone())
                    .set_expression_attribute_values(request.values.clone())
                    .set_limit(page_limit)
                    .consistent_read(request.consistent)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| table.service_error("Scan", &e))?;
                (output.items, output.last_evaluated_key)
            }
        };
        self.started = true;
        self.buffer.extend(items.unwrap_or_default());
        self.next_page = last.filter(|key| !key.is_empty());
        Ok(())
    }
}
