//! Peak extra heap memory while encrypting and decrypting the large item (a ~100 KB binary
//! attribute and 10 small ones), measured with dhat's allocator. Prints JSON.
//!
//! `cargo run --release --bin bench_memory`

#![expect(clippy::cast_precision_loss, reason = "counts far below 2^52, shown as ratios")]

use ddb_encrypt::__fuzz::item_size;
use ddb_encrypt_dev::fixtures::{bench_encryptors, large_item, now_or_never};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Bytes allocated above `before` at the peak of `f`, and its result.
fn peak_extra<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = dhat::HeapStats::get();
    let result = f();
    let after = dhat::HeapStats::get();
    (after.max_bytes.saturating_sub(before.curr_bytes), result)
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut report = serde_json::Map::new();
    for (writer, encryptor) in bench_encryptors() {
        let (schema, item) = large_item();
        let item_bytes = item_size(&item);
        // Warm the provider (Most Recent loads its version once).
        let warm = now_or_never(encryptor.encrypt_item(&schema, item.clone()))
            .expect("ready")
            .expect("encrypts");
        drop(warm);
        let (encrypt_extra, stored) = peak_extra(|| {
            now_or_never(encryptor.encrypt_item(&schema, item)).expect("ready").expect("encrypts")
        });
        let (decrypt_extra, back) = peak_extra(|| {
            now_or_never(encryptor.decrypt_item(&schema, stored)).expect("ready").expect("decrypts")
        });
        drop(back);
        report.insert(
            format!("large/{writer}"),
            serde_json::json!({
                "item_bytes": item_bytes,
                "encrypt_peak_extra_bytes": encrypt_extra,
                "decrypt_peak_extra_bytes": decrypt_extra,
                "encrypt_ratio": encrypt_extra as f64 / item_bytes as f64,
                "decrypt_ratio": decrypt_extra as f64 / item_bytes as f64,
            }),
        );
    }
    println!("{}", serde_json::Value::Object(report));
}
