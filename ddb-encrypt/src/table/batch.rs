//! Batch writes and reads, in DynamoDB's chunk sizes, retrying what DynamoDB leaves
//! unprocessed with exponential backoff, and never dropping an item silently.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::config::AsyncSleep as _;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};

use super::EncryptedTable;
use crate::error::{Error, Result};
use crate::item::{EncryptedItem, IntoKey};

type Item = HashMap<String, AttributeValue>;

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
    /// Waits before retry `attempt`, with the client's own sleep (the SDK's async runtime).
    async fn pause(&self, attempt: u32) {
        if let Some(sleep) = self.client.config().sleep_impl() {
            sleep.sleep(backoff(attempt)).await;
        }
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
    pub async fn batch_put<I: Borrow<T>>(&self, items: impl IntoIterator<Item = I>) -> Result<()> {
        let items = items.into_iter();
        let mut sealed = Vec::with_capacity(items.size_hint().0);
        for item in items {
            sealed.push(self.seal(item.borrow()).await?);
        }
        let mut requests = Vec::with_capacity(sealed.len());
        for stored in sealed {
            let put = PutRequest::builder().set_item(Some(stored)).build().map_err(|e| {
                Error::Config(format!("cannot build a BatchWriteItem request: {e}"))
            })?;
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
    pub async fn batch_get<K: IntoKey<T::Key>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<T>> {
        let mut key_items = Vec::new();
        for key in keys {
            key_items.push(T::key_item(&key.into_key())?);
        }
        let mut found = Vec::with_capacity(key_items.len());
        while !key_items.is_empty() {
            let rest = key_items.split_off(key_items.len().min(GET_CHUNK));
            for stored in self.get_chunk(std::mem::replace(&mut key_items, rest)).await? {
                found.push(self.open(stored).await?);
            }
        }
        Ok(found)
    }

    async fn get_chunk(&self, mut pending: Vec<Item>) -> Result<Vec<Item>> {
        let mut found = Vec::with_capacity(pending.len());
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.pause(attempt).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .consistent_read(self.consistent_reads)
                .build()
                .map_err(|e| Error::Config(format!("cannot build a BatchGetItem request: {e}")))?;
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
