//! `#[derive(EncryptedItem)]`: the generated schema and conversions, and round trips through
//! the item encryptor.

#![expect(clippy::unwrap_used, reason = "tests panic on unexpected errors")]
#![expect(clippy::struct_field_names, reason = "field names follow the issue's example")]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ddb_encrypt::item::IndexKind;
use ddb_encrypt::item::NoSortKey;
use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::provider::{DataKey, SigningKey, StaticMaterialsProvider};
use ddb_encrypt::schema::AttributeActions;
use ddb_encrypt::{
    AttributeAction, AttributeValue, EncryptedItem, Format, ItemEncryptor, KeyType, Number,
    TableSchema,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Status {
    Pending,
    Paid { at: u64 },
    Refunded(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    city: String,
    postcode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    qty: u32,
    price: Number,
}

/// The example of the derive issue.
#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Order {
    #[ddb(partition_key)]
    order_id: String,
    #[ddb(sort_key)]
    created_at: u64,
    #[ddb(sign_only)]
    status: Status,
    #[ddb(do_nothing)]
    ttl: Option<i64>,
    customer_email: String,
    address: Address,
    lines: Vec<Line>,
    card_token: Vec<u8>,
}

fn order() -> Order {
    Order {
        order_id: "o-1001".into(),
        created_at: 1_795_785_600_123,
        status: Status::Paid { at: 1_795_785_700 },
        ttl: Some(1_827_321_600),
        customer_email: "ada@example.com".into(),
        address: Address { street: "12 Engine Row".into(), city: "London".into(), postcode: None },
        lines: vec![Line { sku: "SKU-1".into(), qty: 2, price: "19.99".parse().unwrap() }],
        card_token: vec![0xde, 0xad, 0xbe, 0xef],
    }
}

/// The two writers: the DB-ESDK format (the default) and the legacy one.
fn encryptors() -> Vec<ItemEncryptor> {
    let provider = StaticMaterialsProvider::new(
        DataKey::from_bytes(&[7; 32]).unwrap(),
        SigningKey::hmac_sha256(&[9; 32]).unwrap(),
    );
    vec![
        ItemEncryptor::new(RawAesKeyring::new("tests", "derive", &[7; 32]).unwrap()),
        ItemEncryptor::legacy(provider),
    ]
}

#[test]
fn the_schema_is_static_data() {
    let schema = Order::SCHEMA;
    assert_eq!(schema.partition_key.name, "order_id");
    assert_eq!(schema.partition_key.key_type, KeyType::String);
    assert_eq!(schema.sort_key.unwrap().name, "created_at");
    assert_eq!(schema.sort_key.unwrap().key_type, KeyType::Number);
    assert!(schema.indexes.is_empty());
    assert_eq!(
        schema.attributes,
        &[
            ("address", AttributeAction::EncryptAndSign),
            ("card_token", AttributeAction::EncryptAndSign),
            ("created_at", AttributeAction::SignOnly),
            ("customer_email", AttributeAction::EncryptAndSign),
            ("lines", AttributeAction::EncryptAndSign),
            ("order_id", AttributeAction::SignOnly),
            ("status", AttributeAction::SignOnly),
            ("ttl", AttributeAction::DoNothing),
        ]
    );
}

/// The hand-written equivalent shown in the derive's documentation.
#[test]
fn generated_actions_equal_the_hand_written_ones() {
    let derived = TableSchema::for_item::<Order>("Orders").unwrap();
    let hand_written = TableSchema::builder("Orders")
        .partition_key("order_id")
        .sort_key("created_at")
        .actions(
            AttributeActions::new(AttributeAction::EncryptAndSign)
                .with("order_id", AttributeAction::SignOnly)
                .with("created_at", AttributeAction::SignOnly)
                .with("status", AttributeAction::SignOnly)
                .with("ttl", AttributeAction::DoNothing)
                .with("customer_email", AttributeAction::EncryptAndSign)
                .with("address", AttributeAction::EncryptAndSign)
                .with("lines", AttributeAction::EncryptAndSign)
                .with("card_token", AttributeAction::EncryptAndSign),
        )
        .build()
        .unwrap();
    assert_eq!(derived.actions(), hand_written.actions());
    assert_eq!(derived.partition_key(), hand_written.partition_key());
    assert_eq!(derived.sort_key(), hand_written.sort_key());
}

#[test]
fn conversions_map_field_types() {
    let item = order().to_item().unwrap();
    assert_eq!(item["order_id"], AttributeValue::S("o-1001".into()));
    assert_eq!(item["created_at"], AttributeValue::N("1795785600123".into()));
    assert_eq!(
        item["card_token"],
        AttributeValue::B(vec![0xde, 0xad, 0xbe, 0xef].into()),
        "bytes are B"
    );
    assert!(item["address"].is_m() && item["lines"].is_l() && item["status"].is_m());
    let AttributeValue::M(address) = &item["address"] else { unreachable!() };
    assert!(!address.contains_key("postcode"), "None is left out");
    let mut no_ttl = order();
    no_ttl.ttl = None;
    assert!(!no_ttl.to_item().unwrap().contains_key("ttl"));
    assert_eq!(Order::from_item(item).unwrap(), order());
    assert_eq!(Order::from_item(no_ttl.to_item().unwrap()).unwrap(), no_ttl);
}

#[tokio::test]
async fn orders_round_trip_through_the_item_encryptor() {
    let schema = TableSchema::for_item::<Order>("Orders").unwrap();
    for encryptor in encryptors() {
        for status in [Status::Pending, Status::Refunded("duplicate".into()), order().status] {
            let original = Order { status, ..order() };
            let stored =
                encryptor.encrypt_item(&schema, original.to_item().unwrap()).await.unwrap();
            assert_eq!(stored["order_id"], AttributeValue::S("o-1001".into()));
            assert!(stored["customer_email"].is_b() && stored["card_token"].is_b());
            let back =
                Order::from_item(encryptor.decrypt_item(&schema, stored).await.unwrap()).unwrap();
            assert_eq!(back, original);
        }
    }
}

#[test]
fn typed_keys() {
    let order = order();
    let key = order.key();
    assert_eq!(key, ("o-1001".to_owned(), 1_795_785_600_123));
    let item = Order::key_item(&key).unwrap();
    assert_eq!(item.len(), 2);
    assert_eq!(item["order_id"], AttributeValue::S("o-1001".into()));
    assert_eq!(item["created_at"], AttributeValue::N("1795785600123".into()));
    let error = Order::key_item(&(String::new(), 1)).unwrap_err();
    assert_eq!(error.to_string(), "attribute `order_id`: key values must not be empty");
}

#[test]
fn from_item_errors_name_the_attribute_and_the_type() {
    let mut item = order().to_item().unwrap();
    item.insert("created_at".into(), AttributeValue::S("secret-value".into()));
    let error = Order::from_item(item).unwrap_err();
    assert_eq!(
        error.to_string(),
        "attribute `created_at`: expected an integer (N) that fits u64, found a string (S)"
    );
    let mut item = order().to_item().unwrap();
    item.remove("customer_email");
    let error = Order::from_item(item).unwrap_err();
    assert_eq!(error.to_string(), "attribute `customer_email`: missing, expected a string");
}

/// Every supported field type, attribute words and conversions.
#[derive(EncryptedItem, Debug, Clone, PartialEq, Default)]
#[ddb(rename_all = "camelCase")]
struct Everything {
    #[ddb(partition_key)]
    tenant_id: String,
    #[ddb(sort_key, rename = "SK")]
    sort: i128,
    #[ddb(gsi_partition_key = "ByStatus", sign_only)]
    status_code: String,
    #[ddb(gsi_sort_key = "ByStatus", lsi_sort_key = "ByUpdated", sign_only)]
    updated_at: u64,
    big_unsigned: u128,
    small: i8,
    ratio: f64,
    exact: Number,
    #[ddb(number)]
    decimal_text: String,
    flag: bool,
    letter: char,
    bytes: Vec<u8>,
    fixed: [u8; 4],
    nested: Vec<Vec<String>>,
    map: HashMap<String, u32>,
    int_keys: BTreeMap<u16, bool>,
    #[ddb(set)]
    string_set: BTreeSet<String>,
    #[ddb(set)]
    number_set: BTreeSet<i64>,
    #[ddb(set)]
    binary_set: Vec<Vec<u8>>,
    optional: Option<Box<Address>>,
    unit: (),
    pair: (String, u8),
    #[ddb(default)]
    added_later: u32,
    #[ddb(skip)]
    cache: Option<String>,
}

fn everything() -> Everything {
    Everything {
        tenant_id: "t-1".into(),
        sort: -99_999_999_999_999_999_999_999_999_999_999_999_999,
        status_code: "ACTIVE".into(),
        updated_at: 42,
        big_unsigned: 10u128.pow(38) - 1,
        small: -8,
        ratio: 0.1,
        exact: "12345678901234567890.12345678901234567".parse().unwrap(),
        decimal_text: "0.30".into(),
        flag: true,
        letter: 'é',
        bytes: vec![0, 1, 2],
        fixed: [9; 4],
        nested: vec![vec!["a".into()], vec![]],
        map: HashMap::from([("k".into(), 1)]),
        int_keys: BTreeMap::from([(1, true), (2, false)]),
        string_set: BTreeSet::from(["x".into(), "y".into()]),
        number_set: BTreeSet::from([3, -1]),
        binary_set: vec![vec![1], vec![2, 3]],
        optional: Some(Box::new(Address {
            street: "s".into(),
            city: "c".into(),
            postcode: Some("p".into()),
        })),
        unit: (),
        pair: ("p".into(), 1),
        added_later: 0,
        cache: Some("not stored".into()),
    }
}

#[test]
fn every_field_type_converts_and_round_trips() {
    let value = everything();
    let item = value.to_item().unwrap();
    assert_eq!(item["tenantId"], AttributeValue::S("t-1".into()));
    assert_eq!(item["SK"], AttributeValue::N(format!("-{}", "9".repeat(38))));
    assert_eq!(item["bigUnsigned"], AttributeValue::N("9".repeat(38)));
    assert_eq!(item["exact"], AttributeValue::N("12345678901234567890.12345678901234567".into()));
    assert_eq!(item["decimalText"], AttributeValue::N("0.30".into()));
    assert_eq!(item["fixed"], AttributeValue::B(vec![9; 4].into()));
    assert_eq!(item["stringSet"], AttributeValue::Ss(vec!["x".into(), "y".into()]));
    assert_eq!(item["numberSet"], AttributeValue::Ns(vec!["-1".into(), "3".into()]));
    assert!(item["binarySet"].is_bs());
    assert!(!item.contains_key("cache"), "skipped");
    let mut expected = value.clone();
    expected.cache = None;
    assert_eq!(Everything::from_item(item.clone()).unwrap(), expected);
    // Missing sets and #[ddb(default)] fields read as their defaults.
    let mut item = item;
    item.remove("stringSet");
    item.remove("addedLater");
    let back = Everything::from_item(item).unwrap();
    assert!(back.string_set.is_empty());
    assert_eq!(back.added_later, 0);
}

#[test]
fn index_schemas_are_generated() {
    let schema = Everything::SCHEMA;
    assert_eq!(schema.sort_key.unwrap().name, "SK");
    assert_eq!(schema.indexes.len(), 2);
    let by_status = schema.indexes.iter().find(|i| i.name == "ByStatus").unwrap();
    assert_eq!(by_status.kind, IndexKind::Global);
    assert_eq!(by_status.partition_key.name, "statusCode");
    assert_eq!(by_status.sort_key.unwrap().name, "updatedAt");
    let by_updated = schema.indexes.iter().find(|i| i.name == "ByUpdated").unwrap();
    assert_eq!(by_updated.kind, IndexKind::Local);
    assert_eq!(by_updated.partition_key.name, "tenantId");
    assert_eq!(by_updated.sort_key.unwrap().key_type, KeyType::Number);
    // Index keys are signed, never encrypted.
    let actions: HashMap<_, _> = schema.attributes.iter().copied().collect();
    assert_eq!(actions["statusCode"], AttributeAction::SignOnly);
    assert_eq!(actions["updatedAt"], AttributeAction::SignOnly);
    assert_eq!(actions["ratio"], AttributeAction::EncryptAndSign);
}

#[tokio::test]
async fn every_field_type_round_trips_through_the_item_encryptor() {
    let schema = TableSchema::for_item::<Everything>("Everything").unwrap();
    for encryptor in encryptors() {
        let mut value = everything();
        if encryptor.write_format() == Format::Legacy {
            // The legacy signature covers SIGN_ONLY numbers, keys included, to 28 significant
            // digits only: its writer refuses longer ones.
            value.sort = -9_999_999_999_999_999_999_999_999_999;
        }
        let sort = value.sort;
        let stored = encryptor.encrypt_item(&schema, value.to_item().unwrap()).await.unwrap();
        assert_eq!(stored["statusCode"], AttributeValue::S("ACTIVE".into()));
        let back =
            Everything::from_item(encryptor.decrypt_item(&schema, stored).await.unwrap()).unwrap();
        let mut expected = everything();
        expected.sort = sort;
        expected.cache = None;
        // Numbers come back canonical: "0.30" is 0.3.
        expected.decimal_text = "0.3".into();
        assert_eq!(back, expected);
    }
}

/// A struct without a sort key.
#[derive(EncryptedItem, Debug, PartialEq)]
struct User {
    #[ddb(partition_key)]
    id: u64,
    name: String,
}

#[test]
fn structs_without_a_sort_key() {
    let _: NoSortKey = <User as EncryptedItem>::SortKey::default();
    let user = User { id: 7, name: "Ada".into() };
    assert_eq!(user.key(), 7);
    assert_eq!(User::key_item(&7).unwrap()["id"], AttributeValue::N("7".into()));
    assert!(User::SCHEMA.sort_key.is_none());
}

/// A visit whose clinic is bound into the DB-ESDK encryption context.
#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Visit {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(sort_key)]
    at: u64,
    #[ddb(sign_and_include)]
    clinic: String,
    notes: String,
}

