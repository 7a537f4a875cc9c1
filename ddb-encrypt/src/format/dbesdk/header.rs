//! The header `aws_dbe_head` (`docs/dbesdk-format.md`, section 4.1): parsed strictly, from
//! untrusted bytes, with every length bounded by the input.
#![warn(clippy::indexing_slicing, clippy::cast_possible_truncation)]

use crate::codec::{self, DecodeError, Reader, TooLong};
use crate::keyring::EncryptedDataKey;

use super::crypto::{COMMITMENT_LEN, MESSAGE_ID_LEN};

/// A parsed header. `body` is every byte before the commitment.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) version: u8,
    pub(crate) flavor: u8,
    pub(crate) message_id: [u8; MESSAGE_ID_LEN],
    pub(crate) legend: &'a [u8],
    /// The stored part of the encryption context, strictly ascending by key.
    pub(crate) stored_context: Vec<(String, String)>,
    /// The wrapped data keys, each ciphertext in full (encrypted data key first).
    pub(crate) keys: Vec<EncryptedDataKey>,
    pub(crate) body: &'a [u8],
    pub(crate) commitment: &'a [u8],
}

impl<'a> Header<'a> {
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        let flavor = r.u8()?;
        if !matches!(version, 1 | 2) || !matches!(flavor, 0 | 1) {
            return Err(DecodeError);
        }
        let message_id = r.take(MESSAGE_ID_LEN)?.try_into().map_err(|_| DecodeError)?;
        let legend_len = usize::from(r.u16()?);
        let legend = r.take(legend_len)?;
        let pairs = usize::from(r.u16()?);
        let mut stored_context = Vec::with_capacity(pairs.min(r.rest().len() / 4));
        for _ in 0..pairs {
            let key = utf8(r.lv16()?)?;
            let value = utf8(r.lv16()?)?;
            if stored_context
                .last()
                .is_some_and(|(last, _): &(String, String)| last.as_bytes() >= key.as_bytes())
            {
                return Err(DecodeError);
            }
            stored_context.push((key, value));
        }
        let count = r.u8()?;
        if count == 0 {
            return Err(DecodeError);
        }
        let mut keys = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let provider_id = utf8(r.lv16()?)?;
            let provider_info = r.lv16()?.to_vec();
            let ciphertext = r.lv16()?.to_vec();
            keys.push(EncryptedDataKey::new(provider_id, provider_info, ciphertext));
        }
        let body_len = bytes.len() - r.rest().len();
        let commitment = r.take(COMMITMENT_LEN)?;
        r.finish()?;
        let body = bytes.get(..body_len).ok_or(DecodeError)?;
        Ok(Self { version, flavor, message_id, legend, stored_context, keys, body, commitment })
    }
}

/// Writes a header without its commitment.
pub(crate) fn write_body(
    version: u8,
    flavor: u8,
    message_id: &[u8; MESSAGE_ID_LEN],
    legend: &[u8],
    stored_context: &[(&str, &str)],
    keys: &[EncryptedDataKey],
    out: &mut Vec<u8>,
) -> Result<(), TooLong> {
    out.push(version);
    out.push(flavor);
    out.extend_from_slice(message_id);
    codec::put_lv16(out, legend)?;
    let pairs = u16::try_from(stored_context.len()).map_err(|_| TooLong)?;
    out.extend_from_slice(&pairs.to_be_bytes());
    for (key, value) in stored_context {
        codec::put_lv16(out, key.as_bytes())?;
        codec::put_lv16(out, value.as_bytes())?;
    }
    out.push(u8::try_from(keys.len()).map_err(|_| TooLong)?);
    for key in keys {
        codec::put_lv16(out, key.provider_id().as_bytes())?;
        codec::put_lv16(out, key.provider_info())?;
        codec::put_lv16(out, key.ciphertext())?;
    }
    Ok(())
}

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| DecodeError)
}
