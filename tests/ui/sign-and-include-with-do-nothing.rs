use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Visit {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(sign_and_include, do_nothing)]
    clinic: String,
}

fn main() {}