#[tokio::test]
async fn sign_and_include_fields_bind_the_keys_too_and_write_a_version_2_header() {
    use ddb_encrypt::AttributeAction::{EncryptAndSign, SignAndIncludeInEncryptionContext};
    let schema = TableSchema::for_item::<Visit>("Visits").unwrap();
    for (name, action) in [
        ("patient_id", SignAndIncludeInEncryptionContext),
        ("at", SignAndIncludeInEncryptionContext),
        ("clinic", SignAndIncludeInEncryptionContext),
        ("notes", EncryptAndSign),
    ] {
        assert_eq!(schema.action(name), action, "{name}");
    }
    let visit =
        Visit { patient_id: "p-1".into(), at: 7, clinic: "north".into(), notes: "x".into() };
    let encryptor = ItemEncryptor::new(RawAesKeyring::new("ns", "k", &[3; 32]).unwrap());
    let stored = encryptor.encrypt_item(&schema, visit.to_item().unwrap()).await.unwrap();
    assert_eq!(stored[ddb_encrypt::format::HEADER_ATTRIBUTE].as_b().unwrap().as_ref()[0], 2);
    let back = Visit::from_item(encryptor.decrypt_item(&schema, stored.clone()).await.unwrap());
    assert_eq!(back.unwrap(), visit);
    let mut moved = stored;
    moved.insert("clinic".into(), AttributeValue::S("south".into()));
    assert!(encryptor.decrypt_item(&schema, moved).await.unwrap_err().is_integrity());
}

