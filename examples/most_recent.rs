//! The Most Recent provider over a MetaStore whose rows are protected by KMS (the Python
//! client's "most recent provider encrypted table" example), for a table in the legacy format:
//! versioned keys, one KMS call per version rather than per item.
//!
//! `cargo run --example most_recent`

use std::sync::Arc;
use std::time::Duration;

use ddb_encrypt::provider::{AwsKmsMaterialsProvider, MostRecentProvider, ProviderStore};
use ddb_encrypt::{EncryptedItem, EncryptedTable, MetaStore};
use ddb_encrypt_dev::local_aws::LocalAws;

#[derive(EncryptedItem, Debug, PartialEq)]
struct Note {
    #[ddb(partition_key)]
    id: u64,
    text: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let aws = LocalAws::start()?;
    let result = run(&aws).await;
    aws.stop();
    result
}

async fn run(aws: &LocalAws) -> Result<(), Box<dyn std::error::Error>> {
    let client = aws.dynamodb();
    let key_arn = aws.create_kms_key().await;
    MetaStore::create_table(&client, "Meta").await?;
    // Handles kept to rotate (the store) and to pick up a rotation at once (the provider);
    // the table and the provider take clones of them.
    let store = Arc::new(MetaStore::new(
        client.clone(),
        "Meta",
        AwsKmsMaterialsProvider::new(aws.kms(), &key_arn),
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
