//! `RevocationList`: the core's bounded revocation list behind a lock.

use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use tokenguard::{Claims, Error};

use crate::config::{count, now_seconds, text, unix_seconds};
use crate::errors::token_error;
use crate::token::VerifiedToken;

/// Revoked `jti` values a list built without `max_tokens` has room for (about 8.4 MB).
const DEFAULT_MAX_TOKENS: usize = 100_000;

/// Subject cut-offs a list built without `max_subjects` has room for.
const DEFAULT_MAX_SUBJECTS: usize = 10_000;

/// A bounded in-process list of revoked tokens: `jti` values and per-subject
/// cut-offs, checked after a token passed every other check.
///
/// The lock is held only for a table lookup or insertion, which allocate nothing.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct RevocationList {
    list: Mutex<tokenguard::RevocationList>,
}

#[pymethods]
impl RevocationList {
    #[new]
    #[pyo3(signature = (max_tokens = None, max_subjects = None))]
    fn new(
        py: Python<'_>,
        max_tokens: Option<&Bound<'_, PyAny>>,
        max_subjects: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let capacity = |value: Option<&Bound<'_, PyAny>>, name, default| match value {
            Some(value) => count(py, value, name),
            None => Ok(default),
        };
        let max_tokens = capacity(max_tokens, "max_tokens", DEFAULT_MAX_TOKENS)?;
        let max_subjects = capacity(max_subjects, "max_subjects", DEFAULT_MAX_SUBJECTS)?;
        let list = tokenguard::RevocationList::new(max_tokens, max_subjects)
            .map_err(|error| token_error(py, &error))?;
        Ok(Self {
            list: Mutex::new(list),
        })
    }

    /// Revokes the token `jti` of `issuer` until `expires_at` (its `exp`).
    #[pyo3(signature = (issuer, jti, expires_at, now = None))]
    fn revoke(
        &self,
        py: Python<'_>,
        issuer: &Bound<'_, PyAny>,
        jti: &Bound<'_, PyAny>,
        expires_at: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let issuer = text(py, issuer, "issuer")?;
        let jti = text(py, jti, "jti")?;
        let expires_at = unix_seconds(py, expires_at, "expires_at")?;
        let now = now_seconds(py, now)?;
        let outcome = self.lock().revoke(&issuer, &jti, expires_at, now);
        outcome.map_err(|error| token_error(py, &error))
    }

    /// Revokes a verified token by its `iss`, `jti` and `exp`.
    #[pyo3(signature = (token, now = None))]
    fn revoke_token(
        &self,
        py: Python<'_>,
        token: &Bound<'_, VerifiedToken>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let now = now_seconds(py, now)?;
        let payload = token.get().payload_bytes();
        let outcome =
            Claims::parse(payload).and_then(|claims| self.lock().revoke_token(&claims, now));
        outcome.map_err(|error| token_error(py, &error))
    }

    /// Revokes every token of `subject` from `issuer` issued at or before `cutoff`,
    /// keeping the entry until `keep_until`.
    #[pyo3(signature = (issuer, subject, cutoff, keep_until, now = None))]
    fn revoke_subject(
        &self,
        py: Python<'_>,
        issuer: &Bound<'_, PyAny>,
        subject: &Bound<'_, PyAny>,
        cutoff: &Bound<'_, PyAny>,
        keep_until: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let issuer = text(py, issuer, "issuer")?;
        let subject = text(py, subject, "subject")?;
        let cutoff = unix_seconds(py, cutoff, "cutoff")?;
        let keep_until = unix_seconds(py, keep_until, "keep_until")?;
        let now = now_seconds(py, now)?;
        let outcome = self
            .lock()
            .revoke_subject(&issuer, &subject, cutoff, keep_until, now);
        outcome.map_err(|error| token_error(py, &error))
    }

    /// Raises `Revoked` when the verified token is revoked.
    fn check(&self, py: Python<'_>, token: &Bound<'_, VerifiedToken>) -> PyResult<()> {
        let payload = token.get().payload_bytes();
        let outcome = Claims::parse(payload).and_then(|claims| self.lock().check(&claims));
        outcome.map_err(|error| token_error(py, &error))
    }

    /// Returns whether the verified token is revoked.
    fn is_revoked(&self, py: Python<'_>, token: &Bound<'_, VerifiedToken>) -> PyResult<bool> {
        match self.check(py, token) {
            Ok(()) => Ok(false),
            Err(error) if is_revoked_error(py, &error) => Ok(true),
            Err(error) => Err(error),
        }
    }

    /// Removes every entry whose time has passed and returns how many were removed.
    #[pyo3(signature = (now = None))]
    fn evict_expired(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        let now = now_seconds(py, now)?;
        Ok(self.lock().evict_expired(now))
    }

    /// Removes every entry, keeping the capacity.
    fn clear(&self) {
        self.lock().clear();
    }

    /// The number of revoked `jti` values stored.
    #[getter]
    fn token_count(&self) -> usize {
        self.lock().token_count()
    }

    /// The number of subject cut-offs stored.
    #[getter]
    fn subject_count(&self) -> usize {
        self.lock().subject_count()
    }

    fn __repr__(&self) -> String {
        let list = self.lock();
        format!(
            "<tokenguard.RevocationList with {} tokens and {} subjects>",
            list.token_count(),
            list.subject_count()
        )
    }
}

impl RevocationList {
    /// Locks the list; a panic while it was held cannot leave a table half
    /// updated, because every update is one `Vec` insertion or retain.
    fn lock(&self) -> MutexGuard<'_, tokenguard::RevocationList> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn is_revoked_error(py: Python<'_>, error: &PyErr) -> bool {
    error
        .value(py)
        .getattr("code")
        .and_then(|code| code.extract::<u16>())
        .is_ok_and(|code| code == Error::Revoked.code())
}
