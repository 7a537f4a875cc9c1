"""Shared helpers for the interop scripts: the vector-file schema (tests/vectors/README.md) on one
side, the objects of the Python package ``dynamodb-encryption-sdk`` 3.3.0 on the other.

Used by ``generate_vectors.py`` and ``decrypt_vectors.py``; not a public API.
"""
import base64
import copy
import decimal
import json
import logging
from decimal import Decimal

from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.identifiers import LOGGER_NAME, CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item
from dynamodb_encryption_sdk.exceptions import InvalidVersionError, NoKnownVersionError
from dynamodb_encryption_sdk.material_providers.aws_kms import AwsKmsCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.most_recent import CachingMostRecentProvider
from dynamodb_encryption_sdk.material_providers.store import ProviderStore
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext

GENERATOR = "dynamodb-encryption-sdk 3.3.0 (CPython 3.11)"
SIGNATURE_ATTRIBUTE = "*amzn-ddb-map-sig*"
MATERIAL_DESCRIPTION_ATTRIBUTE = "*amzn-ddb-map-desc*"

# The package logs every crypto failure with a traceback (``_LOGGER.exception``) and warns about short
# keys; keep our own output to the one-line-per-file contract.
_sdk_logger = logging.getLogger(LOGGER_NAME)
_sdk_logger.addHandler(logging.NullHandler())
_sdk_logger.propagate = False


class UnsupportedVector(Exception):
    """The file asks for something the Python client cannot do offline."""


# --------------------------------------------------------------------------------------------------
# DynamoDB JSON (B/BS base64) <-> the package's raw attribute form (B/BS as bytes)

def vector_header(name, description, generator, provider_obj, table_name, pk_name, sk_name, actions,
                  plaintext_item, note=None):
    """The fields every vector file starts with (tests/vectors/README.md), in file order."""
    vector = {
        "name": name,
        "description": description,
        "generator": generator,
        "provider": provider_obj,
        "table_name": table_name,
        "partition_key_name": pk_name,
        "sort_key_name": sk_name,
        "attribute_actions": actions,
        "plaintext_item": plaintext_item,
    }
    if note:
        vector["note"] = note
    return vector


def _b64decode(text):
    return base64.b64decode(text.encode("ascii"), validate=True)


