//! Keyrings: who can open an item in the DB-ESDK format.
//!
//! An item's data key is wrapped once per recipient. Each recipient (an AES or RSA key, a KMS
//! key, a branch key) wraps a fresh 32-byte *intermediate key*, and the data key is encrypted
//! under a key derived from it; another key derived from it authenticates the whole item (the
//! recipient's tag in the footer). A [`Keyring`] only wraps and unwraps intermediate keys: the
//! rest is the same for every keyring and lives in the item encryptor.
//!
//! | keyring | recipients | AWS calls |
//! |---|---|---|
//! | [`RawAesKeyring`] | an AES key you hold | none |
//! | [`RawRsaKeyring`] | an RSA key pair you hold (writers may hold only the public key) | none |
//! | [`AwsKmsKeyring`] | a KMS key | `GenerateDataKey` per write, `Decrypt` per read |
//! | [`HierarchicalKeyring`] | a branch key from a [`BranchKeyStore`] (such as `DynamoDbBranchKeyStore`, the official SDKs' store) | none per item |
//! | [`MultiKeyring`] | several of the above | theirs |
//!
//! The wire format of each keyring is described in `docs/dbesdk-format.md`, section 6.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use hkdf::Hkdf;
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::crypto::rng;
use crate::error::{Error, Result};

#[cfg(feature = "kms")]
mod aws_kms;
mod cache;
mod hierarchical;
#[cfg(feature = "kms")]
mod key_store;
mod raw_aes;
mod raw_rsa;

#[cfg(feature = "kms")]
#[cfg_attr(docsrs, doc(cfg(feature = "kms")))]
pub use aws_kms::AwsKmsKeyring;
pub use cache::BranchKeyCache;
pub(crate) use hierarchical::uuid_text as version_text;
pub use hierarchical::{
    BranchKey, BranchKeyIdSupplier, BranchKeyStore, HierarchicalKeyring, StaticBranchKeyStore,
    TenantBranchKeys,
};
#[cfg(feature = "kms")]
#[cfg_attr(docsrs, doc(cfg(feature = "kms")))]
pub use key_store::DynamoDbBranchKeyStore;
pub use raw_aes::RawAesKeyring;
pub use raw_rsa::{RawRsaKeyring, RsaPadding};

/// The encryption context of an item: names and values that every keyring binds its wrapped
/// keys to (as associated data, or as the KMS encryption context), and that the footer signs.
///
/// It holds the table name, the key attribute names and, depending on the attribute actions,
/// key and other attribute values. Its `Debug` output shows the names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl fmt::Debug for EncryptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl EncryptionContext {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The pairs, sorted by key (bytewise).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of the string or number attribute `name`, when the context holds it (as the
    /// DB-ESDK format puts it there: the key attributes, or the
    /// `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT` attributes): for a [`BranchKeyIdSupplier`]
    /// that picks a key by an attribute's value.
    pub fn attribute_text(&self, name: &str) -> Option<String> {
        use base64::Engine as _;
        let value = self.get(&format!("aws-crypto-attr.{name}"))?;
        if self.get("aws-crypto-legend").is_some() {
            // Values of the second version are the text itself (binary ones base64).
            return Some(value.to_owned());
        }
        // The first version's: base64 of the type id and the value.
        let bytes = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
        match bytes.split_first_chunk::<2>() {
            Some(([0, 1 | 2], text)) => String::from_utf8(text.to_vec()).ok(),
            _ => None,
        }
    }

    /// Adds a pair; `false` (and no change) if the key is already there.
    pub(crate) fn insert(&mut self, key: String, value: String) -> bool {
        match self.0.entry(key) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
        }
    }

    /// The binary form: `u16` count, then per pair `u16` key length, key, `u16` value length,
    /// value, sorted by key; empty for an empty context.
    pub(crate) fn serialize(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(
            2 + self.0.iter().map(|(k, v)| 4 + k.len() + v.len()).sum::<usize>(),
        );
        if !self.0.is_empty() {
            write_pairs(self.iter(), &mut out)?;
        }
        Ok(out)
    }
}

