//! Keyrings on their own: what they write, and that each opens only what is addressed to it.

use rsa::pkcs8::DecodePrivateKey;

use super::*;
use crate::block_on;

fn context(table: &str) -> EncryptionContext {
    let mut context = EncryptionContext::default();
    context.insert("aws-crypto-table-name".into(), table.into());
    context
}

#[test]
fn raw_aes_keys_carry_name_tag_length_and_iv_and_open_only_with_the_same_context() {
    for key in [&[1u8; 16][..], &[1; 24], &[1; 32]] {
        let keyring = RawAesKeyring::new("ns", "name", key).unwrap();
        let [(plain, edk)] =
            <[_; 1]>::try_from(block_on(keyring.wrap_keys(&context("T"))).unwrap()).unwrap();
        assert_eq!(edk.provider_id(), "ns");
        assert_eq!(&edk.provider_info()[..12], b"name\x00\x00\x00\x80\x00\x00\x00\x0c");
        assert_eq!(edk.provider_info().len(), 4 + 8 + 12);
        assert_eq!(edk.ciphertext().len(), 48);
        let opened = block_on(keyring.unwrap_key(&context("T"), &edk)).unwrap().unwrap();
        assert_eq!(opened.as_bytes(), plain.as_bytes());
        assert!(block_on(keyring.unwrap_key(&context("U"), &edk)).unwrap().is_none());
        let other = RawAesKeyring::new("ns", "other", key).unwrap();
        assert!(block_on(other.unwrap_key(&context("T"), &edk)).unwrap().is_none());
    }
    assert!(RawAesKeyring::new("ns", "n", &[0; 20]).is_err());
    assert!(RawAesKeyring::new("aws-kms", "n", &[0; 32]).is_err());
}

#[test]
fn hierarchical_keys_are_140_bytes_with_the_data_key_and_name_their_branch_key() {
    let version = [7u8; 16];
    let store = StaticBranchKeyStore::new("bk", BranchKey::new(version, &[3; 32]).unwrap());
    let keyring = HierarchicalKeyring::new(store, "bk");
    let [(plain, edk)] =
        <[_; 1]>::try_from(block_on(keyring.wrap_keys(&context("T"))).unwrap()).unwrap();
    assert_eq!(edk.provider_id(), "aws-kms-hierarchy");
    assert_eq!(edk.provider_info(), b"bk");
    assert_eq!(edk.ciphertext().len() + ENCRYPTED_DATA_KEY_LEN, 140);
    assert_eq!(&edk.ciphertext()[28..44], &version);
    let opened = block_on(keyring.unwrap_key(&context("T"), &edk)).unwrap().unwrap();
    assert_eq!(opened.as_bytes(), plain.as_bytes());
    assert!(block_on(keyring.unwrap_key(&context("U"), &edk)).unwrap().is_none());
    // Another version is not served unless the store serves any version.
    let other = StaticBranchKeyStore::new("bk", BranchKey::new([8; 16], &[3; 32]).unwrap());
    assert!(
        block_on(HierarchicalKeyring::new(other.clone(), "bk").unwrap_key(&context("T"), &edk))
            .unwrap()
            .is_none()
    );
    let any = HierarchicalKeyring::new(other.for_any_version(), "bk");
    assert!(block_on(any.unwrap_key(&context("T"), &edk)).unwrap().is_some());
}

#[test]
fn the_data_key_is_bound_to_the_context_and_the_recipient() {
    let intermediate = IntermediateKey::generate().unwrap();
    let keys = RecipientKeys::derive(&intermediate);
    let data_key = [0x61; 32];
    let sealed = keys.seal_data_key(&data_key, b"context").unwrap();
    assert_eq!(sealed.len(), ENCRYPTED_DATA_KEY_LEN);
    assert_eq!(*keys.open_data_key(&sealed, b"context").unwrap(), data_key);
    assert!(keys.open_data_key(&sealed, b"contexu").is_none());
    let other = RecipientKeys::derive(&IntermediateKey::generate().unwrap());
    assert!(other.open_data_key(&sealed, b"context").is_none());
    assert_ne!(*keys.tag_key, *other.tag_key);
}

#[test]
fn contexts_serialize_sorted_with_u16_lengths_and_debug_shows_no_values() {
    let mut context = context("T");
    context.insert("a".into(), "secret-value".into());
    assert!(!context.insert("a".into(), "other".into()));
    assert_eq!(
        context.serialize().unwrap(),
        b"\x00\x02\x00\x01a\x00\x0csecret-value\x00\x15aws-crypto-table-name\x00\x01T"
    );
    assert!(!format!("{context:?}").contains("secret-value"));
    assert!(EncryptionContext::default().serialize().unwrap().is_empty());
}

const RSA_PEM: &str = include_str!("../provider/wrapped/test-rsa-2048.pem");

#[test]
fn raw_rsa_keys_open_with_every_padding_and_a_public_key_writes_only() {
    for padding in [
        RsaPadding::Pkcs1,
        RsaPadding::OaepSha1,
        RsaPadding::OaepSha256,
        RsaPadding::OaepSha384,
        RsaPadding::OaepSha512,
    ] {
        let keyring = RawRsaKeyring::from_private_key_pem("ns", "rsa", RSA_PEM, padding).unwrap();
        let [(plain, edk)] =
            <[_; 1]>::try_from(block_on(keyring.wrap_keys(&context("T"))).unwrap()).unwrap();
        assert_eq!((edk.provider_id(), edk.provider_info()), ("ns", &b"rsa"[..]));
        assert_eq!(edk.ciphertext().len(), 256, "{padding:?}");
        let opened = block_on(keyring.unwrap_key(&context("T"), &edk)).unwrap().unwrap();
        assert_eq!(opened.as_bytes(), plain.as_bytes(), "{padding:?}");
        let other_name =
            RawRsaKeyring::from_private_key_pem("ns", "other", RSA_PEM, padding).unwrap();
        assert!(block_on(other_name.unwrap_key(&context("T"), &edk)).unwrap().is_none());
    }
    // OAEP with another hash does not open it.
    let sha256 =
        RawRsaKeyring::from_private_key_pem("ns", "rsa", RSA_PEM, RsaPadding::OaepSha256).unwrap();
    let sha1 =
        RawRsaKeyring::from_private_key_pem("ns", "rsa", RSA_PEM, RsaPadding::OaepSha1).unwrap();
    let [(_, edk)] =
        <[_; 1]>::try_from(block_on(sha256.wrap_keys(&context("T"))).unwrap()).unwrap();
    assert!(block_on(sha1.unwrap_key(&context("T"), &edk)).unwrap().is_none());
    // A public-key-only keyring writes, and says why it cannot read.
    let private = rsa::PrivateKey::from_pkcs8_pem(RSA_PEM.trim()).unwrap();
    let public_pem = rsa::pkcs8::EncodePublicKey::to_public_key_pem(
        private.as_public_key(),
        rsa::pkcs8::LineEnding::LF,
    )
    .unwrap();
    let writer =
        RawRsaKeyring::from_public_key_pem("ns", "rsa", &public_pem, RsaPadding::OaepSha256)
            .unwrap();
    let [(plain, edk)] =
        <[_; 1]>::try_from(block_on(writer.wrap_keys(&context("T"))).unwrap()).unwrap();
    assert!(matches!(block_on(writer.unwrap_key(&context("T"), &edk)), Err(Error::Config(_))));
    assert_eq!(
        block_on(sha256.unwrap_key(&context("T"), &edk)).unwrap().unwrap().as_bytes(),
        plain.as_bytes()
    );
}
