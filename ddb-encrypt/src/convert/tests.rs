use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use serde::{Deserialize, Serialize};

use super::*;

fn to(value: &(impl Serialize + ?Sized)) -> AttributeValue {
    to_attribute_value(value, Mode::Plain).unwrap().unwrap()
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(
    value: &T,
) -> AttributeValue {
    let av = to(value);
    let back: T = from_attribute_value(av.clone()).unwrap();
    assert_eq!(&back, value);
    av
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Empty,
    Circle(f64),
    Point(i32, i32),
    Rect { w: u32, h: u32 },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Inner {
    name: String,
    note: Option<String>,
    tags: Vec<String>,
}

#[test]
fn scalars_map_to_their_dynamodb_types() {
    assert_eq!(round_trip(&true), AttributeValue::Bool(true));
    assert_eq!(round_trip(&"text".to_owned()), AttributeValue::S("text".into()));
    assert_eq!(round_trip(&'x'), AttributeValue::S("x".into()));
    assert_eq!(round_trip(&-42i64), AttributeValue::N("-42".into()));
    let max_digits = 10u128.pow(38) - 1;
    assert_eq!(round_trip(&max_digits), AttributeValue::N(max_digits.to_string()));
    assert_eq!(round_trip(&-max_digits.cast_signed()), AttributeValue::N(format!("-{max_digits}")));
    // DynamoDB numbers hold 38 digits: the largest 128-bit integers do not fit.
    let error = to_attribute_value(&u128::MAX, Mode::Plain).unwrap_err();
    assert_eq!(error.to_string(), "number has more than 38 significant digits");
    assert_eq!(round_trip(&0.1f64), AttributeValue::N("0.1".into()));
    assert_eq!(round_trip(&0.1f32), AttributeValue::N("0.1".into()));
    assert_eq!(round_trip(&()), AttributeValue::Null(true));
}

#[test]
fn bytes_are_binary_not_lists_of_numbers() {
    assert_eq!(round_trip(&vec![1u8, 2, 255]), AttributeValue::B(Blob::new(vec![1, 2, 255])));
    assert_eq!(round_trip(&[7u8; 4]), AttributeValue::B(Blob::new(vec![7; 4])));
    // Wider integers stay numbers.
    assert_eq!(
        round_trip(&vec![1u16, 2]),
        AttributeValue::L(vec![AttributeValue::N("1".into()), AttributeValue::N("2".into())])
    );
    // An empty Vec<u8> has no elements to tell: it is an empty list, and reads back.
    let empty: Vec<u8> = Vec::new();
    assert_eq!(round_trip(&empty), AttributeValue::L(vec![]));
}

#[test]
fn options_structs_maps_and_enums() {
    assert_eq!(to_attribute_value(&None::<String>, Mode::Plain).unwrap(), None);
    let inner = Inner { name: "a".into(), note: None, tags: vec!["x".into()] };
    let AttributeValue::M(map) = round_trip(&inner) else { panic!() };
    assert!(!map.contains_key("note"), "a None field is left out");
    assert_eq!(
        round_trip(&vec![Some(1), None]),
        AttributeValue::L(vec![AttributeValue::N("1".into()), AttributeValue::Null(true)])
    );
    round_trip(&BTreeMap::from([(1u32, "one".to_owned()), (2, "two".to_owned())]));
    round_trip(&HashMap::from([("k".to_owned(), vec![1.5f64])]));
    assert_eq!(round_trip(&Shape::Empty), AttributeValue::S("Empty".into()));
    round_trip(&Shape::Circle(2.5));
    round_trip(&Shape::Point(1, -1));
    round_trip(&Shape::Rect { w: 2, h: 3 });
    round_trip(&(1u8, "two".to_owned(), 3.5f64));
}

#[test]
fn set_mode_makes_sets_and_leaves_out_empty_ones() {
    let strings = BTreeSet::from(["b".to_owned(), "a".to_owned()]);
    assert_eq!(
        to_attribute_value(&strings, Mode::Set).unwrap(),
        Some(AttributeValue::Ss(vec!["a".into(), "b".into()]))
    );
    let numbers = vec![3u64, 1];
    assert_eq!(
        to_attribute_value(&numbers, Mode::Set).unwrap(),
        Some(AttributeValue::Ns(vec!["3".into(), "1".into()]))
    );
    let binaries = vec![vec![1u8], vec![2u8]];
    assert_eq!(
        to_attribute_value(&binaries, Mode::Set).unwrap(),
        Some(AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])]))
    );
    assert_eq!(to_attribute_value(&BTreeSet::<String>::new(), Mode::Set).unwrap(), None);
    assert!(to_attribute_value(&vec![true], Mode::Set).is_err());
    let back: BTreeSet<String> =
        from_attribute_value(AttributeValue::Ss(vec!["a".into(), "b".into()])).unwrap();
    assert_eq!(back, strings);
}

