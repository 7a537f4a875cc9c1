use hex_literal::hex;

use super::*;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

fn b(v: &[u8]) -> AttributeValue {
    AttributeValue::B(Blob::new(v))
}

fn ser(value: &AttributeValue) -> Vec<u8> {
    let mut out = Vec::new();
    serialize(value, NumberForm::Python, &mut out).unwrap();
    out
}

/// The worked bytes of `docs/legacy-format.md` section 1.5, produced by the Python package.
#[test]
fn worked_examples_serialize_byte_exact() {
    let map = AttributeValue::M(HashMap::from([
        ("b".to_owned(), n("2")),
        ("a".to_owned(), s("x")),
        ("\u{1F600}".to_owned(), AttributeValue::Bool(true)),
        ("\u{E000}".to_owned(), AttributeValue::Null(true)),
    ]));
    let cases: Vec<(AttributeValue, Vec<u8>)> = vec![
        (s("abc"), hex!("0073 00000003 616263").to_vec()),
        (s(""), hex!("0073 00000000").to_vec()),
        (s("hé€😀"), hex!("0073 0000000a 68 c3a9 e282ac f09f9880").to_vec()),
        (b(&[0, 1, 2]), hex!("0062 00000003 000102").to_vec()),
        (b(&[]), hex!("0062 00000000").to_vec()),
        (AttributeValue::Bool(true), hex!("003f 01").to_vec()),
        (AttributeValue::Bool(false), hex!("003f 00").to_vec()),
        (AttributeValue::Null(true), hex!("0000").to_vec()),
        (
            AttributeValue::Ss(vec!["b".into(), "a".into(), "😀".into(), "\u{e000}".into()]),
            hex!("0053 00000004 00000001 61 00000001 62 00000003 ee8080 00000004 f09f9880").to_vec(),
        ),
        (
            AttributeValue::Ns(vec!["10".into(), "9".into(), "-1".into(), "1.50".into(), "100".into()]),
            hex!("004e 00000005 00000002 2d31 00000003 312e35 00000002 3130 00000003 313030 00000001 39")
                .to_vec(),
        ),
        (
            AttributeValue::Bs(vec![
                Blob::new(vec![0x80]),
                Blob::new(vec![0x01]),
                Blob::new(vec![0x01, 0x00]),
                Blob::new(vec![0x7f]),
            ]),
            hex!("0042 00000004 00000001 01 00000002 0100 00000001 7f 00000001 80").to_vec(),
        ),
        (
            AttributeValue::L(vec![s("x"), n("1"), AttributeValue::Null(true)]),
            hex!("004c 00000003 0073 00000001 78 006e 00000001 31 0000").to_vec(),
        ),
        (AttributeValue::L(vec![]), hex!("004c 00000000").to_vec()),
        (AttributeValue::M(HashMap::new()), hex!("004d 00000000").to_vec()),
        (
            map,
            hex!(
                "004d 00000004"
                "0073 00000001 61 0073 00000001 78"
                "0073 00000001 62 006e 00000001 32"
                "0073 00000003 ee8080 0000"
                "0073 00000004 f09f9880 003f 01"
            )
            .to_vec(),
        ),
        (n("55.00"), hex!("006e00000002 3535").to_vec()),
        (n("-0.0100"), hex!("006e00000005 2d302e3031").to_vec()),
        (n("1E+5"), hex!("006e00000006 313030303030").to_vec()),
        (n("1.5e-3"), hex!("006e00000006 302e30303135").to_vec()),
        (n("0.000"), hex!("006e00000001 30").to_vec()),
        (n("-0"), hex!("006e00000002 2d30").to_vec()),
        (n("00012"), hex!("006e00000002 3132").to_vec()),
    ];
    for (index, (value, expected)) in cases.iter().enumerate() {
        assert_eq!(ser(value), *expected, "case {index}");
    }
}

#[test]
fn number_forms_differ_only_where_python_rounds() {
    let value = n("12345678901234567890123456789");
    let mut exact = Vec::new();
    serialize(&value, NumberForm::Exact, &mut exact).unwrap();
    assert_eq!(exact.get(6..), Some(&b"12345678901234567890123456789"[..]));
    assert_eq!(ser(&value).get(6..), Some(&b"12345678901234567890123456790"[..]));
    let mut zero = Vec::new();
    serialize(&n("-0"), NumberForm::Exact, &mut zero).unwrap();
    assert_eq!(zero, hex!("006e00000001 30"));
}

#[test]
fn deserialize_inverts_serialize() {
    let value = AttributeValue::M(HashMap::from([
        ("list".to_owned(), AttributeValue::L(vec![s("x"), n("1.5"), b(&[9, 8])])),
        ("ss".to_owned(), AttributeValue::Ss(vec!["a".into(), "b".into()])),
        ("ns".to_owned(), AttributeValue::Ns(vec!["1".into(), "2".into()])),
        ("bs".to_owned(), AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])])),
        ("t".to_owned(), AttributeValue::Bool(true)),
        ("null".to_owned(), AttributeValue::Null(true)),
        ("empty".to_owned(), AttributeValue::M(HashMap::new())),
    ]));
    let bytes = ser(&value);
    assert_eq!(deserialize(&bytes).unwrap(), value);
}

