//! The validator configuration: a JSON object with the policy options of the core
//! and, in place of a JWK Set, optional HMAC secrets.
//!
//! It is read with the core's strict JSON parser, so duplicate member names, trailing
//! data and lone surrogates are rejected as in tokens. Unknown fields, wrong types and
//! values out of range fail with `TG_INVALID_CONFIG` and a message that names the
//! field, such as `hmac_secrets[0].alg`.

use std::borrow::Cow;
use std::fmt::Display;

use base64ct::{Base64UrlUnpadded, Encoding};
use tokenguard_core::json::{self, Object, Value};
use tokenguard_core::{
    AlgSet, Algorithm, Error, Jwk, JwkSet, Policy, PolicyBuilder, Profile, ScopeClaims, ScopeMatch,
    TokenType, MAX_KEY_SET_BYTES, MAX_LEEWAY_SECONDS, MAX_TOKEN_BYTES_LIMIT,
};

use crate::boundary::Failure;
use crate::status::TG_INVALID_CONFIG;

/// Maximum size of a configuration document in bytes: the same bound as a JWK Set
/// document, far above any real configuration, so that a corrupt input is rejected
/// before it costs more than a parse of that size.
pub(crate) const MAX_CONFIG_BYTES: usize = MAX_KEY_SET_BYTES;

/// The fields of a configuration, in the order the header documents them.
const FIELDS: [&str; 16] = [
    "issuers",
    "audiences",
    "algorithms",
    "leeway",
    "max_age",
    "typ",
    "profile",
    "required_claims",
    "required_scopes",
    "scope_match",
    "scope_claims",
    "scope_hierarchy",
    "max_token_bytes",
    "hmac_secrets",
    "introspection_audience",
    "introspection_max_age",
];

/// The fields of one entry of `hmac_secrets`.
const SECRET_FIELDS: [&str; 3] = ["kid", "alg", "secret_base64url"];

/// A configuration read from JSON.
#[derive(Debug)]
pub(crate) struct Config {
    /// The policy every token must satisfy.
    pub(crate) policy: Policy,
    /// The claims that grant scopes, which verified tokens also read their scopes from.
    pub(crate) scope_claims: ScopeClaims,
    /// The key set built from `hmac_secrets`, when the configuration has them.
    pub(crate) hmac_keys: Option<JwkSet>,
}

/// Reads a configuration document.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` naming the first invalid field, or the length of a document
/// above [`MAX_CONFIG_BYTES`].
pub(crate) fn parse(text: &str) -> Result<Config, Failure> {
    // The configuration is the server's own input, so a document that is too long
    // is a configuration error (HTTP 500, no RFC 6750 error). `TG_TOO_LARGE` would
    // make the last error read as a rejected token.
    if text.len() > MAX_CONFIG_BYTES {
        return Err(Failure::new(
            TG_INVALID_CONFIG,
            format!(
                "invalid configuration: the document is {} bytes, more than the maximum of \
                 {MAX_CONFIG_BYTES} bytes",
                text.len()
            ),
        ));
    }
    let object = json::parse_object(text.as_bytes()).map_err(|fault| {
        Failure::new(
            TG_INVALID_CONFIG,
            format!("invalid configuration: {fault}; expected one JSON object"),
        )
    })?;
    let fields = Fields::read(object)?;

    let mut builder = Policy::builder();
    builder = text_lists(&fields, builder)?;
    builder = choices(&fields, builder)?;
    builder = numbers(&fields, builder)?;

    let algorithms = match fields.get("algorithms") {
        Some(value) => Some(algorithms(value)?),
        None => None,
    };
    let hmac = match fields.get("hmac_secrets") {
        Some(value) => Some(hmac_secrets(value, algorithms)?),
        None => None,
    };
    // Like the command-line tool: HMAC secrets without `algorithms` allow exactly
    // their own algorithms, in place of the asymmetric default.
    if let Some(algorithms) = algorithms.or(hmac.as_ref().map(|(_, algs)| *algs)) {
        builder = builder.algorithms(algorithms);
    }

    let policy = builder.build().map_err(policy_error)?;
    Ok(Config {
        policy,
        scope_claims: scope_claims(&fields)?,
        hmac_keys: hmac.map(|(keys, _)| keys),
    })
}

/// The known fields of a configuration object, by their index in [`FIELDS`].
struct Fields<'a> {
    values: [Option<Value<'a>>; FIELDS.len()],
}

