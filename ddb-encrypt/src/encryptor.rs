//! The item encryptor: encrypts and signs items, verifies and decrypts them, in the formats and
//! under the migration policies it is configured with.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::format::dbesdk::{AlgorithmSuite, DbEsdk};
use crate::format::legacy::Legacy;
use crate::format::{Format, ItemFormat, Plaintext};
use crate::keyring::Keyring;
use crate::provider::CryptographicMaterialsProvider;
use crate::schema::TableSchema;
use crate::wipe;

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// What an encryptor does with items in the legacy format (the DynamoDB Encryption Client's),
/// when it also has a DB-ESDK keyring ([`ItemEncryptor::with_legacy`]). The names are those of
/// the Java DB-ESDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegacyPolicy {
    /// Writes the legacy format and reads both: while old clients still read the table.
    ForceLegacyEncryptAllowLegacyDecrypt,
    /// Writes the DB-ESDK format and reads both: every reader is on the DB-ESDK format, old
    /// items remain.
    ForbidLegacyEncryptAllowLegacyDecrypt,
    /// Writes and reads the DB-ESDK format only: the table has been migrated.
    ForbidLegacyEncryptForbidLegacyDecrypt,
}

/// What an encryptor does with plaintext items (no reserved attribute of any format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PlaintextPolicy {
    /// Writes items unencrypted and reads plaintext items: a table before encryption is turned
    /// on, while some readers cannot decrypt yet.
    ForcePlaintextWriteAllowPlaintextRead,
    /// Encrypts new items and reads plaintext items: a table on its way to encryption.
    ForbidPlaintextWriteAllowPlaintextRead,
    /// Encrypts new items and refuses plaintext items. The default.
    #[default]
    ForbidPlaintextWriteForbidPlaintextRead,
}

/// Encrypts and signs items, and verifies and decrypts them.
///
/// New items are written in the format of the AWS Database Encryption SDK ("DB-ESDK"), with
/// algorithm suite `0x6701` (ECDSA P-384 signatures), as the official SDKs do; the keys come
/// from a [`Keyring`]. Each item is read in the format it is stored in, as far as the
/// migration policies allow: [`with_legacy`](Self::with_legacy) for items of the old DynamoDB
/// Encryption Client, [`with_plaintext_policy`](Self::with_plaintext_policy) for unencrypted
/// ones. [`ItemEncryptor::legacy`] makes an encryptor of the legacy format only.
///
/// Cheap to clone and meant to be shared.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::collections::HashMap;
/// use ddb_encrypt::keyring::RawAesKeyring;
/// use ddb_encrypt::{AttributeValue, ItemEncryptor, TableSchema};
///
/// let keyring = RawAesKeyring::new("my-app", "users-key", &[7; 32])?; // demo key
/// let encryptor = ItemEncryptor::new(keyring);
/// let schema = TableSchema::builder("Users").partition_key("id").build()?;
///
/// let item = HashMap::from([
///     ("id".to_owned(), AttributeValue::S("u-1".into())),
///     ("email".to_owned(), AttributeValue::S("a@example.com".into())),
/// ]);
/// let stored = encryptor.encrypt_item(&schema, item.clone()).await?;
/// assert_eq!(stored["id"], item["id"]); // keys stay readable
/// assert!(stored["email"].is_b()); // everything else is ciphertext
/// assert!(stored.contains_key("aws_dbe_head") && stored.contains_key("aws_dbe_foot"));
/// assert_eq!(encryptor.decrypt_item(&schema, stored).await?, item);
/// # Ok::<(), ddb_encrypt::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct ItemEncryptor {
    writer: Arc<dyn ItemFormat>,
    dbesdk: Option<Arc<DbEsdk>>,
    legacy: Option<Arc<Legacy>>,
    legacy_policy: Option<LegacyPolicy>,
    plaintext_policy: PlaintextPolicy,
}

impl fmt::Debug for ItemEncryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemEncryptor")
            .field("write_format", &self.write_format())
            .field("dbesdk", &self.dbesdk)
            .field("legacy", &self.legacy)
            .field("legacy_policy", &self.legacy_policy)
            .field("plaintext_policy", &self.plaintext_policy)
            .finish_non_exhaustive()
    }
}

