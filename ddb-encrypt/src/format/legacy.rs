//! The DynamoDB Encryption Client's format (`docs/legacy-format.md`): AES-CBC under the
//! provider's content key, an HMAC-SHA256 or RSA signature over the table name and every signed
//! attribute, and the provider's material description, unsigned.

use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use hex_literal::hex;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{DESCRIPTION_ATTRIBUTE, SIGNATURE_ATTRIBUTE};
use super::{Format, ItemFormat};
use crate::action::AttributeAction;
use crate::attribute::{self, NumberForm};
use crate::crypto::{DataKey, StringToSign, cbc, rng};
use crate::encryptor::Item;
use crate::error::{Error, Result};
use crate::material_description::{MaterialDescription, keys, sym_mode};
use crate::provider::{CryptographicMaterialsProvider, DecryptionKey, EncryptionContext};
use crate::schema::TableSchema;
use crate::wipe;

/// `H("PLAINTEXT")`: the action label of SIGN_ONLY attributes in the string to sign.
const SIGN_ONLY_LABEL_HASH: [u8; 32] =
    hex!("cb40e7dadc86161b9798de48512f332d21c141fcc1e28a086fde4a3375aab1b5");
/// `H("ENCRYPTED")`: the action label of ENCRYPT_AND_SIGN attributes.
const ENCRYPTED_LABEL_HASH: [u8; 32] =
    hex!("394115ac4eb09aa49429348816b2038127b0f9e3a520372ae100ca19fb08fd50");

/// Writes and reads legacy items with one materials provider.
#[derive(Debug)]
pub(crate) struct Legacy {
    provider: Arc<dyn CryptographicMaterialsProvider>,
}

impl Legacy {
    pub(crate) fn new(provider: Arc<dyn CryptographicMaterialsProvider>) -> Self {
        Self { provider }
    }

    pub(crate) fn provider(&self) -> &Arc<dyn CryptographicMaterialsProvider> {
        &self.provider
    }
}

#[async_trait::async_trait]
impl ItemFormat for Legacy {
    fn format(&self) -> Format {
        Format::Legacy
    }

    async fn write(&self, schema: &TableSchema, item: &mut Item) -> Result<()> {
        if schema.all_do_nothing() {
            return Ok(());
        }
        super::check_names(item)?;
        let materials = {
            let empty = MaterialDescription::new();
            self.provider.encryption_materials(&context(schema, item, &empty)).await?
        };
        let (mut entries, encrypted) = signed_entries(schema, item);
        let key = match (&materials.encryption_key, encrypted) {
            (_, 0) => None,
            (Some(key), _) => Some(key),
            (None, _) => {
                return Err(Error::config(
                    "the provider gave no encryption key, but the attribute actions encrypt \
                     attributes",
                ));
            }
        };
        // All of the item's randomness in one request: a CBC IV per encrypted attribute, in
        // signing order.
        let mut randomness = Randomness::new(cbc::IV_LEN * encrypted);
        rng::fill(randomness.as_mut())?;
        let mut fresh = randomness.as_ref();
        let md = &materials.material_description;
        let algorithm = materials.signing_key.algorithm();
        let description = match materials.encryption_key {
            Some(_) => {
                md.encode_with(&[(keys::SIGNING_ALG, algorithm), (keys::SYM_MODE, sym_mode::CBC)])
            }
            None => md.encode_with(&[(keys::SIGNING_ALG, algorithm)]),
        }
        .map_err(|_| Error::config("material description longer than 4 GiB"))?;
        let mut string_to_sign = materials.signing_key.start();
        sign_entries(
            schema,
            &mut entries,
            NumberForm::PythonExact,
            &mut string_to_sign,
            |entry| {
                let (iv, rest) = fresh.split_at(cbc::IV_LEN.min(fresh.len()));
                fresh = rest;
                let key = key.ok_or_else(|| {
                    Error::config("no content key for an ENCRYPT_AND_SIGN attribute")
                })?;
                // The stored value is built in one buffer of its final size: the IV, the
                // serialized plaintext, then it is encrypted in place. It never grows, so no
                // copy of the plaintext is left behind in a freed block.
                let name = entry.name;
                let invalid = |e: attribute::SerializeError| Error::invalid_item(name, e.reason());
                let len =
                    attribute::serialized_len(entry.value, NumberForm::Exact).map_err(invalid)?;
                let capacity = iv.len() + len + cbc::IV_LEN;
                let mut stored = Zeroizing::new(Vec::with_capacity(capacity));
                stored.extend_from_slice(iv);
                attribute::serialize(entry.value, NumberForm::Exact, &mut stored)
                    .map_err(invalid)?;
                cbc::encrypt_in_place(key, &mut stored)
                    .ok_or(Error::Internal("AES-CBC refused a buffer sized for it"))?;
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
        item.insert(DESCRIPTION_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(description)));
        Ok(())
    }

    async fn read(&self, schema: &TableSchema, item: &mut Item) -> Result<()> {
        if schema.all_do_nothing() {
            return Ok(());
        }
        let envelope = Envelope::open(item)?;
        let materials =
            self.provider.decryption_materials(&context(schema, item, &envelope.md)).await?;
        let mut string_to_sign = materials.verification_key.start();
        let (mut entries, encrypted) = signed_entries(schema, item);
        sign_entries(
            schema,
            &mut entries,
            NumberForm::Python,
            &mut string_to_sign,
            |entry| if entry.value.is_b() { Ok(()) } else { Err(Error::Integrity) },
            |_, _| Error::Integrity,
        )?;
        materials.verification_key.verify(string_to_sign, &envelope.signature)?;
        if encrypted == 0 {
            return Ok(());
        }

        // Only now that the signature holds: unwrap the content key and decrypt, in place.
        let decrypted =
            content_key(materials.decryption_key).and_then(|key| decrypt_entries(&key, entries));
        if let Err(error) = decrypted {
            // Attributes decrypted before the failure are wiped, not just dropped.
            wipe::map_entries(item);
            return Err(error);
        }
        Ok(())
    }
}

/// The content key, unwrapping it if the provider deferred that until the signature held.
fn content_key(key: Option<DecryptionKey>) -> Result<DataKey> {
    match key {
        Some(DecryptionKey::Ready(key)) => Ok(key),
        Some(DecryptionKey::Deferred(unwrap)) => unwrap().ok_or(Error::Integrity),
        None => Err(Error::config(
            "the provider gave no decryption key, but the item has encrypted attributes",
        )),
    }
}

/// Decrypts the ENCRYPT_AND_SIGN `entries` in place.
fn decrypt_entries(key: &DataKey, entries: Vec<Entry<'_>>) -> Result<()> {
    for entry in entries.into_iter().filter(|e| e.action == AttributeAction::EncryptAndSign) {
        let AttributeValue::B(blob) = std::mem::replace(entry.value, AttributeValue::Null(true))
        else {
            return Err(Error::Integrity);
        };
        let mut buffer = Zeroizing::new(blob.into_inner());
        let plaintext = cbc::decrypt_in_place(key, &mut buffer).ok_or(Error::Integrity)?;
        // A string or binary takes the buffer over: no copy, and nothing left to wipe.
        *entry.value =
            attribute::deserialize_owned(&mut buffer, plaintext).map_err(|_| Error::Integrity)?;
    }
    Ok(())
}

/// The randomness of one item: on the stack unless the item has very many encrypted
/// attributes.
#[expect(clippy::large_enum_variant, reason = "on the stack on purpose: no allocation per item")]
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
/// `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT` attributes are signed as `SIGN_ONLY`: the legacy format has no encryption context of its own.
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
        match entry.action {
            AttributeAction::EncryptAndSign => encrypted += 1,
            AttributeAction::SignAndIncludeInEncryptionContext => {
                entry.action = AttributeAction::SignOnly;
            }
            _ => {}
        }
    }
    entries.retain(|e| {
        matches!(e.action, AttributeAction::SignOnly | AttributeAction::EncryptAndSign)
    });
    (entries, encrypted)
}

