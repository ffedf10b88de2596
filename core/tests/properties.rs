//! Property tests over the public API.
//!
//! Every parser returns a value or an error for any input and never panics. JSON
//! generated from a grammar is accepted exactly when a model of the strict rules
//! accepts it, and an accepted object reads the same as with `serde_json`. A
//! `WWW-Authenticate` challenge always parses back to its sanitized values. The `exp`,
//! `nbf` and `iat` checks of signed HS256 tokens match a model in 128-bit integers.

use base64ct::{Base64UrlUnpadded, Encoding};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use ring::hmac;
use serde_json::json;
use tokenguard::json::{self, Value, MAX_DEPTH};
use tokenguard::{
    parse_authorization, AlgRejection, AlgSet, Algorithm, BearerError, Challenge, ClaimName,
    Claims, Error, ExpiryRule, Fault, Jwk, JwkSet, JwsVerifier, NumericDate, Part, Policy, Scheme,
    TokenBuffer, Validator, DEFAULT_MAX_TOKEN_BYTES,
};

const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "https://api.example";
const SECRET: [u8; 32] = [0x5a; 32];
const KID: &str = "k1";
const NOW: i64 = 1_767_225_600;

/// The header of every token signed here, with the `typ` `at+jwt` that the policy
/// requires.
const HEADER: &str = r#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#;

/// Bytes that JSON, base64url and `Authorization` values are made of, to reach past
/// the first check more often than uniform bytes do.
const SYNTAX_BYTES: &[u8] = b"{}[]\":,\\ \t\r\n0123456789eE.-+/_=~tfnrulsaxyzABCD";

fn validator(leeway: u32) -> Validator {
    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .algorithms(AlgSet::of(&[Algorithm::HS256]))
        .leeway(leeway)
        .build()
        .unwrap();
    Validator::new(policy, key_set())
}

fn key_set() -> JwkSet {
    let key = Jwk::hmac_secret(Some(KID), Algorithm::HS256, &SECRET).unwrap();
    JwkSet::from_keys(vec![key]).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Returns a compact JWS of `header` and `payload` with a valid HS256 tag.
fn sign(header: &[u8], payload: &[u8]) -> String {
    let signing_input = format!("{}.{}", b64(header), b64(payload));
    let key = hmac::Key::new(hmac::HMAC_SHA256, &SECRET);
    let tag = hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(tag.as_ref()))
}

/// Returns `token` with the lowest bit of its tag flipped.
fn flip_tag_bit(token: &str) -> String {
    let (signing_input, tag) = token.rsplit_once('.').unwrap();
    let mut tag = Base64UrlUnpadded::decode_vec(tag).unwrap();
    tag[0] ^= 1;
    format!("{signing_input}.{}", b64(&tag))
}

fn claim_name(name: &str) -> ClaimName {
    ClaimName::try_from(name).unwrap()
}

/// Uniform bytes mixed with [`SYNTAX_BYTES`].
fn syntax_bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![any::<u8>(), select(SYNTAX_BYTES)];
    prop::collection::vec(byte, 0..max_len)
}

/// Characters inserted into generated JSON: structure, escapes, digits and a BOM.
const MUTATION_CHARS: [char; 20] = [
    '{', '}', '[', ']', '"', ':', ',', '\\', ' ', 'u', '0', '9', 'e', '-', '.', 'n', 't', 'a',
    '\u{feff}', '\u{1}',
];

/// Characters that are awkward in JSON strings and HTTP header values.
const AWKWARD_CHARS: [char; 14] = [
    '"',
    '\\',
    '/',
    '\r',
    '\n',
    '\t',
    ' ',
    '~',
    '\u{0}',
    '\u{1f}',
    '\u{7f}',
    '\u{85}',
    '\u{2028}',
    '\u{1F600}',
];

fn awkward_string(max_len: usize) -> impl Strategy<Value = String> {
    let c = prop_oneof![any::<char>(), select(&AWKWARD_CHARS[..])];
    prop::collection::vec(c, 0..max_len).prop_map(|chars| chars.into_iter().collect())
}

