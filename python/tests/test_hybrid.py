"""Hybrid validation: local by default, introspection for sensitive requests, and the
revocation list on both paths, directly and through the ASGI, FastAPI and Flask
integrations."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import AUDIENCE, ISSUER, SigningKey, claims, make_key
from fastapi import FastAPI, Request
from flask import Flask, g
from servers import IntrospectionServer

import tokenguard
from tokenguard import (
    AsyncHybridValidator,
    AsyncIntrospector,
    ClientSecretBasic,
    HybridValidator,
    Introspector,
    RevocationList,
    Validator,
)
from tokenguard.asgi import BearerAuthMiddleware
from tokenguard.fastapi import install
from tokenguard.flask import require_token

OPAQUE = "opaque-token-1"


def answer(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    fields = {
        "active": True,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-2",
        "exp": now + 300,
        "iat": now - 5,
        "jti": "opaque-jti",
        "scope": "orders:read",
    }
    fields.update(overrides)
    return fields


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return make_key("ES256", "local")


def jwt_token(key: SigningKey, **overrides: Any) -> str:
    now = int(time.time())
    return key.sign(claims(**{"iat": now - 5, "exp": now + 300, **overrides}))


@pytest.fixture
def server() -> Iterator[IntrospectionServer]:
    endpoint = IntrospectionServer()
    endpoint.answer = answer()
    yield endpoint
    endpoint.close()


@pytest.fixture
def local(key: SigningKey) -> Validator:
    return Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE)


@pytest.fixture
def introspector(server: IntrospectionServer, local: Validator) -> Iterator[Introspector]:
    client = Introspector(server.url, local, ClientSecretBasic("api", "secret"))
    yield client
    client.close()


@pytest.fixture
def revocations() -> RevocationList:
    return RevocationList(max_tokens=16, max_subjects=16)


@pytest.fixture
def hybrid(
    local: Validator, introspector: Introspector, revocations: RevocationList
) -> HybridValidator:
    return HybridValidator(local, introspector, revocations)


def test_local_by_default(hybrid: HybridValidator, server: IntrospectionServer, key: SigningKey):
    assert hybrid.validate(jwt_token(key)).subject == "user-1"
    assert hybrid.validate_header("Bearer " + jwt_token(key)).subject == "user-1"
    assert server.count() == 0
    with pytest.raises(tokenguard.Malformed):
        hybrid.validate(OPAQUE)
    assert server.count() == 0


def test_sensitive_introspects(hybrid: HybridValidator, server: IntrospectionServer):
    assert hybrid.validate(OPAQUE, sensitive=True).subject == "user-2"
    assert hybrid.validate_header(f"Bearer {OPAQUE}", sensitive=True).subject == "user-2"
    assert server.count() == 1
    assert server.last()["form"]["token"] == [OPAQUE]


def test_revocations_on_local_path(
    hybrid: HybridValidator, revocations: RevocationList, key: SigningKey
):
    token = jwt_token(key, jti="revoked-jti")
    revocations.revoke(ISSUER, "revoked-jti", int(time.time()) + 300)
    with pytest.raises(tokenguard.Revoked):
        hybrid.validate(token)
    with pytest.raises(tokenguard.Revoked):
        hybrid.validate_header("Bearer " + token)
    assert hybrid.validate(jwt_token(key, jti="other")).subject == "user-1"


def test_revocations_on_introspection_path(hybrid: HybridValidator, revocations: RevocationList):
    revocations.revoke(ISSUER, "opaque-jti", int(time.time()) + 300)
    with pytest.raises(tokenguard.Revoked):
        hybrid.validate(OPAQUE, sensitive=True)
    with pytest.raises(tokenguard.Revoked):
        hybrid.validate_header(f"Bearer {OPAQUE}", sensitive=True)


def test_sensitive_needs_introspector(local: Validator, revocations: RevocationList, key: Any):
    hybrid = HybridValidator(local, revocations=revocations)
    assert hybrid.validate(jwt_token(key)).subject == "user-1"
    with pytest.raises(tokenguard.InvalidConfig):
        hybrid.validate(OPAQUE, sensitive=True)


@pytest.mark.parametrize(
    "arguments",
    [
        ("not a validator",),
        ("local", "not an introspector"),
        ("local", None, object()),
    ],
    ids=["local", "introspector", "revocations"],
)
def test_invalid_config(local: Validator, arguments: tuple[Any, ...]):
    values = tuple(local if value == "local" else value for value in arguments)
    with pytest.raises(tokenguard.InvalidConfig):
        HybridValidator(*values)
    with pytest.raises(tokenguard.InvalidConfig):
        AsyncHybridValidator(*values)


def test_sync_introspector_rejected_by_async(local: Validator, introspector: Introspector):
    with pytest.raises(tokenguard.InvalidConfig):
        AsyncHybridValidator(local, introspector)  # type: ignore[arg-type]


def test_async_hybrid(
    local: Validator, server: IntrospectionServer, revocations: RevocationList, key: SigningKey
):
    async def run() -> None:
        async with AsyncIntrospector(server.url, local, ClientSecretBasic("a", "b")) as client:
            hybrid = AsyncHybridValidator(local, client, revocations)
            assert (await hybrid.validate(jwt_token(key))).subject == "user-1"
            assert (await hybrid.validate_header("Bearer " + jwt_token(key))).subject == "user-1"
            assert server.count() == 0
            assert (await hybrid.validate(OPAQUE, sensitive=True)).subject == "user-2"
            revocations.revoke(ISSUER, "opaque-jti", int(time.time()) + 300)
            with pytest.raises(tokenguard.Revoked):
                await hybrid.validate_header(f"Bearer {OPAQUE}", sensitive=True)

    asyncio.run(run())


# ---- ASGI and FastAPI ----


def make_app(validator: Any, **options: Any) -> FastAPI:
    app = FastAPI()
    install(app, validator, **options)

    @app.get("/orders")
    def orders(request: Request) -> dict[str, Any]:
        return {"subject": request.state.token.subject}

    @app.get("/admin")
    def admin(request: Request) -> dict[str, Any]:
        return {"subject": request.state.token.subject}

    @app.post("/orders")
    def create_order(request: Request) -> dict[str, Any]:
        return {"subject": request.state.token.subject}

    return app


def call(app: Any, method: str, path: str, token: str) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"Authorization": f"Bearer {token}"}
            return await client.request(method, path, headers=headers)

    return asyncio.run(run())


def test_fastapi_sensitive_paths(
    hybrid: HybridValidator, server: IntrospectionServer, key: SigningKey
):
    app = make_app(hybrid, sensitive_paths={"/admin"})
    assert call(app, "GET", "/orders", jwt_token(key)).json() == {"subject": "user-1"}
    assert server.count() == 0
    assert call(app, "GET", "/orders", OPAQUE).status_code == 401
    assert call(app, "GET", "/admin", OPAQUE).json() == {"subject": "user-2"}
    assert server.count() == 1


def test_fastapi_is_sensitive_predicate(
    hybrid: HybridValidator, server: IntrospectionServer, key: SigningKey
):
    app = make_app(hybrid, is_sensitive=lambda scope: scope["method"] == "POST")
    assert call(app, "GET", "/orders", jwt_token(key)).status_code == 200
    assert server.count() == 0
    assert call(app, "POST", "/orders", OPAQUE).json() == {"subject": "user-2"}
    assert server.count() == 1


def test_fastapi_introspection_failure_is_503(hybrid: HybridValidator, server: IntrospectionServer):
    server.status = 500
    response = call(make_app(hybrid, sensitive_paths={"/admin"}), "GET", "/admin", OPAQUE)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "www-authenticate" not in response.headers
    assert response.json()["error"] == "temporarily_unavailable"


def test_fastapi_inactive_is_401(hybrid: HybridValidator, server: IntrospectionServer):
    server.answer = {"active": False}
    response = call(make_app(hybrid, sensitive_paths={"/admin"}), "GET", "/admin", OPAQUE)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_fastapi_revoked_is_401(
    hybrid: HybridValidator, revocations: RevocationList, key: SigningKey
):
    revocations.revoke(ISSUER, "id-9", int(time.time()) + 300)
    response = call(make_app(hybrid), "GET", "/orders", jwt_token(key, jti="id-9"))
    assert response.status_code == 401
    assert "revoked" in response.json()["error_description"]


def test_async_hybrid_middleware(local: Validator, server: IntrospectionServer, key: SigningKey):
    introspector = AsyncIntrospector(server.url, local, ClientSecretBasic("a", "b"))
    app = make_app(AsyncHybridValidator(local, introspector), sensitive_paths={"/admin"})
    assert call(app, "GET", "/orders", jwt_token(key)).status_code == 200
    assert call(app, "GET", "/admin", OPAQUE).json() == {"subject": "user-2"}
    assert server.count() == 1


@pytest.mark.parametrize(
    "options", [{"sensitive_paths": {"/admin"}}, {"is_sensitive": lambda scope: True}]
)
def test_sensitive_needs_hybrid(local: Validator, options: Any):
    with pytest.raises(ValueError, match="HybridValidator"):
        make_app(local, **options)
    with pytest.raises(ValueError, match="HybridValidator"):
        make_app(HybridValidator(local), **options)
    with pytest.raises(ValueError, match="HybridValidator"):
        BearerAuthMiddleware(make_app(local), local, **options)


def test_middleware_default_unchanged(local: Validator, key: SigningKey):
    # An app built as before, without the new options, validates locally.
    app = make_app(local)
    assert call(app, "GET", "/admin", jwt_token(key)).json() == {"subject": "user-1"}


# ---- Flask ----


def make_flask(validator: Any) -> Flask:
    app = Flask(__name__)

    @app.get("/orders")
    @require_token(validator, scopes=["orders:read"])
    def orders() -> dict[str, Any]:
        return {"subject": g.token.subject}

    @app.get("/admin")
    @require_token(validator, sensitive=True)
    def admin() -> dict[str, Any]:
        return {"subject": g.token.subject}

    return app


def flask_get(app: Flask, path: str, token: str) -> Any:
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def test_flask_sensitive_route(
    hybrid: HybridValidator, server: IntrospectionServer, key: SigningKey
):
    app = make_flask(hybrid)
    assert flask_get(app, "/orders", jwt_token(key)).get_json() == {"subject": "user-1"}
    assert server.count() == 0
    assert flask_get(app, "/orders", OPAQUE).status_code == 401
    assert flask_get(app, "/admin", OPAQUE).get_json() == {"subject": "user-2"}
    assert server.count() == 1


def test_flask_introspection_failure_is_503(hybrid: HybridValidator, server: IntrospectionServer):
    server.status = 502
    response = flask_get(make_flask(hybrid), "/admin", OPAQUE)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"] == "temporarily_unavailable"


def test_flask_revoked_on_both_paths(
    hybrid: HybridValidator, revocations: RevocationList, key: SigningKey
):
    now = int(time.time())
    revocations.revoke_subject(ISSUER, "user-1", now, now + 3600)
    revocations.revoke_subject(ISSUER, "user-2", now, now + 3600)
    app = make_flask(hybrid)
    assert flask_get(app, "/orders", jwt_token(key)).status_code == 401
    assert flask_get(app, "/admin", OPAQUE).status_code == 401


def test_flask_sensitive_needs_hybrid(local: Validator):
    with pytest.raises(ValueError, match="HybridValidator"):
        make_flask(local)
    with pytest.raises(ValueError, match="HybridValidator"):
        make_flask(HybridValidator(local))
