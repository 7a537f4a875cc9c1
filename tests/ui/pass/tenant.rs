use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
pub struct Invoice {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sign_and_include, tenant, rename = "tenantId")]
    tenant: String,
    amount: u64,
}

#[derive(EncryptedItem)]
pub struct Untenanted {
    #[ddb(partition_key)]
    id: String,
}

fn main() {
    assert_eq!(Invoice::SCHEMA.tenant, Some("tenantId"));
    assert_eq!(Untenanted::SCHEMA.tenant, None);
}
