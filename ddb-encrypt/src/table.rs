//! `EncryptedTable<T>`: typed, encrypted reads and writes of a DynamoDB table, and its request
//! builders, conditions and typed field handles.

mod admin;
mod batch;
mod condition;
pub mod field;
mod find;
mod migrate;
mod modify;
mod position;
mod query;
mod transact;
mod update;

use std::collections::HashMap;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::AsyncSleep as _;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

pub(crate) use admin::create_table_request;
pub use batch::{BatchGet, BatchPut};
pub use condition::{Condition, SortKeyCondition};
use condition::{Conditioned, Rendered};
pub use field::{IntoCondition, TypedCondition};
pub use find::Find;
pub use migrate::{ItemReport, Migration, MigrationPage, Outcome};
pub use modify::Modify;
pub use position::ScanPosition;
pub use query::{Query, Scan, ScanPage};
pub use transact::{TransactGet, Transaction};
pub use update::Update;

use crate::beacon::{BeaconKeySource, VERSION_ATTRIBUTE};
use crate::encryptor::ItemEncryptor;
use crate::error::{AwsRequest, Error, Result};
use crate::format::Format;
use crate::item::{EncryptedItem, IntoKey};
use crate::keyring::Keyring;
use crate::provider::CryptographicMaterialsProvider;
use crate::schema::TableSchema;

/// A boxed future of this module's builders.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// DynamoDB's largest item, in bytes.
const MAX_ITEM_SIZE: usize = 400 * 1024;

/// A DynamoDB table of encrypted `T` items.
///
/// Every write encrypts and signs the item with the table's [`ItemEncryptor`]; every read
/// verifies and decrypts it. Key attributes and SIGN_ONLY or DO_NOTHING attributes stay readable
/// by DynamoDB, so queries, conditions and indexes work on them.
///
/// ```no_run
/// # async fn demo(client: aws_sdk_dynamodb::Client) -> ddb_encrypt::Result<()> {
/// use ddb_encrypt::{EncryptedItem, EncryptedTable, SortKeyCondition};
/// use ddb_encrypt::keyring::RawAesKeyring;
///
/// #[derive(EncryptedItem, Debug)]
/// struct Order {
///     #[ddb(partition_key)] customer: String,
///     #[ddb(sort_key)]      placed_at: u64,
///     card: String,
/// }
///
/// let keyring = RawAesKeyring::new("my-app", "orders", &[1; 32])?; // demo key
/// let orders = EncryptedTable::<Order>::new(client, "Orders", keyring)?;
/// orders.put(&Order { customer: "ada".into(), placed_at: 1, card: "4111".into() }).await?;
/// let order = orders.get(("ada", 1)).await?;
/// let recent = orders.query("ada").sort_key(SortKeyCondition::gt(0)).descending().limit(10).await?;
/// # Ok(()) }
/// ```
pub struct EncryptedTable<T> {
    client: Client,
    table_name: Arc<str>,
    schema: Arc<TableSchema>,
    encryptor: ItemEncryptor,
    beacon_keys: Option<Arc<dyn BeaconKeySource>>,
    consistent_reads: bool,
    item: PhantomData<fn() -> T>,
}

impl<T> Clone for EncryptedTable<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            table_name: self.table_name.clone(),
            schema: self.schema.clone(),
            encryptor: self.encryptor.clone(),
            beacon_keys: self.beacon_keys.clone(),
            consistent_reads: self.consistent_reads,
            item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for EncryptedTable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedTable")
            .field("table_name", &self.table_name)
            .field("item", &std::any::type_name::<T>())
            .field("encryptor", &self.encryptor)
            .field("beacon_keys", &self.beacon_keys)
            .field("consistent_reads", &self.consistent_reads)
            .finish_non_exhaustive()
    }
}

