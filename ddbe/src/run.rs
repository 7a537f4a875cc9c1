//! `migrate`, `reencrypt` and `verify`: a walk over the table's scan segments, in parallel,
//! paced, with a checkpoint after every page.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ddb_encrypt::format::describe;
use ddb_encrypt::table::{Migration, MigrationPage, Outcome, ScanPosition};
use ddb_encrypt::{Format, ItemEncryptor, TableSchema};
use futures_util::StreamExt as _;
use serde_json::json;
use tokio::sync::Mutex;

use crate::checkpoint::{Checkpoint, Counts, Segment, Store};
use crate::config::{Clients, Config, KeyringConfig, WriteFormat};
use crate::error::{Error, Result};
use crate::progress::{self, Progress};

/// What the walk does with each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Migrate,
    Reencrypt,
    Verify,
}

impl Command {
    fn name(self) -> &'static str {
        match self {
            Self::Migrate => "migrate",
            Self::Reencrypt => "reencrypt",
            Self::Verify => "verify",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Self::Migrate => "migrated",
            Self::Reencrypt => "re-encrypted",
            Self::Verify => "verified",
        }
    }
}

/// The options of a walk, from the command line.
#[derive(Debug)]
pub(crate) struct Walk {
    pub(crate) command: Command,
    pub(crate) dry_run: bool,
    /// Item writes per second, for the whole process.
    pub(crate) rate: Option<f64>,
    /// Capacity units per second, for the whole process.
    pub(crate) max_capacity: Option<f64>,
    /// This worker's segment, of `total_segments`; all of them when `None`.
    pub(crate) segment: Option<u32>,
    pub(crate) total_segments: u32,
    pub(crate) page_size: Option<usize>,
    pub(crate) resume: bool,
    pub(crate) checkpoint: Option<Store>,
    pub(crate) json: bool,
}

/// Everything the segments share.
struct Shared {
    walk: Walk,
    migration: Migration,
    progress: Progress,
    checkpoint: Mutex<Checkpoint>,
    pacer: std::sync::Mutex<Pacer>,
}

/// Runs the walk; returns whether every item went well.
pub(crate) async fn run(config: &Config, walk: Walk) -> Result<bool> {
    if walk.total_segments == 0 {
        return Err(Error::Usage("--total-segments must be at least 1".into()));
    }
    if let Some(segment) = walk.segment.filter(|&s| s >= walk.total_segments) {
        return Err(Error::Usage(format!(
            "--segment {segment} is not below --total-segments {}",
            walk.total_segments
        )));
    }
    if walk.dry_run && walk.command == Command::Verify {
        return Err(Error::Usage("verify writes nothing: --dry-run does not apply".into()));
    }
    let clients = config.clients().await;
    let schema = config.schema()?;
    let encryptor = config.encryptor(&clients)?;
    let table = config.table.name.clone();
    let segments: Vec<u32> = match walk.segment {
        Some(segment) => vec![segment],
        None => (0..walk.total_segments).collect(),
    };

    let checkpoint = load_checkpoint(&walk, &table, &segments).await?;
    let migration = migration(config, &clients, schema, encryptor, &walk).await?;
    let estimate = item_count(&clients, &table).await.map(|count| {
        let done: u64 = segments
            .iter()
            .filter_map(|s| checkpoint.segments.get(s))
            .map(|s| s.counts.items())
            .sum();
        (count * segments.len() as u64 / u64::from(walk.total_segments)).saturating_sub(done)
    });
    let progress = Progress::new(walk.json, walk.command.verb(), estimate);
    let started = Instant::now();
    let shared = Arc::new(Shared {
        pacer: std::sync::Mutex::new(Pacer::new(walk.rate, walk.max_capacity)),
        walk,
        migration,
        progress,
        checkpoint: Mutex::new(checkpoint),
    });
    let tasks: Vec<_> = segments
        .iter()
        .map(|&segment| tokio::spawn(walk_segment(Arc::clone(&shared), segment)))
        .collect();
    let mut first_error = None;
    for task in tasks {
        let result = task.await.unwrap_or_else(|_| Err(Error::Usage("a segment panicked".into())));
        if let Err(error) = result {
            first_error.get_or_insert(error);
        }
    }

    let checkpoint = shared.checkpoint.lock().await;
    let mut counts = Counts::default();
    for segment in &segments {
        if let Some(state) = checkpoint.segments.get(segment) {
            counts.add(&state.counts);
        }
    }
    let complete = segments.iter().all(|s| checkpoint.segments.get(s).is_some_and(|s| s.done));
    let summary = json!({
        "event": "summary",
        "command": shared.walk.command.name(),
        "table": table,
        "segments": segments,
        "total_segments": shared.walk.total_segments,
        "dry_run": shared.walk.dry_run,
        "complete": complete,
        "counts": counts,
        "retries": progress::RETRIES.count(),
        "elapsed_seconds": started.elapsed().as_secs_f64(),
        "cpu_seconds": progress::cpu_seconds(),
    });
    shared.progress.finish(&counts, &summary);
    if let Some(error) = first_error {
        return Err(error);
    }
    Ok(counts.failed == 0)
}

