use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    id: String,
    total: u64,
}

fn main() {}
