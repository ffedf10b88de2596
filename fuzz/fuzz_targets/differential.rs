//! Differential against jsonwebtoken 12 (RustCrypto backend): generated HS256, ES256,
//! ES384 and EdDSA tokens, validated by both under the same key, algorithm, issuer,
//! audience, `exp`, `nbf` and leeway.
//!
//! tokenguard may reject more, because it also checks header member types, duplicate
//! names, `crit`, `iat` and claim types. But it must not accept a token that
//! jsonwebtoken rejects for a rule both implement. Nor may it call a signature bad
//! that jsonwebtoken verifies. jsonwebtoken reads the clock itself, so both use the current time, and
//! inputs with an `exp` or `nbf` within 3 s of a boundary are skipped.
#![no_main]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm as JwtAlgorithm, DecodingKey, Validation};
use libfuzzer_sys::fuzz_target;
use tokenguard::{Error, TokenBuffer};
use tokenguard_fuzz::json_text::{Escape, Member, Val, SCALE};
use tokenguard_fuzz::spec::{self, Signer, TokenSpec};
use tokenguard_fuzz::{keys, model, plain_jwt_validators, SigningKey, AUDIENCE, ISSUER, LEEWAYS};

/// Header members that jsonwebtoken reads with a fixed type and tokenguard ignores.
const TYPED_BY_JSONWEBTOKEN: [&str; 10] = [
    "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "enc", "zip", "url", "nonce",
];

/// Seconds around an `exp` or `nbf` boundary in which a clock tick could change the
/// verdict between the two validations.
const BOUNDARY_MARGIN_SECONDS: i128 = 3;

struct JwtKeys {
    hs256: DecodingKey,
    es256: DecodingKey,
    es384: DecodingKey,
    eddsa: DecodingKey,
}

fn jwt_keys() -> &'static JwtKeys {
    static KEYS: OnceLock<JwtKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let keys = keys();
        let ec = |key| {
            let (x, y) = keys.ec_components(key);
            DecodingKey::from_ec_components(&x, &y).expect("EC components")
        };
        JwtKeys {
            hs256: DecodingKey::from_secret(tokenguard_fuzz::keys::HS256_SECRET).expect("secret"),
            es256: ec(SigningKey::Es256),
            es384: ec(SigningKey::Es384),
            eddsa: DecodingKey::from_ed_components(&keys.ed25519_component()).expect("Ed25519"),
        }
    })
}

fn validation(algorithm: JwtAlgorithm, leeway: u32) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.leeway = u64::from(leeway);
    validation.validate_nbf = true;
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp"]);
    validation
}

fn unix_now() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(elapsed.as_secs()).expect("seconds fit i64")
}

fuzz_target!(|spec: TokenSpec| {
    let mut spec = spec;
    spec.signer = match spec.signer {
        // RSA tokens are signed once with dates around a fixed time, so they cannot
        // follow the clock; jsonwebtoken has no `Ed25519` algorithm name.
        Signer::Rs256 | Signer::Ps256 => Signer::Es256,
        Signer::Ed25519 => Signer::EdDsa,
        other => other,
    };
    let now = unix_now();
    let (_, leeway) = spec.leeway();
    let (mut header, mut claims) = spec.members(now);
    header.retain(|member| !TYPED_BY_JSONWEBTOKEN.contains(&member.name.as_str()));
    for member in &mut header {
        if member.name == "alg" && member.value.as_str() == Some("Ed25519") {
            member.value = Val::string("EdDSA", Escape::Minimal);
        }
    }
    header
        .iter_mut()
        .chain(claims.iter_mut())
        .for_each(|member| beyond_f64_to_null(&mut member.value));
    if near_boundary(&claims, now, leeway) {
        return;
    }

    let key = spec.signer.key();
    let mut token = spec::assemble(key, header, claims);
    spec::corrupt(&mut token, spec.corruption);

    let (jwt_key, algorithm) = match key {
        SigningKey::Hs256 => (&jwt_keys().hs256, JwtAlgorithm::HS256),
        SigningKey::Es384 => (&jwt_keys().es384, JwtAlgorithm::ES384),
        SigningKey::Ed25519 => (&jwt_keys().eddsa, JwtAlgorithm::EdDSA),
        _ => (&jwt_keys().es256, JwtAlgorithm::ES256),
    };
    let index = LEEWAYS.iter().position(|l| *l == leeway).expect("leeway");
    let validator = plain_jwt_validators()[index].for_signer(key);

    let mut buffer = TokenBuffer::new();
    let ours = validator
        .validate(&token.text, now, &mut buffer)
        .map(|_| ());
    let theirs = jsonwebtoken::decode::<serde_json::Value>(
        &token.text,
        jwt_key,
        &validation(algorithm, leeway),
    );

    match (&ours, &theirs) {
        (Ok(()), Err(error)) if is_shared_rule(error.kind()) => panic!(
            "tokenguard accepted a token jsonwebtoken rejects ({error:?}), leeway {leeway}: {}\n{token:#?}",
            token.text
        ),
        (Err(Error::BadSignature), Ok(_)) => panic!(
            "tokenguard calls the signature bad but jsonwebtoken verifies it: {}",
            token.text
        ),
        _ => {}
    }
    if ours.is_ok() {
        // What tokenguard accepts must satisfy the model's iss and aud rules.
        assert_eq!(
            model::judge_iss_aud(&token.claims),
            Ok(()),
            "{}",
            token.text
        );
    }
});

/// Returns whether jsonwebtoken rejected the token for a rule tokenguard also
/// implements: signature, `exp`, `nbf`, `iss`, `aud`, base64url or JSON.
///
/// `InvalidClaimFormat` is jsonwebtoken's own rule that dates are unsigned, so a
/// negative `nbf` fails there but is valid NumericDate.
fn is_shared_rule(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::InvalidToken
            | ErrorKind::InvalidSignature
            | ErrorKind::MissingRequiredClaim(_)
            | ErrorKind::ExpiredSignature
            | ErrorKind::ImmatureSignature
            | ErrorKind::InvalidIssuer
            | ErrorKind::InvalidAudience
            | ErrorKind::InvalidAlgorithm
            | ErrorKind::Base64(_)
            | ErrorKind::Json(_)
            | ErrorKind::Utf8(_)
    )
}

/// Replaces numbers that overflow `f64`, which serde_json rejects and RFC 8259
/// allows, with `null`.
fn beyond_f64_to_null(value: &mut Val) {
    match value {
        Val::Number { text, .. } if text.parse::<f64>().is_ok_and(f64::is_infinite) => {
            *value = Val::Null;
        }
        Val::Array(items) => items.iter_mut().for_each(beyond_f64_to_null),
        Val::Object(members) => members
            .iter_mut()
            .for_each(|member| beyond_f64_to_null(&mut member.value)),
        _ => {}
    }
}

/// Returns whether an `exp` or `nbf` lies within [`BOUNDARY_MARGIN_SECONDS`] of the
/// instant where its verdict flips.
fn near_boundary(claims: &[Member], now: i64, leeway: u32) -> bool {
    let leeway = i128::from(leeway);
    claims.iter().any(|member| {
        let boundary = match member.name.as_str() {
            "exp" => i128::from(now) - leeway,
            "nbf" => i128::from(now) + leeway,
            _ => return false,
        };
        match member.value {
            Val::Number {
                scaled: Some(scaled),
                ..
            } => (scaled - boundary * SCALE).abs() <= BOUNDARY_MARGIN_SECONDS * SCALE,
            _ => false,
        }
    })
}
