//! An `EncryptedTable` in the legacy format (the DynamoDB Encryption Client's) with the Direct
//! KMS provider: one KMS data key per item (the Python client's "AWS KMS encrypted table"
//! example), against the local KMS and DynamoDB APIs. New tables use the DB-ESDK format with an
//! `AwsKmsKeyring` instead (`scripts/demo.sh`).
//!
//! `scripts/with-local-aws.sh cargo run --example kms_table` (a local DynamoDB and KMS API; see
//! `examples/support/aws.rs` for real AWS)

use ddb_encrypt::provider::AwsKmsMaterialsProvider;
use ddb_encrypt::{EncryptedItem, EncryptedTable};

#[path = "support/aws.rs"]
mod support;

#[derive(EncryptedItem, Debug, PartialEq)]
struct Account {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sort_key)]
    region: String,
    #[ddb(sign_only)]
    tier: String,
    iban: String,
    balance_cents: i64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(&support::config().await?).await
}

async fn run(config: &aws_config::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
    let key_arn =
        support::kms_key(&aws_sdk_kms::Client::new(config), "EXAMPLE_KMS_KEY_ARN").await?; // in production: your KMS key's ARN
    let provider = AwsKmsMaterialsProvider::new(aws_sdk_kms::Client::new(config), &key_arn)
        .with_key_id_check(true);
    let accounts = EncryptedTable::<Account>::legacy(
        aws_sdk_dynamodb::Client::new(config),
        "Accounts",
        provider,
    )?;
    accounts.create_table().await?;
    let account = Account {
        id: "acc-1".into(),
        region: "eu".into(),
        tier: "gold".into(),
        iban: "GB33BUKB20201555555555".into(),
        balance_cents: 123_456,
    };
    accounts.put(&account).await?;
    let read = accounts.get(("acc-1", "eu")).await?;
    assert_eq!(read.as_ref(), Some(&account));
    println!("read back with the KMS data key: {read:?}");
    Ok(())
}