/// The checkpoint to start from: the stored one with `--resume`, else a new one.
async fn load_checkpoint(walk: &Walk, table: &str, segments: &[u32]) -> Result<Checkpoint> {
    let mut checkpoint = Checkpoint {
        command: walk.command.name().to_owned(),
        table: table.to_owned(),
        total_segments: walk.total_segments,
        segments: BTreeMap::new(),
    };
    if let Some(store) = &walk.checkpoint {
        store.prepare().await?;
        match store.load().await? {
            Some(found) => {
                found.check(walk.command.name(), table, walk.total_segments)?;
                // Workers on other segments may share the store: only this run's segments
                // count.
                let ours = found.segments.keys().any(|s| segments.contains(s));
                if ours && !walk.resume {
                    return Err(Error::Usage(
                        "a checkpoint of an earlier run exists: pass --resume to continue it, \
                         or remove it (or name another) to start over"
                            .into(),
                    ));
                }
                checkpoint.segments = found.segments;
            }
            None if walk.resume => {
                return Err(Error::Usage("--resume: there is no checkpoint to resume".into()));
            }
            None => {}
        }
    } else if walk.resume {
        return Err(Error::Usage("--resume needs --checkpoint or --checkpoint-table".into()));
    }

    Ok(checkpoint)
}

/// The library's migration, set up for this walk.
async fn migration(
    config: &Config,
    clients: &Clients,
    schema: TableSchema,
    encryptor: ItemEncryptor,
    walk: &Walk,
) -> Result<Migration> {
    let mut migration =
        Migration::new(clients.dynamodb.clone(), &config.table.name, schema.clone(), encryptor);
    if let Some(page_size) = walk.page_size {
        migration = migration.page_size(page_size);
    } else if let Some(rate) = walk.rate {
        // A page takes about a second at the given rate, so pacing stays smooth.
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped")]
        let items = rate.clamp(1.0, 100.0) as usize;
        migration = migration.page_size(items);
    } else {
        migration = migration.page_size(100);
    }
    migration = match walk.command {
        Command::Verify => migration.verify_only(),
        Command::Migrate => migration,
        Command::Reencrypt => {
            let target = target_keys(config, clients).await?;
            let schema = Arc::new(schema);
            migration.rewrite_all().skip_if(move |item| {
                describe(&schema, item).is_ok_and(|d| d.keys.iter().any(|k| target.contains(k)))
            })
        }
    };
    if walk.dry_run {
        migration = migration.dry_run();
    }
    Ok(migration)
}

/// How the envelope of an item under the target keys names them ([`describe`]), for
/// `reencrypt` to skip such items.
async fn target_keys(config: &Config, clients: &Clients) -> Result<Vec<String>> {
    use ddb_encrypt::keyring::BranchKeyStore as _;
    use ddb_encrypt::provider::ProviderStore as _;

    if config.write.format == WriteFormat::Legacy {
        // Most Recent writes `name#version` of its newest version; other legacy providers
        // leave nothing to tell keys apart: every item is rewritten.
        let Some(crate::config::ProviderConfig::MostRecent { material_name, .. }) =
            config.write.provider.as_ref().and_then(|name| config.providers.get(name))
        else {
            return Ok(Vec::new());
        };
        let store = config.meta_store(clients)?;
        let version = store.max_version(material_name).await?;
        return Ok(version
            .map(|v| format!("amzn-ddb-meta-id = {material_name}#{v}"))
            .into_iter()
            .collect());
    }
    let Some(keyring) = config.write.keyring.as_ref().and_then(|name| config.keyrings.get(name))
    else {
        return Ok(Vec::new());
    };
    Ok(vec![match keyring {
        KeyringConfig::AwsKms { key_id } => format!("aws-kms: {key_id}"),
        KeyringConfig::RawAes { namespace, name, .. } => {
            format!("raw key: namespace {namespace}, name {name}")
        }
        KeyringConfig::Hierarchical { branch_key_id, .. } => {
            let store = config.branch_key_store(clients)?;
            let active = store.active_key(branch_key_id).await?;
            format!(
                "aws-kms-hierarchy: branch key {branch_key_id}, version {}",
                uuid(active.version())
            )
        }
    }])
}

