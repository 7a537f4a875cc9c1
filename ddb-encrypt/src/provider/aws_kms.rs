//! The Direct KMS provider (`docs/legacy-format.md` section 6.3): a KMS data key per item, and the
//! encryption and signing keys derived from it with HKDF-SHA256.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_kms::Client;
use aws_sdk_kms::config::Region;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{AwsRequest, Error, Result};
use crate::material_description::{MaterialDescription, keys};
use crate::provider::{
    CryptographicMaterialsProvider, DataKey, DecryptionMaterials, EncryptionContext,
    EncryptionMaterials, SigningKey,
};

const ENV_ALG_CONTEXT: &str = "*amzn-ddb-env-alg*";
const SIG_ALG_CONTEXT: &str = "*amzn-ddb-sig-alg*";
const TABLE_CONTEXT: &str = "*aws-kms-table*";
const SIG_ALG: &str = "amzn-ddb-sig-alg";
const EC_ATTR: &str = "aws-kms-ec-attr";
const DEFAULT_ENV_ALG: &str = "AES/256";
const DEFAULT_SIG_ALG: &str = "HmacSHA256/256";
const DATA_KEY_LEN: i32 = 32;

/// A provider that asks AWS KMS for a data key per item (`GenerateDataKey`), derives the
/// item's encryption and signing keys from it with HKDF-SHA256, and stores the encrypted data
/// key in the item; reads call `Decrypt`.
///
/// Byte-compatible with the Python `AwsKmsCryptographicMaterialsProvider` and the Java
/// `DirectKmsMaterialProvider`: the KMS encryption context holds the algorithms, the table name
/// and the item's key attributes, so a data key only opens for its own item and table.
///
/// ```no_run
/// # fn demo(kms: aws_sdk_kms::Client) {
/// use ddb_encrypt::provider::AwsKmsMaterialsProvider;
///
/// let provider = AwsKmsMaterialsProvider::new(kms, "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
/// # }
/// ```
///
/// # Security
///
/// Reads name the provider's key in every `Decrypt` (KMS's strict mode), so KMS refuses a data
/// key made under any other key, even one that the reader's role may use (another
/// application's key, a key of another account): such an item fails with the integrity error.
/// The wire format is unchanged.
///
/// What remains is trust in IAM: whoever may call `GenerateDataKey` (or `Encrypt`) on the key
/// and write the table can make items that verify. Grant those to writers only, and `Decrypt`
/// to readers. Access to the key is checked by KMS on every item: a reader whose role may not
/// use the key, or whose key does not exist, sees every item fail verification (the item cannot
/// be verified without its data key), while a write reports the cause as
/// [`Error::Provider`](crate::Error::Provider).
///
/// Each item costs one KMS call to write and one to read; consider the Most Recent provider for
/// high request rates.
///
/// The encryption context holds a number key's text as the item has it, as in the Python and
/// Java clients. DynamoDB returns numbers normalized (`42.0` comes back as `42`), so write number
/// keys in that form (integers and keys from the derive always are): an item written with the
/// key `42.0` would not open once read back from the table. The plaintext data key is moved
/// into zeroizing memory as soon as the SDK returns it (copies inside the SDK's HTTP buffers
/// are beyond this crate's reach), and errors keep only KMS's error code and message, never
/// its response.
#[derive(Clone)]
pub struct AwsKmsMaterialsProvider {
    client: Client,
    key_id: String,
    grant_tokens: Vec<String>,
    check_key_id: bool,
}

impl fmt::Debug for AwsKmsMaterialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsKmsMaterialsProvider")
            .field("key_id", &self.key_id)
            .field("grant_tokens", &self.grant_tokens.len())
            .field("check_key_id", &self.check_key_id)
            .finish_non_exhaustive()
    }
}

