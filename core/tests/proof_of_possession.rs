//! Sender-constrained tokens: DPoP proofs (RFC 9449) and certificate-bound tokens
//! (RFC 8705).

mod signing;

use ring::digest::{digest, SHA256};
use serde_json::{json, Value};

use signing::{encode, key_set_json, with_corrupted_signature, SigningKey, AUDIENCE, ISSUER, NOW};
use tokenguard::{
    AlgSet, Algorithm, DpopFault, DpopRequest, DpopVerifier, Error, Fault, Jwk, JwkSet, Part,
    Policy, ReplayCache, TokenBuffer, Validator, DEFAULT_DPOP_MAX_AGE_SECONDS,
};

const URI: &str = "https://api.tokenguard.test/orders";
const EXP: i64 = NOW + 600;

struct Fixture {
    issuer: SigningKey,
    client: SigningKey,
    validator: Validator,
}

impl Fixture {
    fn new() -> Self {
        let issuer = SigningKey::generate(Algorithm::ES256, "issuer-1");
        let client = SigningKey::generate(Algorithm::ES256, "client");
        let keys = JwkSet::from_json(key_set_json(&[issuer.public_jwk()]).as_bytes()).unwrap();
        let policy = Policy::builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .build()
            .unwrap();
        Self {
            issuer,
            client,
            validator: Validator::new(policy, keys),
        }
    }

    /// Signs an access token with the given `cnf`, or none.
    fn token(&self, cnf: Option<Value>) -> String {
        let mut claims = json!({
            "iss": ISSUER, "aud": AUDIENCE, "exp": EXP, "iat": NOW - 10,
            "sub": "user-42", "jti": "at-1",
        });
        if let Some(cnf) = cnf {
            claims["cnf"] = cnf;
        }
        self.issuer.sign_access_token(&claims.to_string())
    }

    fn bound_token(&self) -> String {
        self.token(Some(json!({ "jkt": jkt(&self.client) })))
    }
}

/// Returns the base64url RFC 7638 thumbprint of a key's public JWK.
fn jkt(key: &SigningKey) -> String {
    let jwk = Jwk::from_json(key.public_jwk().as_bytes()).unwrap();
    encode(&jwk.thumbprint())
}

fn ath(token: &str) -> String {
    encode(digest(&SHA256, token.as_bytes()).as_ref())
}

/// The claims of a valid proof for `GET` [`URI`] with `token`.
fn proof_claims(token: Option<&str>, jti: &str) -> Value {
    let mut claims = json!({ "jti": jti, "htm": "GET", "htu": URI, "iat": NOW });
    if let Some(token) = token {
        claims["ath"] = json!(ath(token));
    }
    claims
}

fn proof_header(key: &SigningKey) -> Value {
    let jwk: Value = serde_json::from_str(&key.public_jwk()).unwrap();
    json!({ "typ": "dpop+jwt", "alg": key.alg().name(), "jwk": jwk })
}

fn sign(key: &SigningKey, header: &Value, claims: &Value) -> String {
    key.sign_compact(&header.to_string(), &claims.to_string())
}

fn get() -> DpopRequest<'static> {
    DpopRequest {
        method: "GET",
        uri: URI,
        nonce: None,
    }
}

fn cache() -> ReplayCache {
    ReplayCache::new(16).unwrap()
}

/// Verifies a proof alone, without an access token.
fn verify(proof: &str, request: &DpopRequest<'_>, cache: &mut ReplayCache) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    DpopVerifier::new()
        .verify(proof.as_bytes(), request, None, cache, NOW, &mut buffer)
        .map(|_| ())
}

fn validate(
    fixture: &Fixture,
    authorization: &str,
    proof: &str,
    request: &DpopRequest<'_>,
    cache: &mut ReplayCache,
) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    let mut proof_buffer = TokenBuffer::new();
    fixture
        .validator
        .validate_dpop(
            authorization.as_bytes(),
            proof.as_bytes(),
            request,
            &DpopVerifier::new(),
            cache,
            NOW,
            &mut buffer,
            &mut proof_buffer,
        )
        .map(|_| ())
}

