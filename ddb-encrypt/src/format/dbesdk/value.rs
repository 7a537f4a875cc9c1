//! Attribute values as the DB-ESDK serializes them (`docs/dbesdk-format.md`, section 3): what is
//! encrypted, signed, and put into the encryption context.
//!
//! A top-level value is written without its type, which travels beside it as a two-byte type id.
//! Sets and map keys are sorted by UTF-16 code units (the official implementation's string
//! order), numbers take the exact canonical form.
#![warn(clippy::indexing_slicing, clippy::cast_possible_truncation)]

use std::cmp::Ordering;
use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::attribute::{NumberForm, NumberText, SerializeError};
use crate::codec::{self, DecodeError, Reader};
use crate::number::{self, Decimal};

/// A two-byte type id.
pub(crate) type TypeId = [u8; 2];

pub(crate) const NULL: TypeId = [0x00, 0x00];
pub(crate) const STRING: TypeId = [0x00, 0x01];
pub(crate) const NUMBER: TypeId = [0x00, 0x02];
pub(crate) const BOOLEAN: TypeId = [0x00, 0x04];
pub(crate) const BINARY: TypeId = [0xff, 0xff];
const STRING_SET: TypeId = [0x01, 0x01];
const NUMBER_SET: TypeId = [0x01, 0x02];
const BINARY_SET: TypeId = [0x01, 0xff];
const MAP: TypeId = [0x02, 0x00];
const LIST: TypeId = [0x03, 0x00];

/// Deepest nesting of lists and maps below a top-level value: the official implementation
/// allows 32 levels counting the top-level value.
const MAX_DEPTH: usize = 31;
/// Most elements a decoded list or map reserves room for before they are read.
const MAX_PREALLOCATED: usize = 64;

/// The type id of `value`.
pub(crate) fn type_id(value: &AttributeValue) -> Result<TypeId, SerializeError> {
    Ok(match value {
        AttributeValue::Null(true) => NULL,
        AttributeValue::S(_) => STRING,
        AttributeValue::N(_) => NUMBER,
        AttributeValue::Bool(_) => BOOLEAN,
        AttributeValue::B(_) => BINARY,
        AttributeValue::Ss(_) => STRING_SET,
        AttributeValue::Ns(_) => NUMBER_SET,
        AttributeValue::Bs(_) => BINARY_SET,
        AttributeValue::M(_) => MAP,
        AttributeValue::L(_) => LIST,
        _ => return Err(SerializeError::Unsupported),
    })
}

/// Appends the serialization of `value` (without its type id) to `out`.
pub(crate) fn serialize(value: &AttributeValue, out: &mut Vec<u8>) -> Result<(), SerializeError> {
    serialize_at(value, out, 0)
}

fn serialize_at(
    value: &AttributeValue,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), SerializeError> {
    if depth > MAX_DEPTH {
        return Err(SerializeError::TooDeep);
    }
    match value {
        AttributeValue::Null(true) => {}
        AttributeValue::S(s) => out.extend_from_slice(s.as_bytes()),
        AttributeValue::N(n) => number::canonical_exact(n, out)?,
        AttributeValue::Bool(b) => out.push(u8::from(*b)),
        AttributeValue::B(b) => out.extend_from_slice(b.as_ref()),
        AttributeValue::Ss(members) => {
            let mut sorted: Vec<&str> = members.iter().map(String::as_str).collect();
            sorted.sort_unstable_by(|a, b| utf16_cmp(a, b));
            put_set(out, sorted.iter().map(|s| s.as_bytes()))?;
        }
        AttributeValue::Ns(members) => {
            let mut texts = Vec::with_capacity(members.len());
            for member in members {
                let mut text = NumberText::new();
                text.write(member, NumberForm::Exact)?;
                texts.push(text);
            }
            // Canonical number text is ASCII: byte order is UTF-16 order.
            texts.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            put_set(out, texts.iter().map(NumberText::as_bytes))?;
        }
        AttributeValue::Bs(members) => {
            let mut sorted: Vec<&[u8]> = members.iter().map(Blob::as_ref).collect();
            sorted.sort_unstable();
            put_set(out, sorted.into_iter())?;
        }
        AttributeValue::M(map) => {
            let mut entries: Vec<(&String, &AttributeValue)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| utf16_cmp(a.0, b.0));
            codec::put_u32(out, entries.len())?;
            for (key, member) in entries {
                if key.is_empty() {
                    return Err(SerializeError::EmptyMapKey);
                }
                out.extend_from_slice(&STRING);
                codec::put_lv(out, key.as_bytes())?;
                put_nested(out, member, depth)?;
            }
        }
        AttributeValue::L(values) => {
            codec::put_u32(out, values.len())?;
            for member in values {
                put_nested(out, member, depth)?;
            }
        }
        _ => return Err(SerializeError::Unsupported),
    }
    Ok(())
}

