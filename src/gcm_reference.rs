//! A second, deliberately plain implementation of the GCM format's writer (gcm-format.md),
//! built on the `RustCrypto` primitives directly and sharing nothing with the library but the
//! attribute serialization (itself checked against the Python package's serializer). It writes
//! the known-answer vectors of `tests/vectors/gcm/`, with every intermediate value.

use std::collections::BTreeMap;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use aes_kw::KwAes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::json::{self, Item};
use crate::vectors::{GCM_FORMAT, decode_hex, encode_hex};

const DESCRIPTION: &str = "*amzn-ddb-map-desc*";
const SIGNATURE: &str = "*amzn-ddb-map-sig*";

/// A vector to generate: everything but the randomness, which is derived from the name.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// File stem.
    pub name: &'static str,
    /// One line on what it covers.
    pub description: &'static str,
    /// The `provider` object (`static` or `wrapped-aes`, HMAC-SHA256 signing).
    pub provider: Value,
    /// Table name.
    pub table_name: &'static str,
    /// Partition key name.
    pub partition_key: Option<&'static str>,
    /// Sort key name.
    pub sort_key: Option<&'static str>,
    /// `{default, overrides}`.
    pub actions: Value,
    /// DynamoDB JSON.
    pub plaintext: Value,
}

fn lv(bytes: &[u8]) -> Vec<u8> {
    let len = u32::try_from(bytes.len()).expect("short values").to_be_bytes();
    [&len[..], bytes].concat()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Pinned randomness, derived from the scenario name so that regenerating is stable.
fn derived(label: &str, name: &str) -> [u8; 32] {
    sha256(format!("ddb-encrypt test vector {label} {name}").as_bytes())
}

fn action(actions: &Value, keys: &[&str], name: &str) -> &'static str {
    let default = actions["default"].as_str().unwrap_or("ENCRYPT_AND_SIGN");
    let explicit = actions["overrides"][name].as_str();
    let chosen = match explicit {
        Some(a) => a,
        // Key attributes default to SIGN_ONLY (DO_NOTHING if that is the default).
        None if keys.contains(&name) && default != "DO_NOTHING" => "SIGN_ONLY",
        None => default,
    };
    match chosen {
        "SIGN_ONLY" => "SIGN_ONLY",
        "DO_NOTHING" => "DO_NOTHING",
        _ => "ENCRYPT_AND_SIGN",
    }
}

