use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    #[ddb(beacon(length = 16, index = "ByEmail"))]
    email: String,
    name: String,
}

fn main() {
    // `name` has no beacon: it cannot be searched.
    let _ = Customer::BEACONS.name;
}
