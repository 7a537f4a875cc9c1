//! Writes the benchmark items (small, typical, large) as vector-schema files, for the Python
//! side of `scripts/bench.sh`: the same items, schemas, providers and keys as the Rust
//! benchmarks.
//!
//! `cargo run --bin bench_items -- OUT_DIR`

use ddb_encrypt_dev::fixtures::{BENCH_KEYS, BENCH_MATERIAL, shapes};
use ddb_encrypt_dev::json;
use ddb_encrypt_dev::vectors::encode_hex;
use serde_json::json;

fn main() -> Result<(), String> {
    let dir =
        std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: bench_items OUT_DIR")?);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (aes, hmac, kek) =
        (encode_hex(&BENCH_KEYS.aes), encode_hex(&BENCH_KEYS.hmac), encode_hex(&BENCH_KEYS.kek));
    let providers = [
        ("static", json!({"type": "static", "encryption_key_hex": aes, "signing_key_hex": hmac})),
        (
            "wrapped",
            json!({"type": "wrapped-aes", "wrapping_key_hex": kek, "signing_key_hex": hmac}),
        ),
        // Most Recent over one version whose keys are the benchmark KEK and HMAC key.
        (
            "most-recent",
            json!({"type": "most-recent", "material_name": BENCH_MATERIAL, "meta_table_name": "Meta",
                   "meta_provider": {"type": "static", "signing_key_hex": hmac}}),
        ),
    ];
    for shape in shapes() {
        let overrides: serde_json::Map<_, _> = shape
            .schema
            .actions()
            .overrides()
            .map(|(name, action)| (name.to_owned(), action.as_str().into()))
            .collect();
        for (provider_name, provider) in &providers {
            let mut file = json!({
                "name": format!("{}-{provider_name}", shape.name),
                "provider": provider,
                "table_name": shape.schema.table_name(),
                "partition_key_name": shape.schema.partition_key(),
                "sort_key_name": shape.schema.sort_key(),
                "attribute_actions": {"default": shape.schema.actions().default_action().as_str(), "overrides": overrides},
                "plaintext_item": json::item_to_json(&shape.item),
            });
            if *provider_name == "most-recent" {
                file["version_keys"] = json!({"0": {"enc_hex": kek, "int_hex": hmac}});
            }
            let path = dir.join(format!("{}-{provider_name}.json", shape.name));
            std::fs::write(&path, file.to_string()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
