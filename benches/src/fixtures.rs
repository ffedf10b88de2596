//! Keys and access tokens for each benchmarked algorithm, made at start-up.
//!
//! HMAC secrets and the ECDSA and Ed25519 keys come from ring's key generation. ring
//! cannot generate RSA keys, so the three 2048-bit RSA keys are fixed test keys in
//! `benches/keys/` (PKCS#8 DER, made with `openssl genpkey` for these benchmarks
//! only). Tokens are signed with ring.

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use ring::{digest, hmac};

use crate::{AUDIENCE, ISSUER, OTHER_AUDIENCE};

/// The three RSA test keys; the second one signs.
const RSA_KEYS: [&[u8]; 3] = [
    include_bytes!("../keys/rsa-2048-a.pk8"),
    include_bytes!("../keys/rsa-2048-b.pk8"),
    include_bytes!("../keys/rsa-2048-c.pk8"),
];

/// Number of keys in each algorithm's key set.
pub const KEYS_PER_SET: usize = 3;

/// Index in the key set of the key that signs the tokens.
const SIGNING_KEY: usize = 1;

/// Length the RS256 and PS256 tokens are padded to, the largest of the six, so that
/// every token is 700 to 1,000 bytes long.
const LONGEST_TOKEN_BYTES: usize = 1000;

/// Shortest and longest accepted benchmark token, in bytes.
pub const TOKEN_BYTES: core::ops::RangeInclusive<usize> = 700..=1000;

/// A benchmarked JWS algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// HMAC with SHA-256.
    HS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit key.
    RS256,
    /// RSASSA-PSS with SHA-256, 2048-bit key.
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

impl Alg {
    /// Every benchmarked algorithm, in table order.
    pub const ALL: [Self; 6] = [
        Self::HS256,
        Self::RS256,
        Self::PS256,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
    ];

    /// Returns the JWS `alg` name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Returns tokenguard's name for the algorithm.
    pub const fn tokenguard(self) -> tokenguard::Algorithm {
        match self {
            Self::HS256 => tokenguard::Algorithm::HS256,
            Self::RS256 => tokenguard::Algorithm::RS256,
            Self::PS256 => tokenguard::Algorithm::PS256,
            Self::ES256 => tokenguard::Algorithm::ES256,
            Self::ES384 => tokenguard::Algorithm::ES384,
            Self::EdDSA => tokenguard::Algorithm::EdDSA,
        }
    }
}

/// The verifying half of a key, in the raw form every library can import.
#[derive(Clone, Debug)]
pub enum PublicKey {
    /// An HMAC secret.
    Hmac(Vec<u8>),
    /// An RSA modulus and public exponent, big-endian without leading zeros.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// An uncompressed SEC 1 point, `0x04 || x || y`, on P-256 or P-384.
    Ec(Vec<u8>),
    /// An Ed25519 public key.
    Ed25519(Vec<u8>),
}

impl PublicKey {
    /// Returns the `x` and `y` coordinates of an EC point.
    ///
    /// # Panics
    ///
    /// For a key that is not an EC point.
    pub fn coordinates(&self) -> (&[u8], &[u8]) {
        let Self::Ec(point) = self else {
            panic!("not an EC key: {self:?}");
        };
        point[1..].split_at((point.len() - 1) / 2)
    }
}

/// The keys a validator is configured with.
#[derive(Clone, Debug)]
pub enum KeySet {
    /// A JWK Set document of public keys.
    Jwks(String),
    /// HMAC secrets with their `kid`, which belong in configuration rather than in a
    /// published set.
    Secrets(Vec<(String, Vec<u8>)>),
}

/// One algorithm's benchmark inputs: a key set of [`KEYS_PER_SET`] keys, a valid
/// token signed by one of them, and a token for another audience.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// The algorithm.
    pub alg: Alg,
    /// The time the tokens were made, in Unix seconds; they are valid for an hour.
    pub now: i64,
    /// The valid access token.
    pub token: String,
    /// A token signed by the same key whose `aud` is [`OTHER_AUDIENCE`].
    pub wrong_audience_token: String,
    /// The `sub` claim of both tokens.
    pub subject: String,
    /// The decoded signature of [`token`](Self::token).
    pub signature: Vec<u8>,
    /// The `kid` of the signing key.
    pub kid: String,
    /// The signing key's public half.
    pub key: PublicKey,
    /// Every key of the set, the signing key included.
    pub key_set: KeySet,
}

