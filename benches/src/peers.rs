//! The libraries under test, each prepared once for one [`Fixture`], and the
//! start-up check that every one of them accepts the valid token and rejects the
//! wrong-audience token.
//!
//! Every library checks the signature, `iss`, `aud`, `exp` and `nbf` with 30 s of
//! leeway. tokenguard also checks `typ` (`at+jwt`) and `iat`, selects the key by
//! `kid` from a set of three, and reads no claim twice. The peers get the one
//! signing key, already imported, as a caller that caches keys by `kid` would hand
//! it over.

use std::collections::HashSet;

use jsonwebtoken::crypto::CryptoProvider;
use jwt_simple::prelude::{
    ECDSAP256PublicKeyLike, ECDSAP384PublicKeyLike, ES256PublicKey, ES384PublicKey,
    Ed25519PublicKey, EdDSAPublicKeyLike, HS256Key, JWTClaims, MACLike, PS256PublicKey,
    RS256PublicKey, RSAPublicKeyLike, VerificationOptions,
};
use ring::{hmac, signature};
use serde::Deserialize;
use tokenguard::{
    AccessToken, AlgSet, Backend, Error, Jwk, JwkSet, Policy, TokenBuffer, Validator,
};

use crate::fixtures::{Alg, Fixture, KeySet, PublicKey};
use crate::{AUDIENCE, ISSUER, LEEWAY_SECONDS};

/// The floor: ring verifying the signing input alone, with the key prepared as far
/// as ring 0.17 allows.
///
/// An HMAC key is prepared once. ring 0.17 keeps no parsed form of an RSA, ECDSA
/// or Ed25519 public key: every verification parses the key bytes again, so those
/// keys are held as bytes and each call pays for the parse, as in tokenguard.
pub enum Floor {
    /// A prepared HMAC-SHA-256 key.
    Hmac(hmac::Key),
    /// An RSA key's components, borrowed by ring on every call.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
        /// PKCS#1 v1.5 or PSS, SHA-256, 2048 to 8192 bits.
        parameters: &'static signature::RsaParameters,
    },
    /// An ECDSA or Ed25519 public key.
    Unparsed(signature::UnparsedPublicKey<Vec<u8>>),
}

impl Floor {
    /// Prepares the fixture's signing key.
    pub fn new(fixture: &Fixture) -> Self {
        match (&fixture.key, fixture.alg) {
            (PublicKey::Hmac(secret), _) => Self::Hmac(hmac::Key::new(hmac::HMAC_SHA256, secret)),
            (PublicKey::Rsa { n, e }, alg) => Self::Rsa {
                n: n.clone(),
                e: e.clone(),
                parameters: if alg == Alg::RS256 {
                    &signature::RSA_PKCS1_2048_8192_SHA256
                } else {
                    &signature::RSA_PSS_2048_8192_SHA256
                },
            },
            (PublicKey::Ec(point), alg) => {
                let algorithm: &'static dyn signature::VerificationAlgorithm = if alg == Alg::ES256
                {
                    &signature::ECDSA_P256_SHA256_FIXED
                } else {
                    &signature::ECDSA_P384_SHA384_FIXED
                };
                Self::Unparsed(signature::UnparsedPublicKey::new(algorithm, point.clone()))
            }
            (PublicKey::Ed25519(x), _) => Self::Unparsed(signature::UnparsedPublicKey::new(
                &signature::ED25519,
                x.clone(),
            )),
        }
    }

    /// Returns whether `signature` verifies over `message`.
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match self {
            Self::Hmac(key) => hmac::verify(key, message, sig).is_ok(),
            Self::Rsa { n, e, parameters } => signature::RsaPublicKeyComponents { n, e }
                .verify(parameters, message, sig)
                .is_ok(),
            Self::Unparsed(key) => key.verify(message, sig).is_ok(),
        }
    }
}

/// The aws-lc-rs floor: aws-lc-rs verifying the signing input alone, with the key
/// parsed once, as tokenguard's aws-lc-rs backend holds it.
pub enum AwsLcFloor {
    /// A prepared HMAC-SHA-256 key.
    Hmac(Box<aws_lc_rs::hmac::Key>),
    /// A parsed RSA, ECDSA or Ed25519 public key.
    Parsed(aws_lc_rs::signature::ParsedPublicKey),
}

