"""Type stubs of the ``tokenguard`` package, written by hand."""

from tokenguard._client_auth import ClientAuthentication as ClientAuthentication
from tokenguard._client_auth import ClientSecretBasic as ClientSecretBasic
from tokenguard._client_auth import PrivateKeyJwt as PrivateKeyJwt
from tokenguard._client_auth import TlsClientAuth as TlsClientAuth
from tokenguard._client_cert import ClientCertificateHeader as ClientCertificateHeader
from tokenguard._dpop import DpopNonces as DpopNonces
from tokenguard._dpop import DpopSettings as DpopSettings
from tokenguard._errors import BadSignature as BadSignature
from tokenguard._errors import CertificateMismatch as CertificateMismatch
from tokenguard._errors import ExpiredToken as ExpiredToken
from tokenguard._errors import Inactive as Inactive
from tokenguard._errors import InsufficientScope as InsufficientScope
from tokenguard._errors import IntrospectionError as IntrospectionError
from tokenguard._errors import InvalidClaim as InvalidClaim
from tokenguard._errors import InvalidConfig as InvalidConfig
from tokenguard._errors import InvalidDpopProof as InvalidDpopProof
from tokenguard._errors import InvalidKey as InvalidKey
from tokenguard._errors import IssuedInFuture as IssuedInFuture
from tokenguard._errors import KeyMismatch as KeyMismatch
from tokenguard._errors import KidRequired as KidRequired
from tokenguard._errors import Malformed as Malformed
from tokenguard._errors import MissingClaim as MissingClaim
from tokenguard._errors import NotYetValid as NotYetValid
from tokenguard._errors import ProofRequired as ProofRequired
from tokenguard._errors import ReplayCacheFull as ReplayCacheFull
from tokenguard._errors import Replayed as Replayed
from tokenguard._errors import RevocationListFull as RevocationListFull
from tokenguard._errors import Revoked as Revoked
from tokenguard._errors import SigningFailed as SigningFailed
from tokenguard._errors import TokenError as TokenError
from tokenguard._errors import TokenRequestError as TokenRequestError
from tokenguard._errors import TooLarge as TooLarge
from tokenguard._errors import UnknownClient as UnknownClient
from tokenguard._errors import UnknownKeyId as UnknownKeyId
from tokenguard._errors import UnsupportedAlgorithm as UnsupportedAlgorithm
from tokenguard._errors import UnsupportedCrit as UnsupportedCrit
from tokenguard._errors import UseDpopNonce as UseDpopNonce
from tokenguard._errors import WeakKey as WeakKey
from tokenguard._errors import WrongAudience as WrongAudience
from tokenguard._errors import WrongIssuer as WrongIssuer
from tokenguard._errors import WrongType as WrongType
from tokenguard._hybrid import AsyncHybridValidator as AsyncHybridValidator
from tokenguard._hybrid import HybridValidator as HybridValidator
from tokenguard._introspection import AsyncIntrospector as AsyncIntrospector
from tokenguard._introspection import Introspector as Introspector
from tokenguard._jwks import AsyncJWKSClient as AsyncJWKSClient
from tokenguard._jwks import JWKSClient as JWKSClient
from tokenguard._jwks import JWKSError as JWKSError
from tokenguard._native import (
    DEFAULT_INTROSPECTION_MAX_AGE_SECONDS as DEFAULT_INTROSPECTION_MAX_AGE_SECONDS,
)
from tokenguard._native import DEFAULT_LEEWAY_SECONDS as DEFAULT_LEEWAY_SECONDS
from tokenguard._native import DEFAULT_MAX_TOKEN_BYTES as DEFAULT_MAX_TOKEN_BYTES
from tokenguard._native import MAX_KEY_SET_BYTES as MAX_KEY_SET_BYTES
from tokenguard._native import MAX_LEEWAY_SECONDS as MAX_LEEWAY_SECONDS
from tokenguard._native import MAX_REVOCATION_ENTRIES as MAX_REVOCATION_ENTRIES
from tokenguard._native import MAX_TOKEN_BYTES_LIMIT as MAX_TOKEN_BYTES_LIMIT
from tokenguard._native import AssertionVerifier as AssertionVerifier
from tokenguard._native import DpopVerifier as DpopVerifier
from tokenguard._native import ReplayCache as ReplayCache
from tokenguard._native import RevocationList as RevocationList
from tokenguard._native import SigningKey as SigningKey
from tokenguard._native import Validator as Validator
from tokenguard._native import VerifiedAssertion as VerifiedAssertion
from tokenguard._native import VerifiedToken as VerifiedToken
from tokenguard._native import create_client_assertion as create_client_assertion
from tokenguard._native import create_dpop_proof as create_dpop_proof
from tokenguard._native import unix_now as unix_now
from tokenguard._redis_revocations import RedisRevocationList as RedisRevocationList
from tokenguard._redis_revocations import RevocationSyncStats as RevocationSyncStats
from tokenguard._token_client import AccessToken as AccessToken
from tokenguard._token_client import AsyncTokenClient as AsyncTokenClient
from tokenguard._token_client import TokenClient as TokenClient

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
