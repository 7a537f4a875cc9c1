//! Item-level names and limits shared by the encryptor and the table layer.

/// The attribute holding the material description.
pub const DESCRIPTION_ATTRIBUTE: &str = "*amzn-ddb-map-desc*";
/// The attribute holding the signature.
pub const SIGNATURE_ATTRIBUTE: &str = "*amzn-ddb-map-sig*";
/// Attribute names starting with this prefix are reserved for future envelope attributes.
pub const RESERVED_PREFIX: &str = "*ddbe-";
/// DynamoDB's longest attribute name, in bytes.
pub(crate) const MAX_NAME_LEN: usize = 65535;

/// `true` for the envelope's attribute names and names with the reserved prefix.
pub fn is_reserved_name(name: &str) -> bool {
    name == DESCRIPTION_ATTRIBUTE
        || name == SIGNATURE_ATTRIBUTE
        || name.starts_with(RESERVED_PREFIX)
}
