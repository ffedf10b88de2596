//! Introspection responses (RFC 7662) and signed introspection responses (RFC 9701)
//! through the same policy as JWT access tokens.

mod signing;

use serde_json::{json, Value};

use signing::{key_set_json, with_corrupted_signature, SigningKey, AUDIENCE, ISSUER, NOW};
use tokenguard::{
    Algorithm, Error, ExpiryRule, Fault, JwkSet, Part, Policy, PolicyBuilder, Profile, TokenBuffer,
    Validator, DEFAULT_INTROSPECTION_MAX_AGE_SECONDS,
};

/// The client identifier of this API at the authorization server, which signed
/// responses carry as `aud`.
const API_CLIENT_ID: &str = "api-resource-server";

const EXP: i64 = NOW + 600;

fn policy() -> PolicyBuilder {
    Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .introspection_audience(API_CLIENT_ID)
}

fn validator(policy: PolicyBuilder, key: &SigningKey) -> Validator {
    let keys = JwkSet::from_json(key_set_json(&[key.public_jwk()]).as_bytes()).unwrap();
    Validator::new(policy.build().unwrap(), keys)
}

fn es256() -> SigningKey {
    SigningKey::generate(Algorithm::ES256, "as-1")
}

/// An active response as an authorization server sends it.
fn active() -> Value {
    json!({
        "active": true,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "client_id": "s6BhdRkqt3",
        "username": "alice",
        "token_type": "Bearer",
        "scope": "orders:read orders:write",
        "exp": EXP,
        "iat": NOW - 60,
        "nbf": NOW - 60,
        "jti": "tok-1",
    })
}

/// Returns `active()` with `name` set to `value`, or removed for `Value::Null`
/// given as `None`.
fn with(name: &str, value: Option<Value>) -> Value {
    let mut response = active();
    let object = response.as_object_mut().unwrap();
    match value {
        Some(value) => object.insert(name.into(), value),
        None => object.remove(name),
    };
    response
}

fn check(validator: &Validator, response: &Value) -> Result<(), Error> {
    let body = response.to_string();
    validator
        .validate_introspection(body.as_bytes(), NOW)
        .map(|_| ())
}

fn response_fault(fault: Fault) -> Error {
    Error::Malformed {
        part: Part::IntrospectionResponse,
        fault,
    }
}

fn missing(claim: &str) -> Error {
    Error::MissingClaim {
        claim: claim.try_into().unwrap(),
    }
}

fn invalid(claim: &str) -> Error {
    Error::InvalidClaim {
        claim: claim.try_into().unwrap(),
    }
}

#[test]
fn active_response_gives_token_view() {
    let validator = validator(policy().require_scope("orders:read"), &es256());
    let body = active().to_string();
    let token = validator
        .validate_introspection(body.as_bytes(), NOW)
        .unwrap();

    assert!(token.header().is_none());
    let claims = token.claims();
    assert_eq!(claims.subject().unwrap(), "user-42");
    assert_eq!(claims.client_id().unwrap(), "s6BhdRkqt3");
    assert_eq!(claims.jwt_id().unwrap(), "tok-1");
    assert_eq!(claims.expires_at().unwrap().seconds(), EXP);
    let scopes: Vec<String> = claims.scopes().map(|s| s.to_string()).collect();
    assert_eq!(scopes, ["orders:read", "orders:write"]);
    assert_eq!(claims.get("username").unwrap().as_str().unwrap(), "alice");
}

#[test]
fn inactive_response_rejected() {
    let validator = validator(policy(), &es256());
    assert_eq!(
        check(&validator, &json!({ "active": false })),
        Err(Error::Inactive)
    );
    // An inactive answer wins over members that would otherwise pass.
    assert_eq!(
        check(&validator, &with("active", Some(json!(false)))),
        Err(Error::Inactive)
    );
    // Member names are compared after unescaping.
    let escaped = br#"{"\u0061ctive":false}"#;
    assert_eq!(
        validator.validate_introspection(escaped, NOW).err(),
        Some(Error::Inactive)
    );
}

