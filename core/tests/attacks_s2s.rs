//! Hostile inputs against the service-to-service surfaces: client assertions
//! (RFC 7523), DPoP proofs (RFC 9449), introspection responses (RFC 7662, RFC
//! 9701) and certificate-bound tokens (RFC 8705). Each test pins the secure
//! verdict: a specific error, never acceptance and never a panic.

mod signing;

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::digest::{digest, SHA256};
use serde_json::{json, Value};

use signing::{encode, key_set_json, SigningKey, AUDIENCE, ISSUER, NOW};
use tokenguard::{
    AlgRejection, AlgSet, Algorithm, AssertionVerifier, ClientRegistry, DpopFault, DpopRequest,
    DpopVerifier, Error, ExpiryRule, Fault, JwkSet, Part, Policy, ReplayCache, TokenBuffer,
    Validator,
};

const TOKEN_ENDPOINT: &str = "https://auth.tokenguard.test/token";

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

fn public_keys(keys: &[&SigningKey]) -> JwkSet {
    let jwks: Vec<String> = keys.iter().map(|key| key.public_jwk()).collect();
    JwkSet::from_json(key_set_json(&jwks).as_bytes()).unwrap()
}

fn secret_keys(key: &SigningKey) -> JwkSet {
    JwkSet::from_keys(vec![key.verifying_jwk()]).unwrap()
}

fn assertion_claims(client_id: &str, jti: &str) -> Value {
    json!({
        "iss": client_id, "sub": client_id, "aud": TOKEN_ENDPOINT,
        "exp": NOW + 60, "iat": NOW, "jti": jti,
    })
}

fn jwt_header(key: &SigningKey) -> Value {
    json!({ "alg": key.alg().name(), "kid": key.kid(), "typ": "JWT" })
}

/// Signs `payload`, given as exact text, with a `typ` `JWT` header.
fn sign_text(key: &SigningKey, payload: &str) -> String {
    key.sign_compact(&jwt_header(key).to_string(), payload)
}

fn sign_assertion(key: &SigningKey, claims: &Value) -> String {
    sign_text(key, &claims.to_string())
}

/// A verifier for client assertions and the registry it reads, with one cache
/// shared by every call so that replays show.
struct Receiver {
    verifier: AssertionVerifier,
    clients: ClientRegistry,
    cache: ReplayCache,
}

impl Receiver {
    fn new(clients: ClientRegistry) -> Self {
        Self::with_verifier(AssertionVerifier::new(&[TOKEN_ENDPOINT]).unwrap(), clients)
    }

    fn with_verifier(verifier: AssertionVerifier, clients: ClientRegistry) -> Self {
        Self {
            verifier,
            clients,
            cache: ReplayCache::new(64).unwrap(),
        }
    }

    /// Verifies `assertion` at `NOW` and returns the authenticated client.
    fn verify(&mut self, assertion: &str, client_id: Option<&str>) -> Result<String, Error> {
        let mut buffer = TokenBuffer::new();
        self.verifier
            .verify(
                assertion.as_bytes(),
                client_id,
                &self.clients,
                &mut self.cache,
                NOW,
                &mut buffer,
            )
            .map(|verified| verified.client_id().to_string())
    }
}

/// Returns the keys of two clients, `alpha` and `beta`, and a receiver that
/// registers each with its own ES256 key.
fn two_clients() -> (SigningKey, SigningKey, Receiver) {
    let alpha = SigningKey::generate(Algorithm::ES256, "alpha-key");
    let beta = SigningKey::generate(Algorithm::ES256, "beta-key");
    let mut clients = ClientRegistry::new();
    clients.insert("alpha", public_keys(&[&alpha])).unwrap();
    clients.insert("beta", public_keys(&[&beta])).unwrap();
    (alpha, beta, Receiver::new(clients))
}

#[test]
fn assertion_duplicate_iss_rejected() {
    let (alpha, _, mut receiver) = two_clients();
    // A reader that kept the first `iss` would look up alpha's keys while one that
    // kept the last would see beta: the strict reader rejects both spellings.
    let rest =
        r#""sub":"alpha","aud":"https://auth.tokenguard.test/token","exp":1767225660,"jti":"d-1""#;
    for names in [
        r#""iss":"alpha","iss":"beta""#,
        r#""iss":"alpha","\u0069ss":"beta""#,
        r#""\u0069ss":"beta","iss":"alpha""#,
    ] {
        let assertion = sign_text(&alpha, &format!("{{{names},{rest}}}"));
        for client_id in [None, Some("alpha")] {
            assert_eq!(
                receiver.verify(&assertion, client_id),
                Err(Error::Malformed {
                    part: Part::Payload,
                    fault: Fault::DuplicateMember
                }),
                "{names} with request client_id {client_id:?}"
            );
        }
    }
    assert!(receiver.cache.is_empty());
}

#[test]
fn assertion_iss_near_misses_not_the_client() {
    let (alpha, _, mut receiver) = two_clients();
    // Each `iss` differs from "alpha" only in ways a lenient comparison might
    // ignore: a NUL, a Cyrillic letter, case, whitespace, a composed accent.
    for iss in [
        "alpha\u{0}",
        "\u{0430}lpha",
        "Alpha",
        "alpha ",
        " alpha",
        "alph\u{e1}",
    ] {
        let mut claims = assertion_claims("alpha", "n-1");
        claims["iss"] = json!(iss);
        claims["sub"] = json!(iss);
        let assertion = sign_assertion(&alpha, &claims);
        // Chosen by `iss`, no client has that name.
        assert_eq!(
            receiver.verify(&assertion, None),
            Err(Error::UnknownClient),
            "{iss:?}"
        );
        // Chosen by the request, alpha's key verifies, but `iss` is not alpha.
        assert_eq!(
            receiver.verify(&assertion, Some("alpha")),
            Err(Error::WrongIssuer),
            "{iss:?}"
        );
    }
    assert!(receiver.cache.is_empty());
}

#[test]
fn assertion_iss_and_sub_types_checked() {
    let (alpha, _, mut receiver) = two_clients();
    let cases = [
        ("iss", json!(["alpha"]), None, invalid("iss")),
        ("iss", json!({ "id": "alpha" }), None, invalid("iss")),
        ("iss", json!(true), Some("alpha"), invalid("iss")),
        ("sub", json!(["alpha"]), None, invalid("sub")),
        ("sub", json!(7), None, invalid("sub")),
        ("sub", json!(null), None, missing("sub")),
    ];
    for (claim, value, client_id, expected) in cases {
        let mut claims = assertion_claims("alpha", "t-1");
        claims[claim] = value.clone();
        let assertion = sign_assertion(&alpha, &claims);
        assert_eq!(
            receiver.verify(&assertion, client_id),
            Err(expected),
            "{claim}: {value}"
        );
    }
}

