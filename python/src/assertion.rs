//! `AssertionVerifier`: RFC 7523 client assertions on the receiving side.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, PoisonError};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyMapping, PyString};
use tokenguard::{AlgSet, Algorithm, ClientRegistry, Error, JwkSet, TokenBuffer};

use crate::config::{now_seconds, KeySource};
use crate::dpop::{owned, ReplayCache};
use crate::errors::{config_error, internal_error, token_error, token_error_in, type_error};

/// The rules for client assertions and each registered client's keys.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct AssertionVerifier {
    verifier: Arc<tokenguard::AssertionVerifier>,
    clients: Arc<ClientRegistry>,
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
        clients, *, audiences, algorithms = None, max_lifetime = 300, leeway = 30,
    ))]
    fn new(
        py: Python<'_>,
        clients: &Bound<'_, PyAny>,
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
        let clients = read_clients(py, clients)?;
        Ok(Self {
            verifier: Arc::new(verifier),
            clients: Arc::new(clients),
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
        let clients = Arc::clone(&self.clients);
        let cache = cache.shared();
        let outcome = py.detach(move || {
            catch_unwind(AssertUnwindSafe(|| {
                let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
                let mut buffer = TokenBuffer::new();
                verifier
                    .verify(
                        &assertion,
                        client_id.as_deref(),
                        &*clients,
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

/// Reads `clients`, a mapping of client identifiers to JWK Sets (`str`, `bytes` or
/// `dict` each).
fn read_clients(py: Python<'_>, clients: &Bound<'_, PyAny>) -> PyResult<ClientRegistry> {
    let expected = "a mapping of client ids to JWK Sets";
    let mapping = clients
        .cast::<PyMapping>()
        .map_err(|_| type_error(py, "clients", expected, clients))?;
    let mut registry = ClientRegistry::new();
    for item in mapping.items()?.iter() {
        let (client_id, jwks) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
        let client_id = client_id
            .cast::<PyString>()
            .map_err(|_| type_error(py, "a client id in clients", "a str", &client_id))?
            .to_cow()
            .map_err(|_| config_error(py, "clients: a client id is not valid Unicode"))?
            .into_owned();
        let context = format!("clients[{client_id:?}]");
        let is_document = jwks.is_instance_of::<PyString>()
            || jwks.is_instance_of::<PyBytes>()
            || jwks.is_instance_of::<PyDict>();
        if !is_document {
            // Such as a JWK Set passed in place of the mapping, whose `keys` list
            // then reads as the set of a client named "keys".
            let message = format!(
                "{context} must be a str, bytes or dict JWK Set: clients maps each client \
                 id to that client's JWK Set"
            );
            return Err(config_error(py, &message));
        }
        let keys = match KeySource::read(py, Some(&jwks), None)? {
            KeySource::Document(text) => JwkSet::from_json(&text),
            KeySource::Secrets(keys, _) => JwkSet::from_keys(keys),
        };
        let keys = keys.map_err(|error| token_error_in(py, &context, &error))?;
        registry
            .insert(&client_id, keys)
            .map_err(|error| token_error_in(py, &context, &error))?;
    }
    if registry.is_empty() {
        return Err(config_error(
            py,
            "clients: at least one client with its JWK Set is required",
        ));
    }
    Ok(registry)
}
