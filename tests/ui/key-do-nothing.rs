use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key, do_nothing)]
    id: String,
}

fn main() {}
