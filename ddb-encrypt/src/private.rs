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
    BeaconSchema, EncryptedItem, IndexKind, IndexSchema, ItemSchema, KeyAttribute, KeySchema,
    KeyType, NoSortKey, SortKey,
};
pub use crate::table::field::{
    Beacon, DoNothing, DoNothingOption, EncryptedField, Field, Index, Signed,
};
pub use aws_sdk_dynamodb::types::AttributeValue;

pub use crate::convert::{Leftovers, key_value, put, take, take_or_default, take_or_else};

pub use crate::encryptor::Item;

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
    beacons: &[],
    tenant: None,
};
