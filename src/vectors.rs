//! Vector files (`docs/legacy-format.md` section 8, `docs/dbesdk-format.md` section 8): loading,
//! the keys and schema they describe, and the checks of the `vectors` example.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use ddb_encrypt::keyring::{
    BranchKey, HierarchicalKeyring, Keyring, RawAesKeyring, RawRsaKeyring, RsaPadding,
    StaticBranchKeyStore,
};
use ddb_encrypt::provider::MaterialDescription;
use ddb_encrypt::provider::{
    AwsKmsMaterialsProvider, CryptographicMaterialsProvider, DataKey, MostRecentProvider,
    SigningKey, StaticMaterialsProvider, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::schema::AttributeActions;
use ddb_encrypt::{AlgorithmSuite, AttributeAction, Format, ItemEncryptor, TableSchema};
use serde_json::Value;

use crate::fixtures::InMemoryStore;
use crate::json::{self, Item, Numbers};
use crate::recorded_kms::RecordedDataKey;

/// The `format` value of DB-ESDK vector files.
pub const DBESDK_FORMAT: &str = "dbesdk";

/// One vector file, kept as JSON so that rewriting it preserves fields this crate ignores.
#[derive(Debug, Clone)]
pub struct VectorFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The whole file.
    pub json: Value,
    /// The KMS endpoint for Direct KMS files (a loopback server); without one, recorded data
    /// keys are replayed.
    pub kms_endpoint: Option<String>,
}

