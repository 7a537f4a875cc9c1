//! The DB-ESDK key schedule and primitives (`docs/dbesdk-format.md`, section 5): key commitment,
//! per-field keys, field encryption, recipient tags and the ECDSA P-384 item signature.

use aes::Aes256;
use aes::cipher::BlockCipherEncrypt;
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use aws_lc_rs::encoding::{AsBigEndian, EcPublicKeyCompressedBin};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Sha384, Sha512};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub(crate) const MESSAGE_ID_LEN: usize = 32;
pub(crate) const COMMITMENT_LEN: usize = 32;
pub(crate) const TAG_LEN: usize = 48;
/// The DER signature is always exactly this long: the writer signs again until it is.
pub(crate) const SIGNATURE_LEN: usize = 103;
pub(crate) const GCM_TAG_LEN: usize = 16;
/// The largest field index: three counter blocks per field must fit a `u32`.
pub(crate) const MAX_FIELDS: usize = 1_431_655_765;

const COMMIT_KEY_LABEL: &[u8] = b"AWS_DBE_COMMIT_KEY";
const DERIVE_KEY_LABEL: &[u8] = b"AWS_DBE_DERIVE_KEY";
const FIELD_KEY_LABEL: &[u8; 11] = b"AwsDbeField";
/// The length of a field's key and nonce, written into every counter block.
const FIELD_KEY_MATERIAL_LEN: u8 = 44;

/// The keys of one item, derived from its data key and message id.
pub(crate) struct ItemKeys {
    commit_key: Zeroizing<[u8; 32]>,
    field_root: Aes256,
}

impl ItemKeys {
    pub(crate) fn derive(data_key: &[u8; 32], message_id: &[u8; MESSAGE_ID_LEN]) -> Self {
        let hkdf = Hkdf::<Sha512>::new(None, data_key);
        let expand = |label: &[u8]| {
            let mut key = Zeroizing::new([0u8; 32]);
            hkdf.expand_multi_info(&[label, message_id], key.as_mut())
                .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA512 length"));
            key
        };
        let commit_key = expand(COMMIT_KEY_LABEL);
        let root = expand(DERIVE_KEY_LABEL);
        let root: &[u8; 32] = &root;
        Self { commit_key, field_root: Aes256::new(root.into()) }
    }

    /// The header commitment: HMAC-SHA512 of the header before it, truncated to 32 bytes.
    pub(crate) fn commitment(&self, header_body: &[u8]) -> [u8; COMMITMENT_LEN] {
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(self.commit_key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(header_body);
        let full = mac.finalize().into_bytes();
        let mut out = [0; COMMITMENT_LEN];
        out.copy_from_slice(full.get(..COMMITMENT_LEN).unwrap_or_default());
        out
    }

    /// The cipher and nonce of the `index`-th encrypted field: 44 bytes of AES-256-CTR
    /// keystream under the field root key, from the counter block `"AwsDbeField" || 44 ||
    /// u32be(3 * index)`.
    pub(crate) fn field(&self, index: usize) -> Option<FieldCipher> {
        let material = self.field_material(index)?;
        let key: &[u8; 32] = material.get(..32)?.try_into().ok()?;
        let nonce: [u8; 12] = material.get(32..44)?.try_into().ok()?;
        Some(FieldCipher { cipher: Aes256Gcm::new(key.into()), nonce })
    }

    /// The 44 bytes of key and nonce of the `index`-th field (in a 48-byte block-sized buffer).
    fn field_material(&self, index: usize) -> Option<Zeroizing<[u8; 48]>> {
        let first = u32::try_from(index.checked_mul(3)?).ok()?.checked_add(2)? - 2;
        let mut material = Zeroizing::new([0u8; 48]);
        for (n, chunk) in (first..).zip(material.chunks_exact_mut(16)) {
            let mut block = [0u8; 16];
            block[..11].copy_from_slice(FIELD_KEY_LABEL);
            block[11] = FIELD_KEY_MATERIAL_LEN;
            block[12..].copy_from_slice(&n.to_be_bytes());
            let mut block = aes::Block::from(block);
            self.field_root.encrypt_block(&mut block);
            chunk.copy_from_slice(&block);
        }
        Some(material)
    }

    /// Keys with a given field root key, for known-answer tests of the field keys.
    #[cfg(test)]
    pub(crate) fn field_material_for_root(root: &[u8; 32], index: usize) -> Option<[u8; 44]> {
        let keys =
            Self { commit_key: Zeroizing::new([0; 32]), field_root: Aes256::new(root.into()) };
        keys.field_material(index)?.get(..44)?.try_into().ok()
    }
}

/// AES-256-GCM under one field's key and nonce.
pub(crate) struct FieldCipher {
    cipher: Aes256Gcm,
    nonce: [u8; 12],
}

impl FieldCipher {
    /// Encrypts `buffer[start..]` in place and appends the tag.
    pub(crate) fn seal(&self, aad: &[u8], buffer: &mut Vec<u8>, start: usize) -> Option<()> {
        let plaintext = buffer.get_mut(start..)?;
        let tag =
            self.cipher.encrypt_inout_detached((&self.nonce).into(), aad, plaintext.into()).ok()?;
        buffer.extend_from_slice(&tag);
        Some(())
    }

