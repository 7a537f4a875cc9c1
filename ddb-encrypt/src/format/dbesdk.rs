//! The AWS Database Encryption SDK format (`docs/dbesdk-format.md`): an item header
//! `aws_dbe_head` with the wrapped data keys and a key commitment, per-attribute AES-256-GCM,
//! and a footer `aws_dbe_foot` with one HMAC tag per recipient and, by default, an ECDSA
//! signature. Byte-compatible with the official SDKs.

use std::sync::Arc;

use aws_lc_rs::digest::{Context as Sha384, SHA384};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use zeroize::Zeroizing;

use super::{Format, ItemFormat, check_names};
use crate::action::AttributeAction;
use crate::attribute::SerializeError;
use crate::crypto::rng;
use crate::encryptor::Item;
use crate::error::{Error, Result};
use crate::keyring::{
    ENCRYPTED_DATA_KEY_LEN, EncryptedDataKey, EncryptionContext, Keyring, RecipientKeys,
};
use crate::schema::TableSchema;
use crate::wipe;

pub(crate) mod crypto;
pub(crate) mod header;
pub(crate) mod value;

use crypto::{ItemKeys, ItemSigner, SIGNATURE_LEN, TAG_LEN};
use header::Header;

/// The attribute holding the header.
pub const HEADER_ATTRIBUTE: &str = "aws_dbe_head";
/// The attribute holding the footer.
pub const FOOTER_ATTRIBUTE: &str = "aws_dbe_foot";
/// Attribute names with this prefix belong to the format: never signed, never configurable.
pub(crate) const RESERVED_PREFIX: &str = "aws_dbe_";

const TABLE_NAME_KEY: &str = "aws-crypto-table-name";
const PARTITION_NAME_KEY: &str = "aws-crypto-partition-name";
const SORT_NAME_KEY: &str = "aws-crypto-sort-name";
const ATTRIBUTE_KEY_PREFIX: &str = "aws-crypto-attr.";
const LEGEND_KEY: &str = "aws-crypto-legend";
const PUBLIC_KEY_KEY: &str = "aws-crypto-public-key";

/// The algorithm suite of new items in the DB-ESDK format. Readers take it from each item.
///
/// Both suites encrypt each attribute with AES-256-GCM under keys derived with HKDF-SHA512 from
/// a per-item data key, commit to that key, and give each recipient an HMAC-SHA384 tag over the
/// whole item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AlgorithmSuite {
    /// Suite `0x6701`, the default (as in the official SDKs): the tags, plus an ECDSA P-384
    /// signature under a key pair made for the item. Only the writer could have made the
    /// item, even for a reader who can decrypt it.
    #[default]
    EcdsaP384HmacSha384,
    /// Suite `0x6700`: the tags only. About twice as fast, but anyone who can decrypt an item
    /// (who holds a key of one of its recipients) can also forge one.
    HmacSha384,
}

impl AlgorithmSuite {
    /// The suite id: `0x6701` or `0x6700`.
    pub fn id(self) -> u16 {
        0x6700 | u16::from(self.flavor())
    }

    /// The suite with this id.
    pub fn from_id(id: u16) -> Option<Self> {
        match id {
            0x6700 => Some(Self::HmacSha384),
            0x6701 => Some(Self::EcdsaP384HmacSha384),
            _ => None,
        }
    }

    fn flavor(self) -> u8 {
        match self {
            Self::HmacSha384 => 0,
            Self::EcdsaP384HmacSha384 => 1,
        }
    }

    fn signs(self) -> bool {
        self == Self::EcdsaP384HmacSha384
    }
}

/// What happens to a signed attribute, as the legend records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signed {
    Encrypt,
    Sign,
    SignAndInclude,
}

impl Signed {
    fn legend(self) -> u8 {
        match self {
            Self::Encrypt => b'e',
            Self::Sign => b's',
            Self::SignAndInclude => b'c',
        }
    }

    fn from_legend(byte: u8) -> Option<Self> {
        match byte {
            b'e' => Some(Self::Encrypt),
            b's' => Some(Self::Sign),
            b'c' => Some(Self::SignAndInclude),
            _ => None,
        }
    }
}

/// A signed attribute of an item.
struct Entry<'a> {
    name: &'a str,
    value: &'a mut AttributeValue,
    action: Signed,
}