/// Field names that serde's case rules treat specially: a leading underscore, an uppercase
/// first letter, a non-ASCII first letter, doubled and trailing underscores, a raw identifier.
/// (serde's camelCase panics on a non-ASCII first letter: that struct leaves it out.)
macro_rules! renamed {
    ($name:ident, $rule:literal) => {
        renamed!($name, $rule, étage_niveau: u32,);
    };
    ($name:ident, $rule:literal, $($extra:ident: $ty:ty,)*) => {
        #[derive(EncryptedItem, Serialize, Deserialize, Default)]
        #[ddb(rename_all = $rule)]
        #[serde(rename_all = $rule)]
        #[expect(non_snake_case, reason = "the names serde's rules are tested on")]
        struct $name {
            #[ddb(partition_key)]
            order_id: String,
            _version: u32,
            Upper_case: u32,
            $($extra: $ty,)*
            a__b: u32,
            trailing_: u32,
            r#type: u32,
            x: u32,
        }
    };
}

renamed!(Lower, "lowercase");
renamed!(Upper, "UPPERCASE");
renamed!(Pascal, "PascalCase");
renamed!(Camel, "camelCase",);
renamed!(Snake, "snake_case");
renamed!(ScreamingSnake, "SCREAMING_SNAKE_CASE");
renamed!(Kebab, "kebab-case");
renamed!(ScreamingKebab, "SCREAMING-KEBAB-CASE");

