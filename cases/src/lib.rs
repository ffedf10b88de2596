//! The runner for token validation cases: a JSON array of objects with `id`,
//! `kind`, `description`, `input`, `token`, `jwks`, `policy`, `expect`,
//! `expect_reason` and optional `alt_reasons` and `tags`, as described in
//! `core/tests/cases/README.md`.
//!
//! The runner rejects any field it does not know, so a case can never carry a
//! condition that is silently ignored.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};
use tokenguard::{
    AlgSet, Algorithm, Error, JwkSet, Policy, Profile, TokenBuffer, TokenType, Validator,
};

const CASE_FIELDS: [&str; 11] = [
    "id",
    "kind",
    "description",
    "input",
    "token",
    "jwks",
    "policy",
    "expect",
    "expect_reason",
    "alt_reasons",
    "tags",
];
const POLICY_FIELDS: [&str; 9] = [
    "issuer",
    "audience",
    "algorithms",
    "now",
    "leeway",
    "required_scopes",
    "typ",
    "required_claims",
    "max_token_bytes",
];

/// The outcome of running a file of cases.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases whose verdict and reason agree with the expectation.
    pub passed: usize,
    /// Cases that disagree.
    pub failed: usize,
    /// One line per disagreement: id, expected, actual.
    pub disagreements: Vec<String>,
}

