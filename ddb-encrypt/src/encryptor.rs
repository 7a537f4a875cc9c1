//! The item encryptor: encrypts and signs items, verifies and decrypts them, in either format.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hex_literal::hex;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::action::AttributeAction;
use crate::attribute::{self, NumberForm};
use crate::crypto::aead::{self, ItemCipher};
use crate::crypto::{DataKey, StringToSign, cbc, rng};
use crate::error::{Error, Result};
use crate::item::{DESCRIPTION_ATTRIBUTE, MAX_NAME_LEN, SIGNATURE_ATTRIBUTE, is_reserved_name};
use crate::material_description::{MaterialDescription, keys, sym_mode};
use crate::provider::{
    CryptographicMaterialsProvider, DecryptionKey, EncryptionContext, EncryptionMaterials,
};
use crate::schema::TableSchema;

/// A DynamoDB item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// `H("PLAINTEXT")`: the action label of SIGN_ONLY attributes in the string to sign.
const SIGN_ONLY_LABEL_HASH: [u8; 32] =
    hex!("cb40e7dadc86161b9798de48512f332d21c141fcc1e28a086fde4a3375aab1b5");
/// `H("ENCRYPTED")`: the action label of ENCRYPT_AND_SIGN attributes.
const ENCRYPTED_LABEL_HASH: [u8; 32] =
    hex!("394115ac4eb09aa49429348816b2038127b0f9e3a520372ae100ca19fb08fd50");
/// `H(utf8("*amzn-ddb-map-desc*"))`, for the GCM format's signed description.
const DESCRIPTION_NAME_HASH: [u8; 32] =
    hex!("7cec71ca9802e81b274fce66adf0e4eb4afc36146e9dc75279032dc7d4660528");

const GCM_FORMAT_VERSION: &str = "1";
const WRAP_ALGORITHMS: [&str; 3] = ["AESWrap", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", "kms"];

/// The format new items are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// AES-256-GCM under a per-item key, attribute names bound as associated data, and a signed
    /// material description (`gcm-format.md`). The default; only this crate reads it.
    #[default]
    Gcm,
    /// The DynamoDB Encryption Client's format (AES-CBC, unsigned material description), for
    /// tables shared with the Python or Java client.
    Legacy,
}

/// Encrypts and signs items, and verifies and decrypts them, with one materials provider.
///
/// Cheap to clone and meant to be shared: it holds the provider in an `Arc`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use std::collections::HashMap;
/// use ddb_encrypt::provider::{DataKey, SigningKey, StaticMaterialsProvider};
/// use ddb_encrypt::{AttributeValue, ItemEncryptor, TableSchema};
///
/// let provider = StaticMaterialsProvider::new(
///     DataKey::from_bytes(&[7; 32])?,
///     SigningKey::hmac_sha256(&[9; 32])?,
/// );
/// let encryptor = ItemEncryptor::new(provider);
/// let schema = TableSchema::builder("Users").partition_key("id").build()?;
///
/// let item = HashMap::from([
///     ("id".to_owned(), AttributeValue::S("u-1".into())),
///     ("email".to_owned(), AttributeValue::S("a@example.com".into())),
/// ]);
/// let stored = encryptor.encrypt_item(&schema, item.clone()).await?;
/// assert_eq!(stored["id"], item["id"]); // keys stay readable
/// assert!(stored["email"].is_b()); // everything else is ciphertext
/// assert_eq!(encryptor.decrypt_item(&schema, stored).await?, item);
/// # Ok::<(), ddb_encrypt::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct ItemEncryptor {
    provider: Arc<dyn CryptographicMaterialsProvider>,
    write_format: Format,
    accept_legacy: bool,
}

impl fmt::Debug for ItemEncryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemEncryptor")
            .field("provider", &self.provider)
            .field("write_format", &self.write_format)
            .field("accept_legacy", &self.accept_legacy)
            .finish()
    }
}

impl ItemEncryptor {
    /// An encryptor that writes the GCM format and reads both formats.
    pub fn new(provider: impl CryptographicMaterialsProvider + 'static) -> Self {
        Self::from_arc(Arc::new(provider))
    }

    /// Like [`ItemEncryptor::new`], for a provider that is already shared.
    pub fn from_arc(provider: Arc<dyn CryptographicMaterialsProvider>) -> Self {
        Self { provider, write_format: Format::Gcm, accept_legacy: true }
    }

    /// Chooses the format of new items ([`Format::Gcm`] by default).
    #[must_use]
    pub fn with_write_format(mut self, format: Format) -> Self {
        self.write_format = format;
        self
    }

