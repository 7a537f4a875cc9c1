//! The Wrapped provider: a fresh content key per item, wrapped under a key-encryption key and
//! stored in the item's material description (`docs/legacy-format.md` section 6.2).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs8::DecodePublicKey;
use rsa::{PrivateKey, PublicKey};

use crate::crypto::keys::rsa_private_key_from_pem;
use crate::crypto::wrap::{self, OaepHash};
use crate::error::{Error, Result};
use crate::material_description::{MaterialDescription, keys};
use crate::provider::{
    CryptographicMaterialsProvider, DataKey, DecryptionMaterials, EncryptionContext,
    EncryptionMaterials, SigningKey, VerificationKey,
};

const AES_WRAP: &str = "AESWrap";
const RSA_OAEP: &str = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";
const CONTENT_KEY_ALGORITHM: &str = "AES/256";

enum RsaPadding {
    Oaep(OaepHash),
    Pkcs1,
}

/// The RSA wrapping transformations the Java and Python clients can name in
/// `amzn-ddb-wrap-alg` (their writers use only the OAEP SHA-256 one unless configured).
fn rsa_padding(transformation: &str) -> Option<RsaPadding> {
    Some(match transformation {
        RSA_OAEP => RsaPadding::Oaep(OaepHash::Sha256),
        "RSA/ECB/OAEPWithSHA-1AndMGF1Padding" | "RSA/ECB/OAEPPadding" => {
            RsaPadding::Oaep(OaepHash::Sha1)
        }
        "RSA/ECB/OAEPWithSHA-384AndMGF1Padding" => RsaPadding::Oaep(OaepHash::Sha384),
        "RSA/ECB/OAEPWithSHA-512AndMGF1Padding" => RsaPadding::Oaep(OaepHash::Sha512),
        "RSA/ECB/PKCS1Padding" => RsaPadding::Pkcs1,
        _ => return None,
    })
}

/// The key-encryption key of a [`WrappedMaterialsProvider`].
#[derive(Clone)]
pub struct WrappingKey(Kek);

#[derive(Clone)]
enum Kek {
    Aes(DataKey),
    RsaPrivate(Arc<PrivateKey>),
    RsaPublic(Arc<PublicKey>),
}

impl WrappingKey {
    /// An AES key-encryption key (128, 192 or 256 bits) for AES Key Wrap (RFC 3394).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for another length.
    pub fn aes(key: &[u8]) -> Result<Self> {
        DataKey::from_bytes(key).map(|k| Self(Kek::Aes(k)))
    }

    /// An RSA private key (PKCS#8 PEM) that wraps with RSA-OAEP (SHA-256, MGF1-SHA-1) and
    /// unwraps both that and PKCS#1 v1.5 (old Java items).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the PEM is not an RSA private key.
    pub fn rsa_from_pkcs8_pem(pem: &str) -> Result<Self> {
        rsa_private_key_from_pem(pem).map(|k| Self(Kek::RsaPrivate(Arc::new(k))))
    }

    /// An RSA public key (PEM `BEGIN PUBLIC KEY`): encrypts only, for writers that must not be
    /// able to read.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the PEM is not an RSA public key.
    pub fn rsa_public_from_pem(pem: &str) -> Result<Self> {
        PublicKey::from_public_key_pem(pem.trim())
            .map(|k| Self(Kek::RsaPublic(Arc::new(k))))
            .map_err(|_| Error::config("not a valid PEM RSA public key (SubjectPublicKeyInfo)"))
    }

    fn wrap_algorithm(&self) -> &'static str {
        match &self.0 {
            Kek::Aes(_) => AES_WRAP,
            Kek::RsaPrivate(_) | Kek::RsaPublic(_) => RSA_OAEP,
        }
    }

    fn wrap(&self, key: &DataKey) -> Result<Vec<u8>> {
        match &self.0 {
            Kek::Aes(kek) => Ok(wrap::aes_wrap(kek, key)),
            Kek::RsaPrivate(private) => wrap::rsa_oaep_wrap(private.as_public_key(), key),
            Kek::RsaPublic(public) => wrap::rsa_oaep_wrap(public, key),
        }
    }
}

impl fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Kek::Aes(_) => "Aes",
            Kek::RsaPrivate(_) => "RsaPrivate",
            Kek::RsaPublic(_) => "RsaPublic",
        };
        f.debug_struct("WrappingKey").field("kind", &kind).finish_non_exhaustive()
    }
}

