use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Patient {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(gsi_partition_key = "ByName")]
    name: String,
}

fn main() {}