#[test]
fn unsupported_values_are_refused() {
    let mut out = Vec::new();
    assert_eq!(
        serialize(&AttributeValue::Null(false), NumberForm::Exact, &mut out),
        Err(SerializeError::Unsupported)
    );
    assert_eq!(
        serialize(&n("1e999"), NumberForm::Exact, &mut out),
        Err(SerializeError::Number(NumberError::OutOfRange))
    );
    let mut deep = s("x");
    for _ in 0..=MAX_DEPTH {
        deep = AttributeValue::L(vec![deep]);
    }
    assert_eq!(serialize(&deep, NumberForm::Exact, &mut out), Err(SerializeError::TooDeep));
}

#[test]
fn malformed_encodings_are_errors() {
    let bad: &[&[u8]] = &[
        &[],
        &hex!("00"),
        &hex!("01 73 00000000"),       // reserved byte not zero
        &hex!("00 7a"),                // unknown tag
        &hex!("00 73 00000004 6162"),  // length past the end
        &hex!("00 73 00000001 61 00"), // trailing byte
        &hex!("00 73 00000001 ff"),    // invalid UTF-8
        &hex!("00 3f 02"),             // BOOL other than 0/1
        &hex!("00 6e 00000001 78"),    // not a number
        &hex!("00 4c ffffffff"),       // count larger than the input
        &hex!("00 4d 00000001 0062 00000001 61 0000"), // map key not S
        &hex!("00 4d 00000002 0073 00000001 61 0000 0073 00000001 61 0000"), // repeated key
    ];
    for (index, bytes) in bad.iter().enumerate() {
        assert!(deserialize(bytes).is_err(), "case {index}");
    }
    let mut deep = Vec::new();
    for _ in 0..=MAX_DEPTH {
        deep.extend_from_slice(&hex!("004c 00000001"));
    }
    deep.extend_from_slice(&hex!("0000"));
    assert!(deserialize(&deep).is_err());
}

/// `deserialize_owned` agrees with `deserialize` on every input, valid or not, and takes the
/// buffer over exactly for top-level strings and binaries.
#[test]
fn deserialize_owned_agrees_with_deserialize() {
    let mut cases: Vec<Vec<u8>> =
        [s(""), s("grüße"), b(b""), b(&[0xff; 70]), n("1"), s("x")].iter().map(ser).collect();
    cases.push(ser(&AttributeValue::L(vec![s("a"), b(b"b")])));
    cases.push(hex!("0073 00000002 ff fe").to_vec()); // invalid UTF-8
    cases.push(hex!("0073 00000003 61 62").to_vec()); // short
    cases.push(hex!("0062 00000001 61 62").to_vec()); // trailing byte
    cases.push(hex!("0062 ffffffff").to_vec());
    cases.push(hex!("0062 0000").to_vec());
    cases.push(Vec::new());
    for case in cases {
        // Framed as a decrypted buffer: a prefix and a suffix around the plaintext.
        let mut buffer = [b"nonce".as_slice(), &case, b"tag"].concat();
        let range = 5..5 + case.len();
        let expected = deserialize(&case).ok();
        let got = deserialize_owned(&mut buffer, range).ok();
        assert_eq!(got, expected, "{case:02x?}");
        let taken = matches!(expected, Some(AttributeValue::S(_) | AttributeValue::B(_)));
        assert_eq!(buffer.is_empty(), taken, "{case:02x?}");
        if expected.is_some() && !taken {
            assert_eq!(buffer, [b"nonce".as_slice(), &case, b"tag"].concat(), "left as it was");
        }
    }
    let mut buffer = vec![0; 4];
    assert!(deserialize_owned(&mut buffer, 2..9).is_err(), "a range past the end");
}

#[test]
fn serialized_len_is_what_serialize_writes() {
    let values = [
        s("hé€😀"),
        b(&[0, 1, 2]),
        n("-0.0100"),
        n("1.5e-3"),
        n("12345678901234567890123456789"),
        n("-1.234567890123456789012345678E-130"),
        AttributeValue::Ss(vec!["b".into(), "a".into()]),
        AttributeValue::Ns(vec!["10".into(), "9E+3".into(), "-1".into()]),
        AttributeValue::Bs(vec![Blob::new(vec![0x80]), Blob::new(vec![])]),
        AttributeValue::Bool(false),
        AttributeValue::Null(true),
        AttributeValue::L(vec![s("x"), n("1E+5"), AttributeValue::L(vec![])]),
        AttributeValue::M(HashMap::from([
            ("a".to_owned(), AttributeValue::M(HashMap::from([("😀".to_owned(), n("2"))]))),
            ("b".to_owned(), AttributeValue::Ns(vec!["0.000".into()])),
        ])),
    ];
    for form in [NumberForm::Exact, NumberForm::Python] {
        for (index, value) in values.iter().enumerate() {
            let mut out = vec![0xaa; 3];
            serialize(value, form, &mut out).unwrap();
            assert_eq!(serialized_len(value, form), Ok(out.len() - 3), "{form:?} case {index}");
        }
    }
    let mut deep = s("x");
    for _ in 0..=MAX_DEPTH {
        deep = AttributeValue::L(vec![deep]);
    }
    let refused = [
        (AttributeValue::Null(false), SerializeError::Unsupported),
        (n("1e999"), SerializeError::Number(NumberError::OutOfRange)),
        (AttributeValue::L(vec![n("x")]), SerializeError::Number(NumberError::Syntax)),
        (deep, SerializeError::TooDeep),
    ];
    for (value, error) in refused {
        assert_eq!(serialized_len(&value, NumberForm::Exact), Err(error));
        assert_eq!(serialize(&value, NumberForm::Exact, &mut Vec::new()), Err(error));
    }
}
