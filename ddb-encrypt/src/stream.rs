//! The records of DynamoDB Streams (feature `streams`, the types of `aws-sdk-dynamodbstreams`)
//! and the DynamoDB events that AWS Lambda delivers (feature `lambda`, the types of
//! `aws_lambda_events`), read as typed values: each image verified and decrypted as a read
//! from the table is.
//!
//! ```no_run
//! # #[cfg(feature = "lambda")]
//! # async fn demo(
//! #     orders: ddb_encrypt::EncryptedTable<Order>,
//! #     event: aws_lambda_events::dynamodb::Event,
//! # ) -> ddb_encrypt::Result<()> {
//! use ddb_encrypt::stream::ChangeKind;
//!
//! for record in &event.records {
//!     let change = orders.open_record(record).await?;
//!     if let (ChangeKind::Modify, Some(old), Some(new)) = (change.kind, change.old, change.new) {
//!         println!("order {} went from {} to {}", new.id, old.status, new.status);
//!     }
//! }
//! # Ok(()) }
//! # #[derive(ddb_encrypt::EncryptedItem)]
//! # struct Order { #[ddb(partition_key)] id: String, status: String }
//! ```
//!
//! A stream carries images only if its view type says so: `NEW_AND_OLD_IMAGES` gives both,
//! `NEW_IMAGE` and `OLD_IMAGE` one, `KEYS_ONLY` none (the change then has neither).
#![warn(clippy::indexing_slicing)]

use crate::error::{Error, Result};
use crate::item::{EncryptedItem, Item};
use crate::table::EncryptedTable;
use aws_sdk_dynamodb::types::AttributeValue;

/// What a stream record says happened to an item, with its images read as `T`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Change<T> {
    /// What happened.
    pub kind: ChangeKind,
    /// The item after the change, if the stream carries new images (not after a remove).
    pub new: Option<T>,
    /// The item before the change, if the stream carries old images (not for an insert).
    pub old: Option<T>,
}

/// What a stream record says happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangeKind {
    /// A new item was written.
    Insert,
    /// An item was replaced or updated.
    Modify,
    /// An item was deleted.
    Remove,
}

impl ChangeKind {
    fn from_event_name(name: &str) -> Result<Self> {
        match name {
            "INSERT" => Ok(Self::Insert),
            "MODIFY" => Ok(Self::Modify),
            "REMOVE" => Ok(Self::Remove),
            _ => Err(Error::config(
                "a stream record whose event name is not INSERT, MODIFY or REMOVE",
            )),
        }
    }
}

/// A stream record of a type this crate reads: `aws_sdk_dynamodbstreams::types::Record`
/// (feature `streams`) or `aws_lambda_events::dynamodb::EventRecord` (feature `lambda`).
pub trait StreamRecord: sealed::Sealed {
    /// The kind of change and the record's images, as the table's attribute values.
    #[doc(hidden)]
    fn __images(&self) -> Result<(ChangeKind, Option<Item>, Option<Item>)>;
}

mod sealed {
    pub trait Sealed {}
}

impl<T: EncryptedItem> EncryptedTable<T> {
    /// Reads a stream record of this table: its new and old images, each verified,
    /// decrypted and converted as a `get` would.
    ///
    /// # Errors
    ///
    /// [`Error::InItem`] for an image that does not read back, naming the item by its key
    /// ([`Error::is_integrity`] if it fails verification); [`Error::InvalidItem`] for an
    /// attribute of a type DynamoDB does not have or nested deeper than it allows;
    /// [`Error::Config`] for an unknown event name.
    pub async fn open_record(&self, record: &impl StreamRecord) -> Result<Change<T>> {
        let (kind, new, old) = record.__images()?;
        let new = match new {
            Some(item) => Some(self.open(item).await?),
            None => None,
        };
        let old = match old {
            Some(item) => Some(self.open(item).await?),
            None => None,
        };
        Ok(Change { kind, new, old })
    }
}

/// DynamoDB's deepest nesting of lists and maps.
const MAX_DEPTH: usize = 32;

fn too_deep(name: &str) -> Error {
    Error::invalid_item(name, "nested deeper than DynamoDB allows (32 levels)")
}

#[cfg(feature = "streams")]
fn unknown_type(name: &str) -> Error {
    Error::invalid_item(name, "an attribute type DynamoDB does not have")
}

/// An image, attribute by attribute; `None` for an image the record does not carry.
fn image<V>(
    attributes: impl IntoIterator<Item = (String, V)>,
    convert: impl Fn(&str, V, usize) -> Result<AttributeValue>,
) -> Result<Option<Item>> {
    let item = attributes
        .into_iter()
        .map(|(name, value)| convert(&name, value, 0).map(|value| (name, value)))
        .collect::<Result<Item>>()?;
    Ok(Some(item).filter(|item| !item.is_empty()))
}

