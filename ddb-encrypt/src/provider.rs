//! Cryptographic materials providers: where the legacy format (the DynamoDB Encryption
//! Client's) gets its keys. The DB-ESDK format, the default, gets them from a
//! [`Keyring`](crate::keyring::Keyring) instead.
//!
//! A provider answers two questions for every item: which keys encrypt and sign it
//! ([`CryptographicMaterialsProvider::encryption_materials`]), and which keys decrypt and
//! verify it ([`CryptographicMaterialsProvider::decryption_materials`]), given the item's
//! [`EncryptionContext`]. The crate ships every provider of the Python and Java clients:
//!
//! | provider | keys | AWS calls |
//! |---|---|---|
//! | [`StaticMaterialsProvider`] | fixed keys, for tests and simple setups | none |
//! | [`WrappedMaterialsProvider`] | a fresh content key per item, wrapped under a key-encryption key (AES Key Wrap or RSA-OAEP) in the item's material description | none |
//! | `AwsKmsMaterialsProvider` (feature `kms`) | Direct KMS: a KMS data key per item | `GenerateDataKey` per write, `Decrypt` per read |
//! | [`MostRecentProvider`] | versioned providers from a [`ProviderStore`] such as [`MetaStore`], the newest for writes | a store read per TTL |
//!
//! and the keyrings of the DB-ESDK format are in [`keyring`](crate::keyring): Raw AES, Raw RSA,
//! AWS KMS, Hierarchical (branch keys) and Multi.
//!
//! Implement the trait to bring your own key management: the repository's
//! `examples/custom_provider.rs` is a provider written outside the crate, with its tests.
//! Providers are shared across tasks;
//! an `Arc` of a provider is a provider, so a handle can be kept (for
//! [`MostRecentProvider::invalidate`], say) while a table holds a clone.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

pub use crate::crypto::{DataKey, SigningKey, VerificationKey};
use crate::error::Result;

#[cfg(feature = "kms")]
pub(crate) mod aws_kms;
mod most_recent;
mod static_keys;
mod wrapped;

pub use crate::material_description::MaterialDescription;
pub use crate::meta_store::MetaStore;
#[cfg(feature = "kms")]
#[cfg_attr(docsrs, doc(cfg(feature = "kms")))]
pub use aws_kms::AwsKmsMaterialsProvider;
pub(crate) use most_recent::META_ID;
pub use most_recent::{MostRecentProvider, ProviderStore};
pub use static_keys::StaticMaterialsProvider;
pub use wrapped::{WrappedMaterialsProvider, WrappingKey};

/// A source of keys for the item encryptor.
///
/// Both methods are called once per item. They may do I/O (a key service, a key store), and
/// are `async` for that reason.
///
/// # Errors
///
/// Return [`Error::Integrity`](crate::Error::Integrity) when the item's material description
/// is unusable (a wrapped key that does not unwrap, an unknown key version that the item could
/// only name if it was altered), and [`Error::Provider`](crate::Error::Provider) for failures
/// that are not about the item (a service unreachable, access denied).
#[async_trait::async_trait]
pub trait CryptographicMaterialsProvider: Send + Sync + fmt::Debug {
    /// Keys for encrypting and signing the item described by `context`.
    async fn encryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<EncryptionMaterials>;

    /// Keys for verifying and decrypting the item described by `context`, whose
    /// [`material_description`](EncryptionContext::material_description) is the item's own.
    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials>;
}

/// A provider held in an `Arc` is one too: keep a handle (to call
/// [`MostRecentProvider::invalidate`](crate::provider::MostRecentProvider::invalidate), say)
/// and hand a clone to the table.
#[async_trait::async_trait]
impl<P: CryptographicMaterialsProvider + ?Sized> CryptographicMaterialsProvider for Arc<P> {
    async fn encryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<EncryptionMaterials> {
        (**self).encryption_materials(context).await
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        (**self).decryption_materials(context).await
    }
}

/// What a provider knows about the item it is asked about.
///
/// Its `Debug` shows the table, the key names and the item's attribute names, never a value:
/// when encrypting, the item is plaintext.
#[derive(Clone, Copy)]
pub struct EncryptionContext<'a> {
    pub(crate) table_name: Option<&'a str>,
    pub(crate) partition_key_name: Option<&'a str>,
    pub(crate) sort_key_name: Option<&'a str>,
    pub(crate) item: &'a HashMap<String, AttributeValue>,
    pub(crate) material_description: &'a MaterialDescription,
}

impl fmt::Debug for EncryptionContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut attributes: Vec<&str> = self.item.keys().map(String::as_str).collect();
        attributes.sort_unstable();
        let description: Vec<&str> = self.material_description.iter().map(|(k, _)| k).collect();
        f.debug_struct("EncryptionContext")
            .field("table_name", &self.table_name)
            .field("partition_key_name", &self.partition_key_name)
            .field("sort_key_name", &self.sort_key_name)
            .field("attributes", &attributes)
            .field("material_description_keys", &description)
            .finish()
    }
}

