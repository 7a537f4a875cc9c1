use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(partition_key)]
    other_id: String,
    #[ddb(sign_only, do_nothing)]
    status: String,
    #[ddb(rename = "*amzn-ddb-map-desc*")]
    description: String,
}

fn main() {}
