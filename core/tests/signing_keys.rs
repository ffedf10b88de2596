//! Signing keys: reading private JWKs and DER keys, and the tokens they sign,
//! checked by the verifying side of the same crate.

use std::path::Path;

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use ring::signature::{KeyPair as _, ECDSA_P384_SHA384_FIXED_SIGNING};
use serde_json::Value;
use tokenguard::{
    AlgSet, Algorithm, Error, HeaderParams, JwkSet, JwsVerifier, KeyFault, KeyType, MismatchReason,
    SigningKey, TokenBuffer, Weakness, MAX_PRIVATE_KEY_BYTES,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rsa_jwk() -> Vec<u8> {
    fixture("rsa-2048-test-only-1.private.jwk")
}

fn rsa_pkcs8() -> Vec<u8> {
    fixture("rsa-2048-test-only-1.pk8.der")
}

/// Returns the PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`: the
/// contents of its OCTET STRING, the third element.
fn pkcs1_of(pkcs8: &[u8]) -> Vec<u8> {
    fn element(bytes: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = bytes[0];
        let (len, header) = match bytes[1] {
            short if short < 0x80 => (usize::from(short), 2),
            0x81 => (usize::from(bytes[2]), 3),
            0x82 => (usize::from(bytes[2]) << 8 | usize::from(bytes[3]), 4),
            other => panic!("length form {other:#x}"),
        };
        (tag, &bytes[header..header + len], &bytes[header + len..])
    }
    let (_, info, _) = element(pkcs8);
    let (_, _, rest) = element(info);
    let (_, _, rest) = element(rest);
    let (tag, private_key, _) = element(rest);
    assert_eq!(tag, 0x04, "OCTET STRING");
    private_key.to_vec()
}

fn p256_pkcs8() -> Vec<u8> {
    let rng = SystemRandom::new();
    let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    document.as_ref().to_vec()
}

/// Verifies `token` with the key set made of `key`'s public JWK.
fn verify(key: &SigningKey, alg: Algorithm, token: &str) -> Result<Vec<u8>, Error> {
    let jwk = key.public_jwk(Some("k"), None).expect("public key");
    let keys = JwkSet::from_json(format!("{{\"keys\":[{jwk}]}}").as_bytes())?;
    let mut buffer = TokenBuffer::new();
    let jws = JwsVerifier::new(AlgSet::EMPTY.with(alg)).decode(token.as_bytes(), &mut buffer)?;
    Ok(jws.verify(&keys)?.payload().to_vec())
}

fn header_of(token: &str) -> Value {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&Base64UrlUnpadded::decode_vec(part).unwrap()).unwrap()
}

const PAYLOAD: &[u8] = br#"{"iss":"https://issuer.tokenguard.test","exp":1767226200}"#;

#[test]
fn every_algorithm_signs_verifiable_tokens() {
    let rsa = SigningKey::from_jwk(&rsa_jwk()).unwrap();
    let p256 = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .into_signing_key();
    let p384 = SigningKey::generate(Algorithm::ES384)
        .unwrap()
        .into_signing_key();
    let ed25519 = SigningKey::generate(Algorithm::EdDSA)
        .unwrap()
        .into_signing_key();
    let cases = [
        (&rsa, Algorithm::RS256),
        (&rsa, Algorithm::RS384),
        (&rsa, Algorithm::RS512),
        (&rsa, Algorithm::PS256),
        (&rsa, Algorithm::PS384),
        (&rsa, Algorithm::PS512),
        (&p256, Algorithm::ES256),
        (&p384, Algorithm::ES384),
        (&ed25519, Algorithm::EdDSA),
    ];
    for (key, alg) in cases {
        let header = HeaderParams {
            typ: Some("at+jwt"),
            kid: Some("k"),
            embed_jwk: false,
        };
        let token = key.sign_jws(alg, &header, PAYLOAD).unwrap();
        assert_eq!(verify(key, alg, &token).as_deref(), Ok(PAYLOAD), "{alg}");
        assert_eq!(
            header_of(&token),
            serde_json::json!({"alg": alg.name(), "typ": "at+jwt", "kid": "k"}),
            "{alg}"
        );
    }
}

