//! The item encryptor on a raw item (the default DB-ESDK format, with a Raw AES keyring), then
//! a separate `put_item` with the SDK, and the way back with `get_item`.
//!
//! `scripts/with-local-aws.sh cargo run --example raw_item` (a local DynamoDB and KMS API; see
//! `examples/support/aws.rs` for real AWS)

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use ddb_encrypt::format::FOOTER_ATTRIBUTE;
use ddb_encrypt::format::HEADER_ATTRIBUTE;
use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::{AttributeAction, AttributeValue, ItemEncryptor, TableSchema};

#[path = "support/aws.rs"]
mod support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(&support::config().await?).await
}

async fn run(config: &aws_config::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
    let client = aws_sdk_dynamodb::Client::new(config);
    client
        .create_table()
        .table_name("Users")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build()?,
        )
        .send()
        .await?;

    // A demo key only.
    let encryptor = ItemEncryptor::new(RawAesKeyring::new("raw-item", "users-key", &[0x24; 32])?);
    let schema = TableSchema::builder("Users")
        .partition_key("id")
        .action("plan", AttributeAction::SignOnly)
        .action("last_login", AttributeAction::DoNothing)
        .build()?;

    let item = HashMap::from([
        ("id".to_owned(), AttributeValue::S("u-7".into())),
        ("plan".to_owned(), AttributeValue::S("pro".into())),
        ("last_login".to_owned(), AttributeValue::N("1795785600".into())),
        ("email".to_owned(), AttributeValue::S("grace@example.com".into())),
        ("phone".to_owned(), AttributeValue::S("+44 20 7946 0000".into())),
    ]);
    let encrypted = encryptor.encrypt_item(&schema, item.clone()).await?;
    client.put_item().table_name("Users").set_item(Some(encrypted)).send().await?;

    let key = HashMap::from([("id".to_owned(), AttributeValue::S("u-7".into()))]);
    let stored = client
        .get_item()
        .table_name("Users")
        .set_key(Some(key))
        .send()
        .await?
        .item
        .ok_or("missing")?;
    println!(
        "stored: email is {}, with the envelope attributes {HEADER_ATTRIBUTE} and {FOOTER_ATTRIBUTE}",
        if stored["email"].is_b() { "ciphertext" } else { "PLAINTEXT" }
    );
    let decrypted = encryptor.decrypt_item(&schema, stored).await?;
    assert_eq!(decrypted, item);
    println!("decrypted: {:?}", decrypted["email"]);
    Ok(())
}
