//! Private keys for `sign` and `public-jwk`: private JWKs, and PKCS#8 or PKCS#1
//! files in DER or PEM, read with ring.

use std::path::Path;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use ring::error::KeyRejected;
use ring::rand::SystemRandom;
use ring::rsa::{KeyPairComponents, PublicKeyComponents};
use ring::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _, RsaEncoding,
    RsaKeyPair,
};
use serde_json::{Map, Value};
use tokenguard::{Algorithm, Jwk};

use crate::der::{self, Pkcs8Algorithm};
use crate::input::read_file;
use crate::jwk_out::JsonObject;
use crate::Failure;

/// Maximum size of a private key file in bytes; an 8192-bit RSA key in PEM is
/// about 6.5 KB.
const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

/// The RSA algorithms, which any RSA key can sign.
const RSA_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// A private key read from a file, with the `kid` and `alg` of a private JWK.
pub(crate) struct PrivateKey {
    pub(crate) pair: KeyPair,
    pub(crate) kid: Option<String>,
    pub(crate) alg: Option<Algorithm>,
}

/// An asymmetric key pair that ring can sign with.
pub(crate) enum KeyPair {
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl PrivateKey {
    /// Reads the private key in the file at `path`: a private JWK (EC, OKP Ed25519 or
    /// RSA with its primes), or an RSA, P-256, P-384 or Ed25519 key in PKCS#8, or an
    /// RSA key in PKCS#1, as DER or PEM.
    pub(crate) fn read(path: &Path) -> Result<Self, Failure> {
        let bytes = read_file(path, MAX_KEY_FILE_BYTES, "key file")?;
        let start = bytes.trim_ascii_start();
        let path_text = path.display();
        let unusable =
            |reason: String| Failure::error(format!("cannot use the key in {path_text}: {reason}"));

        if start.starts_with(b"{") {
            return from_jwk(&bytes).map_err(unusable);
        }
        let pair = if start.starts_with(b"-----BEGIN ") {
            from_pem(start, &path_text.to_string())
        } else {
            from_der(&bytes)
        };
        Ok(Self {
            pair: pair.map_err(unusable)?,
            kid: None,
            alg: None,
        })
    }
}

impl KeyPair {
    /// Names the key type in messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "an RSA key",
            Self::P256(_) => "an EC P-256 key",
            Self::P384(_) => "an EC P-384 key",
            Self::Ed25519(_) => "an Ed25519 key",
        }
    }

    /// Returns the algorithms this key signs with.
    pub(crate) fn algorithms(&self) -> &'static [Algorithm] {
        match self {
            Self::Rsa(_) => &RSA_ALGORITHMS,
            Self::P256(_) => &[Algorithm::ES256],
            Self::P384(_) => &[Algorithm::ES384],
            Self::Ed25519(_) => &[Algorithm::EdDSA, Algorithm::Ed25519],
        }
    }

    /// Returns the algorithm to sign with when none is named: the only one for EC,
    /// EdDSA for Ed25519, and none for RSA, whose padding and hash must be chosen.
    pub(crate) fn default_alg(&self) -> Option<Algorithm> {
        match self {
            Self::Rsa(_) => None,
            Self::P256(_) => Some(Algorithm::ES256),
            Self::P384(_) => Some(Algorithm::ES384),
            Self::Ed25519(_) => Some(Algorithm::EdDSA),
        }
    }

    /// Signs `message` with `alg`, which must be one of [`algorithms`](Self::algorithms).
    /// ECDSA signatures are the fixed-width `R || S` of RFC 7518 section 3.4.
    pub(crate) fn sign(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, Failure> {
        let rng = SystemRandom::new();
        let failed = || Failure::error(format!("signing with {} failed", self.describe()));
        match self {
            Self::Rsa(pair) => {
                let padding = rsa_padding(alg).ok_or_else(failed)?;
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, message, &mut signature)
                    .map_err(|_| failed())?;
                Ok(signature)
            }
            Self::P256(pair) | Self::P384(pair) => pair
                .sign(&rng, message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| failed()),
            Self::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// Writes the public JWK, with `use` `sig`, and `alg` when given.
    pub(crate) fn public_jwk(&self, kid: &str, alg: Option<Algorithm>) -> String {
        let start = |kty: &str, crv: Option<&str>| {
            JsonObject::default()
                .text("kty", kty)
                .optional("crv", crv)
                .text("kid", kid)
                .text("use", "sig")
                .optional("alg", alg.map(Algorithm::name))
        };
        match self {
            Self::Rsa(pair) => {
                let components = PublicKeyComponents::<Vec<u8>>::from(pair.public());
                start("RSA", None)
                    .encoded("n", &components.n)
                    .encoded("e", &components.e)
                    .finish()
            }
            Self::P256(pair) | Self::P384(pair) => {
                let crv = if matches!(self, Self::P256(_)) {
                    "P-256"
                } else {
                    "P-384"
                };
                // ring returns the uncompressed point 0x04 || x || y.
                let point = &pair.public_key().as_ref()[1..];
                let (x, y) = point.split_at(point.len() / 2);
                start("EC", Some(crv))
                    .encoded("x", x)
                    .encoded("y", y)
                    .finish()
            }
            Self::Ed25519(pair) => start("OKP", Some("Ed25519"))
                .encoded("x", pair.public_key().as_ref())
                .finish(),
        }
    }

    /// Returns the RFC 7638 thumbprint of the public key, base64url-encoded.
    pub(crate) fn thumbprint(&self) -> Result<String, Failure> {
        let jwk = Jwk::from_json(self.public_jwk("", None).as_bytes()).map_err(|error| {
            Failure::error(format!(
                "the public key is not usable for verification: {error}"
            ))
        })?;
        Ok(Base64UrlUnpadded::encode_string(&jwk.thumbprint()))
    }
}

fn rsa_padding(alg: Algorithm) -> Option<&'static dyn RsaEncoding> {
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

/// Reads a private JWK (RFC 7518 sections 6.2.2 and 6.3.2, RFC 8037 section 2).
fn from_jwk(bytes: &[u8]) -> Result<PrivateKey, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the file is not valid JSON: {e}"))?;
    let jwk = value.as_object().ok_or("the file is not a JSON object")?;
    if jwk.contains_key("keys") {
        return Err("the file is a JWK Set; give one private JWK".into());
    }

    let kty = text(jwk, "kty")?.ok_or("the JWK has no kty member")?;
    let kid = text(jwk, "kid")?.map(str::to_string);
    let alg = match text(jwk, "alg")? {
        Some(name) => Some(Algorithm::from_name(name).map_err(|e| format!("JWK alg: {e}"))?),
        None => None,
    };
    if kty == "oct" {
        let reason = "an oct JWK is an HMAC secret: pass the raw secret as the --key \
                      file, with --alg HS256, HS384 or HS512";
        return Err(reason.into());
    }
    if !jwk.contains_key("d") {
        let reason = "the JWK is a public key (it has no d member); signing needs the \
                      private key";
        return Err(reason.into());
    }

    let pair = match kty {
        "EC" => ec_from_jwk(jwk)?,
        "OKP" => {
            let crv = text(jwk, "crv")?.unwrap_or_default();
            if crv != "Ed25519" {
                return Err(format!(
                    "OKP curve {crv:?} is not supported; expected Ed25519"
                ));
            }
            let (d, x) = (bytes_member(jwk, "d")?, bytes_member(jwk, "x")?);
            let pair = Ed25519KeyPair::from_seed_and_public_key(&d, &x)
                .map_err(|e| format!("ring rejected the Ed25519 key: {e}"))?;
            KeyPair::Ed25519(pair)
        }
        "RSA" => rsa_from_jwk(jwk)?,
        other => {
            return Err(format!(
                "kty {other:?} is not supported; expected EC, OKP or RSA"
            ))
        }
    };
    Ok(PrivateKey { pair, kid, alg })
}

