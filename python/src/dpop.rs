//! DPoP (RFC 9449) and certificate-bound (RFC 8705) validation: `DpopVerifier`,
//! `ReplayCache`, and the bodies of `Validator.validate_dpop` and
//! `Validator.validate_certificate_bound`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use tokenguard::{
    AlgSet, Algorithm, BearerError, Challenge, DpopRequest, Error, Scheme, ScopeClaims,
    TokenBuffer, Validator,
};

use crate::config::now_seconds;
use crate::errors::{internal_error, token_error, type_error};
use crate::token::{Verified, VerifiedToken};

/// The checks of DPoP proofs that do not depend on the request.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct DpopVerifier {
    verifier: tokenguard::DpopVerifier,
}

#[pymethods]
impl DpopVerifier {
    // The defaults are written as literals so that the text signature shows them;
    // they are the core's DEFAULT_DPOP_MAX_AGE_SECONDS and DEFAULT_LEEWAY_SECONDS,
    // which `defaults_match_core` checks.
    #[new]
    #[pyo3(signature = (algorithms = None, *, max_age = 60, leeway = 30))]
    fn new(
        py: Python<'_>,
        algorithms: Option<Vec<String>>,
        max_age: u32,
        leeway: u32,
    ) -> PyResult<Self> {
        let error = |error: Error| token_error(py, &error);
        let mut verifier = tokenguard::DpopVerifier::new()
            .with_max_age(max_age)
            .with_leeway(leeway)
            .map_err(error)?;
        if let Some(names) = algorithms {
            let mut set = AlgSet::EMPTY;
            for name in &names {
                set = set.with(Algorithm::from_name(name).map_err(error)?);
            }
            verifier = verifier.with_algorithms(set).map_err(error)?;
        }
        Ok(Self { verifier })
    }

    /// The accepted algorithms, in the core's order.
    #[getter]
    fn algorithms(&self) -> Vec<&'static str> {
        self.verifier
            .algorithms()
            .iter()
            .map(Algorithm::name)
            .collect()
    }

    /// Formats the `WWW-Authenticate: DPoP` value for `error`, or a bare one.
    #[pyo3(signature = (error = None, realm = None))]
    fn www_authenticate(
        &self,
        error: Option<&Bound<'_, PyAny>>,
        realm: Option<&str>,
    ) -> PyResult<String> {
        let mut challenge = Challenge::new(Scheme::DPoP).algs(self.verifier.algorithms());
        if let Some(realm) = realm {
            challenge = challenge.realm(realm);
        }
        let (code, description) = match error {
            Some(error) => {
                let code: Option<String> = error.getattr("error")?.extract()?;
                let description: String = error.getattr("description")?.extract()?;
                (code.as_deref().and_then(bearer_error), description)
            }
            None => (None, String::new()),
        };
        if let Some(code) = code {
            challenge = challenge.error(code).description(&description);
            return Ok(challenge.to_string());
        }
        Ok(challenge.to_string())
    }
}

/// A bounded set of DPoP proofs and client assertions already accepted.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct ReplayCache {
    cache: Arc<Mutex<tokenguard::ReplayCache>>,
}

#[pymethods]
impl ReplayCache {
    #[new]
    fn new(py: Python<'_>, capacity: usize) -> PyResult<Self> {
        let cache = tokenguard::ReplayCache::new(capacity).map_err(|e| token_error(py, &e))?;
        Ok(Self {
            cache: Arc::new(Mutex::new(cache)),
        })
    }

    fn __len__(&self) -> usize {
        self.lock().len()
    }

    /// Removes the entries whose time has passed at `now` and returns how many.
    #[pyo3(signature = (now = None))]
    fn evict_expired(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        let now = now_seconds(py, now)?;
        Ok(self.lock().evict_expired(now))
    }
}

impl ReplayCache {
    /// Locks the cache. Each update is one insertion or retain, so a poisoned
    /// lock still guards a whole table and is used as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, tokenguard::ReplayCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn shared(&self) -> Arc<Mutex<tokenguard::ReplayCache>> {
        Arc::clone(&self.cache)
    }
}

