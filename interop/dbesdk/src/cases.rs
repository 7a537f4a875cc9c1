//! The cases that `generate` encrypts with the official SDK.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::vector::{Action, AttributeActions, Keyring, Vector};

const NAMESPACE: &str = "dbesdk-interop";
const KEY_256: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
const KEY_192: &str = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7";
const KEY_128: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";

use Action::{
    DoNothing as Nothing, EncryptAndSign as Encrypt, SignAndIncludeInEncryptionContext as Include,
    SignOnly as Sign,
};

/// Every case, with an empty `encrypted_item`.
pub fn all() -> Vec<Vector> {
    let mut cases = Vec::new();
    for suite in ["0x6700", "0x6701"] {
        cases.extend(
            [order(), unicode_names(), sign_and_include(), do_nothing(), binary_key()].map(
                |mut case| {
                    case.name = format!("{}-{}", case.name, &suite[2..]);
                    case.algorithm_suite = suite.into();
                    case
                },
            ),
        );
    }
    for (bits, key) in [(128, KEY_128), (192, KEY_192)] {
        let mut case = new(
            &format!("raw-aes-{bits}-6701"),
            &format!("Raw AES keyring with a {bits}-bit wrapping key"),
            ("keys", "pk", Some("sk")),
            (Some(Encrypt), &[("pk", Sign), ("sk", Sign)]),
            json!({
                "pk": {"S": format!("aes-{bits}")},
                "sk": {"S": "v1"},
                "secret": {"S": "wrapped with a short key"},
                "count": {"N": "7"}
            }),
        );
        case.algorithm_suite = "0x6701".into();
        case.keyring = Keyring::raw_aes(NAMESPACE, &format!("aes-{bits}-key"), key);
        cases.push(case);
    }
    cases
}

fn order() -> Vector {
    new(
        "order",
        "All ten attribute types, nesting, numbers to normalize, non-BMP set members",
        ("orders", "order_id", Some("line")),
        (
            Some(Encrypt),
            &[
                ("order_id", Sign),
                ("line", Sign),
                ("rate", Sign),
                ("cancelled", Sign),
                ("prices", Sign),
                ("history", Sign),
            ],
        ),
        json!({
            "order_id": {"S": "ORD-2024-0001"},
            "line": {"N": "42"},
            "customer": {"S": "Zoë Ünal 😀"},
            "total": {"N": "0800.000e0"},
            "discount": {"N": "-0.0"},
            "rate": {"N": "1.2300E-2"},
            "tiny": {"N": "1E-130"},
            "huge": {"N": "9.9999999999999999999999999999999999999E+125"},
            "small_exp": {"N": "-12.5e-20"},
            "receipt": b(&[0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x80, 0x7f]),
            "gift": {"BOOL": true},
            "cancelled": {"BOOL": false},
            "coupon": {"NULL": true},
            "tags": {"SS": ["\u{FB01}", "\u{1F600}", "zebra", "Äpfel", "\u{FF5A}", "a"]},
            "quantities": {"NS": ["3", "-1.50", "1E2", "0.0010"]},
            "prices": {"NS": ["19.99", "0005", "2.5e1"]},
            "attachments": bs(&[&[0xff, 0x00], &[0x00], &[0x01, 0x02, 0x03], &[0x80]]),
            "shipping": {"M": {
                "address": {"M": {
                    "street": {"S": "1 Rue de l’Église"},
                    "zip": {"N": "075001"}
                }},
                "items": {"L": [
                    {"M": {"sku": {"S": "A-1"}, "qty": {"N": "2"}, "options": {"L": [
                        {"M": {"color": {"S": "红"}, "size": {"N": "10.50"}}},
                        {"SS": ["\u{1F600}", "\u{FB01}"]}
                    ]}}},
                    {"M": {"sku": {"S": "B-2"}, "qty": {"N": "1e0"}, "gift_wrap": {"BOOL": false}}}
                ]},
                "notes": {"NULL": true}
            }},
            "history": {"L": [
                {"S": "created"},
                {"N": "-0.000"},
                {"BOOL": true},
                {"NULL": true},
                {"L": [{"N": "1"}, {"L": []}]},
                {"M": {"by": {"S": "système"}, "at": {"N": "1700000000"}}},
                {"NS": ["1", "10", "2"]},
                b(&[]),
                {"M": {}}
            ]}
        }),
    )
}