#[test]
fn assertion_key_shared_by_two_sets() {
    // gamma's set also contains alpha's key: an assertion alpha signs for itself
    // stays alpha's, even when the request names gamma.
    let alpha = SigningKey::generate(Algorithm::ES256, "alpha-key");
    let gamma = SigningKey::generate(Algorithm::ES256, "gamma-key");
    let mut clients = ClientRegistry::new();
    clients.insert("alpha", public_keys(&[&alpha])).unwrap();
    clients
        .insert("gamma", public_keys(&[&gamma, &alpha]))
        .unwrap();
    let mut receiver = Receiver::new(clients);

    let own = sign_assertion(&alpha, &assertion_claims("alpha", "s-1"));
    assert_eq!(
        receiver.verify(&own, Some("gamma")),
        Err(Error::WrongIssuer)
    );
    assert_eq!(receiver.verify(&own, None), Ok("alpha".to_owned()));

    // gamma's own key cannot sign for alpha, whose set lacks it.
    let forged = sign_assertion(&gamma, &assertion_claims("alpha", "s-2"));
    assert_eq!(receiver.verify(&forged, None), Err(Error::UnknownKid));
    assert_eq!(
        receiver.verify(&forged, Some("alpha")),
        Err(Error::UnknownKid)
    );
}

#[test]
fn assertion_shared_secret_stays_per_client() {
    // Two `client_secret_jwt` clients given the same secret: either can sign for
    // the other (the secret is the credential), but an assertion is accepted only
    // as the client its `iss` names, and each client's jti is its own.
    let secret = [0x5a; 32];
    let alpha = SigningKey::hmac(Algorithm::HS256, "alpha-secret", &secret);
    let beta = SigningKey::hmac(Algorithm::HS256, "beta-secret", &secret);
    let mut clients = ClientRegistry::new();
    clients.insert("alpha", secret_keys(&alpha)).unwrap();
    clients.insert("beta", secret_keys(&beta)).unwrap();
    let verifier = AssertionVerifier::new(&[TOKEN_ENDPOINT])
        .unwrap()
        .with_algorithms(AlgSet::of(&[Algorithm::HS256]))
        .unwrap();
    let mut receiver = Receiver::with_verifier(verifier, clients);

    let for_alpha = sign_assertion(&alpha, &assertion_claims("alpha", "same-jti"));
    assert_eq!(
        receiver.verify(&for_alpha, Some("beta")),
        Err(Error::UnknownKid)
    );
    assert_eq!(receiver.verify(&for_alpha, None), Ok("alpha".to_owned()));
    let for_beta = sign_assertion(&beta, &assertion_claims("beta", "same-jti"));
    assert_eq!(receiver.verify(&for_beta, None), Ok("beta".to_owned()));
    assert_eq!(
        receiver.verify(&for_alpha, Some("alpha")),
        Err(Error::Replayed)
    );
    assert_eq!(receiver.verify(&for_beta, None), Err(Error::Replayed));
}

#[test]
fn assertion_algorithm_confusion_rejected() {
    let client = SigningKey::generate(Algorithm::ES256, "client-key");
    let mut clients = ClientRegistry::new();
    clients.insert("alpha", public_keys(&[&client])).unwrap();
    let both = AlgSet::of(&[Algorithm::ES256, Algorithm::HS256]);
    let verifier = AssertionVerifier::new(&[TOKEN_ENDPOINT])
        .unwrap()
        .with_algorithms(both)
        .unwrap();
    let mut receiver = Receiver::with_verifier(verifier, clients);
    let claims = assertion_claims("alpha", "c-1").to_string();

    // HS256 keyed with the client's public JWK text, the classic confusion.
    let public_text = client.public_jwk();
    let hmac = SigningKey::hmac(Algorithm::HS256, "client-key", public_text.as_bytes());
    let header = json!({ "alg": "HS256", "kid": "client-key", "typ": "JWT" });
    let confused = hmac.sign_compact(&header.to_string(), &claims);
    assert!(matches!(
        receiver.verify(&confused, None),
        Err(Error::KeyMismatch { .. })
    ));

    // `alg` `none`, with and without a signature, in any spelling.
    for alg in ["none", "None", "NONE"] {
        let header = json!({ "alg": alg, "typ": "JWT" });
        let encoded = |text: &str| encode(text.as_bytes());
        for signature in ["", "AAAA"] {
            let unsigned = format!(
                "{}.{}.{signature}",
                encoded(&header.to_string()),
                encoded(&claims)
            );
            assert!(
                matches!(
                    receiver.verify(&unsigned, None),
                    Err(Error::UnsupportedAlg { .. })
                ),
                "{alg} with signature {signature:?}"
            );
        }
    }

    // The default verifier allows no HS* algorithm at all.
    let mut clients = ClientRegistry::new();
    let secret = SigningKey::hmac(Algorithm::HS256, "s", &[1; 32]);
    clients.insert("alpha", secret_keys(&secret)).unwrap();
    let mut receiver = Receiver::new(clients);
    let signed = secret.sign_compact(&header.to_string(), &claims);
    assert_eq!(
        receiver.verify(&signed, None),
        Err(Error::UnsupportedAlg {
            reason: AlgRejection::NotAllowed(Algorithm::HS256)
        })
    );
}

/// Returns the key of one client, `alpha`, and a receiver that registers it.
fn one_client() -> (SigningKey, Receiver) {
    let alpha = SigningKey::generate(Algorithm::ES256, "alpha-key");
    let mut clients = ClientRegistry::new();
    clients.insert("alpha", public_keys(&[&alpha])).unwrap();
    (alpha, Receiver::new(clients))
}

