//! JWK Sets (RFC 7517 section 5): reading, checking as a whole, and key selection.

use alloc::vec::Vec;
use core::cmp::Ordering;

use super::{has_private_members, Jwk, Rejected};
use crate::alg::Algorithm;
use crate::crypto::Backend;
use crate::error::{Error, Fault, KeyFault, MismatchReason, Part};
use crate::json::{self, JsonStr, Value};

/// Maximum size of a JWK Set document in bytes.
///
/// A 4096-bit RSA JWK takes about 800 bytes, so this allows over a thousand keys
/// while bounding what a hostile or broken JWKS endpoint can make us parse.
pub const MAX_KEY_SET_BYTES: usize = 1 << 20;

/// Maximum number of keys in a JWK Set.
pub const MAX_KEYS: usize = 4096;

/// Maximum number of keys that may fit a token without `kid`.
///
/// Every compatible key is tried when the header names none, so the limit bounds the
/// signature checks one token can cause. A token without `kid` against a set with
/// more compatible keys is rejected with [`Error::KidRequired`] before any is tried.
pub const MAX_CANDIDATES_WITHOUT_KID: usize = 16;

/// A checked set of verification keys, indexed by `kid`.
///
/// Reading a set skips keys it cannot use for signatures (encryption keys, unknown
/// key types or curves) and keys that are weak or broken, remembering why in
/// [`rejected`](JwkSet::rejected) so that a token naming such a key gets that reason.
/// A set that mixes secret and public keys, carries private key members or has two
/// signature keys with one `kid` is rejected as a whole.
pub struct JwkSet {
    /// Usable keys sorted by `kid`, keys without one first.
    keys: Vec<Jwk>,
    /// Skipped keys sorted by `kid`.
    rejected: Vec<RejectedKey>,
}

/// A key that a [`JwkSet`] skipped, with the reason.
pub struct RejectedKey {
    inner: Rejected,
}

impl RejectedKey {
    /// Returns the skipped key's `kid`, if it had one.
    pub fn kid(&self) -> Option<&str> {
        self.inner.kid.as_deref()
    }

    /// Returns why the key was skipped.
    pub fn error(&self) -> &Error {
        &self.inner.error
    }
}

impl JwkSet {
    /// Reads a JWK Set document: a JSON object whose `keys` member is an array of JWKs.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] above [`MAX_KEY_SET_BYTES`]; [`Error::Malformed`] when the
    /// document is not strict JSON or `keys` is not an array of objects, or has more
    /// than [`MAX_KEYS`] entries; [`Error::InvalidKey`] when the set mixes secret and
    /// public keys, carries private members, or repeats a `kid` among its signature
    /// keys.
    pub fn from_json(text: &[u8]) -> Result<Self, Error> {
        Self::from_json_with(text, Backend::DEFAULT)
    }

    /// Reads a JWK Set document whose keys `backend` prepares and verifies with.
    ///
    /// # Errors
    ///
    /// As [`JwkSet::from_json`].
    pub fn from_json_with(text: &[u8], backend: Backend) -> Result<Self, Error> {
        if text.len() > MAX_KEY_SET_BYTES {
            return Err(Error::TooLarge {
                len: text.len(),
                max: MAX_KEY_SET_BYTES,
            });
        }
        let malformed = |fault| Error::malformed(Part::KeySet, fault);
        let document = json::parse_object(text).map_err(malformed)?;
        let Some(Value::Array(entries)) = document.get("keys") else {
            return Err(malformed(Fault::WrongType { member: "keys" }));
        };

        let mut objects = Vec::new();
        for entry in entries.iter() {
            let Value::Object(object) = entry else {
                return Err(malformed(Fault::WrongType { member: "keys" }));
            };
            if objects.len() == MAX_KEYS {
                return Err(malformed(Fault::TooManyKeys));
            }
            objects.push(object);
        }

        // Private members are a leak whatever the key is for, so they reject the set
        // before any key is read.
        if objects.iter().any(|object| has_private_members(*object)) {
            return Err(Error::InvalidKey {
                fault: KeyFault::PrivateMembers,
            });
        }

        let mut keys = Vec::new();
        let mut rejected = Vec::new();
        for object in objects {
            match Jwk::from_object(object, backend) {
                Ok(key) => keys.push(key),
                Err(inner) => rejected.push(RejectedKey { inner }),
            }
        }
        Self::from_parts(keys, rejected)
    }

    /// Builds a set from keys already read, such as configured HMAC secrets.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when secret and public keys are mixed or a `kid` repeats.
    pub fn from_keys(keys: Vec<Jwk>) -> Result<Self, Error> {
        Self::from_parts(keys, Vec::new())
    }

    fn from_parts(mut keys: Vec<Jwk>, mut rejected: Vec<RejectedKey>) -> Result<Self, Error> {
        keys.sort_by(|a, b| a.kid.cmp(&b.kid));
        rejected.sort_by(|a, b| a.inner.kid.cmp(&b.inner.kid));
        let signing_rejected = || {
            rejected
                .iter()
                .filter(|key| key.inner.counts_as_signing_key)
        };

        // HMAC secrets come from configuration. A published set that also carries one
        // for signatures has leaked it, and an attacker who can read the set could use
        // it. Keys skipped as not for signatures do not count.
        let signing_keys = keys.len() + signing_rejected().count();
        let secrets = keys.iter().filter(|key| key.is_secret()).count()
            + signing_rejected().filter(|key| key.inner.secret).count();
        if secrets != 0 && secrets != signing_keys {
            return Err(Error::InvalidKey {
                fault: KeyFault::MixedKeySet,
            });
        }

        // Duplicate kids among signature keys make selection ambiguous. Rejected keys
        // meant for signatures count too: a weak key must not hide behind a good one.
        let mut signing_kids: Vec<&str> = keys.iter().filter_map(|key| key.kid()).collect();
        signing_kids.extend(signing_rejected().filter_map(RejectedKey::kid));
        signing_kids.sort_unstable();
        if signing_kids.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(Error::InvalidKey {
                fault: KeyFault::DuplicateKid,
            });
        }

