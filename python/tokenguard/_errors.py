"""The exception hierarchy: one base, :class:`TokenError`, and a subclass per failure."""

from __future__ import annotations


class TokenError(ValueError):
    """A token, key set or configuration was rejected.

    ``code`` and ``name`` are the core's stable error code and name, ``error`` is the
    RFC 6750 error code an API should answer with (``None`` for a request in another
    authentication scheme and for configuration errors), and ``status`` is the HTTP
    status to send. The message never contains the token.
    """

    code: int = 0
    name: str = "internal"
    error: str | None = None
    status: int = 500

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        name: str | None = None,
        error: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        cls = type(self)
        self.code = cls.code if code is None else code
        self.name = cls.name if name is None else name
        self.error = cls.error if error is None else error
        self.status = cls.status if status is None else status

    @property
    def description(self) -> str:
        """The error message, as sent in ``error_description``."""
        return str(self.args[0]) if self.args else ""

    def www_authenticate(self, realm: str | None = None, scope: str | None = None) -> str:
        """Build the RFC 6750 ``WWW-Authenticate`` value for this error.

        ``realm`` and ``scope`` (the space-delimited scopes the resource needs) are
        added when given; characters that could end a quoted value early are
        escaped or replaced.
        """
        from tokenguard import _native

        return _native.challenge(self.error, self.description, realm, scope)


class Malformed(TokenError):
    """The token or ``Authorization`` value is not well-formed (code 100)."""

    code, name, error, status = 100, "malformed", "invalid_token", 401


class TooLarge(TokenError):
    """The token is longer than ``max_token_bytes`` (code 101)."""

    code, name, error, status = 101, "too_large", "invalid_token", 401


class UnsupportedAlgorithm(TokenError):
    """The header ``alg`` is ``none``, unknown, ES512 or not allowed (code 200)."""

    code, name, error, status = 200, "unsupported_alg", "invalid_token", 401


class UnsupportedCrit(TokenError):
    """The header ``crit`` names an extension this library does not implement (code 201)."""

    code, name, error, status = 201, "unsupported_crit", "invalid_token", 401


class UnknownKeyId(TokenError):
    """No key in the set has the token's ``kid`` (code 202)."""

    code, name, error, status = 202, "unknown_kid", "invalid_token", 401


class KeyMismatch(TokenError):
    """The selected key may not verify the token's algorithm (code 203)."""

    code, name, error, status = 203, "key_mismatch", "invalid_token", 401


class WeakKey(TokenError):
    """The key is too weak: short RSA modulus, bad exponent, ROCA, short secret (code 204)."""

    code, name, error, status = 204, "weak_key", "invalid_token", 401


class InvalidKey(TokenError):
    """The key or key set is broken or ambiguous (code 205)."""

    code, name, error, status = 205, "invalid_key", "invalid_token", 401


class BadSignature(TokenError):
    """The signature or MAC does not verify (code 206)."""

    code, name, error, status = 206, "bad_signature", "invalid_token", 401


class KidRequired(TokenError):
    """The token has no ``kid`` and too many keys fit its algorithm (code 207)."""

    code, name, error, status = 207, "kid_required", "invalid_token", 401


class ExpiredToken(TokenError):
    """The token is past ``exp`` plus the leeway, or older than ``max_age`` (code 300)."""

    code, name, error, status = 300, "expired", "invalid_token", 401


class NotYetValid(TokenError):
    """The token's ``nbf`` is later than now plus the leeway (code 301)."""

    code, name, error, status = 301, "not_yet_valid", "invalid_token", 401


class IssuedInFuture(TokenError):
    """The token's ``iat`` is later than now plus the leeway (code 302)."""

    code, name, error, status = 302, "issued_in_future", "invalid_token", 401


class InvalidClaim(TokenError):
    """A registered claim has the wrong JSON type or an out-of-range value (code 303)."""

    code, name, error, status = 303, "invalid_claim", "invalid_token", 401


class MissingClaim(TokenError):
    """A required claim is absent or ``null`` (code 304)."""

    code, name, error, status = 304, "missing_claim", "invalid_token", 401


class WrongIssuer(TokenError):
    """The ``iss`` claim is not an accepted issuer (code 305)."""

    code, name, error, status = 305, "wrong_issuer", "invalid_token", 401


class WrongAudience(TokenError):
    """The ``aud`` claim contains no accepted audience (code 306)."""

    code, name, error, status = 306, "wrong_audience", "invalid_token", 401


class WrongType(TokenError):
    """The header ``typ`` is not the type the policy requires (code 307)."""

    code, name, error, status = 307, "wrong_type", "invalid_token", 401


class InsufficientScope(TokenError):
    """The token does not grant the required scopes (code 308, HTTP 403)."""

    code, name, error, status = 308, "insufficient_scope", "insufficient_scope", 403


