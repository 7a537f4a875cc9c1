//! The Static provider: the same keys for every item (`docs/legacy-format.md` section 6.1).

use crate::error::Result;
use crate::material_description::MaterialDescription;
use crate::provider::{
    CryptographicMaterialsProvider, DataKey, DecryptionMaterials, EncryptionContext,
    EncryptionMaterials, SigningKey, VerificationKey,
};

/// A provider with fixed keys: one AES key (128, 192 or 256 bits) for every item, and one
/// signing key (HMAC-SHA256 or RSA).
///
/// # Security
///
/// Every item is encrypted under the same key, and rotating it means re-encrypting the table:
/// prefer the Wrapped provider, a key service, or the DB-ESDK format with a keyring for
/// production data.
///
/// ```
/// use ddb_encrypt::provider::{DataKey, SigningKey, StaticMaterialsProvider};
///
/// let provider = StaticMaterialsProvider::new(
///     DataKey::from_bytes(&[1; 32])?,
///     SigningKey::hmac_sha256(&[2; 32])?,
/// );
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StaticMaterialsProvider {
    encryption: EncryptionMaterials,
    verification_key: VerificationKey,
}

impl StaticMaterialsProvider {
    /// A provider that encrypts with `encryption_key` and signs with `signing_key`.
    pub fn new(encryption_key: DataKey, signing_key: SigningKey) -> Self {
        let verification_key = signing_key.verification_key();
        Self { encryption: EncryptionMaterials::new(encryption_key, signing_key), verification_key }
    }

    /// A provider that only signs: every attribute must be SIGN_ONLY or DO_NOTHING.
    pub fn sign_only(signing_key: SigningKey) -> Self {
        let verification_key = signing_key.verification_key();
        Self { encryption: EncryptionMaterials::sign_only(signing_key), verification_key }
    }

    /// Adds entries to the material description of every item written.
    #[must_use]
    pub fn with_material_description(mut self, description: MaterialDescription) -> Self {
        self.encryption.material_description = description;
        self
    }
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for StaticMaterialsProvider {
    async fn encryption_materials(&self, _: &EncryptionContext<'_>) -> Result<EncryptionMaterials> {
        Ok(self.encryption.clone())
    }

    async fn decryption_materials(&self, _: &EncryptionContext<'_>) -> Result<DecryptionMaterials> {
        let verification_key = self.verification_key.clone();
        Ok(match &self.encryption.encryption_key {
            Some(key) => DecryptionMaterials::new(key.clone(), verification_key),
            None => DecryptionMaterials::verify_only(verification_key),
        })
    }
}
