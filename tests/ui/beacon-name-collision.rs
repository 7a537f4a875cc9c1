use ddb_encrypt::EncryptedItem;

#[derive(EncryptedItem)]
#[ddb(rename_all = "camelCase")]
struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    // The beacon is named after the stored attribute, `homeEmail`.
    #[ddb(beacon(length = 16))]
    home_email: String,
    #[ddb(beacon(length = 16, name = "homeEmail"))]
    work_email: String,
    #[ddb(beacon(length = 8, name = "x"))]
    phone: String,
    #[ddb(beacon(length = 8, name = "x"))]
    mobile: String,
    // Named after its attribute: `aws_dbe_b_` and this name are over 255 bytes.
    #[ddb(
        rename = "a_stored_attribute_name_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_that_is_long_enough",
        beacon(length = 8)
    )]
    address: String,
}

fn main() {}
