//! The fixed keys the targets verify and sign with.
//!
//! The keys are fixed so that a crashing input reproduces: the RSA key is the core's
//! test-only fixture, the EC keys are the test-only PKCS#8 files in `keys/`, and the
//! Ed25519 key and HMAC secret are constants. Never trust anything they sign.

use std::sync::OnceLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use tokenguard::{Algorithm, Jwk, JwkSet};

/// The HS256 secret, exactly as long as the SHA-256 output.
pub const HS256_SECRET: &[u8; 32] = b"tokenguard fuzz HS256 secret 32B";

/// The Ed25519 private key seed.
pub const ED25519_SEED: &[u8; 32] = b"tokenguard fuzz Ed25519 seed 32B";
/// The RSA 2048 private key, PKCS#8 DER.
pub const RSA_PKCS8: &[u8] =
    include_bytes!("../../core/tests/fixtures/rsa-2048-test-only-1.pk8.der");
/// The P-256 private key, PKCS#8 DER.
pub const P256_PKCS8: &[u8] = include_bytes!("../keys/ec-p256-test-only.pk8.der");
/// The P-384 private key, PKCS#8 DER.
pub const P384_PKCS8: &[u8] = include_bytes!("../keys/ec-p384-test-only.pk8.der");

/// A key the generator signs with, with the algorithm it signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningKey {
    /// The HMAC secret, HS256.
    Hs256,
    /// The RSA key, RS256.
    Rs256,
    /// The RSA key, PS256.
    Ps256,
    /// The P-256 key, ES256.
    Es256,
    /// The P-384 key, ES384.
    Es384,
    /// The Ed25519 key, EdDSA.
    Ed25519,
}

impl SigningKey {
    /// Returns the `kid` of the key in the fixed key sets.
    pub const fn kid(self) -> &'static str {
        match self {
            Self::Hs256 => "hs256-1",
            Self::Rs256 | Self::Ps256 => "rsa-1",
            Self::Es256 => "p256-1",
            Self::Es384 => "p384-1",
            Self::Ed25519 => "ed25519-1",
        }
    }

    /// Returns the header `alg` values whose verification matches this signature.
    ///
    /// EdDSA and Ed25519 name one algorithm, and the Ed25519 JWK has no `alg`, so
    /// the key verifies both names.
    pub const fn alg_names(self) -> &'static [&'static str] {
        match self {
            Self::Hs256 => &["HS256"],
            Self::Rs256 => &["RS256"],
            Self::Ps256 => &["PS256"],
            Self::Es256 => &["ES256"],
            Self::Es384 => &["ES384"],
            Self::Ed25519 => &["EdDSA", "Ed25519"],
        }
    }

    /// Returns whether the key is the HMAC secret, which lives in its own key set.
    pub const fn is_secret(self) -> bool {
        matches!(self, Self::Hs256)
    }
}

/// The fixed key pairs and the public JWK Set built from them.
pub struct Keys {
    rng: SystemRandom,
    rsa: RsaKeyPair,
    p256: EcdsaKeyPair,
    p384: EcdsaKeyPair,
    ed25519: Ed25519KeyPair,
    hmac: ring::hmac::Key,
    public_jwks: String,
}

/// Returns the fixed keys, loaded on first use.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(Keys::load)
}

