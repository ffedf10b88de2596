"""HTTP helpers shared by the clients that call an authorization server.

The JWKS clients and the introspection clients read every response through
these, so that each body is bounded before it is parsed and each failure is a
``ValueError`` with the reason.
"""

from __future__ import annotations

from typing import Any


def import_httpx(user: str) -> Any:
    """Import httpx, or raise an ``ImportError`` that names the extra to install."""
    try:
        import httpx
    except ImportError as error:
        message = f"{user} need httpx: pip install 'tokenguard[http]'"
        raise ImportError(message) from error
    return httpx


def http_error() -> type[Exception]:
    """Return the base class of httpx's transport and protocol errors."""
    import httpx

    return httpx.HTTPError


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


def _check_length(response: Any, limit: int) -> None:
    # A declared length over the limit fails before any of the body is read.
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ValueError(f"the response is larger than {limit} bytes ({declared} declared)")
