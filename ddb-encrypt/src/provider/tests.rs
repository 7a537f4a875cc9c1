use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::EncryptionContext;
use crate::material_description::MaterialDescription;

#[test]
fn an_encryption_context_shows_names_but_never_values() {
    let item = HashMap::from([
        ("id".to_owned(), AttributeValue::S("u-1".into())),
        ("email".to_owned(), AttributeValue::S("ada@example.com".into())),
        ("pin".to_owned(), AttributeValue::N("4711".into())),
    ]);
    let mut md = MaterialDescription::new();
    md.insert("amzn-ddb-env-key", "d3JhcHBlZA==");
    let context = EncryptionContext {
        table_name: Some("Users"),
        partition_key_name: Some("id"),
        sort_key_name: None,
        item: &item,
        material_description: &md,
    };
    let shown = format!("{context:?}");
    for name in ["Users", "\"id\"", "\"email\"", "\"pin\"", "amzn-ddb-env-key"] {
        assert!(shown.contains(name), "{name} missing from {shown}");
    }
    for value in ["u-1", "ada@example.com", "4711", "d3JhcHBlZA=="] {
        assert!(!shown.contains(value), "{value} shown in {shown}");
    }
}