#[test]
fn active_member_must_be_boolean() {
    let validator = validator(policy(), &es256());
    assert_eq!(
        check(&validator, &with("active", None)),
        Err(response_fault(Fault::MissingMember { member: "active" }))
    );
    for value in [
        json!("true"),
        json!(1),
        json!(null),
        json!([true]),
        json!({}),
    ] {
        assert_eq!(
            check(&validator, &with("active", Some(value.clone()))),
            Err(response_fault(Fault::WrongType { member: "active" })),
            "active: {value}"
        );
    }
}

#[test]
fn malformed_bodies_rejected() {
    let validator = validator(policy(), &es256());
    let cases: [(&[u8], Fault); 5] = [
        (b"", Fault::NotAnObject),
        (b"[true]", Fault::NotAnObject),
        (b"{\"active\":true", Fault::JsonSyntax),
        (b"\xEF\xBB\xBF{\"active\":true}", Fault::ByteOrderMark),
        (br#"{"active":false,"active":true}"#, Fault::DuplicateMember),
    ];
    for (body, fault) in cases {
        assert_eq!(
            validator.validate_introspection(body, NOW).err(),
            Some(response_fault(fault)),
            "body {:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn oversized_body_rejected() {
    let validator = validator(policy().max_token_bytes(256), &es256());
    let padding = "x".repeat(300);
    let body = with("padding", Some(json!(padding))).to_string();
    assert_eq!(
        validator.validate_introspection(body.as_bytes(), NOW).err(),
        Some(Error::TooLarge {
            len: body.len(),
            max: 256
        })
    );
}

#[test]
fn time_claims_checked() {
    let validator = validator(policy(), &es256());
    assert_eq!(check(&validator, &with("exp", None)), Err(missing("exp")));
    assert_eq!(
        check(&validator, &with("exp", Some(json!(NOW - 31)))),
        Err(Error::Expired {
            rule: ExpiryRule::Exp,
            at: NOW - 31,
            now: NOW
        })
    );
    assert_eq!(
        check(&validator, &with("nbf", Some(json!(NOW + 31)))),
        Err(Error::NotYetValid {
            nbf: NOW + 31,
            now: NOW
        })
    );
    assert_eq!(
        check(&validator, &with("iat", Some(json!(NOW + 31)))),
        Err(Error::IssuedInFuture {
            iat: NOW + 31,
            now: NOW
        })
    );
}

#[test]
fn issuer_and_audience_checked() {
    let validator = validator(policy(), &es256());
    assert_eq!(check(&validator, &with("iss", None)), Err(missing("iss")));
    assert_eq!(
        check(&validator, &with("iss", Some(json!("https://other.test")))),
        Err(Error::WrongIssuer)
    );
    assert_eq!(check(&validator, &with("aud", None)), Err(missing("aud")));
    assert_eq!(
        check(&validator, &with("aud", Some(json!("https://other.test")))),
        Err(Error::WrongAudience)
    );
    assert_eq!(
        check(
            &validator,
            &with("aud", Some(json!(["https://other.test", AUDIENCE])))
        ),
        Ok(())
    );
}

#[test]
fn scopes_and_required_claims_checked() {
    let scoped = validator(policy().require_scope("orders:admin"), &es256());
    assert_eq!(check(&scoped, &active()), Err(Error::InsufficientScope));

    let profiled = validator(policy().profile(Profile::Rfc9068), &es256());
    assert_eq!(check(&profiled, &active()), Ok(()));
    assert_eq!(check(&profiled, &with("jti", None)), Err(missing("jti")));
}

#[test]
fn member_types_checked() {
    let validator = validator(policy(), &es256());
    let cases = [
        ("exp", json!("soon")),
        ("iat", json!(true)),
        ("nbf", json!("now")),
        ("iss", json!(["https://auth.tokenguard.test"])),
        ("jti", json!(17)),
        ("scope", json!(["orders:read"])),
        ("client_id", json!(7)),
        ("sub", json!({})),
        ("username", json!(42)),
        ("token_type", json!(["Bearer"])),
        ("aud", json!([AUDIENCE, 3])),
    ];
    for (name, value) in cases {
        assert_eq!(
            check(&validator, &with(name, Some(value.clone()))),
            Err(invalid(name)),
            "{name}: {value}"
        );
    }
}

#[test]
fn non_object_cnf_rejected() {
    // RFC 7800 section 3.1: `cnf` is a JSON object, so any other value is an
    // invalid claim rather than a binding.
    let validator = validator(policy(), &es256());
    for value in [
        json!("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"),
        json!(true),
        json!(1),
        json!([{ "jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" }]),
    ] {
        assert_eq!(
            check(&validator, &with("cnf", Some(value.clone()))),
            Err(invalid("cnf")),
            "{value}"
        );
    }
    // `null` is an absent claim.
    assert!(check(&validator, &with("cnf", Some(Value::Null))).is_ok());
}

#[test]
fn bound_token_needs_proof() {
    let validator = validator(policy(), &es256());
    let bound = with(
        "cnf",
        Some(json!({ "jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" })),
    );
    assert_eq!(
        check(&validator, &bound),
        Err(Error::ProofOfPossessionRequired)
    );
}

/// Signs a response JWT with `key`, header `typ` and the given outer claims.
fn signed(key: &SigningKey, typ: Option<&str>, claims: &Value) -> String {
    let mut header = json!({ "alg": key.alg().name(), "kid": key.kid() });
    if let Some(typ) = typ {
        header["typ"] = json!(typ);
    }
    key.sign_compact(&header.to_string(), &claims.to_string())
}

fn outer_claims(inner: Value) -> Value {
    json!({
        "iss": ISSUER,
        "aud": API_CLIENT_ID,
        "iat": NOW,
        "token_introspection": inner,
    })
}

fn check_signed(validator: &Validator, response: &str) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    validator
        .validate_signed_introspection(response, NOW, &mut buffer)
        .map(|_| ())
}

const TYP: Option<&str> = Some("token-introspection+jwt");

#[test]
fn signed_response_accepted() {
    let key = es256();
    let validator = validator(policy(), &key);
    let response = signed(&key, TYP, &outer_claims(active()));
    let mut buffer = TokenBuffer::new();
    let token = validator
        .validate_signed_introspection(&response, NOW, &mut buffer)
        .unwrap();
    assert!(token.header().is_none());
    assert_eq!(token.claims().subject().unwrap(), "user-42");

    let media_type = signed(
        &key,
        Some("application/Token-Introspection+JWT"),
        &outer_claims(active()),
    );
    assert_eq!(check_signed(&validator, &media_type), Ok(()));
}

#[test]
fn signed_response_needs_audience_config() {
    let key = es256();
    let validator = validator(Policy::builder().issuer(ISSUER).audience(AUDIENCE), &key);
    let response = signed(&key, TYP, &outer_claims(active()));
    assert!(matches!(
        check_signed(&validator, &response),
        Err(Error::InvalidConfig {
            field: "introspection_audience",
            ..
        })
    ));
}

#[test]
fn signed_response_type_checked() {
    let key = es256();
    let validator = validator(policy(), &key);
    for typ in [
        None,
        Some("at+jwt"),
        Some("JWT"),
        Some("token-introspection"),
    ] {
        let response = signed(&key, typ, &outer_claims(active()));
        assert_eq!(
            check_signed(&validator, &response),
            Err(Error::WrongType),
            "typ {typ:?}"
        );
    }
}

#[test]
fn signed_response_not_an_access_token() {
    let key = es256();
    let validator = validator(policy(), &key);
    let response = signed(&key, TYP, &outer_claims(active()));
    let mut buffer = TokenBuffer::new();
    assert_eq!(
        validator.validate(&response, NOW, &mut buffer).err(),
        Some(Error::WrongType)
    );

    // An access token presented as an introspection response.
    let access_token = key.sign_access_token(&active().to_string());
    assert_eq!(
        check_signed(&validator, &access_token),
        Err(Error::WrongType)
    );
}

#[test]
fn signed_response_signature_checked() {
    let key = es256();
    let validator = validator(policy(), &key);
    let response = signed(&key, TYP, &outer_claims(active()));
    assert_eq!(
        check_signed(&validator, &with_corrupted_signature(&response)),
        Err(Error::BadSignature)
    );

    let stranger = SigningKey::generate(Algorithm::ES256, "as-1");
    let forged = signed(&stranger, TYP, &outer_claims(active()));
    assert_eq!(check_signed(&validator, &forged), Err(Error::BadSignature));
}

#[test]
fn signed_response_outer_claims_checked() {
    let key = es256();
    let validator = validator(policy(), &key);
    let outer = |name: &str, value: Option<Value>| {
        let mut claims = outer_claims(active());
        let object = claims.as_object_mut().unwrap();
        match value {
            Some(value) => object.insert(name.into(), value),
            None => object.remove(name),
        };
        signed(&key, TYP, &claims)
    };
    let cases = [
        ("iss", None, missing("iss")),
        ("iss", Some(json!("https://other.test")), Error::WrongIssuer),
        ("aud", None, missing("aud")),
        // The access token's audience is not this API's client identifier.
        ("aud", Some(json!(AUDIENCE)), Error::WrongAudience),
        ("iat", None, missing("iat")),
        ("iat", Some(json!("now")), invalid("iat")),
        (
            "token_introspection",
            None,
            response_fault(Fault::MissingMember {
                member: "token_introspection",
            }),
        ),
        (
            "token_introspection",
            Some(json!(active().to_string())),
            response_fault(Fault::WrongType {
                member: "token_introspection",
            }),
        ),
    ];
    for (name, value, expected) in cases {
        let response = outer(name, value.clone());
        assert_eq!(
            check_signed(&validator, &response),
            Err(expected),
            "{name}: {value:?}"
        );
    }
}

#[test]
fn signed_response_age_checked() {
    let key = es256();
    let short = validator(policy().introspection_max_age(120), &key);
    let default = validator(policy(), &key);
    let at = |iat: i64| {
        let mut claims = outer_claims(active());
        claims["iat"] = json!(iat);
        signed(&key, TYP, &claims)
    };
    // The default leeway of 30 s applies on both sides.
    assert_eq!(check_signed(&short, &at(NOW - 149)), Ok(()));
    assert_eq!(
        check_signed(&short, &at(NOW - 150)),
        Err(Error::Expired {
            rule: ExpiryRule::MaxAge,
            at: NOW - 30,
            now: NOW
        })
    );
    assert_eq!(check_signed(&short, &at(NOW + 30)), Ok(()));
    assert_eq!(
        check_signed(&short, &at(NOW + 31)),
        Err(Error::IssuedInFuture {
            iat: NOW + 31,
            now: NOW
        })
    );

    let oldest = NOW - 30 - i64::from(DEFAULT_INTROSPECTION_MAX_AGE_SECONDS);
    assert_eq!(check_signed(&default, &at(oldest + 1)), Ok(()));
    assert!(matches!(
        check_signed(&default, &at(oldest)),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn signed_response_inner_checked() {
    let key = es256();
    let validator = validator(policy(), &key);
    let inactive = signed(&key, TYP, &outer_claims(json!({ "active": false })));
    assert_eq!(check_signed(&validator, &inactive), Err(Error::Inactive));

    let wrong_audience = signed(
        &key,
        TYP,
        &outer_claims(with("aud", Some(json!(API_CLIENT_ID)))),
    );
    assert_eq!(
        check_signed(&validator, &wrong_audience),
        Err(Error::WrongAudience)
    );

    let no_active = signed(&key, TYP, &outer_claims(with("active", None)));
    assert_eq!(
        check_signed(&validator, &no_active),
        Err(response_fault(Fault::MissingMember { member: "active" }))
    );
}
