//! JWK Set and single JWK parsing: every usable key's thumbprint, and agreement
//! between the set and its keys read one by one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenguard::json::{self, Value};
use tokenguard::{Jwk, JwkSet};

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = Jwk::from_json(data) {
        assert_eq!(
            key.thumbprint(),
            key.thumbprint(),
            "thumbprint is not stable"
        );
        let _ = (key.kid(), key.algorithms(), key.is_secret());
    }

    let Ok(set) = JwkSet::from_json(data) else {
        return;
    };
    for key in set.keys() {
        let _ = (key.thumbprint(), key.algorithms(), key.is_secret());
        if let Some(kid) = key.kid() {
            let found = set.get(kid).expect("a usable key is found by its kid");
            assert_eq!(
                found.thumbprint(),
                key.thumbprint(),
                "get({kid:?}) found another key"
            );
        }
    }
    for rejected in set.rejected() {
        let _ = (rejected.kid(), rejected.error().name());
    }

    // Each entry read alone must agree with the set: a key usable alone and
    // carrying a kid is usable in the set.
    let Ok(document) = json::parse_object(data) else {
        panic!("JwkSet accepted text that json::parse_object rejects");
    };
    let Some(Value::Array(entries)) = document.get("keys") else {
        panic!("JwkSet accepted a document without a keys array");
    };
    for entry in entries.iter() {
        let Value::Object(entry) = entry else {
            panic!("JwkSet accepted a non-object entry");
        };
        let Ok(alone) = Jwk::from_json(entry.as_text().as_bytes()) else {
            continue;
        };
        if let Some(kid) = alone.kid() {
            let in_set = set
                .get(kid)
                .unwrap_or_else(|| panic!("key {kid:?} is usable alone but not in the set"));
            assert_eq!(
                in_set.thumbprint(),
                alone.thumbprint(),
                "key {kid:?} differs"
            );
            assert_eq!(
                in_set.algorithms(),
                alone.algorithms(),
                "key {kid:?} algorithms"
            );
        }
    }
});