impl<T: EncryptedItem> EncryptedTable<T> {
    /// A table named `table_name`, read and written through `client`, with keys from
    /// `keyring`. Items are written and read in the DB-ESDK format, suite `0x6701`, as the
    /// official SDKs do ([`ItemEncryptor::new`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `T`'s schema is invalid (never for derived types).
    pub fn new(
        client: Client,
        table_name: impl Into<String>,
        keyring: impl Keyring + 'static,
    ) -> Result<Self> {
        Self::with_encryptor(client, table_name, ItemEncryptor::new(keyring))
    }

    /// A table shared with the DynamoDB Encryption Client (Python, Java): items are written
    /// and read in its legacy format with one of its materials providers
    /// ([`ItemEncryptor::legacy`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `T`'s schema is invalid (never for derived types).
    pub fn legacy(
        client: Client,
        table_name: impl Into<String>,
        provider: impl CryptographicMaterialsProvider + 'static,
    ) -> Result<Self> {
        Self::with_encryptor(client, table_name, ItemEncryptor::legacy(provider))
    }

    /// A table with an encryptor of your own: shared with other tables, or configured with
    /// migration policies ([`ItemEncryptor::with_legacy`],
    /// [`ItemEncryptor::with_plaintext_policy`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `T`'s schema is invalid.
    pub fn with_encryptor(
        client: Client,
        table_name: impl Into<String>,
        encryptor: ItemEncryptor,
    ) -> Result<Self> {
        let table_name: String = table_name.into();
        let schema = TableSchema::for_item::<T>(table_name.clone())?;
        Ok(Self {
            client,
            table_name: table_name.into(),
            schema: Arc::new(schema),
            encryptor,
            beacon_keys: None,
            consistent_reads: false,
            item: PhantomData,
        })
    }

