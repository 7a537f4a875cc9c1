//! The hierarchical keyring: intermediate keys wrapped under a key derived from a *branch key*
//! (`docs/dbesdk-format.md`, section 6.5). Branch keys come from a [`BranchKeyStore`].

use std::fmt::{self, Write as _};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::AeadInOut;
use hmac::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{EncryptedDataKey, EncryptionContext, IntermediateKey, Keyring};
use crate::beacon::BeaconKey;
use crate::crypto::rng;
use crate::error::{Error, Result};
use crate::item::EncryptedItem;

/// The provider id of hierarchical keyrings, and the label of their key derivation.
const PROVIDER_ID: &str = "aws-kms-hierarchy";
const SALT_LEN: usize = 16;
const IV_LEN: usize = 12;
pub(super) const VERSION_LEN: usize = 16;
/// salt, IV, branch key version, wrapped key and its tag.
const CIPHERTEXT_LEN: usize = SALT_LEN + IV_LEN + VERSION_LEN + 32 + 16;

/// One version of a branch key. Zeroized on drop, never printed.
#[derive(Clone)]
pub struct BranchKey {
    version: [u8; VERSION_LEN],
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for BranchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BranchKey")
            .field("version", &uuid_text(&self.version))
            .finish_non_exhaustive()
    }
}

impl BranchKey {
    /// A branch key version: the raw 16 bytes of its UUID, and its 32 key bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] unless the key is 32 bytes long.
    pub fn new(version: [u8; VERSION_LEN], key: &[u8]) -> Result<Self> {
        let key: [u8; 32] = key.try_into().map_err(|_| {
            Error::config(format_args!("a branch key is 32 bytes long, not {}", key.len()))
        })?;
        Ok(Self { version, key: Zeroizing::new(key) })
    }

    /// The version's UUID, as raw bytes.
    pub fn version(&self) -> &[u8; VERSION_LEN] {
        &self.version
    }

    /// The wrapping key for one salt: one block of the NIST SP 800-108 counter-mode KDF with
    /// HMAC-SHA256, label `aws-kms-hierarchy`, 256 bits.
    fn wrapping_cipher(&self, salt: &[u8; SALT_LEN]) -> Aes256Gcm {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(&1u32.to_be_bytes());
        mac.update(PROVIDER_ID.as_bytes());
        mac.update(&[0]);
        mac.update(salt);
        mac.update(&256u32.to_be_bytes());
        let derived = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
        let derived: &[u8; 32] = &derived;
        Aes256Gcm::new(derived.into())
    }
}

/// Where a hierarchical keyring gets its branch keys.
#[async_trait::async_trait]
pub trait BranchKeyStore: fmt::Debug + Send + Sync {
    /// The version of `branch_key_id` that new items are written under.
    ///
    /// # Errors
    ///
    /// If the key cannot be found or read.
    async fn active_key(&self, branch_key_id: &str) -> Result<BranchKey>;

    /// A given version of `branch_key_id`; `Ok(None)` if the store has no such version.
    ///
    /// # Errors
    ///
    /// If the store cannot be read.
    async fn key_version(
        &self,
        branch_key_id: &str,
        version: &[u8; VERSION_LEN],
    ) -> Result<Option<BranchKey>>;

    /// The beacon key of `branch_key_id`, from which searchable encryption derives the keys
    /// of its beacons ([`crate::beacon`]).
    ///
    /// # Errors
    ///
    /// If the key cannot be found or read; by default, [`Error::Config`]: the store holds no
    /// beacon keys.
    async fn beacon_key(&self, branch_key_id: &str) -> Result<BeaconKey> {
        Err(Error::config(format_args!(
            "this branch key store holds no beacon keys (asked for that of `{branch_key_id}`)"
        )))
    }
}

#[async_trait::async_trait]
impl<S: BranchKeyStore + ?Sized> BranchKeyStore for std::sync::Arc<S> {
    async fn active_key(&self, branch_key_id: &str) -> Result<BranchKey> {
        (**self).active_key(branch_key_id).await
    }

