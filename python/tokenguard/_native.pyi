"""Type stubs of the native module ``tokenguard._native``, written by hand."""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, final

__all__ = [
    "DEFAULT_INTROSPECTION_MAX_AGE_SECONDS",
    "DEFAULT_LEEWAY_SECONDS",
    "DEFAULT_MAX_TOKEN_BYTES",
    "MAX_KEY_SET_BYTES",
    "MAX_LEEWAY_SECONDS",
    "MAX_REVOCATION_ENTRIES",
    "MAX_TOKEN_BYTES_LIMIT",
    "AssertionVerifier",
    "DpopVerifier",
    "ReplayCache",
    "RevocationList",
    "SigningKey",
    "Validator",
    "VerifiedAssertion",
    "VerifiedToken",
    "bearer_token",
    "challenge",
    "create_client_assertion",
    "create_dpop_proof",
    "unix_now",
]

DEFAULT_LEEWAY_SECONDS: Final[int]
"""Leeway used when ``Validator`` is given none, in seconds (30)."""
MAX_LEEWAY_SECONDS: Final[int]
"""Largest accepted ``leeway``, in seconds (300)."""
DEFAULT_MAX_TOKEN_BYTES: Final[int]
"""Default ``max_token_bytes`` (16384)."""
MAX_TOKEN_BYTES_LIMIT: Final[int]
"""Largest accepted ``max_token_bytes`` (1048576)."""
MAX_KEY_SET_BYTES: Final[int]
"""Largest JWK Set document accepted, in bytes (1048576)."""
DEFAULT_INTROSPECTION_MAX_AGE_SECONDS: Final[int]
"""Default ``introspection_max_age``: the oldest ``iat`` of a signed introspection
response that is accepted, in seconds (60)."""
MAX_REVOCATION_ENTRIES: Final[int]
"""Largest ``max_tokens`` or ``max_subjects`` of a :class:`RevocationList` (4194304)."""

_JwkSetSource = str | bytes | Mapping[str, Any]
_HmacSecret = tuple[str | None, str, bytes]

@final
class VerifiedToken:
    """An access token that passed every check of a :class:`Validator`."""

    @property
    def claims(self) -> Mapping[str, Any]:
        """The verified claims as a read-only mapping (``types.MappingProxyType``)."""
    @property
    def header(self) -> Mapping[str, Any] | None:
        """The verified JOSE header as a read-only mapping, or ``None`` for a token
        accepted from an introspection response."""
    @property
    def subject(self) -> str | None:
        """The ``sub`` claim."""
    @property
    def client_id(self) -> str | None:
        """The ``client_id`` claim (RFC 9068 section 2.2)."""
    @property
    def issuer(self) -> str | None:
        """The ``iss`` claim."""
    @property
    def audiences(self) -> tuple[str, ...]:
        """The ``aud`` claim as a tuple, whether it was a string or an array."""
    @property
    def scopes(self) -> tuple[str, ...]:
        """The granted scopes in token order: ``scope`` split on spaces, or ``scp``
        when the validator reads it and ``scope`` is absent."""
    @property
    def expires_at(self) -> datetime.datetime:
        """``exp`` as an aware UTC datetime, clamped to the ``datetime`` range."""
    @property
    def raw_payload(self) -> bytes:
        """The verified payload JSON object, exactly as signed, or the introspection
        response object it was read from."""
    def has_scope(self, scope: str) -> bool:
        """Return whether ``scopes`` contains ``scope`` exactly."""