    /// Takes the beacon key of `T`'s beacons (`#[ddb(beacon(...))]`) from `keys`: a
    /// [`SingleKeyStore`](crate::beacon::SingleKeyStore) over a branch key store, as the
    /// official SDKs do, or a [`BeaconKey`](crate::beacon::BeaconKey) given in code. Writes then
    /// store each beacon beside the item, and [`find`](Self::find) searches by it.
    ///
    /// ```no_run
    /// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
    /// # use ddb_encrypt::keyring::RawAesKeyring;
    /// use ddb_encrypt::beacon::BeaconKey;
    ///
    /// #[derive(EncryptedItem)]
    /// struct Customer {
    ///     #[ddb(partition_key)] id: String,
    ///     #[ddb(beacon(length = 16, index = "ByEmail"))] email: String,
    /// }
    /// # async fn demo(client: aws_sdk_dynamodb::Client, keyring: RawAesKeyring) -> ddb_encrypt::Result<()> {
    /// let customers = EncryptedTable::<Customer>::new(client, "Customers", keyring)?
    ///     .with_beacon_key(BeaconKey::new(&[9; 32])?); // demo key
    /// let ada = customers.find(Customer::BEACONS.email, "ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_beacon_key(mut self, keys: impl BeaconKeySource + 'static) -> Self {
        self.beacon_keys = Some(Arc::new(keys));
        self
    }

    /// Binds the items to `logical_name` instead of the table's own name: the name that every
    /// signature and encryption context covers. Requests still go to the table's own name.
    ///
    /// The table name is part of what an item's signature covers, so an item copied to
    /// another table (a point-in-time restore, a backup restored under a new name, a copy for
    /// tests) reads there only through a handle with the original name as its logical name.
    /// The official SDKs call it the logical table name; use the same one as they do for a
    /// table they share.
    ///
    /// ```no_run
    /// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
    /// # use ddb_encrypt::keyring::RawAesKeyring;
    /// # #[derive(EncryptedItem)] struct Order { #[ddb(partition_key)] id: String }
    /// # fn demo(client: aws_sdk_dynamodb::Client, keyring: RawAesKeyring) -> ddb_encrypt::Result<()> {
    /// // The items of `Orders`, restored into `Orders-restored`.
    /// let restored = EncryptedTable::<Order>::new(client, "Orders-restored", keyring)?
    ///     .with_logical_table_name("Orders")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `T`'s schema is invalid (never for derived types).
    pub fn with_logical_table_name(mut self, logical_name: impl Into<String>) -> Result<Self> {
        self.schema = Arc::new(TableSchema::for_item::<T>(logical_name)?);
        Ok(self)
    }

    /// Whether `get`, `query` and `batch_get` use strongly consistent reads (`false` by
    /// default, as in DynamoDB).
    #[must_use]
    pub fn consistent_reads(mut self, consistent: bool) -> Self {
        self.consistent_reads = consistent;
        self
    }

    /// The SDK client: an escape hatch for what this type does not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table name, to which requests go.
    pub fn table_name(&self) -> &str {
        &self.table_name
    }

    /// The name that items are bound to: the table name, unless
    /// [`with_logical_table_name`](Self::with_logical_table_name) set another.
    pub fn logical_table_name(&self) -> &str {
        self.schema.table_name().unwrap_or(&self.table_name)
    }

    /// The encryption schema (table name, keys, attribute actions).
    pub fn schema(&self) -> &TableSchema {
        &self.schema
    }

    /// The item encryptor.
    pub fn encryptor(&self) -> &ItemEncryptor {
        &self.encryptor
    }

    /// Writes `item`, replacing any item with the same key. Await it, or add a condition
    /// first.
    ///
    /// # Errors
    ///
    /// See [`Put`].
    pub fn put<'a>(&'a self, item: &'a T) -> Put<'a, T> {
        Put { table: self, item, condition: None }
    }

    /// Reads the item with `key`; `None` if there is none.
    ///
    /// # Errors
    ///
    /// See [`Get`].
    pub fn get(&self, key: impl IntoKey<T::Key>) -> Get<'_, T> {
        Get { table: self, key: T::key_item(&key.into_key()), consistent: self.consistent_reads }
    }

    /// Deletes the item with `key` (nothing happens if there is none).
    ///
    /// # Errors
    ///
    /// See [`Delete`].
    pub fn delete(&self, key: impl IntoKey<T::Key>) -> Delete<'_, T> {
        Delete { table: self, key: T::key_item(&key.into_key()), condition: None }
    }

    /// The stored (encrypted) form of `item`, checked against DynamoDB's size limit.
    pub(crate) async fn seal(&self, item: &T) -> Result<HashMap<String, AttributeValue>> {
        let beacons = self.beacon_keys.as_deref();
        seal(&self.encryptor, &self.schema, &self.table_name, beacons, item.to_item()?).await
    }

    /// The value of a stored item: verified, decrypted, converted. A failure of the item
    /// (integrity, format, conversion) names it by its key as stored ([`Error::InItem`]).
    pub(crate) async fn open(&self, stored: HashMap<String, AttributeValue>) -> Result<T> {
        match self.open_if(stored, |_| true).await {
            Some(read) => read,
            None => Err(Error::Internal("an item refused by a filter that keeps every item")),
        }
    }

    /// As [`open`](Self::open), for an item whose decrypted attributes `keep` accepts; `None`
    /// (the decrypted item wiped) for another.
    pub(crate) async fn open_if(
        &self,
        stored: HashMap<String, AttributeValue>,
        keep: impl FnOnce(&HashMap<String, AttributeValue>) -> bool,
    ) -> Option<Result<T>> {
        let key: Vec<_> = [T::SCHEMA.partition_key.name]
            .into_iter()
            .chain(T::SCHEMA.sort_key.map(|k| k.name))
            .map(|name| (name, stored.get(name).cloned()))
            .collect();
        let read = match self.encryptor.decrypt_item(&self.schema, stored).await {
            Ok(mut item) if !keep(&item) => {
                crate::wipe::map_entries(&mut item);
                return None;
            }
            Ok(item) => T::from_item(item),
            Err(error) => Err(error),
        };
        Some(read.map_err(|error| in_item(&self.table_name, || describe_key(&key), error)))
    }

    pub(crate) fn service_error<E>(
        &self,
        operation: &'static str,
        error: &SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
    ) -> Error
    where
        E: ProvideErrorMetadata,
    {
        Error::aws(&AwsRequest::DynamoDb { operation, table: &self.table_name }, error)
    }
}

