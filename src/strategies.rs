//! proptest strategies for attribute values and items.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;

/// Number text in DynamoDB syntax: sign, up to 38 significant digits with leading and trailing
/// zeros, optional fraction and exponent, within DynamoDB's range.
pub fn number() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        "[1-9][0-9]{0,37}",
        0usize..3,
        0usize..3,
        -90i32..=80,
        prop_oneof![Just(0u8), Just(1), Just(2)],
    )
        .prop_map(|(negative, digits, leading, trailing, exponent, style)| {
            let sign = if negative { "-" } else { "" };
            let zeros = |n| "0".repeat(n);
            match style {
                0 => format!("{sign}{}{digits}{}", zeros(leading), zeros(trailing)),
                1 => {
                    let split = digits.len() / 2;
                    let (int, frac) = digits.split_at(split);
                    let int = if int.is_empty() { "0" } else { int };
                    format!("{sign}{int}.{frac}{}", zeros(trailing))
                }
                _ => format!("{sign}{digits}E{exponent:+}"),
            }
        })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,8}",
        "\\PC{0,12}",
        Just(String::new()),
        Just("\u{e000}".to_owned()),
        Just("😀".to_owned())
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..24)
}

/// The members of `members` whose `key` has not been seen before, in order: set members are
/// distinct in DynamoDB (numbers by value: `1` and `1.0` are one member), and the DB-ESDK
/// format refuses a set that repeats one.
fn distinct<T, K: Ord>(members: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut seen = BTreeSet::new();
    members.into_iter().filter(|member| seen.insert(key(member))).collect()
}

/// Any attribute value, nested up to `depth` levels of lists and maps; sets hold distinct
/// members.
pub fn attribute_value(depth: u32) -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        text().prop_map(AttributeValue::S),
        number().prop_map(AttributeValue::N),
        bytes().prop_map(|b| AttributeValue::B(Blob::new(b))),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null(true)),
        vec(text(), 1..5).prop_map(|v| AttributeValue::Ss(distinct(v, Clone::clone))),
        vec(number(), 1..5).prop_map(|v| {
            AttributeValue::Ns(distinct(v, |n| ddb_encrypt::__fuzz::canonical_number(n, false)))
        }),
        vec(bytes(), 1..5).prop_map(|v| {
            AttributeValue::Bs(distinct(v, Clone::clone).into_iter().map(Blob::new).collect())
        }),
    ];
    leaf.prop_recursive(depth, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(AttributeValue::L),
            hash_map(text(), inner, 0..6).prop_map(AttributeValue::M),
        ]
    })
}

/// An item of up to `max` attributes with names that are not reserved.
pub fn item(max: usize) -> impl Strategy<Value = HashMap<String, AttributeValue>> {
    hash_map("[a-zA-Z0-9_é😀-]{1,10}", attribute_value(3), 0..max)
}
