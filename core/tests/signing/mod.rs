//! Signing keys and access tokens for tests: keys made with ring, their public JWKs
//! as JSON text, and compact JWS tokens signed over exact header and payload bytes.
//!
//! ring cannot generate RSA keys, so RSA keys are read from the test-only PKCS#8
//! files in `tests/fixtures/`.

#![allow(dead_code)]

use std::path::Path;

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::{SecureRandom, SystemRandom};
use ring::rsa::PublicKeyComponents;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_json::json;
use tokenguard::{Algorithm, Jwk};

/// Issuer of the tokens built here.
pub const ISSUER: &str = "https://issuer.tokenguard.test";

/// Audience the tokens are for, listed first in their `aud` array.
pub const AUDIENCE: &str = "https://api.tokenguard.test";

/// Validation time the tokens are built around: 2026-01-01T00:00:00Z.
pub const NOW: i64 = 1_767_225_600;

/// Lifetime of the tokens in seconds: `exp` is `NOW + LIFETIME_SECONDS`.
pub const LIFETIME_SECONDS: i64 = 600;

/// Scopes the tokens grant, space-delimited as in RFC 9068 section 2.2.3.
pub const SCOPE: &str = "openid profile email orders:read orders:write offline_access";

/// Number of test-only RSA keys in `tests/fixtures/`.
pub const RSA_TEST_KEYS: usize = 3;

/// A private key or HMAC secret with its `kid` and the one algorithm it signs with.
pub struct SigningKey {
    alg: Algorithm,
    kid: String,
    inner: Inner,
}

enum Inner {
    Hmac(ring::hmac::Key, Vec<u8>),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

impl SigningKey {
    /// Generates a fresh key for `alg`. HMAC secrets are as long as the hash output.
    ///
    /// Panics for RSA algorithms, which ring cannot generate keys for: use
    /// [`SigningKey::rsa_test_key`].
    pub fn generate(alg: Algorithm, kid: &str) -> Self {
        let rng = SystemRandom::new();
        let inner = match alg {
            Algorithm::HS256 => return Self::hmac(alg, kid, &random_bytes(32)),
            Algorithm::HS384 => return Self::hmac(alg, kid, &random_bytes(48)),
            Algorithm::HS512 => return Self::hmac(alg, kid, &random_bytes(64)),
            Algorithm::ES256 => generate_ecdsa(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng),
            Algorithm::ES384 => generate_ecdsa(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, &rng),
            Algorithm::EdDSA | Algorithm::Ed25519 => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("Ed25519 key generation");
                let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("Ed25519 PKCS#8");
                Inner::Ed25519(pair)
            }
            rsa => panic!("{rsa}: ring cannot generate RSA keys, use SigningKey::rsa_test_key"),
        };
        Self {
            alg,
            kid: kid.to_string(),
            inner,
        }
    }

    /// Returns an HMAC key for the HS\* algorithm `alg` with a given `secret`.
    pub fn hmac(alg: Algorithm, kid: &str, secret: &[u8]) -> Self {
        let ring_alg = match alg {
            Algorithm::HS256 => ring::hmac::HMAC_SHA256,
            Algorithm::HS384 => ring::hmac::HMAC_SHA384,
            Algorithm::HS512 => ring::hmac::HMAC_SHA512,
            other => panic!("{other} is not an HMAC algorithm"),
        };
        Self {
            alg,
            kid: kid.to_string(),
            inner: Inner::Hmac(ring::hmac::Key::new(ring_alg, secret), secret.to_vec()),
        }
    }

