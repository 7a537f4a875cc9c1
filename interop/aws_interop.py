#!/usr/bin/env python3
"""Run the real Python DynamoDB Encryption Client (dynamodb-encryption-sdk 3.3.0) against a loopback moto
server (DynamoDB + KMS): Direct KMS and MostRecent/MetaStore, for the Rust interop tests.

usage: aws_interop.py COMMAND --endpoint URL [options]

  direct-kms-write   --table T --key-id K --items F
  direct-kms-read    --table T --key-id K --items F [--no-key-id-check]
  meta-create-table  --meta-table M [--read-units 5] [--write-units 5]
  most-recent-write  --table T --meta-table M --material-name NAME --meta-provider P --items F [--rotate-before]
  most-recent-read   --table T --meta-table M --material-name NAME --meta-provider P --items F
  meta-new-version   --meta-table M --material-name NAME --meta-provider P
  meta-dump          --meta-table M
  kms-create-key     [--description TEXT]                    (helper: CreateKey)
  create-table       --table T --items F                     (helper: table with F's key schema)

One command per invocation. Success: one line of JSON on stdout, exit 0. Any failure: a message on
stderr ("aws_interop.py COMMAND: ..."), exit 1 (2 for usage errors). The *-read commands also print
{"ok": n, "failed": [{"index": i, "reason": "..."}]} on stdout when some item fails.

F (item file): {"partition_key_name", "sort_key_name" (or null), "attribute_actions": {"default", "overrides"},
"items": [DynamoDB JSON plaintext items, B/BS base64]}. P (provider spec): a vector-schema "provider" object
(static / wrapped-aes / wrapped-rsa; aws-kms-direct is served by the loopback KMS). See interop/README.md.
Only loopback endpoints are accepted; credentials are the dummy local/local, region us-east-1.
"""
import argparse
import decimal
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import awslib  # noqa: E402  pylint: disable=wrong-import-position
import vectorlib  # noqa: E402  pylint: disable=wrong-import-position
from awslib import InteropError  # noqa: E402  pylint: disable=wrong-import-position
from dynamodb_encryption_sdk.exceptions import NoKnownVersionError  # noqa: E402
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore  # noqa: E402

PROG = "aws_interop.py"


class ReadFailures(Exception):
    def __init__(self, ok, failures):
        super(ReadFailures, self).__init__("{} item(s) failed".format(len(failures)))
        self.ok = ok
        self.failures = failures


# --------------------------------------------------------------------------------------------------
# shared steps