/// Builds the vector file of `scenario`.
///
/// # Panics
///
/// If the scenario is malformed (it is test data written in this crate).
#[expect(clippy::too_many_lines, reason = "one straight pass through gcm-format.md, kept in order")]
pub fn build(scenario: &Scenario) -> Value {
    let plaintext: Item = json::item_from_json(&scenario.plaintext).expect("valid plaintext");
    let provider = &scenario.provider;
    let hmac_key =
        decode_hex(provider["signing_key_hex"].as_str().expect("HMAC key")).expect("hex");
    let item_salt = derived("item salt", scenario.name);
    let mut intermediate = Map::new();

    // Section 1: the description, provider entries first, the encryptor's entries win.
    let mut md: BTreeMap<String, String> = provider["material_description"]
        .as_object()
        .map(|m| {
            m.iter().map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned())).collect()
        })
        .unwrap_or_default();
    let content_key: Option<[u8; 32]> = match provider["type"].as_str() {
        Some("static") => provider["encryption_key_hex"]
            .as_str()
            .map(|hex| decode_hex(hex).expect("hex").try_into().expect("a 256-bit key")),
        Some("wrapped-aes") => {
            let key = derived("content key", scenario.name);
            let kek = decode_hex(provider["wrapping_key_hex"].as_str().expect("KEK")).expect("hex");
            let mut wrapped = [0u8; 40];
            KwAes256::new_from_slice(&kek)
                .expect("256-bit KEK")
                .wrap_key(&key, &mut wrapped)
                .expect("wrap");
            md.insert("amzn-ddb-env-key".into(), BASE64.encode(wrapped));
            md.insert("amzn-ddb-env-alg".into(), "AES/256".into());
            md.insert("amzn-ddb-wrap-alg".into(), "AESWrap".into());
            intermediate.insert("wrapped_content_key_hex".into(), encode_hex(&wrapped).into());
            Some(key)
        }
        other => panic!("unsupported provider {other:?}"),
    };
    md.insert("amzn-ddb-map-sym-mode".into(), "/GCM/NoPadding".into());
    md.insert("amzn-ddb-map-signingAlg".into(), "HmacSHA256".into());
    md.insert("ddbe-item-salt".into(), BASE64.encode(item_salt));
    md.insert("ddbe-format".into(), "1".into());
    let mut md_bytes = vec![0, 0, 0, 0];
    for (k, v) in &md {
        md_bytes.extend(lv(k.as_bytes()));
        md_bytes.extend(lv(v.as_bytes()));
    }

    // Section 2: the per-item key.
    let mut info = b"ddbe-gcm-item-key".to_vec();
    info.extend(lv(scenario.table_name.as_bytes()));
    let cipher = content_key.map(|k| {
        let mut item_key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&item_salt), &k).expand(&info, &mut item_key).expect("32 bytes");
        intermediate.insert("item_key_hex".into(), encode_hex(&item_key).into());
        Aes256Gcm::new(&item_key.into())
    });
    intermediate.insert("item_salt_hex".into(), encode_hex(&item_salt).into());
    intermediate.insert("hkdf_info_hex".into(), encode_hex(&info).into());

    // Sections 3 and 4: encrypt, and build the string to sign in code-point order of names.
    let keys: Vec<&str> =
        [scenario.partition_key, scenario.sort_key].into_iter().flatten().collect();
    let mut names: Vec<&str> = plaintext.keys().map(String::as_str).chain([DESCRIPTION]).collect();
    names.sort_unstable();
    let mut encrypted = plaintext.clone();
    let mut decrypted = plaintext.clone();
    let mut nonces = Map::new();
    let mut attributes = Map::new();
    let mut signed_order = Vec::new();
    let mut string_to_sign =
        sha256(format!("TABLE>{}<TABLE", scenario.table_name).as_bytes()).to_vec();
    for name in names {
        let (action, stored) = if name == DESCRIPTION {
            ("SIGN_ONLY", md_bytes.clone())
        } else {
            let action = action(&scenario.actions, &keys, name);
            let serialized = ddb_encrypt::__fuzz::serialize_attribute(&plaintext[name], false)
                .expect("serializable plaintext");
            let mut record =
                json!({ "action": action, "serialized_plaintext_hex": encode_hex(&serialized) });
            match action {
                "DO_NOTHING" => {
                    attributes.insert(name.into(), record);
                    continue;
                }
                "SIGN_ONLY" => {
                    attributes.insert(name.into(), record);
                    (action, serialized)
                }
                _ => {
                    let nonce: [u8; 12] = derived(&format!("nonce {name}"), scenario.name)[..12]
                        .try_into()
                        .expect("12");
                    let mut aad = b"ddbe-gcm-attr".to_vec();
                    aad.extend(lv(name.as_bytes()));
                    let mut buffer = serialized.clone();
                    let tag = cipher
                        .as_ref()
                        .expect("a content key for encrypted attributes")
                        .encrypt_inout_detached(&nonce.into(), &aad, buffer.as_mut_slice().into())
                        .expect("encrypt");
                    let value = [&nonce[..], &buffer, &tag].concat();
                    record["nonce_hex"] = encode_hex(&nonce).into();
                    record["aad_hex"] = encode_hex(&aad).into();
                    record["ciphertext_hex"] = encode_hex(&buffer).into();
                    record["tag_hex"] = encode_hex(&tag).into();
                    attributes.insert(name.into(), record);
                    nonces.insert(name.into(), encode_hex(&nonce).into());
                    encrypted
                        .insert(name.into(), ddb_encrypt::AttributeValue::B(value.clone().into()));
                    // What a reader returns: the canonical form (sorted sets, exact numbers).
                    let canonical =
                        ddb_encrypt::__fuzz::deserialize_attribute(&serialized).expect("decodes");
                    decrypted.insert(name.into(), canonical);
                    let mut as_binary = vec![0, b'b'];
                    as_binary.extend(lv(&value));
                    ("ENCRYPT_AND_SIGN", as_binary)
                }
            }
        };
        let stored_hash = if name == DESCRIPTION {
            let mut as_binary = vec![0, b'b'];
            as_binary.extend(lv(&stored));
            sha256(&as_binary)
        } else {
            sha256(&stored)
        };
        let label = if action == "SIGN_ONLY" { "PLAINTEXT" } else { "ENCRYPTED" };
        string_to_sign.extend(sha256(name.as_bytes()));
        string_to_sign.extend(sha256(label.as_bytes()));
        string_to_sign.extend(stored_hash);
        signed_order.push(Value::String(name.into()));
    }
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(&hmac_key).expect("any HMAC key length");
    mac.update(&string_to_sign);
    let signature = mac.finalize().into_bytes();
    encrypted.insert(SIGNATURE.into(), ddb_encrypt::AttributeValue::B(signature.to_vec().into()));
    encrypted.insert(DESCRIPTION.into(), ddb_encrypt::AttributeValue::B(md_bytes.clone().into()));

    intermediate.insert("material_description".into(), json!(md));
    intermediate.insert("material_description_hex".into(), encode_hex(&md_bytes).into());
    intermediate.insert("signed_order".into(), Value::Array(signed_order));
    intermediate.insert("attributes".into(), Value::Object(attributes));
    intermediate.insert("string_to_sign_hex".into(), encode_hex(&string_to_sign).into());
    intermediate.insert("signature_hex".into(), encode_hex(&signature).into());
    let mut pinned = json!({ "item_salt_hex": encode_hex(&item_salt), "nonces_hex": nonces });
    if provider["type"] == "wrapped-aes" {
        pinned["content_key_hex"] = encode_hex(&content_key.expect("wrapped key")).into();
    }
    json!({
        "name": scenario.name,
        "description": scenario.description,
        "generator": "ddb-encrypt-dev gcm_reference (independent of the library's encryptor)",
        "format": GCM_FORMAT,
        "provider": provider,
        "table_name": scenario.table_name,
        "partition_key_name": scenario.partition_key,
        "sort_key_name": scenario.sort_key,
        "attribute_actions": scenario.actions,
        "plaintext_item": scenario.plaintext,
        "encrypted_item": json::item_to_json(&encrypted),
        "decrypted_item": json::item_to_json(&decrypted),
        "pinned_randomness": pinned,
        "intermediate": Value::Object(intermediate),
    })
}

