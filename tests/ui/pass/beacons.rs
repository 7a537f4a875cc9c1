use ddb_encrypt::EncryptedItem;
use ddb_encrypt::item::BeaconSchema;
use ddb_encrypt::table::field::Beacon;

#[derive(EncryptedItem)]
#[ddb(rename_all = "camelCase")]
pub struct Customer {
    #[ddb(partition_key)]
    customer_id: String,
    // Named after its attribute, `phoneNumber`; sorted after `mail`.
    #[ddb(beacon(length = 8))]
    phone_number: Option<String>,
    #[ddb(beacon(length = 16, index = "ByEmail", name = "mail"))]
    email_address: String,
    #[ddb(sign_only)]
    status: String,
    name: String,
}

/// A generic struct has no typed handles, but its schema lists its beacons.
#[derive(EncryptedItem)]
pub struct Envelope<T> {
    #[ddb(partition_key)]
    id: String,
    #[ddb(beacon(length = 63))]
    payload: T,
}

fn main() {
    assert_eq!(Envelope::<String>::SCHEMA.beacons.len(), 1);
    assert_eq!(Envelope::<String>::SCHEMA.beacons[0].length, 63);

    let expected = [
        BeaconSchema {
            name: "mail",
            attribute: "emailAddress",
            stored_as: "aws_dbe_b_mail",
            length: 16,
            index: Some("ByEmail"),
        },
        BeaconSchema {
            name: "phoneNumber",
            attribute: "phoneNumber",
            stored_as: "aws_dbe_b_phoneNumber",
            length: 8,
            index: None,
        },
    ];
    assert_eq!(Customer::SCHEMA.beacons, expected);

    // One typed handle per beacon, named as its field, typed by the field's values.
    let _: Beacon<Customer, String> = Customer::BEACONS.email_address;
    let _: Beacon<Customer, String> = Customer::BEACONS.phone_number;
}
