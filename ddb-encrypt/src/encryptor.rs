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
use crate::wipe;

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
    ///
    /// The plaintext of the values it encrypts is wiped, and so is the whole item if encryption
    /// fails.
    pub async fn encrypt_item(&self, schema: &TableSchema, mut item: Item) -> Result<Item> {
        match self.seal(schema, &mut item).await {
            Ok(()) => Ok(item),
            Err(error) => {
                wipe::map_entries(&mut item);
                Err(error)
            }
        }
    }

    /// [`ItemEncryptor::encrypt_item`], in place.
    async fn seal(&self, schema: &TableSchema, item: &mut Item) -> Result<()> {
        if schema.all_do_nothing() {
            return Ok(());
        }
        let gcm = self.write_format == Format::Gcm;
        if gcm && schema.gcm_info().is_none() {
            return Err(no_table_name());
        }
        self.check_writable(schema, item)?;
        let materials = {
            let empty = MaterialDescription::new();
            self.provider.encryption_materials(&context(schema, item, &empty)).await?
        };
        let (mut entries, encrypted) = signed_entries(schema, item);
        if encrypted > 0 && materials.encryption_key.is_none() {
            return Err(Error::config(
                "the provider gave no encryption key, but the attribute actions encrypt attributes",
            ));
        }
        // All of the item's randomness in one request: the GCM salt, then a nonce (or a CBC IV)
        // per encrypted attribute, in signing order.
        let (salt_len, per_attribute) =
            if gcm { (aead::SALT_LEN, aead::NONCE_LEN) } else { (0, cbc::IV_LEN) };
        let mut randomness = Randomness::new(salt_len + per_attribute * encrypted);
        rng::fill(randomness.as_mut())?;
        let (salt, mut fresh) = randomness.as_ref().split_at(salt_len);
        let writer =
            if gcm { gcm_writer(schema, &materials, salt)? } else { legacy_writer(&materials)? };
        let mut string_to_sign = materials.signing_key.start();
        let mut aad = Vec::with_capacity(64);
        sign_entries(
            schema,
            &mut entries,
            gcm.then_some(writer.description.as_slice()),
            NumberForm::PythonExact,
            &mut string_to_sign,
            |entry| {
                let (random, rest) = fresh.split_at(per_attribute.min(fresh.len()));
                fresh = rest;
                // The stored value is built in one buffer of its final size: the nonce or IV,
                // the serialized plaintext, then it is encrypted in place. It never grows, so
                // no copy of the plaintext is left behind in a freed block.
                let name = entry.name;
                let invalid = |e: attribute::SerializeError| Error::invalid_item(name, e.reason());
                let len =
                    attribute::serialized_len(entry.value, NumberForm::Exact).map_err(invalid)?;
                let capacity = random.len() + len + TAIL;
                let mut stored = Zeroizing::new(Vec::with_capacity(capacity));
                stored.extend_from_slice(random);
                attribute::serialize(entry.value, NumberForm::Exact, &mut stored)
                    .map_err(invalid)?;
                let sealed = match (&writer.gcm, writer.cbc_key) {
                    (Some(cipher), _) if random.len() == aead::NONCE_LEN => {
                        aead::attribute_aad_into(name, &mut aad);
                        cipher.encrypt_in_place(&aad, &mut stored)
                    }
                    (None, Some(key)) if random.len() == cbc::IV_LEN => {
                        cbc::encrypt_in_place(key, &mut stored)
                    }
                    (None, None) => {
                        return Err(Error::config(
                            "no content key for an ENCRYPT_AND_SIGN attribute",
                        ));
                    }
                    _ => None,
                };
                sealed.ok_or(Error::Random)?;
                debug_assert!(stored.capacity() == capacity, "the stored value never grows");
                let ciphertext = AttributeValue::B(Blob::new(std::mem::take(&mut *stored)));
                wipe::value(&mut std::mem::replace(entry.value, ciphertext));
                Ok(())
            },
            Error::invalid_item,
        )?;
        drop(entries);
        let signature = materials.signing_key.sign(string_to_sign)?;
        item.insert(SIGNATURE_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(signature)));
        item.insert(
            DESCRIPTION_ATTRIBUTE.to_owned(),
            AttributeValue::B(Blob::new(writer.description)),
        );
        Ok(())
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
        let (mut entries, encrypted) = signed_entries(schema, &mut item);
        sign_entries(
            schema,
            &mut entries,
            envelope.salt.is_some().then_some(envelope.description.as_slice()),
            NumberForm::Python,
            &mut string_to_sign,
            |entry| if entry.value.is_b() { Ok(()) } else { Err(Error::Integrity) },
            |_, _| Error::Integrity,
        )?;
        materials.verification_key.verify(string_to_sign, &envelope.signature)?;
        if encrypted == 0 {
            drop(entries);
            return Ok(item);
        }

        // Only now that the signature holds: unwrap the content key and decrypt, in place.
        let decrypted = envelope
            .reader(schema, materials.decryption_key)
            .and_then(|reader| decrypt_entries(&reader, entries));
        if let Err(error) = decrypted {
            // Attributes decrypted before the failure are wiped, not just dropped.
            wipe::map_entries(&mut item);
            return Err(error);
        }
        Ok(item)
    }
}

