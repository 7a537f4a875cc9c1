//! Parsing of `#[ddb(...)]` on the struct and on its fields.

use std::ops::RangeInclusive;

use proc_macro2::{Delimiter, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitInt, LitStr, Path};

use crate::case::{RULES, RenameRule};
use crate::ctxt::Ctxt;
use crate::symbol::{
    ALIAS, BEACON, BEACON_WORDS, BOUND, CONTAINER_WORDS, CRATE, DDB, DEFAULT, DENY_UNKNOWN_FIELDS,
    DESERIALIZE_WITH, DO_NOTHING, ENCRYPT, ENCRYPT_AND_SIGN, FIELD_WORDS, FLATTEN, FROM,
    GSI_PARTITION_KEY, GSI_SORT_KEY, INDEX, INTO, LENGTH, LSI_SORT_KEY, NAME, NUMBER,
    PARTITION_KEY, REMOTE, RENAME, RENAME_ALL, SERDE, SERIALIZE_WITH, SET, SIGN_AND_INCLUDE,
    SIGN_ONLY, SKIP, SKIP_DESERIALIZING, SKIP_SERIALIZING, SKIP_SERIALIZING_IF, SORT_KEY, Symbol,
    TAG, TENANT, TRANSPARENT, TRY_FROM, WITH, one_of,
};

/// A word that was given, kept for the span of its error messages.
pub(crate) type Flag = Option<Path>;

/// An index key role: the word (for spans) and the index name.
#[derive(Clone)]
pub(crate) struct IndexKey {
    pub(crate) word: Path,
    pub(crate) index: LitStr,
}

/// `#[ddb(beacon(length = N, index = "Index", name = "name"))]`: the word (for spans) and its
/// settings. A setting that is missing or malformed is reported and left out; the word still
/// counts, so that the rules on beacons are checked too.
pub(crate) struct Beacon {
    pub(crate) word: Path,
    pub(crate) length: Option<LitInt>,
    pub(crate) index: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
}

impl Beacon {
    /// The shortest and longest beacon, in bits.
    pub(crate) const LENGTHS: RangeInclusive<u8> = 1..=63;

    /// The length in bits, if it is given and in range.
    pub(crate) fn bits(&self) -> Option<u8> {
        let bits = self.length.as_ref()?.base10_parse::<u8>().ok()?;
        Self::LENGTHS.contains(&bits).then_some(bits)
    }
}

#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) partition_key: Flag,
    pub(crate) sort_key: Flag,
    pub(crate) sign_only: Flag,
    pub(crate) do_nothing: Flag,
    pub(crate) sign_and_include: Flag,
    pub(crate) skip: Flag,
    pub(crate) default: Flag,
    pub(crate) set: Flag,
    pub(crate) number: Flag,
    /// `#[ddb(tenant)]`: the attribute whose value names the item's branch key.
    pub(crate) tenant: Flag,
    pub(crate) rename: Option<(Path, LitStr)>,
    /// `#[serde(default = "path")]`: the function a missing (or skipped) field reads as.
    pub(crate) default_fn: Option<syn::ExprPath>,
    /// `#[serde(skip_serializing_if = "path")]`: the word and the predicate.
    pub(crate) skip_if: Option<(Path, syn::ExprPath)>,
    pub(crate) gsi_partition_keys: Vec<IndexKey>,
    pub(crate) gsi_sort_keys: Vec<IndexKey>,
    pub(crate) lsi_sort_keys: Vec<IndexKey>,
    pub(crate) beacon: Option<Beacon>,
}

impl FieldAttrs {
    /// Every index key role of the field.
    pub(crate) fn index_keys(&self) -> impl Iterator<Item = &IndexKey> {
        self.gsi_partition_keys.iter().chain(&self.gsi_sort_keys).chain(&self.lsi_sort_keys)
    }

    /// The first word that makes the field a table or index key, for spans.
    pub(crate) fn key_word(&self) -> Option<&Path> {
        self.partition_key
            .as_ref()
            .or(self.sort_key.as_ref())
            .or_else(|| self.index_keys().next().map(|k| &k.word))
    }
}

