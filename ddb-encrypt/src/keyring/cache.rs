//! A cache in front of a branch key store: each branch key version is read once per
//! time-to-live, however many items and tasks ask for it at once.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::hierarchical::{BranchKey, BranchKeyStore, VERSION_LEN};
use crate::beacon::BeaconKey;
use crate::error::{Error, Result};

/// What a cache entry holds: the active version of a branch key, a given version, or its
/// beacon key.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Entry {
    Active(String),
    Version(String, [u8; VERSION_LEN]),
    Beacon(String),
}

/// A key kept by the cache.
#[derive(Clone)]
enum Key {
    Branch(BranchKey),
    Beacon(BeaconKey),
}

/// One entry: filled once by whoever asks first, while the others wait for it.
struct Slot {
    created: Instant,
    key: OnceCell<Option<Key>>,
}

/// A [`BranchKeyStore`] that keeps what it read from another for a time-to-live.
///
/// - **Single flight.** Concurrent reads of one branch key version make one read of the
///   store; the others wait for it. A failed read is not kept: the next read tries again.
/// - **Time-to-live.** An entry is read again once it is older than the TTL, so a rotation
///   (a new active version) is seen within it, and a revoked KMS key stops working within it.
/// - **Bounded.** At most `capacity` entries; when full, expired entries go first, then the
///   oldest.
///
/// Keys are kept in memory, zeroized when dropped, for up to the TTL: a shorter TTL means more
/// store reads (a DynamoDB read and a KMS call each), a longer one a longer life for a key in
/// memory and a slower response to a rotation.
///
/// ```
/// use std::time::Duration;
/// use ddb_encrypt::keyring::{BranchKey, BranchKeyCache, HierarchicalKeyring, StaticBranchKeyStore};
///
/// let store = StaticBranchKeyStore::new("tenant-1", BranchKey::new([1; 16], &[3; 32])?);
/// let cached = BranchKeyCache::new(store, Duration::from_mins(5), 1_000);
/// let keyring = HierarchicalKeyring::new(cached, "tenant-1");
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
pub struct BranchKeyCache<S> {
    store: S,
    ttl: Duration,
    capacity: usize,
    slots: Mutex<HashMap<Entry, Arc<Slot>>>,
}

impl<S: fmt::Debug> fmt::Debug for BranchKeyCache<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.slots.lock().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("BranchKeyCache")
            .field("store", &self.store)
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .field("entries", &entries)
            .finish()
    }
}

impl<S: BranchKeyStore> BranchKeyCache<S> {
    /// A cache of `store` keeping each entry for `ttl`, at most `capacity` entries (at least
    /// one).
    pub fn new(store: S, ttl: Duration, capacity: usize) -> Self {
        Self { store, ttl, capacity: capacity.max(1), slots: Mutex::default() }
    }

    /// The store behind the cache.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The live slot of `entry`, made if there is none or it expired.
    fn slot(&self, entry: Entry) -> Arc<Slot> {
        let now = Instant::now();
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(&entry).filter(|s| now.duration_since(s.created) < self.ttl) {
            return Arc::clone(slot);
        }
        if slots.len() >= self.capacity && !slots.contains_key(&entry) {
            slots.retain(|_, s| now.duration_since(s.created) < self.ttl);
            if slots.len() >= self.capacity {
                let oldest = slots.iter().min_by_key(|(_, s)| s.created).map(|(e, _)| e.clone());
                if let Some(oldest) = oldest {
                    slots.remove(&oldest);
                }
            }
        }
        let slot = Arc::new(Slot { created: now, key: OnceCell::new() });
        slots.insert(entry, Arc::clone(&slot));
        slot
    }

    async fn get<F>(&self, entry: Entry, read: F) -> Result<Option<Key>>
    where
        F: Future<Output = Result<Option<Key>>>,
    {
        let slot = self.slot(entry);
        slot.key.get_or_try_init(|| read).await.cloned()
    }
}

#[async_trait::async_trait]
impl<S: BranchKeyStore> BranchKeyStore for BranchKeyCache<S> {
    async fn active_key(&self, branch_key_id: &str) -> Result<BranchKey> {
        let read =
            async { self.store.active_key(branch_key_id).await.map(|k| Some(Key::Branch(k))) };
        match self.get(Entry::Active(branch_key_id.to_owned()), read).await? {
            Some(Key::Branch(key)) => Ok(key),
            _ => Err(Error::Internal("an active branch key entry without a branch key")),
        }
    }

