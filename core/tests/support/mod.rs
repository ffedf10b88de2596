//! The runner for token cases in the shared test-data format: a JSON array of
//! objects with `id`, `kind`, `description`, `input`, `token`, `jwks`, `policy`,
//! `expect`, `expect_reason` and optional `alt_reasons` and `tags`.
//!
//! The runner fails on any field it does not know, so a case can never carry a
//! condition that is silently ignored.

#![allow(dead_code)]

use std::fmt::Write as _;
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
pub struct Report {
    pub passed: usize,
    pub failed: usize,
    /// One line per disagreement: id, expected, actual.
    pub lines: String,
}

impl Report {
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// Runs every case in `path`; panics on a file that is not in the format.
pub fn run_file(path: &Path) -> Report {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut report = Report {
        passed: 0,
        failed: 0,
        lines: String::new(),
    };

    for case in &cases {
        let case = case.as_object().expect("each case is an object");
        let id = string(case, "id");
        let expected = expected(case);
        let actual = run_case(case).map_err(|error| error.name());

        let agrees = match (&expected, &actual) {
            (Expected::Valid, Ok(())) => true,
            (Expected::Invalid(reasons), Err(name)) => reasons.iter().any(|r| r == name),
            _ => false,
        };
        if agrees {
            report.passed += 1;
        } else {
            report.failed += 1;
            let actual = match actual {
                Ok(()) => "valid".to_string(),
                Err(name) => format!("invalid ({name})"),
            };
            writeln!(report.lines, "{id}: expected {expected}, got {actual}").unwrap();
        }
    }
    report
}

enum Expected {
    Valid,
    Invalid(Vec<String>),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Valid => f.write_str("valid"),
            Self::Invalid(reasons) => write!(f, "invalid ({})", reasons.join(" or ")),
        }
    }
}

fn expected(case: &Map<String, Value>) -> Expected {
    for field in case.keys() {
        assert!(
            CASE_FIELDS.contains(&field.as_str()),
            "unknown case field {field:?}"
        );
    }
    match string(case, "expect") {
        "valid" => {
            assert!(
                case.get("expect_reason").is_none_or(Value::is_null),
                "valid case with a reason"
            );
            Expected::Valid
        }
        "invalid" => {
            let mut reasons = vec![string(case, "expect_reason").to_string()];
            if let Some(alt) = case.get("alt_reasons") {
                reasons.extend(strings(alt));
            }
            Expected::Invalid(reasons)
        }
        other => panic!("unknown expect {other:?}"),
    }
}

/// Validates one case's token under its key set and policy.
pub fn run_case(case: &Map<String, Value>) -> Result<(), Error> {
    let policy = case["policy"].as_object().expect("policy is an object");
    let now = policy["now"].as_i64().expect("policy.now is an integer");
    let jwks = serde_json::to_vec(&case["jwks"]).unwrap();
    let keys = JwkSet::from_json(&jwks)?;
    let validator = Validator::new(build_policy(policy)?, keys);

    let token = string(case, "token");
    let mut buffer = TokenBuffer::new();
    match string(case, "input") {
        "token" => validator.validate(token, now, &mut buffer).map(|_| ()),
        "authorization_header" => validator
            .validate_authorization(token, now, &mut buffer)
            .map(|_| ()),
        other => panic!("unknown input {other:?}"),
    }
}

fn build_policy(policy: &Map<String, Value>) -> Result<Policy, Error> {
    for field in policy.keys() {
        assert!(
            POLICY_FIELDS.contains(&field.as_str()),
            "unknown policy field {field:?}"
        );
    }

    // Names the library does not implement (ES512, none) cannot be allowed; a token
    // using them then fails as an unsupported algorithm.
    let algorithms: AlgSet = strings(&policy["algorithms"])
        .iter()
        .filter_map(|name| Algorithm::from_name(name).ok())
        .collect();
    let mut builder = Policy::builder()
        .issuer(string(policy, "issuer"))
        .audience(string(policy, "audience"))
        .algorithms(algorithms)
        .leeway(u32::try_from(policy["leeway"].as_u64().expect("leeway")).unwrap())
        .max_token_bytes(
            usize::try_from(policy["max_token_bytes"].as_u64().expect("max_token_bytes")).unwrap(),
        );

    builder = match &policy["typ"] {
        Value::Null => builder.token_type(TokenType::Any),
        Value::String(typ) if typ == "at+jwt" => builder.profile(Profile::Rfc9068),
        other => panic!("unknown policy.typ {other}"),
    };
    for claim in strings(&policy["required_claims"]) {
        builder = builder.require_claim(&claim);
    }
    for scope in strings(&policy["required_scopes"]) {
        builder = builder.require_scope(&scope);
    }
    builder.build()
}

fn string<'a>(object: &'a Map<String, Value>, field: &str) -> &'a str {
    object
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{field} must be a string"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array of strings")
        .iter()
        .map(|item| item.as_str().expect("a string").to_string())
        .collect()
}
