use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order(String, u64);

fn main() {}
