//! The rules a derive input must follow, one function each. Every error is spanned on the
//! attribute or field that breaks the rule.

use std::collections::BTreeMap;

use quote::ToTokens as _;
use syn::LitStr;

use crate::ast::{Container, Field};
use crate::attr::IndexKey;
use crate::ctxt::Ctxt;
use crate::symbol::{
    BEACON, DEFAULT, DO_NOTHING, GSI_PARTITION_KEY, GSI_SORT_KEY, LSI_SORT_KEY, NUMBER, RENAME,
    SET, SIGN_AND_INCLUDE, SIGN_ONLY, Symbol, TENANT,
};

/// Names the legacy format's envelope uses (`docs/legacy-format.md` section 0).
const RESERVED_NAMES: [&str; 2] = ["*amzn-ddb-map-desc*", "*amzn-ddb-map-sig*"];
/// The prefixes reserved by storage formats: this crate's, and the DB-ESDK's
/// (`docs/dbesdk-format.md` section 1).
const RESERVED_PREFIXES: [&str; 2] = ["*ddbe-", "aws_dbe_"];
/// DynamoDB's longest key attribute name and longest attribute name, in bytes.
const MAX_KEY_NAME_LEN: usize = 255;
const MAX_NAME_LEN: usize = 65535;
/// The prefix of the attribute that stores a beacon (`docs/dbesdk-format.md`).
pub(crate) const BEACON_PREFIX: &str = "aws_dbe_b_";

pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    table_keys(cx, cont);
    keys_are_signed(cx, cont);
    actions_do_not_conflict(cx, cont);
    names_are_unique_and_allowed(cx, cont);
    indexes_are_complete(cx, cont);
    indexes_are_valid(cx, cont);
    beacons_are_valid(cx, cont);
    tenant_is_in_the_context(cx, cont);
    stored_fields_own_their_data(cx, cont);
}

/// One partition key, at most one sort key, and no sort or index key without a partition key:
/// DynamoDB tables are keyed by a partition key, optionally with a sort key.
fn table_keys(cx: &Ctxt, cont: &Container<'_>) {
    let mut partition: Option<&Field<'_>> = None;
    let mut sort: Option<&Field<'_>> = None;
    for field in &cont.fields {
        if let (Some(_), Some(s)) = (&field.attrs.partition_key, &field.attrs.sort_key) {
            cx.error_spanned_by(
                s,
                "a field cannot be both #[ddb(partition_key)] and #[ddb(sort_key)]",
            );
        }
        if let Some(word) = &field.attrs.partition_key {
            match partition {
                Some(first) => cx.error_spanned_by(
                    word,
                    format!("duplicate #[ddb(partition_key)]: a table has one partition key, already on field `{}`", first.member),
                ),
                None => partition = Some(field),
            }
        }
        if let Some(word) = &field.attrs.sort_key {
            match sort {
                Some(first) => cx.error_spanned_by(
                    word,
                    format!("duplicate #[ddb(sort_key)]: a table has at most one sort key, already on field `{}`", first.member),
                ),
                None => sort = Some(field),
            }
        }
    }
    if partition.is_some() {
        return;
    }
    let mut orphaned = false;
    for field in &cont.fields {
        if let Some(word) = &field.attrs.sort_key {
            cx.error_spanned_by(
                word,
                "#[ddb(sort_key)] needs a #[ddb(partition_key)] field in the same struct",
            );
            orphaned = true;
        }
        for key in field.attrs.index_keys() {
            cx.error_spanned_by(
                &key.word,
                format!("{} needs a #[ddb(partition_key)] field in the same struct", describe(key)),
            );
            orphaned = true;
        }
    }
    if !orphaned {
        cx.error_spanned_by(
            cont.ident,
            "missing #[ddb(partition_key)]: mark the field that holds the table's partition key",
        );
    }
}

