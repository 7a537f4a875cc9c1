//! Standard beacons: finding items by the value of an encrypted attribute, as the AWS Database
//! Encryption SDK does (`docs/dbesdk-format.md`, section 11).
//!
//! A beacon is a short keyed hash of a plaintext value, written beside the encrypted item in the
//! attribute `aws_dbe_b_<name>`. A query asks for the beacon of the searched value, usually
//! through a global secondary index keyed by that attribute, and every item it returns is
//! verified, decrypted and compared with the searched value: beacons are truncated on purpose,
//! so different values share a beacon, and those items never reach the caller.
//!
//! # What a beacon reveals
//!
//! Anyone who can read the table (or its backups, or its stream) sees, for each beaconed
//! attribute, which items have equal beacons. Equal values always have equal beacons, so the
//! beacons reveal **equality and frequency**: how many items share a value, and which ones,
//! though not the value itself. Truncation blurs this: with a length of `L` bits there are
//! `2^L` beacon values, and distinct values that share one cannot be told apart.
//!
//! - Too long, and each beacon names one value: the table leaks the exact frequency of every
//!   value, which for a field with few or skewed values (a country, a blood type, a salary
//!   band) is nearly the value itself.
//! - Too short, and each query returns many false positives, which cost reads and decryptions.
//!
//! The DB-ESDK's guidance: choose `L` so that `2^L` lies between the square root of the number
//! of distinct values the field will hold and half of that number. For example, an email
//! address over a million customers (about 10^6 distinct values): `sqrt(10^6) = 1,000` and
//! `10^6 / 2 = 500,000`, so `2^L` between 1,000 and 500,000, `L` from 10 to 18. With `L = 16`,
//! about 15 addresses share each beacon: a query for one address reads about 16 items and
//! returns only the searched one's. A field with few distinct values (a status, a country)
//! has no good length: each beacon stands for a handful of values, and their frequencies give
//! most of them away. Do not beacon it;
//! [`StandardBeacon::new`] refuses lengths outside 1 to 63 bits, and the derive refuses a
//! beacon on a field that is not encrypted, on a key, and two beacons with one name.
//!
//! Beacons of different names use different keys, derived from one beacon key per table (in a
//! branch key store: the `beacon:ACTIVE` row of a branch key, see
//! [`DynamoDbBranchKeyStore`](crate::keyring::DynamoDbBranchKeyStore)): equal values of two
//! beaconed fields do not have equal beacons.
//!
//! ```
//! use ddb_encrypt::AttributeValue;
//! use ddb_encrypt::beacon::{BeaconKey, StandardBeacon};
//!
//! let key = BeaconKey::new(&[7; 32])?; // in production: from the branch key store
//! let email = StandardBeacon::new("email", 16)?;
//! let value = AttributeValue::S("ada@example.com".into());
//! let beacon = email.hash(&key, &value)?;
//! assert_eq!(beacon.len(), 4); // 16 bits: four lowercase hex digits
//! assert_eq!(email.stored_as(), "aws_dbe_b_email");
//! # Ok::<(), ddb_encrypt::Error>(())
//! ```

use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Sha384, Sha512};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::format::dbesdk::value;

/// The prefix of the attributes that store beacons.
pub const BEACON_PREFIX: &str = "aws_dbe_b_";
/// The attribute the official SDKs write on every item with beacons (its value: one space).
pub const VERSION_ATTRIBUTE: &str = "aws_dbe_v_1";
/// The info prefix of the HKDF that derives a beacon's key from the beacon key.
const KEY_INFO: &[u8] = b"AWS_DBE_SCAN_BEACON";
/// Most bytes of a beacon key taken from outside (a branch key store's are 32).
const MAX_KEY_LEN: usize = 1024;
/// DynamoDB's longest key attribute name, which a beacon's attribute may be.
const MAX_STORED_NAME_LEN: usize = 255;

/// The key that a table's beacons are derived from: the beacon key of a branch key store, or
/// (for tests) bytes given in code. Wiped when dropped; `Debug` shows nothing of it.
#[derive(Clone)]
pub struct BeaconKey(Arc<Zeroizing<Vec<u8>>>);

impl fmt::Debug for BeaconKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BeaconKey(..)")
    }
}

impl BeaconKey {
    /// A beacon key of `bytes` (1 to 1024 bytes; a branch key store's are 32).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an empty or longer key.
    pub fn new(bytes: &[u8]) -> Result<Self> {
        if bytes.is_empty() || bytes.len() > MAX_KEY_LEN {
            return Err(Error::config(format_args!(
                "a beacon key has 1 to {MAX_KEY_LEN} bytes, not {}",
                bytes.len()
            )));
        }
        Ok(Self(Arc::new(Zeroizing::new(bytes.to_vec()))))
    }
}

/// Where a table gets its beacon key from, each time it writes or searches: a [`BeaconKey`]
/// given in code, or a [`SingleKeyStore`] over a branch key store.
#[async_trait::async_trait]
pub trait BeaconKeySource: fmt::Debug + Send + Sync {
    /// The beacon key.
    ///
    /// # Errors
    ///
    /// If the key cannot be read.
    async fn beacon_key(&self) -> Result<BeaconKey>;
}

#[async_trait::async_trait]
impl BeaconKeySource for BeaconKey {
    async fn beacon_key(&self) -> Result<BeaconKey> {
        Ok(self.clone())
    }
}

