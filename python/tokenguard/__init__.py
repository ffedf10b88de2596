"""Validation of OAuth 2.0 JWT access tokens (RFC 9068, RFC 8725) on a Rust core.

Build a :class:`Validator` once with the issuer's JWK Set and the policy, share it
between threads, and call :meth:`Validator.validate` or
:meth:`Validator.validate_header` per request. Every failure raises a subclass of
:class:`TokenError`. :class:`JWKSClient` and :class:`AsyncJWKSClient` fetch and
rotate the key set. :class:`Introspector` and :class:`AsyncIntrospector` ask the
authorization server instead (RFC 7662), :class:`HybridValidator` and
:class:`AsyncHybridValidator` choose between the two per request, and
:class:`RevocationList` and :class:`RedisRevocationList` deny revoked tokens.
``tokenguard.asgi``, ``tokenguard.fastapi`` and ``tokenguard.flask`` hold ready
integrations.
"""

from tokenguard._errors import (
    BadSignature,
    ExpiredToken,
    Inactive,
    InsufficientScope,
    IntrospectionError,
    InvalidClaim,
    InvalidConfig,
    InvalidKey,
    IssuedInFuture,
    KeyMismatch,
    KidRequired,
    Malformed,
    MissingClaim,
    NotYetValid,
    ProofRequired,
    RevocationListFull,
    Revoked,
    TokenError,
    TooLarge,
    UnknownKeyId,
    UnsupportedAlgorithm,
    UnsupportedCrit,
    WeakKey,
    WrongAudience,
    WrongIssuer,
    WrongType,
)
from tokenguard._hybrid import AsyncHybridValidator, HybridValidator
from tokenguard._introspection import (
    AsyncIntrospector,
    ClientAuthentication,
    ClientSecretBasic,
    Introspector,
)
from tokenguard._jwks import AsyncJWKSClient, JWKSClient, JWKSError
from tokenguard._native import (
    DEFAULT_INTROSPECTION_MAX_AGE_SECONDS,
    DEFAULT_LEEWAY_SECONDS,
    DEFAULT_MAX_TOKEN_BYTES,
    MAX_KEY_SET_BYTES,
    MAX_LEEWAY_SECONDS,
    MAX_REVOCATION_ENTRIES,
    MAX_TOKEN_BYTES_LIMIT,
    RevocationList,
    Validator,
    VerifiedToken,
    unix_now,
)
from tokenguard._redis_revocations import RedisRevocationList, RevocationSyncStats

__all__ = [
    "DEFAULT_INTROSPECTION_MAX_AGE_SECONDS",
    "DEFAULT_LEEWAY_SECONDS",
    "DEFAULT_MAX_TOKEN_BYTES",
    "MAX_KEY_SET_BYTES",
    "MAX_LEEWAY_SECONDS",
    "MAX_REVOCATION_ENTRIES",
    "MAX_TOKEN_BYTES_LIMIT",
    "AsyncHybridValidator",
    "AsyncIntrospector",
    "AsyncJWKSClient",
    "BadSignature",
    "ClientAuthentication",
    "ClientSecretBasic",
    "ExpiredToken",
    "HybridValidator",
    "Inactive",
    "InsufficientScope",
    "IntrospectionError",
    "Introspector",
    "InvalidClaim",
    "InvalidConfig",
    "InvalidKey",
    "IssuedInFuture",
    "JWKSClient",
    "JWKSError",
    "KeyMismatch",
    "KidRequired",
    "Malformed",
    "MissingClaim",
    "NotYetValid",
    "ProofRequired",
    "RedisRevocationList",
    "RevocationList",
    "RevocationListFull",
    "RevocationSyncStats",
    "Revoked",
    "TokenError",
    "TooLarge",
    "UnknownKeyId",
    "UnsupportedAlgorithm",
    "UnsupportedCrit",
    "Validator",
    "VerifiedToken",
    "WeakKey",
    "WrongAudience",
    "WrongIssuer",
    "WrongType",
    "unix_now",
]