    /// Whether legacy-format items are read (`true` by default). Refuse them once a table has
    /// been migrated to the GCM format, so that nobody can plant legacy items in it.
    #[must_use]
    pub fn accept_legacy(mut self, accept: bool) -> Self {
        self.accept_legacy = accept;
        self
    }

    /// The format new items are written in.
    pub fn write_format(&self) -> Format {
        self.write_format
    }

    /// The materials provider.
    pub fn provider(&self) -> &Arc<dyn CryptographicMaterialsProvider> {
        &self.provider
    }

    /// Encrypts and signs `item` for the table described by `schema`.
    ///
    /// ENCRYPT_AND_SIGN attributes are replaced by binary ciphertext, the signature and the
    /// material description are added. If every action is DO_NOTHING, the item is returned
    /// untouched.
    ///
    /// # Errors
    ///
    /// * [`Error::ReservedAttribute`] if the item uses a name reserved for the envelope;
    /// * [`Error::InvalidItem`] if a value cannot be encrypted or signed (an invalid number,
    ///   `AttributeValue::Unknown`, ...);
    /// * [`Error::Config`] if the provider's materials do not fit the format or the actions;
    /// * whatever the provider returns.
    ///
    /// # Security
    ///
    /// Attribute names, SIGN_ONLY and DO_NOTHING values and the lengths of encrypted values are
    /// stored in the clear.
    pub async fn encrypt_item(&self, schema: &TableSchema, mut item: Item) -> Result<Item> {
        if schema.all_do_nothing() {
            return Ok(item);
        }
        let encrypted = check_plaintext(schema, &item)?;
        let gcm = self.write_format == Format::Gcm;
        if gcm && schema.gcm_info().is_none() {
            return Err(no_table_name());
        }
        let materials = {
            let empty = MaterialDescription::new();
            self.provider.encryption_materials(&context(schema, &item, &empty)).await?
        };
        if encrypted > 0 && materials.encryption_key.is_none() {
            return Err(Error::config(
                "the provider gave no encryption key, but the attribute actions encrypt attributes",
            ));
        }
        let (cipher, description) = if gcm {
            gcm_writer(schema, &materials, encrypted)?
        } else {
            legacy_writer(&materials, encrypted)?
        };
        let mut string_to_sign = materials.signing_key.start();
        let mut entries = sorted(&mut item);
        add_signed_attributes(
            schema,
            &mut entries,
            gcm.then_some(description.as_slice()),
            &mut string_to_sign,
            |index, name, value| {
                let mut plaintext = Zeroizing::new(Vec::with_capacity(64));
                attribute::serialize(value, NumberForm::Exact, &mut plaintext)
                    .map_err(|e| Error::invalid_item(name, e.reason()))?;
                *value = AttributeValue::B(Blob::new(cipher.encrypt(index, name, &plaintext)?));
                Ok(())
            },
            Error::invalid_item,
        )?;
        drop(entries);
        let signature = materials.signing_key.sign(string_to_sign)?;
        item.insert(SIGNATURE_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(signature)));
        item.insert(DESCRIPTION_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(description)));
        Ok(item)
    }

    /// Verifies and decrypts `item`, as read from the table described by `schema`.
    ///
    /// The format is read from the item. The signature is checked over every signed attribute
    /// before anything is decrypted (or, with the Wrapped provider, unwrapped).
    ///
    /// # Errors
    ///
    /// * [`Error::Integrity`] if the item was altered, is corrupt, or was written with other
    ///   keys, another table name or other attribute actions. Deliberately opaque.
    /// * [`Error::LegacyFormatRefused`] for a legacy item when legacy items are refused.
    /// * [`Error::Config`] if the provider's materials do not fit the item's format.
    /// * whatever the provider returns.
    pub async fn decrypt_item(&self, schema: &TableSchema, mut item: Item) -> Result<Item> {
        if schema.all_do_nothing() {
            return Ok(item);
        }
        let envelope = Envelope::open(&mut item)?;
        if envelope.salt.is_none() && !self.accept_legacy {
            return Err(Error::LegacyFormatRefused);
        }
        if envelope.salt.is_some() && schema.gcm_info().is_none() {
            return Err(no_table_name());
        }
        let materials =
            self.provider.decryption_materials(&context(schema, &item, &envelope.md)).await?;

        let mut string_to_sign = materials.verification_key.start();
        let mut entries = sorted(&mut item);
        let mut encrypted = 0;
        add_signed_attributes(
            schema,
            &mut entries,
            envelope.salt.is_some().then_some(envelope.description.as_slice()),
            &mut string_to_sign,
            |_, _, value| {
                encrypted += 1;
                if value.is_b() { Ok(()) } else { Err(Error::Integrity) }
            },
            |_, _| Error::Integrity,
        )?;
        materials.verification_key.verify(string_to_sign, &envelope.signature)?;
        if encrypted == 0 {
            drop(entries);
            return Ok(item);
        }

        // Only now that the signature holds: unwrap the content key and decrypt.
        let cipher = envelope.reader(schema, materials.decryption_key)?;
        for (name, value) in entries {
            if action_of(schema, name).0 != AttributeAction::EncryptAndSign {
                continue;
            }
            let AttributeValue::B(ciphertext) = &*value else {
                return Err(Error::Integrity);
            };
            let plaintext = cipher.decrypt(name, ciphertext.as_ref()).ok_or(Error::Integrity)?;
            *value = attribute::deserialize(&plaintext).map_err(|_| Error::Integrity)?;
        }
        Ok(item)
    }
}