/// The beacon key of one branch key in a [`BranchKeyStore`](crate::keyring::BranchKeyStore):
/// the DB-ESDK's "single key store" beacon key source. Put a
/// [`BranchKeyCache`](crate::keyring::BranchKeyCache) in front of the store, so that the key
/// is read once per time-to-live.
///
/// ```no_run
/// # #[cfg(feature = "kms")]
/// # fn demo(store: ddb_encrypt::keyring::DynamoDbBranchKeyStore) {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use ddb_encrypt::beacon::SingleKeyStore;
/// use ddb_encrypt::keyring::BranchKeyCache;
///
/// let cached = Arc::new(BranchKeyCache::new(store, Duration::from_mins(10), 1_000));
/// let beacons = SingleKeyStore::new(cached, "the branch key id of the beacon key");
/// # }
/// ```
#[derive(Debug)]
pub struct SingleKeyStore<S> {
    store: S,
    branch_key_id: String,
}

impl<S: crate::keyring::BranchKeyStore> SingleKeyStore<S> {
    /// The beacon key of `branch_key_id` in `store`.
    pub fn new(store: S, branch_key_id: impl Into<String>) -> Self {
        Self { store, branch_key_id: branch_key_id.into() }
    }
}

#[async_trait::async_trait]
impl<S: crate::keyring::BranchKeyStore> BeaconKeySource for SingleKeyStore<S> {
    async fn beacon_key(&self) -> Result<BeaconKey> {
        self.store.beacon_key(&self.branch_key_id).await
    }
}

/// A standard beacon: its name, from which its key is derived and which names the attribute
/// that stores it, and its length in bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardBeacon {
    name: String,
    stored_as: String,
    length: u8,
}

impl StandardBeacon {
    /// The beacon `name` of `length` bits.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a length outside 1 to 63, an empty name, or a name too long
    /// for the attribute that stores it to key an index.
    pub fn new(name: impl Into<String>, length: u8) -> Result<Self> {
        let name = name.into();
        if !(1..=63).contains(&length) {
            return Err(Error::config(format_args!(
                "beacon `{name}` has a length of {length} bits; a beacon has 1 to 63 bits \
                 (see the ddb_encrypt::beacon docs for how to choose it)"
            )));
        }
        let stored_as = format!("{BEACON_PREFIX}{name}");
        if name.is_empty() || stored_as.len() > MAX_STORED_NAME_LEN {
            return Err(Error::config(format_args!(
                "a beacon name has 1 to {} bytes",
                MAX_STORED_NAME_LEN - BEACON_PREFIX.len()
            )));
        }
        Ok(Self { name, stored_as, length })
    }

    /// The beacon name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The attribute that stores it: `aws_dbe_b_` followed by the name.
    pub fn stored_as(&self) -> &str {
        &self.stored_as
    }

    /// Its length in bits.
    pub fn length(&self) -> u8 {
        self.length
    }

    /// The beacon of `value` under `key`: as many lowercase hex digits as it takes to write
    /// `length` bits.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a value that cannot be hashed (an empty set, a number that is
    /// not one, an unknown type).
    pub fn hash(&self, key: &BeaconKey, value: &AttributeValue) -> Result<String> {
        let mut bytes = Zeroizing::new(Vec::new());
        value::serialize(value, &mut bytes).map_err(|e| {
            Error::config(format_args!("the value of beacon `{}` {}", self.name, e.reason()))
        })?;
        Ok(self.hasher(key).hash(&bytes))
    }

    /// The keyed hash of this beacon under `key`, for many values.
    pub(crate) fn hasher(&self, key: &BeaconKey) -> Hasher {
        Hasher::new(key, &self.name, self.length)
    }
}

/// One beacon's HMAC-SHA-384, keyed for its name.
pub(crate) struct Hasher {
    mac: Hmac<Sha384>,
    length: u8,
}

impl Hasher {
    /// HKDF-SHA-512 without salt, of the beacon key, with the info `AWS_DBE_SCAN_BEACON` and the
    /// name: 64 bytes of HMAC key.
    fn new(key: &BeaconKey, name: &str, length: u8) -> Self {
        let mut derived = Zeroizing::new([0u8; 64]);
        Hkdf::<Sha512>::new(None, key.0.as_slice())
            .expand_multi_info(&[KEY_INFO, name.as_bytes()], derived.as_mut_slice())
            .unwrap_or_else(|_| unreachable!("64 bytes is within HKDF-SHA-512's output"));
        Self::from_hmac_key(derived.as_slice(), length)
    }

    fn from_hmac_key(key: &[u8], length: u8) -> Self {
        let mac = <Hmac<Sha384>>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        Self { mac, length }
    }

    /// The low `length` bits of the first 8 bytes of the HMAC of `bytes` (read big-endian), as
    /// `ceil(length / 4)` lowercase hex digits.
    pub(crate) fn hash(&self, bytes: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(bytes);
        let tag = mac.finalize().into_bytes();
        let first = tag.first_chunk::<8>().copied();
        let first = first.unwrap_or_else(|| unreachable!("an HMAC-SHA-384 has 48 bytes"));
        let bits = u64::from_be_bytes(first) & ((1u64 << self.length) - 1);
        let digits = usize::from(self.length).div_ceil(4);
        let mut out = String::with_capacity(digits);
        let _ = write!(out, "{bits:0digits$x}");
        out
    }
}

/// Whether two values are the same as the DB-ESDK sees them: of one type, with one
/// serialization (numbers in canonical form, sets in any order).
pub(crate) fn same(stored: &AttributeValue, wanted: &AttributeValue) -> bool {
    let serialized = |v: &AttributeValue| {
        let mut bytes = Zeroizing::new(Vec::new());
        value::serialize(v, &mut bytes).ok()?;
        Some((value::type_id(v).ok()?, bytes))
    };
    match (serialized(stored), serialized(wanted)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
