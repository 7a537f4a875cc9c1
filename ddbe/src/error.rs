//! The one error type of `ddbe`.

use std::path::PathBuf;

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// What stops a `ddbe` command. Item failures are not errors: they are counted and reported,
/// and the command goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Error {
    /// The configuration file cannot be read.
    #[error("cannot read the configuration file {path}: {source}")]
    ReadConfig { path: PathBuf, source: std::io::Error },

    /// The configuration file is not valid.
    #[error("invalid configuration file {path}: {message}")]
    ParseConfig { path: PathBuf, message: String },

    /// The configuration is incomplete or contradicts itself.
    #[error("invalid configuration: {0}")]
    Config(&'static str),

    /// The configuration names a keyring or provider it does not define.
    #[error("the configuration names {kind} `{name}`, but has no [{kind}s.{name}] section")]
    Unknown { kind: &'static str, name: String },

    /// A secret's environment variable is unset.
    #[error("environment variable {variable} is not set; it holds a key, in base64")]
    MissingSecret { variable: String },

    /// A secret's environment variable is not base64.
    #[error("environment variable {variable} is not base64")]
    BadSecret { variable: String },

    /// The command line contradicts itself.
    #[error("{0}")]
    Usage(String),

    /// A checkpoint cannot be read or written.
    #[error("checkpoint {place}: {message}")]
    Checkpoint { place: String, message: String },

    /// A request of `ddbe`'s own (not the library's) failed.
    #[error("{operation} on table `{table}` failed: {message}")]
    Aws { operation: &'static str, table: String, message: String },

    /// The library refused, or AWS did.
    #[error(transparent)]
    Library(#[from] ddb_encrypt::Error),
}