impl AwsLcFloor {
    /// Prepares the fixture's signing key.
    ///
    /// # Panics
    ///
    /// When aws-lc-rs rejects the fixture's key.
    pub fn new(fixture: &Fixture) -> Self {
        use aws_lc_rs::signature as sig;
        let parsed = |algorithm: &'static dyn sig::VerificationAlgorithm, key: &[u8]| {
            Self::Parsed(sig::ParsedPublicKey::new(algorithm, key).expect("aws-lc-rs key"))
        };
        match (&fixture.key, fixture.alg) {
            (PublicKey::Hmac(secret), _) => Self::Hmac(Box::new(aws_lc_rs::hmac::Key::new(
                aws_lc_rs::hmac::HMAC_SHA256,
                secret,
            ))),
            (PublicKey::Rsa { n, e }, alg) => {
                let parameters = if alg == Alg::RS256 {
                    &sig::RSA_PKCS1_2048_8192_SHA256
                } else {
                    &sig::RSA_PSS_2048_8192_SHA256
                };
                let components = sig::RsaPublicKeyComponents { n, e };
                Self::Parsed(
                    components
                        .to_parsed_public_key(parameters)
                        .expect("aws-lc-rs RSA key"),
                )
            }
            (PublicKey::Ec(point), Alg::ES256) => parsed(&sig::ECDSA_P256_SHA256_FIXED, point),
            (PublicKey::Ec(point), _) => parsed(&sig::ECDSA_P384_SHA384_FIXED, point),
            (PublicKey::Ed25519(x), _) => parsed(&sig::ED25519, x),
        }
    }

    /// Returns whether `signature` verifies over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Hmac(key) => aws_lc_rs::hmac::verify(key, message, signature).is_ok(),
            Self::Parsed(key) => key.verify_sig(message, signature).is_ok(),
        }
    }
}

/// Builds tokenguard's validator: the fixture's algorithm, issuer, audience, 30 s
/// leeway, and the whole key set of three keys, verified by `backend`.
///
/// # Panics
///
/// When tokenguard rejects the policy or the key set.
pub fn tokenguard_validator(fixture: &Fixture, backend: Backend) -> Validator {
    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .algorithms(AlgSet::EMPTY.with(fixture.alg.tokenguard()))
        .leeway(LEEWAY_SECONDS)
        .build()
        .expect("benchmark policy");
    let keys = tokenguard_keys(fixture, backend).expect("benchmark key set");
    Validator::new(policy, keys)
}

/// Reads the fixture's key set with tokenguard, prepared by `backend`.
///
/// # Errors
///
/// tokenguard's error for a key set it rejects.
pub fn tokenguard_keys(fixture: &Fixture, backend: Backend) -> Result<JwkSet, Error> {
    match &fixture.key_set {
        KeySet::Jwks(json) => JwkSet::from_json_with(json.as_bytes(), backend),
        KeySet::Secrets(secrets) => {
            let keys = secrets
                .iter()
                .map(|(kid, secret)| {
                    Jwk::hmac_secret(Some(kid), tokenguard::Algorithm::HS256, secret)
                })
                .collect::<Result<Vec<_>, _>>()?;
            JwkSet::from_keys(keys)?.with_backend(backend)
        }
    }
}

/// Validates `token` with tokenguard at the system clock's time, as a server would
/// for each request, and returns the `sub` claim's length to keep the claims used.
///
/// # Errors
///
/// tokenguard's error for a rejected token.
pub fn tokenguard_validate<const N: usize>(
    validator: &Validator,
    token: &str,
    buffer: &mut TokenBuffer<N>,
) -> Result<usize, Error> {
    let verified: AccessToken<'_> = validator.validate(token, tokenguard::unix_now(), buffer)?;
    Ok(verified
        .claims()
        .subject()
        .map_or(0, |subject| subject.as_plain().map_or(0, str::len)))
}

/// The claims the peers deserialize into, the ones an API reads from an RFC 9068
/// access token.
#[derive(Debug, Deserialize)]
pub struct AccessClaims {
    /// `iss`.
    pub iss: String,
    /// `sub`.
    pub sub: String,
    /// `aud`, a single string in these tokens.
    pub aud: String,
    /// `exp`.
    pub exp: u64,
    /// `iat`.
    pub iat: u64,
    /// `nbf`.
    pub nbf: u64,
    /// `jti`.
    pub jti: String,
    /// `client_id`.
    pub client_id: String,
    /// `scope`.
    pub scope: String,
}