impl VectorFile {
    /// Reads a vector file.
    ///
    /// # Errors
    ///
    /// If the file cannot be read or is not a JSON object.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let json: Value = serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?;
        if !json.is_object() {
            return Err("a vector file is a JSON object".into());
        }
        Ok(Self { path: path.to_owned(), json, kms_endpoint: None })
    }

    /// Uses the KMS at `endpoint` (loopback only) for Direct KMS files.
    #[must_use]
    pub fn with_kms_endpoint(mut self, endpoint: Option<String>) -> Self {
        self.kms_endpoint = endpoint;
        self
    }

    /// The file's `name`, else its stem.
    pub fn name(&self) -> String {
        self.json["name"].as_str().map_or_else(
            || self.path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
            str::to_owned,
        )
    }

    fn string(&self, key: &str) -> Result<Option<&str>, String> {
        match &self.json[key] {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            _ => Err(format!("`{key}` must be a string or null")),
        }
    }

    /// The table schema: table name, key names and attribute actions.
    ///
    /// # Errors
    ///
    /// If a field is malformed or the configuration is refused.
    pub fn schema(&self) -> Result<TableSchema, String> {
        let builder = match self.string("table_name")? {
            Some(name) => TableSchema::builder(name),
            None => TableSchema::builder_without_table_name(),
        };
        let mut builder = builder.actions(self.actions()?);
        if let Some(names) = self.json["allowed_unsigned_attributes"].as_array() {
            for name in names {
                let name = name.as_str().ok_or("allowed_unsigned_attributes holds names")?;
                builder = builder.action(name, AttributeAction::DoNothing);
            }
        }
        if let Some(prefix) = self.string("allowed_unsigned_attribute_prefix")? {
            builder = builder.unsigned_prefix(prefix);
        }
        if let Some(pk) = self.string("partition_key_name")? {
            builder = builder.partition_key(pk);
        }
        if let Some(sk) = self.string("sort_key_name")? {
            builder = builder.sort_key(sk);
        }
        builder.build().map_err(|e| e.to_string())
    }

    fn actions(&self) -> Result<AttributeActions, String> {
        let spec = &self.json["attribute_actions"];
        let parse = |v: &Value| {
            v.as_str()
                .and_then(AttributeAction::from_name)
                .ok_or_else(|| format!("unknown attribute action {v}"))
        };
        let default = match &spec["default"] {
            Value::Null => AttributeAction::EncryptAndSign,
            v => parse(v)?,
        };
        let mut actions = AttributeActions::new(default);
        if let Some(overrides) = spec["overrides"].as_object() {
            for (name, action) in overrides {
                actions.set(name, parse(action)?);
            }
        }
        Ok(actions)
    }

    /// The plaintext item.
    ///
    /// # Errors
    ///
    /// If it is missing or malformed.
    pub fn plaintext_item(&self) -> Result<Item, String> {
        json::item_from_json(&self.json["plaintext_item"])
            .map_err(|e| format!("plaintext_item: {e}"))
    }

    /// The encrypted item.
    ///
    /// # Errors
    ///
    /// If it is missing or malformed.
    pub fn encrypted_item(&self) -> Result<Item, String> {
        json::item_from_json(&self.json["encrypted_item"])
            .map_err(|e| format!("encrypted_item: {e}"))
    }

    /// The file's format: `"format": "dbesdk"`, else the legacy format.
    ///
    /// # Errors
    ///
    /// If `format` names another format.
    pub fn format(&self) -> Result<Format, String> {
        match self.string("format")? {
            Some(DBESDK_FORMAT) => Ok(Format::DbEsdk),
            None => Ok(Format::Legacy),
            Some(other) => Err(format!("unknown format `{other}`")),
        }
    }

    /// The encryptor the file describes: its keyring and suite (DB-ESDK), or its provider.
    ///
    /// # Errors
    ///
    /// If the keys are malformed or of an unknown type.
    pub async fn encryptor(&self) -> Result<ItemEncryptor, String> {
        if self.format()? == Format::Legacy {
            return Ok(ItemEncryptor::legacy_from_arc(self.provider().await?));
        }
        let suite = match self.string("algorithm_suite")? {
            Some("0x6701") | None => AlgorithmSuite::EcdsaP384HmacSha384,
            Some("0x6700") => AlgorithmSuite::HmacSha384,
            Some(other) => return Err(format!("unknown algorithm_suite `{other}`")),
        };
        let keyring =
            keyring_from_spec(&self.json["keyring"]).map_err(|e| format!("keyring: {e}"))?;
        Ok(ItemEncryptor::from_arc(keyring).with_algorithm_suite(suite))
    }

    /// The materials provider the file describes.
    ///
    /// # Errors
    ///
    /// If the provider type is unknown or its keys are malformed.
    pub async fn provider(&self) -> Result<Arc<dyn CryptographicMaterialsProvider>, String> {
        let spec = &self.json["provider"];
        match spec["type"].as_str() {
            Some("aws-kms-direct") => self.kms_provider(spec).map_err(|e| format!("provider: {e}")),
            Some("most-recent") => {
                self.most_recent_provider(spec).await.map_err(|e| format!("provider: {e}"))
            }
            _ => provider_from_spec(spec).map_err(|e| format!("provider: {e}")),
        }
    }

    /// Direct KMS: against [`VectorFile::kms_endpoint`] (a loopback server only), else by
    /// replaying the file's recorded data key.
    fn kms_provider(
        &self,
        spec: &Value,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>, String> {
        let key_id = spec["key_id"].as_str().ok_or("no `key_id`")?;
        if let Some(endpoint) = self.kms_endpoint.clone() {
            let host = endpoint.strip_prefix("http://").unwrap_or(&endpoint);
            if !(host.starts_with("127.") || host.starts_with("localhost")) {
                return Err(format!(
                    "the vector runner only talks to a KMS on 127.0.0.0/8, not {endpoint}"
                ));
            }
            let config = aws_sdk_kms::Config::builder()
                .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(aws_sdk_kms::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_kms::config::Credentials::new(
                    "local", "local", None, None, "vectors",
                ))
                .http_client(aws_smithy_http_client::Builder::new().build_http())
                .build();
            let tokens: Vec<String> = spec["grant_tokens"]
                .as_array()
                .map(|t| t.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let provider =
                AwsKmsMaterialsProvider::new(aws_sdk_kms::Client::from_conf(config), key_id)
                    .with_grant_tokens(tokens);
            return Ok(Arc::new(provider));
        }
        let plaintext = self.json["kms_plaintext_data_key_hex"].as_str();
        let blob = self.json["kms_ciphertext_blob_b64"].as_str();
        let (Some(plaintext), Some(blob)) = (plaintext, blob) else {
            return Err("needs a KMS endpoint (AWS_ENDPOINT_URL_KMS) or a recorded data key (kms_plaintext_data_key_hex, kms_ciphertext_blob_b64)".into());
        };
        let blob = BASE64.decode(blob).map_err(|e| format!("kms_ciphertext_blob_b64: {e}"))?;
        Ok(Arc::new(RecordedDataKey::new(&decode_hex(plaintext)?, &blob)))
    }

    /// Most Recent, offline: the versions from the file's `meta_table` rows (decrypted with
    /// `meta_provider`) or its `version_keys`.
    async fn most_recent_provider(
        &self,
        spec: &Value,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>, String> {
        let name = spec["material_name"].as_str().ok_or("no `material_name`")?;
        let mut versions = BTreeMap::new();
        if let Some(rows) = self.json["meta_table"].as_array().filter(|rows| !rows.is_empty()) {
            let meta_table = spec["meta_table_name"].as_str().ok_or("no `meta_table_name`")?;
            let meta = ItemEncryptor::legacy_from_arc(
                provider_from_spec(&spec["meta_provider"])
                    .map_err(|e| format!("meta_provider: {e}"))?,
            );
            let schema = TableSchema::builder(meta_table)
                .partition_key("N")
                .sort_key("V")
                .build()
                .map_err(|e| e.to_string())?;
            for (index, row) in rows.iter().enumerate() {
                let row =
                    json::item_from_json(row).map_err(|e| format!("meta_table[{index}]: {e}"))?;
                let row = meta
                    .decrypt_item(&schema, row)
                    .await
                    .map_err(|e| format!("meta_table[{index}]: {e}"))?;
                let field =
                    |n: &str| row.get(n).ok_or_else(|| format!("meta_table[{index}] lacks `{n}`"));
                let version: u64 = field("V")?
                    .as_n()
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .ok_or("V is not a version")?;
                let bytes = |n: &str| {
                    field(n).and_then(|v| {
                        v.as_b()
                            .map(|b| b.as_ref().to_vec())
                            .map_err(|_| format!("`{n}` is not binary"))
                    })
                };
                versions.insert(version, (bytes("enc")?, bytes("int")?));
            }
        } else if let Some(keys) = self.json["version_keys"].as_object() {
            for (version, keys) in keys {
                let version: u64 =
                    version.parse().map_err(|_| format!("version `{version}` is not a number"))?;
                let hex = |n: &str| {
                    keys[n]
                        .as_str()
                        .ok_or_else(|| format!("version_keys.{version}.{n} missing"))
                        .and_then(decode_hex)
                };
                versions.insert(version, (hex("enc_hex")?, hex("int_hex")?));
            }
        } else {
            return Err("a most-recent file needs `meta_table` rows or `version_keys`".into());
        }
        let store = InMemoryStore::new(versions);
        let provider = MostRecentProvider::new(Arc::new(store), name, Duration::from_hours(1))
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(provider))
    }

    /// Decrypts `encrypted_item` and compares it with `plaintext_item`.
    ///
    /// # Errors
    ///
    /// Says what failed.
    pub async fn check_decrypt(&self) -> Result<(), String> {
        let schema = self.schema()?;
        let encryptor = self.encryptor().await?;
        let decrypted = encryptor
            .decrypt_item(&schema, self.encrypted_item()?)
            .await
            .map_err(|e| format!("decryption failed: {e}"))?;
        self.compare(&decrypted, self.format()?)
    }

    /// Encrypts `plaintext_item` with this crate, in the file's format with the file's keys,
    /// and returns the file with `encrypted_item` replaced (and the fields that described the
    /// old ciphertext dropped).
    ///
    /// # Errors
    ///
    /// Says what failed.
    pub async fn encrypt(&self) -> Result<Value, String> {
        let schema = self.schema()?;
        let format = self.format()?;
        let encryptor = self.encryptor().await?;
        let encrypted = encryptor
            .encrypt_item(&schema, self.plaintext_item()?)
            .await
            .map_err(|e| format!("encryption failed: {e}"))?;
        let mut out = self.json.clone();
        let object = out.as_object_mut().ok_or("not an object")?;
        for stale in
            ["intermediate", "sdk_decrypted_item", "decrypted_item", "pinned_randomness", "format"]
        {
            object.remove(stale);
        }
        object.insert("encrypted_item".into(), json::item_to_json(&encrypted));
        object.insert(
            "generator".into(),
            Value::String(format!("ddb-encrypt {}", env!("CARGO_PKG_VERSION"))),
        );
        if format == Format::DbEsdk {
            object.insert("format".into(), Value::String(DBESDK_FORMAT.into()));
        }
        Ok(out)
    }

    /// The SIGN_ONLY attributes of `plaintext_item` that a legacy writer refuses to sign: their
    /// numbers have more than 28 significant digits, which the legacy signature would round.
    /// Python-written files may have them (the Python client signs them rounded).
    ///
    /// # Errors
    ///
    /// If the file's schema or plaintext item is malformed.
    pub fn legacy_unsignable(&self) -> Result<Vec<String>, String> {
        Ok(legacy_unsignable(&self.schema()?, &self.plaintext_item()?))
    }

    /// The file without `names` in its plaintext item (for writing what a legacy writer can).
    #[must_use]
    pub fn without(&self, names: &[String]) -> Self {
        let mut json = self.json.clone();
        if let Some(item) = json["plaintext_item"].as_object_mut() {
            item.retain(|name, _| !names.contains(name));
        }
        Self { json, ..self.clone() }
    }

    /// Both directions: decrypts the file's item, then encrypts the plaintext in the same format
    /// and decrypts that. A legacy writer must refuse the SIGN_ONLY numbers it cannot sign
    /// exactly; the rest of the item is re-encrypted without them.
    ///
    /// # Errors
    ///
    /// Says what failed, and in which direction.
    pub async fn check(&self) -> Result<(), String> {
        self.check_decrypt().await?;
        let format = self.format()?;
        let unsignable =
            if format == Format::Legacy { self.legacy_unsignable()? } else { Vec::new() };
        let writable = if unsignable.is_empty() {
            self.clone()
        } else {
            match self.encrypt().await {
                Err(e) if unsignable.iter().any(|name| e.contains(&format!("`{name}`"))) => {}
                other => {
                    return Err(format!(
                        "the legacy writer should refuse SIGN_ONLY {unsignable:?}, got {other:?}"
                    ));
                }
            }
            self.without(&unsignable)
        };
        let rewritten = Self { json: writable.encrypt().await?, ..writable.clone() };
        rewritten.check_decrypt().await.map_err(|e| format!("re-encrypted item: {e}"))
    }

    /// Compares a decrypted item with `plaintext_item`, after canonicalization. Legacy writers
    /// may have rounded encrypted numbers to 28 digits (the Python client does), so legacy items
    /// also match in that form, or the writer's own recorded decryption.
    fn compare(&self, decrypted: &Item, format: Format) -> Result<(), String> {
        let plaintext = self.plaintext_item()?;
        let mut candidates = vec![(plaintext, Numbers::Exact)];
        if format == Format::Legacy {
            candidates.push((candidates[0].0.clone(), Numbers::Python));
            for key in ["sdk_decrypted_item", "decrypted_item"] {
                if !self.json[key].is_null() {
                    candidates.push((json::item_from_json(&self.json[key])?, Numbers::Exact));
                }
            }
        }
        let mut first_mismatch = None;
        for (expected, numbers) in candidates {
            let expected = json::canonical_item(&expected, numbers);
            let actual = json::canonical_item(decrypted, numbers);
            if expected == actual {
                return Ok(());
            }
            first_mismatch.get_or_insert_with(|| differences(&expected, &actual));
        }
        Err(format!(
            "decrypted item differs from plaintext_item in {}",
            first_mismatch.unwrap_or_default()
        ))
    }
}

fn differences(expected: &Item, actual: &Item) -> String {
    let mut names: Vec<&String> = expected
        .keys()
        .chain(actual.keys())
        .filter(|name| expected.get(*name) != actual.get(*name))
        .collect();
    names.sort();
    names.dedup();
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// The keyring of a DB-ESDK vector file's `keyring` object.
///
/// # Errors
///
/// If the type is unknown or a key is malformed.
pub fn keyring_from_spec(spec: &Value) -> Result<Arc<dyn Keyring>, String> {
    let text = |key: &str| spec[key].as_str().ok_or_else(|| format!("`{key}` is missing"));
    match spec["type"].as_str() {
        Some("raw-aes") => {
            let key = decode_hex(text("key_hex")?)?;
            let keyring = RawAesKeyring::new(text("namespace")?, text("name")?, &key)
                .map_err(|e| e.to_string())?;
            Ok(Arc::new(keyring))
        }
        Some("hierarchical-static") => {
            let id = text("branch_key_id")?;
            let key = BASE64.decode(text("branch_key_b64")?).map_err(|e| e.to_string())?;
            let version = match spec["branch_key_version"].as_str() {
                Some(uuid) => decode_uuid(uuid)?,
                None => [0; 16],
            };
            let branch_key = BranchKey::new(version, &key).map_err(|e| e.to_string())?;
            let mut store = StaticBranchKeyStore::new(id, branch_key);
            if spec["branch_key_version"].is_null() {
                store = store.for_any_version();
            }
            Ok(Arc::new(HierarchicalKeyring::new(store, id)))
        }
        Some("raw-rsa") => {
            let padding = match text("padding")? {
                "OAEP-SHA1" => RsaPadding::OaepSha1,
                "OAEP-SHA256" => RsaPadding::OaepSha256,
                "OAEP-SHA384" => RsaPadding::OaepSha384,
                "OAEP-SHA512" => RsaPadding::OaepSha512,
                "PKCS1" => RsaPadding::Pkcs1,
                other => return Err(format!("unknown RSA padding `{other}`")),
            };
            let keyring = RawRsaKeyring::from_private_key_pem(
                text("namespace")?,
                text("name")?,
                text("private_key_pem")?,
                padding,
            )
            .map_err(|e| e.to_string())?;
            Ok(Arc::new(keyring))
        }
        other => Err(format!("unknown keyring type {other:?}")),
    }
}

/// The 16 bytes of a UUID written as text (with or without dashes).
fn decode_uuid(text: &str) -> Result<[u8; 16], String> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    decode_hex(&hex)?.try_into().map_err(|_| format!("`{text}` is not a UUID"))
}

fn hex_field(spec: &Value, names: &[&str]) -> Result<Option<Vec<u8>>, String> {
    for name in names {
        if let Some(text) = spec[*name].as_str() {
            return decode_hex(text).map(Some).map_err(|e| format!("`{name}`: {e}"));
        }
    }
    Ok(None)
}

fn str_field<'a>(spec: &'a Value, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|name| spec[*name].as_str())
}

