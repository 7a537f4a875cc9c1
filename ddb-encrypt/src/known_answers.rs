//! The GCM known-answer vectors of `tests/vectors/gcm/` (written by the workspace's independent
//! reference writer), reproduced byte for byte with the randomness each file pins.
//!
//! This lives inside the crate because pinning randomness is compiled only into the crate's own
//! unit tests (`cfg(test)`): no feature, and so no build of a user's, can reach it. Decrypting
//! the vectors through the public API stays in the workspace's `tests/gcm_vectors.rs`.

#![allow(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::path::Path;
use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use crate::crypto::rng::pinned;
use crate::provider::{
    CryptographicMaterialsProvider, DataKey, SigningKey, StaticMaterialsProvider,
    WrappedMaterialsProvider, WrappingKey,
};
use crate::{AttributeAction, AttributeActions, Format, Item, ItemEncryptor, TableSchema};

/// The committed vector files, sorted by name.
fn vector_files() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gcm");
    let mut files: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.display().to_string(), serde_json::from_str(&text).unwrap())
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd number of hex digits");
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

fn blob(value: &Value) -> Blob {
    Blob::new(BASE64.decode(value.as_str().unwrap()).unwrap())
}

/// A value in DynamoDB JSON (`{"S": "..."}`, `{"B": "<base64>"}`, ...).
fn attribute(json: &Value) -> AttributeValue {
    let (tag, v) = json.as_object().unwrap().iter().next().unwrap();
    let list = || v.as_array().unwrap().iter();
    match tag.as_str() {
        "S" => AttributeValue::S(text(v)),
        "N" => AttributeValue::N(text(v)),
        "B" => AttributeValue::B(blob(v)),
        "BOOL" => AttributeValue::Bool(v.as_bool().unwrap()),
        "NULL" => AttributeValue::Null(true),
        "SS" => AttributeValue::Ss(list().map(text).collect()),
        "NS" => AttributeValue::Ns(list().map(text).collect()),
        "BS" => AttributeValue::Bs(list().map(blob).collect()),
        "L" => AttributeValue::L(list().map(attribute).collect()),
        "M" => AttributeValue::M(item(v)),
        other => panic!("unknown type tag {other}"),
    }
}

fn item(json: &Value) -> Item {
    json.as_object().unwrap().iter().map(|(k, v)| (k.clone(), attribute(v))).collect()
}

fn schema(file: &Value) -> TableSchema {
    let action = |v: &Value| AttributeAction::from_name(v.as_str().unwrap()).unwrap();
    let spec = &file["attribute_actions"];
    let mut actions = AttributeActions::new(action(&spec["default"]));
    for (name, a) in spec["overrides"].as_object().into_iter().flatten() {
        actions.set(name, action(a));
    }
    let mut builder = match file["table_name"].as_str() {
        Some(name) => TableSchema::builder(name),
        None => TableSchema::builder_without_table_name(),
    }
    .actions(actions);
    if let Some(pk) = file["partition_key_name"].as_str() {
        builder = builder.partition_key(pk);
    }
    if let Some(sk) = file["sort_key_name"].as_str() {
        builder = builder.sort_key(sk);
    }
    builder.build().unwrap()
}

fn provider(spec: &Value) -> Arc<dyn CryptographicMaterialsProvider> {
    assert_eq!(spec["signing_algorithm"], "HmacSHA256");
    let signing = SigningKey::hmac_sha256(&hex(spec["signing_key_hex"].as_str().unwrap())).unwrap();
    let description = spec["material_description"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), text(v)))
        .collect();
    match spec["type"].as_str().unwrap() {
        "static" => {
            let provider = match spec["encryption_key_hex"].as_str() {
                Some(key) => {
                    StaticMaterialsProvider::new(DataKey::from_bytes(&hex(key)).unwrap(), signing)
                }
                None => StaticMaterialsProvider::sign_only(signing),
            };
            Arc::new(provider.with_material_description(description))
        }
        "wrapped-aes" => {
            let kek = WrappingKey::aes(&hex(spec["wrapping_key_hex"].as_str().unwrap())).unwrap();
            Arc::new(
                WrappedMaterialsProvider::new(kek, signing).with_material_description(description),
            )
        }
        other => panic!("provider type {other} has no GCM vector"),
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
}

#[test]
fn the_library_reproduces_every_gcm_vector_byte_for_byte() {
    let files = vector_files();
    assert!(files.len() >= 6, "{} GCM vector files", files.len());
    for (index, (path, file)) in files.iter().enumerate() {
        let pinned_values = &file["pinned_randomness"];
        if let Some(key) = pinned_values["content_key_hex"].as_str() {
            pinned::push(hex(key));
        }
        // The item's randomness, one request: the salt, then the nonces in signing order.
        let mut randomness = hex(pinned_values["item_salt_hex"].as_str().unwrap());
        let mut nonces: Vec<_> = pinned_values["nonces_hex"].as_object().unwrap().iter().collect();
        nonces.sort_by(|a, b| a.0.cmp(b.0));
        for (_, nonce) in nonces {
            randomness.extend(hex(nonce.as_str().unwrap()));
        }
        pinned::push(randomness);

        let encryptor =
            ItemEncryptor::from_arc(provider(&file["provider"])).with_write_format(Format::Gcm);
        let encrypted =
            block_on(encryptor.encrypt_item(&schema(file), item(&file["plaintext_item"]))).unwrap();
        assert!(pinned::is_drained(), "vector {index} ({path}): randomness requests differ");
        assert_eq!(encrypted, item(&file["encrypted_item"]), "vector {index} ({path})");
    }
}
