"""Write signed seeds for the introspection, dpop_proof and client_assertion targets.

Run once with the tokenguard Python package installed; the seeds are committed under
fuzz/seeds/<target>/ and copied into the corpora by seeds.py. Each seed starts with
the validation time, 2026-01-01T00:00:00Z, as 8 little-endian bytes.
"""

import hashlib
import json
import pathlib
import struct

import tokenguard

FUZZ = pathlib.Path(__file__).resolve().parent
NOW = 1_767_225_600
ISSUER = "https://issuer.tokenguard.test"
AUDIENCE = "https://api.tokenguard.test"
URI = "https://api.tokenguard.test/orders"
PREFIX = struct.pack("<q", NOW)


def write(target: str, data: bytes) -> None:
    folder = FUZZ / "seeds" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(PREFIX + data)


def claims(**extra: object) -> dict:
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "client_id": "fuzz-client",
        "jti": "tok-1",
        "iat": NOW - 60,
        "exp": NOW + 600,
        "scope": "orders:read",
    }
    base.update(extra)
    return base


def main() -> None:
    p256 = (FUZZ / "keys" / "ec-p256-test-only.pk8.der").read_bytes()
    issuer_key = tokenguard.SigningKey.from_der(p256, kid="p256-1")

    for body in [
        dict(claims(), active=True),
        {"active": False},
        dict(claims(), active=True, cnf={"jkt": "x"}),
        dict(claims(), active="true"),
    ]:
        write("introspection", json.dumps(body).encode())
    signed = {
        "iss": ISSUER,
        "aud": "fuzz-resource-server",
        "iat": NOW,
        "token_introspection": dict(claims(), active=True),
    }
    response = issuer_key.sign_jws(
        json.dumps(signed).encode(), typ="token-introspection+jwt"
    )
    write("introspection", response.encode())

    client_key = tokenguard.SigningKey.generate("ES256", kid="client")
    jkt = client_key.thumbprint()
    token = issuer_key.sign_jws(
        json.dumps(claims(cnf={"jkt": jkt})).encode(), typ="at+jwt"
    )
    for access_token in [None, token]:
        proof = tokenguard.create_dpop_proof(
            client_key, method="GET", uri=URI, access_token=access_token, now=NOW
        )
        write("dpop_proof", proof.encode())
        if access_token:
            write("dpop_proof", f"DPoP {token}".encode() + b"\xff" + proof.encode())

    for audience in [AUDIENCE, "https://other.tokenguard.test"]:
        assertion = tokenguard.create_client_assertion(
            issuer_key, client_id="fuzz-client", audience=audience, now=NOW
        )
        write("client_assertion", assertion.encode())


if __name__ == "__main__":
    main()
