//! Encrypted `put` throughput through `EncryptedTable` against plain `put_item` throughput,
//! against the local DynamoDB API, in the same run (rounds interleaved). Prints JSON.
//!
//! `cargo run --release --bin put_throughput [PUTS_PER_ROUND]`

#![expect(clippy::cast_precision_loss, reason = "counts far below 2^52, shown as ratios")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ddb_encrypt::{EncryptedItem, EncryptedTable};
use ddb_encrypt_dev::fixtures::{TypedOrder, bench_keyring, typed_order};
use ddb_encrypt_dev::local_aws::LocalAws;

const TASKS: usize = 16;
const ROUNDS: usize = 3;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let puts: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(400);
    let aws = LocalAws::start()?;
    let result = run(&aws, puts).await;
    aws.stop();
    println!("{}", result?);
    Ok(())
}

async fn run(aws: &LocalAws, puts: usize) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    // The default writer: DB-ESDK, suite 0x6701, here with the Raw AES benchmark keyring.
    let encrypted =
        Arc::new(EncryptedTable::<TypedOrder>::new(aws.dynamodb(), "Encrypted", bench_keyring())?);
    encrypted.create_table().await?;
    let plain = Arc::new(EncryptedTable::<TypedOrder>::with_encryptor(
        aws.dynamodb(),
        "Plain",
        encrypted.encryptor().clone(),
    )?);
    plain.create_table().await?;
    let (mut plain_time, mut encrypted_time) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        plain_time += burst(&plain, puts, round, false).await?;
        encrypted_time += burst(&encrypted, puts, round, true).await?;
    }
    let total = (puts * ROUNDS) as f64;
    let plain_rate = total / plain_time.as_secs_f64();
    let encrypted_rate = total / encrypted_time.as_secs_f64();
    Ok(serde_json::json!({
        "puts": puts * ROUNDS,
        "tasks": TASKS,
        "plain_puts_per_second": plain_rate,
        "encrypted_puts_per_second": encrypted_rate,
        "encrypted_over_plain": encrypted_rate / plain_rate,
    }))
}

/// `puts` writes from `TASKS` tasks: through the table (encrypted) or as plain `put_item`.
async fn burst(
    table: &Arc<EncryptedTable<TypedOrder>>,
    puts: usize,
    round: usize,
    encrypt: bool,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let table = table.clone();
            tokio::spawn(async move {
                for i in (task..puts).step_by(TASKS) {
                    let mut order = typed_order();
                    order.order_id = format!("o-{round}-{i}");
                    if encrypt {
                        table.put(&order).await?;
                    } else {
                        let item = order.to_item()?;
                        table
                            .client()
                            .put_item()
                            .table_name(table.table_name())
                            .set_item(Some(item))
                            .send()
                            .await
                            .map_err(|e| ddb_encrypt::Error::provider(e, None))?;
                    }
                }
                Ok::<_, ddb_encrypt::Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}
