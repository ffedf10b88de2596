"""FastAPI integration: :func:`install` the middleware, then :func:`require_scopes`.

Example::

    app = FastAPI()
    install(app, validator, realm="orders")

    @app.get("/orders", dependencies=[Depends(require_scopes("orders:read"))])
    def orders(request: Request) -> dict:
        return {"subject": request.state.token.subject}
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from tokenguard._client_cert import ClientCertificateHeader
from tokenguard._dpop import DpopSettings
from tokenguard._http import Rejection, check_match, check_scopes
from tokenguard._native import VerifiedToken
from tokenguard.asgi import DPOP_STATE, AnyValidator, BearerAuthMiddleware, Scope, check_options

__all__ = ["BearerAuthMiddleware", "BearerHTTPException", "install", "require_scopes"]


class BearerHTTPException(HTTPException):
    """A 403 for a missing scope; :func:`install` answers it with the RFC 6750 body."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.status, detail=rejection.body, headers=rejection.headers)
        self.body = rejection.body


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BearerHTTPException)
    return JSONResponse(exc.body, status_code=exc.status_code, headers=exc.headers)


def install(
    app: FastAPI,
    validator: AnyValidator,
    *,
    realm: str | None = None,
    exclude_paths: Collection[str] = (),
    sensitive_paths: Collection[str] = (),
    is_sensitive: Callable[[Scope], bool] | None = None,
    dpop: DpopSettings | None = None,
    dpop_paths: Collection[str] = (),
    requires_dpop: Callable[[Scope], bool] | None = None,
    client_certificate: ClientCertificateHeader | None = None,
    certificate_paths: Collection[str] = (),
    requires_certificate: Callable[[Scope], bool] | None = None,
) -> None:
    """Add :class:`~tokenguard.asgi.BearerAuthMiddleware` and the 403 handler to ``app``.

    ``sensitive_paths`` and ``is_sensitive`` mark the requests that a hybrid
    validator introspects, ``dpop_paths`` and ``requires_dpop`` those that need
    DPoP (checked with the settings in ``dpop``), and ``certificate_paths`` and
    ``requires_certificate`` those that need a token bound to the certificate
    that ``client_certificate`` reads, as the middleware describes. The
    middleware runs before routing, so the paths match the request path, not the
    route's path template. The ``_paths`` options match exact paths only, with
    no prefix or trailing-slash matching; for a prefix, pass the function, such
    as ``requires_dpop=lambda scope: scope["path"].startswith("/orders/")``.
    """
    # Checked here too, because Starlette builds the middleware only on the
    # first request.
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
    app.add_middleware(
        BearerAuthMiddleware,
        validator=validator,
        realm=realm,
        exclude_paths=exclude_paths,
        sensitive_paths=sensitive_paths,
        is_sensitive=is_sensitive,
        dpop=dpop,
        dpop_paths=dpop_paths,
        requires_dpop=requires_dpop,
        client_certificate=client_certificate,
        certificate_paths=certificate_paths,
        requires_certificate=requires_certificate,
    )
    app.add_exception_handler(BearerHTTPException, _handle)


def require_scopes(
    *scopes: str, match: str = "all", realm: str | None = None
) -> Callable[..., Any]:
    """Return a dependency that requires ``scopes`` and returns the verified token.

    ``match="any"`` accepts a token granting one of them. The middleware must have
    validated the request; a route outside it raises ``RuntimeError`` (HTTP 500),
    because serving it unauthenticated would be a silent hole.
    """
    check_match(match)

    def dependency(request: Request) -> VerifiedToken:
        token = getattr(request.state, "token", None)
        if not isinstance(token, VerifiedToken):
            raise RuntimeError(
                "no verified token on the request: add the middleware with "
                "tokenguard.fastapi.install(app, validator) and do not exclude this path"
            )
        try:
            check_scopes(token, scopes, match, realm, getattr(request.state, DPOP_STATE, None))
        except Rejection as rejection:
            raise BearerHTTPException(rejection) from None
        return token

    return dependency
