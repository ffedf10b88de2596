"""How a client authenticates at the authorization server (RFC 6749 section 2.3).

An authentication object adds the client's credentials to each request that a
:class:`~tokenguard.TokenClient` sends to the token endpoint or an
:class:`~tokenguard.Introspector` sends to the introspection endpoint.
:class:`ClientSecretBasic` sends a shared secret, :class:`PrivateKeyJwt` a
client assertion signed with the client's private key (RFC 7523), and
:class:`TlsClientAuth` only the client id, because the TLS client certificate
authenticates (RFC 8705).
"""

from __future__ import annotations

import base64
import os
from typing import Protocol
from urllib.parse import quote_plus, urlsplit

from tokenguard._errors import InvalidConfig
from tokenguard._native import SigningKey, create_client_assertion

#: The ``client_assertion_type`` of a JWT client assertion (RFC 7523 section 2.2).
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Random bytes behind each assertion's ``jti``: 128 bits, the core's minimum.
JTI_RANDOM_BYTES = 16


class ClientAuthentication(Protocol):
    """A client authentication method for requests to the authorization server.

    ``apply`` is called once per request, so a method that signs a fresh client
    assertion per request (``private_key_jwt``, RFC 7523) fits as well as a static
    secret. It adds what it needs to the request ``headers`` and ``form`` fields.
    """

    def apply(self, endpoint: str, headers: dict[str, str], form: dict[str, str]) -> None:
        """Add the credentials for a request to ``endpoint``."""
        ...


class ClientSecretBasic:
    """``client_secret_basic``: HTTP Basic authentication with the client id and secret.

    Both are form-urlencoded before they are joined and base64-encoded, as RFC
    6749 section 2.3.1 requires, so a secret may contain ``:``, ``%`` or spaces.
    """

    def __init__(self, client_id: str, client_secret: str) -> None:
        _check_vschar("client_id", client_id)
        _check_vschar("client_secret", client_secret)
        self.client_id = client_id
        pair = f"{quote_plus(client_id, safe='')}:{quote_plus(client_secret, safe='')}"
        self._authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")

    def apply(self, endpoint: str, headers: dict[str, str], form: dict[str, str]) -> None:
        """Set the ``Authorization`` header."""
        headers["Authorization"] = self._authorization

    def __repr__(self) -> str:
        return f"ClientSecretBasic(client_id={self.client_id!r})"


class PrivateKeyJwt:
    """``private_key_jwt``: a client assertion signed with the client's private key.

    Each request gets a fresh assertion (RFC 7523 section 3) from
    :func:`~tokenguard.create_client_assertion`: ``iss`` and ``sub`` are
    ``client_id``, ``exp`` is ``lifetime`` seconds (1 to 300) after ``iat``, and the
    ``jti`` comes from 16 bytes of ``os.urandom``, so that the server can reject a
    replayed assertion. ``aud`` is ``audience`` when given, and otherwise the URL
    of the endpoint the request goes to: the token endpoint for a
    :class:`~tokenguard.TokenClient`. Pass the issuer identifier as ``audience``
    for a server that accepts only that, or for an
    :class:`~tokenguard.Introspector` at a server that does not accept the
    introspection endpoint's URL.

    ``key`` is a :class:`~tokenguard.SigningKey` with a private key (EC, Ed25519
    or RSA). An RSA key whose JWK names no ``alg`` needs ``alg``. The public key
    must be registered for the client at the authorization server, in its
    ``jwks`` or ``jwks_uri``, and the key's ``kid`` goes into the header.
    """

    def __init__(
        self,
        client_id: str,
        key: SigningKey,
        *,
        audience: str | None = None,
        alg: str | None = None,
        lifetime: int = 60,
    ) -> None:
        _check_vschar("client_id", client_id)
        if not isinstance(key, SigningKey):
            raise InvalidConfig("key must be a tokenguard.SigningKey")
        if key.public_jwk() is None:
            raise InvalidConfig(
                "private_key_jwt needs an asymmetric key; an HMAC secret would make "
                "client_secret_jwt assertions"
            )
        if audience is not None:
            _check_url("audience", audience)
        self.client_id = client_id
        self.audience = audience
        self._key = key
        self._alg = alg
        self._lifetime = lifetime
        # Sign once now, so that a key that cannot sign with `alg`, or a lifetime
        # out of range, raises here rather than on the first request.
        self.assertion(audience or "https://authorization-server.invalid/token")

    def assertion(self, audience: str) -> str:
        """Sign a new client assertion for ``audience``."""
        return create_client_assertion(
            self._key,
            client_id=self.client_id,
            audience=audience,
            alg=self._alg,
            lifetime=self._lifetime,
            jti_random=os.urandom(JTI_RANDOM_BYTES),
        )

    def apply(self, endpoint: str, headers: dict[str, str], form: dict[str, str]) -> None:
        """Add ``client_id``, ``client_assertion_type`` and a fresh ``client_assertion``."""
        form["client_id"] = self.client_id
        form["client_assertion_type"] = JWT_BEARER_ASSERTION
        form["client_assertion"] = self.assertion(self.audience or endpoint)

    def __repr__(self) -> str:
        return f"PrivateKeyJwt(client_id={self.client_id!r}, kid={self._key.kid!r})"


class TlsClientAuth:
    """``tls_client_auth`` or ``self_signed_tls_client_auth`` (RFC 8705 section 2).

    The client certificate of the TLS connection authenticates the client, so
    the request carries only ``client_id``. The certificate is configured on the
    HTTP client, for example an ``httpx.Client(verify=context)`` whose
    ``ssl.SSLContext`` loaded it with ``load_cert_chain``. A token endpoint with
    certificate-bound access tokens binds the token to that certificate.
    """

    def __init__(self, client_id: str) -> None:
        _check_vschar("client_id", client_id)
        self.client_id = client_id

    def apply(self, endpoint: str, headers: dict[str, str], form: dict[str, str]) -> None:
        """Add ``client_id``."""
        form["client_id"] = self.client_id

    def __repr__(self) -> str:
        return f"TlsClientAuth(client_id={self.client_id!r})"


def _check_vschar(name: str, value: object) -> None:
    # RFC 6749 appendix A: a client id and secret are VSCHAR, printable ASCII
    # with the space.
    valid = isinstance(value, str) and value and all(" " <= c <= "~" for c in value)
    if not valid:
        raise InvalidConfig(f"{name} must be a non-empty str of printable ASCII")


def _check_url(name: str, value: object) -> None:
    if not isinstance(value, str) or urlsplit(value).scheme not in ("https", "http"):
        raise InvalidConfig(f"{name} must be an http or https URL, not {value!r}")
