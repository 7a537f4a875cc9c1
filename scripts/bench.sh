#!/usr/bin/env bash
# The benchmarks, in one run: the Python DynamoDB Encryption Client and this crate on the same
# three items with the same providers and keys, the naive crypto floor, the typed path, peak
# memory for the large item, and put throughput against the local server. Prints a table.
#
# PY_SECONDS (default 3) and RUST_SECONDS (default 3): measuring time per benchmark.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=target/bench
mkdir -p "$out"
scripts/python-venv.sh
cargo build --release --quiet --examples
cargo run --release --quiet --example bench_items -- "$out/items"
echo "Python package..." >&2
.local-aws/venv/bin/python interop/bench_python.py "$out/items" --seconds "${PY_SECONDS:-3}" > "$out/python.json"
echo "Rust benchmarks..." >&2
cargo bench --quiet --bench item --bench floor -- --warm-up-time 1 --measurement-time "${RUST_SECONDS:-3}" >&2
echo "Memory and throughput..." >&2
cargo run --release --quiet --example bench_memory > "$out/memory.json"
cargo run --release --quiet --example put_throughput > "$out/throughput.json"
cargo run --release --quiet --example bench_report -- "$out"
