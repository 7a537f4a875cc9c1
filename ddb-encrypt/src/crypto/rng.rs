//! The one place randomness comes from: the operating system's generator.

use crate::error::{Error, Result};

/// Fills `buf` from the operating system's random number generator.
pub(crate) fn fill(buf: &mut [u8]) -> Result<()> {
    #[cfg(test)]
    if pinned::take(buf) {
        return Ok(());
    }
    getrandom::fill(buf).map_err(|_| Error::Random)
}

/// `N` random bytes.
pub(crate) fn array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0; N];
    fill(&mut out)?;
    Ok(out)
}

/// The test-only seam for known-answer tests: queue the bytes that the next requests for
/// randomness on this thread get, in order. Compiled only into the crate's own unit tests
/// (`cfg(test)`): there is deliberately no feature for it, since feature unification could turn
/// a feature on in a user's build.
#[cfg(test)]
pub(crate) mod pinned {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    thread_local! {
        static QUEUE: RefCell<VecDeque<Vec<u8>>> = const { RefCell::new(VecDeque::new()) };
    }

    /// Queues `bytes` for the next call of `fill`; its length must match the request.
    pub(crate) fn push(bytes: impl Into<Vec<u8>>) {
        QUEUE.with(|q| q.borrow_mut().push_back(bytes.into()));
    }

    pub(super) fn take(buf: &mut [u8]) -> bool {
        QUEUE.with(|q| match q.borrow_mut().pop_front() {
            Some(bytes) => {
                assert_eq!(bytes.len(), buf.len(), "pinned randomness of the wrong length");
                buf.copy_from_slice(&bytes);
                true
            }
            None => false,
        })
    }

    /// `true` if every queued value was used.
    pub(crate) fn is_drained() -> bool {
        QUEUE.with(|q| q.borrow().is_empty())
    }
}