@final
class Validator:
    """An immutable access-token policy with a replaceable JWK Set.

    Safe to share between threads; ``validate`` releases the GIL while it
    verifies, unless every key is an HMAC secret, whose check is shorter than a
    GIL handover. Every failure raises a :class:`tokenguard.TokenError` subclass;
    configuration errors raise :class:`tokenguard.InvalidConfig`.
    """

    def __new__(
        cls,
        jwks: _JwkSetSource | None = None,
        *,
        issuers: str | Sequence[str],
        audiences: str | Sequence[str],
        algorithms: Iterable[str] | None = None,
        leeway: int | None = None,
        max_age: int | None = None,
        typ: Literal["at+jwt", "jwt", "any"] | None = None,
        profile: Literal["rfc9068"] | None = None,
        required_claims: Iterable[str] | None = None,
        required_scopes: Iterable[str] | None = None,
        scope_match: Literal["all", "any"] | None = None,
        scope_claims: Literal["scope", "scope-or-scp"] | None = None,
        scope_hierarchy: str | None = None,
        max_token_bytes: int | None = None,
        hmac_secrets: Sequence[_HmacSecret] | None = None,
        introspection_audience: str | None = None,
        introspection_max_age: int | None = None,
    ) -> Validator:
        """Build a validator from a JWK Set, or from HMAC secrets.

        An option left at ``None`` takes the core's default: ``leeway`` 30,
        ``typ`` ``"at+jwt"``, no required claims or scopes, ``scope_match``
        ``"all"``, ``scope_claims`` ``"scope"`` and ``max_token_bytes`` 16384.

        ``jwks`` is a JWK Set as JSON text, bytes or a dict. ``hmac_secrets`` is a
        sequence of ``(kid, alg, secret)`` to use in its place, because a set may
        not mix secret and public keys. ``issuers`` and ``audiences`` are compared
        exactly. ``algorithms`` defaults to every asymmetric algorithm, or to the
        secrets' HS* algorithms. ``leeway`` (at most 300) and ``max_age`` are in
        seconds. ``typ="jwt"`` also accepts ``JWT`` or no ``typ``.
        ``profile="rfc9068"`` requires ``iss``, ``exp``, ``aud``, ``sub``,
        ``client_id``, ``iat`` and ``jti``. ``scope_hierarchy=":"`` lets
        ``orders`` cover ``orders:read``. ``introspection_audience`` is the ``aud``
        that a signed introspection response must name (the resource server's
        client id), and ``introspection_max_age`` the oldest ``iat`` it may have, in
        seconds (default 60).
        """
    def set_jwks(self, jwks: _JwkSetSource) -> None:
        """Replace the key set atomically; the policy stays the same.

        Validations already running finish with the old set. A set that fails to
        load raises and leaves the current one in place.
        """
    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ``kid`` of every usable key, sorted."""
    @property
    def rejected_keys(self) -> tuple[tuple[str | None, str], ...]:
        """``(kid, reason)`` for each key the current set skipped."""
    @property
    def introspection_audience(self) -> str | None:
        """The ``aud`` a signed introspection response must name, or ``None``."""
    @property
    def max_token_bytes(self) -> int:
        """The maximum length of a token or introspection response, in bytes."""
    def validate(self, token: str | bytes, now: int | float | None = None) -> VerifiedToken:
        """Validate a compact JWS access token.

        ``now`` is the time in Unix seconds (a float is rounded down); ``None``
        reads the system clock. A ``now`` outside the signed 64-bit range, NaN or
        of another type raises ``InvalidConfig``; a token that is not ``str`` or
        ``bytes`` raises ``Malformed``.
        """
    def validate_header(
        self, authorization: str | bytes, now: int | float | None = None
    ) -> VerifiedToken:
        """Validate the token of an ``Authorization: Bearer`` header value.

        A value in another scheme raises ``Malformed`` with ``error`` ``None``;
        a malformed value, or the ``DPoP`` scheme, raises ``Malformed`` with
        ``invalid_request``.
        """
    def validate_introspection(
        self, response: str | bytes, now: int | float | None = None
    ) -> VerifiedToken:
        """Check an RFC 7662 introspection response body with the same policy.

        ``"active": false`` raises ``Inactive``. An active response must carry
        ``exp``, and ``iss`` and ``aud`` matching the policy, although RFC 7662
        makes them optional. A body that is not a JSON object with a boolean
        ``active`` raises ``Malformed``. The result's ``header`` is ``None``.
        """
    def validate_signed_introspection(
        self, response: str | bytes, now: int | float | None = None
    ) -> VerifiedToken:
        """Check an RFC 9701 signed introspection response (a JWT).

        The JWT is verified with this validator's key set; its ``typ`` must be
        ``token-introspection+jwt``, its ``iss`` an accepted issuer, its ``aud`` the
        ``introspection_audience``, its ``exp`` and ``nbf`` (when present) must hold
        now, and its ``iat`` must be within ``introspection_max_age``. Its
        ``token_introspection`` member is then checked as
        :meth:`validate_introspection` checks a plain response. Without an
        ``introspection_audience`` it raises ``InvalidConfig``.
        """

    def validate_dpop(
        self,
        authorization: str | bytes,
        proof: str | bytes,
        method: str,
        uri: str,
        nonce: str | None = None,
        *,
        cache: ReplayCache,
        verifier: DpopVerifier | None = None,
        now: int | float | None = None,
    ) -> VerifiedToken:
        """Validate a DPoP-bound token with its proof (RFC 9449 section 7).

        ``authorization`` is the ``Authorization: DPoP ...`` value and ``proof`` the
        one ``DPoP`` header value of a request with ``method`` to the absolute
        ``uri``. ``nonce`` is the nonce this server last sent the client, when it
        requires one. The token must carry ``cnf`` ``jkt``; the proof must pass
        ``verifier`` (default: ``DpopVerifier()``), carry ``ath`` over the token and
        be signed by the key ``jkt`` names. It is then recorded in ``cache``, so it
        is accepted once. A token whose ``cnf`` also has ``x5t#S256`` (bound to a
        client certificate as well) raises ``ProofRequired``. Raises
        ``InvalidDpopProof``, ``UseDpopNonce``, ``ReplayCacheFull``, or the errors
        of ``validate``.
        """
    def validate_certificate_bound(
        self,
        token: str | bytes,
        certificate_der: bytes,
        now: int | float | None = None,
    ) -> VerifiedToken:
        """Validate a token bound to a client certificate (RFC 8705 section 3).

        ``certificate_der`` is the DER of the certificate the TLS layer verified;
        its SHA-256 must be the token's ``cnf`` ``x5t#S256``. Raises
        ``CertificateMismatch`` for another certificate, ``MissingClaim`` for a
        token without that claim, or the errors of ``validate``.
        """

@final
class RevocationList:
    """A bounded in-process list of revoked tokens, checked after validation.

    It stores revoked ``jti`` values keyed by issuer, and per-subject cut-offs
    that revoke every token of a subject issued at or before a time. Both tables
    have a fixed capacity. An entry stays until 300 seconds after the time it was
    given to expire at, so that no leeway makes a revoked token valid again. When
    a table is full of unexpired entries, revoking raises
    :class:`tokenguard.RevocationListFull` and records nothing. Safe to share
    between threads.
    """

    def __new__(
        cls, max_tokens: int | None = None, max_subjects: int | None = None
    ) -> RevocationList:
        """Build an empty list with room for ``max_tokens`` revoked ``jti`` values
        (default 100000) and ``max_subjects`` subject cut-offs (default 10000)."""
    def revoke(
        self, issuer: str, jti: str, expires_at: int | float, now: int | float | None = None
    ) -> None:
        """Revoke the token ``jti`` of ``issuer`` until ``expires_at`` (its ``exp``).

        Revoking a ``jti`` again keeps the later expiry. A token that expired more
        than 300 seconds before ``now`` is not stored.
        """
    def revoke_token(self, token: VerifiedToken, now: int | float | None = None) -> None:
        """Revoke a verified token by its ``iss``, ``jti`` and ``exp``; a token
        without ``jti`` raises ``MissingClaim``."""
    def revoke_subject(
        self,
        issuer: str,
        subject: str,
        cutoff: int | float,
        keep_until: int | float,
        now: int | float | None = None,
    ) -> None:
        """Revoke every token of ``subject`` from ``issuer`` whose ``iat`` is at or
        before ``cutoff`` (or absent), keeping the entry until ``keep_until``.

        ``keep_until`` should be ``cutoff`` plus the longest lifetime the issuer
        gives its tokens. A second cut-off keeps the later of each time.
        """
    def check(self, token: VerifiedToken) -> None:
        """Raise :class:`tokenguard.Revoked` when the token is revoked."""
    def is_revoked(self, token: VerifiedToken) -> bool:
        """Return whether the token is revoked."""
    def evict_expired(self, now: int | float | None = None) -> int:
        """Remove every entry whose time has passed and return how many were removed."""
    def clear(self) -> None:
        """Remove every entry, keeping the capacity."""
    @property
    def token_count(self) -> int:
        """The number of revoked ``jti`` values stored."""
    @property
    def subject_count(self) -> int:
        """The number of subject cut-offs stored."""

def bearer_token(authorization: str | bytes) -> str:
    """Return the token of an ``Authorization: Bearer`` value.

    The value is parsed as :meth:`Validator.validate_header` parses it, and raises
    the same ``Malformed`` errors.
    """

def challenge(
    error: str | None = None,
    description: str | None = None,
    realm: str | None = None,
    scope: str | None = None,
) -> str:
    """Format a ``WWW-Authenticate: Bearer`` value (RFC 6750 section 3).

    ``description`` is written only with a known ``error`` code; characters that
    could end a quoted value early are escaped (``realm``) or replaced by ``?``.
    """

def unix_now() -> int:
    """Return the system clock's time in Unix seconds."""

