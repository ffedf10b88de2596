"""Agreement with PyJWT on valid tokens and on hostile cases where both check the same rule.

Both libraries read the system clock here, because PyJWT takes no ``now``; tokens
are made relative to the current time with margins far wider than a test run.

Deliberate differences, each with a test below:

- ``typ``: tokenguard requires ``at+jwt`` by default (RFC 9068 section 4,
  RFC 8725 section 3.11); PyJWT ignores ``typ``.
- ``cnf``: tokenguard rejects a token bound to a key (RFC 7800), because a bearer
  check cannot prove possession; PyJWT accepts it.
- Duplicate claim names: tokenguard rejects the payload as malformed (RFC 8725
  section 3.2 asks for strict parsing); PyJWT's ``json.loads`` keeps the last value.
- ``exp``: tokenguard always requires it; PyJWT only with ``require=["exp"]``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Callable

import jwt
import pytest
from conftest import ASYMMETRIC, AUDIENCE, ISSUER, SigningKey, claims

import tokenguard
from tokenguard import TokenError, Validator

LEEWAY = 30


def live(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return claims(**{"iat": now - 60, "exp": now + 3600, **overrides})


def pyjwt_decode(
    token: str, key: SigningKey, require: tuple[str, ...] = ("exp",)
) -> dict[str, Any]:
    verifying_key = key.private if key.alg == "HS256" else jwt.PyJWK(key.public_jwk).key
    algorithms = ["HS256"] if key.alg == "HS256" else ASYMMETRIC
    return jwt.decode(
        token,
        verifying_key,
        algorithms=algorithms,
        audience=AUDIENCE,
        issuer=ISSUER,
        leeway=LEEWAY,
        options={"require": list(require)},
    )


def tokenguard_validator(key: SigningKey, **options: Any) -> Validator:
    if key.alg == "HS256":
        return Validator(
            hmac_secrets=[(key.kid, "HS256", key.private)],
            issuers=ISSUER,
            audiences=AUDIENCE,
            leeway=LEEWAY,
            **options,
        )
    return Validator(
        {"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE, leeway=LEEWAY, **options
    )


@pytest.mark.parametrize("alg", ["HS256", *ASYMMETRIC])
def test_valid_tokens_agree(keys: dict[str, SigningKey], alg: str):
    key = keys[alg]
    token = key.sign(live(extra={"nested": [1, 2.5, None, True]}))
    expected = pyjwt_decode(token, key)
    verified = tokenguard_validator(key).validate(token)
    assert dict(verified.claims) == expected
    assert verified.header == jwt.get_unverified_header(token)


def flip_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 1
    return f"{head}.{payload}." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def swap_payload(token: str) -> str:
    head, _, signature = token.split(".")
    payload = base64.urlsafe_b64encode(json.dumps(live(sub="admin")).encode()).rstrip(b"=")
    return f"{head}.{payload.decode()}.{signature}"


def unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"at+jwt"}').rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


def now() -> int:
    return int(time.time())


# Each row: id, claims, header overrides, token mutation, PyJWT error, tokenguard error.
HOSTILE: list[tuple[str, Callable[[], dict[str, Any]], dict[str, Any], Any, Any, Any]] = [
    (
        "expired",
        lambda: live(exp=now() - LEEWAY - 60),
        {},
        None,
        jwt.ExpiredSignatureError,
        tokenguard.ExpiredToken,
    ),
    (
        "not-yet-valid",
        lambda: live(nbf=now() + LEEWAY + 600),
        {},
        None,
        jwt.ImmatureSignatureError,
        tokenguard.NotYetValid,
    ),
    (
        "issued-in-future",
        lambda: live(iat=now() + LEEWAY + 600),
        {},
        None,
        jwt.ImmatureSignatureError,
        tokenguard.IssuedInFuture,
    ),
    (
        "wrong-issuer",
        lambda: live(iss="https://evil.example"),
        {},
        None,
        jwt.InvalidIssuerError,
        tokenguard.WrongIssuer,
    ),
    (
        "wrong-audience",
        lambda: live(aud="https://other.example"),
        {},
        None,
        jwt.InvalidAudienceError,
        tokenguard.WrongAudience,
    ),
    (
        "audience-list-miss",
        lambda: live(aud=["a", "b"]),
        {},
        None,
        jwt.InvalidAudienceError,
        tokenguard.WrongAudience,
    ),
    (
        "audience-missing",
        lambda: live(aud=None),
        {},
        None,
        jwt.MissingRequiredClaimError,
        tokenguard.MissingClaim,
    ),
    (
        "exp-missing",
        lambda: live(exp=None),
        {},
        None,
        jwt.MissingRequiredClaimError,
        tokenguard.MissingClaim,
    ),
    (
        "exp-string",
        lambda: live(exp="tomorrow"),
        {},
        None,
        jwt.DecodeError,
        tokenguard.InvalidClaim,
    ),
    ("bad-signature", live, {}, flip_signature, jwt.InvalidSignatureError, tokenguard.BadSignature),
    ("swapped-payload", live, {}, swap_payload, jwt.InvalidSignatureError, tokenguard.BadSignature),
    ("alg-none", live, {}, unsigned, jwt.InvalidAlgorithmError, tokenguard.UnsupportedAlgorithm),
    (
        "two-segments",
        live,
        {},
        lambda t: t.rsplit(".", 1)[0],
        jwt.DecodeError,
        tokenguard.Malformed,
    ),
    ("bad-base64", live, {}, lambda t: "!" + t, jwt.DecodeError, tokenguard.Malformed),
]


@pytest.mark.parametrize("alg", ["HS256", "RS256", "PS256", "ES256", "EdDSA"])
@pytest.mark.parametrize(
    ("make_claims", "header", "mutate", "pyjwt_error", "tokenguard_error"),
    [row[1:] for row in HOSTILE],
    ids=[row[0] for row in HOSTILE],
)
def test_hostile_cases_agree(
    keys: dict[str, SigningKey],
    alg: str,
    make_claims: Callable[[], dict[str, Any]],
    header: dict[str, Any],
    mutate: Any,
    pyjwt_error: Any,
    tokenguard_error: Any,
):
    key = keys[alg]
    token = key.sign(make_claims(), **header)
    if mutate is not None:
        token = mutate(token)
    with pytest.raises(pyjwt_error):
        pyjwt_decode(token, key)
    with pytest.raises(tokenguard_error):
        tokenguard_validator(key).validate(token)


def test_algorithm_confusion_agrees(keys: dict[str, SigningKey]):
    # An HS256 token MACed with the RSA public key's JWK text must fail in both.
    rsa = keys["RS256"]
    secret = json.dumps(rsa.public_jwk).encode()
    header = {"alg": "HS256", "typ": "at+jwt", "kid": rsa.kid}
    signing_input = ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
        for part in (header, live())
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidAlgorithmError):
        pyjwt_decode(token, rsa)
    with pytest.raises(tokenguard.UnsupportedAlgorithm):
        tokenguard_validator(rsa).validate(token)


def test_difference_typ(keys: dict[str, SigningKey]):
    key = keys["ES256"]
    token = key.sign(live(), typ="JWT")
    assert pyjwt_decode(token, key)["sub"] == "user-1"
    with pytest.raises(tokenguard.WrongType):
        tokenguard_validator(key).validate(token)
    assert tokenguard_validator(key, typ="jwt").validate(token).subject == "user-1"


def test_difference_cnf(keys: dict[str, SigningKey]):
    key = keys["ES256"]
    token = key.sign(live(cnf={"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}))
    assert "cnf" in pyjwt_decode(token, key)
    with pytest.raises(tokenguard.ProofRequired):
        tokenguard_validator(key).validate(token)


def test_difference_duplicate_claims(keys: dict[str, SigningKey]):
    from test_errors import jwt_with_raw_payload

    key = keys["ES256"]
    payload = json.dumps(live(sub="user-1"))[:-1] + ', "sub": "admin"}'
    token = jwt_with_raw_payload(key, payload.encode())
    assert pyjwt_decode(token, key)["sub"] == "admin"
    with pytest.raises(tokenguard.Malformed):
        tokenguard_validator(key).validate(token)


def test_difference_exp_required(keys: dict[str, SigningKey]):
    key = keys["ES256"]
    token = key.sign(live(exp=None))
    assert pyjwt_decode(token, key, require=())["sub"] == "user-1"
    with pytest.raises(tokenguard.MissingClaim):
        tokenguard_validator(key).validate(token)


def test_errors_are_token_errors(keys: dict[str, SigningKey]):
    for row in HOSTILE:
        assert issubclass(row[5], TokenError)
