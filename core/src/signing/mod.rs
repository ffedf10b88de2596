//! Signing keys and compact JWS creation (RFC 7515 section 7.1), for the tokens a
//! service makes itself: client assertions, DPoP proofs and test tokens.
//!
//! A [`SigningKey`] reads a private JWK or a PKCS#8 or PKCS#1 DER key, or wraps an
//! HMAC secret. Every key is checked twice: ring checks the private members when
//! it loads them, and the public half must pass the same checks as a key of a
//! [`JwkSet`](crate::JwkSet), so a key made here always verifies there.
//!
//! Randomness: Ed25519, RSASSA-PKCS1-v1_5 and HMAC signatures are deterministic.
//! ECDSA and RSA-PSS signatures and [`SigningKey::generate`] take randomness from
//! ring's system random number generator. ring 0.17.14 provides it without `std`
//! on the operating systems it supports, and a caller cannot supply another
//! source. Random values that go into a token, such as a `jti`, come from the
//! caller.

mod der;
mod json_writer;

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

pub(crate) use json_writer::ObjectWriter;

use crate::alg::{AlgSet, Algorithm, Family};
use crate::base64url;
use crate::crypto::{self, PrivateKey, PublicKey, RsaPrivateMembers};
use crate::error::{Error, KeyFault, MismatchReason, Part};
use crate::json::{self, JsonStr, Object, Value};
use crate::jwk::{Jwk, Thumbprint};
use der::Pkcs8Algorithm;

/// Largest private key accepted, in bytes, as a JWK or DER: a private JWK of a
/// 4096-bit RSA key, the largest ring signs with, is about 3.2 KB.
pub const MAX_PRIVATE_KEY_BYTES: usize = 16 * 1024;

/// Smallest RSA modulus ring 0.17 signs with, in bits.
const MIN_RSA_SIGNING_BITS: usize = 2048;

/// Largest RSA modulus ring 0.17 signs with, in bits.
const MAX_RSA_SIGNING_BITS: usize = 4096;

/// A private key or HMAC secret that signs tokens.
///
/// It carries the `kid` and `alg` of a private JWK, which [`sign_jws`](Self::sign_jws)
/// does not add by itself: pass them in [`HeaderParams`].
pub struct SigningKey {
    key: PrivateKey,
    /// The checked public half; `None` for an HMAC secret.
    public: Option<Jwk>,
    kid: Option<Box<str>>,
    alg: Option<Algorithm>,
}

/// The type of a [`SigningKey`], as its JWK `kty` and `crv` name it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// An RSA key (`kty` `RSA`).
    Rsa,
    /// An EC key on P-256 (`kty` `EC`, `crv` `P-256`).
    EcP256,
    /// An EC key on P-384 (`kty` `EC`, `crv` `P-384`).
    EcP384,
    /// An Ed25519 key (`kty` `OKP`, `crv` `Ed25519`).
    Ed25519,
    /// An HMAC secret (`kty` `oct`).
    Hmac,
}

/// The header members [`SigningKey::sign_jws`] writes besides `alg`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeaderParams<'a> {
    /// The `typ`, such as `at+jwt`, `JWT` or `dpop+jwt`; left out when `None`.
    pub typ: Option<&'a str>,
    /// The `kid`; left out when `None`.
    pub kid: Option<&'a str>,
    /// Whether to write the public key as the `jwk` member, as a DPoP proof needs
    /// (RFC 9449 section 4.2). The embedded JWK has only the members the RFC 7638
    /// thumbprint covers.
    pub embed_jwk: bool,
}

/// A key made by [`SigningKey::generate`], with the private member it can export.
pub struct GeneratedKey {
    key: SigningKey,
    /// `d` of the private JWK: the EC private scalar or the Ed25519 seed.
    d: Box<[u8]>,
}

impl KeyType {
    /// Returns every algorithm a key of this type can sign with.
    pub fn algorithms(self) -> AlgSet {
        AlgSet::of_family(self.family())
    }