    /// Decrypts `ciphertext || tag` in place; the plaintext is the first `len - 16` bytes.
    pub(crate) fn open(&self, aad: &[u8], sealed: &mut [u8]) -> Option<usize> {
        let len = sealed.len().checked_sub(GCM_TAG_LEN)?;
        let (ciphertext, tag) = sealed.split_at_mut(len);
        let tag: &[u8; GCM_TAG_LEN] = (&*tag).try_into().ok()?;
        self.cipher
            .decrypt_inout_detached((&self.nonce).into(), aad, ciphertext.into(), tag.into())
            .ok()?;
        Some(len)
    }
}

/// A recipient tag: HMAC-SHA384 of the canonical hash under a recipient's symmetric key.
pub(crate) fn recipient_tag(key: &[u8; 32], canonical_hash: &[u8; 48]) -> [u8; TAG_LEN] {
    let mut mac = <Hmac<Sha384> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(canonical_hash);
    mac.finalize().into_bytes().into()
}

/// Constant-time equality of two byte strings.
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// A fresh ECDSA P-384 key pair for one item, with its public key as the encryption context
/// carries it (standard base64 of the compressed point).
pub(crate) struct ItemSigner {
    pair: EcdsaKeyPair,
    public_key: String,
}

impl std::fmt::Debug for ItemSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemSigner").finish_non_exhaustive()
    }
}

impl ItemSigner {
    pub(crate) fn generate() -> Result<Self> {
        let pair =
            EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).map_err(|_| Error::Random)?;
        let point: EcPublicKeyCompressedBin<'_> =
            pair.public_key().as_be_bytes().map_err(|_| Error::Internal("P-384 point encoding"))?;
        let public_key = BASE64.encode(point.as_ref());
        Ok(Self { pair, public_key })
    }

    pub(crate) fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Signs the canonical hash (hashed again with SHA-384), as DER of exactly 103 bytes.
    ///
    /// The DER is 103 bytes when exactly one of `r` and `s` has its top bit set (and neither
    /// starts with a zero byte). `(r, n - s)` is as valid a signature as `(r, s)`, and exactly
    /// one of `s` and `n - s` has its top bit set, so one signature almost always does; a new
    /// one (with a fresh nonce) is made only when `r` or `s` starts with a zero byte.
    pub(crate) fn sign(&self, canonical_hash: &[u8; 48]) -> Result<[u8; SIGNATURE_LEN]> {
        let rng = SystemRandom::new();
        for _ in 0..64 {
            let signature = self.pair.sign(&rng, canonical_hash).map_err(|_| Error::Random)?;
            if let Some(fixed) = fixed_length(signature.as_ref()) {
                return Ok(fixed);
            }
        }
        Err(Error::Internal("no 103-byte ECDSA signature in 64 attempts"))
    }
}

