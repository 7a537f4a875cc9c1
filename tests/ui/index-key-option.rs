use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(gsi_partition_key = "ByStatus", sign_only)]
    status: Option<String>,
}

fn main() {}
