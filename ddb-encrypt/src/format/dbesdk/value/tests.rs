use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use hex_literal::hex;

use super::*;

fn serialized(value: &AttributeValue) -> Vec<u8> {
    let mut out = Vec::new();
    serialize(value, &mut out).unwrap();
    assert_eq!(out.len(), serialized_len(value).unwrap(), "serialized_len agrees");
    out
}

#[test]
fn numbers_take_the_official_normalized_form() {
    // Cases of the official implementation's number normalization.
    for (text, normal) in [
        ("0800.000e0", "800"),
        ("00.0011", "0.0011"),
        ("1.2300E-2", "0.0123"),
        ("-0", "0"),
        ("-0.000e5", "0"),
        ("1E3", "1000"),
        ("+12.50", "12.5"),
        ("1.0000000000000000000000000000000000001", "1.0000000000000000000000000000000000001"),
    ] {
        assert_eq!(serialized(&AttributeValue::N(text.into())), normal.as_bytes(), "{text}");
    }
    for refused in
        ["", "1e126", "1e-131", "1.2.3", "12345678901234567890123456789012345678.9", "NaN"]
    {
        let mut out = Vec::new();
        assert!(serialize(&AttributeValue::N(refused.into()), &mut out).is_err(), "{refused}");
    }
}

#[test]
fn strings_sort_by_utf16_code_units_not_code_points() {
    // U+1F600 is a surrogate pair (D83D DE00), which sorts before U+FB01 in UTF-16.
    assert_eq!(utf16_cmp("\u{1F600}", "\u{FB01}"), Ordering::Less);
    assert_eq!("\u{1F600}".cmp("\u{FB01}"), Ordering::Greater);
    let set = AttributeValue::Ss(vec!["\u{FB01}".into(), "\u{1F600}".into()]);
    let mut expected = hex!("00000002 00000004").to_vec();
    expected.extend_from_slice("\u{1F600}".as_bytes());
    expected.extend_from_slice(&hex!("00000003"));
    expected.extend_from_slice("\u{FB01}".as_bytes());
    assert_eq!(serialized(&set), expected);
    assert_eq!(utf16_len("a\u{1F600}é"), 4);
}

#[test]
fn nested_values_carry_type_ids_and_lengths() {
    let value = AttributeValue::M(HashMap::from([
        (
            "b".to_owned(),
            AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null(true)]),
        ),
        ("a".to_owned(), AttributeValue::N("1.0".into())),
    ]));
    let expected = hex!(
        "00000002"
        "0001 00000001 61 0002 00000001 31"
        "0001 00000001 62 0300 00000011 00000002 0004 00000001 01 0000 00000000"
    );
    assert_eq!(serialized(&value), expected);
    assert_eq!(
        deserialize(MAP, &expected).unwrap(),
        AttributeValue::M(HashMap::from([
            (
                "b".to_owned(),
                AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null(true)])
            ),
            ("a".to_owned(), AttributeValue::N("1".into())),
        ]))
    );
}

#[test]
fn sets_with_a_repeated_member_are_refused() {
    let mut out = Vec::new();
    let ns = AttributeValue::Ns(vec!["1".into(), "1.0".into()]);
    assert_eq!(serialize(&ns, &mut out), Err(SerializeError::Duplicate));
    let bs = AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![1])]);
    assert_eq!(serialize(&bs, &mut out), Err(SerializeError::Duplicate));
}

#[test]
fn malformed_bytes_are_refused_without_panicking() {
    for (type_id, bytes) in [
        (STRING, &b"\xff"[..]),
        (NUMBER, b"1e999"),
        (BOOLEAN, b"\x02"),
        (NULL, b"\x00"),
        (MAP, &hex!("00000001 0001 00000001 61 0002")[..]),
        (LIST, &hex!("ffffffff")[..]),
        (STRING_SET, &hex!("00000001 00000005 61")[..]),
        (STRING_SET, &hex!("00000002 00000001 61 00000001 61")[..]),
        (MAP, &hex!("00000001 0001 00000000 0000 00000000")[..]),
        ([9, 9], b""),
    ] {
        assert!(deserialize(type_id, bytes).is_err(), "{type_id:?} {bytes:?}");
    }
    // Nesting deeper than DynamoDB allows.
    let mut deep = AttributeValue::Null(true);
    for _ in 0..32 {
        deep = AttributeValue::L(vec![deep]);
    }
    let mut out = Vec::new();
    assert_eq!(serialize(&deep, &mut out), Err(SerializeError::TooDeep));
    // 31 levels below the top-level value are accepted, both ways.
    let AttributeValue::L(mut inner) = deep else { unreachable!() };
    let allowed = inner.pop().unwrap();
    let bytes = serialized(&allowed);
    assert_eq!(deserialize(LIST, &bytes).unwrap(), allowed);
}
