//! The Raw AES keyring: an AES key held by the application wraps each intermediate key with
//! AES-GCM (`docs/dbesdk-format.md`, section 6.2).

use std::fmt;

use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::consts::U12;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, KeyInit};

use super::{EncryptedDataKey, EncryptionContext, IntermediateKey, Keyring};
use crate::crypto::rng;
use crate::error::{Error, Result};

type Aes192Gcm = AesGcm<aes::Aes192, U12>;

const TAG_BITS: u32 = 128;
const IV_LEN: usize = 12;
/// The wrapped intermediate key: 32 bytes of ciphertext and the 16-byte tag.
const WRAPPED_LEN: usize = 48;

/// A Raw AES keyring: wraps with an AES-128, -192 or -256 key that the application holds.
///
/// The namespace and name identify the key in each item; readers must use the same. Wrapping
/// keys never leave the process; store and rotate them yourself (a KMS-backed keyring does
/// that for you).
///
/// ```
/// use ddb_encrypt::keyring::RawAesKeyring;
///
/// let keyring = RawAesKeyring::new("my-app", "orders-2026", &[7; 32])?;
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
#[derive(Clone)]
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    cipher: Cipher,
}

#[derive(Clone)]
enum Cipher {
    Aes128(Box<Aes128Gcm>),
    Aes192(Box<Aes192Gcm>),
    Aes256(Box<Aes256Gcm>),
}

impl fmt::Debug for RawAesKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawAesKeyring")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RawAesKeyring {
    /// A keyring for the AES key `key` (16, 24 or 32 bytes), known to readers by `namespace`
    /// and `name`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a key of another length, or a namespace starting with `aws-kms`
    /// (reserved for the KMS keyrings).
    pub fn new(namespace: impl Into<String>, name: impl Into<String>, key: &[u8]) -> Result<Self> {
        let namespace = namespace.into();
        if namespace.starts_with("aws-kms") {
            return Err(Error::config(
                "a Raw AES keyring's namespace cannot start with `aws-kms`, which names the KMS \
                 keyrings; choose your own namespace",
            ));
        }
        let cipher = match key.len() {
            16 => Aes128Gcm::new_from_slice(key).ok().map(|c| Cipher::Aes128(Box::new(c))),
            24 => Aes192Gcm::new_from_slice(key).ok().map(|c| Cipher::Aes192(Box::new(c))),
            32 => Aes256Gcm::new_from_slice(key).ok().map(|c| Cipher::Aes256(Box::new(c))),
            _ => None,
        }
        .ok_or_else(|| {
            Error::config(format_args!(
                "a Raw AES wrapping key must be 16, 24 or 32 bytes long, not {}",
                key.len()
            ))
        })?;
        Ok(Self { namespace, name: name.into(), cipher })
    }

    /// `name || u32be(128) || u32be(12) || iv`.
    fn provider_info(&self, iv: &[u8; IV_LEN]) -> Vec<u8> {
        let mut info = Vec::with_capacity(self.name.len() + 8 + IV_LEN);
        info.extend_from_slice(self.name.as_bytes());
        info.extend_from_slice(&TAG_BITS.to_be_bytes());
        info.extend_from_slice(&u32::try_from(IV_LEN).unwrap_or(12).to_be_bytes());
        info.extend_from_slice(iv);
        info
    }

    fn seal(&self, iv: &[u8; IV_LEN], aad: &[u8], buffer: &mut [u8]) -> Option<[u8; 16]> {
        let tag = match &self.cipher {
            Cipher::Aes128(c) => c.encrypt_inout_detached(iv.into(), aad, buffer.into()),
            Cipher::Aes192(c) => c.encrypt_inout_detached(iv.into(), aad, buffer.into()),
            Cipher::Aes256(c) => c.encrypt_inout_detached(iv.into(), aad, buffer.into()),
        };
        tag.ok().map(Into::into)
    }

    fn open(&self, iv: &[u8; IV_LEN], aad: &[u8], buffer: &mut [u8], tag: &[u8; 16]) -> bool {
        let tag = tag.into();
        match &self.cipher {
            Cipher::Aes128(c) => c.decrypt_inout_detached(iv.into(), aad, buffer.into(), tag),
            Cipher::Aes192(c) => c.decrypt_inout_detached(iv.into(), aad, buffer.into(), tag),
            Cipher::Aes256(c) => c.decrypt_inout_detached(iv.into(), aad, buffer.into(), tag),
        }
        .is_ok()
    }
}

#[async_trait::async_trait]
impl Keyring for RawAesKeyring {
    async fn wrap_keys(
        &self,
        context: &EncryptionContext,
    ) -> Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        let key = IntermediateKey::generate()?;
        let iv: [u8; IV_LEN] = rng::array()?;
        let mut wrapped = Vec::with_capacity(WRAPPED_LEN);
        wrapped.extend_from_slice(key.as_bytes());
        let tag = self
            .seal(&iv, &context.serialize()?, &mut wrapped)
            .ok_or(Error::Internal("AES-GCM refused a data key"))?;
        wrapped.extend_from_slice(&tag);
        let edk = EncryptedDataKey::new(self.namespace.clone(), self.provider_info(&iv), wrapped);
        Ok(vec![(key, edk)])
    }

    async fn unwrap_key(
        &self,
        context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> Result<Option<IntermediateKey>> {
        if key.provider_id() != self.namespace {
            return Ok(None);
        }
        let Some(iv) = key
            .provider_info()
            .strip_prefix(self.name.as_bytes())
            .and_then(|rest| rest.strip_prefix(&TAG_BITS.to_be_bytes()))
            .and_then(|rest| rest.strip_prefix(&12u32.to_be_bytes()))
            .and_then(|iv| <[u8; IV_LEN]>::try_from(iv).ok())
        else {
            return Ok(None);
        };
        let Some((ciphertext, tag)) = key.ciphertext().split_at_checked(32) else {
            return Ok(None);
        };
        let Ok(tag) = <&[u8; 16]>::try_from(tag) else {
            return Ok(None);
        };
        let mut plain = zeroize::Zeroizing::new([0u8; 32]);
        plain.copy_from_slice(ciphertext);
        if !self.open(&iv, &context.serialize()?, plain.as_mut_slice(), tag) {
            return Ok(None);
        }
        IntermediateKey::from_bytes(plain.as_slice()).map(Some)
    }
}
