//! The Most Recent provider (legacy-format.md section 6.4): versioned materials from a
//! [`ProviderStore`] (such as the [`MetaStore`](crate::MetaStore)), the newest version cached
//! for a time-to-live, older versions kept for reading.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::provider::{
    CryptographicMaterialsProvider, DecryptionMaterials, EncryptionContext, EncryptionMaterials,
};

/// The description entry naming the material and version of an item: `name#version`.
pub(crate) const META_ID: &str = "amzn-ddb-meta-id";

/// A store of versioned materials providers (the Python and Java `ProviderStore`).
///
/// Versions are numbered from 0 and never change once written; only explicit rotation
/// ([`ProviderStore::new_provider`]) creates a new one.
#[async_trait::async_trait]
pub trait ProviderStore: Send + Sync + fmt::Debug {
    /// The newest version of `material_name`, if any.
    async fn max_version(&self, material_name: &str) -> Result<Option<u64>>;

    /// The provider of a version; `None` if the version does not exist.
    async fn provider(
        &self,
        material_name: &str,
        version: u64,
    ) -> Result<Option<Arc<dyn CryptographicMaterialsProvider>>>;

    /// The provider of `version`, created if it does not exist yet. Two writers racing to create
    /// it both end up with the one that won.
    async fn get_or_create_provider(
        &self,
        material_name: &str,
        version: u64,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>>;

    /// Rotates: creates the version after the newest (version 0 if there is none, where the
    /// Python client's `new_provider` fails).
    async fn new_provider(
        &self,
        material_name: &str,
    ) -> Result<(u64, Arc<dyn CryptographicMaterialsProvider>)> {
        let version = self.max_version(material_name).await?.map_or(0, |v| v + 1);
        Ok((version, self.get_or_create_provider(material_name, version).await?))
    }
}

/// A provider that encrypts with the newest version of a material in a [`ProviderStore`] and
/// decrypts with whichever version an item names.
///
/// The newest version is looked up at most once per time-to-live, whatever the concurrency:
/// one task asks the store while the others wait for it (or, during a short grace period, keep
/// using the version they had). Versions read for decryption are kept in an LRU cache. No key
/// service is called per item.
///
/// Byte-compatible with the Python `CachingMostRecentProvider` and the Java
/// `CachingMostRecentProvider` over the same meta table.
pub struct MostRecentProvider {
    store: Arc<dyn ProviderStore>,
    material_name: String,
    ttl: Duration,
    grace: Duration,
    cache_size: usize,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    newest: Option<Newest>,
    versions: HashMap<u64, Arc<dyn CryptographicMaterialsProvider>>,
    /// Least recently used first.
    order: VecDeque<u64>,
}

struct Newest {
    version: u64,
    provider: Arc<dyn CryptographicMaterialsProvider>,
    checked: Instant,
}

impl fmt::Debug for MostRecentProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MostRecentProvider")
            .field("store", &self.store)
            .field("material_name", &self.material_name)
            .field("ttl", &self.ttl)
            .field("cache_size", &self.cache_size)
            .finish_non_exhaustive()
    }
}

impl MostRecentProvider {
    /// A provider for `material_name` in `store`, checking for a newer version every `ttl`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the material name contains `#`, which separates it from the
    /// version in items.
    pub fn new(
        store: Arc<dyn ProviderStore>,
        material_name: impl Into<String>,
        ttl: Duration,
    ) -> Result<Self> {
        let material_name = material_name.into();
        if material_name.contains('#') || material_name.is_empty() {
            return Err(Error::config(format_args!(
                "material name `{material_name}` must be non-empty and without `#`"
            )));
        }
        Ok(Self {
            store,
            material_name,
            ttl,
            grace: Duration::from_millis(500),
            cache_size: 1000,
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
        })
    }

    /// How many versions to keep for decryption (1000 by default).
    #[must_use]
    pub fn with_cache_size(mut self, versions: usize) -> Self {
        self.cache_size = versions.max(1);
        self
    }

