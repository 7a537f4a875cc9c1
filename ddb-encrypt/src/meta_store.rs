//! The MetaStore (`docs/legacy-format.md` section 6.4): versioned key material in a DynamoDB table,
//! each row an item encrypted with the store's own provider, byte-compatible with the Python
//! and Java `MetaStore`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::crypto::rng;
use crate::encryptor::ItemEncryptor;
use crate::error::{AwsRequest, Error, Result};
use crate::item::{KeySchema, KeyType};
use crate::material_description::MaterialDescription;
use crate::provider::{
    CryptographicMaterialsProvider, META_ID, ProviderStore, SigningKey, WrappedMaterialsProvider,
    WrappingKey,
};
use crate::schema::TableSchema;
use crate::table::create_table_request;
use crate::wipe;
use zeroize::Zeroizing;

// The rows' attribute names and constant values (the Python `MetaStoreAttributeNames` and
// `MetaStoreValues`).
const NAME: &str = "N";
const VERSION: &str = "V";
const MATERIAL_TYPE: &str = "t";
const ENCRYPTION_ALGORITHM: &str = "encAlg";
const ENCRYPTION_KEY: &str = "enc";
const INTEGRITY_ALGORITHM: &str = "intAlg";
const INTEGRITY_KEY: &str = "int";
const MATERIAL_TYPE_VERSION: &str = "0";
const AES: &str = "AES";
const HMAC_SHA256: &str = "HmacSHA256";
/// How many of a material's newest rows [`MetaStore::max_version`] reads, newest first, before
/// it gives up finding one that verifies.
const NEWEST_ROWS_CHECKED: i32 = 16;
/// How many verified versions a store remembers.
const VERIFIED_KEPT: usize = 4096;

/// A [`ProviderStore`] in a DynamoDB table: one row per material name (`N`) and version
/// (`V`), holding an AES-256 key-encryption key and an HMAC-SHA256 key, encrypted and signed
/// with the store's own provider in the legacy format, so that one meta table serves Rust,
/// Python and Java services.
///
/// A version's provider is a [`WrappedMaterialsProvider`] with those keys, naming
/// `name#version` in `amzn-ddb-meta-id`.
///
/// # Security
///
/// The rows' protection is the store's provider: use a key service (the Direct KMS provider)
/// or a key kept outside DynamoDB. Every row is verified before anything in it is used, its
/// version included: a row that does not verify (planted or altered by someone who can write
/// the meta table) is skipped when looking for the newest version, and counted in
/// [`rejected_rows`](MetaStore::rejected_rows); asked for by version, it is an
/// [`Error::Provider`] that names the meta table. Keys read from or written to rows are wiped
/// from memory once the version's provider holds them.
///
/// Whoever can write the meta table can still delete rows: readers then cannot read the items
/// of a deleted version, and [`MostRecentProvider`](crate::provider::MostRecentProvider)
/// refuses to go back to an older version.
#[derive(Clone)]
pub struct MetaStore {
    client: Client,
    table_name: String,
    encryptor: ItemEncryptor,
    schema: Arc<TableSchema>,
    rejected: Arc<AtomicU64>,
    /// Versions whose rows verified (or that this store wrote): versions never change, so
    /// finding such a version again as the newest needs no new verification (and no call to
    /// the store's key service).
    verified: Arc<Mutex<HashSet<(String, u64)>>>,
}

impl fmt::Debug for MetaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaStore")
            .field("table_name", &self.table_name)
            .field("encryptor", &self.encryptor)
            .finish_non_exhaustive()
    }
}

impl MetaStore {
    /// A store in the meta table `table_name`, its rows protected by `provider`.
    ///
    /// # Errors
    ///
    /// Never for a valid table name; [`Error::Config`] otherwise.
    pub fn new(
        client: Client,
        table_name: impl Into<String>,
        provider: impl CryptographicMaterialsProvider + 'static,
    ) -> Result<Self> {
        let table_name = table_name.into();
        // The key attributes are SIGN_ONLY, the rest ENCRYPT_AND_SIGN; rows stay in the legacy
        // format so that the other clients read them.
        let schema =
            TableSchema::builder(&table_name).partition_key(NAME).sort_key(VERSION).build()?;
        let encryptor = ItemEncryptor::legacy(provider);
        Ok(Self {
            client,
            table_name,
            encryptor,
            schema: Arc::new(schema),
            rejected: Arc::default(),
            verified: Arc::default(),
        })
    }

    fn is_verified(&self, material_name: &str, version: u64) -> bool {
        let verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        verified.contains(&(material_name.to_owned(), version))
    }

    fn remember_verified(&self, material_name: &str, version: u64) {
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= VERIFIED_KEPT {
            verified.clear();
        }
        verified.insert((material_name.to_owned(), version));
    }