/// Visits every member, element, string and number of a checked value through the
/// views' accessors and returns the number of values visited.
fn walk(value: Value<'_>) -> usize {
    match value {
        Value::Object(object) => {
            let mut count = 1;
            for (name, member) in object.members() {
                let _ = name.chars().count();
                assert!(
                    object.get(&name.to_string()).is_some(),
                    "member {name} not found"
                );
                count += walk(member);
            }
            count
        }
        Value::Array(array) => 1 + array.iter().map(walk).sum::<usize>(),
        Value::String(text) => {
            let unescaped: String = text.chars().collect();
            assert_eq!(text.to_string(), unescaped);
            assert!(text.eq_str(&unescaped));
            assert!(text.eq_ignore_ascii_case(&unescaped.to_ascii_uppercase()));
            1
        }
        Value::Number(number) => {
            let date = NumericDate::from_json(number);
            if let Some(integer) = number.as_i64() {
                assert_eq!(
                    date,
                    Some(NumericDate::from_seconds(integer)),
                    "{}",
                    number.as_text()
                );
            }
            let _ = number.as_f64();
            1
        }
        Value::Null | Value::Bool(_) => 1,
    }
}

/// Reads `bytes` with `serde_json`, for comparison with a text tokenguard accepted.
///
/// Returns `None` when `serde_json` rejects a number outside the `f64` range, such
/// as `1e400`, which the JSON grammar allows and tokenguard keeps as text.
fn serde_reading(bytes: &[u8]) -> Result<Option<serde_json::Value>, TestCaseError> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.to_string().starts_with("number out of range") => Ok(None),
        Err(e) => Err(TestCaseError::fail(format!(
            "serde_json failed on a text tokenguard accepted: {e}"
        ))),
    }
}