/// Key and index-key attributes are SIGN_ONLY: DynamoDB needs their values in the clear, and
/// an unsigned key could be swapped unnoticed. They are always stored, and never sets.
fn keys_are_signed(cx: &Ctxt, cont: &Container<'_>) {
    let includes_values = cont.includes_values();
    for field in &cont.fields {
        let table_key = field.attrs.partition_key.is_some() || field.attrs.sort_key.is_some();
        // An index key is stored in the clear for DynamoDB to index it: the field must say so.
        let explicit = field.attrs.sign_only.is_some()
            || field.attrs.sign_and_include.is_some()
            || field.attrs.do_nothing.is_some();
        if let (false, false, Some(index)) = (table_key, explicit, field.attrs.index_keys().next())
        {
            let role = index.word.get_ident().map(ToString::to_string).unwrap_or_default();
            cx.error_spanned_by(
                &index.word,
                format!(
                    "a #[ddb({role})] field is stored in the clear, for DynamoDB to index it: add #[ddb(sign_only)] to say so (to find items by an encrypted value, index a beacon of it instead)"
                ),
            );
        }
        if let (true, true, Some(word)) = (includes_values, table_key, &field.attrs.sign_only) {
            cx.error_spanned_by(
                word,
                "with a #[ddb(sign_and_include)] field, the table keys are sign_and_include too (the DB-ESDK format binds both keys or no values into the encryption context): remove #[ddb(sign_only)] or write #[ddb(sign_and_include)]",
            );
        }
        let Some(key_word) = field.attrs.key_word() else { continue };
        let role = key_word.get_ident().map(ToString::to_string).unwrap_or_default();
        if let Some(word) = &field.attrs.do_nothing {
            cx.error_spanned_by(
                word,
                format!("key attributes must be signed: remove #[ddb(do_nothing)] from this #[ddb({role})] field"),
            );
        }
        if let Some(word) = &field.attrs.skip {
            cx.error_spanned_by(
                word,
                format!("a #[ddb({role})] field is always stored: remove `skip`"),
            );
        }
        if let Some(word) = &field.attrs.set {
            cx.error_spanned_by(
                word,
                format!(
                    "a #[ddb({role})] field cannot be a set: keys are strings, numbers or binary"
                ),
            );
        }
        if let Some(word) = &field.attrs.default {
            cx.error_spanned_by(
                word,
                format!("a #[ddb({role})] field is always stored: remove `default`"),
            );
        }
        if let Some((word, _)) = &field.attrs.skip_if {
            cx.error_spanned_by(
                word,
                format!("a #[ddb({role})] field is always stored: remove `skip_serializing_if`"),
            );
        }
        if let Some(word) = &field.attrs.number {
            cx.error_spanned_by(
                word,
                format!("a #[ddb({role})] field cannot use #[ddb(number)]: give it an integer type or ddb_encrypt::Number"),
            );
        }
    }
}

/// One action per field, and no conversion options on fields that are not stored.
fn actions_do_not_conflict(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        let attrs = &field.attrs;
        let actions = [
            (SIGN_ONLY, &attrs.sign_only),
            (SIGN_AND_INCLUDE, &attrs.sign_and_include),
            (DO_NOTHING, &attrs.do_nothing),
        ];
        let given: Vec<_> =
            actions.iter().filter_map(|(n, w)| w.as_ref().map(|w| (*n, w))).collect();
        if let [(first, _), (second, word), ..] = given.as_slice() {
            cx.error_spanned_by(
                word,
                format!("conflicting #[ddb({first})] and #[ddb({second})]: choose one action"),
            );
        }
        if let (Some(_), Some(word)) = (&attrs.set, &attrs.number) {
            cx.error_spanned_by(word, "#[ddb(number)] cannot be combined with #[ddb(set)]; use ddb_encrypt::Number members for a number set");
        }
        if attrs.skip.is_some() {
            let others = [
                (SIGN_ONLY, attrs.sign_only.as_ref()),
                (SIGN_AND_INCLUDE, attrs.sign_and_include.as_ref()),
                (DO_NOTHING, attrs.do_nothing.as_ref()),
                (DEFAULT, attrs.default.as_ref()),
                (SET, attrs.set.as_ref()),
                (NUMBER, attrs.number.as_ref()),
                (RENAME, attrs.rename.as_ref().map(|(word, _)| word)),
                (BEACON, attrs.beacon.as_ref().map(|beacon| &beacon.word)),
                (TENANT, attrs.tenant.as_ref()),
            ];
            for (name, word) in others {
                if let Some(word) = word {
                    cx.error_spanned_by(
                        word,
                        format!("skipped fields are not stored: remove `{name}`"),
                    );
                }
            }
        }
    }
}

