#!/usr/bin/env bash
# The README's migration walkthrough, step by step, against a local DynamoDB and KMS API:
#   1. the old Python DynamoDB Encryption Client writes a table of legacy items (Direct KMS);
#   2. a branch key store and a branch key are created with `ddbe keys`;
#   3. `ddbe migrate --dry-run` counts what would move, `ddbe migrate` moves it to the DB-ESDK
#      format, `ddbe verify` audits every item, `ddbe inspect` shows one.
# Run it as `scripts/migration-walkthrough.sh`: it starts a local server unless AWS_ENDPOINT_URL
# is set. Exits non-zero if a step fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
    exec scripts/with-local-aws.sh "$0" "$@"
fi
step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }
python=.local-aws/venv/bin/python
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# DDBE: a ddbe binary already built (CI passes the one the tests built); else build it.
ddbe="${DDBE:-}"
if [[ -z "$ddbe" ]]; then
    cargo build --quiet -p ddbe
    ddbe=target/debug/ddbe
fi

# 1. A table written by the Python client: 50 orders, the customer and total encrypted.
printf '{"partition_key_name": "order_id", "sort_key_name": null,
  "attribute_actions": {"default": "ENCRYPT_AND_SIGN", "overrides": {"order_id": "SIGN_ONLY", "status": "SIGN_ONLY"}},
  "items": [' > "$work/orders.json"
for n in $(seq 1 50); do
    [[ $n -gt 1 ]] && printf ',' >> "$work/orders.json"
    printf '{"order_id": {"S": "o-%03d"}, "customer": {"S": "customer %d"}, "total": {"N": "%d.99"}, "status": {"S": "PLACED"}}' \
        "$n" "$n" "$n" >> "$work/orders.json"
done
printf ']}\n' >> "$work/orders.json"
kms_key=$("$python" interop/aws_interop.py kms-create-key --endpoint "$AWS_ENDPOINT_URL" \
    | "$python" -c 'import json, sys; print(json.load(sys.stdin)["arn"])')
step "$python" interop/aws_interop.py create-table --endpoint "$AWS_ENDPOINT_URL" --table orders --items "$work/orders.json"
step "$python" interop/aws_interop.py direct-kms-write --endpoint "$AWS_ENDPOINT_URL" --table orders \
    --key-id "$kms_key" --items "$work/orders.json"

# 2. The configuration: what the table holds, what to write, what to read.
write_config() {
    cat > "$work/ddbe.toml" <<EOF
[table]
name = "orders"
partition_key = "order_id"
sign_only = ["status"]

[write]
format = "dbesdk"
keyring = "branch"

[read]
legacy = "python-client"

[keyrings.branch]
type = "hierarchical"
branch_key_id = "$1"

[providers.python-client]
type = "aws-kms"
key_id = "$kms_key"

[key_store]
table = "branch-keys"
kms_key_arn = "$kms_key"
EOF
}
write_config "not created yet"
step "$ddbe" --config "$work/ddbe.toml" keys branch-create-table
branch_key_id=$("$ddbe" --config "$work/ddbe.toml" --json keys branch-create \
    | "$python" -c 'import json, sys; print(json.load(sys.stdin)["branch_key_id"])')
echo "branch key: $branch_key_id" >&2
write_config "$branch_key_id"

# 3. Migrate, verify, inspect.
step "$ddbe" --config "$work/ddbe.toml" migrate --dry-run
step "$ddbe" --config "$work/ddbe.toml" migrate --total-segments 2 --checkpoint "$work/checkpoint.json"
step "$ddbe" --config "$work/ddbe.toml" verify
step "$ddbe" --config "$work/ddbe.toml" inspect order_id=o-007