    const fn family(self) -> Family {
        match self {
            Self::Rsa => Family::Rsa,
            Self::EcP256 => Family::P256,
            Self::EcP384 => Family::P384,
            Self::Ed25519 => Family::Ed25519,
            Self::Hmac => Family::Hmac,
        }
    }

    const fn of(family: Family) -> Self {
        match family {
            Family::Rsa => Self::Rsa,
            Family::P256 => Self::EcP256,
            Family::P384 => Self::EcP384,
            Family::Ed25519 => Self::Ed25519,
            Family::Hmac => Self::Hmac,
        }
    }
}

impl SigningKey {
    /// Reads a private JWK: EC on P-256 or P-384 with `d`, OKP Ed25519 with `d`,
    /// or RSA with `d`, `p`, `q`, `dp`, `dq` and `qi` (RFC 7518 sections 6.2.2 and
    /// 6.3.2, RFC 8037 section 2).
    ///
    /// The key keeps the JWK's `kid` and `alg`. A `use` other than `sig`, or a
    /// `key_ops` without `sign`, rejects the key. An `oct` JWK is rejected too:
    /// pass an HMAC secret to [`hmac_secret`](Self::hmac_secret).
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] over [`MAX_PRIVATE_KEY_BYTES`]; [`Error::Malformed`] for
    /// text that is not one strict JSON object; [`Error::InvalidKey`] with
    /// [`KeyFault::PublicOnly`] for a JWK without `d`, [`KeyFault::MissingMember`]
    /// or [`KeyFault::BadMember`] for a missing or invalid member, and
    /// [`KeyFault::PrivateKeyRejected`] or [`KeyFault::RsaSigningLimits`] when the
    /// crypto backend rejects the key; [`Error::KeyMismatch`] for an unsupported key type, an
    /// `alg` of another key type, or a key not for signing;
    /// [`Error::UnsupportedAlg`] for an unknown `alg`; and the errors of
    /// [`Jwk::from_json`] for a public half that a verifier would reject.
    pub fn from_jwk(text: &[u8]) -> Result<Self, Error> {
        check_size(text)?;
        let object =
            json::parse_object(text).map_err(|fault| Error::malformed(Part::Key, fault))?;
        let jwk = PrivateJwk { object };

        let kty = jwk.string("kty")?.ok_or(missing_member("kty"))?;
        let kid = jwk
            .string("kid")?
            .map(|kid| kid.to_string().into_boxed_str());
        let alg = jwk.string("alg")?.map(Algorithm::from_json).transpose()?;
        jwk.check_purpose()?;
        if kty.eq_str("oct") {
            return Err(unsupported_key());
        }
        if object.get("d").is_none() {
            return Err(Error::InvalidKey {
                fault: KeyFault::PublicOnly,
            });
        }

        let key = if kty.eq_str("RSA") {
            jwk.rsa_key()?
        } else if kty.eq_str("EC") {
            jwk.ec_key()?
        } else if kty.eq_str("OKP") {
            jwk.ed25519_key()?
        } else {
            return Err(unsupported_key());
        };
        Self::from_private(key, kid, alg)
    }

    /// Reads a DER private key: PKCS#8 (RFC 5208, RFC 5958) for RSA, P-256, P-384
    /// or Ed25519, or PKCS#1 (RFC 8017 appendix A.1.2) for RSA.
    ///
    /// The key has no `kid` and no `alg`; give it a `kid` with
    /// [`with_kid`](Self::with_kid).
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] over [`MAX_PRIVATE_KEY_BYTES`]; [`Error::InvalidKey`]
    /// with [`KeyFault::UnknownKeyFormat`] for bytes that are neither form,
    /// [`KeyFault::PrivateKeyRejected`] or [`KeyFault::RsaSigningLimits`] when the
    /// crypto backend rejects the key; [`Error::KeyMismatch`] for a PKCS#8 key of another type
    /// or curve.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        check_size(der)?;
        let key = match der::pkcs8_algorithm(der) {
            Some(Pkcs8Algorithm::Rsa) => PrivateKey::rsa_from_pkcs8(der)?,
            Some(Pkcs8Algorithm::P256) => PrivateKey::ec_from_pkcs8(Family::P256, der)?,
            Some(Pkcs8Algorithm::P384) => PrivateKey::ec_from_pkcs8(Family::P384, der)?,
            Some(Pkcs8Algorithm::Ed25519) => PrivateKey::ed25519_from_pkcs8(der)?,
            Some(Pkcs8Algorithm::Other) => return Err(unsupported_key()),
            None => PrivateKey::rsa_from_pkcs1(der).unwrap_or(Err(Error::InvalidKey {
                fault: KeyFault::UnknownKeyFormat,
            }))?,
        };
        Self::from_private(key, None, None)
    }

    /// Wraps an HMAC secret for `alg`, which must be HS256, HS384 or HS512.
    ///
    /// # Errors
    ///
    /// [`Error::KeyMismatch`] when `alg` is not an HS\* algorithm, and
    /// [`Error::WeakKey`] when `secret` is shorter than the hash output, which RFC
    /// 7518 section 3.2 forbids and every verifier here rejects.
    pub fn hmac_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        let min = alg.min_secret_len();
        if alg.family() == Family::Hmac && secret.len() < min {
            return Err(Error::WeakKey {
                weakness: crate::error::Weakness::ShortSecret {
                    len: secret.len(),
                    min,
                },
            });
        }
        Self::hmac_secret_of_any_length(alg, secret)
    }

    /// Wraps an HMAC secret of any length for `alg`, which must be an HS\*
    /// algorithm.
    ///
    /// This exists to make test tokens that a verifier must reject as weak; use
    /// [`hmac_secret`](Self::hmac_secret) for everything else.
    ///
    /// # Errors
    ///
    /// [`Error::KeyMismatch`] when `alg` is not an HS\* algorithm.
    pub fn hmac_secret_of_any_length(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        let key = PrivateKey::hmac(alg, secret).ok_or(Error::KeyMismatch {
            reason: MismatchReason::Algorithm,
        })?;
        Ok(Self {
            key,
            public: None,
            kid: None,
            alg: Some(alg),
        })
    }

    /// Generates a key for `alg`: ES256 (P-256), ES384 (P-384), or EdDSA or
    /// Ed25519 (both Ed25519). The key is bound to `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for another algorithm (ring cannot generate RSA
    /// keys), and [`Error::SigningFailed`] when the system random number
    /// generator fails.
    pub fn generate(alg: Algorithm) -> Result<GeneratedKey, Error> {
        let (key, d) = match alg.family() {
            family @ (Family::P256 | Family::P384) => {
                let pkcs8 = crypto::generate_ec_pkcs8(family)?;
                let key = PrivateKey::ec_from_pkcs8(family, &pkcs8)?;
                let d = der::ec_private_key(&pkcs8).ok_or(Error::SigningFailed)?;
                (key, Box::from(d))
            }
            Family::Ed25519 => {
                // RFC 8037 section 2: d is the 32-byte seed the key is derived from.
                let mut seed = [0; 32];
                crypto::fill_random(&mut seed)?;
                (PrivateKey::ed25519_from_seed_only(&seed)?, Box::from(seed))
            }
            Family::Rsa | Family::Hmac => {
                return Err(Error::InvalidConfig {
                    field: "alg",
                    reason: "keys can be generated for ES256, ES384, EdDSA and Ed25519 only",
                })
            }
        };
        Ok(GeneratedKey {
            key: Self::from_private(key, None, Some(alg))?,
            d,
        })
    }

    /// Returns this key with `kid`.
    #[must_use]
    pub fn with_kid(self, kid: &str) -> Self {
        Self {
            kid: Some(kid.into()),
            ..self
        }
    }

    /// Returns the `kid` of the private JWK, or the one given to
    /// [`with_kid`](Self::with_kid).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Returns the `alg` the key is bound to: a private JWK's `alg`, the algorithm
    /// of an HMAC secret or of a generated key.
    pub const fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// Returns the key's type.
    pub const fn key_type(&self) -> KeyType {
        KeyType::of(self.key.family())
    }

    /// Returns the algorithms this key may sign with: its `alg`, or every
    /// algorithm of its type.
    pub fn algorithms(&self) -> AlgSet {
        match self.alg {
            Some(alg) => AlgSet::EMPTY.with(alg),
            None => self.key_type().algorithms(),
        }
    }

    /// Returns the algorithm to sign with when the caller names none: the key's
    /// `alg`, else ES256 or ES384 for an EC key and EdDSA for Ed25519. Returns
    /// `None` for an RSA key without `alg`, whose padding and hash must be chosen.
    pub const fn default_algorithm(&self) -> Option<Algorithm> {
        match (self.alg, self.key.family()) {
            (Some(alg), _) => Some(alg),
            (None, Family::P256) => Some(Algorithm::ES256),
            (None, Family::P384) => Some(Algorithm::ES384),
            (None, Family::Ed25519) => Some(Algorithm::EdDSA),
            (None, Family::Rsa | Family::Hmac) => None,
        }
    }

    /// Returns the public JWK as one line of JSON: `kty`, `crv`, then `kid` and
    /// `alg` when given, `use` `sig`, and the public key members.
    ///
    /// Returns `None` for an HMAC secret, which has no public half.
    pub fn public_jwk(&self, kid: Option<&str>, alg: Option<Algorithm>) -> Option<String> {
        let public = self.key.public_key()?;
        let mut writer = ObjectWriter::default();
        write_key_type(&mut writer, &public, self.key.family());
        writer
            .optional("kid", kid)
            .string("use", "sig")
            .optional("alg", alg.map(Algorithm::name));
        write_public_members(&mut writer, &public);
        Some(writer.finish())
    }

    /// Returns the RFC 7638 thumbprint of the public key, or `None` for an HMAC
    /// secret.
    pub fn thumbprint(&self) -> Option<Thumbprint> {
        self.public.as_ref().map(Jwk::thumbprint)
    }

    /// Signs `message` under `alg` and returns the JWS signature bytes (ECDSA as
    /// the fixed-width `R || S` of RFC 7518 section 3.4).
    ///
    /// # Errors
    ///
    /// [`Error::KeyMismatch`] when `alg` is not one of [`algorithms`](Self::algorithms),
    /// and [`Error::SigningFailed`].
    pub fn sign(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, Error> {
        if !self.algorithms().contains(alg) {
            return Err(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            });
        }
        self.key.sign(alg, message)
    }

    /// Signs `payload` into a compact JWS with a header of `alg` and `header`'s
    /// members, in that order.
    ///
    /// The payload is used as given; for a JWT it is the claims object's JSON text.
    ///
    /// # Errors
    ///
    /// The errors of [`sign`](Self::sign), and [`Error::KeyMismatch`] when
    /// `header.embed_jwk` is set for an HMAC secret, which has no public key.
    pub fn sign_jws(
        &self,
        alg: Algorithm,
        header: &HeaderParams<'_>,
        payload: &[u8],
    ) -> Result<String, Error> {
        let mut writer = ObjectWriter::default();
        writer
            .string("alg", alg.name())
            .optional("typ", header.typ)
            .optional("kid", header.kid);
        if header.embed_jwk {
            let public = self.key.public_key().ok_or(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            })?;
            let mut jwk = ObjectWriter::default();
            write_key_type(&mut jwk, &public, self.key.family());
            write_public_members(&mut jwk, &public);
            writer.raw("jwk", &jwk.finish());
        }
        let header_json = writer.finish();

        let mut token = String::new();
        base64url::encode_to(&mut token, header_json.as_bytes());
        token.push('.');
        base64url::encode_to(&mut token, payload);
        let signature = self.sign(alg, token.as_bytes())?;
        token.push('.');
        base64url::encode_to(&mut token, &signature);
        Ok(token)
    }

    /// Checks the public half and the `alg` binding of a loaded key.
    fn from_private(
        key: PrivateKey,
        kid: Option<Box<str>>,
        alg: Option<Algorithm>,
    ) -> Result<Self, Error> {
        if alg.is_some_and(|alg| alg.family() != key.family()) {
            return Err(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            });
        }
        let mut signing_key = Self {
            key,
            public: None,
            kid,
            alg,
        };
        if let Some(text) = signing_key.public_jwk(None, None) {
            signing_key.public = Some(Jwk::from_json(text.as_bytes())?);
        }
        Ok(signing_key)
    }
}

