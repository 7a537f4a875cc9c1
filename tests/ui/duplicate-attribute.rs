use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sign_only)]
    #[ddb(sign_only)]
    status: String,
}

fn main() {}
