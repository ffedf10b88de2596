"""Introspection against a real authorization server: oidc-provider (the version
pinned in interop/package.json), which issues opaque access tokens, introspects
them (RFC 7662 and RFC 9701) and revokes them (RFC 7009)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from oidc_provider import API_ID, API_SECRET, HOLDER_ID, JWT_RESOURCE, OPAQUE_RESOURCE, OidcProvider

import tokenguard
from tokenguard import (
    AsyncIntrospector,
    ClientSecretBasic,
    HybridValidator,
    IntrospectionError,
    Introspector,
    JWKSClient,
    Validator,
)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    server = OidcProvider(tmp_path_factory.mktemp("oidc") / "server.log")
    yield server
    server.close()


class CountingClient:
    """An httpx client that counts the requests it sends."""

    def __init__(self) -> None:
        self.count = 0
        self.client = httpx.Client(
            timeout=5, follow_redirects=False, event_hooks={"request": [self.seen]}
        )

    def seen(self, request: httpx.Request) -> None:
        self.count += 1


def validator(provider: OidcProvider, **options: Any) -> Validator:
    settings: dict[str, Any] = {"issuers": provider.issuer, "audiences": OPAQUE_RESOURCE}
    settings.update(options)
    return Validator(provider.jwks(), **settings)


def introspector(provider: OidcProvider, checked_by: Validator, **options: Any) -> Introspector:
    authentication = ClientSecretBasic(API_ID, API_SECRET)
    return Introspector(provider.introspection_endpoint, checked_by, authentication, **options)


def test_opaque_token_active(provider: OidcProvider):
    token = provider.issue()
    assert token.count(".") != 2, "the token is opaque, not a JWS"
    checked_by = validator(provider, required_scopes=["api:read"])
    with introspector(provider, checked_by) as client:
        verified = client.introspect(token)
    assert verified.header is None
    assert verified.issuer == provider.issuer
    assert verified.audiences == (OPAQUE_RESOURCE,)
    assert verified.scopes == ("api:read",)
    assert verified.client_id == HOLDER_ID
    assert verified.claims["token_type"] == "Bearer"


def test_wrong_audience_rejected(provider: OidcProvider):
    checked_by = validator(provider, audiences="urn:tokenguard:interop:other-api")
    with introspector(provider, checked_by) as client:
        with pytest.raises(tokenguard.WrongAudience):
            client.introspect(provider.issue())


def test_missing_scope_rejected(provider: OidcProvider):
    checked_by = validator(provider, required_scopes=["api:write"])
    with introspector(provider, checked_by) as client:
        with pytest.raises(tokenguard.InsufficientScope):
            client.introspect(provider.issue(scope="api:read"))


def test_revoked_token_inactive(provider: OidcProvider):
    token = provider.issue()
    http = CountingClient()
    client = introspector(provider, validator(provider), http_client=http.client)
    assert client.introspect(token).client_id == HOLDER_ID
    assert http.count == 1

    provider.revoke(token)
    # The cached active response is still used until it expires or is dropped.
    assert client.introspect(token).client_id == HOLDER_ID
    assert http.count == 1
    client.forget(token)
    with pytest.raises(tokenguard.Inactive):
        client.introspect(token)
    assert http.count == 2
    # The inactive response is cached for a few seconds.
    with pytest.raises(tokenguard.Inactive):
        client.introspect(token)
    assert http.count == 2
    http.client.close()


def test_unknown_token_inactive(provider: OidcProvider):
    with introspector(provider, validator(provider)) as client:
        with pytest.raises(tokenguard.Inactive):
            client.introspect("not-a-token-the-server-issued")


def test_signed_introspection(provider: OidcProvider):
    token = provider.issue()
    checked_by = validator(provider, introspection_audience=API_ID)
    with introspector(provider, checked_by, signed=True) as client:
        verified = client.introspect(token)
        assert verified.audiences == (OPAQUE_RESOURCE,)
        assert verified.scopes == ("api:read",)
        provider.revoke(token)
        client.forget(token)
        with pytest.raises(tokenguard.Inactive):
            client.introspect(token)


def test_signed_introspection_for_other_client(provider: OidcProvider):
    checked_by = validator(provider, introspection_audience="another-client")
    with introspector(provider, checked_by, signed=True) as client:
        with pytest.raises(tokenguard.WrongAudience):
            client.introspect(provider.issue())


def test_wrong_client_secret_fails_closed(provider: OidcProvider):
    authentication = ClientSecretBasic(API_ID, "wrong secret")
    endpoint = provider.introspection_endpoint
    with Introspector(endpoint, validator(provider), authentication) as client:
        with pytest.raises(IntrospectionError, match="401") as caught:
            client.introspect(provider.issue())
    assert caught.value.status == 503


def test_async_introspector(provider: OidcProvider):
    token = provider.issue()

    async def run() -> None:
        authentication = ClientSecretBasic(API_ID, API_SECRET)
        endpoint = provider.introspection_endpoint
        async with AsyncIntrospector(endpoint, validator(provider), authentication) as client:
            assert (await client.introspect(token)).client_id == HOLDER_ID

    asyncio.run(run())


def test_hybrid_local_and_introspected(provider: OidcProvider):
    local = JWKSClient(
        provider.metadata["jwks_uri"], issuers=provider.issuer, audiences=JWT_RESOURCE
    )
    with local, introspector(provider, validator(provider)) as client:
        hybrid = HybridValidator(local, client)
        jwt_token = provider.issue(resource=JWT_RESOURCE)
        assert hybrid.validate(jwt_token).audiences == (JWT_RESOURCE,)
        opaque = provider.issue()
        assert hybrid.validate(opaque, sensitive=True).audiences == (OPAQUE_RESOURCE,)
        with pytest.raises(tokenguard.Malformed):
            hybrid.validate(opaque)
        # oidc-provider rejects the introspection of JWT access tokens with an
        # error status, which fails closed.
        with pytest.raises(IntrospectionError):
            hybrid.validate(jwt_token, sensitive=True)


def test_provider_log_has_no_server_error(provider: OidcProvider):
    assert "server error" not in Path(provider.log_path).read_text(errors="replace")
