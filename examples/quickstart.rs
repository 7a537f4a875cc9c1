//! Offline round trip with the item encryptor and the Static provider: no AWS needed.
//!
//! `cargo run --example quickstart`

use std::collections::HashMap;

use ddb_encrypt::provider::{DataKey, SigningKey, StaticMaterialsProvider};
use ddb_encrypt::{AttributeAction, AttributeValue, ItemEncryptor, TableSchema};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), ddb_encrypt::Error> {
    // Demo keys only: real keys come from a key store or a key service.
    let provider = StaticMaterialsProvider::new(
        DataKey::from_bytes(&[0x42; 32])?,
        SigningKey::hmac_sha256(&[0x17; 32])?,
    );
    let encryptor = ItemEncryptor::new(provider);
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
