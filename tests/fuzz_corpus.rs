//! The fuzz targets' bodies over their committed corpora: the seeds (`fuzz/corpus/*/seed-*`)
//! and the inputs of every crash found and fixed (`fuzz/regressions/*/*`). Fuzzing itself
//! runs by hand (`fuzz/README.md`); this keeps what it found fixed.

use std::path::Path;

use ddb_encrypt::__fuzz::{providers, targets};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = Vec::new();
    for dir in [root.join("corpus").join(target), root.join("regressions").join(target)] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("a readable directory").path();
            let bytes = std::fs::read(&path).expect("a readable input");
            inputs.push((path.display().to_string(), bytes));
        }
    }
    inputs.sort();
    inputs
}

fn run(target: &str, body: fn(&[u8]), at_least: usize) {
    let inputs = inputs(target);
    assert!(
        inputs.len() >= at_least,
        "{target}: {} inputs, expected at least {at_least}",
        inputs.len()
    );
    for (name, bytes) in &inputs {
        let outcome = std::panic::catch_unwind(|| body(bytes));
        assert!(outcome.is_ok(), "{target}: {name} fails");
    }
    println!("{target}: {} inputs", inputs.len());
}

/// Every committed seed of `target` passes `check`: seeds start the fuzzer past the checks
/// that random bytes cannot pass.
fn seeds_pass(target: &str, check: impl Fn(&[u8]) -> bool, what: &str) {
    for (name, bytes) in inputs(target).iter().filter(|(name, _)| name.contains("/seed-")) {
        assert!(check(bytes), "{name} does not {what}");
    }
}

#[test]
fn attribute_corpus() {
    run("attribute", targets::attribute, 20);
}

#[test]
fn material_description_corpus() {
    run("material_description", targets::material_description, 6);
}

#[test]
fn decrypt_item_corpus() {
    run("decrypt_item", targets::decrypt_item, 32);
    // The seeds are items that verify and decrypt, so that fuzzing starts past the signature.
    seeds_pass("decrypt_item", targets::decrypts, "decrypt");
}

#[test]
fn dbesdk_envelope_corpus() {
    run("dbesdk_envelope", targets::dbesdk_envelope, 2);
    // The seeds are envelopes that read back, so that fuzzing starts past the parsing.
    seeds_pass("dbesdk_envelope", targets::dbesdk_envelope_reads, "read");
}

/// The provider targets' seeds are descriptions that read back to a content key, so that
/// fuzzing starts past the parsing, into the unwrap.
fn provider_corpus(target: &str, body: fn(&[u8]), at_least: usize) {
    run(target, body, at_least);
    seeds_pass(target, |bytes| providers::unwraps(target, bytes), "unwrap");
    // What the seeds are made of still reads back (the providers' own round trip).
    assert!(!providers::seeds(target).is_empty(), "{target} has seeds");
}

#[test]
fn wrapped_description_corpus() {
    provider_corpus("wrapped_description", providers::wrapped_description, 4);
}

#[test]
fn kms_description_corpus() {
    provider_corpus("kms_description", providers::kms_description, 1);
}

#[test]
fn most_recent_description_corpus() {
    provider_corpus("most_recent_description", providers::most_recent_description, 4);
}