#[test]
fn a_set_field_holds_each_member_once_as_dynamodb_requires() {
    let strings = vec!["b".to_owned(), "a".to_owned(), "b".to_owned()];
    assert_eq!(
        to_attribute_value(&strings, Mode::Set).unwrap(),
        Some(AttributeValue::Ss(vec!["b".into(), "a".into()]))
    );
    // Equal values are one member, however they are written.
    let numbers: Vec<Number> = ["1", "2", "1.0"].iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(
        to_attribute_value(&numbers, Mode::Set).unwrap(),
        Some(AttributeValue::Ns(vec!["1".into(), "2".into()]))
    );
    let binaries = vec![vec![1u8], vec![1u8]];
    assert_eq!(
        to_attribute_value(&binaries, Mode::Set).unwrap(),
        Some(AttributeValue::Bs(vec![Blob::new(vec![1])]))
    );
}

#[test]
fn number_mode_stores_decimal_text_exactly() {
    let value =
        to_attribute_value("12345678901234567890.123456789012345678", Mode::Number).unwrap();
    assert_eq!(value, Some(AttributeValue::N("12345678901234567890.123456789012345678".into())));
    assert!(to_attribute_value("not a number", Mode::Number).is_err());
    let n: Number = "0.30".parse().unwrap();
    assert_eq!(to(&n), AttributeValue::N("0.3".into()));
    let back: Number = from_attribute_value(AttributeValue::N("0.3".into())).unwrap();
    assert_eq!(back, n);
    // Decimal text reads into String exactly (what decimal crates deserialize from).
    let text: String = from_attribute_value(AttributeValue::N("194.38".into())).unwrap();
    assert_eq!(text, "194.38");
}

#[test]
fn unrepresentable_values_are_errors() {
    assert!(to_attribute_value(&f64::NAN, Mode::Plain).is_err());
    assert!(to_attribute_value(&f64::INFINITY, Mode::Plain).is_err());
    assert!(to_attribute_value(&1e300f64, Mode::Plain).is_err(), "out of DynamoDB's range");
    assert!(to_attribute_value(&HashMap::from([(vec![1u8], 1)]), Mode::Plain).is_err());
}

#[test]
fn errors_name_types_but_never_values() {
    let secret = "hunter2-secret";
    let error = from_attribute_value::<u64>(AttributeValue::S(secret.into())).unwrap_err();
    assert_eq!(error.to_string(), "expected an integer (N) that fits u64, found a string (S)");
    let error = from_attribute_value::<bool>(AttributeValue::S(secret.into())).unwrap_err();
    assert!(!error.to_string().contains(secret), "{error}");
    let error = from_attribute_value::<Shape>(AttributeValue::S(secret.into())).unwrap_err();
    assert!(!error.to_string().contains(secret), "{error}");
    assert!(error.to_string().contains("unknown enum variant"), "{error}");
    let error = from_attribute_value::<u8>(AttributeValue::N("300".into())).unwrap_err();
    assert!(error.to_string().contains("fits u8"), "{error}");
    let error = from_attribute_value::<Inner>(AttributeValue::M(HashMap::new())).unwrap_err();
    assert_eq!(error.to_string(), "missing field `name`");
    let error =
        Number::deserialize(ValueDeserializer::new(AttributeValue::S(secret.into()))).unwrap_err();
    assert!(!error.to_string().contains(secret), "{error}");
}

#[test]
fn integers_read_from_any_exact_form() {
    assert_eq!(from_attribute_value::<u32>(AttributeValue::N("1E+3".into())).unwrap(), 1000);
    assert_eq!(from_attribute_value::<i32>(AttributeValue::N("-10.00".into())).unwrap(), -10);
    assert!(from_attribute_value::<i32>(AttributeValue::N("1.5".into())).is_err());
}

#[test]
fn unknown_fields_are_refused_without_quoting_their_names() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialized, to see the error")]
    struct Strict {
        name: String,
    }
    let secret = "hunter2-secret-key";
    let value = AttributeValue::M(HashMap::from([
        ("name".to_owned(), AttributeValue::S("a".into())),
        (secret.to_owned(), AttributeValue::Bool(true)),
    ]));
    let error = from_attribute_value::<Strict>(value).unwrap_err();
    assert_eq!(error.to_string(), "unknown field, expected one of `name`");
}

#[test]
fn a_text_that_is_not_a_number_is_an_invalid_number_error_not_a_configuration_error() {
    for (text, reason) in [
        ("1e200", "outside DynamoDB's range"),
        ("12.3.4", "not a valid DynamoDB number"),
        ("123456789012345678901234567890123456789", "38 significant digits"),
    ] {
        let error = text.parse::<Number>().unwrap_err();
        let Error::InvalidNumber { reason: found } = error else { panic!("{text}: {error:?}") };
        assert!(found.contains(reason), "{text}: {found}");
    }
}
