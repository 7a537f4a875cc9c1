use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    email: String,
    #[ddb(rename = "email")]
    contact: String,
}

fn main() {}