/// Writes `u16` count and the pairs (already sorted) with `u16` lengths.
pub(crate) fn write_pairs<'a>(
    pairs: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let too_long = || {
        Error::config("an encryption context holds at most 65535 pairs of at most 65535 bytes each")
    };
    out.extend_from_slice(&u16::try_from(pairs.len()).map_err(|_| too_long())?.to_be_bytes());
    for (key, value) in pairs {
        for part in [key, value] {
            out.extend_from_slice(
                &u16::try_from(part.len()).map_err(|_| too_long())?.to_be_bytes(),
            );
            out.extend_from_slice(part.as_bytes());
        }
    }
    Ok(())
}

/// A data key wrapped for one recipient, as stored in the item header.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedDataKey {
    provider_id: String,
    provider_info: Vec<u8>,
    ciphertext: Vec<u8>,
}

impl fmt::Debug for EncryptedDataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedDataKey")
            .field("provider_id", &self.provider_id)
            .field("provider_info_len", &self.provider_info.len())
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}

impl EncryptedDataKey {
    /// A wrapped key: who wrapped it (`provider_id`, for example a Raw AES keyring's
    /// namespace), which key (`provider_info`), and the wrapped bytes.
    pub fn new(
        provider_id: impl Into<String>,
        provider_info: Vec<u8>,
        ciphertext: Vec<u8>,
    ) -> Self {
        Self { provider_id: provider_id.into(), provider_info, ciphertext }
    }

    /// Who wrapped the key.
    pub fn provider_id(&self) -> &str {
        &self.provider_id
    }

    /// Which of its keys wrapped it.
    pub fn provider_info(&self) -> &[u8] {
        &self.provider_info
    }

    /// The wrapped intermediate key, as the keyring wrote it.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }
}

/// A 32-byte intermediate key: what a keyring wraps. Zeroized on drop, never printed.
#[derive(Clone)]
pub struct IntermediateKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for IntermediateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntermediateKey { .. }")
    }
}

impl IntermediateKey {
    /// A fresh random key.
    ///
    /// # Errors
    ///
    /// [`Error::Random`] if the system's random number generator fails.
    pub fn generate() -> Result<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        rng::fill(key.as_mut())?;
        Ok(Self(key))
    }

    /// A key from its bytes (a keyring that unwrapped it, or a key service that made it).
    ///
    /// # Errors
    ///
    /// [`Error::Integrity`] unless `bytes` is 32 bytes long: an unwrapped key of another
    /// length comes from an altered item.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| Error::Integrity)?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// The key bytes, for the keyring to wrap.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Wraps and unwraps intermediate keys for the DB-ESDK format.
///
/// Implement it to add a recipient type; the built-in keyrings are in this module.
#[async_trait::async_trait]
pub trait Keyring: fmt::Debug + Send + Sync {
    /// For each recipient, a fresh intermediate key and its wrapping for that recipient,
    /// bound to `context`. At least one.
    ///
    /// # Errors
    ///
    /// Whatever prevents wrapping (a key service unreachable, a public-key-only keyring that
    /// is asked to decrypt, ...).
    async fn wrap_keys(
        &self,
        context: &EncryptionContext,
    ) -> Result<Vec<(IntermediateKey, EncryptedDataKey)>>;

    /// The intermediate key in `key`, if `key` is addressed to this keyring and opens under
    /// `context`; `Ok(None)` if it is not this keyring's or does not open.
    ///
    /// # Errors
    ///
    /// Failures that are not about the item (a key service unreachable, ...).
    async fn unwrap_key(
        &self,
        context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> Result<Option<IntermediateKey>>;
}

#[async_trait::async_trait]
impl<K: Keyring + ?Sized> Keyring for Arc<K> {
    async fn wrap_keys(
        &self,
        context: &EncryptionContext,
    ) -> Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        (**self).wrap_keys(context).await
    }