/// Writes the key's type only, never its secret.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_type", &self.key_type())
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl GeneratedKey {
    /// Returns the key.
    pub const fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Returns the key, dropping the exportable private member.
    pub fn into_signing_key(self) -> SigningKey {
        self.key
    }

    /// Returns the private JWK as one line of JSON: the members of
    /// [`SigningKey::public_jwk`] with the key's `alg`, then `d`.
    ///
    /// The text contains the private key; store it as a secret.
    pub fn private_jwk(&self, kid: Option<&str>) -> String {
        let public = self.key.public_jwk(kid, self.key.alg).unwrap_or_default();
        let mut d = ObjectWriter::default();
        let d = d.encoded("d", &self.d).finish();
        // Both are one-line objects, `{...}` and `{"d":"..."}`, joined into one.
        let without_close = public.strip_suffix('}').unwrap_or(&public);
        let member = d.strip_prefix('{').unwrap_or(&d);
        let mut text = String::from(without_close);
        text.push(',');
        text.push_str(member);
        text
    }
}

/// Writes the key's type only, never its secret.
impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The members of a private JWK, read with their types checked.
struct PrivateJwk<'a> {
    object: Object<'a>,
}

impl<'a> PrivateJwk<'a> {
    fn string(&self, name: &'static str) -> Result<Option<JsonStr<'a>>, Error> {
        match self.object.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(bad_member(name)),
        }
    }

