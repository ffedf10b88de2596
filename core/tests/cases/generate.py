#!/usr/bin/env python3
"""Generate tokenguard's own token cases, the JSON files next to this script.

Every run makes fresh keys, so keys, tokens and signatures change from run to run while case
ids, verdicts and structure stay the same. Tokens are assembled by hand (base64url without
padding over exact bytes), which lets a case break one thing on purpose. Before writing, the
script checks the format of every case, verifies every signature it made with the signing key,
and compares every expected verdict with the reference reading of the rules in reference.py.

    python3 generate.py          # regenerate every case file
    python3 generate.py --check  # check the files on disk without rewriting them

Requires Python 3.11 and the `cryptography` package.
"""

import base64
import datetime
import hashlib
import hmac
import itertools
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

# isort: split
# reference.py sits next to this script, so ruff run from elsewhere takes it for third-party.
import reference

CASES_DIR = Path(__file__).resolve().parent

ISSUER = "https://issuer.tokenguard.test"
AUDIENCE = "https://api.tokenguard.test"
OTHER_AUDIENCE = "https://billing.tokenguard.test"
NOW = 1767225600  # 2026-01-01T00:00:00Z
LEEWAY = 30
MAX_TOKEN_BYTES = 8192
SCOPE = "orders.read orders.write"

REASONS = (
    "malformed",
    "too_large",
    "unsupported_alg",
    "unsupported_crit",
    "unknown_kid",
    "key_mismatch",
    "weak_key",
    "invalid_key",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "invalid_claim",
    "missing_claim",
    "wrong_issuer",
    "wrong_audience",
    "wrong_type",
    "insufficient_scope",
    "issued_in_future",
)
TAGS = ("strict", "profile", "limits", "spec-permits")
CASE_FIELDS = (
    "id",
    "kind",
    "description",
    "input",
    "token",
    "jwks",
    "policy",
    "expect",
    "expect_reason",
    "alt_reasons",
    "tags",
)
REQUIRED_CASE_FIELDS = (
    "id",
    "kind",
    "description",
    "input",
    "token",
    "jwks",
    "policy",
    "expect",
)
POLICY_FIELDS = (
    "issuer",
    "audience",
    "algorithms",
    "now",
    "leeway",
    "required_scopes",
    "typ",
    "required_claims",
    "max_token_bytes",
)
# Alternatives for a token without kid when no key of the set fits its alg.
NO_FITTING_KEY_ALTS = ("unsupported_alg", "unknown_kid")

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
HMAC_DIGESTS = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
P256_ORDER = reference.EC_ORDERS["ES256"]
P256_PRIME = 2**256 - 2**224 + 2**192 + 2**96 - 1


class Drop:
    """Marker for a header member or claim that a case leaves out."""

    def __repr__(self) -> str:
        return "DROP"


DROP = Drop()

# Tokens this run signed correctly, with the signing key and alg, for the self-check.
SIGNED_TOKENS: dict[str, tuple["Key", str]] = {}
JTI_COUNTER = itertools.count(1)


# --- Keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A signing key (or HMAC secret) with the kid its public JWK carries."""

    kid: str
    # An RSA, EC, Ed25519 or X25519 private key, or the HMAC secret as bytes.
    private: Any
    # How descriptions name the key, with its article: "a 2048-bit RSA key".
    label: str

    def with_kid(self, kid: str) -> "Key":
        return replace(self, kid=kid)

    def public(self) -> Any:
        """Return the public key object, or the secret itself for an HMAC key."""
        if isinstance(self.private, bytes):
            return self.private
        return self.private.public_key()

    def jwk(self, **members: Any) -> dict:
        """Return the public JWK (or the oct secret) with `members` added or replaced.

        A member set to DROP is left out, so `jwk(kid=DROP)` is the key without a kid.
        """
        value = {"kty": None, "kid": self.kid, **self.key_material()}
        value.update(members)
        return {name: member for name, member in value.items() if member is not DROP}

    def key_material(self) -> dict:
        key = self.private
        if isinstance(key, bytes):
            return {"kty": "oct", "k": b64url(key)}
        if isinstance(key, rsa.RSAPrivateKey):
            numbers = key.public_key().public_numbers()
            return {
                "kty": "RSA",
                "n": b64url(int_bytes(numbers.n)),
                "e": b64url(int_bytes(numbers.e)),
            }
        if isinstance(key, ec.EllipticCurvePrivateKey):
            numbers = key.public_key().public_numbers()
            size = (key.curve.key_size + 7) // 8
            crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[
                key.curve.name
            ]
            x = b64url(numbers.x.to_bytes(size))
            y = b64url(numbers.y.to_bytes(size))
            return {"kty": "EC", "crv": crv, "x": x, "y": y}
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        crv = "Ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "X25519"
        return {"kty": "OKP", "crv": crv, "x": b64url(raw)}


def make_keys() -> SimpleNamespace:
    """Generate every key the cases use. Attacker keys never appear in a case's jwks."""

    def rsa_key(kid: str, bits: int, exponent: int = 65537) -> Key:
        private = rsa.generate_private_key(public_exponent=exponent, key_size=bits)
        return Key(kid, private, f"a {bits}-bit RSA key")

    def ec_key(kid: str, curve: ec.EllipticCurve, name: str) -> Key:
        return Key(kid, ec.generate_private_key(curve), f"a {name} key")

    def secret(kid: str, size: int) -> Key:
        return Key(kid, os.urandom(size), f"a {size}-byte secret")

    return SimpleNamespace(
        rsa_a=rsa_key("rsa-2048-a", 2048),
        rsa_b=rsa_key("rsa-2048-b", 2048),
        rsa_4096=rsa_key("rsa-4096", 4096),
        rsa_1024=rsa_key("rsa-1024", 1024),
        rsa_2047=rsa_key("rsa-2047", 2047),
        rsa_e3=rsa_key("rsa-2048-e3", 2048, exponent=3),
        rsa_attacker=rsa_key("rsa-attacker", 2048),
        p256=ec_key("ec-p256", ec.SECP256R1(), "P-256"),
        p256_short_x=p256_key_with_leading_zero_x("ec-p256-short-x"),
        p384=ec_key("ec-p384", ec.SECP384R1(), "P-384"),
        p521=ec_key("ec-p521", ec.SECP521R1(), "P-521"),
        ed=Key("ed25519-a", ed25519.Ed25519PrivateKey.generate(), "an Ed25519 key"),
        ed_attacker=Key(
            "ed25519-attacker", ed25519.Ed25519PrivateKey.generate(), "Ed25519 key"
        ),
        x25519=Key("x25519-a", x25519.X25519PrivateKey.generate(), "an X25519 key"),
        hs31=secret("hmac-31", 31),
        hs32=secret("hmac-32", 32),
        hs32_b=secret("hmac-32-b", 32),
        hs48=secret("hmac-48", 48),
        hs64=secret("hmac-64", 64),
    )


def p256_key_with_leading_zero_x(kid: str) -> Key:
    """Generate P-256 keys until one has an x coordinate below 2^248 (about 1 in 256)."""
    while True:
        private = ec.generate_private_key(ec.SECP256R1())
        if private.public_key().public_numbers().x < 2**248:
            return Key(kid, private, "a P-256 key")


