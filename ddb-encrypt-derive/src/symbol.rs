//! Every word the derive matches in `#[ddb(...)]` and `#[serde(...)]`.

use std::fmt;

use syn::{Ident, Path};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Symbol(pub(crate) &'static str);

pub(crate) const DDB: Symbol = Symbol("ddb");
pub(crate) const SERDE: Symbol = Symbol("serde");
/// serde's word, applied like its `#[ddb]` counterparts.
pub(crate) const SKIP_SERIALIZING_IF: Symbol = Symbol("skip_serializing_if");
// Field words.
pub(crate) const PARTITION_KEY: Symbol = Symbol("partition_key");
pub(crate) const SORT_KEY: Symbol = Symbol("sort_key");
pub(crate) const SIGN_ONLY: Symbol = Symbol("sign_only");
pub(crate) const DO_NOTHING: Symbol = Symbol("do_nothing");
pub(crate) const SIGN_AND_INCLUDE: Symbol = Symbol("sign_and_include");
pub(crate) const RENAME: Symbol = Symbol("rename");
pub(crate) const GSI_PARTITION_KEY: Symbol = Symbol("gsi_partition_key");
pub(crate) const GSI_SORT_KEY: Symbol = Symbol("gsi_sort_key");
pub(crate) const LSI_SORT_KEY: Symbol = Symbol("lsi_sort_key");
pub(crate) const SKIP: Symbol = Symbol("skip");
pub(crate) const DEFAULT: Symbol = Symbol("default");
pub(crate) const SET: Symbol = Symbol("set");
pub(crate) const NUMBER: Symbol = Symbol("number");
pub(crate) const BEACON: Symbol = Symbol("beacon");
pub(crate) const TENANT: Symbol = Symbol("tenant");
// Words inside `#[ddb(beacon(...))]`.
pub(crate) const LENGTH: Symbol = Symbol("length");
pub(crate) const INDEX: Symbol = Symbol("index");
pub(crate) const NAME: Symbol = Symbol("name");
// Container words.
pub(crate) const RENAME_ALL: Symbol = Symbol("rename_all");
pub(crate) const CRATE: Symbol = Symbol("crate");
pub(crate) const BOUND: Symbol = Symbol("bound");
// Words that are refused with a hint rather than reported as unknown.
pub(crate) const ENCRYPT: Symbol = Symbol("encrypt");
pub(crate) const ENCRYPT_AND_SIGN: Symbol = Symbol("encrypt_and_sign");
// serde's field words that would change the stored form (refused).
pub(crate) const WITH: Symbol = Symbol("with");
pub(crate) const SERIALIZE_WITH: Symbol = Symbol("serialize_with");
pub(crate) const DESERIALIZE_WITH: Symbol = Symbol("deserialize_with");
pub(crate) const FLATTEN: Symbol = Symbol("flatten");
pub(crate) const SKIP_SERIALIZING: Symbol = Symbol("skip_serializing");
pub(crate) const SKIP_DESERIALIZING: Symbol = Symbol("skip_deserializing");
pub(crate) const ALIAS: Symbol = Symbol("alias");
// serde's container words that would change how items are stored (refused).
pub(crate) const TRANSPARENT: Symbol = Symbol("transparent");
pub(crate) const FROM: Symbol = Symbol("from");
pub(crate) const TRY_FROM: Symbol = Symbol("try_from");
pub(crate) const INTO: Symbol = Symbol("into");
pub(crate) const REMOTE: Symbol = Symbol("remote");
pub(crate) const TAG: Symbol = Symbol("tag");
pub(crate) const DENY_UNKNOWN_FIELDS: Symbol = Symbol("deny_unknown_fields");

pub(crate) const FIELD_WORDS: &[Symbol] = &[
    PARTITION_KEY,
    SORT_KEY,
    SIGN_ONLY,
    DO_NOTHING,
    SIGN_AND_INCLUDE,
    RENAME,
    GSI_PARTITION_KEY,
    GSI_SORT_KEY,
    LSI_SORT_KEY,
    SKIP,
    DEFAULT,
    SET,
    NUMBER,
    BEACON,
    TENANT,
];
pub(crate) const BEACON_WORDS: &[Symbol] = &[LENGTH, INDEX, NAME];
pub(crate) const CONTAINER_WORDS: &[Symbol] = &[RENAME_ALL, CRATE, BOUND];

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// `` `a`, `b` or `c` `` for messages.
pub(crate) fn one_of(words: &[Symbol]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}