impl ItemEncryptor {
    /// Checks what `encrypt_item` can check before asking the provider for keys.
    fn check_writable(&self, schema: &TableSchema, item: &Item) -> Result<()> {
        if schema.has_unsigned_keys() && self.write_format != Format::Legacy {
            return Err(Error::config(
                "the table schema has unsigned (DO_NOTHING) key attributes, which only the \
                 legacy format may write (to keep old tables readable); make the keys SIGN_ONLY",
            ));
        }
        for name in item.keys() {
            // Every reserved name starts with `*`.
            if name.starts_with('*') && is_reserved_name(name) {
                return Err(Error::ReservedAttribute(name.clone()));
            }
            if name.is_empty() || name.len() > MAX_NAME_LEN {
                return Err(Error::invalid_item(
                    name,
                    "attribute names must be 1 to 65535 bytes long",
                ));
            }
        }
        Ok(())
    }
}

/// Decrypts the ENCRYPT_AND_SIGN `entries` in place.
fn decrypt_entries(reader: &Reader, entries: Vec<Entry<'_>>) -> Result<()> {
    let mut aad = Vec::with_capacity(64);
    for entry in entries.into_iter().filter(|e| e.action == AttributeAction::EncryptAndSign) {
        let AttributeValue::B(blob) = std::mem::replace(entry.value, AttributeValue::Null(true))
        else {
            return Err(Error::Integrity);
        };
        let mut buffer = Zeroizing::new(blob.into_inner());
        let plaintext = match reader {
            Reader::Gcm(cipher) => {
                aead::attribute_aad_into(entry.name, &mut aad);
                cipher.decrypt_in_place(&aad, &mut buffer)
            }
            Reader::Cbc(key) => cbc::decrypt_in_place(key, &mut buffer),
        }
        .ok_or(Error::Integrity)?;
        // A string or binary takes the buffer over: no copy, and nothing left to wipe.
        *entry.value =
            attribute::deserialize_owned(&mut buffer, plaintext).map_err(|_| Error::Integrity)?;
    }
    Ok(())
}

/// Room after the plaintext in a stored value: the GCM tag or the CBC padding.
const TAIL: usize = 16;

/// The randomness of one item: on the stack unless the item has very many encrypted
/// attributes.
#[allow(clippy::large_enum_variant, reason = "on the stack on purpose: no allocation per item")]
enum Randomness {
    Inline([u8; 512], usize),
    Heap(Vec<u8>),
}

impl Randomness {
    fn new(len: usize) -> Self {
        if len <= 512 { Self::Inline([0; 512], len) } else { Self::Heap(vec![0; len]) }
    }

