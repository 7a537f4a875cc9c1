//! Searches on encrypted attributes, through their standard beacons.

use std::collections::HashMap;
use std::future::IntoFuture;

use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::stream::{self, Stream, StreamExt as _};

use super::field::{Beacon, FieldValue};
use super::query::{Kind, Prepared, Step, collect, flatten, items};
use super::{BoxFuture, EncryptedTable};
use crate::beacon::StandardBeacon;
use crate::convert::to_attribute_value;
use crate::error::{Error, Result};
use crate::item::{BeaconSchema, EncryptedItem};

/// A search for the items whose encrypted attribute equals a value, through the attribute's
/// standard beacon ([`crate::beacon`]): a query of the beacon's index, or without one a scan
/// filtered by the beacon. Await it for all items, or call [`Find::stream`].
///
/// Every item read is verified, decrypted and compared with the searched value: items whose
/// value only shares the beacon are wiped and left out, so only true matches are returned.
///
/// # Errors
///
/// As [`Query`](super::Query): [`Error::Config`] before any request if the table has no beacon
/// key or the value cannot be converted; [`Error::Service`] if a request fails; an item that
/// cannot be read is one error in [`Find::stream`] and makes awaiting the search return
/// [`Error::UnreadableItems`].
///
/// ```no_run
/// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
/// #[derive(EncryptedItem)]
/// struct Customer {
///     #[ddb(partition_key)] id: String,
///     #[ddb(beacon(length = 16, index = "ByEmail"))] email: String,
///     name: String,
/// }
/// # async fn demo(customers: EncryptedTable<Customer>) -> ddb_encrypt::Result<()> {
/// let found = customers.find(Customer::BEACONS.email, "ada@example.com").await?;
/// assert!(found.iter().all(|c| c.email == "ada@example.com"));
/// # Ok(()) }
/// ```
///
/// A field without a beacon has no handle in `BEACONS`: searching it does not compile.
///
/// ```compile_fail
/// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
/// # #[derive(EncryptedItem)]
/// # struct Customer { #[ddb(partition_key)] id: String, name: String }
/// # async fn demo(customers: EncryptedTable<Customer>) -> ddb_encrypt::Result<()> {
/// let ada = customers.find(Customer::BEACONS.name, "Ada").await?;
/// # Ok(()) }
/// ```
#[must_use = "a Find does nothing until awaited or streamed"]
pub struct Find<'a, T> {
    table: &'a EncryptedTable<T>,
    beacon: &'static str,
    value: Result<AttributeValue>,
    limit: Option<usize>,
    page_size: Option<usize>,
}

impl<T: EncryptedItem> EncryptedTable<T> {
    /// The items whose attribute of `beacon` equals `value`.
    #[expect(clippy::needless_pass_by_value, reason = "values are taken as written")]
    pub fn find<V>(&self, beacon: Beacon<T, V>, value: impl FieldValue<V>) -> Find<'_, T> {
        let value = match to_attribute_value(&value, beacon.mode()) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(Error::config(format_args!(
                "a search with beacon `{}` is for a value, not None",
                beacon.name()
            ))),
            Err(error) => Err(Error::config(format_args!(
                "a search with beacon `{}`: {error}",
                beacon.name()
            ))),
        };
        Find { table: self, beacon: beacon.name(), value, limit: None, page_size: None }
    }
}

impl<'a, T: EncryptedItem + Send + 'a> Find<'a, T> {
    /// At most `limit` matching items in all.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Reads at most `items` items per request (DynamoDB's `Limit`, which counts items that
    /// only share the beacon).
    pub fn page_size(mut self, items: usize) -> Self {
        self.page_size = Some(items);
        self
    }

    /// The matching items, one at a time, following pagination; as [`Query::stream`].
    ///
    /// [`Query::stream`]: super::Query::stream
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + 'a {
        flatten(self.steps())
    }

    fn steps(self) -> impl Stream<Item = Step<T>> + Send + 'a {
        stream::once(self.prepare()).flat_map(items)
    }

    async fn prepare(self) -> Result<(&'a EncryptedTable<T>, Prepared)> {
        let table = self.table;
        let schema = beacon_schema::<T>(self.beacon)?;
        let value = self.value?;
        let keys = table.beacon_keys.as_deref().ok_or_else(|| {
            Error::config(format_args!(
                "table `{}` has no beacon key to search with: give it one with \
                 EncryptedTable::with_beacon_key",
                table.table_name
            ))
        })?;
        let beacon = StandardBeacon::new(schema.name, schema.length)?;
        let hash = beacon.hash(&keys.beacon_key().await?, &value)?;
        let names = HashMap::from([("#b".to_owned(), schema.stored_as.to_owned())]);
        let values = HashMap::from([(":b".to_owned(), AttributeValue::S(hash))]);
        let (kind, filter, consistent) = match schema.index {
            Some(index) => (
                Kind::Query {
                    key_condition: "#b = :b".to_owned(),
                    index: Some(index),
                    descending: false,
                },
                None,
                false,
            ),
            None => {
                (Kind::Scan { segment: None }, Some("#b = :b".to_owned()), table.consistent_reads)
            }
        };
        Ok((
            table,
            Prepared {
                kind,
                filter,
                names: Some(names),
                values: Some(values),
                limit: self.limit,
                page_size: self.page_size,
                consistent,
                start: None,
                matching: Some((schema.attribute, value)),
            },
        ))
    }
}

impl<'a, T: EncryptedItem + Send + 'a> IntoFuture for Find<'a, T> {
    type Output = Result<Vec<T>>;
    type IntoFuture = BoxFuture<'a, Result<Vec<T>>>;

    fn into_future(self) -> Self::IntoFuture {
        let table = self.table;
        let operation = match beacon_schema::<T>(self.beacon) {
            Ok(BeaconSchema { index: None, .. }) => "Scan",
            _ => "Query",
        };
        Box::pin(collect(table, operation, self.steps()))
    }
}

impl<T> std::fmt::Debug for Find<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Find")
            .field("table", &self.table.table_name)
            .field("beacon", &self.beacon)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// The beacon `name` of `T`.
fn beacon_schema<T: EncryptedItem>(name: &str) -> Result<&'static BeaconSchema> {
    T::SCHEMA.beacons.iter().find(|b| b.name == name).ok_or_else(|| {
        Error::config(format_args!(
            "`{}` has no beacon named `{name}`; declare it with #[ddb(beacon(length = ...))]",
            std::any::type_name::<T>()
        ))
    })
}
