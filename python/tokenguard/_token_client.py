"""The client credentials grant (RFC 6749 section 4.4), with a cached token.

:class:`TokenClient` (threads) and :class:`AsyncTokenClient` (asyncio) obtain an
access token for this service from the token endpoint, and reuse it until
``refresh_margin`` seconds before it expires. When the token must be renewed,
one request goes out and every concurrent caller waits for its outcome. A
connection error, a timeout, 429 or a 5xx status is retried with exponential
backoff and jitter, and never sooner than a ``Retry-After`` header requests.
Any other error response, such as ``invalid_client`` (400 or 401), raises
:class:`~tokenguard.TokenRequestError` at once, naming the OAuth error.

With ``dpop_key`` each token request carries a DPoP proof (RFC 9449 section 5),
so that the server binds the token to that key, and :meth:`TokenClient.headers`
signs a proof for each API request. A ``use_dpop_nonce`` error is answered by
one more request with the nonce from the server's ``DPoP-Nonce`` header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import random
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Union
from urllib.parse import urlsplit

from tokenguard._client_auth import ClientAuthentication
from tokenguard._errors import InvalidConfig, TokenRequestError
from tokenguard._fetch import (
    aread_bounded,
    aread_error_body,
    import_httpx,
    media_type,
    oauth_error,
    read_bounded,
    read_error_body,
    retry_after,
    transport_error,
)
from tokenguard._native import SigningKey, create_dpop_proof

logger = logging.getLogger("tokenguard.token_client")

#: Default time limit of one token request, in seconds.
DEFAULT_TIMEOUT = 5.0
#: Default time before a token's expiry at which it is renewed, in seconds.
DEFAULT_REFRESH_MARGIN = 30.0
#: Default number of retries after a transient failure.
DEFAULT_RETRIES = 3
#: Default wait before the first retry, in seconds. It doubles for each further retry.
DEFAULT_BACKOFF = 0.5
#: Default longest wait between two attempts, in seconds.
DEFAULT_MAX_BACKOFF = 10.0
#: Default lifetime assumed for a token response without ``expires_in``, in seconds.
DEFAULT_EXPIRES_IN = 60.0
#: Default maximum size of a token response, in bytes.
DEFAULT_MAX_RESPONSE_BYTES = 65536

#: Random bytes behind each DPoP proof's ``jti``: 128 bits, the core's minimum.
JTI_RANDOM_BYTES = 16
JSON_MEDIA_TYPE = "application/json"

Now = Callable[[], float]
Form = dict[str, Union[str, list[str]]]

# The waits between attempts. Tests replace them to record the delays.
_sleep: Callable[[float], None] = time.sleep
_async_sleep: Callable[[float], Any] = asyncio.sleep


@dataclass(frozen=True)
class AccessToken:
    """An access token that the token endpoint issued to this client.

    ``token_type`` is ``"Bearer"`` or ``"DPoP"``. ``expires_at`` is in Unix
    seconds, counted from when the request was sent. ``scopes`` are the granted
    scopes: the response's ``scope``, or the requested scopes when the response
    has none (RFC 6749 section 5.1). ``value`` is left out of ``repr``, so that
    logging the object does not log the token.
    """

    value: str = field(repr=False)
    token_type: str
    expires_at: float
    scopes: tuple[str, ...]

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value: ``Bearer <token>`` or ``DPoP <token>``."""
        return f"{self.token_type} {self.value}"


@dataclass
class _Failure:
    """One failed attempt, and whether another attempt may succeed."""

    error: TokenRequestError
    retryable: bool
    retry_after: float | None = None
    use_nonce: bool = False


