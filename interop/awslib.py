"""Loopback-only AWS plumbing for the interop scripts (``aws_interop.py``, ``generate_aws_vectors.py``).

Everything here talks to one moto server on the loopback interface and nothing else:

* the endpoint must be ``http(s)://`` + a loopback address (127.0.0.0/8, ::1 or ``localhost``);
* every ``AWS_*`` environment variable is dropped and replaced by dummy credentials, region ``us-east-1``,
  ``AWS_ENDPOINT_URL`` = the endpoint and empty config/credential files, so that even a client created
  behind our back (e.g. by the package) cannot reach real AWS or read real credentials;
* every client we create gets ``endpoint_url`` explicitly, and a ``before-send`` hook that refuses any
  request whose URL does not start with the endpoint.

Not a public API.
"""
import ipaddress
import json
import os
import sys
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import vectorlib  # noqa: E402  pylint: disable=wrong-import-position

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402
import botocore.session  # noqa: E402
from dynamodb_encryption_sdk.encrypted.client import EncryptedClient  # noqa: E402
from dynamodb_encryption_sdk.exceptions import UnknownRegionError  # noqa: E402
from dynamodb_encryption_sdk.material_providers.aws_kms import AwsKmsCryptographicMaterialsProvider  # noqa: E402
from dynamodb_encryption_sdk.material_providers.most_recent import CachingMostRecentProvider  # noqa: E402
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore  # noqa: E402

REGION = "us-east-1"
ACCESS_KEY = "local"
SECRET_KEY = "local"
VERSION_TTL = 60.0


class InteropError(Exception):
    """A failure with a message meant for the user (no traceback needed)."""


# --------------------------------------------------------------------------------------------------
# the loopback connection

def check_endpoint(url):
    """Return the endpoint without a trailing slash, or raise InteropError if it is not a loopback URL."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InteropError("--endpoint must be an http:// URL such as http://127.0.0.1:5000, got {!r}".format(url))
    host = parts.hostname
    loopback = host == "localhost"
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback:
        raise InteropError("--endpoint {!r}: only a loopback address (127.0.0.1) may be contacted".format(url))
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InteropError("--endpoint {!r}: give scheme, host and port only".format(url))
    return "{}://{}".format(parts.scheme, parts.netloc)


def isolate_environment(endpoint):
    """Make sure no botocore client of this process can find real credentials or a real endpoint."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    })


class Loopback(object):
    """boto3 clients for DynamoDB and KMS, all pointed at one loopback endpoint."""

    def __init__(self, endpoint):
        self.endpoint = check_endpoint(endpoint)
        isolate_environment(self.endpoint)
        self.session = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
        config = botocore.config.Config(connect_timeout=5, read_timeout=60,
                                        retries={"max_attempts": 3, "mode": "standard"})
        self.dynamodb = self.session.client("dynamodb", endpoint_url=self.endpoint, config=config)
        self.kms = self.session.client("kms", endpoint_url=self.endpoint, config=config)
        self.dynamodb_resource = self.session.resource("dynamodb", endpoint_url=self.endpoint, config=config)
        for client in (self.dynamodb, self.kms, self.dynamodb_resource.meta.client):
            client.meta.events.register("before-send", self._guard)

    def _guard(self, request, **kwargs):  # pylint: disable=unused-argument
        if not (request.url == self.endpoint or request.url.startswith(self.endpoint + "/")):
            raise InteropError("refusing to send a request to {} (only {} is allowed)".format(
                request.url, self.endpoint))

    def table_key_names(self, table_name):
        """(partition key name, sort key name or None) of an existing table."""
        try:
            schema = self.dynamodb.describe_table(TableName=table_name)["Table"]["KeySchema"]
        except self.dynamodb.exceptions.ResourceNotFoundException:
            raise InteropError("table {!r} does not exist at {}".format(table_name, self.endpoint))
        names = {entry["KeyType"]: entry["AttributeName"] for entry in schema}
        return names.get("HASH"), names.get("RANGE")

    def scan_raw(self, table_name):
        """Every item of a table as stored (raw DynamoDB JSON, B as bytes), no decryption."""
        items = []
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
            items.extend(page.get("Items", []))
        return items


# --------------------------------------------------------------------------------------------------
# Direct KMS

class LoopbackKmsProvider(AwsKmsCryptographicMaterialsProvider):
    """The package's Direct KMS provider, unchanged except that it may not build KMS clients of its own.

    Its KMS client is injected through the package's ``regional_clients`` argument (region -> client);
    the package looks the client up by the key ARN's region (4th ``:`` field) or, for a bare key id /
    alias, by its botocore session's region, which we set to ``us-east-1``. ``_add_regional_client`` would
    otherwise create a client for an unknown region from the session: we refuse instead.
    """

    def _add_regional_client(self, region_name):
        if region_name not in self._regional_clients:
            raise UnknownRegionError("no loopback KMS client for region {!r} (only {} is served)".format(
                region_name, ", ".join(sorted(self._regional_clients))))
        return self._regional_clients[region_name]


def kms_provider(loopback, key_id, grant_tokens=(), material_description=None):
    botocore_session = botocore.session.Session()
    botocore_session.set_config_variable("region", REGION)
    botocore_session.set_credentials(ACCESS_KEY, SECRET_KEY)
    return LoopbackKmsProvider(
        key_id=key_id,
        botocore_session=botocore_session,
        grant_tokens=tuple(grant_tokens or ()),
        material_description=dict(material_description or {}),
        regional_clients={REGION: loopback.kms},
    )


