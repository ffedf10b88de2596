//! Client assertions made by `AssertionBuilder`, checked by `AssertionVerifier`.

use std::path::Path;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{json, Value};
use tokenguard::{
    AlgSet, Algorithm, AssertionBuilder, AssertionVerifier, ClientRegistry, Error, Jwk, JwkSet,
    MismatchReason, ReplayCache, SigningKey, TokenBuffer, DEFAULT_ASSERTION_LIFETIME_SECONDS,
};

const CLIENT_ID: &str = "billing-service";
const TOKEN_ENDPOINT: &str = "https://auth.tokenguard.test/token";
const NOW: i64 = 1_767_225_600;
const JTI_RANDOM: [u8; 16] = [7; 16];

fn rsa_key() -> SigningKey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rsa-2048-test-only-1.private.jwk");
    SigningKey::from_jwk(&std::fs::read(path).unwrap()).unwrap()
}

/// Returns a registry with the public key of `key` as the keys of `CLIENT_ID`.
fn public_keys(key: &SigningKey) -> ClientRegistry {
    let jwk = key.public_jwk(key.kid(), None).unwrap();
    let keys = JwkSet::from_json(format!("{{\"keys\":[{jwk}]}}").as_bytes()).unwrap();
    let mut clients = ClientRegistry::new();
    clients.insert(CLIENT_ID, keys).unwrap();
    clients
}

fn builder() -> AssertionBuilder<'static> {
    AssertionBuilder::new(CLIENT_ID, TOKEN_ENDPOINT).unwrap()
}

fn verify(
    verifier: &AssertionVerifier,
    keys: &ClientRegistry,
    assertion: &str,
    cache: &mut ReplayCache,
    now: i64,
) -> Result<String, Error> {
    let mut buffer = TokenBuffer::new();
    verifier
        .verify(
            assertion.as_bytes(),
            Some(CLIENT_ID),
            keys,
            cache,
            now,
            &mut buffer,
        )
        .map(|verified| verified.client_id().to_string())
}

fn part(token: &str, index: usize) -> Value {
    let text = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&Base64UrlUnpadded::decode_vec(text).unwrap()).unwrap()
}

#[test]
fn created_assertions_verify_per_algorithm() {
    let rsa = rsa_key();
    let cases: Vec<(SigningKey, Algorithm)> = vec![
        (rsa_key(), Algorithm::RS256),
        (rsa_key(), Algorithm::RS384),
        (rsa_key(), Algorithm::RS512),
        (rsa_key(), Algorithm::PS256),
        (rsa_key(), Algorithm::PS384),
        (rsa_key(), Algorithm::PS512),
        (generated(Algorithm::ES256), Algorithm::ES256),
        (generated(Algorithm::ES384), Algorithm::ES384),
        (generated(Algorithm::EdDSA), Algorithm::EdDSA),
        (generated(Algorithm::Ed25519), Algorithm::Ed25519),
    ];
    assert_eq!(rsa.kid(), Some("rsa-test-only-1"));
    let verifier = AssertionVerifier::new(&[TOKEN_ENDPOINT]).unwrap();
    for (number, (key, alg)) in cases.iter().enumerate() {
        let jti_random = [u8::try_from(number).unwrap(); 32];
        let assertion = builder().sign(key, Some(*alg), NOW, &jti_random).unwrap();
        let mut cache = ReplayCache::new(4).unwrap();
        let keys = public_keys(key);
        assert_eq!(
            verify(&verifier, &keys, &assertion, &mut cache, NOW),
            Ok(CLIENT_ID.to_string()),
            "{alg}"
        );
        assert_eq!(
            verify(&verifier, &keys, &assertion, &mut cache, NOW),
            Err(Error::Replayed),
            "{alg}"
        );
    }
}

fn generated(alg: Algorithm) -> SigningKey {
    SigningKey::generate(alg)
        .unwrap()
        .into_signing_key()
        .with_kid("client-key-1")
}

