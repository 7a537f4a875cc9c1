use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
#[ddb(crate = "nothing")]
struct Clinic {
    #[ddb(partition_key)]
    clinic_id: String,
}

fn main() {}
