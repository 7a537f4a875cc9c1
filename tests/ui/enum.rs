use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
enum Order {
    Pending { id: String },
}

fn main() {}
