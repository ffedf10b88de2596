//! JWT client assertions (RFC 7523) on the receiving side.

mod signing;

use serde_json::{json, Value};

use signing::{key_set_json, with_corrupted_signature, SigningKey, NOW};
use tokenguard::{
    AlgSet, Algorithm, AssertionVerifier, ClientRegistry, Error, ExpiryRule, JwkSet, Part,
    ReplayCache, TokenBuffer, DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS,
};

const CLIENT_ID: &str = "billing-service";
const TOKEN_ENDPOINT: &str = "https://auth.tokenguard.test/token";

/// A client's signing key, and a registry in which its public key is registered
/// for `CLIENT_ID`.
struct Client {
    key: SigningKey,
    clients: ClientRegistry,
}

impl Client {
    fn new(alg: Algorithm) -> Self {
        let key = SigningKey::for_algorithm(alg, "client-key", 1);
        let mut clients = ClientRegistry::new();
        clients.insert(CLIENT_ID, public_keys(&key)).unwrap();
        Self { key, clients }
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        self.key
            .sign_compact(&header.to_string(), &claims.to_string())
    }

    fn assertion(&self, claims: &Value) -> String {
        self.sign(&header(&self.key), claims)
    }
}

fn public_keys(key: &SigningKey) -> JwkSet {
    JwkSet::from_json(key_set_json(&[key.public_jwk()]).as_bytes()).unwrap()
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
            &client.clients,
            cache,
            NOW,
            &mut buffer,
        )
        .map(|verified| verified.client_id().to_string())
}

/// Verifies `assertion` at `now`, without a request client id.
fn verify_at(
    verifier: &AssertionVerifier,
    client: &Client,
    assertion: &str,
    cache: &mut ReplayCache,
    now: i64,
) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    verifier
        .verify(
            assertion.as_bytes(),
            None,
            &client.clients,
            cache,
            now,
            &mut buffer,
        )
        .map(|_| ())
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
    let mut client = Client::new(Algorithm::ES256);
    // The same key registered for another client verifies the signature, and
    // the `iss` check after it rejects the assertion.
    let keys = public_keys(&client.key);
    client.clients.insert("other", keys).unwrap();
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

/// The claims of an assertion issued at `iat` that expires at `exp`.
fn claims_at(jti: &str, iat: i64, exp: Value) -> Value {
    let mut claims = claims(jti);
    claims["iat"] = json!(iat);
    claims["exp"] = exp;
    claims
}

#[test]
fn full_cache_evicts_expired_assertion() {
    let client = Client::new(Algorithm::ES256);
    let mut cache = ReplayCache::new(1).unwrap();
    let verifier = verifier();
    // With the default leeway of 30 s, the entry of an assertion expiring at
    // NOW + 60 may be evicted after NOW + 91 (exp + leeway + 1).
    let first = client.assertion(&claims_at("a-1", NOW, json!(NOW + 60)));
    assert_eq!(
        verify_at(&verifier, &client, &first, &mut cache, NOW),
        Ok(())
    );

    let second = client.assertion(&claims_at("a-2", NOW + 80, json!(NOW + 150)));
    assert_eq!(
        verify_at(&verifier, &client, &second, &mut cache, NOW + 91),
        Err(Error::ReplayCacheFull { capacity: 1 })
    );
    assert_eq!(cache.len(), 1);
    // One second later the first entry has expired: the insert evicts it.
    assert_eq!(
        verify_at(&verifier, &client, &second, &mut cache, NOW + 92),
        Ok(())
    );
    assert_eq!(cache.len(), 1);
    assert_eq!(
        verify_at(&verifier, &client, &second, &mut cache, NOW + 92),
        Err(Error::Replayed)
    );
}

