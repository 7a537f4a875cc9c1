//! What an invalid input expands to: the errors, and a stub impl whose bodies are
//! `unreachable!()`, so that code using the type does not drown the real errors in more.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attr;
use crate::ctxt::Ctxt;
use crate::expand::crate_path;

pub(crate) fn expand(input: &DeriveInput, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    // Re-parse only for the `crate` path; its own errors are already in `errors`.
    let cx = Ctxt::new();
    let attrs = attr::container(&cx, &input.attrs);
    let _ = cx.check();
    let krate = crate_path(attrs.crate_path.as_ref());
    let private = quote!(__ddb_private);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #errors
        const _: () = {
            use #krate::__private as __ddb_private;

            #[automatically_derived]
            impl #impl_generics #private::EncryptedItem for #ident #ty_generics #where_clause {
                type PartitionKey = #private::String;
                type SortKey = #private::NoSortKey;
                type Key = #private::String;
                const SCHEMA: #private::ItemSchema = #private::STUB_SCHEMA;
                fn to_item(&self) -> #private::Result<#private::Item, #private::Error> {
                    ::core::unreachable!()
                }
                fn from_item(_: #private::Item) -> #private::Result<Self, #private::Error> {
                    ::core::unreachable!()
                }
                fn key(&self) -> Self::Key {
                    ::core::unreachable!()
                }
                fn key_item(_: &Self::Key) -> #private::Result<#private::Item, #private::Error> {
                    ::core::unreachable!()
                }
            }
        };
    }
}
