//! `#[derive(EncryptedItem)]` for `ddb-encrypt`. Use it through `ddb_encrypt::EncryptedItem`,
//! where it is documented.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `ddb_encrypt::EncryptedItem`; see the trait's documentation.
#[proc_macro_derive(EncryptedItem, attributes(ddb))]
pub fn derive_encrypted_item(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