    async fn key_version(
        &self,
        branch_key_id: &str,
        version: &[u8; VERSION_LEN],
    ) -> Result<Option<BranchKey>> {
        let read =
            async { Ok(self.store.key_version(branch_key_id, version).await?.map(Key::Branch)) };
        match self.get(Entry::Version(branch_key_id.to_owned(), *version), read).await? {
            Some(Key::Branch(key)) => Ok(Some(key)),
            None => Ok(None),
            Some(Key::Beacon(_)) => Err(Error::Internal("a branch key entry with a beacon key")),
        }
    }

    async fn beacon_key(&self, branch_key_id: &str) -> Result<BeaconKey> {
        let read =
            async { self.store.beacon_key(branch_key_id).await.map(|k| Some(Key::Beacon(k))) };
        match self.get(Entry::Beacon(branch_key_id.to_owned()), read).await? {
            Some(Key::Beacon(key)) => Ok(key),
            _ => Err(Error::Internal("a beacon key entry without a beacon key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};

    use super::*;
    use crate::keyring::StaticBranchKeyStore;

    /// A store that counts its reads and makes each one wait a turn, so that concurrent
    /// readers overlap.
    #[derive(Debug)]
    struct Slow {
        inner: StaticBranchKeyStore,
        reads: AtomicUsize,
        fail_first: bool,
    }

    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if std::mem::replace(&mut self.0, true) {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[async_trait::async_trait]
    impl BranchKeyStore for Slow {
        async fn active_key(&self, branch_key_id: &str) -> Result<BranchKey> {
            let reads = self.reads.fetch_add(1, Ordering::SeqCst);
            YieldOnce(false).await;
            if self.fail_first && reads == 0 {
                return Err(Error::provider("the store is down", None));
            }
            self.inner.active_key(branch_key_id).await
        }

        async fn key_version(&self, id: &str, v: &[u8; VERSION_LEN]) -> Result<Option<BranchKey>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            YieldOnce(false).await;
            self.inner.key_version(id, v).await
        }
    }

    fn slow(fail_first: bool) -> Slow {
        let key = BranchKey::new([1; 16], &[3; 32]).unwrap();
        let inner = StaticBranchKeyStore::new("b", key);
        Slow { inner, reads: AtomicUsize::new(0), fail_first }
    }

    #[test]
    fn sixteen_concurrent_cold_reads_make_one_store_read() {
        let cache = BranchKeyCache::new(slow(false), Duration::from_mins(1), 10);
        let reads = (0..16).map(|_| cache.active_key("b"));
        let keys = crate::block_on(futures_util::future::join_all(reads));
        assert!(keys.iter().all(Result::is_ok));
        assert_eq!(cache.store().reads.load(Ordering::SeqCst), 1);

        let versions = (0..16).map(|_| cache.key_version("b", &[1; 16]));
        let found = crate::block_on(futures_util::future::join_all(versions));
        assert!(found.iter().all(|v| matches!(v, Ok(Some(_)))));
        assert_eq!(cache.store().reads.load(Ordering::SeqCst), 2, "one more, for the version");
    }

    #[test]
    fn a_failed_read_is_not_kept_and_entries_expire() {
        let cache = BranchKeyCache::new(slow(true), Duration::from_millis(50), 10);
        assert!(crate::block_on(cache.active_key("b")).is_err());
        assert!(crate::block_on(cache.active_key("b")).is_ok(), "read again after a failure");
        assert!(crate::block_on(cache.active_key("b")).is_ok());
        assert_eq!(cache.store().reads.load(Ordering::SeqCst), 2);
        std::thread::sleep(Duration::from_millis(60));
        assert!(crate::block_on(cache.active_key("b")).is_ok());
        assert_eq!(cache.store().reads.load(Ordering::SeqCst), 3, "read again after the TTL");
    }

    #[test]
    fn the_cache_holds_at_most_its_capacity() {
        let cache = BranchKeyCache::new(slow(false), Duration::from_mins(1), 3);
        for version in 0..10u8 {
            let _ = crate::block_on(cache.key_version("b", &[version; 16]));
        }
        assert_eq!(cache.slots.lock().unwrap().len(), 3);
        assert_eq!(cache.store().reads.load(Ordering::SeqCst), 10);
        // The newest stay: reading the last one again makes no store read.
        let _ = crate::block_on(cache.key_version("b", &[9; 16]));
        assert_eq!(cache.store().reads.load(Ordering::SeqCst), 10);
    }
}
