//! The naive floor: only the cryptographic primitives an encrypted item needs, on the same
//! items as the library benchmarks, with every hash recomputed per item (random salt and
//! HKDF, AES-GCM or AES-CBC per encrypted attribute, the SHA-256 hashes of the string to
//! sign, one HMAC, the key wrap for Wrapped). No conversion, no item handling.
//!
//! `cargo bench --bench floor`

use std::hint::black_box;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use aes_kw::KwAes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use criterion::{Criterion, criterion_group, criterion_main};
use ddb_encrypt::AttributeAction;
use ddb_encrypt_dev::fixtures::{Shape, shapes};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// What the floor needs of an item: per signed attribute, its name, action and serialized
/// plaintext.
struct Prepared {
    table: String,
    attributes: Vec<(String, AttributeAction, Vec<u8>)>,
}

fn prepare(shape: &Shape) -> Prepared {
    let mut attributes: Vec<_> = shape
        .item
        .iter()
        .map(|(name, value)| {
            let bytes = ddb_encrypt::__fuzz::serialize_attribute(value, false).expect("serializes");
            (name.clone(), shape.schema.action(name), bytes)
        })
        .filter(|(_, action, _)| *action != AttributeAction::DoNothing)
        .collect();
    attributes.sort_by(|a, b| a.0.cmp(&b.0));
    Prepared { table: shape.schema.table_name().expect("a table").to_owned(), attributes }
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0; N];
    getrandom::fill(&mut out).expect("OS RNG");
    out
}

fn encrypted_count(prepared: &Prepared) -> usize {
    prepared.attributes.iter().filter(|a| a.1 == AttributeAction::EncryptAndSign).count()
}

/// The action label the string to sign hashes.
fn label(action: AttributeAction) -> &'static [u8] {
    if action == AttributeAction::SignOnly { b"PLAINTEXT" } else { b"ENCRYPTED" }
}

/// All of an item's randomness in one request to the OS (a salt of `salt` bytes, then `each`
/// bytes per encrypted attribute), as the library does.
fn item_randomness(prepared: &Prepared, salt: usize, each: usize) -> Vec<u8> {
    let mut out = vec![0; salt + each * encrypted_count(prepared)];
    getrandom::fill(&mut out).expect("OS RNG");
    out
}

/// Signs the string to sign, hashing everything afresh.
fn sign(prepared: &Prepared, stored: &[Vec<u8>], mac_key: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key).expect("any length");
    mac.update(&Sha256::digest(format!("TABLE>{}<TABLE", prepared.table)));
    for ((name, action, _), value) in prepared.attributes.iter().zip(stored) {
        mac.update(&Sha256::digest(name));
        mac.update(&Sha256::digest(label(*action)));
        mac.update(&Sha256::digest(value));
    }
    mac.finalize().into_bytes().to_vec()
}

/// The HKDF info of the GCM item key: its label and the length-prefixed table name.
fn item_key_info(table: &str) -> Vec<u8> {
    let mut info = b"ddbe-gcm-item-key".to_vec();
    info.extend_from_slice(&u32::try_from(table.len()).expect("short").to_be_bytes());
    info.extend_from_slice(table.as_bytes());
    info
}

fn item_cipher(info: &[u8], content_key: &[u8; 32], salt: &[u8]) -> Aes256Gcm {
    let mut item_key = [0u8; 32];
    Hkdf::<Sha256>::new(Some(salt), content_key).expand(info, &mut item_key).expect("32 bytes");
    Aes256Gcm::new(&item_key.into())
}

/// The stored values: SIGN_ONLY ones as they are, the others as nonce, ciphertext and tag,
/// each bound to its name, taking a 12-byte nonce from `nonces` in turn.
fn gcm_encrypt(prepared: &Prepared, cipher: &Aes256Gcm, mut nonces: &[u8]) -> Vec<Vec<u8>> {
    prepared
        .attributes
        .iter()
        .map(|(name, action, plaintext)| {
            if *action == AttributeAction::SignOnly {
                return plaintext.clone();
            }
            let (nonce, rest) = nonces.split_at(12);
            nonces = rest;
            let nonce: [u8; 12] = nonce.try_into().expect("12 bytes");
            let mut aad = Vec::with_capacity(17 + name.len());
            aad.extend_from_slice(b"ddbe-gcm-attr");
            aad.extend_from_slice(&u32::try_from(name.len()).expect("short").to_be_bytes());
            aad.extend_from_slice(name.as_bytes());
            let mut out = Vec::with_capacity(12 + plaintext.len() + 16);
            out.extend_from_slice(&nonce);
            out.extend_from_slice(plaintext);
            let tag = cipher
                .encrypt_inout_detached(&nonce.into(), &aad, (&mut out[12..]).into())
                .expect("encrypts");
            out.extend_from_slice(&tag);
            out
        })
        .collect()
}

