#!/usr/bin/env python3
"""Write seed corpora for the fuzz targets from the project's token cases.

Reads core/tests/cases/*.json and writes one file per distinct input into
fuzz/corpus/<target>/, named by the SHA-1 of its content, then copies the
committed seeds in fuzz/seeds/<target>/. Existing files are kept, so a corpus
grown by earlier runs stays. Needs only the Python standard library.
"""

import base64
import binascii
import hashlib
import json
import pathlib
import shutil
import struct
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
CASES = FUZZ.parent / "core" / "tests" / "cases"
CORPUS = FUZZ / "corpus"
COMMITTED = FUZZ / "seeds"

# Realm, description and scope, split at 0xFF as the challenge target reads them.
CHALLENGE_SEEDS = [
    b"api\xffthe token expired\xfforders:read orders:write",
    b'a"b\\c\xff"quoted" \\ back\xff\r\nSet-Cookie: x=1',
    "r\u00e9alm\xff\u2028desc\xffscope\u0000".encode("utf-8"),
]


def write(target, data, counts):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / hashlib.sha1(data).hexdigest()
    if not path.exists():
        path.write_bytes(data)
    counts[target] = counts.get(target, 0) + 1


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
    counts = {}
    for path in sorted(CASES.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            text = case["token"]
            if case["input"] == "authorization_header":
                write("authorization", text.encode("utf-8", "surrogatepass"), counts)
                token = bearer_token(text)
            else:
                token = text
                write("authorization", ("Bearer " + token).encode(), counts)
            if token is not None:
                raw = token.encode("utf-8", "surrogatepass")
                now = struct.pack("<q", case["policy"]["now"])
                write("jws_decode", raw, counts)
                write("validate", now + raw, counts)
                for segment in token.split(".")[:2]:
                    decoded = decode_segment(segment)
                    if decoded:
                        write("claims", decoded, counts)

            jwks = case["jwks"]
            write("jwk_set", json.dumps(jwks, separators=(",", ":")).encode(), counts)
            for key in jwks.get("keys", []) if isinstance(jwks, dict) else []:
                write("jwk_set", json.dumps(key, separators=(",", ":")).encode(), counts)

    for seed in CHALLENGE_SEEDS:
        write("challenge", seed, counts)

    if COMMITTED.is_dir():
        for folder in sorted(COMMITTED.iterdir()):
            for seed in sorted(folder.iterdir()):
                write(folder.name, seed.read_bytes(), counts)

    for target in sorted(counts):
        files = len(list((CORPUS / target).iterdir()))
        print(f"seeds: {target}: {counts[target]} inputs, {files} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