fn names_as_serde_json_and_the_derive_give_them<T: EncryptedItem + Serialize + Default>()
-> (BTreeSet<String>, BTreeSet<String>) {
    let mut value = T::default();
    let json = serde_json::to_value(&value).unwrap();
    let json = json.as_object().unwrap().keys().cloned().collect();
    // Keys must not be empty; every other field is a plain number.
    let mut item = HashMap::new();
    item.insert(T::SCHEMA.partition_key.name.to_owned(), AttributeValue::S("o-1".into()));
    for (name, _) in T::SCHEMA.attributes {
        item.entry((*name).to_owned()).or_insert_with(|| AttributeValue::N("1".into()));
    }
    value = T::from_item(item).unwrap();
    let ours = value.to_item().unwrap().into_keys().collect();
    (json, ours)
}

#[test]
fn rename_all_names_every_field_exactly_as_serde_does() {
    let results = [
        names_as_serde_json_and_the_derive_give_them::<Lower>(),
        names_as_serde_json_and_the_derive_give_them::<Upper>(),
        names_as_serde_json_and_the_derive_give_them::<Pascal>(),
        names_as_serde_json_and_the_derive_give_them::<Camel>(),
        names_as_serde_json_and_the_derive_give_them::<Snake>(),
        names_as_serde_json_and_the_derive_give_them::<ScreamingSnake>(),
        names_as_serde_json_and_the_derive_give_them::<Kebab>(),
        names_as_serde_json_and_the_derive_give_them::<ScreamingKebab>(),
    ];
    for (json, ours) in &results {
        assert_eq!(json, ours);
        assert!(ours.len() >= 7, "{ours:?}");
    }
    // The cases the issue names.
    assert!(results[3].1.contains("version") && results[2].1.contains("Version"));
    assert!(results[2].1.contains("étageNiveau"), "{:?}", results[2].1);
}

