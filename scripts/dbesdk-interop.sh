#!/usr/bin/env bash
# Builds interop/dbesdk (vectors and timings from the official AWS Database Encryption SDK for
# DynamoDB, aws-db-esdk) in release and runs it with this script's arguments:
#   generate OUT_DIR | decrypt FILE... | bench FILE [--iterations N]
# The first build takes about 15 minutes and 1 GB (interop/dbesdk/target).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

target="${CARGO_TARGET_DIR:-$root/interop/dbesdk/target}"
[[ "$target" == /* ]] || target="$PWD/$target"
export CARGO_TARGET_DIR="$target"
# Build from the repo root; run from the caller's directory so relative FILE paths work.
(cd "$root" && cargo build --release --locked --manifest-path interop/dbesdk/Cargo.toml)
exec "$CARGO_TARGET_DIR/release/dbesdk-interop" "$@"
