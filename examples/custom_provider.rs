//! Materials providers written outside the crate, with nothing but its public API, getting what
//! the built-in providers get:
//!
//! - `EnvelopeProvider` wraps a fresh content key per item under a key-encryption key, with an
//!   algorithm the crate has never heard of, and unwraps it only after the item's signature
//!   has verified ([`DecryptionMaterials::deferred`]): an item forged without the signing key
//!   never reaches the unwrap.
//! - `Counting` decorates any provider: it counts the calls and reads the materials it passes
//!   on ([`EncryptionMaterials`]'s getters), without seeing a key byte.
//!
//! `cargo run --example custom_provider` (no server needed: the item encryptor works on raw
//! items); its tests run with the test suite.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aes_kw::{KeyInit, KwAes256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ddb_encrypt::provider::{
    CryptographicMaterialsProvider, DataKey, DecryptionMaterials, EncryptionContext,
    EncryptionMaterials, MaterialDescription, SigningKey,
};
use ddb_encrypt::{AttributeAction, AttributeValue, Error, ItemEncryptor, Result, TableSchema};
use zeroize::Zeroizing;

/// The description entries this provider writes: its own names, its own algorithm.
const WRAPPED_KEY: &str = "example-wrapped-key";
const WRAP_ALGORITHM: &str = "example-wrap-alg";
const AES_KW_256: &str = "example/AES-KW-256";

/// A fresh 256-bit content key per item, wrapped with AES Key Wrap under a fixed key.
struct EnvelopeProvider {
    kek: Zeroizing<[u8; 32]>,
    signing_key: SigningKey,
    /// How often a wrapped key was unwrapped: only for items whose signature held.
    unwraps: Arc<AtomicUsize>,
}

impl std::fmt::Debug for EnvelopeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("EnvelopeProvider").finish_non_exhaustive()
    }
}

