//! The DB-ESDK header and footer from untrusted bytes, parsed and read through the encryptor.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_encrypt::__fuzz::targets::dbesdk_envelope(data));
