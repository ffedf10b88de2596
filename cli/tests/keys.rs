//! `tokenguard thumbprint`, `keygen` and `public-jwk`.

mod support;

use std::fs;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;
use support::*;

/// RFC 7638 section 3.1: the thumbprint of the example key.
const RFC7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

fn json_file(path: &std::path::Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).expect("JSON file")
}

#[test]
fn thumbprint_of_rfc7638_example() {
    tokenguard()
        .arg("thumbprint")
        .arg(fixture("rfc7638-example-key.json"))
        .assert()
        .success()
        .stdout(format!("{RFC7638_THUMBPRINT}\n"))
        .stderr("");
}

#[test]
fn thumbprint_from_stdin() {
    let key = fs::read_to_string(fixture("rfc7638-example-key.json")).unwrap();
    tokenguard()
        .arg("thumbprint")
        .write_stdin(key.clone())
        .assert()
        .success()
        .stdout(format!("{RFC7638_THUMBPRINT}\n"));
    tokenguard()
        .args(["thumbprint", "-"])
        .write_stdin(key)
        .assert()
        .success()
        .stdout(format!("{RFC7638_THUMBPRINT}\n"));
}

#[test]
fn thumbprint_rejects_private_key() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "es-1");
    let path_text = private.display().to_string();
    tokenguard()
        .arg("thumbprint")
        .arg(&private)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: the JWK in {path_text} is a private key (it has d or other private \
             members); a thumbprint is computed over the public key: run tokenguard \
             public-jwk --key {path_text} | tokenguard thumbprint\n"
        ));
}

#[test]
fn thumbprint_rejects_key_set_and_bad_input() {
    tokenguard()
        .args(["thumbprint", "examples/jwks.json"])
        .assert()
        .code(2)
        .stderr(
            "error: examples/jwks.json is a JWK Set; give one JWK, such as one element of \
             its keys array\n",
        );
    tokenguard()
        .args(["thumbprint", "/nonexistent/key.json"])
        .assert()
        .code(2)
        .stderr("error: cannot open JWK file /nonexistent/key.json: file not found\n");
    tokenguard()
        .arg("thumbprint")
        .write_stdin("{\"kty\": ")
        .assert()
        .code(2)
        .stderr(
            "error: cannot use the JWK in standard input: malformed (100): malformed key: \
             invalid JSON\n",
        );
}

#[test]
fn keygen_writes_private_and_public_keys() {
    for (alg, crv, kty) in [
        ("ES256", "P-256", "EC"),
        ("ES384", "P-384", "EC"),
        ("EdDSA", "Ed25519", "OKP"),
        ("Ed25519", "Ed25519", "OKP"),
    ] {
        let dir = temp_dir();
        let private = dir.path().join("private.json");
        let public = dir.path().join("public.json");
        let output = tokenguard()
            .args(["keygen", "--alg", alg, "--kid", "k1"])
            .arg("--private-out")
            .arg(&private)
            .arg("--public-out")
            .arg(&public)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{alg}: {output:?}");

        let private_jwk = json_file(&private);
        let d = private_jwk["d"].as_str().expect("private JWK has d");
        assert_eq!(private_jwk["kty"], kty, "{alg}");
        assert_eq!(private_jwk["crv"], crv, "{alg}");
        assert_eq!(private_jwk["alg"], alg, "{alg}");
        assert_eq!(private_jwk["kid"], "k1", "{alg}");

        let public_set = json_file(&public);
        let keys = public_set["keys"].as_array().expect("a JWK Set");
        assert_eq!(keys.len(), 1, "{alg}");
        assert_eq!(keys[0]["x"], private_jwk["x"], "{alg}");
        assert_eq!(keys[0]["use"], "sig", "{alg}");
        assert!(keys[0].get("d").is_none(), "{alg}: public key has d");

        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!printed.contains("\"d\""), "{alg}: printed {printed}");
        assert!(!printed.contains(d), "{alg}: printed the private key");
        assert!(
            !fs::read_to_string(&public).unwrap().contains(d),
            "{alg}: public file has d"
        );
    }
}

