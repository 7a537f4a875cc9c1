//! The per-table configuration of the item encryptor ([`TableSchema`]: table name, keys,
//! attribute actions), with everything that depends only on it computed once.

use sha2::{Digest, Sha256};

pub use crate::action::{AttributeAction, AttributeActions};
use crate::beacon::StandardBeacon;
use crate::error::{Error, Result};
use crate::format::{DESCRIPTION_ATTRIBUTE, is_reserved_name};
use crate::item::EncryptedItem;

/// What the item encryptor needs to know about a table: its name (bound into every signature),
/// its key attributes (always signed, never encrypted), and the action of every attribute.
///
/// Build it once per table and share it: it precomputes the hashes that the signature of
/// every item needs.
///
/// ```
/// use ddb_encrypt::{AttributeAction, TableSchema};
///
/// let schema = TableSchema::builder("Orders")
///     .partition_key("order_id")
///     .sort_key("created_at")
///     .action("ttl", AttributeAction::DoNothing)
///     .build()?;
/// assert_eq!(schema.action("order_id"), AttributeAction::SignOnly);
/// assert_eq!(schema.action("email"), AttributeAction::EncryptAndSign);
/// # Ok::<(), ddb_encrypt::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TableSchema {
    table_name: Option<String>,
    partition_key: Option<String>,
    sort_key: Option<String>,
    actions: AttributeActions,
    /// Action and `H(utf8(name))` of every attribute with its own action.
    /// Sorted by name: matched against an item's sorted names in one merge.
    known: Vec<(String, Known)>,
    /// `H("TABLE>" + table name + "<TABLE")`.
    table_hash: [u8; 32],
    /// An attribute is `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT` (DB-ESDK header version 2).
    includes_values: bool,
    all_do_nothing: bool,
    /// A key attribute is DO_NOTHING: allowed only to read old legacy tables.
    unsigned_keys: bool,
    /// Attributes without their own action whose names start with this are DO_NOTHING.
    unsigned_prefix: Option<String>,
    /// Standard beacons and the attributes they hash, sorted by beacon name.
    beacons: Vec<(String, StandardBeacon)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Known {
    pub(crate) action: AttributeAction,
    pub(crate) name_hash: [u8; 32],
}

impl TableSchema {
    /// Starts a schema for the table `table_name`.
    pub fn builder(table_name: impl Into<String>) -> TableSchemaBuilder {
        TableSchemaBuilder::new(Some(table_name.into()))
    }

    /// Starts a schema bound to no table name.
    ///
    /// <div class="warning">Only the legacy format supports this (its signature then covers
    /// the text <code>None</code>, as the Python client does); the DB-ESDK format refuses it.
    /// Without a table name, an item can be copied to another table unnoticed.</div>
    pub fn builder_without_table_name() -> TableSchemaBuilder {
        TableSchemaBuilder::new(None)
    }

    /// The schema of the item type `T` (from `#[derive(EncryptedItem)]`) in the table
    /// `table_name`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `T`'s schema is invalid (the derive checks it at compile time; a
    /// hand-written impl may not).
    pub fn for_item<T: EncryptedItem>(table_name: impl Into<String>) -> Result<Self> {
        let schema = T::SCHEMA;
        let mut actions = AttributeActions::new(AttributeAction::EncryptAndSign);
        for (name, action) in schema.attributes {
            actions.set(*name, *action);
        }
        let mut builder =
            Self::builder(table_name).partition_key(schema.partition_key.name).actions(actions);
        if let Some(sort_key) = schema.sort_key {
            builder = builder.sort_key(sort_key.name);
        }
        let keys =
            schema.indexes.iter().flat_map(|i| [Some(i.partition_key), i.sort_key]).flatten();
        for beacon in schema.beacons {
            builder =
                builder.beacon(beacon.attribute, StandardBeacon::new(beacon.name, beacon.length)?);
        }
        for key in keys.chain([schema.partition_key]).chain(schema.sort_key) {
            let action = builder.actions.action(key.name);
            if !(action.is_signed() && action.is_plaintext()) {
                return Err(Error::config(format_args!(
                    "key attribute `{}` must be SIGN_ONLY (or SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT) \
                     in the item schema",
                    key.name
                )));
            }
        }
        builder.build()
    }