def int_bytes(value: int) -> bytes:
    """Encode a non-negative integer big-endian in the fewest bytes, as JWK RSA members are."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8))


def self_signed_certificate(key: Key) -> bytes:
    """Return a DER self-signed certificate for `key`, as a token header's x5c would carry."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer.attacker.test")])
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=730))
        .sign(key.private, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


# --- Signing and token assembly ---------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def lenient_b64decode(text: str) -> bytes:
    """Decode base64 or base64url, ignoring padding, whitespace and unused trailing bits."""
    text = text.strip().rstrip("=").replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(key: Key, alg: str, data: bytes) -> bytes:
    """Sign `data` as JWS `alg` (RFC 7518): raw R || S for ECDSA, salt length = hash for PSS."""
    suffix = alg[-3:]
    if alg.startswith("HS"):
        return hmac.new(key.private, data, HMAC_DIGESTS[suffix]).digest()
    if alg in ("EdDSA", "Ed25519"):
        return key.private.sign(data)
    if alg.startswith("ES"):
        r, s = decode_dss_signature(key.private.sign(data, ec.ECDSA(HASHES[suffix]())))
        size = (key.private.curve.key_size + 7) // 8
        return r.to_bytes(size) + s.to_bytes(size)

    hash_algorithm = HASHES[suffix]()
    if alg.startswith("PS"):
        mgf = padding.MGF1(hash_algorithm)
        scheme = padding.PSS(mgf=mgf, salt_length=hash_algorithm.digest_size)
    else:
        scheme = padding.PKCS1v15()
    return key.private.sign(data, scheme, hash_algorithm)


def encode_part(part: dict | list | str | bytes) -> str:
    """Encode a header or payload: a JSON value compactly, JSON text or bytes exactly."""
    if isinstance(part, str):
        data = part.encode("utf-8")
    elif isinstance(part, bytes):
        data = part
    else:
        data = compact_json(part)
    return b64url(data)


def assemble(header_segment: str, payload_segment: str, key: Key, alg: str) -> str:
    """Sign the two segments exactly as written and return the compact JWS."""
    signature = sign(key, alg, f"{header_segment}.{payload_segment}".encode("ascii"))
    return register(f"{header_segment}.{payload_segment}.{b64url(signature)}", key, alg)


def register(token: str, key: Key, alg: str) -> str:
    """Record that `key` made the token's signature, for the self-check."""
    SIGNED_TOKENS[token] = (key, alg)
    return token


def header(key: Key, alg: str, /, **members: Any) -> dict:
    """Return the usual access-token header (alg, typ at+jwt, kid) with `members` applied."""
    value = {"alg": alg, "typ": "at+jwt", "kid": key.kid}
    value.update(members)
    return {name: member for name, member in value.items() if member is not DROP}


def claims(**overrides: Any) -> dict:
    """Return claims that pass the default policy, with `overrides` applied (DROP removes)."""
    value = {
        "iss": ISSUER,
        "sub": "user-1042",
        "aud": AUDIENCE,
        "client_id": "orders-web",
        "iat": NOW - 60,
        "exp": NOW + 600,
        "jti": f"tok-{next(JTI_COUNTER):04d}",
        "scope": SCOPE,
    }
    value.update(overrides)
    return {name: claim for name, claim in value.items() if claim is not DROP}


def raw_claims(*members: str, drop: tuple[str, ...] = ()) -> str:
    """Return payload JSON text: the raw `members` first, then the default claims not dropped."""
    defaults = [
        json_member(name, value) for name, value in claims().items() if name not in drop
    ]
    return "{" + ",".join([*members, *defaults]) + "}"


def json_member(name: str, value: Any) -> str:
    return json.dumps(name) + ":" + compact_json(value).decode("utf-8")


def token(key: Key, alg: str, payload: Any = None, /, **header_members: Any) -> str:
    """Return a correctly signed token. `payload` defaults to claims() and may be raw text."""
    if payload is None:
        payload = claims()
    hdr = header(key, alg, **header_members)
    return assemble(encode_part(hdr), encode_part(payload), key, alg)


def raw_token(key: Key, alg: str, header_text: str | bytes, payload: Any = None) -> str:
    """Return a token whose header is the exact JSON text given, signed with `alg`."""
    if payload is None:
        payload = claims()
    return assemble(encode_part(header_text), encode_part(payload), key, alg)


def split_token(compact: str) -> tuple[str, str, str]:
    header_segment, payload_segment, signature_segment = compact.split(".")
    return header_segment, payload_segment, signature_segment


def with_signature(compact: str, signature: bytes) -> str:
    header_segment, payload_segment, _ = split_token(compact)
    return f"{header_segment}.{payload_segment}.{b64url(signature)}"


def signature_of(compact: str) -> bytes:
    return lenient_b64decode(split_token(compact)[2])


# --- Cases --------------------------------------------------------------------------------


def policy(algorithms: list[str], **members: Any) -> dict:
    value = {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "algorithms": list(algorithms),
        "now": NOW,
        "leeway": LEEWAY,
        "required_scopes": [],
        "typ": None,
        "required_claims": [],
        "max_token_bytes": MAX_TOKEN_BYTES,
    }
    unknown = set(members) - set(value)
    if unknown:
        raise ValueError(f"unknown policy members: {sorted(unknown)}")
    value.update(members)
    return value


def case(
    case_id: str,
    kind: str,
    description: str,
    compact: str,
    jwks: list[dict],
    algorithms: list[str],
    reason: str | None = None,
    *,
    alt: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    input_kind: str = "token",
    **policy_members: Any,
) -> dict:
    """Return one case, which expects "invalid" for `reason` when one is given, else "valid"."""
    value = {
        "id": case_id,
        "kind": kind,
        "description": description,
        "input": input_kind,
        "token": compact,
        "jwks": {"keys": jwks},
        "policy": policy(algorithms, **policy_members),
        "expect": "invalid" if reason else "valid",
    }
    if reason:
        value["expect_reason"] = reason
    if alt:
        value["alt_reasons"] = list(alt)
    if tags:
        value["tags"] = list(tags)
    return value


# --- algorithms.json ----------------------------------------------------------------------

CONTROL_KEYS = (
    ("HS256", "hs32"),
    ("HS384", "hs48"),
    ("HS512", "hs64"),
    ("RS256", "rsa_a"),
    ("RS384", "rsa_a"),
    ("RS512", "rsa_a"),
    ("PS256", "rsa_a"),
    ("PS384", "rsa_a"),
    ("PS512", "rsa_a"),
    ("ES256", "p256"),
    ("ES384", "p384"),
    ("EdDSA", "ed"),
    ("Ed25519", "ed"),
)


def algorithm_cases(k: SimpleNamespace) -> list[dict]:
    cases = []
    for alg, name in CONTROL_KEYS:
        key = getattr(k, name)
        description = f"{alg} token signed with {key.label} whose JWK names alg {alg}; a plain control."
        cases.append(
            case(
                f"alg-{alg.lower()}-valid",
                "algorithm",
                description,
                token(key, alg),
                [key.jwk(alg=alg)],
                [alg],
            )
        )

    cases.append(
        case(
            "alg-rs256-rsa4096-valid",
            "algorithm",
            "RS256 token signed with a 4096-bit RSA key; sizes from 2048 to 8192 bits are supported.",
            token(k.rsa_4096, "RS256"),
            [k.rsa_4096.jwk(alg="RS256")],
            ["RS256"],
        )
    )

    none_header = encode_part({"alg": "none", "typ": "at+jwt"})
    cases.append(
        case(
            "alg-none-listed-in-policy",
            "algorithm",
            'Unsigned token with alg "none" and an empty signature; none is never accepted, even when the policy lists it.',
            f"{none_header}.{encode_part(claims())}.",
            [k.rsa_a.jwk()],
            ["none", "RS256"],
            "unsupported_alg",
        )
    )
    cases.append(
        case(
            "alg-es512-listed-in-policy",
            "algorithm",
            "ES512 token correctly signed with a P-521 key; tokenguard does not support ES512, even when the policy lists it.",
            token(k.p521, "ES512"),
            [k.p521.jwk()],
            ["ES256", "ES512"],
            "unsupported_alg",
        )
    )
    cases.append(
        case(
            "alg-not-in-policy",
            "algorithm",
            "RS384 token correctly signed with an alg-less RSA key, but the policy allows only RS256.",
            token(k.rsa_a, "RS384"),
            [k.rsa_a.jwk()],
            ["RS256"],
            "unsupported_alg",
        )
    )
    cases.append(
        case(
            "alg-lower-case-name",
            "algorithm",
            'Header alg is "rs256" (an RS256 signature); algorithm names are compared case-sensitively.',
            token(k.rsa_a, "RS256", alg="rs256"),
            [k.rsa_a.jwk()],
            ["RS256"],
            "unsupported_alg",
        )
    )

    # Algorithm confusion: the RSA public key's PEM text used as an HMAC secret.
    pem = k.rsa_a.public().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem_secret = Key(k.rsa_a.kid, pem, "the PEM of an RSA public key")
    cases.append(
        case(
            "alg-hs256-with-rsa-key",
            "algorithm",
            "HS256 token whose HMAC secret is the PEM of the RSA public key its kid names; an RSA key never verifies HMAC.",
            token(pem_secret, "HS256"),
            [k.rsa_a.jwk()],
            ["RS256", "HS256"],
            "key_mismatch",
        )
    )
    cases.append(
        case(
            "alg-hs256-with-rsa-key-no-kid",
            "algorithm",
            "HS256 token without kid, keyed with the PEM of the set's only key (RSA); no key in the set fits HS256.",
            token(pem_secret, "HS256", kid=DROP),
            [k.rsa_a.jwk()],
            ["RS256", "HS256"],
            "key_mismatch",
            alt=NO_FITTING_KEY_ALTS,
        )
    )
    return cases


def alg_binding_cases(k: SimpleNamespace) -> list[dict]:
    """Build cases for key binding: a JWK alg allows that alg alone, no alg allows the family."""
    kind = "alg_binding"
    cases = [
        case(
            "bind-eddsa-token-ed25519-key",
            kind,
            "EdDSA token signed by an Ed25519 key whose JWK names alg Ed25519; a JWK alg allows only that exact name.",
            token(k.ed, "EdDSA"),
            [k.ed.jwk(alg="Ed25519")],
            ["EdDSA", "Ed25519"],
            "key_mismatch",
        ),
        case(
            "bind-ed25519-token-eddsa-key",
            kind,
            "Ed25519 token signed by an Ed25519 key whose JWK names alg EdDSA; a JWK alg allows only that exact name.",
            token(k.ed, "Ed25519"),
            [k.ed.jwk(alg="EdDSA")],
            ["EdDSA", "Ed25519"],
            "key_mismatch",
        ),
        case(
            "bind-ps384-token-ps256-key",
            kind,
            "PS384 token correctly signed by an RSA key whose JWK names alg PS256; the key is bound to PS256.",
            token(k.rsa_a, "PS384"),
            [k.rsa_a.jwk(alg="PS256")],
            ["PS256", "PS384"],
            "key_mismatch",
        ),
        case(
            "bind-hs512-token-hs256-key",
            kind,
            "HS512 token signed with a 64-byte secret whose JWK names alg HS256; the secret is bound to HS256.",
            token(k.hs64, "HS512"),
            [k.hs64.jwk(alg="HS256")],
            ["HS256", "HS512"],
            "key_mismatch",
        ),
        case(
            "bind-es384-token-p256-key",
            kind,
            "ES384 token (signed with a P-384 key) whose kid names an alg-less P-256 key; P-256 fits only ES256.",
            token(k.p384.with_kid(k.p256.kid), "ES384"),
            [k.p256.jwk()],
            ["ES256", "ES384"],
            "key_mismatch",
        ),
        case(
            "bind-es256-token-okp-key",
            kind,
            "ES256 token (signed with a P-256 key) whose kid names an alg-less Ed25519 key; an OKP key fits only EdDSA and Ed25519.",
            token(k.p256.with_kid(k.ed.kid), "ES256"),
            [k.ed.jwk()],
            ["ES256", "EdDSA"],
            "key_mismatch",
        ),
        case(
            "bind-rsa-algless-policy-excludes",
            kind,
            "PS256 token signed by an alg-less RSA key, but the policy allows only RS256; an alg-less key does not widen the policy.",
            token(k.rsa_a, "PS256"),
            [k.rsa_a.jwk()],
            ["RS256"],
            "unsupported_alg",
        ),
    ]

    algless = (
        ("rsa-ps384", k.rsa_a, "PS384", ["RS256", "PS384"]),
        ("ec-p256-es256", k.p256, "ES256", ["ES256", "ES384"]),
        ("ec-p384-es384", k.p384, "ES384", ["ES256", "ES384"]),
        ("okp-eddsa", k.ed, "EdDSA", ["EdDSA", "Ed25519"]),
        ("okp-ed25519", k.ed, "Ed25519", ["EdDSA", "Ed25519"]),
        ("oct-hs384", k.hs48, "HS384", ["HS256", "HS384"]),
    )
    for name, key, alg, algorithms in algless:
        description = f"{alg} token signed by {key.label} whose JWK has no alg; such a key verifies every alg of its family that the policy allows."
        cases.append(
            case(
                f"bind-algless-{name}-valid",
                kind,
                description,
                token(key, alg),
                [key.jwk()],
                algorithms,
            )
        )
    return cases


# --- structure.json -----------------------------------------------------------------------


def size_cases(k: SimpleNamespace) -> list[dict]:
    kind = "size"
    compact = token(k.hs32, "HS256")
    return [
        case(
            "size-at-limit-valid",
            kind,
            "Token exactly max_token_bytes long; the limit itself is allowed.",
            compact,
            [k.hs32.jwk(alg="HS256")],
            ["HS256"],
            tags=("limits",),
            max_token_bytes=len(compact),
        ),
        case(
            "size-one-over-limit",
            kind,
            "Valid token one byte longer than max_token_bytes.",
            compact,
            [k.hs32.jwk(alg="HS256")],
            ["HS256"],
            "too_large",
            tags=("limits",),
            max_token_bytes=len(compact) - 1,
        ),
        case(
            "size-checked-before-structure",
            kind,
            "257 letters without any dot against a 256-byte limit; the size check comes before any parsing.",
            "A" * 257,
            [k.hs32.jwk(alg="HS256")],
            ["HS256"],
            "too_large",
            tags=("limits",),
            max_token_bytes=256,
        ),
    ]


def structure_cases(k: SimpleNamespace) -> list[dict]:
    kind = "structure"
    jwks = [k.hs32.jwk(alg="HS256")]
    compact = token(k.hs32, "HS256")
    header_segment, payload_segment, signature_segment = split_token(compact)

    midpoint = len(payload_segment) // 2
    spaced_payload = payload_segment[:midpoint] + " " + payload_segment[midpoint:]
    return [
        case(
            "struct-two-segments",
            kind,
            "Header and payload of a valid token with the signature segment and its dot removed.",
            f"{header_segment}.{payload_segment}",
            jwks,
            ["HS256"],
            "malformed",
        ),
        case(
            "struct-four-segments",
            kind,
            "Valid token followed by a dot and a second copy of its signature; a JWS has exactly three segments.",
            f"{compact}.{signature_segment}",
            jwks,
            ["HS256"],
            "malformed",
        ),
        case(
            "struct-empty-signature",
            kind,
            "HS256 token whose signature segment is empty, so the signature is zero bytes long.",
            f"{header_segment}.{payload_segment}.",
            jwks,
            ["HS256"],
            "bad_signature",
            alt=("malformed",),
        ),
        case(
            "struct-trailing-newline",
            kind,
            "Valid token followed by a line feed; whitespace is not part of a compact JWS.",
            compact + "\n",
            jwks,
            ["HS256"],
            "malformed",
        ),
        case(
            "struct-space-in-payload",
            kind,
            "A space in the middle of the payload segment, signed as written; a decoder that skips whitespace would accept it.",
            assemble(header_segment, spaced_payload, k.hs32, "HS256"),
            jwks,
            ["HS256"],
            "malformed",
        ),
    ]


def search_claims(predicate: Any) -> dict:
    """Return default claims, with a longer jti if needed, whose payload segment fits `predicate`."""
    base = claims()
    for extra in range(64):
        payload = {**base, "jti": base["jti"] + "~" * extra}
        if predicate(encode_part(payload)):
            return payload
    raise RuntimeError("no jti length gives the payload segment the requested shape")


def search_kid(key: Key, alg: str, predicate: Any) -> Key:
    """Return `key` renamed to the first kid whose header segment fits `predicate`."""
    for extra in range(64):
        candidate = key.with_kid(key.kid + "~" * extra)
        if predicate(encode_part(header(candidate, alg))):
            return candidate
    raise RuntimeError("no kid length gives the header segment the requested shape")


def has_partial_quantum(segment: str) -> bool:
    """Return whether the last base64 character carries unused bits (length not 0 mod 4)."""
    return len(segment) % 4 != 0


def has_url_characters(segment: str) -> bool:
    return "-" in segment or "_" in segment


def to_standard_alphabet(segment: str) -> str:
    return segment.replace("-", "+").replace("_", "/")


def with_padding(segment: str) -> str:
    return segment + "=" * (-len(segment) % 4)


def with_nonzero_unused_bits(segment: str) -> str:
    """Set the lowest unused bit of the last character, which leaves every decoded byte as is."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last + 1]


SEGMENT_FAULTS = (
    ("padding", has_partial_quantum, with_padding, "with base64 '=' padding added"),
    (
        "std-alphabet",
        has_url_characters,
        to_standard_alphabet,
        "in the standard base64 alphabet ('+' and '/' for '-' and '_')",
    ),
    (
        "noncanonical",
        has_partial_quantum,
        with_nonzero_unused_bits,
        "with non-zero unused bits in its last character",
    ),
)


def base64url_cases(k: SimpleNamespace) -> list[dict]:
    """For each segment: padding, the standard alphabet and non-canonical trailing bits.

    The header and payload variants are signed as written, and the signature variants decode
    to the true signature, so a lenient decoder would accept every one of these tokens.
    """
    kind = "base64url"
    cases = []
    for name, shape, fault, wording in SEGMENT_FAULTS:
        tags = ("strict",) if name == "noncanonical" else ()
        key = search_kid(k.hs32, "HS256", shape)
        header_segment = encode_part(header(key, "HS256"))
        compact = assemble(fault(header_segment), encode_part(claims()), key, "HS256")
        description = f"Header segment {wording}, signed as written."
        cases.append(
            case(
                f"b64-header-{name}",
                kind,
                description,
                compact,
                [key.jwk(alg="HS256")],
                ["HS256"],
                "malformed",
                tags=tags,
            )
        )

        payload_segment = encode_part(search_claims(shape))
        compact = assemble(
            encode_part(header(k.hs32, "HS256")),
            fault(payload_segment),
            k.hs32,
            "HS256",
        )
        description = f"Payload segment {wording}, signed as written."
        cases.append(
            case(
                f"b64-payload-{name}",
                kind,
                description,
                compact,
                [k.hs32.jwk(alg="HS256")],
                ["HS256"],
                "malformed",
                tags=tags,
            )
        )

        compact = signature_segment_with(k.hs32, shape, fault)
        description = (
            f"Signature segment {wording}; the decoded bytes are the true signature."
        )
        cases.append(
            case(
                f"b64-signature-{name}",
                kind,
                description,
                compact,
                [k.hs32.jwk(alg="HS256")],
                ["HS256"],
                "malformed",
                tags=tags,
            )
        )
    return cases


def signature_segment_with(key: Key, shape: Any, fault: Any) -> str:
    """Sign tokens until the signature segment fits `shape`, then apply `fault` to it."""
    for _ in range(64):
        header_segment, payload_segment, signature_segment = split_token(
            token(key, "HS256")
        )
        if shape(signature_segment):
            return register(
                f"{header_segment}.{payload_segment}.{fault(signature_segment)}",
                key,
                "HS256",
            )
    raise RuntimeError("no signature segment had the requested shape")


def json_cases(k: SimpleNamespace) -> list[dict]:
    kind = "json"
    key = k.hs32
    jwks = [key.jwk(alg="HS256")]
    header_text = compact_json(header(key, "HS256"))

    def payload_case(
        case_id: str,
        description: str,
        payload: str | bytes,
        reason: str | None = "malformed",
        tags: tuple[str, ...] = (),
    ) -> dict:
        compact = token(key, "HS256", payload)
        return case(
            case_id, kind, description, compact, jwks, ["HS256"], reason, tags=tags
        )

    def header_case(
        case_id: str,
        description: str,
        text: str | bytes,
        reason: str | None = "malformed",
        tags: tuple[str, ...] = (),
    ) -> dict:
        return case(
            case_id,
            kind,
            description,
            raw_token(key, "HS256", text),
            jwks,
            ["HS256"],
            reason,
            tags=tags,
        )

    pretty_payload = json.dumps(claims(), indent=2) + "\n"
    unicode_payload = raw_claims(
        '"sub":"j\\u00fcrgen-\\ud83d\\ude00"', '"name":"Zoë Ångström"', drop=("sub",)
    )
    return [
        header_case(
            "json-header-array",
            "Header is a JSON array holding the header object; a JOSE header must be an object.",
            b"[" + header_text + b"]",
        ),
        header_case(
            "json-header-bom",
            "Header JSON starts with a UTF-8 byte order mark, which JSON text in a JWS must not carry.",
            b"\xef\xbb\xbf" + header_text,
        ),
        header_case(
            "json-header-trailing-data",
            "Header object followed by a second, empty object.",
            header_text + b"{}",
        ),
        payload_case(
            "json-payload-trailing-comma",
            "Payload object ends with a comma before the closing brace.",
            raw_claims()[:-1] + ",}",
        ),
        payload_case(
            "json-payload-nan",
            "Payload has exp NaN, which is not JSON.",
            raw_claims('"exp":NaN', drop=("exp",)),
        ),
        payload_case(
            "json-payload-leading-zero",
            "Payload has exp with a leading zero, which JSON numbers forbid.",
            raw_claims(f'"exp":0{NOW + 600}', drop=("exp",)),
        ),
        payload_case(
            "json-payload-lone-surrogate",
            "Payload sub is the escape of a lone high surrogate, which is not a Unicode scalar value.",
            raw_claims('"sub":"\\ud800"', drop=("sub",)),
        ),
        payload_case(
            "json-payload-invalid-utf8",
            "Payload sub contains the bytes C3 28, which are not UTF-8.",
            raw_claims('"sub":"x"', drop=("sub",))
            .encode()
            .replace(b'"x"', b'"\xc3\x28"'),
        ),
        header_case(
            "json-header-escaped-alg-valid",
            'Header alg is written "\\u0048S256", an escaped HS256; escapes are decoded before alg is compared.',
            header_text.replace(b'"HS256"', b'"\\u0048S256"'),
            None,
            ("spec-permits",),
        ),
        payload_case(
            "json-payload-whitespace-valid",
            "Payload JSON is indented with spaces and newlines, which JSON allows between tokens.",
            pretty_payload,
            None,
            ("spec-permits",),
        ),
        payload_case(
            "json-payload-unicode-valid",
            "Payload has a raw UTF-8 name and a sub with an escaped surrogate pair; both are valid JSON strings.",
            unicode_payload,
            None,
            ("spec-permits",),
        ),
    ]


def duplicate_member_cases(k: SimpleNamespace) -> list[dict]:
    """Build cases with duplicate names, also after unescaping and inside nested objects.

    Every duplicate repeats the same value, so a parser that keeps either copy would accept
    the token, and only rejecting duplicates fails it.
    """
    kind = "duplicate_member"
    key = k.hs32
    jwks = [key.jwk(alg="HS256")]
    header_text = compact_json(header(key, "HS256"))[:-1].decode()

    def dup_case(case_id: str, description: str, compact: str) -> dict:
        return case(
            case_id,
            kind,
            description,
            compact,
            jwks,
            ["HS256"],
            "malformed",
            tags=("strict",),
        )

    return [
        dup_case(
            "dup-header-alg",
            "Header repeats alg with the same value.",
            raw_token(key, "HS256", header_text + ',"alg":"HS256"}'),
        ),
        dup_case(
            "dup-header-escaped-kid",
            'Header repeats kid as "\\u006bid", the same name once the escape is decoded.',
            raw_token(key, "HS256", header_text + ',"\\u006bid":"hmac-32"}'),
        ),
        dup_case(
            "dup-payload-escaped-iss",
            'Payload has iss twice, once written "\\u0069ss".',
            token(key, "HS256", raw_claims(f'"\\u0069ss":"{ISSUER}"')),
        ),
        dup_case(
            "dup-payload-nested",
            "Payload cnf object repeats its jkt member.",
            token(
                key,
                "HS256",
                raw_claims('"cnf":{"jkt":"0ZcOCORZNYy","jkt":"0ZcOCORZNYy"}'),
            ),
        ),
        dup_case(
            "dup-payload-nested-in-array",
            'An object inside the authorization_details array has type twice, once written "t\\u0079pe".',
            token(
                key,
                "HS256",
                raw_claims(
                    '"authorization_details":[{"type":"orders","t\\u0079pe":"orders"}]'
                ),
            ),
        ),
    ]


def nesting_cases(k: SimpleNamespace) -> list[dict]:
    kind = "nesting"
    key = k.hs32
    jwks = [key.jwk(alg="HS256")]

    def nested(levels: int) -> str:
        return '{"a":' * levels + "1" + "}" * levels

    return [
        case(
            "nesting-200-objects",
            kind,
            "Payload claim ext holds 200 nested objects (201 levels with the payload); JSON nesting is limited far below that.",
            token(key, "HS256", raw_claims(f'"ext":{nested(200)}')),
            jwks,
            ["HS256"],
            "malformed",
            tags=("limits",),
        ),
        case(
            "nesting-5-levels-valid",
            kind,
            "Payload claim ext holds 4 nested objects (5 levels with the payload), well within the nesting limit.",
            token(key, "HS256", raw_claims(f'"ext":{nested(4)}')),
            jwks,
            ["HS256"],
            tags=("limits", "spec-permits"),
        ),
    ]


# --- header.json --------------------------------------------------------------------------


def header_member_cases(k: SimpleNamespace) -> list[dict]:
    kind = "header"
    key = k.hs32
    jwks = [key.jwk(alg="HS256")]
    return [
        case(
            "hdr-alg-missing",
            kind,
            "Header has no alg member, so the token names no algorithm.",
            token(key, "HS256", alg=DROP),
            jwks,
            ["HS256"],
            "malformed",
        ),
        case(
            "hdr-alg-number",
            kind,
            "Header alg is the number 256 rather than a string.",
            token(key, "HS256", alg=256),
            jwks,
            ["HS256"],
            "malformed",
        ),
        case(
            "hdr-kid-number",
            kind,
            "Header kid is a number; kid must be a string.",
            token(key, "HS256", kid=32),
            jwks,
            ["HS256"],
            "malformed",
        ),
        case(
            "hdr-unknown-member-valid",
            kind,
            "Header carries an unregistered member that crit does not list; such members are ignored.",
            token(key, "HS256", **{"x-request-id": "5f1c2a"}),
            jwks,
            ["HS256"],
            tags=("spec-permits",),
        ),
    ]


def crit_cases(k: SimpleNamespace) -> list[dict]:
    """Build crit cases. tokenguard understands no extension, so a well-formed crit is unsupported."""
    kind = "crit"
    key = k.hs32
    jwks = [key.jwk(alg="HS256")]
    extension = "urn:example:binding"

    def crit_case(
        case_id: str,
        description: str,
        reason: str,
        alt: tuple[str, ...] = (),
        **members: Any,
    ) -> dict:
        return case(
            case_id,
            kind,
            description,
            token(key, "HS256", **members),
            jwks,
            ["HS256"],
            reason,
            alt=alt,
        )

    return [
        crit_case(
            "crit-registered-name",
            "crit lists exp, which the header carries; tokenguard understands no crit extension.",
            "unsupported_crit",
            exp=NOW + 600,
            crit=["exp"],
        ),
        crit_case(
            "crit-private-extension",
            "crit lists a private extension that the header carries; tokenguard understands no crit extension.",
            "unsupported_crit",
            **{extension: "v1", "crit": [extension]},
        ),
        crit_case(
            "crit-not-array",
            "crit is a string rather than an array of names.",
            "malformed",
            **{extension: "v1", "crit": extension},
        ),
        crit_case(
            "crit-empty-array",
            "crit is an empty array, which RFC 7515 forbids.",
            "malformed",
            crit=[],
        ),
        crit_case(
            "crit-number-member",
            "crit holds a number rather than a member name.",
            "malformed",
            crit=[7],
        ),
        crit_case(
            "crit-names-absent-member",
            "crit names an extension that the header does not carry.",
            "malformed",
            crit=[extension],
        ),
        crit_case(
            "crit-b64-false",
            "Header has b64 false listed in crit (RFC 7797 unencoded payload), which tokenguard rejects.",
            "malformed",
            alt=("unsupported_crit",),
            b64=False,
            crit=["b64"],
        ),
        crit_case(
            "crit-b64-without-crit",
            "Header has b64 true but no crit; any b64 member is rejected.",
            "malformed",
            alt=("unsupported_crit",),
            b64=True,
        ),
    ]


def embedded_key_cases(k: SimpleNamespace) -> list[dict]:
    """Keys named or carried by the header (jwk, jku, x5u, x5c) are never used."""
    kind = "embedded_key"
    jwks = [k.rsa_a.jwk(alg="RS256")]
    attacker = k.rsa_attacker
    certificate = base64.b64encode(self_signed_certificate(attacker)).decode("ascii")
    return [
        case(
            "embedded-jwk-attacker-key",
            kind,
            "Token signed by a key that is not in the set, with that key's public JWK in the header jwk and the set's kid.",
            token(attacker.with_kid(k.rsa_a.kid), "RS256", jwk=attacker.jwk(kid=DROP)),
            jwks,
            ["RS256"],
            "bad_signature",
        ),
        case(
            "embedded-jwk-no-kid",
            kind,
            "Token without kid, signed by a key that is not in the set, with that key's public JWK in the header jwk.",
            token(attacker, "RS256", kid=DROP, jwk=attacker.jwk(kid=DROP)),
            jwks,
            ["RS256"],
            "bad_signature",
        ),
        case(
            "embedded-x5c-attacker-certificate",
            kind,
            "Token signed by a key that is not in the set, with a self-signed certificate for it in x5c and the set's kid.",
            token(attacker.with_kid(k.rsa_a.kid), "RS256", x5c=[certificate]),
            jwks,
            ["RS256"],
            "bad_signature",
        ),
        case(
            "embedded-jku-unknown-kid",
            kind,
            "Token signed by a key that is not in the set, whose jku points to a set holding it; jku is never fetched, so its kid is unknown.",
            token(attacker, "RS256", jku="https://issuer.attacker.test/jwks.json"),
            jwks,
            ["RS256"],
            "unknown_kid",
        ),
        case(
            "embedded-jku-x5u-ignored-valid",
            kind,
            "Token correctly signed by the set's key that also carries jku and x5u pointing elsewhere; both members are ignored.",
            token(
                k.rsa_a,
                "RS256",
                jku="https://issuer.attacker.test/jwks.json",
                x5u="https://issuer.attacker.test/cert.pem",
            ),
            jwks,
            ["RS256"],
            tags=("spec-permits",),
        ),
    ]


# --- keys.json ----------------------------------------------------------------------------


def key_selection_cases(k: SimpleNamespace) -> list[dict]:
    kind = "key_selection"
    both = [k.rsa_b.jwk(alg="RS256"), k.rsa_a.jwk(alg="RS256")]
    return [
        case(
            "sel-no-kid-second-key-verifies-valid",
            kind,
            "Token without kid against two RSA keys; the first fails and the second verifies, so every candidate must be tried.",
            token(k.rsa_a, "RS256", kid=DROP),
            both,
            ["RS256"],
            tags=("spec-permits",),
        ),
        case(
            "sel-no-kid-mixed-families-valid",
            kind,
            "Token without kid against P-256, Ed25519 and RSA keys; the keys that do not fit RS256 are passed over and the RSA key verifies.",
            token(k.rsa_a, "RS256", kid=DROP),
            [k.p256.jwk(), k.ed.jwk(), k.rsa_a.jwk()],
            ["RS256", "ES256", "EdDSA"],
            tags=("spec-permits",),
        ),
        case(
            "sel-no-kid-no-key-verifies",
            kind,
            "Token without kid, signed by a key outside the set; neither RSA key of the set verifies it.",
            token(k.rsa_attacker, "RS256", kid=DROP),
            both,
            ["RS256"],
            "bad_signature",
        ),
        case(
            "sel-no-kid-no-fitting-key",
            kind,
            "ES256 token without kid against a set that holds only an RSA key.",
            token(k.p256, "ES256", kid=DROP),
            [k.rsa_a.jwk()],
            ["RS256", "ES256"],
            "key_mismatch",
            alt=NO_FITTING_KEY_ALTS,
        ),
        case(
            "sel-unknown-kid",
            kind,
            "Correctly signed token whose kid matches no key of the set.",
            token(k.rsa_a.with_kid("rsa-2048-z"), "RS256"),
            both,
            ["RS256"],
            "unknown_kid",
        ),
        case(
            "sel-kid-differs-in-case",
            kind,
            "Token kid is the set's kid in upper case; kids are compared exactly.",
            token(k.rsa_a.with_kid(k.rsa_a.kid.upper()), "RS256"),
            both,
            ["RS256"],
            "unknown_kid",
        ),
        case(
            "sel-kid-against-key-without-kid",
            kind,
            "Token has a kid but the set's only key has none; with a kid, only keys with that kid are candidates.",
            token(k.rsa_a, "RS256"),
            [k.rsa_a.jwk(kid=DROP)],
            ["RS256"],
            "unknown_kid",
        ),
        case(
            "sel-kid-names-other-key",
            kind,
            "Token signed by one key of the set but whose kid names the other; the named key alone is tried.",
            token(k.rsa_a.with_kid(k.rsa_b.kid), "RS256"),
            both,
            ["RS256"],
            "bad_signature",
        ),
    ]


def key_use_cases(k: SimpleNamespace) -> list[dict]:
    """Build cases for keys that cannot verify, which are skipped, so naming one is key_mismatch."""
    kind = "key_use"
    akp = {
        "kty": "AKP",
        "kid": "akp-1",
        "alg": "ML-DSA-44",
        "pub": b64url(os.urandom(64)),
    }
    return [
        case(
            "use-enc-named",
            kind,
            'Token names an RSA key marked use "enc"; an encryption key never verifies.',
            token(k.rsa_a, "RS256"),
            [k.rsa_a.jwk(use="enc")],
            ["RS256"],
            "key_mismatch",
        ),
        case(
            "use-sig-valid",
            kind,
            'Token names an RSA key marked use "sig".',
            token(k.rsa_a, "RS256"),
            [k.rsa_a.jwk(use="sig")],
            ["RS256"],
        ),
        case(
            "keyops-verify-valid",
            kind,
            'Token names an RSA key whose key_ops contains "verify".',
            token(k.rsa_a, "RS256"),
            [k.rsa_a.jwk(key_ops=["verify"])],
            ["RS256"],
        ),
        case(
            "keyops-sign-only",
            kind,
            'Token names an RSA key whose key_ops is ["sign"] without "verify".',
            token(k.rsa_a, "RS256"),
            [k.rsa_a.jwk(key_ops=["sign"])],
            ["RS256"],
            "key_mismatch",
        ),
        case(
            "jwk-alg-encryption",
            kind,
            "Token names an RSA key whose JWK alg is RSA-OAEP-256, an encryption algorithm.",
            token(k.rsa_a, "RS256"),
            [k.rsa_a.jwk(alg="RSA-OAEP-256")],
            ["RS256"],
            "key_mismatch",
        ),
        case(
            "oct-alg-encryption",
            kind,
            "HS256 token names a secret whose JWK alg is A256GCM, a content-encryption algorithm.",
            token(k.hs32, "HS256"),
            [k.hs32.jwk(alg="A256GCM")],
            ["HS256"],
            "key_mismatch",
        ),
        case(
            "kty-unknown-named",
            kind,
            "ES256 token names a key of kty AKP, a key type tokenguard does not support.",
            token(k.p256.with_kid("akp-1"), "ES256"),
            [akp],
            ["ES256"],
            "key_mismatch",
        ),
        case(
            "kty-unknown-others-valid",
            kind,
            "Set holds an unsupported AKP key and a P-256 key; the token names the P-256 key, which still works.",
            token(k.p256, "ES256"),
            [akp, k.p256.jwk(alg="ES256")],
            ["ES256"],
        ),
        case(
            "crv-x25519-named",
            kind,
            "EdDSA token names an OKP key on curve X25519, a key-agreement curve.",
            token(k.ed.with_kid(k.x25519.kid), "EdDSA"),
            [k.x25519.jwk()],
            ["EdDSA"],
            "key_mismatch",
        ),
    ]


def weak_key_cases(k: SimpleNamespace) -> list[dict]:
    kind = "weak_key"
    rsa_a = k.rsa_a
    return [
        case(
            "weak-rsa-1024",
            kind,
            "RS256 token correctly signed with a 1024-bit RSA key; RSA keys need at least 2048 bits.",
            token(k.rsa_1024, "RS256"),
            [k.rsa_1024.jwk()],
            ["RS256"],
            "weak_key",
        ),
        case(
            "weak-rsa-2047",
            kind,
            "RS256 token correctly signed with a 2047-bit RSA key, one bit short of the minimum.",
            token(k.rsa_2047, "RS256"),
            [k.rsa_2047.jwk()],
            ["RS256"],
            "weak_key",
            tags=("limits",),
        ),
        case(
            "weak-rsa-even-exponent",
            kind,
            "Token names an RSA key whose JWK gives the even exponent 65536.",
            token(rsa_a, "RS256"),
            [rsa_a.jwk(e=b64url(int_bytes(65536)))],
            ["RS256"],
            "weak_key",
        ),
        case(
            "weak-rsa-exponent-1",
            kind,
            "Token names an RSA key whose JWK gives exponent 1, which makes the signature equal the padded message.",
            token(rsa_a, "RS256"),
            [rsa_a.jwk(e=b64url(int_bytes(1)))],
            ["RS256"],
            "weak_key",
        ),
        case(
            "rsa-exponent-3-valid",
            kind,
            "RS256 token correctly signed with a 2048-bit RSA key with exponent 3, the smallest allowed.",
            token(k.rsa_e3, "RS256"),
            [k.rsa_e3.jwk()],
            ["RS256"],
            tags=("spec-permits",),
        ),
        case(
            "weak-oct-31-hs256",
            kind,
            "HS256 token signed with a 31-byte secret; HS256 needs at least 32 bytes.",
            token(k.hs31, "HS256"),
            [k.hs31.jwk(alg="HS256")],
            ["HS256"],
            "weak_key",
        ),
        case(
            "weak-oct-32-hs384",
            kind,
            "HS384 token signed with an alg-less 32-byte secret; HS384 needs at least 48 bytes.",
            token(k.hs32, "HS384"),
            [k.hs32.jwk()],
            ["HS256", "HS384"],
            "weak_key",
        ),
        case(
            "weak-oct-48-hs512",
            kind,
            "HS512 token signed with an alg-less 48-byte secret; HS512 needs at least 64 bytes.",
            token(k.hs48, "HS512"),
            [k.hs48.jwk()],
            ["HS384", "HS512"],
            "weak_key",
        ),
        case(
            "oct-64-hs256-valid",
            kind,
            "HS256 token signed with a 64-byte secret; a secret longer than the hash is fine.",
            token(k.hs64, "HS256"),
            [k.hs64.jwk(alg="HS256")],
            ["HS256"],
            tags=("spec-permits",),
        ),
        case(
            "weak-rsa-others-valid",
            kind,
            "Set holds a 1024-bit and a 2048-bit RSA key; the token names the 2048-bit key, which still works.",
            token(rsa_a, "RS256"),
            [k.rsa_1024.jwk(), rsa_a.jwk()],
            ["RS256"],
        ),
        case(
            "weak-oct-others-valid",
            kind,
            "Token without kid against a 31-byte and a 32-byte HS256 secret; the weak one is skipped and the other verifies.",
            token(k.hs32, "HS256", kid=DROP),
            [k.hs31.jwk(alg="HS256"), k.hs32.jwk(alg="HS256")],
            ["HS256"],
        ),
    ]


def invalid_key_cases(k: SimpleNamespace) -> list[dict]:
    kind = "invalid_key"
    p256 = k.p256
    numbers = p256.public().public_numbers()
    off_curve_y = b64url(((numbers.y + 1) % P256_PRIME).to_bytes(32))
    short_x = b64url(k.p256_short_x.public().public_numbers().x.to_bytes(31))
    ed_x = lenient_b64decode(k.ed.jwk()["x"])
    return [
        case(
            "inv-ec-point-off-curve",
            kind,
            "Token names a P-256 key whose y coordinate was changed by one, so the point is off the curve.",
            token(p256, "ES256"),
            [p256.jwk(y=off_curve_y)],
            ["ES256"],
            "invalid_key",
        ),
        case(
            "inv-ec-x-31-bytes",
            kind,
            "Token names a P-256 key whose x has its leading zero byte dropped (31 bytes); coordinates must be full length, even though left-padding would find the key.",
            token(k.p256_short_x, "ES256"),
            [k.p256_short_x.jwk(x=short_x)],
            ["ES256"],
            "invalid_key",
        ),
        case(
            "inv-ec-missing-y",
            kind,
            "Token names a P-256 key whose JWK has no y member.",
            token(p256, "ES256"),
            [p256.jwk(y=DROP)],
            ["ES256"],
            "invalid_key",
        ),
        case(
            "inv-rsa-missing-e",
            kind,
            "Token names an RSA key whose JWK has no e member.",
            token(k.rsa_a, "RS256"),
            [k.rsa_a.jwk(e=DROP)],
            ["RS256"],
            "invalid_key",
        ),
        case(
            "inv-okp-x-31-bytes",
            kind,
            "Token names an Ed25519 key whose x is cut to 31 bytes.",
            token(k.ed, "EdDSA"),
            [k.ed.jwk(x=b64url(ed_x[:31]))],
            ["EdDSA"],
            "invalid_key",
        ),
        case(
            "inv-oct-missing-k",
            kind,
            "Token names an oct key whose JWK has no k member.",
            token(k.hs32, "HS256"),
            [k.hs32.jwk(k=DROP)],
            ["HS256"],
            "invalid_key",
        ),
        case(
            "inv-others-valid",
            kind,
            "Set holds a P-256 key with an off-curve point and a sound P-256 key; the token names the sound key, which still works.",
            token(p256, "ES256"),
            [p256.jwk(kid="ec-p256-broken", y=off_curve_y), p256.jwk()],
            ["ES256"],
        ),
    ]


def key_set_cases(k: SimpleNamespace) -> list[dict]:
    """Sets rejected as a whole: secrets mixed with public keys, or a kid used twice."""
    kind = "key_set"
    mixed = [k.hs32.jwk(alg="HS256"), k.rsa_a.jwk(alg="RS256")]
    set_alts = ("malformed",)
    return [
        case(
            "set-mixed-hs-token",
            kind,
            "Set mixes an HMAC secret with an RSA public key; the HS256 token names the secret, but the whole set is rejected.",
            token(k.hs32, "HS256"),
            mixed,
            ["HS256", "RS256"],
            "invalid_key",
            alt=set_alts,
            tags=("strict",),
        ),
        case(
            "set-mixed-rs-token",
            kind,
            "Set mixes an HMAC secret with an RSA public key; the RS256 token names the RSA key, but the whole set is rejected.",
            token(k.rsa_a, "RS256"),
            mixed,
            ["HS256", "RS256"],
            "invalid_key",
            alt=set_alts,
            tags=("strict",),
        ),
        case(
            "set-duplicate-kid-rsa",
            kind,
            "Set holds two RSA signature keys with the same kid; the token is signed by the first, but the whole set is rejected.",
            token(k.rsa_a.with_kid("signing"), "RS256"),
            [k.rsa_a.jwk(kid="signing"), k.rsa_b.jwk(kid="signing")],
            ["RS256"],
            "invalid_key",
            alt=set_alts,
            tags=("strict",),
        ),
        case(
            "set-duplicate-kid-oct",
            kind,
            "Set holds two HMAC secrets with the same kid; the token is signed by the second, but the whole set is rejected.",
            token(k.hs32_b.with_kid("shared"), "HS256"),
            [
                k.hs32.jwk(kid="shared", alg="HS256"),
                k.hs32_b.jwk(kid="shared", alg="HS256"),
            ],
            ["HS256"],
            "invalid_key",
            alt=set_alts,
            tags=("strict",),
        ),
        case(
            "set-enc-key-shares-kid-valid",
            kind,
            'Set holds an RSA key with use "enc" and an RSA signature key under one kid; the encryption key is skipped first, so the kid is not repeated.',
            token(k.rsa_a.with_kid("shared"), "RS256"),
            [k.rsa_b.jwk(kid="shared", use="enc"), k.rsa_a.jwk(kid="shared")],
            ["RS256"],
        ),
        case(
            "set-keys-without-kid-valid",
            kind,
            "Set holds two RSA keys without kid, which is no repeated kid; the token without kid is signed by the second.",
            token(k.rsa_b, "RS256", kid=DROP),
            [k.rsa_a.jwk(kid=DROP), k.rsa_b.jwk(kid=DROP)],
            ["RS256"],
        ),
    ]


# --- signature.json -----------------------------------------------------------------------


def signature_cases(k: SimpleNamespace) -> list[dict]:
    kind = "signature"
    cases = []

    def add(
        case_id: str,
        description: str,
        compact: str,
        key: Key,
        alg: str,
        reason: str | None = "bad_signature",
        tags: tuple[str, ...] = (),
    ) -> None:
        cases.append(
            case(
                case_id,
                kind,
                description,
                compact,
                [key.jwk(alg=alg)],
                [alg],
                reason,
                tags=tags,
            )
        )

    hs = token(k.hs32, "HS256")
    add(
        "sig-hs256-truncated",
        "HS256 signature cut to 31 bytes; HMAC signatures must be the full hash length.",
        with_signature(hs, signature_of(hs)[:31]),
        k.hs32,
        "HS256",
    )
    add(
        "sig-hs256-other-secret",
        "HS256 token signed with a secret other than the one its kid names.",
        token(k.hs32_b.with_kid(k.hs32.kid), "HS256"),
        k.hs32,
        "HS256",
    )
    hs_other = token(k.hs32, "HS256")
    add(
        "sig-hs256-over-decoded-json",
        "HS256 signature computed over the decoded header and payload JSON rather than their base64url segments.",
        with_signature(
            hs_other, sign(k.hs32, "HS256", decoded_signing_input(hs_other))
        ),
        k.hs32,
        "HS256",
    )

    rs = token(k.rsa_a, "RS256")
    add(
        "sig-rs256-one-byte-short",
        "RS256 signature with its last byte removed (255 bytes for a 256-byte modulus).",
        with_signature(rs, signature_of(rs)[:-1]),
        k.rsa_a,
        "RS256",
    )
    add(
        "sig-rs256-leading-zero",
        "RS256 signature with a zero byte prepended (257 bytes); the same integer, but RSA signatures must be exactly the modulus length.",
        with_signature(rs, b"\x00" + signature_of(rs)),
        k.rsa_a,
        "RS256",
    )
    add(
        "sig-rs256-payload-changed",
        "RS256 signature of one payload attached to a different payload (another sub).",
        tampered_payload(rs),
        k.rsa_a,
        "RS256",
    )
    add(
        "sig-rs256-made-with-pss",
        "Header says RS256 but the signature uses RSASSA-PSS padding.",
        rsa_signed(
            k.rsa_a,
            "RS256",
            padding.PSS(padding.MGF1(hashes.SHA256()), 32),
            hashes.SHA256(),
        ),
        k.rsa_a,
        "RS256",
    )
    add(
        "sig-ps256-made-with-pkcs1",
        "Header says PS256 but the signature uses PKCS #1 v1.5 padding.",
        rsa_signed(k.rsa_a, "PS256", padding.PKCS1v15(), hashes.SHA256()),
        k.rsa_a,
        "PS256",
    )
    add(
        "sig-ps256-salt-zero",
        "PS256 signature with an empty salt; RFC 7518 fixes the salt length at the hash length (32 bytes).",
        rsa_signed(
            k.rsa_a,
            "PS256",
            padding.PSS(padding.MGF1(hashes.SHA256()), 0),
            hashes.SHA256(),
        ),
        k.rsa_a,
        "PS256",
    )
    add(
        "sig-rs256-sha512-digest",
        "Header says RS256 but the PKCS #1 v1.5 signature is over a SHA-512 digest.",
        rsa_signed(k.rsa_a, "RS256", padding.PKCS1v15(), hashes.SHA512()),
        k.rsa_a,
        "RS256",
    )

    es = token(k.p256, "ES256")
    r, s = split_ecdsa(signature_of(es), 32)
    add(
        "sig-es256-63-bytes",
        "ES256 signature with its last byte removed; R || S must be exactly 64 bytes.",
        with_signature(es, signature_of(es)[:-1]),
        k.p256,
        "ES256",
    )
    add(
        "sig-es256-der",
        "ES256 signature in ASN.1 DER form rather than the fixed-width R || S that JWS uses.",
        der_signed(k.p256),
        k.p256,
        "ES256",
    )
    add(
        "sig-es256-r-zero",
        "ES256 signature with r = 0; r and s must be in [1, n-1].",
        with_signature(es, ecdsa_bytes(0, s, 32)),
        k.p256,
        "ES256",
    )
    add(
        "sig-es256-s-zero",
        "ES256 signature with s = 0; r and s must be in [1, n-1].",
        with_signature(es, ecdsa_bytes(r, 0, 32)),
        k.p256,
        "ES256",
    )
    add(
        "sig-es256-r-equals-n",
        "ES256 signature with r equal to the curve order n; r and s must be in [1, n-1].",
        with_signature(es, ecdsa_bytes(P256_ORDER, s, 32)),
        k.p256,
        "ES256",
    )
    add(
        "sig-es256-s-equals-n",
        "ES256 signature with s equal to the curve order n; r and s must be in [1, n-1].",
        with_signature(es, ecdsa_bytes(r, P256_ORDER, 32)),
        k.p256,
        "ES256",
    )
    high_s = register(
        with_signature(es, ecdsa_bytes(r, P256_ORDER - s, 32)), k.p256, "ES256"
    )
    add(
        "sig-es256-high-s-valid",
        "ES256 signature with s replaced by n - s, which verifies too; JWS has no low-s rule.",
        high_s,
        k.p256,
        "ES256",
        None,
        ("spec-permits",),
    )

    es384 = token(k.p384, "ES384")
    add(
        "sig-es384-95-bytes",
        "ES384 signature with its last byte removed; R || S must be exactly 96 bytes.",
        with_signature(es384, signature_of(es384)[:-1]),
        k.p384,
        "ES384",
    )
    add(
        "sig-es384-r-s-zero",
        "ES384 signature of 96 zero bytes (r = s = 0).",
        with_signature(es384, bytes(96)),
        k.p384,
        "ES384",
    )

    ed = token(k.ed, "EdDSA")
    ed_signature = signature_of(ed)
    s_plus_order = int.from_bytes(ed_signature[32:], "little") + reference.ED25519_ORDER
    add(
        "sig-eddsa-65-bytes",
        "EdDSA signature with a zero byte appended; Ed25519 signatures are exactly 64 bytes.",
        with_signature(ed, ed_signature + b"\x00"),
        k.ed,
        "EdDSA",
    )
    add(
        "sig-eddsa-s-plus-order",
        "EdDSA signature with L added to S; the same value mod L, but RFC 8032 requires S < L.",
        with_signature(ed, ed_signature[:32] + s_plus_order.to_bytes(32, "little")),
        k.ed,
        "EdDSA",
    )
    add(
        "sig-ed25519-other-key",
        "Ed25519 token signed by an Ed25519 key other than the one its kid names.",
        token(k.ed_attacker.with_kid(k.ed.kid), "Ed25519"),
        k.ed,
        "Ed25519",
    )
    return cases


def decoded_signing_input(compact: str) -> bytes:
    header_segment, payload_segment, _ = split_token(compact)
    return lenient_b64decode(header_segment) + b"." + lenient_b64decode(payload_segment)


def tampered_payload(compact: str) -> str:
    header_segment, _, signature_segment = split_token(compact)
    return f"{header_segment}.{encode_part(claims(sub='admin'))}.{signature_segment}"


def rsa_signed(key: Key, alg: str, scheme: Any, hash_algorithm: Any) -> str:
    """Return a token with header `alg` whose signature uses `scheme` and `hash_algorithm`."""
    signing_input = f"{encode_part(header(key, alg))}.{encode_part(claims())}"
    return f"{signing_input}.{b64url(key.private.sign(signing_input.encode(), scheme, hash_algorithm))}"


def der_signed(key: Key) -> str:
    signing_input = f"{encode_part(header(key, 'ES256'))}.{encode_part(claims())}"
    der = key.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    return f"{signing_input}.{b64url(der)}"


def split_ecdsa(signature: bytes, size: int) -> tuple[int, int]:
    return int.from_bytes(signature[:size]), int.from_bytes(signature[size:])


def ecdsa_bytes(r: int, s: int, size: int) -> bytes:
    return r.to_bytes(size) + s.to_bytes(size)


# --- claims.json --------------------------------------------------------------------------


def claim_case(
    k: SimpleNamespace,
    case_id: str,
    kind: str,
    description: str,
    payload: Any,
    reason: str | None = None,
    **options: Any,
) -> dict:
    """Return a case whose RS256 token carries `payload` (claims or raw JSON text)."""
    compact = token(k.rsa_a, "RS256", payload)
    return case(
        case_id,
        kind,
        description,
        compact,
        [k.rsa_a.jwk(alg="RS256")],
        ["RS256"],
        reason,
        **options,
    )


def exp_cases(k: SimpleNamespace) -> list[dict]:
    kind = "exp"
    limits = ("limits",)
    return [
        claim_case(
            k,
            "exp-last-valid-second",
            kind,
            f"exp is now - leeway + 1; a token expires once now >= exp + leeway (leeway {LEEWAY} s).",
            claims(exp=NOW - LEEWAY + 1),
            tags=limits,
        ),
        claim_case(
            k,
            "exp-at-boundary",
            kind,
            "exp is now - leeway, so now equals exp + leeway and the token has just expired.",
            claims(exp=NOW - LEEWAY),
            "expired",
            tags=limits,
        ),
        claim_case(
            k,
            "exp-fraction-inside-valid",
            kind,
            "exp is now - leeway + 0.5; rounding exp down to a whole second would wrongly expire the token.",
            claims(exp=NOW - LEEWAY + 0.5),
            tags=("limits", "spec-permits"),
        ),
        claim_case(
            k,
            "exp-fraction-outside",
            kind,
            "exp is now - leeway - 0.5, half a second past the boundary.",
            claims(exp=NOW - LEEWAY - 0.5),
            "expired",
            tags=limits,
        ),
        claim_case(
            k,
            "exp-negative",
            kind,
            "exp is -1, a valid NumericDate long past.",
            claims(exp=-1),
            "expired",
        ),
        claim_case(
            k,
            "exp-missing",
            kind,
            "Payload has no exp; the policy requires exp.",
            claims(exp=DROP),
            "missing_claim",
        ),
        claim_case(
            k,
            "exp-null",
            kind,
            "exp is null, which counts as missing.",
            claims(exp=None),
            "missing_claim",
        ),
        claim_case(
            k,
            "exp-string",
            kind,
            "exp is a string of digits rather than a number.",
            claims(exp=str(NOW + 600)),
            "invalid_claim",
        ),
        claim_case(
            k,
            "exp-exponent-notation-valid",
            kind,
            "exp is written 1.7672292e9 (now + 3600); exponent notation is a valid JSON number.",
            raw_claims('"exp":1.7672292e9', drop=("exp",)),
            tags=("spec-permits",),
        ),
        claim_case(
            k,
            "exp-int64-max-valid",
            kind,
            "exp is 2^63 - 1, the largest signed 64-bit value; adding the leeway must saturate, not wrap.",
            claims(exp=2**63 - 1),
            tags=limits,
        ),
        claim_case(
            k,
            "exp-above-int64",
            kind,
            "exp is 10^19, an integer above the signed 64-bit range.",
            raw_claims('"exp":10000000000000000000', drop=("exp",)),
            "invalid_claim",
            tags=limits,
        ),
        claim_case(
            k,
            "exp-overflows-double",
            kind,
            "exp is 1e400, a number too large to be finite as a double.",
            raw_claims('"exp":1e400', drop=("exp",)),
            "invalid_claim",
            alt=("malformed",),
            tags=limits,
        ),
    ]


def nbf_cases(k: SimpleNamespace) -> list[dict]:
    kind = "nbf"
    limits = ("limits",)
    return [
        claim_case(
            k,
            "nbf-at-boundary-valid",
            kind,
            "nbf is now + leeway; a token is not yet valid only while now < nbf - leeway.",
            claims(nbf=NOW + LEEWAY),
            tags=limits,
        ),
        claim_case(
            k,
            "nbf-one-past-boundary",
            kind,
            "nbf is now + leeway + 1, one second too early.",
            claims(nbf=NOW + LEEWAY + 1),
            "not_yet_valid",
            tags=limits,
        ),
        claim_case(
            k,
            "nbf-fraction-inside-valid",
            kind,
            "nbf is now + leeway - 0.5; rounding nbf up would wrongly reject the token.",
            claims(nbf=NOW + LEEWAY - 0.5),
            tags=limits,
        ),
        claim_case(
            k,
            "nbf-fraction-outside",
            kind,
            "nbf is now + leeway + 0.5; rounding nbf down would wrongly accept the token.",
            claims(nbf=NOW + LEEWAY + 0.5),
            "not_yet_valid",
            tags=limits,
        ),
        claim_case(
            k,
            "nbf-null-valid",
            kind,
            "nbf is null, which counts as missing, and nbf is optional.",
            claims(nbf=None),
        ),
        claim_case(
            k,
            "nbf-int64-min-valid",
            kind,
            "nbf is -2^63, the smallest signed 64-bit value; subtracting the leeway must saturate, not wrap.",
            claims(nbf=-(2**63)),
            tags=limits,
        ),
        claim_case(
            k,
            "nbf-boolean",
            kind,
            "nbf is true rather than a number.",
            claims(nbf=True),
            "invalid_claim",
        ),
    ]


def iat_cases(k: SimpleNamespace) -> list[dict]:
    kind = "iat"
    return [
        claim_case(
            k,
            "iat-at-leeway-valid",
            kind,
            "iat is exactly now + leeway, the latest issue time the leeway allows.",
            claims(iat=NOW + LEEWAY),
        ),
        claim_case(
            k,
            "iat-past-leeway",
            kind,
            "iat is one second after now + leeway, so the token claims to be issued in the future.",
            claims(iat=NOW + LEEWAY + 1),
            "issued_in_future",
        ),
        claim_case(
            k,
            "iat-fraction-past-leeway",
            kind,
            "iat is half a second after now + leeway; the fraction is not truncated away.",
            claims(iat=NOW + LEEWAY + 0.5),
            "issued_in_future",
        ),
        claim_case(
            k,
            "iat-fraction-valid",
            kind,
            "iat is a fractional NumericDate.",
            claims(iat=NOW - 59.25),
            tags=("spec-permits",),
        ),
        claim_case(
            k,
            "iat-string",
            kind,
            "iat is a string rather than a number.",
            claims(iat="2025-12-31T23:59:00Z"),
            "invalid_claim",
        ),
    ]


def iss_cases(k: SimpleNamespace) -> list[dict]:
    kind = "iss"
    return [
        claim_case(
            k,
            "iss-other",
            kind,
            "iss names another issuer than the policy's.",
            claims(iss="https://issuer.attacker.test"),
            "wrong_issuer",
        ),
        claim_case(
            k,
            "iss-trailing-slash",
            kind,
            "iss is the expected issuer with a trailing slash; issuers are compared exactly.",
            claims(iss=ISSUER + "/"),
            "wrong_issuer",
        ),
        claim_case(
            k,
            "iss-different-case",
            kind,
            "iss is the expected issuer with an upper-case letter in the host.",
            claims(iss=ISSUER.replace("issuer", "Issuer")),
            "wrong_issuer",
        ),
        claim_case(
            k,
            "iss-prefix-only",
            kind,
            "iss starts with the expected issuer followed by a path.",
            claims(iss=ISSUER + "/tenant-7"),
            "wrong_issuer",
        ),
        claim_case(
            k,
            "iss-missing",
            kind,
            "Payload has no iss while the policy sets an issuer.",
            claims(iss=DROP),
            "missing_claim",
            alt=("wrong_issuer",),
        ),
        claim_case(
            k,
            "iss-number",
            kind,
            "iss is a number rather than a string.",
            claims(iss=42),
            "invalid_claim",
            alt=("wrong_issuer",),
        ),
        claim_case(
            k,
            "iss-escaped-slashes-valid",
            kind,
            'iss is written with "\\/" escapes; it decodes to exactly the expected issuer.',
            raw_claims('"iss":"https:\\/\\/issuer.tokenguard.test"', drop=("iss",)),
            tags=("spec-permits",),
        ),
    ]


def aud_cases(k: SimpleNamespace) -> list[dict]:
    kind = "aud"
    return [
        claim_case(
            k,
            "aud-array-contains-valid",
            kind,
            "aud is an array whose second member is the expected audience.",
            claims(aud=[OTHER_AUDIENCE, AUDIENCE]),
            tags=("spec-permits",),
        ),
        claim_case(
            k,
            "aud-array-without-expected",
            kind,
            "aud is an array of other audiences only.",
            claims(aud=[OTHER_AUDIENCE, "https://admin.tokenguard.test"]),
            "wrong_audience",
        ),
        claim_case(
            k,
            "aud-empty-array",
            kind,
            "aud is an empty array, so no member is the expected audience.",
            claims(aud=[]),
            "wrong_audience",
        ),
        claim_case(
            k,
            "aud-empty-string",
            kind,
            "aud is an empty string, which is not the expected audience.",
            claims(aud=""),
            "wrong_audience",
        ),
        claim_case(
            k,
            "aud-trailing-slash",
            kind,
            "aud is the expected audience with a trailing slash; audiences are compared exactly.",
            claims(aud=AUDIENCE + "/"),
            "wrong_audience",
        ),
        claim_case(
            k,
            "aud-space-separated-string",
            kind,
            "aud is one string holding two audiences separated by a space; a string aud is never split.",
            claims(aud=f"{OTHER_AUDIENCE} {AUDIENCE}"),
            "wrong_audience",
        ),
        claim_case(
            k,
            "aud-array-number-member",
            kind,
            "aud array holds the expected audience and a number.",
            claims(aud=[AUDIENCE, 7]),
            "invalid_claim",
        ),
        claim_case(
            k,
            "aud-array-null-member",
            kind,
            "aud array holds the expected audience and null.",
            claims(aud=[AUDIENCE, None]),
            "invalid_claim",
        ),
        claim_case(
            k,
            "aud-object",
            kind,
            "aud is an object rather than a string or an array.",
            claims(aud={"value": AUDIENCE}),
            "invalid_claim",
        ),
        claim_case(
            k,
            "aud-missing",
            kind,
            "Payload has no aud while the policy sets an audience.",
            claims(aud=DROP),
            "missing_claim",
            alt=("wrong_audience",),
        ),
    ]


def required_claim_cases(k: SimpleNamespace) -> list[dict]:
    kind = "required_claims"
    return [
        claim_case(
            k,
            "req-present-valid",
            kind,
            "Policy requires sub and client_id, and both are present.",
            claims(),
            required_claims=["sub", "client_id"],
        ),
        claim_case(
            k,
            "req-missing",
            kind,
            "Policy requires tenant, which the payload lacks.",
            claims(),
            "missing_claim",
            required_claims=["tenant"],
        ),
        claim_case(
            k,
            "req-null",
            kind,
            "Policy requires sub, which is present but null; null counts as missing.",
            claims(sub=None),
            "missing_claim",
            required_claims=["sub"],
        ),
        claim_case(
            k,
            "req-empty-string-valid",
            kind,
            "Policy requires sub, which is an empty string; presence is all that is checked.",
            claims(sub=""),
            required_claims=["sub"],
            tags=("spec-permits",),
        ),
    ]


def escaped_name_cases(k: SimpleNamespace) -> list[dict]:
    """Claim names written with JSON escapes are the same names once decoded."""
    kind = "escaped_name"
    all_escaped = raw_claims(
        f'"\\u0069ss":"{ISSUER}"',
        f'"\\u0061ud":"{AUDIENCE}"',
        f'"\\u0065xp":{NOW + 600}',
        drop=("iss", "aud", "exp"),
    )
    return [
        claim_case(
            k,
            "esc-iss-wrong",
            kind,
            'The only issuer claim is written "\\u0069ss" and names another issuer.',
            raw_claims('"\\u0069ss":"https://issuer.attacker.test"', drop=("iss",)),
            "wrong_issuer",
        ),
        claim_case(
            k,
            "esc-exp-expired",
            kind,
            'The only expiry claim is written "\\u0065xp" and is an hour past.',
            raw_claims(f'"\\u0065xp":{NOW - 3600}', drop=("exp",)),
            "expired",
        ),
        claim_case(
            k,
            "esc-aud-wrong",
            kind,
            'The only audience claim is written "\\u0061ud" and names another audience.',
            raw_claims(f'"\\u0061ud":"{OTHER_AUDIENCE}"', drop=("aud",)),
            "wrong_audience",
        ),
        claim_case(
            k,
            "esc-names-valid",
            kind,
            "iss, aud and exp are written with escaped names and correct values.",
            all_escaped,
            tags=("spec-permits",),
        ),
    ]


# --- typ.json -----------------------------------------------------------------------------


def typ_cases(k: SimpleNamespace) -> list[dict]:
    """Header typ under the RFC 9068 profile (policy typ "at+jwt")."""
    kind = "typ"
    jwks = [k.rsa_a.jwk(alg="RS256")]

    def typ_case(
        case_id: str,
        description: str,
        typ: Any,
        reason: str | None = None,
        alt: tuple[str, ...] = (),
    ) -> dict:
        compact = token(k.rsa_a, "RS256", typ=typ)
        return case(
            case_id,
            kind,
            description,
            compact,
            jwks,
            ["RS256"],
            reason,
            alt=alt,
            tags=("profile",),
            typ="at+jwt",
        )

    return [
        typ_case(
            "typ-at-jwt-valid",
            'Header typ is "at+jwt" and every RFC 9068 claim is present.',
            "at+jwt",
        ),
        typ_case(
            "typ-media-type-valid",
            'Header typ is the full media type "application/at+jwt".',
            "application/at+jwt",
        ),
        typ_case(
            "typ-upper-case-valid",
            'Header typ is "AT+JWT"; typ is compared ASCII case-insensitively.',
            "AT+JWT",
        ),
        typ_case(
            "typ-mixed-case-media-type-valid",
            'Header typ is "Application/At+JWT"; typ is compared ASCII case-insensitively.',
            "Application/At+JWT",
        ),
        typ_case(
            "typ-jwt",
            'Header typ is "JWT", which the access-token profile does not accept.',
            "JWT",
            "wrong_type",
        ),
        typ_case(
            "typ-missing",
            "Header has no typ while the policy requires the access-token profile.",
            DROP,
            "wrong_type",
        ),
        typ_case(
            "typ-number",
            "Header typ is a number, not one of the accepted strings.",
            9068,
            "wrong_type",
            ("malformed",),
        ),
        typ_case(
            "typ-with-parameter",
            'Header typ is "application/at+jwt; charset=utf-8"; a media-type parameter is not allowed.',
            "application/at+jwt; charset=utf-8",
            "wrong_type",
        ),
        case(
            "typ-unchecked-without-profile",
            kind,
            'Header typ is "JWT" and the policy sets no typ, so typ is not checked.',
            token(k.rsa_a, "RS256", typ="JWT"),
            jwks,
            ["RS256"],
            tags=("spec-permits",),
        ),
    ]


def profile_claim_cases(k: SimpleNamespace) -> list[dict]:
    """RFC 9068 requires iss, exp, aud, sub, client_id, iat and jti in an access token."""
    kind = "profile_claims"
    jwks = [k.rsa_a.jwk(alg="RS256")]

    def profile_case(
        case_id: str,
        description: str,
        payload: dict,
        reason: str | None = "missing_claim",
    ) -> dict:
        compact = token(k.rsa_a, "RS256", payload)
        return case(
            case_id,
            kind,
            description,
            compact,
            jwks,
            ["RS256"],
            reason,
            tags=("profile",),
            typ="at+jwt",
        )

    cases = []
    for name in ("sub", "client_id", "iat", "jti"):
        description = f"Token without {name} under the access-token profile, which requires {name}."
        case_id = "profile-missing-" + name.replace("_", "-")
        cases.append(profile_case(case_id, description, claims(**{name: DROP})))

    optional = claims(sub=DROP, client_id=DROP, iat=DROP, jti=DROP)
    return [
        *cases,
        profile_case(
            "profile-null-client-id",
            "Token whose client_id is null under the access-token profile; null counts as missing.",
            claims(client_id=None),
        ),
        case(
            "profile-claims-optional-without-profile",
            kind,
            "Token without sub, client_id, iat and jti under a policy that sets no typ; only the profile requires them.",
            token(k.rsa_a, "RS256", optional),
            jwks,
            ["RS256"],
            tags=("spec-permits",),
        ),
    ]


# --- scope.json ---------------------------------------------------------------------------


def scope_cases(k: SimpleNamespace) -> list[dict]:
    kind = "scope"
    read = ["orders.read"]

    def scope_case(
        case_id: str,
        description: str,
        payload: Any,
        required: list[str],
        reason: str | None = "insufficient_scope",
        tags: tuple[str, ...] = (),
    ) -> dict:
        return claim_case(
            k,
            case_id,
            kind,
            description,
            payload,
            reason,
            required_scopes=required,
            tags=tags,
        )

    return [
        scope_case(
            "scope-one-required-valid",
            f'Policy requires orders.read and scope is "{SCOPE}".',
            claims(),
            read,
            None,
        ),
        scope_case(
            "scope-all-required-valid",
            "Policy requires both granted scopes.",
            claims(),
            ["orders.write", "orders.read"],
            None,
        ),
        scope_case(
            "scope-one-missing",
            "Policy requires orders.read and orders.delete; only the first is granted.",
            claims(),
            ["orders.read", "orders.delete"],
        ),
        scope_case(
            "scope-claim-missing",
            "Policy requires orders.read and the payload has no scope.",
            claims(scope=DROP),
            read,
        ),
        scope_case(
            "scope-array",
            "scope is a JSON array of names rather than a space-delimited string, the wrong type for a registered claim.",
            claims(scope=["orders.read", "orders.write"]),
            read,
            "invalid_claim",
        ),
        scope_case(
            "scope-scp-only",
            "Payload has the non-standard scp claim and no scope; scp is not read.",
            claims(scope=DROP, scp=SCOPE),
            read,
        ),
        scope_case(
            "scope-case-differs",
            "Policy requires Orders.Read; scopes are compared case-sensitively.",
            claims(),
            ["Orders.Read"],
        ),
        scope_case(
            "scope-parent-not-implied",
            "Policy requires orders while only orders.read and orders.write are granted; no hierarchy is implied.",
            claims(),
            ["orders"],
        ),
        scope_case(
            "scope-longer-name",
            'scope is "orders.readonly"; the required orders.read must be a whole member, not a prefix.',
            claims(scope="orders.readonly"),
            read,
        ),
        scope_case(
            "scope-comma-separated",
            'scope is "orders.read,orders.write"; only a space separates scopes.',
            claims(scope="orders.read,orders.write"),
            read,
        ),
        scope_case(
            "scope-none-required-valid",
            "Policy requires no scope and the payload has none.",
            claims(scope=DROP),
            [],
            None,
        ),
        scope_case(
            "scope-escaped-name-valid",
            'The scope claim is written "\\u0073cope"; it is still the scope claim.',
            raw_claims(f'"\\u0073cope":"{SCOPE}"', drop=("scope",)),
            read,
            None,
            ("spec-permits",),
        ),
    ]


# --- authorization_header.json ------------------------------------------------------------


def authorization_header_cases(k: SimpleNamespace) -> list[dict]:
    """Authorization header values: Bearer or DPoP, 1*SP, one RFC 6750 b64token."""
    kind = "authorization_header"
    jwks = [k.rsa_a.jwk(alg="RS256")]
    compact = token(k.rsa_a, "RS256")
    expired = token(k.rsa_a, "RS256", claims(exp=NOW - 3600))

    def header_case(
        case_id: str,
        description: str,
        value: str,
        reason: str | None = "malformed",
        tags: tuple[str, ...] = (),
        **policy_members: Any,
    ) -> dict:
        return case(
            case_id,
            kind,
            description,
            value,
            jwks,
            ["RS256"],
            reason,
            tags=tags,
            input_kind="authorization_header",
            **policy_members,
        )

    return [
        header_case(
            "authz-bearer-valid",
            "Bearer scheme, one space and a valid token.",
            f"Bearer {compact}",
            None,
        ),
        header_case(
            "authz-bearer-lower-case-valid",
            "Scheme written bearer; auth schemes are ASCII case-insensitive.",
            f"bearer {compact}",
            None,
            ("spec-permits",),
        ),
        header_case(
            "authz-dpop-scheme",
            "DPoP scheme with a valid token: a bearer check cannot verify the DPoP proof the scheme requires.",
            f"DPoP {compact}",
        ),
        header_case(
            "authz-dpop-lower-case-scheme",
            "Scheme written dpop: rejected like DPoP, since scheme names are case-insensitive.",
            f"dpop {compact}",
        ),
        header_case(
            "authz-several-spaces-valid",
            "Three spaces between scheme and token; RFC 6750 allows one or more.",
            f"Bearer   {compact}",
            None,
            ("spec-permits",),
        ),
        header_case(
            "authz-tab",
            "A tab between scheme and token; only spaces may separate them.",
            f"Bearer\t{compact}",
        ),
        header_case(
            "authz-no-space",
            "Scheme directly followed by the token.",
            f"Bearer{compact}",
        ),
        header_case(
            "authz-scheme-only", "Bearer scheme with nothing after it.", "Bearer"
        ),
        header_case(
            "authz-trailing-space",
            "Valid Bearer value followed by a space.",
            f"Bearer {compact} ",
        ),
        header_case(
            "authz-second-credential",
            "Two credentials separated by a comma; the value must hold exactly one token.",
            f"Bearer {compact}, DPoP {compact}",
        ),
        header_case(
            "authz-basic-scheme",
            "Basic scheme with a token; only the Bearer and DPoP schemes are accepted.",
            f"Basic {compact}",
        ),
        header_case(
            "authz-crlf",
            "Valid Bearer value followed by CR LF.",
            f"Bearer {compact}\r\n",
        ),
        header_case(
            "authz-no-break-space",
            "A no-break space (U+00A0) between scheme and token.",
            f"Bearer\u00a0{compact}",
        ),
        header_case(
            "authz-bare-token",
            "Header value that is only the token, without a scheme.",
            compact,
        ),
        header_case(
            "authz-over-limit",
            "Bearer value (and its token) longer than max_token_bytes.",
            f"Bearer {compact}",
            "too_large",
            ("limits",),
            max_token_bytes=64,
        ),
        header_case(
            "authz-expired-token",
            "Well-formed Bearer value whose token expired an hour ago; the header path runs every token check.",
            f"Bearer {expired}",
            "expired",
        ),
    ]


# --- Files, checks and main ---------------------------------------------------------------

FILES = {
    "algorithms.json": (algorithm_cases, alg_binding_cases),
    "structure.json": (
        size_cases,
        structure_cases,
        base64url_cases,
        json_cases,
        duplicate_member_cases,
        nesting_cases,
    ),
    "header.json": (header_member_cases, crit_cases, embedded_key_cases),
    "keys.json": (
        key_selection_cases,
        key_use_cases,
        weak_key_cases,
        invalid_key_cases,
        key_set_cases,
    ),
    "signature.json": (signature_cases,),
    "claims.json": (
        exp_cases,
        nbf_cases,
        iat_cases,
        iss_cases,
        aud_cases,
        required_claim_cases,
        escaped_name_cases,
    ),
    "typ.json": (typ_cases, profile_claim_cases),
    "scope.json": (scope_cases,),
    "authorization_header.json": (authorization_header_cases,),
}


def build_files() -> dict[str, list[dict]]:
    keys = make_keys()
    return {
        name: [c for family in families for c in family(keys)]
        for name, families in FILES.items()
    }


def check_format(files: dict[str, list[dict]]) -> list[str]:
    """Return one message per case that breaks the case-file format."""
    errors = []
    seen = set()
    for name, cases in files.items():
        for index, value in enumerate(cases):
            label = f"{name}[{index}] {value.get('id')}"
            errors += [f"{label}: {problem}" for problem in case_format_problems(value)]
            if value.get("id") in seen:
                errors.append(f"{label}: duplicate id")
            seen.add(value.get("id"))
    return errors


def case_format_problems(value: dict) -> list[str]:
    problems = []
    missing = [field for field in REQUIRED_CASE_FIELDS if field not in value]
    unknown = [field for field in value if field not in CASE_FIELDS]
    if missing or unknown:
        return [f"missing fields {missing}, unknown fields {unknown}"]

    if value["input"] not in ("token", "authorization_header"):
        problems.append(f"input is {value['input']!r}")
    if sorted(value["policy"]) != sorted(POLICY_FIELDS):
        problems.append(f"policy fields are {sorted(value['policy'])}")
    elif value["policy"]["typ"] not in (None, "at+jwt"):
        problems.append(f"policy typ is {value['policy']['typ']!r}")

    expect, reason = value["expect"], value.get("expect_reason")
    if expect == "valid" and ("expect_reason" in value or "alt_reasons" in value):
        problems.append("a valid case carries expect_reason or alt_reasons")
    if expect == "invalid" and reason not in REASONS:
        problems.append(f"expect_reason is {reason!r}")
    if expect not in ("valid", "invalid"):
        problems.append(f"expect is {expect!r}")
    alts = value.get("alt_reasons", [])
    if any(alt not in REASONS or alt == reason for alt in alts) or len(
        set(alts)
    ) != len(alts):
        problems.append(f"alt_reasons are {alts}")
    if any(tag not in TAGS for tag in value.get("tags", [])):
        problems.append(f"tags are {value['tags']}")

    for jwk in value["jwks"].get("keys", []):
        private = [member for member in reference.PRIVATE_JWK_MEMBERS if member in jwk]
        if private:
            problems.append(f"key {jwk.get('kid')} has private members {private}")
    return problems


def check_verdicts(files: dict[str, list[dict]]) -> list[str]:
    """Return one message per case whose expected verdict the reference reading disagrees with."""
    errors = []
    for name, cases in files.items():
        for value in cases:
            accepted = (
                {"valid"}
                if value["expect"] == "valid"
                else {value["expect_reason"], *value.get("alt_reasons", [])}
            )
            found = reference.verdict(value)
            if found not in accepted:
                errors.append(
                    f"{name} {value['id']}: reference gives {found}, case expects {sorted(accepted)}"
                )
    return errors


def check_signatures(files: dict[str, list[dict]]) -> tuple[list[str], int]:
    """Verify with the signing key every signature this run made on purpose.

    This covers the tokens whose expected failure comes before the signature check
    (malformed, weak_key, key_mismatch and the like), which the reference never verifies.
    """
    errors = []
    checked = 0
    for name, cases in files.items():
        for value in cases:
            compact = extract_token(value)
            if compact not in SIGNED_TOKENS:
                continue
            key, alg = SIGNED_TOKENS[compact]
            signing_input, _, signature_segment = compact.rpartition(".")
            signature = lenient_b64decode(signature_segment)
            checked += 1
            if not reference.verify_signature(
                key.public(), alg, signing_input.encode("utf-8"), signature
            ):
                errors.append(
                    f"{name} {value['id']}: the {alg} signature does not verify with {key.kid}"
                )
    return errors, checked


def extract_token(value: dict) -> str:
    """Return the compact JWS of a case, taking the last word of an Authorization header."""
    words = value["token"].split()
    if value["input"] == "authorization_header" and words:
        return words[-1]
    return value["token"]


def load_files() -> dict[str, list[dict]]:
    return {name: json.loads((CASES_DIR / name).read_text()) for name in FILES}


def write_files(files: dict[str, list[dict]]) -> None:
    for name, cases in files.items():
        (CASES_DIR / name).write_text(json.dumps(cases, indent=2) + "\n")


def report(errors: list[str]) -> int:
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


def main(arguments: list[str]) -> int:
    if arguments not in ([], ["--check"]):
        print("usage: generate.py [--check]", file=sys.stderr)
        return 2

    if arguments == ["--check"]:
        files = load_files()
        errors = check_format(files)
        errors = errors or check_verdicts(files)
        total = sum(len(cases) for cases in files.values())
        if not errors:
            print(
                f"{total} cases in {len(files)} files: format and reference verdicts agree"
            )
        return report(errors)

    files = build_files()
    errors = check_format(files)
    errors = errors or check_verdicts(files)
    signature_errors, checked = check_signatures(files)
    errors += signature_errors
    if errors:
        print("case files not written", file=sys.stderr)
        return report(errors)

    write_files(files)
    for name, cases in files.items():
        print(f"{name}: {len(cases)} cases")
    print(
        f"{sum(len(c) for c in files.values())} cases written; {checked} signatures made on purpose verify"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
