//! Known answers from the official implementation's beacon tests: under the HMAC key `[1, 2]`
//! directly, and under the literal beacon key `[1, 2, 3, 4, 5]` through the per-name key
//! derivation.

use hex_literal::hex;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha384;

use super::*;

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

fn literal_key() -> BeaconKey {
    BeaconKey::new(&[1, 2, 3, 4, 5]).unwrap()
}

#[test]
fn the_hmac_under_a_given_key_and_its_low_bits_match_the_official_values() {
    let mut mac = <Hmac<Sha384>>::new_from_slice(&[1, 2]).unwrap();
    mac.update(&[1, 2, 3]);
    assert_eq!(mac.finalize().into_bytes()[..8], hex!("2793938b26e9527e"));

    let hasher = Hasher::from_hmac_key(&[1, 2], 8);
    assert_eq!(hasher.hash(&[1, 2, 3]), "7e");
    assert_eq!(hasher.hash(&[]), "80");
    assert_eq!(hasher.hash(b"123"), "61");
}

#[test]
fn beacons_under_the_literal_key_match_the_official_values() {
    let cases = [
        ("std2", AttributeValue::N("1.23".into()), 24, "ac6f5d"),
        ("Name", s("MyName"), 32, "7d9bfa40"),
        ("Title", s("MyTitle"), 32, "e4feb833"),
        ("std4", s("abc"), 24, "0e9064"),
        ("std6", s("666"), 26, "2d99222"),
        ("NameTitleField", s("MyName__mytitle"), 28, "4c577d7"),
        ("Name", s(""), 32, "e0e88994"),
        ("Title", s(""), 32, "af34f26f"),
    ];
    for (name, value, length, expected) in cases {
        let beacon = StandardBeacon::new(name, length).unwrap();
        assert_eq!(beacon.hash(&literal_key(), &value).unwrap(), expected, "beacon {name}");
    }
}

#[test]
fn numbers_are_hashed_in_their_canonical_form() {
    let beacon = StandardBeacon::new("std2", 24).unwrap();
    let padded = AttributeValue::N("000001.23000000".into());
    assert_eq!(beacon.hash(&literal_key(), &padded).unwrap(), "ac6f5d");
}

#[test]
fn a_beacon_has_as_many_hex_digits_as_its_length_needs_and_no_more_bits() {
    let key = literal_key();
    for length in 1..=63u8 {
        let beacon = StandardBeacon::new("email", length).unwrap();
        let text = beacon.hash(&key, &s("ada@example.com")).unwrap();
        assert_eq!(text.len(), usize::from(length).div_ceil(4), "length {length}");
        let bits = u64::from_str_radix(&text, 16).unwrap();
        assert!(bits < 1 << length, "length {length}: {text}");
        assert_eq!(text, text.to_lowercase());
    }
}

#[test]
fn each_name_has_its_own_key() {
    let key = literal_key();
    let value = s("ada@example.com");
    let email = StandardBeacon::new("email", 63).unwrap().hash(&key, &value).unwrap();
    let backup = StandardBeacon::new("backup_email", 63).unwrap().hash(&key, &value).unwrap();
    assert_ne!(email, backup);
    let other_key = BeaconKey::new(&[1, 2, 3, 4, 6]).unwrap();
    let rekeyed = StandardBeacon::new("email", 63).unwrap().hash(&other_key, &value).unwrap();
    assert_ne!(email, rekeyed);
}

#[test]
fn lengths_outside_1_to_63_bits_and_empty_names_are_refused() {
    for length in [0, 64, 255] {
        let error = StandardBeacon::new("email", length).unwrap_err();
        assert!(error.to_string().contains("1 to 63 bits"), "{error}");
    }
    assert!(StandardBeacon::new("", 16).is_err());
    assert!(StandardBeacon::new("x".repeat(246), 16).is_err());
    assert!(StandardBeacon::new("x".repeat(245), 16).is_ok());
    assert!(BeaconKey::new(&[]).is_err());
}

#[test]
fn a_beacon_key_shows_nothing_in_debug() {
    let key = BeaconKey::new(&[0xab; 32]).unwrap();
    assert_eq!(format!("{key:?}"), "BeaconKey(..)");
}