class _TokenState:
    """The configuration and cached token shared by the sync and async clients.

    It makes the requests and reads the responses, and the clients do the I/O.
    """

    def __init__(
        self,
        token_endpoint: str,
        authentication: ClientAuthentication,
        scopes: str | Iterable[str],
        resource: str | Iterable[str] | None,
        dpop_key: SigningKey | None,
        dpop_alg: str | None,
        refresh_margin: float,
        retries: int,
        backoff: float,
        max_backoff: float,
        default_expires_in: float,
        max_response_bytes: int,
        clock: Now,
    ) -> None:
        _check_url("token_endpoint", token_endpoint)
        if not callable(getattr(authentication, "apply", None)):
            raise InvalidConfig(
                "authentication must have an apply(endpoint, headers, form) method, "
                "such as tokenguard.PrivateKeyJwt or tokenguard.ClientSecretBasic"
            )
        self.scopes = _scopes(scopes)
        self.resources = _resources(resource)
        if dpop_key is not None:
            _check_dpop_key(dpop_key, dpop_alg, token_endpoint)
        _check_number("refresh_margin", refresh_margin, 0.0)
        _check_number("backoff", backoff, 0.0)
        _check_number("max_backoff", max_backoff, backoff)
        _check_number("default_expires_in", default_expires_in, 1.0)
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 20:
            raise InvalidConfig("retries must be an int from 0 to 20")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise InvalidConfig("max_response_bytes must be an int")
        if max_response_bytes < 1:
            raise InvalidConfig("max_response_bytes must be positive")

        self.endpoint = token_endpoint
        self.authentication = authentication
        self.dpop_key = dpop_key
        self.dpop_alg = dpop_alg
        self.refresh_margin = float(refresh_margin)
        self.retries = retries
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.default_expires_in = float(default_expires_in)
        self.max_response_bytes = max_response_bytes
        self.clock = clock
        self.lock = threading.Lock()
        # The cached token and the time from which it is renewed.
        self.current: tuple[AccessToken, float] | None = None
        # The last nonce the token endpoint sent in DPoP-Nonce.
        self.dpop_nonce: str | None = None

    def fresh(self) -> AccessToken | None:
        """Return the cached token unless it is due for renewal. Call with ``lock`` held."""
        if self.current is None:
            return None
        token, refresh_at = self.current
        return token if self.clock() < refresh_at else None

    def invalidate(self, token: AccessToken | None) -> None:
        with self.lock:
            if self.current is not None and (token is None or self.current[0] == token):
                self.current = None

    def request(self) -> tuple[dict[str, str], Form]:
        """Return the headers and form of a token request, with fresh credentials."""
        headers = {"Accept": JSON_MEDIA_TYPE}
        fields = {"grant_type": "client_credentials"}
        if self.scopes:
            fields["scope"] = " ".join(self.scopes)
        self.authentication.apply(self.endpoint, headers, fields)
        if self.dpop_key is not None:
            with self.lock:
                nonce = self.dpop_nonce
            headers["DPoP"] = self.proof("POST", self.endpoint, None, nonce)
        form: Form = dict(fields)
        if self.resources:
            form["resource"] = list(self.resources)
        return headers, form

    def proof(self, method: str, url: str, access_token: str | None, nonce: str | None) -> str:
        if self.dpop_key is None:
            raise InvalidConfig("this token client has no dpop_key to sign DPoP proofs with")
        return create_dpop_proof(
            self.dpop_key,
            method=method,
            uri=url,
            access_token=access_token,
            nonce=nonce,
            alg=self.dpop_alg,
            jti_random=os.urandom(JTI_RANDOM_BYTES),
        )

    def api_headers(
        self, token: AccessToken, method: str | None, url: str | None, nonce: str | None
    ) -> dict[str, str]:
        """Return the ``Authorization`` header, and for a DPoP token the ``DPoP`` proof."""
        if token.token_type != "DPoP":
            return {"Authorization": token.authorization}
        if method is None or url is None:
            raise ValueError("a DPoP-bound token needs the request's method and url for its proof")
        proof = self.proof(method, url, token.value, nonce)
        return {"Authorization": token.authorization, "DPoP": proof}

    def remember_nonce(self, headers: Mapping[str, str]) -> None:
        """Keep the ``DPoP-Nonce`` a response carries, for the next token request."""
        nonce = headers.get("dpop-nonce")
        if self.dpop_key is None or nonce is None:
            return
        if not _is_nqchar_text(nonce):
            # RFC 9449 section 8.1: a nonce is one or more NQCHAR.
            logger.warning("ignored an invalid DPoP-Nonce from %s", self.endpoint)
            return
        with self.lock:
            self.dpop_nonce = nonce

    def failure(self, status: int, headers: Mapping[str, str], body: bytes) -> _Failure:
        """Describe an error response, and whether to retry it."""
        found = oauth_error(body)
        code, description = found if found is not None else (None, None)
        message = f"the token request to {self.endpoint} failed with HTTP {status}"
        if code is not None:
            message += f": {code}" + (f" ({description})" if description else "")
        error = TokenRequestError(
            message, oauth_error=code, oauth_error_description=description, http_status=status
        )
        # RFC 9449 section 8: the server requires a proof with the nonce it sent
        # in DPoP-Nonce, which remember_nonce stored.
        if code == "use_dpop_nonce" and self.dpop_key is not None and "dpop-nonce" in headers:
            return _Failure(error, retryable=False, use_nonce=True)
        if status == 429 or 500 <= status <= 599:
            delay = retry_after(headers.get("retry-after"), self.clock())
            return _Failure(error, retryable=True, retry_after=delay)
        return _Failure(error, retryable=False)

    def transport_failure(self, error: BaseException) -> _Failure:
        # Some httpx errors, such as an asyncio ReadTimeout, have no message.
        reason = str(error) or type(error).__name__
        failed = TokenRequestError(f"the token request to {self.endpoint} failed: {reason}")
        failed.__cause__ = error
        # A certificate that fails verification fails again on the next attempt.
        return _Failure(failed, retryable=not _is_certificate_error(error))

    def invalid(self, reason: str) -> TokenRequestError:
        return TokenRequestError(
            f"the token endpoint {self.endpoint} sent an invalid response: {reason}",
            http_status=200,
        )

    def delay(self, failure: _Failure, attempt: int) -> float | None:
        """Return the wait before retry number ``attempt + 1``, or ``None`` to give up."""
        if not failure.retryable or attempt >= self.retries:
            return None
        # Exponential backoff with jitter: a random wait between half and all of
        # the doubled delay, so that many clients that failed together spread out.
        ceiling = min(self.max_backoff, self.backoff * 2.0**attempt)
        delay = ceiling / 2 + random.uniform(0.0, ceiling / 2)
        if failure.retry_after is None:
            return delay
        if failure.retry_after > self.max_backoff:
            return None
        return max(delay, failure.retry_after)

    def final_error(self, failure: _Failure) -> TokenRequestError:
        """Return the error to raise when no retry follows ``failure``."""
        if failure.retry_after is None or failure.retry_after <= self.max_backoff:
            return failure.error
        error = failure.error
        longer = TokenRequestError(
            f"{error.description}, and Retry-After requests a wait of "
            f"{failure.retry_after:.0f} s, longer than max_backoff ({self.max_backoff:g} s)",
            oauth_error=error.oauth_error,
            oauth_error_description=error.oauth_error_description,
            http_status=error.http_status,
        )
        return longer

    def log_retry(self, failure: _Failure, attempt: int, delay: float) -> None:
        logger.warning(
            "%s, retry %d of %d in %.2f s",
            failure.error.description,
            attempt + 1,
            self.retries,
            delay,
        )

    def accept(self, found_media_type: str, body: bytes, sent_at: float) -> AccessToken:
        """Check a 200 response, cache its token and return it."""
        if found_media_type != JSON_MEDIA_TYPE:
            raise self.invalid(
                f"unexpected Content-Type {found_media_type or 'none'!r}, expected application/json"
            )
        try:
            fields = json.loads(body, parse_constant=_reject_constant)
        except ValueError:
            raise self.invalid("the body is not JSON") from None
        if not isinstance(fields, dict):
            raise self.invalid("the body is not a JSON object")

        value = fields.get("access_token")
        if not isinstance(value, str) or not value or not all("!" <= c <= "~" for c in value):
            raise self.invalid("access_token is missing or not a string of visible ASCII")
        token_type = self.token_type(fields.get("token_type"))
        lifetime = self.lifetime(fields.get("expires_in"))
        scope = fields.get("scope")
        if scope is not None and not isinstance(scope, str):
            raise self.invalid("scope is not a string")
        scopes = tuple(scope.split()) if scope is not None else self.scopes

        token = AccessToken(value, token_type, sent_at + lifetime, scopes)
        # Renew before expiry, but never later than halfway through a short lifetime.
        refresh_at = token.expires_at - min(self.refresh_margin, lifetime / 2)
        with self.lock:
            self.current = (token, refresh_at)
        logger.debug(
            "obtained a %s token from %s, expires in %.0f s", token_type, self.endpoint, lifetime
        )
        return token

    def token_type(self, found: object) -> str:
        # RFC 6749 section 5.1: token_type is case-insensitive.
        if not isinstance(found, str) or found.lower() not in ("bearer", "dpop"):
            raise self.invalid(f"token_type {found!r} is neither Bearer nor DPoP")
        token_type = "DPoP" if found.lower() == "dpop" else "Bearer"
        # A client that asked for a DPoP-bound token does not fall back to a
        # bearer token, which anyone who copies it could use.
        if self.dpop_key is not None and token_type != "DPoP":
            raise self.invalid(
                "the server issued a Bearer token to a request with a DPoP proof, "
                "so it does not bind tokens to this client's key"
            )
        if self.dpop_key is None and token_type != "Bearer":
            raise self.invalid("the server issued a DPoP token to a request without a proof")
        return token_type

    def lifetime(self, expires_in: object) -> float:
        if expires_in is None:
            return self.default_expires_in
        if (
            isinstance(expires_in, bool)
            or not isinstance(expires_in, (int, float))
            or not math.isfinite(expires_in)
            or expires_in <= 0
        ):
            raise self.invalid(f"expires_in {expires_in!r} is not a positive number")
        return float(expires_in)