def _b64encode(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def _raw_bytes(value):
    # boto3.dynamodb.types.Binary has .value; bytes/bytearray pass through.
    return bytes(getattr(value, "value", value))


def attribute_from_json(attr):
    """DynamoDB JSON attribute value -> raw value accepted by the package."""
    if not isinstance(attr, dict) or len(attr) != 1:
        raise ValueError("not a DynamoDB JSON attribute value: {!r}".format(attr))
    (tag, value), = attr.items()
    if tag in ("S", "N"):
        return {tag: value}
    if tag == "B":
        return {"B": _b64decode(value)}
    if tag in ("SS", "NS"):
        return {tag: list(value)}
    if tag == "BS":
        return {"BS": [_b64decode(v) for v in value]}
    if tag == "BOOL":
        return {"BOOL": bool(value)}
    if tag == "NULL":
        return {"NULL": True}
    if tag == "L":
        return {"L": [attribute_from_json(v) for v in value]}
    if tag == "M":
        return {"M": {k: attribute_from_json(v) for k, v in value.items()}}
    raise ValueError("unknown DynamoDB type tag {!r}".format(tag))


def attribute_to_json(attr):
    """Raw attribute value (as the package returns it) -> DynamoDB JSON."""
    (tag, value), = attr.items()
    if tag in ("S", "N"):
        return {tag: value}
    if tag == "B":
        return {"B": _b64encode(_raw_bytes(value))}
    if tag in ("SS", "NS"):
        return {tag: list(value)}
    if tag == "BS":
        return {"BS": [_b64encode(_raw_bytes(v)) for v in value]}
    if tag == "BOOL":
        return {"BOOL": bool(value)}
    if tag == "NULL":
        return {"NULL": True}
    if tag == "L":
        return {"L": [attribute_to_json(v) for v in value]}
    if tag == "M":
        return {"M": {k: attribute_to_json(v) for k, v in value.items()}}
    raise ValueError("unknown DynamoDB type tag {!r}".format(tag))


def item_from_json(item):
    return {name: attribute_from_json(value) for name, value in item.items()}


def item_to_json(item):
    return {name: attribute_to_json(value) for name, value in item.items()}


# --------------------------------------------------------------------------------------------------
# provider objects -> package providers

def _signing_key(p):
    if "signing_key_pem" in p:
        algorithm = p.get("signing_algorithm") or "SHA256withRSA"
        return JceNameLocalDelegatedKey(
            key=p["signing_key_pem"].encode("ascii"),
            algorithm=algorithm,
            key_type=EncryptionKeyType.PRIVATE,
            key_encoding=KeyEncodingType.PEM,
        )
    if "signing_key_hex" in p:
        algorithm = p.get("signing_algorithm") or "HmacSHA256"
        return JceNameLocalDelegatedKey(
            key=bytes.fromhex(p["signing_key_hex"]),
            algorithm=algorithm,
            key_type=EncryptionKeyType.SYMMETRIC,
            key_encoding=KeyEncodingType.RAW,
        )
    raise ValueError("provider has neither signing_key_hex nor signing_key_pem")


def _aes_key(hex_text):
    return JceNameLocalDelegatedKey(
        key=bytes.fromhex(hex_text),
        algorithm="AES",
        key_type=EncryptionKeyType.SYMMETRIC,
        key_encoding=KeyEncodingType.RAW,
    )


def _rsa_key(pem_text):
    return JceNameLocalDelegatedKey(
        key=pem_text.encode("ascii"),
        algorithm="RSA",
        key_type=EncryptionKeyType.PRIVATE,
        key_encoding=KeyEncodingType.PEM,
    )


class _ReplayKms(object):
    """Stands in for a boto3 KMS client: answers from a recorded data key, no network. Like KMS, Decrypt
    refuses an encryption context other than the recorded one (when the file records one)."""

    def __init__(self, key_id, plaintext, ciphertext_blob, encryption_context=None):
        self.key_id = key_id
        self.plaintext = plaintext
        self.ciphertext_blob = ciphertext_blob
        self.encryption_context = encryption_context

    def generate_data_key(self, **kwargs):
        return {"Plaintext": self.plaintext, "CiphertextBlob": self.ciphertext_blob, "KeyId": self.key_id}

    def decrypt(self, **kwargs):
        if kwargs.get("CiphertextBlob") != self.ciphertext_blob:
            raise UnsupportedVector("KMS replay: CiphertextBlob in the item differs from the recorded one")
        context = kwargs.get("EncryptionContext")
        if self.encryption_context is not None and context != self.encryption_context:
            raise ValueError("KMS replay: the reader's KMS encryption context {} differs from the recorded {} "
                             "(KMS would answer InvalidCiphertextException)".format(
                                 json.dumps(context, sort_keys=True), json.dumps(self.encryption_context,
                                                                                 sort_keys=True)))
        return {"Plaintext": self.plaintext, "KeyId": self.key_id}


class _ReplayKmsProvider(AwsKmsCryptographicMaterialsProvider):
    def _client(self, key_id):  # pylint: disable=unused-argument
        return self._replay_client


def build_provider(vector):
    """Build the package's materials provider from a vector file's ``provider`` object."""
    p = vector["provider"]
    kind = p.get("type")
    description = dict(p.get("material_description") or {})
    if kind == "static":
        signing_key = _signing_key(p)
        encryption_key = _aes_key(p["encryption_key_hex"]) if p.get("encryption_key_hex") else None
        return StaticCryptographicMaterialsProvider(
            encryption_materials=RawEncryptionMaterials(
                signing_key=signing_key, encryption_key=encryption_key, material_description=description
            ),
            decryption_materials=RawDecryptionMaterials(
                verification_key=signing_key, decryption_key=encryption_key, material_description=description
            ),
        )
    if kind in ("wrapped-aes", "wrapped-rsa"):
        if kind == "wrapped-aes":
            kek = _aes_key(p["wrapping_key_hex"])
        else:
            kek = _rsa_key(p["wrapping_key_pem"])
        return WrappedCryptographicMaterialsProvider(
            signing_key=_signing_key(p), wrapping_key=kek, unwrapping_key=kek, material_description=description
        )
    if kind == "aws-kms-direct":
        plaintext_hex = p.get("kms_plaintext_data_key_hex") or vector.get("kms_plaintext_data_key_hex")
        blob_b64 = p.get("kms_ciphertext_blob_b64") or vector.get("kms_ciphertext_blob_b64")
        if not (plaintext_hex and blob_b64):
            raise UnsupportedVector("aws-kms-direct without kms_plaintext_data_key_hex/kms_ciphertext_blob_b64 "
                                    "needs a KMS endpoint (not supported offline)")
        provider = _ReplayKmsProvider(
            key_id=p["key_id"],
            grant_tokens=tuple(p.get("grant_tokens") or ()),
            material_description=description,
        )
        recorded = vector.get("kms_decrypt_request") or vector.get("kms_generate_data_key_request") or {}
        provider._replay_client = _ReplayKms(p["key_id"], bytes.fromhex(plaintext_hex), _b64decode(blob_b64),
                                             recorded.get("EncryptionContext"))
        return provider
    if kind == "most-recent":
        return most_recent_offline_provider(vector)
    raise UnsupportedVector("provider type {!r} is not supported offline by decrypt_vectors.py".format(kind))


# --------------------------------------------------------------------------------------------------
# MostRecent offline: the package's CachingMostRecentProvider over an in-memory store built from the
# file's meta_table rows (decrypted with meta_provider) and/or version_keys

META_PARTITION_KEY = "N"   # the Python client's MetaStoreAttributeNames
META_SORT_KEY = "V"
META_TABLE_ACTIONS = {"default": "ENCRYPT_AND_SIGN", "overrides": {"N": "SIGN_ONLY", "V": "SIGN_ONLY"}}


def meta_row_config(meta_table_name, meta_provider, raw_row):
    """The CryptoConfig the package's MetaStore uses for its rows: EncryptedTable on the meta table, i.e.
    table name = meta table name, key names N/V (SIGN_ONLY), everything else ENCRYPT_AND_SIGN."""
    return crypto_config({"table_name": meta_table_name, "partition_key_name": META_PARTITION_KEY,
                          "sort_key_name": META_SORT_KEY, "attribute_actions": META_TABLE_ACTIONS},
                         meta_provider, raw_row)


def decrypt_meta_row(meta_table_name, meta_provider, row_json):
    """A stored meta row (DynamoDB JSON) -> its decrypted raw attributes."""
    raw = item_from_json(row_json)
    return decrypt_dynamodb_item(copy.deepcopy(raw), meta_row_config(meta_table_name, meta_provider, raw))


class OfflineProviderStore(ProviderStore):
    """A ProviderStore answering from fixed versions {version: (enc_key, enc_alg, int_key, int_alg)}; builds the
    same Wrapped provider as MetaStore (KEK = enc, HMAC key = int, description amzn-ddb-meta-id = name#version)."""

    def __init__(self, versions):
        self._versions = dict(versions)

    def get_or_create_provider(self, material_name, version):
        try:
            enc_key, enc_alg, int_key, int_alg = self._versions[version]
        except KeyError:
            raise InvalidVersionError('Version not found: "{}#{}"'.format(material_name, version))
        wrapping_key = JceNameLocalDelegatedKey(key=enc_key, algorithm=enc_alg, key_type=EncryptionKeyType.SYMMETRIC,
                                                key_encoding=KeyEncodingType.RAW)
        signing_key = JceNameLocalDelegatedKey(key=int_key, algorithm=int_alg, key_type=EncryptionKeyType.SYMMETRIC,
                                               key_encoding=KeyEncodingType.RAW)
        return WrappedCryptographicMaterialsProvider(
            signing_key=signing_key, wrapping_key=wrapping_key, unwrapping_key=wrapping_key,
            material_description=MetaStore._material_description(material_name, version),  # pylint: disable=W0212
        )

    def version_from_material_description(self, material_description):
        # the package's own parsing: int(text after the first '#') of amzn-ddb-meta-id
        return MetaStore.version_from_material_description(self, material_description)

    def max_version(self, material_name):
        if not self._versions:
            raise NoKnownVersionError('No known version for name: "{}"'.format(material_name))
        return max(self._versions)


def meta_versions(vector):
    """{version: (enc, encAlg, int, intAlg)} of the file's material, from meta_table (decrypted with
    meta_provider) and version_keys; where both are present they must agree."""
    p = vector["provider"]
    name = p.get("material_name")
    if not name:
        raise ValueError("most-recent provider without material_name")
    versions = {}
    rows = vector.get("meta_table")
    if rows:
        meta_provider = build_provider({"provider": p["meta_provider"]})
        meta_table_name = p.get("meta_table_name")
        for index, row in enumerate(rows):
            if row.get(META_PARTITION_KEY) != {"S": name}:
                continue
            try:
                plain = decrypt_meta_row(meta_table_name, meta_provider, row)
            except Exception as error:  # pylint: disable=broad-except
                raise ValueError("meta_table row {} does not decrypt with meta_provider: {}: {}".format(
                    index, type(error).__name__, error))
            if plain["t"] != {"S": "0"}:
                raise ValueError("meta_table row {}: unsupported material type {!r}".format(index, plain["t"]))
            versions[int(plain[META_SORT_KEY]["N"])] = (
                _raw_bytes(plain["enc"]["B"]), plain["encAlg"]["S"], _raw_bytes(plain["int"]["B"]),
                plain["intAlg"]["S"])
    keys = vector.get("version_keys") or {}
    for text, entry in keys.items():
        version = int(text)
        enc, mac = bytes.fromhex(entry["enc_hex"]), bytes.fromhex(entry["int_hex"])
        if version in versions:
            if (versions[version][0], versions[version][2]) != (enc, mac):
                raise ValueError("version_keys[{}] differs from the decrypted meta_table row".format(text))
        elif rows:
            raise ValueError("version_keys[{}] has no row in meta_table".format(text))
        else:
            versions[version] = (enc, entry.get("enc_alg", "AES"), mac, entry.get("int_alg", "HmacSHA256"))
    if not versions:
        raise UnsupportedVector("most-recent file without meta_table rows or version_keys for material {!r}"
                                .format(name))
    return versions


def most_recent_offline_provider(vector):
    store = OfflineProviderStore(meta_versions(vector))
    return CachingMostRecentProvider(provider_store=store, material_name=vector["provider"]["material_name"],
                                     version_ttl=60.0)


def attribute_actions(vector):
    spec = vector.get("attribute_actions") or {}
    return AttributeActions(
        default_action=CryptoAction[spec.get("default", "ENCRYPT_AND_SIGN")],
        attribute_actions={name: CryptoAction[action] for name, action in (spec.get("overrides") or {}).items()},
    )


def crypto_config(vector, provider, raw_item, material_description=None):
    context = EncryptionContext(
        table_name=vector.get("table_name"),
        partition_key_name=vector.get("partition_key_name"),
        sort_key_name=vector.get("sort_key_name"),
        attributes=copy.deepcopy(raw_item),
        material_description=material_description or {},
    )
    return CryptoConfig(materials_provider=provider, encryption_context=context,
                        attribute_actions=attribute_actions(vector))


# --------------------------------------------------------------------------------------------------
# comparison of DynamoDB JSON values (sets as sets, numbers as Decimal, binary as bytes)

_PY_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)


