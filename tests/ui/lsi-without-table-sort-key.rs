use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(lsi_sort_key = "ByTotal", sign_only)]
    total: u64,
}

fn main() {}
