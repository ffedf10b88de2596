//! DPoP proofs on raw bytes: the first 8 bytes are `now` (little endian), the rest
//! is a proof for `GET https://api.tokenguard.test/orders`, and, split at the first
//! 0xFF byte, an `Authorization` value and a proof for `validate_dpop`.
//!
//! A proof that passes once must be rejected as replayed the second time.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokenguard::{
    DpopFault, DpopRequest, DpopVerifier, Error, Policy, ReplayCache, TokenBuffer, Validator,
};
use tokenguard_fuzz::{keys, AUDIENCE, ISSUER};

const REQUEST: DpopRequest<'static> = DpopRequest {
    method: "GET",
    uri: "https://api.tokenguard.test/orders",
    nonce: None,
};

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let policy = Policy::builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .build()
            .expect("DPoP policy");
        Validator::new(policy, keys().public_set())
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((now, input)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = i64::from_le_bytes(*now);
    let verifier = DpopVerifier::new();
    let mut cache = ReplayCache::new(4).expect("replay cache");

    let mut buffer = TokenBuffer::new();
    if let Ok(proof) = verifier.verify(input, &REQUEST, None, &mut cache, now, &mut buffer) {
        let _ = proof.thumbprint();
        let mut again = TokenBuffer::new();
        let replay = verifier.verify(input, &REQUEST, None, &mut cache, now, &mut again);
        assert_eq!(
            replay.err(),
            Some(Error::InvalidDpopProof {
                fault: DpopFault::Replayed
            }),
            "a proof was accepted twice"
        );
    }

    let (authorization, proof) = match input.iter().position(|&byte| byte == 0xFF) {
        Some(at) => (&input[..at], &input[at + 1..]),
        None => (input, &[][..]),
    };
    let mut cache = ReplayCache::new(4).expect("replay cache");
    let mut token_buffer = TokenBuffer::new();
    let mut proof_buffer = TokenBuffer::new();
    let outcome = validator().validate_dpop(
        authorization,
        proof,
        &REQUEST,
        &verifier,
        &mut cache,
        now,
        &mut token_buffer,
        &mut proof_buffer,
    );
    match outcome {
        Ok(token) => {
            let cnf = token.claims().get("cnf");
            assert!(cnf.is_some(), "accepted a token without cnf");
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
