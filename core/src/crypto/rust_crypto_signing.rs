//! Signing through the RustCrypto crates, for builds without ring.
//!
//! HMAC, Ed25519 and ECDSA (RFC 6979 nonces) are deterministic and need no random
//! numbers. RSA-PSS salts, RSA blinding and key generation draw from the operating
//! system's generator through the getrandom crate on targets with an operating
//! system. On a bare-metal target (`target_os = "none"`) there is no such generator:
//! [`fill_random`], key generation and RSA signing fail there with
//! [`Error::SigningFailed`], and HMAC, Ed25519 and ECDSA signing still work.
//!
//! The key checks copy ring's, so that a key loads with this backend exactly when it
//! loads with ring: RSA members are big-endian without leading zeros, the modulus
//! has 2048 to 4096 bits in steps of 512 and the public exponent is at least 65537,
//! and the CRT members must match the primes.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::{PublicKey, RsaPrivateMembers};
use crate::alg::{Algorithm, Family};
use crate::error::{Error, KeyFault, MismatchReason};

/// The RSA modulus sizes ring signs with, in bits; the length must also be a
/// multiple of 512 bits.
const RSA_SIGNING_BITS: core::ops::RangeInclusive<usize> = 2048..=4096;

/// The smallest RSA public exponent ring signs with.
const MIN_RSA_SIGNING_EXPONENT: u64 = 65537;

/// Attempts at drawing a valid EC scalar before giving up; a random 256 or 384-bit
/// string is out of range with probability below 2^-32.
const SCALAR_ATTEMPTS: usize = 8;

