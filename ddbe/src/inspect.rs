//! `ddbe inspect`: one item by its key. Its format, suite, keys and which attributes are
//! encrypted or signed, and whether it verifies; never a value.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use ddb_encrypt::format::describe;
use serde_json::json;

use crate::config::Config;
use crate::error::{Error, Result};

/// Parses `name=value`: a string, or `N:` a number, `B:` base64 bytes, `S:` a string that
/// starts with one of these.
pub(crate) fn key_part(text: &str) -> Result<(String, AttributeValue)> {
    let (name, value) =
        text.split_once('=').ok_or_else(|| Error::Usage(format!("`{text}` is not NAME=VALUE")))?;
    let value = if let Some(number) = value.strip_prefix("N:") {
        AttributeValue::N(number.to_owned())
    } else if let Some(bytes) = value.strip_prefix("B:") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(bytes)
            .map_err(|_| Error::Usage(format!("the value of `{name}` after B: is not base64")))?;
        AttributeValue::B(Blob::new(bytes))
    } else {
        AttributeValue::S(value.strip_prefix("S:").unwrap_or(value).to_owned())
    };
    Ok((name.to_owned(), value))
}

/// Returns whether the item verifies (or was not checked).
pub(crate) async fn run(
    config: &Config,
    key: Vec<String>,
    verify: bool,
    json: bool,
) -> Result<bool> {
    let key: HashMap<String, AttributeValue> =
        key.iter().map(|part| key_part(part)).collect::<Result<_>>()?;
    let clients = config.clients().await;
    let schema = config.schema()?;
    let table = &config.table.name;
    let output = clients
        .dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| Error::Aws {
            operation: "GetItem",
            table: table.clone(),
            message: aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
        })?;
    let Some(item) = output.item else {
        return Err(Error::Usage(format!("table `{table}` has no item with that key")));
    };
    let description = describe(&schema, &item);
    let verified = if verify {
        let encryptor = config.encryptor(&clients)?;
        Some(encryptor.decrypt_item(&schema, item).await.map(drop))
    } else {
        None
    };
    let ok = verified.as_ref().is_none_or(Result::is_ok);
    let verification = match &verified {
        None => "not checked".to_owned(),
        Some(Ok(())) => "verified".to_owned(),
        Some(Err(error)) => format!("FAILED: {error}"),
    };
    let report = match &description {
        Ok(d) => json!({
            "format": d.format.to_string(),
            "algorithm": d.algorithm,
            "keys": d.keys,
            "encrypted": d.encrypted,
            "signed": d.signed,
            "unprotected": d.unprotected,
            "verification": verification,
        }),
        Err(error) => {
            json!({ "envelope": format!("unreadable: {error}"), "verification": verification })
        }
    };
    if json {
        println!("{report}");
    } else if let Ok(d) = &description {
        println!("format:       {}", d.format);
        if let Some(algorithm) = &d.algorithm {
            println!("algorithm:    {algorithm}");
        }
        for key in &d.keys {
            println!("key:          {key}");
        }
        println!("encrypted:    {}", d.encrypted.join(", "));
        println!("signed:       {}", d.signed.join(", "));
        println!("unprotected:  {}", d.unprotected.join(", "));
        println!("verification: {verification}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_are_strings_unless_typed() {
        assert_eq!(key_part("id=acct-1").unwrap().1, AttributeValue::S("acct-1".into()));
        assert_eq!(key_part("n=N:42").unwrap().1, AttributeValue::N("42".into()));
        assert_eq!(key_part("s=S:N:42").unwrap().1, AttributeValue::S("N:42".into()));
        assert_eq!(key_part("b=B:AQI=").unwrap().1, AttributeValue::B(Blob::new(vec![1, 2])));
        assert!(key_part("no-equals").is_err());
        assert!(key_part("b=B:%%").is_err());
    }
}
