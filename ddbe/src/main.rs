//! `ddbe`: migrate, re-encrypt, verify and inspect DynamoDB tables encrypted with
//! ddb-encrypt, resumably and under live traffic. `ddbe --help` says how.

#![forbid(unsafe_code)]

mod checkpoint;
mod config;
mod error;
mod inspect;
mod keyring;
mod keys;
mod progress;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::checkpoint::Store;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::run::{Command, Walk};

const CONFIG_HELP: &str = "\
CONFIGURATION (--config, ddbe.toml by default)

  [aws]                                  # optional: else the usual AWS environment
  region = \"us-east-1\"
  endpoint_url = \"http://127.0.0.1:8000\"  # a local DynamoDB and KMS, say
  max_attempts = 10                      # per request, throttling included

  [table]
  name = \"orders\"
  partition_key = \"id\"
  sort_key = \"created\"                   # if the table has one
  sign_only = [\"status\"]                 # key attributes are always signed, never encrypted
  do_nothing = [\"ttl\"]
  sign_and_include = []                  # SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT
  default_action = \"encrypt_and_sign\"    # for every other attribute

  [write]                                # what items become
  format = \"dbesdk\"                      # or \"legacy\", with provider = \"NAME\"
  keyring = \"new\"
  suite = \"0x6701\"                       # or \"0x6700\" (no ECDSA signature)

  [read]                                 # what else is read
  legacy = \"old\"                         # legacy items, with [providers.old]
  plaintext = true                       # unencrypted items
  keyrings = [\"previous\"]                # DB-ESDK items under older keys (reencrypt)

  [keyrings.new]
  type = \"aws-kms\"                       # key_id = \"arn:aws:kms:...\"
  # type = \"hierarchical\"                # branch_key_id = \"...\", needs [key_store]
  # type = \"raw-aes\"                     # namespace, name, key_env = \"VAR\" (base64)

  [providers.old]
  type = \"aws-kms\"                       # Direct KMS: key_id = \"...\"
  # type = \"wrapped\"                     # wrapping_key_env, signing_key_env (base64)
  # type = \"most-recent\"                 # material_name, meta_provider, needs [meta_store]

  [key_store]                            # branch keys: table, kms_key_arn, logical_name
  [meta_store]                           # Most Recent: table, provider

Keys are never in the file: raw keys come from the environment variables it names.";

const WALK_HELP: &str = "\
Every write is conditional on the stored item being the one read, so a concurrent writer is
never overwritten: on a conflict the item is read again and rewritten. Items already in the
target format (and keys) are skipped. Each item's failure is reported by its key, never a value.

Checkpoints (--checkpoint FILE or --checkpoint-table TABLE) are written after every page; after a
crash or kill -9, run the same command with --resume: no item is skipped, none rewritten twice.

To share a table among N workers (on N machines, through any batch scheduler), run worker I with
--segment I --total-segments N, each with its own checkpoint (or one --checkpoint-table and
--job). Exit status: 0 when every item went well, 1 when an item failed, 2 on an error.";

/// Migrate, re-encrypt, verify and inspect DynamoDB tables encrypted with ddb-encrypt.
///
/// Moves a table's items from the DynamoDB Encryption Client's legacy format, or from
/// plaintext, to the AWS Database Encryption SDK format; re-encrypts them under new keys; audits
/// that every item verifies; inspects one item; manages branch keys and Most Recent materials.
/// Safe under live traffic, resumable, and paced so that the application keeps its capacity.
#[derive(Debug, Parser)]
#[command(name = "ddbe", version, after_long_help = CONFIG_HELP)]
struct Cli {
    /// The configuration file (see --help for its format).
    #[arg(long, short, global = true, default_value = "ddbe.toml")]
    config: PathBuf,

    /// Machine-readable output: JSON lines (progress, failures, then a summary) on stdout.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Commands,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Rewrite legacy and plaintext items in the write format.
    ///
    /// Reads every item in whatever format it is in (the configuration's read section says
    /// which it may be), verifies it, and writes it back in the format of the write section.
    /// Items already in it are skipped.
    #[command(after_long_help = WALK_HELP)]
    Migrate(WalkArgs),

    /// Rewrite every item under the write keys: after a key rotation or a compromise.
    ///
    /// Items already under the target keys (the write keyring's KMS key, raw key, or branch
    /// key's active version; the newest Most Recent version) are skipped. List the old keys
    /// in the read section's keyrings so that the items under them can be read.
    #[command(after_long_help = WALK_HELP)]
    Reencrypt(WalkArgs),

    /// Audit: read and verify every item, write nothing.
    ///
    /// Prints each item that fails by its key, counts by outcome and format, and exits with 1
    /// if any item failed.
    #[command(after_long_help = WALK_HELP)]
    Verify(VerifyArgs),

    /// Show one item's format, suite, keys, and which attributes are encrypted or signed, and
    /// whether it verifies. Never a value.
    Inspect {
        /// The item's key, as NAME=VALUE (a string; N:123 for a number, B:BASE64 for
        /// bytes, S:... for a string starting with one of these). Twice with a sort key.
        #[arg(required = true, num_args = 1..=2)]
        key: Vec<String>,
        /// Describe only: do not verify (needs no keys).
        #[arg(long)]
        no_verify: bool,
    },

    /// Branch keys (DB-ESDK hierarchical keyrings) and Most Recent materials (legacy format).
    #[command(subcommand)]
    Keys(keys::Keys),
}

/// Options of `migrate` and `reencrypt`.
#[derive(Debug, Args)]
struct WalkArgs {
    /// Do everything but write: count what would be rewritten.
    #[arg(long)]
    dry_run: bool,

    #[command(flatten)]
    common: CommonArgs,
}

/// Options of `verify`.
#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// At most this many item writes per second (for this process).
    #[arg(long, value_name = "ITEMS")]
    rate: Option<f64>,

    /// At most this many capacity units per second, reads and writes (for this process).
    #[arg(long, value_name = "UNITS")]
    max_capacity: Option<f64>,

    /// Walk only this segment of the table's parallel scan (from 0).
    #[arg(long, requires = "total_segments")]
    segment: Option<u32>,

    /// The number of scan segments. Without --segment, all of them, in parallel.
    #[arg(long, default_value_t = 1)]
    total_segments: u32,

    /// Items per scan page (100 by default; fewer with a low --rate).
    #[arg(long, value_name = "ITEMS")]
    page_size: Option<usize>,

    /// Keep the checkpoint in this file (replaced atomically after every page).
    #[arg(long, value_name = "FILE", conflicts_with = "checkpoint_table")]
    checkpoint: Option<PathBuf>,

    /// Keep the checkpoint in this DynamoDB table (created if missing), one row per segment.
    #[arg(long, value_name = "TABLE")]
    checkpoint_table: Option<String>,

    /// The job's name in --checkpoint-table (by default the command and the table's name).
    #[arg(long, requires = "checkpoint_table")]
    job: Option<String>,

    /// Continue from the checkpoint.
    #[arg(long)]
    resume: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("ddbe: {error}");
            ExitCode::from(2)
        }
    }
}

