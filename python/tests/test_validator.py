"""The Validator: results, policy options, key sets and configuration errors."""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import sys
import types
from typing import Any

import pytest
from conftest import (
    ASYMMETRIC,
    AUDIENCE,
    ISSUER,
    NOW,
    SigningKey,
    claims,
    jwks,
    jwks_text,
    make_key,
)

import tokenguard
from tokenguard import Validator


def validator(public_jwks: Any, **options: Any) -> Validator:
    return Validator(public_jwks, issuers=[ISSUER], audiences=[AUDIENCE], **options)


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_valid_token_per_algorithm(keys: dict[str, SigningKey], public_jwks: Any, alg: str):
    token = keys[alg].sign(claims())
    verified = validator(public_jwks).validate(token, now=NOW)
    assert verified.subject == "user-1"
    assert verified.header["alg"] == alg
    assert verified.header["kid"] == keys[alg].kid


def test_hmac_secret(keys: dict[str, SigningKey]):
    key = keys["HS256"]
    hs = Validator(
        hmac_secrets=[(key.kid, "HS256", key.private)], issuers=ISSUER, audiences=AUDIENCE
    )
    assert hs.validate(key.sign(claims()), now=NOW).subject == "user-1"


def test_hmac_secret_not_allowed_by_default(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["HS256"].sign(claims())
    with pytest.raises(tokenguard.UnsupportedAlgorithm):
        validator(public_jwks).validate(token, now=NOW)


def test_verified_token_fields(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["ES256"].sign(claims(aud=[AUDIENCE, "other"]))
    verified = validator(public_jwks).validate(token.encode(), now=NOW)
    assert verified.issuer == ISSUER
    assert verified.client_id == "client-1"
    assert verified.audiences == (AUDIENCE, "other")
    assert verified.scopes == ("orders:read", "orders:write")
    assert verified.has_scope("orders:read")
    assert not verified.has_scope("orders")
    assert not verified.has_scope(42)  # type: ignore[arg-type]
    assert verified.expires_at == datetime.datetime.fromtimestamp(NOW + 600, datetime.timezone.utc)
    assert verified.expires_at.tzinfo is not None
    assert json.loads(verified.raw_payload) == dict(verified.claims)
    assert "user-1" in repr(verified)
    assert token not in repr(verified)


def test_claims_and_header_read_only(keys: dict[str, SigningKey], public_jwks: Any):
    verified = validator(public_jwks).validate(keys["ES256"].sign(claims()), now=NOW)
    assert isinstance(verified.claims, types.MappingProxyType)
    assert isinstance(verified.header, types.MappingProxyType)
    with pytest.raises(TypeError):
        verified.claims["sub"] = "admin"  # type: ignore[index]
    with pytest.raises(AttributeError):
        verified.subject = "admin"  # type: ignore[misc]


def test_verified_token_values_cached(keys: dict[str, SigningKey], public_jwks: Any):
    verified = validator(public_jwks).validate(keys["ES256"].sign(claims()), now=NOW)
    for name in ("claims", "header", "audiences", "scopes", "expires_at", "raw_payload"):
        assert getattr(verified, name) is getattr(verified, name), name


def test_verified_token_read_from_threads(keys: dict[str, SigningKey], public_jwks: Any):
    # Every thread reading a fresh token's claims gets the one cached mapping.
    verified = validator(public_jwks).validate(keys["ES256"].sign(claims()), now=NOW)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: (verified.claims, verified.expires_at), range(64)))
    assert len({id(claims_read) for claims_read, _ in results}) == 1
    assert len({id(expires_at) for _, expires_at in results}) == 1
    assert results[0][0]["sub"] == "user-1"


@pytest.mark.skipif(
    not hasattr(sys, "get_int_max_str_digits"), reason="Python without an integer digit limit"
)
def test_overlong_integer_rejected_at_validation(keys: dict[str, SigningKey], public_jwks: Any):
    # Python refuses to convert an integer of more digits than its limit (4300 by
    # default), so such a claim fails the validation, not a later `claims` read.
    digits = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        token = keys["ES256"].sign(claims(big=10**5000))
    finally:
        sys.set_int_max_str_digits(digits)
    with pytest.raises(tokenguard.Malformed):
        validator(public_jwks).validate(token, now=NOW)