#[test]
fn hmac_secrets_sign_each_hash() {
    for (alg, len) in [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        let secret = vec![7u8; len];
        let key = SigningKey::hmac_secret(alg, &secret).unwrap();
        assert_eq!(key.key_type(), KeyType::Hmac);
        assert_eq!(key.public_jwk(None, None), None);
        assert_eq!(key.thumbprint(), None);
        let token = key
            .sign_jws(alg, &HeaderParams::default(), PAYLOAD)
            .unwrap();

        let keys = JwkSet::from_keys(vec![
            tokenguard::Jwk::hmac_secret(None, alg, &secret).unwrap()
        ])
        .unwrap();
        let mut buffer = TokenBuffer::new();
        let jws = JwsVerifier::new(AlgSet::EMPTY.with(alg))
            .decode(token.as_bytes(), &mut buffer)
            .unwrap();
        assert_eq!(jws.verify(&keys).unwrap().payload(), PAYLOAD, "{alg}");
    }
}

#[test]
fn hmac_secret_rejects_short_and_other_algorithms() {
    assert_eq!(
        SigningKey::hmac_secret(Algorithm::HS384, &[1; 47]).err(),
        Some(Error::WeakKey {
            weakness: Weakness::ShortSecret { len: 47, min: 48 }
        })
    );
    let short = SigningKey::hmac_secret_of_any_length(Algorithm::HS256, b"short").unwrap();
    assert!(short.sign(Algorithm::HS256, b"m").is_ok());
    assert_eq!(
        short.sign(Algorithm::HS512, b"m").err(),
        Some(Error::KeyMismatch {
            reason: MismatchReason::Algorithm
        })
    );
    for alg in [Algorithm::ES256, Algorithm::RS256] {
        assert!(matches!(
            SigningKey::hmac_secret(alg, &[1; 64]),
            Err(Error::KeyMismatch { .. })
        ));
    }
    let embed = HeaderParams {
        embed_jwk: true,
        ..HeaderParams::default()
    };
    assert!(matches!(
        short.sign_jws(Algorithm::HS256, &embed, PAYLOAD),
        Err(Error::KeyMismatch { .. })
    ));
}

#[test]
fn rsa_jwk_pkcs8_and_pkcs1_are_one_key() {
    let from_jwk = SigningKey::from_jwk(&rsa_jwk()).unwrap();
    let from_pkcs8 = SigningKey::from_der(&rsa_pkcs8()).unwrap();
    let from_pkcs1 = SigningKey::from_der(&pkcs1_of(&rsa_pkcs8())).unwrap();
    assert_eq!(from_jwk.kid(), Some("rsa-test-only-1"));
    assert_eq!(from_pkcs8.kid(), None);
    assert_eq!(from_jwk.key_type(), KeyType::Rsa);
    assert_eq!(from_jwk.default_algorithm(), None);
    assert_eq!(from_jwk.thumbprint(), from_pkcs8.thumbprint());
    assert_eq!(from_pkcs8.thumbprint(), from_pkcs1.thumbprint());
    assert_eq!(
        from_jwk.public_jwk(None, None),
        from_pkcs1.public_jwk(None, None)
    );

    // RSASSA-PKCS1-v1_5 is deterministic, so the three give the same signature.
    let signature = from_jwk.sign(Algorithm::RS256, b"message").unwrap();
    assert_eq!(
        from_pkcs8.sign(Algorithm::RS256, b"message").unwrap(),
        signature
    );
    assert_eq!(
        from_pkcs1.sign(Algorithm::RS256, b"message").unwrap(),
        signature
    );
}

#[test]
fn ec_and_ed25519_pkcs8_read() {
    let rng = SystemRandom::new();
    let p256 = SigningKey::from_der(&p256_pkcs8()).unwrap();
    assert_eq!(p256.key_type(), KeyType::EcP256);
    assert_eq!(p256.default_algorithm(), Some(Algorithm::ES256));

    let p384 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).unwrap();
    let p384 = SigningKey::from_der(p384.as_ref()).unwrap();
    assert_eq!(p384.key_type(), KeyType::EcP384);
    assert_eq!(p384.default_algorithm(), Some(Algorithm::ES384));

    let ed = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let public = Ed25519KeyPair::from_pkcs8(ed.as_ref()).unwrap();
    let ed = SigningKey::from_der(ed.as_ref()).unwrap();
    assert_eq!(ed.key_type(), KeyType::Ed25519);
    assert_eq!(ed.default_algorithm(), Some(Algorithm::EdDSA));
    let jwk: Value = serde_json::from_str(&ed.public_jwk(None, None).unwrap()).unwrap();
    use base64ct::{Base64UrlUnpadded, Encoding};
    assert_eq!(
        jwk["x"],
        Base64UrlUnpadded::encode_string(public.public_key().as_ref())
    );
    for (key, alg) in [
        (&p256, Algorithm::ES256),
        (&p384, Algorithm::ES384),
        (&ed, Algorithm::Ed25519),
    ] {
        let token = key
            .sign_jws(alg, &HeaderParams::default(), PAYLOAD)
            .unwrap();
        assert_eq!(verify(key, alg, &token).as_deref(), Ok(PAYLOAD), "{alg}");
    }
}

