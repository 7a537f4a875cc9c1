use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    #[ddb(sign_only, gsi_partition_key = "ByRegion")]
    region: String,
    #[ddb(beacon(length = 16, index = "ByRegion"))]
    email: String,
    #[ddb(beacon(length = 16, index = "ByPhone"))]
    phone: String,
    #[ddb(beacon(length = 16, index = "ByPhone"))]
    mobile: String,
    #[ddb(beacon(length = 16, index = "by"))]
    city: String,
}

fn main() {}
