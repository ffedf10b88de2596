"""HTTP helpers shared by the clients that call an authorization server.

The JWKS clients, the introspection clients and the token clients read every
response through these, so that each body is bounded before it is parsed and
each failure is a ``ValueError`` with the reason.
"""

from __future__ import annotations

import email.utils
import json
import math
from typing import Any

#: Maximum bytes read from an error response, for its RFC 6749 error code.
MAX_ERROR_BODY_BYTES = 4096
#: Maximum characters of an error code and description put into a message.
MAX_ERROR_TEXT = 200


def import_httpx(user: str) -> Any:
    """Import httpx, or raise an ``ImportError`` that names the extra to install."""
    try:
        import httpx
    except ImportError as error:
        message = (
            f"{user} need httpx: pip install httpx, or './python[http]' from a tokenguard checkout"
        )
        raise ImportError(message) from error
    return httpx


def http_error() -> type[Exception]:
    """Return the base class of httpx's transport and protocol errors."""
    import httpx

    return httpx.HTTPError


def transport_error() -> type[Exception]:
    """Return the base class of httpx's connection, timeout and protocol errors.

    Unlike :func:`http_error`, it leaves out errors that a second attempt would
    meet again, such as a body that fails to decode.
    """
    import httpx

    return httpx.TransportError


def check_status(response: Any) -> None:
    """Raise ``ValueError`` unless the response status is 200."""
    if response.status_code != 200:
        raise ValueError(f"unexpected HTTP status {response.status_code}, expected 200")


def media_type(response: Any) -> str:
    """Return the response's media type in lower case, without parameters."""
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower()


def read_bounded(response: Any, limit: int) -> bytes:
    """Read a streamed response body, raising ``ValueError`` past ``limit`` bytes."""
    _check_length(response, limit)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise ValueError(f"the response is larger than {limit} bytes")
    return bytes(body)


async def aread_bounded(response: Any, limit: int) -> bytes:
    """Read a streamed response body in asyncio, as :func:`read_bounded` does."""
    _check_length(response, limit)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise ValueError(f"the response is larger than {limit} bytes")
    return bytes(body)


def read_error_body(response: Any) -> bytes:
    """Read at most :data:`MAX_ERROR_BODY_BYTES` of an error response, dropping the rest.

    An error response is read only for its RFC 6749 error code, so a long body
    is cut short rather than rejected.
    """
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= MAX_ERROR_BODY_BYTES:
            break
    return bytes(body[:MAX_ERROR_BODY_BYTES])


async def aread_error_body(response: Any) -> bytes:
    """Read the start of an error response in asyncio, as :func:`read_error_body` does."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= MAX_ERROR_BODY_BYTES:
            break
    return bytes(body[:MAX_ERROR_BODY_BYTES])


def oauth_error(body: bytes) -> tuple[str, str | None] | None:
    """Return the ``error`` and ``error_description`` of an RFC 6749 error response.

    Returns ``None`` for a body that is not a JSON object with a string ``error``.
    The text comes from the server and goes into logs and messages, so each part
    is cut to :data:`MAX_ERROR_TEXT` characters and anything outside printable
    ASCII becomes ``?``.
    """
    try:
        fields = json.loads(body)
    except ValueError:
        return None
    if not isinstance(fields, dict) or not isinstance(fields.get("error"), str):
        return None
    description = fields.get("error_description")
    if not isinstance(description, str):
        return _printable(fields["error"]), None
    return _printable(fields["error"]), _printable(description)


def describe_oauth_error(body: bytes) -> str:
    """Return `` (error: description)`` from an RFC 6749 error response, or ``""``."""
    found = oauth_error(body)
    if found is None:
        return ""
    code, description = found
    if description is None:
        return f" ({code})"
    return f" ({code}: {description})"


def retry_after(value: str | None, now: float) -> float | None:
    """Return the delay a ``Retry-After`` value asks for, in seconds, or ``None``.

    RFC 9110 section 10.2.3 allows a number of seconds or an HTTP date; a date in
    the past is a delay of 0. ``now`` is the time in Unix seconds. A value in
    neither form returns ``None``.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    delay = when.timestamp() - now
    return max(delay, 0.0) if math.isfinite(delay) else None


def _printable(text: str) -> str:
    return "".join(char if " " <= char <= "~" else "?" for char in text[:MAX_ERROR_TEXT])


def _check_length(response: Any, limit: int) -> None:
    # A declared length over the limit fails before any of the body is read.
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ValueError(f"the response is larger than {limit} bytes ({declared} declared)")