impl<'a> Fields<'a> {
    /// Reads the members of `object`, rejecting any name not in [`FIELDS`].
    fn read(object: Object<'a>) -> Result<Self, Failure> {
        let mut values = [None; FIELDS.len()];
        for (name, value) in object.members() {
            let Some(index) = FIELDS.iter().position(|field| name.eq_str(field)) else {
                return Err(unknown_field(&name.unescaped(), &FIELDS));
            };
            // The core's parser rejects duplicate names, so each slot is set once.
            values[index] = Some(value);
        }
        Ok(Self { values })
    }

    fn get(&self, field: &str) -> Option<Value<'a>> {
        let index = FIELDS.iter().position(|known| *known == field)?;
        self.values[index]
    }
}

/// Applies the fields that are arrays of strings, except `algorithms`.
fn text_lists(fields: &Fields<'_>, mut builder: PolicyBuilder) -> Result<PolicyBuilder, Failure> {
    if let Some(value) = fields.get("issuers") {
        for issuer in strings(value, "issuers")? {
            builder = builder.issuer(&issuer);
        }
    }
    if let Some(value) = fields.get("audiences") {
        for audience in strings(value, "audiences")? {
            builder = builder.audience(&audience);
        }
    }
    if let Some(value) = fields.get("required_claims") {
        for claim in strings(value, "required_claims")? {
            builder = builder.require_claim(&claim);
        }
    }
    if let Some(value) = fields.get("required_scopes") {
        for scope in strings(value, "required_scopes")? {
            builder = builder.require_scope(&scope);
        }
    }
    if let Some(value) = fields.get("introspection_audience") {
        let Value::String(audience) = value else {
            return Err(wrong_type("introspection_audience", "a string", value));
        };
        builder = builder.introspection_audience(&audience.unescaped());
    }
    Ok(builder)
}

/// Applies the fields whose value is one of a few names.
fn choices(fields: &Fields<'_>, mut builder: PolicyBuilder) -> Result<PolicyBuilder, Failure> {
    let typ = match fields.get("typ") {
        Some(value) => Some(choice(value, "typ", &["at+jwt", "jwt", "any"])?),
        None => None,
    };
    if let Some(typ) = typ {
        builder = builder.token_type(match typ {
            0 => TokenType::AccessToken,
            1 => TokenType::Jwt,
            _ => TokenType::Any,
        });
    }
    if let Some(value) = fields.get("profile") {
        // RFC 9068 is the only profile so far.
        choice(value, "profile", &["rfc9068"])?;
        if typ.is_some_and(|typ| typ != 0) {
            return Err(invalid(
                "typ",
                "conflicts with profile rfc9068, which requires at+jwt; remove typ or the profile",
            ));
        }
        builder = builder.profile(Profile::Rfc9068);
    }
    if let Some(value) = fields.get("scope_match") {
        builder = builder.scope_match(match choice(value, "scope_match", &["all", "any"])? {
            0 => ScopeMatch::All,
            _ => ScopeMatch::Any,
        });
    }
    builder = builder.scope_claims(scope_claims(fields)?);
    if let Some(value) = fields.get("scope_hierarchy") {
        builder = builder.scope_hierarchy(one_char(value, "scope_hierarchy")?);
    }
    Ok(builder)
}

/// Returns the `scope_claims` option, `scope` when absent.
fn scope_claims(fields: &Fields<'_>) -> Result<ScopeClaims, Failure> {
    let Some(value) = fields.get("scope_claims") else {
        return Ok(ScopeClaims::Scope);
    };
    Ok(
        match choice(value, "scope_claims", &["scope", "scope-or-scp"])? {
            0 => ScopeClaims::Scope,
            _ => ScopeClaims::ScopeOrScp,
        },
    )
}

/// Applies the fields that are whole numbers.
fn numbers(fields: &Fields<'_>, mut builder: PolicyBuilder) -> Result<PolicyBuilder, Failure> {
    if let Some(value) = fields.get("leeway") {
        let expected = format!("a whole number of seconds from 0 to {MAX_LEEWAY_SECONDS}");
        builder = builder.leeway(integer(value, "leeway", &expected)?);
    }
    if let Some(value) = fields.get("max_age") {
        let expected = format!("a whole number of seconds from 0 to {}", u32::MAX);
        builder = builder.max_age(integer(value, "max_age", &expected)?);
    }
    if let Some(value) = fields.get("max_token_bytes") {
        let expected = format!("a whole number of bytes from 1 to {MAX_TOKEN_BYTES_LIMIT}");
        builder = builder.max_token_bytes(integer(value, "max_token_bytes", &expected)?);
    }
    if let Some(value) = fields.get("introspection_max_age") {
        let expected = format!("a whole number of seconds from 0 to {}", u32::MAX);
        let seconds = integer(value, "introspection_max_age", &expected)?;
        builder = builder.introspection_max_age(seconds);
    }
    Ok(builder)
}

