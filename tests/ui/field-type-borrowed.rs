use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Patient<'a> {
    #[ddb(partition_key)]
    patient_id: String,
    name: String,
    clinic: &'a str,
    age: u32,
}

fn main() {}
