#!/usr/bin/env python3
"""Write legacy-format interop vectors with the real Python package (dynamodb-encryption-sdk 3.3.0).

usage: generate_vectors.py OUT_DIR

Writes one JSON file per offline scenario of `docs/legacy-format.md` section 8 (schema:
tests/vectors/README.md) plus ``../serialization/python-serialize-examples.json``. Keys are fresh random bytes on every run
except in the two ``worked-example-*`` files, whose randomness is pinned and whose bytes are checked
against the worked examples of the spec (sections 2.3, 3, 4.3, 6.2).
"""
import base64
import contextlib
import copy
import hashlib
import hmac
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import vectorlib  # noqa: E402  pylint: disable=wrong-import-position
from cryptography.hazmat.primitives import hashes, padding, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item  # noqa: E402
from dynamodb_encryption_sdk.internal.crypto.authentication import _string_to_sign  # noqa: E402
from dynamodb_encryption_sdk.internal.formatting.material_description import (  # noqa: E402
    deserialize as deserialize_material_description,
)
from dynamodb_encryption_sdk.internal.formatting.serialize.attribute import serialize_attribute  # noqa: E402
from dynamodb_encryption_sdk.structures import EncryptionContext  # noqa: E402

TABLE = "InteropTable"


def b64(data):
    return base64.b64encode(data).decode("ascii")


def rsa_private_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


@contextlib.contextmanager
def pinned_randomness():
    """Every IV = 11 x 16, every content key = 22 x 32 (the package draws both from os.urandom)."""
    real = os.urandom

    def fake(n):
        if n == 16:
            return b"\x11" * 16
        if n == 32:
            return b"\x22" * 32
        raise AssertionError("unexpected os.urandom({}) while randomness is pinned".format(n))

    os.urandom = fake
    try:
        yield
    finally:
        os.urandom = real


# --------------------------------------------------------------------------------------------------
# items (DynamoDB JSON, B/BS base64)

def B(data):
    return {"B": b64(data)}


def all_types_item():
    return {
        "pk": {"S": "partition-1"},
        "sk": {"N": "42"},
        "s": {"S": "hello, world"},
        "n": {"N": "3.14159"},
        "b": B(bytes([0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF])),
        "ss": {"SS": ["banana", "apple", "cherry"]},
        "ns": {"NS": ["10", "9", "-1", "1.50", "100"]},
        "bs": {"BS": [b64(b"\x80"), b64(b"\x01"), b64(b"\x01\x00"), b64(b"\x7f")]},
        "bool_true": {"BOOL": True},
        "bool_false": {"BOOL": False},
        "null": {"NULL": True},
        "list": {"L": [
            {"S": "x"},
            {"N": "1"},
            B(b"\x00\xff"),
            {"NULL": True},
            {"BOOL": False},
            {"SS": ["b", "a"]},
            {"NS": ["2", "1"]},
            {"BS": [b64(b"\x02"), b64(b"\x01")]},
            {"L": [{"S": "inner"}, {"L": []}]},
            {"M": {"k": {"S": "v"}, "n": {"N": "-7.5"}}},
        ]},
        "map": {"M": {
            "b_key": {"N": "2"},
            "a_key": {"S": "x"},
            "nested": {"M": {
                "deep": {"L": [{"N": "0.001"}, {"M": {"flag": {"BOOL": True}, "nothing": {"NULL": True}}}]},
                "bin": B(b"\xde\xad\xbe\xef"),
            }},
            "sets": {"L": [{"SS": ["z", "y"]}, {"NS": ["3", "20"]}]},
        }},
    }


ALL_TYPES_ACTIONS = {"default": "ENCRYPT_AND_SIGN", "overrides": {"pk": "SIGN_ONLY", "sk": "SIGN_ONLY"}}


def mixed_actions_item():
    return {
        "pk": {"S": "mixed-1"},
        "sk": {"N": "7"},
        "signed_s": {"S": "visible but signed"},
        "signed_n": {"N": "123.4500"},
        "signed_ss": {"SS": ["gamma", "alpha", "beta"]},
        "signed_b": B(b"\x00signed\xff"),
        "ignored_s": {"S": "neither encrypted nor signed"},
        "ignored_m": {"M": {"free": {"N": "1"}, "form": {"L": [{"S": "x"}]}}},
        "secret": {"S": "encrypted and signed"},
        "secret_n": {"N": "-98.6"},
        "secret_m": {"M": {"inner": {"SS": ["q", "p"]}}},
    }


