//! The one error type of the crate, with stable codes, names and RFC 6750 mappings.

use core::fmt;

use crate::alg::Algorithm;

/// Maximum length in bytes of a claim name carried by an error.
///
/// Configured claim names are checked against it when a policy is built, so every name
/// an error can report fits.
pub const MAX_CLAIM_NAME_BYTES: usize = 64;

/// A claim name as carried by an error, such as `exp` or a configured required claim.
pub type ClaimName = heapless::String<MAX_CLAIM_NAME_BYTES>;

/// The reason a token, key, key set or configuration was rejected.
///
/// Each variant has a stable numeric [`code`](Error::code) and snake_case
/// [`name`](Error::name); bindings expose the same values. Structural faults
/// ("garbage") and policy rejections of a well-formed token are separate variants.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The input is not well-formed: bad structure, base64url, JSON or member type.
    Malformed {
        /// The malformed part of the input.
        part: Part,
        /// The fault found in it.
        fault: Fault,
    },
    /// The input is longer than the configured maximum, so it was not decoded, or
    /// its decoded parts do not fit the caller's [`TokenBuffer`](crate::TokenBuffer).
    TooLarge {
        /// Length of the input, or of its decoded parts, in bytes.
        len: usize,
        /// The maximum length, or the buffer's capacity, in bytes.
        max: usize,
    },
    /// The header `alg` is not an algorithm this validator accepts.
    UnsupportedAlg {
        /// The reason the algorithm was not accepted.
        reason: AlgRejection,
    },
    /// The header `crit` names an extension this library does not implement.
    UnsupportedCrit,
    /// No key in the set has the header's `kid`.
    UnknownKid,
    /// The token has no `kid`, and more keys in the set fit its algorithm than
    /// [`MAX_CANDIDATES_WITHOUT_KID`](crate::MAX_CANDIDATES_WITHOUT_KID) allows to try.
    KidRequired,
    /// A key was found but may not verify this token's algorithm.
    KeyMismatch {
        /// The reason the key does not fit.
        reason: MismatchReason,
    },
    /// The key is too weak to be trusted.
    WeakKey {
        /// The weakness found.
        weakness: Weakness,
    },
    /// The key or key set is broken or ambiguous.
    InvalidKey {
        /// The fault found.
        fault: KeyFault,
    },
    /// The signature or MAC does not verify.
    BadSignature,
    /// Making a signature failed, which happens only when the system random number
    /// generator fails; no token was made.
    SigningFailed,
    /// The token is expired: `now >= exp + leeway`, or it is older than the maximum age.
    Expired {
        /// The rule that expired the token.
        rule: ExpiryRule,
        /// The `exp` claim, or `iat` plus the maximum age, in Unix seconds (rounded
        /// down); the token stopped being valid at this instant plus the leeway.
        at: i64,
        /// The validation time, in Unix seconds.
        now: i64,
    },
    /// The token is not valid yet: `now < nbf - leeway`.
    NotYetValid {
        /// The `nbf` claim in Unix seconds (rounded down).
        nbf: i64,
        /// The validation time, in Unix seconds.
        now: i64,
    },
    /// The `iat` claim is later than `now + leeway`.
    IssuedInFuture {
        /// The `iat` claim in Unix seconds (rounded down).
        iat: i64,
        /// The validation time, in Unix seconds.
        now: i64,
    },
    /// A claim has the wrong JSON type or an out-of-range value.
    InvalidClaim {
        /// The claim's name.
        claim: ClaimName,
    },
    /// A required claim is absent or `null`.
    MissingClaim {
        /// The claim's name.
        claim: ClaimName,
    },
    /// The `iss` claim is not one of the configured issuers.
    WrongIssuer,
    /// The `aud` claim contains none of the configured audiences.
    WrongAudience,
    /// The header `typ` is not the type the policy requires.
    WrongType,
    /// The token does not grant the scopes the policy requires.
    InsufficientScope,
    /// The token is bound to a key by its `cnf` claim (RFC 7800), and a bearer check
    /// cannot prove possession of that key.
    ProofOfPossessionRequired,
    /// The authorization server's introspection response says the token is not
    /// active (RFC 7662 section 2.2): it is expired, revoked, or was never issued.
    Inactive,
    /// The token passed every check but was revoked through a
    /// [`RevocationList`](crate::RevocationList).
    Revoked,
    /// The token is bound to a client certificate by `cnf` `x5t#S256` (RFC 8705),
    /// and the certificate of the TLS connection is another one.
    CertificateMismatch,
    /// The DPoP proof (RFC 9449) is missing, malformed, or fails a check.
    InvalidDpopProof {
        /// The check the proof failed.
        fault: DpopFault,
    },
    /// The server requires a DPoP nonce and the proof carries none or another one;
    /// the client should retry with the nonce from the `DPoP-Nonce` header.
    UseDpopNonce,
    /// A client assertion with this issuer and `jti` was already accepted.
    Replayed,
    /// A client assertion names a client (by `iss`, or by the request's `client_id`)
    /// that has no registered keys.
    UnknownClient,
    /// A configuration value is invalid; no token was examined.
    InvalidConfig {
        /// The option that is invalid, as named in the builder.
        field: &'static str,
        /// The problem with its value.
        reason: &'static str,
    },
    /// A [`RevocationList`](crate::RevocationList) has no room for another entry,
    /// and none of its entries has expired; the revocation was not recorded.
    RevocationListFull {
        /// The number of entries the full table holds.
        capacity: usize,
    },
    /// A [`ReplayCache`](crate::ReplayCache) has no room and none of its entries has
    /// expired, so the proof or assertion could not be recorded and was rejected.
    ReplayCacheFull {
        /// The number of entries the full cache holds.
        capacity: usize,
    },
}

