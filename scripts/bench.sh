#!/usr/bin/env bash
# The benchmarks, in one run: the official DB-ESDK crate (aws-db-esdk) and this crate on the same
# three items with the same Raw AES key, both suites; the Python DynamoDB Encryption Client and
# this crate's legacy format on the same items with the same providers and keys; the typed
# path, the primitives (RustCrypto and aws-lc-rs), peak memory for the large item, and put
# throughput against the local server, and the CPU per item of `ddbe migrate` against a plain
# copy of the same table. Prints tables.
#
# PY_SECONDS (default 3) and RUST_SECONDS (default 3): measuring time per benchmark.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=target/bench
mkdir -p "$out"
scripts/python-venv.sh
cargo build --release --quiet --bins
cargo run --release --quiet --bin bench_items -- "$out/items"
echo "Python package..." >&2
.local-aws/venv/bin/python interop/bench_python.py "$out/items" --seconds "${PY_SECONDS:-3}" > "$out/python.json"
echo "Rust benchmarks..." >&2
cargo bench --quiet --bench item --bench primitives -- --warm-up-time 1 --measurement-time "${RUST_SECONDS:-3}" >&2
echo "DB-ESDK: the official crate and this crate, alternating on each item..." >&2
cargo run --release --quiet --bin bench_dbesdk -- write "$out/dbesdk"
: > "$out/dbesdk.jsonl"
for file in "$out"/dbesdk/*.json; do
    for round in 1 2 3; do
        scripts/dbesdk-interop.sh bench "$file" | sed 's/^/{"impl":"aws-db-esdk","round":'"$round"',"result":/; s/$/}/' >> "$out/dbesdk.jsonl"
        target/release/bench_dbesdk bench "$file" | sed 's/^/{"impl":"ddb-encrypt","round":'"$round"',"result":/; s/$/}/' >> "$out/dbesdk.jsonl"
    done
done
echo "Memory and throughput..." >&2
cargo run --release --quiet --bin bench_memory > "$out/memory.json"
cargo run --release --quiet --bin put_throughput > "$out/throughput.json"
echo "ddbe migrate against a plain copy, CPU per item..." >&2
cargo build --release --quiet -p ddbe
cargo run --release --quiet --bin bench_migrate > "$out/migrate.json"
cargo run --release --quiet --bin bench_report -- "$out"
echo
echo "DB-ESDK format, the same items and Raw AES key, alternating runs (median of 3 rounds, each the median of 200 items), µs per item:"
python3 - "$out/dbesdk.jsonl" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r["result"]["name"], r["impl"])
    for op in ("encrypt", "decrypt"):
        rows.setdefault(key, {}).setdefault(op, []).append(r["result"][op + "_us"])
print("| item | suite | op | aws-db-esdk µs | ddb-encrypt µs | ratio |")
print("|---|---|---|---:|---:|---:|")
for name in sorted({k[0] for k in rows}, key=lambda n: (["small", "typical", "large"].index(n.split("-")[0]), n)):
    for op in ("encrypt", "decrypt"):
        official = statistics.median(rows[(name, "aws-db-esdk")][op])
        ours = statistics.median(rows[(name, "ddb-encrypt")][op])
        shape, suite = name.split("-")
        print(f"| {shape} | 0x{suite} | {op} | {official:.0f} | {ours:.1f} | {official / ours:.1f}x |")
PY
echo
echo "ddbe migrate against a plain copy (scan + put_item) of the same table, CPU per item of each process (median of 3 interleaved rounds):"
python3 - "$out/migrate.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
print("| what | CPU µs per item | ratio to the plain copy |")
print("|---|---:|---:|")
for row in result["rows"]:
    print(f"| {row['what']} | {row['cpu_us_per_item']:.0f} | {row['ratio_to_plain_copy']:.2f}x |")
PY