/// A private key or HMAC secret that the RustCrypto crates sign with.
pub(crate) enum PrivateKey {
    Hmac(Algorithm, Box<[u8]>),
    Rsa(Box<rsa::PrivateKey>),
    P256(Box<p256::ecdsa::SigningKey>),
    P384(Box<p384::ecdsa::SigningKey>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl PrivateKey {
    /// Prepares an HMAC secret for `alg`, which must be an HS\* algorithm.
    pub(crate) fn hmac(alg: Algorithm, secret: &[u8]) -> Option<Self> {
        matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
            .then(|| Self::Hmac(alg, secret.into()))
    }

    /// Builds an RSA key from every member of its private JWK.
    pub(crate) fn rsa_from_members(members: &RsaPrivateMembers<'_>) -> Result<Self, Error> {
        let all = [
            members.n, members.e, members.d, members.p, members.q, members.dp, members.dq,
            members.qi,
        ];
        if all
            .iter()
            .any(|member| member.first().is_none_or(|byte| *byte == 0))
        {
            return Err(rejected());
        }
        check_rsa_public(members.n, members.e)?;

        let int = rsa::BoxedUint::from_be_slice_vartime;
        let key = rsa::PrivateKey::from_components(
            int(members.n),
            int(members.e),
            int(members.d),
            vec![int(members.p), int(members.q)],
        )
        .map_err(|_| rejected())?;

        // The CRT members are not inputs of the key above; they must still agree
        // with the primes, as ring requires.
        let same = |computed: Option<Box<[u8]>>, given: &[u8]| {
            computed.is_some_and(|computed| *computed == *given)
        };
        let trimmed = |value: &rsa::BoxedUint| value.to_be_bytes_trimmed_vartime();
        if !same(key.dp().map(trimmed), members.dp)
            || !same(key.dq().map(trimmed), members.dq)
            || !same(key.crt_coefficient().as_ref().map(trimmed), members.qi)
        {
            return Err(rejected());
        }
        Ok(Self::Rsa(Box::new(key)))
    }

    /// Reads an RSA key from a PKCS#8 `PrivateKeyInfo`.
    pub(crate) fn rsa_from_pkcs8(der: &[u8]) -> Result<Self, Error> {
        let unknown = Error::InvalidKey {
            fault: KeyFault::UnknownKeyFormat,
        };
        let info = rsa::pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| unknown.clone())?;
        Self::rsa_from_pkcs1(info.private_key.as_bytes()).unwrap_or(Err(unknown))
    }

    /// Reads an RSA key from a PKCS#1 `RSAPrivateKey` (RFC 8017 appendix A.1.2).
    ///
    /// Returns `None` when `der` is not that structure at all.
    pub(crate) fn rsa_from_pkcs1(der: &[u8]) -> Option<Result<Self, Error>> {
        let key = rsa::pkcs1::RsaPrivateKeyRef::try_from(der).ok()?;
        Some(Self::rsa_from_members(&RsaPrivateMembers {
            n: key.modulus.as_bytes(),
            e: key.public_exponent.as_bytes(),
            d: key.private_exponent.as_bytes(),
            p: key.prime1.as_bytes(),
            q: key.prime2.as_bytes(),
            dp: key.exponent1.as_bytes(),
            dq: key.exponent2.as_bytes(),
            qi: key.coefficient.as_bytes(),
        }))
    }

    /// Builds an EC key of `family` (P-256 or P-384) from its private scalar `d` and
    /// its public point `0x04 || x || y`.
    pub(crate) fn ec_from_scalar(family: Family, d: &[u8], point: &[u8]) -> Result<Self, Error> {
        let key = match family {
            Family::P256 => {
                p256::ecdsa::SigningKey::from_slice(d).map(|key| Self::P256(Box::new(key)))
            }
            Family::P384 => {
                p384::ecdsa::SigningKey::from_slice(d).map(|key| Self::P384(Box::new(key)))
            }
            _ => return Err(unsupported()),
        }
        .map_err(|_| rejected())?;
        match key.public_key() {
            Some(PublicKey::Ec { x, y })
                if point.get(1..) == Some(&[&x[..], &y[..]].concat()[..]) =>
            {
                Ok(key)
            }
            _ => Err(rejected()),
        }
    }

    /// Reads an EC key of `family` from a PKCS#8 `PrivateKeyInfo`.
    pub(crate) fn ec_from_pkcs8(family: Family, der: &[u8]) -> Result<Self, Error> {
        match family {
            Family::P256 => {
                p256::ecdsa::SigningKey::from_pkcs8_der(der).map(|key| Self::P256(Box::new(key)))
            }
            Family::P384 => {
                p384::ecdsa::SigningKey::from_pkcs8_der(der).map(|key| Self::P384(Box::new(key)))
            }
            _ => return Err(unsupported()),
        }
        .map_err(|_| rejected())
    }

    /// Builds an Ed25519 key from its 32-byte seed and public key (RFC 8037 section 2).
    pub(crate) fn ed25519_from_seed(seed: &[u8], public: &[u8]) -> Result<Self, Error> {
        let key = Self::ed25519_from_seed_only(seed)?;
        match key.public_key() {
            Some(PublicKey::Ed25519(x)) if x == public => Ok(key),
            _ => Err(rejected()),
        }
    }

    /// Builds an Ed25519 key from its 32-byte seed alone.
    pub(crate) fn ed25519_from_seed_only(seed: &[u8]) -> Result<Self, Error> {
        let seed: &[u8; 32] = seed.try_into().map_err(|_| rejected())?;
        Ok(Self::Ed25519(Box::new(
            ed25519_dalek::SigningKey::from_bytes(seed),
        )))
    }

    /// Reads an Ed25519 key from a PKCS#8 v1 or v2 document (RFC 8410).
    pub(crate) fn ed25519_from_pkcs8(der: &[u8]) -> Result<Self, Error> {
        ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map(|key| Self::Ed25519(Box::new(key)))
            .map_err(|_| rejected())
    }

    /// Returns the key family.
    pub(crate) const fn family(&self) -> Family {
        match self {
            Self::Hmac(..) => Family::Hmac,
            Self::Rsa(_) => Family::Rsa,
            Self::P256(_) => Family::P256,
            Self::P384(_) => Family::P384,
            Self::Ed25519(_) => Family::Ed25519,
        }
    }

    /// Returns the public half, or `None` for an HMAC secret.
    pub(crate) fn public_key(&self) -> Option<PublicKey> {
        Some(match self {
            Self::Hmac(..) => return None,
            Self::Rsa(key) => PublicKey::Rsa {
                n: key.n_bytes().into_vec(),
                e: key.e_bytes().into_vec(),
            },
            Self::P256(key) => split_point(key.verifying_key().to_sec1_point(false).as_bytes()),
            Self::P384(key) => split_point(key.verifying_key().to_sec1_point(false).as_bytes()),
            Self::Ed25519(key) => PublicKey::Ed25519(key.verifying_key().to_bytes()),
        })
    }

    /// Signs `message` under `alg`. ECDSA signatures are the fixed-width `R || S`
    /// of RFC 7518 section 3.4.
    ///
    /// # Errors
    ///
    /// [`Error::KeyMismatch`] when `alg` is not of this key's family, and
    /// [`Error::SigningFailed`] when an RSA signature cannot get random numbers.
    pub(crate) fn sign(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, Error> {
        use signature_traits::Signer as _;
        if alg.family() != self.family() {
            return Err(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            });
        }
        match self {
            Self::Hmac(key_alg, secret) => Ok(hmac_tag(*key_alg, secret, message)),
            Self::Rsa(key) => sign_rsa(key, alg, message),
            Self::P256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                Ok(signature.to_bytes().to_vec())
            }
            Self::P384(key) => {
                let signature: p384::ecdsa::Signature = key.sign(message);
                Ok(signature.to_bytes().to_vec())
            }
            Self::Ed25519(key) => Ok(key.sign(message).to_bytes().to_vec()),
        }
    }
}

