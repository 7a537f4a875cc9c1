//! The demo: an annotated struct encrypted, stored in DynamoDB, read back.
//!
//! Builds its AWS clients as an application does (`aws-config`, from the environment), creates
//! a table, puts and queries a few orders in the default format (the AWS Database Encryption
//! SDK's, with an AWS KMS keyring), and shows one item as stored and as read back.
//!
//! `scripts/demo.sh` runs it against a local DynamoDB and KMS API (the moto server on
//! 127.0.0.1, installed into `.local-aws/` on first use), through `scripts/with-local-aws.sh`,
//! which sets `AWS_ENDPOINT_URL`; there the example creates its KMS key. Against real AWS:
//! `ORDERS_KMS_KEY_ARN=arn:aws:kms:... cargo run --example orders -- --real-aws` (billed).

use std::collections::HashMap;

use ddb_encrypt::keyring::AwsKmsKeyring;
use ddb_encrypt::{AttributeValue, EncryptedItem, EncryptedTable, Number, SortKeyCondition};
use serde::{Deserialize, Serialize};

#[path = "support/aws.rs"]
mod support;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Status {
    Pending,
    Paid,
    Shipped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    city: String,
    postcode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    qty: u32,
    price: Number,
}

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Order {
    #[ddb(partition_key)]
    customer_id: String,
    #[ddb(sort_key)]
    created_at: u64,
    #[ddb(sign_only)]
    status: Status,
    #[ddb(do_nothing)]
    ttl: Option<i64>,
    customer_email: String,
    address: Address,
    lines: Vec<Line>,
    card_token: Vec<u8>,
}

fn order(created_at: u64, status: Status, sku: &str) -> Order {
    Order {
        customer_id: "cust-42".into(),
        created_at,
        status,
        ttl: Some(1_830_000_000),
        customer_email: "ada.lovelace@example.com".into(),
        address: Address {
            street: "12 Analytical Engine Row".into(),
            city: "London".into(),
            postcode: "NW1 6XE".into(),
        },
        lines: vec![Line { sku: sku.into(), qty: 2, price: "19.99".parse().expect("a number") }],
        card_token: b"tok_4242424242424242".to_vec(),
    }
}

fn show(value: &AttributeValue) -> String {
    match value {
        AttributeValue::B(bytes) => {
            let hex: String = bytes.as_ref().iter().take(12).fold(String::new(), |mut hex, b| {
                use std::fmt::Write as _;
                let _ = write!(hex, "{b:02x}");
                hex
            });
            format!("B   {hex}... ({} bytes)", bytes.as_ref().len())
        }
        AttributeValue::S(s) => format!("S   {s:?}"),
        AttributeValue::N(n) => format!("N   {n}"),
        other => format!("{other:?}"),
    }
}

fn print_stored(item: &HashMap<String, AttributeValue>) {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    for name in names {
        println!("  {name:<22} {}", show(&item[name]));
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(endpoint) = std::env::var_os("AWS_ENDPOINT_URL") {
        println!("DynamoDB and KMS at {}\n", endpoint.display());
    }
    let config = support::config().await?;
    let kms = aws_sdk_kms::Client::new(&config);
    // Your KMS key's full ARN (KMS names the key in its answers); the local server gets one.
    let key_arn = support::kms_key(&kms, "ORDERS_KMS_KEY_ARN").await?;
    let keyring = AwsKmsKeyring::new(kms, key_arn);
    let orders =
        EncryptedTable::<Order>::new(aws_sdk_dynamodb::Client::new(&config), "Orders", keyring)?;
    orders.create_table().await?;
    orders.verify_schema().await?;

    for (at, status, sku) in [
        (1_795_785_600, Status::Pending, "SKU-1"),
        (1_795_785_700, Status::Paid, "SKU-2"),
        (1_795_785_800, Status::Shipped, "SKU-3"),
    ] {
        orders.put(&order(at, status, sku)).await?;
    }
    let recent =
        orders.query("cust-42").sort_key(SortKeyCondition::gt(1_795_785_650)).descending().await?;
    println!("query cust-42, created after 1795785650, newest first: {} orders", recent.len());
    for o in &recent {
        println!("  {} {:?} {}", o.created_at, o.status, o.lines[0].sku);
    }

    let key = ("cust-42".to_owned(), 1_795_785_700);
    let stored = orders
        .client()
        .get_item()
        .table_name("Orders")
        .set_key(Some(Order::key_item(&key)?))
        .send()
        .await?
        .item
        .ok_or("the item is missing")?;
    println!(
        "\none item as stored in DynamoDB (keys and signed attributes in the clear, the rest ciphertext; \
         aws_dbe_head and aws_dbe_foot hold the wrapped data key and the signatures):"
    );
    print_stored(&stored);

    let read_back = orders.get(&key).await?.ok_or("the item is missing")?;
    println!("\nthe same item as read back (verified, decrypted):");
    println!("  {read_back:?}");
    assert_eq!(read_back, order(1_795_785_700, Status::Paid, "SKU-2"));
    Ok(())
}