MIXED_ACTIONS = {
    "default": "ENCRYPT_AND_SIGN",
    "overrides": {
        "pk": "SIGN_ONLY",
        "sk": "SIGN_ONLY",
        "signed_s": "SIGN_ONLY",
        "signed_n": "SIGN_ONLY",
        "signed_ss": "SIGN_ONLY",
        "signed_b": "SIGN_ONLY",
        "ignored_s": "DO_NOTHING",
        "ignored_m": "DO_NOTHING",
    },
}


def deep_nesting(levels):
    value = {"S": "bottom"}
    for level in range(levels):
        if level % 2:
            value = {"L": [{"N": str(level)}, value]}
        else:
            value = {"M": {"level": {"N": str(level)}, "next": value}}
    return value


def edge_cases_item():
    return {
        "pk": B(b"\x00\x80\xffbinary-pk"),
        "sk": {"S": "ソート🔑\ue000key"},
        "empty_s": {"S": ""},
        "empty_b": B(b""),
        "empty_l": {"L": []},
        "empty_m": {"M": {}},
        "zero": {"N": "0"},
        "zero_fraction": {"N": "0.000"},
        "neg_small": {"N": "-0.0100"},
        "exp_big": {"N": "1.5E+10"},
        "exp_tiny": {"N": "1E-130"},
        "leading_zeros": {"N": "00012"},
        "n28": {"N": "1234567890123456789012345678"},
        "n28_neg_fraction": {"N": "-0.0001234567890123456789012345678"},
        "n28_huge": {"N": "9999999999999999999999999999E+97"},
        "ns_edge": {"NS": ["1E-130", "-0.0100", "1.5E+10", "0", "1234567890123456789012345678"]},
        "unicode_s": {"S": "héllo wörld € 😀 日本語 \ue000 \uffff \u200f"},
        "unicode_ss": {"SS": ["😀", "\ue000", "é", "e"]},
        "名前": {"S": "unicode attribute name (encrypted)"},
        "😀emoji-name": {"N": "1"},
        "long_s": {"S": "0123456789abcdef" * 64 + "!"},
        "deep": deep_nesting(12),
        "map_empty_key": {"M": {"": {"S": "value under the empty key"}, "a": {"N": "1"}}},
        "so_empty_s": {"S": ""},
        "so_empty_b": B(b""),
        "so_empty_l": {"L": []},
        "so_empty_m": {"M": {}},
        "so_neg_small": {"N": "-0.0100"},
        "so_exp_big": {"N": "1.5E+10"},
        "so_exp_tiny": {"N": "1E-130"},
        "so_map_empty_key": {"M": {"": {"NULL": True}}},
        "so_ñandú": {"S": "unicode attribute name (signed only)"},
    }


EDGE_ACTIONS = {
    "default": "ENCRYPT_AND_SIGN",
    "overrides": {
        "pk": "SIGN_ONLY",
        "sk": "SIGN_ONLY",
        "so_empty_s": "SIGN_ONLY",
        "so_empty_b": "SIGN_ONLY",
        "so_empty_l": "SIGN_ONLY",
        "so_empty_m": "SIGN_ONLY",
        "so_neg_small": "SIGN_ONLY",
        "so_exp_big": "SIGN_ONLY",
        "so_exp_tiny": "SIGN_ONLY",
        "so_map_empty_key": "SIGN_ONLY",
        "so_ñandú": "SIGN_ONLY",
    },
}


def python_canonicalization_item():
    return {
        "pk": {"S": "canon-1"},
        # BS order: unsigned bytes (Python) vs signed bytes (Java)
        "bs_high_bit": {"BS": [b64(b"\x80"), b64(b"\x01"), b64(b"\x7f"), b64(b"\x01\x00"), b64(b"\xff\x00"),
                               b64(b"\x00")]},
        # SS / M keys / attribute names: code points (Python) vs UTF-16 code units (Java)
        "ss_code_points": {"SS": ["\U0001F600", "\ue000", "\uff21", "a"]},
        "map_code_points": {"M": {"\U0001F600": {"S": "emoji"}, "\ue000": {"S": "private use"},
                                  "\uff21": {"S": "fullwidth A"}, "a": {"S": "ascii"}}},
        "\ue000": {"S": "attribute named U+E000"},
        "\U0001F600": {"S": "attribute named U+1F600"},
        # numbers: 28-digit rounding and -0 (Python) vs exact and 0 (Java)
        "n29": {"N": "12345678901234567890123456789"},
        "n29_half_even": {"N": "1.0000000000000000000000000025"},
        "n38": {"N": "12345678901234567890123456789012345678"},
        "ns_n29": {"NS": ["12345678901234567890123456789", "1"]},
        "neg_zero": {"N": "-0"},
        "neg_zero_scaled": {"N": "-0.00"},
        "n29_encrypted": {"N": "12345678901234567890123456789"},
        "neg_zero_encrypted": {"N": "-0"},
    }


