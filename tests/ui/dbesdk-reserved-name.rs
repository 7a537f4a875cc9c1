use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Visit {
    #[ddb(partition_key)]
    patient_id: String,
    aws_dbe_head: Vec<u8>,
}

fn main() {}
