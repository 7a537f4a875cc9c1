//! The canonical binary serialization of attribute values (`docs/legacy-format.md` section 1): what is
//! encrypted, and what is hashed for the signature.
#![warn(clippy::indexing_slicing, clippy::cast_possible_truncation)]

use std::collections::HashMap;
use std::ops::Range;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use zeroize::Zeroizing;

use crate::codec::{self, DecodeError, Reader, TooLong};
use crate::number::{self, Decimal, NumberError};

/// Deepest nesting of lists and maps accepted, in either direction. DynamoDB allows 32 levels;
/// the margin keeps valid items working while a hostile one cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// Most elements a decoded list or map reserves room for before they are read; beyond, it
/// grows as elements decode. A count is checked against the bytes left, but every level of a
/// nest of list headers sees nearly the same bytes left: reserving the full count at each level
/// would let a 400 KiB value request hundreds of megabytes.
const MAX_PREALLOCATED: usize = 64;

const TAG_NULL: u8 = 0x00;
const TAG_S: u8 = b's';
const TAG_N: u8 = b'n';
const TAG_B: u8 = b'b';
const TAG_SS: u8 = b'S';
const TAG_NS: u8 = b'N';
const TAG_BS: u8 = b'B';
const TAG_BOOL: u8 = b'?';
const TAG_L: u8 = b'L';
const TAG_M: u8 = b'M';

/// Which canonical form numbers take (see [`crate::number`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberForm {
    /// Never rounded: encrypted values.
    Exact,
    /// The Python client's 28-digit form: hashes of SIGN_ONLY numbers in legacy items, as
    /// read.
    Python,
    /// The Python form where it is exact, an error where it would round: hashes of SIGN_ONLY
    /// numbers in legacy items, as written.
    PythonExact,
}

/// Why a value cannot be serialized. Carries no part of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SerializeError {
    Number(NumberError),
    /// `AttributeValue::Unknown`, or a `NULL` that is not `true`.
    Unsupported,
    TooLong,
    TooDeep,
    /// A set with a repeated member.
    Duplicate,
    /// A map with an empty key, which the DB-ESDK format cannot store.
    EmptyMapKey,
}

impl SerializeError {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Number(e) => e.reason(),
            Self::Unsupported => {
                "unsupported attribute value type (Unknown, or NULL that is not true)"
            }
            Self::TooLong => "value longer than 4 GiB",
            Self::TooDeep => "lists and maps nested too deep",
            Self::Duplicate => "a set holds the same member twice",
            Self::EmptyMapKey => {
                "a map has an empty key, which the DB-ESDK format (and its official readers) \
                 refuses; give the key a name"
            }
        }
    }
}

impl From<TooLong> for SerializeError {
    fn from(TooLong: TooLong) -> Self {
        Self::TooLong
    }
}

impl From<NumberError> for SerializeError {
    fn from(e: NumberError) -> Self {
        Self::Number(e)
    }
}

/// The 6-byte serialization header of a `B` value of `len` bytes: `00 62 u32be(len)`.
pub(crate) fn binary_header(len: usize) -> Result<[u8; 6], TooLong> {
    let len = u32::try_from(len).map_err(|_| TooLong)?.to_be_bytes();
    Ok([0, TAG_B, len[0], len[1], len[2], len[3]])
}

/// The length of the canonical serialization of `value`: what [`serialize`] appends, and fails
/// where it fails. Plaintext is written into a buffer of its final size, because a growing
/// buffer leaves copies of what it held in the blocks it frees.
pub(crate) fn serialized_len(
    value: &AttributeValue,
    form: NumberForm,
) -> Result<usize, SerializeError> {
    serialized_len_at(value, form, &mut None, 0)
}

fn serialized_len_at(
    value: &AttributeValue,
    form: NumberForm,
    number: &mut Option<NumberText>,
    depth: usize,
) -> Result<usize, SerializeError> {
    if depth > MAX_DEPTH {
        return Err(SerializeError::TooDeep);
    }
    let mut number_len = |text: &str| -> Result<usize, SerializeError> {
        Ok(lv_len(number.get_or_insert_with(NumberText::new).write(text, form)?.len())?)
    };
    let body = match value {
        AttributeValue::S(s) => lv_len(s.len())?,
        AttributeValue::N(n) => number_len(n)?,
        AttributeValue::B(b) => lv_len(b.as_ref().len())?,
        AttributeValue::Ss(members) => {
            count_len(members.len())?
                + members.iter().map(|m| lv_len(m.len())).sum::<Result<usize, _>>()?
        }
        AttributeValue::Bs(members) => {
            count_len(members.len())?
                + members.iter().map(|m| lv_len(m.as_ref().len())).sum::<Result<usize, _>>()?
        }
        AttributeValue::Ns(members) => {
            count_len(members.len())?
                + members.iter().map(|m| number_len(m)).sum::<Result<usize, _>>()?
        }
        AttributeValue::Bool(_) => 1,
        AttributeValue::Null(true) => 0,
        AttributeValue::L(values) => {
            let mut len = count_len(values.len())?;
            for value in values {
                len += serialized_len_at(value, form, number, depth + 1)?;
            }
            len
        }
        AttributeValue::M(map) => {
            let mut len = count_len(map.len())?;
            for (key, value) in map {
                len += 2 + lv_len(key.len())? + serialized_len_at(value, form, number, depth + 1)?;
            }
            len
        }
        _ => return Err(SerializeError::Unsupported),
    };
    Ok(2 + body)
}

