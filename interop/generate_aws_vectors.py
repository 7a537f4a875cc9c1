#!/usr/bin/env python3
"""Write the AWS-backed legacy-format vectors (Direct KMS, MostRecent + MetaStore) with the real Python package
(dynamodb-encryption-sdk 3.3.0) against a loopback moto server (DynamoDB + KMS).

usage: generate_aws_vectors.py (--endpoint URL | --start-moto) VECTORS_DIR

VECTORS_DIR is the vectors root (tests/vectors): the files go to VECTORS_DIR/kms/ and VECTORS_DIR/most-recent/.
--endpoint uses a running moto server (loopback only); --start-moto starts scripts/moto_server.py for the
run and stops it afterwards. Every file is written through the package's EncryptedClient into a moto table,
read back raw (encrypted_item) and through the package (sdk_decrypted_item), and finally re-checked offline
with decrypt_vectors.py's checker (recorded KMS data key / meta_table rows). Keys are random per run.
"""
import argparse
import base64
import copy
import importlib.metadata
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import awslib  # noqa: E402  pylint: disable=wrong-import-position
import decrypt_vectors  # noqa: E402  pylint: disable=wrong-import-position
import generate_vectors as gv  # noqa: E402  pylint: disable=wrong-import-position
import vectorlib  # noqa: E402  pylint: disable=wrong-import-position
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: E402
from dynamodb_encryption_sdk.internal.formatting.material_description import (  # noqa: E402
    deserialize as deserialize_material_description,
)
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore  # noqa: E402
from dynamodb_encryption_sdk.structures import EncryptionContext  # noqa: E402

REPO = os.path.dirname(HERE)
GENERATOR = "{} + moto[server] {} (loopback KMS and DynamoDB)".format(
    vectorlib.GENERATOR, importlib.metadata.version("moto"))
