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

/// The size of an item as DynamoDB counts it, as puts check it (for the workspace's reports).
#[expect(clippy::implicit_hasher, reason = "items are the SDK's maps")]
pub fn item_size(item: &std::collections::HashMap<String, AttributeValue>) -> usize {
    crate::table::item_size(item)
}

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
    use aws_sdk_dynamodb::primitives::Blob;

    use crate::format::dbesdk::header::{self, Header};
    use crate::format::{FOOTER_ATTRIBUTE, HEADER_ATTRIBUTE};
    use crate::item::Item;
    use crate::keyring::RawAesKeyring;
    use crate::provider::{DataKey, SigningKey, StaticMaterialsProvider};
    use crate::{AlgorithmSuite, AttributeAction, ItemEncryptor, LegacyPolicy, TableSchema};

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

    /// The DB-ESDK envelope, from untrusted bytes. The input is `u16be(header length) ||
    /// u16be(footer length) || header || footer || value`: the item `{pk: "k", e: B(value)}`
    /// with that header and footer is read by a DB-ESDK reader of both suites. Parsing never
    /// panics; a header that parses writes back to the same bytes; the read never panics, and
    /// succeeds only with the item's own plaintext.
    ///
    /// # Panics
    ///
    /// If a property does not hold.
    pub fn dbesdk_envelope(data: &[u8]) {
        let Some((header, footer, value)) = split_envelope(data) else { return };
        if let Ok(parsed) = Header::parse(header) {
            let stored: Vec<(&str, &str)> =
                parsed.stored_context.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let mut body = Vec::new();
            let written = header::write_body(
                parsed.version,
                parsed.flavor,
                &parsed.message_id,
                parsed.legend,
                &stored,
                &parsed.keys,
                &mut body,
            );
            assert!(written.is_ok(), "a parsed header writes back");
            assert_eq!(body, parsed.body, "a parsed header writes back to its bytes");
        }
        let (schema, encryptor) = dbesdk_setup();
        let item = envelope_item(header, footer, value);
        if let Some(Ok(read)) = ready(encryptor.decrypt_item(schema, item)) {
            assert_eq!(read.len(), 2, "only the item's own attributes come back");
            assert_eq!(read.get("pk"), Some(&AttributeValue::S("k".into())));
        }
    }

    /// Seeds for [`dbesdk_envelope`]: envelopes its reader wrote, in both suites.
    pub fn dbesdk_envelope_seeds() -> Vec<(String, Vec<u8>)> {
        let (schema, _) = dbesdk_setup();
        let mut seeds = Vec::new();
        for (label, suite) in
            [("6701", AlgorithmSuite::EcdsaP384HmacSha384), ("6700", AlgorithmSuite::HmacSha384)]
        {
            let Some(keyring) = RawAesKeyring::new("fuzz", "fuzz-key", &[0x33; 32]).ok() else {
                continue;
            };
            let writer = ItemEncryptor::new(keyring).with_algorithm_suite(suite);
            let item = Item::from([
                ("pk".to_owned(), AttributeValue::S("k".into())),
                ("e".to_owned(), AttributeValue::S("secret".into())),
            ]);
            let Some(Ok(stored)) = ready(writer.encrypt_item(schema, item)) else { continue };
            let bytes = |name: &str| {
                stored.get(name).and_then(|v| v.as_b().ok()).map(|b| b.as_ref().to_vec())
            };
            let (Some(head), Some(foot), Some(value)) =
                (bytes(HEADER_ATTRIBUTE), bytes(FOOTER_ATTRIBUTE), bytes("e"))
            else {
                continue;
            };
            let mut seed = Vec::new();
            for part in [&head, &foot] {
                seed.extend_from_slice(
                    &u16::try_from(part.len()).unwrap_or(u16::MAX).to_be_bytes(),
                );
            }
            for part in [head, foot, value] {
                seed.extend(part);
            }
            seeds.push((format!("suite-{label}"), seed));
        }
        seeds
    }

    /// `true` if the input of [`dbesdk_envelope`] reads back (as the seeds should).
    pub fn dbesdk_envelope_reads(data: &[u8]) -> bool {
        let Some((header, footer, value)) = split_envelope(data) else { return false };
        let (schema, encryptor) = dbesdk_setup();
        matches!(
            ready(encryptor.decrypt_item(schema, envelope_item(header, footer, value))),
            Some(Ok(_))
        )
    }

    fn split_envelope(data: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
        let (lengths, rest) = data.split_first_chunk::<4>()?;
        let header_len = usize::from(u16::from_be_bytes([lengths[0], lengths[1]]));
        let footer_len = usize::from(u16::from_be_bytes([lengths[2], lengths[3]]));
        let (header, rest) = rest.split_at_checked(header_len)?;
        let (footer, value) = rest.split_at_checked(footer_len)?;
        Some((header, footer, value))
    }

    fn envelope_item(header: &[u8], footer: &[u8], value: &[u8]) -> Item {
        Item::from([
            ("pk".to_owned(), AttributeValue::S("k".into())),
            ("e".to_owned(), AttributeValue::B(Blob::new(value))),
            (HEADER_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(header))),
            (FOOTER_ATTRIBUTE.to_owned(), AttributeValue::B(Blob::new(footer))),
        ])
    }

    fn dbesdk_setup() -> &'static (TableSchema, ItemEncryptor) {
        static SETUP: OnceLock<(TableSchema, ItemEncryptor)> = OnceLock::new();
        SETUP.get_or_init(|| {
            let schema = TableSchema::builder("FuzzTable").partition_key("pk").build();
            let keyring = RawAesKeyring::new("fuzz", "fuzz-key", &[0x33; 32]);
            match (schema, keyring) {
                (Ok(schema), Ok(keyring)) => (schema, ItemEncryptor::new(keyring)),
                _ => unreachable!("a fixed schema and key build"),
            }
        })
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

    /// The 64 setups: write format, legacy acceptance, default action, sort key, suite.
    fn setup(selector: u8) -> &'static (TableSchema, ItemEncryptor) {
        static SETUPS: OnceLock<Vec<(TableSchema, ItemEncryptor)>> = OnceLock::new();
        let setups = SETUPS.get_or_init(|| (0..64).filter_map(build).collect());
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
        // DB-ESDK writers, of either suite and reading legacy items or not; or legacy writers.
        let encryptor = if selector & 1 == 0 {
            let keyring = RawAesKeyring::new("fuzz", "fuzz-key", &[0x33; 32]).ok()?;
            let suite = if selector & 32 == 0 {
                AlgorithmSuite::EcdsaP384HmacSha384
            } else {
                AlgorithmSuite::HmacSha384
            };
            let policy = if selector & 2 == 0 {
                LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt
            } else {
                LegacyPolicy::ForbidLegacyEncryptForbidLegacyDecrypt
            };
            ItemEncryptor::new(keyring).with_algorithm_suite(suite).with_legacy(provider, policy)
        } else {
            ItemEncryptor::legacy(provider)
        };
        Some((schema.build().ok()?, encryptor))
    }

    /// Polls once: offline providers complete at once.
    pub(super) fn ready<F: Future>(future: F) -> Option<F::Output> {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        }
    }

    fn canonical(item: Item) -> Option<Vec<u8>> {
        serialize_attribute(&AttributeValue::M(item), false)
    }
}