CANON_ACTIONS = {
    "default": "SIGN_ONLY",
    "overrides": {"n29_encrypted": "ENCRYPT_AND_SIGN", "neg_zero_encrypted": "ENCRYPT_AND_SIGN"},
}


def sign_only_item():
    item = all_types_item()
    item["pk"] = {"S": "sign-only-1"}
    item["unsigned"] = {"S": "DO_NOTHING attribute"}
    return item


SIGN_ONLY_ACTIONS = {"default": "SIGN_ONLY", "overrides": {"unsigned": "DO_NOTHING"}}


# --------------------------------------------------------------------------------------------------
# building one vector

def _cbc_encrypt(key, iv, data):
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def _public_key(pem):
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None).public_key()


def build_vector(name, description, provider_obj, table_name, pk_name, sk_name, actions, plaintext_item,
                 note=None, pinned=False):
    vector = vectorlib.vector_header(name, description, vectorlib.GENERATOR, provider_obj, table_name, pk_name,
                                     sk_name, actions, plaintext_item, note)

    provider = vectorlib.build_provider(vector)
    raw_plain = vectorlib.item_from_json(plaintext_item)
    config = vectorlib.crypto_config(vector, provider, raw_plain)
    if pinned:
        with pinned_randomness():
            raw_encrypted = encrypt_dynamodb_item(copy.deepcopy(raw_plain), config)
    else:
        raw_encrypted = encrypt_dynamodb_item(copy.deepcopy(raw_plain), config)

    # Decrypt with a fresh provider built from the file alone, as a reader would.
    reader_config = vectorlib.crypto_config(vector, vectorlib.build_provider(vector), raw_encrypted)
    raw_decrypted = decrypt_dynamodb_item(copy.deepcopy(raw_encrypted), reader_config)

    vector["encrypted_item"] = vectorlib.item_to_json(raw_encrypted)
    vector["sdk_decrypted_item"] = vectorlib.item_to_json(raw_decrypted)
    mismatch = vectorlib.compare_item(plaintext_item, vector["sdk_decrypted_item"])
    assert mismatch is None, "{}: round trip mismatch: {}".format(name, mismatch)

    vector["intermediate"] = intermediate(vector, provider, config, raw_plain, raw_encrypted)
    return vector


