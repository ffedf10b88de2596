//! The seam between the JWS layer and the cryptographic backends.
//!
//! Every signature and MAC verification goes through [`VerifyingKey::verify`], every
//! signature made goes through [`PrivateKey::sign`], and every digest through
//! [`Sha256`]; the layers above see only keys built here and a pass or an
//! [`Error`](crate::Error), and never name a crypto crate.
//!
//! Each backend sits behind a cargo feature: `ring` (the default, and what the
//! `no_std` build uses), `aws-lc-rs` (faster RSA and P-384 verification for servers)
//! and `rust-crypto` (pure Rust, for targets ring cannot build). Cargo unifies
//! features, so several may be compiled in at once; a [`VerifyingKey`] then records
//! the [`Backend`] that prepared it, and [`Backend::DEFAULT`] decides when the caller
//! does not. Key checks (modulus range, exponent, curve points, weak keys) are made
//! once in the JWK layer, before any backend sees a key, so every backend judges the
//! same keys.
//!
//! Signing, key generation and random numbers use ring when it is compiled in and
//! RustCrypto otherwise; aws-lc-rs only verifies.

#[cfg(feature = "aws-lc-rs")]
mod aws_lc_backend;
mod digest;
#[cfg(feature = "ring")]
mod ring_backend;
#[cfg(feature = "ring")]
mod ring_signing;
#[cfg(feature = "rust-crypto")]
mod rust_crypto_backend;
#[cfg(all(not(feature = "ring"), feature = "rust-crypto"))]
mod rust_crypto_signing;

use alloc::boxed::Box;
use alloc::vec::Vec;

pub(crate) use digest::Sha256;
#[cfg(feature = "ring")]
pub(crate) use ring_signing::{fill_random, generate_ec_pkcs8, PrivateKey};
#[cfg(all(not(feature = "ring"), feature = "rust-crypto"))]
pub(crate) use rust_crypto_signing::{fill_random, generate_ec_pkcs8, PrivateKey};

use crate::alg::{AlgSet, Algorithm};
use crate::error::Error;

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs", feature = "rust-crypto")))]
compile_error!("tokenguard needs a crypto backend: enable `ring`, `aws-lc-rs` or `rust-crypto`");

#[cfg(not(any(feature = "ring", feature = "rust-crypto")))]
compile_error!(
    "the `aws-lc-rs` backend only verifies; signing needs `ring` or `rust-crypto` as well"
);

/// A cryptographic library that verifies signatures.
///
/// Only the backends whose cargo feature is enabled exist. Every backend accepts the
/// same algorithms and keys and reaches the same verdict on every signature; they
/// differ in speed and in the targets they build for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// ring 0.17, the default: builds for `no_std` targets with an operating system.
    #[cfg(feature = "ring")]
    Ring,
    /// aws-lc-rs: keeps RSA and EC public keys parsed, and verifies P-384 about three
    /// times faster than ring.
    #[cfg(feature = "aws-lc-rs")]
    AwsLcRs,
    /// The pure-Rust RustCrypto crates, for targets ring cannot build such as
    /// `thumbv7em-none-eabihf`.
    #[cfg(feature = "rust-crypto")]
    RustCrypto,
}

impl Backend {
    /// The backend used when none is named: the first compiled in of aws-lc-rs, ring
    /// and RustCrypto, in that order, fastest first.
    pub const DEFAULT: Self = {
        #[cfg(feature = "aws-lc-rs")]
        let backend = Self::AwsLcRs;
        #[cfg(all(not(feature = "aws-lc-rs"), feature = "ring"))]
        let backend = Self::Ring;
        #[cfg(all(not(feature = "aws-lc-rs"), not(feature = "ring")))]
        let backend = Self::RustCrypto;
        backend
    };

    /// Every backend compiled in, in the order [`Backend::DEFAULT`] prefers them.
    pub const ALL: &'static [Self] = &[
        #[cfg(feature = "aws-lc-rs")]
        Self::AwsLcRs,
        #[cfg(feature = "ring")]
        Self::Ring,
        #[cfg(feature = "rust-crypto")]
        Self::RustCrypto,
    ];

    /// Returns the backend's name as its cargo feature spells it: `ring`,
    /// `aws-lc-rs` or `rust-crypto`.
    pub const fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "ring")]
            Self::Ring => "ring",
            #[cfg(feature = "aws-lc-rs")]
            Self::AwsLcRs => "aws-lc-rs",
            #[cfg(feature = "rust-crypto")]
            Self::RustCrypto => "rust-crypto",
        }
    }

    /// Returns the compiled-in backend whose [`name`](Backend::name) is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|backend| backend.name() == name)
    }
}

impl Default for Backend {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The big-endian members of an RSA private key (RFC 7518 section 6.3.2).
pub(crate) struct RsaPrivateMembers<'a> {
    pub(crate) n: &'a [u8],
    pub(crate) e: &'a [u8],
    pub(crate) d: &'a [u8],
    pub(crate) p: &'a [u8],
    pub(crate) q: &'a [u8],
    pub(crate) dp: &'a [u8],
    pub(crate) dq: &'a [u8],
    pub(crate) qi: &'a [u8],
}