    /// Decodes the base64url member `name`.
    fn bytes(&self, name: &'static str) -> Result<Vec<u8>, Error> {
        self.string(name)?
            .ok_or(missing_member(name))?
            .as_plain()
            .and_then(base64url::decode_to_vec)
            .ok_or(bad_member(name))
    }

    /// Decodes the member `name`, which must be `len` bytes long.
    fn fixed_bytes(&self, name: &'static str, len: usize) -> Result<Vec<u8>, Error> {
        let bytes = self.bytes(name)?;
        if bytes.len() != len {
            return Err(bad_member(name));
        }
        Ok(bytes)
    }

    /// Rejects keys whose `use` or `key_ops` excludes signing (RFC 7517 sections
    /// 4.2 and 4.3).
    fn check_purpose(&self) -> Result<(), Error> {
        let not_for_signing = Error::KeyMismatch {
            reason: MismatchReason::NotForSignatures,
        };
        if self
            .string("use")?
            .is_some_and(|usage| !usage.eq_str("sig"))
        {
            return Err(not_for_signing);
        }
        match self.object.get("key_ops") {
            None => Ok(()),
            Some(Value::Array(ops)) => {
                let mut allows_sign = false;
                for op in ops.iter() {
                    let Value::String(op) = op else {
                        return Err(bad_member("key_ops"));
                    };
                    allows_sign |= op.eq_str("sign");
                }
                if allows_sign {
                    Ok(())
                } else {
                    Err(not_for_signing)
                }
            }
            Some(_) => Err(bad_member("key_ops")),
        }
    }

