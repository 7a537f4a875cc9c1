//! Shared support for the workspace's examples, tests and benchmarks: DynamoDB JSON, vector
//! files and (later) the local AWS harness. Not published.

pub mod fixtures;
pub mod gcm_reference;
pub mod interceptors;
pub mod json;
pub mod local_aws;
pub mod python;
pub mod strategies;
pub mod vectors;
