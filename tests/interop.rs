//! Rust-written items, handed to the real Python DynamoDB Encryption Client (PyPI
//! `dynamodb-encryption-sdk` 3.3.0, installed into `.local-aws/venv` when missing), must
//! decrypt and verify there.

use std::path::PathBuf;

use ddb_encrypt_dev::python::{decrypt_vectors, workspace_root};
use ddb_encrypt_dev::vectors::VectorFile;

#[tokio::test]
async fn python_decrypts_rust_written_legacy_items() {
    let dir = workspace_root().join("target/interop-rust-written");
    std::fs::create_dir_all(&dir).unwrap();
    let mut written = Vec::new();
    let mut sources: Vec<PathBuf> =
        std::fs::read_dir(workspace_root().join("tests/vectors/legacy"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    sources.sort();
    for source in &sources {
        let file = VectorFile::load(source).unwrap();
        // SIGN_ONLY numbers that the legacy signature would round are refused by our writer.
        let file = file.without(&file.legacy_unsignable().unwrap());
        let json = file.encrypt().await.unwrap_or_else(|e| panic!("{}: {e}", file.name()));
        let out = dir.join(source.file_name().unwrap());
        std::fs::write(&out, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        written.push(out);
    }
    assert!(written.len() >= 10);

    let (success, lines) = decrypt_vectors(&written);
    let failures: Vec<_> = lines.iter().filter(|l| !l.starts_with("ok ")).collect();
    assert!(
        success && failures.is_empty(),
        "Python could not read Rust-written items: {failures:#?}"
    );
    assert_eq!(lines.len(), written.len(), "one line per file: {lines:#?}");

    // The twin: a tampered Rust-written item must fail in Python too (so the check can fail).
    let mut tampered = VectorFile::load(&written[0]).unwrap().json;
    let sig = tampered["encrypted_item"]["*amzn-ddb-map-sig*"]["B"].as_str().unwrap().to_owned();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    let flipped: String = std::iter::once(first).chain(sig.chars().skip(1)).collect();
    tampered["encrypted_item"]["*amzn-ddb-map-sig*"]["B"] = flipped.into();
    let tampered_path = dir.join("tampered.json.txt");
    std::fs::write(&tampered_path, tampered.to_string()).unwrap();
    let (success, lines) = decrypt_vectors(&[tampered_path]);
    assert!(!success && lines[0].starts_with("FAIL "), "{lines:?}");
}
