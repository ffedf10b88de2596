//! The JWS layer on raw bytes: decode with every algorithm allowed, read the header,
//! then verify against the fixed public keys and the HMAC secret.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokenguard::{AlgSet, JwkSet, JwsVerifier, TokenBuffer};
use tokenguard_fuzz::{keys, walk};

fn key_sets() -> &'static [JwkSet; 2] {
    static SETS: OnceLock<[JwkSet; 2]> = OnceLock::new();
    SETS.get_or_init(|| [keys().public_set(), keys().hmac_set()])
}

fuzz_target!(|data: &[u8]| {
    let verifier = JwsVerifier::new(AlgSet::ALL);
    for keys in key_sets() {
        let mut buffer = TokenBuffer::new();
        let Ok(jws) = verifier.decode(data, &mut buffer) else {
            return;
        };
        let header = *jws.header();
        assert!(AlgSet::ALL.contains(header.alg()));
        let _ = (header.kid(), header.typ());
        walk::object(header.as_object());

        if let Ok(verified) = jws.verify(keys) {
            let key = verified.key();
            assert!(
                key.algorithms().contains(header.alg()),
                "a key verified {} outside its algorithms {:?}",
                header.alg(),
                key.algorithms()
            );
            if let Some(kid) = header.kid() {
                assert_eq!(
                    key.kid(),
                    Some(kid.unescaped().as_ref()),
                    "verified by another kid"
                );
            }
            let _ = (verified.payload(), key.thumbprint());
        }
    }
});