/// The check a DPoP proof failed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpopFault {
    /// The proof is not a well-formed compact JWS with JSON header and claims.
    Malformed,
    /// The header `typ` is not `dpop+jwt`.
    Type,
    /// The header `alg` is not an allowed asymmetric algorithm.
    Algorithm,
    /// The header `jwk` is missing, private, weak, or does not fit `alg`.
    Key,
    /// The signature does not verify with the header's `jwk`.
    Signature,
    /// A required claim is absent or has the wrong type.
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// `htm` is not the request's method.
    Method,
    /// `htu` is not the request's URI, compared without query and fragment.
    Uri,
    /// `iat` is outside the accepted window around now.
    IssuedAt,
    /// The proof's own `exp` has passed or its `nbf` has not come yet.
    Lifetime,
    /// `ath` is not the hash of the access token.
    AccessTokenHash,
    /// The proof's key is not the key the access token's `cnf` `jkt` names, or the
    /// token is not bound to a key.
    KeyBinding,
    /// A proof with this key and `jti` was already accepted.
    Replayed,
}

/// The part of an input that a [`Error::Malformed`] refers to.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The compact serialization as a whole.
    Token,
    /// The JOSE header.
    Header,
    /// The payload (claims).
    Payload,
    /// The signature segment.
    Signature,
    /// An `Authorization` header value.
    AuthorizationHeader,
    /// A JWK Set document.
    KeySet,
    /// A single JWK.
    Key,
    /// An introspection response (RFC 7662 section 2.2), or the claims of a signed
    /// one (RFC 9701).
    IntrospectionResponse,
}

