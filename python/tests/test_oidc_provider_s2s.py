"""Service-to-service calls against a real authorization server, oidc-provider (the
version pinned in interop/package.json).

It issues client credentials tokens to clients that authenticate with
``private_key_jwt`` assertions made by tokenguard. It also issues DPoP-bound
tokens for proofs made here, and tokens bound to the client certificate of a
real TLS connection. tokenguard must accept each token with the right proof and
reject it with a wrong one."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from certificates import Certificate, issue, make_ca
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request
from jwt.algorithms import ECAlgorithm
from oidc_provider import (
    DPOP_CLIENT_ID,
    JWT_CLIENT_ID,
    MTLS_CLIENT_ID,
    MTLS_SUBJECT,
    OidcProvider,
)
from redis_server import free_port
from servers import load_example, serve_fastapi

import tokenguard
from tokenguard import (
    AsyncTokenClient,
    ClientCertificateHeader,
    DpopSettings,
    JWKSClient,
    PrivateKeyJwt,
    ReplayCache,
    SigningKey,
    TlsClientAuth,
    TokenClient,
    TokenRequestError,
    Validator,
)
from tokenguard.fastapi import install

RESOURCE = "urn:tokenguard:interop:es256"
#: The API of the README's examples; server.mjs registers it.
EXAMPLE_RESOURCE = "https://orders.example.com"
API = "https://orders.example.com"
ORDERS = API + "/orders"


@dataclass
class Pki:
    ca: Certificate
    server: Certificate
    client: Certificate
    other_client: Certificate
    rogue_client: Certificate


@pytest.fixture(scope="module")
def client_key() -> SigningKey:
    """The private_key_jwt clients' key, made by tokenguard."""
    return SigningKey.generate("ES256", kid="s2s-client-1")


@pytest.fixture(scope="module")
def example_client_jwk() -> dict[str, Any]:
    """The private JWK that the s2s_client example reads, made with ``cryptography``."""
    private = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(private, as_dict=True)
    jwk.update({"kid": "example-client", "alg": "ES256"})
    return jwk


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = make_ca(folder)
    rogue_ca = make_ca(folder, "rogue CA")
    return Pki(
        ca=ca,
        server=issue(ca, folder, "server", "127.0.0.1", server=True),
        client=issue(ca, folder, "client", MTLS_SUBJECT, server=False),
        other_client=issue(ca, folder, "other-client", MTLS_SUBJECT, server=False),
        rogue_client=issue(rogue_ca, folder, "rogue-client", MTLS_SUBJECT, server=False),
    )


@pytest.fixture(scope="module")
def tls_port() -> int:
    """The port of the provider's HTTPS listener."""
    return free_port()


@pytest.fixture(scope="module")
def tls_token_endpoint(tls_port: int) -> str:
    return f"https://127.0.0.1:{tls_port}/token"


@pytest.fixture(scope="module")
def provider(
    tmp_path_factory: pytest.TempPathFactory,
    client_key: SigningKey,
    example_client_jwk: dict[str, Any],
    pki: Pki,
    tls_port: int,
) -> Iterator[OidcProvider]:
    public_jwk = json.loads(client_key.public_jwk() or "")
    example_public = {name: value for name, value in example_client_jwk.items() if name != "d"}
    environment = {
        "INTEROP_JWT_CLIENT_JWKS": json.dumps({"keys": [public_jwk, example_public]}),
        "INTEROP_TLS_PORT": str(tls_port),
        "INTEROP_TLS_CERT": str(pki.server.cert_path),
        "INTEROP_TLS_KEY": str(pki.server.key_path),
        "INTEROP_TLS_CLIENT_CA": str(pki.ca.cert_path),
    }
    server = OidcProvider(tmp_path_factory.mktemp("oidc-s2s") / "server.log", environment)
    yield server
    server.close()


@pytest.fixture(scope="module")
def validator(provider: OidcProvider) -> Validator:
    return Validator(provider.jwks(), issuers=provider.issuer, audiences=RESOURCE)