/// The length of `LV(bytes)` for `len` bytes.
fn lv_len(len: usize) -> Result<usize, TooLong> {
    u32::try_from(len).map_err(|_| TooLong)?;
    Ok(4 + len)
}

/// The length of a `u32` count of `count` elements.
fn count_len(count: usize) -> Result<usize, TooLong> {
    u32::try_from(count).map_err(|_| TooLong)?;
    Ok(4)
}

/// Room for one canonical number text, allocated at the largest size such a text has, so that
/// it never grows (and leaves no digits behind in freed memory); wiped when dropped.
pub(crate) struct NumberText(Zeroizing<Vec<u8>>);

impl NumberText {
    pub(crate) fn new() -> Self {
        Self(Zeroizing::new(Vec::with_capacity(number::MAX_TEXT_LEN)))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The canonical form of `text`.
    pub(crate) fn write(&mut self, text: &str, form: NumberForm) -> Result<&[u8], NumberError> {
        self.0.clear();
        canonical_number(text, form, &mut self.0)?;
        Ok(&self.0)
    }
}

/// Appends the canonical serialization of `value` to `out`.
pub(crate) fn serialize(
    value: &AttributeValue,
    form: NumberForm,
    out: &mut Vec<u8>,
) -> Result<(), SerializeError> {
    serialize_at(value, form, out, 0)
}

fn serialize_at(
    value: &AttributeValue,
    form: NumberForm,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), SerializeError> {
    if depth > MAX_DEPTH {
        return Err(SerializeError::TooDeep);
    }
    match value {
        AttributeValue::S(s) => {
            out.extend_from_slice(&[0, TAG_S]);
            codec::put_lv(out, s.as_bytes())?;
        }
        AttributeValue::N(n) => {
            out.extend_from_slice(&[0, TAG_N]);
            put_number(out, n, form)?;
        }
        AttributeValue::B(b) => {
            out.extend_from_slice(&[0, TAG_B]);
            codec::put_lv(out, b.as_ref())?;
        }
        AttributeValue::Ss(members) => {
            out.extend_from_slice(&[0, TAG_SS]);
            put_sorted(out, members.iter().map(String::as_bytes))?;
        }
        AttributeValue::Bs(members) => {
            out.extend_from_slice(&[0, TAG_BS]);
            put_sorted(out, members.iter().map(Blob::as_ref))?;
        }
        AttributeValue::Ns(members) => {
            out.extend_from_slice(&[0, TAG_NS]);
            // Sorted by canonical text: each copied out of one buffer at its exact size, and
            // wiped when dropped.
            let mut number = NumberText::new();
            let mut texts = members
                .iter()
                .map(|n| number.write(n, form).map(|text| Zeroizing::new(text.to_vec())))
                .collect::<Result<Vec<_>, _>>()?;
            texts.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
            codec::put_u32(out, texts.len())?;
            for text in &texts {
                codec::put_lv(out, text)?;
            }
        }
        AttributeValue::Bool(b) => out.extend_from_slice(&[0, TAG_BOOL, u8::from(*b)]),
        AttributeValue::Null(true) => out.extend_from_slice(&[0, TAG_NULL]),
        AttributeValue::L(values) => {
            out.extend_from_slice(&[0, TAG_L]);
            codec::put_u32(out, values.len())?;
            for value in values {
                serialize_at(value, form, out, depth + 1)?;
            }
        }
        AttributeValue::M(map) => {
            out.extend_from_slice(&[0, TAG_M]);
            codec::put_u32(out, map.len())?;
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (key, value) in entries {
                out.extend_from_slice(&[0, TAG_S]);
                codec::put_lv(out, key.as_bytes())?;
                serialize_at(value, form, out, depth + 1)?;
            }
        }
        _ => return Err(SerializeError::Unsupported),
    }
    Ok(())
}

fn canonical_number(text: &str, form: NumberForm, out: &mut Vec<u8>) -> Result<(), NumberError> {
    match form {
        NumberForm::Exact => number::canonical_exact(text, out),
        NumberForm::Python => number::canonical_python(text, out),
        NumberForm::PythonExact => number::canonical_python_exact(text, out),
    }
}

/// Appends `LV(canonical number text)` without an intermediate buffer.
fn put_number(out: &mut Vec<u8>, text: &str, form: NumberForm) -> Result<(), SerializeError> {
    let len_at = out.len();
    out.extend_from_slice(&[0; 4]);
    canonical_number(text, form, out)?;
    let len = u32::try_from(out.len() - len_at - 4).map_err(|_| SerializeError::TooLong)?;
    if let Some(slot) = out.get_mut(len_at..len_at + 4) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// Appends a count and the members as `LV`, in unsigned-byte order (sorting only if needed).
fn put_sorted<'a, I>(out: &mut Vec<u8>, members: I) -> Result<(), TooLong>
where
    I: ExactSizeIterator<Item = &'a [u8]> + Clone,
{
    codec::put_u32(out, members.len())?;
    if members.clone().is_sorted() {
        for member in members {
            codec::put_lv(out, member)?;
        }
    } else {
        let mut sorted: Vec<&[u8]> = members.collect();
        sorted.sort_unstable();
        for member in sorted {
            codec::put_lv(out, member)?;
        }
    }
    Ok(())
}

/// Decodes one serialized value that must span all of `bytes`.
///
/// Strict where the Python reader is lenient: trailing bytes, a map with a repeated key, invalid
/// UTF-8, a number DynamoDB would refuse, or nesting deeper than [`MAX_DEPTH`] are all errors.
/// Numbers are returned as written.
pub(crate) fn deserialize(bytes: &[u8]) -> Result<AttributeValue, DecodeError> {
    let mut reader = Reader::new(bytes);
    let value = read_value(&mut reader, 0)?;
    reader.finish()?;
    Ok(value)
}

/// Decodes the serialized value at `range` of `buffer`, like [`deserialize`]. A string or binary
/// value takes over `buffer` instead of being copied (leaving it empty); anything else is
/// decoded from it, leaving it as it was. On error `buffer` keeps its bytes (possibly
/// trimmed), for the caller to wipe.
pub(crate) fn deserialize_owned(
    buffer: &mut Vec<u8>,
    range: Range<usize>,
) -> Result<AttributeValue, DecodeError> {
    let bytes = buffer.get(range.clone()).ok_or(DecodeError)?;
    let tag = match bytes {
        [0, tag @ (TAG_S | TAG_B), l0, l1, l2, l3, rest @ ..]
            if usize::try_from(u32::from_be_bytes([*l0, *l1, *l2, *l3])) == Ok(rest.len()) =>
        {
            *tag
        }
        _ => return deserialize(bytes),
    };
    buffer.truncate(range.end);
    buffer.drain(..range.start + 6);
    let value = std::mem::take(buffer);
    if tag == TAG_B {
        return Ok(AttributeValue::B(Blob::new(value)));
    }
    String::from_utf8(value).map(AttributeValue::S).map_err(|invalid| {
        // Handed back, so that the caller's buffer still wipes it.
        *buffer = invalid.into_bytes();
        DecodeError
    })
}

fn read_value(r: &mut Reader<'_>, depth: usize) -> Result<AttributeValue, DecodeError> {
    if depth > MAX_DEPTH || r.u8()? != 0 {
        return Err(DecodeError);
    }
    Ok(match r.u8()? {
        TAG_S => AttributeValue::S(read_string(r)?),
        TAG_N => AttributeValue::N(read_number(r)?),
        TAG_B => AttributeValue::B(Blob::new(r.lv()?)),
        TAG_SS => {
            let count = r.count(4)?;
            AttributeValue::Ss((0..count).map(|_| read_string(r)).collect::<Result<_, _>>()?)
        }
        TAG_NS => {
            let count = r.count(4)?;
            AttributeValue::Ns((0..count).map(|_| read_number(r)).collect::<Result<_, _>>()?)
        }
        TAG_BS => {
            let count = r.count(4)?;
            AttributeValue::Bs((0..count).map(|_| r.lv().map(Blob::new)).collect::<Result<_, _>>()?)
        }
        TAG_BOOL => match r.u8()? {
            0 => AttributeValue::Bool(false),
            1 => AttributeValue::Bool(true),
            _ => return Err(DecodeError),
        },
        TAG_NULL => AttributeValue::Null(true),
        TAG_L => {
            let count = r.count(2)?;
            let mut values = Vec::with_capacity(count.min(MAX_PREALLOCATED));
            for _ in 0..count {
                values.push(read_value(r, depth + 1)?);
            }
            AttributeValue::L(values)
        }
        TAG_M => {
            let count = r.count(8)?;
            let mut map = HashMap::with_capacity(count.min(MAX_PREALLOCATED));
            for _ in 0..count {
                if r.take(2)? != [0, TAG_S] {
                    return Err(DecodeError);
                }
                let key = read_string(r)?;
                let value = read_value(r, depth + 1)?;
                if map.insert(key, value).is_some() {
                    return Err(DecodeError);
                }
            }
            AttributeValue::M(map)
        }
        _ => return Err(DecodeError),
    })
}

fn read_string(r: &mut Reader<'_>) -> Result<String, DecodeError> {
    let bytes = r.lv()?;
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| DecodeError)
}

fn read_number(r: &mut Reader<'_>) -> Result<String, DecodeError> {
    let text = read_string(r)?;
    Decimal::parse(&text).and_then(|d| d.check_range()).map_err(|_| DecodeError)?;
    Ok(text)
}

#[cfg(test)]
mod tests;