impl<'a> EncryptionContext<'a> {
    /// The table name the item is bound to.
    pub fn table_name(&self) -> Option<&'a str> {
        self.table_name
    }

    /// The name of the table's partition key attribute, if configured.
    pub fn partition_key_name(&self) -> Option<&'a str> {
        self.partition_key_name
    }

    /// The name of the table's sort key attribute, if configured.
    pub fn sort_key_name(&self) -> Option<&'a str> {
        self.sort_key_name
    }

    /// The item: plaintext when encrypting; as stored (minus the signature and description
    /// attributes) when decrypting, so only its SIGN_ONLY and DO_NOTHING values are readable.
    pub fn item(&self) -> &'a HashMap<String, AttributeValue> {
        self.item
    }

    /// Empty when encrypting; the item's material description when decrypting.
    pub fn material_description(&self) -> &'a MaterialDescription {
        self.material_description
    }
}

/// The keys that encrypt and sign one item, and the description to store with it.
#[derive(Debug, Clone)]
pub struct EncryptionMaterials {
    pub(crate) encryption_key: Option<DataKey>,
    pub(crate) signing_key: SigningKey,
    pub(crate) material_description: MaterialDescription,
}

impl EncryptionMaterials {
    /// Materials that only sign: items may have SIGN_ONLY and DO_NOTHING attributes only.
    pub fn sign_only(signing_key: SigningKey) -> Self {
        Self { encryption_key: None, signing_key, material_description: MaterialDescription::new() }
    }

    /// Materials that encrypt with `encryption_key` and sign with `signing_key`.
    pub fn new(encryption_key: DataKey, signing_key: SigningKey) -> Self {
        Self { encryption_key: Some(encryption_key), ..Self::sign_only(signing_key) }
    }

    /// Sets the description entries the provider needs to find its keys again.
    #[must_use]
    pub fn with_material_description(mut self, description: MaterialDescription) -> Self {
        self.material_description = description;
        self
    }

    /// The content key, if these materials encrypt.
    pub fn encryption_key(&self) -> Option<&DataKey> {
        self.encryption_key.as_ref()
    }

    /// The key that signs the item.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    /// The description to store with the item. The encryptor adds its own entries (the
    /// encryption mode and the signing algorithm) when it writes the item.
    pub fn material_description(&self) -> &MaterialDescription {
        &self.material_description
    }

    /// The description, for a provider that decorates another's materials with entries of
    /// its own. The description is stored in the clear: never put a secret into it.
    pub fn material_description_mut(&mut self) -> &mut MaterialDescription {
        &mut self.material_description
    }
}

/// How the decryption key is obtained: directly, or by an unwrap that waits until the
/// signature has verified (so that a forged wrapped key never reaches the unwrap).
pub(crate) enum DecryptionKey {
    Ready(DataKey),
    Deferred(Box<dyn FnOnce() -> Option<DataKey> + Send>),
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ready(key) => key.fmt(f),
            Self::Deferred(_) => f.write_str("Deferred(..)"),
        }
    }
}

/// The keys that verify and decrypt one item.
#[derive(Debug)]
pub struct DecryptionMaterials {
    pub(crate) decryption_key: Option<DecryptionKey>,
    pub(crate) verification_key: VerificationKey,
}

impl DecryptionMaterials {
    /// Materials that only verify: for items without encrypted attributes.
    pub fn verify_only(verification_key: VerificationKey) -> Self {
        Self { decryption_key: None, verification_key }
    }

    /// Materials that verify with `verification_key` and decrypt with `decryption_key`.
    pub fn new(decryption_key: DataKey, verification_key: VerificationKey) -> Self {
        Self { decryption_key: Some(DecryptionKey::Ready(decryption_key)), verification_key }
    }

    /// Materials whose content key is unwrapped only after the item's signature has verified.
    ///
    /// A provider that stores a wrapped content key in the item's material description should
    /// use this: the description is not secret and not trusted, and an unwrap that runs only
    /// for items whose signature holds is never run on an item assembled without the signing
    /// key, so it offers no oracle on the key-encryption key to whoever can write to the
    /// table. `unwrap` is called at most once, and not at all for an item that fails
    /// verification or has no encrypted attributes. It returns `None` when the wrapped key
    /// does not unwrap; the item then fails with the opaque
    /// [`Error::Integrity`](crate::Error::Integrity).
    ///
    /// The legacy format does not sign the description itself: a wrapped key swapped into an
    /// otherwise valid item does reach `unwrap`, and the wrapping's own integrity check (as
    /// AES Key Wrap's and RSA-OAEP's are) must refuse it.
    ///
    /// ```
    /// use ddb_encrypt::provider::{DataKey, DecryptionMaterials, VerificationKey};
    ///
    /// # fn main() -> ddb_encrypt::Result<()> {
    /// let wrapped: Vec<u8> = vec![0x42; 32]; // read from the item's description
    /// let materials = DecryptionMaterials::deferred(
    ///     move || DataKey::from_bytes(&wrapped).ok(), // your unwrap goes here
    ///     VerificationKey::hmac_sha256(&[7; 32])?,
    /// );
    /// # let _ = materials;
    /// # Ok(())
    /// # }
    /// ```
    pub fn deferred(
        unwrap: impl FnOnce() -> Option<DataKey> + Send + 'static,
        verification_key: VerificationKey,
    ) -> Self {
        Self { decryption_key: Some(DecryptionKey::Deferred(Box::new(unwrap))), verification_key }
    }

    /// The key that verifies the item's signature.
    pub fn verification_key(&self) -> &VerificationKey {
        &self.verification_key
    }

    /// Whether these materials can decrypt (a key, ready or deferred), or only verify.
    pub fn decrypts(&self) -> bool {
        self.decryption_key.is_some()
    }
}

#[cfg(test)]
mod tests;