#[test]
fn created_assertion_claims_and_header() {
    let key = generated(Algorithm::ES256);
    let assertion = builder().sign(&key, None, NOW, &JTI_RANDOM).unwrap();
    assert_eq!(
        part(&assertion, 0),
        json!({"alg": "ES256", "typ": "JWT", "kid": "client-key-1"})
    );
    let lifetime = i64::from(DEFAULT_ASSERTION_LIFETIME_SECONDS);
    assert_eq!(
        part(&assertion, 1),
        json!({
            "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_ENDPOINT,
            "iat": NOW, "exp": NOW + lifetime,
            "jti": Base64UrlUnpadded::encode_string(&JTI_RANDOM),
        })
    );
    assert_eq!(lifetime, 60);

    let longer = builder().with_lifetime(300).unwrap();
    let assertion = longer.sign(&key, None, NOW, &JTI_RANDOM).unwrap();
    assert_eq!(part(&assertion, 1)["exp"], NOW + 300);
}

#[test]
fn created_assertion_expires_after_lifetime() {
    let key = generated(Algorithm::EdDSA);
    let keys = public_keys(&key);
    let verifier = AssertionVerifier::new(&[TOKEN_ENDPOINT])
        .unwrap()
        .with_leeway(0)
        .unwrap();
    let assertion = builder().sign(&key, None, NOW, &JTI_RANDOM).unwrap();
    let mut cache = ReplayCache::new(4).unwrap();
    assert!(matches!(
        verify(&verifier, &keys, &assertion, &mut cache, NOW + 60),
        Err(Error::Expired { .. })
    ));
    assert!(verify(&verifier, &keys, &assertion, &mut cache, NOW + 59).is_ok());
}

#[test]
fn hmac_assertion_for_client_secret_jwt() {
    let secret = [42u8; 32];
    let key = SigningKey::hmac_secret(Algorithm::HS256, &secret).unwrap();
    let secret_set = JwkSet::from_keys(vec![
        Jwk::hmac_secret(None, Algorithm::HS256, &secret).unwrap()
    ])
    .unwrap();
    let mut keys = ClientRegistry::new();
    keys.insert(CLIENT_ID, secret_set).unwrap();
    let verifier = AssertionVerifier::new(&[TOKEN_ENDPOINT])
        .unwrap()
        .with_algorithms(AlgSet::of(&[Algorithm::HS256]))
        .unwrap();
    let assertion = builder().sign(&key, None, NOW, &JTI_RANDOM).unwrap();
    let mut cache = ReplayCache::new(4).unwrap();
    assert_eq!(
        verify(&verifier, &keys, &assertion, &mut cache, NOW),
        Ok(CLIENT_ID.to_string())
    );
    assert_eq!(part(&assertion, 0), json!({"alg": "HS256", "typ": "JWT"}));
}

fn config_field(result: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match result {
        Err(Error::InvalidConfig { field, .. }) => field,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

#[test]
fn builder_inputs_rejected() {
    assert_eq!(
        config_field(AssertionBuilder::new("", TOKEN_ENDPOINT)),
        "client_id"
    );
    assert_eq!(
        config_field(AssertionBuilder::new(CLIENT_ID, "")),
        "audience"
    );
    assert_eq!(config_field(builder().with_lifetime(0)), "lifetime");
    assert_eq!(config_field(builder().with_lifetime(301)), "lifetime");
}

#[test]
fn sign_inputs_rejected() {
    let key = generated(Algorithm::ES256);
    for len in [0, 15, 65] {
        assert_eq!(
            config_field(builder().sign(&key, None, NOW, &vec![1; len])),
            "jti_random",
            "{len} bytes"
        );
    }
    assert!(builder().sign(&key, None, NOW, &[1; 64]).is_ok());
    assert_eq!(
        config_field(builder().sign(&key, None, i64::MAX, &JTI_RANDOM)),
        "now"
    );
    assert_eq!(
        config_field(builder().sign(&rsa_key(), None, NOW, &JTI_RANDOM)),
        "alg"
    );
    assert_eq!(
        builder()
            .sign(&key, Some(Algorithm::ES384), NOW, &JTI_RANDOM)
            .err(),
        Some(Error::KeyMismatch {
            reason: MismatchReason::Algorithm
        })
    );
}