fn ec_from_jwk(jwk: &Map<String, Value>) -> Result<KeyPair, String> {
    let crv = text(jwk, "crv")?.unwrap_or_default();
    let alg: &'static EcdsaSigningAlgorithm = match crv {
        "P-256" => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        "P-384" => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        other => {
            return Err(format!(
                "EC curve {other:?} is not supported; expected P-256 or P-384"
            ))
        }
    };
    let d = bytes_member(jwk, "d")?;
    let mut point = vec![0x04];
    point.extend(bytes_member(jwk, "x")?);
    point.extend(bytes_member(jwk, "y")?);

    let pair = EcdsaKeyPair::from_private_key_and_public_key(alg, &d, &point, &SystemRandom::new())
        .map_err(|e| format!("ring rejected the EC key: {e}"))?;
    Ok(if crv == "P-256" {
        KeyPair::P256(pair)
    } else {
        KeyPair::P384(pair)
    })
}

fn rsa_from_jwk(jwk: &Map<String, Value>) -> Result<KeyPair, String> {
    for name in ["p", "q", "dp", "dq", "qi"] {
        if !jwk.contains_key(name) {
            return Err(format!(
                "the RSA JWK has no {name} member; ring signs only with the primes \
                 and CRT members (p, q, dp, dq, qi)"
            ));
        }
    }
    let components = KeyPairComponents {
        public_key: PublicKeyComponents {
            n: bytes_member(jwk, "n")?,
            e: bytes_member(jwk, "e")?,
        },
        d: bytes_member(jwk, "d")?,
        p: bytes_member(jwk, "p")?,
        q: bytes_member(jwk, "q")?,
        dP: bytes_member(jwk, "dp")?,
        dQ: bytes_member(jwk, "dq")?,
        qInv: bytes_member(jwk, "qi")?,
    };
    RsaKeyPair::from_components(&components)
        .map(KeyPair::Rsa)
        .map_err(|e| format!("ring rejected the RSA key: {e}"))
}

