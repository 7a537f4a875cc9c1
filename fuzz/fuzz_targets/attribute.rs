//! The attribute decoder (`docs/legacy-format.md` section 1) and the serializer's round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_encrypt::__fuzz::targets::attribute(data));