/// Reads `algorithms`: registered JWS algorithm names.
fn algorithms(value: Value<'_>) -> Result<AlgSet, Failure> {
    let mut set = AlgSet::EMPTY;
    for (index, name) in strings(value, "algorithms")?.iter().enumerate() {
        let alg = Algorithm::from_name(name).map_err(|error| {
            let names: Vec<&str> = Algorithm::ALL.iter().map(|alg| alg.name()).collect();
            invalid(
                format!("algorithms[{index}]"),
                format!("{error}; expected one of {}", names.join(", ")),
            )
        })?;
        set = set.with(alg);
    }
    if set.is_empty() {
        return Err(invalid("algorithms", "must name at least one algorithm"));
    }
    Ok(set)
}

/// Reads `hmac_secrets` into a key set, and returns it with the secrets' algorithms.
///
/// Each entry is `{"kid": ..., "alg": "HS256", "secret_base64url": ...}` with an
/// optional `kid`. When `algorithms` is configured it must contain every secret's
/// algorithm, since a secret the policy never lets verify is a mistake.
fn hmac_secrets(value: Value<'_>, algorithms: Option<AlgSet>) -> Result<(JwkSet, AlgSet), Failure> {
    let Value::Array(entries) = value else {
        return Err(wrong_type("hmac_secrets", "an array of objects", value));
    };

    let mut keys = Vec::new();
    let mut secret_algs = AlgSet::EMPTY;
    for (index, entry) in entries.iter().enumerate() {
        let field = format!("hmac_secrets[{index}]");
        let Value::Object(entry) = entry else {
            return Err(wrong_type(&field, "an object", entry));
        };
        let key = hmac_secret(entry, &field, algorithms)?;
        secret_algs = key.algorithms().iter().fold(secret_algs, AlgSet::with);
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(invalid("hmac_secrets", "must list at least one secret"));
    }

    let set = JwkSet::from_keys(keys).map_err(|error| invalid("hmac_secrets", error))?;
    Ok((set, secret_algs))
}

/// Reads one entry of `hmac_secrets`, named `field` in messages.
fn hmac_secret(entry: Object<'_>, field: &str, algorithms: Option<AlgSet>) -> Result<Jwk, Failure> {
    let (mut kid, mut alg, mut secret) = (None, None, None);
    for (name, value) in entry.members() {
        let member = format!("{field}.{}", name.unescaped());
        if name.eq_str("kid") {
            kid = Some(string(value, &member)?);
        } else if name.eq_str("alg") {
            alg = Some((string(value, &member)?, member));
        } else if name.eq_str("secret_base64url") {
            secret = Some((string(value, &member)?, member));
        } else {
            let name = name.unescaped();
            return Err(unknown_field(&format!("{field}.{name}"), &SECRET_FIELDS));
        }
    }

    let Some((alg_name, alg_field)) = alg else {
        return Err(invalid(
            format!("{field}.alg"),
            "is required: HS256, HS384 or HS512",
        ));
    };
    let alg = match Algorithm::from_name(&alg_name) {
        Ok(alg @ (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)) => alg,
        _ => {
            return Err(invalid(
                alg_field,
                format!("must be HS256, HS384 or HS512, not {alg_name:?}"),
            ))
        }
    };
    if algorithms.is_some_and(|algorithms| !algorithms.contains(alg)) {
        return Err(invalid(
            alg_field,
            format!("{alg} is not in algorithms; add it there or remove this secret"),
        ));
    }

    let Some((encoded, secret_field)) = secret else {
        return Err(invalid(
            format!("{field}.secret_base64url"),
            "is required: the secret in base64url without padding",
        ));
    };
    let mut bytes = Base64UrlUnpadded::decode_vec(&encoded).map_err(|_| {
        invalid(
            &secret_field,
            "is not base64url without padding (RFC 4648 section 5)",
        )
    })?;
    let key = Jwk::hmac_secret(kid.as_deref(), alg, &bytes);
    wipe(&mut bytes);
    key.map_err(|error| invalid(secret_field, error))
}

