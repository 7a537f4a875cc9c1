//! Vector files: the legacy vectors written by the Python client and the DB-ESDK vectors written
//! by the official `aws-db-esdk` crate decrypt, and each has tampered twins that must fail.

use std::path::PathBuf;

use ddb_encrypt::format::DESCRIPTION_ATTRIBUTE;
use ddb_encrypt::format::FOOTER_ATTRIBUTE;
use ddb_encrypt::format::HEADER_ATTRIBUTE;
use ddb_encrypt::format::SIGNATURE_ATTRIBUTE;
use ddb_encrypt::{AttributeValue, Format, ItemEncryptor};
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
        let encryptor = ItemEncryptor::legacy_from_arc(file.provider().await.unwrap());
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
async fn official_dbesdk_vectors_decrypt_and_every_tampered_twin_fails() {
    let files = vector_files("dbesdk");
    assert!(files.len() >= 12, "{} DB-ESDK vector files", files.len());
    let mut twins = 0;
    for path in &files {
        let file = VectorFile::load(path).unwrap();
        let name = file.name();
        assert_eq!(file.format().unwrap(), Format::DbEsdk, "{name}");
        file.check_decrypt().await.unwrap_or_else(|e| panic!("{name}: {e}"));

        // Twins: a flipped byte at several places of the header, the footer and every signed
        // binary value; every signed attribute removed in turn.
        let schema = file.schema().unwrap();
        let encryptor = file.encryptor().await.unwrap();
        let encrypted = file.encrypted_item().unwrap();
        let signed: Vec<String> = encrypted
            .keys()
            .filter(|n| !n.starts_with("aws_dbe_") && schema.action(n).is_signed())
            .cloned()
            .collect();
        let mut tampered_items = Vec::new();
        for target in [HEADER_ATTRIBUTE, FOOTER_ATTRIBUTE] {
            let len = encrypted[target].as_b().unwrap().as_ref().len();
            for index in [0, 1, 2, 40, len / 2, len - 33, len - 1] {
                let mut tampered = encrypted.clone();
                flip_byte(&mut tampered, target, index);
                tampered_items.push((format!("{target}[{index}]"), tampered));
            }
        }
        for target in &signed {
            if encrypted[target].as_b().is_ok_and(|b| !b.as_ref().is_empty()) {
                let mut tampered = encrypted.clone();
                flip_byte(&mut tampered, target, 7);
                tampered_items.push((format!("`{target}` flipped"), tampered));
            }
            let mut removed = encrypted.clone();
            removed.remove(target);
            tampered_items.push((format!("`{target}` removed"), removed));
        }
        for (what, tampered) in tampered_items {
            let error = encryptor.decrypt_item(&schema, tampered).await.expect_err(&what);
            assert!(error.is_integrity(), "{name}, {what}: {error}");
            twins += 1;
        }
    }
    assert!(twins > 200, "{twins} tampered twins");
}

#[tokio::test]
async fn runner_round_trips_every_official_dbesdk_vector() {
    for path in vector_files("dbesdk") {
        let file = VectorFile::load(&path).unwrap();
        file.check().await.unwrap_or_else(|e| panic!("{}: {e}", file.name()));
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
    // The Python worked example carries exactly the description of `docs/legacy-format.md` 2.3.
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