/// Refuses reserved and over-long names; counts the attributes to encrypt.
fn check_plaintext(schema: &TableSchema, item: &Item) -> Result<usize> {
    let mut encrypted = 0;
    for name in item.keys() {
        if is_reserved_name(name) {
            return Err(Error::ReservedAttribute(name.clone()));
        }
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(Error::invalid_item(name, "attribute names must be 1 to 65535 bytes long"));
        }
        if action_of(schema, name).0 == AttributeAction::EncryptAndSign {
            encrypted += 1;
        }
    }
    Ok(encrypted)
}

fn no_table_name() -> Error {
    Error::config("the GCM format binds items to a table name; build the TableSchema with one")
}

/// The description entries and the cipher of a GCM item.
fn gcm_writer(
    schema: &TableSchema,
    materials: &EncryptionMaterials,
    encrypted: usize,
) -> Result<(Cipher, Vec<u8>)> {
    let mut md = materials.material_description.clone();
    check_gcm_wrapping(&md).map_err(|()| {
        Error::config(
            "the provider's material description has only one of amzn-ddb-env-key and \
             amzn-ddb-wrap-alg, or an unknown wrap algorithm",
        )
    })?;
    let content_key = match &materials.encryption_key {
        Some(key) => Some(key.as_aes256().ok_or_else(|| wrong_key_length(key))?),
        None => None,
    };
    // One request for all of the item's randomness: the salt, then a nonce per attribute.
    let mut randomness = vec![0; aead::SALT_LEN + aead::NONCE_LEN * encrypted];
    rng::fill(&mut randomness)?;
    let nonces = randomness.split_off(aead::SALT_LEN);
    let salt: [u8; aead::SALT_LEN] = randomness.try_into().map_err(|_| Error::Random)?;
    md.insert(keys::SYM_MODE, sym_mode::GCM);
    md.insert(keys::SIGNING_ALG, materials.signing_key.algorithm());
    md.insert(keys::ITEM_SALT, BASE64.encode(salt));
    md.insert(keys::FORMAT, GCM_FORMAT_VERSION);
    let info = schema.gcm_info().unwrap_or_default();
    let cipher = content_key.map(|key| Box::new(ItemCipher::new(key, &salt, info)));
    Ok((Cipher::Gcm { cipher, nonces }, encode(&md)?))
}

/// The description entries and the cipher of a legacy item.
fn legacy_writer(materials: &EncryptionMaterials, encrypted: usize) -> Result<(Cipher, Vec<u8>)> {
    let mut md = materials.material_description.clone();
    if materials.encryption_key.is_some() {
        md.insert(keys::SYM_MODE, sym_mode::CBC);
    }
    md.insert(keys::SIGNING_ALG, materials.signing_key.algorithm());
    let mut ivs = vec![0; cbc::IV_LEN * encrypted];
    rng::fill(&mut ivs)?;
    Ok((Cipher::Cbc { key: materials.encryption_key.clone(), ivs }, encode(&md)?))
}

fn encode(md: &MaterialDescription) -> Result<Vec<u8>> {
    md.to_bytes().map_err(|_| Error::config("material description longer than 4 GiB"))
}

fn wrong_key_length(key: &DataKey) -> Error {
    Error::config(format_args!(
        "the GCM format needs a 256-bit content key; the provider gave a {}-bit key",
        key.len() * 8
    ))
}

/// The item's attributes sorted by name (code-point order), values mutable in place.
fn sorted(item: &mut Item) -> Vec<(&String, &mut AttributeValue)> {
    let mut entries: Vec<_> = item.iter_mut().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    entries
}

