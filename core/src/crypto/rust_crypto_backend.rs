//! Verification through the RustCrypto crates: `rsa`, `p256`, `p384`,
//! `ed25519-dalek`, `hmac` and `sha2`, all pure Rust and without `std`.
//!
//! Each primitive is configured to reach ring's verdicts:
//!
//! - ECDSA accepts both low and high `s`, and only the fixed-width `R || S` form.
//! - Ed25519 rejects a non-canonical `s` and compares the encoding of `R` byte for
//!   byte. It skips the extra small-order checks of `verify_strict`, because the JWK
//!   layer already rejects small-order public keys.
//! - RSA-PSS requires a salt as long as the hash.
//! - RSA takes 2048 to 8192-bit moduli and signatures exactly as long as the modulus.

use alloc::boxed::Box;

use ed25519_dalek::Verifier as _;
use hmac::{KeyInit as _, Mac as _};
use rsa::traits::SignatureScheme;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::{hmac_index, per_hmac_algorithm, KeyMaterial};
use crate::alg::{AlgSet, Algorithm};
use crate::error::{Error, KeyFault};

/// The RSA modulus sizes every backend verifies with, in bits.
const RSA_BITS: core::ops::RangeInclusive<usize> = 2048..=8192;

/// A key parsed by the RustCrypto crates.
pub(super) enum Prepared {
    Hmac(Box<[Option<HmacKey>; 3]>),
    Rsa(Box<rsa::PublicKey>),
    P256(Box<p256::ecdsa::VerifyingKey>),
    P384(Box<p384::ecdsa::VerifyingKey>),
    Ed25519(Box<ed25519_dalek::VerifyingKey>),
}

/// An HMAC key with its hash.
pub(super) enum HmacKey {
    Sha256(hmac::Hmac<Sha256>),
    Sha384(hmac::Hmac<Sha384>),
    Sha512(hmac::Hmac<Sha512>),
}

impl Prepared {
    /// Parses `material` for the algorithms in `algorithms`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when a RustCrypto crate refuses the key.
    pub(super) fn new(material: &KeyMaterial, algorithms: AlgSet) -> Result<Self, Error> {
        Ok(match material {
            KeyMaterial::Hmac(secret) => {
                let keys = per_hmac_algorithm(algorithms, |alg| HmacKey::new(alg, secret));
                if keys.iter().flatten().any(Option::is_none) {
                    return Err(Error::InvalidKey {
                        fault: KeyFault::BadMember { member: "k" },
                    });
                }
                Self::Hmac(Box::new(keys.map(Option::flatten)))
            }
            KeyMaterial::Rsa { n, e } => {
                let n = rsa::BoxedUint::from_be_slice_vartime(n);
                let e = rsa::BoxedUint::from_be_slice_vartime(e);
                let key = rsa::PublicKey::new_with_size_limits(n, e, RSA_BITS)
                    .map_err(refused(KeyFault::BadModulus))?;
                Self::Rsa(Box::new(key))
            }
            KeyMaterial::P256(point) => Self::P256(Box::new(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&point[..])
                    .map_err(refused(KeyFault::NotOnCurve))?,
            )),
            KeyMaterial::P384(point) => Self::P384(Box::new(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&point[..])
                    .map_err(refused(KeyFault::NotOnCurve))?,
            )),
            KeyMaterial::Ed25519(point) => Self::Ed25519(Box::new(
                ed25519_dalek::VerifyingKey::from_bytes(point)
                    .map_err(refused(KeyFault::SmallOrderPoint))?,
            )),
        })
    }

    /// Returns whether `sig` is a valid signature of `message` under `alg`. HMAC
    /// tags are compared in constant time by `hmac`'s `verify_slice`.
    pub(super) fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> bool {
        match (self, alg) {
            (Self::Hmac(keys), _) => hmac_index(alg)
                .and_then(|index| keys[index].as_ref())
                .is_some_and(|key| key.verify(message, sig)),
            (Self::Rsa(key), _) => verify_rsa(key, alg, message, sig),
            (Self::P256(key), Algorithm::ES256) => p256::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            (Self::P384(key), Algorithm::ES384) => p384::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            (Self::Ed25519(key), Algorithm::EdDSA | Algorithm::Ed25519) => {
                ed25519_dalek::Signature::from_slice(sig)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok())
            }
            _ => false,
        }
    }
}

impl HmacKey {
    fn new(alg: Algorithm, secret: &[u8]) -> Option<Self> {
        Some(match alg {
            Algorithm::HS384 => Self::Sha384(hmac::Hmac::new_from_slice(secret).ok()?),
            Algorithm::HS512 => Self::Sha512(hmac::Hmac::new_from_slice(secret).ok()?),
            _ => Self::Sha256(hmac::Hmac::new_from_slice(secret).ok()?),
        })
    }

    fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        match self {
            Self::Sha256(key) => key.clone().chain_update(message).verify_slice(tag).is_ok(),
            Self::Sha384(key) => key.clone().chain_update(message).verify_slice(tag).is_ok(),
            Self::Sha512(key) => key.clone().chain_update(message).verify_slice(tag).is_ok(),
        }
    }
}

/// Maps a crate's refusal of a key to `fault`.
fn refused<E>(fault: KeyFault) -> impl FnOnce(E) -> Error {
    move |_| Error::InvalidKey { fault }
}

fn verify_rsa(key: &rsa::PublicKey, alg: Algorithm, message: &[u8], sig: &[u8]) -> bool {
    // RFC 8017 sections 8.1.2 and 8.2.2: the signature is exactly as long as the
    // modulus.
    if sig.len() != rsa::traits::PublicKeyParts::size(key) {
        return false;
    }
    match alg {
        Algorithm::RS256 => rsa_check(
            key,
            rsa::Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(message),
            sig,
        ),
        Algorithm::RS384 => rsa_check(
            key,
            rsa::Pkcs1v15Sign::new::<Sha384>(),
            &Sha384::digest(message),
            sig,
        ),
        Algorithm::RS512 => rsa_check(
            key,
            rsa::Pkcs1v15Sign::new::<Sha512>(),
            &Sha512::digest(message),
            sig,
        ),
        Algorithm::PS256 => rsa_check(
            key,
            rsa::Pss::<Sha256>::new(),
            &Sha256::digest(message),
            sig,
        ),
        Algorithm::PS384 => rsa_check(
            key,
            rsa::Pss::<Sha384>::new(),
            &Sha384::digest(message),
            sig,
        ),
        Algorithm::PS512 => rsa_check(
            key,
            rsa::Pss::<Sha512>::new(),
            &Sha512::digest(message),
            sig,
        ),
        _ => false,
    }
}

fn rsa_check(
    key: &rsa::PublicKey,
    scheme: impl SignatureScheme,
    hashed: &[u8],
    sig: &[u8],
) -> bool {
    key.verify(scheme, hashed, sig).is_ok()
}
