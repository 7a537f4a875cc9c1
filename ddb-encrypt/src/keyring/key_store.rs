//! The branch key store of the official SDKs: branch keys kept in a DynamoDB table, each row's
//! key material encrypted under one KMS key with an encryption context made of the row itself
//! (`docs/dbesdk-format.md`, section 6.5).

use std::collections::HashMap;
use std::fmt;
use std::time::SystemTime;

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use zeroize::Zeroizing;

use super::hierarchical::{BranchKey, BranchKeyStore, VERSION_LEN, uuid_text};
use crate::beacon::BeaconKey;
use crate::crypto::rng;
use crate::error::{AwsRequest, Error, Result};
use crate::item::{KeySchema, KeyType};
use crate::table::create_table_request;

// The table's attributes and the values of `type`, as the official key store names them.
const BRANCH_KEY_ID: &str = "branch-key-id";
const TYPE: &str = "type";
const VERSION: &str = "version";
const ENC: &str = "enc";
const KMS_ARN: &str = "kms-arn";
const CREATE_TIME: &str = "create-time";
const HIERARCHY_VERSION: &str = "hierarchy-version";
/// The encryption context entry with the logical store name; never stored in the table.
const TABLE_NAME: &str = "tablename";
const ACTIVE: &str = "branch:ACTIVE";
const BEACON: &str = "beacon:ACTIVE";
const VERSION_PREFIX: &str = "branch:version:";
const HIERARCHY_V1: &str = "1";
/// KMS's largest ciphertext blob.
const MAX_ENC_LEN: usize = 6144;
const KEY_LEN: i32 = 32;

/// The KMS encryption context of one row: all its attributes but `enc`, as strings, and the
/// logical store name.
type Context = HashMap<String, String>;

/// A branch key store in a DynamoDB table, compatible with the official SDKs' key store (with
/// a `kmsKeyArn` configuration): each version of a branch key, its active version and its
/// beacon key are rows of the table, their key material encrypted under one KMS key.
///
/// The table is untrusted storage. Every row read is checked (its attributes and their types,
/// the branch key id and type asked for, the KMS key it names) and decrypted by KMS under an
/// encryption context made of all of its attributes and the store's logical name, so a row
/// planted or altered by whoever can write the table fails with [`Error::Integrity`].
///
/// Each read is a DynamoDB read and a KMS call; a hierarchical keyring should read it through
/// a cache.
///
/// ```no_run
/// # async fn demo(dynamodb: aws_sdk_dynamodb::Client, kms: aws_sdk_kms::Client) -> ddb_encrypt::Result<()> {
/// use ddb_encrypt::keyring::{DynamoDbBranchKeyStore, HierarchicalKeyring};
///
/// let key_arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// let store = DynamoDbBranchKeyStore::new(dynamodb, "KeyStore", "KeyStore", kms, key_arn)?;
/// store.create_table().await?; // once
/// let branch_key_id = store.create_key().await?; // one per tenant, say
/// let keyring = HierarchicalKeyring::new(store, branch_key_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DynamoDbBranchKeyStore {
    dynamodb: aws_sdk_dynamodb::Client,
    kms: aws_sdk_kms::Client,
    table_name: String,
    logical_name: String,
    kms_key_arn: String,
}

impl fmt::Debug for DynamoDbBranchKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamoDbBranchKeyStore")
            .field("table_name", &self.table_name)
            .field("logical_name", &self.logical_name)
            .field("kms_key_arn", &self.kms_key_arn)
            .finish_non_exhaustive()
    }
}

/// How a row may be written.
enum Guard<'a> {
    /// Only where there is none yet.
    New,
    /// Only over the active row read, whose key material is this.
    Replaces(&'a [u8]),
}