/// Decodes hex, ignoring whitespace.
///
/// # Errors
///
/// If the text is not hex.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).map_err(|_| "not hex")?;
            u8::from_str_radix(pair, 16).map_err(|_| "not hex".to_owned())
        })
        .collect()
}

/// Encodes bytes as lowercase hex.
pub fn encode_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn signing_key(spec: &Value) -> Result<SigningKey, String> {
    let algorithm = spec["signing_algorithm"].as_str();
    if let Some(pem) = str_field(spec, &["signing_key_pem", "signing_private_key_pem"]) {
        if algorithm.is_some_and(|a| a != "SHA256withRSA") {
            return Err(format!("unsupported signing algorithm {algorithm:?}"));
        }
        return SigningKey::rsa_sha256_from_pkcs8_pem(pem).map_err(|e| e.to_string());
    }
    if algorithm.is_some_and(|a| a != "HmacSHA256") {
        return Err(format!("unsupported signing algorithm {algorithm:?}"));
    }
    let key = hex_field(spec, &["signing_key_hex", "mac_key_hex", "hmac_key_hex"])?
        .ok_or("no signing key (signing_key_hex or signing_key_pem)")?;
    SigningKey::hmac_sha256(&key).map_err(|e| e.to_string())
}

fn description(spec: &Value) -> Result<MaterialDescription, String> {
    let Some(entries) = spec["material_description"].as_object() else {
        return Ok(MaterialDescription::new());
    };
    entries
        .iter()
        .map(|(k, v)| {
            Ok((k.clone(), v.as_str().ok_or("description values are strings")?.to_owned()))
        })
        .collect()
}

