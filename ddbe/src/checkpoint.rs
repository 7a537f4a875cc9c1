//! Checkpoints: per scan segment, where the next page starts and what was counted so far,
//! written after every page, atomically, to a file or to a DynamoDB table. A run killed at any
//! moment resumes at its last page written: the items of the page it was in are read again,
//! and those it had already rewritten are found in the write format and skipped.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a run counted, per segment and in all.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub(crate) struct Counts {
    /// Rewritten in the write format (migrate, reencrypt).
    pub(crate) migrated: u64,
    /// Would be rewritten (`--dry-run`).
    pub(crate) would_migrate: u64,
    /// Already in the write format (and keys): not written.
    pub(crate) skipped: u64,
    /// Read and verified (verify).
    pub(crate) verified: u64,
    /// Deleted by another writer before they could be rewritten.
    pub(crate) deleted: u64,
    /// Not migrated, or not verified.
    pub(crate) failed: u64,
    /// Writes that lost to a concurrent writer and were done again.
    pub(crate) conflicts: u64,
    /// Items by the format they were read in.
    pub(crate) formats: BTreeMap<String, u64>,
}

impl Counts {
    /// Items counted, whatever their outcome.
    pub(crate) fn items(&self) -> u64 {
        self.migrated
            + self.would_migrate
            + self.skipped
            + self.verified
            + self.deleted
            + self.failed
    }

    pub(crate) fn add(&mut self, other: &Self) {
        self.migrated += other.migrated;
        self.would_migrate += other.would_migrate;
        self.skipped += other.skipped;
        self.verified += other.verified;
        self.deleted += other.deleted;
        self.failed += other.failed;
        self.conflicts += other.conflicts;
        for (format, count) in &other.formats {
            *self.formats.entry(format.clone()).or_default() += count;
        }
    }

    /// One line for people.
    pub(crate) fn summary(&self, verb: &str, retries: u64) -> String {
        let mut parts = Vec::new();
        let named = [
            (verb, self.migrated),
            ("would migrate", self.would_migrate),
            ("verified", self.verified),
            ("skipped", self.skipped),
            ("deleted meanwhile", self.deleted),
            ("conflicts retried", self.conflicts),
        ];
        for (name, count) in named {
            if count > 0 {
                parts.push(format!("{name} {count}"));
            }
        }
        parts.push(format!("failed {}", self.failed));
        parts.push(format!("request retries {retries}"));
        let formats: Vec<String> =
            self.formats.iter().map(|(format, count)| format!("{format} {count}")).collect();
        if !formats.is_empty() {
            parts.push(format!("read as: {}", formats.join(", ")));
        }
        parts.join(" · ")
    }
}

/// One segment's state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Segment {
    /// Where its next page starts (a `ScanPosition` token); `None` at its beginning.
    pub(crate) position: Option<String>,
    /// Whether its last page was done.
    pub(crate) done: bool,
    pub(crate) counts: Counts,
}

/// A run's checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    /// The command it belongs to (`migrate`, `reencrypt`, `verify`).
    pub(crate) command: String,
    pub(crate) table: String,
    pub(crate) total_segments: u32,
    pub(crate) segments: BTreeMap<u32, Segment>,
}

impl Checkpoint {
    /// Refuses to resume a checkpoint of another command, table or segmentation.
    pub(crate) fn check(&self, command: &str, table: &str, total_segments: u32) -> Result<()> {
        if self.command != command || self.table != table || self.total_segments != total_segments {
            return Err(Error::Usage(format!(
                "the checkpoint is of `{}` on table `{}` with {} segment(s), this run is `{command}` \
                 on `{table}` with {total_segments}: resume with the same command and \
                 --total-segments, or use another checkpoint",
                self.command, self.table, self.total_segments
            )));
        }
        Ok(())
    }
}

/// Where checkpoints are kept.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    /// A JSON file, replaced atomically after each page.
    File(PathBuf),
    /// Rows of a DynamoDB table (partition key `job`, sort key `segment`), one per segment;
    /// created if missing. Workers on several machines share one.
    Table { client: aws_sdk_dynamodb::Client, table: String, job: String },
}

const JOB: &str = "job";
const SEGMENT: &str = "segment";
const STATE: &str = "state";

impl Store {
    fn place(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Table { table, job, .. } => format!("table `{table}`, job `{job}`"),
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Checkpoint { place: self.place(), message: message.to_string() }
    }