def intermediate(vector, provider, config, raw_plain, raw_encrypted, content_key=None, mac_key=None):
    """The ``intermediate`` object of a vector. ``content_key`` / ``mac_key`` (bytes) are given by callers whose
    provider derives them (Direct KMS, MostRecent); otherwise they come from the provider object."""
    p = vector["provider"]
    desc_bytes = raw_encrypted[vectorlib.MATERIAL_DESCRIPTION_ATTRIBUTE]["B"]
    signature = raw_encrypted[vectorlib.SIGNATURE_ATTRIBUTE]["B"]
    md = deserialize_material_description({"B": desc_bytes})
    out = {
        "material_description": md,
        "material_description_hex": desc_bytes.hex(),
        "signature_hex": signature.hex(),
        "notes": "attributes.*.serialized_plaintext_hex is serialize_attribute(plaintext value) (the bytes that "
                 "are encrypted, or hashed for SIGN_ONLY); iv_hex is the first 16 bytes of the stored B value and "
                 "ciphertext_len the number of bytes after it; string_to_sign_hex is the input of the signature.",
    }

    if content_key is None and p["type"] == "static" and p.get("encryption_key_hex"):
        content_key = bytes.fromhex(p["encryption_key_hex"])
    elif content_key is None and p["type"].startswith("wrapped-"):
        materials = provider.decryption_materials(EncryptionContext(
            table_name=vector["table_name"], partition_key_name=vector["partition_key_name"],
            sort_key_name=vector["sort_key_name"], material_description=md))
        content_key = materials.decryption_key.key
        out["wrapped_content_key_hex"] = base64.b64decode(md["amzn-ddb-env-key"]).hex()
    if content_key is not None:
        out["content_key_hex"] = content_key.hex()
    if mac_key is None and p.get("signing_key_hex"):
        mac_key = bytes.fromhex(p["signing_key_hex"])
    if mac_key is not None:
        out["mac_key_hex"] = mac_key.hex()

    actions = config.attribute_actions
    attributes = {}
    for attr_name in sorted(raw_plain):
        action = actions.action(attr_name).name
        entry = {"action": action, "serialized_plaintext_hex": serialize_attribute(raw_plain[attr_name]).hex()}
        if action == "ENCRYPT_AND_SIGN":
            stored = raw_encrypted[attr_name]["B"]
            iv, ciphertext = stored[:16], stored[16:]
            entry["iv_hex"] = iv.hex()
            entry["ciphertext_len"] = len(ciphertext)
            # Independent check of spec section 3: AES-CBC/PKCS7(content key, IV, serialized plaintext).
            expected = _cbc_encrypt(content_key, iv, serialize_attribute(raw_plain[attr_name]))
            assert expected == ciphertext, "{}: ciphertext of {!r} is not AES-CBC of the serialization".format(
                vector["name"], attr_name)
        attributes[attr_name] = entry
    out["attributes"] = attributes

    signed_view = {k: v for k, v in raw_encrypted.items()
                   if k not in (vectorlib.SIGNATURE_ATTRIBUTE, vectorlib.MATERIAL_DESCRIPTION_ATTRIBUTE)}
    string_to_sign = _string_to_sign(item=signed_view, table_name=vector["table_name"], attribute_actions=actions)
    out["string_to_sign_hex"] = string_to_sign.hex()
    # Independent check of spec section 4.
    if mac_key is not None:
        expected = hmac.new(mac_key, string_to_sign, hashlib.sha256).digest()
        assert expected == signature, "{}: signature is not HMAC-SHA256 of the string to sign".format(vector["name"])
    else:
        _public_key(p["signing_key_pem"]).verify(signature, string_to_sign, asym_padding.PKCS1v15(), hashes.SHA256())
    return out


# --------------------------------------------------------------------------------------------------
# the scenarios

def hexkey(n):
    return os.urandom(n).hex()


