//! Client assertions on raw bytes: the first 8 bytes are `now` (little endian), the
//! rest an assertion checked against two registered clients that share the fixed
//! public keys.
//!
//! An accepted assertion has `iss` equal to `sub` and to a registered client, is
//! rejected as replayed the second time, and is rejected when the request names the
//! other client, even though that client's keys verify the signature.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokenguard::{AssertionVerifier, ClientRegistry, Error, ReplayCache, TokenBuffer};
use tokenguard_fuzz::{keys, AUDIENCE};

/// The client of the seeds, and a second client registered with the same keys.
const CLIENTS: [&str; 2] = ["fuzz-client", "other-client"];

fn clients() -> &'static ClientRegistry {
    static CLIENT_KEYS: OnceLock<ClientRegistry> = OnceLock::new();
    CLIENT_KEYS.get_or_init(|| {
        let mut clients = ClientRegistry::new();
        for client_id in CLIENTS {
            let registered = clients.insert(client_id, keys().public_set());
            registered.expect("register client");
        }
        clients
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((now, assertion)) = data.split_first_chunk::<8>() else {
        return;
    };
    let now = i64::from_le_bytes(*now);
    let verifier = AssertionVerifier::new(&[AUDIENCE]).expect("assertion verifier");
    let mut cache = ReplayCache::new(4).expect("replay cache");

    let mut buffer = TokenBuffer::new();
    match verifier.verify(assertion, None, clients(), &mut cache, now, &mut buffer) {
        Ok(verified) => {
            let claims = verified.claims();
            let iss = claims.issuer().expect("iss is required");
            let sub = claims.subject().expect("sub is required");
            assert!(iss.eq_json(&sub), "iss and sub differ");
            assert!(claims.audiences().any(|aud| aud == AUDIENCE));
            let client = CLIENTS.iter().position(|client_id| iss == *client_id);
            let client = client.expect("iss names a registered client");

            let mut again = TokenBuffer::new();
            let replay = verifier.verify(assertion, None, clients(), &mut cache, now, &mut again);
            assert_eq!(replay.err(), Some(Error::Replayed), "accepted twice");

            let other = Some(CLIENTS[1 - client]);
            let mut fresh = ReplayCache::new(4).expect("replay cache");
            let mut again = TokenBuffer::new();
            let outcome = verifier.verify(assertion, other, clients(), &mut fresh, now, &mut again);
            assert_eq!(outcome.err(), Some(Error::WrongIssuer), "other client");
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
