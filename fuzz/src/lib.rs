//! Shared fixtures for the tokenguard fuzz targets: fixed keys and validators, a
//! structure-aware token generator and a model of the validation rules.

pub mod c_abi;
pub mod json_text;
pub mod keys;
pub mod model;
pub mod spec;
pub mod walk;

use std::sync::OnceLock;

use tokenguard::{AlgSet, Algorithm, Policy, Profile, TokenType, Validator};

pub use keys::{keys, SigningKey};

/// Issuer every fuzz policy accepts; the project's test cases use it too.
pub const ISSUER: &str = "https://issuer.tokenguard.test";

/// Audience every fuzz policy accepts; the project's test cases use it too.
pub const AUDIENCE: &str = "https://api.tokenguard.test";

/// Scope the access-token policies require.
pub const REQUIRED_SCOPE: &str = "orders:read";

/// Validation time of the generated tokens, 2026-01-01T00:00:00Z in Unix seconds.
pub const NOW: i64 = 1_767_225_600;

/// Leeways of the access-token validators, in seconds; index 0 is the library default.
pub const LEEWAYS: [u32; 3] = [30, 0, 300];

/// A validator for the public keys and one for the HMAC secret, which cannot share a
/// key set.
pub struct ValidatorPair {
    /// RSA 2048, P-256, P-384 and Ed25519 public keys, every asymmetric algorithm.
    pub public: Validator,
    /// The HS256 secret, HS256 only.
    pub hmac: Validator,
}

impl ValidatorPair {
    /// Returns the validator whose key set contains the key of `signer`.
    pub fn for_signer(&self, signer: SigningKey) -> &Validator {
        if signer.is_secret() {
            &self.hmac
        } else {
            &self.public
        }
    }
}

/// Returns validators for the RFC 9068 profile: [`ISSUER`], [`AUDIENCE`], `typ`
/// `at+jwt`, the seven RFC 9068 claims and [`REQUIRED_SCOPE`], one pair per entry of
/// [`LEEWAYS`].
pub fn access_token_validators() -> &'static [ValidatorPair; 3] {
    static VALIDATORS: OnceLock<[ValidatorPair; 3]> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        LEEWAYS.map(|leeway| {
            let policy = |hmac: bool| {
                let builder = Policy::builder()
                    .issuer(ISSUER)
                    .audience(AUDIENCE)
                    .profile(Profile::Rfc9068)
                    .require_scope(REQUIRED_SCOPE)
                    .leeway(leeway);
                let builder = if hmac {
                    builder.algorithms(AlgSet::of(&[Algorithm::HS256]))
                } else {
                    builder
                };
                builder.build().expect("access-token policy")
            };
            pair(policy)
        })
    })
}

/// Returns validators with the rules jsonwebtoken also implements: [`ISSUER`],
/// [`AUDIENCE`] and `exp`, no `typ` check and no required scope, one pair per entry
/// of [`LEEWAYS`].
pub fn plain_jwt_validators() -> &'static [ValidatorPair; 3] {
    static VALIDATORS: OnceLock<[ValidatorPair; 3]> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        LEEWAYS.map(|leeway| {
            let policy = |hmac: bool| {
                let builder = Policy::builder()
                    .issuer(ISSUER)
                    .audience(AUDIENCE)
                    .token_type(TokenType::Any)
                    .leeway(leeway);
                let builder = if hmac {
                    builder.algorithms(AlgSet::of(&[Algorithm::HS256]))
                } else {
                    builder
                };
                builder.build().expect("plain JWT policy")
            };
            pair(policy)
        })
    })
}

fn pair(policy: impl Fn(bool) -> Policy) -> ValidatorPair {
    let keys = keys();
    ValidatorPair {
        public: Validator::new(policy(false), keys.public_set()),
        hmac: Validator::new(policy(true), keys.hmac_set()),
    }
}
