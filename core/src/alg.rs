//! JWS signature algorithms (RFC 7518 section 3, RFC 8037, RFC 9864) and sets of them.

use core::fmt;

use crate::error::{AlgRejection, Error};
use crate::json::JsonStr;

/// A JWS algorithm this library can verify.
///
/// Each value fixes every parameter: the hash, the padding and, for RSA, the accepted
/// modulus range of 2048 to 8192 bits. ES512 is registered but not supported, because
/// the ring backend has no P-521; its name is rejected with
/// [`AlgRejection::Es512Unsupported`].
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// HMAC with SHA-256.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384 and MGF1 with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512 and MGF1 with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256, signature as fixed-width `R || S`.
    ES256,
    /// ECDSA on P-384 with SHA-384, signature as fixed-width `R || S`.
    ES384,
    /// EdDSA as named by RFC 8037; only the Ed25519 curve is supported.
    EdDSA,
    /// Ed25519, the fully specified name from RFC 9864.
    Ed25519,
}

/// The key family an algorithm needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Hmac,
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl Algorithm {
    /// Every supported algorithm, in declaration order.
    pub const ALL: [Self; 13] = [
        Self::HS256,
        Self::HS384,
        Self::HS512,
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
        Self::Ed25519,
    ];

    /// Returns the registered name, as written in a JOSE header.
    pub const fn name(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
            Self::Ed25519 => "Ed25519",
        }
    }

    /// Looks up an algorithm by its exact, case-sensitive registered name.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedAlg`] for `none` in any letter case, for ES512, and for any
    /// other name.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Self::from_json(JsonStr::from_plain(name))
    }

    /// Looks up an algorithm by a JSON string value, comparing after unescaping.
    pub(crate) fn from_json(name: JsonStr<'_>) -> Result<Self, Error> {
        if let Some(alg) = Self::ALL.into_iter().find(|alg| name.eq_str(alg.name())) {
            return Ok(alg);
        }

        let reason = if name.eq_ignore_ascii_case("none") {
            AlgRejection::None
        } else if name.eq_str("ES512") {
            AlgRejection::Es512Unsupported
        } else {
            AlgRejection::Unknown
        };
        Err(Error::UnsupportedAlg { reason })
    }

    pub(crate) const fn family(self) -> Family {
        match self {
            Self::HS256 | Self::HS384 | Self::HS512 => Family::Hmac,
            Self::RS256 | Self::RS384 | Self::RS512 => Family::Rsa,
            Self::PS256 | Self::PS384 | Self::PS512 => Family::Rsa,
            Self::ES256 => Family::P256,
            Self::ES384 => Family::P384,
            Self::EdDSA | Self::Ed25519 => Family::Ed25519,
        }
    }

    /// Returns the minimum HMAC secret length in bytes: the hash output size (RFC 7518
    /// section 3.2). Returns 0 for the other families.
    pub(crate) const fn min_secret_len(self) -> usize {
        match self {
            Self::HS256 => 32,
            Self::HS384 => 48,
            Self::HS512 => 64,
            _ => 0,
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Algorithm`]s, such as a policy's allow-list or the algorithms a key may
/// verify.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AlgSet(u16);

impl AlgSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// Every supported algorithm.
    pub const ALL: Self = Self((1 << Algorithm::ALL.len()) - 1);

    /// Returns a set of the given algorithms.
    pub fn of(algorithms: &[Algorithm]) -> Self {
        algorithms
            .iter()
            .fold(Self::EMPTY, |set, alg| set.with(*alg))
    }

    /// Returns this set with `alg` added.
    #[must_use]
    pub const fn with(self, alg: Algorithm) -> Self {
        Self(self.0 | alg.bit())
    }

    /// Returns whether `alg` is in the set.
    pub const fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }

    /// Returns the algorithms in this set that are not in `other`.
    #[must_use]
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// Returns whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Returns the algorithms in both sets.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// Iterates over the algorithms in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL
            .into_iter()
            .filter(move |alg| self.contains(*alg))
    }

    pub(crate) fn of_family(family: Family) -> Self {
        Algorithm::ALL
            .into_iter()
            .filter(|alg| alg.family() == family)
            .fold(Self::EMPTY, Self::with)
    }
}

impl fmt::Debug for AlgSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<Algorithm> for AlgSet {
    fn from_iter<I: IntoIterator<Item = Algorithm>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Ok(alg));
        }
    }

    #[test]
    fn none_es512_and_case_variants_rejected() {
        let reason = |name| match Algorithm::from_name(name) {
            Err(Error::UnsupportedAlg { reason }) => reason,
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(reason("none"), AlgRejection::None);
        assert_eq!(reason("nOnE"), AlgRejection::None);
        assert_eq!(reason("ES512"), AlgRejection::Es512Unsupported);
        assert_eq!(reason("hs256"), AlgRejection::Unknown);
        assert_eq!(reason("ED25519"), AlgRejection::Unknown);
    }

    #[test]
    fn set_operations() {
        let set = AlgSet::of(&[Algorithm::RS256, Algorithm::ES256]);
        assert!(set.contains(Algorithm::RS256));
        assert!(!set.contains(Algorithm::HS256));
        assert_eq!(AlgSet::ALL.iter().count(), Algorithm::ALL.len());
        let rsa = AlgSet::of_family(Family::Rsa);
        assert_eq!(rsa.intersection(set), AlgSet::of(&[Algorithm::RS256]));
    }
}