    /// The table name.
    pub fn table_name(&self) -> Option<&str> {
        self.table_name.as_deref()
    }

    /// The partition key attribute name.
    pub fn partition_key(&self) -> Option<&str> {
        self.partition_key.as_deref()
    }

    /// The sort key attribute name.
    pub fn sort_key(&self) -> Option<&str> {
        self.sort_key.as_deref()
    }

    /// The action of the attribute `name`.
    pub fn action(&self, name: &str) -> AttributeAction {
        match self.actions.get(name) {
            Some(action) => action,
            None if self.is_unsigned_by_prefix(name) => AttributeAction::DoNothing,
            None => self.actions.default_action(),
        }
    }

    /// The prefix of unsigned attributes ([`TableSchemaBuilder::unsigned_prefix`]).
    pub fn unsigned_prefix(&self) -> Option<&str> {
        self.unsigned_prefix.as_deref()
    }

    fn is_unsigned_by_prefix(&self, name: &str) -> bool {
        self.unsigned_prefix.as_deref().is_some_and(|prefix| name.starts_with(prefix))
    }

    /// The attribute actions, key attributes included.
    pub fn actions(&self) -> &AttributeActions {
        &self.actions
    }

    /// The standard beacons, each with the attribute it hashes, sorted by beacon name.
    pub fn beacons(&self) -> impl ExactSizeIterator<Item = (&str, &StandardBeacon)> {
        self.beacons.iter().map(|(attribute, beacon)| (attribute.as_str(), beacon))
    }

    /// The configured attributes, sorted by name.
    pub(crate) fn known(&self) -> &[(String, Known)] {
        &self.known
    }

    /// The action of an attribute without its own and `H(utf8(name))`, which the string to
    /// sign needs for every signed attribute (zero for DO_NOTHING, which is not signed).
    ///
    /// Hashed on every call, never kept: names come from untrusted items, which must not
    /// leave anything behind before their signature is checked, and hashing a short name
    /// costs about what a locked map lookup did.
    pub(crate) fn resolve_unknown(&self, name: &str) -> (AttributeAction, [u8; 32]) {
        let action = if self.is_unsigned_by_prefix(name) {
            AttributeAction::DoNothing
        } else {
            self.actions.default_action()
        };
        if action == AttributeAction::DoNothing {
            return (action, [0; 32]);
        }
        (action, Sha256::digest(name).into())
    }

    pub(crate) fn table_hash(&self) -> &[u8; 32] {
        &self.table_hash
    }

    /// Whether an attribute is `SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT`: DB-ESDK items then
    /// bind those values into their encryption context (header version 2).
    pub(crate) fn includes_values_in_context(&self) -> bool {
        self.includes_values
    }

    pub(crate) fn all_do_nothing(&self) -> bool {
        self.all_do_nothing
    }

    /// Whether a key attribute is unsigned ([`TableSchemaBuilder::legacy_unsigned_keys`]):
    /// only legacy items may be written with such a schema.
    pub(crate) fn has_unsigned_keys(&self) -> bool {
        self.unsigned_keys
    }
}

/// Builds a [`TableSchema`].
#[derive(Debug, Clone)]
pub struct TableSchemaBuilder {
    table_name: Option<String>,
    partition_key: Option<String>,
    sort_key: Option<String>,
    actions: AttributeActions,
    unsigned_keys: bool,
    unsigned_prefix: Option<String>,
    beacons: Vec<(String, StandardBeacon)>,
}