class CountingClient:
    """An httpx client that counts the requests it sends."""

    def __init__(self, **options: Any) -> None:
        self.count = 0
        self.client = httpx.Client(
            timeout=5, trust_env=False, event_hooks={"request": [self.seen]}, **options
        )

    def seen(self, request: httpx.Request) -> None:
        self.count += 1


def tls_context(pki: Pki, client: Certificate | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca.cert_path))
    if client is not None:
        context.load_cert_chain(str(client.cert_path), str(client.key_path))
    return context


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---- private_key_jwt ----


def test_private_key_jwt_token(
    provider: OidcProvider, client_key: SigningKey, validator: Validator
):
    http = CountingClient()
    authentication = PrivateKeyJwt(JWT_CLIENT_ID, client_key)
    with TokenClient(
        provider.token_endpoint,
        authentication,
        scopes=["api:read"],
        resource=RESOURCE,
        http_client=http.client,
    ) as client:
        token = client.token()
        assert token.token_type == "Bearer"
        assert token.scopes == ("api:read",)
        verified = validator.validate(token.value)
        assert verified.client_id == JWT_CLIENT_ID
        assert verified.scopes == ("api:read",)
        assert "cnf" not in verified.claims

        # Cached: the second call sends no request.
        assert client.token() == token
        assert http.count == 1
        assert client.headers() == {"Authorization": f"Bearer {token.value}"}
    http.client.close()


def test_private_key_jwt_issuer_audience(provider: OidcProvider, client_key: SigningKey):
    authentication = PrivateKeyJwt(JWT_CLIENT_ID, client_key, audience=provider.issuer)
    with TokenClient(provider.token_endpoint, authentication, resource=RESOURCE) as client:
        assert client.token().token_type == "Bearer"


def test_private_key_jwt_wrong_key_rejected(provider: OidcProvider):
    http = CountingClient()
    other = SigningKey.generate("ES256", kid="s2s-client-1")
    authentication = PrivateKeyJwt(JWT_CLIENT_ID, other)
    client = TokenClient(
        provider.token_endpoint, authentication, resource=RESOURCE, http_client=http.client
    )
    with pytest.raises(TokenRequestError) as caught:
        client.token()
    assert caught.value.oauth_error == "invalid_client"
    assert caught.value.http_status == 401
    assert "invalid_client" in str(caught.value)
    # An authentication failure is never retried.
    assert http.count == 1
    http.client.close()


def test_async_private_key_jwt_token(
    provider: OidcProvider, client_key: SigningKey, validator: Validator
):
    async def run() -> None:
        authentication = PrivateKeyJwt(JWT_CLIENT_ID, client_key)
        async with AsyncTokenClient(
            provider.token_endpoint, authentication, resource=RESOURCE
        ) as client:
            tokens = await asyncio.gather(*(client.token() for _ in range(8)))
        assert len({token.value for token in tokens}) == 1
        assert validator.validate(tokens[0].value).client_id == JWT_CLIENT_ID

    asyncio.run(run())


# ---- DPoP ----


@pytest.fixture(scope="module")
def dpop_key() -> SigningKey:
    return SigningKey.generate("ES256")


@pytest.fixture(scope="module")
def dpop_client(
    provider: OidcProvider, client_key: SigningKey, dpop_key: SigningKey
) -> Iterator[TokenClient]:
    authentication = PrivateKeyJwt(DPOP_CLIENT_ID, client_key)
    with TokenClient(
        provider.token_endpoint,
        authentication,
        scopes="api:read",
        resource=RESOURCE,
        dpop_key=dpop_key,
    ) as client:
        yield client


