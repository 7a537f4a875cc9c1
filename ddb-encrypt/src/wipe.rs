//! Zeroizing the payloads of attribute values: plaintext that the library drops (a value it
//! has encrypted, what a typed read did not move into the struct) is wiped first.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use zeroize::Zeroize;

/// Wipes every string, number and byte buffer that `value` holds, nested ones included,
/// leaving it empty. Iterative: a deeply nested value cannot exhaust the stack.
pub(crate) fn value(value: &mut AttributeValue) {
    let mut nested = Vec::new();
    shallow(value, &mut nested);
    while let Some(mut value) = nested.pop() {
        shallow(&mut value, &mut nested);
    }
}

/// Wipes the names and values of `map`, leaving it empty.
pub(crate) fn map_entries(map: &mut HashMap<String, AttributeValue>) {
    let mut nested = Vec::with_capacity(map.len());
    for (mut name, value) in map.drain() {
        name.zeroize();
        nested.push(value);
    }
    while let Some(mut value) = nested.pop() {
        shallow(&mut value, &mut nested);
    }
}

/// Wipes the payloads of `value` itself and moves its elements (lists, maps) to `nested`.
fn shallow(value: &mut AttributeValue, nested: &mut Vec<AttributeValue>) {
    match value {
        AttributeValue::S(text) | AttributeValue::N(text) => text.zeroize(),
        AttributeValue::B(blob) => std::mem::take(blob).into_inner().zeroize(),
        AttributeValue::Ss(texts) | AttributeValue::Ns(texts) => {
            texts.iter_mut().for_each(Zeroize::zeroize);
            texts.clear();
        }
        AttributeValue::Bs(blobs) => blobs.drain(..).for_each(|blob| blob.into_inner().zeroize()),
        AttributeValue::L(values) => nested.append(values),
        AttributeValue::M(map) => {
            for (mut name, value) in map.drain() {
                name.zeroize();
                nested.push(value);
            }
        }
        _ => {}
    }
}
