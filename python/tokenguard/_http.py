"""The RFC 6750 responses shared by the ASGI, FastAPI and Flask integrations."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from tokenguard import _native
from tokenguard._dpop import DpopSettings
from tokenguard._errors import (
    InsufficientScope,
    IntrospectionError,
    InvalidDpopProof,
    TokenError,
    UseDpopNonce,
)
from tokenguard._jwks import JWKSError
from tokenguard._native import VerifiedToken
from tokenguard._ratelog import RateLimitedLog

logger = logging.getLogger("tokenguard.http")
# A proxy that forwards a broken header does so on every request.
_certificate_failures = RateLimitedLog(logger, time.monotonic)

Headers = dict[str, str]
Body = dict[str, str]

MISSING_TOKEN = "the request has no Authorization header"
REPEATED_HEADER = "the request has more than one Authorization header"
NOT_DPOP = "the Authorization header is not in the DPoP scheme"
MISSING_PROOF = "the request has no DPoP header"
REPEATED_PROOF = "the request has more than one DPoP header"
MISSING_CERTIFICATE = "the request has no client certificate"
INVALID_CERTIFICATE = "the client certificate forwarded by the proxy is invalid"


class Rejection(Exception):
    """An HTTP response for a request whose token was missing or rejected."""

    def __init__(self, status: int, headers: Headers, body: Body) -> None:
        super().__init__(body.get("error_description", ""))
        self.status = status
        self.headers = headers
        self.body = body


def missing_token(realm: str | None) -> Rejection:
    """Return the 401 for a request without credentials.

    RFC 6750 section 3.1: a request that lacks authentication gets a challenge
    without an error code. The JSON body still names ``invalid_token``, so that
    every 401 body has the same shape.
    """
    challenge = _native.challenge(None, None, realm, None)
    body = {"error": "invalid_token", "error_description": MISSING_TOKEN}
    return Rejection(401, {"WWW-Authenticate": challenge}, body)


def repeated_header(realm: str | None) -> Rejection:
    """Return the 400 for a request with several ``Authorization`` headers."""
    challenge = _native.challenge("invalid_request", REPEATED_HEADER, realm, None)
    body = {"error": "invalid_request", "error_description": REPEATED_HEADER}
    return Rejection(400, {"WWW-Authenticate": challenge}, body)


def rejected(error: TokenError, realm: str | None) -> Rejection:
    """Return the response for a token the validator rejected."""
    # Debug level, because clients can send any number of bad tokens.
    logger.debug("rejected a bearer token: %s (%s)", error.name, error.description)
    challenge = error.www_authenticate(realm=realm)
    body = {"error": error.error or "invalid_token", "error_description": error.description}
    return Rejection(error.status, {"WWW-Authenticate": challenge}, body)


def unavailable(error: JWKSError) -> Rejection:
    """Return the 503 for a request that arrived before any key set could be loaded."""
    # The JWKS client already logged the failed fetch, once per retry.
    logger.debug("responded with 503, because no key set is loaded: %s", error)
    body = {
        "error": "temporarily_unavailable",
        "error_description": "the issuer's keys could not be loaded",
    }
    return Rejection(503, {"Retry-After": "30"}, body)


def introspection_unavailable(error: IntrospectionError) -> Rejection:
    """Return the 503 for a sensitive request whose token could not be introspected.

    The token is not at fault, so the response carries no ``invalid_token``
    challenge that would make the client discard it.
    """
    # The introspection client already logged the failure, rate-limited.
    logger.debug("responded with 503, because introspection failed: %s", error)
    body = {
        "error": "temporarily_unavailable",
        "error_description": "the authorization server could not be asked about the token",
    }
    return Rejection(503, {"Retry-After": "5"}, body)


def check_scopes(
    token: VerifiedToken,
    scopes: Sequence[str],
    match: str,
    realm: str | None,
    dpop: DpopSettings | None = None,
) -> None:
    """Raise a 403 :class:`Rejection` unless ``token`` grants ``scopes``.

    Scopes are compared exactly; the validator's ``scope_hierarchy`` does not apply
    here, so list hierarchical scopes in ``required_scopes`` of the validator. On
    a DPoP route (``dpop`` given) the challenge is in the ``DPoP`` scheme, which
    has no ``scope`` parameter.
    """
    granted = set(token.scopes)
    satisfied = any if match == "any" else all
    if not scopes or satisfied(scope in granted for scope in scopes):
        return
    needed = " ".join(scopes)
    description = "the token lacks a required scope"
    if dpop is not None:
        challenge = dpop.verifier.www_authenticate(InsufficientScope(description), realm=realm)
    else:
        challenge = _native.challenge("insufficient_scope", description, realm, needed)
    body = {"error": "insufficient_scope", "error_description": description}
    raise Rejection(403, {"WWW-Authenticate": challenge}, body)


def dpop_rejected(error: TokenError, dpop: DpopSettings, realm: str | None) -> Rejection:
    """Return the response for a request on a DPoP route that was rejected.

    The challenge is in the ``DPoP`` scheme and lists the accepted algorithms
    (RFC 9449 section 7.1). A ``use_dpop_nonce`` error comes with the nonce to
    use in ``DPoP-Nonce``.
    """
    logger.debug("rejected a DPoP request: %s (%s)", error.name, error.description)
    headers = {"WWW-Authenticate": dpop.verifier.www_authenticate(error, realm=realm)}
    if isinstance(error, UseDpopNonce) and dpop.nonces is not None:
        headers["DPoP-Nonce"] = dpop.nonces.current()
    body = {"error": error.error or "invalid_token", "error_description": error.description}
    return Rejection(error.status, headers, body)


def dpop_missing_token(
    dpop: DpopSettings, realm: str | None, description: str = MISSING_TOKEN
) -> Rejection:
    """Return the 401 for a request on a DPoP route without DPoP credentials.

    The challenge has no error code, as for a request without credentials in
    RFC 6750 section 3.1, which is also what a request in another scheme has for
    this route. It carries a nonce when the route requires one, so that the
    client's first proof can carry it.
    """
    headers = {"WWW-Authenticate": dpop.verifier.www_authenticate(None, realm=realm)}
    if dpop.nonces is not None:
        headers["DPoP-Nonce"] = dpop.nonces.current()
    body = {"error": "invalid_token", "error_description": description}
    return Rejection(401, headers, body)


def check_dpop_scheme(authorization: str | bytes, dpop: DpopSettings, realm: str | None) -> None:
    """Raise the 401 of :func:`dpop_missing_token` unless ``authorization`` is ``DPoP ...``."""
    scheme = authorization.split(None, 1)[0] if authorization.strip() else ""
    if isinstance(scheme, bytes):
        scheme = scheme.decode("latin-1")
    if scheme.lower() != "dpop":
        raise dpop_missing_token(dpop, realm, NOT_DPOP)


def dpop_repeated_header(dpop: DpopSettings, realm: str | None) -> Rejection:
    """Return the 400 for a request on a DPoP route with several ``Authorization`` headers."""
    error = TokenError(REPEATED_HEADER, error="invalid_request", status=400)
    return dpop_rejected(error, dpop, realm)


def single_proof(values: Iterable[str | bytes]) -> str | bytes:
    """Return the one ``DPoP`` header value, or raise ``InvalidDpopProof``.

    RFC 9449 section 4.3 rejects a request with no ``DPoP`` header or with more
    than one.
    """
    found = list(values)
    if not found:
        raise InvalidDpopProof(MISSING_PROOF)
    if len(found) > 1:
        raise InvalidDpopProof(REPEATED_PROOF)
    return found[0]


def missing_certificate(realm: str | None) -> Rejection:
    """Return the 401 for a request on a certificate-bound route without a certificate.

    RFC 8705 section 3 rejects a token that the connection's certificate does not
    match with ``invalid_token``, and a request without a certificate matches no
    token.
    """
    challenge = _native.challenge("invalid_token", MISSING_CERTIFICATE, realm, None)
    body = {"error": "invalid_token", "error_description": MISSING_CERTIFICATE}
    return Rejection(401, {"WWW-Authenticate": challenge}, body)


def invalid_certificate(reason: ValueError, realm: str | None) -> Rejection:
    """Return the 401 for a certificate header from a trusted proxy that does not parse.

    The proxy is at fault rather than the client, so this is logged as an error,
    at most once a minute. The request is rejected, because no certificate was
    verified.
    """
    _certificate_failures.error("rejected a request: %s: %s", INVALID_CERTIFICATE, reason)
    challenge = _native.challenge("invalid_token", INVALID_CERTIFICATE, realm, None)
    body = {"error": "invalid_token", "error_description": INVALID_CERTIFICATE}
    return Rejection(401, {"WWW-Authenticate": challenge}, body)


def check_match(match: str) -> None:
    if match not in ("all", "any"):
        raise ValueError(f"match must be 'all' or 'any', not {match!r}")


def single_header(values: Iterable[str | bytes], realm: str | None) -> str | bytes:
    """Return the one ``Authorization`` value, or raise the 401 or 400 response."""
    found = list(values)
    if not found:
        raise missing_token(realm)
    if len(found) > 1:
        raise repeated_header(realm)
    return found[0]
