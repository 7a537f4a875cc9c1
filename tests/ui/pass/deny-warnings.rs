#![deny(warnings, unused_qualifications, missing_debug_implementations, unreachable_pub)]
#![allow(dead_code)]

use ddb_encrypt::EncryptedItem;

/// An order.
#[derive(EncryptedItem, Debug)]
#[ddb(rename_all = "PascalCase")]
pub struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sort_key)]
    created_at: u64,
    #[ddb(gsi_partition_key = "ByStatus", sign_only)]
    status: String,
    #[ddb(gsi_sort_key = "ByStatus", lsi_sort_key = "ByTotal", sign_only)]
    total: u64,
    #[ddb(do_nothing)]
    ttl: Option<i64>,
    #[ddb(set)]
    tags: std::collections::BTreeSet<String>,
    #[ddb(skip)]
    cache: Option<String>,
}

fn main() {}
