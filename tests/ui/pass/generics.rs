use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
struct Envelope<T, K: ddb_encrypt::KeyAttribute> {
    #[ddb(partition_key)]
    id: K,
    payload: T,
    list: Vec<T>,
}

fn assert_item<I: EncryptedItem>() {}

fn main() {
    assert_item::<Envelope<String, u64>>();
    assert_item::<Envelope<Vec<u8>, String>>();
}
