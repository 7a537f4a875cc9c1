//! `Deserialize` from `AttributeValue`.

use std::collections::hash_map;
use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};

use super::{ConvertError, type_name};

impl de::Error for ConvertError {
    fn custom<T: fmt::Display>(_: T) -> Self {
        // A third-party Deserialize impl's message may quote the value: withhold it.
        Self::new(
            "the value does not fit the field's type (details withheld: they may quote the value)",
        )
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::new(format!("expected {expected}, found {}", describe(&unexpected)))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::new(format!("invalid {}: expected {expected}", describe(&unexpected)))
    }

    fn invalid_length(len: usize, expected: &dyn de::Expected) -> Self {
        Self::new(format!("{len} elements, expected {expected}"))
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Self::new(format!("unknown enum variant, expected one of {}", quoted(expected)))
    }

    fn unknown_field(_: &str, expected: &'static [&'static str]) -> Self {
        // The name is a key of a (possibly decrypted) map: withheld, like unknown variants.
        Self::new(format!("unknown field, expected one of {}", quoted(expected)))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(format!("missing field `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::new(format!("duplicate field `{field}`"))
    }
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// The kind of an unexpected value, never the value itself.
fn describe(unexpected: &Unexpected<'_>) -> &'static str {
    match unexpected {
        Unexpected::Bool(_) => "a boolean (BOOL)",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "a number (N)",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string (S)",
        Unexpected::Bytes(_) => "binary (B)",
        Unexpected::Unit => "null (NULL)",
        Unexpected::Option => "an optional value",
        Unexpected::NewtypeStruct => "a newtype struct",
        Unexpected::Seq => "a list or set",
        Unexpected::Map => "a map (M)",
        Unexpected::Enum => "an enum",
        Unexpected::UnitVariant
        | Unexpected::NewtypeVariant
        | Unexpected::TupleVariant
        | Unexpected::StructVariant => "an enum variant",
        Unexpected::Other(_) => "another kind of value",
    }
}

/// Reads one `AttributeValue`.
#[derive(Debug)]
pub(crate) struct ValueDeserializer(AttributeValue);

impl ValueDeserializer {
    pub(crate) fn new(value: AttributeValue) -> Self {
        Self(value)
    }

    fn mismatch(&self, expected: &str) -> ConvertError {
        ConvertError::new(format!("expected {expected}, found {}", type_name(&self.0)))
    }

    fn number(&self, expected: &str) -> Result<&str, ConvertError> {
        match &self.0 {
            AttributeValue::N(n) => Ok(n),
            _ => Err(self.mismatch(expected)),
        }
    }
}

/// Parses an integer from number text, accepting the exact forms of integers (`1E+3`, `10.0`).
fn integer<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.parse().ok().or_else(|| {
        let mut canonical = Vec::new();
        crate::number::canonical_exact(text, &mut canonical).ok()?;
        std::str::from_utf8(&canonical).ok()?.parse().ok()
    })
}

macro_rules! deserialize_integer {
    ($($method:ident: $t:ty => $visit:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
            let text = self.number(concat!("an integer (N) that fits ", stringify!($t)))?;
            let value: $t = integer(text).ok_or_else(|| {
                ConvertError::new(concat!("expected an integer (N) that fits ", stringify!($t), ", found a number that does not"))
            })?;
            visitor.$visit(value)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = ConvertError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_string(s),
            AttributeValue::N(n) => {
                if let Some(i) = integer::<i64>(&n) {
                    visitor.visit_i64(i)
                } else if let Some(u) = integer::<u64>(&n) {
                    visitor.visit_u64(u)
                } else if let Some(i) = integer::<i128>(&n) {
                    visitor.visit_i128(i)
                } else if let Some(u) = integer::<u128>(&n) {
                    visitor.visit_u128(u)
                } else {
                    // Decimals stay text, so that exact decimal types read them without rounding.
                    visitor.visit_string(n)
                }
            }
            AttributeValue::B(b) => visitor.visit_byte_buf(b.into_inner()),
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::L(items) => visitor.visit_seq(SeqDeserializer(items.into_iter())),
            AttributeValue::Ss(items) => visitor.visit_seq(SeqDeserializer(
                items.into_iter().map(AttributeValue::S).collect::<Vec<_>>().into_iter(),
            )),
            AttributeValue::Ns(items) => visitor.visit_seq(SeqDeserializer(
                items.into_iter().map(AttributeValue::N).collect::<Vec<_>>().into_iter(),
            )),
            AttributeValue::Bs(items) => visitor.visit_seq(SeqDeserializer(
                items.into_iter().map(AttributeValue::B).collect::<Vec<_>>().into_iter(),
            )),
            AttributeValue::M(map) => {
                visitor.visit_map(MapDeserializer { entries: map.into_iter(), value: None })
            }
            _ => Err(ConvertError::new("unknown attribute value type")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            _ => Err(self.mismatch("a boolean (BOOL)")),
        }
    }

    deserialize_integer!(deserialize_i8: i8 => visit_i8, deserialize_i16: i16 => visit_i16,
        deserialize_i32: i32 => visit_i32, deserialize_i64: i64 => visit_i64,
        deserialize_i128: i128 => visit_i128, deserialize_u8: u8 => visit_u8,
        deserialize_u16: u16 => visit_u16, deserialize_u32: u32 => visit_u32,
        deserialize_u64: u64 => visit_u64, deserialize_u128: u128 => visit_u128);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        let text = self.number("a number (N)")?;
        visitor.visit_f32(
            text.parse().map_err(|_| ConvertError::new("expected a number (N) that fits f32"))?,
        )
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        let text = self.number("a number (N)")?;
        visitor.visit_f64(
            text.parse().map_err(|_| ConvertError::new("expected a number (N) that fits f64"))?,
        )
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            // Numbers read as text too: decimal types parse it exactly.
            AttributeValue::S(s) | AttributeValue::N(s) => visitor.visit_string(s),
            _ => Err(self.mismatch("a string (S)")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            AttributeValue::B(b) => visitor.visit_byte_buf(b.into_inner()),
            _ => Err(self.mismatch("binary (B)")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            AttributeValue::Null(_) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            AttributeValue::Null(_) => visitor.visit_unit(),
            _ => Err(self.mismatch("null (NULL)")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            // Bytes read as a sequence of u8, for Vec<u8> and [u8; N].
            AttributeValue::B(b) => {
                visitor.visit_seq(BytesDeserializer(b.into_inner().into_iter()))
            }
            AttributeValue::L(_)
            | AttributeValue::Ss(_)
            | AttributeValue::Ns(_)
            | AttributeValue::Bs(_) => self.deserialize_any(visitor),
            _ => Err(self.mismatch("a list (L) or a set (SS, NS, BS)")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self.0 {
            AttributeValue::M(map) => {
                visitor.visit_map(MapDeserializer { entries: map.into_iter(), value: None })
            }
            _ => Err(self.mismatch("a map (M)")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        match self.0 {
            AttributeValue::S(variant) => visitor.visit_enum(variant.into_deserializer()),
            AttributeValue::M(map) if map.len() == 1 => {
                let (variant, value) =
                    map.into_iter().next().ok_or_else(|| ConvertError::new("empty map"))?;
                visitor.visit_enum(EnumDeserializer { variant, value })
            }
            _ => Err(self.mismatch("an enum: a string (S), or a map (M) with one entry")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        visitor.visit_unit()
    }
}

impl IntoDeserializer<'_, ConvertError> for ValueDeserializer {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

struct SeqDeserializer(std::vec::IntoIter<AttributeValue>);

impl<'de> de::SeqAccess<'de> for SeqDeserializer {
    type Error = ConvertError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ConvertError> {
        self.0.next().map(|v| seed.deserialize(ValueDeserializer(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct BytesDeserializer(std::vec::IntoIter<u8>);

impl<'de> de::SeqAccess<'de> for BytesDeserializer {
    type Error = ConvertError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ConvertError> {
        self.0.next().map(|b| seed.deserialize(b.into_deserializer())).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDeserializer {
    entries: hash_map::IntoIter<String, AttributeValue>,
    value: Option<AttributeValue>,
}

impl<'de> de::MapAccess<'de> for MapDeserializer {
    type Error = ConvertError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ConvertError> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(KeyDeserializer(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ConvertError> {
        let value =
            self.value.take().ok_or_else(|| ConvertError::new("map value without a key"))?;
        seed.deserialize(ValueDeserializer(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumDeserializer {
    variant: String,
    value: AttributeValue,
}

impl<'de> de::EnumAccess<'de> for EnumDeserializer {
    type Error = ConvertError;
    type Variant = ValueDeserializer;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, ValueDeserializer), ConvertError> {
        let variant = seed.deserialize(KeyDeserializer(self.variant))?;
        Ok((variant, ValueDeserializer(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for ValueDeserializer {
    type Error = ConvertError;

    fn unit_variant(self) -> Result<(), ConvertError> {
        match self.0 {
            AttributeValue::Null(_) => Ok(()),
            _ => Err(self.mismatch("null (NULL) for a unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ConvertError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

/// Map keys are strings; integer and boolean keys parse from them.
struct KeyDeserializer(String);

macro_rules! parse_key {
    ($($method:ident => $visit:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
            visitor.$visit(self.0.parse().map_err(|_| ConvertError::new(concat!("a map key does not parse for ", stringify!($method))))?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDeserializer {
    type Error = ConvertError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        visitor.visit_string(self.0)
    }

    parse_key!(deserialize_bool => visit_bool, deserialize_i8 => visit_i8, deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32, deserialize_i64 => visit_i64, deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8, deserialize_u16 => visit_u16, deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64, deserialize_u128 => visit_u128);

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple tuple_struct
        map struct identifier ignored_any
    }
}

/// Stands for an attribute the item does not have: `Option` fields read it as `None`, every
/// other type fails with the attribute's name and the expected type.
#[derive(Debug)]
pub(crate) struct MissingAttribute;

impl<'de> de::Deserializer<'de> for MissingAttribute {
    type Error = ConvertError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        Err(ConvertError::new(format!("missing, expected {}", Expecting(&visitor))))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// A visitor's `expecting` as `Display`.
struct Expecting<'a, V>(&'a V);

impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
}
