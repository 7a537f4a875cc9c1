//! Writes the GCM known-answer vectors with the independent reference writer.
//!
//! `cargo run --example gcm_vectors -- tests/vectors/gcm`

use std::path::PathBuf;

use ddb_encrypt_dev::gcm_reference;

fn main() -> Result<(), String> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: gcm_vectors OUT_DIR")?);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for scenario in gcm_reference::scenarios() {
        let json = gcm_reference::build(&scenario);
        let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())? + "\n";
        let path = dir.join(format!("{}.json", scenario.name));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