class _Flight:
    """One token request that concurrent callers of a :class:`TokenClient` wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.token: AccessToken | None = None
        self.error: BaseException | None = None

    def wait(self, endpoint: str) -> AccessToken:
        self.done.wait()
        if self.token is not None:
            return self.token
        raise _shared_error(self.error, endpoint)


class TokenClient:
    """A client credentials client with a cached token, for threads.

    ``token_endpoint`` is the authorization server's token endpoint, and
    ``authentication`` how this client authenticates there:
    :class:`~tokenguard.PrivateKeyJwt`, :class:`~tokenguard.ClientSecretBasic`
    or :class:`~tokenguard.TlsClientAuth`. ``scopes`` (a list, or one
    space-separated string) and ``resource`` (RFC 8707: one or more absolute URIs
    of the APIs the token is for) go into every request.

    ``dpop_key`` is a :class:`~tokenguard.SigningKey` that the token gets bound to
    (RFC 9449), and ``dpop_alg`` its algorithm when the key does not fix one.

    A token is reused until ``refresh_margin`` seconds before it expires, or
    halfway through its lifetime when that is shorter. A response without
    ``expires_in`` counts as ``default_expires_in`` seconds. A transient failure
    is retried up to ``retries`` times, waiting ``backoff`` seconds with jitter
    before the first retry and twice as long before each next one, at most
    ``max_backoff``. A ``Retry-After`` longer than ``max_backoff`` ends the
    retries. ``timeout`` bounds each request, in seconds, on the ``httpx``
    client this class creates, which follows no redirects. With
    ``http_client``, that client's own timeouts and redirect setting apply and
    ``timeout`` is ignored. ``clock`` returns Unix seconds. Requires ``httpx``.
    Pass an ``http_client`` with a client certificate for ``TlsClientAuth``.
    """

    def __init__(
        self,
        token_endpoint: str,
        authentication: ClientAuthentication,
        *,
        scopes: str | Iterable[str] = (),
        resource: str | Iterable[str] | None = None,
        dpop_key: SigningKey | None = None,
        dpop_alg: str | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        default_expires_in: float = DEFAULT_EXPIRES_IN,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: Any = None,
        clock: Now = time.time,
    ) -> None:
        self._state = _TokenState(
            token_endpoint,
            authentication,
            scopes,
            resource,
            dpop_key,
            dpop_alg,
            refresh_margin,
            retries,
            backoff,
            max_backoff,
            default_expires_in,
            max_response_bytes,
            clock,
        )
        if http_client is None:
            httpx = import_httpx("the token clients")
            http_client = httpx.Client(timeout=timeout, follow_redirects=False)
            self._owns_client = True
        else:
            self._owns_client = False
        self._http = http_client
        self._flight: _Flight | None = None

    @property
    def token_endpoint(self) -> str:
        """The token endpoint every request goes to."""
        return self._state.endpoint

    def token(self) -> AccessToken:
        """Return the cached token, or obtain a new one when it is due for renewal.

        While one thread requests a token, the others wait for that request and
        get its token or its error. Raises :class:`~tokenguard.TokenRequestError`.
        """
        state = self._state
        with state.lock:
            cached = state.fresh()
            if cached is not None:
                return cached
            flight = self._flight
            leader = flight is None
            if flight is None:
                flight = self._flight = _Flight()
        if not leader:
            return flight.wait(state.endpoint)

        try:
            token = self._request()
            flight.token = token
            return token
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with state.lock:
                self._flight = None
            flight.done.set()

    def headers(
        self, method: str | None = None, url: str | None = None, *, nonce: str | None = None
    ) -> dict[str, str]:
        """Return the headers that authorize one API request with the current token.

        For a bearer token that is ``Authorization``. For a DPoP-bound token it is
        ``Authorization: DPoP ...`` and a ``DPoP`` proof for ``method`` and ``url``
        (both required), with ``nonce`` when the API sent one in ``DPoP-Nonce``.
        """
        return self._state.api_headers(self.token(), method, url, nonce)

    def dpop_proof(
        self,
        method: str,
        url: str,
        *,
        access_token: str | None = None,
        nonce: str | None = None,
    ) -> str:
        """Sign a DPoP proof with ``dpop_key`` for a request to ``url``.

        ``access_token`` adds its hash as ``ath``, which a resource server
        requires (RFC 9449 section 4.2). Raises ``InvalidConfig`` without a
        ``dpop_key``.
        """
        return self._state.proof(method, url, access_token, nonce)

    def invalidate(self, token: AccessToken | None = None) -> None:
        """Drop the cached token, so that the next call obtains a new one.

        Call it when an API rejects the token as ``invalid_token``. With ``token``,
        only that token is dropped, so that a token another thread already renewed
        stays.
        """
        self._state.invalidate(token)

    def close(self) -> None:
        """Close the HTTP client, unless it was passed in."""
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> TokenClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self) -> AccessToken:
        state = self._state
        attempt = 0
        sent_nonce = False
        while True:
            outcome = self._attempt()
            if isinstance(outcome, AccessToken):
                return outcome
            if outcome.use_nonce and not sent_nonce:
                sent_nonce = True
                continue
            delay = state.delay(outcome, attempt)
            if delay is None:
                raise state.final_error(outcome)
            state.log_retry(outcome, attempt, delay)
            _sleep(delay)
            attempt += 1

    def _attempt(self) -> AccessToken | _Failure:
        state = self._state
        headers, form = state.request()
        sent_at = state.clock()
        try:
            with self._http.stream("POST", state.endpoint, data=form, headers=headers) as response:
                state.remember_nonce(response.headers)
                if response.status_code != 200:
                    body = read_error_body(response)
                    return state.failure(response.status_code, response.headers, body)
                found_media_type = media_type(response)
                body = read_bounded(response, state.max_response_bytes)
        except (OSError, transport_error()) as error:
            return state.transport_failure(error)
        except ValueError as error:
            raise state.invalid(str(error)) from error
        return state.accept(found_media_type, body, sent_at)


class AsyncTokenClient:
    """The asyncio form of :class:`TokenClient`, with the same arguments.

    Its ``token`` and ``headers`` are coroutines. The request for a new token
    runs as its own task, which every waiting caller shares, so a caller that is
    cancelled does not cancel it for the others.
    """

    def __init__(
        self,
        token_endpoint: str,
        authentication: ClientAuthentication,
        *,
        scopes: str | Iterable[str] = (),
        resource: str | Iterable[str] | None = None,
        dpop_key: SigningKey | None = None,
        dpop_alg: str | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        default_expires_in: float = DEFAULT_EXPIRES_IN,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: Any = None,
        clock: Now = time.time,
    ) -> None:
        self._state = _TokenState(
            token_endpoint,
            authentication,
            scopes,
            resource,
            dpop_key,
            dpop_alg,
            refresh_margin,
            retries,
            backoff,
            max_backoff,
            default_expires_in,
            max_response_bytes,
            clock,
        )
        if http_client is None:
            httpx = import_httpx("the token clients")
            http_client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
            self._owns_client = True
        else:
            self._owns_client = False
        self._http = http_client
        self._task: asyncio.Task[AccessToken] | None = None

    @property
    def token_endpoint(self) -> str:
        """The token endpoint every request goes to."""
        return self._state.endpoint

    async def token(self) -> AccessToken:
        """Return the cached token, or obtain a new one, as :meth:`TokenClient.token` does."""
        state = self._state
        with state.lock:
            cached = state.fresh()
        if cached is not None:
            return cached
        if self._task is None:
            self._task = asyncio.ensure_future(self._request())
            self._task.add_done_callback(self._finished)
        return await asyncio.shield(self._task)

    async def headers(
        self, method: str | None = None, url: str | None = None, *, nonce: str | None = None
    ) -> dict[str, str]:
        """Return the headers for one API request, as :meth:`TokenClient.headers` does."""
        return self._state.api_headers(await self.token(), method, url, nonce)

    def dpop_proof(
        self,
        method: str,
        url: str,
        *,
        access_token: str | None = None,
        nonce: str | None = None,
    ) -> str:
        """Sign a DPoP proof, as :meth:`TokenClient.dpop_proof` does."""
        return self._state.proof(method, url, access_token, nonce)

    def invalidate(self, token: AccessToken | None = None) -> None:
        """Drop the cached token, as :meth:`TokenClient.invalidate` does."""
        self._state.invalidate(token)

    async def aclose(self) -> None:
        """Cancel a token request in flight, and close the HTTP client unless it was passed in."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, TokenRequestError):
                pass
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncTokenClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _finished(self, task: asyncio.Task[AccessToken]) -> None:
        if self._task is task:
            self._task = None
        # Every caller may have been cancelled while the task ran; reading the
        # exception here keeps asyncio from reporting it as never retrieved.
        if not task.cancelled():
            task.exception()

    async def _request(self) -> AccessToken:
        state = self._state
        attempt = 0
        sent_nonce = False
        while True:
            outcome = await self._attempt()
            if isinstance(outcome, AccessToken):
                return outcome
            if outcome.use_nonce and not sent_nonce:
                sent_nonce = True
                continue
            delay = state.delay(outcome, attempt)
            if delay is None:
                raise state.final_error(outcome)
            state.log_retry(outcome, attempt, delay)
            await _async_sleep(delay)
            attempt += 1

    async def _attempt(self) -> AccessToken | _Failure:
        state = self._state
        headers, form = state.request()
        sent_at = state.clock()
        stream = self._http.stream("POST", state.endpoint, data=form, headers=headers)
        try:
            async with stream as response:
                state.remember_nonce(response.headers)
                if response.status_code != 200:
                    body = await aread_error_body(response)
                    return state.failure(response.status_code, response.headers, body)
                found_media_type = media_type(response)
                body = await aread_bounded(response, state.max_response_bytes)
        except (OSError, transport_error()) as error:
            return state.transport_failure(error)
        except ValueError as error:
            raise state.invalid(str(error)) from error
        return state.accept(found_media_type, body, sent_at)


