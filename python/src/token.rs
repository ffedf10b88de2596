//! Verification with the GIL released, and the `VerifiedToken` Python object.

use std::cell::RefCell;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyTuple};
use tokenguard::json::Value;
use tokenguard::{
    AccessToken, Error, Fault, Part, ScopeClaims, TokenBuffer, Validator, DEFAULT_MAX_TOKEN_BYTES,
    MAX_TOKEN_BYTES_LIMIT,
};

use crate::errors::token_error;

/// Decoded size of the largest token a policy may allow, 3/4 of its length.
const LARGE_BUFFER_BYTES: usize = MAX_TOKEN_BYTES_LIMIT / 4 * 3;

thread_local! {
    // Only policies that raise max_token_bytes above the default use this buffer, so
    // it is allocated on such a thread's first validation and reused afterwards.
    static LARGE_BUFFER: RefCell<Option<Box<TokenBuffer<LARGE_BUFFER_BYTES>>>> =
        const { RefCell::new(None) };
}

/// What the bytes given to a validation are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    /// A compact JWS access token.
    Token,
    /// An `Authorization` header value.
    Authorization,
    /// An RFC 7662 introspection response body.
    Introspection,
    /// An RFC 9701 signed introspection response.
    SignedIntrospection,
}

/// The parts of a verified token, owned so that they outlive the token buffer.
pub(crate) struct Verified {
    /// The JWS header, or `None` for a token accepted from an introspection response.
    header: Option<String>,
    payload: String,
    subject: Option<String>,
    client_id: Option<String>,
    issuer: Option<String>,
    audiences: Vec<String>,
    scopes: Vec<String>,
}

/// Validates `bytes` as the `input` kind says.
pub(crate) fn verify(
    validator: &Validator,
    bytes: &[u8],
    now: i64,
    input: Input,
    scope_claims: ScopeClaims,
) -> Result<Verified, Error> {
    let run =
        |token: Result<AccessToken<'_>, Error>| token.map(|t| Verified::new(&t, scope_claims));
    if input == Input::Introspection {
        return run(validator.validate_introspection(bytes, now));
    }
    if validator.policy().max_token_bytes() <= DEFAULT_MAX_TOKEN_BYTES {
        let mut buffer = TokenBuffer::new();
        return run(select(validator, bytes, now, input, &mut buffer));
    }
    LARGE_BUFFER.with(|cell| {
        let mut slot = cell.borrow_mut();
        // NOTE: each thread that validates under such a policy keeps 768 KiB until it
        // exits. Release builds allocate the box directly; a debug build may first
        // build the array on the stack.
        let buffer = slot.get_or_insert_with(|| Box::new(TokenBuffer::with_capacity()));
        run(select(validator, bytes, now, input, buffer))
    })
}

fn select<'a, const N: usize>(
    validator: &'a Validator,
    bytes: &'a [u8],
    now: i64,
    input: Input,
    buffer: &'a mut TokenBuffer<N>,
) -> Result<AccessToken<'a>, Error> {
    match input {
        Input::Token => validator.validate(bytes, now, buffer),
        Input::Authorization => validator.validate_authorization(bytes, now, buffer),
        Input::Introspection => validator.validate_introspection(bytes, now),
        Input::SignedIntrospection => validator.validate_signed_introspection(bytes, now, buffer),
    }
}

impl Verified {
    pub(crate) fn new(token: &AccessToken<'_>, scope_claims: ScopeClaims) -> Self {
        let claims = token.claims();
        let text = |value: tokenguard::JsonStr<'_>| value.unescaped().into_owned();

        let mut scopes: Vec<String> = claims.scopes().map(text).collect();
        // The same rule as the policy's: `scp` counts only when `scope` is absent.
        if scope_claims == ScopeClaims::ScopeOrScp && claims.get("scope").is_none() {
            scopes = scp_values(claims.scp());
        }
        Self {
            header: token
                .header()
                .map(|header| header.as_object().as_text().to_owned()),
            payload: claims.as_object().as_text().to_owned(),
            subject: claims.subject().map(text),
            client_id: claims.client_id().map(text),
            issuer: claims.issuer().map(text),
            audiences: claims.audiences().map(text).collect(),
            scopes,
        }
    }

