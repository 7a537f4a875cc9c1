//! Test support, never published: a global allocator that looks for a marker in every block a
//! thread frees while it watches, to check that secrets are wiped before their memory is
//! given back.
//!
//! ```text
//! #[global_allocator]
//! static ALLOCATOR: scan_alloc::ScanAlloc = scan_alloc::ScanAlloc;
//!
//! let (result, found) = scan_alloc::watch(b"marker", || code_under_test());
//! assert_eq!(found, 0, "freed blocks held the marker");
//! ```
//!
//! It forwards to [`System`](std::alloc::System), with two changes, both so that a scan sees what a real allocator
//! could leave behind:
//!
//! * every block is zero-filled when allocated, so that each byte a scan reads was written;
//! * `realloc` always moves (allocate, copy, free the old block), so that a buffer that grows
//!   is caught leaving a copy behind whether or not the system allocator would have grown it
//!   in place.
//!
//! A `GlobalAlloc` needs `unsafe`, which the workspace forbids; this crate only denies it, and
//! its `hook` module is the one exception. Only test binaries of the workspace use it.

use std::cell::Cell;

pub use hook::ScanAlloc;

thread_local! {
    /// The marker this thread watches for, if any.
    static MARKER: Cell<Option<&'static [u8]>> = const { Cell::new(None) };
    /// Freed blocks that held the marker since the watch began.
    static FOUND: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` while the blocks this thread frees are searched for `marker`; returns what `f`
/// returned and how many freed blocks held the marker. Blocks freed by other threads are not
/// searched. Needs [`ScanAlloc`] as the global allocator (otherwise it finds nothing).
///
/// # Panics
///
/// If `marker` is empty, or if this thread is already watching.
pub fn watch<T>(marker: &'static [u8], f: impl FnOnce() -> T) -> (T, usize) {
    /// Stops the watch, even if `f` panics.
    struct Watching;
    impl Drop for Watching {
        fn drop(&mut self) {
            MARKER.set(None);
        }
    }
    assert!(!marker.is_empty(), "an empty marker is everywhere");
    assert!(MARKER.get().is_none(), "this thread is already watching");
    FOUND.set(0);
    MARKER.set(Some(marker));
    let watching = Watching;
    let result = f();
    drop(watching);
    (result, FOUND.get())
}

/// Called for every block about to be freed, with a way to read its bytes.
fn on_free(len: usize, byte: impl Fn(usize) -> u8) {
    // `try_with`: a thread being torn down has no watch.
    let Ok(Some(marker)) = MARKER.try_with(Cell::get) else { return };
    let Some(last_start) = len.checked_sub(marker.len()) else { return };
    let holds =
        (0..=last_start).any(|start| marker.iter().enumerate().all(|(i, &m)| byte(start + i) == m));
    if holds {
        let _ = FOUND.try_with(|found| found.set(found.get() + 1));
    }
}

/// The `GlobalAlloc` impl: the crate's only `unsafe` code.
#[expect(
    unsafe_code,
    reason = "a global allocator is an unsafe trait, and reading a block being freed needs a raw \
              pointer; this is test support, used only by the workspace's test binaries"
)]
mod hook {
    use std::alloc::{GlobalAlloc, Layout, System};

    /// The allocator: [`System`], zero-filling every block and searching the blocks a
    /// watching thread frees (see [`watch`](crate::watch)).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct ScanAlloc;

    // SAFETY: every block comes from `System` with the caller's layout and goes back to it
    // with the same layout; `realloc` is the trait's default (allocate, copy, free), built on
    // these two.
    unsafe impl GlobalAlloc for ScanAlloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract for `alloc` (a layout of non-zero size) is
            // `alloc_zeroed`'s.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as for `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            crate::on_free(layout.size(), |i| {
                // SAFETY: `ptr` is a live block of `layout.size()` bytes (the caller's contract
                // for `dealloc`) and `i` is below that size. Every byte of it was written: the
                // block was zero-filled when allocated. A volatile read, because the bytes are
                // looked at as memory, whatever the freed value's type made of them.
                unsafe { ptr.add(i).read_volatile() }
            });
            // SAFETY: `ptr` came from `System` with this layout (see `alloc`).
            unsafe { System.dealloc(ptr, layout) }
        }
    }
}
