//! Verification through ring 0.17.

use alloc::boxed::Box;

use ring::{hmac, signature};

use crate::alg::{AlgSet, Algorithm};
use crate::error::Error;

/// An HMAC secret prepared for each of HS256, HS384 and HS512 that it may serve.
pub(crate) struct HmacKeys {
    keys: [Option<hmac::Key>; 3],
    pub(crate) secret: Box<[u8]>,
}

/// A public key or HMAC secret prepared for verification.
///
/// The key material was checked when the JWK was read; this type only stores it in
/// the form ring wants. RSA keys stay as their big-endian components, because ring
/// 0.17 cannot keep a parsed RSA public key and re-reads them on every verification.
pub(crate) enum VerifyingKey {
    Hmac(Box<HmacKeys>),
    Rsa {
        n: Box<[u8]>,
        e: Box<[u8]>,
    },
    /// An uncompressed SEC 1 point, `0x04 || x || y`.
    P256(Box<[u8; 65]>),
    P384(Box<[u8; 97]>),
    Ed25519([u8; 32]),
}

impl VerifyingKey {
    /// Prepares `secret` for each HMAC algorithm in `algorithms`.
    pub(crate) fn hmac(secret: &[u8], algorithms: AlgSet) -> Self {
        let key = |alg, ring_alg| {
            algorithms
                .contains(alg)
                .then(|| hmac::Key::new(ring_alg, secret))
        };
        Self::Hmac(Box::new(HmacKeys {
            keys: [
                key(Algorithm::HS256, hmac::HMAC_SHA256),
                key(Algorithm::HS384, hmac::HMAC_SHA384),
                key(Algorithm::HS512, hmac::HMAC_SHA512),
            ],
            secret: secret.into(),
        }))
    }

    /// Verifies `signature` over `message` with this key under `alg`.
    ///
    /// HMAC tags are compared in constant time by ring. A key that does not belong to
    /// `alg`'s family fails like a bad signature; callers check the pairing first.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] for any failure, with no sub-reason.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        let verified = match (self, alg) {
            (Self::Hmac(hmac), Algorithm::HS256) => verify_hmac(&hmac.keys[0], message, sig),
            (Self::Hmac(hmac), Algorithm::HS384) => verify_hmac(&hmac.keys[1], message, sig),
            (Self::Hmac(hmac), Algorithm::HS512) => verify_hmac(&hmac.keys[2], message, sig),
            (Self::Rsa { n, e }, _) => match rsa_parameters(alg) {
                Some(params) => signature::RsaPublicKeyComponents { n, e }
                    .verify(params, message, sig)
                    .is_ok(),
                None => false,
            },
            (Self::P256(point), Algorithm::ES256) => {
                let key = signature::UnparsedPublicKey::new(
                    &signature::ECDSA_P256_SHA256_FIXED,
                    &point[..],
                );
                key.verify(message, sig).is_ok()
            }
            (Self::P384(point), Algorithm::ES384) => {
                let key = signature::UnparsedPublicKey::new(
                    &signature::ECDSA_P384_SHA384_FIXED,
                    &point[..],
                );
                key.verify(message, sig).is_ok()
            }
            (Self::Ed25519(point), Algorithm::EdDSA | Algorithm::Ed25519) => {
                let key = signature::UnparsedPublicKey::new(&signature::ED25519, point);
                key.verify(message, sig).is_ok()
            }
            _ => false,
        };

        if verified {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

fn verify_hmac(key: &Option<hmac::Key>, message: &[u8], tag: &[u8]) -> bool {
    key.as_ref()
        .is_some_and(|key| hmac::verify(key, message, tag).is_ok())
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

/// An incremental SHA-256 digest, used for RFC 7638 thumbprints.
pub(crate) struct Sha256(ring::digest::Context);

impl Sha256 {
    pub(crate) fn new() -> Self {
        Self(ring::digest::Context::new(&ring::digest::SHA256))
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        let mut out = [0; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}
