use hex_literal::hex;

use super::*;

/// `docs/legacy-format.md` 2.3, observed from the Python static provider.
const PYTHON_STATIC: &[u8] = &hex!(
    "00000000"
    "00000017 616d7a6e2d6464622d6d61702d7369676e696e67416c67"
    "0000000a 486d6163534841323536"
    "00000015 616d7a6e2d6464622d6d61702d73796d2d6d6f6465"
    "00000011 2f4342432f504b43533550616464696e67"
);

#[test]
fn worked_example_round_trips_byte_exact() {
    let (md, repeated) = MaterialDescription::from_bytes(PYTHON_STATIC).unwrap();
    assert!(!repeated);
    assert_eq!(md.get(keys::SIGNING_ALG), Some("HmacSHA256"));
    assert_eq!(md.get(keys::SYM_MODE), Some(sym_mode::CBC));
    assert_eq!(md.len(), 2);
    assert_eq!(md.to_bytes().unwrap(), PYTHON_STATIC);
}

#[test]
fn any_pair_order_and_repeated_keys() {
    // Java writes HashMap order: sym-mode before signingAlg here; and a repeated key.
    let mut bytes = hex!("00000000").to_vec();
    for (k, v) in [("z", "1"), ("a", "2"), ("z", "3")] {
        codec::put_lv(&mut bytes, k.as_bytes()).unwrap();
        codec::put_lv(&mut bytes, v.as_bytes()).unwrap();
    }
    let (md, repeated) = MaterialDescription::from_bytes(&bytes).unwrap();
    assert!(repeated);
    assert_eq!(md.get("z"), Some("3"));
    assert_eq!(md.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "z"]);
}

#[test]
fn java_static_description_decodes() {
    // as in the Java client's static AES/HMAC vector: only the sym-mode pair.
    let bytes = hex!(
        "00000000 00000015 616d7a6e2d6464622d6d61702d73796d2d6d6f6465"
        "00000011 2f4342432f504b43533550616464696e67"
    );
    let (md, _) = MaterialDescription::from_bytes(&bytes).unwrap();
    assert_eq!(md.get(keys::SYM_MODE), Some(sym_mode::CBC));
    assert_eq!(
        MaterialDescription::from_bytes(&hex!("00000000")).unwrap().0,
        MaterialDescription::new()
    );
}

#[test]
fn malformed_descriptions_are_errors() {
    let bad: &[&[u8]] = &[
        &[],
        &hex!("000000"),
        &hex!("00000001"),                         // unknown version
        &hex!("00000000 00000001 61"),             // key without value
        &hex!("00000000 00000001 61 00000005 62"), // value past the end
        &hex!("00000000 00000001 ff 00000000"),    // invalid UTF-8
        &hex!("00000000 00"),                      // truncated length
    ];
    for (index, bytes) in bad.iter().enumerate() {
        assert!(MaterialDescription::from_bytes(bytes).is_err(), "case {index}");
    }
}