/// The fault found in a malformed input.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Not exactly three `.`-separated segments.
    SegmentCount,
    /// Invalid base64url: padding, whitespace, a foreign character or non-zero trailing bits.
    Base64,
    /// The bytes are not UTF-8.
    Utf8,
    /// The JSON text starts with a byte order mark.
    ByteOrderMark,
    /// The bytes are not one RFC 8259 JSON text.
    JsonSyntax,
    /// A string contains an unpaired UTF-16 surrogate escape.
    LoneSurrogate,
    /// The JSON text is not an object.
    NotAnObject,
    /// An object has the same member name twice (compared after unescaping).
    DuplicateMember,
    /// Arrays and objects are nested deeper than the limit.
    TooDeep,
    /// Too many member names are open at once.
    TooManyMembers,
    /// A required member is absent.
    MissingMember {
        /// The member's name.
        member: &'static str,
    },
    /// A member has the wrong JSON type.
    WrongType {
        /// The member's name.
        member: &'static str,
    },
    /// The `crit` header is not a non-empty array of names present in the header.
    Crit,
    /// The header carries `b64`, which this validator never accepts.
    B64,
    /// The `Authorization` value is not `scheme 1*SP b64token`.
    Credentials,
    /// The authentication scheme is not `Bearer` or `DPoP`.
    Scheme,
    /// The `DPoP` scheme needs a proof, which a bearer check does not verify.
    DpopNeedsProof,
    /// The key set has more keys than the limit.
    TooManyKeys,
}

/// The reason a header `alg` was not accepted.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgRejection {
    /// The header names `none` (in any letter case), which never verifies.
    None,
    /// The name is not a JWS algorithm this library implements.
    Unknown,
    /// ES512 is registered but the ring backend has no P-521 support.
    Es512Unsupported,
    /// The algorithm is known but not in the policy's allow-list.
    NotAllowed(Algorithm),
}

/// The reason a key found for a token may not verify it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MismatchReason {
    /// The key's `alg` or key type does not allow the header's algorithm.
    Algorithm,
    /// The key's `use` or `key_ops` does not allow signature verification.
    NotForSignatures,
    /// The key's `kty`, `crv` or `alg` is not one this library implements.
    UnsupportedKey,
    /// No key in a set without `kid` fits the header's algorithm.
    NoCompatibleKey,
}

/// A weakness that makes a key unacceptable.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weakness {
    /// The RSA modulus is shorter than 2048 bits.
    ShortModulus {
        /// The modulus length in bits.
        bits: usize,
    },
    /// The RSA public exponent is even or smaller than 3.
    PublicExponent,
    /// The RSA modulus has the ROCA fingerprint (CVE-2017-15361).
    Roca,
    /// The HMAC secret is shorter than the output of its hash.
    ShortSecret {
        /// The secret's length in bytes.
        len: usize,
        /// The minimum length in bytes.
        min: usize,
    },
}

/// A fault that makes a key or key set unusable.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFault {
    /// The set mixes secret (`oct` or private) keys with public keys.
    MixedKeySet,
    /// Two signature keys in the set share a `kid`.
    DuplicateKid,
    /// A verification key carries private key members (`d`, `p`, `q`, ...).
    PrivateMembers,
    /// A member the key type requires is absent.
    MissingMember {
        /// The member's name.
        member: &'static str,
    },
    /// A member is not strict base64url or has the wrong length.
    BadMember {
        /// The member's name.
        member: &'static str,
    },
    /// The EC point is not on the curve.
    NotOnCurve,
    /// The Ed25519 point has small order or a non-canonical encoding, so
    /// signatures under it could verify for any message.
    SmallOrderPoint,
    /// The RSA modulus is even, or longer than 8192 bits.
    BadModulus,
    /// A key given for signing has no private members.
    PublicOnly,
    /// The private key members are invalid or do not belong together.
    PrivateKeyRejected,
    /// The RSA private key is outside the limits ring signs with: a modulus of
    /// 2048 to 4096 bits whose length is a multiple of 512, and a public exponent
    /// of at least 65537.
    RsaSigningLimits,
    /// The bytes are not a PKCS#8 or PKCS#1 private key in DER.
    UnknownKeyFormat,
}

/// The time rule that expired a token.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryRule {
    /// The `exp` claim.
    Exp,
    /// The policy's maximum age, counted from `iat`.
    MaxAge,
}

