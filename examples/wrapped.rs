//! An `EncryptedTable` in the legacy format with the Wrapped provider and RSA keys: a fresh
//! content key per item, wrapped with RSA-OAEP; signed with an RSA key (the Python client's
//! "wrapped RSA" example).
//!
//! `scripts/with-local-aws.sh cargo run --example wrapped` (a local DynamoDB and KMS API; see
//! `examples/support/aws.rs` for real AWS)

use ddb_encrypt::provider::{SigningKey, WrappedMaterialsProvider, WrappingKey};
use ddb_encrypt::{EncryptedItem, EncryptedTable};

#[path = "support/aws.rs"]
mod support;

#[derive(EncryptedItem, Debug, PartialEq)]
struct Patient {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sign_only)]
    ward: String,
    name: String,
    diagnosis: String,
}

/// A demo key pair (2048-bit RSA, PKCS#8). Use keys from your key store.
const RSA_PEM: &str = include_str!("../ddb-encrypt/src/provider/wrapped/test-rsa-2048.pem");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(&support::config().await?).await
}

async fn run(config: &aws_config::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
    let provider = WrappedMaterialsProvider::new(
        WrappingKey::rsa_from_pkcs8_pem(RSA_PEM)?,
        SigningKey::rsa_sha256_from_pkcs8_pem(RSA_PEM)?,
    );
    let patients = EncryptedTable::<Patient>::legacy(
        aws_sdk_dynamodb::Client::new(config),
        "Patients",
        provider,
    )?;
    patients.create_table().await?;
    let patient = Patient {
        id: "p-1".into(),
        ward: "B".into(),
        name: "Ada".into(),
        diagnosis: "fine".into(),
    };
    patients.put(&patient).await?;
    let read = patients.get("p-1").await?;
    assert_eq!(read.as_ref(), Some(&patient));
    println!("read back: {read:?}");
    Ok(())
}