    async fn unwrap_key(
        &self,
        context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> Result<Option<IntermediateKey>> {
        (**self).unwrap_key(context, key).await
    }
}

/// Several keyrings as one: an item written through it can be opened by any of them.
///
/// ```
/// use ddb_encrypt::keyring::{MultiKeyring, RawAesKeyring};
///
/// let primary = RawAesKeyring::new("my-app", "primary", &[1; 32])?;
/// let escrow = RawAesKeyring::new("my-app", "escrow", &[2; 32])?;
/// let keyring = MultiKeyring::new(primary).with(escrow);
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultiKeyring {
    keyrings: Vec<Arc<dyn Keyring>>,
}

impl MultiKeyring {
    /// A multi-keyring with one member.
    pub fn new(first: impl Keyring + 'static) -> Self {
        Self { keyrings: vec![Arc::new(first)] }
    }

    /// Adds a member.
    #[must_use]
    pub fn with(mut self, keyring: impl Keyring + 'static) -> Self {
        self.keyrings.push(Arc::new(keyring));
        self
    }
}

#[async_trait::async_trait]
impl Keyring for MultiKeyring {
    async fn wrap_keys(
        &self,
        context: &EncryptionContext,
    ) -> Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        let mut all = Vec::with_capacity(self.keyrings.len());
        for keyring in &self.keyrings {
            all.extend(keyring.wrap_keys(context).await?);
        }
        Ok(all)
    }

    async fn unwrap_key(
        &self,
        context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> Result<Option<IntermediateKey>> {
        // A member that fails (a key service down, a public-key-only member) does not keep the
        // others from trying; its error is returned only if none opens the key.
        let mut first_error = None;
        for keyring in &self.keyrings {
            match keyring.unwrap_key(context, key).await {
                Ok(Some(found)) => return Ok(Some(found)),
                Ok(None) => {}
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(None), Err)
    }
}

/// The length of the encrypted data key in front of every keyring's ciphertext.
pub(crate) const ENCRYPTED_DATA_KEY_LEN: usize = 48;
const MAC_KEY_LABEL: &[u8] = b"AWS_MPL_INTERMEDIATE_KEYWRAP_MAC";
const ENC_KEY_LABEL: &[u8] = b"AWS_MPL_INTERMEDIATE_KEYWRAP_ENC";

/// What a recipient's intermediate key gives: the key that encrypts the data key, and the key
/// of the recipient's tag.
pub(crate) struct RecipientKeys {
    encryption_key: Zeroizing<[u8; 32]>,
    pub(crate) tag_key: Zeroizing<[u8; 32]>,
}

impl RecipientKeys {
    pub(crate) fn derive(intermediate: &IntermediateKey) -> Self {
        let hkdf = Hkdf::<Sha512>::new(None, intermediate.as_bytes());
        let expand = |label: &[u8]| {
            let mut key = Zeroizing::new([0u8; 32]);
            hkdf.expand(label, key.as_mut())
                .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA512 length"));
            key
        };
        Self { tag_key: expand(MAC_KEY_LABEL), encryption_key: expand(ENC_KEY_LABEL) }
    }

    fn cipher(&self) -> Aes256Gcm {
        let key: &[u8; 32] = &self.encryption_key;
        Aes256Gcm::new(key.into())
    }

    /// The data key encrypted for this recipient (48 bytes), bound to the serialized context.
    /// Each key encrypts one data key only, so the nonce is zero.
    pub(crate) fn seal_data_key(&self, data_key: &[u8; 32], context: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ENCRYPTED_DATA_KEY_LEN);
        out.extend_from_slice(data_key);
        let tag = self
            .cipher()
            .encrypt_inout_detached(&[0; 12].into(), context, out.as_mut_slice().into())
            .map_err(|_| Error::Internal("AES-GCM refused a data key"))?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// The data key, if `sealed` opens under this recipient's key and `context`.
    pub(crate) fn open_data_key(
        &self,
        sealed: &[u8],
        context: &[u8],
    ) -> Option<Zeroizing<[u8; 32]>> {
        let (ciphertext, tag) = sealed.split_at_checked(32)?;
        let tag: &[u8; 16] = tag.try_into().ok()?;
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(ciphertext);
        self.cipher()
            .decrypt_inout_detached(&[0; 12].into(), context, key.as_mut_slice().into(), tag.into())
            .ok()?;
        Some(key)
    }
}

#[cfg(test)]
mod tests;