#[test]
fn generated_private_jwk_reads_back() {
    for alg in [
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
    ] {
        let generated = SigningKey::generate(alg).unwrap();
        let text = generated.private_jwk(Some("gen-1"));
        let jwk: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(jwk["alg"], alg.name());
        assert_eq!(jwk["kid"], "gen-1");
        assert!(jwk["d"].is_string(), "{alg}: {text}");

        let read = SigningKey::from_jwk(text.as_bytes()).unwrap();
        assert_eq!(read.alg(), Some(alg));
        assert_eq!(read.kid(), Some("gen-1"));
        assert_eq!(read.thumbprint(), generated.signing_key().thumbprint());
        assert_eq!(read.algorithms(), AlgSet::EMPTY.with(alg));
    }
    for alg in [Algorithm::RS256, Algorithm::PS512, Algorithm::HS256] {
        assert!(
            matches!(SigningKey::generate(alg), Err(Error::InvalidConfig { .. })),
            "{alg}"
        );
    }
}

#[test]
fn embedded_jwk_has_thumbprint_members_only() {
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .into_signing_key();
    let header = HeaderParams {
        typ: Some("dpop+jwt"),
        kid: None,
        embed_jwk: true,
    };
    let token = key.sign_jws(Algorithm::ES256, &header, PAYLOAD).unwrap();
    let header = header_of(&token);
    let members: Vec<&String> = header["jwk"].as_object().unwrap().keys().collect();
    assert_eq!(members, ["crv", "kty", "x", "y"]);
    assert_eq!(header["typ"], "dpop+jwt");
}

#[test]
fn jwk_alg_binds_the_key() {
    let generated = SigningKey::generate(Algorithm::Ed25519).unwrap();
    let key = SigningKey::from_jwk(generated.private_jwk(None).as_bytes()).unwrap();
    assert_eq!(key.default_algorithm(), Some(Algorithm::Ed25519));
    assert!(key.sign(Algorithm::Ed25519, b"m").is_ok());
    assert_eq!(
        key.sign(Algorithm::EdDSA, b"m").err(),
        Some(Error::KeyMismatch {
            reason: MismatchReason::Algorithm
        })
    );
    assert!(matches!(
        key.sign(Algorithm::ES256, b"m"),
        Err(Error::KeyMismatch { .. })
    ));

    let mut jwk: Value = serde_json::from_slice(&rsa_jwk()).unwrap();
    jwk["alg"] = "ES256".into();
    assert_eq!(
        SigningKey::from_jwk(jwk.to_string().as_bytes()).err(),
        Some(Error::KeyMismatch {
            reason: MismatchReason::Algorithm
        })
    );
    jwk["alg"] = "ES512".into();
    assert!(matches!(
        SigningKey::from_jwk(jwk.to_string().as_bytes()),
        Err(Error::UnsupportedAlg { .. })
    ));
    let rsa = SigningKey::from_jwk(&rsa_jwk())
        .unwrap()
        .with_kid("renamed");
    assert_eq!(rsa.kid(), Some("renamed"));
    assert_eq!(
        rsa.sign(Algorithm::ES256, b"m").err(),
        Some(Error::KeyMismatch {
            reason: MismatchReason::Algorithm
        })
    );
}

