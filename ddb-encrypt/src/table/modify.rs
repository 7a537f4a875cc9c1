//! Read-modify-write of one item, safe under concurrent writers: the write holds only if the
//! stored item is still the one that was read.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::time::Duration;

use super::condition::Rendered;
use super::{BoxFuture, EncryptedTable, put_if, read_stored};
use crate::action::AttributeAction;
use crate::crypto::rng;
use crate::error::{Error, Result};
use crate::format::{FOOTER_ATTRIBUTE, SIGNATURE_ATTRIBUTE};
use crate::item::{EncryptedItem, IntoKey, Item};
use crate::schema::TableSchema;

const DEFAULT_ATTEMPTS: u32 = 25;
const FIRST_BACKOFF: Duration = Duration::from_millis(4);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

impl<T: EncryptedItem> EncryptedTable<T> {
    /// Changes the item with `key` in place: reads it (strongly consistent), applies `change`
    /// to the value, and writes it back with a condition that the stored item is still the one
    /// read. If another writer changed it in between, the write is refused, and the item is
    /// read and changed again, after a short randomized pause, up to 25 attempts
    /// ([`Modify::max_attempts`]). No concurrent update is ever lost.
    ///
    /// This is the way to update an encrypted item: an `UpdateItem` on a signed attribute
    /// would break its signature. `change` may run more than once, each time on a fresh read;
    /// keep side effects out of it. The item is written in the table's write format, whatever
    /// format it was read in.
    ///
    /// The condition compares what is unique to every write: the DB-ESDK footer, or the
    /// legacy signature; for an item stored in plaintext (read under a
    /// [`PlaintextPolicy`](crate::PlaintextPolicy)), every attribute. It also compares the
    /// `DO_NOTHING` attributes, which no signature covers, so that an in-place
    /// [`update`](EncryptedTable::update) in between is not lost either.
    ///
    /// ```no_run
    /// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
    /// # #[derive(EncryptedItem)] struct Account { #[ddb(partition_key)] id: String, balance: i64 }
    /// # async fn demo(accounts: EncryptedTable<Account>) -> ddb_encrypt::Result<()> {
    /// let updated = accounts.modify("acct-1", |account| account.balance += 25).await?;
    /// match updated {
    ///     Some(account) => println!("balance is now {}", account.balance),
    ///     None => println!("no such account; nothing was written"),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// Awaiting it gives [`Error::Conflict`] if the item changed under every attempt (nothing
    /// was written by this call); [`Error::Config`] if `change` altered the item's key; the
    /// errors of [`EncryptedTable::get`] and [`EncryptedTable::put`]. `Ok(None)` if there is
    /// no item with `key`: `change` is not called and nothing is written.
    pub fn modify<F>(&self, key: impl IntoKey<T::Key>, change: F) -> Modify<'_, T, F>
    where
        F: FnMut(&mut T) + Send,
    {
        Modify {
            table: self,
            key: T::key_item(&key.into_key()),
            change,
            max_attempts: DEFAULT_ATTEMPTS,
        }
    }
}

/// A pending read-modify-write of one item: await it. See [`EncryptedTable::modify`].
#[must_use = "a Modify does nothing until awaited"]
pub struct Modify<'a, T, F> {
    table: &'a EncryptedTable<T>,
    key: Result<Item>,
    change: F,
    max_attempts: u32,
}

impl<T, F> Modify<'_, T, F> {
    /// At most `attempts` reads and conditional writes (25 by default; at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }
}

/// Shows the table and the attempts allowed, never the key.
impl<T, F> std::fmt::Debug for Modify<'_, T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Modify")
            .field("table", &self.table.table_name)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl<'a, T, F> IntoFuture for Modify<'a, T, F>
where
    T: EncryptedItem + Send + Sync + 'a,
    F: FnMut(&mut T) + Send + 'a,
{
    type Output = Result<Option<T>>;
    type IntoFuture = BoxFuture<'a, Result<Option<T>>>;

    fn into_future(mut self) -> Self::IntoFuture {
        Box::pin(async move {
            let table = self.table;
            let key = self.key?;
            for attempt in 0..self.max_attempts {
                if attempt > 0 {
                    table.sleep(pause(attempt)?).await;
                }
                let stored = read_stored(&table.client, &table.table_name, &key).await?;
                let Some(stored) = stored else { return Ok(None) };
                let unchanged = unchanged(&stored, &table.schema);
                let mut value = table.open(stored).await?;
                (self.change)(&mut value);
                let sealed = table.seal(&value).await?;
                if key.iter().any(|(name, old)| sealed.get(name) != Some(old)) {
                    return Err(Error::config(format_args!(
                        "modify on table `{}` changed the item's key: an item with another key \
                         is another item; put it and delete the old one instead",
                        table.table_name
                    )));
                }
                if put_if(&table.client, &table.table_name, sealed, unchanged).await? {
                    return Ok(Some(value));
                }
            }
            Err(Error::Conflict {
                table: table.table_name.to_string(),
                attempts: self.max_attempts,
            })
        })
    }
}

