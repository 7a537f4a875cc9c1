//! Transactions: all-or-nothing writes (puts, deletes, condition checks) and reads.

use std::future::IntoFuture;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, TransactGetItem, TransactWriteItem,
};

use super::condition::{Condition, Conditioned, Rendered};
use super::field::IntoCondition;
use super::{BoxFuture, EncryptedTable};
use crate::error::{AwsRequest, Cancellation, CancellationReason, Error, Result};
use crate::item::{EncryptedItem, IntoKey, Item};

/// DynamoDB's largest transaction.
const MAX_TRANSACTION: usize = 100;

/// Writes to any number of tables, all or none (`TransactWriteItems`, at most 100
/// operations): puts, deletes and condition checks on [`EncryptedTable`]s, each item sealed
/// by its own table's encryptor and each condition rendered against its own table's schema
/// (with the same refusals as a single write), and SDK operations for plaintext tables.
///
/// ```no_run
/// # use ddb_encrypt::{Condition, EncryptedItem, EncryptedTable, Transaction};
/// # #[derive(EncryptedItem)] struct Patient { #[ddb(partition_key)] patient_id: String }
/// # #[derive(EncryptedItem)] struct Visit { #[ddb(partition_key)] patient_id: String, #[ddb(sort_key)] at: u64 }
/// # async fn demo(patients: EncryptedTable<Patient>, visits: EncryptedTable<Visit>, visit: Visit) -> ddb_encrypt::Result<()> {
/// // A visit is written only if its patient exists.
/// let written = Transaction::new()
///     .condition_check(&patients, visit.patient_id.as_str(), Condition::exists("patient_id"))
///     .put(&visits, &visit)
///     .await;
/// if let Err(error) = written {
///     if error.is_conditional_check_failed() {
///         eprintln!("no such patient; nothing was written");
///     }
/// }
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// Awaiting it gives [`Error::Config`] for no operation or more than 100, or for a condition
/// on an encrypted attribute or an unknown name; the errors of [`EncryptedTable::put`] for an
/// item (all before any request); [`Error::TransactionCanceled`] with the reason of each
/// operation if DynamoDB canceled it; [`Error::Service`] if the request failed otherwise.
/// Nothing is written unless it returns `Ok`.
#[must_use = "a Transaction does nothing until awaited"]
#[derive(Default)]
pub struct Transaction<'a> {
    client: Option<Client>,
    operations: Vec<Operation<'a>>,
}

/// One operation: where it goes, for errors, and how it is built (sealing may wait).
struct Operation<'a> {
    table: String,
    kind: &'static str,
    build: BoxFuture<'a, Result<TransactWriteItem>>,
}

/// Shows the operations' kinds and tables, never an item or a key.
impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let operations: Vec<_> =
            self.operations.iter().map(|o| format!("{} on {}", o.kind, o.table)).collect();
        f.debug_struct("Transaction").field("operations", &operations).finish()
    }
}

impl<'a> Transaction<'a> {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    fn push<T>(
        mut self,
        table: &EncryptedTable<T>,
        kind: &'static str,
        build: BoxFuture<'a, Result<TransactWriteItem>>,
    ) -> Self {
        self.client.get_or_insert_with(|| table.client.clone());
        self.operations.push(Operation { table: table.table_name.to_string(), kind, build });
        self
    }

    /// Writes `item` to `table`, replacing any item with its key.
    pub fn put<T: EncryptedItem + Sync>(self, table: &'a EncryptedTable<T>, item: &'a T) -> Self {
        self.put_with(table, item, None)
    }

    /// Writes `item` to `table` if `condition` holds for the stored item.
    pub fn put_if<T: EncryptedItem + Sync>(
        self,
        table: &'a EncryptedTable<T>,
        item: &'a T,
        condition: impl IntoCondition<T>,
    ) -> Self {
        self.put_with(table, item, Some(&condition.into_condition()))
    }

