"""The README's hybrid example as a real server: uvicorn on 127.0.0.1 with a JWKS
and discovery endpoint, an introspection endpoint and a real redis-server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import AUDIENCE, SigningKey, claims, make_key
from redis_server import RedisServer
from servers import EXAMPLES, IntrospectionServer, KeyServer, load_example, serve_fastapi

import tokenguard
from tokenguard import RedisRevocationList

OPAQUE = "opaque-payment-token"


@pytest.fixture
def key() -> SigningKey:
    return make_key("ES256", "hybrid")


@pytest.fixture
def issuer(key: SigningKey) -> Iterator[KeyServer]:
    server = KeyServer(key)
    yield server
    server.close()


@pytest.fixture
def authorization_server(issuer: KeyServer) -> Iterator[IntrospectionServer]:
    server = IntrospectionServer()
    now = int(time.time())
    server.answer = {
        "active": True,
        "iss": issuer.url,
        "aud": AUDIENCE,
        "sub": "user-2",
        "exp": now + 300,
        "iat": now - 5,
    }
    yield server
    server.close()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(
    issuer: KeyServer,
    authorization_server: IntrospectionServer,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    monkeypatch.setenv("INTROSPECTION_URL", authorization_server.url)
    monkeypatch.setenv("CLIENT_SECRET", "orders-api-secret")
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    module = load_example("hybrid_app", issuer.url, monkeypatch)
    yield from serve_fastapi(module.app)
    module.revocations.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jwt_token(key: SigningKey, issuer: KeyServer, **overrides: Any) -> str:
    now = int(time.time())
    return key.sign(claims(**{"iss": issuer.url, "iat": now - 5, "exp": now + 300, **overrides}))


def test_local_by_default(
    api: str, key: SigningKey, issuer: KeyServer, authorization_server: IntrospectionServer
):
    response = httpx.get(api + "/orders", headers=bearer(jwt_token(key, issuer)))
    assert response.json() == {"subject": "user-1"}
    assert authorization_server.count() == 0
    assert httpx.get(api + "/orders", headers=bearer(OPAQUE)).status_code == 401


def test_payments_introspected(api: str, authorization_server: IntrospectionServer):
    response = httpx.post(api + "/payments", headers=bearer(OPAQUE))
    assert response.json() == {"paid_by": "user-2"}
    request = authorization_server.last()
    assert request["form"]["token"] == [OPAQUE]
    assert request["headers"]["Authorization"].startswith("Basic ")


def test_payments_unavailable(api: str, authorization_server: IntrospectionServer):
    authorization_server.status = 500
    response = httpx.post(api + "/payments", headers=bearer(OPAQUE))
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"


def test_logout_revokes_everywhere(
    api: str, key: SigningKey, issuer: KeyServer, redis_server: RedisServer
):
    token = jwt_token(key, issuer, jti="session-42")
    assert httpx.post(api + "/logout", headers=bearer(token)).json() == {"revoked": True}
    response = httpx.get(api + "/orders", headers=bearer(token))
    assert response.status_code == 401
    assert "revoked" in response.json()["error_description"]
    other_token = jwt_token(key, issuer, jti="session-43")
    assert httpx.get(api + "/orders", headers=bearer(other_token)).status_code == 200

    # Another instance of the API, started later, loads the revocation.
    validator = tokenguard.Validator(issuer_jwks(issuer), issuers=issuer.url, audiences=AUDIENCE)
    with RedisRevocationList(redis_server.url) as other_instance:
        assert other_instance.is_revoked(validator.validate(token))
        assert not other_instance.is_revoked(validator.validate(other_token))


def issuer_jwks(issuer: KeyServer) -> dict[str, Any]:
    return {"keys": [key.public_jwk for key in issuer.keys]}


def test_readme_shows_example():
    code = (EXAMPLES / "hybrid_app.py").read_text().strip()
    assert code in (EXAMPLES.parent / "README.md").read_text()