/// Checks that a value read by tokenguard equals the same text read by `serde_json`.
///
/// `serde_json` keeps the last of duplicate member names, so equal member counts
/// also show that the object had no duplicates.
fn assert_same(ours: Value<'_>, theirs: &serde_json::Value) -> Result<(), TestCaseError> {
    match (ours, theirs) {
        (Value::Object(object), serde_json::Value::Object(map)) => {
            prop_assert_eq!(object.members().count(), map.len(), "{}", object.as_text());
            for (name, member) in object.members() {
                let name: String = name.chars().collect();
                let Some(other) = map.get(&name) else {
                    return Err(TestCaseError::fail(format!("no member {name:?}")));
                };
                assert_same(member, other)?;
            }
        }
        (Value::Array(array), serde_json::Value::Array(items)) => {
            prop_assert_eq!(array.iter().count(), items.len());
            for (element, other) in array.iter().zip(items) {
                assert_same(element, other)?;
            }
        }
        (Value::String(text), serde_json::Value::String(other)) => {
            prop_assert_eq!(&text.chars().collect::<String>(), other);
        }
        (Value::Number(number), serde_json::Value::Number(other)) => {
            if let (Some(ours), Some(theirs)) = (number.as_i64(), other.as_i64()) {
                prop_assert_eq!(ours, theirs);
            }
        }
        (Value::Bool(ours), serde_json::Value::Bool(theirs)) => prop_assert_eq!(ours, *theirs),
        (Value::Null, serde_json::Value::Null) => {}
        (ours, theirs) => {
            return Err(TestCaseError::fail(format!(
                "tokenguard read {ours:?}, serde_json read {theirs}"
            )));
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn parse_object_never_panics(bytes in syntax_bytes(256)) {
        if let Ok(object) = json::parse_object(&bytes) {
            walk(Value::Object(object));
            if let Some(theirs) = serde_reading(&bytes)? {
                assert_same(Value::Object(object), &theirs)?;
            }
        }
    }

    #[test]
    fn claims_parse_never_panics(bytes in syntax_bytes(256)) {
        if let Ok(claims) = Claims::parse(&bytes) {
            let _ = claims.audiences().count();
            for scope in claims.scopes() {
                let _ = scope.to_string();
            }
            let _ = (claims.issuer(), claims.subject(), claims.jwt_id(), claims.client_id());
            let _ = (claims.expires_at(), claims.not_before(), claims.issued_at(), claims.scp());
            walk(Value::Object(claims.as_object()));
        }
    }

    #[test]
    fn key_parsers_never_panic(bytes in syntax_bytes(256)) {
        if let Ok(key) = Jwk::from_json(&bytes) {
            let _ = (key.thumbprint(), key.kid(), key.algorithms(), key.is_secret());
        }
        if let Ok(keys) = JwkSet::from_json(&bytes) {
            let _ = (keys.keys().len(), keys.rejected().len());
        }
    }

    #[test]
    fn parse_authorization_matches_grammar(
        value in prop_oneof![authorization_value(), syntax_bytes(48)],
    ) {
        let expected = expected_credentials(&value);
        let actual = parse_authorization(&value).map(|c| (c.scheme(), c.token().to_string()));
        prop_assert_eq!(actual, expected, "{:?}", String::from_utf8_lossy(&value));
    }

    #[test]
    fn jws_decode_never_panics(bytes in syntax_bytes(256)) {
        let keys = key_set();
        let verifier = JwsVerifier::new(AlgSet::ALL);
        let mut buffer = TokenBuffer::new();
        if let Ok(jws) = verifier.decode(&bytes, &mut buffer) {
            let _ = (jws.header().alg(), jws.header().kid(), jws.header().typ());
            let _ = jws.verify(&keys).map(|verified| verified.payload().len());
        }

        // A small buffer takes the path that reports a token too large for it.
        let mut small = TokenBuffer::<48>::with_capacity();
        let _ = verifier.decode(&bytes, &mut small).map(|jws| jws.header().alg());
    }

    #[test]
    fn jws_decode_of_encoded_parts_never_panics(
        header in syntax_bytes(96),
        payload in syntax_bytes(96),
        signature in syntax_bytes(40),
    ) {
        let token = format!("{}.{}.{}", b64(&header), b64(&payload), b64(&signature));
        let mut buffer = TokenBuffer::new();
        let result = JwsVerifier::new(AlgSet::ALL).decode(token.as_bytes(), &mut buffer);
        // Every segment is canonical base64url, so only the header can be at fault.
        if let Err(Error::Malformed { part, .. }) = result {
            prop_assert_eq!(part, Part::Header);
        }
    }

    #[test]
    fn validate_never_panics(bytes in syntax_bytes(256)) {
        let validator = validator(30);
        let mut buffer = TokenBuffer::new();
        let result = validator.validate(&bytes[..], NOW, &mut buffer);
        let _ = result.map(|token| token.claims().subject());
        let mut buffer = TokenBuffer::new();
        let value = [b"Bearer ".as_slice(), &bytes].concat();
        let result = validator.validate_authorization(&value[..], NOW, &mut buffer);
        let _ = result.map(|token| token.header().map(|header| header.alg()));
    }

    #[test]
    fn signed_arbitrary_payload_never_panics(
        payload in prop_oneof![
            syntax_bytes(200),
            json_text().prop_map(String::into_bytes),
            claims_text().prop_map(String::into_bytes),
        ],
        forge in any::<bool>(),
    ) {
        let mut token = sign(HEADER.as_bytes(), &payload);
        if forge {
            token = flip_tag_bit(&token);
        }
        let validator = validator(30);
        let mut buffer = TokenBuffer::new();
        let result = validator.validate(token.as_bytes(), NOW, &mut buffer).map(|_| ());

        // Claims are read only after the signature verified.
        if token.len() > DEFAULT_MAX_TOKEN_BYTES {
            let too_large = Error::TooLarge { len: token.len(), max: DEFAULT_MAX_TOKEN_BYTES };
            prop_assert_eq!(result, Err(too_large));
        } else if forge {
            prop_assert_eq!(result, Err(Error::BadSignature));
        } else if let Err(fault) = json::parse_object(&payload) {
            prop_assert_eq!(result, Err(Error::Malformed { part: Part::Payload, fault }));
        } else {
            prop_assert!(
                !matches!(result, Err(Error::BadSignature | Error::Malformed { .. })),
                "{:?}", result
            );
        }
    }

    #[test]
    fn algorithm_from_name_matches_registry(name in prop_oneof![
        awkward_string(8),
        select(&NAMES_NEAR_REGISTERED[..]).prop_map(String::from),
    ]) {
        let expected = match Algorithm::ALL.into_iter().find(|alg| alg.name() == name) {
            Some(alg) => Ok(alg),
            None if name.eq_ignore_ascii_case("none") => Err(AlgRejection::None),
            None if name == "ES512" => Err(AlgRejection::Es512Unsupported),
            None => Err(AlgRejection::Unknown),
        };
        let actual = Algorithm::from_name(&name).map_err(|error| match error {
            Error::UnsupportedAlg { reason } => reason,
            other => panic!("{name:?}: {other:?}"),
        });
        prop_assert_eq!(actual, expected);
    }

    #[test]
    fn challenge_parses_back(
        scheme in select(&[Scheme::Bearer, Scheme::DPoP][..]),
        realm in proptest::option::of(awkward_string(16)),
        error in proptest::option::of(select(&[
            BearerError::InvalidRequest,
            BearerError::InvalidToken,
            BearerError::InsufficientScope,
        ][..])),
        description in proptest::option::of(awkward_string(16)),
        scope in proptest::option::of(awkward_string(16)),
    ) {
        let mut challenge = Challenge::new(scheme);
        let mut expected = Vec::new();
        if let Some(realm) = &realm {
            challenge = challenge.realm(realm);
            expected.push(("realm".to_string(), sanitized(realm, true)));
        }
        if let Some(error) = error {
            challenge = challenge.error(error);
            expected.push(("error".to_string(), error.as_str().to_string()));
        }
        if let Some(description) = &description {
            challenge = challenge.description(description);
            expected.push(("error_description".to_string(), sanitized(description, false)));
        }
        if let Some(scope) = &scope {
            challenge = challenge.scope(scope);
            expected.push(("scope".to_string(), sanitized(scope, false)));
        }

        let text = challenge.to_string();
        prop_assert!(text.bytes().all(|byte| (b' '..=b'~').contains(&byte)), "{:?}", text);
        let parsed = parse_challenge(&text);
        prop_assert_eq!(parsed, Some((scheme.as_str(), expected)), "{:?}", text);
    }

    #[test]
    fn challenge_for_error_parses_back(name in awkward_string(16)) {
        let error = Error::InvalidClaim { claim: claim_name(&name) };
        let text = Challenge::for_error(Scheme::Bearer, &error).to_string();
        prop_assert!(text.bytes().all(|byte| (b' '..=b'~').contains(&byte)), "{:?}", text);

        let expected = vec![
            ("error".to_string(), "invalid_token".to_string()),
            ("error_description".to_string(), sanitized(&error.to_string(), false)),
        ];
        prop_assert_eq!(parse_challenge(&text), Some(("Bearer", expected)), "{:?}", text);
    }

    #[test]
    fn json_grammar_matches_model(
        tree in object_tree(),
        whitespace in select(&["", " ", "\n\t ", "\r\n"][..]),
    ) {
        let mut text = String::new();
        render(&tree, whitespace, &mut text);
        let expected = first_fault(&tree, 1);
        let result = json::parse_object(text.as_bytes());
        prop_assert_eq!(result.err(), expected, "{}", text);

        if let Ok(object) = result {
            walk(Value::Object(object));
            if let Some(theirs) = serde_reading(text.as_bytes())? {
                assert_same(Value::Object(object), &theirs)?;
            }
        }
    }

    #[test]
    fn json_mutations_never_panic(
        text in json_text(),
        edits in prop::collection::vec((any::<Index>(), 0u8..3, select(&MUTATION_CHARS[..])), 1..4),
    ) {
        // Edits work on characters so that the text stays UTF-8 and reaches the parser.
        let mut chars: Vec<char> = text.chars().collect();
        for (at, kind, c) in edits {
            let at = at.index(chars.len() + 1);
            match kind {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 if at < chars.len() => chars[at] = c,
                _ => chars.insert(at, c),
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(object) = json::parse_object(text.as_bytes()) {
            walk(Value::Object(object));
            if let Some(theirs) = serde_reading(text.as_bytes())? {
                assert_same(Value::Object(object), &theirs)?;
            }
        }
    }

    #[test]
    fn jwk_members_never_panic(members in jwk_members()) {
        let mut object = serde_json::Map::new();
        for (name, value) in members {
            object.insert(name.to_string(), value);
        }
        let key = serde_json::Value::Object(object);
        let text = key.to_string();
        if let Ok(key) = Jwk::from_json(text.as_bytes()) {
            let _ = (key.thumbprint(), key.algorithms());
        }

        let set = json!({ "keys": [key] }).to_string();
        if let Ok(keys) = JwkSet::from_json(set.as_bytes()) {
            for rejected in keys.rejected() {
                let _ = (rejected.kid(), rejected.error().to_string());
            }
            let token = sign(br#"{"alg":"ES256"}"#, b"{}");
            let mut buffer = TokenBuffer::new();
            let verifier = JwsVerifier::new(AlgSet::ALL);
            let _ = verifier.verify(token.as_bytes(), &keys, &mut buffer).map(|_| ());
        }
    }

    #[test]
    fn hs256_times_match_model(
        now in prop_oneof![
            any::<i64>(),
            1_700_000_000i64..1_800_000_000,
            select(&[i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX][..]),
        ],
        exp in proptest::option::weighted(0.95, date_near()),
        nbf in proptest::option::of(date_near()),
        iat in proptest::option::of(date_near()),
        leeway in prop_oneof![Just(0u32), Just(300), 0u32..=300],
        subject in awkward_string(12),
        extra in (awkward_string(6), awkward_string(12)),
    ) {
        let resolve = |date: Option<DateSpec>| date.map(|date| date.resolve(now));
        let (exp, nbf, iat) = (resolve(exp), resolve(nbf), resolve(iat));

        let mut claims = json!({ "iss": ISSUER, "aud": [AUDIENCE], "sub": subject });
        claims[format!("x-{}", extra.0)] = json!(extra.1);
        for (name, date) in [("exp", exp), ("nbf", nbf), ("iat", iat)] {
            if let Some(date) = date {
                claims[name] = json!(date);
            }
        }
        let token = sign(HEADER.as_bytes(), claims.to_string().as_bytes());

        let validator = validator(leeway);
        let mut buffer = TokenBuffer::new();
        let result = validator.validate(token.as_bytes(), now, &mut buffer);
        let verdict = result.as_ref().map(|_| ()).map_err(Clone::clone);
        prop_assert_eq!(verdict, expected_time_verdict(now, leeway, exp, nbf, iat));

        if let Ok(token) = result {
            let read = token.claims().subject().map(|s| s.to_string());
            prop_assert_eq!(read, Some(subject));
            prop_assert_eq!(token.claims().expires_at(), exp.map(NumericDate::from_seconds));
        }
    }
}

/// Algorithm names and near misses: registered names, `none` in other cases, the
/// unsupported ES512, and registered names in the wrong case or with a space.
const NAMES_NEAR_REGISTERED: [&str; 9] = [
    "none", "NONE", "nOnE", "ES512", "es512", "HS256", "EdDSA", "ed25519", "RS256 ",
];

/// Values of JWK members other than key material.
const JWK_WORDS: [&str; 9] = [
    "sig", "enc", "HS256", "RS256", "PS512", "ES256", "ES512", "EdDSA", "none",
];

/// The characters of an RFC 6750 `b64token`, without its trailing `=`.
const B64TOKEN_BYTES: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";

/// `Authorization` values near the RFC 6750 grammar: a scheme, separators and a
/// token that is mostly, but not always, a `b64token`.
fn authorization_value() -> impl Strategy<Value = Vec<u8>> {
    let scheme = select(&["Bearer", "bEARER", "DPoP", "dpop", "Basic", "Bearer!", ""][..]);
    let separator = prop_oneof![6 => Just(" "), 1 => Just("   "), 1 => Just(""), 1 => Just("\t")];
    let token_byte = prop_oneof![
        30 => select(B64TOKEN_BYTES),
        1 => select(SYNTAX_BYTES),
        1 => any::<u8>(),
    ];
    let token = prop::collection::vec(token_byte, 0..24);
    let padding = prop_oneof![4 => Just(""), 2 => Just("="), 1 => Just("=="), 1 => Just("=x")];
    (scheme, separator, token, padding).prop_map(|(scheme, separator, token, padding)| {
        [
            scheme.as_bytes(),
            separator.as_bytes(),
            &token,
            padding.as_bytes(),
        ]
        .concat()
    })
}

/// RFC 6750 section 2.1 `Authorization: scheme 1*SP b64token`, written out
/// independently of the crate's parser.
fn expected_credentials(value: &[u8]) -> Result<(Scheme, String), Error> {
    let malformed = |fault| Error::Malformed {
        part: Part::AuthorizationHeader,
        fault,
    };
    let is_tchar = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    let scheme_len = value.iter().take_while(|b| is_tchar(b)).count();
    let spaces = value[scheme_len..]
        .iter()
        .take_while(|b| **b == b' ')
        .count();
    let token = &value[scheme_len + spaces..];

    let body = token.iter().take_while(|b| **b != b'=').count();
    let body_valid = body > 0
        && token[..body]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b));
    let padding_valid = token[body..].iter().all(|b| *b == b'=');
    if scheme_len == 0 || spaces == 0 || !body_valid || !padding_valid {
        return Err(malformed(Fault::Credentials));
    }

    let scheme = &value[..scheme_len];
    let scheme = if scheme.eq_ignore_ascii_case(b"bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case(b"dpop") {
        Scheme::DPoP
    } else {
        return Err(malformed(Fault::Scheme));
    };
    Ok((scheme, String::from_utf8(token.to_vec()).unwrap()))
}

/// Returns what a challenge value should read as once unquoted: printable ASCII is
/// kept and anything else becomes `?`. Quotes and backslashes survive only where
/// `escaped` is set.
fn sanitized(text: &str, escaped: bool) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' if !escaped => '?',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

/// Parses `scheme [param *(", " param)]` with `param = name "=" quoted-string`,
/// unescaping `\x` to `x`, and returns `None` for any other form.
fn parse_challenge(text: &str) -> Option<(&str, Vec<(String, String)>)> {
    let Some((scheme, mut rest)) = text.split_once(' ') else {
        return Some((text, Vec::new()));
    };
    let mut params = Vec::new();
    loop {
        let (name, after) = rest.split_once("=\"")?;
        let name_valid = name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if name.is_empty() || !name_valid {
            return None;
        }

        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (at, '"') => break at,
                (_, '\\') => value.push(chars.next()?.1),
                (_, c) => value.push(c),
            }
        };
        params.push((name.to_string(), value));

        rest = &after[end + 1..];
        if rest.is_empty() {
            return Some((scheme, params));
        }
        rest = rest.strip_prefix(", ")?;
    }
}

/// A NumericDate for a generated token: any value, or one near the validation time
/// so that the leeway boundaries are hit.
#[derive(Clone, Copy, Debug)]
enum DateSpec {
    Absolute(i64),
    Relative(i64),
}

impl DateSpec {
    fn resolve(self, now: i64) -> i64 {
        match self {
            Self::Absolute(date) => date,
            Self::Relative(offset) => now.saturating_add(offset),
        }
    }
}

fn date_near() -> impl Strategy<Value = DateSpec> {
    prop_oneof![
        any::<i64>().prop_map(DateSpec::Absolute),
        (-305i64..=305).prop_map(DateSpec::Relative),
    ]
}

/// Returns the verdict of the policy's time checks, run in the policy's order in
/// 128-bit integers.
fn expected_time_verdict(
    now: i64,
    leeway: u32,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
) -> Result<(), Error> {
    let (now_wide, leeway) = (i128::from(now), i128::from(leeway));
    let Some(exp) = exp else {
        return Err(Error::MissingClaim {
            claim: claim_name("exp"),
        });
    };
    if now_wide >= i128::from(exp) + leeway {
        return Err(Error::Expired {
            rule: ExpiryRule::Exp,
            at: exp,
            now,
        });
    }
    if let Some(nbf) = nbf {
        if now_wide < i128::from(nbf) - leeway {
            return Err(Error::NotYetValid { nbf, now });
        }
    }
    if let Some(iat) = iat {
        if i128::from(iat) > now_wide + leeway {
            return Err(Error::IssuedInFuture { iat, now });
        }
    }
    Ok(())
}

/// A JSON string as generated: its source text between the quotes, the string it
/// means, and whether the source has an unpaired surrogate escape.
#[derive(Clone, Debug)]
struct Text {
    source: String,
    value: String,
    lone_surrogate: bool,
}

/// A JSON value as generated, rendered by [`render`].
#[derive(Clone, Debug)]
enum Tree {
    Null,
    Bool(bool),
    Number(String),
    String(Text),
    Array(Vec<Tree>),
    Object(Vec<(Text, Tree)>),
}

/// Characters for member names: few, so that names repeat, and with every kind of
/// escape, so that repeats are often spelled differently.
const NAME_CHARS: [char; 6] = ['a', 'b', '\u{e9}', '"', '/', '\u{1F600}'];

const VALUE_CHARS: [char; 12] = [
    'a',
    ' ',
    '~',
    '"',
    '\\',
    '/',
    '\n',
    '\u{0}',
    '\u{1f}',
    '\u{7f}',
    '\u{FFFF}',
    '\u{1F600}',
];

const LONE_SURROGATES: [&str; 4] = ["\\ud800", "\\udfff", "\\ud800\\u0041", "\\udbffx"];

/// Writes `c` into a JSON string's source as a literal, a short escape or a `\u`
/// escape, as `style` picks. Characters that must be escaped always are.
fn encode_char(c: char, style: u8, out: &mut String) {
    let short = match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        '/' => Some("\\/"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        _ => None,
    };
    let literal_allowed = !matches!(c, '"' | '\\' | '\u{0}'..='\u{1f}');
    match (style, short) {
        (0, _) if literal_allowed => out.push(c),
        (1, Some(escape)) => out.push_str(escape),
        _ => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let escape = if style == 3 {
                    format!("\\u{unit:04X}")
                } else {
                    format!("\\u{unit:04x}")
                };
                out.push_str(&escape);
            }
        }
    }
}

