//! The codecs against 100,000 random and 100,000 mutated inputs each: errors, never panics;
//! and the canonical serialization round-trips and ignores set and map order.

use std::collections::HashMap;

use ddb_encrypt::__fuzz::{
    canonical_number, decode_material_description, deserialize_attribute,
    encode_material_description, serialize_attribute,
};
use ddb_encrypt::AttributeValue;
use ddb_encrypt::provider::MaterialDescription;
use ddb_encrypt_dev::json::{Numbers, canonical_item};
use ddb_encrypt_dev::strategies::{attribute_value, number};
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;
use proptest::test_runner::Config;

const CASES: u32 = 100_000;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Flips, overwrites, inserts, deletes or truncates at pseudo-random positions.
fn mutate(mut bytes: Vec<u8>, mutations: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(position, byte, kind) in mutations {
        let at = if bytes.is_empty() { 0 } else { position % bytes.len() };
        match kind {
            0 if !bytes.is_empty() => bytes[at] ^= byte | 1,
            1 if !bytes.is_empty() => bytes[at] = byte,
            2 => bytes.insert(at, byte),
            3 if !bytes.is_empty() => {
                bytes.remove(at);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

fn mutations() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    vec((any::<usize>(), any::<u8>(), 0u8..5), 1..4)
}

/// Random bytes, half of them behind a valid type header so that decoding gets past it.
fn random_encoding() -> impl Strategy<Value = Vec<u8>> {
    let tags = prop::sample::select(&b"snbSNB?LM\x00x"[..]);
    (any::<bool>(), tags, vec(any::<u8>(), 0..48)).prop_map(|(header, tag, mut body)| {
        if header {
            body.splice(0..0, [0, tag]);
        }
        body
    })
}

fn single(value: AttributeValue) -> HashMap<String, AttributeValue> {
    HashMap::from([("v".to_owned(), value)])
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn attribute_decoder_survives_random_input(bytes in random_encoding()) {
        let _ = deserialize_attribute(&bytes);
    }

    #[test]
    fn attribute_decoder_survives_mutated_input(value in attribute_value(3), mutations in mutations()) {
        let bytes = serialize_attribute(&value, false).expect("generated values serialize");
        let _ = deserialize_attribute(&mutate(bytes, &mutations));
    }

    #[test]
    fn description_decoder_survives_random_input(bytes in vec(any::<u8>(), 0..64), prefix in any::<bool>()) {
        let bytes = if prefix { [&[0, 0, 0, 0][..], &bytes].concat() } else { bytes };
        let _ = decode_material_description(&bytes);
    }

    #[test]
    fn description_decoder_survives_mutated_input(
        entries in hash_map("\\PC{0,12}", "\\PC{0,24}", 0..6),
        mutations in mutations(),
    ) {
        let md: MaterialDescription = entries.into_iter().collect();
        let bytes = encode_material_description(&md).expect("small descriptions encode");
        let _ = decode_material_description(&mutate(bytes, &mutations));
    }

    #[test]
    fn number_canonicalization_survives_random_input(text in "[-+0-9.eE]{0,48}") {
        // The exact form is a fixed point. (The Python form is not: `1E+38` becomes 39 written
        // digits, which Python itself refuses to read back.)
        if let Some(canonical) = canonical_number(&text, false) {
            prop_assert_eq!(canonical_number(&canonical, false), Some(canonical.clone()));
        }
        let _ = canonical_number(&text, true);
    }

    #[test]
    fn number_canonicalization_survives_mutated_input(text in number(), mutations in mutations()) {
        let mutated = mutate(text.into_bytes(), &mutations);
        if let Ok(text) = String::from_utf8(mutated) {
            let _ = canonical_number(&text, false);
            let _ = canonical_number(&text, true);
        }
    }
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn serialization_round_trips(value in attribute_value(4)) {
        let bytes = serialize_attribute(&value, false).expect("generated values serialize");
        let decoded = deserialize_attribute(&bytes).expect("own output decodes");
        prop_assert_eq!(
            canonical_item(&single(decoded), Numbers::Exact),
            canonical_item(&single(value), Numbers::Exact)
        );
    }

    #[test]
    fn serialization_ignores_set_and_map_order(value in attribute_value(3)) {
        let reordered = reverse_sets(&value);
        for python in [false, true] {
            prop_assert_eq!(serialize_attribute(&value, python), serialize_attribute(&reordered, python));
        }
    }
}

/// The same value with every set's members reversed and every map rebuilt in reverse
/// insertion order.
fn reverse_sets(value: &AttributeValue) -> AttributeValue {
    match value {
        AttributeValue::Ss(v) => AttributeValue::Ss(v.iter().rev().cloned().collect()),
        AttributeValue::Ns(v) => AttributeValue::Ns(v.iter().rev().cloned().collect()),
        AttributeValue::Bs(v) => AttributeValue::Bs(v.iter().rev().cloned().collect()),
        AttributeValue::L(v) => AttributeValue::L(v.iter().map(reverse_sets).collect()),
        AttributeValue::M(m) => {
            let mut entries: Vec<_> = m.iter().collect();
            entries.sort_by(|a, b| b.0.cmp(a.0));
            AttributeValue::M(
                entries.into_iter().map(|(k, v)| (k.clone(), reverse_sets(v))).collect(),
            )
        }
        other => other.clone(),
    }
}
