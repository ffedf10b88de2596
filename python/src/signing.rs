//! `SigningKey` and the functions that create client assertions and DPoP proofs.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use tokenguard::{
    create_dpop_proof, Algorithm, AssertionBuilder, DpopRequest, Error, HeaderParams,
};

use crate::config::now_seconds;
use crate::errors::{config_error, token_error, type_error};

/// How many random bytes from `os.urandom` a `jti` is made from when the caller
/// gives none: 128 bits, the minimum the core accepts.
const JTI_RANDOM_BYTES: usize = 16;

/// A private key or HMAC secret that signs tokens.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct SigningKey {
    key: tokenguard::SigningKey,
}

#[pymethods]
impl SigningKey {
    /// Reads a private JWK given as JSON text, bytes or a dict.
    #[staticmethod]
    fn from_jwk(py: Python<'_>, jwk: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = json_bytes(py, jwk, "jwk")?;
        wrap(py, tokenguard::SigningKey::from_jwk(&text))
    }

    /// Reads a PKCS#8 or PKCS#1 DER private key.
    #[staticmethod]
    #[pyo3(signature = (der, kid = None))]
    fn from_der(py: Python<'_>, der: &[u8], kid: Option<&str>) -> PyResult<Self> {
        let key = tokenguard::SigningKey::from_der(der).map(|key| with_kid(key, kid));
        wrap(py, key)
    }

    /// Wraps an HMAC secret for HS256, HS384 or HS512.
    #[staticmethod]
    #[pyo3(signature = (alg, secret, kid = None))]
    fn from_hmac_secret(
        py: Python<'_>,
        alg: &str,
        secret: &[u8],
        kid: Option<&str>,
    ) -> PyResult<Self> {
        let alg = algorithm(py, alg)?;
        let key = tokenguard::SigningKey::hmac_secret(alg, secret).map(|key| with_kid(key, kid));
        wrap(py, key)
    }

    /// Generates an ES256, ES384, EdDSA or Ed25519 key bound to `alg`.
    #[staticmethod]
    #[pyo3(signature = (alg, kid = None))]
    fn generate(py: Python<'_>, alg: &str, kid: Option<&str>) -> PyResult<Self> {
        let alg = algorithm(py, alg)?;
        let key = tokenguard::SigningKey::generate(alg).map(|generated| {
            let key = generated.into_signing_key();
            with_kid(key, kid)
        });
        wrap(py, key)
    }

    /// The `kid`, or `None`.
    #[getter]
    fn kid(&self) -> Option<&str> {
        self.key.kid()
    }

    /// The algorithm the key is bound to, or `None`.
    #[getter]
    fn alg(&self) -> Option<&'static str> {
        self.key.alg().map(Algorithm::name)
    }

    /// Returns the public JWK as JSON text, or `None` for an HMAC secret.
    fn public_jwk(&self) -> Option<String> {
        self.key.public_jwk(self.key.kid(), self.key.alg())
    }

    /// Returns the base64url RFC 7638 thumbprint, or `None` for an HMAC secret.
    fn thumbprint(&self, py: Python<'_>) -> PyResult<Option<String>> {
        let Some(thumbprint) = self.key.thumbprint() else {
            return Ok(None);
        };
        // base64url without padding, as in a token's cnf jkt.
        let encoded = py
            .import("base64")?
            .call_method1("urlsafe_b64encode", (PyBytes::new(py, &thumbprint),))?;
        let text = encoded.cast::<PyBytes>()?.as_bytes();
        let text = std::str::from_utf8(text).unwrap_or_default();
        Ok(Some(text.trim_end_matches('=').to_owned()))
    }

    /// Signs `payload` into a compact JWS.
    #[pyo3(signature = (payload, *, alg = None, typ = None, embed_jwk = false))]
    fn sign_jws(
        &self,
        py: Python<'_>,
        payload: &[u8],
        alg: Option<&str>,
        typ: Option<&str>,
        embed_jwk: bool,
    ) -> PyResult<String> {
        let alg = chosen_algorithm(py, &self.key, alg)?;
        let header = HeaderParams {
            typ,
            kid: self.key.kid(),
            embed_jwk,
        };
        self.key
            .sign_jws(alg, &header, payload)
            .map_err(|error| token_error(py, &error))
    }

    fn __repr__(&self) -> String {
        format!(
            "<tokenguard.SigningKey kid={:?} alg={:?}>",
            self.key.kid(),
            self.alg()
        )
    }
}