impl AwsKmsMaterialsProvider {
    /// A provider for the KMS key `key_id` (key id, key ARN, alias name or alias ARN).
    ///
    /// When `key_id` is an ARN in another region than `client`'s, the provider talks to that
    /// region, with `client`'s configuration otherwise.
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        let key_id = key_id.into();
        let client = match region_of(&key_id) {
            Some(region) if client.config().region().is_none_or(|r| r.as_ref() != region) => {
                Client::from_conf(
                    client.config().to_builder().region(Region::new(region.to_owned())).build(),
                )
            }
            _ => client,
        };
        Self { client, key_id, grant_tokens: Vec::new(), check_key_id: false }
    }

    /// Sends these grant tokens with every KMS request.
    #[must_use]
    pub fn with_grant_tokens(
        mut self,
        tokens: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.grant_tokens = tokens.into_iter().map(Into::into).collect();
        self
    }

    /// Whether reads also compare the key id in KMS's answer with this provider's key (`false`
    /// by default; the Java client's `validateEncryptionKeyId`). Every `Decrypt` already names
    /// the key, so KMS refuses data keys of other keys whatever this says; the check adds a
    /// second look at the answer. Give the key as a key ARN for it to compare like with like.
    #[must_use]
    pub fn with_key_id_check(mut self, check: bool) -> Self {
        self.check_key_id = check;
        self
    }

    /// The KMS client, for the region of the key.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn grant_tokens(&self) -> Option<Vec<String>> {
        Some(self.grant_tokens.clone()).filter(|t| !t.is_empty())
    }

    fn kms_error<E>(
        &self,
        operation: &'static str,
        error: &SdkError<E, aws_sdk_kms::config::http::HttpResponse>,
    ) -> Error
    where
        E: ProvideErrorMetadata,
    {
        Error::aws(&AwsRequest::Kms { operation, key: &self.key_id }, error)
    }
}

/// Whether a Decrypt error code says that the item's data key does not open under this
/// provider's key and the item's context. The signing key comes from that data key, so the
/// item cannot be verified otherwise: it was altered, or made for another item, table or key.
///
/// `AccessDeniedException` and `NotFoundException` are among them: KMS answers a ciphertext of a
/// key that the caller may not use, or that does not exist, with them (and the local test server
/// answers a ciphertext of another key than `KeyId` with `AccessDeniedException`). A reader
/// whose own key is missing or denied therefore sees every item fail verification; its writes
/// (`GenerateDataKey`) report such a key as a provider error.
pub(crate) fn refuses_item(code: &str) -> bool {
    matches!(
        code,
        "InvalidCiphertextException"
            | "IncorrectKeyException"
            | "AccessDeniedException"
            | "NotFoundException"
    )
}

/// The region of a KMS ARN: its fourth `:`-separated field.
fn region_of(key_id: &str) -> Option<&str> {
    key_id.strip_prefix("arn:")?.split(':').nth(2).filter(|r| !r.is_empty())
}

/// The KMS encryption context of `docs/legacy-format.md` 6.3: algorithms, key attributes as stored
/// (S and N text as written, B as base64), and the table name.
fn kms_context(
    context: &EncryptionContext<'_>,
    env_alg: &str,
    sig_alg: &str,
) -> Result<HashMap<String, String>> {
    let mut ec = HashMap::from([
        (ENV_ALG_CONTEXT.to_owned(), env_alg.to_owned()),
        (SIG_ALG_CONTEXT.to_owned(), sig_alg.to_owned()),
    ]);
    for name in [context.partition_key_name(), context.sort_key_name()].into_iter().flatten() {
        let value = match context.item().get(name) {
            None => continue, // as the Python client: a missing key attribute is left out
            Some(AttributeValue::S(s) | AttributeValue::N(s)) => s.clone(),
            Some(AttributeValue::B(b)) => BASE64.encode(b.as_ref()),
            Some(_) => {
                return Err(Error::config(format_args!(
                    "key attribute `{name}` must be S, N or B for the Direct KMS provider"
                )));
            }
        };
        ec.insert(name.to_owned(), value);
    }
    if let Some(table) = context.table_name() {
        ec.insert(TABLE_CONTEXT.to_owned(), table.to_owned());
    }
    Ok(ec)
}

