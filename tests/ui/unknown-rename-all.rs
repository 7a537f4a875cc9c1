use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
#[ddb(rename_all = "Title Case")]
struct Order {
    #[ddb(partition_key)]
    id: String,
}

fn main() {}
