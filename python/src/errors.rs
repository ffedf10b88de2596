//! Conversion of core errors into the `tokenguard.TokenError` hierarchy.
//!
//! The exception classes are defined in Python (`tokenguard/_errors.py`); this
//! module looks up their factory once and passes it the error's fields.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokenguard::Error;

static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Builds the `TokenError` subclass instance for a core error.
pub(crate) fn token_error(py: Python<'_>, error: &Error) -> PyErr {
    let bearer = error.bearer_error().map(|code| code.as_str());
    build(
        py,
        error.name(),
        error.code(),
        bearer,
        error.http_status(),
        &error.to_string(),
    )
}

/// Builds the exception for a core `error` about the input `context`, whose name
/// starts the message.
pub(crate) fn token_error_in(py: Python<'_>, context: &str, error: &Error) -> PyErr {
    let bearer = error.bearer_error().map(|code| code.as_str());
    let message = format!("{context}: {error}");
    build(
        py,
        error.name(),
        error.code(),
        bearer,
        error.http_status(),
        &message,
    )
}

/// Builds an `InvalidConfig` for an option the binding itself rejects.
pub(crate) fn config_error(py: Python<'_>, message: &str) -> PyErr {
    build(py, "invalid_config", 400, None, 500, message)
}

/// Builds the base `TokenError` for a failure inside the binding, such as a panic.
pub(crate) fn internal_error(py: Python<'_>, message: &str) -> PyErr {
    build(py, "internal", 0, None, 500, message)
}

/// Builds a `Malformed` error for an argument of the wrong Python type.
pub(crate) fn type_error(
    py: Python<'_>,
    argument: &str,
    expected: &str,
    value: &Bound<'_, PyAny>,
) -> PyErr {
    let type_name = value
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    let message = format!("{argument} must be {expected}, not {type_name}");
    build(py, "malformed", 100, Some("invalid_token"), 401, &message)
}

fn build(
    py: Python<'_>,
    name: &str,
    code: u16,
    bearer: Option<&str>,
    status: u16,
    message: &str,
) -> PyErr {
    let factory = FACTORY.get_or_try_init(py, || {
        let module = py.import("tokenguard._errors")?;
        Ok::<_, PyErr>(module.getattr("_from_native")?.unbind())
    });
    let instance = factory.and_then(|factory| {
        factory
            .bind(py)
            .call1((name, code, bearer, status, message))
    });
    match instance {
        Ok(instance) => PyErr::from_value(instance),
        // Only a broken installation gets here: the package's own module is missing.
        Err(error) => error,
    }
}
