//! JSON Web Keys (RFC 7517, RFC 7518 section 6, RFC 8037) for signature verification.

mod checks;
mod set;

use alloc::boxed::Box;
use alloc::string::ToString;

pub use set::{JwkSet, RejectedKey, MAX_CANDIDATES_WITHOUT_KID, MAX_KEYS, MAX_KEY_SET_BYTES};

use crate::alg::{AlgSet, Algorithm, Family};
use crate::base64url;
use crate::crypto::{Backend, KeyMaterial, Sha256, VerifyingKey};
use crate::error::{Error, KeyFault, MismatchReason, Part, Weakness};
use crate::json::{self, JsonStr, Object, Value};
use checks::Curve;

/// Minimum RSA modulus length in bits (RFC 7518 section 3.3).
const MIN_RSA_BITS: usize = 2048;

/// Maximum RSA modulus length in bits, the largest ring verifies.
const MAX_RSA_BITS: usize = 8192;

/// Largest RSA public exponent ring accepts, `2^33 - 1`.
const MAX_RSA_EXPONENT: u64 = (1 << 33) - 1;

/// JWK members that only private or secret keys have (RFC 7518 sections 6.2.2, 6.3.2).
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/// A public key or HMAC secret that may verify signatures.
///
/// A key is bound to its JWK `alg` when the JWK names one, and otherwise to every
/// algorithm of its family (RSA: RS\* and PS\*; EC P-256: ES256; EC P-384: ES384;
/// OKP Ed25519: EdDSA and Ed25519; oct: the HS\* whose hash is no longer than the
/// secret). A policy can narrow that further but never widen it.
pub struct Jwk {
    kid: Option<Box<str>>,
    algorithms: AlgSet,
    /// HMAC algorithms of an alg-less secret that is too short for them.
    too_short_for: AlgSet,
    key: VerifyingKey,
}

/// The RFC 7638 SHA-256 thumbprint of a key.
pub type Thumbprint = [u8; 32];

impl Jwk {
    /// Reads one public JWK from its JSON text.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] when the text is not a strict JSON object;
    /// [`Error::InvalidKey`] for private members or broken key material;
    /// [`Error::WeakKey`] for a weak key; [`Error::KeyMismatch`] for a key that is not
    /// for signatures or whose type, curve or algorithm is not supported.
    pub fn from_json(text: &[u8]) -> Result<Self, Error> {
        Self::from_json_with(text, Backend::DEFAULT)
    }

    /// Reads one public JWK from its JSON text, prepared by `backend`.
    ///
    /// # Errors
    ///
    /// As [`Jwk::from_json`].
    pub fn from_json_with(text: &[u8], backend: Backend) -> Result<Self, Error> {
        let object =
            json::parse_object(text).map_err(|fault| Error::malformed(Part::Key, fault))?;
        if has_private_members(object) {
            return Err(Error::InvalidKey {
                fault: KeyFault::PrivateMembers,
            });
        }
        Self::from_object(object, backend).map_err(|rejected| rejected.error)
    }