#[test]
fn assertion_typ_variants() {
    let (alpha, mut receiver) = one_client();
    // RFC 7515 section 4.1.9: a `typ` without '/' means "application/" plus it,
    // compared without case; anything naming another kind of JWT is rejected.
    let cases = [
        (json!("JWT"), Ok(())),
        (json!("jwt"), Ok(())),
        (json!("application/jwt"), Ok(())),
        (json!("Application/JWT"), Ok(())),
        (json!("JWT "), Err(Error::WrongType)),
        (json!(""), Err(Error::WrongType)),
        (json!("JOSE"), Err(Error::WrongType)),
        (json!("application/at+jwt"), Err(Error::WrongType)),
        (json!("client-authentication+jwt"), Err(Error::WrongType)),
        (json!("secevent+jwt"), Err(Error::WrongType)),
        (json!("logout+jwt"), Err(Error::WrongType)),
        (json!("application/application/jwt"), Err(Error::WrongType)),
    ];
    for (index, (typ, expected)) in cases.into_iter().enumerate() {
        let mut header = jwt_header(&alpha);
        header["typ"] = typ.clone();
        let claims = assertion_claims("alpha", &format!("typ-{index}"));
        let assertion = alpha.sign_compact(&header.to_string(), &claims.to_string());
        assert_eq!(
            receiver.verify(&assertion, None).map(|_| ()),
            expected,
            "typ {typ}"
        );
    }
    // An escaped `typ` is the type it spells.
    let header = r#"{"alg":"ES256","kid":"alpha-key","typ":"\u004aWT"}"#;
    let claims = assertion_claims("alpha", "typ-escaped").to_string();
    assert_eq!(
        receiver.verify(&alpha.sign_compact(header, &claims), None),
        Ok("alpha".to_owned())
    );
    for typ in [json!(null), json!(["JWT"]), json!(1)] {
        let mut header = jwt_header(&alpha);
        header["typ"] = typ.clone();
        let claims = assertion_claims("alpha", "typ-bad");
        let assertion = alpha.sign_compact(&header.to_string(), &claims.to_string());
        assert!(
            matches!(
                receiver.verify(&assertion, None),
                Err(Error::Malformed {
                    part: Part::Header,
                    ..
                })
            ),
            "typ {typ}"
        );
    }
}

/// Returns an assertion from `key` for `alpha` that is exactly `len` bytes long,
/// padded by a private claim and a private header member.
fn assertion_of_len(key: &SigningKey, len: usize, jti: &str) -> String {
    // Base64url never encodes to a length of 4k + 1, so one padded segment alone
    // cannot reach every length; padding the header too can.
    for header_pad in 0..4 {
        let mut header = jwt_header(key);
        header["pad"] = json!("h".repeat(header_pad));
        let mut claims = assertion_claims("alpha", jti);
        claims["pad"] = json!("");
        let base = key.sign_compact(&header.to_string(), &claims.to_string());
        let Some(missing) = len.checked_sub(base.len()) else {
            continue;
        };
        claims["pad"] = json!("x".repeat(missing * 3 / 4));
        let assertion = key.sign_compact(&header.to_string(), &claims.to_string());
        if assertion.len() == len {
            return assertion;
        }
    }
    panic!("no padding gives an assertion of {len} bytes");
}

#[test]
fn assertion_size_limit_exact() {
    let (alpha, mut receiver) = one_client();
    let at_limit = assertion_of_len(&alpha, 8192, "big-1");
    assert_eq!(receiver.verify(&at_limit, None), Ok("alpha".to_owned()));
    let over = assertion_of_len(&alpha, 8193, "big-2");
    assert_eq!(
        receiver.verify(&over, None),
        Err(Error::TooLarge {
            len: 8193,
            max: 8192
        })
    );
    // A caller's buffer smaller than the decoded assertion is reported, not
    // overrun.
    let mut small = TokenBuffer::<64>::with_capacity();
    let outcome = receiver.verifier.verify(
        sign_assertion(&alpha, &assertion_claims("alpha", "small")).as_bytes(),
        None,
        &receiver.clients,
        &mut receiver.cache,
        NOW,
        &mut small,
    );
    assert!(matches!(outcome, Err(Error::TooLarge { max: 64, .. })));
}

#[test]
fn assertion_aud_shapes() {
    let (alpha, mut receiver) = one_client();
    let cases = [
        (json!([]), Err(Error::WrongAudience)),
        (json!([TOKEN_ENDPOINT, 7]), Err(invalid("aud"))),
        (json!([[TOKEN_ENDPOINT]]), Err(invalid("aud"))),
        (json!({ "aud": TOKEN_ENDPOINT }), Err(invalid("aud"))),
        (json!(7), Err(invalid("aud"))),
        (json!(""), Err(Error::WrongAudience)),
        (
            json!(format!("{TOKEN_ENDPOINT}/")),
            Err(Error::WrongAudience),
        ),
        (
            json!("HTTPS://AUTH.TOKENGUARD.TEST/token"),
            Err(Error::WrongAudience),
        ),
        (json!(["x", "y", TOKEN_ENDPOINT]), Ok(())),
    ];
    for (index, (aud, expected)) in cases.into_iter().enumerate() {
        let mut claims = assertion_claims("alpha", &format!("aud-{index}"));
        claims["aud"] = aud.clone();
        let assertion = sign_assertion(&alpha, &claims);
        assert_eq!(
            receiver.verify(&assertion, None).map(|_| ()),
            expected,
            "aud {aud}"
        );
    }
    // An escaped audience is the audience it spells.
    let escaped = r#"{"iss":"alpha","sub":"alpha","aud":"https:\/\/auth.tokenguard.test\/token","exp":1767225660,"jti":"aud-escaped"}"#;
    assert_eq!(
        receiver.verify(&sign_text(&alpha, escaped), None),
        Ok("alpha".to_owned())
    );
}

#[test]
fn assertion_exp_extremes() {
    let (alpha, mut receiver) = one_client();
    let expired = |at: i64| Error::Expired {
        rule: ExpiryRule::Exp,
        at,
        now: NOW,
    };
    // Written as raw JSON numbers so that exponents and fractions reach the reader
    // as sent. The default leeway is 30 s and the maximum lifetime 300 s.
    let cases = [
        ("1767225570.5", Ok(())),
        ("1767225570", Err(expired(NOW - 30))),
        ("1767225930", Ok(())),
        ("1767225930.000001", Err(invalid("exp"))),
        ("1.76722566e9", Ok(())),
        ("17672256600e-1", Ok(())),
        ("1e300", Err(invalid("exp"))),
        ("-1e300", Err(invalid("exp"))),
        ("9223372036854775807", Err(invalid("exp"))),
        ("-9223372036854775808", Err(expired(i64::MIN))),
        ("-0.5", Err(expired(-1))),
        ("0", Err(expired(0))),
        ("\"1767225660\"", Err(invalid("exp"))),
        ("[1767225660]", Err(invalid("exp"))),
        ("true", Err(invalid("exp"))),
    ];
    for (index, (exp, expected)) in cases.into_iter().enumerate() {
        let payload = format!(
            r#"{{"iss":"alpha","sub":"alpha","aud":"{TOKEN_ENDPOINT}","exp":{exp},"jti":"exp-{index}"}}"#
        );
        assert_eq!(
            receiver
                .verify(&sign_text(&alpha, &payload), None)
                .map(|_| ()),
            expected,
            "exp {exp}"
        );
    }
}

