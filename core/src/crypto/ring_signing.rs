//! Signing through ring 0.17.
//!
//! Ed25519 and HMAC are deterministic. ECDSA nonces, RSA-PSS salts, the RSA
//! signing call and the check ring runs when it loads an EC key all draw from
//! ring's `SystemRandom`. ring seals its `SecureRandom` trait, so a caller cannot
//! hand in another source. In ring 0.17.14 `SystemRandom` reads the operating
//! system's generator through the getrandom crate on the targets ring lists in
//! `src/rand.rs` (Linux, Android, Windows, the Apple systems, the BSDs, Fuchsia,
//! WASI and a few others), which needs no `std`.
//!
//! NOTE: on a target outside that list (a bare-metal `target_os = "none"` with
//! getrandom's custom backend) ring builds, but `SystemRandom` has no
//! `SecureRandom` implementation there, so this module does not compile without
//! ring's `less-safe-getrandom-custom-or-rdrand` feature.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write as _;

use ring::error::KeyRejected;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use ring::rsa::{KeyPairComponents, PublicKeyComponents};
use ring::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _, RsaKeyPair,
};

use super::{PublicKey, RsaPrivateMembers};
use crate::alg::{Algorithm, Family};
use crate::error::{Error, KeyFault, MismatchReason};

/// A private key or HMAC secret that ring signs with.
pub(crate) enum PrivateKey {
    Hmac(hmac::Key),
    Rsa(Box<RsaKeyPair>),
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl PrivateKey {
    /// Prepares an HMAC secret for `alg`, which must be an HS\* algorithm.
    pub(crate) fn hmac(alg: Algorithm, secret: &[u8]) -> Option<Self> {
        let algorithm = match alg {
            Algorithm::HS256 => hmac::HMAC_SHA256,
            Algorithm::HS384 => hmac::HMAC_SHA384,
            Algorithm::HS512 => hmac::HMAC_SHA512,
            _ => return None,
        };
        Some(Self::Hmac(hmac::Key::new(algorithm, secret)))
    }

    /// Builds an RSA key from every member of its private JWK.
    pub(crate) fn rsa_from_members(members: &RsaPrivateMembers<'_>) -> Result<Self, Error> {
        let components = KeyPairComponents {
            public_key: PublicKeyComponents {
                n: members.n,
                e: members.e,
            },
            d: members.d,
            p: members.p,
            q: members.q,
            dP: members.dp,
            dQ: members.dq,
            qInv: members.qi,
        };
        RsaKeyPair::from_components(&components)
            .map(|pair| Self::Rsa(Box::new(pair)))
            .map_err(|rejected| rsa_rejection(&rejected))
    }

    /// Reads an RSA key from a PKCS#8 `PrivateKeyInfo`.
    pub(crate) fn rsa_from_pkcs8(der: &[u8]) -> Result<Self, Error> {
        RsaKeyPair::from_pkcs8(der)
            .map(|pair| Self::Rsa(Box::new(pair)))
            .map_err(|rejected| {
                if reason_is(&rejected, "InvalidEncoding") {
                    Error::InvalidKey {
                        fault: KeyFault::UnknownKeyFormat,
                    }
                } else {
                    rsa_rejection(&rejected)
                }
            })
    }

    /// Reads an RSA key from a PKCS#1 `RSAPrivateKey` (RFC 8017 appendix A.1.2).
    ///
    /// Returns `None` when `der` is not that structure at all.
    pub(crate) fn rsa_from_pkcs1(der: &[u8]) -> Option<Result<Self, Error>> {
        match RsaKeyPair::from_der(der) {
            Ok(pair) => Some(Ok(Self::Rsa(Box::new(pair)))),
            Err(rejected) if reason_is(&rejected, "InvalidEncoding") => None,
            Err(rejected) => Some(Err(rsa_rejection(&rejected))),
        }
    }

    /// Builds an EC key of `family` (P-256 or P-384) from its private scalar `d` and
    /// its public point `0x04 || x || y`.
    pub(crate) fn ec_from_scalar(family: Family, d: &[u8], point: &[u8]) -> Result<Self, Error> {
        let algorithm = ecdsa_algorithm(family)?;
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            algorithm,
            d,
            point,
            &SystemRandom::new(),
        )
        .map_err(|_| rejected())?;
        Ok(wrap_ecdsa(family, pair))
    }

    /// Reads an EC key of `family` from a PKCS#8 `PrivateKeyInfo`.
    pub(crate) fn ec_from_pkcs8(family: Family, der: &[u8]) -> Result<Self, Error> {
        let algorithm = ecdsa_algorithm(family)?;
        let pair = EcdsaKeyPair::from_pkcs8(algorithm, der, &SystemRandom::new())
            .map_err(|_| rejected())?;
        Ok(wrap_ecdsa(family, pair))
    }

    /// Builds an Ed25519 key from its 32-byte seed and public key (RFC 8037 section 2).
    pub(crate) fn ed25519_from_seed(seed: &[u8], public: &[u8]) -> Result<Self, Error> {
        Ed25519KeyPair::from_seed_and_public_key(seed, public)
            .map(Self::Ed25519)
            .map_err(|_| rejected())
    }

