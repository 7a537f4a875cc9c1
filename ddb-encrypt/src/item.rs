//! Typed items: the [`EncryptedItem`] trait that `#[derive(EncryptedItem)]` implements, its
//! static schema, and item-level names and limits.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::action::AttributeAction;
use crate::error::Result;

/// The attribute holding the material description.
pub const DESCRIPTION_ATTRIBUTE: &str = "*amzn-ddb-map-desc*";
/// The attribute holding the signature.
pub const SIGNATURE_ATTRIBUTE: &str = "*amzn-ddb-map-sig*";
/// Attribute names starting with this prefix are reserved for future envelope attributes.
pub const RESERVED_PREFIX: &str = "*ddbe-";
/// DynamoDB's longest attribute name, in bytes.
pub(crate) const MAX_NAME_LEN: usize = 65535;

/// `true` for the envelope's attribute names and names with the reserved prefix.
pub fn is_reserved_name(name: &str) -> bool {
    name == DESCRIPTION_ATTRIBUTE
        || name == SIGNATURE_ATTRIBUTE
        || name.starts_with(RESERVED_PREFIX)
}

/// A struct stored as an encrypted DynamoDB item.
///
/// Implement it with `#[derive(EncryptedItem)]`, which checks at compile time that the key
/// attributes are signed and never encrypted, and generates the schema as static data. See
/// [the derive's documentation](derive@crate::EncryptedItem) for the field attributes and the
/// hand-written equivalent of a derived impl.
pub trait EncryptedItem: Sized {
    /// The Rust type of the partition key.
    type PartitionKey: KeyAttribute;
    /// The Rust type of the sort key, or [`NoSortKey`].
    type SortKey: SortKey;
    /// The whole primary key: `PartitionKey`, or `(PartitionKey, SortKey)`.
    type Key;

    /// Key attributes, secondary indexes and attribute actions.
    const SCHEMA: ItemSchema;

    /// The plaintext item of `self`.
    ///
    /// # Errors
    ///
    /// [`Error::Conversion`](crate::Error::Conversion) naming the attribute that cannot be
    /// represented (a NaN float, a map with non-string keys, ...).
    fn to_item(&self) -> Result<HashMap<String, AttributeValue>>;

    /// The value of a (decrypted) item.
    ///
    /// # Errors
    ///
    /// [`Error::Conversion`](crate::Error::Conversion) naming the attribute that is missing or
    /// of another type, and the type expected.
    fn from_item(item: HashMap<String, AttributeValue>) -> Result<Self>;

    /// The primary key of `self`.
    fn key(&self) -> Self::Key;

    /// The key attributes of `key`, for `GetItem` and `DeleteItem`.
    ///
    /// # Errors
    ///
    /// [`Error::Conversion`](crate::Error::Conversion) if a key value cannot be stored (an
    /// empty string, a number out of range).
    fn key_item(key: &Self::Key) -> Result<HashMap<String, AttributeValue>>;
}

/// The static schema of an [`EncryptedItem`]: generated at compile time by the derive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemSchema {
    /// The partition key attribute.
    pub partition_key: KeySchema,
    /// The sort key attribute, if any.
    pub sort_key: Option<KeySchema>,
    /// Global and local secondary indexes.
    pub indexes: &'static [IndexSchema],
    /// The action of every stored attribute, sorted by name. Attributes found in an item but
    /// not listed here are ENCRYPT_AND_SIGN, so that nobody can add unsigned data.
    pub attributes: &'static [(&'static str, AttributeAction)],
}

/// A key attribute: its name and DynamoDB type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySchema {
    /// The attribute name.
    pub name: &'static str,
    /// Its DynamoDB type.
    pub key_type: KeyType,
}

/// A secondary index of an item type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSchema {
    /// The index name.
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// The index's partition key (for a local index, the table's).
    pub partition_key: KeySchema,
    /// The index's sort key.
    pub sort_key: Option<KeySchema>,
}

/// Whether a secondary index is global or local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IndexKind {
    /// A global secondary index.
    Global,
    /// A local secondary index (same partition key as the table).
    Local,
}

/// The DynamoDB type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyType {
    /// `S`.
    String,
    /// `N`.
    Number,
    /// `B`.
    Binary,
}

impl KeyType {
    /// `"S"`, `"N"` or `"B"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "S",
            Self::Number => "N",
            Self::Binary => "B",
        }
    }
}

/// A Rust type that can be a DynamoDB key attribute: a string, an integer, a [`Number`] or
/// bytes.
///
/// Implement it for your own newtypes and enums that serialize as one of those.
///
/// [`Number`]: crate::Number
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a DynamoDB key attribute",
    label = "key attributes must be strings, numbers or binary",
    note = "use String, an integer, ddb_encrypt::Number or Vec<u8>; for a newtype or an enum that serializes as one of those, implement ddb_encrypt::KeyAttribute"
)]
pub trait KeyAttribute: Serialize + DeserializeOwned + Clone + Send + Sync {
    /// The DynamoDB type the value serializes as.
    const KEY_TYPE: KeyType;
}

macro_rules! key_attributes {
    ($key_type:ident: $($t:ty),*) => {$(
        impl KeyAttribute for $t {
            const KEY_TYPE: KeyType = KeyType::$key_type;
        }
    )*};
}

key_attributes!(String: String, Box<str>, char);
key_attributes!(Number: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, crate::Number);
key_attributes!(Binary: Vec<u8>);

/// The sort key type of an item type: a [`KeyAttribute`], or [`NoSortKey`].
pub trait SortKey: Send + Sync {
    /// The sort key value, if the table has a sort key.
    #[doc(hidden)]
    fn as_key_attribute(&self) -> Option<&dyn ErasedKey>;
}

/// Marks an item type whose table has no sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoSortKey;

impl SortKey for NoSortKey {
    fn as_key_attribute(&self) -> Option<&dyn ErasedKey> {
        None
    }
}

impl<K: KeyAttribute> SortKey for K {
    fn as_key_attribute(&self) -> Option<&dyn ErasedKey> {
        Some(self)
    }
}

/// A key value with its type erased: what conditions and queries hold.
#[doc(hidden)]
pub trait ErasedKey: Send + Sync {
    /// The value as an attribute value.
    ///
    /// # Errors
    ///
    /// If the value cannot be stored as its key type.
    fn to_attribute_value(&self, name: &str) -> Result<AttributeValue>;
}

impl<K: KeyAttribute> ErasedKey for K {
    fn to_attribute_value(&self, name: &str) -> Result<AttributeValue> {
        crate::__private::key_value(name, K::KEY_TYPE, self)
    }
}