fn invalid(fault: DpopFault) -> Error {
    Error::InvalidDpopProof { fault }
}

#[test]
fn bound_token_with_proof_accepted() {
    let fixture = Fixture::new();
    let token = fixture.bound_token();
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(Some(&token), "p-1"),
    );
    let mut cache = cache();
    let authorization = format!("DPoP {token}");
    assert_eq!(
        validate(&fixture, &authorization, &proof, &get(), &mut cache),
        Ok(())
    );
    assert_eq!(cache.len(), 1);
}

#[test]
fn replayed_proof_rejected() {
    let fixture = Fixture::new();
    let token = fixture.bound_token();
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(Some(&token), "p-1"),
    );
    let mut cache = cache();
    let authorization = format!("DPoP {token}");
    assert_eq!(
        validate(&fixture, &authorization, &proof, &get(), &mut cache),
        Ok(())
    );
    assert_eq!(
        validate(&fixture, &authorization, &proof, &get(), &mut cache),
        Err(invalid(DpopFault::Replayed))
    );
}

#[test]
fn proof_by_another_key_rejected() {
    let fixture = Fixture::new();
    let token = fixture.bound_token();
    let thief = SigningKey::generate(Algorithm::ES256, "thief");
    let proof = sign(
        &thief,
        &proof_header(&thief),
        &proof_claims(Some(&token), "p-1"),
    );
    assert_eq!(
        validate(
            &fixture,
            &format!("DPoP {token}"),
            &proof,
            &get(),
            &mut cache()
        ),
        Err(invalid(DpopFault::KeyBinding))
    );
}

#[test]
fn unbound_token_rejected_with_dpop() {
    let fixture = Fixture::new();
    let token = fixture.token(None);
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(Some(&token), "p-1"),
    );
    assert_eq!(
        validate(
            &fixture,
            &format!("DPoP {token}"),
            &proof,
            &get(),
            &mut cache()
        ),
        Err(invalid(DpopFault::KeyBinding))
    );
}

#[test]
fn dpop_rejects_certificate_bound_token() {
    let fixture = Fixture::new();
    // Bound to the proof's key and to a client certificate: the DPoP proof alone
    // does not show possession of the certificate.
    let token = fixture.token(Some(json!({
        "jkt": jkt(&fixture.client),
        "x5t#S256": x5t(CERTIFICATE),
    })));
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(Some(&token), "p-1"),
    );
    let mut cache = cache();
    assert_eq!(
        validate(
            &fixture,
            &format!("DPoP {token}"),
            &proof,
            &get(),
            &mut cache
        ),
        Err(Error::ProofOfPossessionRequired)
    );
    // The proof was not spent on the rejected token.
    assert!(cache.is_empty());

    // A token bound only to a certificate is not DPoP-bound.
    let token = fixture.token(Some(json!({ "x5t#S256": x5t(CERTIFICATE) })));
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(Some(&token), "p-2"),
    );
    assert_eq!(
        validate(
            &fixture,
            &format!("DPoP {token}"),
            &proof,
            &get(),
            &mut cache
        ),
        Err(invalid(DpopFault::KeyBinding))
    );
}

#[test]
fn bound_token_rejected_as_bearer() {
    let fixture = Fixture::new();
    let token = fixture.bound_token();
    let mut buffer = TokenBuffer::new();
    assert_eq!(
        fixture.validator.validate(&token, NOW, &mut buffer).err(),
        Some(Error::ProofOfPossessionRequired)
    );
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(Some(&token), "p-1"),
    );
    assert_eq!(
        validate(
            &fixture,
            &format!("Bearer {token}"),
            &proof,
            &get(),
            &mut cache()
        ),
        Err(Error::Malformed {
            part: Part::AuthorizationHeader,
            fault: Fault::Scheme
        })
    );
}

