//! Transactions: all-or-nothing writes (puts, deletes, condition checks) and reads.

use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, TransactGetItem, TransactWriteItem,
};

use super::EncryptedTable;
use super::condition::{Condition, Placeholders};
use crate::error::{Error, Result, ServiceErrorKind};
use crate::item::EncryptedItem;

/// DynamoDB's largest transaction.
const MAX_TRANSACTION: usize = 100;

/// One write of a transaction.
#[must_use]
pub struct TransactWrite<'a, T: EncryptedItem>(Op<'a, T>);

/// Shows the kind of write only: never the item.
impl<T: EncryptedItem> std::fmt::Debug for TransactWrite<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, condition) = match &self.0 {
            Op::Put(_, c) | Op::Delete(_, c) => {
                (if matches!(self.0, Op::Put(..)) { "Put" } else { "Delete" }, c.is_some())
            }
            Op::Check(..) => ("ConditionCheck", true),
        };
        f.debug_struct("TransactWrite")
            .field("kind", &kind)
            .field("condition", &condition)
            .finish_non_exhaustive()
    }
}

enum Op<'a, T: EncryptedItem> {
    Put(&'a T, Option<Condition>),
    Delete(&'a T::Key, Option<Condition>),
    Check(&'a T::Key, Condition),
}

impl<'a, T: EncryptedItem> TransactWrite<'a, T> {
    /// Writes `item`.
    pub fn put(item: &'a T) -> Self {
        Self(Op::Put(item, None))
    }

    /// Deletes the item with `key`.
    pub fn delete(key: &'a T::Key) -> Self {
        Self(Op::Delete(key, None))
    }

    /// Requires `condition` to hold for the item with `key`, without writing it.
    pub fn condition_check(key: &'a T::Key, condition: Condition) -> Self {
        Self(Op::Check(key, condition))
    }

    /// Adds a condition to a put or a delete (AND with any other).
    pub fn condition(self, condition: Condition) -> Self {
        Self(match self.0 {
            Op::Put(item, c) => Op::Put(item, Some(super::combine(c, condition))),
            Op::Delete(key, c) => Op::Delete(key, Some(super::combine(c, condition))),
            Op::Check(key, c) => Op::Check(key, c.and(condition)),
        })
    }
}

fn build_error(error: impl std::fmt::Display) -> Error {
    Error::Config(format!("cannot build a transaction request: {error}"))
}

impl<T> EncryptedTable<T>
where
    T: EncryptedItem + Sync,
    T::Key: Sync,
{
    /// Writes all of `writes` or none of them (`TransactWriteItems`, at most 100).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for more than 100 writes or a condition on an encrypted attribute
    /// (before any request); [`Error::Service`] if the transaction is canceled
    /// ([`Error::is_transaction_canceled`], and [`Error::is_conditional_check_failed`] when a
    /// condition did not hold): nothing was written.
    pub async fn transact_write(&self, writes: Vec<TransactWrite<'_, T>>) -> Result<()> {
        if writes.len() > MAX_TRANSACTION {
            return Err(Error::config(format_args!(
                "a transaction holds at most {MAX_TRANSACTION} writes, not {}",
                writes.len()
            )));
        }
        let mut items = Vec::with_capacity(writes.len());
        for write in writes {
            let mut placeholders = Placeholders::default();
            let mut render = |c: Option<&Condition>| {
                c.map(|c| c.render(&self.schema, &mut placeholders)).transpose()
            };
            let item = match write.0 {
                Op::Put(item, condition) => {
                    let expression = render(condition.as_ref())?;
                    let put = Put::builder()
                        .table_name(&*self.table_name)
                        .set_item(Some(self.seal(item).await?))
                        .set_condition_expression(expression)
                        .set_expression_attribute_names(placeholders.take_names())
                        .set_expression_attribute_values(placeholders.take_values())
                        .build()
                        .map_err(build_error)?;
                    TransactWriteItem::builder().put(put).build()
                }
                Op::Delete(key, condition) => {
                    let expression = render(condition.as_ref())?;
                    let delete = Delete::builder()
                        .table_name(&*self.table_name)
                        .set_key(Some(T::key_item(key)?))
                        .set_condition_expression(expression)
                        .set_expression_attribute_names(placeholders.take_names())
                        .set_expression_attribute_values(placeholders.take_values())
                        .build()
                        .map_err(build_error)?;
                    TransactWriteItem::builder().delete(delete).build()
                }
                Op::Check(key, condition) => {
                    let expression = render(Some(&condition))?.unwrap_or_default();
                    let check = ConditionCheck::builder()
                        .table_name(&*self.table_name)
                        .set_key(Some(T::key_item(key)?))
                        .condition_expression(expression)
                        .set_expression_attribute_names(placeholders.take_names())
                        .set_expression_attribute_values(placeholders.take_values())
                        .build()
                        .map_err(build_error)?;
                    TransactWriteItem::builder().condition_check(check).build()
                }
            };
            items.push(item);
        }
        let result =
            self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        result.map(|_| ()).map_err(|error| {
            // The cancellation reasons say whether a condition failed.
            let conditional = error.as_service_error().is_some_and(|e| match e {
                aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => c
                    .cancellation_reasons()
                    .iter()
                    .any(|r| r.code() == Some("ConditionalCheckFailed")),
                _ => false,
            });
            let mut error = self.service_error("TransactWriteItems", &error);
            if let Error::Service { kind: kind @ ServiceErrorKind::TransactionCanceled { .. }, .. } = &mut error {
                *kind = ServiceErrorKind::TransactionCanceled { conditional };
            }
            error
        })
    }

    /// Reads the items with `keys` in one transaction (`TransactGetItems`, at most 100), in
    /// the order of `keys`; `None` where there is no item.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for more than 100 keys; [`Error::Service`]; [`Error::InItem`] for an
    /// item that does not read back (naming it by its key; [`Error::is_integrity`] if it fails
    /// verification).
    pub async fn transact_get(&self, keys: &[T::Key]) -> Result<Vec<Option<T>>> {
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
                .set_key(Some(T::key_item(key)?))
                .build()
                .map_err(build_error)?;
            gets.push(TransactGetItem::builder().get(get).build());
        }
        let output = self
            .client
            .transact_get_items()
            .set_transact_items(Some(gets))
            .send()
            .await
            .map_err(|e| self.service_error("TransactGetItems", &e))?;
        let mut found = Vec::with_capacity(keys.len());
        for response in output.responses.unwrap_or_default() {
            found.push(match response.item {
                Some(stored) if !stored.is_empty() => Some(self.open(stored).await?),
                _ => None,
            });
        }
        Ok(found)
    }
}