def _decimal(text):
    try:
        return Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError("invalid number {!r}".format(text))


def python_rounded(text):
    """The value the package serializes for a number: normalized with 28 significant digits, half-even."""
    return _decimal(text).normalize(_PY_CONTEXT)


def _numbers_equal(expected, actual):
    e, a = _decimal(expected), _decimal(actual)
    return e == a or python_rounded(expected) == python_rounded(actual)


def _number_sets_equal(expected, actual):
    e = {_decimal(v) for v in expected}
    a = {_decimal(v) for v in actual}
    if e == a:
        return True
    return {python_rounded(v) for v in expected} == {python_rounded(v) for v in actual}


def short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def compare_attribute(expected, actual, path):
    """Return None when equal, else a short reason."""
    if not isinstance(actual, dict) or len(actual) != 1:
        return "{}: malformed value {}".format(path, short(actual))
    (etag, evalue), = expected.items()
    (atag, avalue), = actual.items()
    if etag != atag:
        return "{}: type {} expected, got {}".format(path, etag, atag)
    if etag == "S":
        ok = evalue == avalue
    elif etag == "N":
        ok = _numbers_equal(evalue, avalue)
    elif etag == "B":
        ok = _b64decode(evalue) == _b64decode(avalue)
    elif etag == "SS":
        ok = set(evalue) == set(avalue)
    elif etag == "NS":
        ok = _number_sets_equal(evalue, avalue)
    elif etag == "BS":
        ok = {_b64decode(v) for v in evalue} == {_b64decode(v) for v in avalue}
    elif etag in ("BOOL", "NULL"):
        ok = bool(evalue) == bool(avalue)
    elif etag == "L":
        if len(evalue) != len(avalue):
            return "{}: list of {} elements expected, got {}".format(path, len(evalue), len(avalue))
        for index, (e, a) in enumerate(zip(evalue, avalue)):
            reason = compare_attribute(e, a, "{}[{}]".format(path, index))
            if reason:
                return reason
        return None
    elif etag == "M":
        return compare_item(evalue, avalue, path)
    else:
        return "{}: unknown type {}".format(path, etag)
    if not ok:
        return "{}: {} expected, got {}".format(path, short(evalue), short(avalue))
    return None


def compare_item(expected, actual, path=""):
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    if missing:
        return "{}: missing attribute(s) {}".format(path or "item", ", ".join(map(repr, missing)))
    if extra:
        return "{}: unexpected attribute(s) {}".format(path or "item", ", ".join(map(repr, extra)))
    for name in sorted(expected):
        reason = compare_attribute(expected[name], actual[name], "{}.{}".format(path, name) if path else name)
        if reason:
            return reason
    return None
