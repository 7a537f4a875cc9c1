//! AES-CBC with PKCS#7 padding and a prepended 16-byte IV: the legacy attribute encryption
//! (legacy-format.md section 3).

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use zeroize::Zeroizing;

use super::DataKey;

pub(crate) const IV_LEN: usize = 16;
const BLOCK: usize = 16;

/// `IV || AES-CBC-PKCS7(key, IV, plaintext)`.
pub(crate) fn encrypt(key: &DataKey, iv: &[u8; IV_LEN], plaintext: &[u8]) -> Vec<u8> {
    let padded = (plaintext.len() / BLOCK + 1) * BLOCK;
    let mut out = vec![0; IV_LEN + padded];
    let (head, body) = out.split_at_mut(IV_LEN);
    head.copy_from_slice(iv);
    body[..plaintext.len()].copy_from_slice(plaintext);
    let result = match key.len() {
        16 => {
            encryptor::<Aes128>(key, iv).encrypt_padded::<Pkcs7>(body, plaintext.len()).map(|_| ())
        }
        24 => {
            encryptor::<Aes192>(key, iv).encrypt_padded::<Pkcs7>(body, plaintext.len()).map(|_| ())
        }
        _ => {
            encryptor::<Aes256>(key, iv).encrypt_padded::<Pkcs7>(body, plaintext.len()).map(|_| ())
        }
    };
    debug_assert!(result.is_ok(), "the buffer has room for the padding by construction");
    out
}

fn encryptor<C>(key: &DataKey, iv: &[u8; IV_LEN]) -> cbc::Encryptor<C>
where
    cbc::Encryptor<C>: KeyIvInit,
    C: cbc::cipher::BlockCipherEncrypt,
{
    cbc::Encryptor::<C>::new_from_slices(key.as_bytes(), iv)
        .unwrap_or_else(|_| unreachable!("DataKey lengths are valid AES key lengths"))
}

/// Splits `IV || ciphertext` and decrypts. `None` for a short or misaligned input or bad
/// padding; the caller turns that into the opaque integrity error.
pub(crate) fn decrypt(key: &DataKey, stored: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if stored.len() < IV_LEN + BLOCK || !stored.len().is_multiple_of(BLOCK) {
        return None;
    }
    let (iv, body) = stored.split_at(IV_LEN);
    let mut buf = Zeroizing::new(body.to_vec());
    let len = match key.len() {
        16 => decryptor::<Aes128>(key, iv).decrypt_padded::<Pkcs7>(&mut buf).ok()?.len(),
        24 => decryptor::<Aes192>(key, iv).decrypt_padded::<Pkcs7>(&mut buf).ok()?.len(),
        _ => decryptor::<Aes256>(key, iv).decrypt_padded::<Pkcs7>(&mut buf).ok()?.len(),
    };
    buf.truncate(len);
    Some(buf)
}

fn decryptor<C>(key: &DataKey, iv: &[u8]) -> cbc::Decryptor<C>
where
    cbc::Decryptor<C>: KeyIvInit,
    C: cbc::cipher::BlockCipherDecrypt,
{
    cbc::Decryptor::<C>::new_from_slices(key.as_bytes(), iv)
        .unwrap_or_else(|_| unreachable!("DataKey and IV lengths are checked"))
}
