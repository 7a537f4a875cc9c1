//! `ddbe keys`: the branch key store (DB-ESDK hierarchical keyrings) and the Most Recent meta
//! table (legacy format): create, rotate, list versions.

use aws_sdk_dynamodb::types::AttributeValue;
use ddb_encrypt::provider::{MetaStore, ProviderStore as _};
use serde_json::json;

use crate::config::{Clients, Config};
use crate::error::{Error, Result};

/// The key store's attribute names and row types, as every DB-ESDK writes them.
const BRANCH_KEY_ID: &str = "branch-key-id";
const TYPE: &str = "type";
const CREATE_TIME: &str = "create-time";
const ACTIVE_VERSION: &str = "version";
const ACTIVE: &str = "branch:ACTIVE";
const VERSION_PREFIX: &str = "branch:version:";
/// The meta table's key names, as the DynamoDB Encryption Client writes them.
const MATERIAL_NAME: &str = "N";
const MATERIAL_VERSION: &str = "V";

/// What to do with keys.
#[derive(Debug, Clone, clap::Subcommand)]
pub(crate) enum Keys {
    /// Create the branch key store's table (named in the configuration's key store section).
    BranchCreateTable,
    /// Create a branch key; prints its id.
    BranchCreate,
    /// Rotate a branch key: a new version becomes active; items under older versions still
    /// read. Re-encrypt them with `ddbe reencrypt`.
    BranchRotate {
        /// The branch key id.
        branch_key_id: String,
    },
    /// List a branch key's versions, newest first, and which is active (read from the
    /// store's rows without decrypting them).
    BranchVersions {
        /// The branch key id.
        branch_key_id: String,
    },
    /// Create the Most Recent meta table (named in the configuration's meta store section).
    MetaCreateTable,
    /// Rotate a material: writes version max+1, which Most Recent providers pick up within
    /// their TTL.
    MetaRotate {
        /// The material name.
        material_name: String,
    },
    /// List a material's versions in the meta table.
    MetaVersions {
        /// The material name.
        material_name: String,
    },
}

pub(crate) async fn run(config: &Config, keys: Keys, json: bool) -> Result<()> {
    let clients = config.clients().await;
    let output = match keys {
        Keys::BranchCreateTable => {
            config.branch_key_store(&clients)?.create_table().await?;
            json!({ "created_table": key_store_table(config)? })
        }
        Keys::BranchCreate => {
            let id = config.branch_key_store(&clients)?.create_key().await?;
            json!({ "branch_key_id": id })
        }
        Keys::BranchRotate { branch_key_id } => {
            config.branch_key_store(&clients)?.version_key(&branch_key_id).await?;
            json!({ "rotated": branch_key_id })
        }
        Keys::BranchVersions { branch_key_id } => {
            branch_versions(&clients, key_store_table(config)?, &branch_key_id).await?
        }
        Keys::MetaCreateTable => {
            let table = meta_table(config)?;
            MetaStore::create_table(&clients.dynamodb, table).await?;
            json!({ "created_table": table })
        }
        Keys::MetaRotate { material_name } => {
            let (version, _) = config.meta_store(&clients)?.new_provider(&material_name).await?;
            json!({ "material_name": material_name, "version": version })
        }
        Keys::MetaVersions { material_name } => {
            meta_versions(&clients, meta_table(config)?, &material_name).await?
        }
    };
    if json {
        println!("{output}");
    } else {
        println!("{}", serde_json::to_string_pretty(&output).unwrap_or_default());
    }
    Ok(())
}

fn key_store_table(config: &Config) -> Result<&str> {
    config
        .key_store
        .as_ref()
        .map(|store| store.table.as_str())
        .ok_or(Error::Config("`keys branch-*` needs a [key_store] section"))
}

fn meta_table(config: &Config) -> Result<&str> {
    config
        .meta_store
        .as_ref()
        .map(|store| store.table.as_str())
        .ok_or(Error::Config("`keys meta-*` needs a [meta_store] section"))
}

/// Every row of `partition` = `value` in `table`.
async fn rows(
    clients: &Clients,
    table: &str,
    partition: &str,
    value: AttributeValue,
) -> Result<Vec<std::collections::HashMap<String, AttributeValue>>> {
    let mut rows = Vec::new();
    let mut start = None;
    loop {
        let output = clients
            .dynamodb
            .query()
            .table_name(table)
            .key_condition_expression("#p = :p")
            .expression_attribute_names("#p", partition)
            .expression_attribute_values(":p", value.clone())
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| Error::Aws {
                operation: "Query",
                table: table.to_owned(),
                message: aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
            })?;
        rows.extend(output.items.unwrap_or_default());
        start = output.last_evaluated_key.filter(|key| !key.is_empty());
        if start.is_none() {
            return Ok(rows);
        }
    }
}

fn text(row: &std::collections::HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    match row.get(name) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        Some(AttributeValue::N(n)) => Some(n.clone()),
        _ => None,
    }
}

async fn branch_versions(clients: &Clients, table: &str, id: &str) -> Result<serde_json::Value> {
    let rows = rows(clients, table, BRANCH_KEY_ID, AttributeValue::S(id.to_owned())).await?;
    let active = rows
        .iter()
        .find(|row| text(row, TYPE).as_deref() == Some(ACTIVE))
        .and_then(|row| text(row, ACTIVE_VERSION))
        .and_then(|v| v.strip_prefix(VERSION_PREFIX).map(str::to_owned));
    let mut versions: Vec<(String, String)> = rows
        .iter()
        .filter_map(|row| {
            let version = text(row, TYPE)?.strip_prefix(VERSION_PREFIX)?.to_owned();
            Some((text(row, CREATE_TIME).unwrap_or_default(), version))
        })
        .collect();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    let versions: Vec<_> = versions
        .into_iter()
        .map(|(created, version)| {
            json!({ "version": version, "created": created, "active": Some(&version) == active.as_ref() })
        })
        .collect();
    if versions.is_empty() {
        return Err(Error::Usage(format!("table `{table}` has no branch key `{id}`")));
    }
    Ok(json!({ "branch_key_id": id, "versions": versions, "verified": false }))
}

async fn meta_versions(clients: &Clients, table: &str, name: &str) -> Result<serde_json::Value> {
    let rows = rows(clients, table, MATERIAL_NAME, AttributeValue::S(name.to_owned())).await?;
    let mut versions: Vec<u64> =
        rows.iter().filter_map(|row| text(row, MATERIAL_VERSION)?.parse().ok()).collect();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    if versions.is_empty() {
        return Err(Error::Usage(format!("table `{table}` has no material `{name}`")));
    }
    Ok(json!({ "material_name": name, "versions": versions, "verified": false }))
}
