//! The Wrapped provider's reading of material descriptions (AES key wrap and RSA), up to and
//! including the unwrap.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ddb_encrypt::__fuzz::providers::wrapped_description(data);
});
