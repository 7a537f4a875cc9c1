use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Patient {
    #[ddb(partition_key = true)]
    patient_id: String,
    #[ddb(sort_key(x))]
    visit: u64,
}

#[derive(EncryptedItem)]
#[ddb(crate = "not a path!")]
struct Clinic {
    #[ddb(partition_key)]
    clinic_id: String,
}

fn main() {}
