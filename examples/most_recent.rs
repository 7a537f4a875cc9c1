//! The Most Recent provider over a MetaStore whose rows are protected by KMS (the Python
//! client's "most recent provider encrypted table" example), for a table in the legacy format:
//! versioned keys, one KMS call per version rather than per item.
//!
//! `scripts/with-local-aws.sh cargo run --example most_recent` (a local DynamoDB and KMS API; see
//! `examples/support/aws.rs` for real AWS)

use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::provider::MetaStore;
use ddb_encrypt::provider::{AwsKmsMaterialsProvider, MostRecentProvider, ProviderStore};
use ddb_encrypt::{EncryptedItem, EncryptedTable};

#[path = "support/aws.rs"]
mod support;

#[derive(EncryptedItem, Debug, PartialEq)]
struct Note {
    #[ddb(partition_key)]
    id: u64,
    text: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(&support::config().await?).await
}

async fn run(config: &aws_config::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
    let client = aws_sdk_dynamodb::Client::new(config);
    let key_arn =
        support::kms_key(&aws_sdk_kms::Client::new(config), "EXAMPLE_KMS_KEY_ARN").await?;
    MetaStore::create_table(&client, "Meta").await?;
    // Handles kept to rotate (the store) and to pick up a rotation at once (the provider);
    // the table and the provider take clones of them.
    let store = Arc::new(MetaStore::new(
        client.clone(),
        "Meta",
        AwsKmsMaterialsProvider::new(aws_sdk_kms::Client::new(config), &key_arn),
    )?);
    let provider =
        Arc::new(MostRecentProvider::new(store.clone(), "notes", Duration::from_mins(5))?);
    let notes = EncryptedTable::<Note>::legacy(client, "Notes", provider.clone())?;
    notes.create_table().await?;

    notes.put(&Note { id: 1, text: "written with version 0".into() }).await?;
    let (version, _) = store.new_provider("notes").await?; // rotation
    provider.invalidate();
    notes.put(&Note { id: 2, text: format!("written with version {version}") }).await?;
    for id in [1, 2] {
        println!("{:?}", notes.get(id).await?);
    }
    Ok(())
}