#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) crate_path: Option<Path>,
    /// `#[ddb(bound = "T: Trait, ...")]`: the where-clause predicates of the impl.
    pub(crate) bound: Option<Vec<syn::WherePredicate>>,
}

fn set_flag(cx: &Ctxt, slot: &mut Flag, meta: &ParseNestedMeta<'_>, word: Symbol) {
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("duplicate #[ddb({word})] attribute"));
    } else {
        *slot = Some(meta.path.clone());
    }
}

fn string_value(meta: &ParseNestedMeta<'_>, word: Symbol) -> syn::Result<LitStr> {
    let value =
        meta.value().map_err(|_| meta.error(format!("expected #[ddb({word} = \"...\")]")))?;
    let lit: LitStr = value
        .parse()
        .map_err(|_| meta.error(format!("expected #[ddb({word} = \"...\")] with a string")))?;
    if lit.value().is_empty() {
        return Err(syn::Error::new_spanned(
            &lit,
            format!("#[ddb({word} = \"...\")] must not be empty"),
        ));
    }
    Ok(lit)
}

/// The `#[ddb(...)]` attributes of a field.
pub(crate) fn field(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path() == DDB) {
        let result = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let flag = [
                (PARTITION_KEY, &mut out.partition_key),
                (SORT_KEY, &mut out.sort_key),
                (SIGN_ONLY, &mut out.sign_only),
                (DO_NOTHING, &mut out.do_nothing),
                (SIGN_AND_INCLUDE, &mut out.sign_and_include),
                (SKIP, &mut out.skip),
                (DEFAULT, &mut out.default),
                (SET, &mut out.set),
                (NUMBER, &mut out.number),
                (TENANT, &mut out.tenant),
            ]
            .into_iter()
            .find(|(word, _)| path == *word);
            if let Some((word, slot)) = flag {
                // A value or arguments are an error, but the word still counts: what follows
                // is checked as if it were written right.
                if meta.input.peek(syn::Token![=]) {
                    cx.syn_error(meta.error(format!(
                        "#[ddb({word})] takes no value: write #[ddb({word})]"
                    )));
                    meta.value()?.parse::<syn::Expr>()?;
                } else if meta.input.peek(syn::token::Paren) {
                    cx.syn_error(meta.error(format!(
                        "#[ddb({word})] takes no arguments: write #[ddb({word})]"
                    )));
                    meta.parse_nested_meta(|inner| skip_value(&inner))?;
                }
                set_flag(cx, slot, &meta, word);
                return Ok(());
            }
            let index_role = [
                (GSI_PARTITION_KEY, &mut out.gsi_partition_keys),
                (GSI_SORT_KEY, &mut out.gsi_sort_keys),
                (LSI_SORT_KEY, &mut out.lsi_sort_keys),
            ]
            .into_iter()
            .find(|(word, _)| path == *word);
            if let Some((word, keys)) = index_role {
                let index = string_value(&meta, word)?;
                if keys.iter().any(|k| k.index.value() == index.value()) {
                    cx.error_spanned_by(
                        path,
                        format!("duplicate #[ddb({word} = \"{}\")] attribute", index.value()),
                    );
                } else {
                    keys.push(IndexKey { word: path.clone(), index });
                }
                return Ok(());
            }
            if path == RENAME {
                let name = string_value(&meta, RENAME)?;
                if out.rename.is_some() {
                    cx.error_spanned_by(path, "duplicate #[ddb(rename)] attribute");
                } else {
                    out.rename = Some((path.clone(), name));
                }
                return Ok(());
            }
            if path == BEACON {
                let beacon = beacon(cx, &meta)?;
                if out.beacon.is_some() {
                    cx.error_spanned_by(
                        path,
                        "duplicate #[ddb(beacon)] attribute: a field has at most one beacon",
                    );
                } else {
                    out.beacon = Some(beacon);
                }
                return Ok(());
            }
            if path == ENCRYPT || path == ENCRYPT_AND_SIGN {
                return Err(meta.error("fields are encrypted and signed by default: remove this word (keys are always signed plaintext; #[ddb(sign_only)] and #[ddb(do_nothing)] store a field in the clear)"));
            }
            Err(unknown(&meta, FIELD_WORDS))
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    serde_field(cx, attrs, &mut out);
    out
}