@final
class DpopVerifier:
    """The checks of DPoP proofs that do not depend on the request."""

    def __new__(
        cls,
        algorithms: Sequence[str] | None = None,
        *,
        max_age: int = 60,
        leeway: int = 30,
    ) -> DpopVerifier:
        """Accept proofs signed with ``algorithms`` (default: every asymmetric one)
        and issued at most ``max_age`` seconds ago, with ``leeway`` (at most 300)
        seconds either side. HMAC algorithms raise ``InvalidConfig``."""
    @property
    def algorithms(self) -> list[str]:
        """The accepted algorithms, as the ``algs`` of a challenge lists them."""
    def www_authenticate(self, error: Any | None = None, realm: str | None = None) -> str:
        """Format the ``WWW-Authenticate: DPoP`` value (RFC 9449 section 7.1) for a
        ``TokenError``, or a bare challenge, with ``algs`` listing the algorithms."""

@final
class ReplayCache:
    """A bounded set of accepted DPoP proofs and client assertions.

    Each entry is kept until its proof or assertion could no longer pass the
    time checks. A full cache evicts expired entries first, and otherwise raises
    ``ReplayCacheFull``. Safe to share between threads.
    """

    def __new__(cls, capacity: int) -> ReplayCache:
        """Make an empty cache with room for ``capacity`` entries (at most 4194304)."""
    def __len__(self) -> int:
        """The number of entries."""
    def evict_expired(self, now: int | float | None = None) -> int:
        """Remove the entries whose time has passed at ``now`` and return how many."""

