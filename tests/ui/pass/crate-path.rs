extern crate ddb_encrypt as renamed;

use renamed::EncryptedItem;

mod ddb_encrypt {}

#[derive(EncryptedItem)]
#[ddb(crate = "renamed")]
struct Order {
    #[ddb(partition_key)]
    id: String,
}

fn main() {
    let _ = <Order as renamed::EncryptedItem>::SCHEMA;
}