def test_escaped_claims_unescaped(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["ES256"].sign(claims(sub='caf\u00e9 "x"', scope="a\u0020b"))
    verified = validator(public_jwks).validate(token, now=NOW)
    assert verified.subject == 'caf\u00e9 "x"'
    assert verified.scopes == ("a", "b")


def test_fractional_exp(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["ES256"].sign(claims(exp=NOW + 0.5))
    verified = validator(public_jwks, leeway=0).validate(token, now=NOW)
    assert verified.expires_at.timestamp() == NOW + 0.5


def test_far_future_exp_clamped(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["ES256"].sign(claims(exp=10**18))
    verified = validator(public_jwks).validate(token, now=NOW)
    assert verified.expires_at.year == 9999
    assert verified.expires_at.tzinfo is not None


def test_validate_header(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["EdDSA"].sign(claims())
    v = validator(public_jwks)
    assert v.validate_header(f"Bearer {token}", now=NOW).subject == "user-1"
    assert v.validate_header(f"bearer   {token}".encode(), now=NOW).subject == "user-1"


@pytest.mark.parametrize(
    ("value", "error", "status"),
    [
        ("Basic dXNlcjpwYXNz", None, 401),
        ("Bearer", "invalid_request", 400),
        ("Bearer a b", "invalid_request", 400),
        ("DPoP abc", "invalid_request", 400),
    ],
)
def test_validate_header_rejects(public_jwks: Any, value: str, error: str | None, status: int):
    with pytest.raises(tokenguard.Malformed) as caught:
        validator(public_jwks).validate_header(value, now=NOW)
    assert caught.value.error == error
    assert caught.value.status == status


def test_now_defaults_to_clock(keys: dict[str, SigningKey], public_jwks: Any):
    now = tokenguard.unix_now()
    token = keys["ES256"].sign(claims(iat=now, exp=now + 60))
    assert validator(public_jwks).validate(token).subject == "user-1"
    with pytest.raises(tokenguard.ExpiredToken):
        validator(public_jwks).validate(keys["ES256"].sign(claims()))


def test_now_as_float(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["ES256"].sign(claims(exp=NOW + 1))
    v = validator(public_jwks, leeway=0)
    assert v.validate(token, now=NOW + 0.9).subject == "user-1"
    with pytest.raises(tokenguard.ExpiredToken):
        v.validate(token, now=float(NOW + 1))


# Each row: id, options, claim overrides, header overrides, expected error or None.
POLICY_CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], Any]] = [
    ("leeway-inside", {"leeway": 30}, {"exp": NOW - 29}, {}, None),
    ("leeway-outside", {"leeway": 30}, {"exp": NOW - 30}, {}, tokenguard.ExpiredToken),
    ("leeway-zero", {"leeway": 0}, {"exp": NOW}, {}, tokenguard.ExpiredToken),
    ("nbf-future", {}, {"nbf": NOW + 31}, {}, tokenguard.NotYetValid),
    ("iat-future", {}, {"iat": NOW + 31}, {}, tokenguard.IssuedInFuture),
    ("max-age-ok", {"max_age": 120}, {"iat": NOW - 100}, {}, None),
    ("max-age-old", {"max_age": 60}, {"iat": NOW - 100}, {}, tokenguard.ExpiredToken),
    ("max-age-no-iat", {"max_age": 60}, {"iat": None}, {}, tokenguard.MissingClaim),
    ("exp-missing", {}, {"exp": None}, {}, tokenguard.MissingClaim),
    ("exp-string", {}, {"exp": "soon"}, {}, tokenguard.InvalidClaim),
    ("wrong-issuer", {}, {"iss": "https://evil.example"}, {}, tokenguard.WrongIssuer),
    ("wrong-audience", {}, {"aud": "https://other.example"}, {}, tokenguard.WrongAudience),
    ("typ-jwt-rejected", {}, {}, {"typ": "JWT"}, tokenguard.WrongType),
    ("typ-missing-rejected", {}, {}, {"typ": None}, tokenguard.WrongType),
    ("typ-jwt-allowed", {"typ": "jwt"}, {}, {"typ": "JWT"}, None),
    ("typ-missing-jwt", {"typ": "jwt"}, {}, {"typ": None}, None),
    ("typ-any", {"typ": "any"}, {}, {"typ": "dpop+jwt"}, None),
    ("profile-ok", {"profile": "rfc9068"}, {}, {}, None),
    ("profile-no-jti", {"profile": "rfc9068"}, {"jti": None}, {}, tokenguard.MissingClaim),
    ("required-claim", {"required_claims": ["tenant"]}, {}, {}, tokenguard.MissingClaim),
    ("required-present", {"required_claims": ["tenant"]}, {"tenant": "t"}, {}, None),
    ("scope-all-ok", {"required_scopes": ["orders:read", "orders:write"]}, {}, {}, None),
    (
        "scope-all-missing",
        {"required_scopes": ["orders:read", "admin"]},
        {},
        {},
        tokenguard.InsufficientScope,
    ),
    (
        "scope-any",
        {"required_scopes": ["admin", "orders:read"], "scope_match": "any"},
        {},
        {},
        None,
    ),
    (
        "scp-ignored",
        {"required_scopes": ["a"]},
        {"scope": None, "scp": ["a"]},
        {},
        tokenguard.InsufficientScope,
    ),
    (
        "scp-read",
        {"required_scopes": ["a"], "scope_claims": "scope-or-scp"},
        {"scope": None, "scp": ["a"]},
        {},
        None,
    ),
    (
        "hierarchy",
        {"required_scopes": ["orders:read"], "scope_hierarchy": ":"},
        {"scope": "orders"},
        {},
        None,
    ),
    (
        "no-hierarchy",
        {"required_scopes": ["orders:read"]},
        {"scope": "orders"},
        {},
        tokenguard.InsufficientScope,
    ),
    ("cnf-bound", {}, {"cnf": {"jkt": "abc"}}, {}, tokenguard.ProofRequired),
    ("too-large", {"max_token_bytes": 100}, {}, {}, tokenguard.TooLarge),
    ("large-allowed", {"max_token_bytes": 200_000}, {"pad": "x" * 100_000}, {}, None),
    ("large-default", {}, {"pad": "x" * 100_000}, {}, tokenguard.TooLarge),
    ("crit", {}, {}, {"crit": ["exp"], "exp": 1}, tokenguard.UnsupportedCrit),
    ("unknown-kid", {}, {}, {"kid": "nope"}, tokenguard.UnknownKeyId),
    ("alg-not-allowed", {"algorithms": ["RS256"]}, {}, {}, tokenguard.UnsupportedAlgorithm),
]


@pytest.mark.parametrize(
    ("options", "overrides", "header", "expected"),
    [case[1:] for case in POLICY_CASES],
    ids=[case[0] for case in POLICY_CASES],
)
def test_policy_options(
    keys: dict[str, SigningKey],
    public_jwks: Any,
    options: dict[str, Any],
    overrides: dict[str, Any],
    header: dict[str, Any],
    expected: Any,
):
    token = keys["ES256"].sign(claims(**overrides), **header)
    v = validator(public_jwks, **options)
    if expected is None:
        assert v.validate(token, now=NOW).subject == "user-1"
    else:
        with pytest.raises(expected):
            v.validate(token, now=NOW)


def test_scp_string_scopes(keys: dict[str, SigningKey], public_jwks: Any):
    token = keys["ES256"].sign(claims(scope=None, scp="a b"))
    verified = validator(public_jwks, scope_claims="scope-or-scp").validate(token, now=NOW)
    assert verified.scopes == ("a", "b")


CONFIG_CASES: list[tuple[str, dict[str, Any]]] = [
    ("no-issuer", {"issuers": []}),
    ("empty-issuer", {"issuers": [""]}),
    ("issuer-int", {"issuers": 5}),
    ("no-audience", {"audiences": []}),
    ("leeway-negative", {"leeway": -1}),
    ("leeway-too-large", {"leeway": 301}),
    ("leeway-float", {"leeway": 1.5}),
    ("leeway-bool", {"leeway": True}),
    ("leeway-huge", {"leeway": 10**30}),
    ("max-age-negative", {"max_age": -5}),
    ("typ-unknown", {"typ": "JWT"}),
    ("profile-unknown", {"profile": "rfc7519"}),
    ("profile-typ-conflict", {"profile": "rfc9068", "typ": "jwt"}),
    ("algorithm-unknown", {"algorithms": ["XS256"]}),
    ("algorithm-none", {"algorithms": ["none"]}),
    ("algorithm-es512", {"algorithms": ["ES512"]}),
    ("algorithms-empty", {"algorithms": []}),
    ("scope-with-space", {"required_scopes": ["a b"]}),
    ("scope-match-unknown", {"scope_match": "some"}),
    ("scope-claims-unknown", {"scope_claims": "scp"}),
    ("hierarchy-space", {"scope_hierarchy": " "}),
    ("hierarchy-long", {"scope_hierarchy": "::"}),
    ("claim-too-long", {"required_claims": ["x" * 65]}),
    ("max-token-bytes-zero", {"max_token_bytes": 0}),
    ("max-token-bytes-huge", {"max_token_bytes": 2**21}),
]


@pytest.mark.parametrize(
    "overrides", [c[1] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_invalid_config(public_jwks: Any, overrides: dict[str, Any]):
    options: dict[str, Any] = {"issuers": [ISSUER], "audiences": [AUDIENCE], **overrides}
    with pytest.raises(tokenguard.InvalidConfig) as caught:
        Validator(public_jwks, **options)
    assert caught.value.code == 400
    assert caught.value.status == 500
    assert caught.value.error is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (None, tokenguard.InvalidConfig),
        (42, tokenguard.InvalidConfig),
        ("not json", tokenguard.Malformed),
        (b"\xff\xfe", tokenguard.Malformed),
        ({"keys": "x"}, tokenguard.Malformed),
        (
            {"keys": [{"kty": "oct", "k": "c2VjcmV0"}, {"kty": "OKP", "crv": "Ed25519", "x": "a"}]},
            tokenguard.InvalidKey,
        ),
        (
            {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}]},
            tokenguard.InvalidKey,
        ),
    ],
)
def test_invalid_key_sets(source: Any, expected: Any):
    with pytest.raises(expected):
        Validator(source, issuers=ISSUER, audiences=AUDIENCE)