#[test]
fn proof_for_other_token_rejected() {
    let fixture = Fixture::new();
    let token = fixture.bound_token();
    let other = fixture.token(Some(json!({ "jkt": jkt(&fixture.client), "x": 1 })));
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(Some(&other), "p-1"),
    );
    assert_eq!(
        validate(
            &fixture,
            &format!("DPoP {token}"),
            &proof,
            &get(),
            &mut cache()
        ),
        Err(invalid(DpopFault::AccessTokenHash))
    );
}

#[test]
fn request_mismatch_rejected() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let proof = sign(&client, &header, &proof_claims(None, "p-1"));
    let post = DpopRequest {
        method: "POST",
        ..get()
    };
    assert_eq!(
        verify(&proof, &post, &mut cache()),
        Err(invalid(DpopFault::Method))
    );
    let lower = DpopRequest {
        method: "get",
        ..get()
    };
    assert_eq!(
        verify(&proof, &lower, &mut cache()),
        Err(invalid(DpopFault::Method))
    );
    let other_path = DpopRequest {
        uri: "https://api.tokenguard.test/payments",
        ..get()
    };
    assert_eq!(
        verify(&proof, &other_path, &mut cache()),
        Err(invalid(DpopFault::Uri))
    );
    let other_host = DpopRequest {
        uri: "https://evil.tokenguard.test/orders",
        ..get()
    };
    assert_eq!(
        verify(&proof, &other_host, &mut cache()),
        Err(invalid(DpopFault::Uri))
    );
    let with_query = DpopRequest {
        uri: "HTTPS://API.tokenguard.test:443/orders?page=2#top",
        ..get()
    };
    assert_eq!(verify(&proof, &with_query, &mut cache()), Ok(()));
}

#[test]
fn issued_at_window_checked() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let at = |iat: i64| {
        let mut claims = proof_claims(None, &format!("p-{iat}"));
        claims["iat"] = json!(iat);
        sign(&client, &header, &claims)
    };
    let max_age = i64::from(DEFAULT_DPOP_MAX_AGE_SECONDS);
    // The default leeway of 30 s applies on both sides.
    assert_eq!(
        verify(&at(NOW - max_age - 29), &get(), &mut cache()),
        Ok(())
    );
    assert_eq!(
        verify(&at(NOW - max_age - 30), &get(), &mut cache()),
        Err(invalid(DpopFault::IssuedAt))
    );
    assert_eq!(verify(&at(NOW + 30), &get(), &mut cache()), Ok(()));
    assert_eq!(
        verify(&at(NOW + 31), &get(), &mut cache()),
        Err(invalid(DpopFault::IssuedAt))
    );
}

#[test]
fn required_claims_checked() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let cases = [
        ("jti", None),
        ("jti", Some(json!(""))),
        ("jti", Some(json!(7))),
        ("htm", None),
        ("htm", Some(json!(["GET"]))),
        ("htu", None),
        ("iat", None),
        ("iat", Some(json!("now"))),
    ];
    for (claim, value) in cases {
        let mut claims = proof_claims(None, "p-1");
        match value.clone() {
            Some(value) => claims[claim] = value,
            None => {
                claims.as_object_mut().unwrap().remove(claim);
            }
        }
        let outcome = verify(&sign(&client, &header, &claims), &get(), &mut cache());
        let Err(Error::InvalidDpopProof {
            fault: DpopFault::MissingClaim { claim: reported },
        }) = outcome
        else {
            panic!("{claim}: {value:?}: {outcome:?}");
        };
        assert_eq!(reported, claim, "{value:?}");
    }
}

#[test]
fn ath_required_with_token() {
    let fixture = Fixture::new();
    let token = fixture.bound_token();
    let proof = sign(
        &fixture.client,
        &proof_header(&fixture.client),
        &proof_claims(None, "p-1"),
    );
    assert_eq!(
        validate(
            &fixture,
            &format!("DPoP {token}"),
            &proof,
            &get(),
            &mut cache()
        ),
        Err(invalid(DpopFault::MissingClaim { claim: "ath" }))
    );
}

