//! `Serialize` into `AttributeValue`.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::ser::{self, Serialize};

use super::{ConvertError, Mode, NUMBER_TOKEN};
use crate::number::Decimal;

impl ser::Error for ConvertError {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        // A third-party Serialize impl's message may quote the value: withhold it.
        Self::new("the value's Serialize implementation failed (details withheld)")
    }
}

/// What serializing one value produced.
#[derive(Debug)]
pub(crate) enum Out {
    /// Nothing to store: `None`, or an empty set.
    Absent,
    /// A `u8`, kept apart so that sequences of them become binary.
    Byte(u8),
    Value(AttributeValue),
}

impl Out {
    pub(crate) fn into_value(self) -> Option<AttributeValue> {
        match self {
            Self::Absent => None,
            Self::Byte(b) => Some(AttributeValue::N(b.to_string())),
            Self::Value(v) => Some(v),
        }
    }

    /// Inside lists and maps, absence is `NULL`.
    fn into_element(self) -> AttributeValue {
        self.into_value().unwrap_or(AttributeValue::Null(true))
    }
}

/// The serializer; `mode` applies to the whole value, nested parts included.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValueSerializer {
    mode: Mode,
}

impl ValueSerializer {
    pub(crate) fn new(mode: Mode) -> Self {
        Self { mode }
    }

    fn number(text: String) -> Result<Out, ConvertError> {
        let decimal = Decimal::parse(&text).map_err(|e| ConvertError::new(e.reason()))?;
        decimal.check_range().map_err(|e| ConvertError::new(e.reason()))?;
        Ok(Out::Value(AttributeValue::N(text)))
    }

    fn element(self, value: &(impl Serialize + ?Sized)) -> Result<Out, ConvertError> {
        // Set mode shapes the outer sequence only; its members are plain.
        let mode = if self.mode == Mode::Set { Mode::Plain } else { self.mode };
        value.serialize(Self::new(mode))
    }
}

/// A finite float as the shortest text that reads back as the same value: for an `f32`, not
/// the text of its `f64` widening.
fn float(v: impl Into<f64> + ToString + Copy) -> Result<Out, ConvertError> {
    if !v.into().is_finite() {
        return Err(ConvertError::new("NaN and infinite floats cannot be stored as numbers"));
    }
    ValueSerializer::number(v.to_string())
}

macro_rules! integers {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<Out, ConvertError> {
            // 128-bit integers can exceed DynamoDB's 38 digits.
            Self::number(v.to_string())
        }
    )*};
}

impl ser::Serializer for ValueSerializer {
    type Ok = Out;
    type Error = ConvertError;
    type SerializeSeq = SeqSerializer;
    type SerializeTuple = SeqSerializer;
    type SerializeTupleStruct = SeqSerializer;
    type SerializeTupleVariant = VariantSerializer<SeqSerializer>;
    type SerializeMap = MapSerializer;
    type SerializeStruct = MapSerializer;
    type SerializeStructVariant = VariantSerializer<MapSerializer>;

