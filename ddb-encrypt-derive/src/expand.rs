//! Code generation: the `EncryptedItem` impl, hygienic (`::core`, `::std` and the crate's
//! `__private` paths only) and wrapped in `const _: () = { ... };`.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{DeriveInput, Path, parse_quote};

use crate::ast::{Action, Container, Field};
use crate::check;
use crate::ctxt::Ctxt;
use crate::fallback;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input);
    if let Ok(container) = &container {
        check::check(&cx, container);
    }
    // Attribute errors come first, then the error of a struct the derive cannot take.
    match (cx.check(), container) {
        (Ok(()), Ok(container)) => expand(&container),
        (Err(errors), Ok(_)) | (Ok(()), Err(errors)) => fallback::expand(input, &errors),
        (Err(mut errors), Err(shape)) => {
            errors.combine(shape);
            fallback::expand(input, &errors)
        }
    }
}

pub(crate) fn crate_path(path: Option<&Path>) -> TokenStream {
    if let Some(path) = path { quote!(#path) } else { quote!(::ddb_encrypt) }
}

fn expand(cont: &Container<'_>) -> TokenStream {
    let krate = crate_path(cont.attrs.crate_path.as_ref());
    // One import, so that a wrong `#[ddb(crate = "...")]` is one error, on its literal.
    let private = quote!(__ddb_private);
    let ident = cont.ident;

    // The type parameters that stored fields use must convert through serde (as serde's own
    // derive bounds them); `#[ddb(bound = "...")]` replaces these bounds.
    let mut generics = cont.generics.clone();
    let where_clause = generics.make_where_clause();
    if let Some(bound) = &cont.attrs.bound {
        where_clause.predicates.extend(bound.iter().cloned());
    } else {
        let stored: Vec<_> = cont.fields.iter().filter(|f| f.attrs.skip.is_none()).collect();
        for param in cont.generics.type_params().map(|t| &t.ident) {
            if stored.iter().any(|f| mentions(f.ty.to_token_stream(), param)) {
                where_clause
                    .predicates
                    .push(parse_quote!(#param: #private::Serialize + #private::DeserializeOwned));
            }
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    // `check::table_keys` reports a struct without a partition key, so `expand` has one.
    let Some(partition) = cont.fields.iter().find(|f| f.attrs.partition_key.is_some()) else {
        unreachable!("a struct without #[ddb(partition_key)] passed the checks");
    };
    let Keys { partition_ty, partition_schema, sort_ty, sort_schema, key_ty, key_expr, key_item } =
        Keys::new(&private, cont, partition);
    let secondary = secondary_indexes(cont, partition);
    let indexes = index_schemas(&private, &secondary);
    let actions = actions(&private, cont);
    let beacons = beacon_schemas(&private, cont);
    let tenant = cont
        .fields
        .iter()
        .find(|f| f.attrs.tenant.is_some() && f.attrs.skip.is_none())
        .map_or_else(
            || quote!(#private::None),
            |f| {
                let name = &f.name;
                quote!(#private::Some(#name))
            },
        );
    let (puts, capacity) = puts(&private, cont);
    let takes = takes(&private, cont);
    let handles = handles(&private, cont, &secondary);

    quote! {
        const _: () = {
            use #krate::__private as __ddb_private;

            #[automatically_derived]
            impl #impl_generics #private::EncryptedItem for #ident #ty_generics #where_clause {
                type PartitionKey = #partition_ty;
                type SortKey = #sort_ty;
                type Key = #key_ty;

                const SCHEMA: #private::ItemSchema = #private::ItemSchema {
                    partition_key: #partition_schema,
                    sort_key: #sort_schema,
                    indexes: &[#(#indexes),*],
                    attributes: &[#(#actions),*],
                    beacons: &[#(#beacons),*],
                    tenant: #tenant,
                };

                fn to_item(&self) -> #private::Result<#private::Item, #private::Error> {
                    let mut item = #private::HashMap::with_capacity(#capacity);
                    #(#puts)*
                    #private::Ok(item)
                }

                fn from_item(item: #private::Item) -> #private::Result<Self, #private::Error> {
                    // What no field takes is wiped, on success and on error alike.
                    let mut item = #private::Leftovers::new(item);
                    #private::Ok(Self { #(#takes,)* })
                }

                fn key(&self) -> Self::Key {
                    #key_expr
                }

                fn key_item(key: &Self::Key) -> #private::Result<#private::Item, #private::Error> {
                    #key_item
                }
            }

            #handles
        };
    }
}

/// `FIELDS`, `INDEXES` and `BEACONS`: typed handles on the attributes, indexes and beacons (not
/// for generic structs). The handle structs are unnameable; each field's handles have its
/// visibility.
fn handles(
    private: &TokenStream,
    cont: &Container<'_>,
    indexes: &BTreeMap<String, Index<'_>>,
) -> TokenStream {
    if !cont.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = cont.ident;
    let vis = cont.vis;
    let includes_values = cont.includes_values();
    let fields = cont.fields.iter().filter(|f| f.attrs.skip.is_none()).map(|f| {
        let (member, field_vis, name) = (f.member, f.vis, &f.name);
        let value = option_inner(f.ty).unwrap_or(f.ty);
        let doc = format!("The attribute `{name}`.");
        let number = f.attrs.number.is_some();
        let field = |protection: TokenStream| {
            (
                quote!(#private::Field<#ident, #value, #private::#protection>),
                quote!(#private::Field::__new(#name, #number)),
            )
        };
        let (ty, init) = match f.action(includes_values) {
            Action::EncryptAndSign => (
                quote!(#private::EncryptedField<#ident, #value>),
                quote!(#private::EncryptedField::__new(#name)),
            ),
            // Unsigned: may be changed in place (an Option one also removed).
            Action::DoNothing if option_inner(f.ty).is_some() => field(quote!(DoNothingOption)),
            Action::DoNothing => field(quote!(DoNothing)),
            _ => field(quote!(Signed)),
        };
        (quote!(#[doc = #doc] #field_vis #member: #ty), quote!(#member: #init))
    });
    let (field_defs, field_inits): (Vec<_>, Vec<_>) = fields.unzip();
    let (index_defs, index_inits): (Vec<_>, Vec<_>) =
        index_handles(private, cont, indexes).into_iter().unzip();
    let (beacon_defs, beacon_inits): (Vec<_>, Vec<_>) =
        beacon_handles(private, cont).into_iter().unzip();
    let fields_doc =
        format!("Typed handles on the attributes of [`{ident}`], for conditions and filters.");
    let indexes_doc =
        format!("Typed handles on the secondary indexes of [`{ident}`], for index queries.");
    let beacons_doc =
        format!("Typed handles on the standard beacons of [`{ident}`], for EncryptedTable::find.");
    quote! {
        #[doc = #fields_doc]
        #[allow(dead_code, unreachable_pub, non_camel_case_types, non_snake_case)]
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
        #vis struct __DdbFields { #(#field_defs,)* }

        #[doc = #indexes_doc]
        #[allow(dead_code, unreachable_pub, non_camel_case_types, non_snake_case)]
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
        #vis struct __DdbIndexes { #(#index_defs,)* }

        #[doc = #beacons_doc]
        #[allow(dead_code, unreachable_pub, non_camel_case_types, non_snake_case)]
        #[derive(::core::clone::Clone, ::core::marker::Copy)]
        #vis struct __DdbBeacons { #(#beacon_defs,)* }

        #[automatically_derived]
        #[allow(dead_code, unreachable_pub)]
        impl #ident {
            #[doc = #fields_doc]
            #vis const FIELDS: __DdbFields = __DdbFields { #(#field_inits,)* };
            #[doc = #indexes_doc]
            #vis const INDEXES: __DdbIndexes = __DdbIndexes { #(#index_inits,)* };
            #[doc = #beacons_doc]
            #vis const BEACONS: __DdbBeacons = __DdbBeacons { #(#beacon_inits,)* };
        }
    }
}

/// One `(definition, initializer)` per index: named in snake case, typed by its partition key.
fn index_handles(
    private: &TokenStream,
    cont: &Container<'_>,
    indexes: &BTreeMap<String, Index<'_>>,
) -> Vec<(TokenStream, TokenStream)> {
    let ident = cont.ident;
    indexes
        .iter()
        .map(|(name, index)| {
            let member = index_ident(name);
            let key = index.partition.ty;
            let doc = format!("The index `{name}`.");
            (
                quote!(#[doc = #doc] pub #member: #private::Index<#ident, #key>),
                quote!(#member: #private::Index::__new(#name)),
            )
        })
        .collect()
}

/// One `(definition, initializer)` per beacon: named as its field, typed by the field's values.
fn beacon_handles(private: &TokenStream, cont: &Container<'_>) -> Vec<(TokenStream, TokenStream)> {
    let ident = cont.ident;
    cont.fields
        .iter()
        .filter(|f| f.attrs.skip.is_none())
        .filter_map(|f| {
            let name = f.beacon_name()?;
            let (member, field_vis, attribute) = (f.member, f.vis, &f.name);
            let value = option_inner(f.ty).unwrap_or(f.ty);
            let number = f.attrs.number.is_some();
            let doc = format!("The beacon `{name}` of the attribute `{attribute}`.");
            Some((
                quote!(#[doc = #doc] #field_vis #member: #private::Beacon<#ident, #value>),
                quote!(#member: #private::Beacon::__new(#name, #number)),
            ))
        })
        .collect()
}

/// An index name in snake case, as an identifier: `ByClinic` is `by_clinic`, `by-date.v2` is
/// `by_date_v2`; a leading digit gets `i_`, a keyword a trailing `_`.
pub(crate) fn index_ident(name: &str) -> syn::Ident {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower = true;
        } else {
            out.push('_');
            previous_lower = false;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "i_");
    }
    syn::parse_str(&out).unwrap_or_else(|_| {
        proc_macro2::Ident::new(&format!("{out}_"), proc_macro2::Span::call_site())
    })
}

/// `X` of an `Option<X>` field (the path's last segment is `Option` with one type argument).
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match (last.ident == "Option", args.args.first(), args.args.len()) {
        (true, Some(syn::GenericArgument::Type(inner)), 1) => Some(inner),
        _ => None,
    }
}

/// Whether `tokens` name `ident` anywhere (a type parameter in a field's type).
fn mentions(tokens: TokenStream, ident: &syn::Ident) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(i) => i == *ident,
        proc_macro2::TokenTree::Group(g) => mentions(g.stream(), ident),
        _ => false,
    })
}

/// The table key: associated types, schema, and the typed-key functions.
struct Keys {
    partition_ty: TokenStream,
    partition_schema: TokenStream,
    sort_ty: TokenStream,
    sort_schema: TokenStream,
    key_ty: TokenStream,
    key_expr: TokenStream,
    key_item: TokenStream,
}

impl Keys {
    fn new(private: &TokenStream, cont: &Container<'_>, partition: &Field<'_>) -> Self {
        let sort = cont.fields.iter().find(|f| f.attrs.sort_key.is_some());
        // Spanned on the field type: a type that cannot be a key fails right there.
        let partition_ty = partition.ty;
        let partition_ty = quote_spanned!(partition_ty.span()=> #partition_ty);
        let partition_schema =
            key_schema(private, partition, &quote!(#private::partition_key_type::<Self>()));
        let partition_member = partition.member;
        let insert = |field: &Field<'_>, key_type: TokenStream, value: TokenStream| {
            let name = &field.name;
            quote! {
                item.insert(
                    #private::String::from(#name),
                    #private::key_value(#name, #key_type, #value)?,
                );
            }
        };
        if let Some(sort) = sort {
            let ty = sort.ty;
            let member = sort.member;
            let schema = key_schema(private, sort, &quote!(#private::sort_key_type::<Self>()));
            let clone_sort = quote_spanned!(ty.span()=> <#ty as ::core::clone::Clone>::clone);
            let insert_partition =
                insert(partition, quote!(#private::partition_key_type::<Self>()), quote!(&key.0));
            let insert_sort =
                insert(sort, quote!(#private::sort_key_type::<Self>()), quote!(&key.1));
            Self {
                partition_ty,
                partition_schema,
                sort_ty: quote_spanned!(ty.span()=> #ty),
                sort_schema: quote!(#private::Some(#schema)),
                key_ty: quote!((Self::PartitionKey, Self::SortKey)),
                key_expr: quote! {
                    (#private::clone_partition_key::<Self>(&self.#partition_member), #clone_sort(&self.#member))
                },
                key_item: quote! {
                    let mut item = #private::HashMap::with_capacity(2);
                    #insert_partition
                    #insert_sort
                    #private::Ok(item)
                },
            }
        } else {
            let insert_partition =
                insert(partition, quote!(#private::partition_key_type::<Self>()), quote!(key));
            Self {
                partition_ty,
                partition_schema,
                sort_ty: quote!(#private::NoSortKey),
                sort_schema: quote!(#private::None),
                key_ty: quote!(Self::PartitionKey),
                key_expr: quote!(#private::clone_partition_key::<Self>(&self.#partition_member)),
                key_item: quote! {
                    let mut item = #private::HashMap::with_capacity(1);
                    #insert_partition
                    #private::Ok(item)
                },
            }
        }
    }
}

/// `(name, action)` of every stored field, sorted by name.
fn actions(private: &TokenStream, cont: &Container<'_>) -> Vec<TokenStream> {
    let mut actions: Vec<(&str, Action)> = cont
        .fields
        .iter()
        .filter(|f| f.attrs.skip.is_none())
        .map(|f| (f.name.as_str(), f.action(cont.includes_values())))
        .collect();
    actions.sort_by(|a, b| a.0.cmp(b.0));
    actions
        .iter()
        .map(|(name, action)| {
            let action = match action {
                Action::DoNothing => quote!(DoNothing),
                Action::SignOnly => quote!(SignOnly),
                Action::SignAndInclude => quote!(SignAndIncludeInEncryptionContext),
                Action::EncryptAndSign => quote!(EncryptAndSign),
            };
            quote!((#name, #private::AttributeAction::#action))
        })
        .collect()
}

/// The `BeaconSchema`s, sorted by name.
fn beacon_schemas(private: &TokenStream, cont: &Container<'_>) -> Vec<TokenStream> {
    let mut beacons: Vec<_> = cont
        .fields
        .iter()
        .filter(|f| f.attrs.skip.is_none())
        .filter_map(|f| Some((f.beacon_name()?, f, f.attrs.beacon.as_ref()?)))
        .collect();
    beacons.sort_by(|a, b| a.0.cmp(&b.0));
    beacons
        .iter()
        .map(|(name, field, beacon)| {
            let attribute = &field.name;
            let stored_as = format!("{}{name}", check::BEACON_PREFIX);
            // `check::beacons_are_valid` reports a length out of range, so `expand` has one.
            let Some(bits) = beacon.bits() else {
                unreachable!("a beacon without a valid length passed the checks");
            };
            let length = proc_macro2::Literal::u8_unsuffixed(bits);
            let index = beacon
                .index
                .as_ref()
                .map_or_else(|| quote!(#private::None), |index| quote!(#private::Some(#index)));
            quote! {
                #private::BeaconSchema { name: #name, attribute: #attribute, stored_as: #stored_as, length: #length, index: #index }
            }
        })
        .collect()
}

/// `to_item`: one `put` per stored field. Table and index keys are stored through the same
/// checked conversion as `key_item`, so that a key is written exactly as it is looked up.
///
/// Each call names the field's type on the field's span (only paths there, no locals, which
/// keeps macro-generated structs hygienic): a type that cannot convert is reported on its field.
fn puts(private: &TokenStream, cont: &Container<'_>) -> (Vec<TokenStream>, usize) {
    let puts: Vec<_> = cont
        .fields
        .iter()
        .filter(|f| f.attrs.skip.is_none())
        .map(|f| {
            let member = f.member;
            let name = &f.name;
            let ty = f.ty;
            if f.is_key() {
                let key_type = if f.attrs.partition_key.is_some() {
                    quote!(#private::partition_key_type::<Self>())
                } else if f.attrs.sort_key.is_some() {
                    quote!(#private::sort_key_type::<Self>())
                } else {
                    quote_spanned!(ty.span()=> <#ty as #private::KeyAttribute>::KEY_TYPE)
                };
                let key_value = quote_spanned!(ty.span()=> #private::key_value::<#ty>);
                return quote! {
                    item.insert(
                        #private::String::from(#name),
                        #key_value(#name, #key_type, &self.#member)?,
                    );
                };
            }
            let mode = if f.attrs.set.is_some() {
                quote!(Set)
            } else if f.attrs.number.is_some() {
                quote!(Number)
            } else {
                quote!(Plain)
            };
            let put = quote_spanned!(ty.span()=> #private::put::<#ty>);
            let put = quote!(#put(&mut item, #name, &self.#member, #private::Mode::#mode)?;);
            match &f.attrs.skip_if {
                Some((_, predicate)) => quote!(if !#predicate(&self.#member) { #put }),
                None => put,
            }
        })
        .collect();
    let len = puts.len();
    (puts, len)
}

/// `from_item`: one initializer per field.
fn takes(private: &TokenStream, cont: &Container<'_>) -> Vec<TokenStream> {
    cont.fields
        .iter()
        .map(|f| {
            let member = f.member;
            let name = &f.name;
            let ty = f.ty;
            let default_fn = f.attrs.default_fn.as_ref();
            if f.attrs.skip.is_some() {
                let default = default_fn.map_or_else(
                    || quote_spanned!(ty.span()=> <#ty as #private::Default>::default),
                    |function| quote!(#function),
                );
                quote!(#member: #default())
            } else if let (Some(function), Some(_)) = (default_fn, &f.attrs.default) {
                let take = quote_spanned!(ty.span()=> #private::take_or_else::<#ty>);
                quote!(#member: #take(&mut item, #name, #function)?)
            } else if f.attrs.default.is_some() || f.attrs.set.is_some() {
                let take = quote_spanned!(ty.span()=> #private::take_or_default::<#ty>);
                quote!(#member: #take(&mut item, #name)?)
            } else {
                let take = quote_spanned!(ty.span()=> #private::take::<#ty>);
                quote!(#member: #take(&mut item, #name)?)
            }
        })
        .collect()
}

fn key_schema(private: &TokenStream, field: &Field<'_>, key_type: &TokenStream) -> TokenStream {
    let name = &field.name;
    quote!(#private::KeySchema { name: #name, key_type: #key_type })
}

/// A secondary index, gathered from the fields that hold its keys.
struct Index<'a> {
    local: bool,
    /// A global index's partition key; a local index shares the table's.
    partition: &'a Field<'a>,
    sort: Option<&'a Field<'a>>,
}

/// The secondary indexes, by name. The checks make each one whole: a global index has its own
/// partition key, a local index is sorted by one field and is not global as well.
fn secondary_indexes<'a>(
    cont: &'a Container<'_>,
    table_partition: &'a Field<'_>,
) -> BTreeMap<String, Index<'a>> {
    let new = || Index { local: false, partition: table_partition, sort: None };
    let mut indexes: BTreeMap<String, Index<'a>> = BTreeMap::new();
    for field in &cont.fields {
        for key in &field.attrs.gsi_partition_keys {
            indexes.entry(key.index.value()).or_insert_with(new).partition = field;
        }
        for key in &field.attrs.gsi_sort_keys {
            indexes.entry(key.index.value()).or_insert_with(new).sort = Some(field);
        }
        for key in &field.attrs.lsi_sort_keys {
            let index = indexes.entry(key.index.value()).or_insert_with(new);
            index.local = true;
            index.sort = Some(field);
        }
    }
    indexes
}

/// The `IndexSchema`s; index key types are asserted on their fields' spans.
fn index_schemas(private: &TokenStream, indexes: &BTreeMap<String, Index<'_>>) -> Vec<TokenStream> {
    let schema = |field: &Field<'_>| {
        let ty = field.ty;
        let key_type = quote_spanned!(ty.span()=> <#ty as #private::KeyAttribute>::KEY_TYPE);
        key_schema(private, field, &key_type)
    };
    indexes
        .iter()
        .map(|(name, index)| {
            let kind = if index.local { quote!(Local) } else { quote!(Global) };
            let partition = schema(index.partition);
            let sort = if let Some(field) = index.sort {
                let schema = schema(field);
                quote!(#private::Some(#schema))
            } else { quote!(#private::None) };
            quote! {
                #private::IndexSchema { name: #name, kind: #private::IndexKind::#kind, partition_key: #partition, sort_key: #sort }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