def test_dpop_token_request_meets_nonce(
    provider: OidcProvider, client_key: SigningKey, dpop_key: SigningKey
):
    # server.mjs requires a server nonce from this client: the first request gets
    # use_dpop_nonce, and the client sends a second one with the nonce.
    http = CountingClient()
    client = TokenClient(
        provider.token_endpoint,
        PrivateKeyJwt(DPOP_CLIENT_ID, client_key),
        resource=RESOURCE,
        dpop_key=dpop_key,
        http_client=http.client,
    )
    assert client.token().token_type == "DPoP"
    assert http.count == 2
    http.client.close()


def test_dpop_client_without_proof_rejected(provider: OidcProvider, client_key: SigningKey):
    http = CountingClient()
    authentication = PrivateKeyJwt(DPOP_CLIENT_ID, client_key)
    client = TokenClient(
        provider.token_endpoint, authentication, resource=RESOURCE, http_client=http.client
    )
    with pytest.raises(TokenRequestError) as caught:
        client.token()
    assert caught.value.http_status == 400
    assert caught.value.oauth_error is not None
    assert http.count == 1
    http.client.close()


def test_dpop_token_bound_to_key(
    dpop_client: TokenClient, dpop_key: SigningKey, validator: Validator
):
    token = dpop_client.token()
    assert token.token_type == "DPoP"
    proof = dpop_client.dpop_proof("GET", ORDERS, access_token=token.value)
    verified = validator.validate_dpop(
        token.authorization, proof, "GET", ORDERS, cache=ReplayCache(16)
    )
    assert verified.claims["cnf"] == {"jkt": dpop_key.thumbprint()}
    assert verified.client_id == DPOP_CLIENT_ID
    # Without its proof, the token is rejected as a bearer token.
    with pytest.raises(tokenguard.ProofRequired):
        validator.validate(token.value)


def test_dpop_replayed_proof_rejected(dpop_client: TokenClient, validator: Validator):
    token = dpop_client.token()
    cache = ReplayCache(16)
    proof = dpop_client.dpop_proof("GET", ORDERS, access_token=token.value)
    validator.validate_dpop(token.authorization, proof, "GET", ORDERS, cache=cache)
    with pytest.raises(tokenguard.InvalidDpopProof, match="already used"):
        validator.validate_dpop(token.authorization, proof, "GET", ORDERS, cache=cache)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong key", "proof key is not the key the access token is bound to"),
        ("wrong htu", "htu is not the request URI"),
        ("wrong htm", "htm is not the request method"),
        ("stale iat", "iat is outside the accepted time window"),
        ("no ath", "claim 'ath' is missing or invalid"),
    ],
)
def test_dpop_wrong_proof_rejected(
    dpop_client: TokenClient, dpop_key: SigningKey, validator: Validator, case: str, reason: str
):
    token = dpop_client.token()
    options: dict[str, Any] = {
        "method": "GET",
        "uri": ORDERS,
        "access_token": token.value,
        "now": time.time(),
    }
    key = dpop_key
    if case == "wrong key":
        key = SigningKey.generate("ES256")
    elif case == "wrong htu":
        options["uri"] = API + "/payments"
    elif case == "wrong htm":
        options["method"] = "POST"
    elif case == "stale iat":
        options["now"] = time.time() - 3600
    elif case == "no ath":
        options["access_token"] = None
    proof = tokenguard.create_dpop_proof(key, **options)
    with pytest.raises(tokenguard.InvalidDpopProof) as caught:
        validator.validate_dpop(token.authorization, proof, "GET", ORDERS, cache=ReplayCache(16))
    assert caught.value.description == f"invalid DPoP proof: {reason}"


