//! Memory that hostile input can make the library hold or request, measured with dhat's
//! allocator (which is why these tests have a binary of their own): items that fail
//! verification leave nothing behind.

#![allow(clippy::unwrap_used, reason = "tests panic on unexpected errors")]

use std::sync::Mutex;

use ddb_encrypt::{AttributeValue, ItemEncryptor};
use ddb_encrypt_dev::fixtures::{bench_providers, now_or_never, typical_order};

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
    let encryptor = ItemEncryptor::from_arc(provider);
    let stored = now_or_never(encryptor.encrypt_item(&schema, item)).unwrap().unwrap();
    // Planted items: a genuine one with an extra attribute under a new 1 KiB name each time.
    let planted = |i: usize| {
        let mut item = stored.clone();
        let name = format!("planted-{i:05}-{}", "x".repeat(1000));
        item.insert(name, AttributeValue::B(vec![0; 16].into()));
        item
    };
    let warm_up = now_or_never(encryptor.decrypt_item(&schema, planted(0))).unwrap();
    assert!(warm_up.unwrap_err().is_integrity());

    let (kept, _, refused) = measure(|| {
        (1..=2000)
            .filter(|&i| {
                let result = now_or_never(encryptor.decrypt_item(&schema, planted(i))).unwrap();
                result.is_err_and(|e| e.is_integrity())
            })
            .count()
    });
    assert_eq!(refused, 2000, "every planted item fails verification");
    // 2000 names of 1 KiB: kept, they would hold about 2 MB.
    assert!(kept < 16 * 1024, "{kept} bytes kept after refusing 2000 planted items");
}
