//! Reading the `Validator` keyword arguments into a core `Policy` and `JwkSet`.
//!
//! Every value of the wrong type or out of range raises `InvalidConfig` naming the
//! argument, so that a configuration mistake never surfaces as a `TypeError` from
//! deep inside the binding or as a token rejection later.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use tokenguard::{
    AlgSet, Algorithm, Jwk, JwkSet, Policy, PolicyBuilder, Profile, ScopeClaims, ScopeMatch,
    TokenType,
};

use crate::errors::{config_error, token_error};

/// The policy arguments of `Validator(...)`, still as Python objects.
pub(crate) struct Options<'a, 'py> {
    pub(crate) issuers: &'a Bound<'py, PyAny>,
    pub(crate) audiences: &'a Bound<'py, PyAny>,
    pub(crate) algorithms: Option<&'a Bound<'py, PyAny>>,
    pub(crate) leeway: Option<&'a Bound<'py, PyAny>>,
    pub(crate) max_age: Option<&'a Bound<'py, PyAny>>,
    pub(crate) typ: Option<&'a Bound<'py, PyAny>>,
    pub(crate) profile: Option<&'a Bound<'py, PyAny>>,
    pub(crate) required_claims: Option<&'a Bound<'py, PyAny>>,
    pub(crate) required_scopes: Option<&'a Bound<'py, PyAny>>,
    pub(crate) scope_match: Option<&'a Bound<'py, PyAny>>,
    pub(crate) scope_claims: Option<&'a Bound<'py, PyAny>>,
    pub(crate) scope_hierarchy: Option<&'a Bound<'py, PyAny>>,
    pub(crate) max_token_bytes: Option<&'a Bound<'py, PyAny>>,
    pub(crate) introspection_audience: Option<&'a Bound<'py, PyAny>>,
    pub(crate) introspection_max_age: Option<&'a Bound<'py, PyAny>>,
}

impl Options<'_, '_> {
    /// Builds the policy; `hmac` is the algorithm set of configured HMAC secrets,
    /// allowed by default in place of the asymmetric algorithms.
    pub(crate) fn build(
        &self,
        py: Python<'_>,
        hmac: Option<AlgSet>,
    ) -> PyResult<(Policy, ScopeClaims)> {
        let mut builder = Policy::builder();
        for issuer in strings(py, self.issuers, "issuers")? {
            builder = builder.issuer(&issuer);
        }
        for audience in strings(py, self.audiences, "audiences")? {
            builder = builder.audience(&audience);
        }

        builder = self.algorithms(py, builder, hmac)?;
        if let Some(leeway) = present(self.leeway) {
            builder = builder.leeway(unsigned(py, leeway, "leeway")?);
        }
        if let Some(max_age) = present(self.max_age) {
            builder = builder.max_age(unsigned(py, max_age, "max_age")?);
        }
        if let Some(bytes) = present(self.max_token_bytes) {
            let bytes = unsigned(py, bytes, "max_token_bytes")?;
            builder = builder.max_token_bytes(usize::try_from(bytes).unwrap_or(usize::MAX));
        }

        let typ = choice(py, self.typ, "typ", &["at+jwt", "jwt", "any"])?;
        builder = builder.token_type(match typ {
            Some("jwt") => TokenType::Jwt,
            Some("any") => TokenType::Any,
            _ => TokenType::AccessToken,
        });
        if choice(py, self.profile, "profile", &["rfc9068"])?.is_some() {
            if typ.is_some_and(|typ| typ != "at+jwt") {
                let message = "profile 'rfc9068' requires typ 'at+jwt'; remove typ or the profile";
                return Err(config_error(py, message));
            }
            builder = builder.profile(Profile::Rfc9068);
        }

        if let Some(audience) = present(self.introspection_audience) {
            let audience = text(py, audience, "introspection_audience")?;
            builder = builder.introspection_audience(&audience);
        }
        if let Some(max_age) = present(self.introspection_max_age) {
            builder =
                builder.introspection_max_age(unsigned(py, max_age, "introspection_max_age")?);
        }

        builder = self.scopes(py, builder)?;
        let scope_claims = match choice(py, self.scope_claims, "scope_claims", &SCOPE_CLAIMS)? {
            Some("scope-or-scp") => ScopeClaims::ScopeOrScp,
            _ => ScopeClaims::Scope,
        };
        builder = builder.scope_claims(scope_claims);

        let policy = builder.build().map_err(|error| token_error(py, &error))?;
        Ok((policy, scope_claims))
    }