/// A provider that generates a fresh AES-256 content key for every item and stores it wrapped
/// under a key-encryption key (AES Key Wrap or RSA-OAEP) in the item's material description.
/// Signatures use a separate signing key.
///
/// Byte-compatible with the Python `WrappedCryptographicMaterialsProvider` and the Java
/// `WrappedMaterialsProvider`; reads Java items without `amzn-ddb-wrap-alg` (RSA PKCS#1 v1.5)
/// and with `amzn-ddb-env-alg = AES`.
///
/// ```
/// use ddb_encrypt::provider::{SigningKey, WrappedMaterialsProvider, WrappingKey};
///
/// let provider = WrappedMaterialsProvider::new(
///     WrappingKey::aes(&[3; 32])?,
///     SigningKey::hmac_sha256(&[4; 32])?,
/// );
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WrappedMaterialsProvider {
    wrapping_key: WrappingKey,
    signing_key: Option<SigningKey>,
    verification_key: VerificationKey,
    description: MaterialDescription,
}

impl WrappedMaterialsProvider {
    /// A provider that wraps content keys with `wrapping_key` and signs with `signing_key`.
    pub fn new(wrapping_key: WrappingKey, signing_key: SigningKey) -> Self {
        let verification_key = signing_key.verification_key();
        Self {
            wrapping_key,
            signing_key: Some(signing_key),
            verification_key,
            description: MaterialDescription::new(),
        }
    }

    /// A provider that can only read items: it unwraps with `wrapping_key` and verifies with
    /// `verification_key` (for example an RSA public key).
    pub fn decrypt_only(wrapping_key: WrappingKey, verification_key: VerificationKey) -> Self {
        Self {
            wrapping_key,
            signing_key: None,
            verification_key,
            description: MaterialDescription::new(),
        }
    }

    /// Adds entries to the material description of every item written.
    #[must_use]
    pub fn with_material_description(mut self, description: MaterialDescription) -> Self {
        self.description = description;
        self
    }
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for WrappedMaterialsProvider {
    async fn encryption_materials(&self, _: &EncryptionContext<'_>) -> Result<EncryptionMaterials> {
        let signing_key = self.signing_key.clone().ok_or_else(|| {
            Error::config("this WrappedMaterialsProvider has no signing key; it can only decrypt")
        })?;
        let content_key = DataKey::generate_aes256()?;
        let wrapped = self.wrapping_key.wrap(&content_key)?;
        let mut md = self.description.clone();
        md.insert(keys::ENV_KEY, BASE64.encode(wrapped));
        md.insert(keys::ENV_ALG, CONTENT_KEY_ALGORITHM);
        md.insert(keys::WRAP_ALG, self.wrapping_key.wrap_algorithm());
        Ok(EncryptionMaterials::new(content_key, signing_key).with_material_description(md))
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        let md = context.material_description();
        let Some(wrapped) = md.wrapped_key() else {
            // Nothing to unwrap: fine for an item without encrypted attributes. One that has
            // some lost its wrapped key to an edit of its (unsigned, in legacy items)
            // description: the unwrap fails, which reads as the integrity error.
            return Ok(DecryptionMaterials::deferred(|| None, self.verification_key.clone()));
        };
        let wrapped = wrapped.map_err(|_| Error::Integrity)?;
        let key_bits = match md.get(keys::ENV_ALG) {
            None | Some("AES/256") => Some(256),
            Some("AES") => None,
            Some(_) => return Err(Error::Integrity),
        };
        let wrap_algorithm = md.get(keys::WRAP_ALG).map(str::to_owned);
        let kek = self.wrapping_key.0.clone();
        let unwrap = move || {
            let key = match (wrap_algorithm.as_deref(), &kek) {
                (Some(AES_WRAP), Kek::Aes(kek)) => wrap::aes_unwrap(kek, &wrapped),
                (Some(algorithm), Kek::RsaPrivate(private)) => match rsa_padding(algorithm)? {
                    RsaPadding::Oaep(hash) => wrap::rsa_oaep_unwrap(private, hash, &wrapped),
                    RsaPadding::Pkcs1 => wrap::rsa_pkcs1_unwrap(private, &wrapped),
                },
                // No wrap algorithm: the key's own algorithm, JCE "RSA" = PKCS#1 v1.5.
                (None, Kek::RsaPrivate(private)) => wrap::rsa_pkcs1_unwrap(private, &wrapped),
                _ => None,
            }?;
            key_bits.is_none_or(|bits| key.len() * 8 == bits).then_some(key)
        };
        if matches!(self.wrapping_key.0, Kek::RsaPublic(_)) {
            return Err(Error::config(
                "this WrappedMaterialsProvider has only an RSA public key; it cannot unwrap",
            ));
        }
        Ok(DecryptionMaterials::deferred(unwrap, self.verification_key.clone()))
    }
}

#[cfg(test)]
mod tests;