impl<T> EncryptedTable<T> {
    /// Waits `duration`, with the client's own sleep (the SDK's async runtime).
    pub(crate) async fn sleep(&self, duration: std::time::Duration) {
        if let Some(sleep) = self.client.config().sleep_impl() {
            sleep.sleep(duration).await;
        }
    }
}

/// `plaintext` encrypted for `table`, with its beacons, checked against DynamoDB's size limit.
async fn seal(
    encryptor: &ItemEncryptor,
    schema: &TableSchema,
    table: &str,
    beacon_keys: Option<&dyn BeaconKeySource>,
    plaintext: HashMap<String, AttributeValue>,
) -> Result<HashMap<String, AttributeValue>> {
    let beacons = beacons(encryptor, schema, table, beacon_keys, &plaintext).await?;
    let mut stored = encryptor.encrypt_item(schema, plaintext).await?;
    stored.extend(beacons);
    let size = item_size(&stored);
    if size > MAX_ITEM_SIZE {
        return Err(Error::ItemTooLarge { table: table.to_owned(), size });
    }
    Ok(stored)
}

/// The beacon attributes of `plaintext`, written beside its encrypted form (DB-ESDK items
/// only: the legacy format has no beacons, and a plaintext item needs none).
async fn beacons(
    encryptor: &ItemEncryptor,
    schema: &TableSchema,
    table: &str,
    keys: Option<&dyn BeaconKeySource>,
    plaintext: &HashMap<String, AttributeValue>,
) -> Result<Vec<(String, AttributeValue)>> {
    if schema.beacons().len() == 0 || encryptor.write_format() == Format::Plaintext {
        return Ok(Vec::new());
    }
    if encryptor.write_format() != Format::DbEsdk {
        return Err(Error::config(format_args!(
            "the items of table `{table}` have beacons, which only the DB-ESDK format has, but \
             the table writes the {:?} format",
            encryptor.write_format()
        )));
    }
    let keys = keys.ok_or_else(|| {
        Error::config(format_args!(
            "the items of table `{table}` have beacons, but the table has no beacon key: give \
             it one with EncryptedTable::with_beacon_key"
        ))
    })?;
    let key = keys.beacon_key().await?;
    let mut out = Vec::with_capacity(schema.beacons().len() + 1);
    for (attribute, beacon) in schema.beacons() {
        if let Some(value) = plaintext.get(attribute) {
            out.push((beacon.stored_as().to_owned(), AttributeValue::S(beacon.hash(&key, value)?)));
        }
    }
    out.push((VERSION_ATTRIBUTE.to_owned(), AttributeValue::S(" ".to_owned())));
    Ok(out)
}