    fn algorithms(
        &self,
        py: Python<'_>,
        builder: PolicyBuilder,
        hmac: Option<AlgSet>,
    ) -> PyResult<PolicyBuilder> {
        let Some(names) = present(self.algorithms) else {
            return Ok(match hmac {
                Some(hmac) => builder.algorithms(hmac),
                None => builder,
            });
        };
        let mut set = AlgSet::EMPTY;
        for name in strings(py, names, "algorithms")? {
            let alg = Algorithm::from_name(&name).map_err(|error| {
                config_error(
                    py,
                    &format!("algorithms: {name:?} is not accepted: {error}"),
                )
            })?;
            set = set.with(alg);
        }
        Ok(builder.algorithms(set))
    }

    fn scopes(&self, py: Python<'_>, mut builder: PolicyBuilder) -> PyResult<PolicyBuilder> {
        if let Some(claims) = present(self.required_claims) {
            for claim in strings(py, claims, "required_claims")? {
                builder = builder.require_claim(&claim);
            }
        }
        if let Some(scopes) = present(self.required_scopes) {
            for scope in strings(py, scopes, "required_scopes")? {
                builder = builder.require_scope(&scope);
            }
        }
        if choice(py, self.scope_match, "scope_match", &["all", "any"])? == Some("any") {
            builder = builder.scope_match(ScopeMatch::Any);
        }
        if let Some(separator) = present(self.scope_hierarchy) {
            builder = builder.scope_hierarchy(one_char(py, separator)?);
        }
        Ok(builder)
    }
}

const SCOPE_CLAIMS: [&str; 2] = ["scope", "scope-or-scp"];

/// The key material of `Validator(...)`: a JWK Set document or HMAC secrets.
pub(crate) enum KeySource {
    Document(Vec<u8>),
    Secrets(Vec<Jwk>, AlgSet),
}

impl KeySource {
    /// Reads `jwks` (a `str`, `bytes` or `dict` JWK Set) or `hmac_secrets` (a sequence
    /// of `(kid, alg, secret)`), exactly one of which must be given.
    pub(crate) fn read(
        py: Python<'_>,
        jwks: Option<&Bound<'_, PyAny>>,
        hmac_secrets: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        match (present(jwks), present(hmac_secrets)) {
            (Some(jwks), None) => Ok(Self::Document(document(py, jwks)?)),
            (None, Some(secrets)) => secret_keys(py, secrets),
            (Some(_), Some(_)) => Err(config_error(
                py,
                "pass either jwks or hmac_secrets, not both: a key set may not mix secret and \
                 public keys",
            )),
            (None, None) => Err(config_error(py, "no keys: pass jwks or hmac_secrets")),
        }
    }

    pub(crate) fn hmac_algorithms(&self) -> Option<AlgSet> {
        match self {
            Self::Document(_) => None,
            Self::Secrets(_, algorithms) => Some(*algorithms),
        }
    }

    /// Parses the key set; the document is copied, so the GIL stays held (key sets
    /// are read rarely and parsing one takes microseconds).
    pub(crate) fn into_key_set(self, py: Python<'_>) -> PyResult<JwkSet> {
        let keys = match self {
            Self::Document(text) => JwkSet::from_json(&text),
            Self::Secrets(keys, _) => JwkSet::from_keys(keys),
        };
        keys.map_err(|error| token_error(py, &error))
    }
}

fn document(py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = jwks.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(text) = jwks.cast::<PyString>() {
        let text = text
            .to_cow()
            .map_err(|_| config_error(py, "jwks: the text is not valid Unicode"))?;
        return Ok(text.as_bytes().to_vec());
    }
    if jwks.cast::<PyDict>().is_ok() {
        // A dict goes through json.dumps, so the core's strict reader checks the
        // same text an issuer would have served.
        let dumped = py
            .import("json")?
            .call_method1("dumps", (jwks,))
            .map_err(|error| config_error(py, &format!("jwks: the dict is not JSON: {error}")))?;
        let text: String = dumped.extract()?;
        return Ok(text.into_bytes());
    }
    Err(config_error(
        py,
        "jwks must be a str, bytes or dict JWK Set",
    ))
}

fn secret_keys(py: Python<'_>, secrets: &Bound<'_, PyAny>) -> PyResult<KeySource> {
    let invalid = || config_error(py, "hmac_secrets must be a sequence of (kid, alg, secret)");
    let items: Vec<Bound<'_, PyAny>> = sequence(secrets).ok_or_else(invalid)?;

    let mut keys = Vec::new();
    let mut algorithms = AlgSet::EMPTY;
    for item in items {
        let (kid, alg, secret): (Option<String>, String, Vec<u8>) = match item.cast::<PyTuple>() {
            Ok(tuple) => tuple.extract().map_err(|_| invalid())?,
            Err(_) => return Err(invalid()),
        };
        let alg = Algorithm::from_name(&alg)
            .map_err(|error| config_error(py, &format!("hmac_secrets: {alg:?}: {error}")))?;
        let key = Jwk::hmac_secret(kid.as_deref(), alg, &secret)
            .map_err(|error| token_error(py, &error))?;
        algorithms = algorithms.with(alg);
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(config_error(
            py,
            "hmac_secrets must name at least one secret",
        ));
    }
    Ok(KeySource::Secrets(keys, algorithms))
}

