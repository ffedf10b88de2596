//! DPoP proofs made by `create_dpop_proof`, checked by `DpopVerifier` and
//! `Validator::validate_dpop`.

use std::path::Path;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;
use tokenguard::{
    create_dpop_proof, Algorithm, DpopRequest, DpopVerifier, Error, HeaderParams, JwkSet,
    MismatchReason, Policy, ReplayCache, SigningKey, TokenBuffer, Validator,
};

const NOW: i64 = 1_767_225_600;
const ISSUER: &str = "https://issuer.tokenguard.test";
const AUDIENCE: &str = "https://api.tokenguard.test";
const URI: &str = "https://api.tokenguard.test/orders";

fn request(nonce: Option<&'static str>) -> DpopRequest<'static> {
    DpopRequest {
        method: "POST",
        uri: URI,
        nonce,
    }
}

fn client_keys() -> Vec<(SigningKey, Algorithm)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rsa-2048-test-only-1.private.jwk");
    let rsa = SigningKey::from_jwk(&std::fs::read(path).unwrap()).unwrap();
    let generated = |alg| SigningKey::generate(alg).unwrap().into_signing_key();
    vec![
        (rsa, Algorithm::PS256),
        (generated(Algorithm::ES256), Algorithm::ES256),
        (generated(Algorithm::ES384), Algorithm::ES384),
        (generated(Algorithm::EdDSA), Algorithm::EdDSA),
    ]
}

fn claims_of(proof: &str) -> Value {
    let part = proof.split('.').nth(1).unwrap();
    serde_json::from_slice(&Base64UrlUnpadded::decode_vec(part).unwrap()).unwrap()
}

#[test]
fn created_proofs_verify_per_algorithm() {
    let verifier = DpopVerifier::new();
    for (number, (key, alg)) in client_keys().into_iter().enumerate() {
        let jti_random = [u8::try_from(number).unwrap(); 16];
        let proof =
            create_dpop_proof(&key, Some(alg), &request(None), None, NOW, &jti_random).unwrap();
        let mut cache = ReplayCache::new(4).unwrap();
        let mut buffer = TokenBuffer::new();
        let verified = verifier
            .verify(
                proof.as_bytes(),
                &request(None),
                None,
                &mut cache,
                NOW,
                &mut buffer,
            )
            .unwrap();
        assert_eq!(Some(*verified.thumbprint()), key.thumbprint(), "{alg}");
        assert_eq!(verified.issued_at(), NOW, "{alg}");
    }
}

#[test]
fn created_proof_claims() {
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .into_signing_key();
    let request = DpopRequest {
        method: "GET",
        uri: "https://api.tokenguard.test/orders?page=2#top",
        nonce: Some("n-1"),
    };
    let proof = create_dpop_proof(&key, None, &request, Some("token"), NOW, &[9; 16]).unwrap();
    let claims = claims_of(&proof);
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], URI);
    assert_eq!(claims["iat"], NOW);
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["jti"], Base64UrlUnpadded::encode_string(&[9; 16]));
    // The SHA-256 of "token".
    assert_eq!(claims["ath"], "PEaenWxYddN6Q_NT1PiOYfz4EsZu7jRXRlpAsNpBU-A");
    let without = create_dpop_proof(&key, None, &request, None, NOW, &[9; 16]).unwrap();
    assert!(claims_of(&without).get("ath").is_none());
}

#[test]
fn created_proof_and_token_pass_validate_dpop() {
    let issuer = SigningKey::generate(Algorithm::EdDSA)
        .unwrap()
        .into_signing_key();
    let jwk = issuer.public_jwk(Some("issuer-1"), None).unwrap();
    let keys = JwkSet::from_json(format!("{{\"keys\":[{jwk}]}}").as_bytes()).unwrap();
    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let validator = Validator::new(policy, keys);

    let client = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .into_signing_key();
    let jkt = Base64UrlUnpadded::encode_string(&client.thumbprint().unwrap());
    let claims = format!(
        "{{\"iss\":\"{ISSUER}\",\"aud\":\"{AUDIENCE}\",\"exp\":{},\"cnf\":{{\"jkt\":\"{jkt}\"}}}}",
        NOW + 600
    );
    let header = HeaderParams {
        typ: Some("at+jwt"),
        kid: Some("issuer-1"),
        embed_jwk: false,
    };
    let token = issuer
        .sign_jws(Algorithm::EdDSA, &header, claims.as_bytes())
        .unwrap();
    let proof =
        create_dpop_proof(&client, None, &request(None), Some(&token), NOW, &[3; 16]).unwrap();

    let authorization = format!("DPoP {token}");
    let mut cache = ReplayCache::new(4).unwrap();
    let validate = |cache: &mut ReplayCache| {
        let (mut buffer, mut proof_buffer) = (TokenBuffer::new(), TokenBuffer::new());
        validator
            .validate_dpop(
                authorization.as_bytes(),
                proof.as_bytes(),
                &request(None),
                &DpopVerifier::new(),
                cache,
                NOW,
                &mut buffer,
                &mut proof_buffer,
            )
            .map(|_| ())
    };
    assert_eq!(validate(&mut cache), Ok(()));
    assert!(matches!(
        validate(&mut cache),
        Err(Error::InvalidDpopProof { .. })
    ));
}

#[test]
fn create_inputs_rejected() {
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .into_signing_key();
    let field = |result: Result<String, Error>| match result {
        Err(Error::InvalidConfig { field, .. }) => field,
        other => panic!("expected InvalidConfig, got {other:?}"),
    };
    for len in [0, 15, 65] {
        let result = create_dpop_proof(&key, None, &request(None), None, NOW, &vec![1; len]);
        assert_eq!(field(result), "jti_random", "{len} bytes");
    }
    let empty_method = DpopRequest {
        method: "",
        uri: URI,
        nonce: None,
    };
    let result = create_dpop_proof(&key, None, &empty_method, None, NOW, &[1; 16]);
    assert_eq!(field(result), "request");

    let (rsa, _) = client_keys().remove(0);
    let result = create_dpop_proof(&rsa, None, &request(None), None, NOW, &[1; 16]);
    assert_eq!(field(result), "alg");

    let secret = SigningKey::hmac_secret(Algorithm::HS256, &[5; 32]).unwrap();
    let result = create_dpop_proof(&secret, None, &request(None), None, NOW, &[1; 16]);
    assert_eq!(
        result.err(),
        Some(Error::KeyMismatch {
            reason: MismatchReason::Algorithm
        })
    );
}
