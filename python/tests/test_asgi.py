"""The ASGI middleware and the FastAPI dependency, called in process through httpx."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
import pytest
from conftest import AUDIENCE, ISSUER, NOW, SigningKey, claims, make_key
from fastapi import Depends, FastAPI, Request
from servers import KeyServer

import tokenguard
from tokenguard import JWKSClient, Validator
from tokenguard.asgi import BearerAuthMiddleware
from tokenguard.fastapi import install, require_scopes


def live_token(key: SigningKey, **overrides: Any) -> str:
    now = tokenguard.unix_now()
    return key.sign(claims(**{"iat": now, "exp": now + 300, **overrides}))


def make_app(validator: Any, **options: Any) -> FastAPI:
    app = FastAPI()
    install(app, validator, **options)

    @app.get("/open")
    def open_route() -> dict[str, str]:
        return {"open": "yes"}

    @app.get("/any", dependencies=[Depends(require_scopes("admin", "orders:read", match="any"))])
    def any_route(request: Request) -> dict[str, Any]:
        return {"scopes": list(request.state.token.scopes)}

    @app.get("/token")
    def token_route(
        token: Annotated[tokenguard.VerifiedToken, Depends(require_scopes())],
    ) -> dict[str, Any]:
        return {"client": token.client_id}

    return app


def get(
    app: Any, path: str, headers: dict[str, str] | None = None, raise_errors: bool = True
) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_errors)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(run())


def test_validator_directly():
    key = make_key("ES256", "k")
    app = make_app(Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE))
    response = get(app, "/token", {"Authorization": "Bearer " + live_token(key)})
    assert response.status_code == 200
    assert response.json() == {"client": "client-1"}


def test_scope_match_any():
    key = make_key("ES256", "k")
    app = make_app(Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE))
    ok = get(app, "/any", {"Authorization": "Bearer " + live_token(key)})
    assert ok.status_code == 200
    denied = get(app, "/any", {"Authorization": "Bearer " + live_token(key, scope="profile")})
    assert denied.status_code == 403
    assert 'scope="admin orders:read"' in denied.headers["www-authenticate"]


def test_excluded_path_open():
    key = make_key("ES256", "k")
    validator = Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE)
    app = make_app(validator, exclude_paths=["/open"])
    assert get(app, "/open").json() == {"open": "yes"}
    assert get(app, "/token").status_code == 401


def test_excluded_path_with_dependency_fails_closed():
    key = make_key("ES256", "k")
    validator = Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE)
    app = make_app(validator, exclude_paths=["/token"])
    with pytest.raises(RuntimeError, match="no verified token"):
        get(app, "/token")
    assert get(app, "/token", raise_errors=False).status_code == 500


def test_sync_client_in_middleware():
    key = make_key("EdDSA", "k")
    server = KeyServer(key)
    try:
        with JWKSClient(server.jwks_url, issuers=ISSUER, audiences=AUDIENCE) as client:
            app = make_app(client)
            response = get(app, "/token", {"Authorization": "Bearer " + live_token(key)})
            assert response.status_code == 200
    finally:
        server.close()


def test_no_keys_is_503():
    server = KeyServer()
    server.status = 500
    try:
        with JWKSClient(server.jwks_url, issuers=ISSUER, audiences=AUDIENCE) as client:
            response = get(make_app(client), "/token", {"Authorization": "Bearer a.b.c"})
    finally:
        server.close()
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"


def test_non_http_scopes_pass():
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    key = make_key("ES256", "k")
    validator = Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE)
    middleware = BearerAuthMiddleware(app, validator)
    asyncio.run(middleware({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    asyncio.run(middleware({"type": "websocket", "headers": []}, None, None))  # type: ignore[arg-type]
    assert seen == ["lifespan", "websocket"]


def test_rejection_body_shape():
    key = make_key("ES256", "k")
    validator = Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE)
    response = get(make_app(validator, realm="r"), "/token", {"Authorization": "Bearer x.y.z"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"error", "error_description"}
    assert response.headers["www-authenticate"].startswith(
        'Bearer realm="r", error="invalid_token"'
    )


def test_expired_token_rejected():
    key = make_key("ES256", "k")
    validator = Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE)
    token = key.sign(claims(exp=NOW - 10**6))
    response = get(make_app(validator), "/token", {"Authorization": "Bearer " + token})
    assert response.json()["error"] == "invalid_token"