fn gcm_item(prepared: &Prepared, content_key: &[u8; 32], mac_key: &[u8]) -> Vec<u8> {
    let randomness = item_randomness(prepared, 32, 12);
    let (salt, nonces) = randomness.split_at(32);
    let cipher = item_cipher(&item_key_info(&prepared.table), content_key, salt);
    sign(prepared, &gcm_encrypt(prepared, &cipher, nonces), mac_key)
}

fn cbc_item(prepared: &Prepared, content_key: &[u8; 32], mac_key: &[u8]) -> Vec<u8> {
    let randomness = item_randomness(prepared, 0, 16);
    let mut ivs = randomness.as_slice();
    let stored: Vec<Vec<u8>> = prepared
        .attributes
        .iter()
        .map(|(_, action, plaintext)| {
            if *action == AttributeAction::SignOnly {
                return plaintext.clone();
            }
            let (iv, rest) = ivs.split_at(16);
            ivs = rest;
            let iv: [u8; 16] = iv.try_into().expect("16 bytes");
            let mut out = iv.to_vec();
            out.extend(
                cbc::Encryptor::<aes::Aes256>::new(content_key.into(), &iv.into())
                    .encrypt_padded_vec::<Pkcs7>(plaintext),
            );
            out
        })
        .collect();
    sign(prepared, &stored, mac_key)
}

fn wrap(kek: &[u8; 32]) -> [u8; 32] {
    let content_key: [u8; 32] = random();
    let mut wrapped = [0u8; 40];
    KwAes256::new(kek.into()).wrap_key(&content_key, &mut wrapped).expect("wraps");
    black_box(wrapped);
    content_key
}

/// The parts of a GCM item that no implementation of the format can avoid, each alone: what
/// is left of the floor once everything that depends only on the schema (the hashes of the
/// table name, attribute names and action labels, the HMAC key's pads) is computed once.
fn parts(c: &mut Criterion, name: &str, prepared: &Prepared, key: &[u8; 32], mac_key: &[u8]) {
    let info = item_key_info(&prepared.table);
    let constants: Vec<([u8; 32], [u8; 32])> = prepared
        .attributes
        .iter()
        .map(|(name, action, _)| {
            (Sha256::digest(name).into(), Sha256::digest(label(*action)).into())
        })
        .collect();
    let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key).expect("any length");
    let table_hash: [u8; 32] = Sha256::digest(format!("TABLE>{}<TABLE", prepared.table)).into();
    let cipher = item_cipher(&info, key, &[7; 32]);
    let sign = |stored: &[Vec<u8>]| {
        let mut mac = keyed.clone();
        mac.update(&table_hash);
        for ((name_hash, label_hash), value) in constants.iter().zip(stored) {
            mac.update(name_hash);
            mac.update(label_hash);
            mac.update(&Sha256::digest(value));
        }
        mac.finalize().into_bytes()
    };
    let nonces = vec![9u8; 12 * encrypted_count(prepared)];
    let stored = gcm_encrypt(prepared, &cipher, &nonces);

    let mut group = c.benchmark_group(format!("parts/{name}/gcm"));
    group.bench_function("randomness", |b| {
        b.iter(|| black_box(item_randomness(prepared, 32, 12)));
    });
    group.bench_function("item-key", |b| {
        b.iter(|| black_box(item_cipher(&info, key, black_box(&[7; 32]))));
    });
    group.bench_function("aead", |b| b.iter(|| black_box(gcm_encrypt(prepared, &cipher, &nonces))));
    group.bench_function("hashes", |b| b.iter(|| black_box(sign(&stored))));
    group.bench_function("all", |b| {
        b.iter(|| {
            let randomness = item_randomness(prepared, 32, 12);
            let (salt, nonces) = randomness.split_at(32);
            black_box(sign(&gcm_encrypt(prepared, &item_cipher(&info, key, salt), nonces)))
        });
    });
    group.finish();
}

fn floor(c: &mut Criterion) {
    let (key, mac_key, kek) = ([0x42u8; 32], [0x17u8; 32], [0x24u8; 32]);
    for shape in shapes() {
        let prepared = prepare(&shape);
        let mut group = c.benchmark_group(format!("floor/{}", shape.name));
        group.bench_function("gcm/static", |b| {
            b.iter(|| black_box(gcm_item(&prepared, &key, &mac_key)));
        });
        group.bench_function("gcm/wrapped", |b| {
            b.iter(|| black_box(gcm_item(&prepared, &wrap(&kek), &mac_key)));
        });
        group.bench_function("legacy/static", |b| {
            b.iter(|| black_box(cbc_item(&prepared, &key, &mac_key)));
        });
        group.bench_function("legacy/wrapped", |b| {
            b.iter(|| black_box(cbc_item(&prepared, &wrap(&kek), &mac_key)));
        });
        group.finish();
        parts(c, shape.name, &prepared, &key, &mac_key);
    }
}

criterion_group!(benches, floor);
criterion_main!(benches);
