//! What happens to each attribute: encrypted and signed, only signed, or left alone.

use std::collections::BTreeMap;

/// What the item encryptor does with one attribute.
///
/// The variants are ordered by protection: `DoNothing < SignOnly <
/// SignAndIncludeInEncryptionContext < EncryptAndSign`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AttributeAction {
    /// Stored as is and not covered by the signature: it can be changed or removed unnoticed.
    DoNothing,
    /// Stored in the clear and covered by the signature. Key attributes must use this action,
    /// since DynamoDB needs their values.
    SignOnly,
    /// Stored in the clear, covered by the signature, and also bound into the DB-ESDK
    /// encryption context that every keyring sees (a KMS key policy can condition on it).
    /// Key attributes may use it instead of SIGN_ONLY; if any attribute does, every key
    /// attribute must. Legacy items sign it as SIGN_ONLY.
    SignAndIncludeInEncryptionContext,
    /// Encrypted, and the ciphertext covered by the signature. The default.
    EncryptAndSign,
}

impl AttributeAction {
    /// Whether the attribute is covered by the signature.
    pub fn is_signed(self) -> bool {
        self != Self::DoNothing
    }

    /// Whether the attribute is stored in the clear (every action but ENCRYPT_AND_SIGN).
    pub fn is_plaintext(self) -> bool {
        self != Self::EncryptAndSign
    }

    /// The name used by the other implementations and in vector files: `ENCRYPT_AND_SIGN`,
    /// `SIGN_ONLY`, `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT` or `DO_NOTHING`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DoNothing => "DO_NOTHING",
            Self::SignOnly => "SIGN_ONLY",
            Self::SignAndIncludeInEncryptionContext => "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT",
            Self::EncryptAndSign => "ENCRYPT_AND_SIGN",
        }
    }

    /// Parses the names of [`AttributeAction::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "DO_NOTHING" => Some(Self::DoNothing),
            "SIGN_ONLY" => Some(Self::SignOnly),
            "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT" => {
                Some(Self::SignAndIncludeInEncryptionContext)
            }
            "ENCRYPT_AND_SIGN" => Some(Self::EncryptAndSign),
            _ => None,
        }
    }
}

/// Per-attribute actions with a default for attributes not listed.
///
/// ```
/// use ddb_encrypt::AttributeAction;
/// use ddb_encrypt::schema::AttributeActions;
///
/// let actions = AttributeActions::new(AttributeAction::EncryptAndSign)
///     .with("status", AttributeAction::SignOnly)
///     .with("ttl", AttributeAction::DoNothing);
/// assert_eq!(actions.action("status"), AttributeAction::SignOnly);
/// assert_eq!(actions.action("email"), AttributeAction::EncryptAndSign);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeActions {
    default: AttributeAction,
    overrides: BTreeMap<String, AttributeAction>,
}

impl Default for AttributeActions {
    /// Encrypt and sign everything.
    fn default() -> Self {
        Self::new(AttributeAction::EncryptAndSign)
    }
}

impl AttributeActions {
    /// Actions that apply `default` to every attribute.
    pub fn new(default: AttributeAction) -> Self {
        Self { default, overrides: BTreeMap::new() }
    }

    /// Sets the action of the attribute `name`.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, action: AttributeAction) -> Self {
        self.set(name, action);
        self
    }

    /// Sets the action of the attribute `name`.
    pub fn set(&mut self, name: impl Into<String>, action: AttributeAction) {
        self.overrides.insert(name.into(), action);
    }

    /// The action for attributes not listed.
    pub fn default_action(&self) -> AttributeAction {
        self.default
    }

    /// The action of the attribute `name`.
    pub fn action(&self, name: &str) -> AttributeAction {
        self.overrides.get(name).copied().unwrap_or(self.default)
    }

    /// The attributes with their own action, sorted by name.
    pub fn overrides(&self) -> impl ExactSizeIterator<Item = (&str, AttributeAction)> {
        self.overrides.iter().map(|(name, action)| (name.as_str(), *action))
    }

    pub(crate) fn get(&self, name: &str) -> Option<AttributeAction> {
        self.overrides.get(name).copied()
    }
}
