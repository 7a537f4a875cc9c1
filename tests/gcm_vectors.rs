//! The GCM known-answer vectors of `tests/vectors/gcm/`: written by an independent reference
//! writer, decrypted through the public API, and refused once tampered with. That the library
//! reproduces them byte for byte, with the randomness pinned, is a unit test of the library
//! (`ddb-encrypt/src/known_answers.rs`): pinning exists only in its own test build.

#![allow(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use ddb_encrypt::{
    AttributeAction, AttributeValue, DESCRIPTION_ATTRIBUTE, ItemEncryptor, SIGNATURE_ATTRIBUTE,
};
use ddb_encrypt_dev::gcm_reference;
use ddb_encrypt_dev::json;
use ddb_encrypt_dev::python::workspace_root;
use ddb_encrypt_dev::vectors::VectorFile;

fn committed() -> Vec<VectorFile> {
    gcm_reference::scenarios()
        .iter()
        .map(|s| {
            VectorFile::load(workspace_root().join(format!("tests/vectors/gcm/{}.json", s.name)))
                .expect("committed vector file")
        })
        .collect()
}

#[test]
fn committed_vectors_are_what_the_reference_writer_produces() {
    for (index, scenario) in gcm_reference::scenarios().iter().enumerate() {
        let file = VectorFile::load(workspace_root().join(format!("tests/vectors/gcm/{}.json", scenario.name)))
            .unwrap_or_else(|e| panic!("vector {index} ({}): {e}; regenerate with `cargo run --example gcm_vectors -- tests/vectors/gcm`", scenario.name));
        assert_eq!(
            file.json,
            gcm_reference::build(scenario),
            "vector {index} ({}) is stale",
            scenario.name
        );
    }
}

#[tokio::test]
async fn every_vector_decrypts_and_its_tampered_twins_fail() {
    for (index, file) in committed().iter().enumerate() {
        let name = file.name();
        file.check().await.unwrap_or_else(|e| panic!("vector {index} ({name}): {e}"));
        let decrypted = json::item_from_json(&file.json["decrypted_item"]).unwrap();

        let schema = file.schema().unwrap();
        let provider = file.provider().await.unwrap();
        let strict = ItemEncryptor::from_arc(provider.clone()).accept_legacy(false);
        let encryptor = ItemEncryptor::from_arc(provider);
        let encrypted = file.encrypted_item().unwrap();
        assert_eq!(
            strict.decrypt_item(&schema, encrypted.clone()).await.unwrap(),
            decrypted,
            "vector {index} ({name})"
        );
        let mut targets: Vec<String> =
            vec![SIGNATURE_ATTRIBUTE.into(), DESCRIPTION_ATTRIBUTE.into()];
        targets.extend(
            encrypted
                .iter()
                .filter(|(n, v)| {
                    v.is_b()
                        && !n.starts_with("*amzn")
                        && schema.action(n) == AttributeAction::EncryptAndSign
                })
                .map(|(n, _)| n.clone()),
        );
        for target in &targets {
            let AttributeValue::B(blob) = &encrypted[target] else { unreachable!() };
            for position in [0, blob.as_ref().len() / 2, blob.as_ref().len() - 1] {
                let mut tampered = encrypted.clone();
                let mut bytes = blob.as_ref().to_vec();
                bytes[position] ^= 0x01;
                tampered.insert(target.clone(), AttributeValue::B(bytes.into()));
                for reader in [&encryptor, &strict] {
                    let error =
                        reader.decrypt_item(&schema, tampered.clone()).await.expect_err(target);
                    assert!(
                        error.is_integrity(),
                        "vector {index} ({name}), `{target}`[{position}]: {error}"
                    );
                }
            }
        }
    }
}
