//! Writes the seed corpora of the fuzz targets in `fuzz/` (committed as
//! `fuzz/corpus/<target>/seed-*`): serialized attribute values, the material descriptions of
//! legacy items (DB-ESDK items have none), and encrypted items from the benchmark items for
//! every setup of the `decrypt_item` target (DB-ESDK writers of both suites, legacy writers);
//! and the descriptions the Wrapped, Direct KMS (recorded key) and Most Recent providers write,
//! for their targets.
//!
//! `cargo run --bin fuzz_seeds [-- DIR]` (default `fuzz/corpus`)

use std::path::{Path, PathBuf};

use ddb_encrypt::__fuzz::{self, targets};
use ddb_encrypt::format::DESCRIPTION_ATTRIBUTE;
use ddb_encrypt::{AttributeValue, ItemEncryptor};
use ddb_encrypt_dev::fixtures::{bench_providers, now_or_never, shapes};

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = dir.join(target);
    std::fs::create_dir_all(&dir).expect("create the corpus directory");
    std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write a seed");
}

fn main() {
    let dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("fuzz/corpus"), PathBuf::from);
    let mut count = 0;
    // Small and typical only: the large item's 100 KB value would slow every fuzz execution.
    for shape in shapes().into_iter().filter(|s| s.name != "large") {
        for (name, value) in &shape.item {
            for python in [false, true] {
                if let Some(bytes) = __fuzz::serialize_attribute(value, python) {
                    let form = if python { "python" } else { "exact" };
                    write(&dir, "attribute", &format!("{}-{name}-{form}", shape.name), &bytes);
                    count += 1;
                }
            }
        }
        for (provider_name, provider) in bench_providers() {
            let encryptor = ItemEncryptor::legacy_from_arc(provider);
            let stored = now_or_never(encryptor.encrypt_item(&shape.schema, shape.item.clone()))
                .expect("offline providers complete at once")
                .expect("the benchmark items encrypt");
            let Some(AttributeValue::B(description)) = stored.get(DESCRIPTION_ATTRIBUTE) else {
                panic!("a legacy item has a description");
            };
            let name = format!("{}-{provider_name}-legacy", shape.name);
            write(&dir, "material_description", &name, description.as_ref());
            count += 1;
        }
        // One seed per setup of the target (64: it picks `selector % 64`). Its schemas are keyed
        // by `pk` (and `sk`), which the DB-ESDK writers need in every item.
        let mut keyed = shape.item.clone();
        keyed.insert("pk".to_owned(), AttributeValue::S(format!("{}-seed", shape.name)));
        keyed.insert("sk".to_owned(), AttributeValue::N("1".to_owned()));
        for selector in 0..64u8 {
            let seed = targets::encrypted_seed(selector, keyed.clone()).expect("encrypts");
            write(&dir, "decrypt_item", &format!("{}-{selector:02}", shape.name), &seed);
            count += 1;
        }
    }
    for (name, bytes) in targets::dbesdk_envelope_seeds() {
        write(&dir, "dbesdk_envelope", &name, &bytes);
        count += 1;
    }
    for target in ["wrapped_description", "kms_description", "most_recent_description"] {
        for (name, bytes) in __fuzz::providers::seeds(target) {
            write(&dir, target, &name, &bytes);
            count += 1;
        }
    }
    println!("{count} seeds in {}", dir.display());
}