/// Feeds the string to sign (legacy-format.md 4.1, gcm-format.md 4) of the sorted `entries`
/// into `sts`. `encrypt` is called on each ENCRYPT_AND_SIGN value first, with its index among
/// them, and must leave a `B` value. With `description`, the GCM format's signed description
/// takes its sorted place.
fn add_signed_attributes(
    schema: &TableSchema,
    entries: &mut [(&String, &mut AttributeValue)],
    description: Option<&[u8]>,
    sts: &mut StringToSign,
    mut encrypt: impl FnMut(usize, &str, &mut AttributeValue) -> Result<()>,
    invalid: impl Fn(&str, &'static str) -> Error,
) -> Result<()> {
    let form = if description.is_some() { NumberForm::Exact } else { NumberForm::Python };
    sts.update(schema.table_hash());
    let mut description = description;
    let mut scratch = Vec::with_capacity(64);
    let mut index = 0;
    for (name, value) in entries.iter_mut() {
        if let Some(bytes) = description.filter(|_| name.as_str() > DESCRIPTION_ATTRIBUTE) {
            add_attribute(sts, &DESCRIPTION_NAME_HASH, &SIGN_ONLY_LABEL_HASH, &binary_hash(bytes));
            description = None;
        }
        let (action, name_hash) = action_of(schema, name);
        match action {
            AttributeAction::SignOnly => {
                scratch.clear();
                attribute::serialize(value, form, &mut scratch)
                    .map_err(|e| invalid(name, e.reason()))?;
                add_attribute(
                    sts,
                    &name_hash,
                    &SIGN_ONLY_LABEL_HASH,
                    &Sha256::digest(&scratch).into(),
                );
            }
            AttributeAction::EncryptAndSign => {
                encrypt(index, name, value)?;
                index += 1;
                let AttributeValue::B(ciphertext) = &**value else {
                    return Err(invalid(name, "encrypted value is not binary"));
                };
                add_attribute(
                    sts,
                    &name_hash,
                    &ENCRYPTED_LABEL_HASH,
                    &binary_hash(ciphertext.as_ref()),
                );
            }
            _ => {}
        }
    }
    if let Some(bytes) = description {
        add_attribute(sts, &DESCRIPTION_NAME_HASH, &SIGN_ONLY_LABEL_HASH, &binary_hash(bytes));
    }
    Ok(())
}

/// The envelope attributes of a stored item, parsed and checked.
struct Envelope {
    signature: Vec<u8>,
    /// The description bytes as stored (empty if absent: legacy only).
    description: Vec<u8>,
    md: MaterialDescription,
    /// The item salt: `Some` for GCM items.
    salt: Option<[u8; aead::SALT_LEN]>,
}

impl Envelope {
    /// Removes the signature and description attributes from `item` and parses them.
    fn open(item: &mut Item) -> Result<Self> {
        let Some(AttributeValue::B(signature)) = item.remove(SIGNATURE_ATTRIBUTE) else {
            return Err(Error::Integrity);
        };
        let description = match item.remove(DESCRIPTION_ATTRIBUTE) {
            None => None,
            Some(AttributeValue::B(bytes)) => Some(bytes.into_inner()),
            Some(_) => return Err(Error::Integrity),
        };
        let (md, repeated) = match &description {
            Some(bytes) => MaterialDescription::from_bytes(bytes).map_err(|_| Error::Integrity)?,
            None => (MaterialDescription::new(), false),
        };
        let salt = match md.get(keys::SYM_MODE) {
            Some(sym_mode::GCM) => {
                if repeated
                    || md.get(keys::FORMAT) != Some(GCM_FORMAT_VERSION)
                    || check_gcm_wrapping(&md).is_err()
                {
                    return Err(Error::Integrity);
                }
                Some(decode_salt(md.get(keys::ITEM_SALT)).ok_or(Error::Integrity)?)
            }
            // A legacy item never carries this crate's entries: with them, the mode was altered.
            Some(sym_mode::CBC) | None
                if md.get(keys::FORMAT).is_none() && md.get(keys::ITEM_SALT).is_none() =>
            {
                None
            }
            Some(_) | None => return Err(Error::Integrity),
        };
        Ok(Self {
            signature: signature.into_inner(),
            description: description.unwrap_or_default(),
            md,
            salt,
        })
    }

    /// The cipher that decrypts the item's attributes, unwrapping the content key if needed.
    fn reader(&self, schema: &TableSchema, key: Option<DecryptionKey>) -> Result<Cipher> {
        let (key, unwrapped) = match key {
            Some(DecryptionKey::Ready(key)) => (key, false),
            Some(DecryptionKey::Deferred(unwrap)) => (unwrap().ok_or(Error::Integrity)?, true),
            None => {
                return Err(Error::config(
                    "the provider gave no decryption key, but the item has encrypted attributes",
                ));
            }
        };
        let Some(salt) = &self.salt else {
            return Ok(Cipher::Cbc { key: Some(key), ivs: Vec::new() });
        };
        let content_key = match key.as_aes256() {
            Some(k) => k,
            // A wrapped key of another length can only come from an altered item.
            None if unwrapped => return Err(Error::Integrity),
            None => return Err(wrong_key_length(&key)),
        };
        let info = schema.gcm_info().unwrap_or_default();
        Ok(Cipher::Gcm {
            cipher: Some(Box::new(ItemCipher::new(content_key, salt, info))),
            nonces: Vec::new(),
        })
    }
}

fn context<'a>(
    schema: &'a TableSchema,
    item: &'a Item,
    md: &'a MaterialDescription,
) -> EncryptionContext<'a> {
    EncryptionContext {
        table_name: schema.table_name(),
        partition_key_name: schema.partition_key(),
        sort_key_name: schema.sort_key(),
        item,
        material_description: md,
    }
}

