"""The client credentials token clients and the client authentication methods,
against a token endpoint on 127.0.0.1 whose responses each test sets."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from redis_server import free_port
from servers import IntrospectionServer, TokenServer

import tokenguard
from tokenguard import (
    AccessToken,
    AssertionVerifier,
    AsyncTokenClient,
    ClientSecretBasic,
    Introspector,
    PrivateKeyJwt,
    ReplayCache,
    SigningKey,
    TlsClientAuth,
    TokenClient,
    TokenRequestError,
    Validator,
    _token_client,
)

START = 1_767_225_600.0


class Clock:
    """A clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[TokenServer]:
    token_server = TokenServer()
    yield token_server
    token_server.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between attempts, recorded instead of slept."""
    recorded: list[float] = []

    def record(seconds: float) -> None:
        recorded.append(seconds)

    async def record_async(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_token_client, "_sleep", record)
    monkeypatch.setattr(_token_client, "_async_sleep", record_async)
    return recorded


def basic() -> ClientSecretBasic:
    return ClientSecretBasic("billing", "s3cret")


def client(server: TokenServer, **options: Any) -> TokenClient:
    return TokenClient(server.url, basic(), **options)


def oauth_error(error: str, description: str | None = None) -> dict[str, str]:
    body = {"error": error}
    if description is not None:
        body["error_description"] = description
    return body


# ---- the request ----


def test_request_form_and_basic_auth(server: TokenServer):
    resources = ["https://orders.example.com", "https://billing.example.com"]
    with client(server, scopes=["orders:read", "orders:write"], resource=resources) as tokens:
        token = tokens.token()
    assert token.value == "token-1"
    assert token.token_type == "Bearer"
    assert token.scopes == ("orders:read", "orders:write")
    request = server.requests[0]
    assert request["form"] == {
        "grant_type": ["client_credentials"],
        "scope": ["orders:read orders:write"],
        "resource": resources,
    }
    expected = "Basic " + base64.b64encode(b"billing:s3cret").decode()
    assert request["headers"]["Authorization"] == expected
    assert request["headers"]["Accept"] == "application/json"


def test_scope_string_and_granted_scope(server: TokenServer):
    server.respond(body={"access_token": "a", "token_type": "bearer", "scope": "orders:read"})
    with client(server, scopes="orders:read orders:write") as tokens:
        token = tokens.token()
    assert server.requests[0]["form"]["scope"] == ["orders:read orders:write"]
    # The granted scope is the response's, and token_type is case-insensitive.
    assert token.scopes == ("orders:read",)
    assert token.token_type == "Bearer"


def test_private_key_jwt_assertion(server: TokenServer):
    key = SigningKey.generate("ES256", kid="billing-1")
    public = {"keys": [json.loads(key.public_jwk() or "")]}
    with TokenClient(server.url, PrivateKeyJwt("billing", key)) as tokens:
        tokens.token()
        tokens.invalidate()
        tokens.token()
    verifier = AssertionVerifier({"billing": public}, audiences=[server.url])
    cache = ReplayCache(8)
    jtis = set()
    for request in server.requests:
        form = request["form"]
        assert form["client_id"] == ["billing"]
        assert form["client_assertion_type"] == [
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ]
        assert "Authorization" not in request["headers"]
        verified = verifier.verify(form["client_assertion"][0], cache=cache, client_id="billing")
        assert verified.claims["aud"] == server.url
        assert verified.claims["exp"] - verified.claims["iat"] == 60
        jtis.add(verified.claims["jti"])
    # A fresh assertion, with a fresh jti, for every request.
    assert len(jtis) == 2


def test_private_key_jwt_audience_option(server: TokenServer):
    key = SigningKey.generate("EdDSA")
    issuer = "https://auth.example.com"
    with TokenClient(server.url, PrivateKeyJwt("c", key, audience=issuer, lifetime=30)) as tokens:
        tokens.token()
    assertion = server.requests[0]["form"]["client_assertion"][0]
    claims = jwt.decode(assertion, options={"verify_signature": False})
    assert claims["aud"] == issuer
    assert claims["exp"] - claims["iat"] == 30


def test_private_key_jwt_for_introspection():
    introspection = IntrospectionServer()
    key = SigningKey.generate("ES256")
    try:
        validator = Validator({"keys": []}, issuers="https://a", audiences="https://b")
        authentication = PrivateKeyJwt("orders-api", key)
        with Introspector(introspection.url, validator, authentication) as introspector:
            with pytest.raises(tokenguard.Inactive):
                introspector.introspect("some-token")
        form = introspection.last()["form"]
    finally:
        introspection.close()
    claims = jwt.decode(form["client_assertion"][0], options={"verify_signature": False})
    assert claims["aud"] == introspection.url
    assert claims["iss"] == claims["sub"] == "orders-api"
    assert form["token"] == ["some-token"]


def test_tls_client_auth_sends_client_id(server: TokenServer):
    with TokenClient(server.url, TlsClientAuth("billing")) as tokens:
        tokens.token()
    assert server.requests[0]["form"]["client_id"] == ["billing"]
    assert "Authorization" not in server.requests[0]["headers"]


# ---- the cache ----


def test_token_cached_until_margin(server: TokenServer, clock: Clock):
    server.respond(body={"access_token": "first", "token_type": "Bearer", "expires_in": 100})
    with client(server, clock=clock, refresh_margin=30) as tokens:
        first = tokens.token()
        assert first.expires_at == START + 100
        clock.now = START + 69
        assert tokens.token() is first
        assert server.count() == 1
        clock.now = START + 70
        assert tokens.token().value == "token-2"
        assert server.count() == 2


def test_short_lifetime_renewed_halfway(server: TokenServer, clock: Clock):
    server.respond(body={"access_token": "short", "token_type": "Bearer", "expires_in": 10})
    with client(server, clock=clock, refresh_margin=30) as tokens:
        assert tokens.token().value == "short"
        clock.now = START + 4.9
        assert tokens.token().value == "short"
        clock.now = START + 5
        assert tokens.token().value == "token-2"


def test_missing_expires_in_uses_default(server: TokenServer, clock: Clock):
    server.respond(body={"access_token": "no-expiry", "token_type": "Bearer"})
    with client(server, clock=clock, default_expires_in=60, refresh_margin=10) as tokens:
        assert tokens.token().expires_at == START + 60
        clock.now = START + 49
        assert server.count() == 1
        assert tokens.token().value == "no-expiry"
        clock.now = START + 50
        assert tokens.token().value == "token-2"


def test_invalidate_only_named_token(server: TokenServer):
    with client(server) as tokens:
        first = tokens.token()
        stale = AccessToken("older", "Bearer", 0.0, ())
        tokens.invalidate(stale)
        assert tokens.token() is first
        tokens.invalidate(first)
        assert tokens.token().value == "token-2"


def test_access_token_repr_hides_value(server: TokenServer):
    with client(server) as tokens:
        token = tokens.token()
    assert "token-1" not in repr(token)
    assert token.authorization == "Bearer token-1"


def test_threads_share_one_request(server: TokenServer):
    server.respond(delay=0.3)
    barrier = threading.Barrier(16)
    results: list[AccessToken] = []
    with client(server) as tokens:

        def call() -> None:
            barrier.wait()
            results.append(tokens.token())

        threads = [threading.Thread(target=call) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert server.count() == 1
    assert len(results) == 16
    assert {token.value for token in results} == {"queued"}


def test_threads_share_one_failure(server: TokenServer):
    server.respond(400, oauth_error("invalid_client", "unknown client"), delay=0.3)
    barrier = threading.Barrier(8)
    errors: list[TokenRequestError] = []
    with client(server) as tokens:

        def call() -> None:
            barrier.wait()
            try:
                tokens.token()
            except TokenRequestError as error:
                errors.append(error)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert server.count() == 1
        assert len(errors) == 8
        assert {error.oauth_error for error in errors} == {"invalid_client"}
        # The failure is not cached: the next call sends a new request.
        assert tokens.token().value == "token-2"


def test_asyncio_callers_share_one_request(server: TokenServer):
    server.respond(delay=0.2)

    async def run() -> list[AccessToken]:
        async with AsyncTokenClient(server.url, basic()) as tokens:
            waiter = asyncio.ensure_future(tokens.token())
            await asyncio.sleep(0.05)
            # A cancelled caller does not cancel the request the others wait for.
            waiter.cancel()
            found = await asyncio.gather(*(tokens.token() for _ in range(16)))
            assert (await tokens.token()) is found[0]
            return found

    results = asyncio.run(run())
    assert server.count() == 1
    assert {token.value for token in results} == {"queued"}


def test_asyncio_failure_raised_to_all(server: TokenServer):
    server.respond(401, oauth_error("invalid_client"), delay=0.1)

    async def run() -> list[BaseException | AccessToken]:
        async with AsyncTokenClient(server.url, basic()) as tokens:
            return await asyncio.gather(*(tokens.token() for _ in range(4)), return_exceptions=True)

    results = asyncio.run(run())
    assert server.count() == 1
    assert all(isinstance(result, TokenRequestError) for result in results)
    assert {result.http_status for result in results} == {401}  # type: ignore[union-attr]


# ---- retries ----


def test_5xx_retried_with_backoff(server: TokenServer, delays: list[float]):
    server.respond(503, b"<html>unavailable</html>", {"Content-Type": "text/html"})
    server.respond(500, oauth_error("server_error"))
    with client(server, backoff=1.0, max_backoff=10.0) as tokens:
        assert tokens.token().value == "token-3"
    assert server.count() == 3
    assert len(delays) == 2
    # Exponential with jitter: between half and all of 1 s, then of 2 s.
    assert 0.5 <= delays[0] <= 1.0
    assert 1.0 <= delays[1] <= 2.0


def test_retries_exhausted(server: TokenServer, delays: list[float]):
    for _ in range(3):
        server.respond(502, oauth_error("temporarily_unavailable", "upstream down"))
    with client(server, retries=2, backoff=0.5, max_backoff=0.6) as tokens:
        with pytest.raises(TokenRequestError) as caught:
            tokens.token()
    assert server.count() == 3
    assert caught.value.http_status == 502
    assert caught.value.oauth_error == "temporarily_unavailable"
    assert caught.value.oauth_error_description == "upstream down"
    assert str(caught.value) == (
        f"the token request to {server.url} failed with HTTP 502: "
        "temporarily_unavailable (upstream down)"
    )
    assert caught.value.status == 503
    assert max(delays) <= 0.6


def test_429_retry_after_seconds(server: TokenServer, delays: list[float]):
    server.respond(429, oauth_error("slow_down"), {"Retry-After": "3"})
    with client(server, backoff=0.1) as tokens:
        assert tokens.token().value == "token-2"
    assert delays == [3.0]


def test_retry_after_http_date(server: TokenServer, delays: list[float], clock: Clock):
    date = email.utils.formatdate(START + 4, usegmt=True)
    server.respond(503, b"", {"Retry-After": date})
    with client(server, backoff=0.1, clock=clock) as tokens:
        tokens.token()
    assert delays == [4.0]


def test_retry_after_beyond_max_backoff_stops(server: TokenServer, delays: list[float]):
    server.respond(429, oauth_error("slow_down"), {"Retry-After": "120"})
    with client(server, max_backoff=10) as tokens:
        with pytest.raises(TokenRequestError, match="a wait of 120 s, longer than max_backoff"):
            tokens.token()
    assert server.count() == 1
    assert delays == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, "invalid_client"),
        (401, "invalid_client"),
        (400, "invalid_scope"),
        (400, "unauthorized_client"),
        (403, None),
        (404, None),
    ],
)
def test_client_errors_not_retried(
    server: TokenServer, delays: list[float], status: int, error: str | None
):
    body = oauth_error(error, "rejected") if error else b"not found"
    server.respond(status, body)
    with client(server) as tokens:
        with pytest.raises(TokenRequestError) as caught:
            tokens.token()
    assert server.count() == 1
    assert delays == []
    assert caught.value.http_status == status
    assert caught.value.oauth_error == error
    if error is not None:
        assert f"HTTP {status}: {error} (rejected)" in str(caught.value)


def test_connection_refused_retried(delays: list[float]):
    url = f"http://127.0.0.1:{free_port()}/token"
    attempts: list[httpx.Request] = []
    http = httpx.Client(timeout=2, event_hooks={"request": [attempts.append]})
    tokens = TokenClient(url, basic(), retries=2, http_client=http)
    with pytest.raises(TokenRequestError, match="failed: ") as caught:
        tokens.token()
    http.close()
    assert len(attempts) == 3
    assert len(delays) == 2
    assert caught.value.http_status is None
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_timeout_retried(server: TokenServer, delays: list[float]):
    server.respond(delay=1.0)
    with client(server, timeout=0.2, retries=1) as tokens:
        assert tokens.token().value == "token-2"
    assert server.count() == 2
    assert len(delays) == 1


def test_async_retries(server: TokenServer, delays: list[float]):
    server.respond(503, b"")
    server.respond(429, b"", {"Retry-After": "1"})

    async def run() -> AccessToken:
        async with AsyncTokenClient(server.url, basic(), backoff=0.2) as tokens:
            return await tokens.token()

    assert asyncio.run(run()).value == "token-3"
    assert len(delays) == 2
    assert 0.1 <= delays[0] <= 0.2
    assert delays[1] == 1.0


# ---- invalid responses ----


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"not json", "application/json", "the body is not JSON"),
        (b"[1]", "application/json", "not a JSON object"),
        (b'{"access_token": "a", "token_type": "Bearer"}', "text/plain", "Content-Type"),
        (b'{"token_type": "Bearer"}', "application/json", "access_token is missing"),
        (b'{"access_token": "a b", "token_type": "Bearer"}', "application/json", "visible ASCII"),
        (b'{"access_token": "a", "token_type": "mac"}', "application/json", "neither Bearer"),
        (b'{"access_token": "a"}', "application/json", "neither Bearer"),
        (b'{"access_token": "a", "token_type": "DPoP"}', "application/json", "without a proof"),
        (
            b'{"access_token": "a", "token_type": "Bearer", "expires_in": -5}',
            "application/json",
            "not a positive number",
        ),
        (
            b'{"access_token": "a", "token_type": "Bearer", "expires_in": Infinity}',
            "application/json",
            "not JSON",
        ),
        (
            b'{"access_token": "a", "token_type": "Bearer", "expires_in": true}',
            "application/json",
            "not a positive number",
        ),
        (
            b'{"access_token": "a", "token_type": "Bearer", "scope": ["x"]}',
            "application/json",
            "scope is not a string",
        ),
    ],
)
def test_invalid_response_rejected(
    server: TokenServer, delays: list[float], body: bytes, content_type: str, reason: str
):
    server.respond(200, body, {"Content-Type": content_type})
    with client(server) as tokens:
        with pytest.raises(TokenRequestError, match="sent an invalid response") as caught:
            tokens.token()
    assert reason in str(caught.value)
    assert server.count() == 1


def test_response_over_limit_rejected(server: TokenServer):
    big = b'{"access_token": "' + b"a" * 2000 + b'", "token_type": "Bearer"}'
    server.respond(200, big)
    with client(server, max_response_bytes=1000) as tokens:
        with pytest.raises(TokenRequestError, match="larger than 1000 bytes"):
            tokens.token()


def test_long_error_body_cut_short(server: TokenServer, delays: list[float]):
    server.respond(400, b"x" * 100_000, {"Content-Type": "text/plain"})
    with client(server) as tokens:
        with pytest.raises(TokenRequestError, match=r"HTTP 400$"):
            tokens.token()


# ---- DPoP ----


def decoded_proof(request: dict[str, Any]) -> dict[str, Any]:
    proof = request["headers"]["DPoP"]
    header = jwt.get_unverified_header(proof)
    assert header["typ"] == "dpop+jwt"
    key = jwt.PyJWK(header["jwk"], algorithm=header["alg"])
    claims: dict[str, Any] = jwt.decode(proof, key.key, algorithms=[header["alg"]])
    return claims


def test_dpop_nonce_retry(server: TokenServer, delays: list[float]):
    key = SigningKey.generate("ES256")
    server.respond(400, oauth_error("use_dpop_nonce", "nonce required"), {"DPoP-Nonce": "nonce-1"})
    server.respond(
        body={"access_token": "bound", "token_type": "DPoP", "expires_in": 60},
        headers={"DPoP-Nonce": "nonce-2"},
    )
    with client(server, dpop_key=key) as tokens:
        token = tokens.token()
        assert token.token_type == "DPoP"
        first, second = (decoded_proof(request) for request in server.requests)
        assert "nonce" not in first
        assert second["nonce"] == "nonce-1"
        assert second["htm"] == "POST"
        assert second["htu"] == server.url
        assert "ath" not in second
        assert delays == []

        # The nonce of the last response goes into the next request.
        server.respond(body={"access_token": "bound-2", "token_type": "DPoP"})
        tokens.invalidate()
        tokens.token()
        assert decoded_proof(server.requests[2])["nonce"] == "nonce-2"


def test_dpop_nonce_retried_once(server: TokenServer):
    key = SigningKey.generate("ES256")
    for nonce in ("n-1", "n-2"):
        server.respond(400, oauth_error("use_dpop_nonce"), {"DPoP-Nonce": nonce})
    with client(server, dpop_key=key) as tokens:
        with pytest.raises(TokenRequestError) as caught:
            tokens.token()
    assert caught.value.oauth_error == "use_dpop_nonce"
    assert server.count() == 2


def test_dpop_bearer_answer_rejected(server: TokenServer):
    with client(server, dpop_key=SigningKey.generate("ES256")) as tokens:
        with pytest.raises(TokenRequestError, match="issued a Bearer token"):
            tokens.token()


def test_dpop_api_headers(server: TokenServer):
    key = SigningKey.generate("EdDSA")
    server.respond(body={"access_token": "bound", "token_type": "DPoP", "expires_in": 60})
    url = "https://orders.example.com/orders?page=2"
    with client(server, dpop_key=key) as tokens:
        headers = tokens.headers("GET", url, nonce="api-nonce")
        with pytest.raises(ValueError, match="method and url"):
            tokens.headers()
        other = tokens.dpop_proof("POST", url)
    assert headers["Authorization"] == "DPoP bound"
    claims = decoded_proof({"headers": headers})
    assert claims["htm"] == "GET"
    assert claims["htu"] == "https://orders.example.com/orders"
    assert claims["nonce"] == "api-nonce"
    digest = hashlib.sha256(b"bound").digest()
    assert claims["ath"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert "ath" not in decoded_proof({"headers": {"DPoP": other}})


def test_bearer_headers_and_proof_without_key(server: TokenServer):
    with client(server) as tokens:
        assert tokens.headers() == {"Authorization": "Bearer token-1"}
        with pytest.raises(tokenguard.InvalidConfig, match="no dpop_key"):
            tokens.dpop_proof("GET", "https://api.example.com/")


# ---- configuration ----


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"token_endpoint": "ftp://auth/token"}, "token_endpoint"),
        ({"token_endpoint": "https://auth/token#x"}, "token_endpoint"),
        ({"authentication": object()}, "apply"),
        ({"scopes": ["a b"]}, "invalid scope"),
        ({"scopes": ["a", ""]}, "invalid scope"),
        ({"scopes": 5}, "scopes"),
        ({"resource": "orders"}, "invalid resource"),
        ({"resource": ["https://a#b"]}, "invalid resource"),
        ({"resource": 5}, "resource"),
        ({"refresh_margin": -1}, "refresh_margin"),
        ({"refresh_margin": float("nan")}, "refresh_margin"),
        ({"retries": True}, "retries"),
        ({"retries": 21}, "retries"),
        ({"backoff": 2.0, "max_backoff": 1.0}, "max_backoff"),
        ({"default_expires_in": 0}, "default_expires_in"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"dpop_key": "key"}, "dpop_key"),
        ({"dpop_key": SigningKey.from_hmac_secret("HS256", b"k" * 32)}, "asymmetric"),
    ],
)
def test_invalid_options_rejected(options: dict[str, Any], message: str):
    arguments: dict[str, Any] = {
        "token_endpoint": "https://auth.example.com/token",
        "authentication": basic(),
    }
    arguments.update(options)
    endpoint = arguments.pop("token_endpoint")
    authentication = arguments.pop("authentication")
    with pytest.raises(tokenguard.InvalidConfig, match=message):
        TokenClient(endpoint, authentication, **arguments)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"client_id": ""}, tokenguard.InvalidConfig),
        ({"client_id": "caf\u00e9"}, tokenguard.InvalidConfig),
        ({"key": "not a key"}, tokenguard.InvalidConfig),
        ({"key": SigningKey.from_hmac_secret("HS256", b"k" * 32)}, tokenguard.InvalidConfig),
        ({"audience": "auth.example.com"}, tokenguard.InvalidConfig),
        ({"lifetime": 301}, tokenguard.InvalidConfig),
        ({"alg": "ES384"}, tokenguard.KeyMismatch),
    ],
)
def test_private_key_jwt_options_rejected(arguments: dict[str, Any], expected: type[Exception]):
    options: dict[str, Any] = {"client_id": "billing", "key": SigningKey.generate("ES256")}
    options.update(arguments)
    with pytest.raises(expected):
        PrivateKeyJwt(options.pop("client_id"), options.pop("key"), **options)