MATERIAL_NAME = "interop-material"
MOST_RECENT_TABLE = "MostRecentInteropTable"


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def hkdf_sha256(ikm, info, length=32):
    """RFC 5869 with no salt (= HashLen zero bytes), as AwsKmsCryptographicMaterialsProvider._hkdf."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


def create_table(loopback, table_name, pk_name, sk_name, item):
    keys = [(pk_name, "HASH")] + ([(sk_name, "RANGE")] if sk_name else [])
    loopback.dynamodb.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": next(iter(item[name]))} for name, _ in keys],
        KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys],
        BillingMode="PAY_PER_REQUEST",
    )


def ensure_table(loopback, table_name, pk_name, sk_name, item):
    try:
        found = loopback.table_key_names(table_name)
    except awslib.InteropError:
        create_table(loopback, table_name, pk_name, sk_name, item)
        return
    assert found == (pk_name, sk_name), "table {} exists with key schema {}".format(table_name, found)


def base_vector(name, description, provider_obj, table_name, pk_name, sk_name, actions, plaintext_item, note):
    return vectorlib.vector_header(name, description, GENERATOR, provider_obj, table_name, pk_name, sk_name,
                                   actions, plaintext_item, note)


def write_and_read(loopback, vector, writer, reader):
    """put_item through the package (writer provider), get the raw stored item, get_item through the package
    (reader provider). Returns (raw_plain, raw_stored, raw_decrypted)."""
    table = vector["table_name"]
    raw_plain = vectorlib.item_from_json(vector["plaintext_item"])
    key = awslib.item_key(vector, raw_plain)
    awslib.encrypted_client(loopback, writer, vector).put_item(TableName=table, Item=copy.deepcopy(raw_plain))
    raw_stored = loopback.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    response = awslib.encrypted_client(loopback, reader, vector).get_item(TableName=table, Key=key,
                                                                          ConsistentRead=True)
    raw_decrypted = response["Item"]
    vector["encrypted_item"] = vectorlib.item_to_json(raw_stored)
    vector["sdk_decrypted_item"] = vectorlib.item_to_json(raw_decrypted)
    mismatch = vectorlib.compare_item(vector["plaintext_item"], vector["sdk_decrypted_item"])
    assert mismatch is None, "{}: round trip mismatch: {}".format(vector["name"], mismatch)
    return raw_plain, raw_stored


def material_description_of(raw_item):
    return deserialize_material_description(raw_item[vectorlib.MATERIAL_DESCRIPTION_ATTRIBUTE])


# --------------------------------------------------------------------------------------------------
# Direct KMS

def kms_vector(loopback, key, name, description, table_name, pk_name, sk_name, actions, plaintext_item, note=None):
    provider_obj = {"type": "aws-kms-direct", "key_id": key["KeyId"]}
    vector = base_vector(name, description, provider_obj, table_name, pk_name, sk_name, actions, plaintext_item,
                         note)
    ensure_table(loopback, table_name, pk_name, sk_name, plaintext_item)
    recorder = awslib.KmsRecorder(loopback.kms)
    writer = awslib.kms_provider(loopback, key["KeyId"])
    reader = awslib.kms_provider(loopback, key["KeyId"])
    raw_plain, raw_stored = write_and_read(loopback, vector, writer, reader)

    generate, = recorder.of("GenerateDataKey")
    decrypt, = recorder.of("Decrypt")
    plaintext_key = generate["response"]["Plaintext"]
    blob = generate["response"]["CiphertextBlob"]
    vector["kms_generate_data_key_request"] = generate["request"]
    vector["kms_plaintext_data_key_hex"] = plaintext_key.hex()
    vector["kms_ciphertext_blob_b64"] = b64(blob)
    vector["kms_decrypt_request"] = decrypt["request"]

    md = material_description_of(raw_stored)
    assert md["amzn-ddb-env-key"] == vector["kms_ciphertext_blob_b64"], name
    assert decrypt["request"]["CiphertextBlob"] == vector["kms_ciphertext_blob_b64"], name
    assert decrypt["request"]["EncryptionContext"] == generate["request"]["EncryptionContext"], name
    assert set(decrypt["request"]) == {"CiphertextBlob", "EncryptionContext"}, decrypt["request"]
    assert decrypt["response"]["Plaintext"] == plaintext_key, name
    assert generate["response"]["KeyId"] == decrypt["response"]["KeyId"] == key["Arn"], (generate, decrypt)

    # Independent check of spec 6.3: HKDF-SHA256, no salt, info "Encryption" / "Signing", 32 bytes each.
    content_key = hkdf_sha256(plaintext_key, b"Encryption")
    mac_key = hkdf_sha256(plaintext_key, b"Signing")
    materials = reader.decryption_materials(EncryptionContext(
        table_name=table_name, partition_key_name=pk_name, sort_key_name=sk_name,
        attributes=copy.deepcopy(raw_stored), material_description=md))
    assert materials.decryption_key.key == content_key and materials.verification_key.key == mac_key, name

    config = vectorlib.crypto_config(vector, writer, raw_plain)
    inter = gv.intermediate(vector, writer, config, raw_plain, raw_stored, content_key=content_key, mac_key=mac_key)
    inter["kms"] = {
        "key_arn": key["Arn"],
        "generate_data_key_response_key_id": generate["response"]["KeyId"],
        "decrypt_response_key_id": decrypt["response"]["KeyId"],
        "kdf": "HKDF-SHA256 (RFC 5869), IKM = kms_plaintext_data_key, salt none (= 32 zero bytes); "
               "content_key = HKDF(info \"Encryption\", 32 bytes), mac_key = HKDF(info \"Signing\", 32 bytes)",
        "notes": "kms_*_request are the JSON bodies sent to KMS (captured with botocore before-call.kms.* hooks); "
                 "the Decrypt request carries no KeyId. The CiphertextBlob is moto's own format.",
    }
    vector["intermediate"] = inter
    return vector


def kms_vectors(loopback):
    key = loopback.kms.create_key(Description="ddb-encrypt interop vectors (Direct KMS)")["KeyMetadata"]

    item = gv.all_types_item()
    item["sk"] = {"N": "42.0"}
    yield kms_vector(
        loopback, key, "aws-kms-direct-moto-all-types",
        "Direct KMS provider (AwsKmsCryptographicMaterialsProvider) against a moto KMS: GenerateDataKey(32 bytes) "
        "with the KMS encryption context, HKDF-SHA256 content/MAC keys; all 10 types incl. nested M/L; pk (S) and "
        "sk (N, written as the non-canonical text \"42.0\") SIGN_ONLY, everything else ENCRYPT_AND_SIGN.",
        "KmsInteropTable", "pk", "sk", gv.ALL_TYPES_ACTIONS, item,
        note="The KMS encryption context carries the raw stored text of the key attributes (\"sk\": \"42.0\", not "
             "\"42\"). moto keeps the number text as written; real DynamoDB returns numbers normalized (\"42\"), "
             "which would change the reader's KMS context. Offline replay: kms_plaintext_data_key_hex / "
             "kms_ciphertext_blob_b64; a replaying reader should also compare its KMS context with "
             "kms_decrypt_request.EncryptionContext.")

    yield kms_vector(
        loopback, key, "aws-kms-direct-moto-binary-pk",
        "Direct KMS provider against a moto KMS; binary partition key and no sort key: the KMS encryption context "
        "has the partition key as standard base64 and no sort key entry; mixed actions.",
        "Kms.Interop-Binary_PK", "pk", None,
        {"default": "ENCRYPT_AND_SIGN", "overrides": {"pk": "SIGN_ONLY", "signed": "SIGN_ONLY",
                                                       "ignored": "DO_NOTHING"}},
        {"pk": gv.B(b"\x00\x80\xff binary key \xfe"), "secret": {"S": "encrypted and signed"},
         "secret_n": {"N": "-12.50"}, "signed": {"SS": ["b", "a"]}, "ignored": {"M": {"x": {"NULL": True}}}},
        note="KMS context: {*amzn-ddb-env-alg*, *amzn-ddb-sig-alg*, pk: base64(binary key), *aws-kms-table*}.")


# --------------------------------------------------------------------------------------------------
# MostRecent + MetaStore

def meta_provider_object():
    return {"type": "wrapped-aes", "wrapping_key_hex": gv.hexkey(32), "signing_key_hex": gv.hexkey(32),
            "signing_algorithm": "HmacSHA256"}


def meta_rows(loopback, meta_table):
    rows = [vectorlib.item_to_json(row) for row in loopback.scan_raw(meta_table)]
    return sorted(rows, key=lambda row: (row["N"]["S"], int(row["V"]["N"])))


def most_recent_vector(loopback, name, description, meta_table, actions, plaintext_item, rotations, note=None):
    """Fresh meta table; a first item creates version 0; ``rotations`` x MetaStore.new_provider; then the
    vector's item is written with a fresh CachingMostRecentProvider (so it uses the newest version)."""
    meta_obj = meta_provider_object()
    provider_obj = {"type": "most-recent", "material_name": MATERIAL_NAME, "meta_table_name": meta_table,
                    "meta_provider": meta_obj}
    vector = base_vector(name, description, provider_obj, MOST_RECENT_TABLE, "pk", "sk", actions, plaintext_item,
                         note)
    MetaStore.create_table(loopback.dynamodb, meta_table, 5, 5)
    ensure_table(loopback, MOST_RECENT_TABLE, "pk", "sk", plaintext_item)

    def new_store():
        return awslib.meta_store(loopback, meta_table, vectorlib.build_provider({"provider": meta_obj}))

    store = new_store()
    if rotations:
        warm_up = {"pk": {"S": name + "-warm-up"}, "sk": {"N": "0"}, "v": {"S": "written with version 0"}}
        awslib.encrypted_client(loopback, awslib.most_recent_provider(store, MATERIAL_NAME), vector).put_item(
            TableName=MOST_RECENT_TABLE, Item=vectorlib.item_from_json(warm_up))
        for _ in range(rotations):
            store.new_provider(MATERIAL_NAME)
    expected_version = rotations
    writer = awslib.most_recent_provider(store, MATERIAL_NAME)
    reader = awslib.most_recent_provider(new_store(), MATERIAL_NAME)
    raw_plain, raw_stored = write_and_read(loopback, vector, writer, reader)
    assert store.max_version(MATERIAL_NAME) == expected_version

    md = material_description_of(raw_stored)
    assert md["amzn-ddb-meta-id"] == "{}#{}".format(MATERIAL_NAME, expected_version), md

    rows = meta_rows(loopback, meta_table)
    assert [int(row["V"]["N"]) for row in rows] == list(range(expected_version + 1)), rows
    vector["material_name"] = MATERIAL_NAME
    vector["meta_table"] = rows
    meta_provider = vectorlib.build_provider({"provider": meta_obj})
    version_keys, decrypted_rows, row_descriptions = {}, [], []
    for row in rows:
        plain = vectorlib.decrypt_meta_row(meta_table, meta_provider, row)
        version = int(plain["V"]["N"])
        enc, mac = bytes(plain["enc"]["B"]), bytes(plain["int"]["B"])
        # cross-check with the package's own MetaStore loading
        loaded = new_store().provider(MATERIAL_NAME, version)
        assert loaded._wrapping_key.key == enc and loaded._signing_key.key == mac  # pylint: disable=W0212
        assert (plain["t"], plain["encAlg"], plain["intAlg"]) == ({"S": "0"}, {"S": "AES"}, {"S": "HmacSHA256"})
        assert len(enc) == 32 and len(mac) == 32
        version_keys[str(version)] = {"enc_hex": enc.hex(), "int_hex": mac.hex()}
        decrypted_rows.append(vectorlib.item_to_json(plain))
        row_descriptions.append(material_description_of(vectorlib.item_from_json(row)))
    vector["version_keys"] = version_keys

    version_provider = new_store().provider(MATERIAL_NAME, expected_version)
    materials = version_provider.decryption_materials(EncryptionContext(
        table_name=MOST_RECENT_TABLE, partition_key_name="pk", sort_key_name="sk", material_description=md))
    content_key = materials.decryption_key.key
    mac_key = bytes.fromhex(version_keys[str(expected_version)]["int_hex"])
    config = vectorlib.crypto_config(vector, writer, raw_plain)
    inter = gv.intermediate(vector, writer, config, raw_plain, raw_stored, content_key=content_key, mac_key=mac_key)
    inter["wrapped_content_key_hex"] = base64.b64decode(md["amzn-ddb-env-key"]).hex()
    inter["kek_hex"] = version_keys[str(expected_version)]["enc_hex"]
    inter["meta_rows_decrypted"] = decrypted_rows
    inter["meta_rows_material_description"] = row_descriptions
    inter["meta_notes"] = (
        "meta_table rows are written by the package's MetaStore through EncryptedTable(meta table, meta_provider): "
        "table name = meta_table_name, partition key N (S, material name) and sort key V (N, version) SIGN_ONLY, "
        "t/encAlg/enc/intAlg/int ENCRYPT_AND_SIGN. Version v behaves as a Wrapped provider with KEK enc (AESWrap) "
        "and HMAC-SHA256 key int, plus amzn-ddb-meta-id = material_name#v in the item's description.")
    vector["intermediate"] = inter
    return vector


