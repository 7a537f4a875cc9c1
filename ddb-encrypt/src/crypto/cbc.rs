//! AES-CBC with PKCS#7 padding and a prepended 16-byte IV: the legacy attribute encryption
//! (`docs/legacy-format.md` section 3).

use std::ops::Range;

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};

use super::DataKey;

pub(crate) const IV_LEN: usize = 16;
const BLOCK: usize = 16;

/// The bytes PKCS#7 padding adds to `len` bytes (1 to 16).
pub(crate) const fn padding(len: usize) -> usize {
    BLOCK - len % BLOCK
}

/// Encrypts `IV || plaintext` in place into `IV || AES-CBC-PKCS7(key, IV, plaintext)`, the
/// stored form. `None` if `buffer` is shorter than an IV.
pub(crate) fn encrypt_in_place(key: &DataKey, buffer: &mut Vec<u8>) -> Option<()> {
    let len = buffer.len().checked_sub(IV_LEN)?;
    buffer.resize(IV_LEN + len + padding(len), 0);
    let (iv, body) = buffer.split_at_mut(IV_LEN);
    let iv: &[u8; IV_LEN] = (&*iv).try_into().ok()?;
    let result = match key.len() {
        16 => encryptor::<Aes128>(key, iv).encrypt_padded::<Pkcs7>(body, len).map(|_| ()),
        24 => encryptor::<Aes192>(key, iv).encrypt_padded::<Pkcs7>(body, len).map(|_| ()),
        _ => encryptor::<Aes256>(key, iv).encrypt_padded::<Pkcs7>(body, len).map(|_| ()),
    };
    result.ok()
}

fn encryptor<C>(key: &DataKey, iv: &[u8; IV_LEN]) -> cbc::Encryptor<C>
where
    cbc::Encryptor<C>: KeyIvInit,
    C: cbc::cipher::BlockCipherEncrypt,
{
    cbc::Encryptor::<C>::new_from_slices(key.as_bytes(), iv)
        .unwrap_or_else(|_| unreachable!("DataKey lengths are valid AES key lengths"))
}

/// Decrypts `IV || ciphertext` in place; where in `stored` the plaintext is, or `None` for a
/// short or misaligned input or bad padding (the caller turns that into the opaque integrity
/// error).
pub(crate) fn decrypt_in_place(key: &DataKey, stored: &mut [u8]) -> Option<Range<usize>> {
    if stored.len() < IV_LEN + BLOCK || !stored.len().is_multiple_of(BLOCK) {
        return None;
    }
    let (iv, body) = stored.split_at_mut(IV_LEN);
    let iv: &[u8] = iv;
    let plaintext = match key.len() {
        16 => decryptor::<Aes128>(key, iv).decrypt_padded::<Pkcs7>(body).ok()?,
        24 => decryptor::<Aes192>(key, iv).decrypt_padded::<Pkcs7>(body).ok()?,
        _ => decryptor::<Aes256>(key, iv).decrypt_padded::<Pkcs7>(body).ok()?,
    };
    Some(IV_LEN..IV_LEN + plaintext.len())
}

fn decryptor<C>(key: &DataKey, iv: &[u8]) -> cbc::Decryptor<C>
where
    cbc::Decryptor<C>: KeyIvInit,
    C: cbc::cipher::BlockCipherDecrypt,
{
    cbc::Decryptor::<C>::new_from_slices(key.as_bytes(), iv)
        .unwrap_or_else(|_| unreachable!("DataKey and IV lengths are checked"))
}