/// The order of the P-384 group.
const P384_ORDER: [u8; 48] = hex_literal::hex!(
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"
);

/// The DER signature `(r, s)` rewritten as `(r, s)` or `(r, n - s)`, whichever encodes in
/// exactly 103 bytes; `None` if neither does.
fn fixed_length(der: &[u8]) -> Option<[u8; SIGNATURE_LEN]> {
    let (r, s) = parse_der_pair(der)?;
    let mut s = s;
    if (r[0] & 0x80 == 0) == (s[0] & 0x80 == 0) {
        s = order_minus(&s);
    }
    let mut out = [0u8; SIGNATURE_LEN];
    let mut at = 2;
    for value in [&r, &s] {
        if value[0] == 0 {
            return None;
        }
        let padded = value[0] & 0x80 != 0;
        let len = 48 + usize::from(padded);
        out.get_mut(at..at + 2)?.copy_from_slice(&[0x02, u8::try_from(len).ok()?]);
        at += 2 + usize::from(padded);
        out.get_mut(at..at + 48)?.copy_from_slice(value);
        at += 48;
    }
    if at != SIGNATURE_LEN {
        return None;
    }
    out[0] = 0x30;
    out[1] = u8::try_from(SIGNATURE_LEN - 2).ok()?;
    Some(out)
}

/// `r` and `s` of a DER `SEQUENCE { INTEGER r, INTEGER s }`, as 48-byte big-endian numbers.
fn parse_der_pair(der: &[u8]) -> Option<([u8; 48], [u8; 48])> {
    let (&tag, rest) = der.split_first()?;
    let (&len, mut rest) = rest.split_first()?;
    if tag != 0x30 || usize::from(len) != rest.len() {
        return None;
    }
    let mut pair = [[0u8; 48]; 2];
    for value in &mut pair {
        let (&[tag, len], tail) = rest.split_first_chunk::<2>()?;
        let (bytes, tail) = tail.split_at_checked(usize::from(len))?;
        if tag != 0x02 {
            return None;
        }
        let bytes = bytes.strip_prefix(&[0]).unwrap_or(bytes);
        let start = 48usize.checked_sub(bytes.len())?;
        value.get_mut(start..)?.copy_from_slice(bytes);
        rest = tail;
    }
    rest.is_empty().then_some((pair[0], pair[1]))
}

/// `n - s` for `0 < s < n`.
fn order_minus(s: &[u8; 48]) -> [u8; 48] {
    let mut out = [0u8; 48];
    let mut borrow = 0i16;
    for i in (0..48).rev() {
        let mut digit = i16::from(P384_ORDER[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = u8::try_from(digit).unwrap_or_default();
    }
    out
}

/// Checks an item signature against the public key from the encryption context.
pub(crate) fn verify_signature(
    public_key: &str,
    canonical_hash: &[u8; 48],
    signature: &[u8],
) -> bool {
    let Ok(point) = BASE64.decode(public_key) else {
        return false;
    };
    // A compressed P-384 point: a parity byte and the 48-byte x coordinate.
    if point.len() != 49 || signature.len() != SIGNATURE_LEN {
        return false;
    }
    UnparsedPublicKey::new(&ECDSA_P384_SHA384_ASN1, point).verify(canonical_hash, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_is_103_bytes_and_verifies_after_its_s_is_flipped() {
        let signer = ItemSigner::generate().unwrap();
        for round in 0u8..64 {
            let hash = [round; 48];
            let signature = signer.sign(&hash).unwrap();
            assert!(verify_signature(signer.public_key(), &hash, &signature), "round {round}");
            let other = [round ^ 1; 48];
            assert!(!verify_signature(signer.public_key(), &other, &signature), "round {round}");
        }
    }

    #[test]
    fn the_order_minus_s_round_trips_and_flips_the_top_bit() {
        let mut s = [0u8; 48];
        s[0] = 0x12;
        s[47] = 0x34;
        let flipped = order_minus(&s);
        assert_ne!(flipped[0] & 0x80, 0);
        assert_eq!(order_minus(&flipped), s);
    }
}
