//! `Deserialize` from `AttributeValue`.

use std::collections::{HashMap, hash_map};
use std::{fmt, mem};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};
use zeroize::{Zeroize, Zeroizing};

use super::{ConvertError, type_name};
use crate::{number, wipe};

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
///
/// What the visitor does not take over is wiped when the deserializer is dropped: numbers it
/// parses, names it matches, values it ignores, and everything left after an error. Strings and
/// bytes offered as owned (`visit_string`, `visit_byte_buf`) are the visitor's to keep.
pub(crate) struct ValueDeserializer(AttributeValue);

impl Drop for ValueDeserializer {
    fn drop(&mut self) {
        wipe::value(&mut self.0);
    }
}

impl fmt::Debug for ValueDeserializer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ValueDeserializer").field(&type_name(&self.0)).finish()
    }
}

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
        let mut canonical = Zeroizing::new(Vec::with_capacity(number::MAX_TEXT_LEN));
        number::canonical_exact(text, &mut canonical).ok()?;
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

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, ConvertError> {
        match &mut self.0 {
            AttributeValue::S(s) => visitor.visit_string(mem::take(s)),
            AttributeValue::N(n) => {
                if let Some(i) = integer::<i64>(n) {
                    visitor.visit_i64(i)
                } else if let Some(u) = integer::<u64>(n) {
                    visitor.visit_u64(u)
                } else if let Some(i) = integer::<i128>(n) {
                    visitor.visit_i128(i)
                } else if let Some(u) = integer::<u128>(n) {
                    visitor.visit_u128(u)
                } else {
                    // Decimals stay text, so that exact decimal types read them without rounding.
                    visitor.visit_string(mem::take(n))
                }
            }
            AttributeValue::B(b) => visitor.visit_byte_buf(mem::take(b).into_inner()),
            AttributeValue::Bool(b) => visitor.visit_bool(*b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::L(items) => {
                visitor.visit_seq(SeqDeserializer(mem::take(items).into_iter()))
            }
            AttributeValue::Ss(items) => visitor.visit_seq(SeqDeserializer(
                mem::take(items).into_iter().map(AttributeValue::S).collect::<Vec<_>>().into_iter(),
            )),
            AttributeValue::Ns(items) => visitor.visit_seq(SeqDeserializer(
                mem::take(items).into_iter().map(AttributeValue::N).collect::<Vec<_>>().into_iter(),
            )),
            AttributeValue::Bs(items) => visitor.visit_seq(SeqDeserializer(
                mem::take(items).into_iter().map(AttributeValue::B).collect::<Vec<_>>().into_iter(),
            )),
            AttributeValue::M(map) => visitor.visit_map(MapDeserializer::new(mem::take(map))),
            _ => Err(ConvertError::new("unknown attribute value type")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match &self.0 {
            AttributeValue::Bool(b) => visitor.visit_bool(*b),
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
        self.deserialize_str(visitor)
    }

    /// Lends the text: types that parse it (decimals, identifiers, ...) do not take it over.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match &self.0 {
            // Numbers read as text too: decimal types parse it exactly.
            AttributeValue::S(s) | AttributeValue::N(s) => visitor.visit_str(s),
            _ => Err(self.mismatch("a string (S)")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, ConvertError> {
        match &mut self.0 {
            AttributeValue::S(s) | AttributeValue::N(s) => visitor.visit_string(mem::take(s)),
            _ => Err(self.mismatch("a string (S)")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match &self.0 {
            AttributeValue::B(b) => visitor.visit_bytes(b.as_ref()),
            _ => Err(self.mismatch("binary (B)")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(
        mut self,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        match &mut self.0 {
            AttributeValue::B(b) => visitor.visit_byte_buf(mem::take(b).into_inner()),
            _ => Err(self.mismatch("binary (B)")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match &self.0 {
            AttributeValue::Null(_) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match &self.0 {
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

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, ConvertError> {
        match &mut self.0 {
            // Bytes read as a sequence of u8, for Vec<u8> and [u8; N].
            AttributeValue::B(b) => visitor.visit_seq(BytesDeserializer {
                bytes: Zeroizing::new(mem::take(b).into_inner()),
                next: 0,
            }),
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

    fn deserialize_map<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, ConvertError> {
        match &mut self.0 {
            AttributeValue::M(map) => visitor.visit_map(MapDeserializer::new(mem::take(map))),
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
        mut self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        match &mut self.0 {
            AttributeValue::S(variant) => {
                visitor.visit_enum(UnitVariant(KeyDeserializer(mem::take(variant))))
            }
            AttributeValue::M(map) if map.len() == 1 => {
                let (variant, value) = mem::take(map)
                    .into_iter()
                    .next()
                    .ok_or_else(|| ConvertError::new("empty map"))?;
                visitor.visit_enum(EnumDeserializer {
                    variant: KeyDeserializer(variant),
                    value: ValueDeserializer(value),
                })
            }
            _ => Err(self.mismatch("an enum: a string (S), or a map (M) with one entry")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_str(visitor)
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

/// The elements of a list or set; those not read are wiped when dropped.
struct SeqDeserializer(std::vec::IntoIter<AttributeValue>);

impl Drop for SeqDeserializer {
    fn drop(&mut self) {
        self.0.as_mut_slice().iter_mut().for_each(wipe::value);
    }
}

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

/// A binary value read as a sequence of `u8`; wiped when dropped.
struct BytesDeserializer {
    bytes: Zeroizing<Vec<u8>>,
    next: usize,
}

impl<'de> de::SeqAccess<'de> for BytesDeserializer {
    type Error = ConvertError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ConvertError> {
        let Some(&byte) = self.bytes.get(self.next) else { return Ok(None) };
        self.next += 1;
        seed.deserialize(byte.into_deserializer()).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.bytes.len() - self.next)
    }
}

/// The entries of a map; those not read are wiped when dropped.
struct MapDeserializer {
    entries: hash_map::IntoIter<String, AttributeValue>,
    value: Option<ValueDeserializer>,
}

impl MapDeserializer {
    fn new(map: HashMap<String, AttributeValue>) -> Self {
        Self { entries: map.into_iter(), value: None }
    }
}

impl Drop for MapDeserializer {
    fn drop(&mut self) {
        for (mut name, mut value) in self.entries.by_ref() {
            name.zeroize();
            wipe::value(&mut value);
        }
    }
}

impl<'de> de::MapAccess<'de> for MapDeserializer {
    type Error = ConvertError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ConvertError> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(ValueDeserializer(value));
        seed.deserialize(KeyDeserializer(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ConvertError> {
        let value =
            self.value.take().ok_or_else(|| ConvertError::new("map value without a key"))?;
        seed.deserialize(value)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum stored as a map with one entry: `{variant: data}`.
struct EnumDeserializer {
    variant: KeyDeserializer,
    value: ValueDeserializer,
}

impl<'de> de::EnumAccess<'de> for EnumDeserializer {
    type Error = ConvertError;
    type Variant = ValueDeserializer;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, ValueDeserializer), ConvertError> {
        let variant = seed.deserialize(self.variant)?;
        Ok((variant, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for ValueDeserializer {
    type Error = ConvertError;

    fn unit_variant(self) -> Result<(), ConvertError> {
        match &self.0 {
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

/// An enum stored as a string: a unit variant, named by the string.
struct UnitVariant(KeyDeserializer);

impl<'de> de::EnumAccess<'de> for UnitVariant {
    type Error = ConvertError;
    type Variant = UnitOnly;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, UnitOnly), ConvertError> {
        Ok((seed.deserialize(self.0)?, UnitOnly))
    }
}

/// The data of a variant named by a string: none.
struct UnitOnly;

impl<'de> de::VariantAccess<'de> for UnitOnly {
    type Error = ConvertError;

    fn unit_variant(self) -> Result<(), ConvertError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, ConvertError> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"newtype variant"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, ConvertError> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"tuple variant"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, ConvertError> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"struct variant"))
    }
}

/// Map keys are strings; integer and boolean keys parse from them. Wiped when dropped, unless
/// a visitor takes the string over.
struct KeyDeserializer(String);

impl Drop for KeyDeserializer {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

macro_rules! parse_key {
    ($($method:ident => $visit:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
            visitor.$visit(self.0.parse().map_err(|_| ConvertError::new(concat!("a map key does not parse for ", stringify!($method))))?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDeserializer {
    type Error = ConvertError;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, ConvertError> {
        visitor.visit_string(mem::take(&mut self.0))
    }

    parse_key!(deserialize_bool => visit_bool, deserialize_i8 => visit_i8, deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32, deserialize_i64 => visit_i64, deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8, deserialize_u16 => visit_u16, deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64, deserialize_u128 => visit_u128);

    /// Lends the name: struct fields and variants are matched, not kept.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        visitor.visit_str(&self.0)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_str(visitor)
    }

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
        visitor.visit_enum(UnitVariant(self))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        f32 f64 string bytes byte_buf option unit unit_struct seq tuple tuple_struct map struct
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
