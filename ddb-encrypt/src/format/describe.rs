//! What an item's envelope says of it, for people and tools (`ddbe inspect`): its format,
//! suite, keys and which attributes are encrypted or signed. Never a value, and nothing is
//! verified: a description of a tampered item describes what the tamperer wrote.

use std::fmt::Write as _;

use aws_sdk_dynamodb::types::AttributeValue;

use super::dbesdk::{self, header::Header};
use super::{DESCRIPTION_ATTRIBUTE, Format, HEADER_ATTRIBUTE, SIGNATURE_ATTRIBUTE};
use crate::error::{Error, Result};
use crate::item::Item;
use crate::material_description::{MaterialDescription, keys};
use crate::schema::{AttributeAction, TableSchema};

/// What an item's envelope says of it, unverified ([`describe`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Description {
    /// The item's format.
    pub format: Format,
    /// The algorithm suite (DB-ESDK) or the content and signing algorithms (legacy).
    pub algorithm: Option<String>,
    /// Who can open the item: each wrapped data key's provider and key (a KMS key ARN, a
    /// branch key id and version, a raw key's namespace and name) for the DB-ESDK format;
    /// the material description's entries for the legacy format (the wrapped key by its
    /// length only).
    pub keys: Vec<String>,
    /// Attributes encrypted and signed.
    pub encrypted: Vec<String>,
    /// Attributes signed, stored in the clear.
    pub signed: Vec<String>,
    /// Attributes neither signed nor encrypted (DO_NOTHING, and every attribute of a
    /// plaintext item).
    pub unprotected: Vec<String>,
}

/// Describes `item`, as stored in the table `schema` describes, from its envelope alone.
///
/// For the DB-ESDK format, which attributes are encrypted comes from the item's own legend;
/// for the legacy format, which keeps no legend, from `schema`.
///
/// # Errors
///
/// [`Error::Integrity`] if the envelope does not parse or does not match the schema's
/// signed attributes; [`Error::FormatRefused`] never.
pub fn describe(schema: &TableSchema, item: &Item) -> Result<Description> {
    let format = Format::of(item).ok_or(Error::Integrity)?;
    let mut names: Vec<&str> =
        item.keys().map(String::as_str).filter(|name| !super::is_reserved_name(name)).collect();
    names.sort_unstable();
    let mut description = Description {
        format,
        algorithm: None,
        keys: Vec::new(),
        encrypted: Vec::new(),
        signed: Vec::new(),
        unprotected: Vec::new(),
    };
    match format {
        Format::Plaintext => description.unprotected = to_owned(&names),
        Format::Legacy => describe_legacy(schema, item, &names, &mut description)?,
        Format::DbEsdk => describe_dbesdk(schema, item, &mut description)?,
    }
    Ok(description)
}

fn to_owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|&name| name.to_owned()).collect()
}

fn describe_legacy(
    schema: &TableSchema,
    item: &Item,
    names: &[&str],
    out: &mut Description,
) -> Result<()> {
    if !matches!(item.get(SIGNATURE_ATTRIBUTE), Some(AttributeValue::B(_))) {
        return Err(Error::Integrity);
    }
    let md = match item.get(DESCRIPTION_ATTRIBUTE) {
        None => MaterialDescription::new(),
        Some(AttributeValue::B(bytes)) => {
            MaterialDescription::from_bytes(bytes.as_ref()).map_err(|_| Error::Integrity)?.0
        }
        Some(_) => return Err(Error::Integrity),
    };
    let algorithms: Vec<&str> =
        [keys::ENV_ALG, keys::SIGNING_ALG].iter().filter_map(|key| md.get(key)).collect();
    out.algorithm = (!algorithms.is_empty()).then(|| algorithms.join(", "));
    for (key, value) in &md {
        let mut line = format!("{key} = ");
        if key == keys::ENV_KEY {
            let _ = write!(line, "<wrapped data key, {} characters>", value.len());
        } else {
            line.push_str(value);
        }
        out.keys.push(line);
    }
    for &name in names {
        match schema.action(name) {
            AttributeAction::EncryptAndSign => out.encrypted.push(name.to_owned()),
            AttributeAction::DoNothing => out.unprotected.push(name.to_owned()),
            _ => out.signed.push(name.to_owned()),
        }
    }
    Ok(())
}

fn describe_dbesdk(schema: &TableSchema, item: &Item, out: &mut Description) -> Result<()> {
    let Some(AttributeValue::B(header)) = item.get(HEADER_ATTRIBUTE) else {
        return Err(Error::Integrity);
    };
    let header = Header::parse(header.as_ref()).map_err(|_| Error::Integrity)?;
    let suite = if header.flavor == 1 { 0x6701 } else { 0x6700 };
    out.algorithm = Some(format!("suite 0x{suite:04x}, format version {}", header.version));
    for key in &header.keys {
        out.keys.push(dbesdk::describe_data_key(key));
    }
    let signed = dbesdk::signed_names(schema, item);
    if signed.len() != header.legend.len() {
        return Err(Error::Integrity);
    }
    for (name, &byte) in signed.iter().zip(header.legend) {
        let list = if byte == b'e' { &mut out.encrypted } else { &mut out.signed };
        list.push((*name).to_owned());
    }
    out.unprotected = item
        .keys()
        .filter(|name| !super::is_reserved_name(name) && !signed.contains(&name.as_str()))
        .cloned()
        .collect();
    for list in [&mut out.encrypted, &mut out.signed, &mut out.unprotected] {
        list.sort_unstable();
    }
    Ok(())
}

#[cfg(test)]
mod tests;