/// The table's primary key attributes of a stored item (its key item).
fn primary_key(
    schema: &TableSchema,
    stored: &HashMap<String, AttributeValue>,
) -> HashMap<String, AttributeValue> {
    [schema.partition_key(), schema.sort_key()]
        .into_iter()
        .flatten()
        .filter_map(|name| stored.get_key_value(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The item with `key` in `table` as stored, read consistently.
async fn read_stored(
    client: &Client,
    table: &str,
    key: &HashMap<String, AttributeValue>,
) -> Result<Option<HashMap<String, AttributeValue>>> {
    let request = client.get_item().table_name(table).set_key(Some(key.clone()));
    let output = request
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| Error::aws(&AwsRequest::DynamoDb { operation: "GetItem", table }, &e))?;
    Ok(output.item)
}

/// Writes `item` to `table` if `condition` holds for the stored item; `Ok(false)` if it did
/// not.
async fn put_if(
    client: &Client,
    table: &str,
    item: HashMap<String, AttributeValue>,
    condition: Rendered,
) -> Result<bool> {
    let written =
        client.put_item().table_name(table).set_item(Some(item)).condition(condition).send().await;
    let Err(error) = written else { return Ok(true) };
    let error = Error::aws(&AwsRequest::DynamoDb { operation: "PutItem", table }, &error);
    if error.is_conditional_check_failed() { Ok(false) } else { Err(error) }
}

/// A failure of the item itself (not an outage of a key service), named by its key.
fn in_item(table: &str, key: impl FnOnce() -> String, error: Error) -> Error {
    match error {
        Error::Integrity | Error::FormatRefused(_) | Error::Conversion { .. } => {
            Error::InItem { table: table.to_owned(), key: key(), inner: Box::new(error) }
        }
        other => other,
    }
}

/// `name = value, ...` of key attributes as stored, for errors: strings quoted and escaped,
/// numbers as they are, binary values in base64, each cut at 100 characters.
fn describe_key(key: &[(&str, Option<AttributeValue>)]) -> String {
    use base64::Engine as _;
    const MAX: usize = 100;
    let parts: Vec<String> = key
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Some(AttributeValue::S(s)) => format!("{s:?}"),
                Some(AttributeValue::N(n)) => n.clone(),
                Some(AttributeValue::B(b)) => {
                    format!("b64:{}", base64::engine::general_purpose::STANDARD.encode(b))
                }
                Some(other) => format!("<{}>", crate::convert::type_name(other)),
                None => "<missing>".to_owned(),
            };
            match value.char_indices().nth(MAX) {
                Some((cut, _)) => format!("{name} = {}…", &value[..cut]),
                None => format!("{name} = {value}"),
            }
        })
        .collect();
    parts.join(", ")
}

/// The size of an item as DynamoDB counts it (names plus values; numbers counted by their
/// text, which is never smaller).
pub(crate) fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.iter().map(String::len).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|x| 1 + value_size(x)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m.iter().map(|(k, x)| 1 + k.len() + value_size(x)).sum::<usize>()
        }
        _ => 1,
    }
}

/// Builders show their table and whether a condition is set, never the item or key.
macro_rules! debug_request {
    ($($name:ident),*) => {$(
        impl<T: EncryptedItem> fmt::Debug for $name<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field("table", &self.table.table_name).finish_non_exhaustive()
            }
        }
    )*};
}
debug_request!(Put, Get, Delete);

fn combine(existing: Option<Condition>, added: Condition) -> Condition {
    match existing {
        Some(existing) => existing.and(added),
        None => added,
    }
}

/// A pending write of one item: await it.
///
/// # Errors
///
/// [`Error::Conversion`] or [`Error::InvalidItem`] if the item cannot be stored,
/// [`Error::ItemTooLarge`], [`Error::Config`] for a condition that compares an encrypted
/// attribute (all before any request), [`Error::Service`] if DynamoDB refuses it
/// ([`Error::is_conditional_check_failed`] when a condition does not hold), and provider
/// errors.
#[must_use = "a Put does nothing until awaited"]
pub struct Put<'a, T> {
    table: &'a EncryptedTable<T>,
    item: &'a T,
    condition: Option<Condition>,
}

impl<T: EncryptedItem> Put<'_, T> {
    /// Writes only if no item with this key exists.
    pub fn create_only(self) -> Self {
        let key = self.table.schema.partition_key().unwrap_or_default().to_owned();
        self.condition(Condition::not_exists(key))
    }

    /// Writes only if `condition` holds for the stored item (combined with AND with any
    /// condition already set).
    pub fn condition(mut self, condition: impl IntoCondition<T>) -> Self {
        self.condition = Some(combine(self.condition.take(), condition.into_condition()));
        self
    }
}

