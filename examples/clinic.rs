//! A clinic's patients and visits in two encrypted tables, written the way an application
//! writes them: its own AWS clients from `aws-config`, typed queries on an index, and a visit
//! put in one transaction with a check that its patient exists.
//!
//! It talks to the endpoint in `AWS_ENDPOINT_URL`, which `scripts/with-local-aws.sh` sets to a
//! local DynamoDB API:
//!
//! ```text
//! scripts/with-local-aws.sh cargo run --example clinic
//! ```
//!
//! Against real AWS (your credentials, region and tables are used, and billed):
//! `cargo run --example clinic -- --real-aws`.

use ddb_encrypt::keyring::RawAesKeyring;
use ddb_encrypt::{EncryptedItem, EncryptedTable, Transaction};

#[path = "support/aws.rs"]
mod support;

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Patient {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(sign_only, gsi_partition_key = "ByClinic")]
    clinic_id: String,
    #[ddb(sign_only)]
    born: u16,
    name: String,
    allergies: Vec<String>,
}

#[derive(EncryptedItem, Debug, Clone, PartialEq)]
struct Visit {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(sort_key)]
    at: u64,
    notes: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The SDK's configuration from the environment: region, credentials, endpoint.
    let config = support::config().await?;
    let client = aws_sdk_dynamodb::Client::new(&config);

    // A demo key. In production: an AwsKmsKeyring over your KMS key
    // (`ddb_encrypt::keyring::AwsKmsKeyring::new(aws_sdk_kms::Client::new(&config), key_arn)`).
    let keyring = RawAesKeyring::new("clinic", "demo", &[7; 32])?;
    let patients = EncryptedTable::<Patient>::new(client.clone(), "Patients", keyring.clone())?;
    let visits = EncryptedTable::<Visit>::new(client, "Visits", keyring)?;
    patients.create_table().await?;
    visits.create_table().await?;

    let ada = Patient {
        patient_id: "p-ada".into(),
        clinic_id: "c-1".into(),
        born: 1815,
        name: "Ada".into(),
        allergies: vec!["penicillin".into()],
    };
    // Only if no patient has this id yet.
    patients.put(&ada).condition(Patient::FIELDS.patient_id.not_exists()).await?;

    // A visit of a patient who does not exist is refused, and nothing is written.
    let stray = Visit { patient_id: "p-bob".into(), at: 1, notes: "checkup".into() };
    let refused = Transaction::new()
        .condition_check(&patients, "p-bob", Patient::FIELDS.patient_id.exists())
        .put(&visits, &stray)
        .await;
    match refused {
        Err(error) if error.is_conditional_check_failed() => println!("refused: {error}"),
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    assert_eq!(visits.get(("p-bob", 1)).await?, None);

    // Ada's visit is written, with the check in the same transaction.
    let visit = Visit { patient_id: "p-ada".into(), at: 1_700_000_000, notes: "fine".into() };
    Transaction::new()
        .condition_check(&patients, "p-ada", Patient::FIELDS.patient_id.exists())
        .put(&visits, &visit)
        .await?;
    assert_eq!(visits.get(("p-ada", 1_700_000_000)).await?.as_ref(), Some(&visit));

    // The clinic's adult patients: an index query with a typed filter, both checked when
    // compiled (the index exists, the field is stored in the clear, the value is a u16).
    let adults = patients
        .query_index(Patient::INDEXES.by_clinic, "c-1")
        .filter(Patient::FIELDS.born.le(2008))
        .await?;
    assert_eq!(adults, [ada]);
    println!("clinic c-1: {} adult patient(s); visit read back: {visit:?}", adults.len());
    Ok(())
}
