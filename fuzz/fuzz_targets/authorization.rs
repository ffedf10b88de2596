//! `Authorization` header parsing on raw bytes, and agreement between
//! `validate_authorization` and parsing followed by `validate`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenguard::{parse_authorization, Scheme, TokenBuffer};
use tokenguard_fuzz::{access_token_validators, NOW};

fuzz_target!(|data: &[u8]| {
    let validator = &access_token_validators()[0].public;
    let mut buffer = TokenBuffer::new();
    let direct = validator
        .validate_authorization(data, NOW, &mut buffer)
        .map(|_| ())
        .map_err(|error| error.name());

    let Ok(credentials) = parse_authorization(data) else {
        assert_eq!(
            direct,
            Err("malformed"),
            "an unparsable header was not malformed"
        );
        return;
    };
    let token = credentials.token();
    assert!(!token.is_empty(), "empty token");
    let body = token.trim_end_matches('=');
    assert!(!body.is_empty(), "token of padding only");
    assert!(
        body.bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte)),
        "token {token:?} is not a b64token"
    );

    // The value is exactly the scheme, one or more spaces and the token.
    let scheme = credentials.scheme().as_str();
    let (name, rest) = data.split_at(scheme.len());
    assert!(
        name.eq_ignore_ascii_case(scheme.as_bytes()),
        "scheme {scheme} mis-read"
    );
    let spaces = rest.len() - token.len();
    assert!(spaces > 0, "no space after the scheme");
    assert!(
        rest[..spaces].iter().all(|byte| *byte == b' '),
        "separator is not spaces"
    );
    assert_eq!(
        &rest[spaces..],
        token.as_bytes(),
        "token is not the rest of the value"
    );

    match credentials.scheme() {
        Scheme::Bearer => {
            let mut buffer = TokenBuffer::new();
            let separate = validator
                .validate(token, NOW, &mut buffer)
                .map(|_| ())
                .map_err(|error| error.name());
            assert_eq!(
                direct, separate,
                "validate_authorization disagrees with validate"
            );
        }
        Scheme::DPoP => assert_eq!(direct, Err("malformed"), "DPoP accepted as bearer"),
    }
});
