//! Hostile inputs against the validator. Most are signed with keys made here, so that
//! the attack gets past the signature to the check it targets.
//!
//! Each test guards an attack the validator handles. Timing
//! tests print their numbers: run them with
//! `cargo test --release --test attacks -- --nocapture`.

#[path = "signing/mod.rs"]
mod signing;

use std::time::{Duration, Instant};

use base64ct::{Base64UrlUnpadded, Encoding};

use signing::{encode, key_set_json, SigningKey, AUDIENCE, ISSUER, NOW};
use tokenguard::{
    parse_authorization, AlgSet, Algorithm, BearerError, Challenge, Error, JwkSet, Policy,
    PolicyBuilder, Profile, Scheme, ScopeClaims, TokenBuffer, TokenType, Validator,
    MAX_CANDIDATES_WITHOUT_KID, MAX_KEYS,
};

/// `exp` of the tokens built here, ten minutes after [`NOW`].
const EXP: i64 = NOW + 600;

/// The header the ES256 tokens carry unless a test writes its own.
const ES256_HEADER: &str = r#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#;

/// Returns a builder for [`ISSUER`] and [`AUDIENCE`] with the defaults otherwise.
fn policy() -> PolicyBuilder {
    Policy::builder().issuer(ISSUER).audience(AUDIENCE)
}

/// Writes claims with `iss`, `aud`, `exp` and `scope`, followed by `extra`, which is
/// raw JSON text that starts with a comma when it is not empty.
fn claims(extra: &str) -> String {
    format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP},"scope":"orders:read"{extra}}}"#)
}

/// Writes claims with `iss` and `aud` and the raw JSON `members` after them.
fn claims_without_exp(members: &str) -> String {
    format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}",{members}}}"#)
}

/// Returns an ES256 key with `kid` `k1`.
fn es256_key() -> SigningKey {
    SigningKey::generate(Algorithm::ES256, "k1")
}

/// Builds a validator for `policy` with the public JWKs of `keys`.
fn validator_for(keys: &[&SigningKey], policy: PolicyBuilder) -> Validator {
    let jwks: Vec<String> = keys.iter().map(|key| key.public_jwk()).collect();
    validator_with_jwks(&key_set_json(&jwks), policy)
}

/// Builds a validator for `policy` with the JWK Set document `jwks`.
fn validator_with_jwks(jwks: &str, policy: PolicyBuilder) -> Validator {
    let keys = JwkSet::from_json(jwks.as_bytes()).expect("key set");
    Validator::new(policy.build().expect("policy"), keys)
}

/// Validates `token` at `now` and returns `valid` or the error's name.
fn verdict_at(validator: &Validator, token: &str, now: i64) -> &'static str {
    let mut buffer = TokenBuffer::new();
    match validator.validate(token, now, &mut buffer) {
        Ok(_) => "valid",
        Err(error) => error.name(),
    }
}

/// Validates `token` at [`NOW`] and returns `valid` or the error's name.
fn verdict(validator: &Validator, token: &str) -> &'static str {
    verdict_at(validator, token, NOW)
}

/// Validates `token` at [`NOW`] and returns the error.
fn error_of(validator: &Validator, token: &str) -> Error {
    let mut buffer = TokenBuffer::new();
    match validator.validate(token, NOW, &mut buffer) {
        Ok(_) => panic!("token accepted: {token}"),
        Err(error) => error,
    }
}

/// Signs `payload` under the default ES256 header and returns its verdict.
fn payload_verdict(payload: &str) -> &'static str {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    verdict(&validator, &key.sign_compact(ES256_HEADER, payload))
}

/// Signs `header` over the default claims and returns its verdict.
fn header_verdict(header: &str) -> &'static str {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    verdict(&validator, &key.sign_compact(header, &claims("")))
}

/// Decodes strict base64url, for reading back the members of a generated JWK.
fn decode(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).expect("base64url")
}

/// Returns a member of a JWK text as a string.
fn jwk_member(jwk: &str, name: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(jwk).expect("JWK JSON");
    value[name].as_str().expect("string member").to_string()
}

// Algorithm confusion.

