//! Typed items: the [`EncryptedItem`] trait that `#[derive(EncryptedItem)]` implements, its
//! static schema, and the keys of its table. A hand-written impl names these types; a derived
//! one does not need to.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::action::AttributeAction;
pub use crate::encryptor::Item;
use crate::error::Result;

/// A struct stored as an encrypted DynamoDB item.
///
/// Derive it: `#[derive(EncryptedItem)]` generates the schema as static data and the
/// conversions, and refuses at compile time what would be insecure or broken: no partition
/// key, a key that is encrypted or unsigned, a key type DynamoDB cannot index, two fields
/// stored under one name, a name reserved for the envelope.
///
/// ```
/// use ddb_encrypt::{EncryptedItem, Number};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
/// enum Status { Pending, Paid }
///
/// #[derive(EncryptedItem, Debug, Clone, PartialEq)]
/// struct Order {
///     #[ddb(partition_key)] order_id: String,
///     #[ddb(sort_key)]      created_at: u64,
///     #[ddb(sign_only)]     status: Status,   // readable and signed
///     #[ddb(do_nothing)]    ttl: Option<i64>, // neither encrypted nor signed
///     customer_email: String,                 // encrypted and signed (the default)
///     total: Number,                          // exact decimal
///     card_token: Vec<u8>,                    // binary (B)
/// }
///
/// assert_eq!(Order::SCHEMA.partition_key.name, "order_id");
/// ```
///
/// # Field attributes
///
/// | attribute | effect |
/// |---|---|
/// | `#[ddb(partition_key)]`, `#[ddb(sort_key)]` | the table's key; SIGN_ONLY; the type must implement [`KeyAttribute`] |
/// | `#[ddb(gsi_partition_key = "Index")]`, `#[ddb(gsi_sort_key = "Index")]`, `#[ddb(lsi_sort_key = "Index")]` | a secondary index key; the field must also say `sign_only` (or `sign_and_include`): it is stored in the clear |
/// | `#[ddb(sign_only)]` | stored in the clear, covered by the signature |
/// | `#[ddb(do_nothing)]` | stored in the clear, not signed (not for keys) |
/// | `#[ddb(rename = "name")]` | the attribute name |
/// | `#[ddb(set)]` | a sequence of strings, numbers or bytes stored as `SS`, `NS` or `BS`, each member once (numbers by value); empty sets are left out and read back empty |
/// | `#[ddb(number)]` | a value that serializes as text (`rust_decimal::Decimal`, ...) stored as `N`, exactly |
/// | `#[ddb(default)]` | a missing attribute reads as `Default::default()` |
/// | `#[ddb(skip)]` | not stored; reads as `Default::default()` |
/// | `#[ddb(beacon(length = N, index = "Index", name = "name"))]` | a standard beacon on an encrypted field, for `EncryptedTable::find`: see [`crate::beacon`] for what it reveals and how to choose the length |
/// | `#[ddb(tenant)]` | the attribute whose value picks each item's branch key, with [`TenantBranchKeys::for_item`](crate::keyring::TenantBranchKeys::for_item); a table key or a `sign_and_include` field |
///
/// On the struct: `#[ddb(rename_all = "camelCase")]` (serde's rules, exactly),
/// `#[ddb(crate = "path")]` for a renamed dependency, and `#[ddb(bound = "T: Trait")]` to
/// replace the bounds on type parameters (by default, those used by stored fields must be
/// `Serialize + DeserializeOwned`). Field values convert through serde; see
/// [`Number`](crate::Number) and the mapping table of the crate's conversions. A stored field
/// owns its value (no `&str`); index names are 3 to 255 characters of `[A-Za-z0-9_.-]`.
///
/// # Typed handles
///
/// For a struct without type parameters the derive also generates `T::FIELDS`, one handle
/// per stored field, `T::INDEXES`, one per secondary index (in snake case: `"ByStatus"` is
/// `by_status`), and `T::BEACONS`, one per field with a beacon, for
/// [`EncryptedTable::find`](crate::EncryptedTable::find). Conditions, filters, index queries
/// and searches built from them are checked at compile time: a comparison of an encrypted
/// field, a value of another type, a condition on another item type's field, an index that
/// does not exist and a search on a field without a beacon do not compile. See
/// [`table::field::Field`](crate::table::field::Field).
///
/// ```no_run
/// # use ddb_encrypt::{EncryptedItem, EncryptedTable};
/// #[derive(EncryptedItem)]
/// struct Patient {
///     #[ddb(partition_key)] patient_id: String,
///     #[ddb(sign_only, gsi_partition_key = "ByClinic")] clinic_id: String,
///     #[ddb(sign_only)] age: u32,
///     name: String,
/// }
/// # async fn demo(patients: EncryptedTable<Patient>) -> ddb_encrypt::Result<()> {
/// let adults = patients
///     .query_index(Patient::INDEXES.by_clinic, "c-1")
///     .filter(Patient::FIELDS.age.ge(18))
///     .await?;
/// # Ok(()) }
/// ```
///
/// # serde attributes
///
/// On a struct that also derives `Serialize` and `Deserialize`, serde's attributes mean for the
/// item what they mean for serde, or do not compile:
///
/// - applied: `rename_all` and `rename` (a `#[ddb]` rename wins), `default` and
///   `default = "function"`, `skip`, `skip_serializing_if = "predicate"`;
/// - refused, each with what to write instead: `with`, `serialize_with`, `deserialize_with`,
///   `flatten`, `skip_serializing`, `skip_deserializing`, `alias`, split renames, and on the
///   struct `default`, `transparent`, `from`, `try_from`, `into`, `remote`, `tag` and
///   `deny_unknown_fields`;
/// - left to serde, since they do not change the item: `bound`, `borrow`, `getter`, `crate`,
///   `expecting`.
///
/// # The hand-written equivalent
///
/// What the derive generates for the `Order` above, written out (conversions through the same
/// helpers the derive calls; you rarely need this):
///
/// ```
/// # use ddb_encrypt::{EncryptedItem, Number};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
/// # enum Status { Pending, Paid }
/// use std::collections::HashMap;
/// use ddb_encrypt::{AttributeAction::*, AttributeValue, KeyType, Result};
/// use ddb_encrypt::item::{ItemSchema, KeySchema};
/// use ddb_encrypt::convert::{Leftovers, Mode, put, take, key_value};
///
/// struct Order {
///     order_id: String, created_at: u64, status: Status, ttl: Option<i64>,
///     customer_email: String, total: Number, card_token: Vec<u8>,
/// }
///
/// impl EncryptedItem for Order {
///     type PartitionKey = String;
///     type SortKey = u64;
///     type Key = (String, u64);
///
///     const SCHEMA: ItemSchema = ItemSchema {
///         partition_key: KeySchema { name: "order_id", key_type: KeyType::String },
///         sort_key: Some(KeySchema { name: "created_at", key_type: KeyType::Number }),
///         indexes: &[],
///         attributes: &[ // sorted by name
///             ("card_token", EncryptAndSign), ("created_at", SignOnly),
///             ("customer_email", EncryptAndSign), ("order_id", SignOnly),
///             ("status", SignOnly), ("total", EncryptAndSign), ("ttl", DoNothing),
///         ],
///         beacons: &[],
///         tenant: None,
///     };
///
///     fn to_item(&self) -> Result<HashMap<String, AttributeValue>> {
///         let mut item = HashMap::with_capacity(7);
///         // Keys are stored as they are looked up (`key_item`), or refused.
///         item.insert("order_id".into(), key_value("order_id", KeyType::String, &self.order_id)?);
///         item.insert("created_at".into(), key_value("created_at", KeyType::Number, &self.created_at)?);
///         put(&mut item, "status", &self.status, Mode::Plain)?;
///         put(&mut item, "ttl", &self.ttl, Mode::Plain)?; // None: left out
///         put(&mut item, "customer_email", &self.customer_email, Mode::Plain)?;
///         put(&mut item, "total", &self.total, Mode::Plain)?;
///         put(&mut item, "card_token", &self.card_token, Mode::Plain)?;
///         Ok(item)
///     }
///
///     fn from_item(item: HashMap<String, AttributeValue>) -> Result<Self> {
///         // Attributes that no field takes are wiped when `item` is dropped.
///         let mut item = Leftovers::new(item);
///         Ok(Self {
///             order_id: take(&mut item, "order_id")?,
///             created_at: take(&mut item, "created_at")?,
///             status: take(&mut item, "status")?,
///             ttl: take(&mut item, "ttl")?, // missing: None
///             customer_email: take(&mut item, "customer_email")?,
///             total: take(&mut item, "total")?,
///             card_token: take(&mut item, "card_token")?,
///         })
///     }
///
///     fn key(&self) -> Self::Key {
///         (self.order_id.clone(), self.created_at)
///     }
///
///     fn key_item(key: &Self::Key) -> Result<HashMap<String, AttributeValue>> {
///         Ok(HashMap::from([
///             ("order_id".to_owned(), key_value("order_id", KeyType::String, &key.0)?),
///             ("created_at".to_owned(), key_value("created_at", KeyType::Number, &key.1)?),
///         ]))
///     }
/// }
/// ```
///
/// # Security
///
/// Key and index-key attributes, SIGN_ONLY and DO_NOTHING values are stored in the clear, and
/// so are all attribute names. An attribute found in a stored item but not in the struct is
/// treated as ENCRYPT_AND_SIGN, so nobody can add unsigned data to an item.
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
    /// The standard beacons of encrypted attributes, for queries on their values
    /// ([`EncryptedTable::find`](crate::EncryptedTable::find)).
    pub beacons: &'static [BeaconSchema],
    /// The attribute whose value picks each item's branch key (`#[ddb(tenant)]`), for
    /// [`TenantBranchKeys::for_item`](crate::keyring::TenantBranchKeys::for_item).
    pub tenant: Option<&'static str>,
}