/// Returns the error of reading `rsa_jwk()` after `edit`.
fn rsa_jwk_error(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Option<Error> {
    let mut jwk: Value = serde_json::from_slice(&rsa_jwk()).unwrap();
    edit(jwk.as_object_mut().unwrap());
    SigningKey::from_jwk(jwk.to_string().as_bytes()).err()
}

fn invalid_key(fault: KeyFault) -> Option<Error> {
    Some(Error::InvalidKey { fault })
}

#[test]
fn broken_rsa_jwks_rejected() {
    assert_eq!(
        rsa_jwk_error(|jwk| {
            jwk.remove("d");
        }),
        invalid_key(KeyFault::PublicOnly)
    );
    for member in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
        if member != "d" {
            assert_eq!(
                rsa_jwk_error(|jwk| {
                    jwk.remove(member);
                }),
                invalid_key(KeyFault::MissingMember { member }),
                "{member}"
            );
        }
        assert_eq!(
            rsa_jwk_error(|jwk| {
                jwk.insert(member.into(), "not base64url!".into());
            }),
            invalid_key(KeyFault::BadMember { member }),
            "{member}"
        );
        assert_eq!(
            rsa_jwk_error(|jwk| {
                jwk.insert(member.into(), 5.into());
            }),
            invalid_key(KeyFault::BadMember { member }),
            "{member}"
        );
    }
    // The primes of another key do not belong to this modulus.
    let other_p = "7-2kXCYDUjtODxP5CtkIvZmgoHm5jrHrhoNFxM0WFCmR2p8HiVTgf8DqYh1zz9mgEg\
                   U0GhIzzKY6xJxiJThGK1wSz2I2ltZWeZQeiM3iezNKoYtmTT7nAUMIQCUGDV6Z7I7Z\
                   Zu4jPOE4PWnIz-uDrtMq2-G3vqmIvyiZ5qNrbcE";
    assert_eq!(
        rsa_jwk_error(|jwk| {
            jwk.insert("p".into(), other_p.into());
        }),
        invalid_key(KeyFault::PrivateKeyRejected)
    );
    // ring reads big-endian members without leading zeros.
    assert_eq!(
        rsa_jwk_error(|jwk| {
            let n = jwk["n"].as_str().unwrap().to_string();
            jwk.insert("n".into(), format!("AA{n}").into());
        }),
        invalid_key(KeyFault::PrivateKeyRejected)
    );
    // A 1028-bit modulus, below the 2048 bits ring signs with.
    let short_n = format!("B{}BQ", "A".repeat(169));
    assert_eq!(
        rsa_jwk_error(|jwk| {
            jwk.insert("n".into(), short_n.into());
        }),
        invalid_key(KeyFault::RsaSigningLimits)
    );
    // ring signs only with public exponents of at least 65537.
    assert_eq!(
        rsa_jwk_error(|jwk| {
            jwk.insert("e".into(), "Aw".into());
        }),
        invalid_key(KeyFault::RsaSigningLimits)
    );
    assert_eq!(
        rsa_jwk_error(|jwk| {
            jwk.insert("oth".into(), Value::Array(vec![]));
        }),
        Some(Error::KeyMismatch {
            reason: MismatchReason::UnsupportedKey
        })
    );
}

