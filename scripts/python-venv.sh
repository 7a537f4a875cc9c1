#!/usr/bin/env bash
# Create (or refresh) the Python virtualenv used by the interop tooling:
#   <repo>/.local-aws/venv  with the exact pins of interop/requirements.txt.
#
# Idempotent and safe to run concurrently (serialised with flock on .local-aws/python-venv.lock).
# A marker file inside the venv records the SHA-256 of requirements.txt; when the file changes the
# venv is rebuilt from scratch. Prints nothing on stdout; progress goes to stderr.
#
# Environment: PYTHON (default python3) selects the base interpreter used to create the venv.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$script_dir/.." && pwd)
req="$root/interop/requirements.txt"
state="$root/.local-aws"
venv="$state/venv"
marker="$venv/.requirements.sha256"
lock="$state/python-venv.lock"
python=${PYTHON:-python3}

say() { printf 'python-venv.sh: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    cat >&2 <<HINT
python-venv.sh: how to fix: this needs
  * a CPython 3 interpreter with the 'venv' and 'ensurepip' modules ('$python', or set PYTHON=/path/to/python3;
    on Debian/Ubuntu: apt-get install python3-venv),
  * network access to PyPI (or a mirror configured through PIP_INDEX_URL) to install interop/requirements.txt,
  * flock(1) from util-linux.
Then run scripts/python-venv.sh again (a half-built venv is rebuilt automatically).
HINT
    exit 1
}

[ -f "$req" ] || die "missing $req"
command -v flock >/dev/null 2>&1 || die "flock(1) not found"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum(1) not found"
mkdir -p "$state" || die "cannot create $state"

want=$(sha256sum "$req" | cut -d' ' -f1)

up_to_date() {
    [ -x "$venv/bin/python" ] && [ -f "$marker" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ]
}

# Fast path without the lock: the marker is written (atomically) only after a complete install.
if up_to_date; then
    exit 0
fi

exec 9>"$lock" || die "cannot open lock file $lock"
if ! flock -w 1800 9; then
    die "timed out waiting for the lock $lock (another python-venv.sh still running?)"
fi

# Somebody else may have finished the job while we were waiting.
if up_to_date; then
    exit 0
fi

command -v "$python" >/dev/null 2>&1 || die "'$python' not found"

if [ -e "$venv" ]; then
    say "requirements changed or venv incomplete: rebuilding $venv"
    rm -rf "$venv" || die "cannot remove stale $venv"
fi

say "creating $venv with $("$python" --version 2>&1)"
"$python" -m venv "$venv" >&2 || { rm -rf "$venv"; die "'$python -m venv' failed"; }

say "installing interop/requirements.txt (progress below)"
if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --no-input --progress-bar off \
        -r "$req" >&2; then
    die "pip install -r interop/requirements.txt failed (venv left without marker, will be rebuilt)"
fi

"$venv/bin/python" -c 'import dynamodb_encryption_sdk, cryptography, boto3' >&2 \
    || die "installed packages do not import"

printf '%s\n' "$want" > "$marker.tmp.$$" && mv -f "$marker.tmp.$$" "$marker" || die "cannot write $marker"
say "ready: $venv"