/// Writes and reads items in the DB-ESDK format with one keyring.
#[derive(Debug)]
pub(crate) struct DbEsdk {
    keyring: Arc<dyn Keyring>,
    suite: AlgorithmSuite,
}

impl DbEsdk {
    pub(crate) fn new(keyring: Arc<dyn Keyring>, suite: AlgorithmSuite) -> Self {
        Self { keyring, suite }
    }

    pub(crate) fn keyring(&self) -> &Arc<dyn Keyring> {
        &self.keyring
    }

    pub(crate) fn suite(&self) -> AlgorithmSuite {
        self.suite
    }
}

/// Whether an attribute is outside the signature: DO_NOTHING, or the format's own.
fn unsigned(schema: &TableSchema, name: &str) -> bool {
    name.starts_with(RESERVED_PREFIX) || schema.action(name) == AttributeAction::DoNothing
}

/// The signed attributes of `item` in canonical order: by the length of the name in UTF-16
/// code units, then by its UTF-8 bytes. Actions are left as `Sign`.
fn signed_entries<'a>(schema: &TableSchema, item: &'a mut Item) -> Vec<Entry<'a>> {
    let mut entries: Vec<Entry<'a>> = item
        .iter_mut()
        .filter(|(name, _)| !unsigned(schema, name))
        .map(|(name, value)| Entry { name, value, action: Signed::Sign })
        .collect();
    entries.sort_unstable_by(|a, b| canonical_order(a.name, b.name));
    entries
}

fn canonical_order(a: &str, b: &str) -> std::cmp::Ordering {
    (value::utf16_len(a), a.as_bytes()).cmp(&(value::utf16_len(b), b.as_bytes()))
}

/// The names of the signed attributes of `item`, in the legend's order.
pub(crate) fn signed_names<'a>(schema: &TableSchema, item: &'a Item) -> Vec<&'a str> {
    let mut names: Vec<&str> =
        item.keys().map(String::as_str).filter(|name| !unsigned(schema, name)).collect();
    names.sort_unstable_by(|a, b| canonical_order(a, b));
    names
}

/// A wrapped data key for people: its provider, and the key it is wrapped under as far as
/// the provider info tells (never the wrapped bytes).
pub(crate) fn describe_data_key(key: &EncryptedDataKey) -> String {
    let info = key.provider_info();
    match key.provider_id() {
        "aws-kms" => format!("aws-kms: {}", String::from_utf8_lossy(info)),
        "aws-kms-hierarchy" => {
            // The encrypted data key, then the keyring's salt (16) || iv (12) || branch key
            // version (16) || wrapped key and tag.
            let at = ENCRYPTED_DATA_KEY_LEN + 28;
            let version = key.ciphertext().get(at..at + 16);
            let version = version.and_then(|v| <&[u8; 16]>::try_from(v).ok());
            let version = version.map_or_else(|| "?".to_owned(), crate::keyring::version_text);
            format!(
                "aws-kms-hierarchy: branch key {}, version {version}",
                String::from_utf8_lossy(info)
            )
        }
        namespace => {
            // Raw keyrings: name || u32be(tag bits) || u32be(iv length) || iv.
            let name = info.len().checked_sub(20).and_then(|end| info.get(..end)).unwrap_or(info);
            format!("raw key: namespace {namespace}, name {}", String::from_utf8_lossy(name))
        }
    }
}

/// The canonical path of a top-level attribute: `table || u64be(1) || "$" || u64be(len) ||
/// name`, the length counted in UTF-16 code units.
fn path_into(table: &str, name: &str, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(&1u64.to_be_bytes());
    out.push(b'$');
    out.extend_from_slice(&(value::utf16_len(name) as u64).to_be_bytes());
    out.extend_from_slice(name.as_bytes());
}

fn key_value<'a>(entries: &'a [Entry<'_>], name: &str) -> Option<&'a AttributeValue> {
    entries.iter().find(|e| e.name == name).map(|e| &*e.value)
}

/// `type id || serialization`, standard base64.
fn encoded_terminal(value: &AttributeValue) -> std::result::Result<String, SerializeError> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(2 + value::serialized_len(value)?));
    bytes.extend_from_slice(&value::type_id(value)?);
    value::serialize(value, &mut bytes)?;
    Ok(BASE64.encode(bytes.as_slice()))
}

