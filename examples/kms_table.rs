//! An `EncryptedTable` in the legacy format (the DynamoDB Encryption Client's) with the Direct
//! KMS provider: one KMS data key per item (the Python client's "AWS KMS encrypted table"
//! example), against the local KMS and DynamoDB APIs. New tables use the DB-ESDK format with an
//! `AwsKmsKeyring` instead (`cargo run --example orders`).
//!
//! `cargo run --example kms_table`

use ddb_encrypt::provider::AwsKmsMaterialsProvider;
use ddb_encrypt::{EncryptedItem, EncryptedTable};
use ddb_encrypt_dev::local_aws::LocalAws;

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
    let aws = LocalAws::start()?;
    let result = run(&aws).await;
    aws.stop();
    result
}

async fn run(aws: &LocalAws) -> Result<(), Box<dyn std::error::Error>> {
    let key_arn = aws.create_kms_key().await; // in production: your KMS key's ARN
    let provider = AwsKmsMaterialsProvider::new(aws.kms(), &key_arn).with_key_id_check(true);
    let accounts = EncryptedTable::<Account>::legacy(aws.dynamodb(), "Accounts", provider)?;
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