def _shared_error(error: BaseException | None, endpoint: str) -> TokenRequestError:
    """Return a fresh copy of the error a shared request failed with, for a waiting caller."""
    if isinstance(error, TokenRequestError):
        copy = TokenRequestError(
            error.description,
            oauth_error=error.oauth_error,
            oauth_error_description=error.oauth_error_description,
            http_status=error.http_status,
        )
        copy.__cause__ = error.__cause__
        return copy
    reason = str(error) or type(error).__name__
    return TokenRequestError(f"the token request to {endpoint} failed: {reason}")


def _is_certificate_error(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _is_nqchar_text(text: str) -> bool:
    # RFC 6749 appendix A: NQCHAR is printable ASCII without space, '"' and '\'.
    return bool(text) and all(
        char == "!" or "#" <= char <= "[" or "]" <= char <= "~" for char in text
    )


def _scopes(scopes: object) -> tuple[str, ...]:
    found: tuple[object, ...]
    if isinstance(scopes, str):
        found = tuple(scopes.split(" ")) if scopes else ()
    elif isinstance(scopes, Iterable):
        found = tuple(scopes)
    else:
        raise InvalidConfig("scopes must be a str or an iterable of str")
    for scope in found:
        # RFC 6749 section 3.3: a scope token is one or more NQCHAR.
        if not isinstance(scope, str) or not _is_nqchar_text(scope):
            raise InvalidConfig(f"invalid scope {scope!r}: expected printable ASCII, no spaces")
    return found  # type: ignore[return-value]


def _resources(resource: object) -> tuple[str, ...]:
    if resource is None:
        return ()
    if isinstance(resource, str):
        found: tuple[object, ...] = (resource,)
    elif isinstance(resource, Iterable):
        found = tuple(resource)
    else:
        raise InvalidConfig("resource must be a str or an iterable of str")
    for uri in found:
        # RFC 8707 section 2: an absolute URI without a fragment.
        absolute = isinstance(uri, str) and bool(urlsplit(uri).scheme)
        if not absolute or "#" in uri or not _is_nqchar_text(uri):  # type: ignore[operator, arg-type]
            raise InvalidConfig(f"invalid resource {uri!r}: expected an absolute URI")
    return found  # type: ignore[return-value]


def _check_dpop_key(key: object, alg: str | None, endpoint: str) -> None:
    if not isinstance(key, SigningKey):
        raise InvalidConfig("dpop_key must be a tokenguard.SigningKey")
    if key.public_jwk() is None:
        raise InvalidConfig("dpop_key must be an asymmetric key; DPoP proofs embed its public key")
    # Sign once now, so that a key that cannot sign with `alg` raises here.
    create_dpop_proof(key, method="POST", uri=endpoint, alg=alg)


def _check_url(name: str, value: object) -> None:
    valid = isinstance(value, str) and urlsplit(value).scheme in ("https", "http")
    if not valid or "#" in value:  # type: ignore[operator]
        raise InvalidConfig(f"{name} must be an http or https URL without fragment, not {value!r}")


def _check_number(name: str, value: object, minimum: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < minimum
    ):
        raise InvalidConfig(f"{name} must be a finite number of at least {minimum:g}")
