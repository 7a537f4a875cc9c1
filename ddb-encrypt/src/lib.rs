#![cfg_attr(all(feature = "derive", feature = "kms"), doc = include_str!("../../README.md"))]
#![cfg_attr(
    not(all(feature = "derive", feature = "kms")),
    doc = "Client-side encryption and signing of Amazon DynamoDB items (built without the default features; see the README)."
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod action;
mod attribute;
pub mod beacon;
mod codec;
pub mod convert;
mod crypto;
mod encryptor;
pub mod error;
pub mod format;
pub mod item;
pub mod keyring;
mod material_description;
mod meta_store;
mod number;
pub mod provider;
pub mod schema;
#[cfg(any(feature = "streams", feature = "lambda"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "streams", feature = "lambda"))))]
pub mod stream;
pub mod table;
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

// The root holds what a user names; the rest is in the modules: `table` (the request
// builders, conditions and field handles), `item` (the typed-item trait and its schema),
// `schema`, `format` (formats, suites, envelope names), `keyring`, `provider`, `convert`,
// `error`.
#[doc(inline)]
pub use aws_sdk_dynamodb::types::AttributeValue;
pub use convert::Number;
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use ddb_encrypt_derive::EncryptedItem;
pub use encryptor::{ItemEncryptor, LegacyPolicy, PlaintextPolicy};
pub use error::{Error, Result};
pub use format::{AlgorithmSuite, Format};
pub use item::{EncryptedItem, IntoKey, KeyAttribute, KeyType};
pub use schema::{AttributeAction, TableSchema};
pub use table::{Condition, EncryptedTable, SortKeyCondition, Transaction};
