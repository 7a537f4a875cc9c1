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

/// Whether the legacy writer can sign `value` as a SIGN_ONLY attribute: its numbers must not
/// be rounded by the Python client's form.
pub fn legacy_signable(value: &AttributeValue) -> bool {
    attribute::serialize(value, NumberForm::PythonExact, &mut Vec::new()).is_ok()
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

/// Replays a recorded KMS data key (vector files' offline mode).
#[cfg(feature = "kms")]
pub use crate::provider::RecordedDataKey;

/// The bodies of the fuzz targets in `fuzz/`, also run over the committed corpora by the
/// workspace's tests. Each accepts any input; each panics only when a property is broken.
pub mod targets {
    use std::pin::pin;
    use std::sync::OnceLock;
    use std::task::{Context, Poll, Waker};

    use aws_sdk_dynamodb::types::AttributeValue;

    use super::{
        decode_material_description, deserialize_attribute, encode_material_description,
        serialize_attribute,
    };
    use crate::provider::{DataKey, SigningKey, StaticMaterialsProvider};
    use crate::{AttributeAction, Format, Item, ItemEncryptor, TableSchema};

    /// Decoding never panics; whatever decodes serializes in the exact form, and that
    /// serialization decodes to a value that serializes to the same bytes. The Python form (a
    /// hash input only) may refuse a value, and is not re-read: its plain digits can exceed
    /// what boto3 accepts (`1.8E+105` becomes 106 written digits).
    ///
    /// # Panics
    ///
    /// If a property does not hold.
    pub fn attribute(data: &[u8]) {
        let Some(value) = deserialize_attribute(data) else { return };
        let _ = serialize_attribute(&value, true);
        let exact = serialize_attribute(&value, false);
        assert!(exact.is_some(), "a decoded value serializes in the exact form");
        let again = exact.as_deref().and_then(deserialize_attribute);
        assert!(again.is_some(), "a serialization decodes");
        let reserialized = again.and_then(|v| serialize_attribute(&v, false));
        assert_eq!(reserialized, exact, "serialization is idempotent");
    }

    /// Decoding never panics; a description without repeated keys encodes and decodes back.
    ///
    /// # Panics
    ///
    /// If a property does not hold.
    pub fn material_description(data: &[u8]) {
        let Some((description, repeated)) = decode_material_description(data) else { return };
        if repeated {
            return;
        }
        let encoded = encode_material_description(&description);
        let decoded = encoded.as_deref().and_then(decode_material_description);
        assert_eq!(decoded.map(|(d, _)| d), Some(description), "encode then decode");
    }

    /// The input's first byte picks a schema and encryptor; the rest is an item, serialized as
    /// a map value. Decrypting it never panics (it is untrusted input), and if the item can be
    /// encrypted, its encryption decrypts back to it.
    ///
    /// # Panics
    ///
    /// If a property does not hold.
    pub fn decrypt_item(data: &[u8]) {
        let Some(((schema, encryptor), item)) = parse(data) else { return };
        let _ = ready(encryptor.decrypt_item(schema, item.clone()));
        if let Some(Ok(stored)) = ready(encryptor.encrypt_item(schema, item.clone())) {
            let Some(Ok(back)) = ready(encryptor.decrypt_item(schema, stored)) else {
                panic!("an item this encryptor wrote does not decrypt");
            };
            assert_eq!(canonical(back), canonical(item), "round trip");
        }
    }

    /// `true` if the input of [`decrypt_item`] is an item its setup decrypts (as the seeds
    /// should be, for the fuzzer to start from items that verify).
    pub fn decrypts(data: &[u8]) -> bool {
        let Some(((schema, encryptor), item)) = parse(data) else { return false };
        matches!(ready(encryptor.decrypt_item(schema, item)), Some(Ok(_)))
    }

    /// A serialized item as the fuzz target [`decrypt_item`] reads it, encrypted with the
    /// setup `selector` picks: seeds for its corpus.
    pub fn encrypted_seed(selector: u8, item: Item) -> Option<Vec<u8>> {
        let (schema, encryptor) = setup(selector);
        let stored = ready(encryptor.encrypt_item(schema, item))?.ok()?;
        let mut out = vec![selector];
        out.extend(serialize_attribute(&AttributeValue::M(stored), false)?);
        Some(out)
    }

    /// The input of [`decrypt_item`] (the inverse of [`encrypted_seed`]): the setup its first
    /// byte picks, and the item the rest serializes.
    fn parse(data: &[u8]) -> Option<(&'static (TableSchema, ItemEncryptor), Item)> {
        let (&selector, rest) = data.split_first()?;
        let Some(AttributeValue::M(item)) = deserialize_attribute(rest) else { return None };
        Some((setup(selector), item))
    }

    /// The 32 setups: write format, legacy acceptance, default action, sort key.
    fn setup(selector: u8) -> &'static (TableSchema, ItemEncryptor) {
        static SETUPS: OnceLock<Vec<(TableSchema, ItemEncryptor)>> = OnceLock::new();
        let setups = SETUPS.get_or_init(|| (0..32).filter_map(build).collect());
        let index = usize::from(selector) % setups.len().max(1);
        setups.get(index).unwrap_or_else(|| unreachable!("32 setups build"))
    }

    fn build(selector: u8) -> Option<(TableSchema, ItemEncryptor)> {
        let default = match (selector >> 2) & 3 {
            0 | 3 => AttributeAction::EncryptAndSign,
            1 => AttributeAction::SignOnly,
            _ => AttributeAction::DoNothing,
        };
        let mut schema = TableSchema::builder("FuzzTable")
            .partition_key("pk")
            .default_action(default)
            .action("e", AttributeAction::EncryptAndSign)
            .action("s", AttributeAction::SignOnly)
            .action("d", AttributeAction::DoNothing);
        if selector & 16 != 0 {
            schema = schema.sort_key("sk");
        }
        let provider = StaticMaterialsProvider::new(
            DataKey::from_bytes(&[0x11; 32]).ok()?,
            SigningKey::hmac_sha256(&[0x22; 32]).ok()?,
        );
        let format = if selector & 1 == 0 { Format::Gcm } else { Format::Legacy };
        // Legacy items refused by some GCM writers (an encryptor always reads its own items).
        let accept_legacy = format == Format::Legacy || selector & 2 == 0;
        let encryptor =
            ItemEncryptor::new(provider).with_write_format(format).accept_legacy(accept_legacy);
        Some((schema.build().ok()?, encryptor))
    }

    /// Polls once: offline providers complete at once.
    fn ready<F: Future>(future: F) -> Option<F::Output> {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        }
    }

    fn canonical(item: Item) -> Option<Vec<u8>> {
        serialize_attribute(&AttributeValue::M(item), false)
    }
}