/// The length of what [`serialize`] appends, computed without copying any of the value, so
/// that plaintext is written into a buffer of its final size (a growing buffer leaves copies in
/// the blocks it frees).
pub(crate) fn serialized_len(value: &AttributeValue) -> Result<usize, SerializeError> {
    len_at(value, &mut None, 0)
}

fn len_at(
    value: &AttributeValue,
    number: &mut Option<NumberText>,
    depth: usize,
) -> Result<usize, SerializeError> {
    if depth > MAX_DEPTH {
        return Err(SerializeError::TooDeep);
    }
    let mut number_len = |text: &str| -> Result<usize, SerializeError> {
        Ok(number.get_or_insert_with(NumberText::new).write(text, NumberForm::Exact)?.len())
    };
    Ok(match value {
        AttributeValue::Null(true) => 0,
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_len(n)?,
        AttributeValue::Bool(_) => 1,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Ss(members) => 4 + members.iter().map(|m| 4 + m.len()).sum::<usize>(),
        AttributeValue::Bs(members) => {
            4 + members.iter().map(|m| 4 + m.as_ref().len()).sum::<usize>()
        }
        AttributeValue::Ns(members) => {
            let mut len = 4;
            for member in members {
                len += 4 + number_len(member)?;
            }
            len
        }
        AttributeValue::M(map) => {
            let mut len = 4;
            for (key, member) in map {
                len += 2 + 4 + key.len() + 2 + 4 + len_at(member, number, depth + 1)?;
            }
            len
        }
        AttributeValue::L(values) => {
            let mut len = 4;
            for member in values {
                len += 2 + 4 + len_at(member, number, depth + 1)?;
            }
            len
        }
        _ => return Err(SerializeError::Unsupported),
    })
}

/// Appends a member of a list or map: its type id, then its length-prefixed serialization.
fn put_nested(
    out: &mut Vec<u8>,
    value: &AttributeValue,
    depth: usize,
) -> Result<(), SerializeError> {
    out.extend_from_slice(&type_id(value)?);
    let len_at = out.len();
    out.extend_from_slice(&[0; 4]);
    serialize_at(value, out, depth + 1)?;
    let len = u32::try_from(out.len() - len_at - 4).map_err(|_| SerializeError::TooLong)?;
    if let Some(slot) = out.get_mut(len_at..len_at + 4) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// Appends a sorted set: a count, then each member length-prefixed. Duplicates are refused.
fn put_set<'a>(
    out: &mut Vec<u8>,
    members: impl ExactSizeIterator<Item = &'a [u8]>,
) -> Result<(), SerializeError> {
    codec::put_u32(out, members.len())?;
    let mut previous: Option<&[u8]> = None;
    for member in members {
        if previous == Some(member) {
            return Err(SerializeError::Duplicate);
        }
        codec::put_lv(out, member)?;
        previous = Some(member);
    }
    Ok(())
}

/// Orders strings by their UTF-16 code units, as the official implementation does. It differs
/// from code-point order only between a character above U+FFFF and one in U+E000..=U+FFFF.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The length of `name` in UTF-16 code units.
pub(crate) fn utf16_len(name: &str) -> usize {
    if name.is_ascii() { name.len() } else { name.encode_utf16().count() }
}

