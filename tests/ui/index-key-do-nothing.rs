use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Order {
    #[ddb(partition_key)]
    id: String,
    #[ddb(gsi_partition_key = "ByStatus", do_nothing)]
    status: String,
}

fn main() {}