impl Report {
    /// Returns `N passed, N failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// A case file that is not in the format, so no verdict could be compared.
#[derive(Debug)]
pub struct FormatError {
    /// The file, and the case id when one could be read.
    pub location: String,
    /// The problem found.
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for FormatError {}

/// Runs every case in the file at `path`.
///
/// # Errors
///
/// [`FormatError`] when the file cannot be read or a case is not in the format.
pub fn run_file(path: &Path) -> Result<Report, FormatError> {
    let location = path.display().to_string();
    let error = |message: String| FormatError {
        location: location.clone(),
        message,
    };
    let text = read_bounded(path).map_err(error)?;

    // serde_json keeps the last of two equal member names, so a case with a repeated
    // field, or a key set with a repeated member, would pass unnoticed. The core's
    // strict reader rejects both first.
    let wrapped = format!("{{\"cases\":{text}}}");
    tokenguard::json::parse_object(wrapped.as_bytes())
        .map_err(|fault| error(format!("invalid JSON: {fault}")))?;
    let cases: Value =
        serde_json::from_str(&text).map_err(|e| error(format!("invalid JSON: {e}")))?;
    let cases = cases
        .as_array()
        .ok_or_else(|| error("expected a JSON array of cases".into()))?;

    let mut report = Report::default();
    for (index, case) in cases.iter().enumerate() {
        let id = case.get("id").and_then(Value::as_str).unwrap_or("?");
        let case_error = |message: String| FormatError {
            location: format!("{location}: case {} ({id})", index + 1),
            message,
        };
        let case = case
            .as_object()
            .ok_or_else(|| case_error("a case must be an object".into()))?;
        let expected = expected(case).map_err(case_error)?;
        let actual = run_case(case).map_err(case_error)?;

        let agrees = match (&expected, &actual) {
            (Expected::Valid, Ok(())) => true,
            (Expected::Invalid(reasons), Err(error)) => reasons.iter().any(|r| r == error.name()),
            _ => false,
        };
        if agrees {
            report.passed += 1;
        } else {
            report.failed += 1;
            let actual = match actual {
                Ok(()) => "valid".to_string(),
                Err(error) => format!("invalid ({}: {error})", error.name()),
            };
            report
                .disagreements
                .push(format!("{id}: expected {expected}, got {actual}"));
        }
    }
    Ok(report)
}

/// Maximum size of a case file in bytes; the largest shipped file is under 1 MiB.
pub const MAX_CASE_FILE_BYTES: u64 = 64 << 20;

/// Reads a case file of at most [`MAX_CASE_FILE_BYTES`] as UTF-8 text.
fn read_bounded(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut text = String::new();
    file.take(MAX_CASE_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read: {e}"))?;
    if text.len() as u64 > MAX_CASE_FILE_BYTES {
        return Err(format!(
            "larger than {MAX_CASE_FILE_BYTES} bytes, the limit for a case file"
        ));
    }
    Ok(text)
}

enum Expected {
    Valid,
    Invalid(Vec<String>),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Valid => f.write_str("valid"),
            Self::Invalid(reasons) => write!(f, "invalid ({})", reasons.join(" or ")),
        }
    }
}

fn expected(case: &Map<String, Value>) -> Result<Expected, String> {
    if let Some(field) = case
        .keys()
        .find(|field| !CASE_FIELDS.contains(&field.as_str()))
    {
        return Err(format!("unknown field {field:?}"));
    }
    match string(case, "expect")? {
        "valid" if case.get("expect_reason").is_none_or(Value::is_null) => Ok(Expected::Valid),
        "valid" => Err("a valid case must not have an expect_reason".into()),
        "invalid" => {
            let mut reasons = vec![string(case, "expect_reason")?.to_string()];
            if let Some(alt) = case.get("alt_reasons") {
                reasons.extend(strings(alt, "alt_reasons")?);
            }
            Ok(Expected::Invalid(reasons))
        }
        other => Err(format!(
            "expect must be \"valid\" or \"invalid\", not {other:?}"
        )),
    }
}

/// Validates one case's token under its key set and policy.
///
/// The outer error is a case not in the format; the inner result is the verdict.
///
/// # Errors
///
/// A message naming the field that is missing, of the wrong type or unknown.
pub fn run_case(case: &Map<String, Value>) -> Result<Result<(), Error>, String> {
    let policy = case
        .get("policy")
        .and_then(Value::as_object)
        .ok_or("policy must be an object")?;
    let now = policy
        .get("now")
        .and_then(Value::as_i64)
        .ok_or("policy.now must be an integer")?;
    let jwks = serde_json::to_vec(case.get("jwks").ok_or("jwks is missing")?)
        .map_err(|e| e.to_string())?;
    let token = string(case, "token")?;
    let input = string(case, "input")?;
    let built_policy = build_policy(policy)?;

    let keys = match JwkSet::from_json(&jwks) {
        Ok(keys) => keys,
        Err(error) => return Ok(Err(error)),
    };
    let policy = match built_policy {
        Ok(policy) => policy,
        Err(error) => return Ok(Err(error)),
    };
    let validator = Validator::new(policy, keys);
    let mut buffer = TokenBuffer::new();
    let verdict = match input {
        "token" => validator.validate(token, now, &mut buffer).map(|_| ()),
        "authorization_header" => validator
            .validate_authorization(token, now, &mut buffer)
            .map(|_| ()),
        other => return Err(format!("unknown input {other:?}")),
    };
    Ok(verdict)
}

/// Builds the policy a case names; the outer error is a case not in the format.
fn build_policy(policy: &Map<String, Value>) -> Result<Result<Policy, Error>, String> {
    if let Some(field) = policy.keys().find(|f| !POLICY_FIELDS.contains(&f.as_str())) {
        return Err(format!("unknown policy field {field:?}"));
    }
    let number = |field: &str| {
        policy
            .get(field)
            .and_then(Value::as_u64)
            .ok_or(format!("policy.{field} must be a non-negative integer"))
    };

    // Names the library does not implement (ES512, none) cannot be allowed; a token
    // using them then fails as an unsupported algorithm.
    let algorithms: AlgSet = strings(field(policy, "algorithms")?, "policy.algorithms")?
        .iter()
        .filter_map(|name| Algorithm::from_name(name).ok())
        .collect();
    let leeway = u32::try_from(number("leeway")?).map_err(|e| e.to_string())?;
    let max_token_bytes = usize::try_from(number("max_token_bytes")?).map_err(|e| e.to_string())?;
    let mut builder = Policy::builder()
        .issuer(string(policy, "issuer")?)
        .audience(string(policy, "audience")?)
        .algorithms(algorithms)
        .leeway(leeway)
        .max_token_bytes(max_token_bytes);

    builder = match field(policy, "typ")? {
        Value::Null => builder.token_type(TokenType::Any),
        Value::String(typ) if typ == "at+jwt" => builder.profile(Profile::Rfc9068),
        other => {
            return Err(format!(
                "policy.typ must be null or \"at+jwt\", not {other}"
            ))
        }
    };
    for claim in strings(field(policy, "required_claims")?, "policy.required_claims")? {
        builder = builder.require_claim(&claim);
    }
    for scope in strings(field(policy, "required_scopes")?, "policy.required_scopes")? {
        builder = builder.require_scope(&scope);
    }
    Ok(builder.build())
}

fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    object.get(name).ok_or(format!("{name} is missing"))
}

fn string<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    field(object, name)?
        .as_str()
        .ok_or(format!("{name} must be a string"))
}

fn strings(value: &Value, name: &str) -> Result<Vec<String>, String> {
    let invalid = || format!("{name} must be an array of strings");
    value
        .as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|item| item.as_str().map(str::to_string).ok_or_else(invalid))
        .collect()
}
