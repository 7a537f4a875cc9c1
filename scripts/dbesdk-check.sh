#!/usr/bin/env bash
# The live interop check with the official AWS Database Encryption SDK (aws-db-esdk, built by
# scripts/dbesdk-interop.sh), both ways:
#   1. the official SDK writes fresh vector files; ddb-encrypt decrypts each, re-encrypts it and
#      decrypts its own item (`vectors check`);
#   2. ddb-encrypt encrypts each file's plaintext item; the official SDK decrypts every item;
#   3. the branch key store and beacons, against a local DynamoDB and KMS API: each side reads
#      the key store, gets the items and finds them by beacon that the other created and wrote
#      (src/bin/keystore_interop.rs drives both sides).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/official" "$work/ours"

scripts/dbesdk-interop.sh generate "$work/official"
cargo build --quiet --bin vectors --bin keystore_interop
runner=target/debug/vectors

echo "== ddb-encrypt reads what the official SDK wrote"
"$runner" check "$work"/official/*.json

echo "== the official SDK reads what ddb-encrypt wrote"
for file in "$work"/official/*.json; do
    "$runner" encrypt "$file" "$work/ours/$(basename "$file")" >/dev/null
done
scripts/dbesdk-interop.sh decrypt "$work"/ours/*.json

echo "== the branch key store and beacons, both ways"
target/debug/keystore_interop scripts/dbesdk-interop.sh
