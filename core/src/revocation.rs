//! An in-process revocation list: single tokens denied by `jti`, and per-subject
//! cut-offs that revoke every token issued up to a time ("log out everywhere").
//!
//! Both tables have a fixed capacity allocated when the list is built; revoking and
//! checking allocate nothing afterwards. Entries are keyed by a SHA-256 digest of
//! the issuer and the value, so every entry has the same size whatever the length of
//! the `jti` or `sub` it stands for.

use crate::claims::Claims;
use crate::crypto::Sha256;
use crate::error::Error;
use crate::expiring::{Insert, Table};
use crate::json::JsonStr;
use crate::policy::MAX_LEEWAY_SECONDS;
#[cfg(doc)]
use crate::validator::AccessToken;

/// Largest capacity of one table of a [`RevocationList`], in entries (about 84 bytes each: 56-byte slots, 1.5 per entry).
pub const MAX_REVOCATION_ENTRIES: usize = 1 << 22;

/// A bounded list of revoked tokens, consulted after a token passed every other
/// check.
///
/// An entry stays until [`MAX_LEEWAY_SECONDS`] after the time it was given to
/// expire at, so no policy's leeway can make a revoked token valid again. When a
/// table is full, revoking first evicts expired entries; if none has expired it
/// returns [`Error::RevocationListFull`] and records nothing, so a revocation is
/// never dropped silently.
///
/// Revoking needs `&mut self`: a list shared between threads goes behind a lock,
/// read-locked for [`check`](Self::check).
#[derive(Clone, Debug)]
pub struct RevocationList {
    tokens: Table,
    subjects: Table,
}

/// The kind of value an entry key stands for, hashed into the key.
#[derive(Clone, Copy)]
enum Kind {
    TokenId,
    Subject,
}

impl RevocationList {
    /// Builds an empty list with room for `max_tokens` revoked `jti` values and
    /// `max_subjects` subject cut-offs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when a capacity exceeds [`MAX_REVOCATION_ENTRIES`].
    pub fn new(max_tokens: usize, max_subjects: usize) -> Result<Self, Error> {
        let reason = "must be at most 4194304 entries";
        Ok(Self {
            tokens: Table::new(max_tokens, MAX_REVOCATION_ENTRIES, "max_tokens", reason)?,
            subjects: Table::new(max_subjects, MAX_REVOCATION_ENTRIES, "max_subjects", reason)?,
        })
    }

    /// Revokes the token with `jti` from `issuer` until `expires_at` (its `exp`, in
    /// Unix seconds), at `now`.
    ///
    /// Revoking a `jti` twice keeps the later expiry. A token whose `exp` is already
    /// more than [`MAX_LEEWAY_SECONDS`] in the past cannot pass validation, so it is
    /// not stored and the call succeeds.
    ///
    /// # Errors
    ///
    /// [`Error::RevocationListFull`] when the table is full of unexpired entries.
    pub fn revoke(
        &mut self,
        issuer: &str,
        jti: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), Error> {
        let key = entry_key(
            Kind::TokenId,
            JsonStr::from_plain(issuer),
            JsonStr::from_plain(jti),
        );
        record(&mut self.tokens, key, expires_at, 0, now)
    }

    /// Revokes a validated token by its `iss`, `jti` and `exp`, at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::MissingClaim`] when the token has no `jti` or `exp`, and as
    /// [`revoke`](Self::revoke).
    pub fn revoke_token(&mut self, claims: &Claims<'_>, now: i64) -> Result<(), Error> {
        let jti = claims.jwt_id().ok_or_else(|| Error::missing_claim("jti"))?;
        let exp = claims
            .expires_at()
            .ok_or_else(|| Error::missing_claim("exp"))?;
        let key = entry_key(Kind::TokenId, issuer_of(claims), jti);
        record(&mut self.tokens, key, exp.seconds(), 0, now)
    }

    /// Revokes every token of `subject` from `issuer` issued at or before `cutoff`
    /// (compared with `iat`, in Unix seconds), at `now`.
    ///
    /// The entry is kept until `keep_until`, which should be `cutoff` plus the longest
    /// lifetime the issuer gives its tokens: after that, every token it revokes has
    /// expired anyway. A second cut-off for the same subject keeps the later
    /// `cutoff` and the later `keep_until`.
    ///
    /// # Errors
    ///
    /// [`Error::RevocationListFull`] when the table is full of unexpired entries.
    pub fn revoke_subject(
        &mut self,
        issuer: &str,
        subject: &str,
        cutoff: i64,
        keep_until: i64,
        now: i64,
    ) -> Result<(), Error> {
        let key = entry_key(
            Kind::Subject,
            JsonStr::from_plain(issuer),
            JsonStr::from_plain(subject),
        );
        record(&mut self.subjects, key, keep_until, cutoff, now)
    }

