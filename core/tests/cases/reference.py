"""Reference verdicts for tokenguard's token case files.

A plain, unoptimised reading of the verdict rules that the case files assume. `generate.py`
runs it over every case to catch an expected verdict that does not follow from the case's
data. It is test tooling, not a second validator: every primitive comes from the
`cryptography` package. It stops at the first failed check, in this order: key set, size,
Authorization header, structure, JSON, header members, key selection, signature, claims. Each
invalid case carries one fault, so the order matters only where a case lists alt_reasons.
"""

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

SUPPORTED_ALGORITHMS = {
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "EdDSA",
    "Ed25519",
}

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
HMAC_DIGESTS = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
EC_CURVES = {
    "P-256": (ec.SECP256R1(), "ES256", 32),
    "P-384": (ec.SECP384R1(), "ES384", 48),
}
EC_ORDERS = {
    "ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ES384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493

RSA_MIN_BITS = 2048
RSA_MAX_BITS = 8192

# NOTE: tokenguard's own nesting limit may be any value well below 5000. The cases only use
# depth 5 (valid) and depth 201 (malformed), so any limit between those agrees with them.
MAX_JSON_DEPTH = 64

AUTHORIZATION_RE = re.compile(
    r"bearer +([A-Za-z0-9._~+/-]+=*)", re.ASCII | re.IGNORECASE
)
BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)

PROFILE_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")
SIGNED_INT64 = (-(2**63), 2**63 - 1)


class Rejected(Exception):
    """A token or key set rejected for `reason`, one of the case files' error names."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def verdict(case: dict) -> str:
    """Return "valid" or the name of the first failed check for `case`."""
    try:
        check_case(case)
    except Rejected as rejection:
        return rejection.reason
    return "valid"


def check_case(case: dict) -> None:
    """Raise Rejected unless the case's token passes every check under its policy."""
    policy = case["policy"]
    keys = load_key_set(case["jwks"])

    text = case["token"]
    if len(text.encode("utf-8")) > policy["max_token_bytes"]:
        raise Rejected("too_large")
    if case["input"] == "authorization_header":
        text = parse_authorization(text)

    segments = text.split(".")
    if len(segments) != 3:
        raise Rejected("malformed")
    header_bytes, payload_bytes, signature = (
        decode_base64url(part) for part in segments
    )
    header = parse_json_object(header_bytes)
    payload = parse_json_object(payload_bytes)

    check_header(header, policy)
    candidates = select_keys(keys, header)
    signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
    if not any(
        key.verify(header["alg"], signing_input, signature) for key in candidates
    ):
        raise Rejected("bad_signature")

    check_claims(payload, policy)


def parse_authorization(value: str) -> str:
    """Return the token of a `Bearer` Authorization header value (RFC 6750 section 2.1)."""
    match = AUTHORIZATION_RE.fullmatch(value)
    if match is None:
        raise Rejected("malformed")
    return match.group(1)


def decode_base64url(text: str) -> bytes:
    """Decode strict unpadded base64url, rejecting non-zero unused trailing bits."""
    if BASE64URL_RE.fullmatch(text) is None or len(text) % 4 == 1:
        raise Rejected("malformed")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != text:
        raise Rejected("malformed")
    return data