/// `convert(name, value, depth)`: a stream's attribute value as the table's, each variant to
/// its twin, nested at most [`MAX_DEPTH`] deep. `$blob` takes a binary value's bytes; the
/// optional last arm names the error for variants the table's type lacks.
#[cfg(any(feature = "streams", feature = "lambda"))]
macro_rules! converter {
    ($value:ident, $blob:expr $(, $other:pat => $error:ident)?) => {
        fn convert(name: &str, value: $value, depth: usize) -> Result<AttributeValue> {
            if depth > MAX_DEPTH {
                return Err(too_deep(name));
            }
            let blob = $blob;
            Ok(match value {
                $value::S(s) => AttributeValue::S(s),
                $value::N(n) => AttributeValue::N(n),
                $value::B(b) => AttributeValue::B(blob(b).into()),
                $value::Ss(v) => AttributeValue::Ss(v),
                $value::Ns(v) => AttributeValue::Ns(v),
                $value::Bs(v) => AttributeValue::Bs(v.into_iter().map(|b| blob(b).into()).collect()),
                $value::Bool(b) => AttributeValue::Bool(b),
                $value::Null(n) => AttributeValue::Null(n),
                $value::L(list) => AttributeValue::L(
                    list.into_iter().map(|v| convert(name, v, depth + 1)).collect::<Result<_>>()?,
                ),
                $value::M(map) => AttributeValue::M(
                    map.into_iter()
                        .map(|(k, v)| convert(name, v, depth + 1).map(|v| (k, v)))
                        .collect::<Result<_>>()?,
                ),
                $($other => return Err($error(name)),)?
            })
        }
    };
}

#[cfg(feature = "streams")]
mod sdk {
    use aws_sdk_dynamodbstreams::types::{AttributeValue as Value, Record};

    use super::{
        AttributeValue, ChangeKind, Item, MAX_DEPTH, Result, StreamRecord, image, too_deep,
        unknown_type,
    };

    impl super::sealed::Sealed for Record {}

    #[cfg_attr(docsrs, doc(cfg(feature = "streams")))]
    impl StreamRecord for Record {
        fn __images(&self) -> Result<(ChangeKind, Option<Item>, Option<Item>)> {
            let name = self.event_name().map_or("", |n| n.as_str());
            let kind = ChangeKind::from_event_name(name)?;
            let change = self.dynamodb();
            let images = |image_of: fn(&_) -> Option<&std::collections::HashMap<String, Value>>| {
                let attributes = change.and_then(image_of).cloned().unwrap_or_default();
                image(attributes, convert)
            };
            Ok((kind, images(|c| c.new_image.as_ref())?, images(|c| c.old_image.as_ref())?))
        }
    }

    converter!(Value, |b: aws_sdk_dynamodbstreams::primitives::Blob| b.into_inner(), _ => unknown_type);
}

#[cfg(feature = "lambda")]
mod lambda {
    use aws_lambda_events::dynamodb::EventRecord;
    use serde_dynamo::AttributeValue as Value;

    use super::{
        AttributeValue, ChangeKind, Item, MAX_DEPTH, Result, StreamRecord, image, too_deep,
    };

    impl super::sealed::Sealed for EventRecord {}

    #[cfg_attr(docsrs, doc(cfg(feature = "lambda")))]
    impl StreamRecord for EventRecord {
        fn __images(&self) -> Result<(ChangeKind, Option<Item>, Option<Item>)> {
            let kind = ChangeKind::from_event_name(&self.event_name)?;
            let new = image(self.change.new_image.iter().map(clone), convert)?;
            let old = image(self.change.old_image.iter().map(clone), convert)?;
            Ok((kind, new, old))
        }
    }

    fn clone((name, value): (&String, &Value)) -> (String, Value) {
        (name.clone(), value.clone())
    }

    converter!(Value, |b: Vec<u8>| b);
}

#[cfg(all(test, feature = "lambda"))]
mod tests {
    use aws_lambda_events::dynamodb::EventRecord;
    use serde_json::{Value, json};

    use super::*;

    fn record(event_name: &str, new_image: &Value) -> EventRecord {
        let record = json!({
            "eventID": "1",
            "eventName": event_name,
            "awsRegion": "us-east-1",
            "dynamodb": { "NewImage": new_image, "SizeBytes": 1 },
        });
        serde_json::from_value(record).expect("a Lambda DynamoDB record")
    }

    fn nested(depth: usize) -> Value {
        (0..depth).fold(json!({ "S": "x" }), |inner, _| json!({ "L": [inner] }))
    }

    #[test]
    fn images_nested_as_deep_as_dynamodb_allows_convert_and_deeper_ones_are_refused() {
        let (_, image, _) =
            record("INSERT", &json!({ "a": nested(MAX_DEPTH) })).__images().unwrap();
        assert!(image.unwrap().get("a").is_some_and(AttributeValue::is_l));

        let error =
            record("INSERT", &json!({ "a": nested(MAX_DEPTH + 1) })).__images().unwrap_err();
        assert!(
            matches!(&error, Error::InvalidItem { attribute, .. } if attribute == "a"),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_event_name_is_an_error_and_an_absent_image_is_none() {
        let error = record("UPSERT", &json!({})).__images().unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error}");
        let (kind, new, old) = record("REMOVE", &json!({})).__images().unwrap();
        assert_eq!((kind, new, old), (ChangeKind::Remove, None, None));
    }
}