    async fn key_version(
        &self,
        branch_key_id: &str,
        version: &[u8; VERSION_LEN],
    ) -> Result<Option<BranchKey>> {
        (**self).key_version(branch_key_id, version).await
    }

    async fn beacon_key(&self, branch_key_id: &str) -> Result<BeaconKey> {
        (**self).beacon_key(branch_key_id).await
    }
}

/// A branch key store holding one branch key given in code: for tests and for the upstream
/// test vectors, which use such a key.
#[derive(Clone)]
pub struct StaticBranchKeyStore {
    branch_key_id: String,
    key: BranchKey,
    any_version: bool,
    beacon_key: Option<BeaconKey>,
}

impl fmt::Debug for StaticBranchKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticBranchKeyStore")
            .field("branch_key_id", &self.branch_key_id)
            .field("key", &self.key)
            .field("any_version", &self.any_version)
            .field("beacon_key", &self.beacon_key)
            .finish()
    }
}

impl StaticBranchKeyStore {
    /// A store with the one branch key `branch_key_id` at `key`'s version.
    pub fn new(branch_key_id: impl Into<String>, key: BranchKey) -> Self {
        Self { branch_key_id: branch_key_id.into(), key, any_version: false, beacon_key: None }
    }

    /// Also holds `key` as the branch key's beacon key ([`crate::beacon`]).
    #[must_use]
    pub fn with_beacon_key(mut self, key: BeaconKey) -> Self {
        self.beacon_key = Some(key);
        self
    }

    /// Serves the key for every version asked for, as the upstream test vectors expect.
    #[must_use]
    pub fn for_any_version(mut self) -> Self {
        self.any_version = true;
        self
    }

    fn unknown(&self, branch_key_id: &str) -> Error {
        Error::provider(
            format_args!(
                "the static branch key store holds branch key `{}`, not `{branch_key_id}`",
                self.branch_key_id
            ),
            None,
        )
    }
}

#[async_trait::async_trait]
impl BranchKeyStore for StaticBranchKeyStore {
    async fn active_key(&self, branch_key_id: &str) -> Result<BranchKey> {
        if branch_key_id != self.branch_key_id {
            return Err(self.unknown(branch_key_id));
        }
        Ok(self.key.clone())
    }

    async fn key_version(
        &self,
        branch_key_id: &str,
        version: &[u8; VERSION_LEN],
    ) -> Result<Option<BranchKey>> {
        if branch_key_id != self.branch_key_id {
            return Ok(None);
        }
        if self.any_version {
            return Ok(Some(BranchKey { version: *version, key: self.key.key.clone() }));
        }
        Ok((version == &self.key.version).then(|| self.key.clone()))
    }

    async fn beacon_key(&self, branch_key_id: &str) -> Result<BeaconKey> {
        match &self.beacon_key {
            Some(key) if branch_key_id == self.branch_key_id => Ok(key.clone()),
            Some(_) => Err(self.unknown(branch_key_id)),
            None => Err(Error::config(format_args!(
                "the static branch key store has no beacon key for `{branch_key_id}`: give it \
                 one with StaticBranchKeyStore::with_beacon_key"
            ))),
        }
    }
}

/// The hierarchical keyring: wraps under one branch key from a [`BranchKeyStore`].
///
/// ```
/// use ddb_encrypt::keyring::{BranchKey, HierarchicalKeyring, StaticBranchKeyStore};
///
/// let version = [0x11; 16];
/// let store = StaticBranchKeyStore::new("tenant-1", BranchKey::new(version, &[3; 32])?);
/// let keyring = HierarchicalKeyring::new(store, "tenant-1");
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
#[derive(Debug)]
pub struct HierarchicalKeyring<S> {
    store: S,
    branch_key_id: BranchKeyId,
}

/// Which branch key a keyring uses: always one, or one per item.
#[derive(Debug)]
enum BranchKeyId {
    Fixed(String),
    Supplied(Box<dyn BranchKeyIdSupplier>),
}

