//! `tokenguard sign`: sign and verify round trips for every algorithm, the header
//! and payload it writes, and its errors.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;
use support::*;

/// Verifies `token` against the JWK Set or secret in `keys` and returns the
/// verified JSON.
fn verify(keys: &[&str], alg: &str, token: &str) -> Value {
    let output = tokenguard()
        .arg("verify")
        .args(keys)
        .args(["--issuer", ISSUER, "--audience", AUDIENCE, "--alg", alg])
        .args(["--profile", "rfc9068"])
        .arg(token)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{alg}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("verify prints JSON")
}

/// Writes the public JWK of an RSA key file as a one-key JWK Set.
fn rsa_public_set(dir: &Path, key: &Path) -> PathBuf {
    let output = tokenguard()
        .args(["public-jwk", "--kid", "rsa-1", "--key"])
        .arg(key)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let jwk = String::from_utf8(output.stdout).unwrap();
    let path = dir.join("rsa.public.json");
    fs::write(&path, format!("{{\"keys\":[{}]}}", jwk.trim_end())).unwrap();
    path
}

fn decode_segment(token: &str, index: usize) -> Value {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let segment = token.split('.').nth(index).expect("segment");
    let bytes = Base64UrlUnpadded::decode_vec(segment).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON segment")
}

#[test]
fn round_trip_ecdsa_and_eddsa() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    for alg in ["ES256", "ES384", "EdDSA", "Ed25519"] {
        let (private, public) = keygen(dir.path(), alg, &format!("{alg}-key"));
        let token = sign(&["--key", private.to_str().unwrap()], &claims);
        let json = verify(&["--jwks", public.to_str().unwrap()], alg, &token);
        assert_eq!(json["header"]["alg"], alg);
        assert_eq!(json["header"]["kid"], format!("{alg}-key"));
        assert_eq!(json["claims"]["sub"], "user-1");
    }
}

#[test]
fn ecdsa_signatures_are_fixed_width() {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    for (alg, len) in [("ES256", 64), ("ES384", 96)] {
        let (private, _) = keygen(dir.path(), alg, alg);
        let token = sign(&["--key", private.to_str().unwrap()], &claims);
        let signature = token.rsplit('.').next().unwrap();
        let bytes = Base64UrlUnpadded::decode_vec(signature).unwrap();
        assert_eq!(bytes.len(), len, "{alg}: R || S");
    }
}

#[test]
fn round_trip_rsa_pkcs8() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let key = rsa_test_key();
    let public = rsa_public_set(dir.path(), &key);
    for alg in ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] {
        let token = sign(
            &[
                "--key",
                key.to_str().unwrap(),
                "--alg",
                alg,
                "--kid",
                "rsa-1",
            ],
            &claims,
        );
        let json = verify(&["--jwks", public.to_str().unwrap()], alg, &token);
        assert_eq!(json["header"]["alg"], alg);
    }
}

#[test]
fn round_trip_rsa_private_jwk() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let public = rsa_public_set(dir.path(), &rsa_test_key());
    let jwk = fixture("rsa-2048-test-only-1.private.jwk");
    for alg in ["RS256", "PS512"] {
        let token = sign(
            &[
                "--key",
                jwk.to_str().unwrap(),
                "--alg",
                alg,
                "--kid",
                "rsa-1",
            ],
            &claims,
        );
        verify(&["--jwks", public.to_str().unwrap()], alg, &token);
    }
}

#[test]
fn round_trip_hmac() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let secret = dir.path().join("secret");
    fs::write(&secret, format!("{}\n", "k".repeat(64))).unwrap();
    let secret = secret.to_str().unwrap();
    for alg in ["HS256", "HS384", "HS512"] {
        let token = sign(&["--key", secret, "--alg", alg, "--kid", "h"], &claims);
        let keys = [
            "--hmac-secret-file",
            secret,
            "--hmac-alg",
            alg,
            "--kid",
            "h",
        ];
        let json = verify(&keys, alg, &token);
        assert_eq!(json["header"]["alg"], alg);
    }
}

#[test]
fn header_members() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let (private, _) = keygen(dir.path(), "ES256", "from-jwk");
    let key = private.to_str().unwrap();

    let token = sign(&["--key", key], &claims);
    assert_eq!(
        decode_segment(&token, 0),
        serde_json::json!({"alg": "ES256", "typ": "at+jwt", "kid": "from-jwk"})
    );
    let header_text = token.split('.').next().unwrap();
    assert_eq!(
        header_text, "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImZyb20tandrIn0",
        "members in the order alg, typ, kid"
    );

    let token = sign(&["--key", key, "--kid", "other", "--typ", "JWT"], &claims);
    assert_eq!(
        decode_segment(&token, 0),
        serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": "other"})
    );
    let token = sign(&["--key", key, "--no-typ"], &claims);
    assert_eq!(
        decode_segment(&token, 0),
        serde_json::json!({"alg": "ES256", "kid": "from-jwk"})
    );
}