#[test]
fn assertion_jti_replay_per_client() {
    let alpha = SigningKey::generate(Algorithm::ES256, "alpha-key");
    let ab = SigningKey::generate(Algorithm::ES256, "ab-key");
    let mut clients = ClientRegistry::new();
    clients.insert("a", public_keys(&[&alpha])).unwrap();
    clients.insert("ab", public_keys(&[&ab])).unwrap();
    let mut receiver = Receiver::new(clients);
    // Client "a" with jti "bc" and client "ab" with jti "c" concatenate alike;
    // both are first uses.
    let first = sign_assertion(&alpha, &assertion_claims("a", "bc"));
    let second = sign_assertion(&ab, &assertion_claims("ab", "c"));
    assert_eq!(receiver.verify(&first, None), Ok("a".to_owned()));
    assert_eq!(receiver.verify(&second, None), Ok("ab".to_owned()));

    // Re-spelling the same `iss` or `jti` with JSON escapes, or re-signing, does
    // not make a used assertion new: the replay key is the unescaped pair.
    let respelled = [
        r#"{"iss":"a","sub":"a","aud":"https://auth.tokenguard.test/token","exp":1767225660,"jti":"b\u0063"}"#,
        r#"{"iss":"\u0061","sub":"a","aud":"https://auth.tokenguard.test/token","exp":1767225660,"jti":"bc"}"#,
        r#"{"jti":"bc","exp":1767225661,"aud":["x","https://auth.tokenguard.test/token"],"sub":"a","iss":"a"}"#,
    ];
    for payload in respelled {
        assert_eq!(
            receiver.verify(&sign_text(&alpha, payload), None),
            Err(Error::Replayed),
            "{payload}"
        );
    }
    assert_eq!(receiver.cache.len(), 2);
}

const URI: &str = "https://api.tokenguard.test/orders";

fn get() -> DpopRequest<'static> {
    DpopRequest {
        method: "GET",
        uri: URI,
        nonce: None,
    }
}

fn dpop(fault: DpopFault) -> Error {
    Error::InvalidDpopProof { fault }
}

fn proof_header(key: &SigningKey) -> Value {
    let jwk: Value = serde_json::from_str(&key.public_jwk()).unwrap();
    json!({ "typ": "dpop+jwt", "alg": key.alg().name(), "jwk": jwk })
}

fn proof_claims(jti: &str) -> Value {
    json!({ "jti": jti, "htm": "GET", "htu": URI, "iat": NOW })
}

fn sign(key: &SigningKey, header: &Value, claims: &Value) -> String {
    key.sign_compact(&header.to_string(), &claims.to_string())
}

fn hash(bytes: &[u8]) -> [u8; 32] {
    digest(&SHA256, bytes).as_ref().try_into().unwrap()
}

/// Verifies a proof at `NOW` for `request`, with `access_token` for `ath`.
fn verify_proof(
    verifier: &DpopVerifier,
    proof: &str,
    request: &DpopRequest<'_>,
    access_token: Option<&str>,
    cache: &mut ReplayCache,
) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    verifier
        .verify(
            proof.as_bytes(),
            request,
            access_token,
            cache,
            NOW,
            &mut buffer,
        )
        .map(|_| ())
}

fn verify_fresh(proof: &str, request: &DpopRequest<'_>) -> Result<(), Error> {
    let mut cache = ReplayCache::new(4).unwrap();
    verify_proof(&DpopVerifier::new(), proof, request, None, &mut cache)
}

#[test]
fn dpop_htu_normalisation_edges() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    // (htu in the proof, the request URI, whether they are the same target).
    let cases = [
        // Query and fragment never count, on either side.
        ("https://api.tokenguard.test/orders?admin=1", URI, true),
        ("https://api.tokenguard.test/orders#x", URI, true),
        (URI, "https://api.tokenguard.test/orders?admin=1", true),
        // A default port equals none; any other spelling of it does not.
        ("https://api.tokenguard.test:443/orders", URI, true),
        ("https://api.tokenguard.test:0443/orders", URI, false),
        ("https://api.tokenguard.test:/orders", URI, false),
        ("https://api.tokenguard.test:80/orders", URI, false),
        ("http://api.tokenguard.test:443/orders", URI, false),
        ("https://api.tokenguard.test:+443/orders", URI, false),
        ("https://api.tokenguard.test:443:443/orders", URI, false),
        // The host must be the same name, compared without ASCII case only.
        ("https://API.TOKENGUARD.TEST/orders", URI, true),
        ("https://api.tokenguard.test./orders", URI, false),
        ("https://api%2Etokenguard.test/orders", URI, false),
        (
            "https://xn--pi-7ka.tokenguard.test/orders",
            "https://\u{e0}pi.tokenguard.test/orders",
            false,
        ),
        (
            "https://\u{c0}PI.tokenguard.test/orders",
            "https://\u{e0}pi.tokenguard.test/orders",
            false,
        ),
        ("https://api.tokenguard.test\\@evil.test/orders", URI, false),
        ("https://evil.test#@api.tokenguard.test/orders", URI, false),
        ("https://evil.test?@api.tokenguard.test/orders", URI, false),
        ("https://api.tokenguard.test@evil.test/orders", URI, false),
        ("https://a@api.tokenguard.test/orders", URI, false),
        ("https://:@api.tokenguard.test/orders", URI, false),
        (" https://api.tokenguard.test/orders", URI, false),
        ("https://api.tokenguard.test /orders", URI, false),
        // The path is compared exactly: no percent-decoding, dot segments or case.
        ("https://api.tokenguard.test/%6Frders", URI, false),
        ("https://api.tokenguard.test/orders/../orders", URI, false),
        ("https://api.tokenguard.test/./orders", URI, false),
        ("https://api.tokenguard.test//orders", URI, false),
        ("https://api.tokenguard.test/orders%2F", URI, false),
        ("https://api.tokenguard.test/ORDERS", URI, false),
        ("https://api.tokenguard.test/orders;x", URI, false),
        // Only absolute http and https URIs name a target.
        ("//api.tokenguard.test/orders", URI, false),
        ("/orders", URI, false),
        ("wss://api.tokenguard.test/orders", URI, false),
        ("https:/api.tokenguard.test/orders", URI, false),
        ("", URI, false),
    ];
    for (index, (htu, uri, same)) in cases.into_iter().enumerate() {
        let mut claims = proof_claims(&format!("htu-{index}"));
        claims["htu"] = json!(htu);
        let proof = sign(&client, &header, &claims);
        let request = DpopRequest { uri, ..get() };
        let expected = if same {
            Ok(())
        } else {
            Err(dpop(DpopFault::Uri))
        };
        assert_eq!(verify_fresh(&proof, &request), expected, "{htu} for {uri}");
    }
    // An escaped htu is the URI it spells.
    let escaped = r#"{"jti":"htu-escaped","htm":"GET","htu":"https:\/\/api.tokenguard.test\/orders","iat":1767225600}"#;
    let proof = client.sign_compact(&header.to_string(), escaped);
    assert_eq!(verify_fresh(&proof, &get()), Ok(()));
    // An htu that is not a string is missing.
    let mut claims = proof_claims("htu-number");
    claims["htu"] = json!(["https://api.tokenguard.test/orders"]);
    assert_eq!(
        verify_fresh(&sign(&client, &header, &claims), &get()),
        Err(dpop(DpopFault::MissingClaim { claim: "htu" }))
    );
}

