//! The cryptographic primitives, behind a small crate-private facade.

pub(crate) mod cbc;
pub(crate) mod keys;
pub(crate) mod rng;
pub(crate) mod wrap;

pub(crate) use keys::StringToSign;
pub use keys::{DataKey, SigningKey, VerificationKey};
