//! DynamoDB JSON (`{"S": "x"}`, `{"B": "<base64>"}`, ...) to and from `AttributeValue`, and the
//! canonical form used to compare items.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

/// An item: attribute names to values.
pub type Item = HashMap<String, AttributeValue>;

/// Parses a DynamoDB JSON item (an object of typed values).
///
/// # Errors
///
/// A message naming the attribute whose value is malformed.
pub fn item_from_json(value: &Value) -> Result<Item, String> {
    let object = value.as_object().ok_or("an item must be a JSON object")?;
    object
        .iter()
        .map(|(name, v)| {
            Ok((name.clone(), value_from_json(v).map_err(|e| format!("attribute `{name}`: {e}"))?))
        })
        .collect()
}

/// Parses one DynamoDB JSON value.
///
/// # Errors
///
/// A message saying what is malformed.
pub fn value_from_json(value: &Value) -> Result<AttributeValue, String> {
    let object = value
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or("a value must be an object with one type key")?;
    let (tag, inner) = object.iter().next().ok_or("empty value")?;
    let text =
        |v: &Value| v.as_str().map(str::to_owned).ok_or_else(|| format!("{tag} needs a string"));
    let binary = |v: &Value| {
        let encoded = v.as_str().ok_or_else(|| format!("{tag} needs base64 text"))?;
        BASE64.decode(encoded).map(Blob::new).map_err(|e| format!("invalid base64 in {tag}: {e}"))
    };
    let list = |v: &Value| v.as_array().cloned().ok_or_else(|| format!("{tag} needs an array"));
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(text(inner)?),
        "N" => AttributeValue::N(number_text(inner)?),
        "B" => AttributeValue::B(binary(inner)?),
        "SS" => AttributeValue::Ss(list(inner)?.iter().map(text).collect::<Result<_, _>>()?),
        "NS" => AttributeValue::Ns(list(inner)?.iter().map(number_text).collect::<Result<_, _>>()?),
        "BS" => AttributeValue::Bs(list(inner)?.iter().map(binary).collect::<Result<_, _>>()?),
        "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or("BOOL needs true or false")?),
        "NULL" => AttributeValue::Null(inner.as_bool().ok_or("NULL needs true")?),
        "L" => {
            AttributeValue::L(list(inner)?.iter().map(value_from_json).collect::<Result<_, _>>()?)
        }
        "M" => AttributeValue::M(item_from_json(inner)?),
        other => return Err(format!("unknown type `{other}`")),
    })
}

/// DynamoDB JSON writes numbers as strings; accept bare JSON numbers too.
fn number_text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err("N needs a string".into()),
    }
}

/// Writes an item as DynamoDB JSON.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect::<Map<_, _>>())
}

/// Writes one value as DynamoDB JSON.
pub fn value_to_json(value: &AttributeValue) -> Value {
    let b64 = |b: &Blob| Value::String(BASE64.encode(b.as_ref()));
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => json!({ "BS": v.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::L(v) => json!({ "L": v.iter().map(value_to_json).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": item_to_json(m) }),
        _ => json!({ "UNKNOWN": null }),
    }
}

/// How numbers are put in canonical form before items are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// Exact, as the DB-ESDK format serializes numbers: `1.50` equals `1.5`, nothing is
    /// rounded.
    Exact,
    /// The Python client's 28-digit form (`docs/legacy-format.md` 1.2), which a legacy writer may have
    /// applied to the values it encrypted.
    Python,
}

/// The canonical form of an item for comparisons: numbers canonical, set members sorted.
pub fn canonical_item(item: &Item, numbers: Numbers) -> Item {
    item.iter().map(|(k, v)| (k.clone(), canonical_value(v, numbers))).collect()
}

fn canonical_number(text: &str, numbers: Numbers) -> String {
    ddb_encrypt::__fuzz::canonical_number(text, numbers == Numbers::Python)
        .unwrap_or_else(|| text.to_owned())
}

fn canonical_value(value: &AttributeValue, numbers: Numbers) -> AttributeValue {
    match value {
        AttributeValue::N(n) => AttributeValue::N(canonical_number(n, numbers)),
        AttributeValue::Ss(v) => {
            let mut v = v.clone();
            v.sort();
            AttributeValue::Ss(v)
        }
        AttributeValue::Ns(v) => {
            let mut v: Vec<_> = v.iter().map(|n| canonical_number(n, numbers)).collect();
            v.sort();
            AttributeValue::Ns(v)
        }
        AttributeValue::Bs(v) => {
            let mut v = v.clone();
            v.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
            AttributeValue::Bs(v)
        }
        AttributeValue::L(v) => {
            AttributeValue::L(v.iter().map(|x| canonical_value(x, numbers)).collect())
        }
        AttributeValue::M(m) => AttributeValue::M(canonical_item(m, numbers)),
        other => other.clone(),
    }
}