#[test]
fn dpop_htm_compared_exactly() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    for htm in ["get", "Get", "GET ", " GET", "GET\u{0}", "", "G\u{0415}T"] {
        let mut claims = proof_claims("htm");
        claims["htm"] = json!(htm);
        assert_eq!(
            verify_fresh(&sign(&client, &header, &claims), &get()),
            Err(dpop(DpopFault::Method)),
            "{htm:?}"
        );
    }
    let escaped = r#"{"jti":"htm-escaped","htm":"\u0047ET","htu":"https://api.tokenguard.test/orders","iat":1767225600}"#;
    let proof = client.sign_compact(&header.to_string(), escaped);
    assert_eq!(verify_fresh(&proof, &get()), Ok(()));
}

#[test]
fn dpop_header_jwk_variants_rejected() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let claims = proof_claims("jwk");
    let public: Value = serde_json::from_str(&client.public_jwk()).unwrap();
    let with_member = |name: &str, value: Value| {
        let mut jwk = public.clone();
        jwk[name] = value;
        jwk
    };
    let without_member = |name: &str| {
        let mut jwk = public.clone();
        jwk.as_object_mut().unwrap().remove(name);
        jwk
    };
    let cases = [
        ("private d", with_member("d", json!(encode(&[7; 32])))),
        ("private p", with_member("p", json!(encode(&[7; 32])))),
        ("private oth", with_member("oth", json!([]))),
        ("secret", json!({ "kty": "oct", "k": encode(&[7; 32]) })),
        ("encryption use", with_member("use", json!("enc"))),
        ("no verify op", with_member("key_ops", json!(["sign"]))),
        ("other alg", with_member("alg", json!("ES384"))),
        ("other curve", with_member("crv", json!("P-384"))),
        ("no y", without_member("y")),
        (
            "point off the curve",
            with_member("y", json!(encode(&[1; 32]))),
        ),
        ("string", json!(client.public_jwk())),
        ("array", json!([public.clone()])),
        ("null", Value::Null),
    ];
    for (name, jwk) in cases {
        let mut header = proof_header(&client);
        header["jwk"] = jwk;
        assert_eq!(
            verify_fresh(&sign(&client, &header, &claims), &get()),
            Err(dpop(DpopFault::Key)),
            "{name}"
        );
    }
    // A `jwk` whose members repeat fails as a header, before any key is read.
    let header = format!(
        r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","kty":"EC","crv":"P-256","x":{},"y":{}}}}}"#,
        public["x"], public["y"]
    );
    let proof = client.sign_compact(&header, &claims.to_string());
    assert_eq!(
        verify_fresh(&proof, &get()),
        Err(dpop(DpopFault::Malformed))
    );
}

#[test]
fn dpop_ath_encodings_rejected() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    // An access token whose hash has '-' or '_' in base64url, so that the
    // standard alphabet spells it differently.
    let token = (0..)
        .map(|n| format!("token-{n}"))
        .find(|token| encode(&hash(token.as_bytes())).contains(['-', '_']))
        .unwrap();
    let ath = encode(&hash(token.as_bytes()));
    let standard = ath.replace('-', "+").replace('_', "/");
    let hex: String = hash(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cases = [
        json!(format!("{ath}=")),
        json!(standard),
        json!(ath.to_uppercase()),
        json!(format!("{ath}A")),
        json!(ath[..ath.len() - 1]),
        json!(hex),
        json!(encode(&hash(format!("DPoP {token}").as_bytes()))),
        json!(encode(&hash(format!("{token} ").as_bytes()))),
        json!(encode(
            &digest(&ring::digest::SHA384, token.as_bytes()).as_ref()[..32]
        )),
        json!(""),
    ];
    for (index, ath) in cases.into_iter().enumerate() {
        let mut claims = proof_claims(&format!("ath-{index}"));
        claims["ath"] = ath.clone();
        let mut cache = ReplayCache::new(4).unwrap();
        let proof = sign(&client, &header, &claims);
        assert_eq!(
            verify_proof(
                &DpopVerifier::new(),
                &proof,
                &get(),
                Some(&token),
                &mut cache
            ),
            Err(dpop(DpopFault::AccessTokenHash)),
            "ath {ath}"
        );
    }
    // A JSON escape in `ath` makes it non-canonical base64url, even when it
    // spells the right hash.
    let first = ath.chars().next().unwrap();
    let escaped = format!(
        r#"{{"jti":"ath-escaped","htm":"GET","htu":"{URI}","iat":{NOW},"ath":"\u{:04x}{}"}}"#,
        u32::from(first),
        &ath[1..]
    );
    let proof = client.sign_compact(&header.to_string(), &escaped);
    let mut cache = ReplayCache::new(4).unwrap();
    assert_eq!(
        verify_proof(
            &DpopVerifier::new(),
            &proof,
            &get(),
            Some(&token),
            &mut cache
        ),
        Err(dpop(DpopFault::AccessTokenHash))
    );
    for ath in [json!(7), json!([ath]), Value::Null] {
        let mut claims = proof_claims("ath-type");
        claims["ath"] = ath.clone();
        let mut cache = ReplayCache::new(4).unwrap();
        let proof = sign(&client, &header, &claims);
        assert_eq!(
            verify_proof(
                &DpopVerifier::new(),
                &proof,
                &get(),
                Some(&token),
                &mut cache
            ),
            Err(dpop(DpopFault::MissingClaim { claim: "ath" })),
            "ath {ath}"
        );
    }
}