fn text(alphabet: &'static [char], max_len: usize) -> impl Strategy<Value = Text> {
    let chars = prop::collection::vec((select(alphabet), 0u8..4), 0..max_len);
    let lone = proptest::option::weighted(0.03, select(&LONE_SURROGATES[..]));
    (chars, lone).prop_map(|(chars, lone)| {
        let mut source = String::new();
        for (c, style) in &chars {
            encode_char(*c, *style, &mut source);
        }
        if let Some(escape) = lone {
            source.push_str(escape);
        }
        Text {
            source,
            value: chars.iter().map(|(c, _)| *c).collect(),
            lone_surrogate: lone.is_some(),
        }
    })
}

fn number() -> impl Strategy<Value = String> {
    let fixed = select(
        &[
            "0",
            "-0",
            "1.5",
            "0.25e3",
            "1E+2",
            "2e-3",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551616",
            "1e400",
            "-1e-400",
            "123456789012345678901234567890.5",
        ][..],
    );
    prop_oneof![
        fixed.prop_map(String::from),
        any::<i64>().prop_map(|n| n.to_string())
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        Just(Tree::Null),
        any::<bool>().prop_map(Tree::Bool),
        number().prop_map(Tree::Number),
        text(&VALUE_CHARS, 6).prop_map(Tree::String),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Tree::Array),
            prop::collection::vec((text(&NAME_CHARS, 2), inner), 0..5).prop_map(Tree::Object),
        ]
    })
}