#[cfg(unix)]
#[test]
fn keygen_private_file_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "es-1");
    let mode = fs::metadata(&private).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn keygen_public_set_to_stdout() {
    let dir = temp_dir();
    let private = dir.path().join("private.json");
    let output = tokenguard()
        .args(["keygen", "--alg", "EdDSA", "--kid", "ed-1", "--private-out"])
        .arg(&private)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let set: Value = serde_json::from_slice(&output.stdout).expect("stdout is a JWK Set");
    assert_eq!(set["keys"][0]["kid"], "ed-1");
    assert!(set["keys"][0].get("d").is_none());
    assert!(!String::from_utf8_lossy(&output.stdout).contains("\"d\""));
}

#[test]
fn keygen_refuses_to_overwrite() {
    let dir = temp_dir();
    let private = dir.path().join("private.json");
    fs::write(&private, "keep me").unwrap();
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--private-out"])
        .arg(&private)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {} already exists; choose another file or pass --force to replace it\n",
            private.display()
        ));
    assert_eq!(fs::read_to_string(&private).unwrap(), "keep me");

    let public = dir.path().join("public.json");
    fs::write(&public, "keep me too").unwrap();
    let fresh = dir.path().join("fresh.json");
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--private-out"])
        .arg(&fresh)
        .arg("--public-out")
        .arg(&public)
        .assert()
        .code(2)
        .stderr(contains("already exists"));
    assert!(!fresh.exists(), "no file is written when one output exists");
}

#[cfg(unix)]
#[test]
fn keygen_force_replaces_with_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let private = dir.path().join("private.json");
    fs::write(&private, "old").unwrap();
    fs::set_permissions(&private, fs::Permissions::from_mode(0o644)).unwrap();
    tokenguard()
        .args(["keygen", "--alg", "ES384", "--force", "--private-out"])
        .arg(&private)
        .assert()
        .success();
    assert!(json_file(&private)["d"].is_string());
    let mode = fs::metadata(&private).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn keygen_usage_errors() {
    tokenguard()
        .args(["keygen", "--alg", "ES256"])
        .assert()
        .code(2)
        .stderr(contains("--private-out <FILE>"));
    tokenguard()
        .args(["keygen", "--alg", "RS256", "--private-out", "x"])
        .assert()
        .code(2)
        .stderr(contains("possible values: ES256, ES384, EdDSA, Ed25519"));
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--private-out", "same.json"])
        .args(["--public-out", "same.json"])
        .assert()
        .code(2)
        .stderr("error: --private-out and --public-out name the same file; give two files\n");
}

#[test]
fn keygen_default_kid_is_thumbprint() {
    let dir = temp_dir();
    let private = dir.path().join("private.json");
    let public = dir.path().join("public.json");
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--private-out"])
        .arg(&private)
        .arg("--public-out")
        .arg(&public)
        .assert()
        .success();
    let key = json_file(&public)["keys"][0].clone();
    let kid = key["kid"].as_str().unwrap().to_string();
    tokenguard()
        .arg("thumbprint")
        .write_stdin(key.to_string())
        .assert()
        .success()
        .stdout(format!("{kid}\n"));
}

#[test]
fn public_jwk_from_private_jwk() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "ES384", "es-1");
    let output = tokenguard()
        .args(["public-jwk", "--key"])
        .arg(&private)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let jwk: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(jwk, json_file(&public)["keys"][0]);
    assert!(jwk.get("d").is_none());
}

#[test]
fn public_jwk_from_rsa_pkcs8() {
    let output = tokenguard()
        .args(["public-jwk", "--kid", "rsa-1", "--alg", "PS256", "--key"])
        .arg(rsa_test_key())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let jwk: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["kid"], "rsa-1");
    assert_eq!(jwk["alg"], "PS256");
    assert_eq!(jwk["e"], "AQAB");
    assert_eq!(
        jwk["n"].as_str().map(str::len),
        Some(342),
        "2048-bit modulus"
    );

    // The same key as a private JWK gives the same public members.
    let from_jwk = tokenguard()
        .args(["public-jwk", "--kid", "rsa-1", "--alg", "PS256", "--key"])
        .arg(fixture("rsa-2048-test-only-1.private.jwk"))
        .output()
        .unwrap();
    assert_eq!(from_jwk.stdout, output.stdout);
}

