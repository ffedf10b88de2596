"""The native introspection checks and the in-process RevocationList."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from conftest import AUDIENCE, ISSUER, NOW, SigningKey

import tokenguard
from tokenguard import RevocationList, Validator, VerifiedToken

VALIDATOR = Validator({"keys": []}, issuers=ISSUER, audiences=AUDIENCE)


def response(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "active": True,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": NOW + 600,
        "iat": NOW - 60,
        "sub": "user-1",
        "jti": "jti-1",
        "scope": "a b",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


def token(**overrides: Any) -> VerifiedToken:
    return VALIDATOR.validate_introspection(json.dumps(response(**overrides)), now=NOW)


# ---- validate_introspection and validate_signed_introspection ----


def test_introspection_response_accepted():
    verified = VALIDATOR.validate_introspection(json.dumps(response()).encode(), now=NOW)
    assert verified.header is None
    assert verified.subject == "user-1"
    assert verified.scopes == ("a", "b")
    assert json.loads(verified.raw_payload)["active"] is True


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"active": false}', tokenguard.Inactive),
        ('{"active": "true"}', tokenguard.Malformed),
        ("{}", tokenguard.Malformed),
        ("[]", tokenguard.Malformed),
        (json.dumps(response(iss=None)), tokenguard.MissingClaim),
        (json.dumps(response(aud="https://other.example.com")), tokenguard.WrongAudience),
        (json.dumps(response(exp=NOW - 3600)), tokenguard.ExpiredToken),
        (json.dumps(response(token_type=5)), tokenguard.InvalidClaim),
        (b"\xff", tokenguard.Malformed),
        (5, tokenguard.Malformed),
    ],
    ids=[
        "inactive",
        "active-string",
        "no-active",
        "array",
        "no-iss",
        "wrong-aud",
        "expired",
        "token-type-int",
        "not-utf8",
        "int",
    ],
)
def test_introspection_response_rejected(body: Any, error: Any):
    with pytest.raises(error):
        VALIDATOR.validate_introspection(body, now=NOW)


def test_inactive_error_fields():
    with pytest.raises(tokenguard.Inactive) as caught:
        VALIDATOR.validate_introspection('{"active": false}', now=NOW)
    assert (caught.value.code, caught.value.error, caught.value.status) == (
        310,
        "invalid_token",
        401,
    )


def test_introspection_response_too_large():
    small = Validator({"keys": []}, issuers=ISSUER, audiences=AUDIENCE, max_token_bytes=64)
    assert small.max_token_bytes == 64
    with pytest.raises(tokenguard.TooLarge):
        small.validate_introspection(json.dumps(response()), now=NOW)


def signed(key: SigningKey, inner: Any, typ: str = "token-introspection+jwt", **outer: Any) -> str:
    claims = {"iss": ISSUER, "aud": "api-client", "iat": NOW, "token_introspection": inner}
    claims.update(outer)
    return jwt.encode(claims, key.private, algorithm=key.alg, headers={"kid": key.kid, "typ": typ})


@pytest.fixture
def signed_validator(public_jwks: Any) -> Validator:
    return Validator(
        public_jwks,
        issuers=ISSUER,
        audiences=AUDIENCE,
        introspection_audience="api-client",
        introspection_max_age=120,
    )


def test_signed_introspection(signed_validator: Validator, keys: dict[str, SigningKey]):
    assert signed_validator.introspection_audience == "api-client"
    verified = signed_validator.validate_signed_introspection(
        signed(keys["RS256"], response()), now=NOW
    )
    assert verified.subject == "user-1"
    assert verified.header is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"typ": "JWT"}, tokenguard.WrongType),
        ({"aud": "other-client"}, tokenguard.WrongAudience),
        ({"iss": "https://evil.example.com"}, tokenguard.WrongIssuer),
        ({"iat": NOW - 121 - 30}, tokenguard.ExpiredToken),
        ({"iat": NOW + 3600}, tokenguard.IssuedInFuture),
        ({"inner": {"active": False}}, tokenguard.Inactive),
        ({"inner": "active"}, tokenguard.Malformed),
    ],
    ids=["typ", "aud", "iss", "too-old", "future", "inactive", "inner-not-object"],
)
def test_signed_introspection_rejected(
    signed_validator: Validator, keys: dict[str, SigningKey], change: dict[str, Any], error: Any
):
    inner = change.pop("inner", response())
    typ = change.pop("typ", "token-introspection+jwt")
    body = signed(keys["ES256"], inner, typ=typ, **change)
    with pytest.raises(error):
        signed_validator.validate_signed_introspection(body, now=NOW)


def test_signed_introspection_needs_audience(keys: dict[str, SigningKey], public_jwks: Any):
    validator = Validator(public_jwks, issuers=ISSUER, audiences=AUDIENCE)
    assert validator.introspection_audience is None
    with pytest.raises(tokenguard.InvalidConfig, match="introspection_audience"):
        validator.validate_signed_introspection(signed(keys["ES256"], response()), now=NOW)


# ---- RevocationList ----


def test_revoke_and_check():
    revocations = RevocationList(max_tokens=4, max_subjects=4)
    revocations.revoke(ISSUER, "jti-1", NOW + 600, now=NOW)
    with pytest.raises(tokenguard.Revoked) as caught:
        revocations.check(token())
    assert caught.value.code == 311
    assert revocations.is_revoked(token())
    assert not revocations.is_revoked(token(jti="jti-2"))
    assert revocations.token_count == 1
    assert "1 tokens" in repr(revocations)


def test_revoke_token():
    revocations = RevocationList()
    revocations.revoke_token(token(jti="jti-5"), now=NOW)
    assert revocations.is_revoked(token(jti="jti-5"))
    with pytest.raises(tokenguard.MissingClaim):
        revocations.revoke_token(token(jti=None), now=NOW)


def test_revoke_subject_cutoff():
    revocations = RevocationList()
    revocations.revoke_subject(ISSUER, "user-1", NOW - 30, NOW + 3600, now=NOW)
    assert revocations.is_revoked(token(iat=NOW - 60))
    assert revocations.is_revoked(token(iat=NOW - 30))
    assert not revocations.is_revoked(token(iat=NOW - 29))
    assert revocations.is_revoked(token(iat=None)), "a token without iat cannot be after it"
    assert not revocations.is_revoked(token(sub="user-2", iat=NOW - 60))
    assert revocations.subject_count == 1


def test_full_list_raises_and_keeps_entries():
    revocations = RevocationList(max_tokens=1, max_subjects=0)
    revocations.revoke(ISSUER, "jti-1", NOW + 600, now=NOW)
    with pytest.raises(tokenguard.RevocationListFull) as caught:
        revocations.revoke(ISSUER, "jti-2", NOW + 600, now=NOW)
    assert caught.value.status == 500
    assert revocations.is_revoked(token())
    assert not revocations.is_revoked(token(jti="jti-2"))
    with pytest.raises(tokenguard.RevocationListFull):
        revocations.revoke_subject(ISSUER, "user-1", NOW, NOW + 60, now=NOW)


def test_full_list_evicts_expired():
    revocations = RevocationList(max_tokens=1)
    revocations.revoke(ISSUER, "jti-1", NOW, now=NOW)
    # Entries stay 300 s past exp, then make room.
    revocations.revoke(ISSUER, "jti-2", NOW + 1000, now=NOW + 301)
    assert revocations.token_count == 1
    assert revocations.is_revoked(token(jti="jti-2"))


def test_evict_and_clear():
    revocations = RevocationList()
    revocations.revoke(ISSUER, "jti-1", NOW, now=NOW)
    revocations.revoke(ISSUER, "jti-2", NOW + 1000, now=NOW)
    assert revocations.evict_expired(now=NOW + 300) == 0
    assert revocations.evict_expired(now=NOW + 301) == 1
    revocations.clear()
    assert revocations.token_count == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.revoke(5, "jti", NOW),
        lambda r: r.revoke(ISSUER, "jti", "soon"),
        lambda r: r.revoke(ISSUER, "jti", True),
        lambda r: r.revoke(ISSUER, "jti", float("inf")),
        lambda r: r.revoke_subject(ISSUER, "sub", NOW, None),
        lambda r: r.evict_expired(now="now"),
    ],
    ids=["issuer", "exp-string", "exp-bool", "exp-inf", "keep-until", "now"],
)
def test_invalid_arguments(call: Any):
    with pytest.raises(tokenguard.InvalidConfig):
        call(RevocationList())


@pytest.mark.parametrize(
    "options",
    [{"max_tokens": -1}, {"max_tokens": True}, {"max_subjects": 2**22 + 1}, {"max_tokens": "1"}],
)
def test_invalid_capacity(options: Any):
    with pytest.raises(tokenguard.InvalidConfig):
        RevocationList(**options)


def test_check_needs_verified_token():
    with pytest.raises(TypeError):
        RevocationList().check("a.b.c")  # type: ignore[arg-type]