    /// How long a task that finds a refresh under way keeps using the version it had (0.5 s by
    /// default, as in the Python client), before waiting for the refresh.
    #[must_use]
    pub fn with_grace_period(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Forgets the newest version, so that the next write asks the store (for example right
    /// after a rotation).
    pub fn invalidate(&self) {
        self.lock().newest = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The newest version's provider if it was checked less than `age` ago.
    fn newest_within(&self, age: Duration) -> Option<Arc<dyn CryptographicMaterialsProvider>> {
        let state = self.lock();
        let newest = state.newest.as_ref()?;
        (newest.checked.elapsed() < age).then(|| newest.provider.clone())
    }

    async fn newest(&self) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        if let Some(provider) = self.newest_within(self.ttl) {
            return Ok(provider);
        }
        let _refreshing = if let Ok(guard) = self.refresh.try_lock() {
            guard
        } else {
            // Someone else is asking the store: keep the version we had for a moment...
            if let Some(provider) = self.newest_within(self.ttl + self.grace) {
                return Ok(provider);
            }
            // ...or wait for their answer, which is then fresh.
            let guard = self.refresh.lock().await;
            if let Some(provider) = self.newest_within(self.ttl) {
                return Ok(provider);
            }
            guard
        };
        let (version, provider) = match self.store.max_version(&self.material_name).await? {
            None => (0, self.store.get_or_create_provider(&self.material_name, 0).await?),
            Some(version) => (version, self.version(version).await?),
        };
        let mut state = self.lock();
        state.newest =
            Some(Newest { version, provider: provider.clone(), checked: Instant::now() });
        Self::remember(&mut state, version, provider.clone(), self.cache_size);
        Ok(provider)
    }

    /// A version's provider, from the cache or the store. Versions never change, so a cached
    /// one stays valid; the cache only bounds memory.
    ///
    /// Only items name versions to decrypt, so a version the store does not have is the
    /// integrity error: the item was altered, or written with keys this reader does not have.
    async fn version(&self, version: u64) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        if let Some(provider) = self.cached(version) {
            return Ok(provider);
        }
        let provider =
            self.store.provider(&self.material_name, version).await?.ok_or(Error::Integrity)?;
        Self::remember(&mut self.lock(), version, provider.clone(), self.cache_size);
        Ok(provider)
    }

    fn cached(&self, version: u64) -> Option<Arc<dyn CryptographicMaterialsProvider>> {
        let mut state = self.lock();
        let provider = state.versions.get(&version)?.clone();
        state.order.retain(|v| *v != version);
        state.order.push_back(version);
        Some(provider)
    }

    fn remember(
        state: &mut State,
        version: u64,
        provider: Arc<dyn CryptographicMaterialsProvider>,
        capacity: usize,
    ) {
        if state.versions.insert(version, provider).is_none() {
            state.order.push_back(version);
        }
        while state.order.len() > capacity {
            if let Some(oldest) = state.order.pop_front()
                && state.newest.as_ref().is_none_or(|n| n.version != oldest)
            {
                state.versions.remove(&oldest);
            }
        }
    }
}

/// The version named by an item's `amzn-ddb-meta-id` (`name#version`); the name part is not
/// used (the provider's own name is), as in the Python and Java clients.
fn version_of(meta_id: &str) -> Option<u64> {
    let (_, version) = meta_id.split_once('#')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    version.parse().ok()
}

#[async_trait::async_trait]
impl CryptographicMaterialsProvider for MostRecentProvider {
    async fn encryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<EncryptionMaterials> {
        self.newest().await?.encryption_materials(context).await
    }

    async fn decryption_materials(
        &self,
        context: &EncryptionContext<'_>,
    ) -> Result<DecryptionMaterials> {
        let version = context
            .material_description()
            .get(META_ID)
            .and_then(version_of)
            .ok_or(Error::Integrity)?;
        self.version(version).await?.decryption_materials(context).await
    }
}

#[cfg(test)]
mod tests {
    use super::version_of;

    #[test]
    fn versions_parse_from_meta_ids() {
        assert_eq!(version_of("orders#0"), Some(0));
        assert_eq!(version_of("orders#17"), Some(17));
        assert_eq!(version_of("other-name#3"), Some(3));
        assert_eq!(version_of("orders"), None);
        assert_eq!(version_of("orders#"), None);
        assert_eq!(version_of("orders#-1"), None);
        assert_eq!(version_of("orders#1#2"), None);
        assert_eq!(version_of("orders#99999999999999999999999"), None);
    }
}
