//! Verification through ring 0.17.

use alloc::boxed::Box;

use ring::{hmac, signature};

use super::{hmac_index, per_hmac_algorithm, KeyMaterial};
use crate::alg::{AlgSet, Algorithm};

/// A key as ring verifies with it.
///
/// ring 0.17 cannot keep a parsed public key: RSA components and EC points are read
/// again from the [`KeyMaterial`] on every verification. Only HMAC keys are prepared,
/// once per hash the key serves.
pub(super) enum Prepared {
    Hmac(Box<[Option<hmac::Key>; 3]>),
    Public,
}

impl Prepared {
    /// Prepares `material` for the algorithms in `algorithms`.
    pub(super) fn new(material: &KeyMaterial, algorithms: AlgSet) -> Self {
        let KeyMaterial::Hmac(secret) = material else {
            return Self::Public;
        };
        Self::Hmac(per_hmac_algorithm(algorithms, |alg| {
            hmac::Key::new(hmac_algorithm(alg), secret)
        }))
    }

    /// Returns whether `sig` is a valid signature of `message` under `alg`. ring
    /// compares HMAC tags in constant time.
    pub(super) fn verify(
        &self,
        material: &KeyMaterial,
        alg: Algorithm,
        message: &[u8],
        sig: &[u8],
    ) -> bool {
        match (self, material, alg) {
            (Self::Hmac(keys), _, _) => hmac_index(alg)
                .and_then(|index| keys[index].as_ref())
                .is_some_and(|key| hmac::verify(key, message, sig).is_ok()),
            (_, KeyMaterial::Rsa { n, e }, _) => rsa_parameters(alg).is_some_and(|params| {
                signature::RsaPublicKeyComponents { n, e }
                    .verify(params, message, sig)
                    .is_ok()
            }),
            (_, KeyMaterial::P256(point), Algorithm::ES256) => unparsed(
                &signature::ECDSA_P256_SHA256_FIXED,
                &point[..],
                message,
                sig,
            ),
            (_, KeyMaterial::P384(point), Algorithm::ES384) => unparsed(
                &signature::ECDSA_P384_SHA384_FIXED,
                &point[..],
                message,
                sig,
            ),
            (_, KeyMaterial::Ed25519(point), Algorithm::EdDSA | Algorithm::Ed25519) => {
                unparsed(&signature::ED25519, point, message, sig)
            }
            _ => false,
        }
    }
}

fn unparsed(
    algorithm: &'static dyn signature::VerificationAlgorithm,
    key: &[u8],
    message: &[u8],
    sig: &[u8],
) -> bool {
    signature::UnparsedPublicKey::new(algorithm, key)
        .verify(message, sig)
        .is_ok()
}

fn hmac_algorithm(alg: Algorithm) -> hmac::Algorithm {
    match alg {
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    }
}

/// Returns ring's parameters for an RSA algorithm: 2048 to 8192-bit moduli.
fn rsa_parameters(alg: Algorithm) -> Option<&'static signature::RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}