    fn as_mut(&mut self) -> &mut [u8] {
        match self {
            Self::Inline(bytes, len) => bytes.get_mut(..*len).unwrap_or_default(),
            Self::Heap(bytes) => bytes,
        }
    }

    fn as_ref(&self) -> &[u8] {
        match self {
            Self::Inline(bytes, len) => bytes.get(..*len).unwrap_or_default(),
            Self::Heap(bytes) => bytes,
        }
    }
}

/// A signed attribute of an item, with its action and the hash of its name resolved once.
struct Entry<'a> {
    name: &'a String,
    value: &'a mut AttributeValue,
    action: AttributeAction,
    name_hash: [u8; 32],
}

/// The item's signed attributes (DO_NOTHING ones left out) sorted by name (code-point order),
/// and how many of them are ENCRYPT_AND_SIGN. Actions and name hashes come from one merge of
/// the sorted names with the schema's sorted configured names.
fn signed_entries<'a>(schema: &TableSchema, item: &'a mut Item) -> (Vec<Entry<'a>>, usize) {
    let mut entries: Vec<Entry<'a>> = item
        .iter_mut()
        .map(|(name, value)| Entry {
            name,
            value,
            action: AttributeAction::DoNothing,
            name_hash: [0; 32],
        })
        .collect();
    entries.sort_unstable_by(|a, b| a.name.cmp(b.name));
    let mut known = schema.known().iter().peekable();
    let mut encrypted = 0;
    for entry in &mut entries {
        while known.next_if(|(name, _)| name.as_str() < entry.name.as_str()).is_some() {}
        (entry.action, entry.name_hash) = match known.peek() {
            Some((name, info)) if name == entry.name => (info.action, info.name_hash),
            _ => schema.resolve_unknown(entry.name),
        };
        if entry.action == AttributeAction::EncryptAndSign {
            encrypted += 1;
        }
    }
    entries.retain(|e| {
        matches!(e.action, AttributeAction::SignOnly | AttributeAction::EncryptAndSign)
    });
    (entries, encrypted)
}