impl Keys {
    fn load() -> Self {
        let rng = SystemRandom::new();
        let rsa = RsaKeyPair::from_pkcs8(RSA_PKCS8).expect("RSA test key");
        let p256 = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            P256_PKCS8,
            &rng,
        )
        .expect("P-256 test key");
        let p384 = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            P384_PKCS8,
            &rng,
        )
        .expect("P-384 test key");
        let ed25519 = Ed25519KeyPair::from_seed_unchecked(ED25519_SEED).expect("Ed25519 seed");
        let hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, HS256_SECRET);

        let rsa_public = PublicKeyComponents::<Vec<u8>>::from(rsa.public());
        let (p256_x, p256_y) = ec_coordinates(&p256);
        let (p384_x, p384_y) = ec_coordinates(&p384);
        // RSA, P-256 and Ed25519 have no `alg`, so they verify every algorithm of their
        // family. The P-384 key is bound to ES384, to cover a JWK with `alg`.
        let public_jwks = format!(
            r#"{{"keys":[
{{"kty":"RSA","kid":"{rsa_kid}","use":"sig","n":"{n}","e":"{e}"}},
{{"kty":"EC","kid":"{p256_kid}","crv":"P-256","x":"{p256_x}","y":"{p256_y}"}},
{{"kty":"EC","kid":"{p384_kid}","crv":"P-384","alg":"ES384","x":"{p384_x}","y":"{p384_y}"}},
{{"kty":"OKP","kid":"{ed_kid}","crv":"Ed25519","x":"{ed_x}"}}
]}}"#,
            rsa_kid = SigningKey::Rs256.kid(),
            n = encode(&rsa_public.n),
            e = encode(&rsa_public.e),
            p256_kid = SigningKey::Es256.kid(),
            p384_kid = SigningKey::Es384.kid(),
            ed_kid = SigningKey::Ed25519.kid(),
            ed_x = encode(ed25519.public_key().as_ref()),
        );

        Self {
            rng,
            rsa,
            p256,
            p384,
            ed25519,
            hmac,
            public_jwks,
        }
    }

    /// Returns the public JWK Set document: RSA 2048, P-256, P-384 and Ed25519.
    pub fn public_jwks(&self) -> &str {
        &self.public_jwks
    }

    /// Returns the public keys as a [`JwkSet`].
    pub fn public_set(&self) -> JwkSet {
        JwkSet::from_json(self.public_jwks.as_bytes()).expect("public key set")
    }

    /// Returns the HS256 secret as a [`JwkSet`] of one key.
    pub fn hmac_set(&self) -> JwkSet {
        let kid = Some(SigningKey::Hs256.kid());
        let secret = Jwk::hmac_secret(kid, Algorithm::HS256, HS256_SECRET).expect("HS256 secret");
        JwkSet::from_keys(vec![secret]).expect("HMAC key set")
    }

    /// Returns the base64url `x` and `y` of the P-256 or P-384 public key.
    pub fn ec_components(&self, key: SigningKey) -> (String, String) {
        match key {
            SigningKey::Es384 => ec_coordinates(&self.p384),
            _ => ec_coordinates(&self.p256),
        }
    }

    /// Returns the base64url `x` of the Ed25519 public key.
    pub fn ed25519_component(&self) -> String {
        encode(self.ed25519.public_key().as_ref())
    }

    /// Signs `message` with `key`; RSA takes about a millisecond, so sign with it
    /// once and reuse the token.
    pub fn sign(&self, key: SigningKey, message: &[u8]) -> Vec<u8> {
        match key {
            SigningKey::Hs256 => ring::hmac::sign(&self.hmac, message).as_ref().to_vec(),
            SigningKey::Es256 => self.sign_ecdsa(&self.p256, message),
            SigningKey::Es384 => self.sign_ecdsa(&self.p384, message),
            SigningKey::Ed25519 => self.ed25519.sign(message).as_ref().to_vec(),
            SigningKey::Rs256 => self.sign_rsa(&signature::RSA_PKCS1_SHA256, message),
            SigningKey::Ps256 => self.sign_rsa(&signature::RSA_PSS_SHA256, message),
        }
    }

    fn sign_ecdsa(&self, pair: &EcdsaKeyPair, message: &[u8]) -> Vec<u8> {
        let signature = pair.sign(&self.rng, message).expect("ECDSA signing");
        signature.as_ref().to_vec()
    }

    fn sign_rsa(&self, padding: &'static dyn signature::RsaEncoding, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; self.rsa.public().modulus_len()];
        self.rsa
            .sign(padding, &self.rng, message, &mut out)
            .expect("RSA signing");
        out
    }
}

/// Returns the base64url `x` and `y` of an ECDSA public key.
fn ec_coordinates(pair: &EcdsaKeyPair) -> (String, String) {
    // ring returns the uncompressed point 0x04 || x || y.
    let point = &pair.public_key().as_ref()[1..];
    let (x, y) = point.split_at(point.len() / 2);
    (encode(x), encode(y))
}

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}
