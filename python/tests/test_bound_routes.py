"""Routes that require DPoP or a certificate-bound token, in the ASGI middleware,
the FastAPI integration and the Flask decorator."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from certificates import Certificate, issue, make_ca
from conftest import AUDIENCE, ISSUER, SigningKey, claims, make_key
from fastapi import Depends, FastAPI, Request
from flask import Flask, g

import tokenguard
from tokenguard import (
    ClientCertificateHeader,
    DpopNonces,
    DpopSettings,
    DpopVerifier,
    HybridValidator,
    RevocationList,
    Validator,
    create_dpop_proof,
)
from tokenguard.asgi import BearerAuthMiddleware
from tokenguard.fastapi import install, require_scopes
from tokenguard.flask import require_token

API = "https://api.example.com"
ORDERS = API + "/orders"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def issuer() -> SigningKey:
    return make_key("ES256", "issuer-1")


@pytest.fixture(scope="module")
def validator(issuer: SigningKey) -> Validator:
    return Validator({"keys": [issuer.public_jwk]}, issuers=ISSUER, audiences=AUDIENCE)


@pytest.fixture(scope="module")
def client_key() -> tokenguard.SigningKey:
    return tokenguard.SigningKey.generate("ES256")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Certificate, Certificate]:
    folder: Path = tmp_path_factory.mktemp("bound-routes")
    ca = make_ca(folder)
    return (
        issue(ca, folder, "client", "billing", server=False),
        issue(ca, folder, "other", "billing", server=False),
    )


def live_token(issuer: SigningKey, **overrides: Any) -> str:
    now = tokenguard.unix_now()
    return issuer.sign(claims(**{"iat": now, "exp": now + 300, **overrides}))


def dpop_token(issuer: SigningKey, key: tokenguard.SigningKey, **overrides: Any) -> str:
    return live_token(issuer, cnf={"jkt": key.thumbprint()}, **overrides)


def certificate_token(issuer: SigningKey, certificate: Certificate) -> str:
    thumbprint = b64url(hashlib.sha256(certificate.der).digest())
    return live_token(issuer, cnf={"x5t#S256": thumbprint})


def dpop_headers(
    token: str, key: tokenguard.SigningKey, uri: str = ORDERS, **options: Any
) -> dict[str, str]:
    proof = create_dpop_proof(key, method="GET", uri=uri, access_token=token, **options)
    return {"Authorization": f"DPoP {token}", "DPoP": proof}


def settings(**options: Any) -> DpopSettings:
    options.setdefault("verifier", DpopVerifier(["ES256", "EdDSA"]))
    if "trust_host_header" not in options:
        options.setdefault("base_url", API)
    return DpopSettings(**options)


def fastapi_app(validator: Any, **options: Any) -> FastAPI:
    app = FastAPI()
    install(app, validator, realm="orders", **options)

    @app.get("/orders")
    def orders(request: Request) -> dict[str, Any]:
        return {"subject": request.state.token.subject}

    @app.get("/admin", dependencies=[Depends(require_scopes("admin"))])
    def admin(request: Request) -> dict[str, Any]:
        return {"subject": request.state.token.subject}

    @app.get("/internal")
    def internal(request: Request) -> dict[str, Any]:
        return {"client": request.state.token.client_id}

    @app.get("/plain")
    def plain(request: Request) -> dict[str, Any]:
        return {"subject": request.state.token.subject}

    @app.get("/echo")
    def echo(request: Request) -> dict[str, Any]:
        return {"certificate": request.headers.get("x-client-cert")}

    return app


def call(
    app: Any,
    path: str,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    peer: str = "127.0.0.1",
) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(run())


# ---- DPoP in the ASGI middleware ----


def test_dpop_route_accepts_proof(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey
):
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/orders"})
    token = dpop_token(issuer, client_key)
    response = call(app, "/orders?page=2", dpop_headers(token, client_key))
    assert response.status_code == 200
    assert response.json() == {"subject": "user-1"}
    assert "dpop-nonce" not in response.headers

    # The same token on a route without DPoP is a bearer token bound to a key.
    bearer = call(app, "/plain", {"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert "needs a proof of possession" in bearer.json()["error_description"]
    assert bearer.headers["www-authenticate"].startswith('Bearer realm="orders"')


def test_dpop_route_without_credentials(validator: Validator):
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/orders"})
    response = call(app, "/orders")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'DPoP realm="orders", algs="ES256 EdDSA"'
    assert response.json()["error"] == "invalid_token"


def test_dpop_route_rejects_bearer_scheme(issuer: SigningKey, validator: Validator):
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/orders"})
    response = call(app, "/orders", {"Authorization": f"Bearer {live_token(issuer)}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'DPoP realm="orders", algs="ES256 EdDSA"'
    expected = "the Authorization header is not in the DPoP scheme"
    assert response.json()["error_description"] == expected


@pytest.mark.parametrize("proofs", [0, 2])
def test_dpop_route_needs_one_proof(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey, proofs: int
):
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/orders"})
    token = dpop_token(issuer, client_key)
    headers = [("Authorization", f"DPoP {token}")]
    for _ in range(proofs):
        headers.append(("DPoP", dpop_headers(token, client_key)["DPoP"]))
    response = call(app, "/orders", headers)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('DPoP realm="orders", error="invalid_dpop_proof"')
    expected = "the request has no DPoP header" if proofs == 0 else "more than one DPoP header"
    assert expected in response.json()["error_description"]


def test_dpop_route_repeated_authorization(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey
):
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/orders"})
    headers = dpop_headers(dpop_token(issuer, client_key), client_key)
    repeated = [("Authorization", headers["Authorization"])] * 2 + [("DPoP", headers["DPoP"])]
    response = call(app, "/orders", repeated)
    assert response.status_code == 400
    assert 'error="invalid_request"' in response.headers["www-authenticate"]
    assert response.headers["www-authenticate"].startswith("DPoP ")


def test_dpop_uri_not_taken_from_host(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey
):
    # A proof for the URL the Host header names, while clients reach this API
    # at https://api.example.com, is a proof made for another server.
    token = dpop_token(issuer, client_key)
    headers = dpop_headers(token, client_key, uri="http://testserver/orders")
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/orders"})
    response = call(app, "/orders", headers)
    assert response.status_code == 401
    assert response.json()["error_description"] == "invalid DPoP proof: htu is not the request URI"

    trusting = fastapi_app(validator, dpop=settings(trust_host_header=True), dpop_paths={"/orders"})
    assert call(trusting, "/orders", headers).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        # Characters that no host or port contains. '#', '?', '@' and '/' would also
        # end the authority early, so that a proof for another host or a shorter
        # path would match.
        "evil.example#",
        "evil.example?",
        "evil.example@api.example.com",
        "evil.example\\",
        "api.example.com/x",
        'api.example.com"',
        "",
        None,
    ],
)
def test_dpop_host_header_checked(host: str | None):
    trusting = DpopSettings(trust_host_header=True)
    with pytest.raises(ValueError, match="no valid Host header"):
        trusting.request_uri("https", host, "/orders")


@pytest.mark.parametrize("host", ["api.example.com", "api.example.com:8443", "[::1]:8443"])
def test_dpop_host_header_used(host: str):
    trusting = DpopSettings(trust_host_header=True)
    assert trusting.request_uri("https", host, "/orders") == f"https://{host}/orders"


def test_dpop_route_replay_rejected(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey
):
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/orders"})
    headers = dpop_headers(dpop_token(issuer, client_key), client_key)
    assert call(app, "/orders", headers).status_code == 200
    replayed = call(app, "/orders", headers)
    assert replayed.status_code == 401
    assert "already used" in replayed.json()["error_description"]


def test_dpop_nonces(issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey):
    clock = Clock()
    nonces = DpopNonces(b"n" * 32, lifetime=60, clock=clock)
    app = fastapi_app(validator, dpop=settings(nonces=nonces), dpop_paths={"/orders"})
    token = dpop_token(issuer, client_key)

    asked = call(app, "/orders", dpop_headers(token, client_key))
    assert asked.status_code == 401
    assert 'error="use_dpop_nonce"' in asked.headers["www-authenticate"]
    nonce = asked.headers["dpop-nonce"]
    assert nonce == nonces.current()

    accepted = call(app, "/orders", dpop_headers(token, client_key, nonce=nonce))
    assert accepted.status_code == 200
    assert "dpop-nonce" not in accepted.headers

    # One window later the nonce is the previous one: accepted, with the next.
    clock.now += 60
    renewed = call(app, "/orders", dpop_headers(token, client_key, nonce=nonce))
    assert renewed.status_code == 200
    assert renewed.headers["dpop-nonce"] == nonces.current() != nonce

    # Two windows later it is no longer accepted.
    clock.now += 60
    expired = call(app, "/orders", dpop_headers(token, client_key, nonce=nonce))
    assert expired.status_code == 401
    assert expired.headers["dpop-nonce"] == nonces.current()

    # The first response to a request without credentials offers the nonce.
    assert call(app, "/orders").headers["dpop-nonce"] == nonces.current()


def test_dpop_nonces_shared_by_secret():
    clock = Clock()
    first = DpopNonces(b"s" * 32, clock=clock)
    second = DpopNonces(b"s" * 32, clock=clock)
    other = DpopNonces(b"t" * 32, clock=clock)
    assert first.current() == second.current() != other.current()
    current, previous = first.accepted()
    clock.now += 300
    assert first.accepted()[1] == current != previous


def test_dpop_route_insufficient_scope(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey
):
    app = fastapi_app(validator, dpop=settings(), dpop_paths={"/admin"})
    token = dpop_token(issuer, client_key)
    response = call(app, "/admin", dpop_headers(token, client_key, uri=API + "/admin"))
    assert response.status_code == 403
    # The realm is require_scopes', which this route does not set.
    assert response.headers["www-authenticate"] == (
        'DPoP error="insufficient_scope", '
        'error_description="the token lacks a required scope", algs="ES256 EdDSA"'
    )


def test_dpop_predicate_and_hybrid_revocations(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey
):
    revocations = RevocationList()
    hybrid = HybridValidator(validator, revocations=revocations)
    app = fastapi_app(
        hybrid, dpop=settings(), requires_dpop=lambda scope: scope["path"].startswith("/ord")
    )
    token = dpop_token(issuer, client_key, jti="dpop-revoked")
    assert call(app, "/orders", dpop_headers(token, client_key)).status_code == 200
    revocations.revoke(ISSUER, "dpop-revoked", tokenguard.unix_now() + 300)
    response = call(app, "/orders", dpop_headers(token, client_key))
    assert response.status_code == 401
    assert response.json()["error_description"] == "token has been revoked"
    assert response.headers["www-authenticate"].startswith("DPoP ")


# ---- certificate-bound routes in the ASGI middleware ----


def proxy() -> ClientCertificateHeader:
    return ClientCertificateHeader(["127.0.0.1"])


def test_certificate_route(
    issuer: SigningKey, validator: Validator, pki: tuple[Certificate, Certificate]
):
    certificate, other = pki
    app = fastapi_app(validator, client_certificate=proxy(), certificate_paths={"/internal"})
    token = certificate_token(issuer, certificate)
    headers = {"Authorization": f"Bearer {token}", "X-Client-Cert": quote(certificate.pem)}
    accepted = call(app, "/internal", headers)
    assert accepted.status_code == 200
    assert accepted.json() == {"client": "client-1"}

    mismatch = call(app, "/internal", {**headers, "X-Client-Cert": quote(other.pem)})
    assert mismatch.status_code == 401
    assert "another client certificate" in mismatch.json()["error_description"]

    missing = call(app, "/internal", {"Authorization": f"Bearer {token}"})
    assert missing.status_code == 401
    assert missing.json()["error_description"] == "the request has no client certificate"
    assert 'error="invalid_token"' in missing.headers["www-authenticate"]

    # The token is not accepted as a bearer token elsewhere.
    assert call(app, "/plain", {"Authorization": f"Bearer {token}"}).status_code == 401


def test_certificate_route_untrusted_peer(
    issuer: SigningKey, validator: Validator, pki: tuple[Certificate, Certificate]
):
    certificate, _ = pki
    app = fastapi_app(
        validator,
        client_certificate=proxy(),
        certificate_paths={"/internal"},
        exclude_paths={"/echo"},
    )
    token = certificate_token(issuer, certificate)
    headers = {"Authorization": f"Bearer {token}", "X-Client-Cert": quote(certificate.pem)}
    spoofed = call(app, "/internal", headers, peer="198.51.100.9")
    assert spoofed.status_code == 401
    assert spoofed.json()["error_description"] == "the request has no client certificate"
    # The application never receives the header of a peer that is not the proxy.
    assert call(app, "/echo", headers, peer="198.51.100.9").json() == {"certificate": None}
    assert call(app, "/echo", headers).json() == {"certificate": quote(certificate.pem)}


def test_certificate_route_invalid_header(
    issuer: SigningKey,
    validator: Validator,
    pki: tuple[Certificate, Certificate],
    caplog: pytest.LogCaptureFixture,
):
    certificate, _ = pki
    app = fastapi_app(validator, client_certificate=proxy(), certificate_paths={"/internal"})
    token = certificate_token(issuer, certificate)
    headers = {"Authorization": f"Bearer {token}", "X-Client-Cert": "not a certificate"}
    with caplog.at_level(logging.ERROR, logger="tokenguard.http"):
        response = call(app, "/internal", headers)
    assert response.status_code == 401
    expected = "the client certificate forwarded by the proxy is invalid"
    assert response.json()["error_description"] == expected
    assert token not in caplog.text


def test_websocket_header_stripped(validator: Validator):
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["headers"])

    middleware = BearerAuthMiddleware(app, validator, client_certificate=proxy())
    scope = {
        "type": "websocket",
        "client": ("192.0.2.3", 1),
        "headers": [(b"x-client-cert", b"forged"), (b"origin", b"x")],
    }
    asyncio.run(middleware(scope, None, None))  # type: ignore[arg-type]
    assert seen == [[(b"origin", b"x")]]


def test_conflicting_predicates_answer_500(validator: Validator):
    app = fastapi_app(
        validator,
        dpop=settings(),
        requires_dpop=lambda scope: True,
        client_certificate=proxy(),
        requires_certificate=lambda scope: True,
    )
    response = call(app, "/orders", {"Authorization": "Bearer a.b.c"})
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dpop_paths": {"/orders"}}, "need both dpop"),
        ({"dpop": "settings", "dpop_paths": {"/orders"}}, "DpopSettings"),
        ({"requires_dpop": lambda scope: True}, "need both dpop"),
        ({"dpop": DpopSettings(API)}, "need both dpop"),
        ({"certificate_paths": {"/internal"}}, "client_certificate"),
        ({"client_certificate": "proxy"}, "ClientCertificateHeader"),
        (
            {
                "dpop": DpopSettings(API),
                "dpop_paths": {"/a", "/b"},
                "client_certificate": ClientCertificateHeader(["127.0.0.1"]),
                "certificate_paths": {"/b"},
            },
            "/b may not be in both dpop_paths and certificate_paths",
        ),
    ],
)
def test_invalid_route_options(validator: Validator, options: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=message):
        install(FastAPI(), validator, **options)
    with pytest.raises(ValueError, match=message):
        BearerAuthMiddleware(fastapi_app(validator), validator, **options)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "pass base_url"),
        ({"base_url": API, "trust_host_header": True}, "not both"),
        ({"base_url": "api.example.com"}, "http or https URL"),
        ({"base_url": API + "?x=1"}, "no query string"),
        ({"base_url": API, "verifier": "v"}, "DpopVerifier"),
        ({"base_url": API, "replay_cache": {}}, "ReplayCache"),
        ({"base_url": API, "nonces": "n"}, "DpopNonces"),
    ],
)
def test_invalid_dpop_settings(arguments: dict[str, Any], message: str):
    with pytest.raises(tokenguard.InvalidConfig, match=message):
        DpopSettings(**arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"secret": b"short"}, "at least 16 bytes"), ({"lifetime": 0}, "lifetime")],
)
def test_invalid_nonce_options(arguments: dict[str, Any], message: str):
    with pytest.raises(tokenguard.InvalidConfig, match=message):
        DpopNonces(**arguments)


# ---- Flask ----


def flask_app(validator: Validator, dpop: DpopSettings, client_certificate: Any) -> Flask:
    app = Flask(__name__)

    @app.get("/orders")
    @require_token(validator, dpop=dpop, realm="orders")
    def orders() -> dict[str, Any]:
        return {"subject": g.token.subject}

    @app.get("/internal")
    @require_token(validator, client_certificate=client_certificate)
    def internal() -> dict[str, Any]:
        return {"client": g.token.client_id}

    @app.get("/plain")
    @require_token(validator)
    def plain() -> dict[str, Any]:
        return {"subject": g.token.subject}

    return app


def test_flask_dpop_view(
    issuer: SigningKey, validator: Validator, client_key: tokenguard.SigningKey
):
    clock = Clock()
    nonces = DpopNonces(b"f" * 32, lifetime=60, clock=clock)
    app = flask_app(validator, settings(base_url="http://localhost", nonces=nonces), proxy())
    test_client = app.test_client()
    token = dpop_token(issuer, client_key)
    uri = "http://localhost/orders"

    asked = test_client.get("/orders", headers=dpop_headers(token, client_key, uri=uri))
    assert asked.status_code == 401
    nonce = asked.headers["DPoP-Nonce"]
    headers = dpop_headers(token, client_key, uri=uri, nonce=nonce)
    accepted = test_client.get("/orders?page=1", headers=headers)
    assert accepted.status_code == 200
    assert accepted.get_json() == {"subject": "user-1"}

    clock.now += 60
    renewed = test_client.get(
        "/orders", headers=dpop_headers(token, client_key, uri=uri, nonce=nonce)
    )
    assert renewed.status_code == 200
    assert renewed.headers["DPoP-Nonce"] == nonces.current()

    bearer = test_client.get("/plain", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert "proof of possession" in bearer.get_json()["error_description"]
    missing = test_client.get("/orders")
    assert missing.headers["WWW-Authenticate"] == 'DPoP realm="orders", algs="ES256 EdDSA"'


def test_flask_certificate_view(
    issuer: SigningKey, validator: Validator, pki: tuple[Certificate, Certificate]
):
    certificate, other = pki
    app = flask_app(validator, settings(), proxy())
    test_client = app.test_client()
    token = certificate_token(issuer, certificate)
    headers = {"Authorization": f"Bearer {token}", "X-Client-Cert": quote(certificate.pem)}
    trusted = {"REMOTE_ADDR": "127.0.0.1"}
    accepted = test_client.get("/internal", headers=headers, environ_base=trusted)
    assert accepted.status_code == 200
    assert accepted.get_json() == {"client": "client-1"}

    mismatch = {**headers, "X-Client-Cert": quote(other.pem)}
    assert test_client.get("/internal", headers=mismatch, environ_base=trusted).status_code == 401

    spoofed = test_client.get(
        "/internal", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.8"}
    )
    assert spoofed.status_code == 401
    assert spoofed.get_json()["error_description"] == "the request has no client certificate"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"dpop": DpopSettings(API), "client_certificate": ClientCertificateHeader(["::1"])},
            "only one",
        ),
        ({"dpop": "settings"}, "DpopSettings"),
        ({"client_certificate": "proxy"}, "ClientCertificateHeader"),
    ],
)
def test_flask_invalid_options(validator: Validator, options: dict[str, Any], message: str):
    with pytest.raises(ValueError, match=message):
        require_token(validator, **options)