/// jsonwebtoken's backend, installed once per process as its `CryptoProvider`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonWebTokenBackend {
    /// aws-lc-rs.
    AwsLcRs,
    /// The RustCrypto crates.
    RustCrypto,
}

impl JsonWebTokenBackend {
    /// Returns the row name, such as `jsonwebtoken (aws_lc_rs)`.
    pub const fn row(self) -> &'static str {
        match self {
            Self::AwsLcRs => "jsonwebtoken (aws_lc_rs)",
            Self::RustCrypto => "jsonwebtoken (rust_crypto)",
        }
    }

    /// Installs this backend as jsonwebtoken's provider for the whole process.
    ///
    /// Both backend features are compiled in, so jsonwebtoken cannot pick one by
    /// itself. Each bench binary installs exactly one before any decode.
    ///
    /// # Panics
    ///
    /// When another provider is already installed.
    pub fn install(self) {
        let provider: &'static CryptoProvider = match self {
            Self::AwsLcRs => &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
            Self::RustCrypto => &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        };
        assert!(
            provider.install_default().is_ok(),
            "a jsonwebtoken provider was already installed"
        );
    }
}

/// jsonwebtoken 12 with an imported key and its `Validation`.
pub struct JsonWebToken {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

impl JsonWebToken {
    /// Imports the fixture's signing key and requires `iss`, `aud` and `exp`.
    ///
    /// # Panics
    ///
    /// When jsonwebtoken rejects the key.
    pub fn new(fixture: &Fixture) -> Self {
        use base64ct::{Base64UrlUnpadded, Encoding};
        use jsonwebtoken::{Algorithm, DecodingKey, Validation};

        let b64 = |bytes: &[u8]| Base64UrlUnpadded::encode_string(bytes);
        let key = match &fixture.key {
            PublicKey::Hmac(secret) => DecodingKey::from_secret(secret),
            PublicKey::Rsa { n, e } => Ok(DecodingKey::from_rsa_raw_components(n, e)),
            PublicKey::Ec(_) => {
                let (x, y) = fixture.key.coordinates();
                DecodingKey::from_ec_components(&b64(x), &b64(y))
            }
            PublicKey::Ed25519(x) => DecodingKey::from_ed_components(&b64(x)),
        }
        .expect("jsonwebtoken imports the key");

        let algorithm = match fixture.alg {
            Alg::HS256 => Algorithm::HS256,
            Alg::RS256 => Algorithm::RS256,
            Alg::PS256 => Algorithm::PS256,
            Alg::ES256 => Algorithm::ES256,
            Alg::ES384 => Algorithm::ES384,
            Alg::EdDSA => Algorithm::EdDSA,
        };
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = u64::from(LEEWAY_SECONDS);
        validation.validate_nbf = true;
        Self { key, validation }
    }

    /// Decodes and validates `token`.
    ///
    /// # Errors
    ///
    /// jsonwebtoken's error for a rejected token.
    pub fn validate(&self, token: &str) -> jsonwebtoken::errors::Result<AccessClaims> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
    }
}

/// The claims jwt-simple leaves to the caller's type.
#[derive(Debug, Deserialize)]
pub struct ExtraClaims {
    /// `client_id`.
    pub client_id: String,
    /// `scope`.
    pub scope: String,
}

/// jwt-simple 0.15 with an imported key and its `VerificationOptions`.
pub struct JwtSimple {
    key: JwtSimpleKey,
    options: VerificationOptions,
}

enum JwtSimpleKey {
    Hs256(HS256Key),
    Rs256(RS256PublicKey),
    Ps256(PS256PublicKey),
    Es256(ES256PublicKey),
    Es384(ES384PublicKey),
    Ed25519(Ed25519PublicKey),
}