impl EnvelopeProvider {
    fn new(kek: [u8; 32], mac_key: &[u8]) -> Result<Self> {
        Ok(Self {
            kek: Zeroizing::new(kek),
            signing_key: SigningKey::hmac_sha256(mac_key)?,
            unwraps: Arc::default(),
        })
    }
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for EnvelopeProvider {
    async fn encryption_materials(&self, _: &EncryptionContext<'_>) -> Result<EncryptionMaterials> {
        let mut content_key = Zeroizing::new([0; 32]);
        getrandom::fill(content_key.as_mut_slice())
            .map_err(|e| Error::provider("no randomness for a content key", Some(Box::new(e))))?;
        let mut wrapped = [0; 40];
        KwAes256::new(&(*self.kek).into())
            .wrap_key(content_key.as_slice(), &mut wrapped)
            .map_err(|_| Error::provider("AES Key Wrap failed", None))?;
        let mut description = MaterialDescription::new();
        description.insert(WRAP_ALGORITHM, AES_KW_256);
        description.insert(WRAPPED_KEY, BASE64.encode(wrapped));
        Ok(EncryptionMaterials::new(DataKey::from_bytes(&*content_key)?, self.signing_key.clone())
            .with_material_description(description))
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        let description = context.material_description();
        // The description is untrusted: anything unexpected is the item's fault, and opaque.
        if description.get(WRAP_ALGORITHM) != Some(AES_KW_256) {
            return Err(Error::Integrity);
        }
        let wrapped = description
            .get(WRAPPED_KEY)
            .and_then(|b64| BASE64.decode(b64).ok())
            .ok_or(Error::Integrity)?;
        let (kek, unwraps) = (self.kek.clone(), Arc::clone(&self.unwraps));
        // Called by the encryptor only once the signature over the item, description included,
        // has verified.
        let unwrap = move || {
            unwraps.fetch_add(1, Ordering::Relaxed);
            let mut content_key = Zeroizing::new([0; 32]);
            KwAes256::new(&(*kek).into()).unwrap_key(&wrapped, content_key.as_mut_slice()).ok()?;
            DataKey::from_bytes(&*content_key).ok()
        };
        Ok(DecryptionMaterials::deferred(unwrap, self.signing_key.verification_key()))
    }
}

/// Delegates to another provider, counting calls and what the materials hold.
#[derive(Debug)]
struct Counting<P> {
    inner: P,
    encryptions: AtomicUsize,
    decryptions: AtomicUsize,
    /// Materials that came with a content key (the others only sign).
    with_content_key: AtomicUsize,
}

impl<P> Counting<P> {
    fn new(inner: P) -> Self {
        Self {
            inner,
            encryptions: AtomicUsize::new(0),
            decryptions: AtomicUsize::new(0),
            with_content_key: AtomicUsize::new(0),
        }
    }
}

#[async_trait::async_trait]
impl<P: CryptographicMaterialsProvider> CryptographicMaterialsProvider for Counting<P> {
    async fn encryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<EncryptionMaterials> {
        self.encryptions.fetch_add(1, Ordering::Relaxed);
        let mut materials = self.inner.encryption_materials(context).await?;
        if materials.encryption_key().is_some() {
            self.with_content_key.fetch_add(1, Ordering::Relaxed);
        }
        // A decorator may add entries of its own; they are signed with the item.
        let algorithm = materials.signing_key().algorithm();
        materials.material_description_mut().insert("example-counted-by", algorithm);
        Ok(materials)
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        self.decryptions.fetch_add(1, Ordering::Relaxed);
        let materials = self.inner.decryption_materials(context).await?;
        if materials.decrypts() {
            self.with_content_key.fetch_add(1, Ordering::Relaxed);
        }
        Ok(materials)
    }
}

fn schema() -> Result<TableSchema> {
    TableSchema::builder("Patients")
        .partition_key("id")
        .action("ward", AttributeAction::SignOnly)
        .action("seen", AttributeAction::DoNothing)
        .build()
}

fn patient() -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("id".to_owned(), AttributeValue::S("p-17".into())),
        ("ward".to_owned(), AttributeValue::S("B4".into())),
        ("seen".to_owned(), AttributeValue::N("3".into())),
        ("diagnosis".to_owned(), AttributeValue::S("fractured wrist".into())),
    ])
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // Demo keys only.
    let provider = Arc::new(Counting::new(EnvelopeProvider::new([0x5a; 32], &[0x17; 32])?));
    let encryptor = ItemEncryptor::legacy(Arc::clone(&provider));
    let schema = schema()?;

    let stored = encryptor.encrypt_item(&schema, patient()).await?;
    println!(
        "stored: diagnosis is {}",
        if stored["diagnosis"].is_b() { "ciphertext" } else { "PLAINTEXT" }
    );
    let read = encryptor.decrypt_item(&schema, stored).await?;
    assert_eq!(read, patient());
    println!(
        "read back; the provider was asked {} time(s) to encrypt and {} time(s) to decrypt",
        provider.encryptions.load(Ordering::Relaxed),
        provider.decryptions.load(Ordering::Relaxed),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Arc<Counting<EnvelopeProvider>>, Arc<AtomicUsize>, ItemEncryptor) {
        let envelope = EnvelopeProvider::new([0x5a; 32], &[0x17; 32]).unwrap();
        let unwraps = Arc::clone(&envelope.unwraps);
        let provider = Arc::new(Counting::new(envelope));
        let encryptor = ItemEncryptor::legacy(Arc::clone(&provider));
        (provider, unwraps, encryptor)
    }

    fn description(item: &HashMap<String, AttributeValue>) -> Vec<u8> {
        item["*amzn-ddb-map-desc*"].as_b().unwrap().as_ref().to_vec()
    }

    /// Changes one character of the wrapped key inside the stored description: 4 bytes of
    /// version, then each entry as a length-prefixed name and a length-prefixed value.
    fn forge_wrapped_key(stored: &mut HashMap<String, AttributeValue>) {
        let mut bytes = description(stored);
        let at = bytes.windows(WRAPPED_KEY.len()).position(|w| w == WRAPPED_KEY.as_bytes());
        let value = at.unwrap() + WRAPPED_KEY.len() + 4 + 2;
        bytes[value] = if bytes[value] == b'A' { b'B' } else { b'A' };
        stored.insert("*amzn-ddb-map-desc*".to_owned(), AttributeValue::B(bytes.into()));
    }

    #[tokio::test]
    async fn an_outside_provider_encrypts_and_decrypts_with_its_own_algorithm() {
        let (provider, unwraps, encryptor) = setup();
        let stored = encryptor.encrypt_item(&schema().unwrap(), patient()).await.unwrap();
        assert!(stored["diagnosis"].is_b(), "the diagnosis is encrypted");
        assert_eq!(stored["ward"], patient()["ward"], "SIGN_ONLY stays readable");
        let bytes = description(&stored);
        for entry in [AES_KW_256, WRAPPED_KEY, "example-counted-by", "HmacSHA256"] {
            let found = bytes.windows(entry.len()).any(|w| w == entry.as_bytes());
            assert!(found, "the stored description holds {entry}");
        }

        let read = encryptor.decrypt_item(&schema().unwrap(), stored).await.unwrap();
        assert_eq!(read, patient());
        assert_eq!(provider.encryptions.load(Ordering::Relaxed), 1);
        assert_eq!(provider.decryptions.load(Ordering::Relaxed), 1);
        assert_eq!(provider.with_content_key.load(Ordering::Relaxed), 2, "the decorator reads");
        assert_eq!(unwraps.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_tampered_item_fails_before_the_outside_provider_unwraps_its_key() {
        let (_, unwraps, encryptor) = setup();
        let mut stored = encryptor.encrypt_item(&schema().unwrap(), patient()).await.unwrap();
        stored.insert("ward".to_owned(), AttributeValue::S("C1".into()));

        let error = encryptor.decrypt_item(&schema().unwrap(), stored).await.unwrap_err();
        assert!(matches!(error, Error::Integrity), "{error:?}");
        assert_eq!(unwraps.load(Ordering::Relaxed), 0, "no unwrap for an item that fails");
    }

    #[tokio::test]
    async fn a_wrapped_key_swapped_into_a_valid_item_is_refused_by_the_key_wrap() {
        let (_, unwraps, encryptor) = setup();
        let mut stored = encryptor.encrypt_item(&schema().unwrap(), patient()).await.unwrap();
        forge_wrapped_key(&mut stored);

        let error = encryptor.decrypt_item(&schema().unwrap(), stored).await.unwrap_err();
        assert!(matches!(error, Error::Integrity), "{error:?}");
        // The legacy format does not sign the description, so the signature held and the
        // unwrap ran: AES Key Wrap's integrity check refused the key.
        assert_eq!(unwraps.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_forged_item_with_a_forged_wrapped_key_never_reaches_the_unwrap() {
        let (_, unwraps, encryptor) = setup();
        let mut stored = encryptor.encrypt_item(&schema().unwrap(), patient()).await.unwrap();
        forge_wrapped_key(&mut stored);
        let AttributeValue::B(ciphertext) = stored["diagnosis"].clone() else { unreachable!() };
        let mut ciphertext = ciphertext.into_inner();
        ciphertext[20] ^= 1;
        stored.insert("diagnosis".to_owned(), AttributeValue::B(ciphertext.into()));

        let error = encryptor.decrypt_item(&schema().unwrap(), stored).await.unwrap_err();
        assert!(matches!(error, Error::Integrity), "{error:?}");
        assert_eq!(unwraps.load(Ordering::Relaxed), 0, "the forged key was never unwrapped");
    }

    #[tokio::test]
    async fn an_item_with_nothing_encrypted_is_verified_without_an_unwrap() {
        let (provider, unwraps, encryptor) = setup();
        let schema = TableSchema::builder("Patients")
            .partition_key("id")
            .default_action(AttributeAction::SignOnly)
            .build()
            .unwrap();
        let stored = encryptor.encrypt_item(&schema, patient()).await.unwrap();
        assert_eq!(stored["diagnosis"], patient()["diagnosis"]);

        assert_eq!(encryptor.decrypt_item(&schema, stored).await.unwrap(), patient());
        assert_eq!(provider.decryptions.load(Ordering::Relaxed), 1);
        assert_eq!(unwraps.load(Ordering::Relaxed), 0);
    }
}