/// Feeds the string to sign (`docs/legacy-format.md`, section 4.1) of the sorted `entries`
/// into `sts`. `encrypt` is called on each ENCRYPT_AND_SIGN entry first, in order, and must
/// leave a `B` value. SIGN_ONLY numbers take the `numbers` form: rounded as the Python client
/// does when reading, refused where they would be rounded when writing.
fn sign_entries(
    schema: &TableSchema,
    entries: &mut [Entry<'_>],
    numbers: NumberForm,
    sts: &mut StringToSign,
    mut encrypt: impl FnMut(&mut Entry<'_>) -> Result<()>,
    invalid: impl Fn(&str, &'static str) -> Error,
) -> Result<()> {
    sts.update(schema.table_hash());
    let mut scratch = Vec::new();
    for entry in entries.iter_mut() {
        if entry.action == AttributeAction::SignOnly {
            scratch.clear();
            attribute::serialize(entry.value, numbers, &mut scratch)
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
    Ok(())
}

/// The envelope attributes of a stored item, parsed and checked.
struct Envelope {
    signature: Vec<u8>,
    md: MaterialDescription,
}

impl Envelope {
    /// Removes the signature and description attributes from `item` and parses them.
    fn open(item: &mut Item) -> Result<Self> {
        let Some(AttributeValue::B(signature)) = item.remove(SIGNATURE_ATTRIBUTE) else {
            return Err(Error::Integrity);
        };
        let md = match item.remove(DESCRIPTION_ATTRIBUTE) {
            None => MaterialDescription::new(),
            Some(AttributeValue::B(bytes)) => {
                MaterialDescription::from_bytes(bytes.as_ref()).map_err(|_| Error::Integrity)?.0
            }
            Some(_) => return Err(Error::Integrity),
        };
        // Only CBC (or nothing, for items without encrypted attributes) is legacy.
        if md.get(keys::SYM_MODE).is_some_and(|mode| mode != sym_mode::CBC) {
            return Err(Error::Integrity);
        }
        Ok(Self { signature: signature.into_inner(), md })
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

#[cfg(test)]
mod tests;