class ProofRequired(TokenError):
    """The token is bound to a key by ``cnf`` and needs a proof of possession (code 309)."""

    code, name, error, status = 309, "proof_required", "invalid_token", 401


class Inactive(TokenError):
    """The introspection response reports the token as not active (code 310)."""

    code, name, error, status = 310, "inactive", "invalid_token", 401


class Revoked(TokenError):
    """The token passed every check but is on a revocation list (code 311)."""

    code, name, error, status = 311, "revoked", "invalid_token", 401


class InvalidConfig(TokenError):
    """A configuration value is invalid; raised when a validator is built (code 400)."""

    code, name, error, status = 400, "invalid_config", None, 500


class RevocationListFull(TokenError):
    """A revocation list has no room and no expired entry to evict; the revocation
    was not recorded (code 500)."""

    code, name, error, status = 500, "revocation_list_full", None, 500


class IntrospectionError(TokenError):
    """No usable introspection response came from the authorization server (code 600, HTTP 503).

    Raised for a network error or timeout, an HTTP status other than 200, an
    unexpected ``Content-Type``, a body over the size limit, and a response that is
    not a well-formed (or, for signed responses, not a validly signed) introspection
    response. The token was not accepted. The code is the Python package's own,
    outside the core's range, because the core makes no HTTP calls.
    """

    code, name, error, status = 600, "introspection_failed", None, 503


class TokenRequestError(TokenError):
    """The token endpoint did not issue an access token (code 601, HTTP 503).

    Raised by :class:`~tokenguard.TokenClient` for an error response, after the
    retries of a transient failure, and for a response that is no valid token
    response. ``oauth_error`` and ``oauth_error_description`` are the RFC 6749
    ``error`` and ``error_description`` the server sent (``invalid_client``,
    ``invalid_scope``, ...), ``http_status`` is the status of the last response,
    and each is ``None`` when the server sent none. ``status`` is 503, the status
    an API whose outgoing call needed the token would answer with. The code is
    the Python package's own, as for :class:`IntrospectionError`.
    """

    code, name, error, status = 601, "token_request_failed", None, 503

    def __init__(
        self,
        message: str,
        *,
        oauth_error: str | None = None,
        oauth_error_description: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.oauth_error = oauth_error
        self.oauth_error_description = oauth_error_description
        self.http_status = http_status


class SigningFailed(TokenError):
    """Making a signature failed: the system random number generator failed (code 208)."""

    code, name, error, status = 208, "signing_failed", None, 500


class CertificateMismatch(TokenError):
    """The token is bound to another client certificate than the connection's (code 312)."""

    code, name, error, status = 312, "certificate_mismatch", "invalid_token", 401


class InvalidDpopProof(TokenError):
    """The DPoP proof is missing, malformed or fails a check (code 313).

    Respond with ``DpopVerifier.www_authenticate(error)``, a ``DPoP`` challenge.
    """

    code, name, error, status = 313, "invalid_dpop_proof", "invalid_dpop_proof", 401


class UseDpopNonce(TokenError):
    """The server requires a DPoP nonce that the proof lacks (code 314).

    Respond with ``DpopVerifier.www_authenticate(error)`` and a ``DPoP-Nonce`` header.
    """

    code, name, error, status = 314, "use_dpop_nonce", "use_dpop_nonce", 401


class Replayed(TokenError):
    """A client assertion with this issuer and ``jti`` was already accepted (code 315)."""

    code, name, error, status = 315, "replayed", "invalid_token", 401


class UnknownClient(TokenError):
    """A client assertion names a client with no registered keys (code 316)."""

    code, name, error, status = 316, "unknown_client", "invalid_token", 401


class ReplayCacheFull(TokenError):
    """A ``ReplayCache`` is full of unexpired entries; the proof was rejected (code 501)."""

    code, name, error, status = 501, "replay_cache_full", None, 500


_BY_NAME: dict[str, type[TokenError]] = {
    cls.name: cls
    for cls in (
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
        ExpiredToken,
        NotYetValid,
        IssuedInFuture,
        InvalidClaim,
        MissingClaim,
        WrongIssuer,
        WrongAudience,
        WrongType,
        InsufficientScope,
        ProofRequired,
        Inactive,
        Revoked,
        InvalidConfig,
        RevocationListFull,
        SigningFailed,
        CertificateMismatch,
        InvalidDpopProof,
        UseDpopNonce,
        Replayed,
        UnknownClient,
        ReplayCacheFull,
    )
}


def _from_native(name: str, code: int, error: str | None, status: int, message: str) -> TokenError:
    """Build the exception for an error reported by the native module.

    A name this package does not know, from a newer core, still becomes a
    ``TokenError`` carrying the core's fields.
    """
    exception = _BY_NAME.get(name, TokenError)(message)
    # Set after construction, because ``error=None`` given to ``__init__`` means
    # "the class default", while here it means "no RFC 6750 error code".
    exception.code = code
    exception.name = name
    exception.error = error
    exception.status = status
    return exception