impl Fixture {
    /// Generates keys and signs the tokens for `alg`.
    ///
    /// # Panics
    ///
    /// When key generation or signing fails, or a token falls outside
    /// [`TOKEN_BYTES`].
    pub fn new(alg: Alg, now: i64) -> Self {
        let keys = generate_keys(alg);
        let signer = &keys[SIGNING_KEY];
        let header = format!(
            r#"{{"alg":"{}","typ":"at+jwt","kid":"{}"}}"#,
            alg.name(),
            signer.kid
        );
        let subject = subject_for_length(&header, now);
        let token = sign_token(&signer.private, &header, &claims(&subject, AUDIENCE, now));
        let wrong_audience_token = sign_token(
            &signer.private,
            &header,
            &claims(&subject, OTHER_AUDIENCE, now),
        );
        assert!(
            TOKEN_BYTES.contains(&token.len()),
            "{} token is {} bytes",
            alg.name(),
            token.len()
        );

        let signature_text = token.rsplit('.').next().expect("a signed token has dots");
        let signature = Base64UrlUnpadded::decode_vec(signature_text).expect("valid base64url");
        let key_set = key_set(alg, &keys);
        Self {
            alg,
            now,
            token,
            wrong_audience_token,
            subject,
            signature,
            kid: signer.kid.clone(),
            key: signer.public.clone(),
            key_set,
        }
    }

    /// Returns the JWS signing input of the valid token: header and payload with the
    /// dot between them.
    pub fn signing_input(&self) -> &[u8] {
        let end = self.token.rfind('.').expect("a signed token has dots");
        &self.token.as_bytes()[..end]
    }
}

/// Returns the JSON text of the claims: RFC 9068 access-token claims with a scope of
/// six values.
fn claims(subject: &str, audience: &str, now: i64) -> String {
    format!(
        concat!(
            r#"{{"iss":"{iss}","sub":"{sub}","aud":"{aud}","exp":{exp},"iat":{iat},"#,
            r#""nbf":{iat},"jti":"5b8d6f0e-3c1a-4e7b-9f2d-8a6c4b1e0d37","#,
            r#""client_id":"orders-service-7c2e","#,
            r#""scope":"openid profile email orders:read orders:write invoices:read"}}"#,
        ),
        iss = ISSUER,
        sub = subject,
        aud = audience,
        exp = now + 3600,
        iat = now - 10,
    )
}

/// Returns a `sub` whose length makes the RS256 and PS256 tokens, the longest ones,
/// as close to [`LONGEST_TOKEN_BYTES`] as base64url allows without going over.
fn subject_for_length(header: &str, now: i64) -> String {
    const RSA_2048_SIGNATURE_CHARS: usize = 342;
    let encoded = |text: &str| Base64UrlUnpadded::encoded_len(text.as_bytes());
    let token_len = |subject: &str| {
        encoded(header)
            + 1
            + encoded(&claims(subject, AUDIENCE, now))
            + 1
            + RSA_2048_SIGNATURE_CHARS
    };

    let mut subject = String::from("user-");
    let hex = b"0123456789abcdef";
    while token_len(&subject) < LONGEST_TOKEN_BYTES {
        let next = hex[subject.len() * 7 % hex.len()];
        subject.push(char::from(next));
    }
    while token_len(&subject) > LONGEST_TOKEN_BYTES {
        subject.pop();
    }
    subject
}

fn sign_token(private: &PrivateKey, header: &str, claims: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(claims.as_bytes())
    );
    let signature = private.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        Base64UrlUnpadded::encode_string(&signature)
    )
}

/// A key of a set with its signing half.
struct GeneratedKey {
    kid: String,
    public: PublicKey,
    private: PrivateKey,
}

enum PrivateKey {
    Hmac(hmac::Key),
    Rsa(Box<RsaKeyPair>, &'static dyn signature::RsaEncoding),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl PrivateKey {
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Hmac(key) => hmac::sign(key, message).as_ref().to_vec(),
            Self::Rsa(key, padding) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(*padding, &rng, message, &mut signature)
                    .expect("RSA signing");
                signature
            }
            Self::Ecdsa(key) => key
                .sign(&rng, message)
                .expect("ECDSA signing")
                .as_ref()
                .to_vec(),
            Self::Ed25519(key) => key.sign(message).as_ref().to_vec(),
        }
    }
}

