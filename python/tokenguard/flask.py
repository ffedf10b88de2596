"""Flask integration: the :func:`require_token` view decorator.

Example::

    @app.get("/orders")
    @require_token(validator, scopes=["orders:read"])
    def orders() -> dict:
        return {"subject": g.token.subject}
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Callable, TypeVar, Union
from urllib.parse import quote

from flask import Response, g, jsonify, make_response, request

from tokenguard._client_cert import ClientCertificateHeader
from tokenguard._dpop import DpopSettings
from tokenguard._errors import IntrospectionError, TokenError, UseDpopNonce
from tokenguard._http import (
    Headers,
    Rejection,
    check_dpop_scheme,
    check_match,
    check_scopes,
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
from tokenguard._hybrid import HybridValidator
from tokenguard._jwks import JWKSClient, JWKSError
from tokenguard._native import Validator, VerifiedToken, bearer_token

View = TypeVar("View", bound=Callable[..., Any])
SyncValidator = Union[Validator, JWKSClient, HybridValidator]


def require_token(
    validator: SyncValidator,
    *,
    scopes: Sequence[str] = (),
    match: str = "all",
    realm: str | None = None,
    sensitive: bool = False,
    dpop: DpopSettings | None = None,
    client_certificate: ClientCertificateHeader | None = None,
) -> Callable[[View], View]:
    """Validate the request's bearer token before the view runs.

    The verified token is put on ``flask.g.token``. A missing or rejected token
    gets 401, 403 or 400 with an RFC 6750 ``WWW-Authenticate`` header and a JSON
    body; the token is read only from the ``Authorization`` header.

    ``sensitive=True`` introspects the token rather than validating it locally. It
    needs a :class:`~tokenguard.HybridValidator` with an introspector, and a failed
    introspection is answered with 503.

    ``dpop`` makes the view require a DPoP-bound token (``Authorization: DPoP``)
    with a proof for the request (RFC 9449), checked as the
    :class:`~tokenguard.DpopSettings` say; rejections carry a ``DPoP`` challenge.
    ``client_certificate`` makes it require a token bound to the certificate that
    the :class:`~tokenguard.ClientCertificateHeader` reads from a trusted proxy
    (RFC 8705), and removes that header from requests of other peers. A view may
    be sensitive, DPoP-bound or certificate-bound, but only one of them.

    These options apply to every request routed to the decorated view, including
    each URL of a variable rule such as ``/payments/<int:id>``. Unlike the ASGI
    middleware's ``sensitive_paths``, ``dpop_paths`` and ``certificate_paths``,
    which match exact paths, there is no path list to keep in step with the
    routes.
    """
    check_match(match)
    required = tuple(scopes)
    can_introspect = isinstance(validator, HybridValidator) and validator.introspector is not None
    if sensitive and not can_introspect:
        raise ValueError(
            "sensitive=True introspects the token, so the validator must be a "
            "HybridValidator with an introspector"
        )
    if dpop is not None and not isinstance(dpop, DpopSettings):
        raise ValueError("dpop must be a tokenguard.DpopSettings")
    if client_certificate is not None and not isinstance(
        client_certificate, ClientCertificateHeader
    ):
        raise ValueError("client_certificate must be a tokenguard.ClientCertificateHeader")
    if sum((sensitive, dpop is not None, client_certificate is not None)) > 1:
        raise ValueError("a view may be only one of sensitive, DPoP-bound or certificate-bound")

    def authenticate() -> tuple[VerifiedToken, Headers]:
        if dpop is not None:
            return _dpop(validator, dpop, realm)
        if client_certificate is not None:
            return _certificate(validator, client_certificate, realm), {}
        return _bearer(validator, sensitive, realm), {}

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                token, extra_headers = authenticate()
                check_scopes(token, required, match, realm, dpop)
            except Rejection as rejection:
                return _response(rejection)
            g.token = token
            if not extra_headers:
                return view(*args, **kwargs)
            response = make_response(view(*args, **kwargs))
            response.headers.update(extra_headers)
            return response

        return wrapper  # type: ignore[return-value]

    return decorator


def _bearer(validator: SyncValidator, sensitive: bool, realm: str | None) -> VerifiedToken:
    try:
        value = single_header(request.headers.getlist("Authorization"), realm)
        if isinstance(validator, HybridValidator):
            return validator.validate_header(value, sensitive)
        return validator.validate_header(value)
    except IntrospectionError as error:
        raise introspection_unavailable(error) from None
    except TokenError as error:
        raise rejected(error, realm) from None
    except JWKSError as error:
        raise unavailable(error) from None


def _dpop(
    validator: SyncValidator, dpop: DpopSettings, realm: str | None
) -> tuple[VerifiedToken, Headers]:
    values = request.headers.getlist("Authorization")
    if not values:
        raise dpop_missing_token(dpop, realm)
    if len(values) > 1:
        raise dpop_repeated_header(dpop, realm)
    check_dpop_scheme(values[0], dpop, realm)
    try:
        proof = single_proof(request.headers.getlist("DPoP"))
        uri = _request_uri(dpop)

        def check(nonce: str | None) -> VerifiedToken:
            return validator.validate_dpop(
                values[0],
                proof,
                request.method,
                uri,
                nonce,
                cache=dpop.replay_cache,
                verifier=dpop.verifier,
            )

        if dpop.nonces is None:
            return check(None), {}
        current, previous = dpop.nonces.accepted()
        try:
            return check(current), {}
        except UseDpopNonce:
            # As in the ASGI middleware: the previous nonce is accepted once
            # more, and the response names the current one.
            return check(previous), {"DPoP-Nonce": current}
    except TokenError as error:
        raise dpop_rejected(error, dpop, realm) from None
    except JWKSError as error:
        raise unavailable(error) from None


def _certificate(
    validator: SyncValidator, client_certificate: ClientCertificateHeader, realm: str | None
) -> VerifiedToken:
    authorization = single_header(request.headers.getlist("Authorization"), realm)
    try:
        der = client_certificate.wsgi_certificate(request.environ)
    except ValueError as error:
        raise invalid_certificate(error, realm) from None
    if der is None:
        raise missing_certificate(realm)
    try:
        return validator.validate_certificate_bound(bearer_token(authorization), der)
    except TokenError as error:
        raise rejected(error, realm) from None
    except JWKSError as error:
        raise unavailable(error) from None


def _request_uri(dpop: DpopSettings) -> str:
    """Return the URI of the request, as a DPoP proof's ``htu`` must name it."""
    # The request target as the client sent it, where the WSGI server keeps it
    # (gunicorn and Werkzeug's server do); otherwise the decoded path, encoded again.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        path = raw.split("?", 1)[0]
    else:
        path = quote(request.script_root + request.path, safe="/!$&'()*+,;=:@-._~")
    try:
        return dpop.request_uri(request.scheme, request.host, path)
    except ValueError as error:
        raise TokenError(str(error), error="invalid_request", status=400) from None


def _response(rejection: Rejection) -> Response:
    response = jsonify(rejection.body)
    response.status_code = rejection.status
    response.headers.update(rejection.headers)
    return response