/// Picks the branch key of each item from its encryption context: with a
/// [`HierarchicalKeyring::with_supplier`], each tenant's items are under its own branch key.
/// [`TenantBranchKeys`] picks it by an attribute's value.
pub trait BranchKeyIdSupplier: fmt::Debug + Send + Sync {
    /// The branch key id of the item with `context`.
    ///
    /// # Errors
    ///
    /// If the context does not name a branch key: the item is neither written nor read.
    fn branch_key_id(&self, context: &EncryptionContext) -> Result<String>;
}

/// A [`BranchKeyIdSupplier`] that names the branch key after the value of one attribute of
/// the item (a tenant id, say): the partition or sort key, or a
/// `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT` attribute, since only those are in the
/// encryption context, where reading and writing both find them.
///
/// ```
/// use ddb_encrypt::keyring::{BranchKey, HierarchicalKeyring, StaticBranchKeyStore, TenantBranchKeys};
///
/// # let store = StaticBranchKeyStore::new("tenant-acme", BranchKey::new([1; 16], &[3; 32])?);
/// // The items of tenant `acme` are under the branch key `tenant-acme`.
/// let tenants = TenantBranchKeys::new("tenant_id", |tenant| format!("tenant-{tenant}"));
/// let keyring = HierarchicalKeyring::with_supplier(store, tenants);
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
pub struct TenantBranchKeys {
    attribute: String,
    name: Box<dyn Fn(&str) -> String + Send + Sync>,
}

impl fmt::Debug for TenantBranchKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantBranchKeys")
            .field("attribute", &self.attribute)
            .finish_non_exhaustive()
    }
}

impl TenantBranchKeys {
    /// Names the branch key of each item `name(value)`, where `value` is the item's string or
    /// number attribute `attribute`.
    pub fn new(
        attribute: impl Into<String>,
        name: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        Self { attribute: attribute.into(), name: Box::new(name) }
    }

    /// Names the branch key of each `T` item `name(value)`, where `value` is its
    /// `#[ddb(tenant)]` field.
    ///
    /// ```
    /// use ddb_encrypt::EncryptedItem;
    /// use ddb_encrypt::keyring::TenantBranchKeys;
    ///
    /// #[derive(EncryptedItem)]
    /// struct Invoice {
    ///     #[ddb(partition_key, tenant)] customer: String,
    ///     #[ddb(sort_key)] number: u64,
    ///     amount: u64,
    /// }
    ///
    /// let tenants = TenantBranchKeys::for_item::<Invoice>(|customer| format!("bk-{customer}"))?;
    /// # Ok::<(), ddb_encrypt::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `T` has no `#[ddb(tenant)]` field.
    pub fn for_item<T: EncryptedItem>(
        name: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Result<Self> {
        let attribute = T::SCHEMA.tenant.ok_or_else(|| {
            Error::config(format_args!(
                "`{}` has no #[ddb(tenant)] field to pick the branch key by",
                std::any::type_name::<T>()
            ))
        })?;
        Ok(Self::new(attribute, name))
    }
}

impl BranchKeyIdSupplier for TenantBranchKeys {
    fn branch_key_id(&self, context: &EncryptionContext) -> Result<String> {
        let value = context.attribute_text(&self.attribute).ok_or_else(|| {
            Error::config(format_args!(
                "the encryption context has no string or number attribute `{}` to pick the \
                 branch key by: it must be the partition or sort key, or \
                 SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT",
                self.attribute
            ))
        })?;
        Ok((self.name)(&value))
    }
}

impl<S: BranchKeyStore> HierarchicalKeyring<S> {
    /// A keyring that writes and reads under `branch_key_id` from `store`.
    pub fn new(store: S, branch_key_id: impl Into<String>) -> Self {
        Self { store, branch_key_id: BranchKeyId::Fixed(branch_key_id.into()) }
    }

    /// A keyring that writes and reads each item under the branch key that `supplier` picks
    /// from its encryption context: one key per tenant, say ([`TenantBranchKeys`]).
    pub fn with_supplier(store: S, supplier: impl BranchKeyIdSupplier + 'static) -> Self {
        Self { store, branch_key_id: BranchKeyId::Supplied(Box::new(supplier)) }
    }

