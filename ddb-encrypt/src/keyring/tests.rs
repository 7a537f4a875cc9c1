//! Keyrings on their own: what they write, and that each opens only what is addressed to it.

use std::collections::HashMap;

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

/// A branch key store of one key per tenant, `bk-<tenant>`.
#[derive(Debug)]
struct PerTenant(Vec<(String, BranchKey)>);

#[async_trait::async_trait]
impl BranchKeyStore for PerTenant {
    async fn active_key(&self, branch_key_id: &str) -> Result<BranchKey> {
        let key = self.0.iter().find(|(id, _)| id == branch_key_id).map(|(_, key)| key.clone());
        key.ok_or_else(|| Error::config(format_args!("no branch key `{branch_key_id}`")))
    }

    async fn key_version(
        &self,
        branch_key_id: &str,
        version: &[u8; 16],
    ) -> Result<Option<BranchKey>> {
        let key = self.active_key(branch_key_id).await.ok();
        Ok(key.filter(|key| key.version() == version))
    }
}

fn per_tenant() -> PerTenant {
    PerTenant(
        ["acme", "globex"]
            .into_iter()
            .zip(1u8..)
            .map(|(tenant, n)| (format!("bk-{tenant}"), BranchKey::new([n; 16], &[n; 32]).unwrap()))
            .collect(),
    )
}

#[test]
fn a_tenant_supplier_puts_each_tenants_items_under_its_own_branch_key() {
    use crate::{AttributeAction, AttributeValue, ItemEncryptor, TableSchema};
    let s = |v: &str| AttributeValue::S(v.to_owned());
    // The tenant as the partition key (its value in the first context version), and as a
    // SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT attribute (the second).
    let schemas = [
        TableSchema::builder("Orders").partition_key("tenant").sort_key("id").build().unwrap(),
        TableSchema::builder("Orders")
            .partition_key("id")
            .action("tenant", AttributeAction::SignAndIncludeInEncryptionContext)
            .build()
            .unwrap(),
    ];
    for schema in &schemas {
        let tenants = TenantBranchKeys::new("tenant", |tenant| format!("bk-{tenant}"));
        let encryptor =
            ItemEncryptor::new(HierarchicalKeyring::with_supplier(per_tenant(), tenants));
        let only_acme = ItemEncryptor::new(HierarchicalKeyring::new(per_tenant(), "bk-acme"));
        for tenant in ["acme", "globex"] {
            let item = HashMap::from([
                ("tenant".to_owned(), s(tenant)),
                ("id".to_owned(), s("o-1")),
                ("card".to_owned(), s("4111")),
            ]);
            let stored = block_on(encryptor.encrypt_item(schema, item.clone())).unwrap();
            assert_eq!(block_on(encryptor.decrypt_item(schema, stored.clone())).unwrap(), item);
            let by_acme = block_on(only_acme.decrypt_item(schema, stored));
            assert_eq!(by_acme.is_ok(), tenant == "acme", "{tenant}");
        }
        let stranger =
            HashMap::from([("tenant".to_owned(), s("initech")), ("id".to_owned(), s("o-1"))]);
        let error = block_on(encryptor.encrypt_item(schema, stranger)).unwrap_err();
        assert!(error.to_string().contains("bk-initech"), "{error}");
    }
}

#[test]
fn a_tenant_supplier_refuses_an_item_whose_context_lacks_the_tenant() {
    use crate::{AttributeValue, ItemEncryptor, TableSchema};
    let schema = TableSchema::builder("Orders").partition_key("id").build().unwrap();
    let tenants = TenantBranchKeys::new("tenant", |tenant| format!("bk-{tenant}"));
    let encryptor = ItemEncryptor::new(HierarchicalKeyring::with_supplier(per_tenant(), tenants));
    let item = HashMap::from([
        ("id".to_owned(), AttributeValue::S("o-1".into())),
        ("tenant".to_owned(), AttributeValue::S("acme".into())),
    ]);
    let error = block_on(encryptor.encrypt_item(&schema, item)).unwrap_err();
    assert!(error.to_string().contains("SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT"), "{error}");
}
