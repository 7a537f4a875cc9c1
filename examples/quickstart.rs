//! Offline round trip with the item encryptor in the default format (the AWS Database
//! Encryption SDK's, suite 0x6701) and a Raw AES keyring: no AWS needed. With AWS, use an
//! `AwsKmsKeyring` instead (`scripts/demo.sh`).
//!
//! `cargo run --example quickstart`

use std::collections::HashMap;

use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::{AttributeAction, AttributeValue, ItemEncryptor, TableSchema};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), ddb_encrypt::Error> {
    // A demo key only: real wrapping keys come from a key store, or stay in a key service
    // (`AwsKmsKeyring`). Readers name the key by its namespace and name.
    let keyring = RawAesKeyring::new("quickstart", "orders-key", &[0x24; 32])?;
    let encryptor = ItemEncryptor::new(keyring);
    let schema = TableSchema::builder("Orders")
        .partition_key("order_id")
        .action("status", AttributeAction::SignOnly)
        .action("ttl", AttributeAction::DoNothing)
        .build()?;

    let item = HashMap::from([
        ("order_id".to_owned(), AttributeValue::S("o-1001".into())),
        ("status".to_owned(), AttributeValue::S("PAID".into())),
        ("ttl".to_owned(), AttributeValue::N("1767225600".into())),
        ("email".to_owned(), AttributeValue::S("ada@example.com".into())),
        ("total".to_owned(), AttributeValue::N("129.90".into())),
    ]);
    let stored = encryptor.encrypt_item(&schema, item).await?;
    println!("as stored:");
    print_item(&stored);
    let read_back = encryptor.decrypt_item(&schema, stored).await?;
    println!("\nas read back:");
    print_item(&read_back);
    Ok(())
}

fn print_item(item: &HashMap<String, AttributeValue>) {
    let mut names: Vec<_> = item.keys().collect();
    names.sort();
    for name in names {
        match &item[name] {
            AttributeValue::B(bytes) => println!("  {name:<22} B  {} bytes", bytes.as_ref().len()),
            other => println!("  {name:<22} {other:?}"),
        }
    }
}
