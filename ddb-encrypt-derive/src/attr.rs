//! Parsing of `#[ddb(...)]` on the struct and on its fields.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Path};

use crate::case::{RULES, RenameRule};
use crate::ctxt::Ctxt;
use crate::symbol::{
    CONTAINER_WORDS, CRATE, DDB, DEFAULT, DO_NOTHING, FIELD_WORDS, GSI_PARTITION_KEY, GSI_SORT_KEY,
    LSI_SORT_KEY, NUMBER, PARTITION_KEY, RENAME, RENAME_ALL, SET, SIGN_AND_INCLUDE, SIGN_ONLY,
    SKIP, SORT_KEY, Symbol, one_of,
};

/// A word that was given, kept for the span of its error messages.
pub(crate) type Flag = Option<Path>;

/// An index key role: the word (for spans) and the index name.
#[derive(Clone)]
pub(crate) struct IndexKey {
    pub(crate) word: Path,
    pub(crate) index: LitStr,
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
    pub(crate) rename: Option<(Path, LitStr)>,
    pub(crate) gsi_partition_keys: Vec<IndexKey>,
    pub(crate) gsi_sort_keys: Vec<IndexKey>,
    pub(crate) lsi_sort_keys: Vec<IndexKey>,
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
            ]
            .into_iter()
            .find(|(word, _)| path == *word);
            if let Some((word, slot)) = flag {
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error(format!("#[ddb({word})] takes no value")));
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
            Err(unknown(&meta, FIELD_WORDS))
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    out
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
                let path: Path = string_value(&meta, CRATE)?.parse()?;
                if out.crate_path.replace(path).is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate #[ddb(crate)] attribute");
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
    out
}

fn unknown(meta: &ParseNestedMeta<'_>, expected: &[Symbol]) -> syn::Error {
    let word = meta.path.get_ident().map_or_else(|| "?".to_owned(), ToString::to_string);
    meta.error(format!("unknown #[ddb({word})] attribute; expected {}", one_of(expected)))
}