    fn serialize_bool(self, v: bool) -> Result<Out, ConvertError> {
        Ok(Out::Value(AttributeValue::Bool(v)))
    }

    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_u128: u128);

    fn serialize_u8(self, v: u8) -> Result<Out, ConvertError> {
        Ok(Out::Byte(v))
    }

    fn serialize_f32(self, v: f32) -> Result<Out, ConvertError> {
        float(v)
    }

    fn serialize_f64(self, v: f64) -> Result<Out, ConvertError> {
        float(v)
    }

    fn serialize_char(self, v: char) -> Result<Out, ConvertError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<Out, ConvertError> {
        if self.mode == Mode::Number {
            return Self::number(v.to_owned());
        }
        Ok(Out::Value(AttributeValue::S(v.to_owned())))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Out, ConvertError> {
        Ok(Out::Value(AttributeValue::B(Blob::new(v))))
    }

    fn serialize_none(self) -> Result<Out, ConvertError> {
        Ok(Out::Absent)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Out, ConvertError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Out, ConvertError> {
        Ok(Out::Value(AttributeValue::Null(true)))
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Out, ConvertError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Out, ConvertError> {
        Ok(Out::Value(AttributeValue::S(variant.to_owned())))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Out, ConvertError> {
        if name == NUMBER_TOKEN {
            return value.serialize(Self::new(Mode::Number));
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Out, ConvertError> {
        let inner = self.element(value)?.into_element();
        Ok(Out::Value(AttributeValue::M(HashMap::from([(variant.to_owned(), inner)]))))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSerializer, ConvertError> {
        Ok(SeqSerializer { serializer: self, items: Vec::with_capacity(len.unwrap_or(0)) })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqSerializer, ConvertError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<SeqSerializer, ConvertError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSerializer<SeqSerializer>, ConvertError> {
        Ok(VariantSerializer { variant, inner: self.serialize_seq(Some(len))? })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapSerializer, ConvertError> {
        Ok(MapSerializer {
            serializer: self,
            map: HashMap::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapSerializer, ConvertError> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSerializer<MapSerializer>, ConvertError> {
        Ok(VariantSerializer { variant, inner: self.serialize_map(Some(len))? })
    }
}

#[derive(Debug)]
pub(crate) struct SeqSerializer {
    serializer: ValueSerializer,
    items: Vec<Out>,
}

impl SeqSerializer {
    fn finish(self) -> Result<Out, ConvertError> {
        let items = self.items;
        if self.serializer.mode == Mode::Set {
            return into_set(items);
        }
        if !items.is_empty() && items.iter().all(|i| matches!(i, Out::Byte(_))) {
            let bytes = items
                .into_iter()
                .map(|i| if let Out::Byte(b) = i { b } else { 0 })
                .collect::<Vec<_>>();
            return Ok(Out::Value(AttributeValue::B(Blob::new(bytes))));
        }
        Ok(Out::Value(AttributeValue::L(items.into_iter().map(Out::into_element).collect())))
    }
}

/// `SS`, `NS` or `BS` from the members of a `#[ddb(set)]` field, each member once; nothing
/// for an empty set, which DynamoDB cannot store.
fn into_set(items: Vec<Out>) -> Result<Out, ConvertError> {
    let mut strings = Vec::new();
    let mut numbers = Vec::new();
    let mut binaries = Vec::new();
    for item in items {
        match item {
            Out::Value(AttributeValue::S(s)) => strings.push(s),
            Out::Value(AttributeValue::N(n)) => numbers.push(n),
            Out::Byte(b) => numbers.push(b.to_string()),
            Out::Value(AttributeValue::B(b)) => binaries.push(b),
            _ => {
                return Err(ConvertError::new(
                    "a #[ddb(set)] field must hold strings, numbers or byte strings",
                ));
            }
        }
    }
    let kinds = usize::from(!strings.is_empty())
        + usize::from(!numbers.is_empty())
        + usize::from(!binaries.is_empty());
    if kinds > 1 {
        return Err(ConvertError::new(
            "a #[ddb(set)] field must not mix strings, numbers and byte strings",
        ));
    }
    // DynamoDB refuses a set with a member twice; numbers are the same member when their
    // values are equal ("1" and "1.0").
    let mut seen = std::collections::HashSet::new();
    strings.retain(|s| seen.insert(s.clone().into_bytes()));
    binaries.retain(|b| seen.insert(b.as_ref().to_vec()));
    numbers.retain(|n| {
        let mut value = Vec::new();
        if crate::number::canonical_exact(n, &mut value).is_err() {
            value = n.clone().into_bytes();
        }
        seen.insert(value)
    });
    Ok(if !strings.is_empty() {
        Out::Value(AttributeValue::Ss(strings))
    } else if !numbers.is_empty() {
        Out::Value(AttributeValue::Ns(numbers))
    } else if !binaries.is_empty() {
        Out::Value(AttributeValue::Bs(binaries))
    } else {
        Out::Absent
    })
}

impl ser::SerializeSeq for SeqSerializer {
    type Ok = Out;
    type Error = ConvertError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        self.items.push(self.serializer.element(value)?);
        Ok(())
    }

    fn end(self) -> Result<Out, ConvertError> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSerializer {
    type Ok = Out;
    type Error = ConvertError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Out, ConvertError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqSerializer {
    type Ok = Out;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Out, ConvertError> {
        self.finish()
    }
}

#[derive(Debug)]
pub(crate) struct MapSerializer {
    serializer: ValueSerializer,
    map: HashMap<String, AttributeValue>,
    key: Option<String>,
}

impl ser::SerializeMap for MapSerializer {
    type Ok = Out;
    type Error = ConvertError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ConvertError> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        let key = self.key.take().ok_or_else(|| ConvertError::new("map value without a key"))?;
        let value = self.serializer.element(value)?.into_element();
        self.map.insert(key, value);
        Ok(())
    }

    fn end(self) -> Result<Out, ConvertError> {
        Ok(Out::Value(AttributeValue::M(self.map)))
    }
}

impl ser::SerializeStruct for MapSerializer {
    type Ok = Out;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ConvertError> {
        // A `None` field is left out, as at the top level.
        if let Some(value) = self.serializer.element(value)?.into_value() {
            self.map.insert(key.to_owned(), value);
        }
        Ok(())
    }

    fn end(self) -> Result<Out, ConvertError> {
        Ok(Out::Value(AttributeValue::M(self.map)))
    }
}

#[derive(Debug)]
pub(crate) struct VariantSerializer<S> {
    variant: &'static str,
    inner: S,
}

impl<S> VariantSerializer<S> {
    fn wrap(variant: &'static str, inner: Out) -> Out {
        Out::Value(AttributeValue::M(HashMap::from([(variant.to_owned(), inner.into_element())])))
    }
}

impl ser::SerializeTupleVariant for VariantSerializer<SeqSerializer> {
    type Ok = Out;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(&mut self.inner, value)
    }

    fn end(self) -> Result<Out, ConvertError> {
        let variant = self.variant;
        Ok(Self::wrap(variant, self.inner.finish()?))
    }
}

impl ser::SerializeStructVariant for VariantSerializer<MapSerializer> {
    type Ok = Out;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ConvertError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }

    fn end(self) -> Result<Out, ConvertError> {
        let variant = self.variant;
        Ok(Self::wrap(variant, ser::SerializeStruct::end(self.inner)?))
    }
}

/// Map keys: strings, chars, integers, booleans and unit variants, all as strings.
struct KeySerializer;

fn key_error() -> ConvertError {
    ConvertError::new("map keys must be strings, integers, booleans or unit enum variants")
}

macro_rules! keys_to_string {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<String, ConvertError> {
            Ok(v.to_string())
        }
    )*};
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = ConvertError;
    type SerializeSeq = ser::Impossible<String, ConvertError>;
    type SerializeTuple = ser::Impossible<String, ConvertError>;
    type SerializeTupleStruct = ser::Impossible<String, ConvertError>;
    type SerializeTupleVariant = ser::Impossible<String, ConvertError>;
    type SerializeMap = ser::Impossible<String, ConvertError>;
    type SerializeStruct = ser::Impossible<String, ConvertError>;
    type SerializeStructVariant = ser::Impossible<String, ConvertError>;

    keys_to_string!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_char: char);

    fn serialize_str(self, v: &str) -> Result<String, ConvertError> {
        Ok(v.to_owned())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, ConvertError> {
        Ok(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, ConvertError> {
        value.serialize(self)
    }

    fn serialize_f32(self, _: f32) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, ConvertError> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ConvertError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ConvertError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, ConvertError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ConvertError> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ConvertError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, ConvertError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ConvertError> {
        Err(key_error())
    }
}
