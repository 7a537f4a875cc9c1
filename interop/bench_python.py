"""Times the Python DynamoDB Encryption Client on the benchmark items (written by
`cargo run --bin bench_items -- DIR`): encrypt and decrypt per item, Static and Wrapped
providers, legacy format (the only one it has). Prints one JSON object:
{"<shape>/<provider>/<encrypt|decrypt>": microseconds per item, ...}.

usage: bench_python.py DIR [--seconds S]
"""
import copy
import glob
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import vectorlib  # noqa: E402
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item  # noqa: E402


def per_item(function, seconds):
    """Microseconds per call: calls repeated for about `seconds`, best of three rounds."""
    function()  # warm up
    rounds = []
    for _ in range(3):
        count, started = 0, time.perf_counter()
        while True:
            function()
            count += 1
            elapsed = time.perf_counter() - started
            if elapsed >= seconds / 3:
                break
        rounds.append(elapsed / count * 1e6)
    return min(rounds)


def main(argv):
    directory = argv[0]
    seconds = float(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 3.0
    results = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as handle:
            vector = json.load(handle)
        provider = vectorlib.build_provider(vector)
        plaintext = vectorlib.item_from_json(vector["plaintext_item"])
        config = vectorlib.crypto_config(vector, provider, plaintext)
        encrypted = encrypt_dynamodb_item(copy.deepcopy(plaintext), config)
        name = vector["name"].replace("-", "/", 1)
        results[name + "/encrypt"] = per_item(lambda: encrypt_dynamodb_item(copy.deepcopy(plaintext), config), seconds)
        results[name + "/decrypt"] = per_item(lambda: decrypt_dynamodb_item(copy.deepcopy(encrypted), config), seconds)
        # deepcopy alone, to subtract: the Rust benchmarks clone outside the timing too.
        results[name + "/copy-encrypt"] = per_item(lambda: copy.deepcopy(plaintext), seconds / 3)
        results[name + "/copy-decrypt"] = per_item(lambda: copy.deepcopy(encrypted), seconds / 3)
    print(json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