/// The public half of a key pair, as JWK members want it.
pub(crate) enum PublicKey {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// The affine coordinates, each as long as the curve's field elements.
    Ec {
        x: Vec<u8>,
        y: Vec<u8>,
    },
    Ed25519([u8; 32]),
}

/// The material of a verification key, checked by the JWK layer.
pub(crate) enum KeyMaterial {
    /// An HMAC secret.
    Hmac(Box<[u8]>),
    /// Big-endian RSA components without leading zeros.
    Rsa {
        n: Box<[u8]>,
        e: Box<[u8]>,
    },
    /// An uncompressed SEC 1 point, `0x04 || x || y`.
    P256(Box<[u8; 65]>),
    P384(Box<[u8; 97]>),
    Ed25519([u8; 32]),
}

/// A public key or HMAC secret prepared by one backend for the algorithms it serves.
pub(crate) struct VerifyingKey {
    material: KeyMaterial,
    prepared: Prepared,
}

/// A backend's prepared form of a key.
enum Prepared {
    #[cfg(feature = "ring")]
    Ring(ring_backend::Prepared),
    #[cfg(feature = "aws-lc-rs")]
    AwsLcRs(aws_lc_backend::Prepared),
    #[cfg(feature = "rust-crypto")]
    RustCrypto(rust_crypto_backend::Prepared),
}

impl VerifyingKey {
    /// Prepares `material` with `backend` for every algorithm in `algorithms`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when the backend refuses key material that the JWK
    /// checks passed; the backends agree on those checks, so this is not expected.
    pub(crate) fn new(
        material: KeyMaterial,
        algorithms: AlgSet,
        backend: Backend,
    ) -> Result<Self, Error> {
        let prepared = match backend {
            #[cfg(feature = "ring")]
            Backend::Ring => Prepared::Ring(ring_backend::Prepared::new(&material, algorithms)),
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLcRs => {
                Prepared::AwsLcRs(aws_lc_backend::Prepared::new(&material, algorithms)?)
            }
            #[cfg(feature = "rust-crypto")]
            Backend::RustCrypto => {
                Prepared::RustCrypto(rust_crypto_backend::Prepared::new(&material, algorithms)?)
            }
        };
        Ok(Self { material, prepared })
    }

    /// Returns the key material.
    pub(crate) const fn material(&self) -> &KeyMaterial {
        &self.material
    }

    /// Returns the key material, dropping the prepared form.
    pub(crate) fn into_material(self) -> KeyMaterial {
        self.material
    }

    /// Returns the backend that prepared this key.
    pub(crate) const fn backend(&self) -> Backend {
        match self.prepared {
            #[cfg(feature = "ring")]
            Prepared::Ring(_) => Backend::Ring,
            #[cfg(feature = "aws-lc-rs")]
            Prepared::AwsLcRs(_) => Backend::AwsLcRs,
            #[cfg(feature = "rust-crypto")]
            Prepared::RustCrypto(_) => Backend::RustCrypto,
        }
    }

    /// Verifies `sig` over `message` with this key under `alg`.
    ///
    /// HMAC tags are compared in constant time by every backend. A key that does not
    /// belong to `alg`'s family, or was not prepared for `alg`, fails like a bad
    /// signature; callers check the pairing first.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] for any failure, with no sub-reason.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        let verified = match &self.prepared {
            #[cfg(feature = "ring")]
            Prepared::Ring(key) => key.verify(&self.material, alg, message, sig),
            #[cfg(feature = "aws-lc-rs")]
            Prepared::AwsLcRs(key) => key.verify(alg, message, sig),
            #[cfg(feature = "rust-crypto")]
            Prepared::RustCrypto(key) => key.verify(alg, message, sig),
        };
        if verified {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

/// Returns the index of an HMAC algorithm in the per-hash arrays the backends keep.
pub(crate) const fn hmac_index(alg: Algorithm) -> Option<usize> {
    match alg {
        Algorithm::HS256 => Some(0),
        Algorithm::HS384 => Some(1),
        Algorithm::HS512 => Some(2),
        _ => None,
    }
}

/// Prepares a key with `prepare` for each HMAC algorithm in `algorithms`, in the
/// order of [`hmac_index`].
pub(crate) fn per_hmac_algorithm<K>(
    algorithms: AlgSet,
    prepare: impl Fn(Algorithm) -> K,
) -> Box<[Option<K>; 3]> {
    let hmac = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
    Box::new(hmac.map(|alg| algorithms.contains(alg).then(|| prepare(alg))))
}

/// The RSA algorithms, in the order the backends keep prepared RSA keys.
#[cfg(feature = "aws-lc-rs")]
pub(crate) const RSA_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];
