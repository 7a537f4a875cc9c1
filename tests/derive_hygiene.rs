//! The derive's output names everything by absolute path: shadowing the prelude and common
//! types around a derived struct changes nothing.

#![expect(dead_code, reason = "the point of this test")]

mod shadowed {
    // Shadow what generated code could accidentally rely on.
    struct Result;
    struct Ok;
    struct Err;
    struct Option;
    struct Some;
    struct None;
    struct String;
    struct Vec;
    struct HashMap;
    struct Default;
    struct Clone;
    struct Box;
    struct Self_;
    mod core {}
    mod std {}
    mod serde {}

    #[derive(::ddb_encrypt::EncryptedItem)]
    pub(crate) struct Order {
        #[ddb(partition_key)]
        pub(crate) id: ::std::string::String,
        #[ddb(sort_key)]
        pub(crate) created_at: u64,
        #[ddb(gsi_partition_key = "ByStatus", sign_only)]
        pub(crate) status: ::std::string::String,
        pub(crate) lines: ::std::vec::Vec<u32>,
        pub(crate) note: ::std::option::Option<::std::string::String>,
        #[ddb(default)]
        pub(crate) count: u32,
        #[ddb(skip)]
        pub(crate) cache: ::std::option::Option<u8>,
    }
}

#[test]
fn derived_in_a_shadowed_module() {
    use ddb_encrypt::EncryptedItem as _;
    let order = shadowed::Order {
        id: "o-1".into(),
        created_at: 1,
        status: "PAID".into(),
        lines: vec![1, 2],
        note: None,
        count: 3,
        cache: Some(1),
    };
    let item = order.to_item().expect("converts");
    let back = shadowed::Order::from_item(item).expect("converts back");
    assert_eq!(back.id, "o-1");
    assert_eq!(back.lines, [1, 2]);
    assert_eq!(back.cache, None);
    assert_eq!(shadowed::Order::SCHEMA.indexes.len(), 1);
}

/// A struct written by a macro, with its field types and names given from outside it: the
/// generated code's own variables must not meet the caller's tokens.
macro_rules! declare {
    ($name:ident, $key:ident: $key_ty:ty, $sort:ident: $sort_ty:ty, $($field:ident: $ty:ty),*) => {
        #[derive(::ddb_encrypt::EncryptedItem)]
        pub(crate) struct $name {
            #[ddb(partition_key)]
            pub(crate) $key: $key_ty,
            #[ddb(sort_key)]
            pub(crate) $sort: $sort_ty,
            #[ddb(default)]
            pub(crate) item: u32,
            #[ddb(skip)]
            pub(crate) skipped: ::std::option::Option<u8>,
            #[ddb(sign_only, gsi_partition_key = "ByTag")]
            pub(crate) tag: ::std::string::String,
            $(pub(crate) $field: $ty),*
        }
    };
}

declare!(Generated, id: ::std::string::String, at: u64, note: ::std::string::String, value: u32);

#[test]
fn derived_on_a_struct_that_a_macro_writes() {
    use ddb_encrypt::EncryptedItem as _;
    let generated = Generated {
        id: "g-1".into(),
        at: 2,
        item: 4,
        skipped: Some(1),
        tag: "t".into(),
        note: "n".into(),
        value: 9,
    };
    let back = Generated::from_item(generated.to_item().expect("converts")).expect("back");
    assert_eq!((back.id.as_str(), back.at, back.item, back.value), ("g-1", 2, 4, 9));
    assert_eq!(back.skipped, None);
    assert_eq!(Generated::key_item(&("g-1".into(), 2)).expect("key").len(), 2);
}