/// An RFC 6750 section 3.1 error code, or one of the two RFC 9449 section 7.1
/// adds for the `DPoP` scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BearerError {
    /// `invalid_request`: the request is malformed (HTTP 400).
    InvalidRequest,
    /// `invalid_token`: the token is expired, revoked, malformed or invalid (HTTP 401).
    InvalidToken,
    /// `insufficient_scope`: the token lacks a required scope (HTTP 403).
    InsufficientScope,
    /// `invalid_dpop_proof`: the DPoP proof is invalid (HTTP 401).
    InvalidDpopProof,
    /// `use_dpop_nonce`: the DPoP proof must carry the server's nonce (HTTP 401).
    UseDpopNonce,
}

impl BearerError {
    /// Returns the error code as written in a `WWW-Authenticate` challenge.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
        }
    }

    /// Returns the HTTP status RFC 6750 section 3.1 (and RFC 9449 section 7.1 for
    /// the DPoP codes) gives for this error.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::InvalidRequest => 400,
            Self::InvalidToken | Self::InvalidDpopProof | Self::UseDpopNonce => 401,
            Self::InsufficientScope => 403,
        }
    }
}

impl Error {
    /// Returns the stable numeric code of this error.
    ///
    /// Codes are grouped by hundreds (1xx input, 2xx keys and signatures, 3xx claims,
    /// 4xx configuration, 5xx state of the caller's stores); a code is never reused
    /// for another meaning. 6xx is left to the bindings' own network clients (the
    /// Python introspection client fails with 600), and 9xx to the C layer.
    pub const fn code(&self) -> u16 {
        match self {
            Self::Malformed { .. } => 100,
            Self::TooLarge { .. } => 101,
            Self::UnsupportedAlg { .. } => 200,
            Self::UnsupportedCrit => 201,
            Self::UnknownKid => 202,
            Self::KeyMismatch { .. } => 203,
            Self::WeakKey { .. } => 204,
            Self::InvalidKey { .. } => 205,
            Self::BadSignature => 206,
            Self::KidRequired => 207,
            Self::SigningFailed => 208,
            Self::Expired { .. } => 300,
            Self::NotYetValid { .. } => 301,
            Self::IssuedInFuture { .. } => 302,
            Self::InvalidClaim { .. } => 303,
            Self::MissingClaim { .. } => 304,
            Self::WrongIssuer => 305,
            Self::WrongAudience => 306,
            Self::WrongType => 307,
            Self::InsufficientScope => 308,
            Self::ProofOfPossessionRequired => 309,
            Self::Inactive => 310,
            Self::Revoked => 311,
            Self::CertificateMismatch => 312,
            Self::InvalidDpopProof { .. } => 313,
            Self::UseDpopNonce => 314,
            Self::Replayed => 315,
            Self::UnknownClient => 316,
            Self::InvalidConfig { .. } => 400,
            Self::RevocationListFull { .. } => 500,
            Self::ReplayCacheFull { .. } => 501,
        }
    }

