#!/usr/bin/env bash
# The whole test suite. Installs what it needs: the Python venv with the real DynamoDB
# Encryption Client (and the moto server) into .local-aws/ on first use; Rust crates via cargo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/python-venv.sh
cargo test --workspace --all-features "$@"