/// Overwrites a decoded secret before its memory is freed.
fn wipe(bytes: &mut [u8]) {
    for byte in bytes.iter_mut() {
        // SAFETY: `byte` is a valid, exclusive reference. A volatile write is not
        // removed as a dead store, unlike a plain one before the free.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
}

/// Reads an array of strings, unescaped.
fn strings<'a>(value: Value<'a>, field: &str) -> Result<Vec<Cow<'a, str>>, Failure> {
    let Value::Array(items) = value else {
        return Err(wrong_type(field, "an array of strings", value));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| string(item, &format!("{field}[{index}]")))
        .collect()
}

/// Reads a string, unescaped.
fn string<'a>(value: Value<'a>, field: &str) -> Result<Cow<'a, str>, Failure> {
    match value.as_str() {
        Some(text) => Ok(text.unescaped()),
        None => Err(wrong_type(field, "a string", value)),
    }
}

/// Reads a string that must be one of `options`, and returns its index.
fn choice(value: Value<'_>, field: &str, options: &[&str]) -> Result<usize, Failure> {
    let text = string(value, field)?;
    options
        .iter()
        .position(|option| *option == text)
        .ok_or_else(|| {
            invalid(
                field,
                format!("must be one of {}, not {text:?}", options.join(", ")),
            )
        })
}

/// Reads a string of exactly one character.
fn one_char(value: Value<'_>, field: &str) -> Result<char, Failure> {
    let text = string(value, field)?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(invalid(
            field,
            format!("must be a string of one character, such as \":\", not {text:?}"),
        )),
    }
}

/// Reads a whole number that fits `T`, described as `expected` in messages.
fn integer<T: TryFrom<i64>>(value: Value<'_>, field: &str, expected: &str) -> Result<T, Failure> {
    let Value::Number(number) = value else {
        return Err(wrong_type(field, expected, value));
    };
    number
        .as_i64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| {
            invalid(
                field,
                format!("must be {expected}, not {}", number.as_text()),
            )
        })
}

/// Renames the builder's field names to the configuration's.
fn policy_error(error: Error) -> Failure {
    let Error::InvalidConfig { field, reason } = error else {
        return Failure::new(TG_INVALID_CONFIG, format!("invalid configuration: {error}"));
    };
    let field = match field {
        "issuer" => "issuers",
        "audience" => "audiences",
        "scope_separator" => "scope_hierarchy",
        other => other,
    };
    invalid(field, reason)
}

fn invalid(field: impl Display, reason: impl Display) -> Failure {
    Failure::new(
        TG_INVALID_CONFIG,
        format!("invalid configuration {field}: {reason}"),
    )
}

fn unknown_field(field: &str, expected: &[&str]) -> Failure {
    invalid(
        field,
        format!("unknown field; expected one of {}", expected.join(", ")),
    )
}

