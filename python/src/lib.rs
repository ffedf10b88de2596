//! `tokenguard._native`: the pyo3 module under the `tokenguard` Python package.
//!
//! Inputs are copied into owned Rust values while the GIL is held, verification runs
//! with the GIL released, and every failure, including a panic, reaches Python as a
//! `tokenguard.TokenError` subclass built by `tokenguard._errors`.

mod config;
mod errors;
mod revocation;
mod token;

mod assertion;
mod dpop;
mod signing;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, PoisonError, RwLock};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};
use tokenguard::{BearerError, Challenge, Error, Fault, Part, Scheme, ScopeClaims};

use crate::config::{now_seconds, KeySource, Options};
use crate::errors::{internal_error, token_error, type_error};
use crate::revocation::RevocationList;
use crate::token::{verify, Input, Verified, VerifiedToken};

/// An access-token validator: an immutable policy and a replaceable key set.
///
/// The key set sits behind a lock that is held only to clone an `Arc`, so
/// `set_jwks` swaps it atomically while other threads validate with the old one.
#[pyclass(frozen, module = "tokenguard._native")]
struct Validator {
    current: RwLock<Arc<tokenguard::Validator>>,
    scope_claims: ScopeClaims,
}

#[pymethods]
impl Validator {
    #[new]
    #[pyo3(signature = (
        jwks = None,
        *,
        issuers,
        audiences,
        algorithms = None,
        leeway = None,
        max_age = None,
        typ = None,
        profile = None,
        required_claims = None,
        required_scopes = None,
        scope_match = None,
        scope_claims = None,
        scope_hierarchy = None,
        max_token_bytes = None,
        hmac_secrets = None,
        introspection_audience = None,
        introspection_max_age = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        jwks: Option<&Bound<'_, PyAny>>,
        issuers: &Bound<'_, PyAny>,
        audiences: &Bound<'_, PyAny>,
        algorithms: Option<&Bound<'_, PyAny>>,
        leeway: Option<&Bound<'_, PyAny>>,
        max_age: Option<&Bound<'_, PyAny>>,
        typ: Option<&Bound<'_, PyAny>>,
        profile: Option<&Bound<'_, PyAny>>,
        required_claims: Option<&Bound<'_, PyAny>>,
        required_scopes: Option<&Bound<'_, PyAny>>,
        scope_match: Option<&Bound<'_, PyAny>>,
        scope_claims: Option<&Bound<'_, PyAny>>,
        scope_hierarchy: Option<&Bound<'_, PyAny>>,
        max_token_bytes: Option<&Bound<'_, PyAny>>,
        hmac_secrets: Option<&Bound<'_, PyAny>>,
        introspection_audience: Option<&Bound<'_, PyAny>>,
        introspection_max_age: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let options = Options {
            issuers,
            audiences,
            algorithms,
            leeway,
            max_age,
            typ,
            profile,
            required_claims,
            required_scopes,
            scope_match,
            scope_claims,
            scope_hierarchy,
            max_token_bytes,
            introspection_audience,
            introspection_max_age,
        };
        let keys = KeySource::read(py, jwks, hmac_secrets)?;
        let (policy, scope_claims) = options.build(py, keys.hmac_algorithms())?;
        let keys = keys.into_key_set(py)?;
        Ok(Self {
            current: RwLock::new(Arc::new(tokenguard::Validator::new(policy, keys))),
            scope_claims,
        })
    }

    /// Replaces the key set; validations already running finish with the old one.
    fn set_jwks(&self, py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<()> {
        let keys = KeySource::read(py, Some(jwks), None)?.into_key_set(py)?;
        let policy = self.snapshot().policy().clone();
        let rebuilt = Arc::new(tokenguard::Validator::new(policy, keys));
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = rebuilt;
        Ok(())
    }

    /// The `kid` of every usable key in the current set, sorted.
    #[getter]
    fn key_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let validator = self.snapshot();
        let kids: Vec<&str> = validator
            .keys()
            .keys()
            .iter()
            .filter_map(|key| key.kid())
            .collect();
        PyTuple::new(py, kids)
    }

    /// `(kid, reason)` for every key the current set skipped.
    #[getter]
    fn rejected_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let validator = self.snapshot();
        let rejected = validator
            .keys()
            .rejected()
            .iter()
            .map(|key| (key.kid().map(str::to_owned), key.error().to_string()));
        PyTuple::new(py, rejected)
    }

    /// The `aud` a signed introspection response must name, or `None`.
    #[getter]
    fn introspection_audience(&self) -> Option<String> {
        let validator = self.snapshot();
        validator
            .policy()
            .introspection_audience()
            .map(str::to_owned)
    }

    /// The maximum length of a token or introspection response, in bytes.
    #[getter]
    fn max_token_bytes(&self) -> usize {
        self.snapshot().policy().max_token_bytes()
    }

    /// Validates a compact JWS access token at `now` (Unix seconds, default: the
    /// clock) and returns a `VerifiedToken`; the GIL is released while it verifies.
    #[pyo3(signature = (token, now = None))]
    fn validate(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VerifiedToken> {
        let input = owned_input(py, token, Part::Token, "token")?;
        self.run(py, input, now, Input::Token)
    }

    /// Validates the token of an `Authorization: Bearer` header value.
    #[pyo3(signature = (authorization, now = None))]
    fn validate_header(
        &self,
        py: Python<'_>,
        authorization: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VerifiedToken> {
        let input = owned_input(
            py,
            authorization,
            Part::AuthorizationHeader,
            "authorization",
        )?;
        self.run(py, input, now, Input::Authorization)
    }

    /// Checks an RFC 7662 introspection response body (`str` or `bytes`) with the
    /// same policy and returns the `VerifiedToken` it describes, whose `header` is
    /// `None`.
    #[pyo3(signature = (response, now = None))]
    fn validate_introspection(
        &self,
        py: Python<'_>,
        response: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VerifiedToken> {
        let input = owned_input(py, response, Part::IntrospectionResponse, "response")?;
        self.run(py, input, now, Input::Introspection)
    }

    /// Checks an RFC 9701 signed introspection response (a JWT) with the key set,
    /// `introspection_audience` and the policy, and returns the `VerifiedToken` it
    /// describes.
    #[pyo3(signature = (response, now = None))]
    fn validate_signed_introspection(
        &self,
        py: Python<'_>,
        response: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VerifiedToken> {
        let input = owned_input(py, response, Part::Token, "response")?;
        self.run(py, input, now, Input::SignedIntrospection)
    }

    /// Validates a DPoP-bound token with its proof (RFC 9449 section 7).
    #[pyo3(signature = (
        authorization, proof, method, uri, nonce = None, *, cache, verifier = None, now = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn validate_dpop(
        &self,
        py: Python<'_>,
        authorization: &Bound<'_, PyAny>,
        proof: &Bound<'_, PyAny>,
        method: &str,
        uri: &str,
        nonce: Option<&str>,
        cache: &dpop::ReplayCache,
        verifier: Option<&dpop::DpopVerifier>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VerifiedToken> {
        let arguments = dpop::DpopArguments::read(py, authorization, proof, method, uri, nonce)?;
        let now = now_seconds(py, now)?;
        let validator = self.snapshot();
        dpop::validate_dpop(
            py,
            validator,
            self.scope_claims,
            arguments,
            verifier,
            cache,
            now,
        )
    }

    /// Validates a token bound to the client certificate `certificate_der` (RFC 8705).
    #[pyo3(signature = (token, certificate_der, now = None))]
    fn validate_certificate_bound(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        certificate_der: &[u8],
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<VerifiedToken> {
        let token = owned_input(py, token, Part::Token, "token")?;
        let now = now_seconds(py, now)?;
        let (validator, scope_claims) = (self.snapshot(), self.scope_claims);
        let certificate = certificate_der.to_vec();
        dpop::validate_certificate_bound(py, validator, scope_claims, token, certificate, now)
    }

    fn __repr__(&self) -> String {
        let validator = self.snapshot();
        format!(
            "<tokenguard.Validator with {} keys>",
            validator.keys().keys().len()
        )
    }
}

impl Validator {
    fn snapshot(&self) -> Arc<tokenguard::Validator> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn run(
        &self,
        py: Python<'_>,
        bytes: Vec<u8>,
        now: Option<&Bound<'_, PyAny>>,
        input: Input,
    ) -> PyResult<VerifiedToken> {
        let now = now_seconds(py, now)?;
        let validator = self.snapshot();
        let scope_claims = self.scope_claims;

        // Everything the closure touches is owned, so the GIL can be released; a panic
        // is caught here rather than unwinding into the interpreter.
        let keep_gil = input == Input::Introspection || verifies_only_hmac(&validator);
        let check = move || {
            catch_unwind(AssertUnwindSafe(|| {
                verify(&validator, &bytes, now, input, scope_claims)
            }))
        };
        let outcome: Result<Result<Verified, Error>, _> =
            if keep_gil { check() } else { py.detach(check) };
        match outcome {
            Ok(Ok(verified)) => verified.into_python(py),
            Ok(Err(error)) => Err(token_error(py, &error)),
            Err(_) => Err(internal_error(py, "the native validator panicked")),
        }
    }
}

/// Returns whether every key of `validator` is an HMAC secret, so that every
/// signature it checks is an HMAC.
///
/// Such a validation takes about a microsecond, less than releasing the GIL and
/// taking it back when another thread waits for it: with the GIL released, two
/// threads validating HS256 tokens managed 0.70 times the throughput of one
/// (`benches/python_bench.py`, 2 cores). Holding it keeps them at one thread's rate.
fn verifies_only_hmac(validator: &tokenguard::Validator) -> bool {
    let keys = validator.keys().keys();
    !keys.is_empty() && keys.iter().all(|key| key.is_secret())
}

/// Copies a `str` or `bytes` argument into owned bytes.
///
/// A `str` that cannot be UTF-8 encoded (a lone surrogate) is malformed input, and
/// any other type is reported as a malformed token too, so that a caller passing
/// whatever arrived in a request always gets a `TokenError`.
fn owned_input(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    part: Part,
    argument: &str,
) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(text) = value.cast::<PyString>() {
        let fault = match part {
            Part::AuthorizationHeader => Fault::Credentials,
            _ => Fault::Utf8,
        };
        return match text.to_cow() {
            Ok(text) => Ok(text.as_bytes().to_vec()),
            Err(_) => Err(token_error(py, &Error::Malformed { part, fault })),
        };
    }
    Err(type_error(py, argument, "str or bytes", value))
}

/// Returns the token of an `Authorization: Bearer` header value, parsed as
/// `validate_header` parses it, for a token that is checked by introspection.
#[pyfunction]
fn bearer_token(py: Python<'_>, authorization: &Bound<'_, PyAny>) -> PyResult<String> {
    let value = owned_input(
        py,
        authorization,
        Part::AuthorizationHeader,
        "authorization",
    )?;
    let credentials =
        tokenguard::parse_authorization(&value).map_err(|error| token_error(py, &error))?;
    if credentials.scheme() != Scheme::Bearer {
        let error = Error::Malformed {
            part: Part::AuthorizationHeader,
            fault: Fault::DpopNeedsProof,
        };
        return Err(token_error(py, &error));
    }
    Ok(credentials.token().to_owned())
}

/// Formats an RFC 6750 `WWW-Authenticate` value with the core's quoting rules.
#[pyfunction]
#[pyo3(signature = (error = None, description = None, realm = None, scope = None))]
fn challenge(
    error: Option<&str>,
    description: Option<&str>,
    realm: Option<&str>,
    scope: Option<&str>,
) -> String {
    let mut challenge = Challenge::new(Scheme::Bearer);
    if let Some(realm) = realm {
        challenge = challenge.realm(realm);
    }
    let code = match error {
        Some("invalid_request") => Some(BearerError::InvalidRequest),
        Some("invalid_token") => Some(BearerError::InvalidToken),
        Some("insufficient_scope") => Some(BearerError::InsufficientScope),
        _ => None,
    };
    if let Some(code) = code {
        challenge = challenge.error(code);
    }
    let description = description.filter(|_| code.is_some());
    if let Some(description) = &description {
        challenge = challenge.description(description);
    }
    if let Some(scope) = scope {
        challenge = challenge.scope(scope);
    }
    challenge.to_string()
}

/// Returns the system clock's time in Unix seconds, as validation uses by default.
#[pyfunction]
fn unix_now() -> i64 {
    tokenguard::unix_now()
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Validator>()?;
    module.add_class::<VerifiedToken>()?;
    module.add_class::<RevocationList>()?;
    module.add_function(wrap_pyfunction!(bearer_token, module)?)?;
    module.add_function(wrap_pyfunction!(challenge, module)?)?;
    module.add_function(wrap_pyfunction!(unix_now, module)?)?;
    module.add("DEFAULT_LEEWAY_SECONDS", tokenguard::DEFAULT_LEEWAY_SECONDS)?;
    module.add("MAX_LEEWAY_SECONDS", tokenguard::MAX_LEEWAY_SECONDS)?;
    module.add(
        "DEFAULT_MAX_TOKEN_BYTES",
        tokenguard::DEFAULT_MAX_TOKEN_BYTES,
    )?;
    module.add("MAX_TOKEN_BYTES_LIMIT", tokenguard::MAX_TOKEN_BYTES_LIMIT)?;
    module.add("MAX_KEY_SET_BYTES", tokenguard::MAX_KEY_SET_BYTES)?;
    module.add(
        "DEFAULT_INTROSPECTION_MAX_AGE_SECONDS",
        tokenguard::DEFAULT_INTROSPECTION_MAX_AGE_SECONDS,
    )?;
    module.add("MAX_REVOCATION_ENTRIES", tokenguard::MAX_REVOCATION_ENTRIES)?;
    module.add_class::<dpop::DpopVerifier>()?;
    module.add_class::<dpop::ReplayCache>()?;
    module.add_class::<assertion::AssertionVerifier>()?;
    module.add_class::<assertion::VerifiedAssertion>()?;
    module.add_class::<signing::SigningKey>()?;
    module.add_function(wrap_pyfunction!(signing::create_client_assertion, module)?)?;
    module.add_function(wrap_pyfunction!(signing::create_dpop_proof_text, module)?)?;
    Ok(())
}
