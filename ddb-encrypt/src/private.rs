//! What `#[derive(EncryptedItem)]` output calls. Not part of the public API.

pub use core::default::Default;
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use std::collections::HashMap;
pub use std::string::String;

pub use serde::Serialize;
pub use serde::de::DeserializeOwned;

pub use crate::action::AttributeAction;
pub use crate::convert::Mode;
pub use crate::error::Error;
pub use crate::item::{
    EncryptedItem, IndexKind, IndexSchema, ItemSchema, KeyAttribute, KeySchema, KeyType, NoSortKey,
    SortKey,
};
pub use crate::table::field::{EncryptedField, Field, Index};
pub use aws_sdk_dynamodb::types::AttributeValue;

use crate::convert::{self, ConvertError, MissingAttribute};
use crate::wipe;

/// An item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// The item that a derived `from_item` reads its fields from: attributes it does not take
/// (not in the struct, or left when a field fails to convert) are wiped when it is dropped,
/// rather than freed with their decrypted values in them.
pub struct Leftovers(Item);

impl Leftovers {
    /// Takes charge of `item`.
    pub fn new(item: Item) -> Self {
        Self(item)
    }
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        wipe::map_entries(&mut self.0);
    }
}

impl core::ops::Deref for Leftovers {
    type Target = Item;

    fn deref(&self) -> &Item {
        &self.0
    }
}

impl core::ops::DerefMut for Leftovers {
    fn deref_mut(&mut self) -> &mut Item {
        &mut self.0
    }
}

impl core::fmt::Debug for Leftovers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Leftovers").field("attributes", &self.0.len()).finish_non_exhaustive()
    }
}

fn conversion(attribute: &str, error: &ConvertError) -> Error {
    Error::Conversion { attribute: attribute.to_owned(), message: error.to_string() }
}

/// Stores `value` as `name`, unless it is absent (`None`, an empty set).
///
/// # Errors
///
/// If the value cannot be represented.
pub fn put<T: Serialize + ?Sized>(
    item: &mut Item,
    name: &'static str,
    value: &T,
    mode: Mode,
) -> Result<(), Error> {
    if let Some(value) =
        convert::to_attribute_value(value, mode).map_err(|e| conversion(name, &e))?
    {
        item.insert(name.to_owned(), value);
    }
    Ok(())
}

/// Reads the attribute `name`: an `Option` field is `None` when it is missing, other types
/// are an error naming the attribute and the expected type.
///
/// # Errors
///
/// If the attribute is missing or of another type.
pub fn take<T: DeserializeOwned>(item: &mut Item, name: &'static str) -> Result<T, Error> {
    match item.remove(name) {
        Some(value) => convert::from_attribute_value(value),
        None => T::deserialize(MissingAttribute),
    }
    .map_err(|e| conversion(name, &e))
}

/// Reads the attribute `name`, or the type's default when it is missing.
///
/// # Errors
///
/// If the attribute is of another type.
pub fn take_or_default<T: DeserializeOwned + Default>(
    item: &mut Item,
    name: &'static str,
) -> Result<T, Error> {
    match item.remove(name) {
        Some(value) => convert::from_attribute_value(value).map_err(|e| conversion(name, &e)),
        None => Ok(T::default()),
    }
}

/// Reads the attribute `name`, or `default()` when it is missing (`#[serde(default = "...")]`).
///
/// # Errors
///
/// If the attribute is of another type.
pub fn take_or_else<T: DeserializeOwned>(
    item: &mut Item,
    name: &'static str,
    default: impl FnOnce() -> T,
) -> Result<T, Error> {
    match item.remove(name) {
        Some(value) => convert::from_attribute_value(value).map_err(|e| conversion(name, &e)),
        None => Ok(default()),
    }
}

/// A key value as an attribute value, checked against its key type: DynamoDB refuses empty
/// key values.
///
/// # Errors
///
/// If the value does not serialize as `key_type`, or is empty.
pub fn key_value<T: Serialize + ?Sized>(
    name: &str,
    key_type: KeyType,
    value: &T,
) -> Result<AttributeValue, Error> {
    let mode = if key_type == KeyType::Number { Mode::Number } else { Mode::Plain };
    let value = convert::to_attribute_value(value, mode).map_err(|e| conversion(name, &e))?;
    let fail = |message: &str| Error::Conversion {
        attribute: name.to_owned(),
        message: message.to_owned(),
    };
    match (&value, key_type) {
        (Some(AttributeValue::S(s)), KeyType::String) if s.is_empty() => {
            Err(fail("key values must not be empty"))
        }
        (Some(AttributeValue::B(b)), KeyType::Binary) if b.as_ref().is_empty() => {
            Err(fail("key values must not be empty"))
        }
        // An empty byte vector serializes as an empty list.
        (Some(AttributeValue::L(list)), KeyType::Binary) if list.is_empty() => {
            Err(fail("key values must not be empty"))
        }
        (Some(AttributeValue::S(_)), KeyType::String)
        | (Some(AttributeValue::N(_)), KeyType::Number)
        | (Some(AttributeValue::B(_)), KeyType::Binary) => {
            value.ok_or_else(|| fail("missing key value"))
        }
        _ => Err(fail(match key_type {
            KeyType::String => "a string key must serialize as a string (S)",
            KeyType::Number => "a number key must serialize as a number (N)",
            KeyType::Binary => "a binary key must serialize as bytes (B)",
        })),
    }
}

/// A copy of the partition key, for `EncryptedItem::key`. Through the associated type, whose
/// `KeyAttribute` bound includes `Clone`: a key type that is not a key attribute (or not
/// `Clone`) is reported once, on the field, and not again here.
pub fn clone_partition_key<T: EncryptedItem>(key: &T::PartitionKey) -> T::PartitionKey {
    key.clone()
}

/// The partition key type of `T`. Read through a generic function, so that an invalid key
/// type is reported once, on the field, and not again at every use.
pub const fn partition_key_type<T: EncryptedItem>() -> KeyType {
    <T::PartitionKey as KeyAttribute>::KEY_TYPE
}

/// The sort key type of `T` (only called when `T` has a sort key).
pub const fn sort_key_type<T: EncryptedItem>() -> KeyType {
    match <T::SortKey as SortKey>::KEY_TYPE {
        Some(key_type) => key_type,
        None => KeyType::String,
    }
}

/// The impl of an invalid derive input, so that errors do not cascade.
pub const STUB_SCHEMA: ItemSchema = ItemSchema {
    partition_key: KeySchema { name: "", key_type: KeyType::String },
    sort_key: None,
    indexes: &[],
    attributes: &[],
};