#[test]
fn public_jwk_default_kid_is_thumbprint() {
    let output = tokenguard()
        .args(["public-jwk", "--key"])
        .arg(rsa_test_key())
        .output()
        .unwrap();
    let jwk: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        jwk.get("alg").is_none(),
        "an RSA key without --alg has no alg"
    );
    tokenguard()
        .arg("thumbprint")
        .write_stdin(jwk.to_string())
        .assert()
        .success()
        .stdout(format!("{}\n", jwk["kid"].as_str().unwrap()));
}

#[test]
fn public_jwk_errors() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "ES256", "es-1");
    tokenguard()
        .args(["public-jwk", "--alg", "ES384", "--key"])
        .arg(&private)
        .assert()
        .code(2)
        .stderr(format!(
            "error: --alg ES384 does not fit an EC P-256 key in {}, which signs ES256\n",
            private.display()
        ));
    tokenguard()
        .args(["public-jwk", "--key"])
        .arg(&public)
        .assert()
        .code(2)
        .stderr(contains("the file is a JWK Set; give one private JWK"));
    tokenguard()
        .args(["public-jwk", "--key", "/nonexistent/key.pem"])
        .assert()
        .code(2)
        .stderr("error: cannot open key file /nonexistent/key.pem: file not found\n");

    let garbage = dir.path().join("garbage.der");
    fs::write(&garbage, [0x30, 0x03, 0x02, 0x01, 0x00]).unwrap();
    tokenguard()
        .args(["public-jwk", "--key"])
        .arg(&garbage)
        .assert()
        .code(2)
        .stderr(contains(
            "the file is not a private key tokenguard can read: expected a private JWK, or \
             an unencrypted RSA, P-256, P-384 or Ed25519 key in PKCS#8 (DER or PEM)",
        ));
}

#[test]
fn pem_private_keys() {
    use base64ct::{Base64, Encoding};
    let dir = temp_dir();
    let der = fs::read(rsa_test_key()).unwrap();
    let body = Base64::encode_string(&der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    let pem = dir.path().join("key.pem");
    fs::write(
        &pem,
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ),
    )
    .unwrap();
    let from_pem = tokenguard()
        .args(["public-jwk", "--kid", "r", "--key"])
        .arg(&pem)
        .output()
        .unwrap();
    let from_der = tokenguard()
        .args(["public-jwk", "--kid", "r", "--key"])
        .arg(rsa_test_key())
        .output()
        .unwrap();
    assert_eq!(from_pem.status.code(), Some(0), "{from_pem:?}");
    assert_eq!(from_pem.stdout, from_der.stdout);

    let sec1 = dir.path().join("sec1.pem");
    fs::write(
        &sec1,
        "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n",
    )
    .unwrap();
    tokenguard()
        .args(["public-jwk", "--key"])
        .arg(&sec1)
        .assert()
        .code(2)
        .stderr(contains(format!(
            "the key is in SEC1 form, which ring does not read; convert it with openssl \
             pkcs8 -topk8 -nocrypt -in {} -out key.pem",
            sec1.display()
        )));

    let encrypted = dir.path().join("encrypted.pem");
    fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    tokenguard()
        .args(["public-jwk", "--key"])
        .arg(&encrypted)
        .assert()
        .code(2)
        .stderr(contains("the key is encrypted; decrypt it first"));
}

#[test]
fn private_key_never_printed_by_public_jwk() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "EdDSA", "ed-1");
    let d = json_file(&private)["d"].as_str().unwrap().to_string();
    tokenguard()
        .args(["public-jwk", "--key"])
        .arg(&private)
        .assert()
        .success()
        .stdout(contains(d.as_str()).not())
        .stdout(contains("\"d\"").not());
}
