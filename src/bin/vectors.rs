//! The vector runner: checks and writes vector files of both formats (`docs/legacy-format.md`
//! section 8, `docs/dbesdk-format.md` section 8); each file says its format.
//!
//! ```text
//! cargo run --bin vectors -- decrypt FILE...   decrypt each encrypted_item, compare with plaintext_item
//! cargo run --bin vectors -- encrypt IN OUT    encrypt IN's plaintext_item in IN's format and keys, write OUT
//! cargo run --bin vectors -- check FILE...     both directions
//! ```
//!
//! Prints `ok NAME` or `FAIL NAME: reason` per file; exits with status 1 if any file failed.
//!
//! Direct KMS files use the KMS named by `AWS_ENDPOINT_URL_KMS` or `AWS_ENDPOINT_URL` (a
//! server on 127.0.0.0/8 only), or else replay the data key recorded in the file.

use std::process::ExitCode;

use ddb_encrypt_dev::vectors::VectorFile;

const USAGE: &str =
    "usage: vectors decrypt FILE... | vectors check FILE... | vectors encrypt IN OUT";

#[expect(
    clippy::disallowed_methods,
    reason = "the runner, unlike the library, is configured by the standard AWS endpoint variables"
)]
fn load(path: &str) -> Result<VectorFile, String> {
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL_KMS").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).ok();
    VectorFile::load(path).map(|file| file.with_kms_endpoint(endpoint))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "decrypt" | "check" if !rest.is_empty() => {
            let mut failed = 0;
            for path in rest {
                let result = match load(path) {
                    Ok(file) => {
                        let outcome = if command == "decrypt" {
                            file.check_decrypt().await
                        } else {
                            file.check().await
                        };
                        outcome.map(|()| file.name()).map_err(|e| (file.name(), e))
                    }
                    Err(e) => Err((path.clone(), e)),
                };
                match result {
                    Ok(name) => println!("ok {name}"),
                    Err((name, reason)) => {
                        failed += 1;
                        println!("FAIL {name}: {reason}");
                    }
                }
            }
            if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        "encrypt" => {
            let [input, output] = rest else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            let written = async {
                let file = load(input)?;
                let json = file.encrypt().await?;
                let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())? + "\n";
                std::fs::write(output, text).map_err(|e| format!("cannot write {output}: {e}"))?;
                Ok::<_, String>(file.name())
            };
            match written.await {
                Ok(name) => {
                    println!("ok {name}");
                    ExitCode::SUCCESS
                }
                Err(reason) => {
                    println!("FAIL {input}: {reason}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
