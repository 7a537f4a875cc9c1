//! Runs encrypt or decrypt of one of the benchmark items in a loop, for profilers
//! (`valgrind --tool=callgrind`, `perf record`).
//!
//! `cargo run --release --bin profile_item -- [dbesdk-6701|dbesdk-6700|legacy] [static|wrapped] [encrypt|decrypt|clone] [N] [small|typical|large]`
//!
//! The DB-ESDK writers use the Raw AES keyring (the second argument only picks the legacy
//! provider).

use ddb_encrypt::provider::{
    DataKey, SigningKey, StaticMaterialsProvider, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{AlgorithmSuite, ItemEncryptor};
use ddb_encrypt_dev::fixtures::{bench_keyring, now_or_never, shapes};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let signing = SigningKey::hmac_sha256(&[0x17; 32]).expect("key");
    let encryptor = match (arg(0, "dbesdk-6701").as_str(), arg(1, "static").as_str()) {
        ("legacy", "wrapped") => ItemEncryptor::legacy(WrappedMaterialsProvider::new(
            WrappingKey::aes(&[0x24; 32]).expect("key"),
            signing,
        )),
        ("legacy", _) => ItemEncryptor::legacy(StaticMaterialsProvider::new(
            DataKey::from_bytes(&[0x42; 32]).expect("key"),
            signing,
        )),
        ("dbesdk-6700", _) => {
            ItemEncryptor::new(bench_keyring()).with_algorithm_suite(AlgorithmSuite::HmacSha384)
        }
        _ => ItemEncryptor::new(bench_keyring()),
    };
    let decrypt = arg(2, "encrypt") == "decrypt";
    // `clone`: the loop without the work, to subtract from instruction counts.
    let clone_only = arg(2, "encrypt") == "clone";
    let rounds: usize = arg(3, "10000").parse().expect("a number of rounds");
    let shape_name = arg(4, "typical");
    let shape =
        shapes().into_iter().find(|s| s.name == shape_name).expect("small, typical or large");
    let (schema, item) = (shape.schema, shape.item);
    let stored = now_or_never(encryptor.encrypt_item(&schema, item.clone()))
        .expect("ready")
        .expect("encrypts");
    let started = std::time::Instant::now();
    let mut count = 0;
    for _ in 0..rounds {
        // Cloning is part of the loop: a profile shows it apart, and memory stays flat.
        let input = if decrypt { stored.clone() } else { item.clone() };
        if clone_only {
            count += input.len();
            continue;
        }
        let out = if decrypt {
            now_or_never(encryptor.decrypt_item(&schema, input))
        } else {
            now_or_never(encryptor.encrypt_item(&schema, input))
        };
        count += out.expect("ready").expect("works").len();
    }
    let per_item = started.elapsed() / u32::try_from(rounds).expect("fits");
    println!("{per_item:?} per item ({count} attributes)");
}