#[test]
fn header_checked() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let claims = proof_claims(None, "p-1");
    let mut header = proof_header(&client);

    header["typ"] = json!("JWT");
    assert_eq!(
        verify(&sign(&client, &header, &claims), &get(), &mut cache()),
        Err(invalid(DpopFault::Type))
    );

    let mut no_jwk = proof_header(&client);
    no_jwk.as_object_mut().unwrap().remove("jwk");
    assert_eq!(
        verify(&sign(&client, &no_jwk, &claims), &get(), &mut cache()),
        Err(invalid(DpopFault::Key))
    );

    // A private key in the header is never accepted, even when it signed.
    let mut private = proof_header(&client);
    private["jwk"]["d"] = json!(encode(&[7; 32]));
    assert_eq!(
        verify(&sign(&client, &private, &claims), &get(), &mut cache()),
        Err(invalid(DpopFault::Key))
    );

    // The header names a key other than the one that signed.
    let other = SigningKey::generate(Algorithm::ES256, "other");
    assert_eq!(
        verify(
            &sign(&client, &proof_header(&other), &claims),
            &get(),
            &mut cache()
        ),
        Err(invalid(DpopFault::Signature))
    );
    let proof = sign(&client, &proof_header(&client), &claims);
    assert_eq!(
        verify(&with_corrupted_signature(&proof), &get(), &mut cache()),
        Err(invalid(DpopFault::Signature))
    );
}

#[test]
fn symmetric_and_none_algorithms_rejected() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let claims = proof_claims(None, "p-1");
    let secret = SigningKey::hmac(Algorithm::HS256, "s", &[9; 32]);
    let mut header = json!({ "typ": "dpop+jwt", "alg": "HS256",
        "jwk": { "kty": "oct", "k": encode(&[9; 32]) } });
    assert_eq!(
        verify(&sign(&secret, &header, &claims), &get(), &mut cache()),
        Err(invalid(DpopFault::Algorithm))
    );
    header["alg"] = json!("none");
    let unsigned = format!(
        "{}.{}.",
        encode(header.to_string().as_bytes()),
        encode(claims.to_string().as_bytes())
    );
    assert_eq!(
        verify(&unsigned, &get(), &mut cache()),
        Err(invalid(DpopFault::Algorithm))
    );
    // A proof signed with an algorithm the verifier does not allow.
    let es384_only = DpopVerifier::new()
        .with_algorithms(AlgSet::of(&[Algorithm::ES384]))
        .unwrap();
    let proof = sign(&client, &proof_header(&client), &claims);
    let mut buffer = TokenBuffer::new();
    let outcome = es384_only.verify(
        proof.as_bytes(),
        &get(),
        None,
        &mut cache(),
        NOW,
        &mut buffer,
    );
    assert_eq!(outcome.err(), Some(invalid(DpopFault::Algorithm)));
    assert!(matches!(
        DpopVerifier::new().with_algorithms(AlgSet::of(&[Algorithm::HS256])),
        Err(Error::InvalidConfig { .. })
    ));
}

#[test]
fn nonce_required_when_set() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let request = DpopRequest {
        nonce: Some("n-42"),
        ..get()
    };
    let without = sign(&client, &header, &proof_claims(None, "p-1"));
    assert_eq!(
        verify(&without, &request, &mut cache()),
        Err(Error::UseDpopNonce)
    );
    let mut claims = proof_claims(None, "p-2");
    claims["nonce"] = json!("n-41");
    assert_eq!(
        verify(&sign(&client, &header, &claims), &request, &mut cache()),
        Err(Error::UseDpopNonce)
    );
    claims["nonce"] = json!("n-42");
    assert_eq!(
        verify(&sign(&client, &header, &claims), &request, &mut cache()),
        Ok(())
    );
    assert_eq!(Error::UseDpopNonce.http_status(), 401);
    assert_eq!(
        Error::UseDpopNonce.bearer_error().unwrap().as_str(),
        "use_dpop_nonce"
    );
}

