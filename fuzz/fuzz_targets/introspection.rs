//! Introspection responses on raw bytes: the first 8 bytes are `now` (little
//! endian), the rest is a response body for `validate_introspection` and a signed
//! response for `validate_signed_introspection`, under the RFC 9068 policy.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokenguard::{Policy, Profile, TokenBuffer, Validator};
use tokenguard_fuzz::{keys, AUDIENCE, ISSUER, REQUIRED_SCOPE};

/// The client identifier signed responses must name in `aud`.
const INTROSPECTION_AUDIENCE: &str = "fuzz-resource-server";

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let policy = Policy::builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .profile(Profile::Rfc9068)
            .require_scope(REQUIRED_SCOPE)
            .introspection_audience(INTROSPECTION_AUDIENCE)
            .build()
            .expect("introspection policy");
        Validator::new(policy, keys().public_set())
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((now, response)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = i64::from_le_bytes(*now);
    let validator = validator();

    if let Ok(token) = validator.validate_introspection(response, now) {
        assert!(token.header().is_none(), "introspected token has a header");
        let claims = token.claims();
        assert!(claims.issuer().is_some_and(|iss| iss == ISSUER));
        assert!(claims.audiences().any(|aud| aud == AUDIENCE));
        assert!(claims.scopes().any(|scope| scope == REQUIRED_SCOPE));
        assert!(claims.get("cnf").is_none(), "accepted a bound token");
        let active = claims.as_object().get("active");
        assert_eq!(active, Some(tokenguard::json::Value::Bool(true)));
        let exp = claims.expires_at().expect("exp is required");
        assert!(
            exp.seconds() >= now.saturating_sub(30),
            "accepted after exp"
        );
    }

    let mut buffer = TokenBuffer::new();
    match validator.validate_signed_introspection(response, now, &mut buffer) {
        Ok(token) => {
            assert!(token.header().is_none(), "introspected token has a header");
            let claims = token.claims();
            assert!(claims.issuer().is_some_and(|iss| iss == ISSUER));
            assert!(claims.audiences().any(|aud| aud == AUDIENCE));
        }
        Err(error) => {
            let _ = (
                error.code(),
                error.name(),
                error.http_status(),
                error.to_string(),
            );
        }
    }
});
