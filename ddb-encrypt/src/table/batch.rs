//! Batch writes and reads, in DynamoDB's chunk sizes, retrying what DynamoDB leaves
//! unprocessed with exponential backoff, and never dropping an item silently.

use std::future::IntoFuture;
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeysAndAttributes, PutRequest, WriteRequest};

use super::{BoxFuture, EncryptedTable};
use crate::error::{Error, Result};
use crate::item::{EncryptedItem, IntoKey, Item};

/// `BatchWriteItem` takes at most 25 requests, `BatchGetItem` 100 keys.
const WRITE_CHUNK: usize = 25;
const GET_CHUNK: usize = 100;
/// Requests per chunk before unprocessed items are reported as an error.
const ATTEMPTS: u32 = 8;
const FIRST_BACKOFF: Duration = Duration::from_millis(25);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1 << attempt.min(10)).min(MAX_BACKOFF)
}

impl<T> EncryptedTable<T> {
    /// Waits before retry `attempt`.
    async fn pause(&self, attempt: u32) {
        self.sleep(backoff(attempt)).await;
    }
}

impl<T: EncryptedItem + Sync> EncryptedTable<T> {
    /// Writes `items` with `BatchWriteItem`, 25 at a time, retrying unprocessed ones.
    ///
    /// Every item is encrypted before the first request, so an item that cannot be stored
    /// fails the call before anything is written.
    ///
    /// # Errors
    ///
    /// [`Error::Unprocessed`] with the number of items DynamoDB still had not written after
    /// its retries (the others were written); [`Error::Service`] if a request fails (the
    /// chunks before it were written); the errors of [`EncryptedTable::put`] for an item.
    pub fn batch_put<'a>(&'a self, items: impl IntoIterator<Item = &'a T>) -> BatchPut<'a, T> {
        BatchPut { table: self, items: items.into_iter().collect() }
    }

    async fn put_all(&self, items: Vec<&T>) -> Result<()> {
        let mut sealed = Vec::with_capacity(items.len());
        for item in items {
            sealed.push(self.seal(item).await?);
        }
        let mut requests = Vec::with_capacity(sealed.len());
        for stored in sealed {
            let put = PutRequest::builder()
                .set_item(Some(stored))
                .build()
                .map_err(|e| Error::unbuildable("BatchWriteItem", e))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        while !requests.is_empty() {
            let rest = requests.split_off(requests.len().min(WRITE_CHUNK));
            self.write_chunk(std::mem::replace(&mut requests, rest)).await?;
        }
        Ok(())
    }

    async fn write_chunk(&self, mut pending: Vec<WriteRequest>) -> Result<()> {
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.pause(attempt).await;
            }
            let output = self
                .client
                .batch_write_item()
                .request_items(&*self.table_name, pending)
                .send()
                .await
                .map_err(|e| self.service_error("BatchWriteItem", &e))?;
            pending = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&*self.table_name))
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
        }
        Err(Error::Unprocessed {
            operation: "BatchWriteItem",
            table: self.table_name.to_string(),
            count: pending.len(),
            attempts: ATTEMPTS,
        })
    }

    /// Reads the items with `keys` with `BatchGetItem`, 100 at a time, retrying unprocessed
    /// keys. Items come back in no particular order; keys without an item are skipped.
    ///
    /// # Errors
    ///
    /// [`Error::Unprocessed`] if DynamoDB still had not read some keys after its retries;
    /// [`Error::Service`]; [`Error::InItem`] for an item that does not read back (naming it by
    /// its key; [`Error::is_integrity`] if it fails verification).
    pub fn batch_get<K: IntoKey<T::Key>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> BatchGet<'_, T> {
        let keys = keys.into_iter().map(|key| T::key_item(&key.into_key())).collect();
        BatchGet { table: self, keys, consistent: self.consistent_reads }
    }

    async fn get_all(&self, keys: Result<Vec<Item>>, consistent: bool) -> Result<Vec<T>> {
        let mut key_items = keys?;
        let mut found = Vec::with_capacity(key_items.len());
        while !key_items.is_empty() {
            let rest = key_items.split_off(key_items.len().min(GET_CHUNK));
            let chunk = std::mem::replace(&mut key_items, rest);
            for stored in self.get_chunk(chunk, consistent).await? {
                found.push(self.open(stored).await?);
            }
        }
        Ok(found)
    }

    async fn get_chunk(&self, mut pending: Vec<Item>, consistent: bool) -> Result<Vec<Item>> {
        let mut found = Vec::with_capacity(pending.len());
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.pause(attempt).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .consistent_read(consistent)
                .build()
                .map_err(|e| Error::unbuildable("BatchGetItem", e))?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&*self.table_name, request)
                .send()
                .await
                .map_err(|e| self.service_error("BatchGetItem", &e))?;
            found.extend(
                output.responses.and_then(|mut r| r.remove(&*self.table_name)).unwrap_or_default(),
            );
            pending = output
                .unprocessed_keys
                .and_then(|mut unprocessed| unprocessed.remove(&*self.table_name))
                .map(|k| k.keys)
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(found);
            }
        }
        Err(Error::Unprocessed {
            operation: "BatchGetItem",
            table: self.table_name.to_string(),
            count: pending.len(),
            attempts: ATTEMPTS,
        })
    }
}

/// A pending batch write: await it. See [`EncryptedTable::batch_put`].
#[must_use = "a BatchPut does nothing until awaited"]
pub struct BatchPut<'a, T> {
    table: &'a EncryptedTable<T>,
    items: Vec<&'a T>,
}

/// A pending batch read: await it. See [`EncryptedTable::batch_get`].
#[must_use = "a BatchGet does nothing until awaited"]
pub struct BatchGet<'a, T> {
    table: &'a EncryptedTable<T>,
    keys: Result<Vec<Item>>,
    consistent: bool,
}

impl<T> BatchGet<'_, T> {
    /// Strongly consistent reads (the table's default otherwise).
    pub fn consistent(mut self, consistent: bool) -> Self {
        self.consistent = consistent;
        self
    }
}

impl<'a, T: EncryptedItem + Sync> IntoFuture for BatchPut<'a, T> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.table.put_all(self.items))
    }
}

impl<'a, T: EncryptedItem + Send + Sync> IntoFuture for BatchGet<'a, T> {
    type Output = Result<Vec<T>>;
    type IntoFuture = BoxFuture<'a, Result<Vec<T>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.table.get_all(self.keys, self.consistent))
    }
}

/// Shows the table and the number of items or keys, never an item or a key.
impl<T> std::fmt::Debug for BatchPut<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchPut")
            .field("table", &self.table.table_name)
            .field("items", &self.items.len())
            .finish()
    }
}

/// Shows the table and the number of keys, never a key.
impl<T> std::fmt::Debug for BatchGet<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = self.keys.as_ref().map_or(0, Vec::len);
        f.debug_struct("BatchGet")
            .field("table", &self.table.table_name)
            .field("keys", &keys)
            .field("consistent", &self.consistent)
            .finish()
    }
}
