"""The RFC 6750 responses shared by the ASGI, FastAPI and Flask integrations."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from tokenguard import _native
from tokenguard._errors import IntrospectionError, TokenError
from tokenguard._jwks import JWKSError
from tokenguard._native import VerifiedToken

logger = logging.getLogger("tokenguard.http")

Headers = dict[str, str]
Body = dict[str, str]

MISSING_TOKEN = "the request has no Authorization header"
REPEATED_HEADER = "the request has more than one Authorization header"


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
) -> None:
    """Raise a 403 :class:`Rejection` unless ``token`` grants ``scopes``.

    Scopes are compared exactly; the validator's ``scope_hierarchy`` does not apply
    here, so list hierarchical scopes in ``required_scopes`` of the validator.
    """
    granted = set(token.scopes)
    satisfied = any if match == "any" else all
    if not scopes or satisfied(scope in granted for scope in scopes):
        return
    needed = " ".join(scopes)
    description = "the token lacks a required scope"
    challenge = _native.challenge("insufficient_scope", description, realm, needed)
    body = {"error": "insufficient_scope", "error_description": description}
    raise Rejection(403, {"WWW-Authenticate": challenge}, body)


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
