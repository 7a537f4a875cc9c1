use std::time::Duration;

use ddb_encrypt::EncryptedItem;
use serde::{Deserialize, Serialize};

mod secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        <u64 as serde::Deserialize>::deserialize(d).map(Duration::from_secs)
    }
}

#[derive(Serialize, Deserialize, Default)]
struct Address {
    city: String,
}

#[derive(EncryptedItem, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Session {
    #[ddb(partition_key)]
    #[serde(skip_serializing_if = "String::is_empty")]
    session_id: String,
    #[serde(with = "secs")]
    lifetime: Duration,
    #[serde(flatten)]
    address: Address,
    #[serde(skip_deserializing)]
    seen: u32,
    #[serde(alias = "user")]
    user_id: String,
    #[serde(rename(serialize = "a", deserialize = "b"))]
    note: String,
}

fn main() {}
