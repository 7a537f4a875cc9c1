//! Encrypt and decrypt per item: three shapes (small, the typical ~1 KB order, large with a
//! ~100 KB binary attribute), both formats, the Static, Wrapped and Most Recent (warm cache)
//! providers; and the typed (derive) path against the raw-item path plus conversion.
//!
//! `cargo bench --bench item`; `scripts/bench.sh` runs it with the Python comparison.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ddb_encrypt::{EncryptedItem, Format, ItemEncryptor, TableSchema};
use ddb_encrypt_dev::fixtures::{
    TypedOrder, bench_providers, now_or_never, shapes, typed_order, typical_order,
};

fn items(c: &mut Criterion) {
    for shape in shapes() {
        let mut group = c.benchmark_group(format!("item/{}", shape.name));
        for (format, format_name) in [(Format::Gcm, "gcm"), (Format::Legacy, "legacy")] {
            for (provider_name, provider) in bench_providers() {
                let encryptor = ItemEncryptor::from_arc(provider).with_write_format(format);
                let (schema, item) = (&shape.schema, &shape.item);
                group.bench_function(format!("{format_name}/{provider_name}/encrypt"), |b| {
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
                group.bench_function(format!("{format_name}/{provider_name}/decrypt"), |b| {
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
        }
        group.finish();
    }
}

/// The typed path (derive) against the raw-item path and the conversion alone, on the typical
/// order (GCM, Static).
fn typed_order_item(c: &mut Criterion) {
    let (_, item) = typical_order();
    let order = typed_order();
    assert_eq!(order.to_item().expect("converts"), item, "the typed twin is the same item");
    let schema = TableSchema::for_item::<TypedOrder>("Orders").expect("schema");
    let (_, provider) = bench_providers().into_iter().next().expect("the Static provider");
    let encryptor = ItemEncryptor::from_arc(provider);
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
