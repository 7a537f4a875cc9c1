//! In-place updates of the attributes that no signature covers (`DO_NOTHING` fields): a real
//! `UpdateItem`, without reading the item.

use std::collections::HashMap;
use std::future::IntoFuture;

use aws_sdk_dynamodb::types::AttributeValue;

use super::field::{FieldValue, InPlace, Removable};
use super::{BoxFuture, EncryptedTable};
use crate::convert::{self, Mode};
use crate::error::{Error, Result};
use crate::item::{EncryptedItem, IntoKey, Item};

impl<T: EncryptedItem> EncryptedTable<T> {
    /// Changes `#[ddb(do_nothing)]` fields of the item with `key` in place, with one
    /// `UpdateItem` and no read: a TTL, a view counter, a last-seen time. Such fields are
    /// neither signed nor encrypted, so the item still verifies afterwards.
    ///
    /// Only unsigned fields can be named, and that is checked at compile time: an update of
    /// a signed or encrypted attribute would break the item's signature (change those with
    /// [`EncryptedTable::modify`]).
    ///
    /// ```no_run
    /// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
    /// #[derive(EncryptedItem)]
    /// struct Article {
    ///     #[ddb(partition_key)] id: String,
    ///     body: String,
    ///     #[ddb(do_nothing)] views: u64,
    ///     #[ddb(do_nothing)] expires_at: Option<i64>,
    /// }
    /// # async fn demo(articles: EncryptedTable<Article>) -> ddb_encrypt::Result<()> {
    /// let fields = Article::FIELDS;
    /// articles.update("a-1").add(fields.views, 1).remove(fields.expires_at).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// ```compile_fail
    /// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
    /// # #[derive(EncryptedItem)]
    /// # struct Article { #[ddb(partition_key)] id: String, body: String }
    /// # async fn demo(articles: EncryptedTable<Article>) -> ddb_encrypt::Result<()> {
    /// // `body` is encrypted and signed: it does not compile.
    /// articles.update("a-1").set(Article::FIELDS.body, "new text".to_owned()).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// Awaiting it gives `Ok(false)` if there is no item with `key` (nothing is created);
    /// [`Error::Config`] before any request for an update with no change, for `add` to a
    /// field that is not a number, or for a value that does not convert;
    /// [`Error::Service`] if DynamoDB refuses.
    pub fn update(&self, key: impl IntoKey<T::Key>) -> Update<'_, T> {
        Update { table: self, key: T::key_item(&key.into_key()), changes: Vec::new() }
    }
}

/// A pending in-place update of unsigned fields: await it. See [`EncryptedTable::update`].
#[must_use = "an Update does nothing until awaited"]
pub struct Update<'a, T> {
    table: &'a EncryptedTable<T>,
    key: Result<Item>,
    changes: Vec<Change>,
}

/// One clause of the update expression, on one attribute.
enum Change {
    Set(&'static str, Result<AttributeValue>),
    Add(&'static str, Result<AttributeValue>),
    Remove(&'static str),
}

/// Shows the table and the attributes changed, never a key or a value.
impl<T> std::fmt::Debug for Update<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let changed: Vec<_> = self
            .changes
            .iter()
            .map(|c| match c {
                Change::Set(name, _) | Change::Add(name, _) | Change::Remove(name) => *name,
            })
            .collect();
        f.debug_struct("Update")
            .field("table", &self.table.table_name)
            .field("attributes", &changed)
            .finish_non_exhaustive()
    }
}

/// The value of an update, converted as the field stores it.
fn value(name: &str, value: &impl serde::Serialize, mode: Mode) -> Result<AttributeValue> {
    match convert::to_attribute_value(value, mode) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(Error::config(format_args!(
            "update of `{name}` sets nothing (an empty set); remove the attribute instead"
        ))),
        Err(e) => Err(Error::config(format_args!("update of `{name}`: {e}"))),
    }
}

#[expect(clippy::needless_pass_by_value, reason = "values are taken as written: `add(views, 1)`")]
impl<T> Update<'_, T> {
    /// Sets the field to `value`.
    pub fn set<V>(mut self, field: impl InPlace<T, V>, new: impl FieldValue<V>) -> Self {
        let (name, mode) = field.__name_and_mode();
        self.changes.push(Change::Set(name, value(name, &new, mode)));
        self
    }

    /// Adds `amount` to the number field (a missing attribute counts as zero). Concurrent
    /// adds all count: DynamoDB applies each atomically.
    pub fn add<V>(mut self, field: impl InPlace<T, V>, amount: impl FieldValue<V>) -> Self {
        let (name, mode) = field.__name_and_mode();
        let amount = value(name, &amount, mode).and_then(|v| match v {
            AttributeValue::N(_) => Ok(v),
            _ => Err(Error::config(format_args!(
                "`{name}` is not a number: add works on numbers only; use set"
            ))),
        });
        self.changes.push(Change::Add(name, amount));
        self
    }

    /// Removes the `Option` field's attribute: the item reads back with `None` there.
    pub fn remove(mut self, field: impl Removable<T>) -> Self {
        self.changes.push(Change::Remove(field.__name()));
        self
    }
}

impl<T: EncryptedItem> Update<'_, T> {
    /// The update and condition expressions with their placeholders.
    fn expressions(changes: Vec<Change>) -> Result<(String, Names, Values)> {
        let partition = T::SCHEMA.partition_key.name;
        let mut names = HashMap::from([("#k".to_owned(), partition.to_owned())]);
        let mut values = HashMap::new();
        let (mut set, mut add, mut remove) = (Vec::new(), Vec::new(), Vec::new());
        for (at, change) in changes.into_iter().enumerate() {
            let (name, placeholder) = (format!("#u{at}"), format!(":u{at}"));
            match change {
                Change::Set(attribute, value) => {
                    set.push(format!("{name} = {placeholder}"));
                    values.insert(placeholder, value?);
                    names.insert(name, attribute.to_owned());
                }
                Change::Add(attribute, value) => {
                    add.push(format!("{name} {placeholder}"));
                    values.insert(placeholder, value?);
                    names.insert(name, attribute.to_owned());
                }
                Change::Remove(attribute) => {
                    remove.push(name.clone());
                    names.insert(name, attribute.to_owned());
                }
            }
        }
        let clauses: Vec<String> =
            [("SET", set, ", "), ("ADD", add, ", "), ("REMOVE", remove, ", ")]
                .into_iter()
                .filter(|(_, parts, _)| !parts.is_empty())
                .map(|(word, parts, separator)| format!("{word} {}", parts.join(separator)))
                .collect();
        if clauses.is_empty() {
            return Err(Error::config("an update with no change: call set, add or remove"));
        }
        Ok((clauses.join(" "), names, values))
    }
}

type Names = HashMap<String, String>;
type Values = HashMap<String, AttributeValue>;

impl<'a, T: EncryptedItem + Sync> IntoFuture for Update<'a, T> {
    type Output = Result<bool>;
    type IntoFuture = BoxFuture<'a, Result<bool>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let table = self.table;
            let (expression, names, values) = Self::expressions(self.changes)?;
            let updated = table
                .client
                .update_item()
                .table_name(&*table.table_name)
                .set_key(Some(self.key?))
                .update_expression(expression)
                // An update never creates an item: one would be unsigned.
                .condition_expression("attribute_exists(#k)")
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values).filter(|v| !v.is_empty()))
                .send()
                .await;
            match updated {
                Ok(_) => Ok(true),
                Err(error) => {
                    let error = table.service_error("UpdateItem", &error);
                    if error.is_conditional_check_failed() { Ok(false) } else { Err(error) }
                }
            }
        })
    }
}