#[test]
fn payload_is_compact_and_exact() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "EdDSA", "ed");
    let claims = dir.path().join("claims.json");
    fs::write(
        &claims,
        "{\n  \"z\": 1e400,\n  \"a\": [1, 2.50],\n  \"s\": \"\\u00e9\"\n}\n",
    )
    .unwrap();
    let token = sign(&["--key", private.to_str().unwrap()], &claims);

    use base64ct::{Base64UrlUnpadded, Encoding};
    let payload = Base64UrlUnpadded::decode_vec(token.split('.').nth(1).unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(payload).unwrap(),
        "{\"z\":1e400,\"a\":[1,2.50],\"s\":\"é\"}"
    );
}

#[test]
fn claims_from_stdin() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "ES256", "es");
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let output = tokenguard()
        .args(["sign", "--key", private.to_str().unwrap(), "-"])
        .write_stdin(fs::read(&claims).unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let token = String::from_utf8(output.stdout).unwrap();
    verify(
        &["--jwks", public.to_str().unwrap()],
        "ES256",
        token.trim_end(),
    );
}

#[test]
fn bad_claims_rejected() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "es");
    let key = private.to_str().unwrap();
    let cases = [
        ("{\"exp\": ", "invalid JSON"),
        ("[1, 2]", "JSON is not an object"),
        ("{\"exp\": 1, \"exp\": 2}", "duplicate member name"),
    ];
    for (text, fault) in cases {
        let claims = dir.path().join("claims.json");
        fs::write(&claims, text).unwrap();
        tokenguard()
            .args(["sign", "--key", key])
            .arg(&claims)
            .assert()
            .code(2)
            .stdout("")
            .stderr(format!(
                "error: the claims in {} are not one JSON object: {fault}\n",
                claims.display()
            ));
    }
    tokenguard()
        .args(["sign", "--key", key, "/nonexistent/claims.json"])
        .assert()
        .code(2)
        .stderr("error: cannot open claims file /nonexistent/claims.json: file not found\n");
}

#[test]
fn key_and_algorithm_errors() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let (private, public) = keygen(dir.path(), "ES256", "es");
    let rsa = rsa_test_key();

    tokenguard()
        .arg("sign")
        .arg("--key")
        .arg(&rsa)
        .arg(&claims)
        .assert()
        .code(2)
        .stderr(format!(
            "error: {} contains an RSA key: choose the algorithm with --alg, one of RS256, \
             RS384, RS512, PS256, PS384, PS512\n",
            rsa.display()
        ));
    tokenguard()
        .args(["sign", "--alg", "ES256", "--key"])
        .arg(&rsa)
        .arg(&claims)
        .assert()
        .code(2)
        .stderr(contains(
            "contains an RSA key, which signs RS256, RS384, RS512, PS256, PS384, PS512, not ES256",
        ));
    tokenguard()
        .args(["sign", "--alg", "ES384", "--key"])
        .arg(&private)
        .arg(&claims)
        .assert()
        .code(2)
        .stderr(contains("has alg ES256, so it does not sign ES384"));

    let public_jwk = dir.path().join("public.jwk");
    let set: Value = serde_json::from_str(&fs::read_to_string(&public).unwrap()).unwrap();
    fs::write(&public_jwk, set["keys"][0].to_string()).unwrap();
    tokenguard()
        .arg("sign")
        .arg("--key")
        .arg(&public_jwk)
        .arg(&claims)
        .assert()
        .code(2)
        .stderr(contains(
            "the JWK is a public key (it has no d member); signing needs the private key",
        ));
    tokenguard()
        .args(["sign", "--key", "/nonexistent/key.jwk"])
        .arg(&claims)
        .assert()
        .code(2)
        .stderr("error: cannot open key file /nonexistent/key.jwk: file not found\n");
    tokenguard()
        .args(["sign", "--alg", "ES512", "--key"])
        .arg(&private)
        .arg(&claims)
        .assert()
        .code(2)
        .stderr(contains("ES512 is not supported"));
}

#[test]
fn short_hmac_secret_warns() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let secret = dir.path().join("secret");
    fs::write(&secret, "too short").unwrap();
    tokenguard()
        .args(["sign", "--alg", "HS256", "--key"])
        .arg(&secret)
        .arg(&claims)
        .assert()
        .success()
        .stdout(
            predicate::str::is_match("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\n$")
                .unwrap(),
        )
        .stderr(format!(
            "warning: the HMAC secret in {} is 9 bytes, shorter than the 32 bytes of the \
             HS256 hash; tokenguard verify rejects it as weak_key\n",
            secret.display()
        ));
}

#[test]
fn oct_jwk_points_to_raw_secret() {
    let dir = temp_dir();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let jwk = dir.path().join("oct.jwk");
    fs::write(&jwk, r#"{"kty":"oct","k":"c2VjcmV0","d":"x"}"#).unwrap();
    tokenguard()
        .arg("sign")
        .arg("--key")
        .arg(&jwk)
        .arg(&claims)
        .assert()
        .code(2)
        .stderr(contains("an oct JWK is an HMAC secret"));
}