/// The context value and legend character of a `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT`
/// attribute.
fn context_value(value: &AttributeValue) -> std::result::Result<(String, char), SerializeError> {
    Ok(match value {
        AttributeValue::S(s) => (s.clone(), 'S'),
        AttributeValue::N(n) => {
            let mut text = Vec::new();
            crate::number::canonical_exact(n, &mut text)?;
            (String::from_utf8(text).map_err(|_| SerializeError::Unsupported)?, 'N')
        }
        AttributeValue::Null(true) => ("null".to_owned(), 'L'),
        AttributeValue::Bool(b) => (b.to_string(), 'L'),
        other => (encoded_terminal(other)?, 'B'),
    })
}

/// The encryption context that readers rebuild from the table and the item: names of the table
/// and keys, then (version 1) the key values or (version 2) the values of the
/// `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT` attributes and
/// their legend. `missing` and `invalid` say what a missing key or an unserializable value is
/// on this path.
fn base_context(
    schema: &TableSchema,
    table: &str,
    version: u8,
    entries: &[Entry<'_>],
    missing: impl Fn(&str) -> Error,
    invalid: impl Fn(&str, SerializeError) -> Error,
) -> Result<EncryptionContext> {
    let partition = schema.partition_key().ok_or_else(no_key_names)?;
    let mut context = EncryptionContext::default();
    context.insert(TABLE_NAME_KEY.to_owned(), table.to_owned());
    context.insert(PARTITION_NAME_KEY.to_owned(), partition.to_owned());
    if let Some(sort) = schema.sort_key() {
        context.insert(SORT_NAME_KEY.to_owned(), sort.to_owned());
    }
    for key in [Some(partition), schema.sort_key()].into_iter().flatten() {
        let value = key_value(entries, key).ok_or_else(|| missing(key))?;
        if version == 1 {
            let encoded = encoded_terminal(value).map_err(|e| invalid(key, e))?;
            context.insert(format!("{ATTRIBUTE_KEY_PREFIX}{key}"), encoded);
        }
    }
    if version == 2 {
        let mut legend = Vec::new();
        for entry in entries.iter().filter(|e| e.action == Signed::SignAndInclude) {
            let (value, kind) = context_value(entry.value).map_err(|e| invalid(entry.name, e))?;
            let key = format!("{ATTRIBUTE_KEY_PREFIX}{}", entry.name);
            legend.push((key.clone(), kind));
            context.insert(key, value);
        }
        legend.sort_unstable();
        context.insert(LEGEND_KEY.to_owned(), legend.into_iter().map(|(_, kind)| kind).collect());
    }
    Ok(context)
}

/// Feeds one signed attribute to the canonical hash.
fn hash_entry(
    hasher: &mut Sha384,
    path: &[u8],
    entry: &Entry<'_>,
    scratch: &mut Zeroizing<Vec<u8>>,
) -> std::result::Result<(), SerializeError> {
    hasher.update(path);
    if entry.action == Signed::Encrypt {
        let AttributeValue::B(stored) = &*entry.value else {
            return Err(SerializeError::Unsupported);
        };
        let stored = stored.as_ref();
        let len = stored.len().checked_sub(2).ok_or(SerializeError::Unsupported)?;
        hasher.update(&(len as u64).to_be_bytes());
        hasher.update(b"ENCRYPTED");
        hasher.update(stored);
    } else {
        scratch.clear();
        scratch.reserve(value::serialized_len(entry.value)?);
        value::serialize(entry.value, scratch)?;
        hasher.update(&(scratch.len() as u64).to_be_bytes());
        hasher.update(b"PLAINTEXT");
        hasher.update(&value::type_id(entry.value)?);
        hasher.update(scratch.as_slice());
    }
    Ok(())
}

/// Starts the canonical hash: the header, then the full encryption context.
///
/// SHA-384 comes from aws-lc-rs: measured here 11% faster than `sha2` over 100 KiB and 13%
/// over 1 KiB (`benches/primitives.rs`), and a large item's time is mostly this hash.
fn start_hash(header: &[u8], context: &[u8]) -> Sha384 {
    let mut hasher = Sha384::new(&SHA384);
    hasher.update(header);
    hasher.update(&(context.len() as u64).to_be_bytes());
    hasher.update(context);
    hasher
}

impl DbEsdk {
    /// Wraps `data_key` for every recipient of the keyring: the header's encrypted data keys,
    /// and each recipient's tag key.
    async fn wrap_data_key(
        &self,
        data_key: &[u8; 32],
        context: &EncryptionContext,
        serialized_context: &[u8],
    ) -> Result<(Vec<EncryptedDataKey>, Vec<Zeroizing<[u8; 32]>>)> {
        let wrapped = self.keyring.wrap_keys(context).await?;
        if wrapped.is_empty() || wrapped.len() > 255 {
            return Err(Error::config("a keyring must wrap the data key for 1 to 255 recipients"));
        }
        let mut keys = Vec::with_capacity(wrapped.len());
        let mut tag_keys = Vec::with_capacity(wrapped.len());
        for (intermediate, key) in wrapped {
            let recipient = RecipientKeys::derive(&intermediate);
            let mut ciphertext = recipient.seal_data_key(data_key, serialized_context)?;
            ciphertext.extend_from_slice(key.ciphertext());
            let provider_info = key.provider_info().to_vec();
            keys.push(EncryptedDataKey::new(key.provider_id(), provider_info, ciphertext));
            tag_keys.push(recipient.tag_key);
        }
        Ok((keys, tag_keys))
    }

    /// The data key and tag key of the first recipient this keyring can open.
    async fn open_data_key(
        &self,
        keys: &[EncryptedDataKey],
        context: &EncryptionContext,
        serialized_context: &[u8],
    ) -> Result<(Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>)> {
        for key in keys {
            let Some((sealed, rest)) = key.ciphertext().split_at_checked(ENCRYPTED_DATA_KEY_LEN)
            else {
                continue;
            };
            let provider_info = key.provider_info().to_vec();
            let own = EncryptedDataKey::new(key.provider_id(), provider_info, rest.to_vec());
            let Some(intermediate) = self.keyring.unwrap_key(context, &own).await? else {
                continue;
            };
            let recipient = RecipientKeys::derive(&intermediate);
            if let Some(data_key) = recipient.open_data_key(sealed, serialized_context) {
                return Ok((data_key, recipient.tag_key));
            }
        }
        Err(Error::Integrity)
    }
}

/// Encrypts the ENCRYPT_AND_SIGN `entries` in place, and returns the canonical hash of the
/// item: the header, the context, then every signed attribute in canonical order.
fn encrypt_and_hash(
    table: &str,
    item_keys: &ItemKeys,
    header: &[u8],
    serialized_context: &[u8],
    entries: &mut [Entry<'_>],
) -> Result<[u8; 48]> {
    let mut hasher = start_hash(header, serialized_context);
    let mut path = Vec::with_capacity(64);
    let mut scratch = Zeroizing::new(Vec::new());
    let mut index = 0;
    for entry in entries {
        path_into(table, entry.name, &mut path);
        if entry.action == Signed::Encrypt {
            let name = entry.name;
            let invalid = |e: SerializeError| Error::invalid_item(name, e.reason());
            let type_id = value::type_id(entry.value).map_err(invalid)?;
            let len = value::serialized_len(entry.value).map_err(invalid)?;
            // Built in one buffer of its final size, encrypted in place: it never grows, so
            // no copy of the plaintext is left behind in a freed block.
            let capacity = 2 + len + crypto::GCM_TAG_LEN;
            let mut stored = Zeroizing::new(Vec::with_capacity(capacity));
            stored.extend_from_slice(&type_id);
            value::serialize(entry.value, &mut stored).map_err(invalid)?;
            let cipher = item_keys
                .field(index)
                .ok_or(Error::Internal("no field key for an encrypted attribute"))?;
            cipher
                .seal(&path, &mut stored, 2)
                .ok_or(Error::Internal("AES-GCM refused an attribute value"))?;
            index += 1;
            debug_assert!(stored.capacity() == capacity, "the stored value never grows");
            let ciphertext = AttributeValue::B(Blob::new(std::mem::take(&mut *stored)));
            wipe::value(&mut std::mem::replace(entry.value, ciphertext));
        }
        hash_entry(&mut hasher, &path, entry, &mut scratch)
            .map_err(|e| Error::invalid_item(entry.name, e.reason()))?;
    }
    canonical_hash(hasher)
}

/// Decrypts the ENCRYPT_AND_SIGN `entries` of an authentic item in place; `None` if one does
/// not decrypt or decode.
fn decrypt_fields(table: &str, item_keys: &ItemKeys, entries: &mut [Entry<'_>]) -> Option<()> {
    let mut path = Vec::with_capacity(64);
    let encrypted = entries.iter_mut().filter(|e| e.action == Signed::Encrypt);
    for (index, entry) in encrypted.enumerate() {
        path_into(table, entry.name, &mut path);
        let AttributeValue::B(blob) = std::mem::replace(entry.value, AttributeValue::Null(true))
        else {
            return None;
        };
        let mut buffer = Zeroizing::new(blob.into_inner());
        let cipher = item_keys.field(index)?;
        let (type_id, sealed) = buffer.split_at_mut_checked(2)?;
        let len = cipher.open(&path, sealed)?;
        let type_id: value::TypeId = (&*type_id).try_into().ok()?;
        *entry.value = value::deserialize(type_id, sealed.get(..len)?).ok()?;
    }
    Some(())
}

/// The 48 bytes of a finished canonical hash.
fn canonical_hash(hasher: Sha384) -> Result<[u8; 48]> {
    hasher.finish().as_ref().try_into().map_err(|_| Error::config("SHA-384 gave another length"))
}

#[async_trait::async_trait]
impl ItemFormat for DbEsdk {
    fn format(&self) -> Format {
        Format::DbEsdk
    }

    async fn write(&self, schema: &TableSchema, item: &mut Item) -> Result<()> {
        let table = schema.table_name().ok_or_else(no_table_name)?;
        check_names(item)?;
        if schema.has_unsigned_keys() {
            return Err(Error::config(
                "the table schema has unsigned (DO_NOTHING) key attributes, which only the \
                 legacy format may write; make the keys SIGN_ONLY",
            ));
        }
        let mut entries = signed_entries(schema, item);
        let mut encrypted = 0;
        for entry in &mut entries {
            entry.action = match schema.action(entry.name) {
                AttributeAction::EncryptAndSign => {
                    encrypted += 1;
                    Signed::Encrypt
                }
                AttributeAction::SignAndIncludeInEncryptionContext => Signed::SignAndInclude,
                _ => Signed::Sign,
            };
        }
        if entries.len() > usize::from(u16::MAX) || encrypted > crypto::MAX_FIELDS {
            return Err(Error::config("an item holds at most 65535 signed attributes"));
        }
        let version = if schema.includes_values_in_context() { 2 } else { 1 };
        let mut context = base_context(
            schema,
            table,
            version,
            &entries,
            |key| Error::invalid_item(key, "the item has no value for this key attribute"),
            |name, e| Error::invalid_item(name, e.reason()),
        )?;
        let signer = if self.suite.signs() { Some(ItemSigner::generate()?) } else { None };
        if let Some(signer) = &signer {
            context.insert(PUBLIC_KEY_KEY.to_owned(), signer.public_key().to_owned());
        }
        let serialized_context = context.serialize()?;

        let data_key = Zeroizing::new(rng::array::<32>()?);
        let (keys, tag_keys) = self.wrap_data_key(&data_key, &context, &serialized_context).await?;

        let message_id = rng::array::<{ crypto::MESSAGE_ID_LEN }>()?;
        let legend: Vec<u8> = entries.iter().map(|e| e.action.legend()).collect();
        let stored: Vec<(&str, &str)> =
            signer.as_ref().map(|s| (PUBLIC_KEY_KEY, s.public_key())).into_iter().collect();
        let mut header = Vec::with_capacity(256 + legend.len());
        header::write_body(
            version,
            self.suite.flavor(),
            &message_id,
            &legend,
            &stored,
            &keys,
            &mut header,
        )
        .map_err(|_| Error::config("a wrapped data key is longer than 65535 bytes"))?;
        let item_keys = ItemKeys::derive(&data_key, &message_id);
        header.extend_from_slice(&item_keys.commitment(&header));

        let hash = encrypt_and_hash(table, &item_keys, &header, &serialized_context, &mut entries)?;
        drop(entries);

        let mut footer = Vec::with_capacity(tag_keys.len() * TAG_LEN + SIGNATURE_LEN);
        for key in &tag_keys {
            footer.extend_from_slice(&crypto::recipient_tag(key, &hash));
        }
        if let Some(signer) = &signer {
            footer.extend_from_slice(&signer.sign(&hash)?);
        }
        item.insert(HEADER_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(header)));
        item.insert(FOOTER_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(footer)));
        Ok(())
    }

    async fn read(&self, schema: &TableSchema, item: &mut Item) -> Result<()> {
        let table = schema.table_name().ok_or_else(no_table_name)?;
        let header_bytes = take_binary(item, HEADER_ATTRIBUTE)?;
        let footer = take_binary(item, FOOTER_ATTRIBUTE)?;
        let header = Header::parse(&header_bytes).map_err(|_| Error::Integrity)?;
        let suite = if header.flavor == 1 {
            AlgorithmSuite::EcdsaP384HmacSha384
        } else {
            AlgorithmSuite::HmacSha384
        };

        // The legend gives each signed attribute its action; the reader's own actions only
        // say which attributes are signed.
        let mut entries = signed_entries(schema, item);
        if entries.len() != header.legend.len() {
            return Err(Error::Integrity);
        }
        for (entry, &byte) in entries.iter_mut().zip(header.legend) {
            entry.action = Signed::from_legend(byte).ok_or(Error::Integrity)?;
            if entry.action == Signed::SignAndInclude && header.version != 2 {
                return Err(Error::Integrity);
            }
        }
        let mut context = base_context(
            schema,
            table,
            header.version,
            &entries,
            |_| Error::Integrity,
            |_, _| Error::Integrity,
        )?;
        for (key, value) in &header.stored_context {
            if let Some(rebuilt) = context.get(key) {
                if rebuilt != value {
                    return Err(Error::Integrity);
                }
            } else {
                context.insert(key.clone(), value.clone());
            }
        }
        let public_key = context.get(PUBLIC_KEY_KEY).map(str::to_owned);
        if public_key.is_some() != suite.signs() {
            return Err(Error::Integrity);
        }
        let serialized_context = context.serialize().map_err(|_| Error::Integrity)?;

        let (data_key, tag_key) =
            self.open_data_key(&header.keys, &context, &serialized_context).await?;
        let item_keys = ItemKeys::derive(&data_key, &header.message_id);
        drop(data_key);
        if !crypto::same_bytes(&item_keys.commitment(header.body), header.commitment) {
            return Err(Error::Integrity);
        }

        // The footer: one tag per recipient, then the signature.
        let signature_len = if suite.signs() { SIGNATURE_LEN } else { 0 };
        let tags_len = header.keys.len() * TAG_LEN;
        if footer.len() != tags_len + signature_len {
            return Err(Error::Integrity);
        }
        let (tags, signature) = footer.split_at(tags_len);
        let mut hasher = start_hash(&header_bytes, &serialized_context);
        let mut path = Vec::with_capacity(64);
        let mut scratch = Zeroizing::new(Vec::new());
        for entry in &entries {
            path_into(table, entry.name, &mut path);
            hash_entry(&mut hasher, &path, entry, &mut scratch).map_err(|_| Error::Integrity)?;
        }
        let hash = canonical_hash(hasher).map_err(|_| Error::Integrity)?;
        let tag = crypto::recipient_tag(&tag_key, &hash);
        let tag_found = tags
            .chunks_exact(TAG_LEN)
            .fold(false, |found, stored| crypto::same_bytes(&tag, stored) | found);
        if !tag_found {
            return Err(Error::Integrity);
        }
        if let Some(public_key) = &public_key
            && !crypto::verify_signature(public_key, &hash, signature)
        {
            return Err(Error::Integrity);
        }

        // Only now that the item is authentic: decrypt, in place.
        let decrypted = decrypt_fields(table, &item_keys, &mut entries);
        drop(entries);
        if decrypted.is_none() {
            // Attributes decrypted before the failure are wiped, not just dropped.
            wipe::map_entries(item);
            return Err(Error::Integrity);
        }
        // Beacons and the other unsigned attributes of the format are not the item's.
        item.retain(|name, _| !name.starts_with(RESERVED_PREFIX));
        Ok(())
    }
}

/// Removes a binary envelope attribute from `item`.
fn take_binary(item: &mut Item, name: &str) -> Result<Vec<u8>> {
    match item.remove(name) {
        Some(AttributeValue::B(bytes)) => Ok(bytes.into_inner()),
        _ => Err(Error::Integrity),
    }
}

fn no_table_name() -> Error {
    Error::config("the DB-ESDK format binds items to a table name; build the TableSchema with one")
}

fn no_key_names() -> Error {
    Error::config(
        "the DB-ESDK format binds items to their keys; give the TableSchema a partition key",
    )
}

#[cfg(test)]
mod tests;
