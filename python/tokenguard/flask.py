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

from tokenguard._errors import TokenError
from tokenguard._http import (
    Rejection,
    check_match,
    check_scopes,
    rejected,
    single_header,
    unavailable,
)
from tokenguard._jwks import JWKSClient, JWKSError
from tokenguard._native import Validator

View = TypeVar("View", bound=Callable[..., Any])


def require_token(
    validator: Validator | JWKSClient,
    *,
    scopes: Sequence[str] = (),
    match: str = "all",
    realm: str | None = None,
) -> Callable[[View], View]:
    """Validate the request's bearer token before the view runs.

    The verified token is put on ``flask.g.token``. A missing or rejected token
    gets 401, 403 or 400 with an RFC 6750 ``WWW-Authenticate`` header and a JSON
    body; the token is read only from the ``Authorization`` header.
    """
    check_match(match)
    required = tuple(scopes)

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                value = single_header(request.headers.getlist("Authorization"), realm)
                token = validator.validate_header(value)
                check_scopes(token, required, match, realm)
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
