//! The vector file schema, and the official item encryptor configured from a vector.

use std::collections::{BTreeMap, HashMap};

use aws_db_esdk::CryptoAction;
use aws_db_esdk::item_encryptor::client::Client;
use aws_db_esdk::item_encryptor::types::dynamo_db_item_encryptor_config::DynamoDbItemEncryptorConfig;
use aws_db_esdk::material_providers::client::Client as Mpl;
use aws_db_esdk::material_providers::types::material_providers_config::MaterialProvidersConfig;
use aws_db_esdk::material_providers::types::{AesWrappingAlg, DbeAlgorithmSuiteId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Attributes the SDK adds to an encrypted item; never given an action.
pub const RESERVED: [&str; 2] = ["aws_dbe_head", "aws_dbe_foot"];

/// One vector file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vector {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub format: String,
    pub table_name: String,
    pub partition_key_name: String,
    pub sort_key_name: Option<String>,
    pub attribute_actions: AttributeActions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_unsigned_attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_unsigned_attribute_prefix: Option<String>,
    pub algorithm_suite: String,
    pub keyring: Keyring,
    pub plaintext_item: Map<String, Value>,
    pub encrypted_item: Map<String, Value>,
}

/// The action of each attribute: `overrides`, else `default`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttributeActions {
    pub default: Option<Action>,
    pub overrides: BTreeMap<String, Action>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    EncryptAndSign,
    SignOnly,
    SignAndIncludeInEncryptionContext,
    DoNothing,
}

/// The keyring; only `raw-aes` (with `namespace`, `name`, `key_hex`) is supported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Keyring {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hex: Option<String>,
}

impl Keyring {
    pub fn raw_aes(namespace: &str, name: &str, key_hex: &str) -> Self {
        Keyring {
            kind: "raw-aes".into(),
            namespace: Some(namespace.into()),
            name: Some(name.into()),
            key_hex: Some(key_hex.into()),
        }
    }
}

impl From<Action> for CryptoAction {
    fn from(action: Action) -> Self {
        match action {
            Action::EncryptAndSign => CryptoAction::EncryptAndSign,
            Action::SignOnly => CryptoAction::SignOnly,
            Action::SignAndIncludeInEncryptionContext => {
                CryptoAction::SignAndIncludeInEncryptionContext
            }
            Action::DoNothing => CryptoAction::DoNothing,
        }
    }
}

/// The suite's id in the files ("0x6700") to the SDK's.
pub fn suite_id(suite: &str) -> Result<DbeAlgorithmSuiteId, String> {
    match suite.to_ascii_lowercase().as_str() {
        "0x6700" => Ok(DbeAlgorithmSuiteId::AlgAes256GcmHkdfSha512CommitKeySymsigHmacSha384),
        "0x6701" => {
            Ok(DbeAlgorithmSuiteId::AlgAes256GcmHkdfSha512CommitKeyEcdsaP384SymsigHmacSha384)
        }
        other => Err(format!("unknown algorithm suite {other:?}")),
    }
}

impl Vector {
    /// The official item encryptor for this vector's configuration. The SDK wants every
    /// attribute listed, so the default action is expanded over the attributes of the
    /// plaintext item.
    pub async fn encryptor(&self) -> Result<Client, String> {
        let config = DynamoDbItemEncryptorConfig::builder()
            .logical_table_name(&self.table_name)
            .partition_key_name(&self.partition_key_name)
            .set_sort_key_name(self.sort_key_name.clone())
            .attribute_actions_on_encrypt(self.actions()?)
            .set_allowed_unsigned_attributes(self.allowed_unsigned_attributes.clone())
            .set_allowed_unsigned_attribute_prefix(self.allowed_unsigned_attribute_prefix.clone())
            .algorithm_suite_id(suite_id(&self.algorithm_suite)?)
            .keyring(self.keyring().await?)
            .build()
            .map_err(|e| format!("config: {e}"))?;
        Client::from_conf(config).map_err(|e| format!("item encryptor: {e}"))
    }

    fn actions(&self) -> Result<HashMap<String, CryptoAction>, String> {
        let actions = &self.attribute_actions;
        let mut out: HashMap<String, CryptoAction> = actions
            .overrides
            .iter()
            .map(|(name, action)| (name.clone(), (*action).into()))
            .collect();
        for name in self.plaintext_item.keys() {
            if RESERVED.contains(&name.as_str()) || out.contains_key(name) {
                continue;
            }
            let action =
                actions.default.ok_or_else(|| format!("no action for attribute {name}"))?;
            out.insert(name.clone(), action.into());
        }
        Ok(out)
    }

    async fn keyring(
        &self,
    ) -> Result<aws_db_esdk::material_providers::types::keyring::KeyringRef, String> {
        let k = &self.keyring;
        if k.kind != "raw-aes" {
            return Err(format!("unsupported keyring {}", k.kind));
        }
        let field = |v: &Option<String>, what: &str| {
            v.clone().ok_or_else(|| format!("raw-aes keyring without {what}"))
        };
        let key =
            hex::decode(field(&k.key_hex, "key_hex")?).map_err(|e| format!("key_hex: {e}"))?;
        let alg = match key.len() {
            16 => AesWrappingAlg::AlgAes128GcmIv12Tag16,
            24 => AesWrappingAlg::AlgAes192GcmIv12Tag16,
            32 => AesWrappingAlg::AlgAes256GcmIv12Tag16,
            n => return Err(format!("raw-aes key of {n} bytes")),
        };
        let config = MaterialProvidersConfig::builder().build().map_err(|e| e.to_string())?;
        let mpl = Mpl::from_conf(config).map_err(|e| format!("material providers: {e}"))?;
        mpl.create_raw_aes_keyring()
            .key_namespace(field(&k.namespace, "namespace")?)
            .key_name(field(&k.name, "name")?)
            .wrapping_key(key)
            .wrapping_alg(alg)
            .send()
            .await
            .map_err(|e| format!("raw-aes keyring: {e}"))
    }
}