/// Every stored attribute name is unique, not reserved for the envelope, and of a length
/// DynamoDB accepts.
fn names_are_unique_and_allowed(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: BTreeMap<&str, &Field<'_>> = BTreeMap::new();
    for field in cont.fields.iter().filter(|f| f.attrs.skip.is_none()) {
        let name = field.name.as_str();
        let error = |message: String| cx.syn_error(syn::Error::new(field.name_span, message));
        if RESERVED_NAMES.contains(&name) {
            error(format!(
                "attribute name `{name}` is reserved for the encryption envelope; rename the field with #[ddb(rename = \"...\")]"
            ));
        } else if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(**p)) {
            error(format!(
                "attribute names starting with `{prefix}` are reserved by the storage formats; rename the field with #[ddb(rename = \"...\")]"
            ));
        }
        let limit = if field.is_key() { MAX_KEY_NAME_LEN } else { MAX_NAME_LEN };
        if name.len() > limit {
            error(format!(
                "attribute name `{name}` is longer than DynamoDB's limit of {limit} bytes"
            ));
        }
        match seen.get(name) {
            Some(first) => error(format!(
                "attribute name `{name}` is used by two fields (`{}` and `{}`); rename one with #[ddb(rename = \"...\")]",
                first.member, field.member
            )),
            None => {
                seen.insert(name, field);
            }
        }
    }
}

/// A global index has one partition key and at most one sort key; a local index has one sort
/// key and needs the table's sort key; no index is both.
fn indexes_are_complete(cx: &Ctxt, cont: &Container<'_>) {
    let mut roles: BTreeMap<(String, Symbol), &Field<'_>> = BTreeMap::new();
    let has_table_sort_key = cont.fields.iter().any(|f| f.attrs.sort_key.is_some());
    for field in &cont.fields {
        let attrs = &field.attrs;
        for (role, keys) in [
            (GSI_PARTITION_KEY, &attrs.gsi_partition_keys),
            (GSI_SORT_KEY, &attrs.gsi_sort_keys),
            (LSI_SORT_KEY, &attrs.lsi_sort_keys),
        ] {
            for key in keys {
                let index = key.index.value();
                if let Some(first) = roles.get(&(index.clone(), role)) {
                    cx.error_spanned_by(
                        &key.word,
                        format!(
                            "duplicate {}: index `{index}` already has it on field `{}`",
                            describe(key),
                            first.member
                        ),
                    );
                } else {
                    roles.insert((index, role), field);
                }
            }
        }
    }
    for field in &cont.fields {
        for key in &field.attrs.gsi_sort_keys {
            if !roles.contains_key(&(key.index.value(), GSI_PARTITION_KEY)) {
                cx.error_spanned_by(
                    &key.word,
                    format!(
                        "{} needs a #[ddb(gsi_partition_key = \"{}\")] field",
                        describe(key),
                        key.index.value()
                    ),
                );
            }
        }
        for key in &field.attrs.lsi_sort_keys {
            let index = key.index.value();
            if !has_table_sort_key {
                cx.error_spanned_by(
                    &key.word,
                    format!("{} needs a table #[ddb(sort_key)]: local indexes exist only on tables with a sort key", describe(key)),
                );
            }
            if roles.contains_key(&(index.clone(), GSI_PARTITION_KEY))
                || roles.contains_key(&(index.clone(), GSI_SORT_KEY))
            {
                cx.error_spanned_by(
                    &key.word,
                    format!("index `{index}` cannot be both global and local"),
                );
            }
        }
    }
}