/// Builds the offline providers of the vector schema (`static`, `wrapped-aes`, `wrapped-rsa`).
///
/// # Errors
///
/// If the type is unknown or a key is malformed.
pub fn provider_from_spec(spec: &Value) -> Result<Arc<dyn CryptographicMaterialsProvider>, String> {
    let kind = spec["type"].as_str().ok_or("missing `type`")?;
    let config = |e: ddb_encrypt::Error| e.to_string();
    Ok(match kind {
        "static" => {
            let signing = signing_key(spec)?;
            let provider =
                match hex_field(spec, &["encryption_key_hex", "aes_key_hex", "content_key_hex"])? {
                    Some(key) => StaticMaterialsProvider::new(
                        DataKey::from_bytes(&key).map_err(config)?,
                        signing,
                    ),
                    None => StaticMaterialsProvider::sign_only(signing),
                };
            Arc::new(provider.with_material_description(description(spec)?))
        }
        "wrapped-aes" | "wrapped-rsa" => {
            let wrapping = if kind == "wrapped-aes" {
                let key = hex_field(spec, &["wrapping_key_hex", "kek_hex"])?
                    .ok_or("no `wrapping_key_hex`")?;
                WrappingKey::aes(&key).map_err(config)?
            } else {
                let pem = str_field(spec, &["wrapping_key_pem", "unwrapping_key_pem"])
                    .ok_or("no `wrapping_key_pem`")?;
                WrappingKey::rsa_from_pkcs8_pem(pem).map_err(config)?
            };
            Arc::new(
                WrappedMaterialsProvider::new(wrapping, signing_key(spec)?)
                    .with_material_description(description(spec)?),
            )
        }
        other => return Err(format!("provider type `{other}` is not supported by this runner")),
    })
}

/// `true` if `value` looks like the value of an encrypted attribute (binary).
pub fn is_binary(value: &AttributeValue) -> bool {
    value.is_b()
}

/// The SIGN_ONLY attributes of `item` (under `schema`) that a legacy writer refuses to sign,
/// sorted: their numbers have more than 28 significant digits, which the legacy signature
/// would round.
pub fn legacy_unsignable(schema: &TableSchema, item: &Item) -> Vec<String> {
    let mut names: Vec<String> = item
        .iter()
        .filter(|(name, value)| {
            schema.action(name) == AttributeAction::SignOnly
                && !ddb_encrypt::__fuzz::legacy_signable(value)
        })
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    names
}
