//! Storage formats: how an item is encrypted and signed in the table, their algorithm suites,
//! and the attribute names their envelopes reserve.
//!
//! Each format is one module behind a small internal interface: it writes an item, and reads
//! an item that [`Format::of`] recognised as its own by its reserved attributes. The item
//! encryptor picks the writer and the readers; nothing else knows any format's details.

use std::fmt;

use crate::encryptor::Item;
use crate::error::{Error, Result};
use crate::schema::TableSchema;

pub(crate) mod dbesdk;
mod describe;
pub(crate) mod legacy;

pub use dbesdk::{AlgorithmSuite, FOOTER_ATTRIBUTE, HEADER_ATTRIBUTE};
pub use describe::{Description, describe};

/// The legacy format's envelope: the attribute holding the material description.
pub const DESCRIPTION_ATTRIBUTE: &str = "*amzn-ddb-map-desc*";
/// The legacy format's envelope: the attribute holding the signature.
pub const SIGNATURE_ATTRIBUTE: &str = "*amzn-ddb-map-sig*";
/// Attribute names starting with this prefix are reserved for future envelope attributes.
pub const RESERVED_PREFIX: &str = "*ddbe-";
/// DynamoDB's longest attribute name, in bytes.
pub(crate) const MAX_NAME_LEN: usize = 65535;

/// `true` for the attribute names that a storage format reserves: the legacy envelope's,
/// names starting with `*ddbe-`, and names starting with `aws_dbe_` (the DB-ESDK's).
pub fn is_reserved_name(name: &str) -> bool {
    name == DESCRIPTION_ATTRIBUTE
        || name == SIGNATURE_ATTRIBUTE
        || name.starts_with(RESERVED_PREFIX)
        || name.starts_with(dbesdk::RESERVED_PREFIX)
}

/// The storage format of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The AWS Database Encryption SDK's format (`aws_dbe_head`, `aws_dbe_foot`), read and
    /// written by the official SDKs for Java, .NET, Rust, Go and Python. The default.
    DbEsdk,
    /// The DynamoDB Encryption Client's format (`*amzn-ddb-map-desc*`, `*amzn-ddb-map-sig*`),
    /// for tables shared with the old Python and Java clients.
    Legacy,
    /// Not encrypted: no reserved attribute of any format.
    Plaintext,
}

impl Format {
    /// The reserved attributes that mark an item of this format.
    fn markers(self) -> &'static [&'static str] {
        match self {
            Self::DbEsdk => &[HEADER_ATTRIBUTE, FOOTER_ATTRIBUTE],
            Self::Legacy => &[SIGNATURE_ATTRIBUTE, DESCRIPTION_ATTRIBUTE],
            Self::Plaintext => &[],
        }
    }

    /// The format `item` is stored in, from its reserved attributes alone (nothing is
    /// verified); `None` if it carries those of more than one format, which only an altered
    /// item does.
    ///
    /// An item with any of a format's attributes counts as that format, so that a damaged
    /// encrypted item is never taken for plaintext.
    pub fn of(item: &Item) -> Option<Self> {
        let mut found = Self::Plaintext;
        for format in [Self::DbEsdk, Self::Legacy] {
            if format.markers().iter().any(|name| item.contains_key(*name)) {
                if found != Self::Plaintext {
                    return None;
                }
                found = format;
            }
        }
        Some(found)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DbEsdk => "DB-ESDK",
            Self::Legacy => "legacy",
            Self::Plaintext => "plaintext",
        })
    }
}

/// One storage format: writes items, and reads the items [`Format::of`] gives it.
#[async_trait::async_trait]
pub(crate) trait ItemFormat: fmt::Debug + Send + Sync {
    fn format(&self) -> Format;

    /// Encrypts and signs `item` in place. On error the caller wipes the item.
    async fn write(&self, schema: &TableSchema, item: &mut Item) -> Result<()>;

    /// Verifies and decrypts `item` in place. On error the caller drops the item; the format
    /// wipes what it decrypted.
    async fn read(&self, schema: &TableSchema, item: &mut Item) -> Result<()>;
}

/// Plaintext: items stored as they are, for tables on their way in or out of encryption.
#[derive(Debug)]
pub(crate) struct Plaintext;

#[async_trait::async_trait]
impl ItemFormat for Plaintext {
    fn format(&self) -> Format {
        Format::Plaintext
    }

    async fn write(&self, _: &TableSchema, item: &mut Item) -> Result<()> {
        check_names(item)
    }

    async fn read(&self, _: &TableSchema, _: &mut Item) -> Result<()> {
        Ok(())
    }
}

/// Refuses names reserved by any format, and names DynamoDB would refuse.
pub(crate) fn check_names(item: &Item) -> Result<()> {
    for name in item.keys() {
        if is_reserved_name(name) {
            return Err(Error::ReservedAttribute(name.clone()));
        }
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(Error::invalid_item(name, "attribute names must be 1 to 65535 bytes long"));
        }
    }
    Ok(())
}
