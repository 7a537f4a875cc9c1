use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Visit {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(sort_key, lsi_sort_key = "ByDate")]
    visited_at: u64,
    #[ddb(sign_only, gsi_partition_key = "ByClinic", gsi_sort_key = "ByClinic")]
    clinic_id: String,
    #[ddb(sign_only, gsi_partition_key = "by")]
    doctor: String,
    #[ddb(sign_only, gsi_partition_key = "by room")]
    room: String,
}

fn main() {}
