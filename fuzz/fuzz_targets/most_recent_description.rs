//! The Most Recent provider's reading of material descriptions: the meta id, the version
//! lookup in an in-memory store, then the version's own provider.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ddb_encrypt::__fuzz::providers::most_recent_description(data);
});