    /// Builds the Python object, which parses the claims and header with
    /// `json.loads` when they are first read.
    ///
    /// A text with a run of 640 digits or more, the lowest nonzero limit that
    /// `sys.set_int_max_str_digits` accepts, is parsed now, so that a number Python
    /// rejects fails the validation rather than a later attribute read.
    pub(crate) fn into_python(self, py: Python<'_>) -> PyResult<VerifiedToken> {
        let token = VerifiedToken {
            header_text: self.header,
            payload: self.payload,
            subject: self.subject,
            client_id: self.client_id,
            issuer: self.issuer,
            audience_values: self.audiences,
            scope_values: self.scopes,
            claims: PyOnceLock::new(),
            header: PyOnceLock::new(),
            audiences: PyOnceLock::new(),
            scopes: PyOnceLock::new(),
            expires_at: PyOnceLock::new(),
            raw_payload: PyOnceLock::new(),
        };
        let long_digits = |text: &str| {
            text.as_bytes()
                .split(|byte| !byte.is_ascii_digit())
                .any(|digits| digits.len() >= MIN_INT_MAX_STR_DIGITS)
        };
        if long_digits(&token.payload) {
            token.claims(py)?;
        }
        if token.header_text.as_deref().is_some_and(long_digits) {
            token.header(py)?;
        }
        Ok(token)
    }
}

/// The lowest nonzero limit `sys.set_int_max_str_digits` accepts (Python 3.11 and
/// later): integers with fewer digits always convert.
const MIN_INT_MAX_STR_DIGITS: usize = 640;

