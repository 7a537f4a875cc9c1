//! Rust values to and from `AttributeValue`, through serde.
//!
//! The mapping, for any `Serialize`/`Deserialize` type:
//!
//! | Rust | DynamoDB |
//! |---|---|
//! | `bool` | `BOOL` |
//! | integers (up to 128 bits), `f32`, `f64`, [`Number`] | `N` (floats must be finite) |
//! | `String`, `&str`, `char`, unit enum variants | `S` |
//! | `Vec<u8>`, `[u8; N]`, `&[u8]`, byte buffers | `B` (a non-empty sequence of `u8` is bytes) |
//! | `Option<T>` | `T`, or nothing for `None` (a struct field is omitted; in lists and maps, `NULL`) |
//! | `()`, unit structs | `NULL` |
//! | sequences, tuples, sets | `L` (`SS`/`NS`/`BS` with `#[ddb(set)]`) |
//! | structs, maps | `M` (map keys: strings, integers, unit variants) |
//! | enum variants with data | `M` with one entry: `{variant: data}` |
//!
//! With `#[ddb(number)]`, values that serialize as strings (`rust_decimal::Decimal`, ...) are
//! stored as `N`, exactly.
//!
//! The functions here are what `#[derive(EncryptedItem)]` generates calls to: [`put`] and
//! [`take`] per field, [`key_value`] per key. A hand-written
//! [`EncryptedItem`](crate::EncryptedItem) impl uses them the same way (the trait's
//! documentation shows one).

mod de;
mod ser;

use std::fmt;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) use de::{MissingAttribute, ValueDeserializer};
pub(crate) use ser::ValueSerializer;

use crate::encryptor::Item;
use crate::error::Error;
use crate::item::KeyType;
use crate::number::Decimal;
use crate::wipe;

/// How a field is converted (set by `#[ddb(set)]` and `#[ddb(number)]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The default mapping.
    #[default]
    Plain,
    /// Sequences of strings, numbers or bytes become `SS`, `NS` or `BS`.
    Set,
    /// Strings become numbers (`N`).
    Number,
}

/// A conversion failure. The message never quotes a value: messages from third-party
/// `Serialize`/`Deserialize` impls, which may, are withheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConvertError(pub(crate) String);

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

impl ConvertError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Converts a value to an `AttributeValue`; `None` for nothing to store (`None`, an empty
/// set).
pub(crate) fn to_attribute_value<T: Serialize + ?Sized>(
    value: &T,
    mode: Mode,
) -> Result<Option<AttributeValue>, ConvertError> {
    value.serialize(ValueSerializer::new(mode)).map(ser::Out::into_value)
}

/// Converts an `AttributeValue` to a value.
pub(crate) fn from_attribute_value<T: DeserializeOwned>(
    value: AttributeValue,
) -> Result<T, ConvertError> {
    T::deserialize(ValueDeserializer::new(value))
}

/// The DynamoDB type of a value, for messages.
pub(crate) fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "a string (S)",
        AttributeValue::N(_) => "a number (N)",
        AttributeValue::B(_) => "binary (B)",
        AttributeValue::Ss(_) => "a string set (SS)",
        AttributeValue::Ns(_) => "a number set (NS)",
        AttributeValue::Bs(_) => "a binary set (BS)",
        AttributeValue::Bool(_) => "a boolean (BOOL)",
        AttributeValue::Null(_) => "null (NULL)",
        AttributeValue::L(_) => "a list (L)",
        AttributeValue::M(_) => "a map (M)",
        _ => "an unknown type",
    }
}

/// The newtype name that tells the serializer a [`Number`] follows.
pub(crate) const NUMBER_TOKEN: &str = "$ddb_encrypt::Number";

/// A DynamoDB number, kept as its exact decimal text: no float rounding, up to 38 significant
/// digits.
///
/// Serializes as `N`; in other formats (JSON, ...) as a string.
///
/// ```
/// use ddb_encrypt::Number;
///
/// let price: Number = "19.990".parse()?;
/// assert_eq!(price.as_str(), "19.99");
/// assert!("1e200".parse::<Number>().is_err());
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Number(String);

impl Number {
    /// The canonical text: no exponent, no leading or trailing zeros, `0` for any zero.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Number {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut out = Vec::with_capacity(text.len());
        Decimal::parse(text)
            .and_then(|d| d.write_exact(&mut out))
            .map_err(|e| Error::InvalidNumber { reason: e.reason() })?;
        let not_text = |_| Error::InvalidNumber { reason: "not ASCII text" };
        String::from_utf8(out).map(Self).map_err(not_text)
    }
}

impl Default for Number {
    /// Zero.
    fn default() -> Self {
        Self("0".to_owned())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! number_from_integer {
    ($($t:ty)*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Self {
                Self(n.to_string())
            }
        }
    )*};
}
number_from_integer!(i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(NUMBER_TOKEN, &self.0)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Number, E> {
                v.parse().map_err(|_| E::custom("not a valid DynamoDB number"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(v.into())
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(v.into())
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Number, E> {
                Ok(v.into())
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Number, E> {
                Ok(v.into())
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

// What an `EncryptedItem` impl is made of: the derive's output calls these, and a hand-written
// impl may call them too.

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
    if let Some(value) = to_attribute_value(value, mode).map_err(|e| conversion(name, &e))? {
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
        Some(value) => from_attribute_value(value),
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
        Some(value) => from_attribute_value(value).map_err(|e| conversion(name, &e)),
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
        Some(value) => from_attribute_value(value).map_err(|e| conversion(name, &e)),
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
    let value = to_attribute_value(value, mode).map_err(|e| conversion(name, &e))?;
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

#[cfg(test)]
mod tests;