/// Reads `now` as whole Unix seconds, rounding a float down; `None` reads the clock.
pub(crate) fn now_seconds(py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<i64> {
    match present(now) {
        Some(now) => unix_seconds(py, now, "now"),
        None => Ok(tokenguard::unix_now()),
    }
}

/// Reads the time argument `name` as whole Unix seconds, rounding a float down.
pub(crate) fn unix_seconds(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    let invalid = || {
        config_error(
            py,
            &format!(
                "{name} must be Unix seconds as an int or a finite float within the 64-bit range"
            ),
        )
    };
    // bool is a subclass of int, and a time of `True` is surely a mistake.
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(invalid());
    }
    if value.is_instance_of::<PyInt>() {
        return value.extract::<i64>().map_err(|_| invalid());
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        let seconds = float.value().floor();
        // -2^63 and 2^63 are exact in f64; 2^63 is the first value past i64::MAX.
        let limit = 2f64.powi(63);
        let in_range = seconds.is_finite() && (-limit..limit).contains(&seconds);
        if !in_range {
            return Err(invalid());
        }
        #[allow(clippy::cast_possible_truncation)]
        return Ok(seconds as i64);
    }
    Err(invalid())
}

/// Reads a `str` argument.
pub(crate) fn text(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    let invalid = || config_error(py, &format!("{name} must be a str"));
    let text = value.cast::<PyString>().map_err(|_| invalid())?;
    Ok(text.to_cow().map_err(|_| invalid())?.into_owned())
}

/// Reads a count argument such as a capacity.
pub(crate) fn count(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    let invalid = || config_error(py, &format!("{name} must be a non-negative int"));
    if value.is_instance_of::<pyo3::types::PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(invalid());
    }
    value.extract::<usize>().map_err(|_| invalid())
}

fn present<'a, 'py>(value: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    value.filter(|value| !value.is_none())
}

/// Reads a `str` or a list or tuple of `str`.
fn strings(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    let invalid = || config_error(py, &format!("{name} must be a str or a sequence of str"));
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(vec![text.to_cow().map_err(|_| invalid())?.into_owned()]);
    }
    let items = sequence(value).ok_or_else(invalid)?;
    items
        .iter()
        .map(|item| match item.cast::<PyString>() {
            Ok(text) => Ok(text.to_cow().map_err(|_| invalid())?.into_owned()),
            Err(_) => Err(invalid()),
        })
        .collect()
}

/// Returns the items of a list, tuple, set or frozenset.
fn sequence<'py>(value: &Bound<'py, PyAny>) -> Option<Vec<Bound<'py, PyAny>>> {
    let accepted = value.is_instance_of::<PyList>()
        || value.is_instance_of::<PyTuple>()
        || value.is_instance_of::<pyo3::types::PySet>()
        || value.is_instance_of::<pyo3::types::PyFrozenSet>();
    if !accepted {
        return None;
    }
    value.try_iter().ok()?.collect::<PyResult<Vec<_>>>().ok()
}

fn unsigned(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<u32> {
    let invalid = || config_error(py, &format!("{name} must be an int from 0 to 4294967295"));
    if value.is_instance_of::<pyo3::types::PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(invalid());
    }
    value.extract::<u32>().map_err(|_| invalid())
}

/// Reads one of `allowed`, returning the matching `&'static str`.
fn choice(
    py: Python<'_>,
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
    allowed: &[&'static str],
) -> PyResult<Option<&'static str>> {
    let Some(value) = present(value) else {
        return Ok(None);
    };
    let text = value
        .cast::<PyString>()
        .ok()
        .and_then(|text| text.to_cow().ok());
    let found = text.and_then(|text| allowed.iter().copied().find(|choice| *choice == text));
    match found {
        Some(choice) => Ok(Some(choice)),
        None => Err(config_error(
            py,
            &format!("{name} must be one of {allowed:?}"),
        )),
    }
}

fn one_char(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<char> {
    let text = value
        .cast::<PyString>()
        .ok()
        .and_then(|text| text.to_cow().ok());
    let mut chars = text.as_deref().unwrap_or("").chars();
    match (chars.next(), chars.next()) {
        (Some(separator), None) => Ok(separator),
        _ => Err(config_error(
            py,
            "scope_hierarchy must be a single character such as ':'",
        )),
    }
}
