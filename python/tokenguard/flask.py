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
from typing import Any, Callable, TypeVar

from flask import Response, g, jsonify, request

from tokenguard._errors import IntrospectionError, TokenError
from tokenguard._http import (
    Rejection,
    check_match,
    check_scopes,
    introspection_unavailable,
    rejected,
    single_header,
    unavailable,
)
from tokenguard._hybrid import HybridValidator
from tokenguard._jwks import JWKSClient, JWKSError
from tokenguard._native import Validator, VerifiedToken

View = TypeVar("View", bound=Callable[..., Any])


def require_token(
    validator: Validator | JWKSClient | HybridValidator,
    *,
    scopes: Sequence[str] = (),
    match: str = "all",
    realm: str | None = None,
    sensitive: bool = False,
) -> Callable[[View], View]:
    """Validate the request's bearer token before the view runs.

    The verified token is put on ``flask.g.token``. A missing or rejected token
    gets 401, 403 or 400 with an RFC 6750 ``WWW-Authenticate`` header and a JSON
    body; the token is read only from the ``Authorization`` header.

    ``sensitive=True`` introspects the token rather than validating it locally. It
    needs a :class:`~tokenguard.HybridValidator` with an introspector, and a failed
    introspection is answered with 503.
    """
    check_match(match)
    required = tuple(scopes)
    can_introspect = isinstance(validator, HybridValidator) and validator.introspector is not None
    if sensitive and not can_introspect:
        raise ValueError(
            "sensitive=True introspects the token, so the validator must be a "
            "HybridValidator with an introspector"
        )

    def validate(value: str | bytes) -> VerifiedToken:
        if isinstance(validator, HybridValidator):
            return validator.validate_header(value, sensitive)
        return validator.validate_header(value)

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                value = single_header(request.headers.getlist("Authorization"), realm)
                token = validate(value)
                check_scopes(token, required, match, realm)
            except IntrospectionError as error:
                return _response(introspection_unavailable(error))
            except TokenError as error:
                return _response(rejected(error, realm))
            except JWKSError as error:
                return _response(unavailable(error))
            except Rejection as rejection:
                return _response(rejection)
            g.token = token
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _response(rejection: Rejection) -> Response:
    response = jsonify(rejection.body)
    response.status_code = rejection.status
    response.headers.update(rejection.headers)
    return response
