use ddb_encrypt::EncryptedItem;

struct NotSerde;

#[derive(EncryptedItem)]
struct Patient {
    #[ddb(partition_key)]
    patient_id: String,
    name: String,
    notes: NotSerde,
    age: u32,
}

fn main() {}