#[test]
fn failed_proofs_not_recorded() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let proof = sign(&client, &proof_header(&client), &proof_claims(None, "p-1"));
    let mut cache = cache();
    let post = DpopRequest {
        method: "POST",
        ..get()
    };
    assert!(verify(&proof, &post, &mut cache).is_err());
    assert!(cache.is_empty());
    assert_eq!(verify(&proof, &get(), &mut cache), Ok(()));
}

#[test]
fn full_replay_cache_rejects() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let mut cache = ReplayCache::new(1).unwrap();
    let first = sign(&client, &header, &proof_claims(None, "p-1"));
    let second = sign(&client, &header, &proof_claims(None, "p-2"));
    assert_eq!(verify(&first, &get(), &mut cache), Ok(()));
    assert_eq!(
        verify(&second, &get(), &mut cache),
        Err(Error::ReplayCacheFull { capacity: 1 })
    );
    // Once the first proof can no longer pass the time checks, its entry goes.
    let later = NOW + i64::from(DEFAULT_DPOP_MAX_AGE_SECONDS) + 30 + 2;
    assert_eq!(cache.evict_expired(later), 1);
}

/// Verifies a proof alone at `now`.
fn verify_at(proof: &str, cache: &mut ReplayCache, now: i64) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    DpopVerifier::new()
        .verify(proof.as_bytes(), &get(), None, cache, now, &mut buffer)
        .map(|_| ())
}

/// A proof for `GET` [`URI`] issued at `iat`.
fn proof_at(client: &SigningKey, jti: &str, iat: i64) -> String {
    let mut claims = proof_claims(None, jti);
    claims["iat"] = json!(iat);
    sign(client, &proof_header(client), &claims)
}

#[test]
fn full_cache_evicts_expired_proof() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    // A proof issued at NOW passes the time checks until NOW + max age + leeway
    // (30 s by default), and its entry may be evicted one second after that.
    let last_accepted = NOW + i64::from(DEFAULT_DPOP_MAX_AGE_SECONDS) + 30 - 1;
    let mut cache = ReplayCache::new(1).unwrap();
    let first = proof_at(&client, "p-1", NOW);
    assert_eq!(verify_at(&first, &mut cache, NOW), Ok(()));

    let second = proof_at(&client, "p-2", last_accepted);
    assert_eq!(
        verify_at(&second, &mut cache, last_accepted + 2),
        Err(Error::ReplayCacheFull { capacity: 1 })
    );
    assert_eq!(cache.len(), 1);
    // One second later the first entry has expired: the insert evicts it.
    assert_eq!(verify_at(&second, &mut cache, last_accepted + 3), Ok(()));
    assert_eq!(cache.len(), 1);
    assert_eq!(
        verify_at(&second, &mut cache, last_accepted + 3),
        Err(invalid(DpopFault::Replayed))
    );
}

#[test]
fn proof_entry_outlives_acceptance() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let last_accepted = NOW + i64::from(DEFAULT_DPOP_MAX_AGE_SECONDS) + 30 - 1;
    let proof = proof_at(&client, "p-1", NOW);
    let mut cache = cache();
    assert_eq!(verify_at(&proof, &mut cache, NOW), Ok(()));
    // The last second the proof passes the time checks, the entry rejects it;
    // after that the `iat` window does.
    assert_eq!(
        verify_at(&proof, &mut cache, last_accepted),
        Err(invalid(DpopFault::Replayed))
    );
    assert_eq!(
        verify_at(&proof, &mut cache, last_accepted + 1),
        Err(invalid(DpopFault::IssuedAt))
    );
    // The entry is kept through two seconds after the last accepted one.
    assert_eq!(cache.clone().evict_expired(last_accepted + 2), 0);
    assert_eq!(cache.evict_expired(last_accepted + 3), 1);
}