const AES_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const HMAC_KEY: &str = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
const KEK: &str = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

fn static_provider() -> Value {
    json!({ "type": "static", "encryption_key_hex": AES_KEY, "signing_key_hex": HMAC_KEY, "signing_algorithm": "HmacSHA256" })
}

fn wrapped_provider() -> Value {
    json!({ "type": "wrapped-aes", "wrapping_key_hex": KEK, "signing_key_hex": HMAC_KEY, "signing_algorithm": "HmacSHA256" })
}

fn all_types() -> Value {
    json!({
        "pk": { "S": "gcm-all-types" },
        "sk": { "N": "42" },
        "s": { "S": "hello, 世界 😀" },
        "n": { "N": "-12.50" },
        "b": { "B": "AAEC/w==" },
        "ss": { "SS": ["b", "a", "😀", "\u{e000}"] },
        "ns": { "NS": ["10", "9", "-1", "1.50"] },
        "bs": { "BS": ["gA==", "AQ==", "fw=="] },
        "bool": { "BOOL": true },
        "null": { "NULL": true },
        "l": { "L": [{ "S": "x" }, { "N": "1" }, { "NULL": true }, { "M": {} }] },
        "m": { "M": {
            "nested": { "M": { "deep": { "L": [{ "S": "x" }, { "BOOL": false }] } } },
            "zero": { "N": "0.000" },
            "": { "S": "" }
        } }
    })
}

fn keys_sign_only() -> Value {
    json!({ "default": "ENCRYPT_AND_SIGN", "overrides": { "pk": "SIGN_ONLY", "sk": "SIGN_ONLY" } })
}

fn deep(levels: usize) -> Value {
    (0..levels).fold(json!({ "S": "bottom" }), |inner, i| {
        if i % 2 == 0 { json!({ "L": [inner] }) } else { json!({ "M": { "k": inner } }) }
    })
}