    /// Builds an HMAC key from a configured secret, bound to `alg`.
    ///
    /// HMAC secrets belong in configuration, not in a published key set; this is how
    /// they reach a [`JwkSet`]. The key is prepared by [`Backend::DEFAULT`], and
    /// [`Jwk::with_backend`] moves it to another backend.
    ///
    /// # Errors
    ///
    /// [`Error::KeyMismatch`] when `alg` is not an HS\* algorithm, and
    /// [`Error::WeakKey`] when `secret` is shorter than the hash output.
    pub fn hmac_secret(kid: Option<&str>, alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        if alg.family() != Family::Hmac {
            return Err(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            });
        }
        let algorithms = AlgSet::EMPTY.with(alg);
        check_secret_len(secret, algorithms)?;
        let material = KeyMaterial::Hmac(secret.into());
        Ok(Self {
            kid: kid.map(Into::into),
            algorithms,
            too_short_for: AlgSet::EMPTY,
            key: VerifyingKey::new(material, algorithms, Backend::DEFAULT)?,
        })
    }

    /// Returns this key prepared by `backend` instead, with the same `kid` and
    /// algorithms.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when `backend` refuses the key material.
    pub fn with_backend(self, backend: Backend) -> Result<Self, Error> {
        if self.key.backend() == backend {
            return Ok(self);
        }
        Ok(Self {
            key: VerifyingKey::new(self.key.into_material(), self.algorithms, backend)?,
            ..self
        })
    }

    /// Returns the backend that verifies signatures under this key.
    pub const fn backend(&self) -> Backend {
        self.key.backend()
    }

    /// Returns the key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Returns the algorithms this key may verify.
    pub const fn algorithms(&self) -> AlgSet {
        self.algorithms
    }

    /// Returns whether this is an HMAC secret rather than a public key.
    pub const fn is_secret(&self) -> bool {
        matches!(self.key.material(), KeyMaterial::Hmac(_))
    }

    /// Computes the RFC 7638 thumbprint: SHA-256 over the required members in
    /// lexicographic order, with no whitespace.
    pub fn thumbprint(&self) -> Thumbprint {
        // Written out per key type so that the member order of RFC 7638 section 3.2,
        // sorted by name, is visible.
        let mut out = ThumbprintInput::new();
        match self.key.material() {
            KeyMaterial::Rsa { n, e } => {
                out.encoded("e", e);
                out.text("kty", "RSA");
                out.encoded("n", n);
            }
            KeyMaterial::P256(point) => {
                out.text("crv", "P-256");
                out.text("kty", "EC");
                out.encoded("x", &point[1..33]);
                out.encoded("y", &point[33..]);
            }
            KeyMaterial::P384(point) => {
                out.text("crv", "P-384");
                out.text("kty", "EC");
                out.encoded("x", &point[1..49]);
                out.encoded("y", &point[49..]);
            }
            KeyMaterial::Ed25519(x) => {
                out.text("crv", "Ed25519");
                out.text("kty", "OKP");
                out.encoded("x", x);
            }
            KeyMaterial::Hmac(secret) => {
                out.encoded("k", secret);
                out.text("kty", "oct");
            }
        }
        out.finish()
    }

    /// Returns whether this key may verify `alg`.
    pub(crate) const fn allows(&self, alg: Algorithm) -> bool {
        self.algorithms.contains(alg)
    }

    /// Returns whether this is an alg-less HMAC secret too short for `alg`'s hash.
    pub(crate) const fn is_too_short_for(&self, alg: Algorithm) -> bool {
        self.too_short_for.contains(alg)
    }

    /// Returns why this key may not verify `alg`: a secret too short for its hash,
    /// or an algorithm outside the key's binding.
    pub(crate) fn mismatch(&self, alg: Algorithm) -> Error {
        match self.key.material() {
            KeyMaterial::Hmac(secret) if self.is_too_short_for(alg) => Error::WeakKey {
                weakness: Weakness::ShortSecret {
                    len: secret.len(),
                    min: alg.min_secret_len(),
                },
            },
            _ => Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            },
        }
    }

    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        self.key.verify(alg, message, sig)
    }

    /// Reads a key from a checked JSON object, reporting why it cannot be used.
    fn from_object(object: Object<'_>, backend: Backend) -> Result<Self, Rejected> {
        // The kid is read first so that every rejection keeps it. A kid of the wrong
        // type is itself a rejection and cannot be looked up.
        let kid = match object.get("kid") {
            Some(Value::String(kid)) => Some(kid.to_string().into_boxed_str()),
            _ => None,
        };
        let secret = matches!(object.get("kty"), Some(Value::String(kty)) if kty.eq_str("oct"));
        let rejected = |error: Error, algorithms: AlgSet| Rejected {
            kid: kid.clone(),
            algorithms,
            counts_as_signing_key: !matches!(error, Error::KeyMismatch { .. }),
            secret,
            error,
        };

        let members = Members::read(object).map_err(|error| rejected(error, AlgSet::EMPTY))?;
        let family = members.family_algorithms();
        let bound = members
            .algorithms()
            .map_err(|error| rejected(error, family))?;
        let (material, algorithms) = members
            .key_material(bound)
            .map_err(|error| rejected(error, family))?;
        let key = VerifyingKey::new(material, algorithms, backend)
            .map_err(|error| rejected(error, family))?;
        Ok(Self {
            kid,
            algorithms,
            too_short_for: bound.difference(algorithms),
            key,
        })
    }
}

/// A JWK that a set did not keep, with the reason and what the set remembers of it.
pub(crate) struct Rejected {
    pub(crate) kid: Option<Box<str>>,
    /// Algorithms the key would have served, to explain a token that needed it.
    pub(crate) algorithms: AlgSet,
    /// Whether the key was meant for signatures, so that it counts when the set looks
    /// for duplicate kids and mixed secrets. Encryption and unsupported keys do not.
    pub(crate) counts_as_signing_key: bool,
    /// Whether the key is an `oct` secret.
    pub(crate) secret: bool,
    pub(crate) error: Error,
}

/// The members of a JWK, read with their types checked.
struct Members<'a> {
    object: Object<'a>,
    kty: JsonStr<'a>,
    crv: Option<JsonStr<'a>>,
    alg: Option<Result<Algorithm, Error>>,
}

impl<'a> Members<'a> {
    fn read(object: Object<'a>) -> Result<Self, Error> {
        let string = |name: &'static str| match object.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(bad_key_member(name)),
        };