def test_jwks_and_hmac_exclusive(keys: dict[str, SigningKey], public_jwks: Any):
    secret = [(None, "HS256", keys["HS256"].private)]
    with pytest.raises(tokenguard.InvalidConfig):
        Validator(public_jwks, hmac_secrets=secret, issuers=ISSUER, audiences=AUDIENCE)


@pytest.mark.parametrize(
    ("secrets", "expected"),
    [
        ([], tokenguard.InvalidConfig),
        ("secret", tokenguard.InvalidConfig),
        ([("k", "HS256", "text-not-bytes")], tokenguard.InvalidConfig),
        ([("k", "RS256", b"x" * 32)], tokenguard.KeyMismatch),
        ([("k", "HS256", b"short")], tokenguard.WeakKey),
        ([("k", "HS999", b"x" * 32)], tokenguard.InvalidConfig),
    ],
)
def test_invalid_hmac_secrets(secrets: Any, expected: Any):
    with pytest.raises(expected):
        Validator(hmac_secrets=secrets, issuers=ISSUER, audiences=AUDIENCE)


def test_jwks_forms_agree(keys: dict[str, SigningKey]):
    token = keys["ES256"].sign(claims())
    for source in (
        jwks(keys["ES256"]),
        jwks_text(keys["ES256"]),
        jwks_text(keys["ES256"]).encode(),
    ):
        v = Validator(source, issuers=ISSUER, audiences=AUDIENCE)
        assert v.validate(token, now=NOW).subject == "user-1"