    /// How many rows this store (and its clones) found that did not verify, so far: rows
    /// planted or altered by someone who can write the meta table, or written with another
    /// provider. Worth an alarm when it is not zero.
    pub fn rejected_rows(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    /// Creates a meta table (`N` string partition key, `V` number sort key), billed per
    /// request.
    ///
    /// # Errors
    ///
    /// [`Error::Service`] if DynamoDB refuses (for example, the table exists).
    pub async fn create_table(client: &Client, table_name: &str) -> Result<()> {
        let name = KeySchema { name: NAME, key_type: KeyType::String };
        let version = KeySchema { name: VERSION, key_type: KeyType::Number };
        create_table_request(client, table_name, name, Some(version), [name, version])?
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    &AwsRequest::DynamoDb { operation: "CreateTable", table: table_name },
                    &e,
                )
            })?;
        Ok(())
    }

    fn key(material_name: &str, version: u64) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (NAME.to_owned(), AttributeValue::S(material_name.to_owned())),
            (VERSION.to_owned(), AttributeValue::N(version.to_string())),
        ])
    }

    /// The provider a version row stands for: a [`WrappedMaterialsProvider`] with the row's
    /// AES key-encryption key (`enc`) and HMAC-SHA256 key (`int`), naming
    /// `material_name#version` in `amzn-ddb-meta-id`. For stores of your own.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if a key has an invalid length.
    pub fn version_provider(
        material_name: &str,
        version: u64,
        enc: &[u8],
        int: &[u8],
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        let description: MaterialDescription =
            [(META_ID, format!("{material_name}#{version}"))].into_iter().collect();
        let provider =
            WrappedMaterialsProvider::new(WrappingKey::aes(enc)?, SigningKey::hmac_sha256(int)?)
                .with_material_description(description);
        Ok(Arc::new(provider))
    }

    /// Reads a row, verifies it, and checks what it holds.
    async fn load(
        &self,
        material_name: &str,
        version: u64,
    ) -> Result<Option<Arc<dyn CryptographicMaterialsProvider>>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .set_key(Some(Self::key(material_name, version)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    &AwsRequest::DynamoDb { operation: "GetItem", table: &self.table_name },
                    &e,
                )
            })?;
        let Some(stored) = output.item else { return Ok(None) };
        self.open(material_name, version, stored).await.map(Some)
    }

    /// Verifies and decrypts a stored row: `None` if it does not verify (and it is counted).
    async fn verify(
        &self,
        stored: HashMap<String, AttributeValue>,
    ) -> Result<Option<HashMap<String, AttributeValue>>> {
        match self.encryptor.decrypt_item(&self.schema, stored).await {
            Ok(row) => Ok(Some(row)),
            Err(Error::Integrity) => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// The provider of a stored row of `material_name#version` once the row verifies (and is
    /// remembered as verified); `None` if it does not verify (and it is counted).
    async fn verified_provider(
        &self,
        material_name: &str,
        version: u64,
        stored: HashMap<String, AttributeValue>,
    ) -> Result<Option<Arc<dyn CryptographicMaterialsProvider>>> {
        let Some(row) = self.verify(stored).await? else { return Ok(None) };
        let provider = self.row_provider(material_name, version, row)?;
        self.remember_verified(material_name, version);
        Ok(Some(provider))
    }

    /// Verifies a stored row of `material_name#version` and returns the version's provider.
    async fn open(
        &self,
        material_name: &str,
        version: u64,
        stored: HashMap<String, AttributeValue>,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        match self.verified_provider(material_name, version, stored).await? {
            Some(provider) => Ok(provider),
            None => Err(self.bad_row(
                material_name,
                version,
                "does not verify: it was altered or planted by someone who can write the \
                 table, or written with another provider than this store's",
            )),
        }
    }

    fn bad_row(&self, material_name: &str, version: u64, what: &str) -> Error {
        Error::provider(
            format_args!("meta table `{}`: row {material_name}#{version} {what}", self.table_name),
            None,
        )
    }

    /// The provider of a verified row, after checking what it holds. The row's keys are wiped
    /// once the provider holds them.
    fn row_provider(
        &self,
        material_name: &str,
        version: u64,
        mut row: HashMap<String, AttributeValue>,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        let mut key = |name: &str| match row.remove(name) {
            Some(AttributeValue::B(b)) => Some(Zeroizing::new(b.into_inner())),
            Some(mut other) => {
                wipe::value(&mut other);
                None
            }
            None => None,
        };
        let (enc, int) = (key(ENCRYPTION_KEY), key(INTEGRITY_KEY));
        let is = |name: &str, expected: &str| matches!(row.get(name), Some(AttributeValue::S(s)) if s == expected);
        if !is(MATERIAL_TYPE, MATERIAL_TYPE_VERSION) {
            return Err(self.bad_row(
                material_name,
                version,
                "has an unsupported material type (t)",
            ));
        }
        if !is(ENCRYPTION_ALGORITHM, AES) || !is(INTEGRITY_ALGORITHM, HMAC_SHA256) {
            return Err(self.bad_row(
                material_name,
                version,
                "has unsupported algorithms (encAlg, intAlg)",
            ));
        }
        let (Some(enc), Some(int)) = (enc, int) else {
            return Err(self.bad_row(material_name, version, "lacks its keys (enc, int)"));
        };
        Self::version_provider(material_name, version, &enc, &int)
    }
}

#[async_trait::async_trait]
impl ProviderStore for MetaStore {
    /// The newest version whose row verifies. Rows that do not (planted or altered) are
    /// skipped and counted in [`MetaStore::rejected_rows`]; if none of the 16 newest rows
    /// verifies, an [`Error::Provider`] that names the meta table.
    async fn max_version(&self, material_name: &str) -> Result<Option<u64>> {
        let output = self
            .client
            .query()
            .table_name(&self.table_name)
            .key_condition_expression("#n = :n")
            .expression_attribute_names("#n", NAME)
            .expression_attribute_values(":n", AttributeValue::S(material_name.to_owned()))
            .scan_index_forward(false)
            .limit(NEWEST_ROWS_CHECKED)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    &AwsRequest::DynamoDb { operation: "Query", table: &self.table_name },
                    &e,
                )
            })?;
        let rows = output.items.unwrap_or_default();
        let checked = rows.len();
        for row in rows {
            // The version is read from the row, and trusted once the row verifies (its
            // signature covers N and V).
            let version = match row.get(VERSION) {
                Some(AttributeValue::N(v)) => v.parse::<u64>().ok(),
                _ => None,
            };
            let Some(version) = version else {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            if self.is_verified(material_name, version) {
                return Ok(Some(version));
            }
            if self.verified_provider(material_name, version, row).await?.is_some() {
                return Ok(Some(version));
            }
        }
        if checked == 0 {
            return Ok(None);
        }
        Err(Error::provider(
            format_args!(
                "meta table `{}`: none of the {checked} newest rows of material \
                 `{material_name}` verifies; they were planted or altered by someone who can \
                 write the table, or written with another provider than this store's",
                self.table_name
            ),
            None,
        ))
    }

    async fn provider(
        &self,
        material_name: &str,
        version: u64,
    ) -> Result<Option<Arc<dyn CryptographicMaterialsProvider>>> {
        self.load(material_name, version).await
    }

    async fn get_or_create_provider(
        &self,
        material_name: &str,
        version: u64,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        let enc = Zeroizing::new(rng::array::<32>()?);
        let int = Zeroizing::new(rng::array::<32>()?);
        let mut row = Self::key(material_name, version);
        row.insert(MATERIAL_TYPE.to_owned(), AttributeValue::S(MATERIAL_TYPE_VERSION.to_owned()));
        row.insert(ENCRYPTION_ALGORITHM.to_owned(), AttributeValue::S(AES.to_owned()));
        row.insert(ENCRYPTION_KEY.to_owned(), AttributeValue::B(Blob::new(enc.to_vec())));
        row.insert(INTEGRITY_ALGORITHM.to_owned(), AttributeValue::S(HMAC_SHA256.to_owned()));
        row.insert(INTEGRITY_KEY.to_owned(), AttributeValue::B(Blob::new(int.to_vec())));
        let stored = self.encryptor.encrypt_item(&self.schema, row).await?;
        let created = self
            .client
            .put_item()
            .table_name(&self.table_name)
            .set_item(Some(stored))
            .condition_expression("attribute_not_exists(#n) AND attribute_not_exists(#v)")
            .expression_attribute_names("#n", NAME)
            .expression_attribute_names("#v", VERSION)
            .send()
            .await;
        match created {
            Ok(_) => {
                self.remember_verified(material_name, version);
                Self::version_provider(material_name, version, enc.as_ref(), int.as_ref())
            }
            // Another writer created this version first: use theirs.
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(aws_sdk_dynamodb::operation::put_item::PutItemError::is_conditional_check_failed_exception) =>
            {
                self.load(material_name, version).await?.ok_or_else(|| {
                    Error::provider(
                        format_args!(
                            "meta table `{}`: version {material_name}#{version} exists but \
                             could not be read back; check read access to the table",
                            self.table_name
                        ),
                        None,
                    )
                })
            }
            Err(error) => Err(Error::aws(&AwsRequest::DynamoDb { operation: "PutItem", table: &self.table_name }, &error)),
        }
    }
}
