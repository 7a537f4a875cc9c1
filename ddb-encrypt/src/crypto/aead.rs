//! The GCM format's attribute encryption (gcm-format.md sections 2 and 3): a per-item key
//! from HKDF-SHA256, then AES-256-GCM with the attribute name as associated data.

use std::ops::Range;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::codec;

pub(crate) const SALT_LEN: usize = 32;
pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;
const ITEM_KEY_LABEL: &[u8] = b"ddbe-gcm-item-key";
const ATTRIBUTE_LABEL: &[u8] = b"ddbe-gcm-attr";

/// The HKDF `info` for a table: `"ddbe-gcm-item-key" || LV(utf8(table name))`.
pub(crate) fn item_key_info(table_name: &str) -> Vec<u8> {
    let mut info = Vec::with_capacity(ITEM_KEY_LABEL.len() + 4 + table_name.len());
    info.extend_from_slice(ITEM_KEY_LABEL);
    // A table name is at most 255 bytes; a longer one still encodes as long as it fits a u32.
    let _ = codec::put_lv(&mut info, table_name.as_bytes());
    info
}

/// The cipher for one item: AES-256-GCM under `HKDF-SHA256(content key, salt, info)`.
pub(crate) struct ItemCipher(Aes256Gcm);

impl ItemCipher {
    pub(crate) fn new(content_key: &[u8; 32], salt: &[u8; SALT_LEN], info: &[u8]) -> Self {
        let mut item_key = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(salt), content_key)
            .expand(info, item_key.as_mut())
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 output length"));
        let item_key: &[u8; 32] = &item_key;
        Self(Aes256Gcm::new(item_key.into()))
    }

    /// Encrypts `nonce || plaintext` in place with associated data `aad`, appending the tag:
    /// `buffer` becomes `nonce || ciphertext || tag`, the stored form.
    pub(crate) fn encrypt_in_place(&self, aad: &[u8], buffer: &mut Vec<u8>) -> Option<()> {
        let (nonce, plaintext) = buffer.split_at_mut_checked(NONCE_LEN)?;
        let nonce: &[u8; NONCE_LEN] = (&*nonce).try_into().ok()?;
        let tag = self.0.encrypt_inout_detached(nonce.into(), aad, plaintext.into()).ok()?;
        buffer.extend_from_slice(&tag);
        Some(())
    }

    /// Decrypts `nonce || ciphertext || tag` in place; where in `stored` the plaintext is,
    /// or `None` if the input is too short or inauthentic.
    pub(crate) fn decrypt_in_place(&self, aad: &[u8], stored: &mut [u8]) -> Option<Range<usize>> {
        let end = stored.len().checked_sub(NONCE_LEN + TAG_LEN)? + NONCE_LEN;
        let (nonce, rest) = stored.split_at_mut(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at_mut(end - NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = (&*nonce).try_into().ok()?;
        let tag: &[u8; TAG_LEN] = (&*tag).try_into().ok()?;
        self.0.decrypt_inout_detached(nonce.into(), aad, ciphertext.into(), tag.into()).ok()?;
        Some(NONCE_LEN..end)
    }
}

/// Writes `"ddbe-gcm-attr" || LV(utf8(name))` into `aad`.
pub(crate) fn attribute_aad_into(name: &str, aad: &mut Vec<u8>) {
    aad.clear();
    aad.extend_from_slice(ATTRIBUTE_LABEL);
    // Attribute names are at most 65535 bytes (checked on encryption); a longer one, which
    // only an altered item could hold, gets a prefix no real name has and fails to decrypt.
    let _ = codec::put_lv(aad, name.as_bytes());
}
