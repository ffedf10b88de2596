//! Structure-aware: generated headers and claims, signed with the fixed keys, must get
//! the verdict of the model of the access-token rules, both ways.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenguard::TokenBuffer;
use tokenguard_fuzz::spec::TokenSpec;
use tokenguard_fuzz::{access_token_validators, model, AUDIENCE, ISSUER, NOW};

fuzz_target!(|spec: TokenSpec| {
    let token = spec.build(NOW);
    let now = spec.now();
    let (index, leeway) = spec.leeway();
    let validator = access_token_validators()[index].for_signer(token.signer);

    let expected = model::judge(&token, now, leeway);
    let mut buffer = TokenBuffer::new();
    let actual = validator.validate(&token.text, now, &mut buffer);
    match (&expected, &actual) {
        (Err(rule), Ok(_)) => panic!(
            "accepted a token the model rejects ({rule}) at now={now} leeway={leeway}: {}\n{token:#?}",
            token.text
        ),
        (Ok(()), Err(error)) => panic!(
            "rejected a token the model accepts ({error}) at now={now} leeway={leeway}: {}\n{token:#?}",
            token.text
        ),
        (Ok(()), Ok(accepted)) => {
            let claims = accepted.claims();
            assert!(claims.issuer().is_some_and(|iss| iss == ISSUER));
            assert!(claims.audiences().any(|aud| aud == AUDIENCE));
        }
        (Err(_), Err(_)) => {}
    }
    drop(actual);

    // The same token in an Authorization header gets the same verdict.
    let header = format!("Bearer {}", token.text);
    let mut buffer = TokenBuffer::new();
    let through_header = validator.validate_authorization(&header, now, &mut buffer);
    assert_eq!(
        through_header.is_ok(),
        expected.is_ok(),
        "validate_authorization disagrees: {header}"
    );
});