def test_set_jwks_rotates(keys: dict[str, SigningKey]):
    old, new = keys["ES256"], make_key("ES256")
    v = Validator(jwks(old), issuers=ISSUER, audiences=AUDIENCE)
    assert v.key_ids == (old.kid,)
    v.set_jwks(jwks(new))
    assert v.key_ids == (new.kid,)
    assert v.validate(new.sign(claims()), now=NOW).subject == "user-1"
    with pytest.raises(tokenguard.UnknownKeyId):
        v.validate(old.sign(claims()), now=NOW)


def test_set_jwks_failure_keeps_keys(keys: dict[str, SigningKey]):
    v = Validator(jwks(keys["ES256"]), issuers=ISSUER, audiences=AUDIENCE)
    with pytest.raises(tokenguard.Malformed):
        v.set_jwks("{")
    assert v.key_ids == (keys["ES256"].kid,)


def test_set_jwks_keeps_policy(keys: dict[str, SigningKey]):
    v = Validator(jwks(keys["ES256"]), issuers=ISSUER, audiences=AUDIENCE, required_scopes=["x"])
    v.set_jwks(jwks(keys["ES256"]))
    with pytest.raises(tokenguard.InsufficientScope):
        v.validate(keys["ES256"].sign(claims()), now=NOW)


def test_rejected_keys_listed(keys: dict[str, SigningKey]):
    weak = {"kty": "RSA", "kid": "weak", "n": "AQAB" * 40, "e": "AQAB"}
    v = Validator({"keys": [keys["ES256"].public_jwk, weak]}, issuers=ISSUER, audiences=AUDIENCE)
    assert v.key_ids == (keys["ES256"].kid,)
    assert [kid for kid, _ in v.rejected_keys] == ["weak"]


def test_validator_is_immutable(public_jwks: Any):
    v = validator(public_jwks)
    with pytest.raises(AttributeError):
        v.leeway = 300  # type: ignore[attr-defined]
    assert "keys" in repr(v)
