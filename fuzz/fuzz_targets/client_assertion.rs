//! Client assertions on raw bytes: the first 8 bytes are `now` (little endian), the
//! rest an assertion checked against the fixed public keys.
//!
//! An accepted assertion has `iss` equal to `sub`, and is rejected as replayed the
//! second time.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokenguard::{AssertionVerifier, Error, JwkSet, ReplayCache, TokenBuffer};
use tokenguard_fuzz::{keys, AUDIENCE};

fn key_set() -> &'static JwkSet {
    static KEYS: OnceLock<JwkSet> = OnceLock::new();
    KEYS.get_or_init(|| keys().public_set())
}

fuzz_target!(|data: &[u8]| {
    let Some((now, assertion)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = i64::from_le_bytes(*now);
    let verifier = AssertionVerifier::new(&[AUDIENCE]).expect("assertion verifier");
    let mut cache = ReplayCache::new(4).expect("replay cache");

    let mut buffer = TokenBuffer::new();
    match verifier.verify(assertion, None, key_set(), &mut cache, now, &mut buffer) {
        Ok(verified) => {
            let claims = verified.claims();
            let iss = claims.issuer().expect("iss is required");
            let sub = claims.subject().expect("sub is required");
            assert!(iss.eq_json(&sub), "iss and sub differ");
            assert!(claims.audiences().any(|aud| aud == AUDIENCE));
            let mut again = TokenBuffer::new();
            let replay = verifier.verify(assertion, None, key_set(), &mut cache, now, &mut again);
            assert_eq!(replay.err(), Some(Error::Replayed), "accepted twice");
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