def scenario_vectors():
    yield build_vector(
        "static-aes256-hmacsha256-all-types",
        "Static provider (AES-256 attribute key, HMAC-SHA256 signing key); all 10 DynamoDB types incl. nested "
        "M/L; pk (S) and sk (N) SIGN_ONLY, everything else ENCRYPT_AND_SIGN.",
        {"type": "static", "encryption_key_hex": hexkey(32), "signing_key_hex": hexkey(32),
         "signing_algorithm": "HmacSHA256"},
        TABLE, "pk", "sk", ALL_TYPES_ACTIONS, all_types_item())

    yield build_vector(
        "wrapped-aeswrap-hmacsha256-all-types",
        "Wrapped provider, AES-256 KEK (AESWrap, RFC 3394) around a fresh AES-256 content key per item, "
        "HMAC-SHA256 signing; same item and actions as static-aes256-hmacsha256-all-types.",
        {"type": "wrapped-aes", "wrapping_key_hex": hexkey(32), "signing_key_hex": hexkey(32),
         "signing_algorithm": "HmacSHA256"},
        TABLE, "pk", "sk", ALL_TYPES_ACTIONS, all_types_item())

    yield build_vector(
        "wrapped-aeswrap-hmacsha256-mixed-actions",
        "Wrapped AES provider with an extra provider material-description entry; SIGN_ONLY S/N/SS/B, two "
        "DO_NOTHING attributes, the rest ENCRYPT_AND_SIGN.",
        {"type": "wrapped-aes", "wrapping_key_hex": hexkey(32), "signing_key_hex": hexkey(32),
         "signing_algorithm": "HmacSHA256",
         "material_description": {"interop-extra-entry": "mixed-actions"}},
        TABLE, "pk", "sk", MIXED_ACTIONS, mixed_actions_item(),
        note="DO_NOTHING attributes (ignored_s, ignored_m) are neither encrypted nor covered by the signature; "
             "the provider's extra description entry is copied into *amzn-ddb-map-desc*.")

    yield build_vector(
        "wrapped-aeswrap-hmacsha256-edge-cases",
        "Wrapped AES provider; empty S/B/L/M, number edge cases (0, -0.0100, 1.5E+10, 1E-130, 28-digit numbers), "
        "unicode values and attribute names, binary partition key, unicode sort key, 12-level nesting, "
        "empty map key, SIGN_ONLY empties and SIGN_ONLY non-canonical numbers.",
        {"type": "wrapped-aes", "wrapping_key_hex": hexkey(32), "signing_key_hex": hexkey(32),
         "signing_algorithm": "HmacSHA256"},
        "Interop.Edge-Cases_1", "pk", "sk", EDGE_ACTIONS, edge_cases_item(),
        note="Encrypted numbers decrypt to the package's canonical text (e.g. -0.0100 -> -0.01, 1.5E+10 -> "
             "15000000000, 1E-130 -> plain digits); SIGN_ONLY numbers are stored as written and signed in "
             "canonical form.")

    yield build_vector(
        "wrapped-aeswrap-hmacsha256-python-canonicalization",
        "Wrapped AES provider; the Java/Python canonical-form differences of `docs/legacy-format.md` 1.4 as SIGN_ONLY "
        "values: BS with high-bit bytes, U+E000 / U+FF21 vs U+1F600 in SS, M keys and attribute names, 29- and "
        "38-digit numbers, -0; partition-key-only table and no table name (signs TABLE>None<TABLE).",
        {"type": "wrapped-aes", "wrapping_key_hex": hexkey(32), "signing_key_hex": hexkey(32),
         "signing_algorithm": "HmacSHA256"},
        None, "pk", None, CANON_ACTIONS, python_canonicalization_item(),
        note="Pins the Python behaviour: BS members sorted as unsigned bytes, strings by code point, numbers "
             "normalized to 28 significant digits (half-even) with -0 kept, table name None. A Java-flavoured "
             "signer would not verify this item. n29_encrypted and neg_zero_encrypted are ENCRYPT_AND_SIGN: "
             "sdk_decrypted_item shows the rounded value and -0.")

    yield build_vector(
        "static-hmacsha256-sign-only",
        "Static provider without an AES key (HMAC-SHA256 signing key only); every attribute SIGN_ONLY except "
        "one DO_NOTHING; the material description holds only amzn-ddb-map-signingAlg.",
        {"type": "static", "signing_key_hex": hexkey(32), "signing_algorithm": "HmacSHA256"},
        TABLE, "pk", "sk", SIGN_ONLY_ACTIONS, sign_only_item())

    yield build_vector(
        "wrapped-rsaoaep-sha256withrsa-all-types",
        "Wrapped provider with a 2048-bit RSA KEK (RSA/ECB/OAEPWithSHA-256AndMGF1Padding = OAEP SHA-256, "
        "MGF1-SHA-1) and a separate 2048-bit RSA signing key (SHA256withRSA, PKCS#1 v1.5); all-types item.",
        {"type": "wrapped-rsa", "wrapping_key_pem": rsa_private_pem(), "signing_key_pem": rsa_private_pem(),
         "signing_algorithm": "SHA256withRSA"},
        TABLE, "pk", "sk", ALL_TYPES_ACTIONS, all_types_item())

    yield build_vector(
        "static-aes128-hmacsha256-short-hmac-key",
        "Static provider with an AES-128 attribute key and an 8-byte HMAC-SHA256 key (as in the upstream Java "
        "vectors); all-types item.",
        {"type": "static", "encryption_key_hex": hexkey(16), "signing_key_hex": hexkey(8),
         "signing_algorithm": "HmacSHA256"},
        TABLE, "pk", "sk", ALL_TYPES_ACTIONS, all_types_item())


# --------------------------------------------------------------------------------------------------
# worked examples (randomness pinned), checked against the spec

