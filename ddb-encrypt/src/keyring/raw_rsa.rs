//! The Raw RSA keyring: intermediate keys wrapped with an RSA key pair held by the application
//! (`docs/dbesdk-format.md`, section 6.3).

use std::fmt;
use std::sync::Arc;

use rsa::pkcs8::DecodePublicKey;
use rsa::{Oaep, Pkcs1v15Encrypt, PrivateKey, PublicKey};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use super::{EncryptedDataKey, EncryptionContext, IntermediateKey, Keyring};
use crate::crypto::keys::rsa_private_key_from_pem;
use crate::error::{Error, Result};

/// How the RSA keyring pads the key it encrypts. OAEP uses MGF1 with the same hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaPadding {
    /// PKCS#1 v1.5: for reading items of writers that chose it; prefer OAEP for new writes.
    Pkcs1,
    /// OAEP with SHA-1.
    OaepSha1,
    /// OAEP with SHA-256.
    OaepSha256,
    /// OAEP with SHA-384.
    OaepSha384,
    /// OAEP with SHA-512.
    OaepSha512,
}

/// A Raw RSA keyring: wraps with an RSA public key, unwraps with its private key.
///
/// The namespace and name identify the key in each item; readers must use the same.
#[derive(Clone)]
pub struct RawRsaKeyring {
    namespace: String,
    name: String,
    padding: RsaPadding,
    public: Arc<PublicKey>,
    private: Option<Arc<PrivateKey>>,
}

impl fmt::Debug for RawRsaKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRsaKeyring")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("padding", &self.padding)
            .field("can_decrypt", &self.private.is_some())
            .finish_non_exhaustive()
    }
}

impl RawRsaKeyring {
    /// A keyring for the RSA private key `pem` (PKCS#8, `BEGIN PRIVATE KEY`): it writes and
    /// reads.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the PEM is not an RSA private key, or the namespace starts with
    /// `aws-kms`.
    pub fn from_private_key_pem(
        namespace: impl Into<String>,
        name: impl Into<String>,
        pem: &str,
        padding: RsaPadding,
    ) -> Result<Self> {
        let private = rsa_private_key_from_pem(pem)?;
        let public = private.as_public_key().clone();
        Self::build(namespace.into(), name.into(), padding, public, Some(Arc::new(private)))
    }

    /// A keyring for the RSA public key `pem` (`BEGIN PUBLIC KEY`): it writes items that it
    /// cannot read.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the PEM is not an RSA public key, or the namespace starts with
    /// `aws-kms`.
    pub fn from_public_key_pem(
        namespace: impl Into<String>,
        name: impl Into<String>,
        pem: &str,
        padding: RsaPadding,
    ) -> Result<Self> {
        let public = PublicKey::from_public_key_pem(pem.trim())
            .map_err(|_| Error::config("not a valid PEM RSA public key (SubjectPublicKeyInfo)"))?;
        Self::build(namespace.into(), name.into(), padding, public, None)
    }

    fn build(
        namespace: String,
        name: String,
        padding: RsaPadding,
        public: PublicKey,
        private: Option<Arc<PrivateKey>>,
    ) -> Result<Self> {
        if namespace.starts_with("aws-kms") {
            return Err(Error::config(
                "a Raw RSA keyring's namespace cannot start with `aws-kms`, which names the KMS \
                 keyrings; choose your own namespace",
            ));
        }
        Ok(Self { namespace, name, padding, public: Arc::new(public), private })
    }
}

#[async_trait::async_trait]
impl Keyring for RawRsaKeyring {
    async fn wrap_keys(
        &self,
        _context: &EncryptionContext,
    ) -> Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        let key = IntermediateKey::generate()?;
        let mut rng = getrandom::SysRng;
        let plain = key.as_bytes().as_slice();
        let wrapped = match self.padding {
            RsaPadding::Pkcs1 => self.public.encrypt(&mut rng, Pkcs1v15Encrypt, plain),
            RsaPadding::OaepSha1 => self.public.encrypt(&mut rng, Oaep::<Sha1>::new(), plain),
            RsaPadding::OaepSha256 => self.public.encrypt(&mut rng, Oaep::<Sha256>::new(), plain),
            RsaPadding::OaepSha384 => self.public.encrypt(&mut rng, Oaep::<Sha384>::new(), plain),
            RsaPadding::OaepSha512 => self.public.encrypt(&mut rng, Oaep::<Sha512>::new(), plain),
        }
        .map_err(|_| {
            Error::config("RSA wrapping failed; the RSA key may be too small for this padding")
        })?;
        let edk =
            EncryptedDataKey::new(self.namespace.clone(), self.name.as_bytes().to_vec(), wrapped);
        Ok(vec![(key, edk)])
    }

    async fn unwrap_key(
        &self,
        _context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> Result<Option<IntermediateKey>> {
        if key.provider_id() != self.namespace || key.provider_info() != self.name.as_bytes() {
            return Ok(None);
        }
        let Some(private) = &self.private else {
            return Err(Error::config(
                "this Raw RSA keyring holds only a public key, which cannot read items; give it \
                 the private key",
            ));
        };
        let wrapped = key.ciphertext();
        // The context is bound by the data key's encryption, not by RSA.
        let plain = match self.padding {
            RsaPadding::Pkcs1 => private.decrypt(Pkcs1v15Encrypt, wrapped),
            RsaPadding::OaepSha1 => private.decrypt(Oaep::<Sha1>::new(), wrapped),
            RsaPadding::OaepSha256 => private.decrypt(Oaep::<Sha256>::new(), wrapped),
            RsaPadding::OaepSha384 => private.decrypt(Oaep::<Sha384>::new(), wrapped),
            RsaPadding::OaepSha512 => private.decrypt(Oaep::<Sha512>::new(), wrapped),
        };
        let Ok(plain) = plain.map(Zeroizing::new) else {
            return Ok(None);
        };
        Ok(IntermediateKey::from_bytes(&plain).ok())
    }
}