/// Signs an RFC 7523 client assertion.
// `lifetime` defaults to the core's DEFAULT_ASSERTION_LIFETIME_SECONDS, written as
// a literal so that the text signature shows it.
#[pyfunction]
#[pyo3(signature = (
    key, *, client_id, audience, alg = None, lifetime = 60, now = None, jti_random = None,
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_client_assertion(
    py: Python<'_>,
    key: &SigningKey,
    client_id: &str,
    audience: &str,
    alg: Option<&str>,
    lifetime: u32,
    now: Option<&Bound<'_, PyAny>>,
    jti_random: Option<&[u8]>,
) -> PyResult<String> {
    let now = now_seconds(py, now)?;
    let alg = chosen_algorithm(py, &key.key, alg)?;
    let random = random_bytes(py, jti_random)?;
    let error = |error: Error| token_error(py, &error);
    let builder = AssertionBuilder::new(client_id, audience)
        .and_then(|builder| builder.with_lifetime(lifetime))
        .map_err(error)?;
    builder
        .sign(&key.key, Some(alg), now, &random)
        .map_err(error)
}

/// Signs a DPoP proof (RFC 9449 section 4.2).
#[pyfunction]
#[pyo3(name = "create_dpop_proof", signature = (
    key, *, method, uri, access_token = None, nonce = None, alg = None, now = None,
    jti_random = None,
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_dpop_proof_text(
    py: Python<'_>,
    key: &SigningKey,
    method: &str,
    uri: &str,
    access_token: Option<&str>,
    nonce: Option<&str>,
    alg: Option<&str>,
    now: Option<&Bound<'_, PyAny>>,
    jti_random: Option<&[u8]>,
) -> PyResult<String> {
    let now = now_seconds(py, now)?;
    let alg = chosen_algorithm(py, &key.key, alg)?;
    let random = random_bytes(py, jti_random)?;
    let request = DpopRequest { method, uri, nonce };
    create_dpop_proof(&key.key, Some(alg), &request, access_token, now, &random)
        .map_err(|error| token_error(py, &error))
}

fn wrap(py: Python<'_>, key: Result<tokenguard::SigningKey, Error>) -> PyResult<SigningKey> {
    key.map(|key| SigningKey { key })
        .map_err(|error| token_error(py, &error))
}

fn with_kid(key: tokenguard::SigningKey, kid: Option<&str>) -> tokenguard::SigningKey {
    match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    }
}

fn algorithm(py: Python<'_>, name: &str) -> PyResult<Algorithm> {
    Algorithm::from_name(name).map_err(|error| token_error(py, &error))
}

/// Returns the algorithm named by `alg`, or the key's default.
fn chosen_algorithm(
    py: Python<'_>,
    key: &tokenguard::SigningKey,
    alg: Option<&str>,
) -> PyResult<Algorithm> {
    match alg {
        Some(name) => algorithm(py, name),
        None => key.default_algorithm().ok_or_else(|| {
            config_error(
                py,
                "an RSA key without alg needs alg= to choose the algorithm",
            )
        }),
    }
}

/// Returns `given`, or fresh bytes from `os.urandom`.
fn random_bytes(py: Python<'_>, given: Option<&[u8]>) -> PyResult<Vec<u8>> {
    if let Some(given) = given {
        return Ok(given.to_vec());
    }
    let bytes = py
        .import("os")?
        .call_method1("urandom", (JTI_RANDOM_BYTES,))?;
    Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec())
}

/// Returns JSON text given as `str`, `bytes` or an object `json.dumps` accepts.
pub(crate) fn json_bytes(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    argument: &str,
) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_cow()?.as_bytes().to_vec());
    }
    if value.is_instance_of::<pyo3::types::PyDict>() {
        let text = py.import("json")?.call_method1("dumps", (value,))?;
        return Ok(text.cast::<PyString>()?.to_cow()?.as_bytes().to_vec());
    }
    Err(type_error(py, argument, "str, bytes or dict", value))
}
