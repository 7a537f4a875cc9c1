//! Entry points into the crate's internals for `fuzz/` and for cross-checks in the workspace's
//! tests (the rustls `internal::fuzzing` pattern). Not part of the public API: hidden, unstable,
//! and free to change in any release.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::attribute::{self, NumberForm};
use crate::material_description::MaterialDescription;
use crate::number;

/// Serializes a value as for encryption (`python_numbers = false`) or as the legacy signature
/// of SIGN_ONLY values hashes it (`python_numbers = true`).
/// `None` if the value cannot be serialized.
pub fn serialize_attribute(value: &AttributeValue, python_numbers: bool) -> Option<Vec<u8>> {
    let form = if python_numbers { NumberForm::Python } else { NumberForm::Exact };
    let mut out = Vec::new();
    attribute::serialize(value, form, &mut out).ok()?;
    Some(out)
}

/// Decodes a serialized value.
/// `None` if the bytes are not exactly one valid serialized value.
pub fn deserialize_attribute(bytes: &[u8]) -> Option<AttributeValue> {
    attribute::deserialize(bytes).ok()
}

/// Decodes a material description; returns it and whether a key repeated.
/// `None` if the bytes are not a valid version-0 description.
pub fn decode_material_description(bytes: &[u8]) -> Option<(MaterialDescription, bool)> {
    MaterialDescription::from_bytes(bytes).ok()
}

/// Encodes a material description.
/// `None` if an entry is longer than 4 GiB.
pub fn encode_material_description(md: &MaterialDescription) -> Option<Vec<u8>> {
    md.to_bytes().ok()
}

/// The canonical text of a number: exact, or the Python client's 28-digit form.
pub fn canonical_number(text: &str, python: bool) -> Option<String> {
    let mut out = Vec::new();
    let result = if python {
        number::canonical_python(text, &mut out)
    } else {
        number::canonical_exact(text, &mut out)
    };
    result.ok().and_then(|()| String::from_utf8(out).ok())
}

/// Queues `bytes` as the answer to the next request for randomness on this thread (for
/// known-answer tests). Requests are: a provider's fresh content key (32 bytes), then the
/// item's randomness in one request (GCM: the 32-byte salt, then a 12-byte nonce per encrypted
/// attribute in signing order; legacy: a 16-byte IV per encrypted attribute).
#[cfg(feature = "_pinned-randomness")]
pub fn pin_randomness(bytes: impl Into<Vec<u8>>) {
    crate::crypto::rng::pinned::push(bytes);
}

/// `true` if every pinned value was used.
#[cfg(feature = "_pinned-randomness")]
pub fn pinned_randomness_drained() -> bool {
    crate::crypto::rng::pinned::is_drained()
}

/// Replays a recorded KMS data key (vector files' offline mode).
#[cfg(feature = "kms")]
pub use crate::provider::RecordedDataKey;