impl TableSchemaBuilder {
    fn new(table_name: Option<String>) -> Self {
        Self {
            table_name,
            partition_key: None,
            sort_key: None,
            actions: AttributeActions::default(),
            unsigned_keys: false,
            unsigned_prefix: None,
            beacons: Vec::new(),
        }
    }

    /// Adds the standard beacon `beacon` of the ENCRYPT_AND_SIGN attribute `attribute`: tables
    /// write it beside each item that has the attribute, and find items by it
    /// ([`crate::beacon`]).
    #[must_use]
    pub fn beacon(mut self, attribute: impl Into<String>, beacon: StandardBeacon) -> Self {
        self.beacons.push((attribute.into(), beacon));
        self
    }

    /// Accepts key attributes that are not signed (DO_NOTHING, given explicitly or by a
    /// DO_NOTHING default action), as tables of the Python client with a DO_NOTHING default
    /// have them: for reading such tables only.
    ///
    /// <div class="warning">An unsigned key lets anyone who can write the table move an item
    /// to another key unnoticed, and with static or wrapped keys nothing else ties the item to
    /// its key. Encryptors refuse to write any format but the legacy one with such a schema;
    /// migrate the table to signed keys.</div>
    #[must_use]
    pub fn legacy_unsigned_keys(mut self) -> Self {
        self.unsigned_keys = true;
        self
    }

    /// Makes attributes whose names start with `prefix` DO_NOTHING, unless they have their own
    /// action: the DB-ESDK's "allowed unsigned attribute prefix", for items whose unsigned
    /// attributes are not known in advance (a reader of the official SDKs needs the same
    /// prefix, or the names, to read such items).
    #[must_use]
    pub fn unsigned_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.unsigned_prefix = Some(prefix.into());
        self
    }

    /// Names the partition key attribute. It is signed and never encrypted.
    #[must_use]
    pub fn partition_key(mut self, name: impl Into<String>) -> Self {
        self.partition_key = Some(name.into());
        self
    }

    /// Names the sort key attribute. It is signed and never encrypted.
    #[must_use]
    pub fn sort_key(mut self, name: impl Into<String>) -> Self {
        self.sort_key = Some(name.into());
        self
    }

    /// Replaces all attribute actions.
    #[must_use]
    pub fn actions(mut self, actions: AttributeActions) -> Self {
        self.actions = actions;
        self
    }

    /// Sets the action for attributes without their own (default: encrypt and sign).
    #[must_use]
    pub fn default_action(mut self, action: AttributeAction) -> Self {
        let mut actions = AttributeActions::new(action);
        for (name, action) in self.actions.overrides() {
            actions.set(name, action);
        }
        self.actions = actions;
        self
    }

    /// Sets the action of one attribute.
    #[must_use]
    pub fn action(mut self, name: impl Into<String>, action: AttributeAction) -> Self {
        self.actions.set(name, action);
        self
    }

    /// Checks the configuration and precomputes what every item needs.
    ///
    /// Key attributes without their own action become SIGN_ONLY, whatever the default action.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if a key attribute is configured as ENCRYPT_AND_SIGN, or as DO_NOTHING
    /// without [`legacy_unsigned_keys`](Self::legacy_unsigned_keys); if an action is
    /// configured for a name reserved for the envelope, or if a name is empty or too long.
    pub fn build(self) -> Result<TableSchema> {
        let Self {
            table_name,
            partition_key,
            sort_key,
            mut actions,
            unsigned_keys,
            unsigned_prefix,
            mut beacons,
        } = self;
        for (name, _) in actions.overrides() {
            check_name(name)?;
        }
        let includes_values = actions.default_action()
            == AttributeAction::SignAndIncludeInEncryptionContext
            || actions
                .overrides()
                .any(|(_, action)| action == AttributeAction::SignAndIncludeInEncryptionContext);
        // With values in the encryption context, the keys must be among them (the DB-ESDK's
        // rule): a key without its own action takes that action.
        let key_action = if includes_values {
            AttributeAction::SignAndIncludeInEncryptionContext
        } else {
            AttributeAction::SignOnly
        };
        let mut has_unsigned_keys = false;
        for key in [&partition_key, &sort_key].into_iter().flatten() {
            check_name(key)?;
            let action = match actions.get(key) {
                Some(AttributeAction::EncryptAndSign) => {
                    return Err(Error::config(format_args!(
                        "key attribute `{key}` cannot be ENCRYPT_AND_SIGN: DynamoDB needs key \
                         values in the clear; make it SIGN_ONLY"
                    )));
                }
                Some(action) => action,
                // The Python client leaves keys unsigned under a DO_NOTHING default.
                None if unsigned_keys => actions.default_action().min(key_action),
                None => key_action,
            };
            if includes_values && action == AttributeAction::SignOnly {
                return Err(Error::config(format_args!(
                    "key attribute `{key}` must be SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT, since \
                     other attributes are: the DB-ESDK format puts either both keys or no values \
                     into the encryption context"
                )));
            }
            if action == AttributeAction::DoNothing {
                if !unsigned_keys {
                    return Err(Error::config(format_args!(
                        "key attribute `{key}` cannot be DO_NOTHING: keys are always signed, \
                         so that an item cannot be moved to another key; make it SIGN_ONLY \
                         (or call legacy_unsigned_keys() to read an old legacy table)"
                    )));
                }
                has_unsigned_keys = true;
            }
            actions.set(key.clone(), action);
        }
        let known = actions
            .overrides()
            .map(|(name, action)| {
                (name.to_owned(), Known { action, name_hash: Sha256::digest(name).into() })
            })
            .collect();
        let table_hash = Sha256::new()
            .chain_update("TABLE>")
            .chain_update(table_name.as_deref().unwrap_or("None"))
            .chain_update("<TABLE")
            .finalize()
            .into();
        check_beacons(&actions, &mut beacons)?;
        let all_do_nothing = actions.default_action() == AttributeAction::DoNothing
            && actions.overrides().all(|(_, action)| action == AttributeAction::DoNothing);
        Ok(TableSchema {
            table_name,
            partition_key,
            sort_key,
            actions,
            known,
            table_hash,
            includes_values,
            unsigned_prefix,
            all_do_nothing,
            unsigned_keys: has_unsigned_keys,
            beacons,
        })
    }
}