/// Decodes a value of type `type_id` that spans all of `bytes`.
///
/// Only authenticated bytes are decoded, so it is strict where that costs nothing: invalid
/// UTF-8, an invalid number, a repeated map key, trailing bytes or nesting deeper than DynamoDB
/// allows are errors. The order of set members and map keys is not checked.
pub(crate) fn deserialize(type_id: TypeId, bytes: &[u8]) -> Result<AttributeValue, DecodeError> {
    read_value(type_id, bytes, 0)
}

fn read_value(type_id: TypeId, bytes: &[u8], depth: usize) -> Result<AttributeValue, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError);
    }
    Ok(match type_id {
        NULL if bytes.is_empty() => AttributeValue::Null(true),
        STRING => AttributeValue::S(read_string(bytes)?),
        NUMBER => AttributeValue::N(read_number(bytes)?),
        BOOLEAN => match bytes {
            [0] => AttributeValue::Bool(false),
            [1] => AttributeValue::Bool(true),
            _ => return Err(DecodeError),
        },
        BINARY => AttributeValue::B(Blob::new(bytes)),
        STRING_SET => AttributeValue::Ss(distinct(read_set(bytes, read_string)?)?),
        NUMBER_SET => AttributeValue::Ns(distinct(read_set(bytes, read_number)?)?),
        BINARY_SET => AttributeValue::Bs(
            distinct(read_set(bytes, |b| Ok(b.to_vec()))?)?.into_iter().map(Blob::new).collect(),
        ),
        MAP => {
            let mut r = Reader::new(bytes);
            let count = r.count(10)?;
            let mut map = HashMap::with_capacity(count.min(MAX_PREALLOCATED));
            for _ in 0..count {
                if r.take(2)? != STRING {
                    return Err(DecodeError);
                }
                let key = read_string(r.lv()?)?;
                if key.is_empty() {
                    return Err(DecodeError);
                }
                let value = read_nested(&mut r, depth)?;
                if map.insert(key, value).is_some() {
                    return Err(DecodeError);
                }
            }
            r.finish()?;
            AttributeValue::M(map)
        }
        LIST => {
            let mut r = Reader::new(bytes);
            let count = r.count(6)?;
            let mut values = Vec::with_capacity(count.min(MAX_PREALLOCATED));
            for _ in 0..count {
                values.push(read_nested(&mut r, depth)?);
            }
            r.finish()?;
            AttributeValue::L(values)
        }
        _ => return Err(DecodeError),
    })
}

fn read_nested(r: &mut Reader<'_>, depth: usize) -> Result<AttributeValue, DecodeError> {
    let type_id: TypeId = r.take(2)?.try_into().map_err(|_| DecodeError)?;
    read_value(type_id, r.lv()?, depth + 1)
}

fn read_set<T>(
    bytes: &[u8],
    member: impl Fn(&[u8]) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut r = Reader::new(bytes);
    let count = r.count(4)?;
    let mut members = Vec::with_capacity(count.min(MAX_PREALLOCATED));
    for _ in 0..count {
        members.push(member(r.lv()?)?);
    }
    r.finish()?;
    Ok(members)
}

/// A set's members, refused if one repeats (DynamoDB refuses such a set).
fn distinct<T: Ord>(members: Vec<T>) -> Result<Vec<T>, DecodeError> {
    let mut sorted: Vec<&T> = members.iter().collect();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
        return Err(DecodeError);
    }
    Ok(members)
}

fn read_string(bytes: &[u8]) -> Result<String, DecodeError> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| DecodeError)
}

fn read_number(bytes: &[u8]) -> Result<String, DecodeError> {
    let text = read_string(bytes)?;
    Decimal::parse(&text).and_then(|d| d.check_range()).map_err(|_| DecodeError)?;
    Ok(text)
}

#[cfg(test)]
mod tests;
