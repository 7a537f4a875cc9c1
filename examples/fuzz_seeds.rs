//! Writes the seed corpora of the fuzz targets in `fuzz/` (committed as
//! `fuzz/corpus/<target>/seed-*`): serialized attribute values, material descriptions and
//! encrypted items from the benchmark items, in both formats; and the descriptions the Wrapped,
//! Direct KMS (recorded key) and Most Recent providers write, for their targets.
//!
//! `cargo run --example fuzz_seeds [-- DIR]` (default `fuzz/corpus`)

use std::path::{Path, PathBuf};

use ddb_encrypt::__fuzz::{self, targets};
use ddb_encrypt::{AttributeValue, DESCRIPTION_ATTRIBUTE, Format, ItemEncryptor};
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
            for (format, label) in [(Format::Gcm, "gcm"), (Format::Legacy, "legacy")] {
                let encryptor = ItemEncryptor::from_arc(provider.clone()).with_write_format(format);
                let stored =
                    now_or_never(encryptor.encrypt_item(&shape.schema, shape.item.clone()))
                        .expect("offline providers complete at once")
                        .expect("the benchmark items encrypt");
                let Some(AttributeValue::B(description)) = stored.get(DESCRIPTION_ATTRIBUTE) else {
                    panic!("an encrypted item has a description");
                };
                let name = format!("{}-{provider_name}-{label}", shape.name);
                write(&dir, "material_description", &name, description.as_ref());
                count += 1;
            }
        }
        for selector in 0..32u8 {
            let seed = targets::encrypted_seed(selector, shape.item.clone()).expect("encrypts");
            write(&dir, "decrypt_item", &format!("{}-{selector:02}", shape.name), &seed);
            count += 1;
        }
    }
    for target in ["wrapped_description", "kms_description", "most_recent_description"] {
        for (name, bytes) in __fuzz::providers::seeds(target) {
            write(&dir, target, &name, &bytes);
            count += 1;
        }
    }
    println!("{count} seeds in {}", dir.display());
}
