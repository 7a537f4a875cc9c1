//! The Python side of interop: the venv with the real `dynamodb-encryption-sdk`, set up by
//! `scripts/python-venv.sh`, and the scripts in `interop/`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's Python interpreter, creating the venv first if needed (once per machine; the
/// script is idempotent and serialized with a lock).
///
/// # Panics
///
/// If the venv cannot be created, with the script's explanation of how to fix it.
pub fn python() -> PathBuf {
    let root = workspace_root();
    let output = Command::new("bash")
        .arg(root.join("scripts/python-venv.sh"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/python-venv.sh: {e}; is bash installed?"));
    assert!(
        output.status.success(),
        "scripts/python-venv.sh failed, so the Python DynamoDB Encryption Client is unavailable:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    root.join(".local-aws/venv/bin/python")
}

/// Runs `interop/decrypt_vectors.py` on `files`: returns its exit success and its stdout lines.
///
/// # Panics
///
/// If Python cannot be started.
pub fn decrypt_vectors(files: &[PathBuf]) -> (bool, Vec<String>) {
    let output = Command::new(python())
        .arg(workspace_root().join("interop/decrypt_vectors.py"))
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run interop/decrypt_vectors.py: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines = stdout.lines().map(str::to_owned).collect();
    (output.status.success(), lines)
}

/// Runs `interop/aws_interop.py COMMAND --endpoint ENDPOINT ARGS...`: the real Python client
/// against the local server. Returns its success, its stdout as JSON (or null) and its stderr.
///
/// # Panics
///
/// If Python cannot be started.
pub fn aws_interop(
    endpoint: &str,
    command: &str,
    args: &[&str],
) -> (bool, serde_json::Value, String) {
    let output = Command::new(python())
        .arg(workspace_root().join("interop/aws_interop.py"))
        .arg(command)
        .args(["--endpoint", endpoint])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run interop/aws_interop.py: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = stdout.lines().last().and_then(|l| serde_json::from_str(l).ok()).unwrap_or_default();
    (output.status.success(), json, String::from_utf8_lossy(&output.stderr).into_owned())
}
