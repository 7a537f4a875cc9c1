use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sort_key)]
    created_at: u64,
    #[ddb(sort_key)]
    updated_at: u64,
}

fn main() {}
