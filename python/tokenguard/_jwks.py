"""JWK Set fetching with caching, and key rotation on an unknown ``kid``.

:class:`JWKSClient` (threads) and :class:`AsyncJWKSClient` (asyncio) own a
:class:`~tokenguard.Validator` and keep its key set fresh. The set is cached for
the response's ``Cache-Control: max-age``, clamped to ``[min_ttl, max_ttl]``. A
token whose ``kid`` is not in the set causes at most one refetch per
``refetch_cooldown`` seconds. A ``kid`` still unknown after a refetch is remembered
for ``unknown_kid_ttl`` seconds. Together they keep tokens with made-up kids from
making the client hammer the issuer. A failed refresh keeps the last good set.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Union

from tokenguard._errors import InvalidConfig, TokenError, UnknownKeyId
from tokenguard._fetch import aread_bounded, check_status, http_error, import_httpx, read_bounded
from tokenguard._native import (
    MAX_KEY_SET_BYTES,
    DpopVerifier,
    ReplayCache,
    Validator,
    VerifiedToken,
)

logger = logging.getLogger("tokenguard.jwks")

Token = Union[str, bytes]
Now = Union[int, float, None]

#: Bounds and default of the cache lifetime, in seconds.
MIN_TTL = 60.0
MAX_TTL = 24 * 3600.0
DEFAULT_TTL = 300.0
#: Minimum time between two refetches caused by unknown kids, in seconds.
REFETCH_COOLDOWN = 30.0
#: How long a kid that was still unknown after a refetch is not refetched for.
UNKNOWN_KID_TTL = 300.0
#: Number of unknown kids remembered; the oldest is forgotten first.
MAX_UNKNOWN_KIDS = 1024
#: Maximum length of a kid that may trigger a refetch; a longer one never does.
MAX_KID_LENGTH = 256

_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)\"?", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|[,\s])(?:no-cache|no-store)(?:$|[,\s=])", re.IGNORECASE)


class JWKSError(Exception):
    """The JWK Set could not be fetched, and no earlier set is available."""


class _KeyCache:
    """The cache state shared by the sync and async clients; it does no I/O."""

    def __init__(
        self,
        jwks_url: str | None,
        issuer: str | None,
        validator_options: dict[str, Any],
        min_ttl: float,
        max_ttl: float,
        default_ttl: float,
        refetch_cooldown: float,
        unknown_kid_ttl: float,
        clock: Callable[[], float],
    ) -> None:
        if (jwks_url is None) == (issuer is None):
            raise InvalidConfig("pass exactly one of jwks_url and issuer")
        for name, url in (("jwks_url", jwks_url), ("issuer", issuer)):
            if url is not None and not url.startswith(("https://", "http://")):
                raise InvalidConfig(f"{name} must be an http or https URL, not {url!r}")
        if not 0 < min_ttl <= max_ttl:
            raise InvalidConfig("min_ttl and max_ttl must satisfy 0 < min_ttl <= max_ttl")
        if issuer is not None:
            validator_options.setdefault("issuers", [issuer])

        # An empty set until the first fetch: the policy is checked now, so a
        # configuration mistake raises InvalidConfig here rather than on a request.
        self.validator = Validator({"keys": []}, **validator_options)
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.min_ttl = min_ttl
        self.max_ttl = max_ttl
        self.default_ttl = min(max(default_ttl, min_ttl), max_ttl)
        self.refetch_cooldown = refetch_cooldown
        self.unknown_kid_ttl = unknown_kid_ttl
        self.clock = clock
        self.loaded = False
        self.expires_at = float("-inf")
        self.last_forced = float("-inf")
        self.unknown_kids: OrderedDict[str, float] = OrderedDict()
        self.unknown_lock = threading.Lock()
        self.last_error = ""

    def is_stale(self) -> bool:
        return self.clock() >= self.expires_at

    def check_loaded(self) -> None:
        """Raise :class:`JWKSError` while no set has loaded, so that requests are not
        rejected as if their tokens were at fault."""
        if not self.loaded:
            raise JWKSError(self.last_error or "no JWK Set has been loaded")

    def discovery_url(self) -> str:
        assert self.issuer is not None
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def read_discovery(self, body: bytes) -> str:
        """Return the ``jwks_uri`` of a discovery document (RFC 8414 section 3)."""
        document = json.loads(body)
        if not isinstance(document, dict):
            raise ValueError("the discovery document is not a JSON object")
        # RFC 8414 section 3.3: the document must name the issuer it was fetched for.
        if document.get("issuer") != self.issuer:
            raise ValueError(
                f"the discovery document names issuer {document.get('issuer')!r}, "
                f"expected {self.issuer!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ValueError("the discovery document has no http or https jwks_uri")
        return jwks_uri

    def apply(self, body: bytes, cache_control: str | None, url: str) -> None:
        """Swap the fetched set into the validator and restart the cache lifetime."""
        before = set(self.validator.key_ids)
        self.validator.set_jwks(body)
        after = set(self.validator.key_ids)

        ttl = self.ttl(cache_control)
        was_loaded = self.loaded
        self.loaded = True
        self.expires_at = self.clock() + ttl
        with self.unknown_lock:
            for kid in after:
                self.unknown_kids.pop(kid, None)

        if not was_loaded:
            logger.info("loaded JWK Set from %s: %d keys, cached for %d s", url, len(after), ttl)
        elif before != after:
            logger.info(
                "JWK Set from %s rotated: added %s, removed %s, cached for %d s",
                url,
                sorted(after - before),
                sorted(before - after),
                ttl,
            )
        else:
            logger.debug("refreshed JWK Set from %s, unchanged, cached for %d s", url, ttl)
        for skipped_kid, reason in self.validator.rejected_keys:
            logger.warning("JWK Set from %s: skipped key %r: %s", url, skipped_kid, reason)

    def failed(self, error: BaseException, url: str) -> None:
        """Record a failed fetch: keep the old set and retry after the cooldown."""
        self.expires_at = self.clock() + self.refetch_cooldown
        self.last_error = f"fetching the JWK Set from {url} failed: {error}"
        if self.loaded:
            logger.warning(
                "fetching JWK Set from %s failed, keeping the previous %d keys: %s",
                url,
                len(self.validator.key_ids),
                error,
            )
        else:
            logger.error("fetching JWK Set from %s failed, no keys loaded: %s", url, error)

    def ttl(self, cache_control: str | None) -> float:
        """Return the cache lifetime for a ``Cache-Control`` value, clamped to the bounds."""
        if not cache_control:
            return self.default_ttl
        if _NO_CACHE.search(cache_control):
            return self.min_ttl
        match = _MAX_AGE.search(cache_control)
        if match is None:
            return self.default_ttl
        return min(max(float(match.group(1)), self.min_ttl), self.max_ttl)

    def should_refetch(self, kid: str | None) -> bool:
        """Decide whether an unknown ``kid`` justifies a refetch, and record it if so."""
        if kid is None or len(kid) > MAX_KID_LENGTH:
            return False
        now = self.clock()
        with self.unknown_lock:
            seen = self.unknown_kids.get(kid)
            if seen is not None and now - seen < self.unknown_kid_ttl:
                return False
            if now - self.last_forced < self.refetch_cooldown:
                logger.debug("unknown kid %.64r: refetch skipped during the cooldown", kid)
                return False
            self.last_forced = now
        logger.info("unknown kid %.64r: refetching the JWK Set", kid)
        return True

    def remember_unknown(self, kid: str | None) -> None:
        if kid is None:
            return
        with self.unknown_lock:
            self.unknown_kids[kid] = self.clock()
            self.unknown_kids.move_to_end(kid)
            while len(self.unknown_kids) > MAX_UNKNOWN_KIDS:
                self.unknown_kids.popitem(last=False)


def _unverified_kid(token: Token, authorization: bool) -> str | None:
    """Return the header ``kid`` of a token that failed with ``UnknownKeyId``.

    The token's header already passed the core's checks; the kid only decides
    whether to refetch, never which key verifies.
    """
    try:
        text = token.decode("ascii") if isinstance(token, bytes) else token
        if authorization:
            text = text.split(" ")[-1]
        encoded = text.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, UnicodeError, IndexError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def _dpop_call(
    validator: Validator,
    proof: Token,
    method: str,
    uri: str,
    nonce: str | None,
    cache: ReplayCache,
    verifier: DpopVerifier | None,
) -> Callable[[Token, Now], VerifiedToken]:
    # The core validates the token before it looks at the proof, so a retry after
    # UnknownKeyId meets a proof that no replay cache has recorded yet.
    def call(authorization: Token, now: Now) -> VerifiedToken:
        return validator.validate_dpop(
            authorization, proof, method, uri, nonce, cache=cache, verifier=verifier, now=now
        )

    return call


def _certificate_call(
    validator: Validator, certificate_der: bytes
) -> Callable[[Token, Now], VerifiedToken]:
    def call(token: Token, now: Now) -> VerifiedToken:
        return validator.validate_certificate_bound(token, certificate_der, now)

    return call


class JWKSClient:
    """A validator whose key set is fetched from a URL and kept fresh, for threads.

    Pass ``jwks_url``, or ``issuer`` to read ``jwks_uri`` from the issuer's
    ``/.well-known/openid-configuration`` (the issuer is then also the accepted
    ``iss`` unless ``issuers`` is given). Every other keyword argument goes to
    :class:`~tokenguard.Validator`. Requires ``httpx``.
    """

    def __init__(
        self,
        jwks_url: str | None = None,
        *,
        issuer: str | None = None,
        timeout: float = 5.0,
        min_ttl: float = MIN_TTL,
        max_ttl: float = MAX_TTL,
        default_ttl: float = DEFAULT_TTL,
        refetch_cooldown: float = REFETCH_COOLDOWN,
        unknown_kid_ttl: float = UNKNOWN_KID_TTL,
        http_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        **validator_options: Any,
    ) -> None:
        self._cache = _KeyCache(
            jwks_url,
            issuer,
            validator_options,
            min_ttl,
            max_ttl,
            default_ttl,
            refetch_cooldown,
            unknown_kid_ttl,
            clock,
        )
        if http_client is None:
            httpx = import_httpx("the JWKS clients")
            http_client = httpx.Client(timeout=timeout, follow_redirects=False)
            self._owns_client = True
        else:
            self._owns_client = False
        self._http = http_client
        self._lock = threading.Lock()

    @property
    def validator(self) -> Validator:
        """The validator; its key set is replaced in place on every refresh."""
        return self._cache.validator

    def refresh(self) -> None:
        """Fetch the key set now.

        Raises :class:`JWKSError` when the fetch fails and no set was loaded before.
        """
        with self._lock:
            self._fetch()

    def validate(self, token: Token, now: Now = None) -> VerifiedToken:
        """Validate a compact JWS, refreshing the key set first when it is stale."""
        return self._validate(self.validator.validate, token, now, authorization=False)

    def validate_header(self, authorization: Token, now: Now = None) -> VerifiedToken:
        """Validate the ``Bearer`` token of an ``Authorization`` header value."""
        return self._validate(self.validator.validate_header, authorization, now, True)

    def validate_dpop(
        self,
        authorization: Token,
        proof: Token,
        method: str,
        uri: str,
        nonce: str | None = None,
        *,
        cache: ReplayCache,
        verifier: DpopVerifier | None = None,
        now: Now = None,
    ) -> VerifiedToken:
        """Validate a DPoP-bound token with its proof, as
        :meth:`~tokenguard.Validator.validate_dpop` does, with the key set kept fresh."""
        call = _dpop_call(self.validator, proof, method, uri, nonce, cache, verifier)
        return self._validate(call, authorization, now, True)

    def validate_certificate_bound(
        self, token: Token, certificate_der: bytes, now: Now = None
    ) -> VerifiedToken:
        """Validate a certificate-bound token, as
        :meth:`~tokenguard.Validator.validate_certificate_bound` does."""
        call = _certificate_call(self.validator, certificate_der)
        return self._validate(call, token, now, authorization=False)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> JWKSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _validate(
        self,
        call: Callable[[Token, Now], VerifiedToken],
        token: Token,
        now: Now,
        authorization: bool,
    ) -> VerifiedToken:
        self._refresh_if_stale()
        try:
            return call(token, now)
        except UnknownKeyId:
            kid = _unverified_kid(token, authorization)
            if not self._cache.should_refetch(kid):
                raise
        with self._lock:
            self._fetch()
        try:
            return call(token, now)
        except UnknownKeyId:
            self._cache.remember_unknown(kid)
            raise

    def _refresh_if_stale(self) -> None:
        cache = self._cache
        if not cache.is_stale():
            cache.check_loaded()
            return
        # With a set loaded, one thread refreshes and the others go on with the
        # current keys; before the first load, every thread waits for it.
        if not self._lock.acquire(blocking=not cache.loaded):
            return
        try:
            if cache.is_stale():
                self._fetch()
        finally:
            self._lock.release()

    def _fetch(self) -> None:
        cache = self._cache
        url = cache.jwks_url or cache.discovery_url()
        try:
            if cache.jwks_url is None:
                cache.jwks_url = cache.read_discovery(self._get(url)[0])
                url = cache.jwks_url
            body, cache_control = self._get(url)
            cache.apply(body, cache_control, url)
        except (OSError, ValueError, TokenError, http_error()) as error:
            cache.failed(error, url)
            if not cache.loaded:
                raise JWKSError(cache.last_error) from error

    def _get(self, url: str) -> tuple[bytes, str | None]:
        with self._http.stream("GET", url, headers={"Accept": "application/json"}) as response:
            check_status(response)
            body = read_bounded(response, MAX_KEY_SET_BYTES)
            return body, response.headers.get("cache-control")


class AsyncJWKSClient:
    """The asyncio form of :class:`JWKSClient`, with the same arguments.

    Its ``validate`` and ``validate_header`` are coroutines; the signature check
    itself runs inline, because it takes microseconds and releases the GIL.
    """

    def __init__(
        self,
        jwks_url: str | None = None,
        *,
        issuer: str | None = None,
        timeout: float = 5.0,
        min_ttl: float = MIN_TTL,
        max_ttl: float = MAX_TTL,
        default_ttl: float = DEFAULT_TTL,
        refetch_cooldown: float = REFETCH_COOLDOWN,
        unknown_kid_ttl: float = UNKNOWN_KID_TTL,
        http_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        **validator_options: Any,
    ) -> None:
        self._cache = _KeyCache(
            jwks_url,
            issuer,
            validator_options,
            min_ttl,
            max_ttl,
            default_ttl,
            refetch_cooldown,
            unknown_kid_ttl,
            clock,
        )
        if http_client is None:
            httpx = import_httpx("the JWKS clients")
            http_client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
            self._owns_client = True
        else:
            self._owns_client = False
        self._http = http_client
        self._lock: asyncio.Lock | None = None

    @property
    def validator(self) -> Validator:
        """The validator; its key set is replaced in place on every refresh."""
        return self._cache.validator

    async def refresh(self) -> None:
        """Fetch the key set now; see :meth:`JWKSClient.refresh`."""
        async with self._get_lock():
            await self._fetch()

    async def validate(self, token: Token, now: Now = None) -> VerifiedToken:
        """Validate a compact JWS, refreshing the key set first when it is stale."""
        return await self._validate(self.validator.validate, token, now, authorization=False)

    async def validate_header(self, authorization: Token, now: Now = None) -> VerifiedToken:
        """Validate the ``Bearer`` token of an ``Authorization`` header value."""
        return await self._validate(self.validator.validate_header, authorization, now, True)

    async def validate_dpop(
        self,
        authorization: Token,
        proof: Token,
        method: str,
        uri: str,
        nonce: str | None = None,
        *,
        cache: ReplayCache,
        verifier: DpopVerifier | None = None,
        now: Now = None,
    ) -> VerifiedToken:
        """Validate a DPoP-bound token with its proof; see :meth:`JWKSClient.validate_dpop`."""
        call = _dpop_call(self.validator, proof, method, uri, nonce, cache, verifier)
        return await self._validate(call, authorization, now, True)

    async def validate_certificate_bound(
        self, token: Token, certificate_der: bytes, now: Now = None
    ) -> VerifiedToken:
        """Validate a certificate-bound token; see :meth:`JWKSClient.validate_certificate_bound`."""
        call = _certificate_call(self.validator, certificate_der)
        return await self._validate(call, token, now, authorization=False)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncJWKSClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _get_lock(self) -> asyncio.Lock:
        # Created on first use, inside the running event loop.
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _validate(
        self,
        call: Callable[[Token, Now], VerifiedToken],
        token: Token,
        now: Now,
        authorization: bool,
    ) -> VerifiedToken:
        await self._refresh_if_stale()
        try:
            return call(token, now)
        except UnknownKeyId:
            kid = _unverified_kid(token, authorization)
            if not self._cache.should_refetch(kid):
                raise
        async with self._get_lock():
            await self._fetch()
        try:
            return call(token, now)
        except UnknownKeyId:
            self._cache.remember_unknown(kid)
            raise

    async def _refresh_if_stale(self) -> None:
        cache = self._cache
        if not cache.is_stale():
            cache.check_loaded()
            return
        lock = self._get_lock()
        if cache.loaded and lock.locked():
            return
        async with lock:
            if cache.is_stale():
                await self._fetch()

    async def _fetch(self) -> None:
        cache = self._cache
        url = cache.jwks_url or cache.discovery_url()
        try:
            if cache.jwks_url is None:
                cache.jwks_url = cache.read_discovery((await self._get(url))[0])
                url = cache.jwks_url
            body, cache_control = await self._get(url)
            cache.apply(body, cache_control, url)
        except (OSError, ValueError, TokenError, http_error()) as error:
            cache.failed(error, url)
            if not cache.loaded:
                raise JWKSError(cache.last_error) from error

    async def _get(self, url: str) -> tuple[bytes, str | None]:
        headers = {"Accept": "application/json"}
        async with self._http.stream("GET", url, headers=headers) as response:
            check_status(response)
            body = await aread_bounded(response, MAX_KEY_SET_BYTES)
            return body, response.headers.get("cache-control")
