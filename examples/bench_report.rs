//! Prints the benchmark table of `scripts/bench.sh` from one run's results: the Python
//! package's timings, the Rust criterion estimates (item and floor benchmarks), peak memory
//! and put throughput.
//!
//! `cargo run --example bench_report -- DIR` (DIR holds python.json, memory.json,
//! throughput.json; criterion's results are read from target/criterion)

use std::path::{Path, PathBuf};

use serde_json::Value;

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or(format!("{}: no JSON", path.display()))?;
    serde_json::from_str(line).map_err(|e| format!("{}: {e}", path.display()))
}

/// The median of a criterion benchmark, in microseconds.
fn criterion(root: &Path, group: &str, function: &str) -> Option<f64> {
    let path = root
        .join(group.replace('/', "_"))
        .join(function.replace('/', "_"))
        .join("new/estimates.json");
    let value = read_json(&path).ok()?;
    value["median"]["point_estimate"].as_f64().map(|ns| ns / 1000.0)
}

fn main() -> Result<(), String> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: bench_report DIR")?);
    let criterion_root = ddb_encrypt_dev::python::workspace_root().join("target/criterion");
    let python = read_json(&dir.join("python.json"))?;
    println!(
        "| item | provider | op | Python µs | Rust legacy µs | Python/Rust legacy | Rust GCM µs | Python/Rust GCM | naive floor GCM µs | Rust GCM/floor |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for shape in ["small", "typical", "large"] {
        for provider in ["static", "wrapped", "most-recent"] {
            for op in ["encrypt", "decrypt"] {
                let key = format!("{shape}/{provider}/{op}");
                // The Python figures are net of the deepcopy the Rust side does outside timing.
                let py = python[&key].as_f64().map(|t| {
                    t - python[format!("{shape}/{provider}/copy-{op}")].as_f64().unwrap_or(0.0)
                });
                let legacy = criterion(
                    &criterion_root,
                    &format!("item/{shape}"),
                    &format!("legacy/{provider}/{op}"),
                );
                let gcm = criterion(
                    &criterion_root,
                    &format!("item/{shape}"),
                    &format!("gcm/{provider}/{op}"),
                );
                let floor_provider = if provider == "static" { "static" } else { "wrapped" };
                let floor = (op == "encrypt")
                    .then(|| {
                        criterion(
                            &criterion_root,
                            &format!("floor/{shape}"),
                            &format!("gcm/{floor_provider}"),
                        )
                    })
                    .flatten();
                let show = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"));
                let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(a), Some(b)) if b > 0.0 => format!("{:.0}x", a / b),
                    _ => "–".to_owned(),
                };
                let floor_ratio = match (gcm, floor) {
                    (Some(g), Some(f)) => format!("{:.2}", g / f),
                    _ => "–".to_owned(),
                };
                println!(
                    "| {shape} | {provider} | {op} | {} | {} | {} | {} | {} | {} | {floor_ratio} |",
                    show(py),
                    show(legacy),
                    ratio(py, legacy),
                    show(gcm),
                    ratio(py, gcm),
                    show(floor)
                );
            }
        }
    }
    parts_table(&criterion_root, &python);
    extras(&criterion_root, &dir);
    Ok(())
}

fn extras(criterion_root: &Path, dir: &Path) {
    let typed = |f: &str| criterion(criterion_root, "typed_vs_raw", f);
    if let (Some(te), Some(re), Some(ce), Some(td), Some(rd), Some(cd)) = (
        typed("encrypt/typed"),
        typed("encrypt/raw"),
        typed("convert/to_item"),
        typed("decrypt/typed"),
        typed("decrypt/raw"),
        typed("convert/from_item"),
    ) {
        println!();
        println!(
            "Typed path (derive, typical order, GCM, Static): encrypt {te:.1} µs vs raw {re:.1} + `to_item` {ce:.1} = {:.1} µs ({:.0}%); decrypt {td:.1} µs vs raw {rd:.1} + `from_item` {cd:.1} = {:.1} µs ({:.0}%).",
            re + ce,
            te / (re + ce) * 100.0,
            rd + cd,
            td / (rd + cd) * 100.0
        );
    }
    if let Ok(memory) = read_json(&dir.join("memory.json")) {
        println!();
        println!("Peak extra memory, large item:");
        for (name, m) in memory.as_object().into_iter().flatten() {
            println!(
                "- `{name}`: item {} bytes; encrypt +{} bytes ({:.2}x), decrypt +{} bytes ({:.2}x)",
                m["item_bytes"],
                m["encrypt_peak_extra_bytes"],
                m["encrypt_ratio"].as_f64().unwrap_or(0.0),
                m["decrypt_peak_extra_bytes"],
                m["decrypt_ratio"].as_f64().unwrap_or(0.0)
            );
        }
    }
    if let Ok(t) = read_json(&dir.join("throughput.json")) {
        println!();
        println!(
            "Put throughput against the local server ({} puts, {} tasks): plain `put_item` {:.0}/s, `EncryptedTable::put` {:.0}/s: {:.0}%.",
            t["puts"],
            t["tasks"],
            t["plain_puts_per_second"].as_f64().unwrap_or(0.0),
            t["encrypted_puts_per_second"].as_f64().unwrap_or(0.0),
            t["encrypted_over_plain"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
}

fn parts_table(criterion_root: &Path, python: &Value) {
    println!();
    println!(
        "What no GCM writer can skip per item, each part alone on the same primitives (schema-only hashes precomputed):"
    );
    println!();
    println!(
        "| item | randomness µs | item key µs | AES-GCM µs | SHA-256/HMAC µs | all µs | Python static encrypt / all | Rust GCM static encrypt / all |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for shape in ["small", "typical", "large"] {
        let part = |f: &str| criterion(criterion_root, &format!("parts/{shape}/gcm"), f);
        let show = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"));
        let all = part("all");
        let py = python[format!("{shape}/static/encrypt")]
            .as_f64()
            .map(|t| t - python[format!("{shape}/static/copy-encrypt")].as_f64().unwrap_or(0.0));
        let rust = criterion(criterion_root, &format!("item/{shape}"), "gcm/static/encrypt");
        let over = |a: Option<f64>, digits: usize| match (a, all) {
            (Some(a), Some(b)) if b > 0.0 && digits == 0 => format!("{:.0}x", a / b),
            (Some(a), Some(b)) if b > 0.0 => format!("{:.digits$}", a / b),
            _ => "–".to_owned(),
        };
        println!(
            "| {shape} | {} | {} | {} | {} | {} | {} | {} |",
            show(part("randomness")),
            show(part("item-key")),
            show(part("aead")),
            show(part("hashes")),
            show(all),
            over(py, 0),
            over(rust, 2)
        );
    }
}
