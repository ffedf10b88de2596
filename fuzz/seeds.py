#!/usr/bin/env python3
"""Write seed corpora for the fuzz targets from the project's token cases.

Reads core/tests/cases/*.json and writes one file per distinct input into
fuzz/corpus/<target>/, named by the SHA-1 of its content, then copies the
committed seeds in fuzz/seeds/<target>/. Existing files are kept, so a corpus
grown by earlier runs stays. Needs only the Python standard library.

Usage: seeds.py [CORPUS_DIR]   (default fuzz/corpus)
"""

import argparse
import base64
import binascii
import hashlib
import json
import pathlib
import struct
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
CASES = FUZZ.parent / "core" / "tests" / "cases"
COMMITTED = FUZZ / "seeds"

# Realm, description and scope, split at 0xFF as the challenge target reads them.
CHALLENGE_SEEDS = [
    b"api\xffthe token expired\xfforders:read orders:write",
    b'a"b\\c\xff"quoted" \\ back\xff\r\nSet-Cookie: x=1',
    "r\u00e9alm\xff\u2028desc\xffscope\u0000".encode("utf-8"),
]


# The c_abi target decodes its input with the Rust `arbitrary` crate
# (fuzz/src/c_abi/): an enum is a little-endian u32 that selects the variant,
# an integer is little-endian, and bytes are a little-endian u16 length and the
# bytes. These are the positions and numbers of the variants the seeds use;
# fuzz/tests/c_abi.rs decodes the seeds to check them.
PROLOGUE_EMPTY = (2, 3)
OP_NEW_VALIDATOR = (0, 22)
OP_VALIDATE = (3, 22)
OP_VALIDATE_AUTHORIZATION = (4, 22)
OP_TOKEN = (5, 22)
OP_LAST_ERROR_MESSAGE = (8, 22)
OP_LAST_ERROR_WWW_AUTHENTICATE = (11, 22)
CONFIG_RAW = (2, 4)
JWKS_RAW = (4, 6)
BYTES = (0, 3)
OUT_VALID = (0, 2)
HANDLE_NEWEST = (0, 3)
TOKEN_RAW = (4, 5)
AUTHORIZATION_RAW = (1, 2)
NOW_ANY = (2, 3)
CALL_REGISTERED = (0, 3)
CALL_CLAIM = (1, 3)
INDEX_SMALL = (0, 3)
BUF_SMALL = (0, 5)
BUF_LARGE = (1, 5)
NAME_KNOWN = (0, 2)
# Positions in CLAIM_NAMES of fuzz/src/c_abi/inputs.rs.
CLAIM_NAME_SCOPE = 8
CLAIM_NAME_ORDERS_READ = 27


