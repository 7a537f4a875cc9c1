use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(rename = "*ddbe-version")]
    version: u32,
}

fn main() {}
