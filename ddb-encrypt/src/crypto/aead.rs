//! The GCM format's attribute encryption (gcm-format.md sections 2 and 3): a per-item key
//! from HKDF-SHA256, then AES-256-GCM with the attribute name as associated data.

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

    /// Encrypts `plaintext`, returning `nonce || ciphertext || tag`.
    pub(crate) fn encrypt(&self, nonce: &[u8; NONCE_LEN], name: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(nonce);
        out.extend_from_slice(plaintext);
        let tag = self
            .0
            .encrypt_inout_detached(
                nonce.into(),
                &attribute_aad(name),
                (&mut out[NONCE_LEN..]).into(),
            )
            .unwrap_or_else(|_| unreachable!("DynamoDB values are far below GCM's length limit"));
        out.extend_from_slice(&tag);
        out
    }

    /// Decrypts `nonce || ciphertext || tag`; `None` if it is too short or inauthentic.
    pub(crate) fn decrypt(&self, name: &str, stored: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if stored.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, rest) = stored.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        self.0
            .decrypt_inout_detached(
                nonce.try_into().ok()?,
                &attribute_aad(name),
                buf.as_mut_slice().into(),
                tag.try_into().ok()?,
            )
            .ok()?;
        Some(buf)
    }
}

/// `"ddbe-gcm-attr" || LV(utf8(name))`.
pub(crate) fn attribute_aad(name: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(ATTRIBUTE_LABEL.len() + 4 + name.len());
    aad.extend_from_slice(ATTRIBUTE_LABEL);
    let _ = codec::put_lv(&mut aad, name.as_bytes());
    aad
}