    /// Checks the claims of a validated token, [`AccessToken::claims`], against the
    /// list.
    ///
    /// A token is revoked when its `iss` and `jti` were revoked, or when its `iss`
    /// and `sub` have a cut-off and its `iat` is at or before the cut-off or absent.
    /// A token without `jti` can only be revoked through its subject; a policy that
    /// relies on the list should require `jti` (or use
    /// [`Profile::Rfc9068`](crate::Profile::Rfc9068)).
    ///
    /// # Errors
    ///
    /// [`Error::Revoked`] when the token is revoked.
    pub fn check(&self, claims: &Claims<'_>) -> Result<(), Error> {
        let issuer = issuer_of(claims);
        if let Some(jti) = claims.jwt_id() {
            if self
                .tokens
                .get(&entry_key(Kind::TokenId, issuer, jti))
                .is_some()
            {
                return Err(Error::Revoked);
            }
        }
        if let Some(sub) = claims.subject() {
            if let Some(entry) = self.subjects.get(&entry_key(Kind::Subject, issuer, sub)) {
                let issued_after_cutoff = claims
                    .issued_at()
                    .is_some_and(|iat| iat.cmp_seconds(i128::from(entry.value)).is_gt());
                if !issued_after_cutoff {
                    return Err(Error::Revoked);
                }
            }
        }
        Ok(())
    }

    /// Removes every entry whose time has passed at `now`, and returns how many were
    /// removed.
    pub fn evict_expired(&mut self, now: i64) -> usize {
        self.tokens.evict_expired(now) + self.subjects.evict_expired(now)
    }

    /// Returns the number of revoked `jti` values stored.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Returns the number of subject cut-offs stored.
    pub fn subject_count(&self) -> usize {
        self.subjects.len()
    }

    /// Removes every entry, keeping the capacity.
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.subjects.clear();
    }
}

/// Stores an entry until `expires_at` plus the largest leeway; a second entry for
/// the same key keeps the later expiry and the later cut-off `value`.
fn record(
    table: &mut Table,
    key: [u8; 32],
    expires_at: i64,
    value: i64,
    now: i64,
) -> Result<(), Error> {
    let evictable_after = expires_at.saturating_add(i64::from(MAX_LEEWAY_SECONDS));
    match table.insert(key, evictable_after, value, now) {
        Insert::Added | Insert::Expired => Ok(()),
        Insert::Present(entry) => {
            entry.evictable_after = entry.evictable_after.max(evictable_after);
            entry.value = entry.value.max(value);
            Ok(())
        }
        Insert::Full => Err(Error::RevocationListFull {
            capacity: table.capacity(),
        }),
    }
}

/// Returns the token's issuer, or the empty string when it has none (a policy
/// always requires `iss`, so this happens only for claims parsed by hand).
fn issuer_of<'a>(claims: &Claims<'a>) -> JsonStr<'a> {
    claims.issuer().unwrap_or(JsonStr::from_plain(""))
}

/// Hashes the kind, the issuer's length and unescaped bytes, and the value's
/// unescaped bytes, so that no two different (issuer, value) pairs share a key.
fn entry_key(kind: Kind, issuer: JsonStr<'_>, value: JsonStr<'_>) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(b"tokenguard revocation entry\0");
    digest.update(&[match kind {
        Kind::TokenId => 1,
        Kind::Subject => 2,
    }]);
    let issuer_len: usize = issuer.chars().map(char::len_utf8).sum();
    digest.update(&u64::try_from(issuer_len).unwrap_or(u64::MAX).to_be_bytes());
    update_unescaped(&mut digest, issuer);
    update_unescaped(&mut digest, value);
    digest.finish()
}

fn update_unescaped(digest: &mut Sha256, text: JsonStr<'_>) {
    if let Some(plain) = text.as_plain() {
        digest.update(plain.as_bytes());
        return;
    }
    let mut utf8 = [0; 4];
    for c in text.chars() {
        digest.update(c.encode_utf8(&mut utf8).as_bytes());
    }
}