@final
class VerifiedAssertion:
    """A client assertion that passed every check of an :class:`AssertionVerifier`."""

    @property
    def client_id(self) -> str:
        """The authenticated client: ``iss``, which equals ``sub``."""
    @property
    def claims(self) -> dict[str, Any]:
        """The assertion's claims."""

@final
class AssertionVerifier:
    """Verifies RFC 7523 client assertions, each with the keys registered for the
    client it names."""

    def __new__(
        cls,
        clients: Mapping[str, _JwkSetSource],
        *,
        audiences: Sequence[str],
        algorithms: Sequence[str] | None = None,
        max_lifetime: int = 300,
        leeway: int = 30,
    ) -> AssertionVerifier:
        """Accept assertions whose ``aud`` contains one of ``audiences`` (the token
        endpoint URL, the issuer identifier), signed with ``algorithms`` (default:
        every asymmetric one; name HS* for ``client_secret_jwt``) by a key of the
        client they name, expiring at most ``max_lifetime`` seconds from now.

        ``clients`` maps each registered client id to that client's JWK Set, so
        that one client's key cannot authenticate another client.
        """
    def verify(
        self,
        assertion: str | bytes,
        *,
        cache: ReplayCache,
        client_id: str | None = None,
        now: int | float | None = None,
    ) -> VerifiedAssertion:
        """Verify ``assertion`` and record its ``jti`` in ``cache``.

        The keys are those of ``client_id``, the request's ``client_id``
        parameter, or without it those of the client that ``iss`` names (read
        before the signature is verified, only to choose the keys). The
        verified ``iss`` must equal that client, else ``WrongIssuer``. An
        unregistered client raises ``UnknownClient``, a second use ``Replayed``.
        """

