//! JWT client assertions (RFC 7523) on the receiving side.

mod signing;

use serde_json::{json, Value};

use signing::{key_set_json, with_corrupted_signature, SigningKey, NOW};
use tokenguard::{
    AlgSet, Algorithm, AssertionVerifier, Error, ExpiryRule, JwkSet, ReplayCache, TokenBuffer,
    DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS,
};

const CLIENT_ID: &str = "billing-service";
const TOKEN_ENDPOINT: &str = "https://auth.tokenguard.test/token";

struct Client {
    key: SigningKey,
    keys: JwkSet,
}

impl Client {
    fn new(alg: Algorithm) -> Self {
        let key = SigningKey::for_algorithm(alg, "client-key", 1);
        let keys = JwkSet::from_json(key_set_json(&[key.public_jwk()]).as_bytes()).unwrap();
        Self { key, keys }
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        self.key
            .sign_compact(&header.to_string(), &claims.to_string())
    }

    fn assertion(&self, claims: &Value) -> String {
        self.sign(&header(&self.key), claims)
    }
}

fn header(key: &SigningKey) -> Value {
    json!({ "alg": key.alg().name(), "kid": key.kid(), "typ": "JWT" })
}

fn claims(jti: &str) -> Value {
    json!({
        "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_ENDPOINT,
        "exp": NOW + 60, "iat": NOW, "jti": jti,
    })
}

fn verifier() -> AssertionVerifier {
    AssertionVerifier::new(&[TOKEN_ENDPOINT, "https://auth.tokenguard.test"]).unwrap()
}

fn verify_with(
    verifier: &AssertionVerifier,
    client: &Client,
    assertion: &str,
    client_id: Option<&str>,
    cache: &mut ReplayCache,
) -> Result<String, Error> {
    let mut buffer = TokenBuffer::new();
    verifier
        .verify(
            assertion.as_bytes(),
            client_id,
            &client.keys,
            cache,
            NOW,
            &mut buffer,
        )
        .map(|verified| verified.client_id().to_string())
}

fn verify(client: &Client, assertion: &str) -> Result<String, Error> {
    let mut cache = ReplayCache::new(8).unwrap();
    verify_with(&verifier(), client, assertion, Some(CLIENT_ID), &mut cache)
}

fn with(name: &str, value: Option<Value>) -> Value {
    let mut claims = claims("a-1");
    let object = claims.as_object_mut().unwrap();
    match value {
        Some(value) => object.insert(name.into(), value),
        None => object.remove(name),
    };
    claims
}

fn missing(claim: &str) -> Error {
    Error::MissingClaim {
        claim: claim.try_into().unwrap(),
    }
}

fn invalid(claim: &str) -> Error {
    Error::InvalidClaim {
        claim: claim.try_into().unwrap(),
    }
}

#[test]
fn assertion_accepted_per_algorithm() {
    for alg in [
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::RS256,
        Algorithm::PS256,
    ] {
        let client = Client::new(alg);
        let assertion = client.assertion(&claims("a-1"));
        assert_eq!(
            verify(&client, &assertion),
            Ok(CLIENT_ID.to_owned()),
            "{alg}"
        );
    }
}

#[test]
fn replayed_assertion_rejected() {
    let client = Client::new(Algorithm::ES256);
    let assertion = client.assertion(&claims("a-1"));
    let mut cache = ReplayCache::new(8).unwrap();
    let verifier = verifier();
    assert!(verify_with(&verifier, &client, &assertion, None, &mut cache).is_ok());
    assert_eq!(
        verify_with(&verifier, &client, &assertion, None, &mut cache),
        Err(Error::Replayed)
    );
    // Another jti from the same client is a new assertion.
    let next = client.assertion(&claims("a-2"));
    assert!(verify_with(&verifier, &client, &next, None, &mut cache).is_ok());
}

#[test]
fn rejected_assertion_not_recorded() {
    let client = Client::new(Algorithm::ES256);
    let assertion = client.assertion(&claims("a-1"));
    let mut cache = ReplayCache::new(8).unwrap();
    let verifier = verifier();
    assert_eq!(
        verify_with(&verifier, &client, &assertion, Some("other"), &mut cache),
        Err(Error::WrongIssuer)
    );
    assert!(cache.is_empty());
    assert!(verify_with(&verifier, &client, &assertion, Some(CLIENT_ID), &mut cache).is_ok());
}

#[test]
fn full_cache_rejects() {
    let client = Client::new(Algorithm::ES256);
    let mut cache = ReplayCache::new(1).unwrap();
    let verifier = verifier();
    let first = client.assertion(&claims("a-1"));
    let second = client.assertion(&claims("a-2"));
    assert!(verify_with(&verifier, &client, &first, None, &mut cache).is_ok());
    assert_eq!(
        verify_with(&verifier, &client, &second, None, &mut cache),
        Err(Error::ReplayCacheFull { capacity: 1 })
    );
}