WORKED_ITEM = {"pk": {"S": "a"}, "v": {"N": "1"}, "x": {"S": "not signed"}}
WORKED_ACTIONS = {"default": "ENCRYPT_AND_SIGN", "overrides": {"pk": "SIGN_ONLY", "x": "DO_NOTHING"}}
SEQ = lambda start: bytes(range(start, start + 32)).hex()  # noqa: E731


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def worked_vectors():
    static = build_vector(
        "worked-example-static-deterministic",
        "Worked example of `docs/legacy-format.md` sections 2.3, 3 and 4.3: static provider, AES key 000102..1f, "
        "HMAC key 808182..9f, table T, pk SIGN_ONLY, v ENCRYPT_AND_SIGN, x DO_NOTHING; every IV pinned to 11 x 16.",
        {"type": "static", "encryption_key_hex": SEQ(0x00), "signing_key_hex": SEQ(0x80),
         "signing_algorithm": "HmacSHA256"},
        "T", "pk", None, WORKED_ACTIONS, copy.deepcopy(WORKED_ITEM),
        note="Randomness pinned by replacing os.urandom while encrypting: the bytes are reproducible.",
        pinned=True)
    inter = static["intermediate"]
    v_stored = "11" * 16 + "2afb82fca574d47d35695270a2a476a2"
    assert base64.b64decode(static["encrypted_item"]["v"]["B"]).hex() == v_stored
    assert inter["attributes"]["v"]["serialized_plaintext_hex"] == "006e0000000131"
    expected_sts = "".join([
        "44ff5c5e3c5a203761cfa6e36459a7d4ca7fe7f3cee30f47840dddd0df3dacd5",  # H("TABLE>T<TABLE")
        "eb3102a6cb586765d01fad324523ec0bc67b9efd6a2d9589c135adfedf7922cc",  # H("pk")
        "cb40e7dadc86161b9798de48512f332d21c141fcc1e28a086fde4a3375aab1b5",  # H("PLAINTEXT")
        "f621708fa4633997ef986e05196802cab1b50fdc16eccb73a84b2aad2018fef2",  # H(S "a")
        "4c94485e0c21ae6c41ce1dfe7b6bfaceea5ab68e40a2476f50208e526f506080",  # H("v")
        "394115ac4eb09aa49429348816b2038127b0f9e3a520372ae100ca19fb08fd50",  # H("ENCRYPTED")
        "1e86b57a9fbe352c337d53f89db280c71b5c7fd4151d00604a38c2acd6d1511b",  # H(B IV||ct)
    ])
    assert inter["string_to_sign_hex"] == expected_sts, inter["string_to_sign_hex"]
    assert inter["signature_hex"] == "4276263fdc2419317f2ea3c36c9a8c4781fbca33cf699993d191d4c0cca55492"
    assert inter["material_description_hex"] == (
        "00000000"
        "00000017616d7a6e2d6464622d6d61702d7369676e696e67416c67" "0000000a486d6163534841323536"
        "00000015616d7a6e2d6464622d6d61702d73796d2d6d6f6465" "000000112f4342432f504b43533550616464696e67")
    inter["string_to_sign_parts"] = [
        {"what": "H(\"TABLE>T<TABLE\")", "hex": _sha(b"TABLE>T<TABLE")},
        {"what": "H(\"pk\")", "hex": _sha(b"pk")},
        {"what": "H(\"PLAINTEXT\")", "hex": _sha(b"PLAINTEXT")},
        {"what": "H(serialize(S \"a\"))", "hex": _sha(bytes.fromhex("00730000000161"))},
        {"what": "H(\"v\")", "hex": _sha(b"v")},
        {"what": "H(\"ENCRYPTED\")", "hex": _sha(b"ENCRYPTED")},
        {"what": "H(serialize(B IV||ciphertext))", "hex": _sha(bytes.fromhex("0062" + "00000020" + v_stored))},
    ]
    assert "".join(part["hex"] for part in inter["string_to_sign_parts"]) == expected_sts
    yield static

    wrapped = build_vector(
        "worked-example-wrapped-deterministic",
        "Worked example of `docs/legacy-format.md` section 6.2: wrapped provider, AES KEK 404142..5f (AESWrap), HMAC key "
        "808182..9f, same table/item/actions as worked-example-static-deterministic; content key pinned to "
        "22 x 32 and every IV to 11 x 16.",
        {"type": "wrapped-aes", "wrapping_key_hex": SEQ(0x40), "signing_key_hex": SEQ(0x80),
         "signing_algorithm": "HmacSHA256"},
        "T", "pk", None, WORKED_ACTIONS, copy.deepcopy(WORKED_ITEM),
        note="Randomness pinned by replacing os.urandom while encrypting: the bytes are reproducible.",
        pinned=True)
    inter = wrapped["intermediate"]
    md = inter["material_description"]
    assert md["amzn-ddb-env-key"] == "nE4wePmur/Wmo/UweIyPUp70I8pxshEoflEXW3Ua2rUwlU1jmgyrAg==", md
    assert md["amzn-ddb-env-alg"] == "AES/256" and md["amzn-ddb-wrap-alg"] == "AESWrap"
    assert inter["content_key_hex"] == "22" * 32
    assert base64.b64decode(wrapped["encrypted_item"]["v"]["B"]).hex() == \
        "11" * 16 + "0917435fd3dfc381d4075014eff8aaea"
    assert inter["string_to_sign_hex"].startswith(expected_sts[: 6 * 64])
    yield wrapped