@final
class SigningKey:
    """A private key or HMAC secret that signs tokens."""

    @staticmethod
    def from_jwk(jwk: str | bytes | Mapping[str, Any]) -> SigningKey:
        """Read a private JWK: EC P-256 or P-384, OKP Ed25519, or RSA with its
        primes. The key keeps the JWK's ``kid`` and ``alg``."""
    @staticmethod
    def from_der(der: bytes, kid: str | None = None) -> SigningKey:
        """Read a PKCS#8 (RSA, P-256, P-384, Ed25519) or PKCS#1 (RSA) DER key."""
    @staticmethod
    def from_hmac_secret(alg: str, secret: bytes, kid: str | None = None) -> SigningKey:
        """Wrap an HMAC secret for HS256, HS384 or HS512; a secret shorter than
        the hash output raises ``WeakKey``."""
    @staticmethod
    def generate(alg: str, kid: str | None = None) -> SigningKey:
        """Generate an ES256, ES384, EdDSA or Ed25519 key bound to ``alg``."""
    @property
    def kid(self) -> str | None:
        """The ``kid``."""
    @property
    def alg(self) -> str | None:
        """The algorithm the key is bound to."""
    def public_jwk(self) -> str | None:
        """The public JWK as JSON text, or ``None`` for an HMAC secret."""
    def thumbprint(self) -> str | None:
        """The base64url RFC 7638 thumbprint (a ``cnf`` ``jkt``), or ``None`` for
        an HMAC secret."""
    def sign_jws(
        self,
        payload: bytes,
        *,
        alg: str | None = None,
        typ: str | None = None,
        embed_jwk: bool = False,
    ) -> str:
        """Sign ``payload`` into a compact JWS with ``alg`` (default: the key's),
        ``typ``, the key's ``kid`` and, with ``embed_jwk``, the public key."""

def create_client_assertion(
    key: SigningKey,
    *,
    client_id: str,
    audience: str,
    alg: str | None = None,
    lifetime: int = 60,
    now: int | float | None = None,
    jti_random: bytes | None = None,
) -> str:
    """Sign an RFC 7523 client assertion: ``iss`` and ``sub`` ``client_id``,
    ``aud`` ``audience``, ``iat`` now, ``exp`` now plus ``lifetime`` (1 to 300
    seconds), and a ``jti`` from ``jti_random`` (16 to 64 bytes; default 16
    bytes of ``os.urandom``)."""

def create_dpop_proof(
    key: SigningKey,
    *,
    method: str,
    uri: str,
    access_token: str | None = None,
    nonce: str | None = None,
    alg: str | None = None,
    now: int | float | None = None,
    jti_random: bytes | None = None,
) -> str:
    """Sign a DPoP proof (RFC 9449 section 4.2) for a request, with ``ath`` over
    ``access_token`` and ``nonce`` when given and a ``jti`` as for
    :func:`create_client_assertion`."""
