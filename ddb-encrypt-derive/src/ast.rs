//! The typed view of a derive input: a struct with named fields and their parsed attributes.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Type, Visibility};

use crate::attr::{self, ContainerAttrs, FieldAttrs};
use crate::ctxt::Ctxt;

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: ContainerAttrs,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    pub(crate) member: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
    /// The attribute name stored in DynamoDB (after `rename` and `rename_all`).
    pub(crate) name: String,
    /// Where the name comes from: the `rename` literal, else the field.
    pub(crate) name_span: Span,
}

/// The action of a field, as the library's `AttributeAction`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    DoNothing,
    SignOnly,
    SignAndInclude,
    EncryptAndSign,
}

impl Field<'_> {
    pub(crate) fn is_key(&self) -> bool {
        self.attrs.key_word().is_some()
    }

    /// The name of the field's beacon: its `name`, else the field's attribute name.
    pub(crate) fn beacon_name(&self) -> Option<String> {
        let beacon = self.attrs.beacon.as_ref()?;
        Some(beacon.name.as_ref().map_or_else(|| self.name.clone(), syn::LitStr::value))
    }

    /// The field's action; `includes_values` says whether any field of the struct is
    /// `sign_and_include`, which makes the table keys `sign_and_include` too (the DB-ESDK's
    /// rule: both keys or no values in the encryption context).
    pub(crate) fn action(&self, includes_values: bool) -> Action {
        let table_key = self.attrs.partition_key.is_some() || self.attrs.sort_key.is_some();
        if self.attrs.do_nothing.is_some() {
            Action::DoNothing
        } else if self.attrs.sign_and_include.is_some() || (table_key && includes_values) {
            Action::SignAndInclude
        } else if self.attrs.sign_only.is_some() || self.is_key() {
            Action::SignOnly
        } else {
            Action::EncryptAndSign
        }
    }
}

impl Container<'_> {
    /// Whether any field is `sign_and_include`.
    pub(crate) fn includes_values(&self) -> bool {
        self.fields.iter().any(|f| f.attrs.sign_and_include.is_some())
    }
}

impl<'a> Container<'a> {
    /// The typed view of `input`; attribute errors go to `cx`. A struct without named fields
    /// has no view: its error is returned, as the one reason there is none.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> syn::Result<Self> {
        let attrs = attr::container(cx, &input.attrs);
        let attrs_rule = attrs.rename_all;
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => &named.named,
                Fields::Unnamed(_) => {
                    return Err(syn::Error::new_spanned(
                        &input.ident,
                        "#[derive(EncryptedItem)] needs named fields, which name the attributes; tuple structs are not supported",
                    ));
                }
                Fields::Unit => {
                    return Err(syn::Error::new_spanned(
                        &input.ident,
                        "#[derive(EncryptedItem)] needs named fields; unit structs are not supported",
                    ));
                }
            },
            Data::Enum(data) => {
                return Err(syn::Error::new_spanned(
                    data.enum_token,
                    "#[derive(EncryptedItem)] is for structs with named fields; enums are not supported",
                ));
            }
            Data::Union(data) => {
                return Err(syn::Error::new_spanned(
                    data.union_token,
                    "#[derive(EncryptedItem)] is for structs with named fields; unions are not supported",
                ));
            }
        };
        let fields = fields
            .iter()
            .filter_map(|field| {
                let member = field.ident.as_ref()?;
                let attrs = attr::field(cx, &field.attrs);
                let (name, name_span) = if let Some((_, lit)) = &attrs.rename {
                    (lit.value(), lit.span())
                } else {
                    let plain = member.unraw().to_string();
                    let name = match attrs_rule {
                        Some(rule) => rule.apply(&plain),
                        None => plain,
                    };
                    (name, member.span())
                };
                Some(Field { member, vis: &field.vis, ty: &field.ty, attrs, name, name_span })
            })
            .collect();
        Ok(Self { ident: &input.ident, vis: &input.vis, generics: &input.generics, attrs, fields })
    }
}
