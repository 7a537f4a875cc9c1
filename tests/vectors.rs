//! Vector files: the Python-written legacy vectors decrypt, and so do this crate's GCM
//! known-answer vectors; each has a tampered twin that must fail.

#![allow(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::path::PathBuf;

use ddb_encrypt::{AttributeValue, DESCRIPTION_ATTRIBUTE, ItemEncryptor, SIGNATURE_ATTRIBUTE};
use ddb_encrypt_dev::json;
use ddb_encrypt_dev::python::workspace_root;
use ddb_encrypt_dev::vectors::{VectorFile, decode_hex};

fn vector_files(folder: &str) -> Vec<PathBuf> {
    let dir = workspace_root().join("tests/vectors").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());
    files
}

fn flip_byte(item: &mut json::Item, name: &str, index: usize) {
    let Some(AttributeValue::B(blob)) = item.get(name) else { panic!("`{name}` is not binary") };
    let mut bytes = blob.as_ref().to_vec();
    let index = index % bytes.len();
    bytes[index] ^= 0x80;
    item.insert(name.into(), AttributeValue::B(bytes.into()));
}

/// Every file written by the Python package: offline providers, Direct KMS (replaying the
/// recorded data key) and Most Recent (versions from the file's meta rows).
fn python_written() -> Vec<PathBuf> {
    ["legacy", "kms", "most-recent"].iter().flat_map(|folder| vector_files(folder)).collect()
}

#[tokio::test]
async fn python_written_vectors_decrypt_and_tampered_twins_fail() {
    for (index, path) in python_written().iter().enumerate() {
        let file = VectorFile::load(path).unwrap();
        let name = file.name();
        file.check_decrypt().await.unwrap_or_else(|e| panic!("vector {index} ({name}): {e}"));

        // Negative twins: one flipped byte in the signature, in a ciphertext, in a signed value.
        let schema = file.schema().unwrap();
        let encryptor = ItemEncryptor::from_arc(file.provider().await.unwrap());
        let encrypted = file.encrypted_item().unwrap();
        let mut targets = vec![SIGNATURE_ATTRIBUTE.to_owned()];
        targets.extend(
            encrypted
                .iter()
                .filter(|(n, v)| {
                    v.as_b().is_ok_and(|b| !b.as_ref().is_empty())
                        && !n.starts_with("*amzn")
                        && schema.action(n) != ddb_encrypt::AttributeAction::DoNothing
                })
                .map(|(n, _)| n.clone()),
        );
        for target in targets {
            let mut tampered = encrypted.clone();
            flip_byte(&mut tampered, &target, 7);
            let error = encryptor
                .decrypt_item(&schema, tampered)
                .await
                .expect_err(&format!("{name}: {target}"));
            assert!(error.is_integrity(), "vector {index} ({name}), `{target}` flipped: {error}");
        }
    }
}

#[tokio::test]
async fn runner_round_trips_every_python_written_vector() {
    for (index, path) in python_written().iter().enumerate() {
        let file = VectorFile::load(path).unwrap();
        file.check().await.unwrap_or_else(|e| panic!("vector {index} ({}): {e}", file.name()));
    }
}

#[test]
fn serialization_matches_the_python_serializer() {
    let path = workspace_root().join("tests/vectors/serialization/python-serialize-examples.json");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    for (index, case) in cases.iter().enumerate() {
        let value = json::value_from_json(&case["attribute"]).unwrap();
        let expected = decode_hex(case["serialized_hex"].as_str().unwrap()).unwrap();
        let actual = ddb_encrypt::__fuzz::serialize_attribute(&value, true)
            .unwrap_or_else(|| panic!("case {index}: cannot serialize"));
        assert_eq!(actual, expected, "case {index}: {}", case["attribute"]);
        ddb_encrypt::__fuzz::deserialize_attribute(&expected)
            .unwrap_or_else(|| panic!("case {index}: cannot deserialize"));
    }
}

#[test]
fn description_is_never_signed_in_python_vectors() {
    // The Python worked example carries exactly the description of legacy-format.md 2.3.
    let file = VectorFile::load(
        workspace_root().join("tests/vectors/legacy/worked-example-static-deterministic.json"),
    )
    .unwrap();
    let item = file.encrypted_item().unwrap();
    let AttributeValue::B(description) = &item[DESCRIPTION_ATTRIBUTE] else { panic!() };
    let expected = decode_hex(
        "00000000 00000017 616d7a6e2d6464622d6d61702d7369676e696e67416c67 0000000a 486d6163534841323536
         00000015 616d7a6e2d6464622d6d61702d73796d2d6d6f6465 00000011 2f4342432f504b43533550616464696e67",
    )
    .unwrap();
    assert_eq!(description.as_ref(), expected);
}
