//! Re-encryption's keyring: writes under the target keyring only, reads under it and under
//! the older ones.

use std::sync::Arc;

use ddb_encrypt::keyring::{
    EncryptedDataKey, EncryptionContext, IntermediateKey, Keyring, MultiKeyring,
};

#[derive(Debug)]
pub(crate) struct ReadAlso {
    write: Arc<dyn Keyring>,
    /// The write keyring first, then the older ones.
    read: MultiKeyring,
}

impl ReadAlso {
    pub(crate) fn new(write: Arc<dyn Keyring>) -> Self {
        Self { read: MultiKeyring::new(Arc::clone(&write)), write }
    }

    /// Also reads items under `older`; never writes under it.
    pub(crate) fn or(mut self, older: Arc<dyn Keyring>) -> Self {
        self.read = self.read.with(older);
        self
    }
}

#[async_trait::async_trait]
impl Keyring for ReadAlso {
    async fn wrap_keys(
        &self,
        context: &EncryptionContext,
    ) -> ddb_encrypt::Result<Vec<(IntermediateKey, EncryptedDataKey)>> {
        self.write.wrap_keys(context).await
    }

    async fn unwrap_key(
        &self,
        context: &EncryptionContext,
        key: &EncryptedDataKey,
    ) -> ddb_encrypt::Result<Option<IntermediateKey>> {
        self.read.unwrap_key(context, key).await
    }
}
