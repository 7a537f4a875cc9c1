//! Item decryption of arbitrary items, and the encrypt/decrypt round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_encrypt::__fuzz::targets::decrypt_item(data));