#[test]
fn unusable_jwks_rejected() {
    let cases: [(&str, Error); 12] = [
        (
            r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#,
            Error::InvalidKey {
                fault: KeyFault::PublicOnly,
            },
        ),
        (
            r#"{"kty":"oct","k":"c2VjcmV0"}"#,
            Error::KeyMismatch {
                reason: MismatchReason::UnsupportedKey,
            },
        ),
        (
            r#"{"kty":"EC","crv":"P-521","d":"AA","x":"AA","y":"AA"}"#,
            Error::KeyMismatch {
                reason: MismatchReason::UnsupportedKey,
            },
        ),
        (
            r#"{"kty":"OKP","crv":"X25519","d":"AA","x":"AA"}"#,
            Error::KeyMismatch {
                reason: MismatchReason::UnsupportedKey,
            },
        ),
        (
            r#"{"kty":"EC","d":"AA","x":"AA","y":"AA"}"#,
            Error::InvalidKey {
                fault: KeyFault::MissingMember { member: "crv" },
            },
        ),
        (
            r#"{"crv":"P-256","d":"AA"}"#,
            Error::InvalidKey {
                fault: KeyFault::MissingMember { member: "kty" },
            },
        ),
        (
            r#"{"kty":"EC","crv":"P-256","d":"AA","x":"AA","y":"AA"}"#,
            Error::InvalidKey {
                fault: KeyFault::BadMember { member: "d" },
            },
        ),
        (
            r#"{"kty":"DSA","d":"AA"}"#,
            Error::KeyMismatch {
                reason: MismatchReason::UnsupportedKey,
            },
        ),
        (
            r#"{"kty":"EC","use":"enc","crv":"P-256","d":"AA"}"#,
            Error::KeyMismatch {
                reason: MismatchReason::NotForSignatures,
            },
        ),
        (
            r#"{"kty":"EC","key_ops":["verify"],"crv":"P-256","d":"AA"}"#,
            Error::KeyMismatch {
                reason: MismatchReason::NotForSignatures,
            },
        ),
        (
            r#"{"kty":"EC","key_ops":"sign","crv":"P-256","d":"AA"}"#,
            Error::InvalidKey {
                fault: KeyFault::BadMember { member: "key_ops" },
            },
        ),
        (
            r#"{"kty":"EC","kid":7,"crv":"P-256","d":"AA"}"#,
            Error::InvalidKey {
                fault: KeyFault::BadMember { member: "kid" },
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            SigningKey::from_jwk(text.as_bytes()).err(),
            Some(expected),
            "{text}"
        );
    }
    for text in ["", "[]", "{\"kty\":\"EC\",\"kty\":\"EC\"}", "{} x"] {
        assert!(
            matches!(
                SigningKey::from_jwk(text.as_bytes()),
                Err(Error::Malformed { .. })
            ),
            "{text:?}"
        );
    }
}

#[test]
fn mismatched_ec_and_ed25519_members_rejected() {
    // Two generated keys: the private member of one with the public of the other.
    let parse = |alg| -> serde_json::Map<String, Value> {
        let text = SigningKey::generate(alg).unwrap().private_jwk(None);
        serde_json::from_str(&text).unwrap()
    };
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        let mut one = parse(alg);
        let other = parse(alg);
        one.insert("d".into(), other["d"].clone());
        assert_eq!(
            SigningKey::from_jwk(Value::Object(one).to_string().as_bytes()).err(),
            invalid_key(KeyFault::PrivateKeyRejected),
            "{alg}"
        );
    }
    let mut ec = parse(Algorithm::ES256);
    ec.insert("x".into(), "AAAA".into());
    assert_eq!(
        SigningKey::from_jwk(Value::Object(ec).to_string().as_bytes()).err(),
        invalid_key(KeyFault::BadMember { member: "x" })
    );
}

#[test]
fn unusable_der_rejected() {
    assert_eq!(
        SigningKey::from_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).err(),
        invalid_key(KeyFault::UnknownKeyFormat)
    );
    assert_eq!(
        SigningKey::from_der(b"").err(),
        invalid_key(KeyFault::UnknownKeyFormat)
    );

    // The P-256 OID's last byte changed: a curve tokenguard does not sign with.
    let mut other_curve = p256_pkcs8();
    let oid = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let at = other_curve
        .windows(oid.len())
        .position(|window| window == oid)
        .unwrap();
    other_curve[at + oid.len() - 1] = 0x08;
    assert_eq!(
        SigningKey::from_der(&other_curve).err(),
        Some(Error::KeyMismatch {
            reason: MismatchReason::UnsupportedKey
        })
    );

    // A truncated key is still recognised as PKCS#8 P-256 but does not load.
    let mut truncated = p256_pkcs8();
    truncated.truncate(truncated.len() - 10);
    assert!(matches!(
        SigningKey::from_der(&truncated),
        Err(Error::InvalidKey { .. })
    ));

    let mut pkcs1 = pkcs1_of(&rsa_pkcs8());
    let last = pkcs1.len() - 1;
    pkcs1[last] ^= 1;
    assert_eq!(
        SigningKey::from_der(&pkcs1).err(),
        invalid_key(KeyFault::PrivateKeyRejected)
    );
}

#[test]
fn oversized_keys_rejected() {
    let big = vec![b' '; MAX_PRIVATE_KEY_BYTES + 1];
    let too_large = Some(Error::TooLarge {
        len: MAX_PRIVATE_KEY_BYTES + 1,
        max: MAX_PRIVATE_KEY_BYTES,
    });
    assert_eq!(SigningKey::from_jwk(&big).err(), too_large);
    assert_eq!(SigningKey::from_der(&big).err(), too_large);
}

#[test]
fn debug_output_hides_key_material() {
    let generated = SigningKey::generate(Algorithm::ES256).unwrap();
    let jwk: Value = serde_json::from_str(&generated.private_jwk(None)).unwrap();
    let d = jwk["d"].as_str().unwrap();
    let text = format!("{generated:?}");
    assert!(text.contains("EcP256"), "{text}");
    assert!(!text.contains(d), "{text}");
}
