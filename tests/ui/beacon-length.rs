use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    #[ddb(beacon(length = 0))]
    email: String,
    #[ddb(beacon(length = 64))]
    phone: String,
    #[ddb(beacon(length = 1000))]
    address: String,
    #[ddb(beacon(length = "16"))]
    city: String,
    #[ddb(beacon(length = -1))]
    country: String,
}

fn main() {}
