//! Memory that hostile input can make the library hold or request, measured with dhat's
//! allocator (which is why these tests have a binary of their own): items that fail
//! verification leave nothing behind, and a forged count cannot make the attribute decoder
//! reserve memory the input does not back.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::sync::Mutex;

use ddb_encrypt::__fuzz::deserialize_attribute;
use ddb_encrypt::{AttributeValue, ItemEncryptor};
use ddb_encrypt_dev::fixtures::{bench_keyring, bench_providers, now_or_never, typical_order};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// dhat profiles one test at a time, and the heap is shared: the tests take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Bytes still allocated after `f`, above what was allocated before it, and the peak of `f`
/// above what was allocated before it.
fn measure<T>(f: impl FnOnce() -> T) -> (isize, usize, T) {
    let before = dhat::HeapStats::get();
    let result = f();
    let after = dhat::HeapStats::get();
    let kept = after.curr_bytes.cast_signed() - before.curr_bytes.cast_signed();
    (kept, after.max_bytes.saturating_sub(before.curr_bytes), result)
}

#[test]
fn items_that_fail_verification_leave_no_memory_behind() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _profiler = dhat::Profiler::builder().testing().build();
    let (schema, item) = typical_order();
    let (_, provider) = bench_providers().into_iter().next().unwrap();
    let writers = [
        ("dbesdk", ItemEncryptor::new(bench_keyring())),
        ("legacy", ItemEncryptor::legacy_from_arc(provider)),
    ];
    for (label, encryptor) in writers {
        let stored = now_or_never(encryptor.encrypt_item(&schema, item.clone())).unwrap().unwrap();
        // Planted items: a genuine one with an extra attribute under a new 1 KiB name each time.
        let planted = |i: usize| {
            let mut item = stored.clone();
            let name = format!("planted-{i:05}-{}", "x".repeat(1000));
            item.insert(name, AttributeValue::B(vec![0; 16].into()));
            item
        };
        let warm_up = now_or_never(encryptor.decrypt_item(&schema, planted(0))).unwrap();
        assert!(warm_up.unwrap_err().is_integrity(), "{label}");

        let (kept, _, refused) = measure(|| {
            (1..=2000)
                .filter(|&i| {
                    let result = now_or_never(encryptor.decrypt_item(&schema, planted(i))).unwrap();
                    result.is_err_and(|e| e.is_integrity())
                })
                .count()
        });
        assert_eq!(refused, 2000, "{label}: every planted item fails verification");
        // 2000 names of 1 KiB: kept, they would hold about 2 MB.
        assert!(kept < 16 * 1024, "{label}: {kept} bytes kept after refusing 2000 planted items");
    }
}

/// A value of `len` bytes that is nothing but list headers, each claiming as many elements as
/// the bytes left could hold (two bytes each, a `NULL`), nested deeper than the decoder accepts.
fn nested_list_headers(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    for _ in 0..70 {
        let rest = len - bytes.len() - 6;
        bytes.extend_from_slice(&[0, b'L']);
        bytes.extend_from_slice(&u32::try_from(rest / 2).unwrap().to_be_bytes());
    }
    bytes.resize(len, 0);
    bytes
}

#[test]
fn nested_list_headers_are_refused_within_a_small_memory_budget() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _profiler = dhat::Profiler::builder().testing().build();
    let input = nested_list_headers(400 * 1024);
    let (_, peak, decoded) = measure(|| deserialize_attribute(&input));
    assert!(decoded.is_none(), "nested deeper than the decoder accepts");
    assert!(peak < 4 << 20, "decoding 400 KiB of list headers peaked at {peak} bytes");
}

#[test]
fn nested_map_headers_are_refused_within_a_small_memory_budget() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let _profiler = dhat::Profiler::builder().testing().build();
    // Each map entry is a key (`00 73 LV`) then a value: the next map header.
    let len = 400 * 1024;
    let mut input = Vec::with_capacity(len);
    for _ in 0..70 {
        let rest = len - input.len() - 6;
        input.extend_from_slice(&[0, b'M']);
        input.extend_from_slice(&u32::try_from(rest / 8).unwrap().to_be_bytes());
        input.extend_from_slice(&[0, b's', 0, 0, 0, 1, b'k']);
    }
    input.resize(len, 0);
    let (_, peak, decoded) = measure(|| deserialize_attribute(&input));
    assert!(decoded.is_none(), "nested deeper than the decoder accepts");
    assert!(peak < 4 << 20, "decoding 400 KiB of map headers peaked at {peak} bytes");
}
