use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    id: String,
    #[ddb(sort_key)]
    created_at: u64,
}

fn main() {}