/// Reads `scp` as a space-delimited string or an array of strings.
fn scp_values(scp: Option<Value<'_>>) -> Vec<String> {
    match scp {
        Some(Value::String(scp)) => scp
            .unescaped()
            .split(' ')
            .filter(|scope| !scope.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str())
            .map(|scope| scope.unescaped().into_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// An access token that passed every check of a `Validator`.
///
/// The owned texts are converted to Python objects on first read and cached, so a
/// caller that reads only `subject` pays for no JSON parsing. From Python the object
/// is immutable, because each cached value is made at most once, under `PyOnceLock`.
#[pyclass(frozen, module = "tokenguard._native")]
pub(crate) struct VerifiedToken {
    header_text: Option<String>,
    payload: String,
    #[pyo3(get)]
    subject: Option<String>,
    #[pyo3(get)]
    client_id: Option<String>,
    #[pyo3(get)]
    issuer: Option<String>,
    audience_values: Vec<String>,
    scope_values: Vec<String>,
    claims: PyOnceLock<Py<PyAny>>,
    header: PyOnceLock<Py<PyAny>>,
    audiences: PyOnceLock<Py<PyTuple>>,
    scopes: PyOnceLock<Py<PyTuple>>,
    expires_at: PyOnceLock<Py<PyAny>>,
    raw_payload: PyOnceLock<Py<PyBytes>>,
}

impl VerifiedToken {
    /// Returns the verified payload JSON text, exactly as signed.
    pub(crate) fn payload_bytes(&self) -> &[u8] {
        self.payload.as_bytes()
    }
}

#[pymethods]
impl VerifiedToken {
    #[getter]
    fn claims(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let claims = self
            .claims
            .get_or_try_init(py, || Helpers::get(py)?.read_only_json(py, &self.payload))?;
        Ok(claims.clone_ref(py))
    }

    #[getter]
    fn header(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let header = self
            .header
            .get_or_try_init(py, || match &self.header_text {
                Some(text) => Helpers::get(py)?.read_only_json(py, text),
                None => Ok(py.None()),
            })?;
        Ok(header.clone_ref(py))
    }

    #[getter]
    fn audiences(&self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        cached_tuple(py, &self.audiences, &self.audience_values)
    }

    #[getter]
    fn scopes(&self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        cached_tuple(py, &self.scopes, &self.scope_values)
    }

    #[getter]
    fn expires_at(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let expires_at = self.expires_at.get_or_try_init(py, || {
            let claims = self.claims(py)?;
            let exp = claims.bind(py).get_item("exp")?;
            Helpers::get(py)?.datetime(py, &exp)
        })?;
        Ok(expires_at.clone_ref(py))
    }

    #[getter]
    fn raw_payload(&self, py: Python<'_>) -> Py<PyBytes> {
        let raw = self
            .raw_payload
            .get_or_init(py, || PyBytes::new(py, self.payload.as_bytes()).unbind());
        raw.clone_ref(py)
    }

    /// Returns whether the token grants `scope` exactly; a value that is not a `str`
    /// is never granted.
    fn has_scope(&self, py: Python<'_>, scope: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.scopes(py)?.bind(py).contains(scope)
    }

    fn __repr__(&self) -> String {
        format!(
            "<tokenguard.VerifiedToken subject={:?} issuer={:?}>",
            self.subject, self.issuer
        )
    }
}

/// Returns the tuple of `values` cached in `cell`, making it on the first call.
fn cached_tuple(
    py: Python<'_>,
    cell: &PyOnceLock<Py<PyTuple>>,
    values: &[String],
) -> PyResult<Py<PyTuple>> {
    let tuple = cell.get_or_try_init(py, || PyResult::Ok(PyTuple::new(py, values)?.unbind()))?;
    Ok(tuple.clone_ref(py))
}

/// The Python callables used to build a `VerifiedToken`, looked up once.
struct Helpers {
    loads: Py<PyAny>,
    mapping_proxy: Py<PyAny>,
    from_timestamp: Py<PyAny>,
    utc: Py<PyAny>,
    max: Py<PyAny>,
    min: Py<PyAny>,
}

static HELPERS: PyOnceLock<Helpers> = PyOnceLock::new();

impl Helpers {
    fn get(py: Python<'_>) -> PyResult<&Helpers> {
        HELPERS.get_or_try_init(py, || {
            let datetime = py.import("datetime")?;
            let class = datetime.getattr("datetime")?;
            let utc = datetime.getattr("timezone")?.getattr("utc")?;
            let aware = |bound: Bound<'_, PyAny>| -> PyResult<Py<PyAny>> {
                let kwargs = pyo3::types::PyDict::new(py);
                kwargs.set_item("tzinfo", &utc)?;
                Ok(bound.call_method("replace", (), Some(&kwargs))?.unbind())
            };
            Ok(Helpers {
                loads: py.import("json")?.getattr("loads")?.unbind(),
                mapping_proxy: py.import("types")?.getattr("MappingProxyType")?.unbind(),
                from_timestamp: class.getattr("fromtimestamp")?.unbind(),
                max: aware(class.getattr("max")?)?,
                min: aware(class.getattr("min")?)?,
                utc: utc.unbind(),
            })
        })
    }

    /// Parses verified JSON into a read-only mapping.
    ///
    /// The core already checked the text. Python may still reject a value, such as an
    /// integer longer than `sys.get_int_max_str_digits()` digits, and such a token is
    /// reported as malformed rather than as an internal error.
    fn read_only_json(&self, py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
        let parsed = self.loads.bind(py).call1((text,)).map_err(|_| {
            let error = Error::Malformed {
                part: Part::Payload,
                fault: Fault::JsonSyntax,
            };
            token_error(py, &error)
        })?;
        Ok(self.mapping_proxy.bind(py).call1((parsed,))?.unbind())
    }

    /// Converts `exp` to an aware UTC datetime, clamped to the datetime range.
    fn datetime(&self, py: Python<'_>, exp: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match self.from_timestamp.bind(py).call1((exp, self.utc.bind(py))) {
            Ok(value) => Ok(value.unbind()),
            Err(_) if exp.gt(0)? => Ok(self.max.clone_ref(py)),
            Err(_) => Ok(self.min.clone_ref(py)),
        }
    }
}
