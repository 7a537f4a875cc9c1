use ddb_encrypt::EncryptedItem;

#[derive(serde::Serialize, serde::Deserialize, Clone)]
struct Address {
    city: String,
}

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    address: Address,
}

fn main() {}