#[test]
fn assertion_entry_outlives_acceptance() {
    let client = Client::new(Algorithm::ES256);
    let verifier = verifier();
    let exp = NOW + 60;
    let assertion = client.assertion(&claims_at("a-1", NOW, json!(exp)));
    let mut cache = ReplayCache::new(4).unwrap();
    assert_eq!(
        verify_at(&verifier, &client, &assertion, &mut cache, NOW),
        Ok(())
    );

    // The last second at which the assertion passes the time checks (leeway
    // 30 s), the entry still rejects it; from exp + leeway the time check does.
    assert_eq!(
        verify_at(&verifier, &client, &assertion, &mut cache, exp + 29),
        Err(Error::Replayed)
    );
    assert!(matches!(
        verify_at(&verifier, &client, &assertion, &mut cache, exp + 30),
        Err(Error::Expired { .. })
    ));
    // The entry is kept through exp + leeway + 1 and evicted after it.
    assert_eq!(cache.clone().evict_expired(exp + 31), 0);
    assert_eq!(cache.evict_expired(exp + 32), 1);
    assert!(cache.is_empty());
}

#[test]
fn fractional_exp_entry_outlives_acceptance() {
    // exp NOW + 60.5 passes the time checks at NOW + 90, and the entry, kept
    // from the whole seconds of exp, still covers that second.
    let client = Client::new(Algorithm::ES256);
    let verifier = verifier();
    let exp = json!(NOW as f64 + 60.5);
    let assertion = client.assertion(&claims_at("a-1", NOW, exp));
    let mut cache = ReplayCache::new(4).unwrap();
    assert_eq!(
        verify_at(&verifier, &client, &assertion, &mut cache, NOW),
        Ok(())
    );
    assert_eq!(
        verify_at(&verifier, &client, &assertion, &mut cache, NOW + 90),
        Err(Error::Replayed)
    );
    assert!(matches!(
        verify_at(&verifier, &client, &assertion, &mut cache, NOW + 91),
        Err(Error::Expired { .. })
    ));
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

/// Two clients registered with one verifier, each with its own key; both keys
/// have the same `kid`, so that `kid` cannot tell them apart.
struct TwoClients {
    alpha: SigningKey,
    beta: SigningKey,
    clients: ClientRegistry,
}

impl TwoClients {
    fn new() -> Self {
        let alpha = SigningKey::generate(Algorithm::ES256, "client-key");
        let beta = SigningKey::generate(Algorithm::ES256, "client-key");
        let mut clients = ClientRegistry::new();
        clients.insert("alpha", public_keys(&alpha)).unwrap();
        clients.insert("beta", public_keys(&beta)).unwrap();
        Self {
            alpha,
            beta,
            clients,
        }
    }

    fn verify(&self, assertion: &str, client_id: Option<&str>) -> Result<String, Error> {
        let mut cache = ReplayCache::new(8).unwrap();
        let mut buffer = TokenBuffer::new();
        verifier()
            .verify(
                assertion.as_bytes(),
                client_id,
                &self.clients,
                &mut cache,
                NOW,
                &mut buffer,
            )
            .map(|verified| verified.client_id().to_string())
    }
}

fn claims_for(client_id: &str) -> Value {
    json!({
        "iss": client_id, "sub": client_id, "aud": TOKEN_ENDPOINT,
        "exp": NOW + 60, "iat": NOW, "jti": "a-1",
    })
}

fn signed(key: &SigningKey, claims: &Value) -> String {
    key.sign_compact(&header(key).to_string(), &claims.to_string())
}

#[test]
fn each_client_accepted_with_own_key() {
    let two = TwoClients::new();
    let alpha = signed(&two.alpha, &claims_for("alpha"));
    let beta = signed(&two.beta, &claims_for("beta"));
    assert_eq!(two.verify(&alpha, None), Ok("alpha".to_owned()));
    assert_eq!(two.verify(&alpha, Some("alpha")), Ok("alpha".to_owned()));
    assert_eq!(two.verify(&beta, None), Ok("beta".to_owned()));
    assert_eq!(two.verify(&beta, Some("beta")), Ok("beta".to_owned()));
}

#[test]
fn client_cannot_sign_for_another() {
    let two = TwoClients::new();
    // alpha signs an assertion that names beta: beta's keys do not verify it,
    // whether beta is named by `iss` alone or by the request too.
    let forged = signed(&two.alpha, &claims_for("beta"));
    assert_eq!(two.verify(&forged, None), Err(Error::BadSignature));
    assert_eq!(two.verify(&forged, Some("beta")), Err(Error::BadSignature));
    // With the request naming alpha, alpha's key verifies, but `iss` names beta.
    assert_eq!(two.verify(&forged, Some("alpha")), Err(Error::WrongIssuer));

    // A `kid` that only alpha's set has does not reach alpha's keys either.
    let mut header = header(&two.alpha);
    header["kid"] = json!("alpha-only");
    let mut clients = ClientRegistry::new();
    let alpha_keys = JwkSet::from_json(
        key_set_json(&[two.alpha.public_jwk().replace("client-key", "alpha-only")]).as_bytes(),
    )
    .unwrap();
    clients.insert("alpha", alpha_keys).unwrap();
    clients.insert("beta", public_keys(&two.beta)).unwrap();
    let forged = two
        .alpha
        .sign_compact(&header.to_string(), &claims_for("beta").to_string());
    let mut cache = ReplayCache::new(8).unwrap();
    let mut buffer = TokenBuffer::new();
    let outcome = verifier().verify(
        forged.as_bytes(),
        None,
        &clients,
        &mut cache,
        NOW,
        &mut buffer,
    );
    assert_eq!(outcome.map(|_| ()), Err(Error::UnknownKid));
}

#[test]
fn request_client_id_must_match() {
    let two = TwoClients::new();
    let alpha = signed(&two.alpha, &claims_for("alpha"));
    // Naming beta selects beta's keys, which do not verify alpha's signature.
    assert_eq!(two.verify(&alpha, Some("beta")), Err(Error::BadSignature));
    assert_eq!(two.verify(&alpha, Some("gamma")), Err(Error::UnknownClient));
}

#[test]
fn unknown_client_rejected() {
    let two = TwoClients::new();
    let stranger = SigningKey::generate(Algorithm::ES256, "client-key");
    let assertion = signed(&stranger, &claims_for("gamma"));
    assert_eq!(two.verify(&assertion, None), Err(Error::UnknownClient));
    assert_eq!(
        two.verify(&assertion, Some("gamma")),
        Err(Error::UnknownClient)
    );
    // A registered client's own key does not make an unknown `iss` acceptable.
    let assertion = signed(&two.alpha, &claims_for("gamma"));
    assert_eq!(two.verify(&assertion, None), Err(Error::UnknownClient));
}

#[test]
fn unverified_issuer_checked() {
    let two = TwoClients::new();
    // Without a request client_id the key lookup needs `iss` as a string.
    let mut no_iss = claims_for("alpha");
    no_iss.as_object_mut().unwrap().remove("iss");
    let mut number_iss = claims_for("alpha");
    number_iss["iss"] = json!(7);
    let mut null_iss = claims_for("alpha");
    null_iss["iss"] = Value::Null;
    let cases = [
        (no_iss, missing("iss")),
        (null_iss, missing("iss")),
        (number_iss, invalid("iss")),
    ];
    for (claims, expected) in cases {
        let assertion = signed(&two.alpha, &claims);
        assert_eq!(two.verify(&assertion, None), Err(expected), "{claims}");
    }

    let not_json = two
        .alpha
        .sign_compact(&header(&two.alpha).to_string(), "not json");
    assert!(matches!(
        two.verify(&not_json, None),
        Err(Error::Malformed {
            part: Part::Payload,
            ..
        })
    ));
    // An escaped `iss` selects the client it spells.
    let escaped = r#"{"iss":"\u0061lpha","sub":"alpha","aud":"https://auth.tokenguard.test/token","exp":1767225660,"jti":"a-1"}"#;
    let assertion = two
        .alpha
        .sign_compact(&header(&two.alpha).to_string(), escaped);
    assert_eq!(two.verify(&assertion, None), Ok("alpha".to_owned()));
}

#[test]
fn registry_rejects_bad_client_ids() {
    let key = SigningKey::generate(Algorithm::ES256, "client-key");
    let mut clients = ClientRegistry::new();
    assert!(clients.is_empty());
    assert!(matches!(
        clients.insert("", public_keys(&key)),
        Err(Error::InvalidConfig {
            field: "client_id",
            ..
        })
    ));
    clients.insert("alpha", public_keys(&key)).unwrap();
    assert!(matches!(
        clients.insert("alpha", public_keys(&key)),
        Err(Error::InvalidConfig {
            field: "client_id",
            ..
        })
    ));
    assert_eq!(clients.len(), 1);
    assert_eq!(clients.client_ids().collect::<Vec<_>>(), ["alpha"]);
}
