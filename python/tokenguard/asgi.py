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
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Collection, MutableMapping
from typing import Any, Callable, Union

from tokenguard._errors import IntrospectionError, TokenError
from tokenguard._http import (
    Rejection,
    introspection_unavailable,
    rejected,
    single_header,
    unavailable,
)
from tokenguard._hybrid import AsyncHybridValidator, HybridValidator
from tokenguard._jwks import AsyncJWKSClient, JWKSClient, JWKSError
from tokenguard._native import Validator, VerifiedToken

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
AnyValidator = Union[Validator, JWKSClient, AsyncJWKSClient, HybridValidator, AsyncHybridValidator]


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
    """

    def __init__(
        self,
        app: ASGIApp,
        validator: AnyValidator,
        *,
        realm: str | None = None,
        exclude_paths: Collection[str] = (),
        sensitive_paths: Collection[str] = (),
        is_sensitive: Callable[[Scope], bool] | None = None,
    ) -> None:
        if sensitive_paths or is_sensitive is not None:
            check_can_introspect(validator)
        self.app = app
        self.validator = validator
        self.realm = realm
        self.exclude_paths = frozenset(exclude_paths)
        self.sensitive_paths = frozenset(sensitive_paths)
        self.is_sensitive = is_sensitive

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exclude_paths:
            await self.app(scope, receive, send)
            return
        try:
            values = [value for name, value in scope["headers"] if name == b"authorization"]
            authorization = single_header(values, self.realm)
            sensitive = scope.get("path") in self.sensitive_paths or (
                self.is_sensitive is not None and self.is_sensitive(scope)
            )
            token = await validate(self.validator, authorization, sensitive)
        except IntrospectionError as error:
            await send_rejection(send, introspection_unavailable(error))
            return
        except TokenError as error:
            await send_rejection(send, rejected(error, self.realm))
            return
        except JWKSError as error:
            await send_rejection(send, unavailable(error))
            return
        except Rejection as rejection:
            await send_rejection(send, rejection)
            return
        scope.setdefault("state", {})["token"] = token
        await self.app(scope, receive, send)


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


def check_can_introspect(validator: object) -> None:
    """Raise ``ValueError`` unless ``validator`` can introspect sensitive requests."""
    if isinstance(validator, (HybridValidator, AsyncHybridValidator)):
        if validator.introspector is not None:
            return
    raise ValueError(
        "sensitive requests are introspected, so the validator must be a "
        "HybridValidator or AsyncHybridValidator with an introspector"
    )


async def send_rejection(send: Send, rejection: Rejection) -> None:
    """Send a rejection as a complete JSON response."""
    body = json.dumps(rejection.body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers += [
        (name.lower().encode(), value.encode()) for name, value in rejection.headers.items()
    ]
    await send({"type": "http.response.start", "status": rejection.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
