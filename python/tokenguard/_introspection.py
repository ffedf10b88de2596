"""Token introspection (RFC 7662) over HTTP, with a bounded cache.

:class:`Introspector` (threads) and :class:`AsyncIntrospector` (asyncio) POST a
token to the authorization server's introspection endpoint, authenticated as the
resource server, and check the response with a :class:`~tokenguard.Validator`'s
``validate_introspection`` or, for RFC 9701 signed responses,
``validate_signed_introspection``. An introspected token therefore passes the
same policy as a locally validated JWT.

Answers are cached under a SHA-256 digest of the token, so the token itself is
never stored or logged. An active response is reused until the token's ``exp`` or
``max_ttl`` seconds, whichever comes first. An inactive or rejected response is
reused for ``inactive_ttl`` seconds. Every failure to get a response raises
:class:`~tokenguard.IntrospectionError`, so a token is never accepted because the
authorization server could not be asked.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Union

from tokenguard._client_auth import ClientAuthentication
from tokenguard._errors import (
    BadSignature,
    IntrospectionError,
    InvalidConfig,
    InvalidKey,
    KeyMismatch,
    KidRequired,
    Malformed,
    TokenError,
    TooLarge,
    UnknownKeyId,
    UnsupportedAlgorithm,
    UnsupportedCrit,
    WeakKey,
    WrongType,
)
from tokenguard._fetch import (
    MAX_ERROR_BODY_BYTES,
    aread_bounded,
    describe_oauth_error,
    http_error,
    import_httpx,
    media_type,
    read_bounded,
)
from tokenguard._native import MAX_TOKEN_BYTES_LIMIT, Validator, VerifiedToken, bearer_token
from tokenguard._ratelog import RateLimitedLog

logger = logging.getLogger("tokenguard.introspection")

Token = Union[str, bytes]

#: Default time limit of one introspection request, in seconds.
DEFAULT_TIMEOUT = 5.0
#: Default longest time an active response is reused, in seconds.
DEFAULT_MAX_TTL = 300.0
#: Default time an inactive or rejected response is reused, in seconds.
DEFAULT_INACTIVE_TTL = 5.0
#: Default number of cached responses. The least recently used is dropped first.
DEFAULT_MAX_ENTRIES = 10_000

JSON_MEDIA_TYPE = "application/json"
JWT_MEDIA_TYPE = "application/token-introspection+jwt"

# Errors of a signed response's own JWS, or of a body that is no introspection
# response. They mean that the response cannot be trusted, not that the token is bad.
_RESPONSE_ERRORS: tuple[type[TokenError], ...] = (
    Malformed,
    TooLarge,
    UnsupportedAlgorithm,
    UnsupportedCrit,
    UnknownKeyId,
    KeyMismatch,
    WeakKey,
    InvalidKey,
    BadSignature,
    KidRequired,
    WrongType,
)


@dataclass(frozen=True)
class _Entry:
    """A cached response: the verified token, or the rejection to raise again."""

    expires_at: float
    token: VerifiedToken | None
    error: TokenError | None


class _IntrospectionState:
    """The configuration and cache shared by the sync and async clients, which do the I/O."""

    def __init__(
        self,
        endpoint: str,
        validator: Validator,
        authentication: ClientAuthentication,
        signed: bool,
        max_ttl: float,
        inactive_ttl: float,
        max_entries: int,
        max_response_bytes: int | None,
        clock: Callable[[], float],
    ) -> None:
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise InvalidConfig(f"endpoint must be an http or https URL, not {endpoint!r}")
        if not isinstance(validator, Validator):
            raise InvalidConfig("validator must be a tokenguard.Validator")
        if not callable(getattr(authentication, "apply", None)):
            raise InvalidConfig(
                "authentication must have an apply(endpoint, headers, form) method, "
                "such as tokenguard.ClientSecretBasic"
            )
        if signed and validator.introspection_audience is None:
            raise InvalidConfig(
                "signed=True needs a Validator built with introspection_audience "
                "(this API's client id at the authorization server)"
            )
        if not 0 <= inactive_ttl <= max_ttl:
            raise InvalidConfig(
                "inactive_ttl and max_ttl must satisfy 0 <= inactive_ttl <= max_ttl"
            )
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 0:
            raise InvalidConfig("max_entries must be a non-negative int")
        if max_response_bytes is None:
            max_response_bytes = validator.max_token_bytes
        elif isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise InvalidConfig("max_response_bytes must be an int")
        elif max_response_bytes < 1:
            raise InvalidConfig("max_response_bytes must be positive")

        self.endpoint = endpoint
        self.validator = validator
        self.authentication = authentication
        self.signed = signed
        self.max_ttl = max_ttl
        self.inactive_ttl = inactive_ttl
        self.max_entries = max_entries
        self.max_response_bytes = max_response_bytes
        self.clock = clock
        self.entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.failures = RateLimitedLog(logger, clock)

    def lookup(self, key: bytes) -> VerifiedToken | None:
        """Return a cached token, raise a cached rejection, or return ``None``."""
        now = self.clock()
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if now >= entry.expires_at:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
        if entry.error is not None:
            raise _copy_error(entry.error)
        return entry.token

    def request(self, text: str) -> tuple[dict[str, str], dict[str, str]]:
        """Return the headers and form fields of the introspection request."""
        accept = JWT_MEDIA_TYPE if self.signed else JSON_MEDIA_TYPE
        headers = {"Accept": accept}
        form = {"token": text, "token_type_hint": "access_token"}
        self.authentication.apply(self.endpoint, headers, form)
        return headers, form

    def check_response(self, response: Any, error_body: bytes | None) -> None:
        """Raise ``ValueError`` for a status or media type that is not an introspection response.

        ``error_body`` is the start of the body of a response whose status is not
        200, or ``None``.
        """
        if error_body is not None:
            raise ValueError(
                f"unexpected HTTP status {response.status_code}, expected 200"
                f"{describe_oauth_error(error_body)}"
            )
        expected = JWT_MEDIA_TYPE if self.signed else JSON_MEDIA_TYPE
        found = media_type(response)
        if found != expected:
            raise ValueError(f"unexpected Content-Type {found or 'none'!r}, expected {expected}")

    def failed(self, error: BaseException) -> IntrospectionError:
        """Log a failed request and return the error to raise."""
        # Some httpx errors, such as an asyncio ReadTimeout, have no message.
        reason = str(error) or type(error).__name__
        self.failures.error(
            "introspection at %s failed, the token is rejected: %s", self.endpoint, reason
        )
        return IntrospectionError(f"introspection at {self.endpoint} failed: {reason}")

    def accept(self, key: bytes, body: bytes, now: float) -> VerifiedToken:
        """Check the response body, cache the outcome and return the token."""
        try:
            if self.signed:
                token = self.validator.validate_signed_introspection(body, now)
            else:
                token = self.validator.validate_introspection(body, now)
        except _RESPONSE_ERRORS as error:
            raise self.failed(ValueError(f"the response was rejected: {error}")) from error
        except TokenError as error:
            logger.debug("introspection rejected a token: %s (%s)", error.name, error.description)
            self.store(key, _Entry(now + self.inactive_ttl, None, _copy_error(error)))
            raise
        # Comparing int and float is exact in Python, so a huge exp cannot overflow.
        self.store(key, _Entry(min(token.claims["exp"], now + self.max_ttl), token, None))
        return token

    def store(self, key: bytes, entry: _Entry) -> None:
        if self.max_entries == 0 or entry.expires_at <= self.clock():
            return
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def forget(self, token: Token) -> None:
        key = _cache_key(_token_text(token))
        with self.lock:
            self.entries.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def size(self) -> int:
        with self.lock:
            return len(self.entries)


def _token_text(token: object) -> str:
    """Check a token before it is sent: a non-empty string of visible ASCII."""
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise Malformed("the token is not ASCII") from None
    if not isinstance(token, str):
        raise Malformed(f"token must be str or bytes, not {type(token).__name__}")
    if len(token) > MAX_TOKEN_BYTES_LIMIT:
        raise TooLarge(f"the token is longer than {MAX_TOKEN_BYTES_LIMIT} bytes")
    if not token or not all("!" <= char <= "~" for char in token):
        raise Malformed("the token is empty or contains characters outside visible ASCII")
    return token


def _cache_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("ascii")).digest()


def _copy_error(error: TokenError) -> TokenError:
    """Return a fresh exception with the same class and fields, to raise again."""
    copy = type(error)(error.description)
    copy.code, copy.name = error.code, error.name
    copy.error, copy.status = error.error, error.status
    return copy


class Introspector:
    """An RFC 7662 introspection client with a bounded cache, for threads.

    ``endpoint`` is the introspection endpoint, ``validator`` the
    :class:`~tokenguard.Validator` whose policy each response must pass, and
    ``authentication`` how this resource server authenticates, such as
    :class:`~tokenguard.ClientSecretBasic` or :class:`~tokenguard.PrivateKeyJwt`.
    With ``signed=True`` it asks for RFC 9701 signed
    responses (``Accept: application/token-introspection+jwt``) and rejects any
    other. The validator's key set must then contain the authorization server's
    signing keys, and its ``introspection_audience`` must be this client's id.

    ``timeout`` bounds each request, in seconds, on the ``httpx`` client this
    class creates, which follows no redirects. With ``http_client``, that
    client's own timeouts and redirect setting apply and ``timeout`` is ignored.
    ``max_response_bytes`` defaults to the validator's ``max_token_bytes``.
    ``clock`` returns Unix seconds and is used both for validation and for the
    cache. Requires ``httpx``.
    """

    def __init__(
        self,
        endpoint: str,
        validator: Validator,
        authentication: ClientAuthentication,
        *,
        signed: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_ttl: float = DEFAULT_MAX_TTL,
        inactive_ttl: float = DEFAULT_INACTIVE_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_response_bytes: int | None = None,
        http_client: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._state = _IntrospectionState(
            endpoint,
            validator,
            authentication,
            signed,
            max_ttl,
            inactive_ttl,
            max_entries,
            max_response_bytes,
            clock,
        )
        if http_client is None:
            httpx = import_httpx("the introspection clients")
            http_client = httpx.Client(timeout=timeout, follow_redirects=False)
            self._owns_client = True
        else:
            self._owns_client = False
        self._http = http_client

    @property
    def validator(self) -> Validator:
        """The validator every response is checked with."""
        return self._state.validator

    @property
    def cache_size(self) -> int:
        """The number of cached responses."""
        return self._state.size()

    def introspect(self, token: Token) -> VerifiedToken:
        """Return the verified token, from the cache or from the endpoint.

        Raises :class:`~tokenguard.Inactive` for an inactive token, the
        validator's errors for a response that fails the policy, and
        :class:`~tokenguard.IntrospectionError` when no usable response came back.
        """
        state = self._state
        text = _token_text(token)
        key = _cache_key(text)
        cached = state.lookup(key)
        if cached is not None:
            return cached

        now = state.clock()
        headers, form = state.request(text)
        try:
            with self._http.stream("POST", state.endpoint, data=form, headers=headers) as response:
                error_body = None
                if response.status_code != 200:
                    error_body = read_bounded(response, MAX_ERROR_BODY_BYTES)
                state.check_response(response, error_body)
                body = read_bounded(response, state.max_response_bytes)
        except (OSError, ValueError, http_error()) as error:
            raise state.failed(error) from error
        return state.accept(key, body, now)

    def introspect_header(self, authorization: Token) -> VerifiedToken:
        """Introspect the token of an ``Authorization: Bearer`` header value."""
        return self.introspect(bearer_token(authorization))

    def forget(self, token: Token) -> None:
        """Drop the cached response for ``token``, so that the next call sends a request."""
        self._state.forget(token)

    def clear_cache(self) -> None:
        """Drop every cached response."""
        self._state.clear()

    def close(self) -> None:
        """Close the HTTP client, unless it was passed in."""
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Introspector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncIntrospector:
    """The asyncio form of :class:`Introspector`, with the same arguments.

    Its ``introspect`` and ``introspect_header`` are coroutines.
    """

    def __init__(
        self,
        endpoint: str,
        validator: Validator,
        authentication: ClientAuthentication,
        *,
        signed: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_ttl: float = DEFAULT_MAX_TTL,
        inactive_ttl: float = DEFAULT_INACTIVE_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_response_bytes: int | None = None,
        http_client: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._state = _IntrospectionState(
            endpoint,
            validator,
            authentication,
            signed,
            max_ttl,
            inactive_ttl,
            max_entries,
            max_response_bytes,
            clock,
        )
        if http_client is None:
            httpx = import_httpx("the introspection clients")
            http_client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
            self._owns_client = True
        else:
            self._owns_client = False
        self._http = http_client

    @property
    def validator(self) -> Validator:
        """The validator every response is checked with."""
        return self._state.validator

    @property
    def cache_size(self) -> int:
        """The number of cached responses."""
        return self._state.size()

    async def introspect(self, token: Token) -> VerifiedToken:
        """Return the verified token, as :meth:`Introspector.introspect` does."""
        state = self._state
        text = _token_text(token)
        key = _cache_key(text)
        cached = state.lookup(key)
        if cached is not None:
            return cached

        now = state.clock()
        headers, form = state.request(text)
        stream = self._http.stream("POST", state.endpoint, data=form, headers=headers)
        try:
            async with stream as response:
                error_body = None
                if response.status_code != 200:
                    error_body = await aread_bounded(response, MAX_ERROR_BODY_BYTES)
                state.check_response(response, error_body)
                body = await aread_bounded(response, state.max_response_bytes)
        except (OSError, ValueError, http_error()) as error:
            raise state.failed(error) from error
        return state.accept(key, body, now)

    async def introspect_header(self, authorization: Token) -> VerifiedToken:
        """Introspect the token of an ``Authorization: Bearer`` header value."""
        return await self.introspect(bearer_token(authorization))

    def forget(self, token: Token) -> None:
        """Drop the cached response for ``token``, so that the next call sends a request."""
        self._state.forget(token)

    def clear_cache(self) -> None:
        """Drop every cached response."""
        self._state.clear()

    async def aclose(self) -> None:
        """Close the HTTP client, unless it was passed in."""
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncIntrospector:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