    /// Builds an Ed25519 key from its 32-byte seed alone.
    pub(crate) fn ed25519_from_seed_only(seed: &[u8]) -> Result<Self, Error> {
        Ed25519KeyPair::from_seed_unchecked(seed)
            .map(Self::Ed25519)
            .map_err(|_| rejected())
    }

    /// Reads an Ed25519 key from a PKCS#8 v1 or v2 document (RFC 8410).
    pub(crate) fn ed25519_from_pkcs8(der: &[u8]) -> Result<Self, Error> {
        Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map(Self::Ed25519)
            .map_err(|_| rejected())
    }

    /// Returns the key family.
    pub(crate) const fn family(&self) -> Family {
        match self {
            Self::Hmac(_) => Family::Hmac,
            Self::Rsa(_) => Family::Rsa,
            Self::P256(_) => Family::P256,
            Self::P384(_) => Family::P384,
            Self::Ed25519(_) => Family::Ed25519,
        }
    }

    /// Returns the public half, or `None` for an HMAC secret.
    pub(crate) fn public_key(&self) -> Option<PublicKey> {
        Some(match self {
            Self::Hmac(_) => return None,
            Self::Rsa(pair) => {
                let components = PublicKeyComponents::<Vec<u8>>::from(pair.public());
                PublicKey::Rsa {
                    n: components.n,
                    e: components.e,
                }
            }
            Self::P256(pair) | Self::P384(pair) => {
                // ring returns the uncompressed point 0x04 || x || y.
                let point = pair.public_key().as_ref().get(1..).unwrap_or_default();
                let (x, y) = point.split_at(point.len() / 2);
                PublicKey::Ec {
                    x: x.to_vec(),
                    y: y.to_vec(),
                }
            }
            Self::Ed25519(pair) => {
                let mut x = [0; 32];
                x.copy_from_slice(pair.public_key().as_ref());
                PublicKey::Ed25519(x)
            }
        })
    }

    /// Signs `message` under `alg`. ECDSA signatures are the fixed-width `R || S`
    /// of RFC 7518 section 3.4.
    ///
    /// # Errors
    ///
    /// [`Error::KeyMismatch`] when `alg` is not of this key's family, and
    /// [`Error::SigningFailed`] when ring fails, which happens only when the
    /// system random number generator does.
    pub(crate) fn sign(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, Error> {
        if alg.family() != self.family() {
            return Err(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            });
        }
        let rng = SystemRandom::new();
        match self {
            Self::Hmac(key) => Ok(hmac::sign(key, message).as_ref().to_vec()),
            Self::Rsa(pair) => {
                let padding = rsa_padding(alg).ok_or(Error::KeyMismatch {
                    reason: MismatchReason::Algorithm,
                })?;
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, message, &mut signature)
                    .map_err(|_| Error::SigningFailed)?;
                Ok(signature)
            }
            Self::P256(pair) | Self::P384(pair) => pair
                .sign(&rng, message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| Error::SigningFailed),
            Self::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

/// Generates an EC key of `family` and returns its PKCS#8 document.
pub(crate) fn generate_ec_pkcs8(family: Family) -> Result<Vec<u8>, Error> {
    let algorithm = ecdsa_algorithm(family)?;
    EcdsaKeyPair::generate_pkcs8(algorithm, &SystemRandom::new())
        .map(|document| document.as_ref().to_vec())
        .map_err(|_| Error::SigningFailed)
}

/// Fills `out` from the system random number generator.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), Error> {
    SystemRandom::new()
        .fill(out)
        .map_err(|_| Error::SigningFailed)
}

fn ecdsa_algorithm(family: Family) -> Result<&'static EcdsaSigningAlgorithm, Error> {
    match family {
        Family::P256 => Ok(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        Family::P384 => Ok(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => Err(Error::KeyMismatch {
            reason: MismatchReason::UnsupportedKey,
        }),
    }
}

fn wrap_ecdsa(family: Family, pair: EcdsaKeyPair) -> PrivateKey {
    if family == Family::P256 {
        PrivateKey::P256(pair)
    } else {
        PrivateKey::P384(pair)
    }
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

fn rejected() -> Error {
    Error::InvalidKey {
        fault: KeyFault::PrivateKeyRejected,
    }
}

/// Maps ring's reason for rejecting an RSA private key. ring 0.17 signs only with
/// moduli of 2048 to 4096 bits whose length is a multiple of 512 bits, and public
/// exponents of at least 65537; it names a violation `TooSmall`, `TooLarge` or
/// `PrivateModulusLenNotMultipleOf512Bits`.
fn rsa_rejection(rejected_key: &KeyRejected) -> Error {
    let size = [
        "TooSmall",
        "TooLarge",
        "PrivateModulusLenNotMultipleOf512Bits",
    ];
    if size.iter().any(|reason| reason_is(rejected_key, reason)) {
        Error::InvalidKey {
            fault: KeyFault::RsaSigningLimits,
        }
    } else {
        rejected()
    }
}

/// Returns whether ring's rejection reads `reason`; ring 0.17 names its reasons
/// only through `Display`.
fn reason_is(rejected_key: &KeyRejected, reason: &str) -> bool {
    let mut text = heapless::String::<64>::new();
    write!(text, "{rejected_key}").is_ok() && text == reason
}
