use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
#[ddb(rename_all = "camelCase")]
struct Order {
    #[ddb(partition_key)]
    order_id: String,
    #[ddb(rename = "orderId")]
    legacy_id: String,
}

fn main() {}