/// An object whose first member contains `nesting` arrays around a generated value, so
/// that the depth limit is crossed in both directions.
fn object_tree() -> impl Strategy<Value = Tree> {
    let members = prop::collection::vec((text(&NAME_CHARS, 2), tree()), 0..5);
    (members, 0..=MAX_DEPTH + 2, tree()).prop_map(|(mut members, nesting, inner)| {
        let mut nested = inner;
        for _ in 0..nesting {
            nested = Tree::Array(vec![nested]);
        }
        let name = Text {
            source: "n".to_string(),
            value: "n".to_string(),
            lone_surrogate: false,
        };
        members.insert(0, (name, nested));
        Tree::Object(members)
    })
}

fn render(tree: &Tree, ws: &str, out: &mut String) {
    match tree {
        Tree::Null => out.push_str("null"),
        Tree::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Tree::Number(text) => out.push_str(text),
        Tree::String(text) => out.push_str(&format!("\"{}\"", text.source)),
        Tree::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { ws } else { "," });
                render(item, ws, out);
                out.push_str(ws);
            }
            out.push(']');
        }
        Tree::Object(members) => {
            out.push('{');
            for (i, (name, value)) in members.iter().enumerate() {
                out.push_str(if i == 0 { ws } else { "," });
                out.push_str(&format!("{ws}\"{}\"{ws}:{ws}", name.source));
                render(value, ws, out);
                out.push_str(ws);
            }
            out.push('}');
        }
    }
}