fn uuid(bytes: &[u8; 16]) -> String {
    use std::fmt::Write as _;
    let hex = bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// The table's item count as DynamoDB last computed it (every six hours or so), for the ETA.
async fn item_count(clients: &Clients, table: &str) -> Option<u64> {
    let described = clients.dynamodb.describe_table().table_name(table).send().await.ok()?;
    described.table?.item_count.and_then(|count| u64::try_from(count).ok())
}

async fn walk_segment(shared: Arc<Shared>, segment: u32) -> Result<()> {
    let walk = &shared.walk;
    let state = shared.checkpoint.lock().await.segments.get(&segment).cloned().unwrap_or_default();
    if state.done {
        return Ok(());
    }
    let mut migration = shared.migration.clone();
    if walk.total_segments > 1 {
        migration = migration.segment(segment, walk.total_segments);
    }
    if let Some(token) = &state.position {
        let position: ScanPosition = token.parse()?;
        migration = migration.resume_from(position);
    }
    let shown_segment = (walk.total_segments > 1).then_some(segment);
    let mut counts = state.counts;
    let mut pages = std::pin::pin!(migration.pages());
    while let Some(page) = pages.next().await {
        let page = page?;
        let writes = count(&mut counts, &page, &shared.progress, shown_segment);
        shared.progress.page(shown_segment, page.items.len(), &counts);
        let state = Segment {
            position: page.next.as_ref().map(ToString::to_string),
            done: page.next.is_none(),
            counts: counts.clone(),
        };
        let mut checkpoint = shared.checkpoint.lock().await;
        checkpoint.segments.insert(segment, state);
        // A dry run leaves the checkpoint as it found it.
        if let Some(store) = walk.checkpoint.as_ref().filter(|_| !walk.dry_run) {
            store.save(&checkpoint, segment).await?;
        }
        drop(checkpoint);
        let wait = shared
            .pacer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .after(writes, page.capacity_units);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
    Ok(())
}

/// Counts a page's outcomes into `counts`, reports its failures; returns its writes.
fn count(
    counts: &mut Counts,
    page: &MigrationPage,
    progress: &Progress,
    segment: Option<u32>,
) -> u64 {
    let mut writes = 0;
    for item in &page.items {
        let format = item.from.map_or("mixed markers", |format| match format {
            Format::DbEsdk => "dbesdk",
            Format::Legacy => "legacy",
            Format::Plaintext => "plaintext",
            _ => "other",
        });
        *counts.formats.entry(format.to_owned()).or_default() += 1;
        match &item.outcome {
            Outcome::Migrated { conflicts } => {
                counts.migrated += 1;
                counts.conflicts += u64::from(*conflicts);
                writes += 1 + u64::from(*conflicts);
            }
            Outcome::WouldMigrate => counts.would_migrate += 1,
            Outcome::Verified => counts.verified += 1,
            Outcome::Skipped => counts.skipped += 1,
            Outcome::Deleted => counts.deleted += 1,
            Outcome::Failed(error) => {
                counts.failed += 1;
                progress.failed(segment, &item.key, &error.to_string());
            }
            _ => counts.failed += 1,
        }
    }
    writes
}

/// Keeps a process under `--rate` item writes and `--max-capacity` capacity units per
/// second, on average since its start.
#[derive(Debug)]
pub(crate) struct Pacer {
    rate: Option<f64>,
    max_capacity: Option<f64>,
    started: Instant,
    writes: u64,
    capacity: f64,
}

impl Pacer {
    pub(crate) fn new(rate: Option<f64>, max_capacity: Option<f64>) -> Self {
        Self { rate, max_capacity, started: Instant::now(), writes: 0, capacity: 0.0 }
    }

    /// After `writes` writes consuming `capacity` units: how long to wait.
    fn after(&mut self, writes: u64, capacity: f64) -> Duration {
        self.writes += writes;
        self.capacity += capacity;
        pause(self.started.elapsed(), self.writes, self.capacity, self.rate, self.max_capacity)
    }
}

/// How long to wait, `elapsed` into a run that has made `writes` writes and consumed
/// `capacity` units, to average at most `rate` writes and `max_capacity` units per second.
pub(crate) fn pause(
    elapsed: Duration,
    writes: u64,
    capacity: f64,
    rate: Option<f64>,
    max_capacity: Option<f64>,
) -> Duration {
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let by_writes = rate.filter(|r| *r > 0.0).map_or(0.0, |r| writes as f64 / r);
    let by_capacity = max_capacity.filter(|c| *c > 0.0).map_or(0.0, |c| capacity / c);
    let due = Duration::from_secs_f64(by_writes.max(by_capacity).min(86_400.0));
    due.saturating_sub(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacing_waits_until_the_average_falls_to_the_rate() {
        // 100 writes at 50/s are due at 2 s: after 0.5 s, wait 1.5 s.
        let wait = pause(Duration::from_millis(500), 100, 0.0, Some(50.0), None);
        assert_eq!(wait, Duration::from_millis(1_500));
        // Behind schedule: no wait.
        assert_eq!(pause(Duration::from_secs(3), 100, 0.0, Some(50.0), None), Duration::ZERO);
    }

    #[test]
    fn pacing_follows_the_tighter_of_rate_and_capacity() {
        // 10 writes of 4 units each at 20 units/s: 2 s, although the rate allows 0.1 s.
        let wait = pause(Duration::ZERO, 10, 40.0, Some(100.0), Some(20.0));
        assert_eq!(wait, Duration::from_secs(2));
        assert_eq!(pause(Duration::ZERO, 10, 40.0, None, None), Duration::ZERO);
    }
}
