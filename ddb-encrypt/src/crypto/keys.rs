//! Key material: content keys, signing keys and verification keys.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey, PublicKey};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};

/// The JCE name of HMAC-SHA256 signatures, as written into material descriptions.
pub(crate) const HMAC_SHA256: &str = "HmacSHA256";
/// The JCE name of RSASSA-PKCS1-v1_5 signatures with SHA-256.
pub(crate) const SHA256_WITH_RSA: &str = "SHA256withRSA";

/// An AES content key of 128, 192 or 256 bits.
///
/// # Security
///
/// The key bytes are zeroized when the key is dropped and never printed: `Debug` shows
/// `DataKey { .. }`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey {
    bytes: [u8; 32],
    #[zeroize(skip)]
    len: u8,
}

impl DataKey {
    /// A key from its raw bytes: 16, 24 or 32 of them.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let len = u8::try_from(bytes.len()).ok().filter(|n| [16, 24, 32].contains(n));
        let Some(len) = len else {
            return Err(Error::config(format_args!(
                "an AES key must be 16, 24 or 32 bytes long, not {}",
                bytes.len()
            )));
        };
        let mut key = Self { bytes: [0; 32], len };
        key.bytes[..bytes.len()].copy_from_slice(bytes);
        Ok(key)
    }

    /// A fresh random AES-256 key.
    pub(crate) fn generate_aes256() -> Result<Self> {
        let mut key = Self { bytes: [0; 32], len: 32 };
        super::rng::fill(&mut key.bytes)?;
        Ok(key)
    }

    /// The key length in bytes (16, 24 or 32).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always `false`: a key has 16 bytes at least. Here for API symmetry with [`DataKey::len`].
    pub fn is_empty(&self) -> bool {
        false
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len()]
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey").finish_non_exhaustive()
    }
}

/// HMAC-SHA256 with its key already absorbed, so each item pays for the message only.
/// The inner and outer SHA-256 states stand for the key; they wipe themselves on drop
/// (`sha2/zeroize`, checked by a test below).
#[derive(Clone)]
struct HmacKey(Hmac<Sha256>);

impl HmacKey {
    fn new(key: &[u8]) -> Result<Self> {
        if key.is_empty() {
            return Err(Error::config("an HMAC key must not be empty"));
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map_err(|_| Error::config("invalid HMAC key length"))?;
        Ok(Self(mac))
    }
}

#[derive(Clone)]
enum Signing {
    HmacSha256(HmacKey),
    RsaSha256(Arc<PrivateKey>),
}

/// The key that signs items: an HMAC-SHA256 key or an RSA private key (SHA256withRSA).
///
/// # Security
///
/// Key bytes are zeroized on drop and never printed: `Debug` shows only the algorithm.
#[derive(Clone)]
pub struct SigningKey(Signing);

impl SigningKey {
    /// An HMAC-SHA256 signing key. Any non-empty length is accepted, for compatibility
    /// (the Java client's test vectors use 8 bytes); use 32 random bytes for new keys.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `key` is empty.
    pub fn hmac_sha256(key: &[u8]) -> Result<Self> {
        HmacKey::new(key).map(|k| Self(Signing::HmacSha256(k)))
    }

    /// An RSA private key that signs with RSASSA-PKCS1-v1_5 and SHA-256 (`SHA256withRSA`),
    /// from a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the PEM is not a valid RSA private key.
    pub fn rsa_sha256_from_pkcs8_pem(pem: &str) -> Result<Self> {
        rsa_private_key_from_pem(pem).map(|k| Self(Signing::RsaSha256(Arc::new(k))))
    }

    /// The signing algorithm's JCE name (`HmacSHA256` or `SHA256withRSA`), as written into
    /// the material description.
    pub fn algorithm(&self) -> &'static str {
        match &self.0 {
            Signing::HmacSha256(_) => HMAC_SHA256,
            Signing::RsaSha256(_) => SHA256_WITH_RSA,
        }
    }

    /// The key that verifies this key's signatures.
    pub fn verification_key(&self) -> VerificationKey {
        VerificationKey(match &self.0 {
            Signing::HmacSha256(k) => Verifying::HmacSha256(k.clone()),
            Signing::RsaSha256(k) => Verifying::RsaSha256(Arc::new(k.to_public_key())),
        })
    }

    pub(crate) fn start(&self) -> StringToSign {
        match &self.0 {
            Signing::HmacSha256(k) => StringToSign::Mac(k.0.clone()),
            Signing::RsaSha256(_) => StringToSign::Hash(Sha256::new()),
        }
    }

