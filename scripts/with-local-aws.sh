#!/usr/bin/env bash
# Runs a command against a local DynamoDB and KMS API (the moto server, on 127.0.0.1 only), for
# examples that build their own AWS clients the way an application does: the command sees
#   AWS_ENDPOINT_URL=http://127.0.0.1:<port>, AWS_REGION=us-east-1 and test credentials,
# which aws-config and the SDK read. The server stops when the command ends.
#
#   scripts/with-local-aws.sh cargo run --example clinic
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/python-venv.sh
coproc SERVER { exec .local-aws/venv/bin/python scripts/moto_server.py; }
# The server stops when its standard input closes: when this script exits, whatever happens.
read -r line <&"${SERVER[0]}"
port=${line#PORT }
if [[ $line != "PORT "* || -z $port ]]; then
    echo "with-local-aws.sh: the moto server did not start (got: $line)" >&2
    exit 1
fi
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN
"$@"
