//! The primitives of the DB-ESDK format, `RustCrypto` against aws-lc-rs, on the same inputs: what
//! the choice of backend per primitive rests on (`scripts/bench.sh` prints the medians).

use std::hint::black_box;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::encoding::AsBigEndian;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use criterion::{Criterion, criterion_group, criterion_main};
use sha2::{Digest, Sha384};

fn primitives(c: &mut Criterion) {
    for (label, len) in [("1KiB", 1024), ("100KiB", 100 * 1024)] {
        let data = vec![0x5a_u8; len];
        c.bench_function(&format!("sha384/{label}/rustcrypto"), |b| {
            b.iter(|| Sha384::digest(black_box(&data)));
        });
        c.bench_function(&format!("sha384/{label}/aws-lc-rs"), |b| {
            b.iter(|| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA384, black_box(&data)));
        });
        let rust = Aes256Gcm::new(&[7; 32].into());
        let mut buffer = data.clone();
        c.bench_function(&format!("aes256gcm-seal/{label}/rustcrypto"), |b| {
            b.iter(|| {
                rust.encrypt_inout_detached(&[1; 12].into(), b"aad", buffer.as_mut_slice().into())
            });
        });
        let lc = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7; 32]).expect("key"));
        c.bench_function(&format!("aes256gcm-seal/{label}/aws-lc-rs"), |b| {
            b.iter(|| {
                lc.seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key([1; 12]),
                    Aad::from(b"aad"),
                    &mut buffer,
                )
            });
        });
    }
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).expect("key pair");
    let signature = pair.sign(&rng, &[3; 48]).expect("signature");
    let public = pair.public_key().as_ref().to_vec();
    let compressed: aws_lc_rs::encoding::EcPublicKeyCompressedBin<'_> =
        pair.public_key().as_be_bytes().expect("compressed point");
    let compressed = compressed.as_ref().to_vec();
    c.bench_function("p384/keygen/aws-lc-rs", |b| {
        b.iter(|| EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING));
    });
    c.bench_function("p384/sign/aws-lc-rs", |b| b.iter(|| pair.sign(&rng, black_box(&[3; 48]))));
    c.bench_function("p384/verify/aws-lc-rs", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&ECDSA_P384_SHA384_ASN1, &public)
                .verify(black_box(&[3; 48]), signature.as_ref())
        });
    });
    c.bench_function("p384/verify-compressed-key/aws-lc-rs", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&ECDSA_P384_SHA384_ASN1, &compressed)
                .verify(black_box(&[3; 48]), signature.as_ref())
        });
    });
}

criterion_group!(benches, primitives);
criterion_main!(benches);