/// The owned arguments of `Validator.validate_dpop`.
pub(crate) struct DpopArguments {
    authorization: Vec<u8>,
    proof: Vec<u8>,
    method: String,
    uri: String,
    nonce: Option<String>,
}

impl DpopArguments {
    /// Copies the arguments while the GIL is held.
    pub(crate) fn read(
        py: Python<'_>,
        authorization: &Bound<'_, PyAny>,
        proof: &Bound<'_, PyAny>,
        method: &str,
        uri: &str,
        nonce: Option<&str>,
    ) -> PyResult<Self> {
        Ok(Self {
            authorization: owned(py, authorization, "authorization")?,
            proof: owned(py, proof, "proof")?,
            method: method.to_owned(),
            uri: uri.to_owned(),
            nonce: nonce.map(str::to_owned),
        })
    }
}

/// Validates a DPoP-bound token with its proof, with the GIL released.
pub(crate) fn validate_dpop(
    py: Python<'_>,
    validator: Arc<Validator>,
    scope_claims: ScopeClaims,
    arguments: DpopArguments,
    verifier: Option<&DpopVerifier>,
    cache: &ReplayCache,
    now: i64,
) -> PyResult<VerifiedToken> {
    let verifier = verifier.map_or_else(tokenguard::DpopVerifier::new, |v| v.verifier.clone());
    let cache = cache.shared();
    run(py, move || {
        let request = DpopRequest {
            method: &arguments.method,
            uri: &arguments.uri,
            nonce: arguments.nonce.as_deref(),
        };
        let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut buffer, mut proof_buffer) = (TokenBuffer::new(), TokenBuffer::new());
        validator
            .validate_dpop(
                &arguments.authorization,
                &arguments.proof,
                &request,
                &verifier,
                &mut cache,
                now,
                &mut buffer,
                &mut proof_buffer,
            )
            .map(|token| Verified::new(&token, scope_claims))
    })
}

/// Validates a certificate-bound token, with the GIL released.
pub(crate) fn validate_certificate_bound(
    py: Python<'_>,
    validator: Arc<Validator>,
    scope_claims: ScopeClaims,
    token: Vec<u8>,
    certificate: Vec<u8>,
    now: i64,
) -> PyResult<VerifiedToken> {
    run(py, move || {
        let mut buffer = TokenBuffer::new();
        validator
            .validate_certificate_bound(&token, &certificate, now, &mut buffer)
            .map(|token| Verified::new(&token, scope_claims))
    })
}

/// Runs `verify` without the GIL, catching a panic.
fn run(
    py: Python<'_>,
    verify: impl FnOnce() -> Result<Verified, Error> + Send,
) -> PyResult<VerifiedToken> {
    let outcome = py.detach(move || catch_unwind(AssertUnwindSafe(verify)));
    match outcome {
        Ok(Ok(verified)) => verified.into_python(py),
        Ok(Err(error)) => Err(token_error(py, &error)),
        Err(_) => Err(internal_error(py, "the native validator panicked")),
    }
}

/// Copies a `str` or `bytes` argument.
pub(crate) fn owned(py: Python<'_>, value: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_cow()?.as_bytes().to_vec());
    }
    Err(type_error(py, argument, "str or bytes", value))
}

fn bearer_error(code: &str) -> Option<BearerError> {
    Some(match code {
        "invalid_request" => BearerError::InvalidRequest,
        "invalid_token" => BearerError::InvalidToken,
        "insufficient_scope" => BearerError::InsufficientScope,
        "invalid_dpop_proof" => BearerError::InvalidDpopProof,
        "use_dpop_nonce" => BearerError::UseDpopNonce,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn defaults_match_core() {
        assert_eq!(tokenguard::DEFAULT_DPOP_MAX_AGE_SECONDS, 60);
        assert_eq!(tokenguard::DEFAULT_LEEWAY_SECONDS, 30);
        assert_eq!(tokenguard::DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS, 300);
        assert_eq!(tokenguard::DEFAULT_ASSERTION_LIFETIME_SECONDS, 60);
    }
}