    /// The checkpoint, if there is one.
    pub(crate) async fn load(&self) -> Result<Option<Checkpoint>> {
        match self {
            Self::File(path) => match std::fs::read(path) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| self.error(format_args!("not a ddbe checkpoint ({e})"))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(self.error(e)),
            },
            Self::Table { client, table, job } => {
                let mut checkpoint: Option<Checkpoint> = None;
                let mut start = None;
                loop {
                    let output = client
                        .query()
                        .table_name(table)
                        .key_condition_expression("#job = :job")
                        .expression_attribute_names("#job", JOB)
                        .expression_attribute_values(":job", AttributeValue::S(job.clone()))
                        .consistent_read(true)
                        .set_exclusive_start_key(start)
                        .send()
                        .await;
                    let output = match output {
                        Ok(output) => output,
                        Err(e) if code(&e) == Some("ResourceNotFoundException") => return Ok(None),
                        Err(e) => {
                            return Err(self.error(aws_sdk_dynamodb::error::DisplayErrorContext(e)));
                        }
                    };
                    for row in output.items.unwrap_or_default() {
                        let Some(AttributeValue::S(state)) = row.get(STATE) else {
                            return Err(self.error("a row has no state"));
                        };
                        let row: Checkpoint = serde_json::from_str(state).map_err(|e| {
                            self.error(format_args!("a row is not a ddbe checkpoint ({e})"))
                        })?;
                        match &mut checkpoint {
                            None => checkpoint = Some(row),
                            Some(all) => {
                                row.check(&all.command, &all.table, all.total_segments)?;
                                all.segments.extend(row.segments);
                            }
                        }
                    }
                    start = output.last_evaluated_key.filter(|key| !key.is_empty());
                    if start.is_none() {
                        return Ok(checkpoint);
                    }
                }
            }
        }
    }

    /// Writes `segment`'s state (the whole checkpoint, for a file).
    pub(crate) async fn save(&self, checkpoint: &Checkpoint, segment: u32) -> Result<()> {
        match self {
            Self::File(path) => write_atomically(path, checkpoint).map_err(|e| self.error(e)),
            Self::Table { client, table, job } => {
                let mut row = checkpoint.clone();
                row.segments.retain(|&number, _| number == segment);
                let state = serde_json::to_string(&row).map_err(|e| self.error(e))?;
                let put = client
                    .put_item()
                    .table_name(table)
                    .item(JOB, AttributeValue::S(job.clone()))
                    .item(SEGMENT, AttributeValue::N(segment.to_string()))
                    .item(STATE, AttributeValue::S(state));
                put.send()
                    .await
                    .map_err(|e| self.error(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
                Ok(())
            }
        }
    }

    /// Creates the checkpoint table if it is missing.
    pub(crate) async fn prepare(&self) -> Result<()> {
        let Self::Table { client, table, .. } = self else { return Ok(()) };
        if client.describe_table().table_name(table).send().await.is_ok() {
            return Ok(());
        }
        let attribute = |name: &str, kind| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(kind).build()
        };
        let key = |name: &str, kind| {
            KeySchemaElement::builder().attribute_name(name).key_type(kind).build()
        };
        let request = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                attribute(JOB, ScalarAttributeType::S).map_err(|e| self.error(e))?,
            )
            .attribute_definitions(
                attribute(SEGMENT, ScalarAttributeType::N).map_err(|e| self.error(e))?,
            )
            .key_schema(key(JOB, KeyType::Hash).map_err(|e| self.error(e))?)
            .key_schema(key(SEGMENT, KeyType::Range).map_err(|e| self.error(e))?);
        match request.send().await {
            Ok(_) => {}
            // Another worker created it first.
            Err(e) if code(&e) == Some("ResourceInUseException") => {}
            Err(e) => return Err(self.error(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
        // Wait until the new table takes writes.
        for _ in 0..120 {
            let described = client.describe_table().table_name(table).send().await;
            let active = described.ok().and_then(|d| d.table).and_then(|t| t.table_status)
                == Some(aws_sdk_dynamodb::types::TableStatus::Active);
            if active {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        Err(self.error("the new checkpoint table did not become active within 2 minutes"))
    }
}

fn code<E: aws_sdk_dynamodb::error::ProvideErrorMetadata, R>(
    error: &aws_sdk_dynamodb::error::SdkError<E, R>,
) -> Option<&str> {
    error.as_service_error().and_then(aws_sdk_dynamodb::error::ProvideErrorMetadata::code)
}

/// Writes `checkpoint` to a temporary file beside `path`, flushes it to disk, and renames it
/// over `path`: a reader (or a run after a crash) sees the old checkpoint or the new one,
/// never a part.
fn write_atomically(path: &Path, checkpoint: &Checkpoint) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary)?;
    serde_json::to_writer_pretty(&mut file, checkpoint)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)?;
    if let Some(directory) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        // The rename itself reaches the disk with the directory.
        std::fs::File::open(directory)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        let mut counts = Counts { migrated: 3, skipped: 1, ..Counts::default() };
        counts.formats.insert("legacy".into(), 4);
        let segment = Segment { position: Some("ddbe-scan-1.abc".into()), done: false, counts };
        Checkpoint {
            command: "migrate".into(),
            table: "orders".into(),
            total_segments: 2,
            segments: BTreeMap::from([(1, segment)]),
        }
    }

    #[test]
    fn a_checkpoint_file_is_replaced_whole_and_reads_back() {
        let directory = std::env::temp_dir().join(format!("ddbe-ck-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("run.json");
        write_atomically(&path, &checkpoint()).unwrap();
        let mut second = checkpoint();
        second.segments.get_mut(&1).unwrap().done = true;
        write_atomically(&path, &second).unwrap();
        let read: Checkpoint = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(read.segments[&1].done);
        assert_eq!(read.segments[&1].counts, second.segments[&1].counts);
        assert!(!directory.join("run.json.tmp").exists(), "no temporary file is left");
        std::fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn a_checkpoint_of_another_command_or_segmentation_is_refused() {
        let checkpoint = checkpoint();
        assert!(checkpoint.check("migrate", "orders", 2).is_ok());
        assert!(checkpoint.check("reencrypt", "orders", 2).is_err());
        assert!(checkpoint.check("migrate", "other", 2).is_err());
        assert!(checkpoint.check("migrate", "orders", 4).is_err());
    }

    #[test]
    fn counts_add_up_per_outcome_and_format() {
        let mut all = Counts::default();
        all.add(&checkpoint().segments[&1].counts);
        all.add(&checkpoint().segments[&1].counts);
        assert_eq!((all.migrated, all.skipped, all.items()), (6, 2, 8));
        assert_eq!(all.formats["legacy"], 8);
    }
}