/// The scenarios of `tests/vectors/gcm/`.
#[expect(clippy::too_many_lines, reason = "test data, one scenario after another")]
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "gcm-static-minimal",
            description: "The worked example of legacy-format.md 4.3 in the GCM format: pk SIGN_ONLY, v ENCRYPT_AND_SIGN, x DO_NOTHING.",
            provider: static_provider(),
            table_name: "T",
            partition_key: Some("pk"),
            sort_key: None,
            actions: json!({ "default": "ENCRYPT_AND_SIGN", "overrides": { "pk": "SIGN_ONLY", "x": "DO_NOTHING" } }),
            plaintext: json!({ "pk": { "S": "a" }, "v": { "N": "1" }, "x": { "S": "not signed" } }),
        },
        Scenario {
            name: "gcm-static-all-types",
            description: "Static AES-256 + HMAC-SHA256; all ten types with nesting, SIGN_ONLY pk (S) and sk (N).",
            provider: static_provider(),
            table_name: "GcmTable",
            partition_key: Some("pk"),
            sort_key: Some("sk"),
            actions: keys_sign_only(),
            plaintext: all_types(),
        },
        Scenario {
            name: "gcm-wrapped-aes-all-types",
            description: "Wrapped provider, AESWrap of a pinned content key; the same item.",
            provider: wrapped_provider(),
            table_name: "GcmTable",
            partition_key: Some("pk"),
            sort_key: Some("sk"),
            actions: keys_sign_only(),
            plaintext: all_types(),
        },
        Scenario {
            name: "gcm-wrapped-aes-mixed-actions",
            description: "SIGN_ONLY S/N/SS/B/M, two DO_NOTHING, an extra provider description entry, and names that sort on both sides of *amzn-ddb-map-desc*.",
            provider: {
                let mut p = wrapped_provider();
                p["material_description"] = json!({ "app-entry": "mixed" });
                p
            },
            table_name: "GcmTable",
            partition_key: Some("pk"),
            sort_key: Some("sk"),
            actions: json!({ "default": "ENCRYPT_AND_SIGN", "overrides": {
                "pk": "SIGN_ONLY", "sk": "SIGN_ONLY",
                "signed_s": "SIGN_ONLY", "signed_n": "SIGN_ONLY", "signed_ss": "SIGN_ONLY",
                "signed_b": "SIGN_ONLY", "signed_m": "SIGN_ONLY", "*a": "SIGN_ONLY",
                "ignored_s": "DO_NOTHING", "ignored_m": "DO_NOTHING"
            } }),
            plaintext: json!({
                "pk": { "S": "mixed" },
                "sk": { "S": "2026-11-27" },
                "signed_s": { "S": "visible but signed" },
                "signed_n": { "N": "123.4500" },
                "signed_ss": { "SS": ["gamma", "alpha"] },
                "signed_b": { "B": "AHNpZ25lZP8=" },
                "signed_m": { "M": { "z": { "N": "1" }, "a": { "BOOL": true } } },
                "ignored_s": { "S": "neither" },
                "ignored_m": { "M": { "x": { "NULL": true } } },
                "secret": { "S": "encrypted" },
                "!first": { "S": "sorts before the description" },
                "*a": { "S": "a prefix of the description's name" },
                "*zz": { "S": "sorts after the description" },
                "+plus": { "N": "7" }
            }),
        },
        Scenario {
            name: "gcm-wrapped-aes-edge-cases",
            description: "Empty S/B/L/M, zeros, -0.0100, 1.5E+10, 1E-130, 38-digit numbers (never rounded), a SIGN_ONLY 29-digit number and -0 (exact form in GCM hashes), unicode names and values, binary partition key, unicode sort key, 12 levels of nesting, empty map key.",
            provider: wrapped_provider(),
            table_name: "Edge-Cases.Table_1",
            partition_key: Some("pk"),
            sort_key: Some("sk"),
            actions: json!({ "default": "ENCRYPT_AND_SIGN", "overrides": {
                "pk": "SIGN_ONLY", "sk": "SIGN_ONLY",
                "signed_29": "SIGN_ONLY", "signed_neg_zero": "SIGN_ONLY",
                "signed_empty_s": "SIGN_ONLY", "signed_empty_m": "SIGN_ONLY"
            } }),
            plaintext: json!({
                "pk": { "B": "AP8BgA==" },
                "sk": { "S": "ключ 🔑" },
                "empty_s": { "S": "" },
                "empty_b": { "B": "" },
                "empty_l": { "L": [] },
                "empty_m": { "M": {} },
                "zero": { "N": "0" },
                "neg": { "N": "-0.0100" },
                "exp": { "N": "1.5E+10" },
                "tiny": { "N": "1E-130" },
                "digits38": { "N": "12345678901234567890123456789012345678" },
                "signed_29": { "N": "12345678901234567890123456789" },
                "signed_neg_zero": { "N": "-0" },
                "signed_empty_s": { "S": "" },
                "signed_empty_m": { "M": {} },
                "名前": { "S": "值" },
                "😀": { "SS": ["😀", "\u{e000}"] },
                "deep": deep(12),
                "empty_key": { "M": { "": { "N": "1" } } }
            }),
        },
        Scenario {
            name: "gcm-static-sign-only",
            description: "A provider without an encryption key: everything SIGN_ONLY but one DO_NOTHING; the description is signed, the salt unused.",
            provider: json!({ "type": "static", "signing_key_hex": HMAC_KEY, "signing_algorithm": "HmacSHA256" }),
            table_name: "GcmTable",
            partition_key: Some("pk"),
            sort_key: None,
            actions: json!({ "default": "SIGN_ONLY", "overrides": { "note": "DO_NOTHING" } }),
            plaintext: json!({
                "pk": { "S": "sign-only" },
                "n": { "N": "10.0" },
                "ns": { "NS": ["3", "20", "100"] },
                "m": { "M": { "k": { "S": "v" } } },
                "note": { "S": "free text" }
            }),
        },
    ]
}