fn wrong_type(field: &str, expected: &str, value: Value<'_>) -> Failure {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    invalid(field, format!("must be {expected}, not {found}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        r#""issuers": ["https://auth.example.com"], "audiences": ["https://api.example.com"]"#;

    /// A 32-byte secret, base64url: "0123456789abcdef0123456789abcdef".
    const SECRET: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";

    fn with(extra: &str) -> String {
        if extra.is_empty() {
            return format!("{{{BASE}}}");
        }
        format!("{{{BASE}, {extra}}}")
    }

    fn message(config: &str) -> String {
        let failure = parse(config).unwrap_err();
        assert_eq!(failure.status(), TG_INVALID_CONFIG, "{failure}");
        failure.to_string()
    }

    #[test]
    fn minimal_config_builds() {
        let config = parse(&with("")).unwrap();
        assert_eq!(config.scope_claims, ScopeClaims::Scope);
        assert!(config.hmac_keys.is_none());
        assert!(!config.policy.algorithms().contains(Algorithm::HS256));
    }

    #[test]
    fn every_option_accepted() {
        let config = parse(&with(
            r#""algorithms": ["ES256", "RS256"], "leeway": 10, "max_age": 3600,
               "typ": "jwt", "required_claims": ["tenant"], "required_scopes": ["orders:read"],
               "scope_match": "any", "scope_claims": "scope-or-scp", "scope_hierarchy": ":",
               "max_token_bytes": 65536"#,
        ))
        .unwrap();
        assert_eq!(config.policy.leeway(), 10);
        assert_eq!(config.policy.max_token_bytes(), 65536);
        assert_eq!(config.scope_claims, ScopeClaims::ScopeOrScp);
        assert_eq!(
            config.policy.algorithms(),
            AlgSet::of(&[Algorithm::ES256, Algorithm::RS256])
        );
        assert_eq!(
            config.policy.required_scopes().collect::<Vec<_>>(),
            ["orders:read"]
        );
    }

    #[test]
    fn profile_accepted() {
        assert!(parse(&with(r#""profile": "rfc9068""#)).is_ok());
    }

    #[test]
    fn unknown_field_named() {
        let message = message(&with(r#""leway": 10"#));
        assert!(
            message.starts_with("invalid configuration leway: unknown field; expected one of"),
            "{message}"
        );
    }

    #[test]
    fn escaped_field_name_matched() {
        assert!(parse(&with(r#""\u006ceeway": 10"#)).is_ok());
    }

    #[test]
    fn wrong_types_named() {
        let cases = [
            (
                r#""leeway": "30""#,
                "leeway: must be a whole number of seconds from 0 to 300, not a string",
            ),
            (
                r#""leeway": 4294967296"#,
                "leeway: must be a whole number of seconds from 0 to 300, not 4294967296",
            ),
            (
                r#""max_age": -1"#,
                "max_age: must be a whole number of seconds from 0 to 4294967295, not -1",
            ),
            (
                r#""max_token_bytes": 1.5"#,
                "max_token_bytes: must be a whole number of bytes from 1 to 1048576, not 1.5",
            ),
            (
                r#""typ": "JWT""#,
                "typ: must be one of at+jwt, jwt, any, not \"JWT\"",
            ),
            (
                r#""profile": true"#,
                "profile: must be a string, not a boolean",
            ),
            (
                r#""required_claims": "tenant""#,
                "required_claims: must be an array of strings, not a string",
            ),
            (
                r#""required_scopes": ["a", 1]"#,
                "required_scopes[1]: must be a string, not a number",
            ),
            (
                r#""scope_match": null"#,
                "scope_match: must be a string, not null",
            ),
            (
                r#""scope_claims": "scp""#,
                "scope_claims: must be one of scope, scope-or-scp",
            ),
            (
                r#""scope_hierarchy": "::""#,
                "scope_hierarchy: must be a string of one character",
            ),
            (
                r#""algorithms": {}"#,
                "algorithms: must be an array of strings, not an object",
            ),
            (
                r#""hmac_secrets": {}"#,
                "hmac_secrets: must be an array of objects, not an object",
            ),
        ];
        for (extra, expected) in cases {
            let message = message(&with(extra));
            let expected = format!("invalid configuration {expected}");
            assert!(message.starts_with(&expected), "{extra}: {message}");
        }
        let issuers = message(r#"{"issuers": "https://auth.example.com"}"#);
        assert!(
            issuers.contains("issuers: must be an array of strings"),
            "{issuers}"
        );
    }

    #[test]
    fn builder_errors_renamed() {
        let missing = message(r#"{"audiences": ["https://api.example.com"]}"#);
        assert_eq!(
            missing,
            "invalid configuration issuers: at least one issuer is required"
        );
        let empty = message(r#"{"issuers": ["a"], "audiences": [""]}"#);
        assert_eq!(empty, "invalid configuration audiences: must not be empty");
        let leeway = message(&with(r#""leeway": 301"#));
        assert_eq!(
            leeway,
            "invalid configuration leeway: must be at most 300 seconds"
        );
        let separator = message(&with(r#""scope_hierarchy": " ""#));
        assert_eq!(
            separator,
            "invalid configuration scope_hierarchy: must not be a space"
        );
        let bytes = message(&with(r#""max_token_bytes": 0"#));
        assert!(bytes.starts_with("invalid configuration max_token_bytes: must be between"));
    }

    #[test]
    fn algorithm_names_checked() {
        let unknown = message(&with(r#""algorithms": ["ES256", "RS257"]"#));
        assert!(
            unknown.starts_with("invalid configuration algorithms[1]: unknown signature algorithm; expected one of HS256"),
            "{unknown}"
        );
        let none = message(&with(r#""algorithms": ["none"]"#));
        assert!(none.contains("algorithm none is never accepted"), "{none}");
        let empty = message(&with(r#""algorithms": []"#));
        assert_eq!(
            empty,
            "invalid configuration algorithms: must name at least one algorithm"
        );
    }

    #[test]
    fn typ_must_agree_with_profile() {
        assert!(parse(&with(r#""typ": "at+jwt", "profile": "rfc9068""#)).is_ok());
        let message = message(&with(r#""typ": "jwt", "profile": "rfc9068""#));
        assert!(
            message.starts_with("invalid configuration typ: conflicts with profile rfc9068"),
            "{message}"
        );
    }

    #[test]
    fn not_an_object_rejected() {
        for text in [
            "[]",
            "",
            "{\"issuers\": [\"a\"],}",
            "{\"leeway\": 1, \"leeway\": 2}",
        ] {
            let message = message(text);
            assert!(
                message.starts_with("invalid configuration: "),
                "{text}: {message}"
            );
        }
    }

    #[test]
    fn oversized_config_rejected() {
        let padding = " ".repeat(MAX_CONFIG_BYTES);
        let failure = parse(&format!("{}{padding}", with(""))).unwrap_err();
        assert_eq!(failure.status(), TG_INVALID_CONFIG);
        let message = failure.to_string();
        assert!(
            message.starts_with("invalid configuration: the document is 1048"),
            "{message}"
        );
    }

    #[test]
    fn hmac_secret_builds_key_set() {
        let config = parse(&with(&format!(
            r#""hmac_secrets": [{{"kid": "hs-1", "alg": "HS256", "secret_base64url": "{SECRET}"}}]"#
        )))
        .unwrap();
        let keys = config.hmac_keys.unwrap();
        assert_eq!(keys.keys().len(), 1);
        assert_eq!(keys.keys()[0].kid(), Some("hs-1"));
        assert_eq!(
            config.policy.algorithms(),
            AlgSet::of(&[Algorithm::HS256]),
            "the secrets' algorithms replace the asymmetric default"
        );
    }

    #[test]
    fn hmac_secret_faults_named() {
        let entry = |json: &str| message(&with(&format!(r#""hmac_secrets": [{json}]"#)));
        let unknown = entry(&format!(r#"{{"alg": "HS256", "secret": "{SECRET}"}}"#));
        assert!(
            unknown.starts_with("invalid configuration hmac_secrets[0].secret: unknown field; expected one of kid, alg, secret_base64url"),
            "{unknown}"
        );
        let no_alg = entry(&format!(r#"{{"secret_base64url": "{SECRET}"}}"#));
        assert!(no_alg.starts_with("invalid configuration hmac_secrets[0].alg: is required"));
        let rsa = entry(&format!(
            r#"{{"alg": "RS256", "secret_base64url": "{SECRET}"}}"#
        ));
        assert!(rsa.contains("hmac_secrets[0].alg: must be HS256, HS384 or HS512, not \"RS256\""));
        let padded = entry(r#"{"alg": "HS256", "secret_base64url": "YWJj="}"#);
        assert!(padded.contains("hmac_secrets[0].secret_base64url: is not base64url"));
        let short = entry(r#"{"alg": "HS256", "secret_base64url": "YWJjZA"}"#);
        assert!(
            short.ends_with(
                "hmac_secrets[0].secret_base64url: weak key: HMAC secret of 4 bytes (minimum 32)"
            ),
            "{short}"
        );
        let kid = entry(&format!(
            r#"{{"kid": 7, "alg": "HS256", "secret_base64url": "{SECRET}"}}"#
        ));
        assert!(kid.contains("hmac_secrets[0].kid: must be a string, not a number"));
        let not_object = entry("\"secret\"");
        assert!(not_object.contains("hmac_secrets[0]: must be an object, not a string"));
    }

    #[test]
    fn hmac_secrets_checked_as_set() {
        let empty = message(&with(r#""hmac_secrets": []"#));
        assert!(empty.contains("hmac_secrets: must list at least one secret"));
        let secret =
            format!(r#"{{"kid": "same", "alg": "HS256", "secret_base64url": "{SECRET}"}}"#);
        let duplicate = message(&with(&format!(r#""hmac_secrets": [{secret}, {secret}]"#)));
        assert!(
            duplicate
                .contains("hmac_secrets: invalid key: key set has two signature keys with one kid"),
            "{duplicate}"
        );
    }

    #[test]
    fn hmac_alg_must_be_allowed() {
        let message = message(&with(&format!(
            r#""algorithms": ["ES256"], "hmac_secrets": [{{"alg": "HS256", "secret_base64url": "{SECRET}"}}]"#
        )));
        assert!(
            message.contains("hmac_secrets[0].alg: HS256 is not in algorithms"),
            "{message}"
        );
    }
}