impl ItemEncryptor {
    /// An encryptor that writes and reads the DB-ESDK format with `keyring`, suite `0x6701`.
    pub fn new(keyring: impl Keyring + 'static) -> Self {
        Self::from_arc(Arc::new(keyring))
    }

    /// Like [`ItemEncryptor::new`], for a keyring that is already shared.
    pub fn from_arc(keyring: Arc<dyn Keyring>) -> Self {
        let dbesdk = Arc::new(DbEsdk::new(keyring, AlgorithmSuite::default()));
        Self {
            writer: dbesdk.clone(),
            dbesdk: Some(dbesdk),
            legacy: None,
            legacy_policy: None,
            plaintext_policy: PlaintextPolicy::default(),
        }
    }

    /// An encryptor of the legacy format only: it writes and reads the items of the DynamoDB
    /// Encryption Client (Python, Java) with one of its materials providers. For a table that
    /// old clients still use; [`with_legacy`](Self::with_legacy) migrates it.
    pub fn legacy(provider: impl CryptographicMaterialsProvider + 'static) -> Self {
        Self::legacy_from_arc(Arc::new(provider))
    }

    /// Like [`ItemEncryptor::legacy`], for a provider that is already shared.
    pub fn legacy_from_arc(provider: Arc<dyn CryptographicMaterialsProvider>) -> Self {
        let legacy = Arc::new(Legacy::new(provider));
        Self {
            writer: legacy.clone(),
            dbesdk: None,
            legacy: Some(legacy),
            legacy_policy: None,
            plaintext_policy: PlaintextPolicy::default(),
        }
    }

    /// Chooses the algorithm suite of new DB-ESDK items (`0x6701` by default). Readers accept
    /// both suites whatever this says.
    ///
    /// <div class="warning">With <code>AlgorithmSuite::HmacSha384</code> (0x6700), anyone who
    /// can decrypt an item can also forge one.</div>
    ///
    /// # Panics
    ///
    /// Never; an encryptor of the legacy format only ignores the suite.
    #[must_use]
    pub fn with_algorithm_suite(mut self, suite: AlgorithmSuite) -> Self {
        if let Some(dbesdk) = &self.dbesdk {
            let rebuilt = Arc::new(DbEsdk::new(dbesdk.keyring().clone(), suite));
            if self.writer.format() == Format::DbEsdk {
                self.writer = rebuilt.clone();
            }
            self.dbesdk = Some(rebuilt);
        }
        self
    }

    /// Reads (and, as `policy` says, writes) legacy items with `provider`, beside the DB-ESDK
    /// format: the migration of a table from the DynamoDB Encryption Client.
    ///
    /// A legacy item is only ever read as a legacy item: never passed through as plaintext,
    /// whatever the plaintext policy.
    #[must_use]
    pub fn with_legacy(
        mut self,
        provider: impl CryptographicMaterialsProvider + 'static,
        policy: LegacyPolicy,
    ) -> Self {
        let legacy = Arc::new(Legacy::new(Arc::new(provider)));
        self.writer = match (policy, &self.dbesdk) {
            (LegacyPolicy::ForceLegacyEncryptAllowLegacyDecrypt, _) | (_, None) => legacy.clone(),
            (_, Some(dbesdk)) => dbesdk.clone(),
        };
        self.legacy = Some(legacy);
        self.legacy_policy = Some(policy);
        self.apply_plaintext_write();
        self
    }

    /// What to do with plaintext items ([`PlaintextPolicy::ForbidPlaintextWriteForbidPlaintextRead`]
    /// by default).
    #[must_use]
    pub fn with_plaintext_policy(mut self, policy: PlaintextPolicy) -> Self {
        self.plaintext_policy = policy;
        self.apply_plaintext_write();
        self
    }

    fn apply_plaintext_write(&mut self) {
        if self.plaintext_policy == PlaintextPolicy::ForcePlaintextWriteAllowPlaintextRead {
            self.writer = Arc::new(Plaintext);
        } else if self.writer.format() == Format::Plaintext {
            let writer: Option<Arc<dyn ItemFormat>> = match (&self.dbesdk, &self.legacy) {
                (Some(dbesdk), _)
                    if self.legacy_policy
                        != Some(LegacyPolicy::ForceLegacyEncryptAllowLegacyDecrypt) =>
                {
                    Some(dbesdk.clone())
                }
                (_, Some(legacy)) => Some(legacy.clone()),
                (Some(dbesdk), None) => Some(dbesdk.clone()),
                (None, None) => None,
            };
            if let Some(writer) = writer {
                self.writer = writer;
            }
        }
    }