/// Returns the fault a strict reader meets first, walking in document order: the
/// depth limit when a container opens, then for each member its name's escapes and
/// its value, and when an object closes, a name repeated after unescaping.
fn first_fault(tree: &Tree, depth: usize) -> Option<Fault> {
    match tree {
        Tree::String(text) if text.lone_surrogate => Some(Fault::LoneSurrogate),
        Tree::Array(_) | Tree::Object(_) if depth > MAX_DEPTH => Some(Fault::TooDeep),
        Tree::Array(items) => items.iter().find_map(|item| first_fault(item, depth + 1)),
        Tree::Object(members) => {
            for (name, value) in members {
                if name.lone_surrogate {
                    return Some(Fault::LoneSurrogate);
                }
                if let Some(fault) = first_fault(value, depth + 1) {
                    return Some(fault);
                }
            }
            // Duplicate names are found when the object closes, after its values.
            let repeated = members.iter().enumerate().any(|(i, (name, _))| {
                members[..i]
                    .iter()
                    .any(|(earlier, _)| earlier.value == name.value)
            });
            repeated.then_some(Fault::DuplicateMember)
        }
        _ => None,
    }
}

/// Claim values of every JSON type, including numbers that are fractional or out of
/// range.
const CLAIM_VALUES: [&str; 14] = [
    "\"https://issuer.example\"",
    "\"https://api.example\"",
    "[\"https://api.example\",\"other\"]",
    "[1]",
    "1767225600",
    "1767229200.5",
    "17672292e2",
    "1e400",
    "-9223372036854775809",
    "null",
    "true",
    "{}",
    "\"a b\\u0020c\"",
    "[\"a\",\"b\"]",
];

