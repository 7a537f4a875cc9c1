//! The DB-ESDK side of the comparison with the official `aws-db-esdk` crate
//! (`scripts/bench.sh`): both sides time the same items from the same vector files, the same
//! way (the median of per-item wall times over N rounds after 20 warm-up rounds).
//!
//! ```text
//! cargo run --release --bin bench_dbesdk -- write DIR                 vector files of the bench items
//! cargo run --release --bin bench_dbesdk -- bench FILE [--iterations N]   {"name","suite","encrypt_us","decrypt_us"}
//! ```

use std::process::ExitCode;
use std::time::Instant;

use ddb_encrypt::AttributeAction;
use ddb_encrypt_dev::fixtures::{
    self, BENCH_KEYRING_NAME, BENCH_KEYRING_NAMESPACE, BENCH_KEYS, now_or_never,
};
use ddb_encrypt_dev::json;
use ddb_encrypt_dev::vectors::{VectorFile, encode_hex};
use serde_json::{Map, Value, json};

const WARM_UP: usize = 20;

async fn write(dir: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let shapes = [
        ("small", fixtures::small_item()),
        ("typical", fixtures::typical_order()),
        ("large", fixtures::large_item()),
    ];
    for (shape, (schema, item)) in shapes {
        for suite in ["0x6701", "0x6700"] {
            let mut overrides = Map::new();
            for (name, action) in schema.actions().overrides() {
                overrides.insert(name.to_owned(), Value::String(action.as_str().to_owned()));
            }
            let unsigned: Vec<&str> = schema
                .actions()
                .overrides()
                .filter(|(_, a)| *a == AttributeAction::DoNothing)
                .map(|(n, _)| n)
                .collect();
            let name = format!("{shape}-{}", suite.trim_start_matches("0x"));
            let mut file = json!({
                "name": name,
                "format": "dbesdk",
                "table_name": schema.table_name(),
                "partition_key_name": schema.partition_key(),
                "sort_key_name": schema.sort_key(),
                "attribute_actions": {
                    "default": schema.actions().default_action().as_str(),
                    "overrides": overrides,
                },
                "algorithm_suite": suite,
                "keyring": {
                    "type": "raw-aes",
                    "namespace": BENCH_KEYRING_NAMESPACE,
                    "name": BENCH_KEYRING_NAME,
                    "key_hex": encode_hex(&BENCH_KEYS.kek),
                },
                "plaintext_item": json::item_to_json(&item),
            });
            if !unsigned.is_empty() {
                file["allowed_unsigned_attributes"] = json!(unsigned);
            }
            // The official tool wants an encrypted item too: this crate's, from the file's keys.
            let path = format!("{dir}/{name}.json");
            std::fs::write(&path, file.to_string())
                .map_err(|e| format!("cannot write {path}: {e}"))?;
            let file = VectorFile::load(&path)?.encrypt().await?;
            std::fs::write(&path, serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?)
                .map_err(|e| format!("cannot write {path}: {e}"))?;
        }
    }
    Ok(())
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}

async fn bench(path: &str, iterations: usize) -> Result<Value, String> {
    let file = VectorFile::load(path)?;
    let schema = file.schema()?;
    let encryptor = file.encryptor().await?;
    let plain = file.plaintext_item()?;
    let mut encrypt = Vec::with_capacity(iterations);
    let mut decrypt = Vec::with_capacity(iterations);
    for round in 0..WARM_UP + iterations {
        let started = Instant::now();
        let stored = now_or_never(encryptor.encrypt_item(&schema, plain.clone()))
            .ok_or("the Raw AES keyring never waits")?
            .map_err(|e| e.to_string())?;
        let encrypted = started.elapsed().as_secs_f64() * 1e6;
        let started = Instant::now();
        let back = now_or_never(encryptor.decrypt_item(&schema, stored))
            .ok_or("the Raw AES keyring never waits")?
            .map_err(|e| e.to_string())?;
        let decrypted = started.elapsed().as_secs_f64() * 1e6;
        drop(back);
        if round >= WARM_UP {
            encrypt.push(encrypted);
            decrypt.push(decrypted);
        }
    }
    Ok(json!({
        "name": file.name(),
        "suite": file.json["algorithm_suite"],
        "encrypt_us": median(encrypt),
        "decrypt_us": median(decrypt),
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [command, dir] if command == "write" => write(dir).await.map(|()| None),
        [command, file, rest @ ..] if command == "bench" => {
            let iterations = match rest {
                [] => Ok(200),
                [flag, n] if flag == "--iterations" => {
                    n.parse().map_err(|_| "bad --iterations".to_owned())
                }
                _ => Err("usage: bench FILE [--iterations N]".to_owned()),
            };
            match iterations {
                Ok(n) => bench(file, n).await.map(Some),
                Err(e) => Err(e),
            }
        }
        _ => Err("usage: bench_dbesdk write DIR | bench FILE [--iterations N]".to_owned()),
    };
    match result {
        Ok(Some(line)) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_dbesdk: {e}");
            ExitCode::FAILURE
        }
    }
}
