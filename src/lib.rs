//! Shared support for the workspace's examples, tests and benchmarks: DynamoDB JSON, vector
//! files and (later) the local AWS harness. Not published.

pub mod json;
pub mod python;
pub mod vectors;
