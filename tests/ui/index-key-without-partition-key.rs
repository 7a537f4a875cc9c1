use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    id: String,
    #[ddb(gsi_partition_key = "ByStatus", sign_only)]
    status: String,
}

fn main() {}