/// The description handling of the Wrapped, Direct KMS and Most Recent providers: the bodies of
/// the fuzz targets `wrapped_description`, `kms_description` and `most_recent_description`.
///
/// Each input is a material description as stored in an item (the Wrapped target's starts with
/// a byte that picks the key-encryption key). The provider is asked for the item's decryption
/// materials, and a deferred unwrap is forced, as the encryptor does once the signature holds:
/// a fuzzer cannot forge signatures, so through whole items it would never get that far.
pub mod providers {
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use super::decode_material_description;
    use super::targets::ready;
    use crate::error::{Error, Result};
    use crate::item::Item;
    use crate::material_description::MaterialDescription;
    use crate::provider::{
        CryptographicMaterialsProvider, DataKey, DecryptionKey, DecryptionMaterials,
        EncryptionContext, META_ID, MostRecentProvider, ProviderStore, SigningKey,
        WrappedMaterialsProvider, WrappingKey,
    };

    /// The RSA test key of the Wrapped provider's unit tests.
    const RSA_PEM: &str = include_str!("provider/wrapped/test-rsa-2048.pem");

    /// The Most Recent target's material name and number of versions.
    const MATERIAL: &str = "fuzz";
    const VERSIONS: u8 = 3;

    /// The key-encryption keys of the Wrapped target: AES 128, 192 and 256 bits, RSA 2048 bits.
    fn wrapped(selector: u8) -> &'static WrappedMaterialsProvider {
        static SETUPS: OnceLock<Vec<WrappedMaterialsProvider>> = OnceLock::new();
        let setups = SETUPS.get_or_init(|| {
            let signing = || SigningKey::hmac_sha256(&[0x22; 32]).ok();
            let keks = [
                WrappingKey::aes(&[0x44; 16]).ok(),
                WrappingKey::aes(&[0x44; 24]).ok(),
                WrappingKey::aes(&[0x44; 32]).ok(),
                WrappingKey::rsa_from_pkcs8_pem(RSA_PEM).ok(),
            ];
            keks.into_iter()
                .filter_map(|kek| Some(WrappedMaterialsProvider::new(kek?, signing()?)))
                .collect()
        });
        let index = usize::from(selector) % setups.len().max(1);
        setups.get(index).unwrap_or_else(|| unreachable!("4 setups build"))
    }

    /// The recorded data key of the Direct KMS target.
    #[cfg(feature = "kms")]
    fn kms() -> &'static crate::provider::aws_kms::RecordedDataKey {
        static KEY: OnceLock<crate::provider::aws_kms::RecordedDataKey> = OnceLock::new();
        KEY.get_or_init(|| {
            crate::provider::aws_kms::RecordedDataKey::new(
                &[0x55; 32],
                b"fuzz: a recorded KMS ciphertext blob",
            )
        })
    }

    /// An in-memory store of versions 0, 1 and 2 of `fuzz`, each a Wrapped provider that names
    /// its version in `amzn-ddb-meta-id` (as the meta store's providers do).
    #[derive(Debug)]
    struct Versions(Vec<Arc<dyn CryptographicMaterialsProvider>>);

    #[async_trait::async_trait]
    impl ProviderStore for Versions {
        async fn max_version(&self, _: &str) -> Result<Option<u64>> {
            Ok(self.0.len().checked_sub(1).and_then(|v| u64::try_from(v).ok()))
        }

        async fn provider(
            &self,
            material_name: &str,
            version: u64,
        ) -> Result<Option<Arc<dyn CryptographicMaterialsProvider>>> {
            if material_name != MATERIAL {
                return Ok(None);
            }
            Ok(usize::try_from(version).ok().and_then(|v| self.0.get(v)).cloned())
        }

        async fn get_or_create_provider(
            &self,
            material_name: &str,
            version: u64,
        ) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
            self.provider(material_name, version)
                .await?
                .ok_or_else(|| Error::provider("the fuzz store creates no versions", None))
        }
    }

    fn store() -> Arc<Versions> {
        static STORE: OnceLock<Arc<Versions>> = OnceLock::new();
        STORE
            .get_or_init(|| {
                let version = |v: u8| -> Option<Arc<dyn CryptographicMaterialsProvider>> {
                    let mut md = MaterialDescription::new();
                    md.insert(META_ID, format!("{MATERIAL}#{v}"));
                    let provider = WrappedMaterialsProvider::new(
                        WrappingKey::aes(&[0x60 + v; 32]).ok()?,
                        SigningKey::hmac_sha256(&[0x70 + v; 32]).ok()?,
                    );
                    Some(Arc::new(provider.with_material_description(md)))
                };
                Arc::new(Versions((0..VERSIONS).filter_map(version).collect()))
            })
            .clone()
    }

    /// A fresh provider over the store, so that no input sees another's cache.
    fn most_recent() -> Option<MostRecentProvider> {
        MostRecentProvider::new(store(), MATERIAL, Duration::from_hours(1)).ok()
    }

    fn context<'a>(md: &'a MaterialDescription, item: &'a Item) -> EncryptionContext<'a> {
        EncryptionContext {
            table_name: Some("FuzzTable"),
            partition_key_name: Some("pk"),
            sort_key_name: None,
            item,
            material_description: md,
        }
    }

    /// The content key, unwrapped if the provider deferred it (as after a valid signature).
    fn content_key(materials: DecryptionMaterials) -> Option<DataKey> {
        match materials.decryption_key? {
            DecryptionKey::Ready(key) => Some(key),
            DecryptionKey::Deferred(unwrap) => unwrap(),
        }
    }

    /// Asks `provider` for the materials of an item described by `md`; forces the unwrap.
    fn open<P: CryptographicMaterialsProvider + ?Sized>(
        provider: &P,
        md: &MaterialDescription,
    ) -> Result<Option<DataKey>> {
        let item = Item::new();
        let Some(materials) = ready(provider.decryption_materials(&context(md, &item))) else {
            panic!("an offline provider completes at once");
        };
        materials.map(content_key)
    }

    /// Encrypts with `provider`; the description it stores, and whether reading it back gives
    /// the same content key.
    fn sealed<P: CryptographicMaterialsProvider + ?Sized>(provider: &P) -> Option<(Vec<u8>, bool)> {
        let item = Item::new();
        let md = MaterialDescription::new();
        let materials = ready(provider.encryption_materials(&context(&md, &item)))?.ok()?;
        let written = materials.encryption_key.as_ref()?.as_bytes().to_vec();
        let read = open(provider, &materials.material_description).ok()??;
        let bytes = materials.material_description.to_bytes().ok()?;
        Some((bytes, read.as_bytes() == written.as_slice()))
    }

    /// The Wrapped provider: a byte picks the key-encryption key; the rest is the description.
    /// Reading it never panics, and fails only with the integrity error.
    ///
    /// # Panics
    ///
    /// If a property does not hold.
    pub fn wrapped_description(data: &[u8]) {
        let Some((&selector, rest)) = data.split_first() else { return };
        let Some((md, _)) = decode_material_description(rest) else { return };
        if let Err(error) = open(wrapped(selector), &md) {
            assert!(error.is_integrity(), "a bad description is the integrity error: {error}");
        }
    }

    /// The Direct KMS provider (a recorded data key, no network): reading a description never
    /// panics, and fails with the integrity error, or the provider error for another data key.
    ///
    /// # Panics
    ///
    /// If a property does not hold.
    #[cfg(feature = "kms")]
    pub fn kms_description(data: &[u8]) {
        let Some((md, _)) = decode_material_description(data) else { return };
        if let Err(error) = open(kms(), &md) {
            assert!(
                matches!(error, Error::Integrity | Error::Provider { .. }),
                "a bad description is the integrity or provider error: {error}"
            );
        }
    }

    /// The Most Recent provider over an in-memory store of versions 0 to 2: reading a
    /// description never panics; it succeeds only if `amzn-ddb-meta-id` names a stored version
    /// (`name#digits`), and fails only with the integrity error.
    ///
    /// # Panics
    ///
    /// If a property does not hold.
    pub fn most_recent_description(data: &[u8]) {
        let Some((md, _)) = decode_material_description(data) else { return };
        let Some(provider) = most_recent() else { return };
        match open(&provider, &md) {
            Ok(_) => {
                let version = md.get(META_ID).and_then(|id| id.split_once('#')).map(|(_, v)| v);
                assert!(
                    version.is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit())
                        && v.parse::<u64>().is_ok_and(|v| v < u64::from(VERSIONS))),
                    "materials only for a stored version"
                );
            }
            Err(error) => {
                assert!(error.is_integrity(), "a bad description is the integrity error: {error}");
            }
        }
    }

    /// Seeds for the target named `target`: descriptions its provider writes, each of which
    /// reads back to the content key it was written with.
    ///
    /// # Panics
    ///
    /// If a provider does not read back what it wrote.
    pub fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
        let mut seeds = Vec::new();
        let mut push = |name: String, sealed: Option<(Vec<u8>, bool)>, prefix: Option<u8>| {
            let Some((bytes, round_trip)) = sealed else { panic!("{name}: encrypts") };
            assert!(round_trip, "{name}: reads back the content key it wrote");
            seeds.push((name, prefix.into_iter().chain(bytes).collect()));
        };
        match target {
            "wrapped_description" => {
                for (selector, kek) in ["aes128", "aes192", "aes256", "rsa"].iter().enumerate() {
                    let selector = u8::try_from(selector).unwrap_or_default();
                    push((*kek).to_owned(), sealed(wrapped(selector)), Some(selector));
                }
            }
            #[cfg(feature = "kms")]
            "kms_description" => push("recorded".to_owned(), sealed(kms()), None),
            "most_recent_description" => {
                let store = store();
                for (version, provider) in store.0.iter().enumerate() {
                    push(format!("version-{version}"), sealed(&**provider), None);
                }
                if let Some(provider) = most_recent() {
                    push("newest".to_owned(), sealed(&provider), None);
                }
            }
            _ => {}
        }
        seeds
    }

    /// `true` if the provider of `target` reads `data` to a content key (as the seeds should,
    /// for the fuzzer to start from descriptions that unwrap).
    pub fn unwraps(target: &str, data: &[u8]) -> bool {
        let (selector, data) = match target {
            "wrapped_description" => match data.split_first() {
                Some((&selector, rest)) => (selector, rest),
                None => return false,
            },
            _ => (0, data),
        };
        let Some((md, _)) = decode_material_description(data) else { return false };
        let key = match target {
            "wrapped_description" => open(wrapped(selector), &md),
            #[cfg(feature = "kms")]
            "kms_description" => open(kms(), &md),
            "most_recent_description" => match most_recent() {
                Some(provider) => open(&provider, &md),
                None => return false,
            },
            _ => return false,
        };
        matches!(key, Ok(Some(_)))
    }
}