    /// Returns the stable snake_case name of this error, as used in test data.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed",
            Self::TooLarge { .. } => "too_large",
            Self::UnsupportedAlg { .. } => "unsupported_alg",
            Self::UnsupportedCrit => "unsupported_crit",
            Self::UnknownKid => "unknown_kid",
            Self::KeyMismatch { .. } => "key_mismatch",
            Self::WeakKey { .. } => "weak_key",
            Self::InvalidKey { .. } => "invalid_key",
            Self::BadSignature => "bad_signature",
            Self::KidRequired => "kid_required",
            Self::SigningFailed => "signing_failed",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::IssuedInFuture { .. } => "issued_in_future",
            Self::InvalidClaim { .. } => "invalid_claim",
            Self::MissingClaim { .. } => "missing_claim",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::WrongType => "wrong_type",
            Self::InsufficientScope => "insufficient_scope",
            Self::ProofOfPossessionRequired => "proof_required",
            Self::Inactive => "inactive",
            Self::Revoked => "revoked",
            Self::CertificateMismatch => "certificate_mismatch",
            Self::InvalidDpopProof { .. } => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::Replayed => "replayed",
            Self::UnknownClient => "unknown_client",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::RevocationListFull { .. } => "revocation_list_full",
            Self::ReplayCacheFull { .. } => "replay_cache_full",
        }
    }

    /// Returns the RFC 6750 error an API should send for this error.
    ///
    /// A malformed `Authorization` header is `invalid_request`; a token that fails any
    /// check is `invalid_token`, except a missing scope, which is `insufficient_scope`.
    ///
    /// Returns `None` for a request in another authentication scheme, which RFC 6750
    /// section 3.1 meets with a bare challenge and no error code, and for
    /// [`Error::InvalidConfig`], [`Error::SigningFailed`], [`Error::RevocationListFull`]
    /// and [`Error::ReplayCacheFull`], server faults rather than the client's. DPoP
    /// proof errors are the RFC 9449 codes, sent with the `DPoP` scheme.
    pub const fn bearer_error(&self) -> Option<BearerError> {
        match self {
            Self::Malformed {
                part: Part::AuthorizationHeader,
                fault: Fault::Scheme,
            } => None,
            Self::Malformed {
                part: Part::AuthorizationHeader,
                ..
            } => Some(BearerError::InvalidRequest),
            Self::InsufficientScope => Some(BearerError::InsufficientScope),
            Self::InvalidDpopProof { .. } => Some(BearerError::InvalidDpopProof),
            Self::UseDpopNonce => Some(BearerError::UseDpopNonce),
            Self::InvalidConfig { .. }
            | Self::SigningFailed
            | Self::RevocationListFull { .. }
            | Self::ReplayCacheFull { .. } => None,
            _ => Some(BearerError::InvalidToken),
        }
    }

    /// Returns the HTTP status an API should send: 400, 401 or 403 as RFC 6750
    /// section 3.1 gives them, 401 for another authentication scheme, and 500 for a
    /// configuration error, a failed signature or a full revocation list or replay
    /// cache.
    pub const fn http_status(&self) -> u16 {
        match (self, self.bearer_error()) {
            (
                Self::InvalidConfig { .. }
                | Self::SigningFailed
                | Self::RevocationListFull { .. }
                | Self::ReplayCacheFull { .. },
                _,
            ) => 500,
            (_, Some(error)) => error.http_status(),
            (_, None) => 401,
        }
    }

    /// Builds an [`Error::InvalidClaim`] for `claim`, cutting a longer name at the limit.
    pub(crate) fn invalid_claim(claim: &str) -> Self {
        Self::InvalidClaim {
            claim: claim_name(claim),
        }
    }

    /// Builds an [`Error::MissingClaim`] for `claim`, cutting a longer name at the limit.
    pub(crate) fn missing_claim(claim: &str) -> Self {
        Self::MissingClaim {
            claim: claim_name(claim),
        }
    }

    pub(crate) const fn malformed(part: Part, fault: Fault) -> Self {
        Self::Malformed { part, fault }
    }
}

