#!/usr/bin/env bash
# The demo: an item encrypted, stored, read back. Installs what it needs on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/with-local-aws.sh cargo run --quiet --example orders