        string("kid")?;
        let kty = string("kty")?.ok_or(missing_member("kty"))?;
        let crv = string("crv")?;
        let alg = string("alg")?.map(Algorithm::from_json);
        let members = Self {
            object,
            kty,
            crv,
            alg,
        };
        members.check_purpose()?;
        Ok(members)
    }

    /// Rejects keys whose `use` or `key_ops` excludes verification (RFC 7517 4.2, 4.3).
    fn check_purpose(&self) -> Result<(), Error> {
        let not_for_signatures = Error::KeyMismatch {
            reason: MismatchReason::NotForSignatures,
        };
        match self.object.get("use") {
            None => {}
            Some(Value::String(usage)) if usage.eq_str("sig") => {}
            Some(Value::String(_)) => return Err(not_for_signatures),
            Some(_) => return Err(bad_key_member("use")),
        }

        match self.object.get("key_ops") {
            None => {}
            Some(Value::Array(ops)) => {
                let mut allows_verify = false;
                for op in ops.iter() {
                    let Value::String(op) = op else {
                        return Err(bad_key_member("key_ops"));
                    };
                    allows_verify |= op.eq_str("verify");
                }
                if !allows_verify {
                    return Err(not_for_signatures);
                }
            }
            Some(_) => return Err(bad_key_member("key_ops")),
        }
        Ok(())
    }

    /// Returns the family the `kty` and `crv` name, or `None` when this library does
    /// not implement it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for an `EC` or `OKP` key without `crv`.
    fn family(&self) -> Result<Option<Family>, Error> {
        let curved = self.kty.eq_str("EC") || self.kty.eq_str("OKP");
        if curved && self.crv.is_none() {
            return Err(missing_member("crv"));
        }

        let crv_is = |name| self.crv.is_some_and(|crv| crv.eq_str(name));
        let family = if self.kty.eq_str("RSA") {
            Family::Rsa
        } else if self.kty.eq_str("oct") {
            Family::Hmac
        } else if self.kty.eq_str("EC") && crv_is("P-256") {
            Family::P256
        } else if self.kty.eq_str("EC") && crv_is("P-384") {
            Family::P384
        } else if self.kty.eq_str("OKP") && crv_is("Ed25519") {
            Family::Ed25519
        } else {
            return Ok(None);
        };
        Ok(Some(family))
    }

    /// Returns every algorithm of the key's family, ignoring `alg`.
    fn family_algorithms(&self) -> AlgSet {
        match self.family() {
            Ok(Some(family)) => AlgSet::of_family(family),
            _ => AlgSet::EMPTY,
        }
    }

    /// Returns the algorithms the key may verify: its `alg`, or its whole family.
    fn algorithms(&self) -> Result<AlgSet, Error> {
        let unsupported = Error::KeyMismatch {
            reason: MismatchReason::UnsupportedKey,
        };
        let family = self.family()?.ok_or(unsupported.clone())?;
        match &self.alg {
            None => Ok(AlgSet::of_family(family)),
            // An encryption or unknown `alg` means the key is not for these signatures.
            Some(Err(_)) => Err(unsupported),
            Some(Ok(alg)) if alg.family() == family => Ok(AlgSet::EMPTY.with(*alg)),
            Some(Ok(_)) => Err(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            }),
        }
    }

    /// Builds the key, returning it with the algorithms it may verify: `algorithms`,
    /// narrowed for an HMAC secret to the hashes it is long enough for.
    fn key_material(&self, algorithms: AlgSet) -> Result<(KeyMaterial, AlgSet), Error> {
        let key = match self.family()? {
            Some(Family::Rsa) => self.rsa_key()?,
            Some(Family::P256) => {
                let mut point = Box::new([0u8; 65]);
                self.ec_point(Curve::P256, &mut point[..])?;
                KeyMaterial::P256(point)
            }
            Some(Family::P384) => {
                let mut point = Box::new([0u8; 97]);
                self.ec_point(Curve::P384, &mut point[..])?;
                KeyMaterial::P384(point)
            }
            Some(Family::Ed25519) => {
                let x = self.bytes("x")?;
                let x: [u8; 32] = x.as_slice().try_into().map_err(|_| bad_key_member("x"))?;
                if checks::is_weak_ed25519_key(&x) {
                    return Err(Error::InvalidKey {
                        fault: KeyFault::SmallOrderPoint,
                    });
                }
                KeyMaterial::Ed25519(x)
            }
            Some(Family::Hmac) => {
                let secret = self.bytes("k")?;
                let long_enough = check_secret_len(&secret, algorithms)?;
                return Ok((KeyMaterial::Hmac(secret.into()), long_enough));
            }
            None => {
                return Err(Error::KeyMismatch {
                    reason: MismatchReason::UnsupportedKey,
                })
            }
        };
        Ok((key, algorithms))
    }

    fn rsa_key(&self) -> Result<KeyMaterial, Error> {
        let n = self.bytes("n")?;
        let e = self.bytes("e")?;
        let n = strip_leading_zeros(&n);
        let e = strip_leading_zeros(&e);

        let bits = bit_length(n);
        if bits > MAX_RSA_BITS || n.last().is_none_or(|byte| byte & 1 == 0) {
            return Err(Error::InvalidKey {
                fault: KeyFault::BadModulus,
            });
        }
        if bits < MIN_RSA_BITS {
            return Err(Error::WeakKey {
                weakness: Weakness::ShortModulus { bits },
            });
        }

        if e.len() > 8 {
            return Err(bad_key_member("e"));
        }
        let exponent = e
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        if exponent < 3 || exponent & 1 == 0 {
            return Err(Error::WeakKey {
                weakness: Weakness::PublicExponent,
            });
        }
        if exponent > MAX_RSA_EXPONENT {
            return Err(bad_key_member("e"));
        }

        if checks::has_roca_fingerprint(n) {
            return Err(Error::WeakKey {
                weakness: Weakness::Roca,
            });
        }
        Ok(KeyMaterial::Rsa {
            n: n.into(),
            e: e.into(),
        })
    }

    /// Writes the uncompressed point `0x04 || x || y` into `point`, checking it.
    fn ec_point(&self, curve: Curve, point: &mut [u8]) -> Result<(), Error> {
        let len = curve.coordinate_len();
        let x = self.bytes("x")?;
        let y = self.bytes("y")?;
        // RFC 7518 section 6.2.1.2: coordinates are full length, leading zeros kept.
        if x.len() != len {
            return Err(bad_key_member("x"));
        }
        if y.len() != len {
            return Err(bad_key_member("y"));
        }
        if !checks::is_on_curve(curve, &x, &y) {
            return Err(Error::InvalidKey {
                fault: KeyFault::NotOnCurve,
            });
        }

        point[0] = 0x04;
        point[1..=len].copy_from_slice(&x);
        point[len + 1..].copy_from_slice(&y);
        Ok(())
    }

    /// Decodes the base64url member `name`.
    fn bytes(&self, name: &'static str) -> Result<alloc::vec::Vec<u8>, Error> {
        match self.object.get(name) {
            None => Err(missing_member(name)),
            Some(Value::String(text)) => text
                .as_plain()
                .and_then(base64url::decode_to_vec)
                .ok_or_else(|| bad_key_member(name)),
            Some(_) => Err(bad_key_member(name)),
        }
    }
}