#[test]
fn same_jti_other_key_accepted() {
    let first = SigningKey::generate(Algorithm::ES256, "a");
    let second = SigningKey::generate(Algorithm::EdDSA, "b");
    let mut cache = cache();
    let claims = proof_claims(None, "shared");
    assert_eq!(
        verify(
            &sign(&first, &proof_header(&first), &claims),
            &get(),
            &mut cache
        ),
        Ok(())
    );
    assert_eq!(
        verify(
            &sign(&second, &proof_header(&second), &claims),
            &get(),
            &mut cache
        ),
        Ok(())
    );
}

#[test]
fn thumbprint_returned() {
    let client = SigningKey::generate(Algorithm::EdDSA, "client");
    let proof = sign(&client, &proof_header(&client), &proof_claims(None, "p-1"));
    let mut buffer = TokenBuffer::new();
    let verified = DpopVerifier::new()
        .verify(
            proof.as_bytes(),
            &get(),
            None,
            &mut cache(),
            NOW,
            &mut buffer,
        )
        .unwrap();
    assert_eq!(encode(verified.thumbprint()), jkt(&client));
    assert_eq!(verified.issued_at(), NOW);
}

/// A stand-in for a client certificate's DER bytes: only their hash matters here.
const CERTIFICATE: &[u8] = b"0\x82\x01\x0a certificate bytes for the test";

fn x5t(certificate: &[u8]) -> String {
    encode(digest(&SHA256, certificate).as_ref())
}

fn certificate_bound(fixture: &Fixture, token: &str, certificate: &[u8]) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    fixture
        .validator
        .validate_certificate_bound(token, certificate, NOW, &mut buffer)
        .map(|_| ())
}

#[test]
fn certificate_bound_token_accepted() {
    let fixture = Fixture::new();
    let token = fixture.token(Some(json!({ "x5t#S256": x5t(CERTIFICATE) })));
    assert_eq!(certificate_bound(&fixture, &token, CERTIFICATE), Ok(()));
    let mut buffer = TokenBuffer::new();
    assert_eq!(
        fixture.validator.validate(&token, NOW, &mut buffer).err(),
        Some(Error::ProofOfPossessionRequired)
    );
}

#[test]
fn other_certificate_rejected() {
    let fixture = Fixture::new();
    let token = fixture.token(Some(json!({ "x5t#S256": x5t(CERTIFICATE) })));
    assert_eq!(
        certificate_bound(&fixture, &token, b"another certificate"),
        Err(Error::CertificateMismatch)
    );
    assert_eq!(
        certificate_bound(&fixture, &token, b""),
        Err(Error::CertificateMismatch)
    );
    // A thumbprint that is not canonical base64url of 32 bytes matches nothing.
    for bad in [
        format!("{}=", x5t(CERTIFICATE)),
        x5t(CERTIFICATE).to_uppercase(),
        encode(&[1; 20]),
    ] {
        let token = fixture.token(Some(json!({ "x5t#S256": bad })));
        assert_eq!(
            certificate_bound(&fixture, &token, CERTIFICATE),
            Err(Error::CertificateMismatch),
            "{bad}"
        );
    }
}

#[test]
fn unbound_token_rejected_for_certificate() {
    let fixture = Fixture::new();
    let missing = Err(Error::MissingClaim {
        claim: "cnf".try_into().unwrap(),
    });
    assert_eq!(
        certificate_bound(&fixture, &fixture.token(None), CERTIFICATE),
        missing
    );
    let dpop_bound = fixture.bound_token();
    assert_eq!(
        certificate_bound(&fixture, &dpop_bound, CERTIFICATE),
        missing
    );
    let both = fixture.token(Some(
        json!({ "x5t#S256": x5t(CERTIFICATE), "jkt": jkt(&fixture.client) }),
    ));
    assert_eq!(
        certificate_bound(&fixture, &both, CERTIFICATE),
        Err(Error::ProofOfPossessionRequired)
    );
}
