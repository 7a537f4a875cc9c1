use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(gsi_sort_key = "ByStatus", sign_only)]
    status: String,
}

fn main() {}
