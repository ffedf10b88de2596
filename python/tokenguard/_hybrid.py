"""Local validation by default, introspection for sensitive requests.

A :class:`HybridValidator` validates a JWT access token locally, which costs no
network call, unless the caller marks the request sensitive. A sensitive request
is introspected at the authorization server, which also reports tokens revoked
since they were issued, and accepts opaque tokens. On both paths a revocation list, when
given, is checked after the token passed every other check. DPoP-bound and
certificate-bound tokens are always validated locally, because checking their
proof needs the token's own ``cnf`` claim.
"""

from __future__ import annotations

from typing import Protocol, Union

from tokenguard._errors import InvalidConfig
from tokenguard._introspection import AsyncIntrospector, Introspector
from tokenguard._jwks import AsyncJWKSClient, JWKSClient
from tokenguard._native import (
    DpopVerifier,
    ReplayCache,
    Validator,
    VerifiedToken,
    bearer_token,
)

Token = Union[str, bytes]
Now = Union[int, float, None]

NO_INTROSPECTOR = "a sensitive request needs a hybrid validator built with an introspector"


class RevocationCheck(Protocol):
    """A revocation list: :class:`~tokenguard.RevocationList` or
    :class:`~tokenguard.RedisRevocationList`."""

    def check(self, token: VerifiedToken) -> None:
        """Raise :class:`~tokenguard.Revoked` when ``token`` is revoked."""
        ...


class HybridValidator:
    """Validate locally, or through an :class:`~tokenguard.Introspector` when sensitive.

    ``local`` is a :class:`~tokenguard.Validator` or a
    :class:`~tokenguard.JWKSClient`. ``introspector`` may be ``None`` for an API
    that only needs ``revocations`` on top of local validation. Such a validator
    raises :class:`~tokenguard.InvalidConfig` for a sensitive request.
    """

    def __init__(
        self,
        local: Validator | JWKSClient,
        introspector: Introspector | None = None,
        revocations: RevocationCheck | None = None,
    ) -> None:
        if not isinstance(local, (Validator, JWKSClient)):
            raise InvalidConfig("local must be a tokenguard.Validator or JWKSClient")
        if introspector is not None and not isinstance(introspector, Introspector):
            raise InvalidConfig("introspector must be a tokenguard.Introspector")
        _check_revocations(revocations)
        self.local = local
        self.introspector = introspector
        self.revocations = revocations

    def validate(self, token: Token, sensitive: bool = False) -> VerifiedToken:
        """Validate a token: introspect it when ``sensitive``, else validate it locally."""
        if sensitive:
            verified = self._introspector().introspect(token)
        else:
            verified = self.local.validate(token)
        return self._check(verified)

    def validate_header(self, authorization: Token, sensitive: bool = False) -> VerifiedToken:
        """Validate the token of an ``Authorization: Bearer`` header value."""
        if sensitive:
            verified = self._introspector().introspect(bearer_token(authorization))
        else:
            verified = self.local.validate_header(authorization)
        return self._check(verified)

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
        """Validate a DPoP-bound token locally with its proof, then check revocations.

        The arguments are those of :meth:`~tokenguard.Validator.validate_dpop`.
        """
        verified = self.local.validate_dpop(
            authorization, proof, method, uri, nonce, cache=cache, verifier=verifier, now=now
        )
        return self._check(verified)

    def validate_certificate_bound(
        self, token: Token, certificate_der: bytes, now: Now = None
    ) -> VerifiedToken:
        """Validate a certificate-bound token locally, then check revocations."""
        return self._check(self.local.validate_certificate_bound(token, certificate_der, now))

    def _introspector(self) -> Introspector:
        if self.introspector is None:
            raise InvalidConfig(NO_INTROSPECTOR)
        return self.introspector

    def _check(self, verified: VerifiedToken) -> VerifiedToken:
        if self.revocations is not None:
            self.revocations.check(verified)
        return verified


class AsyncHybridValidator:
    """The asyncio form of :class:`HybridValidator`.

    ``local`` is a :class:`~tokenguard.Validator` or an
    :class:`~tokenguard.AsyncJWKSClient`, and ``introspector`` an
    :class:`~tokenguard.AsyncIntrospector` or ``None``. ``validate`` and
    ``validate_header`` are coroutines.
    """

    def __init__(
        self,
        local: Validator | AsyncJWKSClient,
        introspector: AsyncIntrospector | None = None,
        revocations: RevocationCheck | None = None,
    ) -> None:
        if not isinstance(local, (Validator, AsyncJWKSClient)):
            raise InvalidConfig("local must be a tokenguard.Validator or AsyncJWKSClient")
        if introspector is not None and not isinstance(introspector, AsyncIntrospector):
            raise InvalidConfig("introspector must be a tokenguard.AsyncIntrospector")
        _check_revocations(revocations)
        self.local = local
        self.introspector = introspector
        self.revocations = revocations

    async def validate(self, token: Token, sensitive: bool = False) -> VerifiedToken:
        """Validate a token: introspect it when ``sensitive``, else validate it locally."""
        if sensitive:
            verified = await self._introspector().introspect(token)
        elif isinstance(self.local, AsyncJWKSClient):
            verified = await self.local.validate(token)
        else:
            verified = self.local.validate(token)
        return self._check(verified)

    async def validate_header(self, authorization: Token, sensitive: bool = False) -> VerifiedToken:
        """Validate the token of an ``Authorization: Bearer`` header value."""
        if sensitive:
            token = bearer_token(authorization)
            verified = await self._introspector().introspect(token)
        elif isinstance(self.local, AsyncJWKSClient):
            verified = await self.local.validate_header(authorization)
        else:
            verified = self.local.validate_header(authorization)
        return self._check(verified)

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
        """Validate a DPoP-bound token locally with its proof, then check revocations."""
        if isinstance(self.local, AsyncJWKSClient):
            verified = await self.local.validate_dpop(
                authorization, proof, method, uri, nonce, cache=cache, verifier=verifier, now=now
            )
        else:
            verified = self.local.validate_dpop(
                authorization, proof, method, uri, nonce, cache=cache, verifier=verifier, now=now
            )
        return self._check(verified)

    async def validate_certificate_bound(
        self, token: Token, certificate_der: bytes, now: Now = None
    ) -> VerifiedToken:
        """Validate a certificate-bound token locally, then check revocations."""
        if isinstance(self.local, AsyncJWKSClient):
            verified = await self.local.validate_certificate_bound(token, certificate_der, now)
        else:
            verified = self.local.validate_certificate_bound(token, certificate_der, now)
        return self._check(verified)

    def _introspector(self) -> AsyncIntrospector:
        if self.introspector is None:
            raise InvalidConfig(NO_INTROSPECTOR)
        return self.introspector

    def _check(self, verified: VerifiedToken) -> VerifiedToken:
        if self.revocations is not None:
            self.revocations.check(verified)
        return verified


def _check_revocations(revocations: object) -> None:
    if revocations is not None and not callable(getattr(revocations, "check", None)):
        raise InvalidConfig(
            "revocations must have a check(token) method, such as tokenguard.RevocationList"
        )