/// What DynamoDB refuses when it creates an index: a name outside 3-255 characters of
/// `[A-Za-z0-9_.-]`, one attribute as both keys of a global index, and a local index sorted by
/// a table key.
fn indexes_are_valid(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        let attrs = &field.attrs;
        for key in attrs.index_keys() {
            index_name_is_valid(cx, &key.index);
        }
        for sort in &attrs.gsi_sort_keys {
            let index = sort.index.value();
            if attrs.gsi_partition_keys.iter().any(|p| p.index.value() == index) {
                cx.error_spanned_by(
                    &sort.word,
                    format!("index `{index}` has this field as both its partition and its sort key; DynamoDB needs two attributes: sort it by another field or drop the #[ddb(gsi_sort_key)]"),
                );
            }
        }
        if let (Some(table_key), Some(lsi)) =
            (attrs.partition_key.as_ref().or(attrs.sort_key.as_ref()), attrs.lsi_sort_keys.first())
        {
            let role = table_key.get_ident().map(ToString::to_string).unwrap_or_default();
            cx.error_spanned_by(
                &lsi.word,
                format!("{} sorts by the table's {role}, which a local index cannot: it shares the table's partition key and sorts by another attribute", describe(lsi)),
            );
        }
    }
}

/// The tenant field, whose value picks each item's branch key, is one that the DB-ESDK puts into
/// the encryption context (a table key or a `sign_and_include` field): the keyring sees only
/// the context, on writes and reads alike. A struct has at most one.
fn tenant_is_in_the_context(cx: &Ctxt, cont: &Container<'_>) {
    let mut first: Option<&Field<'_>> = None;
    for field in cont.fields.iter().filter(|f| f.attrs.skip.is_none()) {
        let attrs = &field.attrs;
        let Some(word) = &attrs.tenant else { continue };
        if attrs.partition_key.is_none()
            && attrs.sort_key.is_none()
            && attrs.sign_and_include.is_none()
        {
            cx.error_spanned_by(
                word,
                "#[ddb(tenant)] names the attribute that picks each item's branch key, which must be in the encryption context, where reads find it too: make this field the partition or sort key, or add #[ddb(sign_and_include)]",
            );
        }
        match first {
            Some(first) => cx.error_spanned_by(
                word,
                format!(
                    "duplicate #[ddb(tenant)]: an item has one tenant, already named by field `{}`",
                    first.member
                ),
            ),
            None => first = Some(field),
        }
    }
}

/// An index name DynamoDB accepts: 3 to 255 characters of `[A-Za-z0-9_.-]`.
fn index_name_is_valid(cx: &Ctxt, index: &LitStr) {
    let name = index.value();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if !(3..=255).contains(&name.len()) || !name.chars().all(allowed) {
        cx.error_spanned_by(
            index,
            format!("index name `{name}` is not one DynamoDB accepts: 3 to 255 characters of letters, digits, `_`, `.` and `-`"),
        );
    }
}