/// The action of `name` and the hash of the name (precomputed for configured names).
fn action_of(schema: &TableSchema, name: &str) -> (AttributeAction, [u8; 32]) {
    if let Some(known) = schema.known(name) {
        return (known.action, known.name_hash);
    }
    let action = schema.default_action();
    let hash =
        if action == AttributeAction::DoNothing { [0; 32] } else { Sha256::digest(name).into() };
    (action, hash)
}

fn add_attribute(
    sts: &mut StringToSign,
    name_hash: &[u8; 32],
    label_hash: &[u8; 32],
    value_hash: &[u8; 32],
) {
    sts.update(name_hash);
    sts.update(label_hash);
    sts.update(value_hash);
}

/// `H(serialize({"B": bytes}))`, without copying the bytes.
fn binary_hash(bytes: &[u8]) -> [u8; 32] {
    // A value longer than 4 GiB cannot be stored, let alone read; hash a header that no real
    // value has, so that the signature simply fails.
    let header = attribute::binary_header(bytes.len()).unwrap_or([0xff; 6]);
    Sha256::new().chain_update(header).chain_update(bytes).finalize().into()
}

/// A GCM item carries both `env-key` and `wrap-alg` or neither, and only known wrap algorithms.
fn check_gcm_wrapping(md: &MaterialDescription) -> Result<(), ()> {
    match (md.get(keys::ENV_KEY), md.get(keys::WRAP_ALG)) {
        (None, None) => Ok(()),
        (Some(_), Some(alg)) if WRAP_ALGORITHMS.contains(&alg) => Ok(()),
        _ => Err(()),
    }
}

/// The item salt: canonical, padded standard base64 of exactly 32 bytes.
fn decode_salt(text: Option<&str>) -> Option<[u8; aead::SALT_LEN]> {
    let bytes = BASE64.decode(text?).ok()?;
    let salt: [u8; aead::SALT_LEN] = bytes.try_into().ok()?;
    // Reject non-canonical encodings, so that the signed description has one spelling.
    (BASE64.encode(salt) == text?).then_some(salt)
}

enum Cipher {
    Gcm { cipher: Option<Box<ItemCipher>>, nonces: Vec<u8> },
    Cbc { key: Option<DataKey>, ivs: Vec<u8> },
}

impl Cipher {
    /// Encrypts the `index`-th encrypted attribute with its share of the item's randomness.
    fn encrypt(&self, index: usize, name: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let missing = || Error::config("no content key for an ENCRYPT_AND_SIGN attribute");
        match self {
            Self::Gcm { cipher, nonces } => {
                let nonce = nonces
                    .get(index * aead::NONCE_LEN..(index + 1) * aead::NONCE_LEN)
                    .and_then(|n| n.try_into().ok())
                    .ok_or(Error::Random)?;
                Ok(cipher.as_ref().ok_or_else(missing)?.encrypt(nonce, name, plaintext))
            }
            Self::Cbc { key, ivs } => {
                let iv = ivs
                    .get(index * cbc::IV_LEN..(index + 1) * cbc::IV_LEN)
                    .and_then(|n| n.try_into().ok())
                    .ok_or(Error::Random)?;
                Ok(cbc::encrypt(key.as_ref().ok_or_else(missing)?, iv, plaintext))
            }
        }
    }

    fn decrypt(&self, name: &str, stored: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Self::Gcm { cipher, .. } => cipher.as_ref()?.decrypt(name, stored),
            Self::Cbc { key, .. } => cbc::decrypt(key.as_ref()?, stored),
        }
    }
}

#[cfg(test)]
mod tests;
