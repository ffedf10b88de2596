"""ASGI middleware that validates the ``Authorization`` bearer token of every request.

The verified :class:`~tokenguard.VerifiedToken` goes into ``scope["state"]["token"]``,
which Starlette and FastAPI show as ``request.state.token``. A missing or rejected
token is answered with 401, 403 or 400, an RFC 6750 ``WWW-Authenticate`` header and a
JSON body ``{"error": ..., "error_description": ...}``. The token is read only from
the ``Authorization`` header, never from a cookie or the query string.

With a :class:`~tokenguard.HybridValidator` or
:class:`~tokenguard.AsyncHybridValidator`, requests that ``sensitive_paths`` or
``is_sensitive`` mark are introspected rather than validated locally, and a failed
introspection is answered with 503.

Requests that ``dpop_paths`` or ``requires_dpop`` mark need a DPoP-bound token and
a proof for the request (RFC 9449), and requests that ``certificate_paths`` or
``requires_certificate`` mark need a token bound to the client certificate that a
trusted TLS-terminating proxy forwards (RFC 8705). A token bound by ``cnf`` is
rejected on every other route with ``proof_required``, because a bearer check
cannot prove possession of its key.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Collection, MutableMapping
from typing import Any, Callable, Union
from urllib.parse import quote

from tokenguard._client_cert import ClientCertificateHeader
from tokenguard._dpop import DpopSettings
from tokenguard._errors import IntrospectionError, TokenError, UseDpopNonce
from tokenguard._http import (
    Headers,
    Rejection,
    check_dpop_scheme,
    dpop_missing_token,
    dpop_rejected,
    dpop_repeated_header,
    introspection_unavailable,
    invalid_certificate,
    missing_certificate,
    rejected,
    single_header,
    single_proof,
    unavailable,
)
from tokenguard._hybrid import AsyncHybridValidator, HybridValidator
from tokenguard._jwks import AsyncJWKSClient, JWKSClient, JWKSError
from tokenguard._native import Validator, VerifiedToken, bearer_token

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
AnyValidator = Union[Validator, JWKSClient, AsyncJWKSClient, HybridValidator, AsyncHybridValidator]
Predicate = Callable[[Scope], bool]

#: The key under ``scope["state"]`` for the :class:`~tokenguard.DpopSettings` of a
#: DPoP route, so that a later scope check responds in the DPoP scheme.
DPOP_STATE = "tokenguard_dpop"

logger = logging.getLogger("tokenguard.http")


class BearerAuthMiddleware:
    """Validate the bearer token of each HTTP request before calling ``app``.

    ``validator`` is a :class:`~tokenguard.Validator`, a :class:`~tokenguard.JWKSClient`
    (whose fetches run in a worker thread), an :class:`~tokenguard.AsyncJWKSClient`,
    or a :class:`~tokenguard.HybridValidator` (run in a worker thread) or
    :class:`~tokenguard.AsyncHybridValidator`. Requests whose path is in
    ``exclude_paths`` pass without a token; WebSocket and lifespan events pass
    untouched.

    A request is sensitive when its path is in ``sensitive_paths`` or when
    ``is_sensitive(scope)`` returns true. Both need a hybrid validator with an
    introspector.

    A request needs DPoP when its path is in ``dpop_paths`` or
    ``requires_dpop(scope)`` returns true, checked as ``dpop``, a
    :class:`~tokenguard.DpopSettings`, says. A request needs a certificate-bound
    token when its path is in ``certificate_paths`` or
    ``requires_certificate(scope)`` returns true; the certificate is read by
    ``client_certificate``, a :class:`~tokenguard.ClientCertificateHeader`. With
    ``client_certificate``, the certificate header is removed from every HTTP and
    WebSocket request whose peer is not a trusted proxy, before ``app`` receives it.
    These tokens are validated locally, also with a hybrid validator, so a
    request may not be both sensitive and bound.

    ``exclude_paths``, ``sensitive_paths``, ``dpop_paths`` and
    ``certificate_paths`` match exact paths only: each is compared whole with
    ``scope["path"]``, so ``/payments`` covers neither ``/payments/`` nor
    ``/payments/42``. For a prefix, pass the matching function instead, such as
    ``is_sensitive=lambda scope: scope["path"].startswith("/payments/")``.
    """

    def __init__(
        self,
        app: ASGIApp,
        validator: AnyValidator,
        *,
        realm: str | None = None,
        exclude_paths: Collection[str] = (),
        sensitive_paths: Collection[str] = (),
        is_sensitive: Predicate | None = None,
        dpop: DpopSettings | None = None,
        dpop_paths: Collection[str] = (),
        requires_dpop: Predicate | None = None,
        client_certificate: ClientCertificateHeader | None = None,
        certificate_paths: Collection[str] = (),
        requires_certificate: Predicate | None = None,
    ) -> None:
        check_options(
            validator,
            sensitive_paths=sensitive_paths,
            is_sensitive=is_sensitive,
            dpop=dpop,
            dpop_paths=dpop_paths,
            requires_dpop=requires_dpop,
            client_certificate=client_certificate,
            certificate_paths=certificate_paths,
            requires_certificate=requires_certificate,
        )
        self.app = app
        self.validator = validator
        self.realm = realm
        self.exclude_paths = frozenset(exclude_paths)
        self.sensitive_paths = frozenset(sensitive_paths)
        self.is_sensitive = is_sensitive
        self.dpop = dpop
        self.dpop_paths = frozenset(dpop_paths)
        self.requires_dpop = requires_dpop
        self.client_certificate = client_certificate
        self.certificate_paths = frozenset(certificate_paths)
        self.requires_certificate = requires_certificate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.client_certificate is not None and scope["type"] in ("http", "websocket"):
            scope = self.client_certificate.strip_untrusted_asgi(scope)
        if scope["type"] != "http" or scope.get("path") in self.exclude_paths:
            await self.app(scope, receive, send)
            return
        try:
            token, extra_headers = await self._authenticate(scope)
        except Rejection as rejection:
            await send_rejection(send, rejection)
            return
        scope.setdefault("state", {})["token"] = token
        if extra_headers:
            send = _with_headers(send, extra_headers)
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> tuple[VerifiedToken, Headers]:
        path = scope.get("path")
        sensitive = path in self.sensitive_paths or (
            self.is_sensitive is not None and self.is_sensitive(scope)
        )
        dpop = path in self.dpop_paths or (
            self.requires_dpop is not None and self.requires_dpop(scope)
        )
        certificate = path in self.certificate_paths or (
            self.requires_certificate is not None and self.requires_certificate(scope)
        )
        if ((dpop or certificate) and sensitive) or (dpop and certificate):
            raise _conflicting_route(path)
        if dpop:
            assert self.dpop is not None
            scope.setdefault("state", {})[DPOP_STATE] = self.dpop
            return await self._dpop(scope, self.dpop)
        if certificate:
            assert self.client_certificate is not None
            return await self._certificate(scope, self.client_certificate), {}
        return await self._bearer(scope, sensitive), {}

    async def _bearer(self, scope: Scope, sensitive: bool) -> VerifiedToken:
        try:
            values = _header_values(scope, b"authorization")
            authorization = single_header(values, self.realm)
            return await validate(self.validator, authorization, sensitive)
        except IntrospectionError as error:
            raise introspection_unavailable(error) from None
        except TokenError as error:
            raise rejected(error, self.realm) from None
        except JWKSError as error:
            raise unavailable(error) from None

    async def _dpop(self, scope: Scope, dpop: DpopSettings) -> tuple[VerifiedToken, Headers]:
        values = _header_values(scope, b"authorization")
        if not values:
            raise dpop_missing_token(dpop, self.realm)
        if len(values) > 1:
            raise dpop_repeated_header(dpop, self.realm)
        check_dpop_scheme(values[0], dpop, self.realm)
        try:
            proof = single_proof(_header_values(scope, b"dpop"))
            uri = _request_uri(dpop, scope)
            return await validate_dpop(self.validator, dpop, values[0], proof, scope["method"], uri)
        except TokenError as error:
            raise dpop_rejected(error, dpop, self.realm) from None
        except JWKSError as error:
            raise unavailable(error) from None

    async def _certificate(
        self, scope: Scope, client_certificate: ClientCertificateHeader
    ) -> VerifiedToken:
        authorization = single_header(_header_values(scope, b"authorization"), self.realm)
        try:
            der = client_certificate.asgi_certificate(scope)
        except ValueError as error:
            raise invalid_certificate(error, self.realm) from None
        if der is None:
            raise missing_certificate(self.realm)
        try:
            token = bearer_token(authorization)
            return await validate_certificate_bound(self.validator, token, der)
        except TokenError as error:
            raise rejected(error, self.realm) from None
        except JWKSError as error:
            raise unavailable(error) from None


async def validate(
    validator: AnyValidator, authorization: str | bytes, sensitive: bool = False
) -> VerifiedToken:
    """Validate an ``Authorization`` value with any of the validator kinds."""
    if isinstance(validator, AsyncHybridValidator):
        return await validator.validate_header(authorization, sensitive)
    if isinstance(validator, HybridValidator):
        # Introspection and key refreshes block on the network, so they must not
        # run on the event loop.
        return await asyncio.to_thread(validator.validate_header, authorization, sensitive)
    if isinstance(validator, AsyncJWKSClient):
        return await validator.validate_header(authorization)
    if isinstance(validator, JWKSClient):
        return await asyncio.to_thread(validator.validate_header, authorization)
    return validator.validate_header(authorization)


async def validate_dpop(
    validator: AnyValidator,
    dpop: DpopSettings,
    authorization: str | bytes,
    proof: str | bytes,
    method: str,
    uri: str,
) -> tuple[VerifiedToken, Headers]:
    """Validate a DPoP request with any of the validator kinds.

    Returns the token and the headers to add to the response: the current nonce,
    when the proof carried the previous one.
    """

    def call(target: Any, nonce: str | None) -> Any:
        return target.validate_dpop(
            authorization,
            proof,
            method,
            uri,
            nonce,
            cache=dpop.replay_cache,
            verifier=dpop.verifier,
        )

    if dpop.nonces is None:
        return await _run(validator, call, None), {}
    current, previous = dpop.nonces.accepted()
    try:
        return await _run(validator, call, current), {}
    except UseDpopNonce:
        # The core checks the nonce before it records the proof, so the proof
        # can be checked again with the previous nonce, which is accepted once
        # more while the response names the current one.
        token = await _run(validator, call, previous)
        return token, {"DPoP-Nonce": current}


async def validate_certificate_bound(
    validator: AnyValidator, token: str, certificate_der: bytes
) -> VerifiedToken:
    """Validate a certificate-bound token with any of the validator kinds."""

    def call(target: Any, der: bytes) -> Any:
        return target.validate_certificate_bound(token, der)

    verified: VerifiedToken = await _run(validator, call, certificate_der)
    return verified


async def _run(validator: AnyValidator, call: Callable[[Any, Any], Any], argument: Any) -> Any:
    if isinstance(validator, (AsyncHybridValidator, AsyncJWKSClient)):
        return await call(validator, argument)
    if isinstance(validator, (HybridValidator, JWKSClient)):
        # Key refreshes block on the network, so they must not run on the event loop.
        return await asyncio.to_thread(call, validator, argument)
    return call(validator, argument)


def check_can_introspect(validator: object) -> None:
    """Raise ``ValueError`` unless ``validator`` can introspect sensitive requests."""
    if isinstance(validator, (HybridValidator, AsyncHybridValidator)):
        if validator.introspector is not None:
            return
    raise ValueError(
        "sensitive requests are introspected, so the validator must be a "
        "HybridValidator or AsyncHybridValidator with an introspector"
    )


def check_options(
    validator: object,
    *,
    sensitive_paths: Collection[str],
    is_sensitive: Predicate | None,
    dpop: DpopSettings | None,
    dpop_paths: Collection[str],
    requires_dpop: Predicate | None,
    client_certificate: ClientCertificateHeader | None,
    certificate_paths: Collection[str],
    requires_certificate: Predicate | None,
) -> None:
    """Raise ``ValueError`` for route options that do not fit together."""
    if sensitive_paths or is_sensitive is not None:
        check_can_introspect(validator)
    if dpop is not None and not isinstance(dpop, DpopSettings):
        raise ValueError("dpop must be a tokenguard.DpopSettings")
    if bool(dpop_paths or requires_dpop is not None) != (dpop is not None):
        raise ValueError(
            "DPoP routes need both dpop=DpopSettings(...) and dpop_paths or requires_dpop"
        )
    if client_certificate is not None and not isinstance(
        client_certificate, ClientCertificateHeader
    ):
        raise ValueError("client_certificate must be a tokenguard.ClientCertificateHeader")
    if (certificate_paths or requires_certificate is not None) and client_certificate is None:
        raise ValueError(
            "certificate-bound routes need client_certificate=ClientCertificateHeader(...)"
        )
    overlaps = (
        ("dpop_paths", dpop_paths, "sensitive_paths", sensitive_paths),
        ("certificate_paths", certificate_paths, "sensitive_paths", sensitive_paths),
        ("dpop_paths", dpop_paths, "certificate_paths", certificate_paths),
    )
    for name, paths, other_name, other in overlaps:
        both = sorted(set(paths) & set(other))
        if both:
            raise ValueError(f"{', '.join(both)} may not be in both {name} and {other_name}")


async def send_rejection(send: Send, rejection: Rejection) -> None:
    """Send a rejection as a complete JSON response."""
    body = json.dumps(rejection.body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += [
        (name.lower().encode(), value.encode()) for name, value in rejection.headers.items()
    ]
    await send({"type": "http.response.start", "status": rejection.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header_values(scope: Scope, name: bytes) -> list[bytes]:
    return [value for key, value in scope["headers"] if key == name]


def _request_uri(dpop: DpopSettings, scope: Scope) -> str:
    """Return the URI of the request, as a DPoP proof's ``htu`` must name it."""
    raw_path = scope.get("raw_path")
    if isinstance(raw_path, bytes) and raw_path.startswith(b"/"):
        # The path as the client sent it, percent-encoding included; some
        # servers leave the query string on it.
        path = raw_path.split(b"?", 1)[0].decode("latin-1")
    else:
        path = quote(scope.get("path", "/"), safe="/!$&'()*+,;=:@-._~")
    hosts = _header_values(scope, b"host")
    host = hosts[0].decode("latin-1") if len(hosts) == 1 else None
    try:
        return dpop.request_uri(scope.get("scheme", "http"), host, path)
    except ValueError as error:
        raise TokenError(str(error), error="invalid_request", status=400) from None


def _conflicting_route(path: object) -> Rejection:
    # The options allow this only through the predicates, which the middleware
    # cannot check in advance.
    message = "a request may not be both sensitive and bound to a key, or bound twice"
    logger.error("responded with 500 for %r: %s", path, message)
    return Rejection(500, {}, {"error": "server_error", "error_description": message})


def _with_headers(send: Send, extra: Headers) -> Send:
    encoded = [(name.lower().encode(), value.encode()) for name, value in extra.items()]

    async def send_with_headers(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *encoded]}
        await send(message)

    return send_with_headers
