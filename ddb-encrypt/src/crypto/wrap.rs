//! Content-key wrapping: AES Key Wrap (RFC 3394), RSA-OAEP with SHA-256 and MGF1-SHA-1 (the
//! JCE default for `RSA/ECB/OAEPWithSHA-256AndMGF1Padding`), and RSA PKCS#1 v1.5 for old Java
//! items.

use aes_kw::{KeyInit, KwAes128, KwAes192, KwAes256};
use rsa::{Oaep, Pkcs1v15Encrypt, PrivateKey, PublicKey};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use super::DataKey;
use crate::error::{Error, Result};

const KW_IV_LEN: usize = 8;

/// AES Key Wrap of `key` under `kek`.
pub(crate) fn aes_wrap(kek: &DataKey, key: &DataKey) -> Vec<u8> {
    let mut out = vec![0; key.len() + KW_IV_LEN];
    let wrapped = match kek.len() {
        16 => KwAes128::new_from_slice(kek.as_bytes())
            .map(|kw| kw.wrap_key(key.as_bytes(), &mut out).map(|_| ())),
        24 => KwAes192::new_from_slice(kek.as_bytes())
            .map(|kw| kw.wrap_key(key.as_bytes(), &mut out).map(|_| ())),
        _ => KwAes256::new_from_slice(kek.as_bytes())
            .map(|kw| kw.wrap_key(key.as_bytes(), &mut out).map(|_| ())),
    };
    debug_assert!(
        matches!(wrapped, Ok(Ok(()))),
        "key lengths are multiples of 8 and buffers sized"
    );
    out
}

/// AES Key Unwrap; `None` if the integrity check fails or the result is not an AES key.
pub(crate) fn aes_unwrap(kek: &DataKey, wrapped: &[u8]) -> Option<DataKey> {
    let len = wrapped.len().checked_sub(KW_IV_LEN).filter(|n| [16, 24, 32].contains(n))?;
    let mut out = Zeroizing::new([0u8; 32]);
    let buf = &mut out[..len];
    let ok = match kek.len() {
        16 => KwAes128::new_from_slice(kek.as_bytes()).ok()?.unwrap_key(wrapped, buf).is_ok(),
        24 => KwAes192::new_from_slice(kek.as_bytes()).ok()?.unwrap_key(wrapped, buf).is_ok(),
        _ => KwAes256::new_from_slice(kek.as_bytes()).ok()?.unwrap_key(wrapped, buf).is_ok(),
    };
    if !ok {
        return None;
    }
    DataKey::from_bytes(&out[..len]).ok()
}

/// RSA-OAEP (SHA-256, MGF1-SHA-1, empty label) of `key`.
pub(crate) fn rsa_oaep_wrap(public: &PublicKey, key: &DataKey) -> Result<Vec<u8>> {
    let mut rng = getrandom::SysRng;
    public
        .encrypt(&mut rng, Oaep::<Sha256, Sha1>::new_with_mgf_hash(), key.as_bytes())
        .map_err(|_| Error::config("RSA-OAEP wrapping failed; the wrapping key may be too small"))
}

/// The OAEP hash of a JCE transformation `RSA/ECB/OAEPWith<hash>AndMGF1Padding`; MGF1 always
/// uses SHA-1, the JCE default that the Java and Python clients share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OaepHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// RSA-OAEP (MGF1-SHA-1) unwrap, constant time in `rsa` 0.10; `None` on failure.
pub(crate) fn rsa_oaep_unwrap(
    private: &PrivateKey,
    hash: OaepHash,
    wrapped: &[u8],
) -> Option<DataKey> {
    let key = match hash {
        OaepHash::Sha1 => private.decrypt(Oaep::<Sha1, Sha1>::new_with_mgf_hash(), wrapped),
        OaepHash::Sha256 => private.decrypt(Oaep::<Sha256, Sha1>::new_with_mgf_hash(), wrapped),
        OaepHash::Sha384 => private.decrypt(Oaep::<Sha384, Sha1>::new_with_mgf_hash(), wrapped),
        OaepHash::Sha512 => private.decrypt(Oaep::<Sha512, Sha1>::new_with_mgf_hash(), wrapped),
    };
    let key = Zeroizing::new(key.ok()?);
    DataKey::from_bytes(&key).ok()
}

/// RSA PKCS#1 v1.5 unwrap (old Java items without `amzn-ddb-wrap-alg`). `rsa` answers invalid
/// padding with implicit rejection (a synthetic plaintext), so a forged key only ever fails
/// later, at the signature check, without a padding oracle.
pub(crate) fn rsa_pkcs1_unwrap(private: &PrivateKey, wrapped: &[u8]) -> Option<DataKey> {
    let key = Zeroizing::new(private.decrypt(Pkcs1v15Encrypt, wrapped).ok()?);
    DataKey::from_bytes(&key).ok()
}