/// Beacons hash encrypted attributes only (a key or a plaintext value can be queried as it
/// is, and its beacon would reveal nothing new but cost a write), and have distinct names.
fn check_beacons(
    actions: &AttributeActions,
    beacons: &mut [(String, StandardBeacon)],
) -> Result<()> {
    beacons.sort_by(|a, b| a.1.name().cmp(b.1.name()));
    for (attribute, beacon) in beacons.iter() {
        if actions.action(attribute) != AttributeAction::EncryptAndSign {
            return Err(Error::config(format_args!(
                "beacon `{}` hashes attribute `{attribute}`, which is not ENCRYPT_AND_SIGN: a \
                 beacon is for an encrypted value (a plaintext one can be queried as it is)",
                beacon.name()
            )));
        }
    }
    for pair in beacons.windows(2) {
        if let [(_, first), (_, second)] = pair
            && first.name() == second.name()
        {
            return Err(Error::config(format_args!(
                "two beacons are named `{}`: give each beacon its own name",
                first.name()
            )));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    if is_reserved_name(name) {
        return Err(Error::config(format_args!(
            "attribute name `{name}` is reserved for the encryption envelope \
             ({DESCRIPTION_ATTRIBUTE}, *amzn-ddb-map-sig*, and names starting with *ddbe-); \
             it cannot have an action"
        )));
    }
    if name.is_empty() || name.len() > crate::format::MAX_NAME_LEN {
        return Err(Error::config(format_args!(
            "attribute name `{name}` must be 1 to 65535 bytes long"
        )));
    }
    Ok(())
}
