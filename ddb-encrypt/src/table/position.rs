//! Where a scan stopped, as a token that a later scan (another process, after a restart) can
//! start from.
#![warn(clippy::indexing_slicing, clippy::cast_possible_truncation)]

use std::fmt;
use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;

use crate::attribute::{self, NumberForm};
use crate::codec::{self, Reader};
use crate::error::{Error, Result};
use crate::item::Item;

/// The text before every token, with the version of its encoding.
const PREFIX: &str = "ddbe-scan-1.";
/// No key of DynamoDB's (2 attributes of at most 2 KiB and 1 KiB) makes a longer token.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Where a [`Scan`](super::Scan) stopped: the position after the last page it returned.
///
/// A scan given it with [`Scan::resume_from`](super::Scan::resume_from) reads every item that
/// a scan without a stop would still have read, and none that it had: a scan can be stopped
/// and resumed, by another process, after a restart, without repeating or skipping items.
///
/// Its text form (`to_string()`, and back with `parse()`) is opaque and stable across
/// releases of this crate: store it where a checkpoint goes. It holds the table name, the
/// segment, and the primary key of an item (key attributes are stored in the clear in any
/// case). It is bound to its table and segment: resuming another is refused.
#[derive(Clone, PartialEq)]
pub struct ScanPosition {
    pub(super) table: String,
    pub(super) segment: Option<(u32, u32)>,
    pub(super) key: Item,
}

/// Shows the table and segment, never the key.
impl fmt::Debug for ScanPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanPosition")
            .field("table", &self.table)
            .field("segment", &self.segment)
            .finish_non_exhaustive()
    }
}

impl ScanPosition {
    /// The table the position is in.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The segment and the total number of segments, for a segment of a parallel scan.
    pub fn segment(&self) -> Option<(u32, u32)> {
        self.segment
    }

    fn encode(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        codec::put_lv16(&mut out, self.table.as_bytes()).ok()?;
        match self.segment {
            None => out.push(0),
            Some((segment, total)) => {
                out.push(1);
                out.extend_from_slice(&segment.to_be_bytes());
                out.extend_from_slice(&total.to_be_bytes());
            }
        }
        let mut key: Vec<_> = self.key.iter().collect();
        key.sort_unstable_by_key(|(name, _)| name.as_str());
        out.push(u8::try_from(key.len()).ok()?);
        let mut value = Vec::new();
        for (name, attribute) in key {
            codec::put_lv16(&mut out, name.as_bytes()).ok()?;
            value.clear();
            attribute::serialize(attribute, NumberForm::Exact, &mut value).ok()?;
            codec::put_lv(&mut out, &value).ok()?;
        }
        Some(out)
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut reader = Reader::new(bytes);
        let table = String::from_utf8(reader.lv16().ok()?.to_vec()).ok()?;
        let segment = match reader.u8().ok()? {
            0 => None,
            1 => Some((reader.u32().ok()?, reader.u32().ok()?)),
            _ => return None,
        };
        let count = reader.u8().ok()?;
        let mut key = Item::new();
        for _ in 0..count {
            let name = String::from_utf8(reader.lv16().ok()?.to_vec()).ok()?;
            let value = attribute::deserialize(reader.lv().ok()?).ok()?;
            let scalar =
                matches!(value, AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_));
            if !scalar || key.insert(name, value).is_some() {
                return None;
            }
        }
        reader.finish().ok()?;
        Some(Self { table, segment, key })
    }
}

impl fmt::Display for ScanPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A position is made from a key DynamoDB returned, which always encodes.
        let bytes = self.encode().ok_or(fmt::Error)?;
        write!(f, "{PREFIX}{}", BASE64.encode(bytes))
    }
}

impl FromStr for ScanPosition {
    type Err = Error;

    /// # Errors
    ///
    /// [`Error::Config`] if the text is not a token of this crate's.
    fn from_str(text: &str) -> Result<Self> {
        let invalid = || {
            Error::config(
                "not a scan position: pass the text of a ScanPosition, unchanged (to_string())",
            )
        };
        let body = text.strip_prefix(PREFIX).filter(|b| b.len() <= MAX_TOKEN_LEN);
        let bytes = body.and_then(|b| BASE64.decode(b).ok()).ok_or_else(invalid)?;
        Self::decode(&bytes).ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position() -> ScanPosition {
        ScanPosition {
            table: "Orders".into(),
            segment: Some((2, 4)),
            key: Item::from([
                ("customer".to_owned(), AttributeValue::S("ada".into())),
                ("order_no".to_owned(), AttributeValue::N("17".into())),
                ("blob".to_owned(), AttributeValue::B(vec![0, 1, 2].into())),
            ]),
        }
    }

    #[test]
    fn a_position_reads_back_from_its_text() {
        let text = position().to_string();
        assert!(text.starts_with(PREFIX));
        assert_eq!(text.parse::<ScanPosition>().unwrap(), position());
        let unsegmented = ScanPosition { segment: None, ..position() };
        assert_eq!(unsegmented.to_string().parse::<ScanPosition>().unwrap(), unsegmented);
    }

    #[test]
    fn any_other_text_is_refused_without_a_panic() {
        let text = position().to_string();
        let mut refused = vec![
            String::new(),
            PREFIX.to_owned(),
            "ddbe-scan-2.AAAA".to_owned(),
            format!("{PREFIX}{}", "A".repeat(MAX_TOKEN_LEN + 4)),
        ];
        // Every truncation, and a changed character at every place that still decodes.
        refused.extend((PREFIX.len()..text.len()).map(|n| text[..n].to_owned()));
        for text in &refused {
            let error = text.parse::<ScanPosition>().unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{text}: {error:?}");
        }
        for at in PREFIX.len()..text.len() {
            let mut changed = text.clone().into_bytes();
            if let Some(byte) = changed.get_mut(at) {
                *byte = if *byte == b'B' { b'C' } else { b'B' };
            }
            // Either refused, or a different position: never a panic.
            let _ = String::from_utf8(changed).unwrap().parse::<ScanPosition>();
        }
    }

    #[test]
    fn its_debug_shows_no_key() {
        let debug = format!("{:?}", position());
        assert!(debug.contains("Orders") && !debug.contains("ada"), "{debug}");
    }
}
