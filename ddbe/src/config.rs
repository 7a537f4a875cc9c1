//! The configuration file: the table's schema, the keys to write with, and the formats and keys
//! to read. Secrets are never in the file: raw keys come from environment variables it names.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use ddb_encrypt::keyring::{
    AwsKmsKeyring, BranchKeyCache, DynamoDbBranchKeyStore, HierarchicalKeyring, Keyring,
    RawAesKeyring,
};
use ddb_encrypt::provider::{
    AwsKmsMaterialsProvider, CryptographicMaterialsProvider, MetaStore, MostRecentProvider,
    SigningKey, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{
    AlgorithmSuite, AttributeAction, ItemEncryptor, LegacyPolicy, PlaintextPolicy, TableSchema,
};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keyring::ReadAlso;

/// `ddbe.toml`. See `ddbe --help` and the README for an example.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) aws: Aws,
    pub(crate) table: Table,
    pub(crate) write: Write,
    #[serde(default)]
    pub(crate) read: Read,
    #[serde(default)]
    pub(crate) keyrings: BTreeMap<String, KeyringConfig>,
    #[serde(default)]
    pub(crate) providers: BTreeMap<String, ProviderConfig>,
    pub(crate) key_store: Option<KeyStoreConfig>,
    pub(crate) meta_store: Option<MetaStoreConfig>,
}

/// Where AWS is; anything unset comes from the usual environment and profile files.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Aws {
    pub(crate) region: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    /// Attempts per request, throttling included (10 by default).
    pub(crate) max_attempts: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Table {
    pub(crate) name: String,
    pub(crate) partition_key: String,
    pub(crate) sort_key: Option<String>,
    /// The action of attributes not listed below (`encrypt_and_sign` by default).
    #[serde(default)]
    pub(crate) default_action: Option<Action>,
    #[serde(default)]
    pub(crate) sign_only: Vec<String>,
    #[serde(default)]
    pub(crate) sign_and_include: Vec<String>,
    #[serde(default)]
    pub(crate) do_nothing: Vec<String>,
    #[serde(default)]
    pub(crate) encrypt_and_sign: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    EncryptAndSign,
    SignOnly,
    SignAndInclude,
    DoNothing,
}

