//! Full access-token validation of raw bytes: the first 8 bytes are `now` (little
//! endian), the rest is the token, checked by the public-key and the HMAC validator
//! of the RFC 9068 policy.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenguard::TokenBuffer;
use tokenguard_fuzz::{access_token_validators, AUDIENCE, ISSUER, REQUIRED_SCOPE};

fuzz_target!(|data: &[u8]| {
    let Some((now, token)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = i64::from_le_bytes(*now);
    let validators = &access_token_validators()[0];
    for validator in [&validators.public, &validators.hmac] {
        let mut buffer = TokenBuffer::new();
        match validator.validate(token, now, &mut buffer) {
            Ok(token) => {
                let claims = token.claims();
                assert!(claims.issuer().is_some_and(|iss| iss == ISSUER));
                assert!(claims.audiences().any(|aud| aud == AUDIENCE));
                assert!(claims.scopes().any(|scope| scope == REQUIRED_SCOPE));
                let exp = claims.expires_at().expect("exp is required");
                assert!(
                    exp.seconds() >= now.saturating_sub(30),
                    "accepted after exp"
                );
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
    }
});
