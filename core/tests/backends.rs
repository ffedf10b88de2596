//! Differential test of the crypto backends: every backend compiled in must reach the
//! same verdict on the same token and key, and the verdict must be the expected one.
//!
//! The tokens are signed here for every algorithm, then corrupted in the ways
//! verifiers have gone wrong. The corruptions include flipped bits, truncated,
//! extended, empty or all-zero signatures, and ECDSA with high `s`, or with `r` or
//! `s` zero or equal to the group order. They also include Ed25519 with a
//! non-canonical `s`, RSA signatures not below the modulus, and a signature presented
//! under the other padding or hash. Small-order Ed25519 keys and EC points off the
//! curve must be refused by every backend when the key is read.
//!
//! With a single backend compiled in, this checks that backend against the expected
//! verdicts; `scripts/test-all.sh` also runs it with all three.

use base64ct::{Base64UrlUnpadded, Encoding};
use tokenguard::{
    AlgSet, Algorithm, Backend, Error, JwkSet, JwsVerifier, KeyFault, SigningKey, TokenBuffer,
};

/// The order of the P-256 group, big-endian.
const P256_ORDER: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

/// The order of the P-384 group, big-endian.
const P384_ORDER: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf\
                          581a0db248b0a77aecec196accc52973";

/// The order of the Ed25519 prime-order subgroup, little-endian as in signatures.
const ED25519_ORDER_LE: &str = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

/// Random corruptions tried per token, on top of the named ones.
const RANDOM_CORRUPTIONS: usize = 64;

#[test]
fn backends_agree_on_valid_and_corrupted_signatures() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut compared = 0;
    for (key, jwk) in signing_keys() {
        for alg in key.algorithms().iter() {
            let (header, payload) = (jws_header(alg), b64(br#"{"sub":"differential"}"#));
            let signing_input = format!("{header}.{payload}");
            let signature = key.sign(alg, signing_input.as_bytes()).unwrap();

            let token = |sig: &[u8]| format!("{signing_input}.{}", b64(sig));
            let expect_valid = verdicts(&jwk, alg, &token(&signature));
            assert!(
                expect_valid.iter().all(Result::is_ok),
                "{alg}: {expect_valid:?}"
            );

            let mut corrupted = named_corruptions(alg, &signature);
            for _ in 0..RANDOM_CORRUPTIONS {
                corrupted.push(("random", rng.corrupt(&signature)));
            }
            for (name, sig) in corrupted {
                let results = verdicts(&jwk, alg, &token(&sig));
                assert_same(&results, &format!("{alg} {name}"));
                compared += 1;
                // Only ECDSA with s replaced by n - s stays valid; ring accepts it too.
                if name == "high s" {
                    assert_eq!(results[0], Ok(()), "{alg} {name}");
                } else if sig != signature {
                    assert_eq!(results[0], Err(Error::BadSignature), "{alg} {name}");
                }
            }
        }
    }
    assert!(compared > 900, "only {compared} tokens compared");
}

#[test]
fn backends_agree_across_algorithms_of_one_key() {
    // An RSA key without alg serves RS* and PS*: a signature made under one of them
    // must fail under every other one, in every backend.
    let key = rsa_key();
    let jwk = key.public_jwk(Some("k"), None).unwrap();
    let rsa = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ];
    for signed in rsa {
        let header = jws_header(signed);
        let payload = b64(b"{}");
        let signature = key
            .sign(signed, format!("{header}.{payload}").as_bytes())
            .unwrap();
        for claimed in rsa {
            // The header names `claimed`, the signature was made with `signed`.
            let claimed_input = format!("{}.{payload}", jws_header(claimed));
            let token = format!("{claimed_input}.{}", b64(&signature));
            let results = verdicts(&jwk, claimed, &token);
            assert_same(&results, &format!("{signed} presented as {claimed}"));
            if claimed != signed {
                assert_eq!(
                    results[0],
                    Err(Error::BadSignature),
                    "{signed} as {claimed}"
                );
            }
        }
    }
}

