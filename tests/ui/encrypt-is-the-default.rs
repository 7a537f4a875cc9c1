use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Patient {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(encrypt)]
    diagnosis: String,
}

fn main() {}