    fn branch_key_id(&self, context: &EncryptionContext) -> Result<std::borrow::Cow<'_, str>> {
        match &self.branch_key_id {
            BranchKeyId::Fixed(id) => Ok(id.into()),
            BranchKeyId::Supplied(supplier) => supplier.branch_key_id(context).map(Into::into),
        }
    }
}

/// `"aws-kms-hierarchy" || branch key id || version || serialized context`.
fn aad(branch_key_id: &str, version: &[u8; VERSION_LEN], context: &[u8]) -> Vec<u8> {
    let mut aad =
        Vec::with_capacity(PROVIDER_ID.len() + branch_key_id.len() + VERSION_LEN + context.len());
    aad.extend_from_slice(PROVIDER_ID.as_bytes());
    aad.extend_from_slice(branch_key_id.as_bytes());
    aad.extend_from_slice(version);
    aad.extend_from_slice(context);
    aad
}

#[async_trait::async_trait]
impl<S: BranchKeyStore> Keyring for HierarchicalKeyring<S> {
    async fn wrap_keys(
        &self,
        context: &EncryptionContext,
    ) -> Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        let branch_key_id = self.branch_key_id(context)?;
        let branch_key = self.store.active_key(&branch_key_id).await?;
        let key = IntermediateKey::generate()?;
        let salt: [u8; SALT_LEN] = rng::array()?;
        let iv: [u8; IV_LEN] = rng::array()?;
        let aad = aad(&branch_key_id, &branch_key.version, &context.serialize()?);
        let mut ciphertext = Vec::with_capacity(CIPHERTEXT_LEN);
        ciphertext.extend_from_slice(&salt);
        ciphertext.extend_from_slice(&iv);
        ciphertext.extend_from_slice(&branch_key.version);
        let start = ciphertext.len();
        ciphertext.extend_from_slice(key.as_bytes());
        let tag = branch_key
            .wrapping_cipher(&salt)
            .encrypt_inout_detached(
                (&iv).into(),
                &aad,
                ciphertext.get_mut(start..).unwrap_or_default().into(),
            )
            .map_err(|_| Error::Internal("AES-GCM refused a data key"))?;
        ciphertext.extend_from_slice(&tag);
        let info = branch_key_id.as_bytes().to_vec();
        Ok(vec![(key, EncryptedDataKey::new(PROVIDER_ID, info, ciphertext))])
    }

    async fn unwrap_key(
        &self,
        context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> Result<Option<IntermediateKey>> {
        let branch_key_id = self.branch_key_id(context)?;
        if key.provider_id() != PROVIDER_ID
            || key.provider_info() != branch_key_id.as_bytes()
            || key.ciphertext().len() != CIPHERTEXT_LEN
        {
            return Ok(None);
        }
        let (salt, rest) = key.ciphertext().split_at(SALT_LEN);
        let (iv, rest) = rest.split_at(IV_LEN);
        let (version, rest) = rest.split_at(VERSION_LEN);
        let (wrapped, tag) = rest.split_at(32);
        let (Ok(salt), Ok(iv), Ok(version), Ok(tag)) = (
            <&[u8; SALT_LEN]>::try_from(salt),
            <&[u8; IV_LEN]>::try_from(iv),
            <&[u8; VERSION_LEN]>::try_from(version),
            <&[u8; 16]>::try_from(tag),
        ) else {
            return Ok(None);
        };
        let Some(branch_key) = self.store.key_version(&branch_key_id, version).await? else {
            return Ok(None);
        };
        let aad = aad(&branch_key_id, version, &context.serialize()?);
        let mut plain = Zeroizing::new([0u8; 32]);
        plain.copy_from_slice(wrapped);
        let opened = branch_key.wrapping_cipher(salt).decrypt_inout_detached(
            iv.into(),
            &aad,
            plain.as_mut_slice().into(),
            tag.into(),
        );
        if opened.is_err() {
            return Ok(None);
        }
        IntermediateKey::from_bytes(plain.as_slice()).map(Some)
    }
}

/// A UUID's canonical text.
pub(crate) fn uuid_text(bytes: &[u8; VERSION_LEN]) -> String {
    let hex: String = bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}
