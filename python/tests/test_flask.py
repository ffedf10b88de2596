"""The Flask decorator, called in process through Flask's test client."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AUDIENCE, ISSUER, SigningKey, claims, make_key
from flask import Flask, g
from servers import KeyServer

import tokenguard
from tokenguard import JWKSClient, Validator
from tokenguard.flask import require_token


def live_token(key: SigningKey, **overrides: Any) -> str:
    now = tokenguard.unix_now()
    return key.sign(claims(**{"iat": now, "exp": now + 300, **overrides}))


def make_app(validator: Any) -> Flask:
    app = Flask(__name__)

    @app.get("/any")
    @require_token(validator, scopes=["admin", "orders:read"], match="any", realm="r")
    def any_route() -> dict[str, Any]:
        return {"subject": g.token.subject, "scopes": list(g.token.scopes)}

    @app.get("/plain")
    @require_token(validator)
    def plain_route() -> dict[str, Any]:
        return {"client": g.token.client_id}

    return app


@pytest.fixture
def key() -> SigningKey:
    return make_key("ES256", "k")


@pytest.fixture
def app(key: SigningKey) -> Flask:
    return make_app(Validator({"keys": [key.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE))


def test_token_on_g(app: Flask, key: SigningKey):
    response = app.test_client().get(
        "/plain", headers={"Authorization": "Bearer " + live_token(key)}
    )
    assert response.status_code == 200
    assert response.json == {"client": "client-1"}


def test_scope_any(app: Flask, key: SigningKey):
    client = app.test_client()
    ok = client.get("/any", headers={"Authorization": "Bearer " + live_token(key)})
    assert ok.status_code == 200
    denied = client.get(
        "/any", headers={"Authorization": "Bearer " + live_token(key, scope="profile")}
    )
    assert denied.status_code == 403
    assert denied.headers["WWW-Authenticate"] == (
        'Bearer realm="r", error="insufficient_scope", '
        'error_description="the token lacks a required scope", scope="admin orders:read"'
    )
    assert denied.json == {
        "error": "insufficient_scope",
        "error_description": "the token lacks a required scope",
    }


def test_missing_header(app: Flask):
    response = app.test_client().get("/any")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="r"'


def test_no_keys_is_503():
    server = KeyServer()
    server.status = 404
    try:
        with JWKSClient(server.jwks_url, issuers=ISSUER, audiences=AUDIENCE) as client:
            response = (
                make_app(client)
                .test_client()
                .get("/plain", headers={"Authorization": "Bearer a.b.c"})
            )
    finally:
        server.close()
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["error"] == "temporarily_unavailable"


def test_bad_match_rejected():
    with pytest.raises(ValueError, match="match"):
        require_token(Validator({"keys": []}, issuers=ISSUER, audiences=AUDIENCE), match="some")
