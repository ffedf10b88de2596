//! Hostile inputs against the service-to-service surfaces: client assertions
//! (RFC 7523), DPoP proofs (RFC 9449), introspection responses (RFC 7662, RFC
//! 9701) and certificate-bound tokens (RFC 8705). Each test pins the secure
//! verdict: a specific error, never acceptance and never a panic.

mod signing;

use serde_json::{json, Value};

use signing::{encode, key_set_json, SigningKey, NOW};
use tokenguard::{
    AlgRejection, AlgSet, Algorithm, AssertionVerifier, ClientRegistry, Error, ExpiryRule, Fault,
    JwkSet, Part, ReplayCache, TokenBuffer,
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
        (json!("\u{4a}WT"), Ok(())),
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