/// How a beacon is written, for messages.
const BEACON_FORM: &str = "#[ddb(beacon(length = 16))], with the length in bits (1 to 63), and optionally index = \"Index\" and name = \"name\"";

/// `#[ddb(beacon(...))]`. Malformed settings are reported to `cx` and left out; what follows
/// them is still read.
fn beacon(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Beacon> {
    let mut out = Beacon { word: meta.path.clone(), length: None, index: None, name: None };
    if meta.input.peek(syn::Token![=]) {
        cx.syn_error(meta.error(format!(
            "#[ddb(beacon)] takes its settings in parentheses: write {BEACON_FORM}"
        )));
        meta.value()?.parse::<syn::Expr>()?;
        return Ok(out);
    }
    // Without settings (`beacon` or `beacon()`), the length is missing.
    let settings = match meta.input.fork().parse::<TokenTree>() {
        Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => Some(group),
        _ => None,
    };
    if settings.as_ref().is_none_or(|group| group.stream().is_empty()) {
        cx.syn_error(meta.error(format!("#[ddb(beacon)] needs a length: write {BEACON_FORM}")));
        if settings.is_some() {
            meta.input.parse::<TokenTree>()?;
        }
        return Ok(out);
    }
    // Whether `length` was written, even wrongly: a wrong one is reported as such, not as missing.
    let mut length_given = false;
    meta.parse_nested_meta(|inner| {
        let duplicate = |word: Symbol| {
            cx.error_spanned_by(&inner.path, format!("duplicate `{word}` in #[ddb(beacon(...))]"));
        };
        if inner.path == LENGTH {
            let value = inner
                .value()
                .map_err(|_| inner.error(format!("expected `length = N`: write {BEACON_FORM}")))?;
            let expr: syn::Expr = value.parse()?;
            if length_given {
                duplicate(LENGTH);
                return Ok(());
            }
            length_given = true;
            match expr {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => {
                    out.length = Some(lit);
                }
                other => cx.error_spanned_by(
                    other,
                    "the beacon length is a number of bits: write an integer from 1 to 63, like `length = 16`",
                ),
            }
            return Ok(());
        }
        let text = [(INDEX, &mut out.index), (NAME, &mut out.name)]
            .into_iter()
            .find(|(word, _)| inner.path == *word);
        if let Some((word, slot)) = text {
            let lit = beacon_string(&inner, word)?;
            if slot.is_some() {
                duplicate(word);
            } else {
                *slot = Some(lit);
            }
            return Ok(());
        }
        let word = inner.path.get_ident().map_or_else(|| "?".to_owned(), ToString::to_string);
        cx.syn_error(inner.error(format!(
            "unknown `{word}` in #[ddb(beacon(...))]; expected {}: write {BEACON_FORM}",
            one_of(BEACON_WORDS)
        )));
        skip_value(&inner)
    })?;
    if !length_given {
        cx.error_spanned_by(
            &out.word,
            format!("#[ddb(beacon(...))] needs a length: write {BEACON_FORM}"),
        );
    }
    Ok(out)
}

/// A string setting of `#[ddb(beacon(...))]`: `word = "..."`, not empty.
fn beacon_string(meta: &ParseNestedMeta<'_>, word: Symbol) -> syn::Result<LitStr> {
    let expected = || {
        meta.error(format!(
            "expected `{word} = \"...\"` in #[ddb(beacon(...))], with a string: write {BEACON_FORM}"
        ))
    };
    let lit: LitStr = meta.value().map_err(|_| expected())?.parse().map_err(|_| expected())?;
    if lit.value().is_empty() {
        return Err(syn::Error::new_spanned(
            &lit,
            format!("`{word} = \"...\"` in #[ddb(beacon(...))] must not be empty"),
        ));
    }
    Ok(lit)
}

/// serde attributes that would change a field's stored form, and what to write instead.
const SERDE_FIELD_REFUSALS: &[(Symbol, &str)] = &[
    (WITH, "wrap the field's type in a newtype whose Serialize and Deserialize convert it"),
    (
        SERIALIZE_WITH,
        "wrap the field's type in a newtype whose Serialize and Deserialize convert it",
    ),
    (
        DESERIALIZE_WITH,
        "wrap the field's type in a newtype whose Serialize and Deserialize convert it",
    ),
    (FLATTEN, "declare the fields in this struct, or store the nested struct as one map attribute"),
    (SKIP_SERIALIZING, "a field is stored and read, or neither: use #[ddb(skip)]"),
    (SKIP_DESERIALIZING, "a field is stored and read, or neither: use #[ddb(skip)]"),
    (ALIAS, "an item has one name per attribute: use #[ddb(rename = \"...\")]"),
];

/// serde attributes of the struct that would change how its items are stored.
const SERDE_CONTAINER_REFUSALS: &[(Symbol, &str)] = &[
    (DEFAULT, "put #[ddb(default)] on each field that may be missing"),
    (TRANSPARENT, "an item is a struct of attributes"),
    (FROM, "an item is read field by field"),
    (TRY_FROM, "an item is read field by field"),
    (INTO, "an item is written field by field"),
    (REMOTE, "derive on a local struct"),
    (TAG, "declare the attribute as a field"),
    (DENY_UNKNOWN_FIELDS, "attributes that no field takes are wiped and dropped"),
];

/// Reports a refused serde attribute; whether `meta` was one.
fn refuse_serde(cx: &Ctxt, meta: &ParseNestedMeta<'_>, refusals: &[(Symbol, &str)]) -> bool {
    let Some((word, fix)) = refusals.iter().find(|(word, _)| meta.path == *word) else {
        return false;
    };
    cx.error_spanned_by(
        &meta.path,
        format!("#[serde({word})] is not applied to the DynamoDB item by #[derive(EncryptedItem)]: {fix}"),
    );
    true
}

/// A serde attribute's string value parsed as a function path.
fn serde_path(meta: &ParseNestedMeta<'_>, word: Symbol) -> syn::Result<syn::ExprPath> {
    let lit = string_value(meta, word)?;
    lit.parse().map_err(|_| {
        syn::Error::new_spanned(&lit, format!("#[serde({word} = \"...\")] must name a function"))
    })
}

/// The `#[serde(...)]` attributes of a field, with serde's meaning: `rename`, `skip`, `default`
/// (with or without a function) and `skip_serializing_if` are applied (a `#[ddb]` attribute
/// of the same kind wins); those that would store the field in another form are refused; the
/// rest (`bound`, `borrow`, `getter`) do not change the item and are left to serde.
fn serde_field(cx: &Ctxt, attrs: &[Attribute], out: &mut FieldAttrs) {
    let mut rename = None;
    let mut skip = None;
    let mut default = None;
    for attr in attrs.iter().filter(|a| a.path() == SERDE) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path == RENAME && meta.input.peek(syn::token::Paren) {
                cx.error_spanned_by(&meta.path, "#[serde(rename(serialize = ..., deserialize = ...))] is not applied to the DynamoDB item: an attribute has one name; use #[ddb(rename = \"...\")]");
            } else if meta.path == RENAME {
                rename = Some((meta.path.clone(), string_value(&meta, RENAME)?));
                return Ok(());
            } else if meta.path == SKIP {
                skip = Some(meta.path.clone());
            } else if meta.path == DEFAULT {
                let function = if meta.input.peek(syn::Token![=]) {
                    Some(serde_path(&meta, DEFAULT)?)
                } else {
                    None
                };
                default = Some((meta.path.clone(), function));
                return Ok(());
            } else if meta.path == SKIP_SERIALIZING_IF {
                out.skip_if = Some((meta.path.clone(), serde_path(&meta, SKIP_SERIALIZING_IF)?));
                return Ok(());
            } else {
                refuse_serde(cx, &meta, SERDE_FIELD_REFUSALS);
            }
            skip_value(&meta)
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    if out.rename.is_none() {
        out.rename = rename;
    }
    if let Some((word, function)) = default {
        out.default_fn = function;
        // With serde's `skip`, the default is where the skipped field's value comes from.
        if skip.is_none() && out.default.is_none() {
            out.default = Some(word);
        }
    }
    if out.skip.is_none() {
        out.skip = skip;
    }
}

/// The `#[ddb(...)]` attributes of the struct.
pub(crate) fn container(cx: &Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path() == DDB) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path == RENAME_ALL {
                let name = string_value(&meta, RENAME_ALL)?;
                let Some(rule) = RenameRule::from_name(&name.value()) else {
                    let known: Vec<_> = RULES.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                    return Err(syn::Error::new_spanned(
                        &name,
                        format!(
                            "unknown #[ddb(rename_all)] rule; expected one of {}",
                            known.join(", ")
                        ),
                    ));
                };
                if out.rename_all.replace(rule).is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate #[ddb(rename_all)] attribute");
                }
                return Ok(());
            }
            if meta.path == CRATE {
                let lit = string_value(&meta, CRATE)?;
                let path: Path = lit.parse().map_err(|_| {
                    syn::Error::new_spanned(
                        &lit,
                        "#[ddb(crate = \"...\")] must name a path to the ddb-encrypt crate, like \"::ddb_encrypt\"",
                    )
                })?;
                if out.crate_path.replace(path).is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate #[ddb(crate)] attribute");
                }
                return Ok(());
            }
            if meta.path == BOUND {
                let lit = string_value(&meta, BOUND)?;
                let parser = syn::punctuated::Punctuated::<syn::WherePredicate, syn::Token![,]>::parse_terminated;
                let predicates = lit.parse_with(parser).map_err(|_| {
                    syn::Error::new_spanned(&lit, "#[ddb(bound = \"...\")] takes where-clause predicates, like \"T: serde::Serialize + serde::de::DeserializeOwned\"")
                })?;
                if out.bound.replace(predicates.into_iter().collect()).is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate #[ddb(bound)] attribute");
                }
                return Ok(());
            }
            if FIELD_WORDS.iter().any(|w| meta.path == *w) {
                return Err(meta.error(format!(
                    "#[ddb({})] belongs on a field, not on the struct",
                    meta.path.get_ident().map(ToString::to_string).unwrap_or_default()
                )));
            }
            Err(unknown(&meta, CONTAINER_WORDS))
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    serde_container(cx, attrs, &mut out);
    out
}