    /// The format new items are written in.
    pub fn write_format(&self) -> Format {
        self.writer.format()
    }

    /// The DB-ESDK algorithm suite of new items, if this encryptor has a keyring.
    pub fn algorithm_suite(&self) -> Option<AlgorithmSuite> {
        self.dbesdk.as_ref().map(|d| d.suite())
    }

    /// The legacy materials provider, if this encryptor reads legacy items.
    pub fn legacy_provider(&self) -> Option<&Arc<dyn CryptographicMaterialsProvider>> {
        self.legacy.as_ref().map(|l| l.provider())
    }

    /// Whether items of `format` are read.
    pub fn reads(&self, format: Format) -> bool {
        self.reader(format).is_some()
    }

    fn reader(&self, format: Format) -> Option<&dyn ItemFormat> {
        match format {
            Format::DbEsdk => self.dbesdk.as_deref().map(|d| d as &dyn ItemFormat),
            Format::Legacy => self
                .legacy
                .as_deref()
                .filter(|_| {
                    self.legacy_policy != Some(LegacyPolicy::ForbidLegacyEncryptForbidLegacyDecrypt)
                })
                .map(|l| l as &dyn ItemFormat),
            Format::Plaintext => (self.plaintext_policy
                != PlaintextPolicy::ForbidPlaintextWriteForbidPlaintextRead)
                .then_some(&Plaintext as &dyn ItemFormat),
        }
    }

    /// Encrypts and signs `item` for the table described by `schema`, in the encryptor's write
    /// format.
    ///
    /// ENCRYPT_AND_SIGN attributes are replaced by binary ciphertext, and the format's
    /// envelope attributes are added.
    ///
    /// # Errors
    ///
    /// * [`Error::ReservedAttribute`] if the item uses a name reserved by a format;
    /// * [`Error::InvalidItem`] if a value cannot be encrypted or signed (an invalid number,
    ///   `AttributeValue::Unknown`, a missing key attribute, ...);
    /// * [`Error::Config`] if the schema or the keys do not fit the format;
    /// * whatever the keyring or provider returns.
    ///
    /// # Security
    ///
    /// Attribute names, SIGN_ONLY and DO_NOTHING values and the lengths of encrypted values are
    /// stored in the clear.
    ///
    /// The plaintext of the values it encrypts is wiped, and so is the whole item if encryption
    /// fails.
    pub async fn encrypt_item(&self, schema: &TableSchema, mut item: Item) -> Result<Item> {
        match self.writer.write(schema, &mut item).await {
            Ok(()) => Ok(item),
            Err(error) => {
                wipe::map_entries(&mut item);
                Err(error)
            }
        }
    }

    /// Verifies and decrypts `item`, as read from the table described by `schema`.
    ///
    /// The format is recognised by the item's reserved attributes ([`Format::of`]); the item
    /// is verified before anything is decrypted.
    ///
    /// # Errors
    ///
    /// * [`Error::Integrity`] if the item was altered, is corrupt, or was written with other
    ///   keys, another table name or other attribute actions. Deliberately opaque.
    /// * [`Error::FormatRefused`] for an item in a format this encryptor does not read (a
    ///   legacy item after the migration, a plaintext item, ...).
    /// * [`Error::Config`] if the schema or the keys do not fit the item's format.
    /// * whatever the keyring or provider returns.
    pub async fn decrypt_item(&self, schema: &TableSchema, mut item: Item) -> Result<Item> {
        let format = Format::of(&item).ok_or(Error::Integrity)?;
        if format == Format::Plaintext && schema.all_do_nothing() {
            // Nothing is protected: a plaintext item is what any format stores.
            return Ok(item);
        }
        let reader = self.reader(format).ok_or(Error::FormatRefused(format))?;
        reader.read(schema, &mut item).await?;
        Ok(item)
    }
}
