//! `#[derive(EncryptedItem)]` for `ddb-encrypt`. Use it through `ddb_encrypt::EncryptedItem`.
#![forbid(unsafe_code)]
