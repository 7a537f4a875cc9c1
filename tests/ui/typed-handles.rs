use ddb_encrypt::{EncryptedItem, EncryptedTable};

#[derive(EncryptedItem)]
struct Patient {
    #[ddb(partition_key)]
    patient_id: String,
    #[ddb(sign_only, gsi_partition_key = "ByClinic")]
    clinic_id: String,
    #[ddb(sign_only)]
    age: u32,
    diagnosis: String,
}

#[derive(EncryptedItem)]
struct Visit {
    #[ddb(partition_key)]
    patient_id: String,
}

async fn misuse(patients: EncryptedTable<Patient>, patient: &Patient) {
    // An encrypted value cannot be compared.
    let _ = Patient::FIELDS.diagnosis.eq("flu");
    // A condition on another item type's attribute.
    let _ = patients.put(patient).condition(Visit::FIELDS.patient_id.exists());
    // A value of the wrong type.
    let _ = Patient::FIELDS.age.ge("eighteen");
    // An index that does not exist.
    let _ = patients.query_index(Patient::INDEXES.by_name, "Ada");
    // An index key of the wrong type.
    let _ = patients.query_index(Patient::INDEXES.by_clinic, 7_u64);
}

fn main() {
    let _ = misuse;
}
