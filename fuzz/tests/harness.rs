//! Checks of the fuzz harness itself: the generator's empty spec is accepted by the
//! validators and the model, and a few known-bad changes are rejected by both.

use arbitrary::{Arbitrary, Unstructured};
use tokenguard::TokenBuffer;
use tokenguard_fuzz::json_text::{Escape, Member, Val};
use tokenguard_fuzz::spec::{self, empty_spec, Signer, TokenSpec};
use tokenguard_fuzz::{access_token_validators, model, NOW};

const SIGNERS: [Signer; 7] = [
    Signer::Es256,
    Signer::Hs256,
    Signer::EdDsa,
    Signer::Ed25519,
    Signer::Es384,
    Signer::Rs256,
    Signer::Ps256,
];

fn verdicts(spec: &TokenSpec) -> (Result<(), &'static str>, Result<(), &'static str>) {
    let token = spec.build(NOW);
    let (index, leeway) = spec.leeway();
    let validator = access_token_validators()[index].for_signer(token.signer);
    let mut buffer = TokenBuffer::new();
    let actual = validator
        .validate(&token.text, spec.now(), &mut buffer)
        .map(|_| ())
        .map_err(|error| error.name());
    (model::judge(&token, spec.now(), leeway), actual)
}

#[test]
fn empty_spec_accepted_by_every_signer() {
    for signer in SIGNERS {
        let mut spec = empty_spec();
        spec.signer = signer;
        assert_eq!(verdicts(&spec), (Ok(()), Ok(())), "{signer:?}");
    }
}

#[test]
fn expired_token_rejected_by_both() {
    let mut spec = empty_spec();
    spec.now_shift = 700;
    let (model, actual) = verdicts(&spec);
    assert_eq!(model, Err("expired"));
    assert_eq!(actual, Err("expired"));
}

#[test]
fn corrupted_signature_rejected_by_both() {
    let mut spec = empty_spec();
    spec.corruption = spec::Corruption::DropLastChar;
    let (model, actual) = verdicts(&spec);
    assert!(model.is_err());
    assert!(actual.is_err());
}

#[test]
fn escaped_duplicate_claim_rejected_by_both() {
    let token = spec::assemble(
        tokenguard_fuzz::SigningKey::Es256,
        empty_spec().members(NOW).0,
        {
            let mut claims = empty_spec().members(NOW).1;
            claims.push(Member::new("exp", Escape::Hex, Val::integer(NOW + 10)));
            claims
        },
    );
    assert_eq!(model::judge(&token, NOW, 30), Err("duplicate member name"));
    let mut buffer = TokenBuffer::new();
    let validator = &access_token_validators()[0].public;
    let actual = validator.validate(&token.text, NOW, &mut buffer);
    assert_eq!(actual.map(|_| ()).map_err(|e| e.name()), Err("malformed"));
}

#[test]
fn random_specs_mostly_build() {
    // Many arbitrary byte strings, to see both verdicts occur.
    let mut accepted = 0;
    let mut rejected = 0;
    for seed in 0u32..2000 {
        let bytes: Vec<u8> = (0..64)
            .map(|i| (seed.wrapping_mul(2654435761).wrapping_add(i * 40503) >> 7) as u8)
            .collect();
        let Ok(spec) = TokenSpec::arbitrary(&mut Unstructured::new(&bytes)) else {
            continue;
        };
        let (model, actual) = verdicts(&spec);
        assert_eq!(
            model.is_ok(),
            actual.is_ok(),
            "{spec:#?}\nmodel {model:?} actual {actual:?}"
        );
        if actual.is_ok() {
            accepted += 1;
        } else {
            rejected += 1;
        }
    }
    println!("accepted {accepted}, rejected {rejected}");
    assert!(rejected > 0);
}