    /// Signs the string to sign accumulated in `data`.
    pub(crate) fn sign(&self, data: StringToSign) -> Result<Vec<u8>> {
        match (&self.0, data) {
            (Signing::HmacSha256(_), StringToSign::Mac(mac)) => {
                Ok(mac.finalize().into_bytes().to_vec())
            }
            (Signing::RsaSha256(key), StringToSign::Hash(hash)) => key
                .sign(Pkcs1v15Sign::new::<Sha256>(), &hash.finalize())
                .map_err(|_| Error::config("RSA signing failed; check the signing key")),
            _ => Err(Error::config("string to sign started with another key")),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("algorithm", &self.algorithm()).finish_non_exhaustive()
    }
}

#[derive(Clone)]
enum Verifying {
    HmacSha256(HmacKey),
    RsaSha256(Arc<PublicKey>),
}

/// The key that verifies item signatures: an HMAC-SHA256 key or an RSA public key.
///
/// # Security
///
/// HMAC key bytes are zeroized on drop and never printed.
#[derive(Clone)]
pub struct VerificationKey(Verifying);

impl VerificationKey {
    /// An HMAC-SHA256 verification key (the same bytes as the signing key).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `key` is empty.
    pub fn hmac_sha256(key: &[u8]) -> Result<Self> {
        HmacKey::new(key).map(|k| Self(Verifying::HmacSha256(k)))
    }

    /// An RSA public key (SHA256withRSA) from a PEM `-----BEGIN PUBLIC KEY-----` document.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the PEM is not a valid RSA public key.
    pub fn rsa_sha256_from_public_key_pem(pem: &str) -> Result<Self> {
        let key = PublicKey::from_public_key_pem(pem)
            .map_err(|_| Error::config("not a valid PEM RSA public key (SubjectPublicKeyInfo)"))?;
        Ok(Self(Verifying::RsaSha256(Arc::new(key))))
    }

    /// The signing algorithm's JCE name (`HmacSHA256` or `SHA256withRSA`).
    pub fn algorithm(&self) -> &'static str {
        match &self.0 {
            Verifying::HmacSha256(_) => HMAC_SHA256,
            Verifying::RsaSha256(_) => SHA256_WITH_RSA,
        }
    }

    pub(crate) fn start(&self) -> StringToSign {
        match &self.0 {
            Verifying::HmacSha256(k) => StringToSign::Mac(k.0.clone()),
            Verifying::RsaSha256(_) => StringToSign::Hash(Sha256::new()),
        }
    }

    /// Checks `signature` over the accumulated string to sign, in constant time for HMAC.
    pub(crate) fn verify(&self, data: StringToSign, signature: &[u8]) -> Result<()> {
        let valid = match (&self.0, data) {
            (Verifying::HmacSha256(_), StringToSign::Mac(mac)) => {
                mac.verify_slice(signature).is_ok()
            }
            (Verifying::RsaSha256(key), StringToSign::Hash(hash)) => {
                signature.len() == key.size()
                    && key
                        .verify(Pkcs1v15Sign::new::<Sha256>(), &hash.finalize(), signature)
                        .is_ok()
            }
            _ => false,
        };
        if valid { Ok(()) } else { Err(Error::Integrity) }
    }
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// The string to sign, accumulated as it is produced: straight into the HMAC, or into the
/// SHA-256 that RSA signs. Never materialized.
pub(crate) enum StringToSign {
    Mac(Hmac<Sha256>),
    Hash(Sha256),
}

impl StringToSign {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Mac(mac) => mac.update(bytes),
            Self::Hash(hash) => hash.update(bytes),
        }
    }
}

pub(crate) fn rsa_private_key_from_pem(pem: &str) -> Result<PrivateKey> {
    let pem = Zeroizing::new(pem.trim().to_owned());
    PrivateKey::from_pkcs8_pem(&pem)
        .map_err(|_| Error::config("not a valid PKCS#8 PEM RSA private key (BEGIN PRIVATE KEY)"))
}

#[cfg(test)]
mod tests {
    use sha2::digest::block_api::CoreProxy;

    use super::*;

    /// Compiles only while `T` wipes its memory when dropped.
    fn wiped_on_drop<T: ZeroizeOnDrop>() {}

    #[test]
    fn every_secret_a_key_holds_is_wiped_on_drop() {
        // The AES key itself; the HMAC state with the key absorbed (signing and verification
        // keys); the RSA private key, behind an `Arc`, wiped when the last clone goes.
        // `Hmac` keeps its key as two SHA-256 block states, and wipes them by their own drop.
        wiped_on_drop::<DataKey>();
        wiped_on_drop::<<Sha256 as CoreProxy>::Core>();
        wiped_on_drop::<Sha256>();
        wiped_on_drop::<PrivateKey>();
        wiped_on_drop::<Zeroizing<Vec<u8>>>();
    }

    #[test]
    fn wiping_a_data_key_clears_every_byte() {
        let mut key = DataKey::from_bytes(&[0xA5; 24]).expect("a 24-byte key");
        key.zeroize();
        assert_eq!(key.bytes, [0; 32]);
    }
}
