//! The Most Recent provider (`docs/legacy-format.md` section 6.4): versioned materials from a
//! [`ProviderStore`] (such as the [`MetaStore`](crate::provider::MetaStore)), the newest version cached
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

/// A store held in an `Arc` is one too (keep a handle to rotate with).
#[async_trait::async_trait]
impl<S: ProviderStore + ?Sized> ProviderStore for Arc<S> {
    async fn max_version(&self, material_name: &str) -> Result<Option<u64>> {
        (**self).max_version(material_name).await
    }

    async fn provider(
        &self,
        material_name: &str,
        version: u64,
    ) -> Result<Option<Arc<dyn CryptographicMaterialsProvider>>> {
        (**self).provider(material_name, version).await
    }

    async fn get_or_create_provider(
        &self,
        material_name: &str,
        version: u64,
    ) -> Result<Arc<dyn CryptographicMaterialsProvider>> {
        (**self).get_or_create_provider(material_name, version).await
    }

    async fn new_provider(
        &self,
        material_name: &str,
    ) -> Result<(u64, Arc<dyn CryptographicMaterialsProvider>)> {
        (**self).new_provider(material_name).await
    }
}

/// A store of versioned materials providers (the Python and Java `ProviderStore`).
///
/// Versions are numbered from 0 and never change once written; only explicit rotation
/// ([`ProviderStore::new_provider`]) creates a new one.
#[async_trait::async_trait]
pub trait ProviderStore: Send + Sync + fmt::Debug {
    /// The newest version of `material_name`, if any. Stores that keep their versions where
    /// others can write must verify the version before returning it: writers encrypt under it.
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
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] if the newest version is the highest a version can be, and
    /// whatever the store returns.
    async fn new_provider(
        &self,
        material_name: &str,
    ) -> Result<(u64, Arc<dyn CryptographicMaterialsProvider>)> {
        let version = match self.max_version(material_name).await? {
            None => 0,
            Some(newest) => newest.checked_add(1).ok_or_else(|| {
                Error::provider(
                    format_args!(
                        "material `{material_name}` is at version {newest}, the highest there \
                         can be; rotate to a new material name"
                    ),
                    None,
                )
            })?,
        };
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
///
/// # Security
///
/// * **No rollback.** The highest version this provider has seen only goes up: if the store
///   later reports an older newest version (someone deleted the newest row of the meta table),
///   encryption fails with [`Error::Provider`] instead of going back to a retired key. After a
///   key compromise, pin the fleet above the compromised version with
///   [`with_minimum_version`](Self::with_minimum_version).
/// * **Bounded lookups for untrusted items.** An item names its version before it is
///   verified. A version the store does not have is remembered as missing for one
///   time-to-live, and a version far above the newest one known (more than 1,000 above) is
///   refused without asking the store, so that planted items cannot turn each read into a
///   meta-table request.
pub struct MostRecentProvider {
    store: Arc<dyn ProviderStore>,
    material_name: String,
    ttl: Duration,
    grace: Duration,
    cache_size: usize,
    minimum_version: u64,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
}

/// How far above the newest version known an item may name a version and still be looked up.
const VERSION_WINDOW: u64 = 1000;
/// How many versions are remembered as missing.
const MISSES_KEPT: usize = 1024;

#[derive(Default)]
struct State {
    newest: Option<Newest>,
    versions: HashMap<u64, Arc<dyn CryptographicMaterialsProvider>>,
    /// Least recently used first.
    order: VecDeque<u64>,
    /// The highest version seen in the store (verified by it); never goes down.
    highest_seen: Option<u64>,
    /// When the store was last asked for its newest version.
    max_checked: Option<Instant>,
    /// Versions the store did not have, and when that was found.
    misses: HashMap<u64, Instant>,
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
        store: impl ProviderStore + 'static,
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
            store: Arc::new(store),
            material_name,
            ttl,
            grace: Duration::from_millis(500),
            cache_size: 1000,
            minimum_version: 0,
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

    /// Refuses to encrypt under a version below `version` (0 by default): pin a fleet above a
    /// compromised version, after rotating past it. Items of older versions are still read (so
    /// that they can be re-encrypted); encryption fails with [`Error::Provider`] until the
    /// store has a version at least this high.
    #[must_use]
    pub fn with_minimum_version(mut self, version: u64) -> Self {
        self.minimum_version = version;
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
        let newest = self.store.max_version(&self.material_name).await?;
        let version = self.check_newest(newest)?;
        {
            let mut state = self.lock();
            state.max_checked = Some(Instant::now());
            if newest.is_some() {
                Self::saw(&mut state, version);
            }
        }
        let provider = match newest {
            None => self.store.get_or_create_provider(&self.material_name, version).await?,
            Some(_) => self.version(version).await?,
        };
        let mut state = self.lock();
        Self::saw(&mut state, version);
        state.newest =
            Some(Newest { version, provider: provider.clone(), checked: Instant::now() });
        Self::remember(&mut state, version, provider.clone(), self.cache_size);
        Ok(provider)
    }

    /// The version to encrypt under, given the store's newest: never below one seen before,
    /// nor below the configured minimum.
    fn check_newest(&self, newest: Option<u64>) -> Result<u64> {
        let seen = self.lock().highest_seen;
        let refuse = |what: String| {
            Err(Error::provider(
                format_args!("Most Recent provider of material `{}`: {what}", self.material_name),
                None,
            ))
        };
        match (newest, seen) {
            (None, Some(seen)) => refuse(format!(
                "the store has no version, but version {seen} was seen before: its rows were \
                 deleted; restore them (refusing to start again at version 0)"
            )),
            (Some(newest), Some(seen)) if newest < seen => refuse(format!(
                "the store's newest version is {newest}, but version {seen} was seen before: \
                 the newest rows were deleted; restore them (refusing to go back to a retired \
                 version)"
            )),
            (newest, _) if newest.unwrap_or(0) < self.minimum_version => refuse(format!(
                "the store's newest version is {}, below the minimum version {}; rotate to a \
                 newer version",
                newest.map_or_else(|| "none".to_owned(), |v| v.to_string()),
                self.minimum_version
            )),
            (newest, _) => Ok(newest.unwrap_or(0)),
        }
    }

    fn saw(state: &mut State, version: u64) {
        state.highest_seen = Some(state.highest_seen.map_or(version, |seen| seen.max(version)));
        state.misses.remove(&version);
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
        if self.recently_missed(version) || !self.plausible(version).await? {
            return Err(Error::Integrity);
        }
        let Some(provider) = self.store.provider(&self.material_name, version).await? else {
            self.missed(version);
            return Err(Error::Integrity);
        };
        let mut state = self.lock();
        Self::saw(&mut state, version);
        Self::remember(&mut state, version, provider.clone(), self.cache_size);
        Ok(provider)
    }

    fn recently_missed(&self, version: u64) -> bool {
        self.lock().misses.get(&version).is_some_and(|at| at.elapsed() < self.ttl)
    }

    fn missed(&self, version: u64) {
        let mut state = self.lock();
        let ttl = self.ttl;
        state.misses.retain(|_, at| at.elapsed() < ttl);
        if state.misses.len() >= MISSES_KEPT {
            state.misses.clear();
        }
        state.misses.insert(version, Instant::now());
    }

    /// Whether `version` is within reach of the newest version known; if not, the store is
    /// asked for its newest version, at most once per time-to-live.
    async fn plausible(&self, version: u64) -> Result<bool> {
        let within =
            |seen: Option<u64>| version <= seen.unwrap_or(0).saturating_add(VERSION_WINDOW);
        let (seen, checked) = {
            let state = self.lock();
            (state.highest_seen, state.max_checked)
        };
        if within(seen) || checked.is_some_and(|at| at.elapsed() < self.ttl) {
            return Ok(within(seen));
        }
        let newest = self.store.max_version(&self.material_name).await?;
        let mut state = self.lock();
        state.max_checked = Some(Instant::now());
        if let Some(newest) = newest {
            Self::saw(&mut state, newest);
        }
        Ok(within(state.highest_seen))
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
