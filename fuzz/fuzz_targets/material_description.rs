//! The material description decoder and its round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ddb_encrypt::__fuzz::targets::material_description(data));
