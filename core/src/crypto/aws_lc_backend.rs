//! Verification through aws-lc-rs, with keys parsed once when the JWK is read.

use alloc::boxed::Box;

use aws_lc_rs::{hmac, signature};

use super::{hmac_index, per_hmac_algorithm, KeyMaterial, RSA_ALGORITHMS};
use crate::alg::{AlgSet, Algorithm};
use crate::error::{Error, KeyFault};

/// A key parsed by aws-lc-rs.
///
/// aws-lc-rs binds a parsed RSA key to one algorithm, so an RSA key keeps one parsed
/// copy per algorithm it serves, in the order of [`RSA_ALGORITHMS`]. The key-size
/// range of each algorithm (2048 to 8192 bits) is checked again at verification.
pub(super) enum Prepared {
    Hmac(Box<[Option<hmac::Key>; 3]>),
    Rsa(Box<[Option<signature::ParsedPublicKey>; 6]>),
    Ec {
        alg: Algorithm,
        key: signature::ParsedPublicKey,
    },
}

impl Prepared {
    /// Parses `material` for the algorithms in `algorithms`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when aws-lc-rs refuses the key.
    pub(super) fn new(material: &KeyMaterial, algorithms: AlgSet) -> Result<Self, Error> {
        let ec = |alg, verification, point: &[u8], fault| {
            signature::ParsedPublicKey::new(verification, point)
                .map(|key| Self::Ec { alg, key })
                .map_err(|_| Error::InvalidKey { fault })
        };
        match material {
            KeyMaterial::Hmac(secret) => Ok(Self::Hmac(per_hmac_algorithm(algorithms, |alg| {
                hmac::Key::new(hmac_algorithm(alg), secret)
            }))),
            KeyMaterial::Rsa { n, e } => {
                let components = signature::RsaPublicKeyComponents { n, e };
                let mut keys = Box::new([None, None, None, None, None, None]);
                for (slot, alg) in keys.iter_mut().zip(RSA_ALGORITHMS) {
                    if algorithms.contains(alg) {
                        let parsed = components
                            .to_parsed_public_key(rsa_parameters(alg))
                            .map_err(|_| Error::InvalidKey {
                                fault: KeyFault::BadModulus,
                            })?;
                        *slot = Some(parsed);
                    }
                }
                Ok(Self::Rsa(keys))
            }
            KeyMaterial::P256(point) => ec(
                Algorithm::ES256,
                &signature::ECDSA_P256_SHA256_FIXED,
                &point[..],
                KeyFault::NotOnCurve,
            ),
            KeyMaterial::P384(point) => ec(
                Algorithm::ES384,
                &signature::ECDSA_P384_SHA384_FIXED,
                &point[..],
                KeyFault::NotOnCurve,
            ),
            KeyMaterial::Ed25519(point) => ec(
                Algorithm::EdDSA,
                &signature::ED25519,
                point,
                KeyFault::SmallOrderPoint,
            ),
        }
    }

    /// Returns whether `sig` is a valid signature of `message` under `alg`.
    /// aws-lc-rs compares HMAC tags in constant time.
    pub(super) fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> bool {
        let key = match self {
            Self::Hmac(keys) => {
                return hmac_index(alg)
                    .and_then(|index| keys[index].as_ref())
                    .is_some_and(|key| hmac::verify(key, message, sig).is_ok())
            }
            Self::Rsa(keys) => RSA_ALGORITHMS
                .iter()
                .position(|candidate| *candidate == alg)
                .and_then(|index| keys[index].as_ref()),
            // The Ed25519 key serves both of its names.
            Self::Ec { alg: own, key } => {
                let same = *own == alg || (*own == Algorithm::EdDSA && alg == Algorithm::Ed25519);
                same.then_some(key)
            }
        };
        key.is_some_and(|key| key.verify_sig(message, sig).is_ok())
    }
}

fn hmac_algorithm(alg: Algorithm) -> hmac::Algorithm {
    match alg {
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    }
}

/// Returns aws-lc-rs's parameters for an RSA algorithm: 2048 to 8192-bit moduli.
fn rsa_parameters(alg: Algorithm) -> &'static signature::RsaParameters {
    match alg {
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => &signature::RSA_PKCS1_2048_8192_SHA256,
    }
}