def parse_json_object(data: bytes) -> dict:
    """Parse one RFC 8259 JSON object with no duplicate member names at any depth."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise Rejected("malformed")
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text, object_pairs_hook=reject_duplicates, parse_constant=reject_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Rejected("malformed") from error
    if not isinstance(value, dict):
        raise Rejected("malformed")
    check_json_value(value, depth=1)
    return value


def reject_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    # Python has already decoded escapes here, so "\u0069ss" and "iss" collide as they must.
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        raise ValueError("duplicate member name")
    return dict(pairs)


def reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def check_json_value(value: Any, depth: int) -> None:
    """Reject nesting deeper than MAX_JSON_DEPTH and strings with lone surrogates."""
    if depth > MAX_JSON_DEPTH:
        raise Rejected("malformed")
    if isinstance(value, str):
        if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
            raise Rejected("malformed")
    elif isinstance(value, dict):
        for name, member in value.items():
            check_json_value(name, depth)
            check_json_value(member, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json_value(item, depth + 1)


def check_header(header: dict, policy: dict) -> None:
    """Check `alg`, `kid`, `b64`, `crit` and, under the RFC 9068 profile, `typ`."""
    if not isinstance(header.get("alg"), str):
        raise Rejected("malformed")
    if "kid" in header and not isinstance(header["kid"], str):
        raise Rejected("malformed")
    if "b64" in header:
        raise Rejected("malformed")
    if "crit" in header:
        check_crit(header)

    if policy["typ"] is not None:
        typ = header.get("typ")
        if not isinstance(typ, str) or ascii_lower(typ) not in (
            "at+jwt",
            "application/at+jwt",
        ):
            raise Rejected("wrong_type")

    alg = header["alg"]
    if alg not in SUPPORTED_ALGORITHMS or alg not in policy["algorithms"]:
        raise Rejected("unsupported_alg")


def check_crit(header: dict) -> None:
    crit = header["crit"]
    if not isinstance(crit, list) or not crit:
        raise Rejected("malformed")
    if not all(isinstance(name, str) and name in header for name in crit):
        raise Rejected("malformed")
    # tokenguard understands no JWS extension, so every well-formed crit is unsupported.
    raise Rejected("unsupported_crit")


def ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


@dataclass
class Jwk:
    """One member of a JWK Set, classified once when the set is loaded."""

    raw: dict
    status: str  # "usable", "skipped" (not for signatures), "weak" or "invalid"
    algorithms: frozenset[str]  # header algorithms its kty and crv fit
    public: Any = None

    @property
    def kid(self) -> Any:
        return self.raw.get("kid")

    def fits(self, alg: str) -> bool:
        """Return whether the key may verify `alg`: usable for signatures, family and alg."""
        if self.status == "skipped" or alg not in self.algorithms:
            return False
        return self.raw.get("alg") in (None, alg)

    def too_short_for(self, alg: str) -> bool:
        return self.raw["kty"] == "oct" and len(self.public) < hash_bytes(alg)

    def verify(self, alg: str, signing_input: bytes, signature: bytes) -> bool:
        return verify_signature(self.public, alg, signing_input, signature)


def load_key_set(jwks: dict) -> list[Jwk]:
    """Classify every key and reject a set that mixes secrets and public keys or repeats a kid."""
    keys = [classify_jwk(raw) for raw in jwks["keys"]]
    signature_keys = [key for key in keys if key.status != "skipped"]

    kinds = {key.raw["kty"] == "oct" for key in signature_keys}
    if len(kinds) > 1:
        raise Rejected("invalid_key")
    kids = [key.kid for key in signature_keys if key.kid is not None]
    if len(kids) != len(set(kids)):
        raise Rejected("invalid_key")
    return keys


def classify_jwk(raw: dict) -> Jwk:
    kty = raw.get("kty")
    use_ok = raw.get("use", "sig") == "sig"
    ops_ok = "key_ops" not in raw or "verify" in raw["key_ops"]
    alg_ok = "alg" not in raw or raw["alg"] in SUPPORTED_ALGORITHMS
    if not (use_ok and ops_ok and alg_ok):
        return Jwk(raw, "skipped", frozenset())

    if kty == "RSA":
        return classify_rsa(raw)
    if kty == "EC":
        return classify_ec(raw)
    if kty == "OKP":
        return classify_okp(raw)
    if kty == "oct":
        return classify_oct(raw)
    return Jwk(raw, "skipped", frozenset())


def classify_rsa(raw: dict) -> Jwk:
    algorithms = frozenset(a for a in SUPPORTED_ALGORITHMS if a[:2] in ("RS", "PS"))
    n = decode_key_integer(raw, "n")
    e = decode_key_integer(raw, "e")
    if n is None or e is None:
        return Jwk(raw, "invalid", algorithms)
    if not RSA_MIN_BITS <= n.bit_length() <= RSA_MAX_BITS or e < 3 or e % 2 == 0:
        return Jwk(raw, "weak", algorithms)
    return Jwk(raw, "usable", algorithms, rsa.RSAPublicNumbers(e, n).public_key())


def classify_ec(raw: dict) -> Jwk:
    crv = raw.get("crv")
    if crv is None:
        return Jwk(raw, "invalid", frozenset({"ES256", "ES384"}))
    if crv not in EC_CURVES:
        return Jwk(raw, "skipped", frozenset())

    curve, alg, size = EC_CURVES[crv]
    x = decode_key_bytes(raw, "x")
    y = decode_key_bytes(raw, "y")
    if x is None or y is None or len(x) != size or len(y) != size:
        return Jwk(raw, "invalid", frozenset({alg}))
    numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(x), int.from_bytes(y), curve)
    try:
        public = numbers.public_key()
    except ValueError:
        return Jwk(raw, "invalid", frozenset({alg}))
    return Jwk(raw, "usable", frozenset({alg}), public)


def classify_okp(raw: dict) -> Jwk:
    if raw.get("crv") != "Ed25519":
        return Jwk(raw, "skipped", frozenset())
    algorithms = frozenset({"EdDSA", "Ed25519"})
    x = decode_key_bytes(raw, "x")
    if x is None or len(x) != 32:
        return Jwk(raw, "invalid", algorithms)
    return Jwk(raw, "usable", algorithms, ed25519.Ed25519PublicKey.from_public_bytes(x))


def classify_oct(raw: dict) -> Jwk:
    algorithms = frozenset({"HS256", "HS384", "HS512"})
    secret = decode_key_bytes(raw, "k")
    if secret is None:
        return Jwk(raw, "invalid", algorithms)
    key = Jwk(raw, "usable", algorithms, secret)
    if "alg" in raw and key.too_short_for(raw["alg"]):
        key.status = "weak"
    return key


def decode_key_bytes(raw: dict, name: str) -> bytes | None:
    value = raw.get(name)
    if not isinstance(value, str):
        return None
    try:
        return decode_base64url(value)
    except (Rejected, binascii.Error):
        return None


def decode_key_integer(raw: dict, name: str) -> int | None:
    data = decode_key_bytes(raw, name)
    return None if not data else int.from_bytes(data)


def select_keys(keys: list[Jwk], header: dict) -> list[Jwk]:
    """Return the keys that may verify the token, or raise why none may."""
    alg = header["alg"]
    if "kid" in header:
        named = [key for key in keys if key.kid == header["kid"]]
        if not named:
            raise Rejected("unknown_kid")
    else:
        named = keys

    fitting = [key for key in named if key.fits(alg)]
    sound = [
        key for key in fitting if key.status == "usable" and not key.too_short_for(alg)
    ]
    if sound:
        return sound
    if any(key.status == "weak" or key.status == "usable" for key in fitting):
        raise Rejected("weak_key")
    if any(key.status == "invalid" for key in fitting):
        raise Rejected("invalid_key")
    raise Rejected("key_mismatch")


def hash_bytes(alg: str) -> int:
    return int(alg[-3:]) // 8


def verify_signature(
    public: Any, alg: str, signing_input: bytes, signature: bytes
) -> bool:
    """Verify a JWS signature with a public key object or an HMAC secret (bytes)."""
    if alg.startswith("HS"):
        expected = hmac.new(public, signing_input, HMAC_DIGESTS[alg[2:]]).digest()
        return hmac.compare_digest(expected, signature)

    try:
        if alg in ("EdDSA", "Ed25519"):
            if (
                len(signature) != 64
                or int.from_bytes(signature[32:], "little") >= ED25519_ORDER
            ):
                return False
            public.verify(signature, signing_input)
        elif alg.startswith("ES"):
            return verify_ecdsa(public, alg, signing_input, signature)
        else:
            if len(signature) != (public.key_size + 7) // 8:
                return False
            hash_algorithm = HASHES[alg[2:]]()
            if alg.startswith("PS"):
                mgf = padding.MGF1(hash_algorithm)
                scheme = padding.PSS(mgf=mgf, salt_length=hash_algorithm.digest_size)
            else:
                scheme = padding.PKCS1v15()
            public.verify(signature, signing_input, scheme, hash_algorithm)
    except InvalidSignature:
        return False
    return True


def verify_ecdsa(public: Any, alg: str, signing_input: bytes, signature: bytes) -> bool:
    # JWS carries ECDSA signatures as fixed-width R || S (RFC 7518), not DER.
    size = (public.curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        return False
    r = int.from_bytes(signature[:size])
    s = int.from_bytes(signature[size:])
    # ES512 has no listed order because generate.py only signs with it. OpenSSL checks its range.
    order = EC_ORDERS.get(alg, 2 ** (8 * size))
    if not (1 <= r < order and 1 <= s < order):
        return False
    try:
        public.verify(
            encode_dss_signature(r, s), signing_input, ec.ECDSA(HASHES[alg[2:]]())
        )
    except InvalidSignature:
        return False
    return True


def check_claims(payload: dict, policy: dict) -> None:
    """Check the payload's registered claims, required claims and scopes against `policy`."""
    now = policy["now"]
    leeway = policy["leeway"]
    exp = numeric_date(payload, "exp")
    nbf = numeric_date(payload, "nbf")
    iat = numeric_date(payload, "iat")
    scope = payload.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise Rejected("invalid_claim")

    if exp is None:
        raise Rejected("missing_claim")
    if now >= exp + leeway:
        raise Rejected("expired")
    if nbf is not None and now < nbf - leeway:
        raise Rejected("not_yet_valid")
    if iat is not None and iat > now + leeway:
        raise Rejected("issued_in_future")

    check_issuer(payload, policy["issuer"])
    check_audience(payload, policy["audience"])

    required = list(policy["required_claims"])
    if policy["typ"] is not None:
        required += PROFILE_CLAIMS
    if any(payload.get(name) is None for name in required):
        raise Rejected("missing_claim")

    check_scopes(payload, policy["required_scopes"])