/// Copies `name` into a [`ClaimName`], keeping as many whole characters as fit.
fn claim_name(name: &str) -> ClaimName {
    let mut out = ClaimName::new();
    for c in name.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { part, fault } => write!(f, "malformed {part}: {fault}"),
            Self::TooLarge { len, max } => {
                write!(
                    f,
                    "input is {len} bytes, more than the maximum of {max} bytes"
                )
            }
            Self::UnsupportedAlg { reason } => reason.fmt(f),
            Self::UnsupportedCrit => f.write_str("header crit names an unsupported extension"),
            Self::UnknownKid => f.write_str("no key in the key set has the token's kid"),
            Self::KeyMismatch { reason } => reason.fmt(f),
            Self::WeakKey { weakness } => write!(f, "weak key: {weakness}"),
            Self::InvalidKey { fault } => write!(f, "invalid key: {fault}"),
            Self::BadSignature => f.write_str("signature verification failed"),
            Self::SigningFailed => {
                f.write_str("signing failed: the system random number generator failed")
            }
            Self::KidRequired => f.write_str(
                "token has no kid and too many keys fit its algorithm; the issuer must send kid",
            ),
            Self::Expired { rule, at, now } => match rule {
                ExpiryRule::Exp => write!(f, "token expired at {at} (now {now})"),
                ExpiryRule::MaxAge => {
                    write!(f, "token exceeded its maximum age at {at} (now {now})")
                }
            },
            Self::NotYetValid { nbf, now } => {
                write!(f, "token not valid before {nbf} (now {now})")
            }
            Self::IssuedInFuture { iat, now } => {
                write!(f, "token issued in the future at {iat} (now {now})")
            }
            Self::InvalidClaim { claim } => {
                write!(f, "claim '{claim}' has an invalid type or value")
            }
            Self::MissingClaim { claim } => write!(f, "required claim '{claim}' is missing"),
            Self::WrongIssuer => f.write_str("issuer is not an accepted issuer"),
            Self::WrongAudience => f.write_str("audience contains no accepted audience"),
            Self::WrongType => f.write_str("header typ is not the required token type"),
            Self::InsufficientScope => f.write_str("token lacks a required scope"),
            Self::ProofOfPossessionRequired => {
                f.write_str("token is bound to a key by cnf and needs a proof of possession")
            }
            Self::Inactive => f.write_str("introspection response reports the token as not active"),
            Self::Revoked => f.write_str("token has been revoked"),
            Self::CertificateMismatch => f.write_str(
                "token is bound to another client certificate than the connection's",
            ),
            Self::InvalidDpopProof { fault } => write!(f, "invalid DPoP proof: {fault}"),
            Self::UseDpopNonce => {
                f.write_str("DPoP proof must carry the nonce from the DPoP-Nonce header")
            }
            Self::Replayed => f.write_str("client assertion with this jti was already used"),
            Self::UnknownClient => f.write_str("client assertion names a client with no registered keys"),
            Self::InvalidConfig { field, reason } => {
                write!(f, "invalid configuration {field}: {reason}")
            }
            Self::RevocationListFull { capacity } => write!(
                f,
                "revocation list is full ({capacity} unexpired entries); the revocation was not recorded"
            ),
            Self::ReplayCacheFull { capacity } => write!(
                f,
                "replay cache is full ({capacity} unexpired entries); raise its capacity"
            ),
        }
    }
}

impl core::error::Error for Error {}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Token => "token",
            Self::Header => "token header",
            Self::Payload => "token payload",
            Self::Signature => "token signature",
            Self::AuthorizationHeader => "authorization header",
            Self::KeySet => "key set",
            Self::Key => "key",
            Self::IntrospectionResponse => "introspection response",
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SegmentCount => f.write_str("expected exactly three dot-separated segments"),
            Self::Base64 => f.write_str(
                "invalid base64url (padding, whitespace, a bad character or non-zero trailing bits)",
            ),
            Self::Utf8 => f.write_str("invalid UTF-8"),
            Self::ByteOrderMark => f.write_str("JSON starts with a byte order mark"),
            Self::JsonSyntax => f.write_str("invalid JSON"),
            Self::LoneSurrogate => f.write_str("JSON string has an unpaired surrogate escape"),
            Self::NotAnObject => f.write_str("JSON is not an object"),
            Self::DuplicateMember => f.write_str("duplicate member name"),
            Self::TooDeep => f.write_str("JSON nesting is too deep"),
            Self::TooManyMembers => f.write_str("JSON has too many members"),
            Self::MissingMember { member } => write!(f, "member '{member}' is missing"),
            Self::WrongType { member } => write!(f, "member '{member}' has the wrong type"),
            Self::Crit => f.write_str("crit must be a non-empty array of header member names"),
            Self::B64 => f.write_str("the b64 header parameter is not accepted"),
            Self::Credentials => f.write_str("expected a scheme, one or more spaces and a token"),
            Self::Scheme => f.write_str("scheme is neither Bearer nor DPoP"),
            Self::DpopNeedsProof => f.write_str("the DPoP scheme needs a DPoP proof check"),
            Self::TooManyKeys => f.write_str("too many keys"),
        }
    }
}

