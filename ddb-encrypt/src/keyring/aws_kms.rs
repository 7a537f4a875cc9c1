//! The AWS KMS keyring: each item's intermediate key is a KMS data key
//! (`docs/dbesdk-format.md`, section 6.4).

use std::collections::HashMap;
use std::fmt;

use aws_sdk_kms::Client;
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use zeroize::Zeroizing;

use super::{EncryptedDataKey, EncryptionContext, IntermediateKey, Keyring};
use crate::error::AwsRequest;
use crate::error::{Error, Result};
use crate::provider::aws_kms::refuses_item;

const PROVIDER_ID: &str = "aws-kms";

/// The AWS KMS keyring: one `GenerateDataKey` per write and one `Decrypt` per read, both with
/// the item's encryption context, so KMS binds each data key to its table and keys.
///
/// Strict: it only asks KMS to decrypt data keys of its own key (named by its ARN), names that
/// key on every `Decrypt`, and checks that KMS answered with it.
///
/// ```no_run
/// # fn demo(kms: aws_sdk_kms::Client) {
/// use ddb_encrypt::keyring::AwsKmsKeyring;
///
/// let keyring = AwsKmsKeyring::new(kms, "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
/// # }
/// ```
#[derive(Clone)]
pub struct AwsKmsKeyring {
    client: Client,
    key_arn: String,
}

impl fmt::Debug for AwsKmsKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsKmsKeyring").field("key_arn", &self.key_arn).finish_non_exhaustive()
    }
}

impl AwsKmsKeyring {
    /// A keyring for the KMS key `key_arn`, through `client` (configured for the key's
    /// region). Give the key's full ARN: items name their key by the ARN KMS reports.
    pub fn new(client: Client, key_arn: impl Into<String>) -> Self {
        Self { client, key_arn: key_arn.into() }
    }

    fn kms_context(context: &EncryptionContext) -> HashMap<String, String> {
        context.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    }
}

#[async_trait::async_trait]
impl Keyring for AwsKmsKeyring {
    async fn wrap_keys(
        &self,
        context: &EncryptionContext,
    ) -> Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        let output = self
            .client
            .generate_data_key()
            .key_id(&self.key_arn)
            .number_of_bytes(32)
            .set_encryption_context(Some(Self::kms_context(context)))
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    &AwsRequest::Kms { operation: "GenerateDataKey", key: &self.key_arn },
                    &e,
                )
            })?;
        let plaintext = Zeroizing::new(output.plaintext.map(Blob::into_inner).unwrap_or_default());
        let blob = output.ciphertext_blob.map(Blob::into_inner).unwrap_or_default();
        let key_arn = output.key_id.unwrap_or_default();
        if plaintext.len() != 32 || blob.is_empty() || key_arn != self.key_arn {
            return Err(Error::provider(
                format_args!(
                    "AWS KMS GenerateDataKey with key `{}` did not return a 32-byte data key of \
                     that key (configure the keyring with the key's full ARN)",
                    self.key_arn
                ),
                None,
            ));
        }
        let key = IntermediateKey::from_bytes(&plaintext)?;
        Ok(vec![(key, EncryptedDataKey::new(PROVIDER_ID, key_arn.into_bytes(), blob))])
    }

    async fn unwrap_key(
        &self,
        context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> Result<Option<IntermediateKey>> {
        if key.provider_id() != PROVIDER_ID || key.provider_info() != self.key_arn.as_bytes() {
            return Ok(None);
        }
        let answer = self
            .client
            .decrypt()
            .key_id(&self.key_arn)
            .ciphertext_blob(Blob::new(key.ciphertext()))
            .set_encryption_context(Some(Self::kms_context(context)))
            .send()
            .await;
        let output = match answer {
            Ok(output) => output,
            Err(error)
                if error
                    .as_service_error()
                    .and_then(ProvideErrorMetadata::code)
                    .is_some_and(refuses_item) =>
            {
                return Ok(None);
            }
            Err(error) => {
                return Err(Error::aws(
                    &AwsRequest::Kms { operation: "Decrypt", key: &self.key_arn },
                    &error,
                ));
            }
        };
        if output.key_id.as_deref() != Some(self.key_arn.as_str()) {
            return Ok(None);
        }
        let plaintext = Zeroizing::new(output.plaintext.map(Blob::into_inner).unwrap_or_default());
        Ok(IntermediateKey::from_bytes(&plaintext).ok())
    }
}