/// The `#[serde(...)]` attributes of the struct: `rename_all` is applied unless
/// `#[ddb(rename_all)]` is given; those that would change how items are stored are refused.
fn serde_container(cx: &Ctxt, attrs: &[Attribute], out: &mut ContainerAttrs) {
    for attr in attrs.iter().filter(|a| a.path() == SERDE) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path == RENAME_ALL && meta.input.peek(syn::token::Paren) {
                cx.error_spanned_by(&meta.path, "#[serde(rename_all(serialize = ..., deserialize = ...))] is not applied to the DynamoDB item: an attribute has one name; use #[ddb(rename_all = \"...\")]");
            } else if meta.path == RENAME_ALL {
                let name = string_value(&meta, RENAME_ALL)?;
                // serde reports an unknown rule itself.
                if let (None, Some(rule)) = (out.rename_all, RenameRule::from_name(&name.value())) {
                    out.rename_all = Some(rule);
                }
                return Ok(());
            } else {
                refuse_serde(cx, &meta, SERDE_CONTAINER_REFUSALS);
            }
            skip_value(&meta)
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
}

/// Consumes whatever an attribute word carries: `= value` or `(...)`.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

fn unknown(meta: &ParseNestedMeta<'_>, expected: &[Symbol]) -> syn::Error {
    let word = meta.path.get_ident().map_or_else(|| "?".to_owned(), ToString::to_string);
    meta.error(format!("unknown #[ddb({word})] attribute; expected {}", one_of(expected)))
}
