use ddb_encrypt::EncryptedItem;

// The tenant must be in the encryption context: a key or a sign_and_include field.
#[derive(EncryptedItem)]
struct Encrypted {
    #[ddb(partition_key)]
    id: String,
    #[ddb(tenant)]
    tenant: String,
}

#[derive(EncryptedItem)]
struct SignOnly {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sign_only, tenant)]
    tenant: String,
}

// One tenant per item.
#[derive(EncryptedItem)]
struct Two {
    #[ddb(partition_key, tenant)]
    id: String,
    #[ddb(sign_and_include, tenant)]
    tenant: String,
}

// A skipped field is not stored.
#[derive(EncryptedItem)]
struct Skipped {
    #[ddb(partition_key)]
    id: String,
    #[ddb(skip, tenant)]
    tenant: String,
}

fn main() {}