fn unicode_names() -> Vector {
    new(
        "unicode-names",
        "Non-ASCII and non-BMP attribute names, of different UTF-8 and UTF-16 lengths",
        ("unicode", "名前", None),
        (
            None,
            &[
                ("名前", Sign),
                ("é", Encrypt),
                ("😀", Encrypt),
                ("a😀", Sign),
                ("\u{FB01}x", Encrypt),
                ("z", Sign),
                ("Ω\u{10348}", Encrypt),
            ],
        ),
        json!({
            "名前": {"S": "山田"},
            "é": {"S": "accent"},
            "😀": {"N": "1"},
            "a😀": {"S": "sign only"},
            "\u{FB01}x": {"M": {"😀": {"S": "nested"}, "é": {"BOOL": true}}},
            "z": {"SS": ["\u{1F600}", "\u{FB01}"]},
            "Ω\u{10348}": {"L": [{"S": "\u{10348}"}]}
        }),
    )
}

fn sign_and_include() -> Vector {
    new(
        "sign-and-include",
        "Keys and one attribute of each scalar type SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT",
        ("events", "tenant", Some("seq")),
        (
            Some(Encrypt),
            &[
                ("tenant", Include),
                ("seq", Include),
                ("region", Include),
                ("version", Include),
                ("active", Include),
                ("deleted", Include),
                ("fingerprint", Include),
                ("audited", Sign),
            ],
        ),
        json!({
            "tenant": {"S": "acme-ünïcode"},
            "seq": {"N": "0017"},
            "region": {"S": "eu-west-1"},
            "version": {"N": "01.50"},
            "active": {"BOOL": true},
            "deleted": {"NULL": true},
            "fingerprint": b(&[0xde, 0xad, 0xbe, 0xef, 0x00]),
            "audited": {"BOOL": false},
            "payload": {"S": "secret payload"},
            "amount": {"N": "-3.14"},
            "meta": {"M": {"k": {"S": "v"}}}
        }),
    )
}

fn do_nothing() -> Vector {
    let mut case = new(
        "do-nothing",
        "DO_NOTHING attributes, allowed by name and by prefix",
        ("sessions", "session_id", Some("created")),
        (
            Some(Encrypt),
            &[
                ("session_id", Sign),
                ("created", Sign),
                ("token_hash", Sign),
                ("last_seen", Nothing),
                ("ttl", Nothing),
                (":cache", Nothing),
            ],
        ),
        json!({
            "session_id": {"S": "s-123"},
            "created": {"N": "1700000000"},
            "user": {"S": "alice"},
            "token_hash": b(&[1, 2, 3, 4]),
            "last_seen": {"N": "1700000999"},
            "ttl": {"N": "1800000000"},
            ":cache": {"M": {"hits": {"N": "3"}, "warm": {"BOOL": true}}}
        }),
    );
    case.allowed_unsigned_attributes = Some(vec!["last_seen".into(), "ttl".into()]);
    case.allowed_unsigned_attribute_prefix = Some(":".into());
    case
}

fn binary_key() -> Vector {
    new(
        "binary-key",
        "A binary partition key and no sort key",
        ("blobs", "digest", None),
        (Some(Encrypt), &[("digest", Sign), ("size", Sign)]),
        json!({
            "digest": b(&[0x00, 0xff, 0x10, 0x80, 0x7f, 0x01]),
            "content": b(b"hello, world\n"),
            "size": {"N": "13"},
            "mime": {"S": "text/plain"}
        }),
    )
}

type Actions<'a> = (Option<Action>, &'a [(&'a str, Action)]);

fn new(
    name: &str,
    description: &str,
    (table, partition_key, sort_key): (&str, &str, Option<&str>),
    (default, overrides): Actions<'_>,
    item: Value,
) -> Vector {
    let Value::Object(plaintext_item) = item else { unreachable!("items are objects") };
    Vector {
        name: name.into(),
        description: Some(description.into()),
        format: "dbesdk".into(),
        table_name: table.into(),
        partition_key_name: partition_key.into(),
        sort_key_name: sort_key.map(Into::into),
        attribute_actions: AttributeActions {
            default,
            overrides: overrides
                .iter()
                .map(|(n, a)| ((*n).to_owned(), *a))
                .collect::<BTreeMap<_, _>>(),
        },
        allowed_unsigned_attributes: None,
        allowed_unsigned_attribute_prefix: None,
        algorithm_suite: String::new(),
        keyring: Keyring::raw_aes(NAMESPACE, "aes-256-key", KEY_256),
        plaintext_item,
        encrypted_item: Map::new(),
    }
}

fn b(bytes: &[u8]) -> Value {
    json!({ "B": STANDARD.encode(bytes) })
}

fn bs(members: &[&[u8]]) -> Value {
    json!({ "BS": members.iter().map(|m| STANDARD.encode(m)).collect::<Vec<_>>() })
}