fn text<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(format!("the JWK member {name} is not a string")),
    }
}

fn bytes_member(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let value = text(jwk, name)?.ok_or_else(|| format!("the JWK has no {name} member"))?;
    Base64UrlUnpadded::decode_vec(value)
        .map_err(|_| format!("the JWK member {name} is not base64url without padding"))
}

/// Reads the first PEM block (RFC 7468) of the file.
fn from_pem(text: &[u8], file: &str) -> Result<KeyPair, String> {
    let text = std::str::from_utf8(text).map_err(|_| "the PEM file is not ASCII text")?;
    let mut lines = text.lines().map(str::trim);
    let first = lines.next().unwrap_or_default();
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.strip_suffix("-----"))
        .ok_or("the PEM file does not start with a -----BEGIN ...----- line")?;

    let end = format!("-----END {label}-----");
    let mut body = String::new();
    let mut closed = false;
    for line in lines {
        if line == end {
            closed = true;
            break;
        }
        if line.contains(':') {
            return Err(format!(
                "the PEM block has headers, so it is encrypted; decrypt it first, for \
                 example with openssl pkey -in {file} -out key.pem"
            ));
        }
        body.push_str(line);
    }
    if !closed {
        return Err(format!("the PEM block has no {end} line"));
    }
    let der = Base64::decode_vec(&body).map_err(|_| "the PEM block is not valid base64")?;

    match label {
        "PRIVATE KEY" => from_der(&der),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der).map(KeyPair::Rsa).map_err(|e| {
            format!(
                "ring rejected the RSA key in PKCS#1: {e} (ring signs with RSA keys of 2048 \
                 to 4096 bits)"
            )
        }),
        "ENCRYPTED PRIVATE KEY" => Err(format!(
            "the key is encrypted; decrypt it first, for example with openssl pkcs8 \
             -in {file} -out key.pem"
        )),
        "EC PRIVATE KEY" => Err(format!(
            "the key is in SEC1 form, which ring does not read; convert it with \
             openssl pkcs8 -topk8 -nocrypt -in {file} -out key.pem"
        )),
        "PUBLIC KEY" | "CERTIFICATE" => Err(format!(
            "the file contains a {label}; signing needs a private key"
        )),
        other => Err(format!(
            "PEM label {other:?} is not supported; expected PRIVATE KEY"
        )),
    }
}

/// Reads a DER private key: PKCS#8 for RSA, P-256, P-384 or Ed25519, or PKCS#1 RSA.
fn from_der(der: &[u8]) -> Result<KeyPair, String> {
    let rng = SystemRandom::new();
    let rejected = |kind: &str, error: KeyRejected| format!("ring rejected the {kind}: {error}");
    let rsa_rejected = |kind: &str, error: KeyRejected| {
        format!("ring rejected the {kind}: {error} (ring signs with RSA keys of 2048 to 4096 bits)")
    };

    match der::pkcs8_algorithm(der) {
        Some(Pkcs8Algorithm::Rsa) => RsaKeyPair::from_pkcs8(der)
            .map(KeyPair::Rsa)
            .map_err(|e| rsa_rejected("RSA key in PKCS#8", e)),
        Some(Pkcs8Algorithm::P256) => {
            let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
            EcdsaKeyPair::from_pkcs8(alg, der, &rng)
                .map(KeyPair::P256)
                .map_err(|e| rejected("EC P-256 key in PKCS#8", e))
        }
        Some(Pkcs8Algorithm::P384) => {
            let alg = &signature::ECDSA_P384_SHA384_FIXED_SIGNING;
            EcdsaKeyPair::from_pkcs8(alg, der, &rng)
                .map(KeyPair::P384)
                .map_err(|e| rejected("EC P-384 key in PKCS#8", e))
        }
        Some(Pkcs8Algorithm::Ed25519) => Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map(KeyPair::Ed25519)
            .map_err(|e| rejected("Ed25519 key in PKCS#8", e)),
        Some(Pkcs8Algorithm::Other) => {
            let reason = "the PKCS#8 key is of a type or curve tokenguard does not sign \
                          with; expected RSA, P-256, P-384 or Ed25519";
            Err(reason.into())
        }
        // Not PKCS#8: the other DER form ring reads is a PKCS#1 RSAPrivateKey.
        // Not PKCS#8: the other DER form ring reads is a PKCS#1 RSAPrivateKey, and
        // any reason but InvalidEncoding means the file is one.
        None => RsaKeyPair::from_der(der)
            .map(KeyPair::Rsa)
            .map_err(|error| {
                if error.to_string() != "InvalidEncoding" {
                    return rsa_rejected("RSA key in PKCS#1", error);
                }
                "the file is not a private key tokenguard can read: expected a private JWK, \
             or an unencrypted RSA, P-256, P-384 or Ed25519 key in PKCS#8 (DER or PEM)"
                    .to_string()
            }),
    }
}
