//! How the examples get their AWS clients: as an application does, from the environment
//! (`aws-config`: region, credentials, and `AWS_ENDPOINT_URL`, which
//! `scripts/with-local-aws.sh` points at a local DynamoDB and KMS API on 127.0.0.1).

use std::error::Error;

use aws_config::{BehaviorVersion, SdkConfig};

/// The SDK configuration. Without `AWS_ENDPOINT_URL` it would be real AWS, which costs money
/// and touches real tables: that takes `--real-aws` on the command line.
pub(crate) async fn config() -> Result<SdkConfig, Box<dyn Error>> {
    let local = std::env::var_os("AWS_ENDPOINT_URL").is_some();
    if !local && !std::env::args().any(|a| a == "--real-aws") {
        return Err(
            "set AWS_ENDPOINT_URL (scripts/with-local-aws.sh does), or pass --real-aws".into()
        );
    }
    Ok(aws_config::defaults(BehaviorVersion::latest()).load().await)
}

/// The ARN of the KMS key named by the environment variable `variable`; on a local server
/// without it, a new key made there.
#[allow(dead_code, reason = "not every example uses KMS; an expect would fail in those that do")]
pub(crate) async fn kms_key(
    kms: &aws_sdk_kms::Client,
    variable: &str,
) -> Result<String, Box<dyn Error>> {
    if let Some(arn) = std::env::var_os(variable) {
        return arn.into_string().map_err(|_| format!("{variable} is not UTF-8").into());
    }
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        return Err(format!("set {variable} to your KMS key's ARN").into());
    }
    let key = kms.create_key().send().await?.key_metadata.and_then(|key| key.arn);
    Ok(key.ok_or("the new KMS key has no ARN")?)
}