    fn curve(&self) -> Result<JsonStr<'a>, Error> {
        self.string("crv")?.ok_or(missing_member("crv"))
    }

    fn ec_key(&self) -> Result<PrivateKey, Error> {
        let crv = self.curve()?;
        let (family, len) = if crv.eq_str("P-256") {
            (Family::P256, 32)
        } else if crv.eq_str("P-384") {
            (Family::P384, 48)
        } else {
            return Err(unsupported_key());
        };
        // RFC 7518 section 6.2.2.1: d is as long as a coordinate, like x and y.
        let d = self.fixed_bytes("d", len)?;
        let mut point = Vec::with_capacity(1 + 2 * len);
        point.push(0x04);
        point.extend(self.fixed_bytes("x", len)?);
        point.extend(self.fixed_bytes("y", len)?);
        PrivateKey::ec_from_scalar(family, &d, &point)
    }

    fn ed25519_key(&self) -> Result<PrivateKey, Error> {
        if !self.curve()?.eq_str("Ed25519") {
            return Err(unsupported_key());
        }
        let seed = self.fixed_bytes("d", 32)?;
        let x = self.fixed_bytes("x", 32)?;
        PrivateKey::ed25519_from_seed(&seed, &x)
    }

    fn rsa_key(&self) -> Result<PrivateKey, Error> {
        // ring signs with two-prime keys only.
        if self.object.get("oth").is_some() {
            return Err(unsupported_key());
        }
        let n = self.bytes("n")?;
        // Checked here because ring names a modulus of the wrong size only as an
        // invalid component.
        let zeros = n.iter().take_while(|byte| **byte == 0).count();
        let bits = n.get(zeros..).map_or(0, bit_length);
        if !(MIN_RSA_SIGNING_BITS..=MAX_RSA_SIGNING_BITS).contains(&bits) {
            return Err(Error::InvalidKey {
                fault: KeyFault::RsaSigningLimits,
            });
        }
        let e = self.bytes("e")?;
        let d = self.bytes("d")?;
        let p = self.bytes("p")?;
        let q = self.bytes("q")?;
        let dp = self.bytes("dp")?;
        let dq = self.bytes("dq")?;
        let qi = self.bytes("qi")?;
        PrivateKey::rsa_from_members(&RsaPrivateMembers {
            n: &n,
            e: &e,
            d: &d,
            p: &p,
            q: &q,
            dp: &dp,
            dq: &dq,
            qi: &qi,
        })
    }
}