/// A standard beacon of an item type: a truncated HMAC of an encrypted attribute's value, stored
/// beside the item so that it can be found by that value (see [`crate::beacon`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeaconSchema {
    /// The beacon name: its key is derived from it.
    pub name: &'static str,
    /// The ENCRYPT_AND_SIGN attribute whose value it hashes.
    pub attribute: &'static str,
    /// The attribute that stores it: `aws_dbe_b_` followed by the name.
    pub stored_as: &'static str,
    /// Its length in bits, 1 to 63.
    pub length: u8,
    /// The global secondary index keyed by `stored_as`, if any: queries go through it, and
    /// scan the table without it.
    pub index: Option<&'static str>,
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

/// A key as a caller has it, for [`get`](crate::EncryptedTable::get),
/// [`delete`](crate::EncryptedTable::delete), [`query`](crate::EncryptedTable::query) and the
/// batch and transaction reads: the key itself, a reference to it, `&str` for a `String`
/// part, or a tuple of such parts for a table with a sort key.
///
/// ```no_run
/// # #[derive(ddb_encrypt::EncryptedItem)]
/// # struct Visit { #[ddb(partition_key)] patient: String, #[ddb(sort_key)] at: u64 }
/// # async fn demo(patients: ddb_encrypt::EncryptedTable<Visit>) -> ddb_encrypt::Result<()> {
/// let visit = patients.get(("p-ada", 1_700_000_000)).await?;
/// let key = ("p-ada".to_owned(), 1_700_000_000);
/// let same = patients.get(&key).await?;
/// let all = patients.query("p-ada").await?;
/// # Ok(()) }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a key of this table (`{K}`)",
    label = "expected the key, a reference to it, or a tuple of its parts",
    note = "a `String` part may be given as `&str`; the parts of a key with a sort key form a tuple: (partition, sort)"
)]
pub trait IntoKey<K> {
    /// The owned key.
    fn into_key(self) -> K;
}

