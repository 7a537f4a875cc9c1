//! Shared support for the workspace's examples, tests and benchmarks: DynamoDB JSON, vector
//! files and (later) the local AWS harness. Not published.

pub mod fixtures;
pub mod interceptors;
pub mod json;
pub mod local_aws;
pub mod python;
pub mod strategies;
pub mod vectors;

/// The size of an item as DynamoDB counts it (names and values), for reports.
pub fn table_size(item: &json::Item) -> usize {
    fn value(v: &aws_sdk_dynamodb::types::AttributeValue) -> usize {
        use aws_sdk_dynamodb::types::AttributeValue as V;
        match v {
            V::S(s) | V::N(s) => s.len(),
            V::B(b) => b.as_ref().len(),
            V::Ss(v) | V::Ns(v) => v.iter().map(String::len).sum(),
            V::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
            V::L(v) => 3 + v.iter().map(|x| 1 + value(x)).sum::<usize>(),
            V::M(m) => 3 + m.iter().map(|(k, x)| 1 + k.len() + value(x)).sum::<usize>(),
            _ => 1,
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}
