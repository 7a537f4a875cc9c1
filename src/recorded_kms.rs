//! A Direct KMS provider that replays one recorded data key instead of calling KMS, for
//! checking vector files offline. It is written against the library's public provider API
//! only, as any outside provider is, and derives its keys on its own from the Direct KMS
//! description (`docs/legacy-format.md`, the Direct KMS provider): a second implementation that
//! the vector files check the library's against.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ddb_encrypt::provider::{
    CryptographicMaterialsProvider, DataKey, DecryptionMaterials, EncryptionContext,
    EncryptionMaterials, MaterialDescription, SigningKey,
};
use ddb_encrypt::{Error, Result};
use hkdf::Hkdf;
use sha2::Sha256;

/// The description entries of a Direct KMS item, with the only key sizes recorded files use.
const ENTRIES: [(&str, &str); 4] = [
    ("aws-kms-ec-attr", "*keys*"),
    ("amzn-ddb-wrap-alg", "kms"),
    ("amzn-ddb-env-alg", "AES/256"),
    ("amzn-ddb-sig-alg", "HmacSHA256/256"),
];
const ENV_KEY: &str = "amzn-ddb-env-key";

/// One recorded KMS data key: its plaintext and the ciphertext blob KMS returned with it.
pub struct RecordedDataKey {
    plaintext: Vec<u8>,
    blob: Vec<u8>,
}

impl std::fmt::Debug for RecordedDataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordedDataKey").finish_non_exhaustive()
    }
}

impl RecordedDataKey {
    /// A recorded data key.
    pub fn new(plaintext: &[u8], ciphertext_blob: &[u8]) -> Self {
        Self { plaintext: plaintext.to_vec(), blob: ciphertext_blob.to_vec() }
    }

    /// The content and signing keys: HKDF-SHA256 of the data key, no salt, with the infos
    /// "Encryption" and "Signing".
    fn keys(&self) -> Result<(DataKey, SigningKey)> {
        let hkdf = Hkdf::<Sha256>::new(None, &self.plaintext);
        let (mut enc, mut mac) = ([0; 32], [0; 32]);
        hkdf.expand(b"Encryption", &mut enc).map_err(|_| Error::Integrity)?;
        hkdf.expand(b"Signing", &mut mac).map_err(|_| Error::Integrity)?;
        Ok((DataKey::from_bytes(&enc)?, SigningKey::hmac_sha256(&mac)?))
    }
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for RecordedDataKey {
    async fn encryption_materials(&self, _: &EncryptionContext<'_>) -> Result<EncryptionMaterials> {
        let (encryption_key, signing_key) = self.keys()?;
        let mut description = MaterialDescription::new();
        for (name, value) in ENTRIES {
            description.insert(name, value);
        }
        description.insert(ENV_KEY, BASE64.encode(&self.blob));
        Ok(EncryptionMaterials::new(encryption_key, signing_key)
            .with_material_description(description))
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        let description = context.material_description();
        // Absent algorithm entries mean the defaults, which are the recorded ones.
        let sizes_match = ENTRIES[2..]
            .iter()
            .all(|(name, value)| description.get(name).is_none_or(|found| found == *value));
        let blob = description.get(ENV_KEY).and_then(|b| BASE64.decode(b).ok());
        if !sizes_match || blob.as_deref() != Some(self.blob.as_slice()) {
            return Err(Error::provider("the item's KMS data key is not the recorded one", None));
        }
        let (decryption_key, signing_key) = self.keys()?;
        Ok(DecryptionMaterials::new(decryption_key, signing_key.verification_key()))
    }
}
