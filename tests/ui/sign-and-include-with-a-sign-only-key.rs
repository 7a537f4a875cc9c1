use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Visit {
    #[ddb(partition_key, sign_only)]
    patient_id: String,
    #[ddb(sign_and_include)]
    clinic: String,
    notes: String,
}

fn main() {}
