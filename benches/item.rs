//! Encrypt and decrypt per item: three shapes (small, the typical ~1 KB order, large with a
//! ~100 KB binary attribute); the DB-ESDK format with the Raw AES keyring in both algorithm
//! suites (`dbesdk-6701`, `dbesdk-6700`), and the legacy format with the Static, Wrapped and
//! Most Recent (warm cache) providers; and the typed (derive) path against the raw-item path
//! plus conversion.
//!
//! `cargo bench --bench item`; `scripts/bench.sh` runs it with the Python comparison.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ddb_encrypt::{AlgorithmSuite, EncryptedItem, ItemEncryptor, TableSchema};
use ddb_encrypt_dev::fixtures::{
    TypedOrder, bench_encryptors, bench_keyring, now_or_never, shapes, typed_order, typical_order,
};

fn items(c: &mut Criterion) {
    for shape in shapes() {
        let mut group = c.benchmark_group(format!("item/{}", shape.name));
        for (writer, encryptor) in bench_encryptors() {
            let (schema, item) = (&shape.schema, &shape.item);
            group.bench_function(format!("{writer}/encrypt"), |b| {
                b.iter_batched(
                    || item.clone(),
                    |item| {
                        black_box(
                            now_or_never(encryptor.encrypt_item(schema, item))
                                .expect("ready")
                                .expect("encrypts"),
                        )
                    },
                    BatchSize::SmallInput,
                );
            });
            let stored = now_or_never(encryptor.encrypt_item(schema, item.clone()))
                .expect("ready")
                .expect("encrypts");
            group.bench_function(format!("{writer}/decrypt"), |b| {
                b.iter_batched(
                    || stored.clone(),
                    |stored| {
                        black_box(
                            now_or_never(encryptor.decrypt_item(schema, stored))
                                .expect("ready")
                                .expect("decrypts"),
                        )
                    },
                    BatchSize::SmallInput,
                );
            });
        }
        group.finish();
    }
}

/// The typed path (derive) against the raw-item path and the conversion alone, on the typical
/// order (DB-ESDK, Raw AES keyring, suite `0x6700`: the ECDSA signature of `0x6701` would
/// swamp the conversion's share).
fn typed_order_item(c: &mut Criterion) {
    let (_, item) = typical_order();
    let order = typed_order();
    assert_eq!(order.to_item().expect("converts"), item, "the typed twin is the same item");
    let schema = TableSchema::for_item::<TypedOrder>("Orders").expect("schema");
    let encryptor =
        ItemEncryptor::new(bench_keyring()).with_algorithm_suite(AlgorithmSuite::HmacSha384);
    let stored = now_or_never(encryptor.encrypt_item(&schema, item.clone()))
        .expect("ready")
        .expect("encrypts");
    let mut group = c.benchmark_group("typed_vs_raw");
    group.bench_function("encrypt/typed", |b| {
        b.iter_batched(
            || (),
            |()| {
                let item = order.to_item().expect("converts");
                black_box(
                    now_or_never(encryptor.encrypt_item(&schema, item))
                        .expect("ready")
                        .expect("encrypts"),
                )
            },
            BatchSize::SmallInput,
        );
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
        b.iter_batched(
            || (),
            |()| black_box(order.to_item().expect("converts")),
            BatchSize::SmallInput,
        );
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

criterion_group!(benches, items, typed_order_item);
criterion_main!(benches);