fn generate_keys(alg: Alg) -> Vec<GeneratedKey> {
    let rng = SystemRandom::new();
    (0..KEYS_PER_SET)
        .map(|index| match alg {
            Alg::HS256 => {
                let mut secret = vec![0; 32];
                rng.fill(&mut secret).expect("random secret");
                GeneratedKey {
                    kid: kid_of(format!("hmac secret {index}").as_bytes()),
                    private: PrivateKey::Hmac(hmac::Key::new(hmac::HMAC_SHA256, &secret)),
                    public: PublicKey::Hmac(secret),
                }
            }
            Alg::RS256 | Alg::PS256 => {
                let key = RsaKeyPair::from_pkcs8(RSA_KEYS[index]).expect("RSA test key");
                let components = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(key.public());
                let padding: &'static dyn signature::RsaEncoding = if alg == Alg::RS256 {
                    &signature::RSA_PKCS1_SHA256
                } else {
                    &signature::RSA_PSS_SHA256
                };
                GeneratedKey {
                    kid: kid_of(&components.n),
                    public: PublicKey::Rsa {
                        n: components.n,
                        e: components.e,
                    },
                    private: PrivateKey::Rsa(Box::new(key), padding),
                }
            }
            Alg::ES256 | Alg::ES384 => {
                let signing = if alg == Alg::ES256 {
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING
                } else {
                    &signature::ECDSA_P384_SHA384_FIXED_SIGNING
                };
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).expect("ECDSA key");
                let key = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref(), &rng)
                    .expect("generated ECDSA key");
                let point = key.public_key().as_ref().to_vec();
                GeneratedKey {
                    kid: kid_of(&point),
                    public: PublicKey::Ec(point),
                    private: PrivateKey::Ecdsa(key),
                }
            }
            Alg::EdDSA => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("Ed25519 key");
                let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("generated key");
                let x = key.public_key().as_ref().to_vec();
                GeneratedKey {
                    kid: kid_of(&x),
                    public: PublicKey::Ed25519(x),
                    private: PrivateKey::Ed25519(key),
                }
            }
        })
        .collect()
}

/// Returns a 43-character `kid`, the length of an RFC 7638 thumbprint, derived
/// from `seed`. It is never derived from a secret.
fn kid_of(seed: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(digest::digest(&digest::SHA256, seed).as_ref())
}

fn key_set(alg: Alg, keys: &[GeneratedKey]) -> KeySet {
    if alg == Alg::HS256 {
        let secrets = keys
            .iter()
            .map(|key| match &key.public {
                PublicKey::Hmac(secret) => (key.kid.clone(), secret.clone()),
                other => unreachable!("HS256 key set holds {other:?}"),
            })
            .collect();
        return KeySet::Secrets(secrets);
    }
    let jwks: Vec<serde_json::Value> = keys.iter().map(|key| jwk(alg, key)).collect();
    KeySet::Jwks(serde_json::json!({ "keys": jwks }).to_string())
}

/// Returns a public JWK as an issuer publishes it, with `use`, `alg` and `kid`.
pub fn public_jwk(alg: Alg, kid: &str, key: &PublicKey) -> serde_json::Value {
    let b64 = |bytes: &[u8]| Base64UrlUnpadded::encode_string(bytes);
    let mut jwk = match key {
        PublicKey::Rsa { n, e } => serde_json::json!({ "kty": "RSA", "n": b64(n), "e": b64(e) }),
        PublicKey::Ec(_) => {
            let (x, y) = key.coordinates();
            let crv = if alg == Alg::ES256 { "P-256" } else { "P-384" };
            serde_json::json!({ "kty": "EC", "crv": crv, "x": b64(x), "y": b64(y) })
        }
        PublicKey::Ed25519(x) => serde_json::json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(x) }),
        PublicKey::Hmac(_) => panic!("an HMAC secret is not published in a JWK Set"),
    };
    jwk["use"] = "sig".into();
    jwk["alg"] = alg.name().into();
    jwk["kid"] = kid.into();
    jwk
}

fn jwk(alg: Alg, key: &GeneratedKey) -> serde_json::Value {
    public_jwk(alg, &key.kid, &key.public)
}
