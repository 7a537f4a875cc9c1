//! The material description attribute `*amzn-ddb-map-desc*` (`docs/legacy-format.md` section 2).
#![warn(clippy::indexing_slicing, clippy::cast_possible_truncation)]

use std::collections::BTreeMap;
use std::collections::btree_map;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use zeroize::Zeroizing;

use crate::codec::{self, DecodeError, Reader, TooLong};

/// Names of the entries the encryptor and the providers write.
pub(crate) mod keys {
    pub(crate) const SYM_MODE: &str = "amzn-ddb-map-sym-mode";
    pub(crate) const SIGNING_ALG: &str = "amzn-ddb-map-signingAlg";
    pub(crate) const ENV_KEY: &str = "amzn-ddb-env-key";
    pub(crate) const ENV_ALG: &str = "amzn-ddb-env-alg";
    pub(crate) const WRAP_ALG: &str = "amzn-ddb-wrap-alg";
}

/// Values of `amzn-ddb-map-sym-mode`.
pub(crate) mod sym_mode {
    pub(crate) const CBC: &str = "/CBC/PKCS5Padding";
}

const VERSION: [u8; 4] = [0, 0, 0, 0];

/// The material description of an encrypted item: a string-to-string map, stored in the clear
/// in the `*amzn-ddb-map-desc*` attribute.
///
/// Providers put what they need to find the keys again into it (a wrapped content key, a key
/// version, algorithm names); the item encryptor adds the encryption mode and signing algorithm.
///
/// # Security
///
/// The description is stored in the clear and is not authenticated at all. Never put secrets
/// into it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaterialDescription {
    entries: BTreeMap<String, String>,
}

impl MaterialDescription {
    /// An empty description.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// Sets `key` to `value`, returning the previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.entries.insert(key.into(), value.into())
    }

    /// The wrapped content key of `amzn-ddb-env-key`, if there is one; an error if it is not
    /// base64. Line breaks and other ASCII whitespace are skipped: old Java writers used MIME
    /// base64.
    pub(crate) fn wrapped_key(&self) -> Option<Result<Vec<u8>, base64::DecodeError>> {
        let value = self.get(keys::ENV_KEY)?;
        let compact: Zeroizing<Vec<u8>> =
            Zeroizing::new(value.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
        Some(BASE64.decode(&*compact))
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.entries.remove(key)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, sorted by key.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// Encodes the description: version `00000000`, then `LV(key) LV(value)` pairs sorted by key.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, TooLong> {
        let len = self.entries.iter().map(|(k, v)| 8 + k.len() + v.len()).sum::<usize>();
        let mut out = Vec::with_capacity(4 + len);
        out.extend_from_slice(&VERSION);
        for (key, value) in &self.entries {
            codec::put_lv(&mut out, key.as_bytes())?;
            codec::put_lv(&mut out, value.as_bytes())?;
        }
        Ok(out)
    }

    /// Encodes the description with `overrides` merged in: their entries, sorted by key, win
    /// over the description's own. Builds no intermediate map.
    pub(crate) fn encode_with(&self, overrides: &[(&str, &str)]) -> Result<Vec<u8>, TooLong> {
        debug_assert!(overrides.is_sorted_by(|a, b| a.0 < b.0), "overrides sorted by key");
        let len = self.entries.iter().map(|(k, v)| 8 + k.len() + v.len()).sum::<usize>()
            + overrides.iter().map(|(k, v)| 8 + k.len() + v.len()).sum::<usize>();
        let mut out = Vec::with_capacity(4 + len);
        out.extend_from_slice(&VERSION);
        let mut own = self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str())).peekable();
        let mut added = overrides.iter().copied().peekable();
        loop {
            let next = match (own.peek(), added.peek()) {
                (Some(a), Some(b)) if a.0 < b.0 => own.next(),
                (Some(a), Some(b)) if a.0 == b.0 => {
                    own.next();
                    added.next()
                }
                (_, Some(_)) => added.next(),
                (Some(_), None) => own.next(),
                (None, None) => break,
            };
            if let Some((key, value)) = next {
                codec::put_lv(&mut out, key.as_bytes())?;
                codec::put_lv(&mut out, value.as_bytes())?;
            }
        }
        Ok(out)
    }

    /// Decodes a description written by any implementation: pairs in any order, the last of
    /// repeated keys wins (as in the Python and Java readers). Returns whether a key repeated.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<(Self, bool), DecodeError> {
        let mut reader = Reader::new(bytes);
        if reader.take(4)? != VERSION {
            return Err(DecodeError);
        }
        let mut entries = BTreeMap::new();
        let mut repeated = false;
        while !reader.is_empty() {
            let key = read_utf8(&mut reader)?;
            let value = read_utf8(&mut reader)?;
            repeated |= entries.insert(key, value).is_some();
        }
        Ok((Self { entries }, repeated))
    }
}

fn read_utf8(reader: &mut Reader<'_>) -> Result<String, DecodeError> {
    let bytes = reader.lv()?;
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| DecodeError)
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MaterialDescription {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self { entries: iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for MaterialDescription {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.entries.extend(iter.into_iter().map(|(k, v)| (k.into(), v.into())));
    }
}

impl<'a> IntoIterator for &'a MaterialDescription {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over the entries of a [`MaterialDescription`], sorted by key.
#[derive(Debug, Clone)]
pub struct Iter<'a>(btree_map::Iter<'a, String, String>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests;