def test_dpop_route_through_fastapi(provider: OidcProvider, dpop_client: TokenClient):
    keys = JWKSClient(provider.metadata["jwks_uri"], issuers=provider.issuer, audiences=RESOURCE)
    app = FastAPI()
    install(app, keys, dpop=DpopSettings(API), dpop_paths={"/orders"})

    @app.get("/orders")
    def orders(request: Request) -> dict[str, Any]:
        return {"client": request.state.token.client_id}

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=API) as http:
            headers = dpop_client.headers("GET", ORDERS)
            accepted = await http.get("/orders", headers=headers)
            replayed = await http.get("/orders", headers=headers)
            token = dpop_client.token()
            bearer = await http.get("/orders", headers={"Authorization": f"Bearer {token.value}"})
            return [accepted, replayed, bearer]

    with keys:
        accepted, replayed, bearer = asyncio.run(run())
    assert accepted.status_code == 200
    assert accepted.json() == {"client": DPOP_CLIENT_ID}
    assert replayed.status_code == 401
    assert 'error="invalid_dpop_proof"' in replayed.headers["www-authenticate"]
    assert bearer.status_code == 401
    assert bearer.headers["www-authenticate"].startswith("DPoP algs=")


# ---- mTLS ----


def request_mtls_token(
    endpoint: str,
    pki: Pki,
    certificate: Certificate | None,
    resource: str = RESOURCE,
    scopes: str = "api:read",
) -> str:
    """Obtain a token over a TLS connection that presents ``certificate``."""
    context = tls_context(pki, certificate)
    with httpx.Client(verify=context, timeout=5, trust_env=False) as http:
        client = TokenClient(
            endpoint,
            TlsClientAuth(MTLS_CLIENT_ID),
            scopes=scopes,
            resource=resource,
            http_client=http,
            retries=0,
        )
        return client.token().value


@pytest.fixture(scope="module")
def mtls_token(provider: OidcProvider, tls_token_endpoint: str, pki: Pki) -> str:
    return request_mtls_token(tls_token_endpoint, pki, pki.client)


def test_mtls_token_bound_to_certificate(mtls_token: str, pki: Pki, validator: Validator):
    verified = validator.validate_certificate_bound(mtls_token, pki.client.der)
    assert verified.client_id == MTLS_CLIENT_ID
    expected = b64url(hashlib.sha256(pki.client.der).digest())
    assert verified.claims["cnf"] == {"x5t#S256": expected}


def test_mtls_token_other_certificate_rejected(mtls_token: str, pki: Pki, validator: Validator):
    # Issued by the same CA to the same subject, so the authorization server
    # would accept it for the client, but the token names the first one.
    with pytest.raises(tokenguard.CertificateMismatch):
        validator.validate_certificate_bound(mtls_token, pki.other_client.der)
    with pytest.raises(tokenguard.ProofRequired):
        validator.validate(mtls_token)


@pytest.mark.parametrize("certificate", ["rogue_client", None])
def test_mtls_client_untrusted_certificate_rejected(
    provider: OidcProvider, tls_token_endpoint: str, pki: Pki, certificate: str | None
):
    chosen = getattr(pki, certificate) if certificate is not None else None
    with pytest.raises(TokenRequestError) as caught:
        request_mtls_token(tls_token_endpoint, pki, chosen)
    assert caught.value.oauth_error == "invalid_client"


def test_mtls_server_certificate_unverified_not_retried(
    provider: OidcProvider, tls_token_endpoint: str
):
    # The client does not trust the test CA: a certificate error is final.
    http = CountingClient()
    client = TokenClient(
        tls_token_endpoint,
        TlsClientAuth(MTLS_CLIENT_ID),
        http_client=http.client,
        retries=3,
        backoff=0.01,
    )
    with pytest.raises(TokenRequestError, match="CERTIFICATE_VERIFY_FAILED"):
        client.token()
    assert http.count == 1
    http.client.close()