fn ninety() -> u32 {
    90
}

/// A struct that also serves a JSON API, with the serde attributes the derive applies.
#[derive(EncryptedItem, Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Member {
    #[ddb(partition_key)]
    member_id: String,
    #[serde(rename = "mail")]
    email_address: String,
    #[serde(default)]
    nickname: String,
    #[serde(default = "ninety")]
    retention_days: u32,
    #[serde(skip)]
    session: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    tags: Vec<String>,
    #[ddb(rename = "lvl")]
    #[serde(rename = "level")]
    level: u64,
}

#[test]
fn serde_field_attributes_mean_for_the_item_what_they_mean_for_serde() {
    let member = Member {
        member_id: "m-1".into(),
        email_address: "ada@example.com".into(),
        nickname: String::new(),
        retention_days: 30,
        session: Some("s".into()),
        tags: Vec::new(),
        level: 3,
    };
    let item = member.to_item().unwrap();
    let mut names: Vec<_> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    // rename_all, rename and #[ddb(rename)] over serde's; skip; skip_serializing_if.
    assert_eq!(names, ["lvl", "mail", "memberId", "nickname", "retentionDays"]);
    let mut stored = HashMap::new();
    stored.insert("memberId".to_owned(), AttributeValue::S("m-1".into()));
    stored.insert("mail".to_owned(), AttributeValue::S("ada@example.com".into()));
    stored.insert("lvl".to_owned(), AttributeValue::N("3".into()));
    let read = Member::from_item(stored).unwrap();
    // default, default = "function", and skip read back as serde would.
    assert_eq!(read.nickname, "");
    assert_eq!(read.retention_days, 90);
    assert_eq!(read.session, None);
    assert!(read.tags.is_empty());
}

/// A key newtype that claims to be a number but serializes as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Code(String);

impl ddb_encrypt::KeyAttribute for Code {
    const KEY_TYPE: KeyType = KeyType::Number;
}

#[derive(EncryptedItem, Debug)]
struct Keyed {
    #[ddb(partition_key)]
    id: Vec<u8>,
    #[ddb(sign_only, gsi_partition_key = "ByCode")]
    code: Code,
}

#[test]
fn to_item_stores_keys_through_the_same_checks_as_key_item() {
    let empty = Keyed { id: Vec::new(), code: Code("1".into()) };
    let error = empty.to_item().unwrap_err().to_string();
    assert!(error.contains("`id`") && error.contains("empty"), "{error}");
    assert!(Keyed::key_item(&Vec::new()).is_err());
    // A number key written as text is stored as the number it is looked up as, or refused.
    let numeric = Keyed { id: vec![1], code: Code("12".into()) };
    assert_eq!(numeric.to_item().unwrap()["code"], AttributeValue::N("12".into()));
    let mistyped = Keyed { id: vec![1], code: Code("twelve".into()) };
    let error = mistyped.to_item().unwrap_err().to_string();
    assert!(error.contains("`code`"), "{error}");
}

/// Not serializable: a type parameter used only where nothing is stored.
struct Marker;

#[derive(EncryptedItem)]
struct Tagged<M, T> {
    #[ddb(partition_key)]
    id: String,
    value: T,
    #[ddb(skip)]
    marker: std::marker::PhantomData<M>,
}

#[derive(EncryptedItem)]
#[ddb(bound = "T: Serialize + serde::de::DeserializeOwned + Clone")]
struct Bounded<T> {
    #[ddb(partition_key)]
    id: String,
    value: T,
}

#[test]
fn only_type_parameters_of_stored_fields_are_bound_or_those_the_user_names() {
    let tagged =
        Tagged::<Marker, u32> { id: "t".into(), value: 7, marker: std::marker::PhantomData };
    assert_eq!(tagged.to_item().unwrap()["value"], AttributeValue::N("7".into()));
    let bounded = Bounded { id: "b".into(), value: "v".to_owned() };
    assert_eq!(bounded.to_item().unwrap()["value"], AttributeValue::S("v".into()));
}