impl DynamoDbBranchKeyStore {
    /// The store in the table `table_name`, with the logical name `logical_name` (bound into
    /// every row: the same for every reader and writer of the store, whatever its table is
    /// called), its key material under the KMS key `kms_key_arn`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] unless `kms_key_arn` is the ARN of a KMS key (not an alias) and the
    /// names are not empty.
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        table_name: impl Into<String>,
        logical_name: impl Into<String>,
        kms: aws_sdk_kms::Client,
        kms_key_arn: impl Into<String>,
    ) -> Result<Self> {
        let (table_name, logical_name) = (table_name.into(), logical_name.into());
        let kms_key_arn: String = kms_key_arn.into();
        let resource = kms_key_arn.split(':').nth(5).unwrap_or_default();
        if !kms_key_arn.starts_with("arn:") || !resource.starts_with("key/") {
            return Err(Error::config(format_args!(
                "the branch key store's KMS key is given by its key ARN \
                 (arn:aws:kms:<region>:<account>:key/<id>), not `{kms_key_arn}`"
            )));
        }
        if table_name.is_empty() || logical_name.is_empty() {
            return Err(Error::config("a branch key store needs a table name and a logical name"));
        }
        Ok(Self { dynamodb, kms, table_name, logical_name, kms_key_arn })
    }

    /// Creates the store's table (partition key `branch-key-id`, sort key `type`, both
    /// strings), billed per request.
    ///
    /// # Errors
    ///
    /// [`Error::Service`] if DynamoDB refuses (for example, the table exists).
    pub async fn create_table(&self) -> Result<()> {
        let id = KeySchema { name: BRANCH_KEY_ID, key_type: KeyType::String };
        let kind = KeySchema { name: TYPE, key_type: KeyType::String };
        let request =
            create_table_request(&self.dynamodb, &self.table_name, id, Some(kind), [id, kind])?;
        request.send().await.map_err(|e| self.dynamodb_error("CreateTable", &e))?;
        Ok(())
    }

    /// Creates a branch key with a new random id, and returns the id. Its first version, its
    /// active row and its beacon key are written together, or not at all.
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] if KMS refuses; [`Error::Service`] if DynamoDB does.
    pub async fn create_key(&self) -> Result<String> {
        let branch_key_id = uuid_text(&new_uuid()?);
        let version = self.version_context(&branch_key_id, &uuid_text(&new_uuid()?))?;
        let (active, beacon) = (active_context(&version), beacon_context(&version));
        let version_enc = self.generate(&version).await?;
        let active_enc = self.reencrypt(&version_enc, &version, &active).await?;
        let beacon_enc = self.generate(&beacon).await?;
        self.write(vec![
            self.put(&version, version_enc, &Guard::New)?,
            self.put(&active, active_enc, &Guard::New)?,
            self.put(&beacon, beacon_enc, &Guard::New)?,
        ])
        .await?;
        Ok(branch_key_id)
    }

    /// Makes a new version the active one of `branch_key_id` (a key rotation). The older
    /// versions stay in the store, so the items written under them still read.
    ///
    /// # Errors
    ///
    /// [`Error::Integrity`] if the active row does not verify; [`Error::Provider`] if there is
    /// none or KMS refuses; [`Error::Service`] if DynamoDB does (also when another rotation
    /// of the same key got in first).
    pub async fn version_key(&self, branch_key_id: &str) -> Result<()> {
        let (old, old_enc) =
            self.read(branch_key_id, ACTIVE).await?.ok_or_else(|| self.missing(branch_key_id))?;
        // Proves the active row genuine before a new version is made from it.
        self.reencrypt(&old_enc, &old, &old).await?;
        let mut version = old;
        version.remove(VERSION);
        version.insert(TYPE.to_owned(), format!("{VERSION_PREFIX}{}", uuid_text(&new_uuid()?)));
        version.insert(CREATE_TIME.to_owned(), now()?);
        let active = active_context(&version);
        let version_enc = self.generate(&version).await?;
        let active_enc = self.reencrypt(&version_enc, &version, &active).await?;
        self.write(vec![
            self.put(&version, version_enc, &Guard::New)?,
            self.put(&active, active_enc, &Guard::Replaces(&old_enc))?,
        ])
        .await
    }

    /// The context of a new version's row.
    fn version_context(&self, branch_key_id: &str, version: &str) -> Result<Context> {
        Ok(HashMap::from([
            (BRANCH_KEY_ID.to_owned(), branch_key_id.to_owned()),
            (TYPE.to_owned(), format!("{VERSION_PREFIX}{version}")),
            (CREATE_TIME.to_owned(), now()?),
            (TABLE_NAME.to_owned(), self.logical_name.clone()),
            (KMS_ARN.to_owned(), self.kms_key_arn.clone()),
            (HIERARCHY_VERSION.to_owned(), HIERARCHY_V1.to_owned()),
        ]))
    }

    /// The row of `branch_key_id` of type `kind`, checked: its context and encrypted key.
    /// `None` if there is no such row.
    async fn read(&self, branch_key_id: &str, kind: &str) -> Result<Option<(Context, Vec<u8>)>> {
        let output = self
            .dynamodb
            .get_item()
            .table_name(&self.table_name)
            .key(BRANCH_KEY_ID, AttributeValue::S(branch_key_id.to_owned()))
            .key(TYPE, AttributeValue::S(kind.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.dynamodb_error("GetItem", &e))?;
        let Some(row) = output.item else { return Ok(None) };
        self.check(branch_key_id, kind, row).map(Some)
    }

    /// A row as the official key store writes them, or the integrity error.
    fn check(
        &self,
        branch_key_id: &str,
        kind: &str,
        mut row: HashMap<String, AttributeValue>,
    ) -> Result<(Context, Vec<u8>)> {
        let Some(AttributeValue::B(enc)) = row.remove(ENC) else { return Err(Error::Integrity) };
        let enc = enc.into_inner();
        let mut context = Context::with_capacity(row.len() + 1);
        for (name, value) in row {
            let text = match value {
                AttributeValue::N(n) if name == HIERARCHY_VERSION && n == HIERARCHY_V1 => n,
                AttributeValue::S(s) if name != HIERARCHY_VERSION && name != TABLE_NAME => s,
                _ => return Err(Error::Integrity),
            };
            context.insert(name, text);
        }
        let is =
            |name: &str, expected: &str| context.get(name).map(String::as_str) == Some(expected);
        let version_ok = match context.get(VERSION) {
            Some(version) => kind == ACTIVE && parse_version(version).is_some(),
            None => kind != ACTIVE,
        };
        let valid = (1..=MAX_ENC_LEN).contains(&enc.len())
            && is(BRANCH_KEY_ID, branch_key_id)
            && is(TYPE, kind)
            && is(KMS_ARN, &self.kms_key_arn)
            && is(HIERARCHY_VERSION, HIERARCHY_V1)
            && context.contains_key(CREATE_TIME)
            && version_ok;
        if !valid {
            return Err(Error::Integrity);
        }
        context.insert(TABLE_NAME.to_owned(), self.logical_name.clone());
        Ok((context, enc))
    }

    fn put(&self, context: &Context, enc: Vec<u8>, guard: &Guard<'_>) -> Result<TransactWriteItem> {
        let mut item: HashMap<String, AttributeValue> = context
            .iter()
            .filter(|(name, _)| name.as_str() != TABLE_NAME)
            .map(|(name, value)| {
                let value = if name == HIERARCHY_VERSION {
                    AttributeValue::N(value.clone())
                } else {
                    AttributeValue::S(value.clone())
                };
                (name.clone(), value)
            })
            .collect();
        item.insert(ENC.to_owned(), AttributeValue::B(Blob::new(enc)));
        let put = Put::builder()
            .table_name(&self.table_name)
            .set_item(Some(item))
            .expression_attribute_names("#id", BRANCH_KEY_ID);
        let put = match guard {
            Guard::New => put.condition_expression("attribute_not_exists(#id)"),
            Guard::Replaces(old) => put
                .condition_expression("attribute_exists(#id) AND #enc = :old")
                .expression_attribute_names("#enc", ENC)
                .expression_attribute_values(":old", AttributeValue::B(Blob::new(*old))),
        };
        let put = put.build().map_err(|e| Error::unbuildable("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    async fn write(&self, puts: Vec<TransactWriteItem>) -> Result<()> {
        let request = self.dynamodb.transact_write_items().set_transact_items(Some(puts));
        request.send().await.map_err(|e| self.dynamodb_error("TransactWriteItems", &e))?;
        Ok(())
    }

    /// New key material for a row: `GenerateDataKeyWithoutPlaintext`.
    async fn generate(&self, context: &Context) -> Result<Vec<u8>> {
        let output = self
            .kms
            .generate_data_key_without_plaintext()
            .key_id(&self.kms_key_arn)
            .number_of_bytes(KEY_LEN)
            .set_encryption_context(Some(context.clone()))
            .send()
            .await
            .map_err(|e| self.kms_error("GenerateDataKeyWithoutPlaintext", &e))?;
        output.ciphertext_blob.map(Blob::into_inner).ok_or_else(|| {
            Error::provider("KMS GenerateDataKeyWithoutPlaintext returned no ciphertext", None)
        })
    }

    /// The key material of a row, for another row: `ReEncrypt` from one context to another.
    async fn reencrypt(&self, enc: &[u8], from: &Context, to: &Context) -> Result<Vec<u8>> {
        let output = self
            .kms
            .re_encrypt()
            .ciphertext_blob(Blob::new(enc))
            .source_key_id(&self.kms_key_arn)
            .set_source_encryption_context(Some(from.clone()))
            .destination_key_id(&self.kms_key_arn)
            .set_destination_encryption_context(Some(to.clone()))
            .send()
            .await
            .map_err(|e| self.kms_error("ReEncrypt", &e))?;
        let ours = |key: Option<&str>| key == Some(self.kms_key_arn.as_str());
        if !ours(output.source_key_id()) || !ours(output.key_id()) {
            return Err(Error::provider("KMS ReEncrypt answered for another key", None));
        }
        output
            .ciphertext_blob
            .map(Blob::into_inner)
            .ok_or_else(|| Error::provider("KMS ReEncrypt returned no ciphertext", None))
    }

    /// The 32 key bytes of a checked row.
    async fn decrypt(&self, context: &Context, enc: Vec<u8>) -> Result<Zeroizing<[u8; 32]>> {
        let answer = self
            .kms
            .decrypt()
            .key_id(&self.kms_key_arn)
            .ciphertext_blob(Blob::new(enc))
            .set_encryption_context(Some(context.clone()))
            .send()
            .await;
        let output = match answer {
            Ok(output) => output,
            // The row's key material is not what KMS encrypted under this context.
            Err(error)
                if error.as_service_error().and_then(ProvideErrorMetadata::code).is_some_and(
                    |code| matches!(code, "InvalidCiphertextException" | "IncorrectKeyException"),
                ) =>
            {
                return Err(Error::Integrity);
            }
            Err(error) => return Err(self.kms_error("Decrypt", &error)),
        };
        let plaintext = Zeroizing::new(output.plaintext.map(Blob::into_inner).unwrap_or_default());
        let key: [u8; 32] = plaintext.as_slice().try_into().map_err(|_| Error::Integrity)?;
        Ok(Zeroizing::new(key))
    }

    fn missing(&self, branch_key_id: &str) -> Error {
        Error::provider(
            format_args!(
                "branch key `{branch_key_id}` is not in the key store table `{}`; create it with \
                 create_key",
                self.table_name
            ),
            None,
        )
    }

    fn dynamodb_error<E: ProvideErrorMetadata, R>(
        &self,
        operation: &'static str,
        error: &SdkError<E, R>,
    ) -> Error {
        Error::aws(&AwsRequest::DynamoDb { operation, table: &self.table_name }, error)
    }

    fn kms_error<E: ProvideErrorMetadata, R>(
        &self,
        operation: &'static str,
        error: &SdkError<E, R>,
    ) -> Error {
        Error::aws(&AwsRequest::Kms { operation, key: &self.kms_key_arn }, error)
    }
}

#[async_trait::async_trait]
impl BranchKeyStore for DynamoDbBranchKeyStore {
    async fn active_key(&self, branch_key_id: &str) -> Result<BranchKey> {
        let (context, enc) =
            self.read(branch_key_id, ACTIVE).await?.ok_or_else(|| self.missing(branch_key_id))?;
        let version =
            context.get(VERSION).and_then(|v| parse_version(v)).ok_or(Error::Integrity)?;
        let key = self.decrypt(&context, enc).await?;
        BranchKey::new(version, key.as_slice())
    }

    async fn key_version(
        &self,
        branch_key_id: &str,
        version: &[u8; VERSION_LEN],
    ) -> Result<Option<BranchKey>> {
        let kind = format!("{VERSION_PREFIX}{}", uuid_text(version));
        let Some((context, enc)) = self.read(branch_key_id, &kind).await? else { return Ok(None) };
        let key = self.decrypt(&context, enc).await?;
        BranchKey::new(*version, key.as_slice()).map(Some)
    }

    async fn beacon_key(&self, branch_key_id: &str) -> Result<BeaconKey> {
        let (context, enc) =
            self.read(branch_key_id, BEACON).await?.ok_or_else(|| self.missing(branch_key_id))?;
        BeaconKey::new(self.decrypt(&context, enc).await?.as_slice())
    }
}

/// The active row's context: the version's, naming it.
fn active_context(version: &Context) -> Context {
    let mut active = version.clone();
    let version_type = active.insert(TYPE.to_owned(), ACTIVE.to_owned()).unwrap_or_default();
    active.insert(VERSION.to_owned(), version_type);
    active
}

/// The beacon row's context.
fn beacon_context(version: &Context) -> Context {
    let mut beacon = version.clone();
    beacon.insert(TYPE.to_owned(), BEACON.to_owned());
    beacon
}

/// A random (version 4) UUID.
fn new_uuid() -> Result<[u8; VERSION_LEN]> {
    let mut uuid = rng::array::<VERSION_LEN>()?;
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
    Ok(uuid)
}

/// The UUID of `branch:version:<uuid>`, in the only form the official store writes and looks
/// up: lowercase, hyphenated.
fn parse_version(text: &str) -> Option<[u8; VERSION_LEN]> {
    let uuid = text.strip_prefix(VERSION_PREFIX)?;
    let parsed = parse_uuid(uuid)?;
    (uuid_text(&parsed) == uuid).then_some(parsed)
}

fn parse_uuid(text: &str) -> Option<[u8; VERSION_LEN]> {
    let hex: Vec<u8> = text.bytes().filter(|&b| b != b'-').collect();
    if text.len() != 36 || hex.len() != 32 {
        return None;
    }
    let mut out = [0; VERSION_LEN];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let digits = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(digits, 16).ok()?;
    }
    Some(out)
}

/// The current time as the store's rows record it (an opaque string to readers).
fn now() -> Result<String> {
    DateTime::from(SystemTime::now())
        .fmt(DateTimeFormat::DateTime)
        .map_err(|_| Error::Internal("the current time does not format"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_only_in_the_canonical_form() {
        let uuid = new_uuid().unwrap();
        let text = format!("{VERSION_PREFIX}{}", uuid_text(&uuid));
        assert_eq!(parse_version(&text), Some(uuid));
        assert_eq!(uuid[6] >> 4, 4, "version 4");
        assert_eq!(uuid[8] >> 6, 0b10, "RFC 4122 variant");
        for wrong in [
            text.to_uppercase(),
            text.replace('-', ""),
            format!("{text}0"),
            text.replacen(VERSION_PREFIX, "branch:version", 1),
            format!("{VERSION_PREFIX}+{}", &text[VERSION_PREFIX.len() + 1..]),
        ] {
            assert_eq!(parse_version(&wrong), None, "{wrong}");
        }
    }

    #[test]
    fn the_active_row_names_the_version_it_copies() {
        let version = HashMap::from([(TYPE.to_owned(), format!("{VERSION_PREFIX}v"))]);
        let active = active_context(&version);
        assert_eq!(active[TYPE], ACTIVE);
        assert_eq!(active[VERSION], format!("{VERSION_PREFIX}v"));
        assert_eq!(beacon_context(&version)[TYPE], BEACON);
        assert!(!beacon_context(&version).contains_key(VERSION));
    }
}
