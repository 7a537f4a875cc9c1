#!/usr/bin/env bash
# The demo: an item encrypted, stored, read back. Installs what it needs on first use, and
# says what it is doing: the first run installs the local server and compiles the crate.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'demo: %s\n' "$*" >&2; }
if [[ ! -f .local-aws/venv/.requirements.sha256 ]]; then
    say "first run: installing the local DynamoDB and KMS API server (moto, from PyPI) into .local-aws/ (a minute or two)"
fi
scripts/python-venv.sh
say "compiling the demo (cargo's progress below; the first build takes a few minutes)"
cargo build --example orders
say "starting the local server on 127.0.0.1 and running the demo"
scripts/with-local-aws.sh cargo run --quiet --example orders