def most_recent_vectors(loopback):
    yield most_recent_vector(
        loopback, "most-recent-metastore-v0-all-types",
        "CachingMostRecentProvider over a MetaStore (moto DynamoDB) protected by a wrapped AES provider; first use "
        "of the material creates version 0 (one meta row); all 10 types; pk (S) / sk (N) SIGN_ONLY.",
        "InteropMetaStoreV0", gv.ALL_TYPES_ACTIONS, gv.all_types_item(), rotations=0,
        note="Offline: decrypt meta_table with provider.meta_provider (table name meta_table_name, keys N/V "
             "SIGN_ONLY, rest ENCRYPT_AND_SIGN) or take version_keys; the version comes from amzn-ddb-meta-id.")
    yield most_recent_vector(
        loopback, "most-recent-metastore-v1-mixed-actions",
        "CachingMostRecentProvider over a MetaStore: an item written first created version 0, then "
        "MetaStore.new_provider rotated to version 1; this item is written with version 1; both meta rows are "
        "included. Mixed actions (SIGN_ONLY S/N/SS/B, two DO_NOTHING).",
        "InteropMetaStoreV1", gv.MIXED_ACTIONS, gv.mixed_actions_item(), rotations=1,
        note="meta_table holds versions 0 and 1; the item's amzn-ddb-meta-id is interop-material#1.")


