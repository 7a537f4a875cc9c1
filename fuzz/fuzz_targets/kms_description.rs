//! The Direct KMS provider's reading of material descriptions, with a recorded data key (no
//! network).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ddb_encrypt::__fuzz::providers::kms_description(data);
});