#[test]
fn backends_refuse_the_same_weak_keys() {
    // Small-order Ed25519 points: the identity, a point of order 2 and one of order 8.
    let small_order = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    ];
    for x in small_order {
        let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, b64(&hex(x)));
        let results = key_verdicts(&jwk);
        assert_same(&results, x);
        assert_eq!(
            results[0],
            Err(Error::InvalidKey {
                fault: KeyFault::SmallOrderPoint
            }),
            "{x}"
        );
    }

    // A P-256 point with y changed by one is not on the curve.
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .into_signing_key();
    let jwk = key.public_jwk(None, None).unwrap();
    let mut object: serde_json::Value = serde_json::from_str(&jwk).unwrap();
    let mut y = Base64UrlUnpadded::decode_vec(object["y"].as_str().unwrap()).unwrap();
    y[31] ^= 1;
    object["y"] = b64(&y).into();
    let results = key_verdicts(&object.to_string());
    assert_same(&results, "P-256 point off the curve");
    assert_eq!(
        results[0],
        Err(Error::InvalidKey {
            fault: KeyFault::NotOnCurve
        })
    );
}

#[test]
fn keys_remember_their_backend() {
    let key = SigningKey::generate(Algorithm::ES384)
        .unwrap()
        .into_signing_key();
    let jwk = key.public_jwk(Some("k"), None).unwrap();
    let set = format!(r#"{{"keys":[{jwk}]}}"#);
    assert_eq!(
        JwkSet::from_json(set.as_bytes()).unwrap().keys()[0].backend(),
        Backend::DEFAULT
    );
    for backend in Backend::ALL {
        let keys = JwkSet::from_json_with(set.as_bytes(), *backend).unwrap();
        assert_eq!(keys.keys()[0].backend(), *backend);
        assert_eq!(Backend::from_name(backend.name()), Some(*backend));
        for other in Backend::ALL {
            let moved = JwkSet::from_json_with(set.as_bytes(), *backend)
                .unwrap()
                .with_backend(*other)
                .unwrap();
            assert_eq!(moved.keys()[0].backend(), *other);
        }
    }
    assert_eq!(Backend::from_name("openssl"), None);
}

/// Returns one signing key per family and HMAC hash, with the JWK that verifies it.
fn signing_keys() -> Vec<(SigningKey, String)> {
    let public = |key: SigningKey| {
        let jwk = key.public_jwk(Some("k"), None).unwrap();
        (key, jwk)
    };
    let mut keys = vec![public(rsa_key())];
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        keys.push(public(
            SigningKey::generate(alg).unwrap().into_signing_key(),
        ));
    }
    let secret = [0x5a; 64];
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let jwk = format!(
            r#"{{"kty":"oct","kid":"k","alg":"{}","k":"{}"}}"#,
            alg.name(),
            b64(&secret)
        );
        keys.push((SigningKey::hmac_secret(alg, &secret).unwrap(), jwk));
    }
    keys
}

fn rsa_key() -> SigningKey {
    SigningKey::from_der(include_bytes!("fixtures/rsa-2048-test-only-1.pk8.der")).unwrap()
}

/// The corruptions every verifier must reject, by name, for a valid `signature`.
fn named_corruptions(alg: Algorithm, signature: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = vec![
        ("empty", Vec::new()),
        ("one byte", vec![signature[0]]),
        ("truncated", signature[..signature.len() - 1].to_vec()),
        ("extended", [signature, &[0]].concat()),
        ("leading zero", [&[0], signature].concat()),
        ("all zero", vec![0; signature.len()]),
        ("all ones", vec![0xff; signature.len()]),
        ("doubled", signature.repeat(2)),
    ];
    for at in [0, signature.len() / 2, signature.len() - 1] {
        let mut flipped = signature.to_vec();
        flipped[at] ^= 0x01;
        out.push(("bit flipped", flipped));
    }

    let half = signature.len() / 2;
    let order = match alg {
        Algorithm::ES256 => Some(hex(P256_ORDER)),
        Algorithm::ES384 => Some(hex(P384_ORDER)),
        _ => None,
    };
    if let Some(order) = order {
        let (r, s) = signature.split_at(half);
        out.push(("high s", [r, &sub_be(&order, s)].concat()));
        out.push(("r zero", [&vec![0; half][..], s].concat()));
        out.push(("s zero", [r, &vec![0; half][..]].concat()));
        out.push(("r is the order", [&order[..], s].concat()));
        out.push(("s is the order", [r, &order[..]].concat()));
        out.push(("s plus the order", [r, &add_be(s, &order)].concat()));
        out.push(("r and s swapped", [s, r].concat()));
    }
    if matches!(alg, Algorithm::EdDSA | Algorithm::Ed25519) {
        // s + L encodes the same scalar non-canonically; RFC 8032 requires s < L.
        let (r, s) = signature.split_at(32);
        let mut s_be: Vec<u8> = s.iter().rev().copied().collect();
        let mut order_be = hex(ED25519_ORDER_LE);
        order_be.reverse();
        s_be = add_be(&s_be, &order_be);
        let s_plus_l: Vec<u8> = s_be.iter().rev().copied().collect();
        out.push(("s plus the order", [r, &s_plus_l].concat()));
        out.push(("s is the order", [r, &hex(ED25519_ORDER_LE)].concat()));
    }
    if alg.name().starts_with('R') || alg.name().starts_with('P') {
        let n = rsa_modulus();
        out.push(("signature is the modulus", n.clone()));
        out.push(("signature above the modulus", add_be(&n, &[1])));
    }
    out
}