/// The condition that the stored item is still `stored`: its footer or signature, which every
/// write makes anew, or for a plaintext item every attribute; and, as no signature covers
/// them, its `DO_NOTHING` attributes (which [`EncryptedTable::update`] changes in place) as
/// they were, present or absent.
pub(super) fn unchanged(stored: &Item, schema: &TableSchema) -> Rendered {
    let unique =
        [FOOTER_ATTRIBUTE, SIGNATURE_ATTRIBUTE].iter().find_map(|n| stored.get_key_value(*n));
    let unsigned = |name: &str| schema.action(name) == AttributeAction::DoNothing;
    let compared: Vec<_> = match unique {
        Some(pair) => {
            std::iter::once(pair).chain(stored.iter().filter(|(n, _)| unsigned(n))).collect()
        }
        None => stored.iter().collect(),
    };
    let absent = schema
        .actions()
        .overrides()
        .filter(|&(name, action)| {
            action == AttributeAction::DoNothing && !stored.contains_key(name)
        })
        .map(|(name, _)| name);
    let mut expression = Vec::with_capacity(compared.len());
    let mut names = HashMap::with_capacity(compared.len());
    let mut values = HashMap::with_capacity(compared.len());
    for (at, (name, value)) in compared.into_iter().enumerate() {
        expression.push(format!("#u{at} = :u{at}"));
        names.insert(format!("#u{at}"), name.clone());
        values.insert(format!(":u{at}"), value.clone());
    }
    for (at, name) in absent.enumerate() {
        expression.push(format!("attribute_not_exists(#x{at})"));
        names.insert(format!("#x{at}"), name.to_owned());
    }
    Rendered::raw(expression.join(" AND "), names, values)
}

/// The pause before retry `attempt`: exponential, capped, and randomized between half and all
/// of it, so that writers that collided do not collide again in step.
fn pause(attempt: u32) -> Result<Duration> {
    let ceiling = FIRST_BACKOFF.saturating_mul(1 << attempt.min(16)).min(MAX_BACKOFF);
    let random = u16::from_le_bytes(rng::array::<2>()?);
    let fraction = 0.5 + f64::from(random) / f64::from(u16::MAX) / 2.0;
    Ok(ceiling.mul_f64(fraction))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    #[test]
    fn the_condition_compares_the_footer_or_signature_or_every_attribute_and_the_unsigned_ones() {
        let blob = |b: &[u8]| AttributeValue::B(b.to_vec().into());
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let schema = TableSchema::builder("t")
            .partition_key("id")
            .action("views", AttributeAction::DoNothing)
            .action("ttl", AttributeAction::DoNothing)
            .build()
            .unwrap();
        let dbesdk = Item::from([
            ("id".to_owned(), s("a")),
            ("secret".to_owned(), blob(b"ciphertext")),
            ("views".to_owned(), AttributeValue::N("3".into())),
            (FOOTER_ATTRIBUTE.to_owned(), blob(b"footer")),
        ]);
        let legacy = Item::from([
            ("id".to_owned(), s("a")),
            (SIGNATURE_ATTRIBUTE.to_owned(), blob(b"signature")),
        ]);
        let plaintext = Item::from([("id".to_owned(), s("a")), ("n".to_owned(), s("b"))]);

        for (stored, equal, absent) in [
            (&dbesdk, vec![FOOTER_ATTRIBUTE, "views"], vec!["ttl"]),
            (&legacy, vec![SIGNATURE_ATTRIBUTE], vec!["ttl", "views"]),
            (&plaintext, vec!["id", "n"], vec!["ttl", "views"]),
        ] {
            let (expression, names, values) = unchanged(stored, &schema).parts();
            assert_eq!(expression.matches(" = ").count(), equal.len(), "{expression}");
            assert_eq!(expression.matches("attribute_not_exists").count(), absent.len());
            let mut compared: Vec<&str> = names.values().map(String::as_str).collect();
            compared.sort_unstable();
            let mut expected = [equal, absent].concat();
            expected.sort_unstable();
            assert_eq!(compared, expected);
            for (placeholder, name) in names.iter().filter(|(p, _)| p.starts_with("#u")) {
                let value = &values[&placeholder.replacen('#', ":", 1)];
                assert_eq!(value, &stored[name.as_str()]);
            }
        }
    }

    #[test]
    fn pauses_grow_are_capped_and_randomized() {
        for attempt in 1..40 {
            let ceiling = FIRST_BACKOFF.saturating_mul(1 << attempt.min(16)).min(MAX_BACKOFF);
            let pause = pause(attempt).unwrap();
            assert!(pause >= ceiling / 2 && pause <= ceiling, "{attempt}: {pause:?}");
        }
        let distinct: std::collections::HashSet<_> = (0..20).map(|_| pause(8).unwrap()).collect();
        assert!(distinct.len() > 1, "pauses are randomized");
    }
}
