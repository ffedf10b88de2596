//! Claims and the JSON reader on raw bytes: every `Claims` accessor, a full walk of
//! `json::parse_object`, and agreement with serde_json on what both accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenguard::json;
use tokenguard::{Claims, Fault};
use tokenguard_fuzz::walk;

fuzz_target!(|data: &[u8]| {
    if let Ok(claims) = Claims::parse(data) {
        for text in [
            claims.issuer(),
            claims.subject(),
            claims.jwt_id(),
            claims.client_id(),
        ]
        .into_iter()
        .flatten()
        {
            walk::string(text);
        }
        for date in [claims.expires_at(), claims.not_before(), claims.issued_at()]
            .into_iter()
            .flatten()
        {
            let _ = (date.seconds(), date.has_fraction());
        }
        claims.audiences().for_each(|aud| {
            walk::string(aud);
        });
        for scope in claims.scopes() {
            let text = walk::string(scope);
            assert!(!text.is_empty(), "empty scope value");
            assert!(!text.contains(' '), "scope value {text:?} contains a space");
        }
        if let Some(scp) = claims.scp() {
            walk::value(scp);
        }
        let _ = claims.get("cnf");
        walk::object(claims.as_object());
    }

    let parsed = json::parse_object(data);
    let serde = serde_json::from_slice::<serde_json::Value>(data);
    match (parsed, serde) {
        (Ok(object), Ok(value)) => {
            walk::object(object);
            walk::same_as_serde(object, &value);
        }
        (Ok(object), Err(error)) => {
            walk::object(object);
            // serde_json rejects numbers beyond f64, such as 1e400; RFC 8259 allows
            // them and the reader keeps them as text.
            assert!(
                error.to_string().contains("number out of range"),
                "accepted JSON that serde_json rejects: {error}"
            );
        }
        (Err(fault), Ok(value)) => {
            // The reader is stricter than RFC 8259 on these faults only.
            let stricter = matches!(
                fault,
                Fault::DuplicateMember
                    | Fault::TooDeep
                    | Fault::TooManyMembers
                    | Fault::LoneSurrogate
                    | Fault::ByteOrderMark
            );
            assert!(
                stricter || !value.is_object(),
                "rejected a JSON object serde_json reads ({fault:?})"
            );
        }
        (Err(_), Err(_)) => {}
    }
});
