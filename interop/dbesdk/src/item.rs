//! DynamoDB JSON (the wire form of an item) to and from the SDK's `AttributeValue`, and the
//! comparison of a decrypted item with the expected plaintext.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

/// An item as the official SDK takes it.
pub type Item = HashMap<String, AttributeValue>;

/// Parses a DynamoDB JSON item.
pub fn from_json(item: &Map<String, Value>) -> Result<Item, String> {
    item.iter()
        .map(|(name, value)| Ok((name.clone(), value_from_json(value).map_err(|e| at(name, &e))?)))
        .collect()
}

/// Writes an item as DynamoDB JSON: the attributes named in `order` first, in that order, then
/// the others sorted by name.
pub fn to_json<'a>(item: &Item, order: impl IntoIterator<Item = &'a String>) -> Map<String, Value> {
    let mut names: Vec<&String> = order.into_iter().filter(|n| item.contains_key(*n)).collect();
    let mut rest: Vec<&String> = item.keys().filter(|n| !names.contains(n)).collect();
    rest.sort();
    names.extend(rest);
    names.into_iter().map(|n| (n.clone(), value_to_json(&item[n]))).collect()
}

fn value_from_json(value: &Value) -> Result<AttributeValue, String> {
    let (tag, inner) = match value.as_object() {
        Some(obj) if obj.len() == 1 => obj.iter().next().expect("one entry"),
        _ => return Err("expected an object with exactly one type key".into()),
    };
    let text = || inner.as_str().map(str::to_owned).ok_or(format!("{tag}: expected a string"));
    let strings = || -> Result<Vec<String>, String> {
        let list = inner.as_array().ok_or(format!("{tag}: expected an array"))?;
        list.iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or(format!("{tag}: expected strings")))
            .collect()
    };
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(text()?),
        "N" => AttributeValue::N(text()?),
        "B" => AttributeValue::B(blob(&text()?)?),
        "SS" => AttributeValue::Ss(strings()?),
        "NS" => AttributeValue::Ns(strings()?),
        "BS" => AttributeValue::Bs(strings()?.iter().map(|s| blob(s)).collect::<Result<_, _>>()?),
        "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or("BOOL: expected true or false")?),
        "NULL" if inner == &Value::Bool(true) => AttributeValue::Null(true),
        "M" => AttributeValue::M(from_json(inner.as_object().ok_or("M: expected an object")?)?),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .ok_or("L: expected an array")?
                .iter()
                .enumerate()
                .map(|(i, v)| value_from_json(v).map_err(|e| at(&format!("[{i}]"), &e)))
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(format!("unsupported type {other:?}")),
    })
}

fn value_to_json(value: &AttributeValue) -> Value {
    let b64 = |b: &Blob| Value::from(STANDARD.encode(b.as_ref()));
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Ss(ss) => json!({ "SS": ss }),
        AttributeValue::Ns(ns) => json!({ "NS": ns }),
        AttributeValue::Bs(bs) => json!({ "BS": bs.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(n) => json!({ "NULL": n }),
        AttributeValue::M(m) => json!({ "M": to_json(m, []) }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(value_to_json).collect::<Vec<_>>() }),
        _ => json!({ "UNKNOWN": true }),
    }
}

fn blob(text: &str) -> Result<Blob, String> {
    STANDARD.decode(text).map(Blob::new).map_err(|e| format!("bad base64: {e}"))
}

fn at(path: &str, error: &str) -> String {
    format!("{path}: {error}")
}

/// Compares a decrypted item with the expected one: sets as sets, numbers by their decimal
/// value, binary as bytes, maps and lists recursively. Returns the first difference.
pub fn compare(expected: &Item, actual: &Item) -> Result<(), String> {
    let mut names: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        match (expected.get(name), actual.get(name)) {
            (Some(e), Some(a)) => compare_value(e, a).map_err(|err| at(name, &err))?,
            (Some(_), None) => return Err(format!("{name}: missing from the decrypted item")),
            (None, Some(_)) => return Err(format!("{name}: unexpected in the decrypted item")),
            (None, None) => unreachable!(),
        }
    }
    Ok(())
}

fn compare_value(expected: &AttributeValue, actual: &AttributeValue) -> Result<(), String> {
    use AttributeValue as V;
    let same = match (expected, actual) {
        (V::S(e), V::S(a)) => e == a,
        (V::N(e), V::N(a)) => decimal(e)? == decimal(a)?,
        (V::B(e), V::B(a)) => e == a,
        (V::Bool(e), V::Bool(a)) | (V::Null(e), V::Null(a)) => e == a,
        (V::Ss(e), V::Ss(a)) => sorted(e.clone()) == sorted(a.clone()),
        (V::Ns(e), V::Ns(a)) => {
            let parse = |ns: &[String]| ns.iter().map(|n| decimal(n)).collect::<Result<_, _>>();
            sorted(parse(e)?) == sorted(parse(a)?)
        }
        (V::Bs(e), V::Bs(a)) => {
            let bytes = |bs: &[Blob]| bs.iter().map(|b| b.as_ref().to_vec()).collect();
            sorted(bytes(e)) == sorted(bytes(a))
        }
        (V::M(e), V::M(a)) => return compare(e, a),
        (V::L(e), V::L(a)) => {
            if e.len() != a.len() {
                return Err(format!("list of {} elements, expected {}", a.len(), e.len()));
            }
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                compare_value(e, a).map_err(|err| at(&format!("[{i}]"), &err))?;
            }
            true
        }
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(format!("got {}, expected {}", value_to_json(actual), value_to_json(expected)))
    }
}

fn sorted<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort();
    values
}

/// A number's exact value: (negative, significant digits, exponent), the value being
/// `±digits × 10^exponent`, with no leading or trailing zero in `digits`; zero is
/// `(false, "", 0)` whatever its sign or spelling.
fn decimal(text: &str) -> Result<(bool, String, i64), String> {
    let bad = || format!("not a number: {text:?}");
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().map_err(|_| bad())?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return Err(bad());
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Ok((false, String::new(), 0));
    }
    let trailing = i64::try_from(digits.len() - significant.len()).map_err(|_| bad())?;
    let frac_len = i64::try_from(frac.len()).map_err(|_| bad())?;
    let exponent = exponent.checked_sub(frac_len).and_then(|e| e.checked_add(trailing));
    Ok((negative, significant.to_owned(), exponent.ok_or_else(bad)?))
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimals_compare_by_value() {
        let same = [
            ("0800.000e0", "800"),
            ("-0.0", "0"),
            ("0", "0e99"),
            ("1.2300E-2", "0.0123"),
            ("1E+2", "100"),
            ("+5", "5.0"),
            (".5", "0.5"),
            ("5.", "5"),
        ];
        for (a, b) in same {
            assert_eq!(decimal(a).unwrap(), decimal(b).unwrap(), "{a} vs {b}");
        }
        assert_ne!(decimal("-1").unwrap(), decimal("1").unwrap());
        assert_ne!(decimal("1e2").unwrap(), decimal("1e3").unwrap());
        for bad in ["", "-", ".", "e1", "1e", "1x", "--1", "1.2.3", "NaN"] {
            assert!(decimal(bad).is_err(), "{bad}");
        }
    }
}
