use syn::parse_quote;

use super::derive;

/// The messages of the `compile_error!`s in `derive`'s output, in order.
fn errors(input: &syn::DeriveInput) -> Vec<String> {
    let file: syn::File = syn::parse2(derive(input)).expect("the output is items");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(m)
                if m.mac.path.segments.last().is_some_and(|s| s.ident == "compile_error") =>
            {
                Some(m.mac.parse_body::<syn::LitStr>().expect("a message").value())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_shape_error_follows_the_attribute_errors() {
    let input = parse_quote! {
        #[ddb(sort_key)]
        enum Order {}
    };
    let errors = errors(&input);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("#[ddb(sort_key)] belongs on a field"), "{errors:?}");
    assert!(errors[1].contains("enums are not supported"), "{errors:?}");
}

#[test]
fn a_shape_error_alone_is_reported() {
    let input = parse_quote! {
        struct Order(String);
    };
    let errors = errors(&input);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("tuple structs are not supported"), "{errors:?}");
}

#[test]
fn a_struct_without_a_partition_key_gets_the_error_and_a_stub() {
    let input = parse_quote! {
        struct Order {
            id: String,
        }
    };
    let output = derive(&input).to_string();
    assert!(output.contains("missing #[ddb(partition_key)]"), "{output}");
    assert!(output.contains("STUB_SCHEMA"), "{output}");
}
