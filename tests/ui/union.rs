use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
union Order {
    id: u64,
}

fn main() {}