#[test]
fn hs256_signed_with_public_key_rejected() {
    let key = es256_key();
    let jwk = key.public_jwk();
    let validator = validator_for(
        &[&key],
        policy().algorithms(AlgSet::of(&[Algorithm::HS256, Algorithm::ES256])),
    );

    // The classic confusion: the public key's text, or its raw point, as an HMAC secret.
    let (x, y) = (
        decode(&jwk_member(&jwk, "x")),
        decode(&jwk_member(&jwk, "y")),
    );
    let point: Vec<u8> = [&[4u8][..], &x, &y].concat();
    for secret in [jwk.as_bytes().to_vec(), point, x.clone()] {
        let forger = SigningKey::hmac(Algorithm::HS256, "k1", &secret);
        let with_kid =
            forger.sign_compact(r#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#, &claims(""));
        assert_eq!(verdict(&validator, &with_kid), "key_mismatch");
        let without_kid = forger.sign_compact(r#"{"alg":"HS256","typ":"at+jwt"}"#, &claims(""));
        assert_eq!(verdict(&validator, &without_kid), "key_mismatch");
    }
}

#[test]
fn hs256_rejected_when_policy_omits_it() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    let forger = SigningKey::hmac(Algorithm::HS256, "k1", key.public_jwk().as_bytes());
    let token = forger.sign_compact(r#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#, &claims(""));
    let error = error_of(&validator, &token);
    assert_eq!(error.name(), "unsupported_alg");
    assert_eq!(
        error.to_string(),
        "algorithm HS256 is not allowed by the policy"
    );
}

#[test]
fn escaped_alg_names_compared_unescaped() {
    // "\u0045S256" is "ES256" once unescaped, so the token is an ordinary ES256 token.
    assert_eq!(
        header_verdict(r#"{"alg":"\u0045S256","typ":"at+jwt","kid":"k1"}"#),
        "valid"
    );
    // "\u0048S256" is HS256, which the default policy does not allow.
    assert_eq!(
        header_verdict(r#"{"alg":"\u0048S256","typ":"at+jwt","kid":"k1"}"#),
        "unsupported_alg"
    );
    for alg in [
        "none",
        "NONE",
        "n\\u006fne",
        "es256",
        "ES256 ",
        "ES512",
        "",
        "HS256\\u0000",
    ] {
        let header = format!(r#"{{"alg":"{alg}","typ":"at+jwt","kid":"k1"}}"#);
        assert_eq!(header_verdict(&header), "unsupported_alg", "{alg}");
    }
    for alg in ["null", "256", "[\"ES256\"]", "{}"] {
        let header = format!(r#"{{"alg":{alg},"typ":"at+jwt","kid":"k1"}}"#);
        assert_eq!(header_verdict(&header), "malformed", "{alg}");
    }
}

#[test]
fn key_alg_binds_the_algorithm() {
    let key = es256_key();
    let (x, y) = (
        jwk_member(&key.public_jwk(), "x"),
        jwk_member(&key.public_jwk(), "y"),
    );

    // A P-256 key labelled ES384 or RS256 is skipped, and a token naming it mismatches.
    for alg in ["ES384", "RS256", "HS256", "EdDSA"] {
        let jwk =
            format!(r#"{{"kty":"EC","crv":"P-256","kid":"k1","alg":"{alg}","x":"{x}","y":"{y}"}}"#);
        let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
        let token = key.sign_compact(ES256_HEADER, &claims(""));
        assert_eq!(verdict(&validator, &token), "key_mismatch", "{alg}");
    }

    // Without `alg`, the P-256 key verifies ES256 only.
    let jwk = format!(r#"{{"kty":"EC","crv":"P-256","kid":"k1","x":"{x}","y":"{y}"}}"#);
    let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
    assert_eq!(
        verdict(&validator, &key.sign_compact(ES256_HEADER, &claims(""))),
        "valid"
    );
}

#[test]
fn eddsa_and_ed25519_names_bound() {
    let key = SigningKey::generate(Algorithm::Ed25519, "k1");
    let x = jwk_member(&key.public_jwk(), "x");
    let header = |alg: &str| format!(r#"{{"alg":"{alg}","typ":"at+jwt","kid":"k1"}}"#);

    // An alg-less OKP key verifies both names of the same algorithm.
    let bare = format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"{x}"}}"#);
    let validator = validator_with_jwks(&key_set_json(&[bare]), policy());
    for alg in ["EdDSA", "Ed25519"] {
        let token = key.sign_compact(&header(alg), &claims(""));
        assert_eq!(verdict(&validator, &token), "valid", "{alg}");
    }

    // A key bound to one name does not verify the other.
    for (bound, other) in [("EdDSA", "Ed25519"), ("Ed25519", "EdDSA")] {
        let jwk =
            format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"k1","alg":"{bound}","x":"{x}"}}"#);
        let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
        let token = key.sign_compact(&header(bound), &claims(""));
        assert_eq!(verdict(&validator, &token), "valid", "{bound}");
        let token = key.sign_compact(&header(other), &claims(""));
        assert_eq!(
            verdict(&validator, &token),
            "key_mismatch",
            "{bound} key, {other} token"
        );
    }

    // The policy narrows further: EdDSA alone rejects Ed25519 before any key is chosen.
    let validator = validator_for(
        &[&key],
        policy().algorithms(AlgSet::of(&[Algorithm::EdDSA])),
    );
    let token = key.sign_compact(&header("Ed25519"), &claims(""));
    assert_eq!(verdict(&validator, &token), "unsupported_alg");
}

#[test]
fn es256_signature_checked_against_es384_key_family() {
    // A P-384 key cannot be reached with an ES256 header, whatever the signature.
    let p384 = SigningKey::generate(Algorithm::ES384, "k1");
    let validator = validator_for(&[&p384], policy());
    let token = p384.sign_compact(ES256_HEADER, &claims(""));
    assert_eq!(verdict(&validator, &token), "key_mismatch");
}

// Key selection by `kid`.

#[test]
fn escaped_kid_finds_key() {
    assert_eq!(
        header_verdict(r#"{"alg":"ES256","typ":"at+jwt","kid":"\u006b1"}"#),
        "valid"
    );
    for kid in ["K1", "k1 ", "k", "k10", "\\u006b1\\u0000", ""] {
        let header = format!(r#"{{"alg":"ES256","typ":"at+jwt","kid":"{kid}"}}"#);
        assert_eq!(header_verdict(&header), "unknown_kid", "{kid}");
    }
    assert_eq!(
        header_verdict(r#"{"alg":"ES256","typ":"at+jwt","kid":1}"#),
        "malformed"
    );
}

#[test]
fn kid_shared_with_encryption_key_selects_signature_key() {
    let key = es256_key();
    let (x, y) = (
        jwk_member(&key.public_jwk(), "x"),
        jwk_member(&key.public_jwk(), "y"),
    );
    let enc = format!(r#"{{"kty":"EC","crv":"P-256","kid":"k1","use":"enc","x":"{x}","y":"{y}"}}"#);
    for keys in [
        [enc.clone(), key.public_jwk()],
        [key.public_jwk(), enc.clone()],
    ] {
        let validator = validator_with_jwks(&key_set_json(&keys), policy());
        let token = key.sign_compact(ES256_HEADER, &claims(""));
        assert_eq!(verdict(&validator, &token), "valid");
    }
}

#[test]
fn kid_naming_skipped_key_gets_its_reason() {
    let key = es256_key();
    let (x, y) = (
        jwk_member(&key.public_jwk(), "x"),
        jwk_member(&key.public_jwk(), "y"),
    );
    let mut bad_y = decode(&y);
    bad_y[31] ^= 1;
    let bad_y = encode(&bad_y);
    let jwks = key_set_json(&[
        key.public_jwk(),
        format!(r#"{{"kty":"EC","crv":"P-256","kid":"enc","use":"enc","x":"{x}","y":"{y}"}}"#),
        format!(
            r#"{{"kty":"EC","crv":"P-256","kid":"ops","key_ops":["sign"],"x":"{x}","y":"{y}"}}"#
        ),
        format!(r#"{{"kty":"EC","crv":"P-256","kid":"off","x":"{x}","y":"{bad_y}"}}"#),
        format!(
            r#"{{"kty":"EC","crv":"P-256","kid":"short","x":"{x}","y":"{}"}}"#,
            &y[..40]
        ),
        format!(r#"{{"kty":"OKP","crv":"X25519","kid":"x25519","x":"{x}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-521","kid":"p521","x":"{x}","y":"{y}"}}"#),
        r#"{"kty":"oct-ish","kid":"unknown"}"#.to_string(),
    ]);
    let validator = validator_with_jwks(&jwks, policy());
    for (kid, expected) in [
        ("enc", "key_mismatch"),
        ("ops", "key_mismatch"),
        ("off", "invalid_key"),
        ("short", "invalid_key"),
        ("x25519", "key_mismatch"),
        ("p521", "key_mismatch"),
        ("unknown", "key_mismatch"),
        ("k1", "valid"),
    ] {
        let header = format!(r#"{{"alg":"ES256","typ":"at+jwt","kid":"{kid}"}}"#);
        let token = key.sign_compact(&header, &claims(""));
        assert_eq!(verdict(&validator, &token), expected, "{kid}");
    }
}

#[test]
fn weak_key_cannot_hide_behind_good_key() {
    // A broken signature key and a good one under one kid make the set ambiguous.
    let key = es256_key();
    let (x, y) = (
        jwk_member(&key.public_jwk(), "x"),
        jwk_member(&key.public_jwk(), "y"),
    );
    let broken = format!(r#"{{"kty":"EC","crv":"P-256","kid":"k1","x":"{y}","y":"{x}"}}"#);
    let error = JwkSet::from_json(key_set_json(&[broken, key.public_jwk()]).as_bytes())
        .expect_err("duplicate kid");
    assert_eq!(error.name(), "invalid_key");
    assert_eq!(
        error.to_string(),
        "invalid key: key set has two signature keys with one kid"
    );

    // Escaping does not make two kids different.
    let escaped = key
        .public_jwk()
        .replace(r#""kid":"k1""#, r#""kid":"\u006b1""#);
    let error = JwkSet::from_json(key_set_json(&[escaped, key.public_jwk()]).as_bytes())
        .expect_err("duplicate kid");
    assert_eq!(error.name(), "invalid_key");
}

#[test]
fn ec_key_without_crv_counts_as_signature_key() {
    // An EC key without `crv` is a broken signature key with a missing member, so the
    // verdict rules in tests/cases/README.md make a token naming it invalid_key, and a
    // good key may not share its kid.
    let key = es256_key();
    let (x, y) = (
        jwk_member(&key.public_jwk(), "x"),
        jwk_member(&key.public_jwk(), "y"),
    );
    let no_crv = |kid: &str| format!(r#"{{"kty":"EC","kid":"{kid}","x":"{x}","y":"{y}"}}"#);

    let validator = validator_with_jwks(&key_set_json(&[no_crv("other")]), policy());
    let token = key.sign_compact(
        r#"{"alg":"ES256","typ":"at+jwt","kid":"other"}"#,
        &claims(""),
    );
    assert_eq!(verdict(&validator, &token), "invalid_key");

    let set = JwkSet::from_json(key_set_json(&[no_crv("k1"), key.public_jwk()]).as_bytes());
    assert_eq!(set.err().map(|error| error.name()), Some("invalid_key"));
}

#[test]
fn wrongly_typed_key_members_keep_kid() {
    // The key is skipped, but a token naming its kid must get the key's reason, as
    // tests/cases/README.md requires, not unknown_kid.
    let key = es256_key();
    let (x, y) = (
        jwk_member(&key.public_jwk(), "x"),
        jwk_member(&key.public_jwk(), "y"),
    );
    for member in [
        r#""kty":5,"crv":"P-256""#,
        r#""kty":"EC","crv":["P-256"]"#,
        r#""kty":"EC","crv":"P-256","alg":5"#,
    ] {
        let jwk = format!(r#"{{{member},"kid":"k1","x":"{x}","y":"{y}"}}"#);
        let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
        let token = key.sign_compact(ES256_HEADER, &claims(""));
        assert_ne!(verdict(&validator, &token), "unknown_kid", "{member}");
    }
}

/// Generates `count` ES256 keys with kids `k0000`, `k0001` and so on.
fn es256_keys(count: usize) -> Vec<SigningKey> {
    (0..count)
        .map(|i| SigningKey::generate(Algorithm::ES256, &format!("k{i:04}")))
        .collect()
}

/// Returns the public JWK of `key` with its `kid` member removed.
fn without_kid(key: &SigningKey) -> String {
    key.public_jwk()
        .replace(&format!(r#""kid":"{}","#, key.kid()), "")
}

#[test]
fn keys_without_kid_tried_up_to_limit() {
    let keys = es256_keys(MAX_CANDIDATES_WITHOUT_KID);
    let jwks: Vec<String> = keys.iter().map(without_kid).collect();
    let validator = validator_with_jwks(&key_set_json(&jwks), policy());
    let header = r#"{"alg":"ES256","typ":"at+jwt"}"#;
    for key in &keys {
        assert_eq!(
            verdict(&validator, &key.sign_compact(header, &claims(""))),
            "valid"
        );
    }
    // A forged signature is tried against every key and still fails.
    let stranger = es256_key();
    assert_eq!(
        verdict(&validator, &stranger.sign_compact(header, &claims(""))),
        "bad_signature"
    );
}

#[test]
fn key_beyond_candidate_limit_needs_kid() {
    // Past the limit a kid-less token gets kid_required, which names the real cause,
    // instead of a bad_signature after trying only some of the keys.
    let keys = es256_keys(MAX_CANDIDATES_WITHOUT_KID + 1);
    let jwks: Vec<String> = keys.iter().map(without_kid).collect();
    let validator = validator_with_jwks(&key_set_json(&jwks), policy());
    let header = r#"{"alg":"ES256","typ":"at+jwt"}"#;
    let results: Vec<&str> = keys
        .iter()
        .map(|key| verdict(&validator, &key.sign_compact(header, &claims(""))))
        .collect();
    assert!(
        results.iter().all(|result| *result == "kid_required"),
        "{results:?}"
    );

    // At the limit every key is still tried.
    let keys = es256_keys(MAX_CANDIDATES_WITHOUT_KID);
    let jwks: Vec<String> = keys.iter().map(without_kid).collect();
    let validator = validator_with_jwks(&key_set_json(&jwks), policy());
    let last = keys.last().unwrap();
    assert_eq!(
        verdict(&validator, &last.sign_compact(header, &claims(""))),
        "valid"
    );
}

#[test]
fn candidate_limit_counts_fitting_keys() {
    // Twenty Ed25519 keys sort before the one ES256 key, but only ES256 keys are tried.
    let mut jwks: Vec<String> = (0..20)
        .map(|_| without_kid(&SigningKey::generate(Algorithm::Ed25519, "x")))
        .collect();
    let key = es256_key();
    jwks.push(without_kid(&key));
    let validator = validator_with_jwks(&key_set_json(&jwks), policy());
    let token = key.sign_compact(r#"{"alg":"ES256","typ":"at+jwt"}"#, &claims(""));
    assert_eq!(verdict(&validator, &token), "valid");
}

#[test]
fn large_key_sets_read_and_searched() {
    let keys = es256_keys(1200);
    let jwks: Vec<String> = keys.iter().map(SigningKey::public_jwk).collect();
    let document = key_set_json(&jwks);
    let started = Instant::now();
    let set = JwkSet::from_json(document.as_bytes()).expect("1200 keys");
    println!(
        "JWK Set of 1200 P-256 keys ({} bytes) read in {:?}",
        document.len(),
        started.elapsed()
    );
    assert_eq!(set.keys().len(), 1200);

    let validator = Validator::new(policy().build().unwrap(), set);
    for key in [&keys[0], &keys[599], &keys[1199]] {
        let header = format!(r#"{{"alg":"ES256","typ":"at+jwt","kid":"{}"}}"#, key.kid());
        assert_eq!(
            verdict(&validator, &key.sign_compact(&header, &claims(""))),
            "valid"
        );
    }
}

#[test]
fn key_count_limit_enforced() {
    // The smallest JWK that counts as an entry: skipped, but counted.
    let entry = r#"{"kty":"none"}"#;
    let at_limit = key_set_json(&vec![entry; MAX_KEYS]);
    assert!(JwkSet::from_json(at_limit.as_bytes()).is_ok());
    let over = key_set_json(&vec![entry; MAX_KEYS + 1]);
    let error = JwkSet::from_json(over.as_bytes()).expect_err("too many keys");
    assert_eq!(error.name(), "malformed");
}

// JWK Sets as a whole, and the key material of each key.

#[test]
fn secret_mixed_with_public_keys_rejected() {
    let key = es256_key();
    let secret = format!(
        r#"{{"kty":"oct","kid":"s","alg":"HS256","k":"{}"}}"#,
        encode(&[7; 32])
    );
    for keys in [
        [secret.clone(), key.public_jwk()],
        [key.public_jwk(), secret.clone()],
    ] {
        let error = JwkSet::from_json(key_set_json(&keys).as_bytes()).expect_err("mixed set");
        assert_eq!(error.name(), "invalid_key");
    }
    // `\u006fct` is `oct`: escaping the kty does not slip a secret in.
    let escaped = secret.replace(r#""kty":"oct""#, r#""kty":"\u006fct""#);
    let error = JwkSet::from_json(key_set_json(&[escaped, key.public_jwk()]).as_bytes())
        .expect_err("mixed set");
    assert_eq!(error.name(), "invalid_key");
}

#[test]
fn encryption_secret_beside_public_keys_skipped() {
    // Keys that are not for signatures are skipped, and tests/cases/reference.py counts
    // only signature keys when it checks a set for secrets mixed with public keys.
    let key = es256_key();
    let k = encode(&[7; 32]);
    for secret in [
        format!(r#"{{"kty":"oct","kid":"wrap","use":"enc","k":"{k}"}}"#),
        format!(r#"{{"kty":"oct","kid":"wrap","alg":"A256KW","k":"{k}"}}"#),
        format!(r#"{{"kty":"oct","kid":"wrap","key_ops":["wrapKey"],"k":"{k}"}}"#),
    ] {
        let jwks = key_set_json(&[key.public_jwk(), secret.clone()]);
        let set = JwkSet::from_json(jwks.as_bytes());
        assert!(set.is_ok(), "{secret}: {:?}", set.err());
    }
}

#[test]
fn private_members_reject_the_set() {
    let key = es256_key();
    for member in ["d", "p", "q", "dp", "dq", "qi", "oth", "\\u0064"] {
        let jwk = key
            .public_jwk()
            .replace(r#""kty":"EC""#, &format!(r#""kty":"EC","{member}":"AAAA""#));
        let error = JwkSet::from_json(key_set_json(&[jwk]).as_bytes()).expect_err(member);
        assert_eq!(error.name(), "invalid_key", "{member}");
    }
    // A private member in a nested object is not a member of the key.
    let nested = key
        .public_jwk()
        .replace(r#""kty":"EC""#, r#""kty":"EC","ext":{"d":"AAAA"}"#);
    assert!(JwkSet::from_json(key_set_json(&[nested]).as_bytes()).is_ok());
}

#[test]
fn ec_coordinates_checked() {
    let key = es256_key();
    let (x, y) = (
        jwk_member(&key.public_jwk(), "x"),
        jwk_member(&key.public_jwk(), "y"),
    );
    let (xb, yb) = (decode(&x), decode(&y));
    // The P-256 field prime, 2^256 - 2^224 + 2^192 + 2^96 - 1.
    let p = from_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
    // x with a leading zero byte: the same number in 33 bytes, one more than P-256 uses.
    let long_x = encode(&[&[0u8][..], &xb].concat());
    let cases = [
        ("swapped", y.clone(), x.clone()),
        ("x is p", encode(&p), y.clone()),
        ("y is p", x.clone(), encode(&p)),
        ("x padded", long_x, y.clone()),
        ("x short", encode(&xb[1..]), y.clone()),
        ("zero", encode(&[0; 32]), encode(&[0; 32])),
        ("y negated", x.clone(), encode(&negate_mod_p(&yb, &p))),
    ];
    for (name, x, y) in cases {
        let jwk = format!(r#"{{"kty":"EC","crv":"P-256","kid":"k1","x":"{x}","y":"{y}"}}"#);
        let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
        let token = key.sign_compact(ES256_HEADER, &claims(""));
        let expected = if name == "y negated" {
            "bad_signature"
        } else {
            "invalid_key"
        };
        assert_eq!(verdict(&validator, &token), expected, "{name}");
    }
}

/// Decodes hex digits into bytes.
fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Returns `p - y` as 32 big-endian bytes: the other point with the same `x`.
fn negate_mod_p(y: &[u8], p: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut digit = i16::from(p[i]) - i16::from(y[i]) - borrow;
        borrow = 0;
        if digit < 0 {
            digit += 256;
            borrow = 1;
        }
        out[i] = u8::try_from(digit).unwrap();
    }
    out
}

#[test]
fn okp_keys_of_other_curves_skipped() {
    let key = SigningKey::generate(Algorithm::EdDSA, "k1");
    let x = jwk_member(&key.public_jwk(), "x");
    for crv in ["X25519", "Ed448", "ed25519", "Ed25519 "] {
        let jwk = format!(r#"{{"kty":"OKP","crv":"{crv}","kid":"k1","x":"{x}"}}"#);
        let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
        let token = key.sign_compact(r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}"#, &claims(""));
        assert_eq!(verdict(&validator, &token), "key_mismatch", "{crv}");
    }
}

/// Writes a compact JWS with the given signature bytes, without signing.
fn with_signature(header: &str, payload: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        encode(header.as_bytes()),
        encode(payload.as_bytes()),
        encode(signature)
    )
}

#[test]
fn small_order_ed25519_key_rejected() {
    // The identity point (y = 1) encodes as 01 00 .. 00. Under it, R = identity and
    // S = 0 satisfy [S]B = R + [k]A for every message, so anyone can sign.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let jwk = format!(
        r#"{{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"{}"}}"#,
        encode(&identity)
    );
    let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
    let mut signature = [0u8; 64];
    signature[0] = 1;
    let header = r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}"#;
    let forged = with_signature(header, &claims(",\"sub\":\"admin\""), &signature);
    assert_ne!(
        verdict(&validator, &forged),
        "valid",
        "forged token accepted"
    );
    assert!(
        validator.keys().keys().is_empty(),
        "a small-order Ed25519 key must be skipped as a weak or invalid key"
    );
}

#[test]
fn rsa_modulus_and_exponent_edges() {
    let key = SigningKey::rsa_test_key(Algorithm::RS256, "r1", 1);
    let jwk = key.public_jwk();
    let n = decode(&jwk_member(&jwk, "n"));
    let e = jwk_member(&jwk, "e");
    assert_eq!(e, "AQAB");
    let header = r#"{"alg":"RS256","typ":"at+jwt","kid":"r1"}"#;
    let token = key.sign_compact(header, &claims(""));

    let rsa_jwk = |n: &[u8], e: &[u8]| {
        format!(
            r#"{{"kty":"RSA","kid":"r1","n":"{}","e":"{}"}}"#,
            encode(n),
            encode(e)
        )
    };
    let zero_padded: Vec<u8> = [&[0u8, 0][..], &n].concat();
    let mut even = n.clone();
    *even.last_mut().unwrap() ^= 1;

    let cases: [(&str, Vec<u8>, Vec<u8>, &str); 10] = [
        ("plain", n.clone(), vec![1, 0, 1], "valid"),
        (
            "n with leading zero bytes",
            zero_padded,
            vec![1, 0, 1],
            "valid",
        ),
        (
            "e with leading zero bytes",
            n.clone(),
            vec![0, 0, 1, 0, 1],
            "valid",
        ),
        ("e = 1", n.clone(), vec![1], "weak_key"),
        ("e = 2", n.clone(), vec![2], "weak_key"),
        ("e = 65536", n.clone(), vec![1, 0, 0], "weak_key"),
        ("e empty", n.clone(), vec![], "weak_key"),
        ("e of nine bytes", n.clone(), vec![1; 9], "invalid_key"),
        ("n even", even, vec![1, 0, 1], "invalid_key"),
        (
            "n of 1024 bits",
            n[..128].to_vec(),
            vec![1, 0, 1],
            "weak_key",
        ),
    ];
    for (name, n, e, expected) in cases {
        let validator = validator_with_jwks(&key_set_json(&[rsa_jwk(&n, &e)]), policy());
        assert_eq!(verdict(&validator, &token), expected, "{name}");
    }
}

#[test]
fn rsa_key_for_pss_and_pkcs1_without_alg() {
    // An alg-less RSA key serves RS* and PS*, and the policy decides which.
    let key = SigningKey::rsa_test_key(Algorithm::PS256, "r1", 2);
    let jwk = key.public_jwk().replace(r#""alg":"PS256","#, "");
    let validator = validator_with_jwks(&key_set_json(&[jwk]), policy());
    let token = key.sign_compact(r#"{"alg":"PS256","typ":"at+jwt","kid":"r1"}"#, &claims(""));
    assert_eq!(verdict(&validator, &token), "valid");

    // A PSS signature over an RS256 header does not pass as PKCS#1 v1.5.
    let signing_input = format!(
        "{}.{}",
        encode(br#"{"alg":"RS256","typ":"at+jwt","kid":"r1"}"#),
        encode(claims("").as_bytes())
    );
    let pss = key.sign(signing_input.as_bytes());
    let as_rs256 = format!("{signing_input}.{}", encode(&pss));
    assert_eq!(verdict(&validator, &as_rs256), "bad_signature");

    // PKCS#1 v1.5 alone in the policy rejects the PSS token before the key is used.
    let validator = validator_with_jwks(
        &key_set_json(&[key.public_jwk().replace(r#""alg":"PS256","#, "")]),
        policy().algorithms(AlgSet::of(&[Algorithm::RS256])),
    );
    assert_eq!(verdict(&validator, &token), "unsupported_alg");
}

// The strict JSON reader, reached through signed headers and payloads.

#[test]
fn duplicate_names_compared_after_unescaping() {
    for (extra, expected) in [
        (r#","a":1,"\u0061":2"#, "malformed"),
        (r#","\u0061":1,"a":2"#, "malformed"),
        (r#","\u0061":1,"\u0061":2"#, "malformed"),
        (r#","a":1,"\u0041":2"#, "valid"),
        (r#","a":1,"A":2"#, "valid"),
        (r#","\ud83d\ude00":1,"😀":2"#, "malformed"),
        (r#","\/":1,"/":2"#, "malformed"),
        (r#","x":{"k":1,"\u006b":2}"#, "malformed"),
        (r#","x":[{"k":1},{"k":2}]"#, "valid"),
        (r#","\u0065xp":1"#, "malformed"),
        (r#","exp ":1"#, "valid"),
    ] {
        assert_eq!(payload_verdict(&claims(extra)), expected, "{extra}");
    }
    // The duplicate `alg` an attacker would like a lax reader to take the last of.
    assert_eq!(
        header_verdict(r#"{"alg":"ES256","typ":"at+jwt","kid":"k1","\u0061lg":"none"}"#),
        "malformed"
    );
}

#[test]
fn surrogates_and_escapes_in_strings() {
    let issuer = "https://issuer.tokenguard.test/\u{1F600}";
    let key = es256_key();
    let validator = validator_for(&[&key], Policy::builder().issuer(issuer).audience(AUDIENCE));
    let with_iss = |iss: &str| {
        let payload = format!(r#"{{"iss":"{iss}","aud":"{AUDIENCE}","exp":{EXP}}}"#);
        verdict(&validator, &key.sign_compact(ES256_HEADER, &payload))
    };

    let base = "https://issuer.tokenguard.test/";
    assert_eq!(with_iss(&format!("{base}\u{1F600}")), "valid");
    assert_eq!(with_iss(&format!("{base}\\ud83d\\ude00")), "valid");
    assert_eq!(with_iss(&format!("{base}\\uD83D\\uDE00")), "valid");
    assert_eq!(with_iss(&format!("{base}\\ude00\\ud83d")), "malformed");
    assert_eq!(with_iss(&format!("{base}\\ud83d")), "malformed");
    assert_eq!(with_iss(&format!("{base}\\ud83d\\u0041")), "malformed");
    assert_eq!(with_iss(&format!("{base}\\ud83d\\ude0")), "malformed");
    assert_eq!(with_iss(&format!("{base}\\U0001F600")), "malformed");
    assert_eq!(with_iss(&format!("{base}\\x41")), "malformed");

    // A raw control character, and raw bytes that are not UTF-8.
    assert_eq!(with_iss(&format!("{base}\t")), "malformed");
    let raw = format!(r#"{{"iss":"{base}","aud":"{AUDIENCE}","exp":{EXP}}}"#);
    let mut bytes = raw.into_bytes();
    let slash = bytes.iter().position(|b| *b == b'/').unwrap();
    bytes.insert(slash, 0xC0);
    bytes.insert(slash + 1, 0xAF);
    let signing_input = format!("{}.{}", encode(ES256_HEADER.as_bytes()), encode(&bytes));
    let token = format!(
        "{signing_input}.{}",
        encode(&key.sign(signing_input.as_bytes()))
    );
    assert_eq!(verdict(&validator, &token), "malformed");
}

/// Wraps `inner` in `depth` levels of arrays.
fn nested_arrays(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Wraps `inner` in `depth` levels of objects with member name `a`.
fn nested_objects(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

#[test]
fn nesting_limit_counts_the_top_object() {
    // The claims object is level 1, so a member may nest 31 more levels.
    for (value, expected) in [
        (nested_arrays(31, "1"), "valid"),
        (nested_arrays(32, "1"), "malformed"),
        (nested_objects(31, "1"), "valid"),
        (nested_objects(32, "1"), "malformed"),
        (nested_arrays(15, &nested_objects(16, "1")), "valid"),
        (nested_arrays(16, &nested_objects(16, "1")), "malformed"),
        (nested_arrays(5000, "1"), "malformed"),
    ] {
        let extra = format!(",\"deep\":{value}");
        assert_eq!(
            payload_verdict(&claims(&extra)),
            expected,
            "{}",
            &value[..40.min(value.len())]
        );
    }
}

/// Writes `count` members `"m0":0,"m1":0,...` with a leading comma.
fn members(prefix: &str, count: usize) -> String {
    (0..count).map(|i| format!(",\"{prefix}{i}\":0")).collect()
}

#[test]
fn open_member_limit_sums_enclosing_objects() {
    // The claims object has 4 members before `extra`, and 256 open names are allowed.
    let flat_ok = claims(&members("m", 252));
    assert_eq!(payload_verdict(&flat_ok), "valid");
    let flat_over = claims(&members("m", 253));
    assert_eq!(payload_verdict(&flat_over), "malformed");

    // 4 + 1 outer names ("x") + 251 inner ones are open at once inside `x`.
    let nested_ok = claims(&format!(",\"x\":{{\"y\":0{}}}", members("n", 250)));
    assert_eq!(payload_verdict(&nested_ok), "valid");
    let nested_over = claims(&format!(",\"x\":{{\"y\":0{}}}", members("n", 251)));
    assert_eq!(payload_verdict(&nested_over), "malformed");

    // Closed objects release their names: siblings do not add up.
    let siblings: String = (0..4)
        .map(|i| format!(",\"s{i}\":{{\"y\":0{}}}", members("n", 200)))
        .collect();
    assert_eq!(payload_verdict(&claims(&siblings)), "valid");
}

#[test]
fn whitespace_outside_json_rejected() {
    for (ws, expected) in [
        (" ", "valid"),
        ("\t", "valid"),
        ("\n", "valid"),
        ("\r", "valid"),
        ("\u{c}", "malformed"),
        ("\u{a0}", "malformed"),
        ("\u{b}", "malformed"),
        ("\u{2028}", "malformed"),
        ("\u{feff}", "malformed"),
        ("\0", "malformed"),
    ] {
        let payload = format!(
            "{ws}{{{ws}\"iss\"{ws}:{ws}\"{ISSUER}\"{ws},\"aud\":\"{AUDIENCE}\",\"exp\":{EXP}{ws}}}{ws}"
        );
        assert_eq!(payload_verdict(&payload), expected, "{ws:?}");
    }
    assert_eq!(
        payload_verdict(&format!("\u{feff}{}", claims(""))),
        "malformed"
    );
    assert_eq!(payload_verdict(&format!("{}{{}}", claims(""))), "malformed");
    assert_eq!(payload_verdict(&format!("[{}]", claims(""))), "malformed");
}

#[test]
fn numbers_read_exactly_as_dates() {
    let exp_verdict = |exp: &str| payload_verdict(&claims_without_exp(&format!("\"exp\":{exp}")));
    let long_zeros = "0".repeat(5000);
    let long_nines = format!("{}.{}", EXP - 1, "9".repeat(5000));
    for (exp, expected) in [
        ("-0".to_string(), "expired"),
        ("-0.0".to_string(), "expired"),
        ("1E+2".to_string(), "expired"),
        (format!("{}e0", EXP), "valid"),
        ("1.7672262E9".to_string(), "valid"),
        ("17672262000000000000e-10".to_string(), "valid"),
        (format!("{EXP}.{long_zeros}"), "valid"),
        (long_nines, "valid"),
        (format!("0.{long_zeros}1e{}", 5001 + 10), "valid"),
        ("1e-999999999999999999999".to_string(), "expired"),
        ("0e999999999999999999999".to_string(), "expired"),
        ("1e999999999999999999999".to_string(), "invalid_claim"),
        ("9223372036854775807".to_string(), "valid"),
        ("9223372036854775808".to_string(), "invalid_claim"),
        ("9.223372036854775807e18".to_string(), "valid"),
        ("9.223372036854775808e18".to_string(), "invalid_claim"),
        ("1e19".to_string(), "invalid_claim"),
        ("-9223372036854775808".to_string(), "expired"),
        ("-9223372036854775809".to_string(), "invalid_claim"),
        (format!("1{long_zeros}"), "invalid_claim"),
        (format!("0{EXP}"), "malformed"),
        (format!("+{EXP}"), "malformed"),
        (format!("{EXP}."), "malformed"),
        (".5".to_string(), "malformed"),
        ("1e".to_string(), "malformed"),
        ("0x10".to_string(), "malformed"),
        ("Infinity".to_string(), "malformed"),
        ("NaN".to_string(), "malformed"),
        (format!("\"{EXP}\""), "invalid_claim"),
        ("true".to_string(), "invalid_claim"),
        (format!("[{EXP}]"), "invalid_claim"),
        ("null".to_string(), "missing_claim"),
    ] {
        assert_eq!(exp_verdict(&exp), expected, "{}", &exp[..exp.len().min(40)]);
    }
}

/// Validates claims `payload` under a policy that allows tokens of up to 256 KiB.
fn large_payload_verdict(payload: &str) -> &'static str {
    const MAX: usize = 256 * 1024;
    let key = es256_key();
    let validator = validator_for(&[&key], policy().max_token_bytes(MAX));
    let token = key.sign_compact(ES256_HEADER, payload);
    assert!(token.len() <= MAX, "token of {} bytes", token.len());
    let mut buffer = Box::new(TokenBuffer::<{ MAX / 4 * 3 }>::with_capacity());
    match validator.validate(&token, NOW, &mut buffer) {
        Ok(_) => "valid",
        Err(error) => error.name(),
    }
}

#[test]
fn exp_with_long_mantissa_read_exactly() {
    // 10^100010 * 10^-150000 is 10^-49990: the token expired in 1970. Clamping the
    // exponent to -100000 reads it as 10^10, in the year 2286.
    let exp = format!("1{}e-150000", "0".repeat(100_010));
    let payload = claims_without_exp(&format!("\"exp\":{exp}"));
    assert_eq!(large_payload_verdict(&payload), "expired");
}

#[test]
fn nbf_with_long_mantissa_read_exactly() {
    // 10^-100000 * 10^100030 is 10^30, beyond the 64-bit range. Clamping the exponent
    // to 100000 reads `nbf` as 1, long past.
    let nbf = format!("0.{}1e100030", "0".repeat(99_999));
    let payload = claims(&format!(",\"nbf\":{nbf}"));
    assert_eq!(large_payload_verdict(&payload), "invalid_claim");
}

#[test]
fn dates_with_long_mantissas_in_default_size() {
    // Below the exponent clamp, long mantissas are exact.
    let exp = format!("1{}e-5000", "0".repeat(5010));
    assert_eq!(
        payload_verdict(&claims_without_exp(&format!("\"exp\":{exp}"))),
        "valid"
    );
    let exp = format!("1{}e-5000", "0".repeat(4999));
    assert_eq!(
        payload_verdict(&claims_without_exp(&format!("\"exp\":{exp}"))),
        "expired"
    );
}

// NumericDate boundaries with leeway.

/// Validates claims with the given raw date members at `now` under `leeway`.
fn dates_verdict(dates: &str, now: i64, leeway: u32) -> &'static str {
    let key = es256_key();
    let validator = validator_for(&[&key], policy().leeway(leeway));
    let token = key.sign_compact(ES256_HEADER, &claims_without_exp(dates));
    verdict_at(&validator, &token, now)
}

#[test]
fn expiry_boundaries_with_leeway() {
    let exp = 1_800_000_000i64;
    let at = |now: i64| dates_verdict(&format!("\"exp\":{exp}"), now, 30);
    assert_eq!(at(exp + 29), "valid");
    assert_eq!(at(exp + 30), "expired");
    assert_eq!(at(exp + 31), "expired");
    let half = |now: i64| dates_verdict(&format!("\"exp\":{exp}.5"), now, 30);
    assert_eq!(half(exp + 30), "valid");
    assert_eq!(half(exp + 31), "expired");
    let tiny = |now: i64| dates_verdict(&format!("\"exp\":{exp}.000000000000000000001"), now, 30);
    assert_eq!(tiny(exp + 30), "valid");
    assert_eq!(dates_verdict(&format!("\"exp\":{exp}"), exp, 0), "expired");
    assert_eq!(
        dates_verdict(&format!("\"exp\":{exp}"), exp - 1, 0),
        "valid"
    );
}

#[test]
fn not_before_and_issued_at_boundaries() {
    let t = 1_800_000_000i64;
    let exp = format!("\"exp\":{}", t + 3600);
    let nbf = |value: &str, now: i64| dates_verdict(&format!("{exp},\"nbf\":{value}"), now, 30);
    assert_eq!(nbf(&t.to_string(), t - 30), "valid");
    assert_eq!(nbf(&t.to_string(), t - 31), "not_yet_valid");
    assert_eq!(nbf(&format!("{t}.5"), t - 30), "not_yet_valid");
    assert_eq!(nbf(&format!("{}.5", t - 1), t - 30), "valid");
    let iat = |value: &str, now: i64| dates_verdict(&format!("{exp},\"iat\":{value}"), now, 30);
    assert_eq!(iat(&t.to_string(), t - 30), "valid");
    assert_eq!(iat(&t.to_string(), t - 31), "issued_in_future");
    assert_eq!(iat(&format!("{t}.5"), t - 30), "issued_in_future");
}

#[test]
fn extreme_dates_and_clocks_do_not_wrap() {
    let (max, min) = (i64::MAX, i64::MIN);
    // now >= exp + leeway, computed without overflow at both ends of the range.
    assert_eq!(dates_verdict(&format!("\"exp\":{max}"), max, 300), "valid");
    assert_eq!(
        dates_verdict(&format!("\"exp\":{max}"), max - 300, 300),
        "valid"
    );
    assert_eq!(dates_verdict(&format!("\"exp\":{min}"), min, 300), "valid");
    assert_eq!(
        dates_verdict(&format!("\"exp\":{min}"), min + 300, 300),
        "expired"
    );
    assert_eq!(
        dates_verdict(&format!("\"exp\":{min}"), max, 300),
        "expired"
    );
    assert_eq!(dates_verdict(&format!("\"exp\":{max}"), min, 0), "valid");
    let with =
        |members: &str, now: i64| dates_verdict(&format!("\"exp\":{max},{members}"), now, 300);
    assert_eq!(with(&format!("\"nbf\":{max}"), min), "not_yet_valid");
    assert_eq!(with(&format!("\"nbf\":{max}"), max - 300), "valid");
    assert_eq!(with(&format!("\"nbf\":{min}"), min), "valid");
    assert_eq!(with(&format!("\"iat\":{max}"), max), "valid");
    assert_eq!(with(&format!("\"iat\":{max}"), min), "issued_in_future");
    assert_eq!(with(&format!("\"iat\":{min}"), max), "valid");

    // The error reports the claim and the clock unchanged.
    let key = es256_key();
    let validator = validator_for(&[&key], policy().leeway(300));
    let token = key.sign_compact(ES256_HEADER, &claims_without_exp(&format!("\"exp\":{min}")));
    let mut buffer = TokenBuffer::new();
    let error = validator
        .validate(&token, max, &mut buffer)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("token expired at {min} (now {max})")
    );
}

#[test]
fn leeway_above_limit_rejected() {
    let error = policy().leeway(301).build().expect_err("leeway 301");
    assert_eq!(error.name(), "invalid_config");
    assert!(policy().leeway(300).build().is_ok());
    assert_eq!(
        policy()
            .max_token_bytes(0)
            .build()
            .map(|_| ())
            .unwrap_err()
            .name(),
        "invalid_config"
    );
}

#[test]
fn max_age_counts_from_iat_with_leeway() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy().max_age(600).leeway(30));
    let with_iat = |iat: &str| {
        let payload = claims(&format!(",\"iat\":{iat}"));
        verdict(&validator, &key.sign_compact(ES256_HEADER, &payload))
    };
    // Issued 630 seconds ago: exactly max_age plus leeway, so expired like `exp` at
    // the same boundary; half a second later it is still accepted.
    assert_eq!(with_iat(&(NOW - 629).to_string()), "valid");
    assert_eq!(with_iat(&format!("{}.5", NOW - 630)), "valid");
    assert_eq!(with_iat(&(NOW - 630).to_string()), "expired");
    assert_eq!(with_iat(&format!("{}.5", NOW - 631)), "expired");
    assert_eq!(with_iat(&(NOW - 631).to_string()), "expired");
    assert_eq!(with_iat("-9223372036854775808"), "expired");
    assert_eq!(with_iat("null"), "missing_claim");
    let payload = claims("");
    assert_eq!(
        verdict(&validator, &key.sign_compact(ES256_HEADER, &payload)),
        "missing_claim"
    );
}

// Issuer and audience.

#[test]
fn issuer_compared_after_unescaping_only() {
    let with_iss = |iss: &str| {
        payload_verdict(&format!(
            r#"{{"iss":"{iss}","aud":"{AUDIENCE}","exp":{EXP}}}"#
        ))
    };
    assert_eq!(with_iss(r"https:\/\/issuer.tokenguard.test"), "valid");
    assert_eq!(with_iss(r"\u0068ttps://issuer.tokenguard.test"), "valid");
    assert_eq!(with_iss(r"https://issuer.tokenguard.tes\u0074"), "valid");
    for iss in [
        "https://ISSUER.tokenguard.test",
        "HTTPS://issuer.tokenguard.test",
        "https://issuer.tokenguard.test/",
        "https://issuer.tokenguard.test.",
        "https://issuer.tokenguard.test:443",
        " https://issuer.tokenguard.test",
        r"https://issuer.tokenguard.test\u0000",
        "https://issuer.tokenguard.test%2F",
        r"https://issuer.tokenguard.tes\u0074\u0301",
        "https://issuer.tokenguard.tes",
        "",
    ] {
        assert_eq!(with_iss(iss), "wrong_issuer", "{iss}");
    }
    assert_eq!(
        payload_verdict(&format!(
            r#"{{"iss":["{ISSUER}"],"aud":"{AUDIENCE}","exp":{EXP}}}"#
        )),
        "invalid_claim"
    );
    assert_eq!(
        payload_verdict(&format!(r#"{{"aud":"{AUDIENCE}","exp":{EXP}}}"#)),
        "missing_claim"
    );
}

#[test]
fn unicode_normalisation_not_applied() {
    // "café" precomposed in the policy, decomposed in the token: different strings.
    let issuer = "https://caf\u{e9}.test";
    let key = es256_key();
    let validator = validator_for(&[&key], Policy::builder().issuer(issuer).audience(AUDIENCE));
    let with_iss = |iss: &str| {
        let payload = format!(r#"{{"iss":"{iss}","aud":"{AUDIENCE}","exp":{EXP}}}"#);
        verdict(&validator, &key.sign_compact(ES256_HEADER, &payload))
    };
    assert_eq!(with_iss("https://caf\u{e9}.test"), "valid");
    assert_eq!(with_iss(r"https://caf\u00e9.test"), "valid");
    assert_eq!(with_iss(r"https://caf\u00E9.test"), "valid");
    assert_eq!(with_iss("https://cafe\u{301}.test"), "wrong_issuer");
    assert_eq!(with_iss(r"https://caf\u0065\u0301.test"), "wrong_issuer");
    assert_eq!(with_iss("https://xn--caf-dma.test"), "wrong_issuer");
}

#[test]
fn audience_shapes() {
    let with_aud =
        |aud: &str| payload_verdict(&format!(r#"{{"iss":"{ISSUER}","aud":{aud},"exp":{EXP}}}"#));
    let a = AUDIENCE;
    for (aud, expected) in [
        (format!("\"{a}\""), "valid"),
        (format!("[\"{a}\"]"), "valid"),
        (format!("[\"{a}\",\"{a}\"]"), "valid"),
        (format!("[\"x\",\"{a}\",\"x\"]"), "valid"),
        (format!("\"{}\"", a.replace('/', "\\/")), "valid"),
        ("[]".to_string(), "wrong_audience"),
        ("\"\"".to_string(), "wrong_audience"),
        (format!("\"{a} x\""), "wrong_audience"),
        (format!("\"{a}/\""), "wrong_audience"),
        (format!("[[\"{a}\"]]"), "invalid_claim"),
        (format!("[\"{a}\",[\"x\"]]"), "invalid_claim"),
        (format!("[\"{a}\",null]"), "invalid_claim"),
        (format!("[\"{a}\",1]"), "invalid_claim"),
        (format!("{{\"{a}\":true}}"), "invalid_claim"),
        ("1".to_string(), "invalid_claim"),
        ("null".to_string(), "missing_claim"),
    ] {
        assert_eq!(with_aud(&aud), expected, "{aud}");
    }
}

#[test]
fn registered_claim_types_checked() {
    for (extra, expected) in [
        (r#","sub":1"#, "invalid_claim"),
        (r#","jti":{}"#, "invalid_claim"),
        (r#","client_id":["x"]"#, "invalid_claim"),
        (r#","sub":null"#, "valid"),
        (r#","\u0073ub":false"#, "invalid_claim"),
        (r#","nbf":"0""#, "invalid_claim"),
        (r#","iat":[0]"#, "invalid_claim"),
        (r#","custom":{"exp":"not a date"}"#, "valid"),
    ] {
        assert_eq!(payload_verdict(&claims(extra)), expected, "{extra}");
    }
    assert_eq!(
        payload_verdict(&format!(
            r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP},"scope":7}}"#
        )),
        "invalid_claim"
    );
}

#[test]
fn scp_ignored_when_not_read() {
    // tests/cases/README.md types only iss, sub, jti, client_id, scope, aud and the
    // dates, and the default policy never reads `scp`, so its shape must not matter.
    for scp in [
        "5",
        "{\"orders\":true}",
        "[\"orders:read\",1]",
        "[[\"x\"]]",
        "true",
    ] {
        assert_eq!(
            payload_verdict(&claims(&format!(",\"scp\":{scp}"))),
            "valid",
            "{scp}"
        );
    }
}

// Scopes.

/// Validates a token with `iss`, `aud`, `exp` and the raw JSON `scope_members`
/// under `policy`.
fn scope_verdict(scope_members: &str, policy: PolicyBuilder) -> &'static str {
    let key = es256_key();
    let validator = validator_for(&[&key], policy);
    let payload = format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP}{scope_members}}}"#);
    verdict(&validator, &key.sign_compact(ES256_HEADER, &payload))
}

#[test]
fn scope_split_on_space_only() {
    let needs_write = || policy().require_scope("orders:write");
    for (scope, expected) in [
        ("orders:read orders:write", "valid"),
        ("orders:read  orders:write", "valid"),
        (" orders:write ", "valid"),
        (r"orders:read\u0020orders:write", "valid"),
        (r"orders:read\u0020\u0020orders:write", "valid"),
        (r"\u006frders:write", "valid"),
        (r"orders:read\torders:write", "insufficient_scope"),
        (r"orders:read\u0009orders:write", "insufficient_scope"),
        (r"orders:read\u00a0orders:write", "insufficient_scope"),
        ("orders:read\u{a0}orders:write", "insufficient_scope"),
        (r"orders:read\norders:write", "insufficient_scope"),
        ("orders:read,orders:write", "insufficient_scope"),
        (r"orders:read\\u0020orders:write", "insufficient_scope"),
        (r"orders:read\\ orders:write", "valid"),
        ("ORDERS:WRITE", "insufficient_scope"),
        ("orders:writes", "insufficient_scope"),
        ("orders:writ", "insufficient_scope"),
        ("", "insufficient_scope"),
    ] {
        let members = format!(",\"scope\":\"{scope}\"");
        assert_eq!(scope_verdict(&members, needs_write()), expected, "{scope}");
    }
    assert_eq!(scope_verdict("", needs_write()), "insufficient_scope");
    assert_eq!(
        scope_verdict(",\"scope\":null", needs_write()),
        "insufficient_scope"
    );
    // `scp` is not read by default, even when it grants the scope.
    assert_eq!(
        scope_verdict(",\"scp\":\"orders:write\"", needs_write()),
        "insufficient_scope"
    );
}

#[test]
fn escaped_backslash_keeps_scope_whole() {
    // `a\\` then a space: the value is `a\` and `orders:write`.
    let members = r#","scope":"a\\ orders:write""#;
    assert_eq!(
        scope_verdict(members, policy().require_scope("orders:write")),
        "valid"
    );
    assert_eq!(
        scope_verdict(members, policy().require_scope("a\\")),
        "valid"
    );
}

#[test]
fn scope_hierarchy_covers_children_only() {
    let hierarchy = |required: &str| policy().scope_hierarchy(':').require_scope(required);
    for (granted, required, expected) in [
        ("orders", "orders:read", "valid"),
        ("orders", "orders:read:all", "valid"),
        ("orders", "orders", "valid"),
        ("orders", "ordersx", "insufficient_scope"),
        ("orders", "orders-read", "insufficient_scope"),
        ("orders", "order", "insufficient_scope"),
        ("orders:read", "orders", "insufficient_scope"),
        ("orders:", "orders:read", "insufficient_scope"),
        ("orders:read", "orders:write", "insufficient_scope"),
        ("ord", "orders:read", "insufficient_scope"),
        (r"orders\u003a", "orders:read", "insufficient_scope"),
        (r"\u006frders", "orders:read", "valid"),
        ("x orders", "orders:read", "valid"),
    ] {
        let members = format!(",\"scope\":\"{granted}\"");
        assert_eq!(
            scope_verdict(&members, hierarchy(required)),
            expected,
            "{granted} for {required}"
        );
    }
    // Without a separator, a parent scope covers nothing but itself.
    assert_eq!(
        scope_verdict(
            ",\"scope\":\"orders\"",
            policy().require_scope("orders:read")
        ),
        "insufficient_scope"
    );
    assert_eq!(
        policy()
            .scope_hierarchy(' ')
            .build()
            .map(|_| ())
            .unwrap_err()
            .name(),
        "invalid_config"
    );
}

#[test]
fn scope_or_scp_sources() {
    let read = || {
        policy()
            .scope_claims(ScopeClaims::ScopeOrScp)
            .require_scope("orders:read")
    };
    for (members, expected) in [
        (r#","scp":"orders:read admin""#, "valid"),
        (r#","scp":["admin","orders:read"]"#, "valid"),
        (r#","scp":["admin orders:read"]"#, "insufficient_scope"),
        (r#","scp":[]"#, "insufficient_scope"),
        (r#","scp":[""]"#, "insufficient_scope"),
        (r#","scp":["orders:read",1]"#, "invalid_claim"),
        (r#","scp":{"orders:read":true}"#, "invalid_claim"),
        (
            r#","scope":"admin","scp":["orders:read"]"#,
            "insufficient_scope",
        ),
        (r#","scope":null,"scp":["orders:read"]"#, "valid"),
        (r#","scope":"orders:read","scp":[]"#, "valid"),
        (r#","\u0073cp":["orders:read"]"#, "valid"),
    ] {
        assert_eq!(scope_verdict(members, read()), expected, "{members}");
    }
}

#[test]
fn required_scope_builder_rejects_spaces() {
    let error = policy()
        .require_scope("a b")
        .build()
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.name(), "invalid_config");
    assert_eq!(
        policy()
            .require_scope("")
            .build()
            .map(|_| ())
            .unwrap_err()
            .name(),
        "invalid_config"
    );
}

// Header typ and the RFC 9068 profile.

#[test]
fn access_token_typ_variants() {
    let with_typ = |typ: &str, token_type: TokenType| {
        let key = es256_key();
        let validator = validator_for(&[&key], policy().token_type(token_type));
        let header = format!(r#"{{"alg":"ES256","kid":"k1"{typ}}}"#);
        verdict(&validator, &key.sign_compact(&header, &claims("")))
    };
    for (typ, access_token, jwt) in [
        (r#","typ":"at+jwt""#, "valid", "valid"),
        (r#","typ":"AT+JWT""#, "valid", "valid"),
        (r#","typ":"application/at+jwt""#, "valid", "valid"),
        (r#","typ":"Application/At+Jwt""#, "valid", "valid"),
        (r#","typ":"\u0061t+jwt""#, "valid", "valid"),
        (r#","typ":"JWT""#, "wrong_type", "valid"),
        (r#","typ":"jwt""#, "wrong_type", "valid"),
        (r#","typ":"application/jwt""#, "wrong_type", "valid"),
        ("", "wrong_type", "valid"),
        (r#","typ":null"#, "malformed", "malformed"),
        (r#","typ":"""#, "wrong_type", "wrong_type"),
        (r#","typ":"at+jwt ""#, "wrong_type", "wrong_type"),
        (
            r#","typ":"at+jwt; charset=utf-8""#,
            "wrong_type",
            "wrong_type",
        ),
        (
            r#","typ":"application/at+jwt+jwt""#,
            "wrong_type",
            "wrong_type",
        ),
        (r#","typ":"JOSE""#, "wrong_type", "wrong_type"),
        (r#","typ":"dpop+jwt""#, "wrong_type", "wrong_type"),
        (
            "\u{2c}\"typ\":\"at+jw\u{1e6d}\"",
            "wrong_type",
            "wrong_type",
        ),
        (r#","typ":["at+jwt"]"#, "malformed", "malformed"),
    ] {
        assert_eq!(with_typ(typ, TokenType::AccessToken), access_token, "{typ}");
        assert_eq!(with_typ(typ, TokenType::Jwt), jwt, "{typ}");
        let any = if access_token == "malformed" {
            "malformed"
        } else {
            "valid"
        };
        assert_eq!(with_typ(typ, TokenType::Any), any, "{typ}");
    }
}

#[test]
fn rfc9068_profile_requires_its_claims() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy().profile(Profile::Rfc9068));
    let full = format!(
        r#""iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP},"sub":"s","client_id":"c","iat":{NOW},"jti":"j""#
    );
    let token = |members: &str| key.sign_compact(ES256_HEADER, &format!("{{{members}}}"));
    assert_eq!(verdict(&validator, &token(&full)), "valid");
    for claim in ["sub", "client_id", "iat", "jti"] {
        let without: Vec<&str> = full
            .split(',')
            .filter(|member| !member.starts_with(&format!("\"{claim}\"")))
            .collect();
        let error = error_of(&validator, &token(&without.join(",")));
        assert_eq!(error.name(), "missing_claim", "{claim}");
        assert_eq!(
            error.to_string(),
            format!("required claim '{claim}' is missing")
        );
        let nulled = full.replace(
            &format!("\"{claim}\":"),
            &format!("\"{claim}\":null,\"x{claim}\":"),
        );
        assert_eq!(
            verdict(&validator, &token(&nulled)),
            "missing_claim",
            "{claim} null"
        );
    }
    // The profile requires the at+jwt typ.
    let plain = key.sign_compact(
        r#"{"alg":"ES256","typ":"JWT","kid":"k1"}"#,
        &format!("{{{full}}}"),
    );
    assert_eq!(verdict(&validator, &plain), "wrong_type");
}

#[test]
fn required_claims_found_after_unescaping() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy().require_claim("tenant"));
    let with = |extra: &str| verdict(&validator, &key.sign_compact(ES256_HEADER, &claims(extra)));
    assert_eq!(with(r#","tenant":"a""#), "valid");
    assert_eq!(with(r#","\u0074enant":0"#), "valid");
    assert_eq!(with(r#","tenant":null"#), "missing_claim");
    assert_eq!(with(r#","Tenant":"a""#), "missing_claim");
    assert_eq!(with(r#","x":{"tenant":"a"}"#), "missing_claim");
}

// Proof-of-possession tokens.

#[test]
fn cnf_bound_tokens_need_proof() {
    for (extra, expected) in [
        (
            r#","cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}"#,
            "proof_required",
        ),
        (r#","cnf":{}"#, "proof_required"),
        (r#","cnf":"x""#, "invalid_claim"),
        (r#","cnf":false"#, "invalid_claim"),
        (r#","cnf":[{"jkt":"x"}]"#, "invalid_claim"),
        (r#","\u0063nf":{"jkt":"x"}"#, "proof_required"),
        (r#","cnf":null"#, "valid"),
        (r#","CNF":{"jkt":"x"}"#, "valid"),
        (r#","x":{"cnf":{"jkt":"x"}}"#, "valid"),
    ] {
        assert_eq!(payload_verdict(&claims(extra)), expected, "{extra}");
    }
    let error = Error::ProofOfPossessionRequired;
    assert_eq!(error.http_status(), 401);
    assert_eq!(error.bearer_error(), Some(BearerError::InvalidToken));
}

// crit and b64.

#[test]
fn crit_variants() {
    let base = r#""alg":"ES256","typ":"at+jwt","kid":"k1""#;
    for (members, expected) in [
        (r#","crit":["exp"],"exp":1"#, "unsupported_crit"),
        (r#","crit":["exp","exp"],"exp":1"#, "unsupported_crit"),
        (r#","crit":["\u0065xp"],"exp":1"#, "unsupported_crit"),
        (r#","crit":["alg"]"#, "unsupported_crit"),
        (r#","crit":["crit"]"#, "unsupported_crit"),
        (r#","crit":["exp"]"#, "malformed"),
        (r#","crit":["exp","absent"],"exp":1"#, "malformed"),
        (r#","crit":["EXP"],"exp":1"#, "malformed"),
        (r#","crit":[]"#, "malformed"),
        (r#","crit":"exp","exp":1"#, "malformed"),
        (r#","crit":[1]"#, "malformed"),
        (r#","crit":[null]"#, "malformed"),
        (r#","crit":[["exp"]],"exp":1"#, "malformed"),
        (r#","crit":null"#, "malformed"),
        (r#","crit":{"exp":1},"exp":1"#, "malformed"),
        (r#","b64":true"#, "malformed"),
        (r#","b64":false"#, "malformed"),
        (r#","\u0062\u0036\u0034":true"#, "malformed"),
    ] {
        let header = format!("{{{base}{members}}}");
        assert_eq!(header_verdict(&header), expected, "{members}");
    }
}

#[test]
fn b64_in_crit_is_malformed() {
    // tests/cases/README.md makes any b64 member malformed, but crit is checked first.
    for members in [
        r#","b64":false,"crit":["b64"]"#,
        r#","crit":["b64"],"b64":true"#,
    ] {
        let header = format!(r#"{{"alg":"ES256","typ":"at+jwt","kid":"k1"{members}}}"#);
        assert_eq!(header_verdict(&header), "malformed", "{members}");
    }
}

#[test]
fn header_key_members_ignored() {
    // An embedded key never replaces the configured set.
    let key = es256_key();
    let attacker = SigningKey::generate(Algorithm::ES256, "k1");
    let validator = validator_for(&[&key], policy());
    let embedded = attacker.public_jwk();
    let header = format!(
        r#"{{"alg":"ES256","typ":"at+jwt","kid":"k1","jwk":{embedded},"jku":"http://127.0.0.1:1/jwks","x5u":"http://127.0.0.1:1/x","x5c":["AAAA"]}}"#
    );
    assert_eq!(
        verdict(&validator, &attacker.sign_compact(&header, &claims(""))),
        "bad_signature"
    );
    assert_eq!(
        verdict(&validator, &key.sign_compact(&header, &claims(""))),
        "valid"
    );
}

// Sizes and buffers.

#[test]
fn size_limit_is_exact() {
    let key = es256_key();
    let token = key.sign_compact(ES256_HEADER, &claims(""));
    let validator = validator_for(&[&key], policy().max_token_bytes(token.len()));
    assert_eq!(verdict(&validator, &token), "valid");
    let validator = validator_for(&[&key], policy().max_token_bytes(token.len() - 1));
    let error = error_of(&validator, &token);
    assert_eq!(error.name(), "too_large");
    assert_eq!(
        error.to_string(),
        format!(
            "input is {} bytes, more than the maximum of {} bytes",
            token.len(),
            token.len() - 1
        )
    );
}

#[test]
fn default_limit_at_16_kib() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    let fill = |len: usize| {
        // Grow a padding claim until the token is exactly `len` bytes.
        let mut pad = 0;
        loop {
            let payload = claims(&format!(",\"pad\":\"{}\"", "x".repeat(pad)));
            let token = key.sign_compact(ES256_HEADER, &payload);
            if token.len() >= len {
                return token;
            }
            pad += 1.max((len - token.len()) * 3 / 4);
        }
    };
    let at_limit = fill(16 * 1024);
    let at_limit = if at_limit.len() == 16 * 1024 {
        at_limit
    } else {
        fill(16 * 1024 - 2)
    };
    assert!(at_limit.len() <= 16 * 1024);
    assert_eq!(verdict(&validator, &at_limit), "valid");
    let over = format!("{at_limit}{}", "A".repeat(16 * 1024 + 1 - at_limit.len()));
    assert_eq!(over.len(), 16 * 1024 + 1);
    assert_eq!(verdict(&validator, &over), "too_large");
}

#[test]
fn small_buffer_reports_too_large() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    let token = key.sign_compact(ES256_HEADER, &claims(""));
    // Header, claims and the 64-byte signature, decoded one after the other.
    const DECODED: usize = 220;
    let decoded = ES256_HEADER.len() + claims("").len() + 64;
    assert_eq!(decoded, DECODED, "update DECODED to the decoded size");

    let mut exact = TokenBuffer::<DECODED>::with_capacity();
    assert!(validator.validate(&token, NOW, &mut exact).is_ok());

    let mut short = TokenBuffer::<{ DECODED - 1 }>::with_capacity();
    let error = validator
        .validate(&token, NOW, &mut short)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.name(), "too_large");
    let mut empty = TokenBuffer::<0>::with_capacity();
    let error = validator
        .validate(&token, NOW, &mut empty)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.name(), "too_large");
}

#[test]
fn segment_structure_rejected_before_decoding() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    let token = key.sign_compact(ES256_HEADER, &claims(""));
    let (header, rest) = token.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    for (name, input) in [
        ("two segments", format!("{header}.{payload}")),
        ("four segments", format!("{token}.")),
        ("empty", String::new()),
        ("dots", "..".to_string()),
        ("padding", format!("{header}=.{payload}.{signature}")),
        (
            "standard alphabet",
            // Always changes the signature: its first character becomes `+`.
            format!("{header}.{payload}.+{}", &signature[1..]),
        ),
        ("space", format!("{header} .{payload}.{signature}")),
        ("length 1 mod 4", format!("{header}.AAAAA.{signature}")),
        (
            "trailing bits",
            format!("{header}.{payload}.{}", flip_last_char(signature)),
        ),
    ] {
        assert_eq!(verdict(&validator, &input), "malformed", "{name}");
    }
    assert_eq!(
        verdict(&validator, &format!("{header}.{payload}.")),
        "bad_signature"
    );
}

/// Replaces the last character of a 64-byte signature's encoding so that it sets an
/// unused trailing bit.
fn flip_last_char(text: &str) -> String {
    // 86 characters encode 64 bytes, and the last one carries 4 unused bits, so it is
    // one of A, Q, g or w. The next character of the alphabet sets the lowest bit.
    assert_eq!(text.len(), 86);
    let (body, last) = text.split_at(85);
    let flipped = match last {
        "A" => "B",
        "Q" => "R",
        "g" => "h",
        "w" => "x",
        other => panic!("{other} is not a canonical last character"),
    };
    format!("{body}{flipped}")
}

// The Authorization header.

#[test]
fn authorization_header_edges() {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    let token = key.sign_compact(ES256_HEADER, &claims(""));
    let check = |value: &str| {
        let mut buffer = TokenBuffer::new();
        match validator.validate_authorization(value, NOW, &mut buffer) {
            Ok(_) => "valid",
            Err(error) => error.name(),
        }
    };
    for (value, expected) in [
        (format!("Bearer {token}"), "valid"),
        (format!("bEaReR {token}"), "valid"),
        (format!("Bearer    {token}"), "valid"),
        (format!("Bearer\t{token}"), "malformed"),
        (format!("Bearer {token} "), "malformed"),
        (format!(" Bearer {token}"), "malformed"),
        (format!("Bearer {token}\r\n"), "malformed"),
        (format!("Bearer {token}\0"), "malformed"),
        (format!("Bearer\u{a0}{token}"), "malformed"),
        (format!("Bearer {token}="), "malformed"),
        (format!("Bearer {token},Bearer {token}"), "malformed"),
        (format!("Bearer {token} Bearer {token}"), "malformed"),
        (format!("Bearer \"{token}\""), "malformed"),
        (format!("Bearer: {token}"), "malformed"),
        (format!("Bearer{token}"), "malformed"),
        (format!("DPoP {token}"), "malformed"),
        (format!("Basic {token}"), "malformed"),
        (format!("Be\u{430}rer {token}"), "malformed"),
        (token.clone(), "malformed"),
        (String::new(), "malformed"),
    ] {
        assert_eq!(
            check(&value),
            expected,
            "{:?}",
            &value[..value.len().min(12)]
        );
    }

    // The size limit applies to the token, not to the header around it.
    let spaces = " ".repeat(20_000);
    assert_eq!(check(&format!("Bearer{spaces}{token}")), "valid");
}

#[test]
fn parse_authorization_reports_scheme() {
    let credentials = parse_authorization(b"dpop abc.def.ghi").unwrap();
    assert_eq!(credentials.scheme(), Scheme::DPoP);
    assert_eq!(credentials.token(), "abc.def.ghi");
    let error = parse_authorization(b"Basic dXNlcjpwYXNz").unwrap_err();
    assert_eq!(error.name(), "malformed");
    assert!(parse_authorization(b"Bearer \xff").is_err());
    assert!(parse_authorization(b"\xffBearer x").is_err());
}

#[test]
fn other_scheme_gets_bare_challenge() {
    // RFC 6750 section 3.1: a request that uses an unsupported authentication method
    // gets no error code, so the response is 401 with a bare challenge, not 400.
    let error = parse_authorization(b"Basic dXNlcjpwYXNz").unwrap_err();
    assert_eq!(error.bearer_error(), None);
    assert_eq!(error.http_status(), 401);
}

#[test]
fn malformed_header_maps_to_invalid_request() {
    let error = parse_authorization(b"Bearer a b").unwrap_err();
    assert_eq!(error.bearer_error(), Some(BearerError::InvalidRequest));
    assert_eq!(error.http_status(), 400);
    assert_eq!(Error::InsufficientScope.http_status(), 403);
    assert_eq!(Error::BadSignature.http_status(), 401);
}

// The WWW-Authenticate challenge.

/// Checks that `value` is one challenge whose quoted strings all close, and returns
/// the unescaped parameter values.
fn challenge_params(value: &str) -> Vec<(String, String)> {
    assert!(value.is_ascii(), "non-ASCII in {value:?}");
    assert!(
        !value.bytes().any(|byte| byte.is_ascii_control()),
        "control character in {value:?}"
    );
    let (_, mut rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut params = Vec::new();
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"").expect("name=\"");
        let mut text = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (_, '\\') => text.push(chars.next().expect("escaped character").1),
                (at, '"') => break at,
                (_, c) => text.push(c),
            }
        };
        params.push((name.to_string(), text));
        rest = after[end + 1..]
            .strip_prefix(", ")
            .unwrap_or(&after[end + 1..]);
    }
    params
}

#[test]
fn challenge_survives_hostile_values() {
    let hostile = [
        "a\"b",
        "a\\",
        "\\\"",
        "x\r\nSet-Cookie: session=1",
        "\u{e9}t\u{e9}",
        "\u{202e}evil",
        "\0",
        "\u{7f}",
        "\", error=\"none",
        "",
    ];
    for value in hostile {
        let challenge = Challenge::for_error(Scheme::Bearer, &Error::InsufficientScope)
            .realm(value)
            .scope(value)
            .to_string();
        let params = challenge_params(&challenge);
        let names: Vec<&str> = params.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["realm", "error", "error_description", "scope"],
            "{challenge}"
        );
        assert_eq!(params[1].1, "insufficient_scope");
        if value.bytes().all(|byte| (b' '..=b'~').contains(&byte)) {
            assert_eq!(params[0].1, value, "realm round trip");
        }
    }
}

#[test]
fn challenge_description_from_configured_names() {
    // A configured claim name reaches error_description through the error message.
    let claim = "x\"\r\nSet-Cookie: a=\u{e9}\\";
    let key = es256_key();
    let validator = validator_for(&[&key], policy().require_claim(claim));
    let error = error_of(&validator, &key.sign_compact(ES256_HEADER, &claims("")));
    let challenge = Challenge::for_error(Scheme::Bearer, &error).to_string();
    let params = challenge_params(&challenge);
    assert_eq!(params.len(), 2, "{challenge}");
    assert_eq!(
        params[0],
        ("error".to_string(), "invalid_token".to_string())
    );
    assert!(params[1].1.starts_with("required claim 'x?"), "{challenge}");

    let config = Error::InvalidConfig {
        field: "issuer",
        reason: "x",
    };
    let challenge = Challenge::for_error(Scheme::Bearer, &config).to_string();
    assert!(!challenge.contains("error=\""), "{challenge}");
}

// Cost of hostile token shapes. The numbers printed depend on the machine and the
// build profile; the assertions only bound the worst case loosely.

/// Returns the mean time to validate `token` at [`NOW`], and the verdict.
fn time_validation(validator: &Validator, token: &str) -> (Duration, &'static str) {
    let mut buffer = TokenBuffer::new();
    time_per_call(|| match validator.validate(token, NOW, &mut buffer) {
        Ok(_) => "valid",
        Err(error) => error.name(),
    })
}

/// Returns the mean time of one call of `validate` over enough runs to measure.
fn time_per_call(mut validate: impl FnMut() -> &'static str) -> (Duration, &'static str) {
    let started = Instant::now();
    let mut runs = 0u32;
    let mut result = "";
    while runs < 20 || started.elapsed() < Duration::from_millis(200) {
        result = validate();
        runs += 1;
    }
    (started.elapsed() / runs, result)
}

/// Signs `payload` under ES256, validates it repeatedly and prints the mean time.
fn time_payload(name: &str, payload: &str) -> (Duration, &'static str) {
    let key = es256_key();
    let validator = validator_for(&[&key], policy().require_scope("orders:read"));
    let token = key.sign_compact(ES256_HEADER, payload);
    assert!(token.len() <= 16 * 1024, "{name}: {} bytes", token.len());
    let (per_call, result) = time_validation(&validator, &token);
    println!(
        "{name}: {} bytes, {result}, {per_call:?} per validation",
        token.len()
    );
    (per_call, result)
}

/// Repeats `unit` after `claims("")` as long as the token stays within 16 KiB.
fn fill_claims(unit: impl Fn(usize) -> String) -> String {
    let mut extra = String::new();
    let mut i = 0;
    loop {
        let next = format!("{extra}{}", unit(i));
        // base64url grows the payload by 4/3, and the header and signature take under 200 bytes.
        if (claims(&next).len() * 4).div_ceil(3) > 16 * 1024 - 200 {
            return claims(&extra);
        }
        extra = next;
        i += 1;
    }
}

#[test]
fn hostile_payload_shapes_validate_quickly() {
    // The ordinary token prints the unit the hostile shapes compare with.
    time_payload("ordinary token", &claims(""));
    let shapes = [
        (
            "nested arrays, depth 32",
            fill_claims(|i| format!(",\"a{i}\":{}", nested_arrays(31, "0"))),
        ),
        (
            "nested objects, depth 32",
            fill_claims(|i| format!(",\"o{i}\":{}", nested_objects(31, "0"))),
        ),
        (
            "one long escaped string",
            claims(&format!(",\"s\":\"{}\"", "\\u0041".repeat(1900))),
        ),
        (
            "long escaped scope",
            format!(
                r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP},"scope":"{} orders:read"}}"#,
                "\\u0061\\u0020".repeat(950)
            ),
        ),
        (
            "long aud array",
            format!(
                r#"{{"iss":"{ISSUER}","exp":{EXP},"scope":"orders:read","aud":[{}"{AUDIENCE}"]}}"#,
                "\"\\u0061\",".repeat(1300)
            ),
        ),
        (
            "long number",
            claims_without_exp(&format!(
                "\"exp\":{EXP}.{},\"scope\":\"orders:read\"",
                "0".repeat(12_000)
            )),
        ),
    ];
    let measured: Vec<_> = shapes
        .iter()
        .map(|(name, payload)| (*name, time_payload(name, payload)))
        .collect();
    for (name, (_, result)) in measured {
        assert_eq!(result, "valid", "{name}");
    }
}

/// Returns the mean time to validate a token with the given raw header and empty
/// signature, which is rejected before any signature check when the header is bad.
fn time_unsigned(name: &str, header: &str) -> (Duration, &'static str) {
    let key = es256_key();
    let validator = validator_for(&[&key], policy());
    let token = format!("{}.{}.", encode(header.as_bytes()), encode(b"{}"));
    assert!(token.len() <= 16 * 1024, "{name}: {} bytes", token.len());
    let (per_call, result) = time_validation(&validator, &token);
    println!(
        "{name}: {} byte token, {result}, {per_call:?} per rejection",
        token.len()
    );
    (per_call, result)
}

/// Prints the mean time to validate an ordinary ES256 token, the unit to read the
/// printed pre-signature costs against. Speed goals live in the benchmarks, so
/// these tests print times but assert only verdicts.
fn ordinary_validation() {
    time_payload("ordinary token", &claims(""));
}

/// Writes an ES256 header with `kid` `k1` followed by `unit(0)`, `unit(1)` and so on,
/// while the token stays close below 16 KiB.
fn fill_header(unit: impl Fn(usize) -> String) -> String {
    let header = |extra: &str| format!(r#"{{"alg":"ES256","typ":"at+jwt","kid":"k1"{extra}}}"#);
    let mut extra = String::new();
    let mut i = 0;
    loop {
        let next = format!("{extra}{}", unit(i));
        if header(&next).len() > tokenguard::MAX_HEADER_BYTES {
            return header(&extra);
        }
        extra = next;
        i += 1;
    }
}

#[test]
fn header_over_limit_too_large() {
    let at_limit = fill_header(|i| format!(",\"p{i}\":\"{}\"", "x".repeat(40)));
    assert!(at_limit.len() <= tokenguard::MAX_HEADER_BYTES);
    assert_eq!(
        time_unsigned("header at the limit", &at_limit).1,
        "bad_signature"
    );

    let over = format!(
        r#"{{"alg":"ES256","typ":"at+jwt","kid":"k1","p":"{}"}}"#,
        "x".repeat(tokenguard::MAX_HEADER_BYTES)
    );
    assert_eq!(time_unsigned("header over the limit", &over).1, "too_large");
}

#[test]
fn hostile_headers_rejected_quickly() {
    ordinary_validation();
    let shapes = [
        (
            "header of nested arrays",
            fill_header(|i| format!(",\"a{i}\":{}", nested_arrays(31, "0"))),
        ),
        (
            "header of nested objects",
            fill_header(|i| format!(",\"o{i}\":{}", nested_objects(31, "0"))),
        ),
        (
            "header with a long escaped string",
            format!(
                r#"{{"alg":"ES256","typ":"at+jwt","kid":"k1","s":"{}"}}"#,
                "\\u0041".repeat(600)
            ),
        ),
        (
            "header with a long number",
            fill_header(|i| {
                if i == 0 {
                    ",\"n\":1.".to_string()
                } else {
                    "0".to_string()
                }
            }),
        ),
    ];
    let measured: Vec<_> = shapes
        .iter()
        .map(|(name, header)| (*name, time_unsigned(name, header)))
        .collect();
    for (name, (_, result)) in measured {
        assert_eq!(result, "bad_signature", "{name}");
    }
}

#[test]
fn header_member_names_checked_quickly() {
    ordinary_validation();
    let escaped_prefix = "\\u0061".repeat(7);
    let shapes = [
        (
            "header of 250 escaped names with a shared prefix",
            fill_header(|i| {
                if i < 250 {
                    format!(",\"{escaped_prefix}{i}\":0")
                } else {
                    String::new()
                }
            }),
        ),
        (
            "header of sibling objects of 200 names",
            fill_header(|i| format!(",\"s{i}\":{{\"y\":0{}}}", members("", 200))),
        ),
        (
            "header of objects of 16 escaped names with a shared prefix",
            fill_header(|i| {
                let names: Vec<String> = (0..16)
                    .map(|j| format!("\"{escaped_prefix}{j:x}\":0"))
                    .collect();
                format!(",\"s{i}\":{{{}}}", names.join(","))
            }),
        ),
    ];
    let measured: Vec<_> = shapes
        .iter()
        .map(|(name, header)| (*name, time_unsigned(name, header)))
        .collect();
    for (name, (_, result)) in measured {
        assert_eq!(result, "bad_signature", "{name}");
    }
}

/// Builds a header with `alg` ES256 and a `crit` that repeats the name of the member
/// after it until the header alone is about `len` bytes.
fn crit_header(len: usize) -> String {
    let entries = (len - 60) / 4;
    let names = vec!["\"x\""; entries].join(",");
    format!(r#"{{"alg":"ES256","typ":"at+jwt","kid":"k1","crit":[{names}],"x":0}}"#)
}

#[test]
fn short_crit_rejected_quickly() {
    ordinary_validation();
    let (_, result) = time_unsigned("crit of 10 names", &crit_header(100));
    assert_eq!(result, "unsupported_crit");
}

#[test]
fn long_crit_rejected_before_lookup() {
    ordinary_validation();
    for len in [1000, 2000, 4000] {
        let name = format!("crit of {} names", (len - 60) / 4);
        let (_, result) = time_unsigned(&name, &crit_header(len));
        // More names than any extension set needs: rejected before they are looked up.
        assert_eq!(result, "malformed");
    }
}

/// Returns a random odd 8192-bit modulus, for keys that only cost time to try.
fn random_modulus() -> Vec<u8> {
    let mut n = signing::random_bytes(1024);
    n[0] |= 0x80;
    n[1023] |= 1;
    n
}

#[test]
fn kid_less_token_tries_at_most_the_limit() {
    // Every RSA key fits a kid-less RS256 token. Past the candidate limit the token is
    // rejected before any verification, so a forged one costs no RSA work.
    let jwks: Vec<String> = (0..40)
        .map(|_| {
            format!(
                r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#,
                encode(&random_modulus())
            )
        })
        .collect();
    let validator = validator_with_jwks(&key_set_json(&jwks), policy());
    assert_eq!(validator.keys().keys().len(), 40);

    let header = r#"{"alg":"RS256","typ":"at+jwt"}"#;
    let token = with_signature(header, &claims(""), &[0x5a; 1024]);
    let (per_call, result) = time_validation(&validator, &token);
    println!("kid-less RS256 token against 40 RSA-8192 keys: {result}, {per_call:?} per rejection");
    assert_eq!(result, "kid_required");

    let header = r#"{"alg":"RS256","typ":"at+jwt","kid":"absent"}"#;
    let token = with_signature(header, &claims(""), &[0x5a; 1024]);
    let (per_call, result) = time_validation(&validator, &token);
    println!("the same token with an unknown kid: {result}, {per_call:?} per rejection");
    assert_eq!(result, "unknown_kid");
}