    /// Reads test-only RSA key `number` (1 to [`RSA_TEST_KEYS`]) from
    /// `tests/fixtures/` for the RSA algorithm `alg`.
    pub fn rsa_test_key(alg: Algorithm, kid: &str, number: usize) -> Self {
        assert!(rsa_padding(alg).is_some(), "{alg} is not an RSA algorithm");
        assert!(
            (1..=RSA_TEST_KEYS).contains(&number),
            "RSA test key {number} does not exist"
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
            "tests/fixtures/rsa-2048-test-only-{number}.pk8.der"
        ));
        let pkcs8 = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let pair =
            RsaKeyPair::from_pkcs8(&pkcs8).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self {
            alg,
            kid: kid.to_string(),
            inner: Inner::Rsa(pair),
        }
    }

    /// Returns a key for `alg`: generated, or for RSA the test key `number`.
    pub fn for_algorithm(alg: Algorithm, kid: &str, number: usize) -> Self {
        if rsa_padding(alg).is_some() {
            Self::rsa_test_key(alg, kid, number)
        } else {
            Self::generate(alg, kid)
        }
    }

    /// Returns the algorithm this key signs with.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Returns the key's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Returns whether this is an HMAC secret, which belongs in configuration rather
    /// than in a JWK Set.
    pub fn is_secret(&self) -> bool {
        matches!(self.inner, Inner::Hmac(..))
    }

    /// Returns the secret of an HMAC key.
    ///
    /// Panics for an asymmetric key.
    pub fn secret(&self) -> &[u8] {
        match &self.inner {
            Inner::Hmac(_, secret) => secret,
            _ => panic!("{}: not an HMAC key", self.alg),
        }
    }

    /// Returns the key as tokenguard's [`Jwk`]: the configured secret for HMAC, the
    /// public JWK read back through [`Jwk::from_json`] otherwise.
    pub fn verifying_jwk(&self) -> Jwk {
        match &self.inner {
            Inner::Hmac(_, secret) => {
                Jwk::hmac_secret(Some(&self.kid), self.alg, secret).expect("HMAC secret")
            }
            _ => Jwk::from_json(self.public_jwk().as_bytes()).expect("public JWK"),
        }
    }

    /// Writes the public JWK as JSON text, with `kid`, `use` `sig` and `alg`
    /// (RFC 7518 section 6, RFC 8037 section 2).
    ///
    /// Panics for an HMAC key, whose secret must not be published.
    pub fn public_jwk(&self) -> String {
        let kid = self.kid.as_str();
        let alg = self.alg.name();
        let jwk = match &self.inner {
            Inner::Hmac(..) => panic!("{alg}: an HMAC secret has no public JWK"),
            Inner::Ecdsa(pair) => {
                // ring returns the uncompressed point 0x04 || x || y.
                let point = pair.public_key().as_ref();
                let (x, y) = point[1..].split_at((point.len() - 1) / 2);
                let crv = if self.alg == Algorithm::ES256 {
                    "P-256"
                } else {
                    "P-384"
                };
                json!({
                    "kty": "EC", "crv": crv, "kid": kid, "use": "sig", "alg": alg,
                    "x": encode(x), "y": encode(y),
                })
            }
            Inner::Ed25519(pair) => json!({
                "kty": "OKP", "crv": "Ed25519", "kid": kid, "use": "sig", "alg": alg,
                "x": encode(pair.public_key().as_ref()),
            }),
            Inner::Rsa(pair) => {
                let components = PublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({
                    "kty": "RSA", "kid": kid, "use": "sig", "alg": alg,
                    "n": encode(&components.n), "e": encode(&components.e),
                })
            }
        };
        jwk.to_string()
    }

    /// Signs `header` and `payload`, given as exact bytes, into a compact JWS.
    pub fn sign_compact(&self, header: &str, payload: &str) -> String {
        let signing_input = format!(
            "{}.{}",
            encode(header.as_bytes()),
            encode(payload.as_bytes())
        );
        let signature = self.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", encode(&signature))
    }

    /// Signs an RFC 9068 access token with [`access_token_header`] for this key and
    /// `claims` as the payload.
    pub fn sign_access_token(&self, claims: &str) -> String {
        self.sign_compact(&access_token_header(self.alg, Some(&self.kid)), claims)
    }

    /// Returns the JWS signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Hmac(key, _) => ring::hmac::sign(key, message).as_ref().to_vec(),
            Inner::Ecdsa(pair) => pair
                .sign(&rng, message)
                .expect("ECDSA signing")
                .as_ref()
                .to_vec(),
            Inner::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
            Inner::Rsa(pair) => {
                let padding = rsa_padding(self.alg).expect("RSA algorithm");
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, message, &mut signature)
                    .expect("RSA signing");
                signature
            }
        }
    }
}

/// Writes an RFC 9068 header: `alg`, `typ` `at+jwt` and, when given, `kid`.
pub fn access_token_header(alg: Algorithm, kid: Option<&str>) -> String {
    let alg = alg.name();
    match kid {
        Some(kid) => format!(r#"{{"alg":"{alg}","typ":"at+jwt","kid":"{kid}"}}"#),
        None => format!(r#"{{"alg":"{alg}","typ":"at+jwt"}}"#),
    }
}

/// Writes the claims of an RFC 9068 access token issued at `iat` for
/// [`LIFETIME_SECONDS`], from [`ISSUER`] to [`AUDIENCE`] and a second audience,
/// granting [`SCOPE`].
pub fn access_token_claims(iat: i64) -> String {
    let claims = json!({
        "iss": ISSUER,
        "sub": "5f8d2c1e-7a43-4b9e-9c1d-2e6f3a8b0d47",
        "aud": [AUDIENCE, "https://billing.tokenguard.test"],
        "exp": iat + LIFETIME_SECONDS,
        "iat": iat,
        "nbf": iat,
        "jti": "c0a80101-3f2e-4d5c-8b7a-69e1f0d2c3b4",
        "client_id": "s6BhdRkqt3",
        "scope": SCOPE,
    });
    claims.to_string()
}

/// Writes a JWK Set document with the given JWK texts as its `keys`.
pub fn key_set_json<S: AsRef<str>>(jwks: &[S]) -> String {
    let keys: Vec<&str> = jwks.iter().map(AsRef::as_ref).collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

/// Returns `token` with one bit of its signature flipped, still in canonical
/// base64url so that the change reaches signature verification.
pub fn with_corrupted_signature(token: &str) -> String {
    let (signing_input, signature) = token.rsplit_once('.').expect("a compact JWS");
    let mut signature = Base64UrlUnpadded::decode_vec(signature).expect("base64url signature");
    signature[0] ^= 0x01;
    format!("{signing_input}.{}", encode(&signature))
}

/// Encodes `bytes` as base64url without padding (RFC 7515 section 2).
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Returns `len` bytes from the system's secure random generator.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    SystemRandom::new().fill(&mut bytes).expect("random bytes");
    bytes
}

fn generate_ecdsa(alg: &'static signature::EcdsaSigningAlgorithm, rng: &SystemRandom) -> Inner {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, rng).expect("ECDSA key generation");
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), rng).expect("ECDSA PKCS#8");
    Inner::Ecdsa(pair)
}

fn rsa_padding(alg: Algorithm) -> Option<&'static dyn signature::RsaEncoding> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    })
}
