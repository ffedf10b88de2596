"""The exception hierarchy, WWW-Authenticate values and hostile inputs."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import pytest
from conftest import AUDIENCE, ISSUER, NOW, SigningKey, claims

import tokenguard
from tokenguard import TokenError, Validator

# Each row: class, core name, code, RFC 6750 error, HTTP status.
ERROR_TABLE = [
    (tokenguard.Malformed, "malformed", 100, "invalid_token", 401),
    (tokenguard.TooLarge, "too_large", 101, "invalid_token", 401),
    (tokenguard.UnsupportedAlgorithm, "unsupported_alg", 200, "invalid_token", 401),
    (tokenguard.UnsupportedCrit, "unsupported_crit", 201, "invalid_token", 401),
    (tokenguard.UnknownKeyId, "unknown_kid", 202, "invalid_token", 401),
    (tokenguard.KeyMismatch, "key_mismatch", 203, "invalid_token", 401),
    (tokenguard.WeakKey, "weak_key", 204, "invalid_token", 401),
    (tokenguard.InvalidKey, "invalid_key", 205, "invalid_token", 401),
    (tokenguard.BadSignature, "bad_signature", 206, "invalid_token", 401),
    (tokenguard.KidRequired, "kid_required", 207, "invalid_token", 401),
    (tokenguard.ExpiredToken, "expired", 300, "invalid_token", 401),
    (tokenguard.NotYetValid, "not_yet_valid", 301, "invalid_token", 401),
    (tokenguard.IssuedInFuture, "issued_in_future", 302, "invalid_token", 401),
    (tokenguard.InvalidClaim, "invalid_claim", 303, "invalid_token", 401),
    (tokenguard.MissingClaim, "missing_claim", 304, "invalid_token", 401),
    (tokenguard.WrongIssuer, "wrong_issuer", 305, "invalid_token", 401),
    (tokenguard.WrongAudience, "wrong_audience", 306, "invalid_token", 401),
    (tokenguard.WrongType, "wrong_type", 307, "invalid_token", 401),
    (tokenguard.InsufficientScope, "insufficient_scope", 308, "insufficient_scope", 403),
    (tokenguard.ProofRequired, "proof_required", 309, "invalid_token", 401),
    (tokenguard.Inactive, "inactive", 310, "invalid_token", 401),
    (tokenguard.Revoked, "revoked", 311, "invalid_token", 401),
    (tokenguard.InvalidConfig, "invalid_config", 400, None, 500),
    (tokenguard.RevocationListFull, "revocation_list_full", 500, None, 500),
    (tokenguard.IntrospectionError, "introspection_failed", 600, None, 503),
    (tokenguard.TokenRequestError, "token_request_failed", 601, None, 503),
    (tokenguard.SigningFailed, "signing_failed", 208, None, 500),
    (tokenguard.CertificateMismatch, "certificate_mismatch", 312, "invalid_token", 401),
    (tokenguard.InvalidDpopProof, "invalid_dpop_proof", 313, "invalid_dpop_proof", 401),
    (tokenguard.UseDpopNonce, "use_dpop_nonce", 314, "use_dpop_nonce", 401),
    (tokenguard.Replayed, "replayed", 315, "invalid_token", 401),
    (tokenguard.UnknownClient, "unknown_client", 316, "invalid_token", 401),
    (tokenguard.ReplayCacheFull, "replay_cache_full", 501, None, 500),
]


@pytest.mark.parametrize(("cls", "name", "code", "error", "status"), ERROR_TABLE)
def test_error_class_attributes(cls: Any, name: str, code: int, error: Any, status: int):
    assert issubclass(cls, TokenError)
    assert issubclass(cls, ValueError)
    exception = cls("message")
    assert (exception.name, exception.code, exception.error, exception.status) == (
        name,
        code,
        error,
        status,
    )


def test_every_core_name_has_a_class():
    names = {row[1] for row in ERROR_TABLE}
    assert len(names) == len(ERROR_TABLE)
    exported = {
        getattr(tokenguard, name)
        for name in tokenguard.__all__
        if isinstance(getattr(tokenguard, name), type)
        and issubclass(getattr(tokenguard, name), TokenError)
    }
    assert exported == {row[0] for row in ERROR_TABLE} | {TokenError}


def raised(v: Validator, token: Any, now: Any = NOW) -> TokenError:
    with pytest.raises(TokenError) as caught:
        v.validate(token, now=now)
    return caught.value


@pytest.fixture
def es256(keys: dict[str, SigningKey], public_jwks: Any) -> tuple[SigningKey, Validator]:
    return keys["ES256"], Validator(public_jwks, issuers=ISSUER, audiences=AUDIENCE)


def test_native_error_fields(es256: tuple[SigningKey, Validator]):
    key, v = es256
    error = raised(v, key.sign(claims(exp=NOW - 100)))
    assert type(error) is tokenguard.ExpiredToken
    assert error.code == 300
    assert error.status == 401
    assert "expired" in str(error)


def test_www_authenticate(es256: tuple[SigningKey, Validator]):
    key, v = es256
    error = raised(v, key.sign(claims(exp=NOW - 100)))
    value = error.www_authenticate(realm="api")
    assert value.startswith('Bearer realm="api", error="invalid_token", error_description="')
    scope_error = tokenguard.InsufficientScope("token lacks a required scope")
    assert scope_error.www_authenticate(scope="orders:read") == (
        'Bearer error="insufficient_scope", '
        'error_description="token lacks a required scope", scope="orders:read"'
    )


def test_www_authenticate_without_error_code(es256: tuple[SigningKey, Validator]):
    _, v = es256
    with pytest.raises(tokenguard.Malformed) as caught:
        v.validate_header("Basic abc", now=NOW)
    assert caught.value.www_authenticate(realm="api") == 'Bearer realm="api"'
    assert tokenguard.InvalidConfig("x").www_authenticate() == "Bearer"


def test_www_authenticate_quoting():
    error = tokenguard.BadSignature('bad "quote"\r\nSet-Cookie: x')
    value = error.www_authenticate(realm='a"b', scope="s\nt")
    assert "\r" not in value
    assert "\n" not in value
    assert value == (
        'Bearer realm="a\\"b", error="invalid_token", '
        'error_description="bad ?quote???Set-Cookie: x", scope="s?t"'
    )


def segment(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


HEADER = {"alg": "ES256", "typ": "at+jwt"}

# Each row: id, token, expected class. None of these is signed correctly; the
# point is that every one becomes a TokenError subclass, never a crash.
HOSTILE_TOKENS: list[tuple[str, Any, Any]] = [
    ("empty", "", tokenguard.Malformed),
    ("one-segment", "abc", tokenguard.Malformed),
    ("four-segments", "a.b.c.d", tokenguard.Malformed),
    ("non-utf8-bytes", b"\xff\xfe.\x80.\x00", tokenguard.Malformed),
    ("lone-surrogate-str", "\udc80.a.b", tokenguard.Malformed),
    ("nul-bytes", "\x00.\x00.\x00", tokenguard.Malformed),
    ("padding", segment(HEADER) + "==.e30.AA", tokenguard.Malformed),
    ("header-not-json", segment(b"{") + ".e30.AA", tokenguard.Malformed),
    ("header-array", segment([1]) + ".e30.AA", tokenguard.Malformed),
    ("header-bom", segment(b"\xef\xbb\xbf{}") + ".e30.AA", tokenguard.Malformed),
    ("alg-none", segment({"alg": "none"}) + ".e30.", tokenguard.UnsupportedAlgorithm),
    ("alg-None", segment({"alg": "None"}) + ".e30.", tokenguard.UnsupportedAlgorithm),
    ("alg-int", segment({"alg": 5}) + ".e30.AA", tokenguard.Malformed),
    (
        "duplicate-alg",
        segment(b'{"alg":"ES256","alg":"none"}') + ".e30.AA",
        tokenguard.Malformed,
    ),
    (
        "deep-header",
        segment(b'{"alg":"ES256","x":' + b"[" * 100 + b"]" * 100 + b"}") + ".e30.AA",
        tokenguard.Malformed,
    ),
    ("huge", "a" * 100_000, tokenguard.TooLarge),
    ("bad-signature", segment(HEADER) + "." + segment({"exp": 1}) + ".AAAA", TokenError),
]


@pytest.mark.parametrize(
    ("token", "expected"),
    [row[1:] for row in HOSTILE_TOKENS],
    ids=[row[0] for row in HOSTILE_TOKENS],
)
def test_hostile_tokens(es256: tuple[SigningKey, Validator], token: Any, expected: Any):
    _, v = es256
    assert isinstance(raised(v, token), expected)


@pytest.mark.parametrize("token", [None, 42, 1.5, ["a.b.c"], bytearray(b"a.b.c"), object()])
def test_wrong_token_types(es256: tuple[SigningKey, Validator], token: Any):
    _, v = es256
    error = raised(v, token)
    assert type(error) is tokenguard.Malformed
    assert "str or bytes" in str(error)
    with pytest.raises(tokenguard.Malformed):
        v.validate_header(token, now=NOW)


@pytest.mark.parametrize(
    "now",
    [10**30, -(10**30), 2**63, float("nan"), float("inf"), float("-inf"), 1e300, True, "123", [1]],
)
def test_hostile_now(es256: tuple[SigningKey, Validator], now: Any):
    key, v = es256
    error = raised(v, key.sign(claims()), now=now)
    assert type(error) is tokenguard.InvalidConfig


@pytest.mark.parametrize("now", [2**63 - 1, -(2**63), 9.2e18, -9.2e18])
def test_extreme_valid_now(es256: tuple[SigningKey, Validator], now: Any):
    key, v = es256
    error = raised(v, key.sign(claims()), now=now)
    assert isinstance(
        error, (tokenguard.ExpiredToken, tokenguard.NotYetValid, tokenguard.IssuedInFuture)
    )


def test_hostile_dates(es256: tuple[SigningKey, Validator]):
    key, v = es256
    for exp in (10**400, -(10**30), 1e308, "1", None, [1], {"a": 1}, True):
        error = raised(v, key.sign(claims(exp=exp)))
        assert isinstance(
            error, (tokenguard.InvalidClaim, tokenguard.MissingClaim, tokenguard.ExpiredToken)
        )


def test_number_python_cannot_read(es256: tuple[SigningKey, Validator]):
    key, v = es256
    payload = json.dumps(claims())[:-1] + ', "big": ' + "9" * 5000 + "}"
    token = jwt_with_raw_payload(key, payload.encode())
    error = raised(v, token)
    assert type(error) is tokenguard.Malformed


def jwt_with_raw_payload(key: SigningKey, payload: bytes) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    signing_input = (
        segment({"alg": "ES256", "typ": "at+jwt", "kid": key.kid}) + "." + segment(payload)
    )
    der = key.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + segment(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def test_duplicate_claim_rejected(es256: tuple[SigningKey, Validator]):
    key, v = es256
    payload = json.dumps(claims())[:-1] + ', "sub": "admin"}'
    assert type(raised(v, jwt_with_raw_payload(key, payload.encode()))) is tokenguard.Malformed


def test_raw_payload_signature_ok(es256: tuple[SigningKey, Validator]):
    key, v = es256
    token = jwt_with_raw_payload(key, json.dumps(claims()).encode())
    assert v.validate(token, now=NOW).subject == "user-1"


def test_errors_from_threads(es256: tuple[SigningKey, Validator]):
    _, v = es256
    failures: list[BaseException] = []

    def run() -> None:
        for token in (b"\xff", "a.b", "x" * 20_000):
            try:
                v.validate(token, now=NOW)
            except TokenError:
                continue
            except BaseException as error:
                failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_random_inputs_raise_token_errors(es256: tuple[SigningKey, Validator]):
    import random

    key, v = es256
    good = key.sign(claims())
    rng = random.Random(20260101)
    alphabet = "ABCabc012-_.=+/ \t\x00\xe9{}\"'\\"
    for _ in range(2000):
        choice = rng.randrange(4)
        if choice == 0:
            value: Any = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        elif choice == 1:
            value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(64)))
        elif choice == 2:
            # A valid token with one character replaced.
            position = rng.randrange(len(good))
            value = good[:position] + rng.choice(alphabet) + good[position + 1 :]
        else:
            value = good[: rng.randrange(len(good))]
        with pytest.raises(TokenError):
            v.validate_header(value, now=NOW)
        try:
            v.validate(value, now=NOW)
        except TokenError:
            continue
        # Strict base64url leaves no second spelling, so only the unchanged token passes.
        assert value == good
