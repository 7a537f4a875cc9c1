#!/usr/bin/env python3
"""Decrypt vector files with the real Python DynamoDB Encryption Client and check the plaintext.

usage: decrypt_vectors.py FILE...

For each file: build the package's materials provider from ``provider``, decrypt ``encrypted_item``
(signature verification included) with the file's table name, key names and attribute actions, and
compare the result with ``plaintext_item`` (sets as sets, numbers as Decimal values, binary as bytes;
a number that matches only after the package's 28-significant-digit rounding counts as equal).
Direct KMS files are replayed from the recorded data key (``kms_plaintext_data_key_hex``,
``kms_ciphertext_blob_b64``; the reader's KMS encryption context must equal the recorded one); MostRecent
files use the package's CachingMostRecentProvider over the file's ``meta_table`` rows (decrypted with
``provider.meta_provider``) and/or ``version_keys``. No network in either case.
A file whose top level is a list (``serialize-examples.json``: ``[{attribute, serialized_hex}]``) is
checked against the package's serializer and deserializer instead.

Prints exactly one line per file, ``ok NAME`` or ``FAIL NAME: reason`` (NAME = file name without
``.json``), and exits 1 if any file failed (2 on usage errors).
"""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import vectorlib  # noqa: E402  pylint: disable=wrong-import-position
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item  # noqa: E402
from dynamodb_encryption_sdk.internal.formatting.deserialize.attribute import deserialize_attribute  # noqa: E402
from dynamodb_encryption_sdk.internal.formatting.serialize.attribute import serialize_attribute  # noqa: E402


def check_serialize_examples(cases):
    """A serialize-examples file: a list of {attribute, serialized_hex}. Each case must serialize to exactly
    serialized_hex with the package's serializer, and deserialize back to an equal value."""
    if not cases:
        return "empty list of serializer cases"
    for index, case in enumerate(cases):
        try:
            attribute, expected_hex = case["attribute"], case["serialized_hex"]
            got = serialize_attribute(vectorlib.attribute_from_json(attribute))
            if got.hex() != expected_hex.lower():
                return "serializer case {} ({}): package gives {}, file says {}".format(
                    index, vectorlib.short(attribute), got.hex(), expected_hex)
            back = vectorlib.attribute_to_json(deserialize_attribute(bytes.fromhex(expected_hex)))
            reason = vectorlib.compare_attribute(attribute, back, "case {}".format(index))
            if reason:
                return "deserialized value differs: " + reason
        except Exception as error:  # pylint: disable=broad-except
            return "serializer case {}: {}: {}".format(index, type(error).__name__, error)
    return None


def check_file(path):
    """Return None if the file decrypts to its plaintext, else a reason."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            vector = json.load(handle)
    except (OSError, ValueError) as error:
        return "cannot read JSON: {}".format(error)
    if isinstance(vector, list):
        return check_serialize_examples(vector)
    if not isinstance(vector, dict):
        return "not a vector file (top level is neither an object nor a list of serializer cases)"

    fmt = vector.get("format")
    if fmt is not None:
        return "format {!r} is not the legacy format this client reads".format(fmt)

    for field in ("provider", "attribute_actions", "plaintext_item", "encrypted_item"):
        if field not in vector:
            return "missing field {!r}".format(field)

    try:
        provider = vectorlib.build_provider(vector)
        encrypted = vectorlib.item_from_json(vector["encrypted_item"])
        config = vectorlib.crypto_config(vector, provider, encrypted)
        # decrypt_dynamodb_item pops the signature/description out of the item it is given.
        decrypted = decrypt_dynamodb_item(copy.deepcopy(encrypted), config)
        decrypted_json = vectorlib.item_to_json(decrypted)
    except vectorlib.UnsupportedVector as error:
        return str(error)
    except Exception as error:  # pylint: disable=broad-except
        text = str(error)
        return "decrypt failed: {}{}".format(type(error).__name__, ": " + text if text else "")
    try:
        reason = vectorlib.compare_item(vector["plaintext_item"], decrypted_json)
    except Exception as error:  # pylint: disable=broad-except
        return "cannot compare: {}: {}".format(type(error).__name__, error)
    if reason:
        return "plaintext mismatch: " + reason
    return None


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    failed = 0
    for path in argv:
        name = os.path.basename(path)
        if name.endswith(".json"):
            name = name[: -len(".json")]
        reason = check_file(path)
        if reason is None:
            print("ok {}".format(name), flush=True)
        else:
            failed += 1
            print("FAIL {}: {}".format(name, " ".join(reason.split())), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