async fn execute(cli: Cli) -> Result<bool> {
    let config = Config::load(&cli.config)?;
    let (command, dry_run, common) = match cli.command {
        Commands::Migrate(args) => (Command::Migrate, args.dry_run, args.common),
        Commands::Reencrypt(args) => (Command::Reencrypt, args.dry_run, args.common),
        Commands::Verify(args) => (Command::Verify, false, args.common),
        Commands::Inspect { key, no_verify } => {
            return inspect::run(&config, key, !no_verify, cli.json).await;
        }
        Commands::Keys(keys) => {
            keys::run(&config, keys, cli.json).await?;
            return Ok(true);
        }
    };
    let checkpoint = match (common.checkpoint, common.checkpoint_table) {
        (Some(path), _) => Some(Store::File(path)),
        (None, Some(table)) => Some(Store::Table {
            client: config.clients().await.dynamodb,
            table,
            job: common.job.unwrap_or_else(|| format!("{command:?}:{}", config.table.name)),
        }),
        (None, None) => None,
    };
    if matches!(common.rate, Some(r) if r <= 0.0)
        || matches!(common.max_capacity, Some(c) if c <= 0.0)
    {
        return Err(Error::Usage("--rate and --max-capacity must be above 0".into()));
    }
    let walk = Walk {
        command,
        dry_run,
        rate: common.rate,
        max_capacity: common.max_capacity,
        segment: common.segment,
        total_segments: common.total_segments,
        page_size: common.page_size,
        resume: common.resume,
        checkpoint,
        json: cli.json,
    };
    run::run(&config, walk).await
}