impl JwtSimple {
    /// Imports the fixture's signing key and allows only the benchmark issuer and
    /// audience, with 30 s of leeway in place of jwt-simple's default 15 minutes.
    ///
    /// # Panics
    ///
    /// When jwt-simple rejects the key.
    pub fn new(fixture: &Fixture) -> Self {
        let key = match (&fixture.key, fixture.alg) {
            (PublicKey::Hmac(secret), _) => Ok(JwtSimpleKey::Hs256(HS256Key::from_bytes(secret))),
            (PublicKey::Rsa { n, e }, Alg::RS256) => {
                RS256PublicKey::from_components(n, e).map(JwtSimpleKey::Rs256)
            }
            (PublicKey::Rsa { n, e }, _) => {
                PS256PublicKey::from_components(n, e).map(JwtSimpleKey::Ps256)
            }
            (PublicKey::Ec(point), Alg::ES256) => {
                ES256PublicKey::from_bytes(point).map(JwtSimpleKey::Es256)
            }
            (PublicKey::Ec(point), _) => ES384PublicKey::from_bytes(point).map(JwtSimpleKey::Es384),
            (PublicKey::Ed25519(x), _) => {
                Ed25519PublicKey::from_bytes(x).map(JwtSimpleKey::Ed25519)
            }
        }
        .expect("jwt-simple imports the key");

        let options = VerificationOptions {
            allowed_issuers: Some(HashSet::from([ISSUER.to_owned()])),
            allowed_audiences: Some(HashSet::from([AUDIENCE.to_owned()])),
            time_tolerance: Some(jwt_simple::prelude::Duration::from_secs(u64::from(
                LEEWAY_SECONDS,
            ))),
            ..VerificationOptions::default()
        };
        Self { key, options }
    }

    /// Verifies `token`.
    ///
    /// # Errors
    ///
    /// jwt-simple's error for a rejected token.
    pub fn validate(&self, token: &str) -> Result<JWTClaims<ExtraClaims>, jwt_simple::Error> {
        let options = Some(self.options.clone());
        match &self.key {
            JwtSimpleKey::Hs256(key) => key.verify_token(token, options),
            JwtSimpleKey::Rs256(key) => key.verify_token(token, options),
            JwtSimpleKey::Ps256(key) => key.verify_token(token, options),
            JwtSimpleKey::Es256(key) => key.verify_token(token, options),
            JwtSimpleKey::Es384(key) => key.verify_token(token, options),
            JwtSimpleKey::Ed25519(key) => key.verify_token(token, options),
        }
    }
}

/// Checks that the floor verifies the token's signature and rejects a corrupted
/// one, and that tokenguard and every given peer accept the valid token with its
/// `sub` and reject the wrong-audience token.
///
/// # Panics
///
/// On the first disagreement, naming the library and the algorithm.
pub fn check_agreement(
    fixture: &Fixture,
    floor: &Floor,
    validator: &Validator,
    jsonwebtoken: Option<&JsonWebToken>,
    jwt_simple: Option<&JwtSimple>,
) {
    let alg = fixture.alg.name();
    let message = fixture.signing_input();
    assert!(
        floor.verify(message, &fixture.signature),
        "{alg}: floor rejects the signature"
    );
    let mut corrupted = fixture.signature.clone();
    corrupted[0] ^= 1;
    assert!(
        !floor.verify(message, &corrupted),
        "{alg}: floor accepts a corrupted signature"
    );

    let mut buffer = TokenBuffer::new();
    let subject_len = tokenguard_validate(validator, &fixture.token, &mut buffer)
        .unwrap_or_else(|error| panic!("{alg}: tokenguard rejects the token: {error}"));
    assert_eq!(subject_len, fixture.subject.len(), "{alg}: tokenguard sub");
    let rejected = tokenguard_validate(validator, &fixture.wrong_audience_token, &mut buffer);
    assert!(
        matches!(rejected, Err(Error::WrongAudience)),
        "{alg}: tokenguard on the wrong audience returns {rejected:?}"
    );

    if let Some(library) = jsonwebtoken {
        let claims = library
            .validate(&fixture.token)
            .unwrap_or_else(|error| panic!("{alg}: jsonwebtoken rejects the token: {error}"));
        assert_eq!(claims.sub, fixture.subject, "{alg}: jsonwebtoken sub");
        assert!(
            library.validate(&fixture.wrong_audience_token).is_err(),
            "{alg}: jsonwebtoken accepts the wrong audience"
        );
    }

    if let Some(library) = jwt_simple {
        let claims = library
            .validate(&fixture.token)
            .unwrap_or_else(|error| panic!("{alg}: jwt-simple rejects the token: {error}"));
        assert_eq!(
            claims.subject.as_deref(),
            Some(fixture.subject.as_str()),
            "{alg}: jwt-simple sub"
        );
        assert!(
            library.validate(&fixture.wrong_audience_token).is_err(),
            "{alg}: jwt-simple accepts the wrong audience"
        );
    }
}

/// Returns the current time in Unix seconds, for making the fixtures.
pub fn now() -> i64 {
    tokenguard::unix_now()
}
