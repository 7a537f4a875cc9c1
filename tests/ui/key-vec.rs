use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sort_key)]
    tags: Vec<String>,
}

fn main() {}