    fn put_with<T: EncryptedItem + Sync>(
        self,
        table: &'a EncryptedTable<T>,
        item: &'a T,
        condition: Option<&Condition>,
    ) -> Self {
        let rendered = Rendered::new(condition, &table.schema);
        let build = Box::pin(async move {
            let put = Put::builder()
                .table_name(&*table.table_name)
                .condition(rendered?)
                .set_item(Some(table.seal(item).await?))
                .build()
                .map_err(build_error)?;
            Ok(TransactWriteItem::builder().put(put).build())
        });
        self.push(table, "Put", build)
    }

    /// Deletes the item with `key` from `table`.
    pub fn delete<T: EncryptedItem>(
        self,
        table: &'a EncryptedTable<T>,
        key: impl IntoKey<T::Key>,
    ) -> Self {
        self.delete_with(table, key, None)
    }

    /// Deletes the item with `key` from `table` if `condition` holds for it.
    pub fn delete_if<T: EncryptedItem>(
        self,
        table: &'a EncryptedTable<T>,
        key: impl IntoKey<T::Key>,
        condition: impl IntoCondition<T>,
    ) -> Self {
        self.delete_with(table, key, Some(&condition.into_condition()))
    }

    fn delete_with<T: EncryptedItem>(
        self,
        table: &'a EncryptedTable<T>,
        key: impl IntoKey<T::Key>,
        condition: Option<&Condition>,
    ) -> Self {
        let built = keyed(table, key, condition, |table_name, key, rendered| {
            let delete = Delete::builder().table_name(table_name).set_key(Some(key));
            let delete = delete.condition(rendered).build().map_err(build_error)?;
            Ok(TransactWriteItem::builder().delete(delete).build())
        });
        self.push(table, "Delete", Box::pin(std::future::ready(built)))
    }

    /// Requires `condition` to hold for the item with `key` in `table`, without writing it.
    pub fn condition_check<T: EncryptedItem>(
        self,
        table: &'a EncryptedTable<T>,
        key: impl IntoKey<T::Key>,
        condition: impl IntoCondition<T>,
    ) -> Self {
        let condition = condition.into_condition();
        let built = keyed(table, key, Some(&condition), |table_name, key, rendered| {
            let check = ConditionCheck::builder().table_name(table_name).set_key(Some(key));
            let check = check.condition(rendered).build().map_err(build_error)?;
            Ok(TransactWriteItem::builder().condition_check(check).build())
        });
        self.push(table, "ConditionCheck", Box::pin(std::future::ready(built)))
    }

    /// An operation of the SDK's own, on a plaintext table: sent as it is, neither encrypted
    /// nor checked.
    pub fn sdk_operation(mut self, operation: TransactWriteItem) -> Self {
        let table = [
            operation.put().map(Put::table_name),
            operation.delete().map(Delete::table_name),
            operation.condition_check().map(ConditionCheck::table_name),
            operation.update().map(aws_sdk_dynamodb::types::Update::table_name),
        ]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_default()
        .to_owned();
        let build = Box::pin(std::future::ready(Ok(operation)));
        self.operations.push(Operation { table, kind: "SDK operation", build });
        self
    }
}