#[test]
fn dpop_fractional_iat_edges() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    // The window is (NOW - 60 - 30, NOW + 30] with the default maximum age and
    // leeway; a fraction counts, it is not rounded away.
    let cases = [
        ("1767225510", false),
        ("1767225510.000001", true),
        ("1767225630", true),
        ("1767225630.5", false),
        ("1.76722563e9", true),
        ("1e300", false),
        ("-9223372036854775808", false),
    ];
    for (iat, accepted) in cases {
        let payload = format!(r#"{{"jti":"iat-{iat}","htm":"GET","htu":"{URI}","iat":{iat}}}"#);
        let proof = client.sign_compact(&header.to_string(), &payload);
        let outcome = verify_fresh(&proof, &get());
        let expected = if accepted {
            Ok(())
        } else if iat == "1e300" {
            Err(dpop(DpopFault::MissingClaim { claim: "iat" }))
        } else {
            Err(dpop(DpopFault::IssuedAt))
        };
        assert_eq!(outcome, expected, "iat {iat}");
    }
    // The longest maximum age does not overflow the window.
    let patient = DpopVerifier::new().with_max_age(u32::MAX);
    let payload =
        format!(r#"{{"jti":"iat-min","htm":"GET","htu":"{URI}","iat":-9223372036854775808}}"#);
    let proof = client.sign_compact(&header.to_string(), &payload);
    let mut cache = ReplayCache::new(4).unwrap();
    assert_eq!(
        verify_proof(&patient, &proof, &get(), None, &mut cache),
        Err(dpop(DpopFault::IssuedAt))
    );
}

#[test]
fn dpop_own_exp_and_nbf_checked() {
    // RFC 7519 sections 4.1.4 and 4.1.5: a proof that carries `exp` or `nbf` is not
    // accepted outside them, even inside the `iat` window. The default leeway is
    // 30 s.
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let cases = [
        (json!({ "exp": NOW - 30 }), Err(dpop(DpopFault::Lifetime))),
        (json!({ "exp": NOW - 29 }), Ok(())),
        (json!({ "nbf": NOW + 31 }), Err(dpop(DpopFault::Lifetime))),
        (json!({ "nbf": NOW + 30 }), Ok(())),
        (json!({ "exp": "soon" }), Err(dpop(DpopFault::Malformed))),
    ];
    for (index, (extra, expected)) in cases.into_iter().enumerate() {
        let mut claims = proof_claims(&format!("lifetime-{index}"));
        for (name, value) in extra.as_object().unwrap() {
            claims[name] = value.clone();
        }
        assert_eq!(
            verify_fresh(&sign(&client, &header, &claims), &get()),
            expected,
            "{extra}"
        );
    }
}

/// The order of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// Returns an ES256 JWS with its signature `(r, s)` replaced by `(r, n - s)`,
/// which verifies as well: ECDSA signatures are malleable.
fn malleated(jws: &str) -> String {
    let (signing_input, signature) = jws.rsplit_once('.').unwrap();
    let mut signature = Base64UrlUnpadded::decode_vec(signature).unwrap();
    let s = &mut signature[32..];
    let mut borrow = 0u16;
    for i in (0..32).rev() {
        let difference = u16::from(P256_ORDER[i])
            .wrapping_sub(u16::from(s[i]))
            .wrapping_sub(borrow);
        borrow = u16::from(u16::from(P256_ORDER[i]) < u16::from(s[i]) + borrow);
        s[i] = difference.to_le_bytes()[0];
    }
    format!("{signing_input}.{}", encode(&signature))
}

#[test]
fn dpop_malleated_signature_still_replay() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let proof = sign(&client, &proof_header(&client), &proof_claims("m-1"));
    let twin = malleated(&proof);
    assert_ne!(twin, proof);
    let mut cache = ReplayCache::new(4).unwrap();
    let verifier = DpopVerifier::new();
    // The twin verifies on its own, so the replay key must not be the signature.
    assert_eq!(
        verify_proof(
            &verifier,
            &twin,
            &get(),
            None,
            &mut ReplayCache::new(1).unwrap()
        ),
        Ok(())
    );
    assert_eq!(
        verify_proof(&verifier, &proof, &get(), None, &mut cache),
        Ok(())
    );
    assert_eq!(
        verify_proof(&verifier, &twin, &get(), None, &mut cache),
        Err(dpop(DpopFault::Replayed))
    );
    // Nor may a JSON escape in `jti` make a used proof new.
    let payload = format!(r#"{{"jti":"m\u002d1","htm":"GET","htu":"{URI}","iat":{NOW}}}"#);
    let respelled = client.sign_compact(&proof_header(&client).to_string(), &payload);
    assert_eq!(
        verify_proof(&verifier, &respelled, &get(), None, &mut cache),
        Err(dpop(DpopFault::Replayed))
    );
}

#[test]
fn dpop_nonce_compared_as_string() {
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let request = DpopRequest {
        nonce: Some("42"),
        ..get()
    };
    for nonce in [
        json!(42),
        json!(["42"]),
        json!("42 "),
        json!(""),
        Value::Null,
    ] {
        let mut claims = proof_claims("nonce");
        claims["nonce"] = nonce.clone();
        assert_eq!(
            verify_fresh(&sign(&client, &header, &claims), &request),
            Err(Error::UseDpopNonce),
            "nonce {nonce}"
        );
    }
    let escaped = format!(
        r#"{{"jti":"nonce","htm":"GET","htu":"{URI}","iat":{NOW},"nonce":"\u0034\u0032"}}"#
    );
    let proof = client.sign_compact(&header.to_string(), &escaped);
    assert_eq!(verify_fresh(&proof, &request), Ok(()));
}

#[test]
fn dpop_jti_reuse_across_requests_rejected() {
    // A client that reuses a `jti` for another request is replaying, even though
    // each proof is valid for its own request.
    let client = SigningKey::generate(Algorithm::ES256, "client");
    let header = proof_header(&client);
    let verifier = DpopVerifier::new();
    let mut cache = ReplayCache::new(4).unwrap();
    let first = sign(&client, &header, &proof_claims("shared"));
    assert_eq!(
        verify_proof(&verifier, &first, &get(), None, &mut cache),
        Ok(())
    );

    let mut claims = proof_claims("shared");
    claims["htm"] = json!("POST");
    claims["htu"] = json!("https://api.tokenguard.test/payments");
    let post = DpopRequest {
        method: "POST",
        uri: "https://api.tokenguard.test/payments",
        nonce: None,
    };
    let second = sign(&client, &header, &claims);
    assert_eq!(
        verify_proof(&verifier, &second, &post, None, &mut cache),
        Err(dpop(DpopFault::Replayed))
    );
}

/// An issuer's key, a validator trusting it, and a client key for proofs.
struct Bound {
    issuer: SigningKey,
    client: SigningKey,
    validator: Validator,
}

impl Bound {
    fn new() -> Self {
        let issuer = SigningKey::generate(Algorithm::ES256, "issuer-1");
        let client = SigningKey::generate(Algorithm::ES256, "client");
        let policy = Policy::builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .build()
            .unwrap();
        let validator = Validator::new(policy, public_keys(&[&issuer]));
        Self {
            issuer,
            client,
            validator,
        }
    }

    /// Signs an access token whose `cnf` is `cnf`, given as exact JSON text.
    fn token(&self, cnf: &str) -> String {
        let claims = format!(
            r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"user-42","exp":{},"iat":{},"cnf":{cnf}}}"#,
            NOW + 600,
            NOW - 10
        );
        self.issuer.sign_access_token(&claims)
    }

    /// Validates `token` with a fresh proof from the client key, signed with
    /// `header`.
    fn validate_dpop(&self, token: &str, header: &Value) -> Result<(), Error> {
        let proof = sign(&self.client, header, &bound_proof_claims(token, "bound-1"));
        self.validate_proof(token, &proof, &mut ReplayCache::new(4).unwrap())
    }

    /// Validates `token` with `proof` for `GET` [`URI`], recording it in `cache`.
    fn validate_proof(
        &self,
        token: &str,
        proof: &str,
        cache: &mut ReplayCache,
    ) -> Result<(), Error> {
        let mut buffer = TokenBuffer::new();
        let mut proof_buffer = TokenBuffer::new();
        self.validator
            .validate_dpop(
                format!("DPoP {token}").as_bytes(),
                proof.as_bytes(),
                &get(),
                &DpopVerifier::new(),
                cache,
                NOW,
                &mut buffer,
                &mut proof_buffer,
            )
            .map(|_| ())
    }

    fn validate_certificate(&self, token: &str, certificate: &[u8]) -> Result<(), Error> {
        let mut buffer = TokenBuffer::new();
        self.validator
            .validate_certificate_bound(token, certificate, NOW, &mut buffer)
            .map(|_| ())
    }
}