@pytest.mark.parametrize(
    ("encoding", "header"), [("pem", "X-Client-Cert"), ("xfcc", "X-Forwarded-Client-Cert")]
)
def test_mtls_route_through_proxy_header(
    provider: OidcProvider, mtls_token: str, pki: Pki, encoding: str, header: str
):
    validator = Validator(provider.jwks(), issuers=provider.issuer, audiences=RESOURCE)
    proxy = ClientCertificateHeader(["127.0.0.1"], header=header, encoding=encoding)
    app = FastAPI()
    install(app, validator, client_certificate=proxy, certificate_paths={"/internal"})

    @app.get("/internal")
    def internal(request: Request) -> dict[str, Any]:
        return {"client": request.state.token.client_id}

    def forwarded(certificate: Certificate) -> str:
        escaped = quote(certificate.pem, safe="")
        if encoding == "xfcc":
            return f'By=spiffe://example/api;Hash=00;Cert="{escaped}";Subject="CN={MTLS_SUBJECT}"'
        return escaped

    async def call(peer: str, certificate: Certificate) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=API) as http:
            headers = {"Authorization": f"Bearer {mtls_token}", header: forwarded(certificate)}
            return await http.get("/internal", headers=headers)

    accepted = asyncio.run(call("127.0.0.1", pki.client))
    assert accepted.status_code == 200
    assert accepted.json() == {"client": MTLS_CLIENT_ID}
    other = asyncio.run(call("127.0.0.1", pki.other_client))
    assert other.status_code == 401
    assert "another client certificate" in other.json()["error_description"]
    # The same header from a peer that is not the proxy is ignored.
    spoofed = asyncio.run(call("192.0.2.10", pki.client))
    assert spoofed.status_code == 401
    assert spoofed.json()["error_description"] == "the request has no client certificate"


# ---- the README's examples ----


@pytest.fixture
def dpop_api(provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The dpop_api example under uvicorn, trusting the provider's tokens."""
    port = free_port()
    monkeypatch.setenv("PUBLIC_URL", f"http://127.0.0.1:{port}")
    module = load_example("dpop_api", provider.issuer, monkeypatch)
    yield from serve_fastapi(module.app, port)


def test_examples_client_calls_dpop_api(
    provider: OidcProvider,
    dpop_api: str,
    example_client_jwk: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("TOKEN_ENDPOINT", provider.token_endpoint)
    monkeypatch.setenv("CLIENT_ID", DPOP_CLIENT_ID)
    monkeypatch.setenv("CLIENT_JWK", json.dumps(example_client_jwk))
    # The example's httpx.get reads proxy settings from the environment.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    client = load_example("s2s_client", provider.issuer, monkeypatch)
    with client.tokens:
        assert client.list_orders(dpop_api + "/orders") == {"client": DPOP_CLIENT_ID}
        # Each call signs a new proof, so a second call passes the replay check.
        assert client.list_orders(dpop_api + "/orders?page=2") == {"client": DPOP_CLIENT_ID}
        token = client.tokens.token()
    assert token.token_type == "DPoP"
    bearer = httpx.get(
        dpop_api + "/orders", headers={"Authorization": f"Bearer {token.value}"}, trust_env=False
    )
    assert bearer.status_code == 401


@pytest.fixture
def mtls_api(provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The mtls_api example under uvicorn, with 127.0.0.1 as its trusted proxy."""
    monkeypatch.setenv("PROXY_ADDRESS", "127.0.0.1")
    module = load_example("mtls_api", provider.issuer, monkeypatch)
    yield from serve_fastapi(module.app)


def test_examples_mtls_api(mtls_api: str, tls_token_endpoint: str, pki: Pki):
    token = request_mtls_token(
        tls_token_endpoint, pki, pki.client, resource=EXAMPLE_RESOURCE, scopes="orders:read"
    )

    def get(certificate: Certificate) -> httpx.Response:
        # As nginx sends it, from 127.0.0.1 as a proxy on the same host would.
        headers = {
            "Authorization": f"Bearer {token}",
            "X-Client-Cert": quote(certificate.pem, safe=""),
        }
        return httpx.get(mtls_api + "/internal/orders", headers=headers, trust_env=False)

    accepted = get(pki.client)
    assert accepted.status_code == 200
    assert accepted.json() == {"client": MTLS_CLIENT_ID}
    assert get(pki.other_client).status_code == 401


def test_provider_log_has_no_server_error(provider: OidcProvider):
    assert "server error" not in Path(provider.log_path).read_text(errors="replace")