/// Generates an EC key of `family` and returns its PKCS#8 document.
pub(crate) fn generate_ec_pkcs8(family: Family) -> Result<Vec<u8>, Error> {
    let mut scalar = [0u8; 48];
    let len = match family {
        Family::P256 => 32,
        Family::P384 => 48,
        _ => return Err(unsupported()),
    };
    for _ in 0..SCALAR_ATTEMPTS {
        fill_random(&mut scalar[..len])?;
        let document = match family {
            Family::P256 => p256::ecdsa::SigningKey::from_slice(&scalar[..len])
                .ok()
                .map(|key| key.to_pkcs8_der()),
            _ => p384::ecdsa::SigningKey::from_slice(&scalar[..len])
                .ok()
                .map(|key| key.to_pkcs8_der()),
        };
        if let Some(document) = document {
            return document
                .map(|document| document.as_bytes().to_vec())
                .map_err(|_| Error::SigningFailed);
        }
    }
    Err(Error::SigningFailed)
}

/// Fills `out` from the operating system's random number generator.
///
/// # Errors
///
/// [`Error::SigningFailed`] when the generator fails.
#[cfg(not(target_os = "none"))]
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), Error> {
    getrandom::getrandom(out).map_err(|_| Error::SigningFailed)
}

/// Reports that a target without an operating system has no random numbers.
///
/// # Errors
///
/// Always [`Error::SigningFailed`].
#[cfg(target_os = "none")]
pub(crate) fn fill_random(_out: &mut [u8]) -> Result<(), Error> {
    Err(Error::SigningFailed)
}

/// The `signature` crate's traits, as ed25519-dalek re-exports them.
mod signature_traits {
    pub(super) use ed25519_dalek::Signer;
}

/// The operating system's generator, as the `rsa` crate wants one.
struct SystemRandom;

impl rsa::rand_core::TryRng for SystemRandom {
    type Error = rsa::Error;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        fill_random(dst).map_err(|_| rsa::Error::Internal)
    }
}

impl rsa::rand_core::TryCryptoRng for SystemRandom {}

/// Signs with RSA, blinded, PKCS#1 v1.5 or PSS with a salt as long as the hash.
fn sign_rsa(key: &rsa::PrivateKey, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, Error> {
    let rng = &mut SystemRandom;
    match alg {
        Algorithm::RS256 => key.sign_with_rng(
            rng,
            rsa::Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(message),
        ),
        Algorithm::RS384 => key.sign_with_rng(
            rng,
            rsa::Pkcs1v15Sign::new::<Sha384>(),
            &Sha384::digest(message),
        ),
        Algorithm::RS512 => key.sign_with_rng(
            rng,
            rsa::Pkcs1v15Sign::new::<Sha512>(),
            &Sha512::digest(message),
        ),
        Algorithm::PS256 => {
            key.sign_with_rng(rng, rsa::Pss::<Sha256>::new(), &Sha256::digest(message))
        }
        Algorithm::PS384 => {
            key.sign_with_rng(rng, rsa::Pss::<Sha384>::new(), &Sha384::digest(message))
        }
        Algorithm::PS512 => {
            key.sign_with_rng(rng, rsa::Pss::<Sha512>::new(), &Sha512::digest(message))
        }
        _ => {
            return Err(Error::KeyMismatch {
                reason: MismatchReason::Algorithm,
            })
        }
    }
    .map_err(|_| Error::SigningFailed)
}

fn hmac_tag(alg: Algorithm, secret: &[u8], message: &[u8]) -> Vec<u8> {
    fn tag<M: hmac::Mac + hmac::KeyInit>(secret: &[u8], message: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so this never fails.
        <M as hmac::KeyInit>::new_from_slice(secret)
            .map(|mac| mac.chain_update(message).finalize().into_bytes().to_vec())
            .unwrap_or_default()
    }
    match alg {
        Algorithm::HS384 => tag::<hmac::Hmac<Sha384>>(secret, message),
        Algorithm::HS512 => tag::<hmac::Hmac<Sha512>>(secret, message),
        _ => tag::<hmac::Hmac<Sha256>>(secret, message),
    }
}

/// Applies ring's signing limits to an RSA modulus and exponent.
fn check_rsa_public(n: &[u8], e: &[u8]) -> Result<(), Error> {
    let limits = Error::InvalidKey {
        fault: KeyFault::RsaSigningLimits,
    };
    let bits = n.len() * 8 - n.first().map_or(8, |byte| byte.leading_zeros() as usize);
    if !RSA_SIGNING_BITS.contains(&bits) || bits % 512 != 0 {
        return Err(limits);
    }
    if e.len() > 8 {
        return Err(rejected());
    }
    let exponent = e
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    if exponent < MIN_RSA_SIGNING_EXPONENT {
        return Err(limits);
    }
    Ok(())
}

fn split_point(point: &[u8]) -> PublicKey {
    let coordinates = point.get(1..).unwrap_or_default();
    let (x, y) = coordinates.split_at(coordinates.len() / 2);
    PublicKey::Ec {
        x: x.to_vec(),
        y: y.to_vec(),
    }
}

fn rejected() -> Error {
    Error::InvalidKey {
        fault: KeyFault::PrivateKeyRejected,
    }
}

fn unsupported() -> Error {
    Error::KeyMismatch {
        reason: MismatchReason::UnsupportedKey,
    }
}