/// Verifies `token` with `jwk` under `alg` once per backend compiled in.
fn verdicts(jwk: &str, alg: Algorithm, token: &str) -> Vec<Result<(), Error>> {
    let set = format!(r#"{{"keys":[{jwk}]}}"#);
    Backend::ALL
        .iter()
        .map(|backend| {
            let keys = JwkSet::from_json_with(set.as_bytes(), *backend)?;
            let mut buffer = TokenBuffer::new();
            JwsVerifier::new(AlgSet::of(&[alg]))
                .verify(token.as_bytes(), &keys, &mut buffer)
                .map(|_| ())
        })
        .collect()
}

/// Reads `jwk` as a one-key set once per backend compiled in.
fn key_verdicts(jwk: &str) -> Vec<Result<(), Error>> {
    Backend::ALL
        .iter()
        .map(|backend| tokenguard::Jwk::from_json_with(jwk.as_bytes(), *backend).map(|_| ()))
        .collect()
}

fn assert_same(results: &[Result<(), Error>], context: &str) {
    assert!(
        results.windows(2).all(|pair| pair[0] == pair[1]),
        "{context}: backends {:?} disagree: {results:?}",
        Backend::ALL
    );
}

fn rsa_modulus() -> Vec<u8> {
    let jwk = rsa_key().public_jwk(None, None).unwrap();
    let object: serde_json::Value = serde_json::from_str(&jwk).unwrap();
    Base64UrlUnpadded::decode_vec(object["n"].as_str().unwrap()).unwrap()
}

fn jws_header(alg: Algorithm) -> String {
    b64(format!(r#"{{"alg":"{}","kid":"k"}}"#, alg.name()).as_bytes())
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap())
        .collect()
}

/// `a - b` for big-endian `a >= b` of the same length.
fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0i16;
    for at in (0..a.len()).rev() {
        let mut digit = i16::from(a[at]) - i16::from(b[at]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[at] = u8::try_from(digit).unwrap();
    }
    out
}

/// `a + b` for big-endian numbers, as long as the longer one, dropping any carry out.
fn add_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let len = a.len().max(b.len());
    let digit = |x: &[u8], from_end: usize| {
        x.len()
            .checked_sub(from_end + 1)
            .map_or(0, |at| u16::from(x[at]))
    };
    let mut out = vec![0; len];
    let mut carry = 0u16;
    for from_end in 0..len {
        let sum = digit(a, from_end) + digit(b, from_end) + carry;
        out[len - 1 - from_end] = u8::try_from(sum & 0xff).unwrap();
        carry = sum >> 8;
    }
    out
}

/// A small deterministic generator for reproducible corruptions.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(bound).unwrap()).unwrap()
    }

    /// Returns `signature` with one to four random bytes replaced, never unchanged.
    fn corrupt(&mut self, signature: &[u8]) -> Vec<u8> {
        let mut out = signature.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len());
            out[at] ^= u8::try_from(self.below(255) + 1).unwrap();
        }
        if out == signature {
            out[0] ^= 0x80;
        }
        out
    }
}