/// Returns the HMAC algorithms in `algorithms` that `secret` is long enough for.
fn check_secret_len(secret: &[u8], algorithms: AlgSet) -> Result<AlgSet, Error> {
    let long_enough: AlgSet = algorithms
        .iter()
        .filter(|alg| secret.len() >= alg.min_secret_len())
        .collect();
    if long_enough.is_empty() {
        let min = algorithms
            .iter()
            .map(Algorithm::min_secret_len)
            .min()
            .unwrap_or(32);
        return Err(Error::WeakKey {
            weakness: Weakness::ShortSecret {
                len: secret.len(),
                min,
            },
        });
    }
    Ok(long_enough)
}

/// Returns whether a JWK object carries private or secret members.
pub(crate) fn has_private_members(object: Object<'_>) -> bool {
    object
        .members()
        .any(|(name, _)| PRIVATE_MEMBERS.iter().any(|private| name.eq_str(private)))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    &bytes[zeros..]
}

fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        None => 0,
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
    }
}

fn missing_member(member: &'static str) -> Error {
    Error::InvalidKey {
        fault: KeyFault::MissingMember { member },
    }
}

fn bad_key_member(member: &'static str) -> Error {
    Error::InvalidKey {
        fault: KeyFault::BadMember { member },
    }
}

/// The canonical JSON of RFC 7638, hashed as it is written.
struct ThumbprintInput {
    digest: Sha256,
    separator: &'static [u8],
}

impl ThumbprintInput {
    fn new() -> Self {
        Self {
            digest: Sha256::new(),
            separator: b"{",
        }
    }

    /// Writes `"name":"` after the separator.
    fn name(&mut self, name: &str) {
        self.digest.update(self.separator);
        self.separator = b",";
        self.digest.update(b"\"");
        self.digest.update(name.as_bytes());
        self.digest.update(b"\":\"");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.name(name);
        self.digest.update(value.as_bytes());
        self.digest.update(b"\"");
    }

    fn encoded(&mut self, name: &str, value: &[u8]) {
        self.name(name);
        base64url::encode_chunks(value, |piece| self.digest.update(piece));
        self.digest.update(b"\"");
    }

    fn finish(mut self) -> Thumbprint {
        self.digest.update(b"}");
        self.digest.finish()
    }
}