impl<K: KeyAttribute> IntoKey<K> for K {
    fn into_key(self) -> K {
        self
    }
}

impl<K: KeyAttribute> IntoKey<K> for &K {
    fn into_key(self) -> K {
        self.clone()
    }
}

impl IntoKey<String> for &str {
    fn into_key(self) -> String {
        self.to_owned()
    }
}

impl<A: KeyAttribute, B: KeyAttribute, X: IntoKey<A>, Y: IntoKey<B>> IntoKey<(A, B)> for (X, Y) {
    fn into_key(self) -> (A, B) {
        (self.0.into_key(), self.1.into_key())
    }
}

impl<A: KeyAttribute, B: KeyAttribute> IntoKey<(A, B)> for &(A, B) {
    fn into_key(self) -> (A, B) {
        self.clone()
    }
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
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a DynamoDB key attribute",
    label = "key attributes must be strings, numbers or binary",
    note = "use String, an integer, ddb_encrypt::Number or Vec<u8>; for a newtype or an enum that serializes as one of those, implement ddb_encrypt::KeyAttribute"
)]
pub trait SortKey: Serialize + Send + Sync {
    /// The DynamoDB type of the sort key; `None` for [`NoSortKey`].
    const KEY_TYPE: Option<KeyType>;
}

/// Marks an item type whose table has no sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoSortKey;

impl Serialize for NoSortKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl SortKey for NoSortKey {
    const KEY_TYPE: Option<KeyType> = None;
}

impl<K: KeyAttribute> SortKey for K {
    const KEY_TYPE: Option<KeyType> = Some(K::KEY_TYPE);
}
