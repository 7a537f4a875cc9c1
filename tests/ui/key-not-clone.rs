use ddb_encrypt::{EncryptedItem, KeyAttribute, KeyType};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct PatientId(String);

impl KeyAttribute for PatientId {
    const KEY_TYPE: KeyType = KeyType::String;
}

#[derive(EncryptedItem)]
struct Patient {
    #[ddb(partition_key)]
    patient_id: PatientId,
}

fn main() {}
