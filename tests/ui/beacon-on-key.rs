use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Visit {
    #[ddb(partition_key, beacon(length = 16))]
    patient_id: String,
    #[ddb(sort_key, beacon(length = 16))]
    visited_at: u64,
    #[ddb(sign_only, gsi_partition_key = "ByClinic", beacon(length = 16))]
    clinic_id: String,
    #[ddb(sign_only, lsi_sort_key = "ByRoom", beacon(length = 16))]
    room: String,
}

fn main() {}