/// The claims of a proof for `GET` [`URI`] that carries `token`'s hash in `ath`.
fn bound_proof_claims(token: &str, jti: &str) -> Value {
    let mut claims = proof_claims(jti);
    claims["ath"] = json!(encode(&hash(token.as_bytes())));
    claims
}

/// Returns the RFC 7638 thumbprint of an EC public JWK, computed here from its
/// required members in the order and form the RFC fixes.
fn ec_thumbprint(jwk: &Value) -> String {
    let canonical = format!(
        r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
        jwk["crv"], jwk["x"], jwk["y"]
    );
    encode(&hash(canonical.as_bytes()))
}

#[test]
fn dpop_jkt_ignores_extra_jwk_members() {
    let bound = Bound::new();
    let mut header = proof_header(&bound.client);
    // Members beyond the required ones change nothing: not in the thumbprint,
    // not in the verdict.
    header["jwk"]["x5c"] = json!(["MIIB"]);
    header["jwk"]["ext"] = json!(true);
    header["jwk"]["kid"] = json!("another-kid");
    let jkt = ec_thumbprint(&header["jwk"]);
    let token = bound.token(&format!(r#"{{"jkt":"{jkt}"}}"#));
    assert_eq!(bound.validate_dpop(&token, &header), Ok(()));

    // A thumbprint over the JWK as sent, extra members included, is not the
    // key's thumbprint.
    let as_sent = encode(&hash(header["jwk"].to_string().as_bytes()));
    let token = bound.token(&format!(r#"{{"jkt":"{as_sent}"}}"#));
    assert_eq!(
        bound.validate_dpop(&token, &header),
        Err(dpop(DpopFault::KeyBinding))
    );
}

#[test]
fn dpop_jkt_spellings_rejected() {
    // A client key whose thumbprint has '-' or '_', so that the standard alphabet
    // spells it differently.
    let bound = std::iter::repeat_with(Bound::new)
        .find(|bound| ec_thumbprint(&proof_header(&bound.client)["jwk"]).contains(['-', '_']))
        .unwrap();
    let header = proof_header(&bound.client);
    let jkt = ec_thumbprint(&header["jwk"]);
    let standard = jkt.replace('-', "+").replace('_', "/");
    let first = u32::from(jkt.chars().next().unwrap());
    let cases = [
        format!(r#"{{"jkt":"{jkt}="}}"#),
        format!(r#"{{"jkt":"{standard}"}}"#),
        format!(r#"{{"jkt":"{}"}}"#, jkt.to_lowercase()),
        format!(r#"{{"jkt":"\u{first:04x}{}"}}"#, &jkt[1..]),
        format!(r#"{{"jkt":["{jkt}"]}}"#),
        format!(r#"{{"jkt":{{"jkt":"{jkt}"}}}}"#),
        r#"{"jkt":null}"#.to_owned(),
        r#"{"jwk":{}}"#.to_owned(),
        r#"{}"#.to_owned(),
    ];
    for cnf in cases {
        let token = bound.token(&cnf);
        assert_eq!(
            bound.validate_dpop(&token, &header),
            Err(dpop(DpopFault::KeyBinding)),
            "cnf {cnf}"
        );
    }
    // An escaped member name is still `jkt`.
    let token = bound.token(&format!(r#"{{"\u006akt":"{jkt}"}}"#));
    assert_eq!(bound.validate_dpop(&token, &header), Ok(()));
}

#[test]
fn dpop_thief_proof_not_recorded() {
    // A thief has a bound token but not its key, and signs proofs with a key of
    // its own. Each fails the key binding, and none may take a replay cache
    // entry: the cache is for proofs that passed, or a stolen token alone could
    // fill it and lock out every client.
    let bound = Bound::new();
    let header = proof_header(&bound.client);
    let jkt = ec_thumbprint(&header["jwk"]);
    let token = bound.token(&format!(r#"{{"jkt":"{jkt}"}}"#));
    let thief = SigningKey::generate(Algorithm::ES256, "thief");
    let mut cache = ReplayCache::new(1).unwrap();
    for jti in ["t-1", "t-2"] {
        let proof = sign(
            &thief,
            &proof_header(&thief),
            &bound_proof_claims(&token, jti),
        );
        assert_eq!(
            bound.validate_proof(&token, &proof, &mut cache),
            Err(dpop(DpopFault::KeyBinding)),
            "{jti}"
        );
        assert!(cache.is_empty(), "{jti}");
    }
    // The client's own proof still finds room.
    let proof = sign(&bound.client, &header, &bound_proof_claims(&token, "c-1"));
    assert_eq!(bound.validate_proof(&token, &proof, &mut cache), Ok(()));
    assert_eq!(cache.len(), 1);
}

/// A stand-in for a client certificate's DER bytes: only their hash matters.
const CERTIFICATE: &[u8] = b"0\x82\x01\x0a certificate bytes for the attack tests";

#[test]
fn certificate_thumbprint_spellings_rejected() {
    let bound = Bound::new();
    // A certificate whose thumbprint has '-' or '_', so that the standard
    // alphabet spells it differently.
    let certificate = (0u32..)
        .map(|n| [CERTIFICATE, &n.to_be_bytes()].concat())
        .find(|der| encode(&hash(der)).contains(['-', '_']))
        .unwrap();
    let x5t = encode(&hash(&certificate));
    let standard = x5t.replace('-', "+").replace('_', "/");
    let first = u32::from(x5t.chars().next().unwrap());
    let mismatched = [
        format!(r#"{{"x5t#S256":"{standard}"}}"#),
        format!(r#"{{"x5t#S256":"{x5t}=="}}"#),
        format!(r#"{{"x5t#S256":"{}"}}"#, &x5t[..42]),
        format!(r#"{{"x5t#S256":"{x5t}AA"}}"#),
        format!(r#"{{"x5t#S256":"\u{first:04x}{}"}}"#, &x5t[1..]),
        // SHA-1 `x5t` has no place here, even with the right SHA-256 bytes.
        format!(r#"{{"x5t#S256":"{}"}}"#, encode(&hash(&certificate)[..20])),
        r#"{"x5t#S256":""}"#.to_owned(),
    ];
    for cnf in mismatched {
        assert_eq!(
            bound.validate_certificate(&bound.token(&cnf), &certificate),
            Err(Error::CertificateMismatch),
            "cnf {cnf}"
        );
    }
    // Only `x5t#S256` binds to a certificate.
    for cnf in [
        format!(r#"{{"x5t":"{x5t}"}}"#),
        format!(r#"{{"x5t#s256":"{x5t}"}}"#),
        format!(r#"{{"x5t#S256 ":"{x5t}"}}"#),
    ] {
        assert_eq!(
            bound.validate_certificate(&bound.token(&cnf), &certificate),
            Err(missing("cnf")),
            "cnf {cnf}"
        );
    }
    let token = bound.token(&format!(r#"{{"x5t\u0023S256":"{x5t}"}}"#));
    assert_eq!(bound.validate_certificate(&token, &certificate), Ok(()));
}

#[test]
fn certificate_thumbprint_type_checked() {
    let bound = Bound::new();
    let x5t = encode(&hash(CERTIFICATE));
    // A thumbprint of the wrong JSON type is present but invalid, not missing.
    for cnf in [
        r#"{"x5t#S256":7}"#.to_owned(),
        format!(r#"{{"x5t#S256":["{x5t}"]}}"#),
        format!(r#"{{"x5t#S256":{{"v":"{x5t}"}}}}"#),
        r#"{"x5t#S256":true}"#.to_owned(),
    ] {
        assert_eq!(
            bound.validate_certificate(&bound.token(&cnf), CERTIFICATE),
            Err(invalid("cnf")),
            "cnf {cnf}"
        );
    }
}

const INTROSPECTION_AUDIENCE: &str = "api-resource-server";

fn introspecting_validator(key: &SigningKey) -> Validator {
    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .introspection_audience(INTROSPECTION_AUDIENCE)
        .build()
        .unwrap();
    Validator::new(policy, public_keys(&[key]))
}

fn active_response() -> Value {
    json!({
        "active": true, "iss": ISSUER, "aud": AUDIENCE, "sub": "user-42",
        "scope": "orders:read", "exp": NOW + 600, "iat": NOW - 60,
    })
}

/// Signs an RFC 9701 response with `outer` claims around `active_response()`.
fn signed_response(key: &SigningKey, outer: &Value) -> String {
    let mut claims = outer.clone();
    claims["token_introspection"] = active_response();
    let header = json!({ "alg": "ES256", "kid": key.kid(), "typ": "token-introspection+jwt" });
    key.sign_compact(&header.to_string(), &claims.to_string())
}

fn check_signed(validator: &Validator, response: &str) -> Result<(), Error> {
    let mut buffer = TokenBuffer::new();
    validator
        .validate_signed_introspection(response, NOW, &mut buffer)
        .map(|_| ())
}

#[test]
fn signed_response_own_times_checked() {
    let key = SigningKey::generate(Algorithm::ES256, "as-1");
    let validator = introspecting_validator(&key);
    let outer = |extra: Value| {
        let mut claims = json!({ "iss": ISSUER, "aud": INTROSPECTION_AUDIENCE, "iat": NOW });
        for (name, value) in extra.as_object().unwrap() {
            claims[name] = value.clone();
        }
        signed_response(&key, &claims)
    };
    assert_eq!(check_signed(&validator, &outer(json!({}))), Ok(()));
    // RFC 7519 section 4.1.4: a JWT must not be accepted on or after its `exp`,
    // however recent its `iat`; the default leeway of 30 s applies.
    assert_eq!(
        check_signed(&validator, &outer(json!({ "exp": NOW - 30 }))),
        Err(Error::Expired {
            rule: ExpiryRule::Exp,
            at: NOW - 30,
            now: NOW
        })
    );
    assert_eq!(
        check_signed(&validator, &outer(json!({ "exp": NOW - 29 }))),
        Ok(())
    );
    assert_eq!(
        check_signed(&validator, &outer(json!({ "nbf": NOW + 31 }))),
        Err(Error::NotYetValid {
            nbf: NOW + 31,
            now: NOW
        })
    );
    assert_eq!(
        check_signed(&validator, &outer(json!({ "nbf": NOW + 30 }))),
        Ok(())
    );
    assert_eq!(
        check_signed(&validator, &outer(json!({ "exp": "soon" }))),
        Err(invalid("exp"))
    );
}