impl<'a> IntoFuture for Transaction<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let count = self.operations.len();
            let Some(client) = self.client.filter(|_| (1..=MAX_TRANSACTION).contains(&count))
            else {
                return Err(Error::config(format_args!(
                    "a transaction holds 1 to {MAX_TRANSACTION} operations, at least one on an EncryptedTable; this one has {count}"
                )));
            };
            let mut items = Vec::with_capacity(count);
            let mut places = Vec::with_capacity(count);
            for operation in self.operations {
                items.push(operation.build.await?);
                places.push((operation.table, operation.kind));
            }
            let result = client.transact_write_items().set_transact_items(Some(items)).send().await;
            let Err(error) = result else { return Ok(()) };
            let table = places.first().map(|(t, _)| t.clone()).unwrap_or_default();
            if let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
                error.as_service_error()
            {
                let reasons = canceled.cancellation_reasons();
                let operations = places
                    .into_iter()
                    .enumerate()
                    .map(|(at, (table, kind))| Cancellation {
                        table,
                        operation: kind,
                        reason: reasons
                            .get(at)
                            .and_then(|r| r.code())
                            .and_then(CancellationReason::from_code),
                    })
                    .collect();
                return Err(Error::TransactionCanceled { operations });
            }
            let request = AwsRequest::DynamoDb { operation: "TransactWriteItems", table: &table };
            Err(Error::aws(&request, &error))
        })
    }
}

/// An operation on the item with `key`: its key item and condition, checked before `build`.
fn keyed<T: EncryptedItem>(
    table: &EncryptedTable<T>,
    key: impl IntoKey<T::Key>,
    condition: Option<&Condition>,
    build: impl FnOnce(&str, Item, Rendered) -> Result<TransactWriteItem>,
) -> Result<TransactWriteItem> {
    let rendered = Rendered::new(condition, &table.schema)?;
    build(&table.table_name, T::key_item(&key.into_key())?, rendered)
}

fn build_error(error: impl std::fmt::Display) -> Error {
    Error::unbuildable("transaction", error)
}

impl<T: EncryptedItem> EncryptedTable<T> {
    /// Reads the items with `keys` in one transaction (`TransactGetItems`, at most 100), in
    /// the order of `keys`; `None` where there is no item.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for more than 100 keys; [`Error::Service`]; [`Error::InItem`] for an
    /// item that does not read back (naming it by its key; [`Error::is_integrity`] if it fails
    /// verification).
    pub fn transact_get<K: IntoKey<T::Key>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> TransactGet<'_, T> {
        let keys = keys.into_iter().map(|k| T::key_item(&k.into_key())).collect();
        TransactGet { table: self, keys }
    }

    async fn get_in_transaction(&self, keys: Vec<Result<Item>>) -> Result<Vec<Option<T>>> {
        if keys.len() > MAX_TRANSACTION {
            return Err(Error::config(format_args!(
                "a transaction reads at most {MAX_TRANSACTION} items, not {}",
                keys.len()
            )));
        }
        let mut gets = Vec::with_capacity(keys.len());
        for key in keys {
            let get = Get::builder()
                .table_name(&*self.table_name)
                .set_key(Some(key?))
                .build()
                .map_err(build_error)?;
            gets.push(TransactGetItem::builder().get(get).build());
        }
        let count = gets.len();
        let output = self
            .client
            .transact_get_items()
            .set_transact_items(Some(gets))
            .send()
            .await
            .map_err(|e| self.service_error("TransactGetItems", &e))?;
        let mut found = Vec::with_capacity(count);
        for response in output.responses.unwrap_or_default() {
            found.push(match response.item {
                Some(stored) if !stored.is_empty() => Some(self.open(stored).await?),
                _ => None,
            });
        }
        Ok(found)
    }
}

/// A pending transactional read: await it. See [`EncryptedTable::transact_get`].
#[must_use = "a TransactGet does nothing until awaited"]
pub struct TransactGet<'a, T> {
    table: &'a EncryptedTable<T>,
    keys: Vec<Result<Item>>,
}

impl<'a, T: EncryptedItem + Send + Sync> IntoFuture for TransactGet<'a, T> {
    type Output = Result<Vec<Option<T>>>;
    type IntoFuture = BoxFuture<'a, Result<Vec<Option<T>>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.table.get_in_transaction(self.keys))
    }
}

/// Shows the table and the number of keys, never a key.
impl<T> std::fmt::Debug for TransactGet<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactGet")
            .field("table", &self.table.table_name)
            .field("keys", &self.keys.len())
            .finish()
    }
}
