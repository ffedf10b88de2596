"""The introspection clients against a local endpoint: requests, cache and failures."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import jwt
import pytest
from conftest import AUDIENCE, ISSUER, NOW, SigningKey
from servers import IntrospectionServer

import tokenguard
from tokenguard import (
    AsyncIntrospector,
    ClientSecretBasic,
    IntrospectionError,
    Introspector,
    Validator,
)

API_CLIENT = "api-client"
TOKEN = "opaque-token-1"


class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


def active(**overrides: Any) -> dict[str, Any]:
    answer = {
        "active": True,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": NOW + 600,
        "iat": NOW - 60,
        "sub": "user-1",
        "client_id": "client-1",
        "scope": "orders:read orders:write",
        "token_type": "Bearer",
    }
    answer.update(overrides)
    return {name: value for name, value in answer.items() if value is not None}


@pytest.fixture
def server() -> Iterator[IntrospectionServer]:
    endpoint = IntrospectionServer()
    endpoint.answer = active()
    yield endpoint
    endpoint.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def validator() -> Validator:
    return Validator({"keys": []}, issuers=ISSUER, audiences=AUDIENCE)


@pytest.fixture
def introspector(
    server: IntrospectionServer, validator: Validator, clock: Clock
) -> Iterator[Introspector]:
    client = Introspector(
        server.url, validator, ClientSecretBasic(API_CLIENT, "secret"), clock=clock, timeout=5
    )
    yield client
    client.close()


def test_active_token_accepted(introspector: Introspector, server: IntrospectionServer):
    token = introspector.introspect(TOKEN)
    assert token.subject == "user-1"
    assert token.scopes == ("orders:read", "orders:write")
    assert token.audiences == (AUDIENCE,)
    assert token.header is None
    request = server.last()
    assert request["form"] == {"token": [TOKEN], "token_type_hint": ["access_token"]}
    assert request["headers"]["Accept"] == "application/json"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_client_secret_basic_form_encodes(
    server: IntrospectionServer, validator: Validator, clock: Clock
):
    client_id, secret = "api client:1", "s3cr:t %+/&=~\"'"
    authentication = ClientSecretBasic(client_id, secret)
    with Introspector(server.url, validator, authentication, clock=clock) as client:
        client.introspect(TOKEN)
    scheme, encoded = server.last()["headers"]["Authorization"].split(" ")
    assert scheme == "Basic"
    sent_id, sent_secret = base64.b64decode(encoded).decode("ascii").split(":")
    assert sent_id == "api+client%3A1"
    assert unquote_plus(sent_id) == client_id
    assert unquote_plus(sent_secret) == secret


def test_client_secret_not_in_repr():
    authentication = ClientSecretBasic("api", "very-secret")
    assert "very-secret" not in repr(authentication)
    assert "api" in repr(authentication)


def test_custom_authentication(server: IntrospectionServer, validator: Validator, clock: Clock):
    class Assertion:
        def apply(self, endpoint: str, headers: dict[str, str], form: dict[str, str]) -> None:
            form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            form["client_assertion"] = f"assertion-for-{endpoint}"

    with Introspector(server.url, validator, Assertion(), clock=clock) as client:
        client.introspect(TOKEN)
    form = server.last()["form"]
    assert form["client_assertion"] == [f"assertion-for-{server.url}"]
    assert "Authorization" not in server.last()["headers"]


def test_active_cached_until_exp(
    introspector: Introspector, server: IntrospectionServer, clock: Clock
):
    server.answer = active(exp=NOW + 100)
    introspector.introspect(TOKEN)
    clock.now += 99
    assert introspector.introspect(TOKEN).subject == "user-1"
    assert server.count() == 1
    clock.now += 2
    # The token expired 1 s ago, which the leeway still accepts, but its cached
    # response is gone.
    introspector.introspect(TOKEN)
    assert server.count() == 2


def test_active_cached_at_most_max_ttl(
    server: IntrospectionServer, validator: Validator, clock: Clock
):
    authentication = ClientSecretBasic(API_CLIENT, "secret")
    with Introspector(server.url, validator, authentication, max_ttl=60, clock=clock) as client:
        client.introspect(TOKEN)
        clock.now += 59
        client.introspect(TOKEN)
        assert server.count() == 1
        clock.now += 2
        client.introspect(TOKEN)
        assert server.count() == 2


def test_inactive_cached_briefly(
    introspector: Introspector, server: IntrospectionServer, clock: Clock
):
    server.answer = {"active": False}
    for _ in range(3):
        with pytest.raises(tokenguard.Inactive):
            introspector.introspect(TOKEN)
    assert server.count() == 1
    clock.now += 5
    server.answer = active()
    assert introspector.introspect(TOKEN).subject == "user-1"
    assert server.count() == 2


def test_inactive_ttl_zero_asks_every_time(
    server: IntrospectionServer, validator: Validator, clock: Clock
):
    server.answer = {"active": False}
    authentication = ClientSecretBasic(API_CLIENT, "secret")
    with Introspector(server.url, validator, authentication, inactive_ttl=0, clock=clock) as client:
        for _ in range(2):
            with pytest.raises(tokenguard.Inactive):
                client.introspect(TOKEN)
    assert server.count() == 2


def test_policy_rejection_cached(introspector: Introspector, server: IntrospectionServer):
    server.answer = active(aud="https://other-api.example.com")
    errors = []
    for _ in range(2):
        with pytest.raises(tokenguard.WrongAudience) as caught:
            introspector.introspect(TOKEN)
        errors.append(caught.value)
    assert server.count() == 1
    assert errors[0] is not errors[1]
    assert errors[1].code == 306
    assert errors[1].status == 401


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (active(iss="https://evil.example.com"), tokenguard.WrongIssuer),
        (active(exp=NOW - 3600), tokenguard.ExpiredToken),
        (active(exp=None), tokenguard.MissingClaim),
        (active(cnf={"jkt": "abc"}), tokenguard.ProofRequired),
    ],
    ids=["wrong-issuer", "expired", "no-exp", "bound-to-key"],
)
def test_policy_applies(
    introspector: Introspector, server: IntrospectionServer, answer: Any, error: Any
):
    server.answer = answer
    with pytest.raises(error):
        introspector.introspect(TOKEN)


def test_required_scopes_checked(server: IntrospectionServer, clock: Clock):
    validator = Validator(
        {"keys": []}, issuers=ISSUER, audiences=AUDIENCE, required_scopes=["admin"]
    )
    with Introspector(server.url, validator, ClientSecretBasic("a", "b"), clock=clock) as client:
        with pytest.raises(tokenguard.InsufficientScope):
            client.introspect(TOKEN)


def test_cache_bounded(server: IntrospectionServer, validator: Validator, clock: Clock):
    authentication = ClientSecretBasic(API_CLIENT, "secret")
    with Introspector(server.url, validator, authentication, max_entries=2, clock=clock) as client:
        for token in ("t-1", "t-2", "t-1", "t-3"):
            client.introspect(token)
        assert client.cache_size == 2
        assert server.count() == 3
        client.introspect("t-1")
        assert server.count() == 3, "t-1 was used more recently than t-2"
        client.introspect("t-2")
        assert server.count() == 4


def test_cache_off(server: IntrospectionServer, validator: Validator, clock: Clock):
    authentication = ClientSecretBasic(API_CLIENT, "secret")
    with Introspector(server.url, validator, authentication, max_entries=0, clock=clock) as client:
        client.introspect(TOKEN)
        client.introspect(TOKEN)
        assert client.cache_size == 0
    assert server.count() == 2


def test_cache_keyed_by_digest(introspector: Introspector):
    introspector.introspect(TOKEN)
    keys = list(introspector._state.entries)
    assert len(keys) == 1
    assert len(keys[0]) == 32
    assert TOKEN.encode() not in keys[0]


def test_forget_and_clear(introspector: Introspector, server: IntrospectionServer):
    introspector.introspect(TOKEN)
    introspector.introspect("other")
    introspector.forget(TOKEN)
    introspector.introspect("other")
    assert server.count() == 2
    introspector.introspect(TOKEN)
    assert server.count() == 3
    introspector.clear_cache()
    assert introspector.cache_size == 0


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (500, "application/json", None),
        (401, "application/json", b'{"error": "invalid_client"}'),
        (200, "text/html", b"<html></html>"),
        (200, "application/json", b"not json"),
        (200, "application/json", b'{"active": "yes"}'),
        (200, "application/json", b"[]"),
        (200, "application/json", b'{"active": true, "active": false}'),
        (200, "application/json", b'{"active": false, "pad": "' + b"x" * 20_000 + b'"}'),
    ],
    ids=[
        "status-500",
        "status-401",
        "html",
        "not-json",
        "active-not-bool",
        "array",
        "duplicate-member",
        "too-large",
    ],
)
def test_bad_answer_fails_closed(
    introspector: Introspector,
    server: IntrospectionServer,
    status: int,
    content_type: str,
    body: bytes | None,
):
    server.status, server.content_type, server.body = status, content_type, body
    for _ in range(2):
        with pytest.raises(IntrospectionError) as caught:
            introspector.introspect(TOKEN)
        assert caught.value.status == 503
        assert caught.value.code == 600
        assert caught.value.error is None
    assert server.count() == 2, "a failure is never cached"


def test_oauth_error_in_message(introspector: Introspector, server: IntrospectionServer):
    server.status = 401
    server.body = b'{"error": "invalid_client", "error_description": "bad\\nsecret"}'
    with pytest.raises(IntrospectionError) as caught:
        introspector.introspect(TOKEN)
    assert str(caught.value).endswith("status 401, expected 200 (invalid_client: bad?secret)")


def test_redirect_not_followed(introspector: Introspector, server: IntrospectionServer):
    server.status = 302
    server.extra_headers = {"Location": "http://127.0.0.1:1/elsewhere"}
    with pytest.raises(IntrospectionError, match="302"):
        introspector.introspect(TOKEN)


def test_timeout_fails_closed(server: IntrospectionServer, validator: Validator):
    server.delay = 2.0
    authentication = ClientSecretBasic(API_CLIENT, "secret")
    with Introspector(server.url, validator, authentication, timeout=0.2) as client:
        with pytest.raises(IntrospectionError, match=r"timed out|Timeout"):
            client.introspect(TOKEN)


def test_unreachable_fails_closed(validator: Validator):
    endpoint = IntrospectionServer()
    url = endpoint.url
    endpoint.close()
    with Introspector(url, validator, ClientSecretBasic("a", "b"), timeout=2) as client:
        with pytest.raises(IntrospectionError, match="failed"):
            client.introspect(TOKEN)


def test_failures_logged_rate_limited(
    introspector: Introspector, server: IntrospectionServer, clock: Clock, caplog: Any
):
    server.status = 500
    with caplog.at_level(logging.ERROR, logger="tokenguard.introspection"):
        for _ in range(3):
            with pytest.raises(IntrospectionError):
                introspector.introspect(TOKEN)
        clock.now += 61
        with pytest.raises(IntrospectionError):
            introspector.introspect(TOKEN)
    records = [r for r in caplog.records if r.name == "tokenguard.introspection"]
    assert len(records) == 2
    assert "status 500" in records[0].getMessage()
    assert "2 similar errors were not logged" in records[1].getMessage()
    assert TOKEN not in caplog.text


def test_token_never_logged(introspector: Introspector, server: IntrospectionServer, caplog: Any):
    server.answer = active(aud="https://other-api.example.com")
    with caplog.at_level(logging.DEBUG, logger="tokenguard"):
        with pytest.raises(tokenguard.WrongAudience):
            introspector.introspect(TOKEN)
    assert "wrong_audience" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("", tokenguard.Malformed),
        ("two words", tokenguard.Malformed),
        ("caf\u00e9", tokenguard.Malformed),
        (b"\xff\xfe", tokenguard.Malformed),
        (5, tokenguard.Malformed),
        (None, tokenguard.Malformed),
        ("a" * (2**20 + 1), tokenguard.TooLarge),
    ],
    ids=["empty", "space", "non-ascii", "bad-bytes", "int", "none", "too-long"],
)
def test_bad_token_rejected_before_request(
    introspector: Introspector, server: IntrospectionServer, token: Any, error: Any
):
    with pytest.raises(error):
        introspector.introspect(token)
    assert server.count() == 0


def test_introspect_header(introspector: Introspector, server: IntrospectionServer):
    assert introspector.introspect_header(f"Bearer {TOKEN}").subject == "user-1"
    assert server.last()["form"]["token"] == [TOKEN]
    with pytest.raises(tokenguard.Malformed) as caught:
        introspector.introspect_header("Basic dXNlcjpwYXNz")
    assert caught.value.error is None
    with pytest.raises(tokenguard.Malformed) as caught:
        introspector.introspect_header(f"DPoP {TOKEN}")
    assert caught.value.status == 400
    assert server.count() == 1


@pytest.mark.parametrize(
    "options",
    [
        {"endpoint": "ftp://127.0.0.1/introspect"},
        {"validator": "not a validator"},
        {"authentication": object()},
        {"inactive_ttl": 600},
        {"inactive_ttl": -1},
        {"max_entries": -1},
        {"max_entries": True},
        {"max_response_bytes": 0},
        {"signed": True},
    ],
    ids=[
        "endpoint",
        "validator",
        "authentication",
        "inactive-over-max",
        "negative-ttl",
        "negative-entries",
        "bool-entries",
        "zero-bytes",
        "signed-without-audience",
    ],
)
def test_invalid_config(server: IntrospectionServer, validator: Validator, options: Any):
    arguments: dict[str, Any] = {
        "endpoint": server.url,
        "validator": validator,
        "authentication": ClientSecretBasic("a", "b"),
    }
    arguments.update(options)
    with pytest.raises(tokenguard.InvalidConfig):
        Introspector(**arguments)


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("", "s"), ("a", ""), (1, "s"), ("a", "caf\u00e9"), ("a\n", "s")],
    ids=["empty-id", "empty-secret", "int-id", "non-ascii", "newline"],
)
def test_client_secret_basic_invalid(client_id: Any, secret: Any):
    with pytest.raises(tokenguard.InvalidConfig):
        ClientSecretBasic(client_id, secret)


# ---- Signed responses (RFC 9701) ----


def signed_answer(key: SigningKey, inner: dict[str, Any], **overrides: Any) -> str:
    outer = {"iss": ISSUER, "aud": API_CLIENT, "iat": NOW, "token_introspection": inner}
    outer.update(overrides)
    return jwt.encode(
        outer,
        key.private,
        algorithm=key.alg,
        headers={"kid": key.kid, "typ": "token-introspection+jwt"},
    )


@pytest.fixture
def signed(
    server: IntrospectionServer, keys: dict[str, SigningKey], public_jwks: Any, clock: Clock
) -> Iterator[Introspector]:
    validator = Validator(
        public_jwks, issuers=ISSUER, audiences=AUDIENCE, introspection_audience=API_CLIENT
    )
    server.content_type = "application/token-introspection+jwt"
    server.body = signed_answer(keys["ES256"], active()).encode()
    client = Introspector(
        server.url, validator, ClientSecretBasic(API_CLIENT, "s"), signed=True, clock=clock
    )
    yield client
    client.close()


def test_signed_answer_accepted(signed: Introspector, server: IntrospectionServer):
    token = signed.introspect(TOKEN)
    assert token.subject == "user-1"
    assert token.header is None
    assert server.last()["headers"]["Accept"] == "application/token-introspection+jwt"


def test_signed_answer_with_charset(signed: Introspector, server: IntrospectionServer):
    server.content_type = "application/token-introspection+jwt; charset=utf-8"
    assert signed.introspect(TOKEN).subject == "user-1"


def test_signed_rejects_plain_json(signed: Introspector, server: IntrospectionServer):
    server.content_type = "application/json"
    server.body = None
    with pytest.raises(IntrospectionError, match="Content-Type"):
        signed.introspect(TOKEN)


def test_signed_bad_signature(
    signed: Introspector, server: IntrospectionServer, keys: dict[str, SigningKey]
):
    header, _, signature = signed_answer(keys["ES256"], active()).split(".")
    forged = active(scope="admin")
    _, forged_payload, _ = signed_answer(keys["ES256"], forged).split(".")
    server.body = f"{header}.{forged_payload}.{signature}".encode()
    with pytest.raises(IntrospectionError, match="signature"):
        signed.introspect(TOKEN)


def test_signed_inactive(
    signed: Introspector, server: IntrospectionServer, keys: dict[str, SigningKey]
):
    server.body = signed_answer(keys["ES256"], {"active": False}).encode()
    with pytest.raises(tokenguard.Inactive):
        signed.introspect(TOKEN)


def test_signed_for_other_client(
    signed: Introspector, server: IntrospectionServer, keys: dict[str, SigningKey]
):
    server.body = signed_answer(keys["ES256"], active(), aud="other-client").encode()
    with pytest.raises(tokenguard.WrongAudience):
        signed.introspect(TOKEN)


def test_signed_answer_too_old(
    signed: Introspector, server: IntrospectionServer, keys: dict[str, SigningKey]
):
    server.body = signed_answer(keys["ES256"], active(), iat=NOW - 3600).encode()
    with pytest.raises(tokenguard.ExpiredToken):
        signed.introspect(TOKEN)


# ---- The asyncio client ----


def test_async_introspector(server: IntrospectionServer, validator: Validator, clock: Clock):
    async def run() -> None:
        authentication = ClientSecretBasic(API_CLIENT, "secret")
        async with AsyncIntrospector(server.url, validator, authentication, clock=clock) as client:
            token = await client.introspect(TOKEN)
            assert token.subject == "user-1"
            assert (await client.introspect_header(f"Bearer {TOKEN}")).subject == "user-1"
            assert server.count() == 1
            clock.now += 600
            server.answer = {"active": False}
            with pytest.raises(tokenguard.Inactive):
                await client.introspect(TOKEN)
            assert server.count() == 2
            server.status = 503
            with pytest.raises(IntrospectionError):
                await client.introspect("another-token")

    asyncio.run(run())


def test_async_timeout(server: IntrospectionServer, validator: Validator):
    server.delay = 2.0

    async def run() -> None:
        authentication = ClientSecretBasic(API_CLIENT, "secret")
        async with AsyncIntrospector(server.url, validator, authentication, timeout=0.2) as client:
            with pytest.raises(IntrospectionError, match=r"timed out|Timeout"):
                await client.introspect(TOKEN)

    asyncio.run(run())