impl fmt::Display for DpopFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a compact JWS with JSON header and claims"),
            Self::Type => f.write_str("header typ is not dpop+jwt"),
            Self::Algorithm => f.write_str("header alg is not an allowed asymmetric algorithm"),
            Self::Key => f.write_str("header jwk is missing, private, weak or does not fit alg"),
            Self::Signature => f.write_str("signature does not verify with the header jwk"),
            Self::MissingClaim { claim } => write!(f, "claim '{claim}' is missing or invalid"),
            Self::Method => f.write_str("htm is not the request method"),
            Self::Uri => f.write_str("htu is not the request URI"),
            Self::IssuedAt => f.write_str("iat is outside the accepted time window"),
            Self::Lifetime => f.write_str("exp has passed or nbf has not come yet"),
            Self::AccessTokenHash => f.write_str("ath is not the hash of the access token"),
            Self::KeyBinding => {
                f.write_str("proof key is not the key the access token is bound to")
            }
            Self::Replayed => f.write_str("a proof with this key and jti was already used"),
        }
    }
}

impl fmt::Display for AlgRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("algorithm none is never accepted"),
            Self::Unknown => f.write_str("unknown signature algorithm"),
            Self::Es512Unsupported => {
                f.write_str("ES512 is not supported: the ring backend has no P-521")
            }
            Self::NotAllowed(alg) => write!(f, "algorithm {alg} is not allowed by the policy"),
        }
    }
}

impl fmt::Display for MismatchReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Algorithm => "the key does not allow the token's algorithm",
            Self::NotForSignatures => "the key's use or key_ops does not allow verification",
            Self::UnsupportedKey => "the key's type, curve or algorithm is not supported",
            Self::NoCompatibleKey => "no key in the set fits the token's algorithm",
        })
    }
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShortModulus { bits } => write!(f, "RSA modulus of {bits} bits (minimum 2048)"),
            Self::PublicExponent => f.write_str("RSA public exponent is even or less than 3"),
            Self::Roca => f.write_str("RSA modulus has the ROCA fingerprint (CVE-2017-15361)"),
            Self::ShortSecret { len, min } => {
                write!(f, "HMAC secret of {len} bytes (minimum {min})")
            }
        }
    }
}

impl fmt::Display for KeyFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MixedKeySet => f.write_str("key set mixes secret and public keys"),
            Self::DuplicateKid => f.write_str("key set has two signature keys with one kid"),
            Self::PrivateMembers => f.write_str("verification key carries private key members"),
            Self::MissingMember { member } => write!(f, "member '{member}' is missing"),
            Self::BadMember { member } => write!(f, "member '{member}' is invalid"),
            Self::NotOnCurve => f.write_str("EC point is not on the curve"),
            Self::SmallOrderPoint => {
                f.write_str("Ed25519 point has small order or a non-canonical encoding")
            }
            Self::BadModulus => f.write_str("RSA modulus is even or longer than 8192 bits"),
            Self::PublicOnly => {
                f.write_str("key has no private members, and signing needs the private key")
            }
            Self::PrivateKeyRejected => {
                f.write_str("private key members are invalid or do not belong together")
            }
            Self::RsaSigningLimits => f.write_str(
                "RSA private key is outside what ring signs with: a modulus of 2048 to 4096 \
                 bits in multiples of 512 and a public exponent of at least 65537",
            ),
            Self::UnknownKeyFormat => f.write_str("not a PKCS#8 or PKCS#1 private key in DER"),
        }
    }
}