/// A beacon hashes the value of an ENCRYPT_AND_SIGN field (a key or a field stored in the clear
/// is queried directly), is 1 to 63 bits long, and has a name and an index of its own; its
/// attribute, `aws_dbe_b_` and the name, is a key attribute name DynamoDB accepts.
fn beacons_are_valid(cx: &Ctxt, cont: &Container<'_>) {
    // Skipped fields are reported by `actions_do_not_conflict`.
    let stored = || cont.fields.iter().filter(|f| f.attrs.skip.is_none());
    let index_keys: BTreeMap<String, &Field<'_>> = stored()
        .flat_map(|f| f.attrs.index_keys().map(move |key| (key.index.value(), f)))
        .collect();
    let mut names: BTreeMap<String, &Field<'_>> = BTreeMap::new();
    let mut indexes: BTreeMap<String, &Field<'_>> = BTreeMap::new();
    for field in stored() {
        let (Some(beacon), Some(name)) = (&field.attrs.beacon, field.beacon_name()) else {
            continue;
        };
        let attrs = &field.attrs;
        let clear = [
            (SIGN_ONLY, &attrs.sign_only),
            (SIGN_AND_INCLUDE, &attrs.sign_and_include),
            (DO_NOTHING, &attrs.do_nothing),
        ]
        .into_iter()
        .find_map(|(word, given)| given.as_ref().map(|_| word));
        if let Some(key_word) = attrs.key_word() {
            let role = key_word.get_ident().map(ToString::to_string).unwrap_or_default();
            cx.error_spanned_by(
                &beacon.word,
                format!("a beacon hashes an encrypted value: #[ddb(beacon)] is only for ENCRYPT_AND_SIGN fields; a #[ddb({role})] field is a key, stored in the clear, and can be queried directly: remove #[ddb(beacon)]"),
            );
        } else if let Some(word) = clear {
            cx.error_spanned_by(
                &beacon.word,
                format!("a beacon hashes an encrypted value: #[ddb(beacon)] is only for ENCRYPT_AND_SIGN fields; a {word} field is stored in the clear and can be queried directly: remove #[ddb(beacon)], or remove #[ddb({word})] to encrypt the field"),
            );
        }
        if let (Some(length), None) = (&beacon.length, beacon.bits()) {
            cx.error_spanned_by(
                length,
                format!("beacon length {length} is out of range: a beacon is 1 to 63 bits long (see ddb_encrypt::beacon for how to choose the length)"),
            );
        }
        // A name given with `name = "..."` is reported there; the field's own name on `beacon`.
        let name_error = |message: String| match &beacon.name {
            Some(lit) => cx.error_spanned_by(lit, message),
            None => cx.error_spanned_by(&beacon.word, message),
        };
        if BEACON_PREFIX.len() + name.len() > MAX_KEY_NAME_LEN {
            name_error(format!(
                "beacon name `{name}` is too long: it is stored as `{BEACON_PREFIX}{name}`, the key attribute of its index, and DynamoDB's key attribute names are at most {MAX_KEY_NAME_LEN} bytes; choose a name of at most {} bytes with #[ddb(beacon(name = \"...\"))]",
                MAX_KEY_NAME_LEN - BEACON_PREFIX.len()
            ));
        }
        match names.get(&name) {
            Some(first) => name_error(format!(
                "beacon name `{name}` is used by two beacons (on fields `{}` and `{}`): give one another name with #[ddb(beacon(name = \"...\"))]",
                first.member, field.member
            )),
            None => {
                names.insert(name, field);
            }
        }
        let Some(index) = &beacon.index else { continue };
        index_name_is_valid(cx, index);
        let index_name = index.value();
        if let Some(owner) = index_keys.get(&index_name) {
            cx.error_spanned_by(
                index,
                format!("index `{index_name}` is already an index of this struct, keyed by field `{}`: a beacon's index is keyed by the beacon alone; give it its own name", owner.member),
            );
        } else if let Some(first) = indexes.get(&index_name) {
            cx.error_spanned_by(
                index,
                format!("index `{index_name}` is already the index of the beacon on field `{}`: each beacon has its own index; give this one its own name", first.member),
            );
        } else {
            indexes.insert(index_name, field);
        }
    }
}

/// A stored field is read out of an item that `from_item` owns and then drops: it cannot
/// borrow from it. (serde would report this as a `Deserialize` that is "not general enough",
/// on the derive rather than the field.)
fn stored_fields_own_their_data(cx: &Ctxt, cont: &Container<'_>) {
    fn reference(tokens: proc_macro2::TokenStream) -> Option<proc_macro2::Span> {
        tokens.into_iter().find_map(|token| match token {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '&' => Some(p.span()),
            proc_macro2::TokenTree::Group(g) => reference(g.stream()),
            _ => None,
        })
    }
    for field in cont.fields.iter().filter(|f| f.attrs.skip.is_none()) {
        if let Some(span) = reference(field.ty.to_token_stream()) {
            cx.syn_error(syn::Error::new(
                span,
                format!("field `{}` borrows, but a field read from an item must own its value: use an owned type (`String` for `&str`, `Vec<u8>` for `&[u8]`, `Cow<'_, str>`), or #[ddb(skip)] the field", field.member),
            ));
        }
    }
}

/// `#[ddb(gsi_sort_key = "Index")]` for messages.
fn describe(key: &IndexKey) -> String {
    let word = key.word.get_ident().map(ToString::to_string).unwrap_or_default();
    format!("#[ddb({word} = \"{}\")]", key.index.value())
}