# --------------------------------------------------------------------------------------------------

class MotoServer(object):
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "scripts", "moto_server.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            self.stop()
            raise RuntimeError("moto_server.py did not report its port")
        self.endpoint = "http://127.0.0.1:{}".format(line[1])

    def stop(self):
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv):
    parser = argparse.ArgumentParser(prog="generate_aws_vectors.py", description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--endpoint", help="running moto server, e.g. http://127.0.0.1:5000")
    where.add_argument("--start-moto", action="store_true", help="start scripts/moto_server.py for this run")
    parser.add_argument("vectors_dir", metavar="VECTORS_DIR")
    args = parser.parse_args(argv)

    server = MotoServer() if args.start_moto else None
    try:
        loopback = awslib.Loopback(server.endpoint if server else args.endpoint)
        outputs = [("kms", vector) for vector in kms_vectors(loopback)]
        outputs += [("most-recent", vector) for vector in most_recent_vectors(loopback)]
    finally:
        if server:
            server.stop()

    failed = 0
    for folder, vector in outputs:
        out_dir = os.path.join(args.vectors_dir, folder)
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, vector["name"] + ".json")
        gv.dump(path, vector)
        reason = decrypt_vectors.check_file(path)  # offline, from the file alone
        sys.stderr.write("wrote {} (offline check: {})\n".format(path, "ok" if reason is None else reason))
        failed += reason is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