/// Feeds the string to sign (legacy-format.md 4.1, gcm-format.md 4) of the sorted `entries`
/// into `sts`. `encrypt` is called on each ENCRYPT_AND_SIGN entry first, in order, and must
/// leave a `B` value. With `description`, the GCM format's signed description takes its
/// sorted place. SIGN_ONLY numbers of legacy items take the `legacy_numbers` form: rounded as
/// the Python client does when reading, refused where they would be rounded when writing.
fn sign_entries(
    schema: &TableSchema,
    entries: &mut [Entry<'_>],
    description: Option<&[u8]>,
    legacy_numbers: NumberForm,
    sts: &mut StringToSign,
    mut encrypt: impl FnMut(&mut Entry<'_>) -> Result<()>,
    invalid: impl Fn(&str, &'static str) -> Error,
) -> Result<()> {
    let form = if description.is_some() { NumberForm::Exact } else { legacy_numbers };
    sts.update(schema.table_hash());
    let mut description = description;
    let mut scratch = Vec::new();
    for entry in entries.iter_mut() {
        if let Some(bytes) = description.filter(|_| entry.name.as_str() > DESCRIPTION_ATTRIBUTE) {
            add_attribute(sts, &DESCRIPTION_NAME_HASH, &SIGN_ONLY_LABEL_HASH, &binary_hash(bytes));
            description = None;
        }
        if entry.action == AttributeAction::SignOnly {
            scratch.clear();
            attribute::serialize(entry.value, form, &mut scratch)
                .map_err(|e| invalid(entry.name, e.reason()))?;
            let hash = Sha256::digest(&scratch).into();
            add_attribute(sts, &entry.name_hash, &SIGN_ONLY_LABEL_HASH, &hash);
        } else {
            encrypt(entry)?;
            let AttributeValue::B(ciphertext) = &*entry.value else {
                return Err(invalid(entry.name, "encrypted value is not binary"));
            };
            let hash = binary_hash(ciphertext.as_ref());
            add_attribute(sts, &entry.name_hash, &ENCRYPTED_LABEL_HASH, &hash);
        }
    }
    if let Some(bytes) = description {
        add_attribute(sts, &DESCRIPTION_NAME_HASH, &SIGN_ONLY_LABEL_HASH, &binary_hash(bytes));
    }
    Ok(())
}

fn no_table_name() -> Error {
    Error::config("the GCM format binds items to a table name; build the TableSchema with one")
}

/// How an item's attributes are encrypted, and its encoded description.
struct Writer<'a> {
    gcm: Option<ItemCipher>,
    cbc_key: Option<&'a DataKey>,
    description: Vec<u8>,
}

/// The description and the cipher of a GCM item.
fn gcm_writer<'a>(
    schema: &TableSchema,
    materials: &'a EncryptionMaterials,
    salt: &[u8],
) -> Result<Writer<'a>> {
    let md = &materials.material_description;
    check_gcm_wrapping(md).map_err(|()| {
        Error::config(
            "the provider's material description has only one of amzn-ddb-env-key and \
             amzn-ddb-wrap-alg, or an unknown wrap algorithm",
        )
    })?;
    let salt: &[u8; aead::SALT_LEN] = salt.try_into().map_err(|_| Error::Random)?;
    let gcm = match &materials.encryption_key {
        Some(key) => {
            let content_key = key.as_aes256().ok_or_else(|| wrong_key_length(key))?;
            Some(ItemCipher::new(content_key, salt, schema.gcm_info().unwrap_or_default()))
        }
        None => None,
    };
    let mut encoded = [0u8; 44];
    let encoded_len = BASE64.encode_slice(salt, &mut encoded).map_err(|_| Error::Random)?;
    let encoded_salt = std::str::from_utf8(encoded.get(..encoded_len).unwrap_or_default())
        .map_err(|_| Error::Random)?;
    // The encryptor's entries, sorted by key; they win over the provider's.
    let description = md
        .encode_with(&[
            (keys::SIGNING_ALG, materials.signing_key.algorithm()),
            (keys::SYM_MODE, sym_mode::GCM),
            (keys::FORMAT, GCM_FORMAT_VERSION),
            (keys::ITEM_SALT, encoded_salt),
        ])
        .map_err(|_| too_long())?;
    Ok(Writer { gcm, cbc_key: None, description })
}

/// The description and the key of a legacy item.
fn legacy_writer(materials: &EncryptionMaterials) -> Result<Writer<'_>> {
    let md = &materials.material_description;
    let algorithm = materials.signing_key.algorithm();
    let description = match materials.encryption_key {
        Some(_) => {
            md.encode_with(&[(keys::SIGNING_ALG, algorithm), (keys::SYM_MODE, sym_mode::CBC)])
        }
        None => md.encode_with(&[(keys::SIGNING_ALG, algorithm)]),
    }
    .map_err(|_| too_long())?;
    Ok(Writer { gcm: None, cbc_key: materials.encryption_key.as_ref(), description })
}

fn too_long() -> Error {
    Error::config("material description longer than 4 GiB")
}

fn wrong_key_length(key: &DataKey) -> Error {
    Error::config(format_args!(
        "the GCM format needs a 256-bit content key; the provider gave a {}-bit key",
        key.len() * 8
    ))
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
    fn reader(&self, schema: &TableSchema, key: Option<DecryptionKey>) -> Result<Reader> {
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
            return Ok(Reader::Cbc(key));
        };
        let content_key = match key.as_aes256() {
            Some(k) => k,
            // A wrapped key of another length can only come from an altered item.
            None if unwrapped => return Err(Error::Integrity),
            None => return Err(wrong_key_length(&key)),
        };
        let info = schema.gcm_info().unwrap_or_default();
        Ok(Reader::Gcm(Box::new(ItemCipher::new(content_key, salt, info))))
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

/// How an item's attributes are decrypted.
enum Reader {
    Gcm(Box<ItemCipher>),
    Cbc(DataKey),
}

#[cfg(test)]
mod tests;
