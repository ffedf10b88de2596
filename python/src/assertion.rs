//! `AssertionVerifier`: RFC 7523 client assertions on the receiving side.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, PoisonError};

use pyo3::prelude::*;
use tokenguard::{AlgSet, Algorithm, Error, JwkSet, TokenBuffer};

use crate::config::{now_seconds, KeySource};
use crate::dpop::{owned, ReplayCache};
use crate::errors::{internal_error, token_error};

/// The rules for client assertions and the registered clients' keys.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct AssertionVerifier {
    verifier: Arc<tokenguard::AssertionVerifier>,
    keys: Arc<JwkSet>,
}

/// A client assertion that passed every check.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct VerifiedAssertion {
    /// The authenticated client identifier: `iss`, which equals `sub`.
    #[pyo3(get)]
    client_id: String,
    /// The assertion's claims, as a dict.
    #[pyo3(get)]
    claims: Py<PyAny>,
}

#[pymethods]
impl AssertionVerifier {
    // Literal defaults, as for `DpopVerifier`, so that the text signature shows them.
    #[new]
    #[pyo3(signature = (
        jwks, *, audiences, algorithms = None, max_lifetime = 300, leeway = 30,
    ))]
    fn new(
        py: Python<'_>,
        jwks: &Bound<'_, PyAny>,
        audiences: Vec<String>,
        algorithms: Option<Vec<String>>,
        max_lifetime: u32,
        leeway: u32,
    ) -> PyResult<Self> {
        let error = |error: Error| token_error(py, &error);
        let audiences: Vec<&str> = audiences.iter().map(String::as_str).collect();
        let mut verifier = tokenguard::AssertionVerifier::new(&audiences)
            .and_then(|verifier| verifier.with_max_lifetime(max_lifetime).with_leeway(leeway))
            .map_err(error)?;
        if let Some(names) = algorithms {
            let mut set = AlgSet::EMPTY;
            for name in &names {
                set = set.with(Algorithm::from_name(name).map_err(error)?);
            }
            verifier = verifier.with_algorithms(set).map_err(error)?;
        }
        let keys = KeySource::read(py, Some(jwks), None)?.into_key_set(py)?;
        Ok(Self {
            verifier: Arc::new(verifier),
            keys: Arc::new(keys),
        })
    }

    /// Verifies `assertion`, records its `jti` in `cache`, and returns it.
    #[pyo3(signature = (assertion, *, cache, client_id = None, now = None))]
    fn verify(
        &self,
        py: Python<'_>,
        assertion: &Bound<'_, PyAny>,
        cache: &ReplayCache,
        client_id: Option<String>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VerifiedAssertion> {
        let assertion = owned(py, assertion, "assertion")?;
        let now = now_seconds(py, now)?;
        let verifier = Arc::clone(&self.verifier);
        let keys = Arc::clone(&self.keys);
        let cache = cache.shared();
        let outcome = py.detach(move || {
            catch_unwind(AssertUnwindSafe(|| {
                let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
                let mut buffer = TokenBuffer::new();
                verifier
                    .verify(
                        &assertion,
                        client_id.as_deref(),
                        &keys,
                        &mut cache,
                        now,
                        &mut buffer,
                    )
                    .map(|verified| {
                        let client_id = verified.client_id().unescaped().into_owned();
                        let claims = verified.claims().as_object().as_text().to_owned();
                        (client_id, claims)
                    })
            }))
        });
        match outcome {
            Ok(Ok((client_id, claims))) => {
                let claims = py.import("json")?.call_method1("loads", (claims,))?;
                Ok(VerifiedAssertion {
                    client_id,
                    claims: claims.unbind(),
                })
            }
            Ok(Err(error)) => Err(token_error(py, &error)),
            Err(_) => Err(internal_error(py, "the native verifier panicked")),
        }
    }
}
