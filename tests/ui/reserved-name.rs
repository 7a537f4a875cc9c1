use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(rename = "*amzn-ddb-map-sig*")]
    signature: Vec<u8>,
}

fn main() {}
