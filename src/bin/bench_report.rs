//! Prints the benchmark tables of `scripts/bench.sh` from one run's results: the Python
//! package's timings against the Rust legacy writers (the same format, providers and keys),
//! the Rust DB-ESDK writers (criterion estimates of the item benchmarks), peak memory and put
//! throughput.
//!
//! `cargo run --bin bench_report -- DIR` (DIR holds python.json, memory.json,
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

/// The Python package's time for `shape/provider/op`, in microseconds, net of the deepcopy
/// the Rust side does outside timing.
fn python_net(python: &Value, shape: &str, provider: &str, op: &str) -> Option<f64> {
    let copy = python[format!("{shape}/{provider}/copy-{op}")].as_f64().unwrap_or(0.0);
    python[format!("{shape}/{provider}/{op}")].as_f64().map(|t| t - copy)
}

fn show(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
}

/// `a / b` as a speed-up (`38x`).
fn times(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.0}x", a / b),
        _ => "–".to_owned(),
    }
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
    println!("| item | provider | op | Python µs | Rust legacy µs | Python/Rust legacy |");
    println!("|---|---|---|---:|---:|---:|");
    for shape in ["small", "typical", "large"] {
        for provider in ["static", "wrapped", "most-recent"] {
            for op in ["encrypt", "decrypt"] {
                let py = python_net(&python, shape, provider, op);
                let legacy = criterion(
                    &criterion_root,
                    &format!("item/{shape}"),
                    &format!("legacy/{provider}/{op}"),
                );
                println!(
                    "| {shape} | {provider} | {op} | {} | {} | {} |",
                    show(py),
                    show(legacy),
                    times(py, legacy)
                );
            }
        }
    }
    dbesdk_table(&criterion_root, &python);
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
            "Typed path (derive, typical order, DB-ESDK 0x6700, Raw AES): encrypt {te:.1} µs vs raw {re:.1} + `to_item` {ce:.1} = {:.1} µs ({:.0}%); decrypt {td:.1} µs vs raw {rd:.1} + `from_item` {cd:.1} = {:.1} µs ({:.0}%).",
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

/// The DB-ESDK writers (Raw AES keyring) on the same items, beside the Python package's
/// Wrapped provider (the nearest to a key-wrapping keyring) and the Rust legacy writer with it.
fn dbesdk_table(criterion_root: &Path, python: &Value) {
    println!();
    println!("The DB-ESDK format (Raw AES keyring), on the same items:");
    println!();
    println!(
        "| item | op | Rust 0x6701 µs | Rust 0x6700 µs | Rust legacy wrapped µs | Python wrapped µs | Python wrapped/Rust 0x6701 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for shape in ["small", "typical", "large"] {
        for op in ["encrypt", "decrypt"] {
            let rust = |writer: &str| {
                criterion(criterion_root, &format!("item/{shape}"), &format!("{writer}/{op}"))
            };
            let signed = rust("dbesdk-6701/raw-aes");
            let py = python_net(python, shape, "wrapped", op);
            println!(
                "| {shape} | {op} | {} | {} | {} | {} | {} |",
                show(signed),
                show(rust("dbesdk-6700/raw-aes")),
                show(rust("legacy/wrapped")),
                show(py),
                times(py, signed)
            );
        }
    }
}
