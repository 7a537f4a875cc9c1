//! Encrypt and decrypt of the typical ~1 KB order item, both formats, Static and Wrapped.
//!
//! `cargo bench --bench item`

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ddb_encrypt::provider::{
    DataKey, SigningKey, StaticMaterialsProvider, WrappedMaterialsProvider, WrappingKey,
};
use ddb_encrypt::{EncryptedItem, Format, ItemEncryptor, TableSchema};
use ddb_encrypt_dev::fixtures::{TypedOrder, now_or_never, typed_order, typical_order};

fn encryptors() -> Vec<(String, ItemEncryptor)> {
    let signing = || SigningKey::hmac_sha256(&[0x17; 32]).expect("key");
    let fixed =
        StaticMaterialsProvider::new(DataKey::from_bytes(&[0x42; 32]).expect("key"), signing());
    let wrapped =
        WrappedMaterialsProvider::new(WrappingKey::aes(&[0x24; 32]).expect("key"), signing());
    let mut out = Vec::new();
    for (format, format_name) in [(Format::Gcm, "gcm"), (Format::Legacy, "legacy")] {
        out.push((
            format!("{format_name}/static"),
            ItemEncryptor::new(fixed.clone()).with_write_format(format),
        ));
        out.push((
            format!("{format_name}/wrapped"),
            ItemEncryptor::new(wrapped.clone()).with_write_format(format),
        ));
    }
    out
}

fn typical_order_item(c: &mut Criterion) {
    let (schema, item) = typical_order();
    let mut group = c.benchmark_group("typical_order");
    for (name, encryptor) in encryptors() {
        group.bench_function(format!("encrypt/{name}"), |b| {
            b.iter_batched(
                || item.clone(),
                |item| {
                    let encrypted = now_or_never(encryptor.encrypt_item(&schema, item));
                    black_box(encrypted.expect("ready").expect("encrypts"))
                },
                BatchSize::SmallInput,
            );
        });
        let stored = now_or_never(encryptor.encrypt_item(&schema, item.clone()))
            .expect("ready")
            .expect("encrypts");
        group.bench_function(format!("decrypt/{name}"), |b| {
            b.iter_batched(
                || stored.clone(),
                |stored| {
                    let decrypted = now_or_never(encryptor.decrypt_item(&schema, stored));
                    black_box(decrypted.expect("ready").expect("decrypts"))
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

/// The typed path (derive) against the raw-item path and the conversion alone.
fn typed_order_item(c: &mut Criterion) {
    let (_, item) = typical_order();
    let order = typed_order();
    assert_eq!(order.to_item().expect("converts"), item, "the typed twin is the same item");
    let schema = TableSchema::for_item::<TypedOrder>("Orders").expect("schema");
    let encryptor = ItemEncryptor::new(StaticMaterialsProvider::new(
        DataKey::from_bytes(&[0x42; 32]).expect("key"),
        SigningKey::hmac_sha256(&[0x17; 32]).expect("key"),
    ));
    let stored = now_or_never(encryptor.encrypt_item(&schema, item.clone()))
        .expect("ready")
        .expect("encrypts");
    let mut group = c.benchmark_group("typed_vs_raw");
    group.bench_function("encrypt/typed", |b| {
        b.iter(|| {
            let item = order.to_item().expect("converts");
            black_box(
                now_or_never(encryptor.encrypt_item(&schema, item))
                    .expect("ready")
                    .expect("encrypts"),
            )
        });
    });
    group.bench_function("encrypt/raw", |b| {
        b.iter_batched(
            || item.clone(),
            |item| {
                black_box(
                    now_or_never(encryptor.encrypt_item(&schema, item))
                        .expect("ready")
                        .expect("encrypts"),
                )
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("convert/to_item", |b| {
        b.iter(|| black_box(order.to_item().expect("converts")));
    });
    group.bench_function("decrypt/typed", |b| {
        b.iter_batched(
            || stored.clone(),
            |stored| {
                let item = now_or_never(encryptor.decrypt_item(&schema, stored))
                    .expect("ready")
                    .expect("decrypts");
                black_box(TypedOrder::from_item(item).expect("converts"))
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("decrypt/raw", |b| {
        b.iter_batched(
            || stored.clone(),
            |stored| {
                black_box(
                    now_or_never(encryptor.decrypt_item(&schema, stored))
                        .expect("ready")
                        .expect("decrypts"),
                )
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("convert/from_item", |b| {
        b.iter_batched(
            || item.clone(),
            |item| black_box(TypedOrder::from_item(item).expect("converts")),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, typical_order_item, typed_order_item);
criterion_main!(benches);
