use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(encrypt)]
    email: String,
}

fn main() {}