# --------------------------------------------------------------------------------------------------
# serializer examples (spec 1.2 and 1.5)

def serialize_cases():
    numbers = [
        "55", "55.00", "-0.0100", "1E+5", "1.5e-3", "0.000", "-0", "-0.00", "00012", "1E-130", "1.5E+10",
        "1234567890123456789012345678", "12345678901234567890123456789", "1.0000000000000000000000000025",
        "1.0000000000000000000000000035", "12345678901234567890123456789012345678", "0", "-1", "3.14159",
        "9999999999999999999999999999E+97", "-0.0001234567890123456789012345678",
    ]
    cases = [
        {"S": "abc"}, {"S": ""}, {"S": "hé€😀"}, {"S": "\ue000"},
        B(b"\x00\x01\x02"), B(b""), B(bytes(range(256))),
        {"BOOL": True}, {"BOOL": False}, {"NULL": True},
        {"SS": ["b", "a", "😀", "\ue000"]},
        {"SS": ["\U0001F600", "\ue000", "\uff21", "a"]},
        {"NS": ["10", "9", "-1", "1.50", "100"]},
        {"NS": ["12345678901234567890123456789", "1E+2", "-0"]},
        {"BS": [b64(b"\x80"), b64(b"\x01"), b64(b"\x01\x00"), b64(b"\x7f")]},
        {"BS": [b64(b"\xff\x00"), b64(b"\x00"), b64(b"")]},
        {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}]},
        {"L": []}, {"M": {}},
        {"M": {"b": {"N": "2"}, "a": {"S": "x"}, "😀": {"BOOL": True}, "\ue000": {"NULL": True}}},
        {"M": {"": {"S": "empty key"}}},
        {"L": [{"M": {"k": {"L": [{"NS": ["2", "1"]}, {"BS": [b64(b"\x02")]}]}}}]},
    ]
    out = []
    for attribute in cases[:4] + [{"N": n} for n in numbers] + cases[4:]:
        raw = vectorlib.attribute_from_json(attribute)
        out.append({"attribute": attribute, "serialized_hex": serialize_attribute(raw).hex()})
    # spec 1.5 bytes, checked
    by_json = {json.dumps(c["attribute"], sort_keys=True): c["serialized_hex"] for c in out}
    spec = {
        json.dumps({"S": "hé€😀"}, sort_keys=True): "00730000000a68c3a9e282acf09f9880",
        json.dumps({"NS": ["10", "9", "-1", "1.50", "100"]}, sort_keys=True):
            "004e00000005000000022d3100000003312e35000000023130000000033130300000000139",
        json.dumps({"N": "-0.0100"}, sort_keys=True): "006e000000052d302e3031",
        json.dumps({"N": "-0"}, sort_keys=True): "006e000000022d30",
        json.dumps({"N": "12345678901234567890123456789"}, sort_keys=True):
            "006e0000001d" + b"12345678901234567890123456790".hex(),
    }
    for key, expected in spec.items():
        assert by_json[key] == expected, (key, by_json[key])
    return out


def dump(path, obj):
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def main(argv):
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    out_dir = argv[0]
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for vector in list(scenario_vectors()) + list(worked_vectors()):
        path = os.path.join(out_dir, vector["name"] + ".json")
        dump(path, vector)
        written.append(path)
    # Not a vector file: kept beside the vectors so that `vectors check DIR/*.json` sees only vectors.
    serialization_dir = os.path.join(out_dir, os.pardir, "serialization")
    os.makedirs(serialization_dir, exist_ok=True)
    path = os.path.normpath(os.path.join(serialization_dir, "python-serialize-examples.json"))
    dump(path, serialize_cases())
    written.append(path)
    for path in written:
        sys.stderr.write("wrote {}\n".format(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
