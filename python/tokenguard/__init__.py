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
integrations, which can also require DPoP (:class:`DpopSettings`) or a
certificate-bound token (:class:`ClientCertificateHeader`) on chosen routes.
For calls to other services, :class:`TokenClient` and :class:`AsyncTokenClient`
obtain and cache client credentials tokens, authenticated with
:class:`PrivateKeyJwt`, :class:`ClientSecretBasic` or :class:`TlsClientAuth`.
"""

from tokenguard._client_auth import (
    ClientAuthentication,
    ClientSecretBasic,
    PrivateKeyJwt,
    TlsClientAuth,
)
from tokenguard._client_cert import ClientCertificateHeader
from tokenguard._dpop import DpopNonces, DpopSettings
from tokenguard._errors import (
    BadSignature,
    CertificateMismatch,
    ExpiredToken,
    Inactive,
    InsufficientScope,
    IntrospectionError,
    InvalidClaim,
    InvalidConfig,
    InvalidDpopProof,
    InvalidKey,
    IssuedInFuture,
    KeyMismatch,
    KidRequired,
    Malformed,
    MissingClaim,
    NotYetValid,
    ProofRequired,
    ReplayCacheFull,
    Replayed,
    RevocationListFull,
    Revoked,
    SigningFailed,
    TokenError,
    TokenRequestError,
    TooLarge,
    UnknownClient,
    UnknownKeyId,
    UnsupportedAlgorithm,
    UnsupportedCrit,
    UseDpopNonce,
    WeakKey,
    WrongAudience,
    WrongIssuer,
    WrongType,
)
from tokenguard._hybrid import AsyncHybridValidator, HybridValidator
from tokenguard._introspection import AsyncIntrospector, Introspector
from tokenguard._jwks import AsyncJWKSClient, JWKSClient, JWKSError
from tokenguard._native import (
    DEFAULT_INTROSPECTION_MAX_AGE_SECONDS,
    DEFAULT_LEEWAY_SECONDS,
    DEFAULT_MAX_TOKEN_BYTES,
    MAX_KEY_SET_BYTES,
    MAX_LEEWAY_SECONDS,
    MAX_REVOCATION_ENTRIES,
    MAX_TOKEN_BYTES_LIMIT,
    AssertionVerifier,
    DpopVerifier,
    ReplayCache,
    RevocationList,
    SigningKey,
    Validator,
    VerifiedAssertion,
    VerifiedToken,
    create_client_assertion,
    create_dpop_proof,
    unix_now,
)
from tokenguard._redis_revocations import RedisRevocationList, RevocationSyncStats
from tokenguard._token_client import AccessToken, AsyncTokenClient, TokenClient

__all__ = [
    "DEFAULT_INTROSPECTION_MAX_AGE_SECONDS",
    "DEFAULT_LEEWAY_SECONDS",
    "DEFAULT_MAX_TOKEN_BYTES",
    "MAX_KEY_SET_BYTES",
    "MAX_LEEWAY_SECONDS",
    "MAX_REVOCATION_ENTRIES",
    "MAX_TOKEN_BYTES_LIMIT",
    "AccessToken",
    "AssertionVerifier",
    "AsyncHybridValidator",
    "AsyncIntrospector",
    "AsyncJWKSClient",
    "AsyncTokenClient",
    "BadSignature",
    "CertificateMismatch",
    "ClientAuthentication",
    "ClientCertificateHeader",
    "ClientSecretBasic",
    "DpopNonces",
    "DpopSettings",
    "DpopVerifier",
    "ExpiredToken",
    "HybridValidator",
    "Inactive",
    "InsufficientScope",
    "IntrospectionError",
    "Introspector",
    "InvalidClaim",
    "InvalidConfig",
    "InvalidDpopProof",
    "InvalidKey",
    "IssuedInFuture",
    "JWKSClient",
    "JWKSError",
    "KeyMismatch",
    "KidRequired",
    "Malformed",
    "MissingClaim",
    "NotYetValid",
    "PrivateKeyJwt",
    "ProofRequired",
    "RedisRevocationList",
    "ReplayCache",
    "ReplayCacheFull",
    "Replayed",
    "RevocationList",
    "RevocationListFull",
    "RevocationSyncStats",
    "Revoked",
    "SigningFailed",
    "SigningKey",
    "TlsClientAuth",
    "TokenClient",
    "TokenError",
    "TokenRequestError",
    "TooLarge",
    "UnknownClient",
    "UnknownKeyId",
    "UnsupportedAlgorithm",
    "UnsupportedCrit",
    "UseDpopNonce",
    "Validator",
    "VerifiedAssertion",
    "VerifiedToken",
    "WeakKey",
    "WrongAudience",
    "WrongIssuer",
    "WrongType",
    "create_client_assertion",
    "create_dpop_proof",
    "unix_now",
]