/// Bytes of the key a description like `AES/256` or `HmacSHA256/256` asks for, with its
/// algorithm; `None` for anything else.
fn key_spec<'a>(description: &'a str, algorithm: &str) -> Option<usize> {
    let (name, bits): (&'a str, Option<&'a str>) = match description.split_once('/') {
        Some((name, bits)) => (name, Some(bits)),
        None => (description, None),
    };
    let bits: usize = bits.map_or(Some(256), |b| b.parse().ok())?;
    let valid = match algorithm {
        // The AES key sizes there are: any other is an altered description.
        "AES" => matches!(bits, 128 | 192 | 256),
        _ => bits.is_multiple_of(8) && (128..=512).contains(&bits),
    };
    (name == algorithm && valid).then_some(bits / 8)
}

/// `enc_key = HKDF-Expand(PRK, "Encryption")`, `mac_key = HKDF-Expand(PRK, "Signing")`, with
/// the KMS plaintext as input keying material and no salt (32 zero bytes).
fn derive_keys(data_key: &[u8], enc_len: usize, mac_len: usize) -> Result<(DataKey, SigningKey)> {
    let hkdf = Hkdf::<Sha256>::new(None, data_key);
    let mut enc = Zeroizing::new(vec![0; enc_len]);
    let mut mac = Zeroizing::new(vec![0; mac_len]);
    hkdf.expand(b"Encryption", &mut enc).map_err(|_| Error::Integrity)?;
    hkdf.expand(b"Signing", &mut mac).map_err(|_| Error::Integrity)?;
    Ok((DataKey::from_bytes(&enc)?, SigningKey::hmac_sha256(&mac)?))
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for AwsKmsMaterialsProvider {
    async fn encryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<EncryptionMaterials> {
        let ec = kms_context(context, DEFAULT_ENV_ALG, DEFAULT_SIG_ALG)?;
        let output = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .number_of_bytes(DATA_KEY_LEN)
            .set_encryption_context(Some(ec))
            .set_grant_tokens(self.grant_tokens())
            .send()
            .await
            .map_err(|e| self.kms_error("GenerateDataKey", &e))?;
        let plaintext = Zeroizing::new(output.plaintext.map(Blob::into_inner).unwrap_or_default());
        let blob = output.ciphertext_blob.map(Blob::into_inner).unwrap_or_default();
        if plaintext.len() != 32 || blob.is_empty() {
            return Err(Error::provider(
                "AWS KMS GenerateDataKey returned no 32-byte data key",
                None,
            ));
        }
        encryption_materials(&plaintext, &blob)
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        let wrapped = WrappedDataKey::from_description(context.material_description())?;
        let ec = kms_context(context, wrapped.env_alg, wrapped.sig_alg)?;
        // The key is named on every Decrypt (strict mode): KMS refuses a data key made under
        // any other key, even one this reader may use.
        let output = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(wrapped.blob.clone()))
            .set_encryption_context(Some(ec))
            .set_grant_tokens(self.grant_tokens())
            .send()
            .await
            .map_err(|error| {
                if error
                    .as_service_error()
                    .and_then(ProvideErrorMetadata::code)
                    .is_some_and(refuses_item)
                {
                    Error::Integrity
                } else {
                    self.kms_error("Decrypt", &error)
                }
            })?;
        if self.check_key_id && output.key_id.as_deref() != Some(self.key_id.as_str()) {
            return Err(Error::Integrity);
        }
        let plaintext = Zeroizing::new(output.plaintext.map(Blob::into_inner).unwrap_or_default());
        wrapped.decryption_materials(&plaintext)
    }
}

/// The materials of a new item from a KMS data key and its encrypted copy.
fn encryption_materials(plaintext: &[u8], blob: &[u8]) -> Result<EncryptionMaterials> {
    let (encryption_key, signing_key) = derive_keys(plaintext, 32, 32)?;
    let mut md = MaterialDescription::new();
    md.insert(EC_ATTR, "*keys*");
    md.insert(keys::WRAP_ALG, "kms");
    md.insert(keys::ENV_ALG, DEFAULT_ENV_ALG);
    md.insert(SIG_ALG, DEFAULT_SIG_ALG);
    md.insert(keys::ENV_KEY, BASE64.encode(blob));
    Ok(EncryptionMaterials::new(encryption_key, signing_key).with_material_description(md))
}

