//! The derive's compile errors (`tests/ui/*.rs`, each with its checked-in `.stderr`) and
//! inputs that must compile (`tests/ui/pass/*.rs`).
//!
//! Compiler messages change between Rust versions, so this runs on the pinned toolchain only.
//! Regenerate with `TRYBUILD=overwrite cargo test --test compiletest` and review the diff.

#[rustversion::attr(not(stable(1.95)), ignore = "compiler messages are pinned to Rust 1.95")]
#[cfg_attr(miri, ignore)]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
