use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    #[ddb(skip, beacon(length = 16))]
    cache: String,
    #[ddb(beacon(length = 16))]
    #[ddb(beacon(length = 8, name = "email_short"))]
    email: String,
}

#[derive(EncryptedItem)]
#[ddb(beacon(length = 16))]
struct Order {
    #[ddb(partition_key)]
    id: String,
}

fn main() {}