/// What an item's description says about its KMS data key.
struct WrappedDataKey<'a> {
    env_alg: &'a str,
    sig_alg: &'a str,
    enc_len: usize,
    mac_len: usize,
    blob: Vec<u8>,
}

impl<'a> WrappedDataKey<'a> {
    fn from_description(md: &'a MaterialDescription) -> Result<Self> {
        let env_alg = md.get(keys::ENV_ALG).unwrap_or(DEFAULT_ENV_ALG);
        let sig_alg = md.get(SIG_ALG).unwrap_or(DEFAULT_SIG_ALG);
        let (Some(enc_len), Some(mac_len)) =
            (key_spec(env_alg, "AES"), key_spec(sig_alg, "HmacSHA256"))
        else {
            return Err(Error::Integrity);
        };
        let blob = md.wrapped_key().and_then(Result::ok).ok_or(Error::Integrity)?;
        Ok(Self { env_alg, sig_alg, enc_len, mac_len, blob })
    }

    fn decryption_materials(&self, plaintext: &[u8]) -> Result<DecryptionMaterials> {
        let (decryption_key, signing_key) = derive_keys(plaintext, self.enc_len, self.mac_len)?;
        Ok(DecryptionMaterials::new(decryption_key, signing_key.verification_key()))
    }
}

/// Replays one recorded KMS data key instead of calling KMS: for checking vector files
/// offline, in the fuzz targets. Items it decrypts must carry exactly the recorded encrypted
/// key.
pub(crate) struct RecordedDataKey {
    plaintext: Zeroizing<Vec<u8>>,
    blob: Vec<u8>,
}

impl fmt::Debug for RecordedDataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedDataKey").finish_non_exhaustive()
    }
}

impl RecordedDataKey {
    /// A recorded data key: its plaintext and the KMS ciphertext blob.
    pub(crate) fn new(plaintext: &[u8], ciphertext_blob: &[u8]) -> Self {
        Self { plaintext: Zeroizing::new(plaintext.to_vec()), blob: ciphertext_blob.to_vec() }
    }
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for RecordedDataKey {
    async fn encryption_materials(&self, _: &EncryptionContext<'_>) -> Result<EncryptionMaterials> {
        encryption_materials(&self.plaintext, &self.blob)
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        let wrapped = WrappedDataKey::from_description(context.material_description())?;
        if wrapped.blob != self.blob {
            return Err(Error::provider("the item's KMS data key is not the recorded one", None));
        }
        wrapped.decryption_materials(&self.plaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_a_key_arn() {
        assert_eq!(region_of("arn:aws:kms:eu-west-1:111122223333:key/abcd"), Some("eu-west-1"));
        assert_eq!(region_of("arn:aws:kms:us-east-2:111122223333:alias/app"), Some("us-east-2"));
        assert_eq!(region_of("1234abcd-12ab-34cd-56ef-1234567890ab"), None);
        assert_eq!(region_of("alias/app"), None);
    }

    #[test]
    fn key_specs() {
        assert_eq!(key_spec("AES/256", "AES"), Some(32));
        assert_eq!(key_spec("AES/128", "AES"), Some(16));
        assert_eq!(key_spec("AES", "AES"), Some(32));
        assert_eq!(key_spec("HmacSHA256/256", "HmacSHA256"), Some(32));
        assert_eq!(key_spec("DESede/168", "AES"), None);
        assert_eq!(key_spec("AES/7", "AES"), None);
        // Found by the kms_description fuzz target: a 512-bit "AES" key was a configuration
        // error instead of the integrity error.
        assert_eq!(key_spec("AES/512", "AES"), None);
        assert_eq!(key_spec("AES/136", "AES"), None);
        assert_eq!(key_spec("AES/192", "AES"), Some(24));
        assert_eq!(key_spec("HmacSHA256/512", "HmacSHA256"), Some(64));
    }
}
