//! Derived code is clean under strict lints: `cargo clippy --all-targets -D warnings` (CI)
//! checks this file with pedantic lints denied around derived types.

#![deny(clippy::pedantic, unused_qualifications, missing_debug_implementations, unreachable_pub)]
#![deny(elided_lifetimes_in_paths, unused_results, trivial_casts, unused_import_braces)]

use ddb_encrypt::EncryptedItem;

/// A documented, debuggable item type.
#[derive(EncryptedItem, Debug, Clone, PartialEq)]
#[ddb(rename_all = "camelCase")]
pub struct Account {
    #[ddb(partition_key)]
    id: String,
    #[ddb(sort_key)]
    version: u32,
    #[ddb(gsi_partition_key = "ByOwner", sign_only)]
    owner: String,
    #[ddb(gsi_sort_key = "ByOwner", lsi_sort_key = "ByBalance", sign_only)]
    balance: i64,
    #[ddb(set)]
    labels: std::collections::BTreeSet<String>,
    #[ddb(do_nothing)]
    expires_at: Option<u64>,
}

/// A generic item type.
#[derive(EncryptedItem, Debug)]
pub struct Wrapper<T> {
    #[ddb(partition_key)]
    id: String,
    value: T,
}

#[test]
fn derived_types_work() {
    let account = Account {
        id: "a-1".to_owned(),
        version: 1,
        owner: "ada".to_owned(),
        balance: -5,
        labels: std::collections::BTreeSet::from(["vip".to_owned()]),
        expires_at: None,
    };
    let item = account.to_item().expect("converts");
    assert_eq!(Account::from_item(item).expect("converts back"), account);
    let wrapper = Wrapper { id: "w".to_owned(), value: vec![1u64] };
    assert_eq!(
        Wrapper::<Vec<u64>>::from_item(wrapper.to_item().expect("converts")).expect("back").value,
        [1]
    );
}