class KmsRecorder(object):
    """Records every KMS call of a client as sent on the wire (the JSON request body) and as answered
    (botocore's parsed response), through the ``before-call.kms.*`` / ``after-call.kms.*`` events."""

    def __init__(self, client):
        self.calls = []
        client.meta.events.register("before-call.kms.*", self._before)
        client.meta.events.register("after-call.kms.*", self._after)

    def _before(self, params, model, **kwargs):  # pylint: disable=unused-argument
        body = params.get("body") or b"{}"
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        self.calls.append({"operation": model.name, "request": json.loads(body), "response": None})

    def _after(self, parsed, model, **kwargs):  # pylint: disable=unused-argument
        for call in reversed(self.calls):
            if call["operation"] == model.name and call["response"] is None:
                call["response"] = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
                break

    def of(self, operation):
        return [call for call in self.calls if call["operation"] == operation]

    def clear(self):
        del self.calls[:]


def resolve_key_arn(loopback, key_id):
    """DescribeKey: the ARN of a key id / ARN / alias, or InteropError if KMS does not know it."""
    try:
        return loopback.kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    except loopback.kms.exceptions.NotFoundException:
        raise InteropError("KMS key {!r} not found at {}".format(key_id, loopback.endpoint))
    except botocore.exceptions.ClientError as error:
        raise InteropError("DescribeKey({!r}) failed: {}".format(key_id, error))


# --------------------------------------------------------------------------------------------------
# MetaStore / MostRecent

def provider_from_spec(loopback, spec):
    """A package provider from a vector-schema ``provider`` object; ``aws-kms-direct`` without recorded
    replay data is served live by the loopback KMS."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise InteropError("provider spec must be a JSON object with a 'type'")
    if spec["type"] == "aws-kms-direct" and "kms_plaintext_data_key_hex" not in spec:
        return kms_provider(loopback, spec["key_id"], spec.get("grant_tokens"), spec.get("material_description"))
    try:
        return vectorlib.build_provider({"provider": spec})
    except vectorlib.UnsupportedVector as error:
        raise InteropError(str(error))


def meta_store(loopback, meta_table, meta_provider):
    """The package's MetaStore on an existing meta table (its EncryptedTable calls DescribeTable)."""
    loopback.table_key_names(meta_table)  # clear error if the table is missing
    return MetaStore(table=loopback.dynamodb_resource.Table(meta_table), materials_provider=meta_provider)


def most_recent_provider(store, material_name):
    return CachingMostRecentProvider(provider_store=store, material_name=material_name, version_ttl=VERSION_TTL)


# --------------------------------------------------------------------------------------------------
# item files: {"partition_key_name", "sort_key_name", "attribute_actions", "items": [DynamoDB JSON]}

def load_item_file(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            spec = json.load(handle)
    except (OSError, ValueError) as error:
        raise InteropError("cannot read item file {}: {}".format(path, error))
    if not isinstance(spec, dict):
        raise InteropError("item file {}: top level must be an object".format(path))
    pk, sk = spec.get("partition_key_name"), spec.get("sort_key_name")
    if not isinstance(pk, str) or not (sk is None or isinstance(sk, str)):
        raise InteropError("item file {}: partition_key_name must be a string, sort_key_name a string or null"
                           .format(path))
    items = spec.get("items")
    if not isinstance(items, list):
        raise InteropError("item file {}: 'items' must be a list of DynamoDB JSON items".format(path))
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InteropError("item file {}: item {} is not an object".format(path, index))
        for key in (pk, sk):
            if key is not None and key not in item:
                raise InteropError("item file {}: item {} lacks key attribute {!r}".format(path, index, key))
        try:
            vectorlib.item_from_json(item)
        except ValueError as error:
            raise InteropError("item file {}: item {}: {}".format(path, index, error))
    try:
        vectorlib.attribute_actions(spec)
    except KeyError as error:
        raise InteropError("item file {}: unknown action {}".format(path, error))
    return spec


def check_key_schema(loopback, table_name, spec):
    names = loopback.table_key_names(table_name)
    wanted = (spec["partition_key_name"], spec.get("sort_key_name"))
    if names != wanted:
        raise InteropError("table {!r} has key schema (partition={!r}, sort={!r}) but the item file says "
                           "(partition={!r}, sort={!r})".format(table_name, names[0], names[1], *wanted))


def encrypted_client(loopback, provider, spec):
    """The package's EncryptedClient (DynamoDB JSON in and out) with the item file's actions; it reads the
    table's key schema with DescribeTable and makes the primary key attributes SIGN_ONLY."""
    return EncryptedClient(client=loopback.dynamodb, materials_provider=provider,
                           attribute_actions=vectorlib.attribute_actions(spec))


def item_key(spec, raw_item):
    names = [spec["partition_key_name"]] + ([spec["sort_key_name"]] if spec.get("sort_key_name") else [])
    return {name: raw_item[name] for name in names}


def describe_key(spec, item_json):
    names = [spec["partition_key_name"]] + ([spec["sort_key_name"]] if spec.get("sort_key_name") else [])
    return ", ".join("{}={}".format(name, json.dumps(item_json[name], ensure_ascii=False)) for name in names)


def error_text(error):
    text = " ".join(str(error).split())
    return "{}{}".format(type(error).__name__, ": " + text if text else "")