def numeric_date(payload: dict, name: str) -> Fraction | None:
    """Return the claim as an exact number, None when absent or null (RFC 7519 NumericDate)."""
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Rejected("invalid_claim")
    if isinstance(value, float) and not math.isfinite(value):
        raise Rejected("invalid_claim")
    if not SIGNED_INT64[0] <= value <= SIGNED_INT64[1]:
        raise Rejected("invalid_claim")
    return Fraction(value)


def check_issuer(payload: dict, issuer: str) -> None:
    iss = payload.get("iss")
    if iss is None:
        raise Rejected("missing_claim")
    if not isinstance(iss, str):
        raise Rejected("invalid_claim")
    if iss != issuer:
        raise Rejected("wrong_issuer")


def check_audience(payload: dict, audience: str) -> None:
    aud = payload.get("aud")
    if aud is None:
        raise Rejected("missing_claim")
    if isinstance(aud, str):
        aud = [aud]
    if not isinstance(aud, list) or not all(isinstance(member, str) for member in aud):
        raise Rejected("invalid_claim")
    if audience not in aud:
        raise Rejected("wrong_audience")


def check_scopes(payload: dict, required_scopes: list[str]) -> None:
    if not required_scopes:
        return
    scope = payload.get("scope")
    if not isinstance(scope, str):
        raise Rejected("insufficient_scope")
    granted = set(scope.split(" "))
    if not all(name in granted for name in required_scopes):
        raise Rejected("insufficient_scope")
