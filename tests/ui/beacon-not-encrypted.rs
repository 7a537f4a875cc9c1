use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    #[ddb(sign_only, beacon(length = 16))]
    email: String,
    #[ddb(do_nothing, beacon(length = 16))]
    phone: String,
    #[ddb(sign_and_include, beacon(length = 16))]
    region: String,
}

fn main() {}