        Ok(Self { keys, rejected })
    }

    /// Returns this set with every key prepared by `backend` instead.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] when `backend` refuses a key.
    pub fn with_backend(self, backend: Backend) -> Result<Self, Error> {
        let keys = self
            .keys
            .into_iter()
            .map(|key| key.with_backend(backend))
            .collect::<Result<_, _>>()?;
        Ok(Self { keys, ..self })
    }

    /// Returns the usable keys, sorted by `kid`.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Returns the keys that were skipped, with their reasons.
    pub fn rejected(&self) -> &[RejectedKey] {
        &self.rejected
    }

    /// Returns the usable key with `kid`, if any.
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.find(JsonStr::from_plain(kid))
    }

    /// Returns the keys that may verify a token with header `kid` and `alg`.
    ///
    /// With a `kid`, that one key, found by binary search. Without, every key that
    /// allows `alg`, when there are at most [`MAX_CANDIDATES_WITHOUT_KID`] of them.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKid`] when no key has `kid`; the skipped key's own error when
    /// `kid` names a skipped key; [`Error::KeyMismatch`] when the key found, or every
    /// key of a set without `kid`, does not allow `alg`.
    pub(crate) fn select<'s>(
        &'s self,
        kid: Option<JsonStr<'_>>,
        alg: Algorithm,
    ) -> Result<Candidates<'s>, Error> {
        let Some(kid) = kid else {
            return self.select_without_kid(alg);
        };

        match self.find(kid) {
            Some(key) if key.allows(alg) => Ok(Candidates::One(Some(key))),
            Some(key) => Err(key.mismatch(alg)),
            None => match self.find_rejected(kid) {
                Some(rejected) => Err(rejected.inner.error.clone()),
                None => Err(Error::UnknownKid),
            },
        }
    }

    fn select_without_kid(&self, alg: Algorithm) -> Result<Candidates<'_>, Error> {
        let compatible = self.keys.iter().filter(|key| key.allows(alg)).count();
        if compatible > MAX_CANDIDATES_WITHOUT_KID {
            return Err(Error::KidRequired);
        }
        if compatible > 0 {
            return Ok(Candidates::Compatible {
                keys: self.keys.iter(),
                alg,
                remaining: MAX_CANDIDATES_WITHOUT_KID,
            });
        }

        // Explain with a secret too short for this hash, or with a skipped key that
        // would have fit, if it was weak or broken.
        if let Some(key) = self.keys.iter().find(|key| key.is_too_short_for(alg)) {
            return Err(key.mismatch(alg));
        }
        let fitting = self.rejected.iter().find(|rejected| {
            rejected.inner.algorithms.contains(alg) && rejected.inner.counts_as_signing_key
        });
        match fitting {
            Some(rejected) => Err(rejected.inner.error.clone()),
            None => Err(Error::KeyMismatch {
                reason: MismatchReason::NoCompatibleKey,
            }),
        }
    }

    fn find(&self, kid: JsonStr<'_>) -> Option<&Jwk> {
        let index = self
            .keys
            .binary_search_by(|key| compare_kid(key.kid(), kid))
            .ok()?;
        self.keys.get(index)
    }

    fn find_rejected(&self, kid: JsonStr<'_>) -> Option<&RejectedKey> {
        let index = self
            .rejected
            .binary_search_by(|key| compare_kid(key.kid(), kid))
            .ok()?;
        self.rejected.get(index)
    }
}

/// Orders a stored `kid` against a header `kid`; keys without one sort first.
///
/// Comparing characters gives the same order as comparing UTF-8 bytes, which is how
/// the keys were sorted.
fn compare_kid(stored: Option<&str>, wanted: JsonStr<'_>) -> Ordering {
    match stored {
        None => Ordering::Less,
        Some(stored) => match wanted.as_plain() {
            Some(plain) => stored.cmp(plain),
            None => stored.chars().cmp(wanted.chars()),
        },
    }
}

/// The keys to try for one token, in order.
pub(crate) enum Candidates<'s> {
    One(Option<&'s Jwk>),
    Compatible {
        keys: core::slice::Iter<'s, Jwk>,
        alg: Algorithm,
        remaining: usize,
    },
}

impl<'s> Iterator for Candidates<'s> {
    type Item = &'s Jwk;

    fn next(&mut self) -> Option<&'s Jwk> {
        match self {
            Self::One(key) => key.take(),
            Self::Compatible {
                keys,
                alg,
                remaining,
            } => {
                if *remaining == 0 {
                    return None;
                }
                let key = keys.find(|key| key.allows(*alg))?;
                *remaining -= 1;
                Some(key)
            }
        }
    }
}

impl core::fmt::Debug for JwkSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JwkSet")
            .field("keys", &self.keys.len())
            .field("rejected", &self.rejected.len())
            .finish()
    }
}
