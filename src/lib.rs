//! Shared support for the workspace's examples, tools (`src/bin`), tests and benchmarks:
//! DynamoDB JSON, vector files and (later) the local AWS harness. Not published.

pub mod fixtures;
pub mod interceptors;
pub mod json;
pub mod local_aws;
pub mod python;
pub mod recorded_kms;
pub mod strategies;
pub mod vectors;
