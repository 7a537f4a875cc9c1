//! `dbesdk-interop`: test vectors and timings from the official AWS Database Encryption SDK
//! for DynamoDB (`aws-db-esdk`, its item encryptor, offline, with a Raw AES keyring).
//!
//! * `generate OUT_DIR` writes one vector file per case, encrypted by the official SDK.
//! * `decrypt FILE...` decrypts vector files written by another implementation and compares
//!   the result with their plaintext.
//! * `bench FILE [--iterations N]` times the official SDK on one vector's item.
//! * `keystore-write STATE_OUT` creates a KMS key, a branch key store and a table with a beacon
//!   index on a local DynamoDB and KMS API, puts items through the SDK's DynamoDB interceptor
//!   (hierarchical keyring) and describes it all in a state file.
//! * `keystore-read STATE` reads another implementation's state file back with the SDK: its
//!   branch and beacon keys, each item by key, each email through the beacon index.

mod cases;
mod item;
mod keystore;
mod vector;

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use aws_db_esdk::item_encryptor::client::Client;
use aws_db_esdk::item_encryptor::operation::decrypt_item::DecryptItemOutput;
use serde_json::json;

use crate::item::Item;
use crate::vector::{Vector, suite_id};

const USAGE: &str = "usage: dbesdk-interop generate OUT_DIR
       dbesdk-interop decrypt FILE...
       dbesdk-interop bench FILE [--iterations N]
       dbesdk-interop keystore-write STATE_OUT
       dbesdk-interop keystore-read STATE";

// Multi-threaded for `keystore-*`: the SDK's interceptor and key store are synchronous inside
// and wait for their AWS calls with `block_in_place` here, while the other workers keep driving
// the connections. On a current-thread runtime they would run each call on a throwaway runtime
// in another thread, sharing a connection pool with a runtime that is blocked meanwhile.
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", out_dir] => generate(Path::new(out_dir)).await,
        ["decrypt", files @ ..] if !files.is_empty() => return decrypt(files).await,
        ["bench", file] => bench(Path::new(file), 200).await,
        ["bench", file, "--iterations", n] => match n.parse() {
            Ok(n) if n > 0 => bench(Path::new(file), n).await,
            _ => Err(format!("bad iteration count {n:?}")),
        },
        ["keystore-write", out] => keystore::write(Path::new(out)).await,
        ["keystore-read", state] => keystore::read(Path::new(state)).await,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn generate(out_dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    for mut case in cases::all() {
        let plaintext = item::from_json(&case.plaintext_item)?;
        let encrypted = encrypt(&case.encryptor().await?, plaintext).await?;
        case.encrypted_item = item::to_json(&encrypted, case.plaintext_item.keys());
        let path = out_dir.join(format!("{}.json", case.name));
        let text = serde_json::to_string_pretty(&case).map_err(|e| e.to_string())? + "\n";
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

async fn decrypt(files: &[&str]) -> ExitCode {
    let (mut ok, mut failed, mut skipped) = (0, 0, 0);
    for file in files {
        let vector = match read(Path::new(file)) {
            Ok(vector) => vector,
            Err(e) => {
                println!("FAIL {file}: {e}");
                failed += 1;
                continue;
            }
        };
        if vector.format != "dbesdk" {
            println!("skip {}: format {}", vector.name, vector.format);
            skipped += 1;
            continue;
        }
        if vector.keyring.kind != "raw-aes" {
            println!("skip {}: keyring {}", vector.name, vector.keyring.kind);
            skipped += 1;
            continue;
        }
        match check(&vector).await {
            Ok(()) => {
                println!("ok {}", vector.name);
                ok += 1;
            }
            Err(e) => {
                println!("FAIL {}: {e}", vector.name);
                failed += 1;
            }
        }
    }
    println!("decrypted {ok} ok, {failed} failed, {skipped} skipped");
    if failed > 0 || ok == 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Decrypts a vector's encrypted item and compares it with its plaintext.
async fn check(vector: &Vector) -> Result<(), String> {
    let expected = item::from_json(&vector.plaintext_item).map_err(|e| format!("plaintext {e}"))?;
    let encrypted =
        item::from_json(&vector.encrypted_item).map_err(|e| format!("encrypted {e}"))?;
    let output = decrypt_item(&vector.encryptor().await?, encrypted).await?;
    let suite = output.parsed_header.and_then(|h| h.algorithm_suite_id);
    if suite != Some(suite_id(&vector.algorithm_suite)?) {
        return Err(format!("header names suite {suite:?}, not {}", vector.algorithm_suite));
    }
    item::compare(&expected, &output.plaintext_item.ok_or("decrypt returned no item")?)
}

/// Rounds run before timing starts.
const WARM_UP: usize = 20;

async fn bench(file: &Path, iterations: usize) -> Result<(), String> {
    let vector = read(file)?;
    let encryptor = vector.encryptor().await?;
    let plaintext = item::from_json(&vector.plaintext_item)?;
    let (mut encrypt_us, mut decrypt_us) = (Vec::new(), Vec::new());
    for round in 0..WARM_UP + iterations {
        let input = plaintext.clone();
        let start = Instant::now();
        let encrypted = encrypt(&encryptor, input).await?;
        let encrypted_at = Instant::now();
        let decrypted = decrypt_item(&encryptor, encrypted).await?;
        let decrypted_at = Instant::now();
        if round == 0 {
            item::compare(
                &plaintext,
                &decrypted.plaintext_item.ok_or("decrypt returned no item")?,
            )?;
        }
        if round >= WARM_UP {
            encrypt_us.push((encrypted_at - start).as_secs_f64() * 1e6);
            decrypt_us.push((decrypted_at - encrypted_at).as_secs_f64() * 1e6);
        }
    }
    let line = json!({
        "name": vector.name,
        "suite": vector.algorithm_suite,
        "encrypt_us": median(encrypt_us),
        "decrypt_us": median(decrypt_us),
    });
    println!("{line}");
    Ok(())
}

async fn encrypt(encryptor: &Client, plaintext: Item) -> Result<Item, String> {
    let output = encryptor
        .encrypt_item()
        .plaintext_item(plaintext)
        .send()
        .await
        .map_err(|e| format!("encrypt: {e}"))?;
    output.encrypted_item.ok_or_else(|| "encrypt returned no item".into())
}

async fn decrypt_item(encryptor: &Client, encrypted: Item) -> Result<DecryptItemOutput, String> {
    encryptor
        .decrypt_item()
        .encrypted_item(encrypted)
        .send()
        .await
        .map_err(|e| format!("decrypt: {e}"))
}

fn read(path: &Path) -> Result<Vector, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The median, rounded to 0.1.
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    let median = if samples.len().is_multiple_of(2) {
        f64::midpoint(samples[mid - 1], samples[mid])
    } else {
        samples[mid]
    };
    (median * 10.0).round() / 10.0
}