impl<'a, T: EncryptedItem + Sync> IntoFuture for Put<'a, T> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let table = self.table;
            // Refuse a bad condition before doing any work.
            let rendered = Rendered::new(self.condition.as_ref(), &table.schema)?;
            let request =
                table.client.put_item().table_name(&*table.table_name).condition(rendered);
            let stored = table.seal(self.item).await?;
            request
                .set_item(Some(stored))
                .send()
                .await
                .map_err(|e| table.service_error("PutItem", &e))?;
            Ok(())
        })
    }
}

/// A pending read of one item: await it.
///
/// # Errors
///
/// [`Error::Integrity`] if the stored item was altered, [`Error::Conversion`] if it does not
/// fit `T` (both inside [`Error::InItem`], which names the item by its key),
/// [`Error::Service`] if DynamoDB fails, and provider errors.
#[must_use = "a Get does nothing until awaited"]
pub struct Get<'a, T: EncryptedItem> {
    table: &'a EncryptedTable<T>,
    /// The key as an item, or why it cannot be one (returned when awaited).
    key: Result<HashMap<String, AttributeValue>>,
    consistent: bool,
}

impl<T: EncryptedItem> Get<'_, T> {
    /// A strongly consistent read (or not), whatever the table's default.
    pub fn consistent(mut self, consistent: bool) -> Self {
        self.consistent = consistent;
        self
    }
}

impl<'a, T> IntoFuture for Get<'a, T>
where
    T: EncryptedItem + Sync,
    T::Key: Sync,
{
    type Output = Result<Option<T>>;
    type IntoFuture = BoxFuture<'a, Result<Option<T>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let table = self.table;
            let output = table
                .client
                .get_item()
                .table_name(&*table.table_name)
                .set_key(Some(self.key?))
                .consistent_read(self.consistent)
                .send()
                .await
                .map_err(|e| table.service_error("GetItem", &e))?;
            match output.item {
                Some(stored) => table.open(stored).await.map(Some),
                None => Ok(None),
            }
        })
    }
}

/// A pending delete of one item: await it.
///
/// # Errors
///
/// [`Error::Config`] for a condition that compares an encrypted attribute (before any
/// request), [`Error::Service`] if DynamoDB refuses it.
#[must_use = "a Delete does nothing until awaited"]
pub struct Delete<'a, T: EncryptedItem> {
    table: &'a EncryptedTable<T>,
    /// The key as an item, or why it cannot be one (returned when awaited).
    key: Result<HashMap<String, AttributeValue>>,
    condition: Option<Condition>,
}

impl<T: EncryptedItem> Delete<'_, T> {
    /// Deletes only if `condition` holds for the stored item.
    pub fn condition(mut self, condition: impl IntoCondition<T>) -> Self {
        self.condition = Some(combine(self.condition.take(), condition.into_condition()));
        self
    }
}

impl<'a, T> IntoFuture for Delete<'a, T>
where
    T: EncryptedItem + Sync,
    T::Key: Sync,
{
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let table = self.table;
            let rendered = Rendered::new(self.condition.as_ref(), &table.schema)?;
            let request =
                table.client.delete_item().table_name(&*table.table_name).condition(rendered);
            request
                .set_key(Some(self.key?))
                .send()
                .await
                .map_err(|e| table.service_error("DeleteItem", &e))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_item_is_named_by_its_key_as_stored_escaped_and_cut() {
        let long = "x".repeat(150);
        let key = [
            ("id", Some(AttributeValue::S("a\"b\n".into()))),
            ("n", Some(AttributeValue::N("-1.5".into()))),
            ("bin", Some(AttributeValue::B(vec![1, 2, 255].into()))),
            ("gone", None),
            ("long", Some(AttributeValue::S(long))),
        ];
        let described = describe_key(&key);
        let expected = format!(
            r#"id = "a\"b\n", n = -1.5, bin = b64:AQL/, gone = <missing>, long = "{}…"#,
            "x".repeat(99)
        );
        assert_eq!(described, expected);
    }
}
