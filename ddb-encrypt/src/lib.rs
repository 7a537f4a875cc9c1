#![cfg_attr(all(feature = "derive", feature = "kms"), doc = include_str!("../../README.md"))]
#![cfg_attr(
    not(all(feature = "derive", feature = "kms")),
    doc = "Client-side encryption and signing of Amazon DynamoDB items (built without the default features; see the README)."
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod action;
mod attribute;
mod codec;
pub mod convert;
mod crypto;
mod encryptor;
pub mod error;
mod format;
mod item;
pub mod keyring;
mod material_description;
mod meta_store;
mod number;
pub mod provider;
mod schema;
mod table;
mod wipe;

/// Runs a future of the crate's own tests to completion.
#[cfg(test)]
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().expect("a test runtime").block_on(future)
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;

pub use action::{AttributeAction, AttributeActions};
#[doc(inline)]
pub use aws_sdk_dynamodb::types::AttributeValue;
pub use convert::Number;
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use ddb_encrypt_derive::EncryptedItem;
pub use encryptor::{Item, ItemEncryptor, LegacyPolicy, PlaintextPolicy};
pub use error::{Cancellation, CancellationReason, Error, Result, ServiceErrorKind};
pub use format::Format;
pub use format::dbesdk::{AlgorithmSuite, FOOTER_ATTRIBUTE, HEADER_ATTRIBUTE};
pub use item::{
    DESCRIPTION_ATTRIBUTE, EncryptedItem, IndexKind, IndexSchema, IntoKey, ItemSchema,
    KeyAttribute, KeySchema, KeyType, NoSortKey, RESERVED_PREFIX, SIGNATURE_ATTRIBUTE, SortKey,
    is_reserved_name,
};
pub use material_description::MaterialDescription;
pub use meta_store::MetaStore;
pub use schema::{TableSchema, TableSchemaBuilder};
pub use table::field::{self, IntoCondition, TypedCondition};
pub use table::{
    BatchGet, BatchPut, BoxFuture, Condition, Delete, EncryptedTable, Get, Put, Query, Scan,
    SortKeyCondition, TransactGet, Transaction,
};