/// Claim sets with registered claims of any [`CLAIM_VALUES`] value, so that type
/// checks and the policy run on signed payloads.
fn claims_text() -> impl Strategy<Value = String> {
    let names = vec![
        "iss",
        "sub",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "client_id",
        "scope",
        "scp",
        "cnf",
        "\\u0065xp",
        "x",
    ];
    prop::sample::subsequence(names, 0..=13)
        .prop_flat_map(|names| {
            let values = prop::collection::vec(select(&CLAIM_VALUES[..]), names.len());
            (Just(names), values)
        })
        .prop_map(|(names, values)| {
            let members: Vec<String> = names
                .iter()
                .zip(&values)
                .map(|(name, value)| format!("\"{name}\":{value}"))
                .collect();
            format!("{{{}}}", members.join(","))
        })
}

/// Rendered grammar objects, compact.
fn json_text() -> impl Strategy<Value = String> {
    object_tree().prop_map(|tree| {
        let mut text = String::new();
        render(&tree, "", &mut text);
        text
    })
}

/// JWK members with names and values a key reader looks at: a `kty`, usually a
/// `crv`, key material and a few other members.
///
/// Key material is random bytes of the lengths that matter (empty, one byte, and
/// around the P-256, P-384, Ed25519, HMAC and RSA 2048 sizes) or a known value, such
/// as the coordinates of a point on P-256.
fn jwk_members() -> impl Strategy<Value = Vec<(&'static str, serde_json::Value)>> {
    let kty = select(&["RSA", "EC", "OKP", "oct", "rsa"][..]).prop_map(|kty| ("kty", json!(kty)));
    let crv = select(&["P-256", "P-384", "P-521", "Ed25519", "X25519"][..]);
    let crv = proptest::option::weighted(0.8, crv.prop_map(|crv| ("crv", json!(crv))));
    let material = |name: &'static str| {
        let random = select(&[0usize, 1, 31, 32, 33, 47, 48, 49, 64, 255, 256, 257][..])
            .prop_flat_map(|len| prop::collection::vec(any::<u8>(), len))
            .prop_map(|bytes| json!(b64(&bytes)));
        let known = match name {
            "x" => "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y" => "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
            _ => "AQAB",
        };
        let value = prop_oneof![random, Just(json!(known))];
        proptest::option::weighted(0.6, value.prop_map(move |value| (name, value)))
    };
    let material = (
        material("x"),
        material("y"),
        material("n"),
        material("e"),
        material("k"),
    );
    let other_names = select(&["kid", "alg", "use", "key_ops", "d", "crv", "kty"][..]);
    let other_values = prop_oneof![
        6 => select(&JWK_WORDS[..]).prop_map(|word| json!(word)),
        1 => Just(json!(["verify"])),
        1 => Just(json!(["sign", 1])),
        1 => Just(json!(7)),
        1 => Just(json!(null)),
    ];
    let others = prop::collection::vec((other_names, other_values), 0..3);

    (kty, crv, material, others).prop_map(|(kty, crv, (x, y, n, e, k), others)| {
        let mut members = vec![kty];
        members.extend(crv);
        members.extend([x, y, n, e, k].into_iter().flatten());
        members.extend(others);
        members
    })
}