impl From<Action> for AttributeAction {
    fn from(action: Action) -> Self {
        match action {
            Action::EncryptAndSign => Self::EncryptAndSign,
            Action::SignOnly => Self::SignOnly,
            Action::SignAndInclude => Self::SignAndIncludeInEncryptionContext,
            Action::DoNothing => Self::DoNothing,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Write {
    pub(crate) format: WriteFormat,
    /// A `[keyrings.NAME]`, for the DB-ESDK format.
    pub(crate) keyring: Option<String>,
    /// A `[providers.NAME]`, for the legacy format.
    pub(crate) provider: Option<String>,
    /// `0x6701` (ECDSA P-384 signatures, the default) or `0x6700`.
    pub(crate) suite: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum WriteFormat {
    Dbesdk,
    Legacy,
}

/// What to read besides the write format.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Read {
    /// A `[providers.NAME]` for legacy items.
    pub(crate) legacy: Option<String>,
    /// Read plaintext items (to encrypt them).
    #[serde(default)]
    pub(crate) plaintext: bool,
    /// More `[keyrings.NAME]` for DB-ESDK items under older keys (to re-encrypt them).
    #[serde(default)]
    pub(crate) keyrings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum KeyringConfig {
    /// One KMS call per item.
    AwsKms { key_id: String },
    /// A branch key of `[key_store]`, cached.
    Hierarchical { branch_key_id: String, cache_ttl_seconds: Option<u64> },
    /// An AES key, base64 in the environment variable `key_env`.
    RawAes { namespace: String, name: String, key_env: String },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum ProviderConfig {
    /// Direct KMS.
    AwsKms { key_id: String },
    /// An AES wrapping key and an HMAC-SHA256 signing key, base64 in environment variables.
    Wrapped { wrapping_key_env: String, signing_key_env: String },
    /// Most Recent over `[meta_store]`, whose rows `meta_provider` (a provider) protects.
    MostRecent { material_name: String, meta_provider: String, ttl_seconds: Option<u64> },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyStoreConfig {
    pub(crate) table: String,
    /// The store's logical name (the table name by default).
    pub(crate) logical_name: Option<String>,
    pub(crate) kms_key_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetaStoreConfig {
    pub(crate) table: String,
    /// The provider that protects the meta table's rows (a `[providers.NAME]`).
    pub(crate) provider: Option<String>,
}

/// The AWS clients of a run.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub(crate) dynamodb: aws_sdk_dynamodb::Client,
    pub(crate) kms: aws_sdk_kms::Client,
}

impl Config {
    pub(crate) fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::ReadConfig { path: path.to_owned(), source })?;
        toml::from_str(&text).map_err(|error| Error::ParseConfig {
            path: path.to_owned(),
            message: error.to_string(),
        })
    }

    pub(crate) fn schema(&self) -> Result<TableSchema> {
        let table = &self.table;
        let mut builder = TableSchema::builder(&table.name).partition_key(&table.partition_key);
        if let Some(sort_key) = &table.sort_key {
            builder = builder.sort_key(sort_key);
        }
        if let Some(default) = table.default_action {
            builder = builder.default_action(default.into());
        }
        let lists = [
            (&table.encrypt_and_sign, Action::EncryptAndSign),
            (&table.sign_only, Action::SignOnly),
            (&table.sign_and_include, Action::SignAndInclude),
            (&table.do_nothing, Action::DoNothing),
        ];
        for (names, action) in lists {
            for name in names {
                builder = builder.action(name, action.into());
            }
        }
        Ok(builder.build()?)
    }

    pub(crate) async fn clients(&self) -> Clients {
        let mut loader = aws_config::from_env();
        if let Some(region) = &self.aws.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(endpoint) = &self.aws.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        let retry = aws_config::retry::RetryConfig::standard()
            .with_max_attempts(self.aws.max_attempts.unwrap_or(10))
            .with_initial_backoff(Duration::from_millis(50))
            .with_max_backoff(Duration::from_secs(20));
        let shared = loader.retry_config(retry).load().await;
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(&shared)
            .interceptor(crate::progress::RETRIES.clone())
            .build();
        let kms = aws_sdk_kms::config::Builder::from(&shared)
            .interceptor(crate::progress::RETRIES.clone())
            .build();
        Clients {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb),
            kms: aws_sdk_kms::Client::from_conf(kms),
        }
    }

    /// The encryptor: writes the write format with its keys, reads what `[read]` allows.
    pub(crate) fn encryptor(&self, clients: &Clients) -> Result<ItemEncryptor> {
        let mut encryptor = match self.write.format {
            WriteFormat::Dbesdk => {
                let name = self.write.keyring.as_deref().ok_or(Error::Config(
                    "[write] format = \"dbesdk\" needs `keyring = \"NAME\"`, a [keyrings.NAME]",
                ))?;
                let mut keyring = ReadAlso::new(self.keyring(name, clients)?);
                for name in &self.read.keyrings {
                    keyring = keyring.or(self.keyring(name, clients)?);
                }
                let encryptor = ItemEncryptor::new(keyring);
                let encryptor = match self.write.suite.as_deref() {
                    None | Some("0x6701") => encryptor,
                    Some("0x6700") => encryptor.with_algorithm_suite(AlgorithmSuite::HmacSha384),
                    Some(_) => {
                        return Err(Error::Config(
                            "[write] suite must be \"0x6701\" (the default) or \"0x6700\"",
                        ));
                    }
                };
                match &self.read.legacy {
                    Some(name) => encryptor.with_legacy(
                        self.provider(name, clients)?,
                        LegacyPolicy::ForbidLegacyEncryptAllowLegacyDecrypt,
                    ),
                    None => encryptor,
                }
            }
            WriteFormat::Legacy => {
                let name = self.write.provider.as_deref().ok_or(Error::Config(
                    "[write] format = \"legacy\" needs `provider = \"NAME\"`, a [providers.NAME]",
                ))?;
                if self.read.legacy.is_some() || !self.read.keyrings.is_empty() {
                    return Err(Error::Config(
                        "writing the legacy format reads legacy items with the write provider \
                         only: remove [read] legacy and keyrings",
                    ));
                }
                ItemEncryptor::legacy(self.provider(name, clients)?)
            }
        };
        if self.read.plaintext {
            encryptor = encryptor
                .with_plaintext_policy(PlaintextPolicy::ForbidPlaintextWriteAllowPlaintextRead);
        }
        Ok(encryptor)
    }

    fn keyring(&self, name: &str, clients: &Clients) -> Result<Arc<dyn Keyring>> {
        let config = self
            .keyrings
            .get(name)
            .ok_or_else(|| Error::Unknown { kind: "keyring", name: name.to_owned() })?;
        Ok(match config {
            KeyringConfig::AwsKms { key_id } => {
                Arc::new(AwsKmsKeyring::new(clients.kms.clone(), key_id))
            }
            KeyringConfig::Hierarchical { branch_key_id, cache_ttl_seconds } => {
                let store = self.branch_key_store(clients)?;
                let ttl = Duration::from_secs(cache_ttl_seconds.unwrap_or(300));
                let cache = BranchKeyCache::new(store, ttl, 1_000);
                Arc::new(HierarchicalKeyring::new(cache, branch_key_id))
            }
            KeyringConfig::RawAes { namespace, name, key_env } => {
                let key = secret(key_env)?;
                Arc::new(RawAesKeyring::new(namespace, name, &key)?)
            }
        })
    }

    pub(crate) fn branch_key_store(&self, clients: &Clients) -> Result<DynamoDbBranchKeyStore> {
        let store = self
            .key_store
            .as_ref()
            .ok_or(Error::Config("a hierarchical keyring needs a [key_store] section"))?;
        let logical = store.logical_name.as_deref().unwrap_or(&store.table);
        Ok(DynamoDbBranchKeyStore::new(
            clients.dynamodb.clone(),
            &store.table,
            logical,
            clients.kms.clone(),
            &store.kms_key_arn,
        )?)
    }

    pub(crate) fn meta_store(&self, clients: &Clients) -> Result<MetaStore> {
        let store = self
            .meta_store
            .as_ref()
            .ok_or(Error::Config("a most-recent provider needs a [meta_store] section"))?;
        let name = store.provider.as_deref().ok_or(Error::Config(
            "[meta_store] needs `provider = \"NAME\"`, the provider that protects its rows",
        ))?;
        Ok(MetaStore::new(clients.dynamodb.clone(), &store.table, self.provider(name, clients)?)?)
    }

    fn provider(
        &self,
        name: &str,
        clients: &Clients,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        let config = self
            .providers
            .get(name)
            .ok_or_else(|| Error::Unknown { kind: "provider", name: name.to_owned() })?;
        Ok(match config {
            ProviderConfig::AwsKms { key_id } => {
                Arc::new(AwsKmsMaterialsProvider::new(clients.kms.clone(), key_id))
            }
            ProviderConfig::Wrapped { wrapping_key_env, signing_key_env } => {
                let wrapping = WrappingKey::aes(&secret(wrapping_key_env)?)?;
                let signing = SigningKey::hmac_sha256(&secret(signing_key_env)?)?;
                Arc::new(WrappedMaterialsProvider::new(wrapping, signing))
            }
            ProviderConfig::MostRecent { material_name, meta_provider, ttl_seconds } => {
                let store = MetaStore::new(
                    clients.dynamodb.clone(),
                    &self.meta_table()?.table,
                    self.provider(meta_provider, clients)?,
                )?;
                let ttl = Duration::from_secs(ttl_seconds.unwrap_or(60));
                Arc::new(MostRecentProvider::new(store, material_name, ttl)?)
            }
        })
    }

    fn meta_table(&self) -> Result<&MetaStoreConfig> {
        self.meta_store
            .as_ref()
            .ok_or(Error::Config("a most-recent provider needs a [meta_store] section"))
    }
}

/// A key from the environment variable `name`, base64.
#[expect(
    clippy::disallowed_methods,
    reason = "the tool takes its keys from the environment variables its configuration names"
)]
fn secret(name: &str) -> Result<Zeroizing<Vec<u8>>> {
    let text = Zeroizing::new(
        std::env::var(name).map_err(|_| Error::MissingSecret { variable: name.to_owned() })?,
    );
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map(Zeroizing::new)
        .map_err(|_| Error::BadSecret { variable: name.to_owned() })
}