fn write_key_type(writer: &mut ObjectWriter, public: &PublicKey, family: Family) {
    match public {
        PublicKey::Rsa { .. } => writer.string("kty", "RSA"),
        PublicKey::Ec { .. } => {
            let crv = if family == Family::P256 {
                "P-256"
            } else {
                "P-384"
            };
            writer.string("kty", "EC").string("crv", crv)
        }
        PublicKey::Ed25519(_) => writer.string("kty", "OKP").string("crv", "Ed25519"),
    };
}

fn write_public_members(writer: &mut ObjectWriter, public: &PublicKey) {
    match public {
        PublicKey::Rsa { n, e } => writer.encoded("n", n).encoded("e", e),
        PublicKey::Ec { x, y } => writer.encoded("x", x).encoded("y", y),
        PublicKey::Ed25519(x) => writer.encoded("x", x),
    };
}

fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        None => 0,
        Some(first) => bytes.len() * 8 - usize::try_from(first.leading_zeros()).unwrap_or(8),
    }
}

fn check_size(input: &[u8]) -> Result<(), Error> {
    if input.len() > MAX_PRIVATE_KEY_BYTES {
        return Err(Error::TooLarge {
            len: input.len(),
            max: MAX_PRIVATE_KEY_BYTES,
        });
    }
    Ok(())
}

fn unsupported_key() -> Error {
    Error::KeyMismatch {
        reason: MismatchReason::UnsupportedKey,
    }
}

fn missing_member(member: &'static str) -> Error {
    Error::InvalidKey {
        fault: KeyFault::MissingMember { member },
    }
}

fn bad_member(member: &'static str) -> Error {
    Error::InvalidKey {
        fault: KeyFault::BadMember { member },
    }
}