def variant(choice):
    """Return the u32 that selects a variant, given as (position, count)."""
    index, count = choice
    # arbitrary picks (u32 * count) >> 32, so this is the smallest u32 for index.
    return struct.pack("<I", -(-(index << 32) // count))


def data(raw):
    if len(raw) > 0xFFFF:
        raise ValueError(f"{len(raw)} bytes do not fit a c_abi byte argument")
    return struct.pack("<H", len(raw)) + raw


# The JWS algorithms a C ABI configuration accepts. The case runner drops other
# names (ES512, none) from a policy in the same way.
C_ABI_ALGORITHMS = {
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384",
    "PS512", "ES256", "ES384", "EdDSA", "Ed25519",
}  # fmt: skip


def c_abi_config(policy):
    """Return the C ABI configuration document of a case policy, read as the
    case runner reads it: `typ` "at+jwt" is the RFC 9068 profile, null is any."""
    config = {
        "issuers": [policy["issuer"]],
        "audiences": [policy["audience"]],
        "algorithms": [a for a in policy["algorithms"] if a in C_ABI_ALGORITHMS],
        "leeway": policy["leeway"],
        "required_claims": policy["required_claims"],
        "required_scopes": policy["required_scopes"],
        "max_token_bytes": policy["max_token_bytes"],
    }
    if policy["typ"] == "at+jwt":
        config["profile"] = "rfc9068"
    else:
        config["typ"] = "any"
    return json.dumps(config, separators=(",", ":")).encode()


def c_abi_seed(case):
    """Return a c_abi session that validates the case through the C ABI: make a
    validator of its policy and key set, validate, read the last error's
    challenge and message, then every accessor and the `scope` claim."""
    jwks = json.dumps(case["jwks"], separators=(",", ":")).encode()
    seed = variant(PROLOGUE_EMPTY)
    seed += variant(OP_NEW_VALIDATOR)
    seed += variant(CONFIG_RAW) + variant(BYTES) + data(c_abi_config(case["policy"]))
    seed += variant(JWKS_RAW) + variant(BYTES) + data(jwks)
    seed += variant(OUT_VALID)

    token = case["token"].encode("utf-8", "surrogatepass")
    if case["input"] == "authorization_header":
        seed += variant(OP_VALIDATE_AUTHORIZATION) + variant(HANDLE_NEWEST)
        seed += variant(AUTHORIZATION_RAW) + variant(BYTES) + data(token)
    else:
        seed += variant(OP_VALIDATE) + variant(HANDLE_NEWEST)
        seed += variant(TOKEN_RAW) + variant(BYTES) + data(token)
    seed += variant(NOW_ANY) + struct.pack("<q", case["policy"]["now"])
    seed += variant(OUT_VALID)

    seed += variant(OP_LAST_ERROR_WWW_AUTHENTICATE)
    seed += variant(BYTES) + data(b"api") + variant(BYTES) + data(b"orders.read")
    seed += variant(BUF_LARGE) + struct.pack("<H", 512)
    seed += variant(OP_LAST_ERROR_MESSAGE) + variant(BUF_SMALL) + bytes([16])

    seed += variant(OP_TOKEN) + variant(HANDLE_NEWEST) + variant(CALL_REGISTERED)
    seed += variant(INDEX_SMALL) + bytes([1]) + variant(BUF_SMALL) + bytes([8])
    seed += variant(OUT_VALID) + variant(NAME_KNOWN) + bytes([CLAIM_NAME_ORDERS_READ])
    seed += variant(OP_TOKEN) + variant(HANDLE_NEWEST) + variant(CALL_CLAIM)
    seed += variant(NAME_KNOWN) + bytes([CLAIM_NAME_SCOPE])
    seed += variant(INDEX_SMALL) + bytes([0])
    seed += variant(BUF_LARGE) + struct.pack("<H", 64) + variant(OUT_VALID)
    return seed


class Corpus:
    """The corpus folders, and how many inputs each target got."""

    def __init__(self, folder):
        self.folder = folder
        self.counts = {}

    def write(self, target, data):
        folder = self.folder / target
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / hashlib.sha1(data).hexdigest()
        if not path.exists():
            path.write_bytes(data)
        self.counts[target] = self.counts.get(target, 0) + 1


def decode_segment(segment):
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None


def bearer_token(value):
    """Return the token of a `scheme 1*SP token` value, or None."""
    scheme, _, rest = value.partition(" ")
    token = rest.lstrip(" ")
    return token if scheme and token else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=pathlib.Path, default=FUZZ / "corpus")
    corpus = Corpus(parser.parse_args().corpus)
    for path in sorted(CASES.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            text = case["token"]
            if case["input"] == "authorization_header":
                corpus.write("authorization", text.encode("utf-8", "surrogatepass"))
                token = bearer_token(text)
            else:
                token = text
                corpus.write("authorization", ("Bearer " + token).encode())
            if token is not None:
                raw = token.encode("utf-8", "surrogatepass")
                now = struct.pack("<q", case["policy"]["now"])
                corpus.write("jws_decode", raw)
                corpus.write("validate", now + raw)
                for segment in token.split(".")[:2]:
                    decoded = decode_segment(segment)
                    if decoded:
                        corpus.write("claims", decoded)

            corpus.write("c_abi", c_abi_seed(case))

            jwks = case["jwks"]
            corpus.write("jwk_set", json.dumps(jwks, separators=(",", ":")).encode())
            for key in jwks.get("keys", []) if isinstance(jwks, dict) else []:
                corpus.write("jwk_set", json.dumps(key, separators=(",", ":")).encode())

    for seed in CHALLENGE_SEEDS:
        corpus.write("challenge", seed)

    if COMMITTED.is_dir():
        for folder in sorted(COMMITTED.iterdir()):
            for seed in sorted(folder.iterdir()):
                corpus.write(folder.name, seed.read_bytes())

    for target, count in sorted(corpus.counts.items()):
        files = len(list((corpus.folder / target).iterdir()))
        print(f"seeds: {target}: {count} inputs, {files} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