def _load_provider_spec(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise InteropError("cannot read provider spec {}: {}".format(path, error))


def _write_items(loopback, table, spec, provider):
    awslib.check_key_schema(loopback, table, spec)
    client = awslib.encrypted_client(loopback, provider, spec)
    for index, item_json in enumerate(spec["items"]):
        try:
            client.put_item(TableName=table, Item=vectorlib.item_from_json(item_json))
        except Exception as error:  # pylint: disable=broad-except
            raise InteropError("item {} ({}): write failed: {}".format(
                index, awslib.describe_key(spec, item_json), awslib.error_text(error)))
    return len(spec["items"])


def _read_items(loopback, table, spec, provider, check=None):
    """Get every item of the file through the package and compare it with the plaintext.
    ``check`` (optional): ``reset()`` is called before each item, ``reason()`` after a successful
    decryption returns a reason to fail the item, or None."""
    awslib.check_key_schema(loopback, table, spec)
    client = awslib.encrypted_client(loopback, provider, spec)
    ok, failures = 0, []
    for index, expected in enumerate(spec["items"]):
        raw = vectorlib.item_from_json(expected)
        if check:
            check.reset()
        try:
            response = client.get_item(TableName=table, Key=awslib.item_key(spec, raw), ConsistentRead=True)
        except Exception as error:  # pylint: disable=broad-except
            reason = "decrypt failed: " + awslib.error_text(error)
        else:
            if "Item" not in response:
                reason = "not found in table {!r}".format(table)
            else:
                reason = check.reason() if check else None
                if reason is None:
                    try:
                        mismatch = vectorlib.compare_item(expected, vectorlib.item_to_json(response["Item"]))
                    except Exception as error:  # pylint: disable=broad-except
                        mismatch = "cannot compare: " + awslib.error_text(error)
                    if mismatch:
                        reason = "plaintext mismatch: " + mismatch
        if reason is None:
            ok += 1
        else:
            failures.append({"index": index, "key": awslib.describe_key(spec, expected), "reason": reason})
    if failures:
        raise ReadFailures(ok, failures)
    return ok


def _store(loopback, args):
    meta_provider = awslib.provider_from_spec(loopback, _load_provider_spec(args.meta_provider))
    return awslib.meta_store(loopback, args.meta_table, meta_provider)


def _rotate(store, material_name):
    try:
        provider = store.new_provider(material_name)
    except NoKnownVersionError:
        raise InteropError("material {!r} has no version yet: the package's MetaStore.new_provider raises "
                           "NoKnownVersionError instead of creating version 0 (write an item first, or use "
                           "most-recent-write without --rotate-before)".format(material_name))
    return store.version_from_material_description(provider._material_description)  # pylint: disable=protected-access


# --------------------------------------------------------------------------------------------------
# commands

def cmd_direct_kms_write(args):
    loopback = awslib.Loopback(args.endpoint)
    spec = awslib.load_item_file(args.items)
    provider = awslib.kms_provider(loopback, args.key_id)
    return {"written": _write_items(loopback, args.table, spec, provider)}


def cmd_direct_kms_read(args):
    loopback = awslib.Loopback(args.endpoint)
    spec = awslib.load_item_file(args.items)
    provider = awslib.kms_provider(loopback, args.key_id)
    check = None
    if not args.no_key_id_check:
        # The package never sends a KeyId to Decrypt (the ciphertext blob names its key), so by itself it
        # decrypts under whatever key wrapped the data key. Check the key KMS reports instead.
        check = _KeyIdCheck(loopback, args.key_id)
    return {"ok": _read_items(loopback, args.table, spec, provider, check)}


class _KeyIdCheck(object):
    """Fails an item whose KMS Decrypt response names another key than --key-id (resolved by DescribeKey)."""

    def __init__(self, loopback, key_id):
        self.key_id = key_id
        self.expected_arn = awslib.resolve_key_arn(loopback, key_id)
        self.recorder = awslib.KmsRecorder(loopback.kms)

    def reset(self):
        self.recorder.clear()

    def reason(self):
        used = [(call["response"] or {}).get("KeyId") for call in self.recorder.of("Decrypt")]
        if not used:
            return "no KMS Decrypt call was made for this item"
        wrong = [key for key in used if key != self.expected_arn]
        if wrong:
            return "data key is protected by KMS key {} (KMS Decrypt response), not by --key-id {} ({})".format(
                wrong[0], self.key_id, self.expected_arn)
        return None


def cmd_meta_create_table(args):
    loopback = awslib.Loopback(args.endpoint)
    try:
        MetaStore.create_table(loopback.dynamodb, args.meta_table, args.read_units, args.write_units)
    except Exception as error:  # pylint: disable=broad-except
        # the package wraps the ClientError: Exception("Could not create table", ClientError)
        detail = error.args[1] if len(getattr(error, "args", ())) > 1 else error
        raise InteropError("MetaStore.create_table({!r}) failed: {}".format(args.meta_table, detail))
    loopback.dynamodb.get_waiter("table_exists").wait(
        TableName=args.meta_table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return {}


def cmd_most_recent_write(args):
    loopback = awslib.Loopback(args.endpoint)
    spec = awslib.load_item_file(args.items)
    store = _store(loopback, args)
    if args.rotate_before:
        _rotate(store, args.material_name)
    provider = awslib.most_recent_provider(store, args.material_name)
    written = _write_items(loopback, args.table, spec, provider)
    return {"written": written, "max_version": store.max_version(args.material_name)}


def cmd_most_recent_read(args):
    loopback = awslib.Loopback(args.endpoint)
    spec = awslib.load_item_file(args.items)
    store = _store(loopback, args)
    provider = awslib.most_recent_provider(store, args.material_name)
    return {"ok": _read_items(loopback, args.table, spec, provider)}


def cmd_meta_new_version(args):
    loopback = awslib.Loopback(args.endpoint)
    store = _store(loopback, args)
    return {"version": _rotate(store, args.material_name)}


def _row_order(row):
    name = row.get("N", {}).get("S", "")
    try:
        version = decimal.Decimal(row.get("V", {}).get("N", "0"))
    except decimal.InvalidOperation:
        version = decimal.Decimal(0)
    return (name, version)


def cmd_meta_dump(args):
    loopback = awslib.Loopback(args.endpoint)
    loopback.table_key_names(args.meta_table)
    rows = [vectorlib.item_to_json(row) for row in loopback.scan_raw(args.meta_table)]
    return {"rows": sorted(rows, key=_row_order)}


def cmd_kms_create_key(args):
    loopback = awslib.Loopback(args.endpoint)
    meta = loopback.kms.create_key(Description=args.description)["KeyMetadata"]
    return {"key_id": meta["KeyId"], "arn": meta["Arn"]}


def cmd_create_table(args):
    loopback = awslib.Loopback(args.endpoint)
    spec = awslib.load_item_file(args.items)
    if not spec["items"]:
        raise InteropError("create-table needs at least one item to learn the key attribute types")
    first = spec["items"][0]
    keys = [(spec["partition_key_name"], "HASH")]
    if spec.get("sort_key_name"):
        keys.append((spec["sort_key_name"], "RANGE"))
    definitions = []
    for name, _ in keys:
        (tag, _value), = first[name].items()
        if tag not in ("S", "N", "B"):
            raise InteropError("key attribute {!r} has type {}; DynamoDB keys are S, N or B".format(name, tag))
        definitions.append({"AttributeName": name, "AttributeType": tag})
    loopback.dynamodb.create_table(
        TableName=args.table,
        AttributeDefinitions=definitions,
        KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        BillingMode="PAY_PER_REQUEST",
    )
    loopback.dynamodb.get_waiter("table_exists").wait(
        TableName=args.table, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return {}


# --------------------------------------------------------------------------------------------------
# command line

def build_parser():
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--endpoint", required=True,
                        help="moto server URL, e.g. http://127.0.0.1:5000 (loopback only)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def command(name, func, help_text):
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(func=func)
        return sub

    sub = command("direct-kms-write", cmd_direct_kms_write,
                  "encrypt each item of F with the Direct KMS provider and put it into table T")
    sub.add_argument("--table", required=True)
    sub.add_argument("--key-id", required=True, help="KMS key id, ARN or alias used for GenerateDataKey")
    sub.add_argument("--items", required=True)

    sub = command("direct-kms-read", cmd_direct_kms_read,
                  "get each item of F from T through the Direct KMS provider and compare it with the plaintext")
    sub.add_argument("--table", required=True)
    sub.add_argument("--key-id", required=True)
    sub.add_argument("--items", required=True)
    sub.add_argument("--no-key-id-check", action="store_true",
                     help="do not check that KMS Decrypt reports --key-id (the package itself never checks)")

    sub = command("meta-create-table", cmd_meta_create_table, "MetaStore.create_table (N: S hash, V: N range)")
    sub.add_argument("--meta-table", required=True)
    sub.add_argument("--read-units", type=int, default=5)
    sub.add_argument("--write-units", type=int, default=5)

    for name, func, help_text in (
            ("most-recent-write", cmd_most_recent_write,
             "encrypt each item of F with CachingMostRecentProvider(MetaStore(M)) and put it into T"),
            ("most-recent-read", cmd_most_recent_read,
             "get each item of F from T through CachingMostRecentProvider(MetaStore(M)) and compare")):
        sub = command(name, func, help_text)
        sub.add_argument("--table", required=True)
        sub.add_argument("--meta-table", required=True)
        sub.add_argument("--material-name", required=True)
        sub.add_argument("--meta-provider", required=True, help="provider spec file protecting the meta table")
        sub.add_argument("--items", required=True)
        if name == "most-recent-write":
            sub.add_argument("--rotate-before", action="store_true",
                             help="first call MetaStore.new_provider(NAME) (new version = max + 1)")

    sub = command("meta-new-version", cmd_meta_new_version, "MetaStore.new_provider(NAME): version max + 1")
    sub.add_argument("--meta-table", required=True)
    sub.add_argument("--material-name", required=True)
    sub.add_argument("--meta-provider", required=True)

    sub = command("meta-dump", cmd_meta_dump, "scan the meta table as stored (no decryption)")
    sub.add_argument("--meta-table", required=True)

    sub = command("kms-create-key", cmd_kms_create_key, "helper: KMS CreateKey, prints key_id and arn")
    sub.add_argument("--description", default="ddb-encrypt interop")

    sub = command("create-table", cmd_create_table,
                  "helper: create table T (on-demand) with the key schema of F (types from its first item)")
    sub.add_argument("--table", required=True)
    sub.add_argument("--items", required=True)
    return parser


def main(argv):
    args = build_parser().parse_args(argv)
    where = "{} {}".format(PROG, args.command)
    try:
        result = args.func(args)
    except ReadFailures as failures:
        print(json.dumps({"ok": failures.ok, "failed": failures.failures}, sort_keys=True), flush=True)
        for failure in failures.failures:
            sys.stderr.write("{}: item {} ({}): {}\n".format(where, failure["index"], failure["key"],
                                                             failure["reason"]))
        sys.stderr.write("{}: {} of {} item(s) failed\n".format(where, len(failures.failures),
                                                                 failures.ok + len(failures.failures)))
        return 1
    except InteropError as error:
        sys.stderr.write("{}: error: {}\n".format(where, error))
        return 1
    except Exception as error:  # pylint: disable=broad-except
        if os.environ.get("INTEROP_TRACEBACK"):
            traceback.print_exc()
        sys.stderr.write("{}: error: {}\n".format(where, awslib.error_text(error)))
        return 1
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
