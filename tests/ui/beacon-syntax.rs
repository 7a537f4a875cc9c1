use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    #[ddb(beacon)]
    email: String,
    #[ddb(beacon = 16)]
    phone: String,
    #[ddb(beacon(length = 16, size = 4))]
    address: String,
    #[ddb(beacon(index = "ByCity"))]
    city: String,
    #[ddb(beacon())]
    country: String,
    #[ddb(beacon(length))]
    street: String,
    #[ddb(beacon(length = 16, length = 8))]
    zip: String,
    #[ddb(beacon(length = 16, name = ""))]
    nickname: String,
    #[ddb(beacon(length = 16, index = ByName))]
    surname: String,
}

fn main() {}
