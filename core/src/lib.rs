//! Validation of OAuth 2.0 / OpenID Connect JWT access tokens, for `no_std` targets.
//!
//! Three layers share one error type:
//!
//! - the JWS layer ([`JwsVerifier`]) verifies a compact JWS against a [`JwkSet`] and
//!   returns the verified header and payload bytes, for any kind of payload;
//! - the access-token layer ([`Validator`]) adds the [`Policy`]: `typ`, issuer,
//!   audience, `exp`, `nbf`, `iat`, required claims and scopes (RFC 8725, RFC 9068).
//!   The same policy checks introspection responses (RFC 7662, and RFC 9701 when
//!   signed) and returns the same [`AccessToken`] view, and a [`RevocationList`]
//!   rejects revoked tokens after either path;
//! - the signing side ([`SigningKey`]) reads private JWKs and PKCS#8 or PKCS#1 keys
//!   and signs compact JWS, for the tokens a service makes itself.
//!
//! Time is always an input (`now`, in Unix seconds), nothing is logged, and once a
//! [`Validator`] is built, validating HMAC, ECDSA and EdDSA tokens allocates nothing:
//! decoded bytes go into a caller-owned [`TokenBuffer`] and claims are borrowed
//! views of it. ring's RSA verification allocates internally (five allocations,
//! about 1.3 KiB, per verification in ring 0.17).
//!
//! Signatures are checked by one of several [`Backend`]s, each behind a cargo
//! feature: `ring` (the default), `aws-lc-rs` (faster RSA and P-384, for servers) and
//! `rust-crypto` (pure Rust, for microcontrollers). Every backend accepts the same
//! keys and algorithms and gives the same verdicts. When several are compiled in,
//! [`JwkSet::from_json`] uses [`Backend::DEFAULT`] and [`JwkSet::from_json_with`]
//! takes one explicitly.
//!
//! ```
//! use tokenguard::{JwkSet, Policy, TokenBuffer, Validator};
//!
//! # fn check(jwks: &[u8], authorization: &str, now: i64) -> Result<(), tokenguard::Error> {
//! let keys = JwkSet::from_json(jwks)?;
//! let policy = Policy::builder()
//!     .issuer("https://auth.example.com")
//!     .audience("https://api.example.com")
//!     .require_scope("orders:read")
//!     .build()?;
//! let validator = Validator::new(policy, keys);
//!
//! let mut buffer = TokenBuffer::new();
//! let token = validator.validate_authorization(authorization, now, &mut buffer)?;
//! let subject = token.claims().subject();
//! # let _ = subject;
//! # Ok(())
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    unreachable_pub,
    unused_qualifications,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod alg;
mod assertion;
mod base64url;
mod bearer;
mod claims;
mod crypto;
mod dpop;
mod error;
mod expiring;
mod introspection;
pub mod json;
mod jwk;
mod jws;
mod numeric_date;
mod policy;
mod revocation;
mod scan;
mod signing;
mod validator;

pub use alg::{AlgSet, Algorithm};
pub use assertion::{
    AssertionBuilder, AssertionVerifier, ClientAssertion, ClientKeys, ClientRegistry,
    DEFAULT_ASSERTION_LIFETIME_SECONDS, DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS,
    MAX_JTI_RANDOM_BYTES, MIN_JTI_RANDOM_BYTES,
};
pub use bearer::{parse_authorization, Challenge, Credentials, Scheme};
pub use claims::{Claims, ScopeTokens};
pub use crypto::Backend;
pub use dpop::{
    create_dpop_proof, DpopProof, DpopRequest, DpopVerifier, ReplayCache,
    DEFAULT_DPOP_MAX_AGE_SECONDS, MAX_REPLAY_ENTRIES,
};
pub use error::{
    AlgRejection, BearerError, ClaimName, DpopFault, Error, ExpiryRule, Fault, KeyFault,
    MismatchReason, Part, Weakness, MAX_CLAIM_NAME_BYTES,
};
pub use json::JsonStr;
pub use jwk::{
    Jwk, JwkSet, RejectedKey, Thumbprint, MAX_CANDIDATES_WITHOUT_KID, MAX_KEYS, MAX_KEY_SET_BYTES,
};
pub use jws::{
    Header, JwsVerifier, TokenBuffer, UnverifiedJws, VerifiedJws, DEFAULT_BUFFER_BYTES,
    DEFAULT_MAX_TOKEN_BYTES, MAX_HEADER_BYTES,
};
pub use numeric_date::NumericDate;
pub use policy::{
    Policy, PolicyBuilder, Profile, ScopeClaims, ScopeMatch, TokenType,
    DEFAULT_INTROSPECTION_MAX_AGE_SECONDS, DEFAULT_LEEWAY_SECONDS, MAX_LEEWAY_SECONDS,
    MAX_TOKEN_BYTES_LIMIT,
};
pub use revocation::{RevocationList, MAX_REVOCATION_ENTRIES};
pub use signing::{GeneratedKey, HeaderParams, KeyType, SigningKey, MAX_PRIVATE_KEY_BYTES};
pub use validator::{AccessToken, Validator};

/// Returns the system clock's time in Unix seconds, for the `now` argument.
///
/// Validation never calls it: time stays an input, so tests and embedded callers
/// pass their own. A clock set before 1970 reads as 0.
#[cfg(feature = "std")]
pub fn unix_now() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
}