#[test]
fn issuer_and_subject_checked() {
    let client = Client::new(Algorithm::ES256);
    let cases = [
        (with("iss", None), missing("iss")),
        (with("sub", None), missing("sub")),
        (with("sub", Some(json!("someone-else"))), invalid("sub")),
        (with("iss", Some(json!("someone-else"))), invalid("sub")),
    ];
    for (claims, expected) in cases {
        assert_eq!(
            verify(&client, &client.assertion(&claims)),
            Err(expected),
            "{claims}"
        );
    }
    // `iss` and `sub` agree but name another client than the request.
    let other = json!({
        "iss": "other", "sub": "other", "aud": TOKEN_ENDPOINT,
        "exp": NOW + 60, "jti": "a-1",
    });
    assert_eq!(
        verify(&client, &client.assertion(&other)),
        Err(Error::WrongIssuer)
    );
}

#[test]
fn audience_checked() {
    let client = Client::new(Algorithm::ES256);
    assert_eq!(
        verify(&client, &client.assertion(&with("aud", None))),
        Err(missing("aud"))
    );
    assert_eq!(
        verify(
            &client,
            &client.assertion(&with("aud", Some(json!("https://api.tokenguard.test"))))
        ),
        Err(Error::WrongAudience)
    );
    let issuer_audience = with("aud", Some(json!(["x", "https://auth.tokenguard.test"])));
    assert!(verify(&client, &client.assertion(&issuer_audience)).is_ok());
}

#[test]
fn lifetime_checked() {
    let client = Client::new(Algorithm::ES256);
    let max = i64::from(DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS);
    // Leeway is 30 s by default.
    let cases = [
        (with("exp", None), Err(missing("exp"))),
        (
            with("exp", Some(json!(NOW - 30))),
            Err(Error::Expired {
                rule: ExpiryRule::Exp,
                at: NOW - 30,
                now: NOW,
            }),
        ),
        (with("exp", Some(json!(NOW - 29))), Ok(())),
        (with("exp", Some(json!(NOW + max + 30))), Ok(())),
        (
            with("exp", Some(json!(NOW + max + 31))),
            Err(invalid("exp")),
        ),
        (
            with("nbf", Some(json!(NOW + 31))),
            Err(Error::NotYetValid {
                nbf: NOW + 31,
                now: NOW,
            }),
        ),
        (
            with("iat", Some(json!(NOW + 31))),
            Err(Error::IssuedInFuture {
                iat: NOW + 31,
                now: NOW,
            }),
        ),
        (with("jti", None), Err(missing("jti"))),
        (with("jti", Some(json!(""))), Err(missing("jti"))),
    ];
    for (claims, expected) in cases {
        let outcome = verify(&client, &client.assertion(&claims)).map(|_| ());
        assert_eq!(outcome, expected, "{claims}");
    }
}

#[test]
fn other_token_types_rejected() {
    let client = Client::new(Algorithm::ES256);
    for typ in ["at+jwt", "dpop+jwt", "token-introspection+jwt"] {
        let mut header = header(&client.key);
        header["typ"] = json!(typ);
        assert_eq!(
            verify(&client, &client.sign(&header, &claims("a-1"))),
            Err(Error::WrongType),
            "{typ}"
        );
    }
    let mut untyped = header(&client.key);
    untyped.as_object_mut().unwrap().remove("typ");
    assert!(verify(&client, &client.sign(&untyped, &claims("a-1"))).is_ok());
}

#[test]
fn signature_checked() {
    let client = Client::new(Algorithm::ES256);
    let assertion = client.assertion(&claims("a-1"));
    assert_eq!(
        verify(&client, &with_corrupted_signature(&assertion)),
        Err(Error::BadSignature)
    );
    let stranger = Client::new(Algorithm::ES256);
    assert_eq!(
        verify(&client, &stranger.assertion(&claims("a-1"))),
        Err(Error::BadSignature)
    );
}

#[test]
fn verifier_config_checked() {
    assert!(matches!(
        AssertionVerifier::new(&[]),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        AssertionVerifier::new(&[""]),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        verifier().with_algorithms(AlgSet::EMPTY),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(matches!(
        verifier().with_leeway(301),
        Err(Error::InvalidConfig { .. })
    ));

    // A verifier narrowed to ES384 rejects an ES256 assertion before its key.
    let client = Client::new(Algorithm::ES256);
    let es384 = verifier()
        .with_algorithms(AlgSet::of(&[Algorithm::ES384]))
        .unwrap();
    let mut cache = ReplayCache::new(1).unwrap();
    let outcome = verify_with(
        &es384,
        &client,
        &client.assertion(&claims("a-1")),
        None,
        &mut cache,
    );
    assert!(matches!(outcome, Err(Error::UnsupportedAlg { .. })));
}
