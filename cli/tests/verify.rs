//! `tokenguard verify`: token sources, key sources, policy options, output and
//! exit codes.

mod support;

use std::fs;
use std::time::Duration;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;
use support::*;

/// A time between the examples' `iat` and the expired example's `exp`.
const BEFORE_EXPIRY: &str = "1767226000";

/// 800 seconds after the expired example's `exp` of 1767229200.
const AFTER_EXPIRY: &str = "1767230000";

fn verify_example(extra: &[&str]) -> assert_cmd::Command {
    let mut command = tokenguard();
    command.arg("verify").args(example_policy()).args(extra);
    command
}

#[test]
fn valid_token_prints_header_and_claims() {
    let output = verify_example(&[])
        .arg(example_token("es256.jwt"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty(), "{output:?}");

    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(json["header"]["alg"], "ES256");
    assert_eq!(json["header"]["kid"], "es256-1");
    assert_eq!(json["header"]["typ"], "at+jwt");
    assert_eq!(json["claims"]["iss"], ISSUER);
    assert_eq!(json["claims"]["aud"], AUDIENCE);
    assert_eq!(json["claims"]["scope"], "orders:read orders:write");
    assert_eq!(json["claims"]["iat"], ISSUED_AT);
}

#[test]
fn expired_token_reports_error_and_challenge() {
    verify_example(&["--now", AFTER_EXPIRY])
        .arg("--token-file")
        .arg(example("expired.jwt"))
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "error: expired (300): token expired at 1767229200 (now 1767230000)\n\
             HTTP status: 401\n\
             WWW-Authenticate: Bearer error=\"invalid_token\", \
             error_description=\"token expired at 1767229200 (now 1767230000)\"\n",
        );
}

#[test]
fn expired_token_valid_before_expiry() {
    verify_example(&["--now", BEFORE_EXPIRY])
        .arg("--token-file")
        .arg(example("expired.jwt"))
        .assert()
        .success();
}

#[test]
fn wrong_audience_rejected() {
    verify_example(&[])
        .arg(example_token("wrong-audience.jwt"))
        .assert()
        .code(1)
        .stderr(contains(
            "error: wrong_audience (306): audience contains no accepted audience\n",
        ));
}

#[test]
fn other_audience_accepted_when_listed() {
    verify_example(&["--audience", "https://other.example.com"])
        .arg(example_token("wrong-audience.jwt"))
        .assert()
        .success();
}

#[test]
fn tampered_token_rejected() {
    verify_example(&[])
        .arg(example_token("tampered.jwt"))
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains(
            "error: bad_signature (206): signature verification failed",
        ))
        .stderr(contains("WWW-Authenticate: Bearer error=\"invalid_token\""));
}

#[test]
fn quiet_prints_nothing() {
    verify_example(&["--quiet"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
    verify_example(&["-q", "--now", AFTER_EXPIRY])
        .arg(example_token("expired.jwt"))
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    verify_example(&["--quiet", "--token-file", "/nonexistent/token.jwt"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("");
}

#[test]
fn token_from_stdin() {
    verify_example(&[])
        .write_stdin(format!("{}\n", example_token("eddsa.jwt")))
        .assert()
        .success()
        .stdout(contains("\"alg\": \"EdDSA\""));
    verify_example(&["--token-file", "-"])
        .write_stdin(example_token("es384.jwt"))
        .assert()
        .success()
        .stdout(contains("\"alg\": \"ES384\""));
}

#[test]
fn empty_token_rejected() {
    verify_example(&[])
        .write_stdin("\n")
        .assert()
        .code(2)
        .stderr(
            "error: the token from standard input is empty: expected a compact JWS \
             (header.payload.signature)\n",
        );

    let dir = temp_dir();
    let empty = dir.path().join("empty.jwt");
    fs::write(&empty, "").unwrap();
    verify_example(&[])
        .arg("--token-file")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(contains(format!(
            "error: the token from {} is empty",
            empty.display()
        )));
    verify_example(&[""])
        .assert()
        .code(2)
        .stderr(contains("the token from the TOKEN argument is empty"));
}

#[test]
fn missing_token_file() {
    verify_example(&["--token-file", "/nonexistent/token.jwt"])
        .assert()
        .code(2)
        .stderr("error: cannot open token file /nonexistent/token.jwt: file not found\n");
}

#[test]
fn garbage_token_is_malformed() {
    verify_example(&["not-a-token"])
        .assert()
        .code(1)
        .stderr(contains(
            "error: malformed (100): malformed token: expected exactly three \
             dot-separated segments",
        ));
}

#[test]
fn authorization_header_input() {
    let token = example_token("es256.jwt");
    verify_example(&["--header", &format!("Bearer {token}")])
        .assert()
        .success()
        .stdout(contains("\"kid\": \"es256-1\""));
    verify_example(&["--header", &format!("DPoP {token}")])
        .assert()
        .code(1)
        .stderr(contains(
            "error: malformed (100): malformed authorization header",
        ))
        .stderr(contains("HTTP status: 400"))
        .stderr(contains(
            "WWW-Authenticate: Bearer error=\"invalid_request\"",
        ));
    verify_example(&["--header", "Basic dXNlcjpwYXNz"])
        .assert()
        .code(1)
        .stderr(contains("scheme is neither Bearer nor DPoP"));
}

#[test]
fn token_sources_conflict() {
    verify_example(&["--header", "Bearer x", "--token-file", "t.jwt"])
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
}

#[test]
fn missing_jwks_file() {
    tokenguard()
        .args(["verify", "--jwks", "/nonexistent/jwks.json"])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE, "x.y.z"])
        .assert()
        .code(2)
        .stderr("error: cannot open JWK Set file /nonexistent/jwks.json: file not found\n");
}

#[test]
fn unreadable_jwks_json() {
    let dir = temp_dir();
    let jwks = dir.path().join("jwks.json");
    fs::write(&jwks, "{\"keys\": [").unwrap();
    tokenguard()
        .arg("verify")
        .arg("--jwks")
        .arg(&jwks)
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(format!(
            "error: cannot use the JWK Set from {}: malformed (100): malformed key set: \
             invalid JSON\n",
            jwks.display()
        ));
}

#[test]
fn private_jwks_rejected() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "es-1");
    let jwks = dir.path().join("jwks.json");
    let private_jwk = fs::read_to_string(&private).unwrap();
    fs::write(&jwks, format!("{{\"keys\":[{private_jwk}]}}")).unwrap();
    tokenguard()
        .arg("verify")
        .arg("--jwks")
        .arg(&jwks)
        .args(["--issuer", ISSUER, "--audience", AUDIENCE, "x.y.z"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid_key (205): invalid key: verification key carries private key members",
        ));
}

#[test]
fn jwks_url_served_locally() {
    let jwks = fs::read_to_string(example("jwks.json")).unwrap();
    let server = OneShotServer::jwk_set(&jwks);
    tokenguard()
        .args(["verify", "--jwks-url", &server.url])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(example_token("ps256.jwt"))
        .assert()
        .success()
        .stdout(contains("\"alg\": \"PS256\""));

    let request = server.request();
    assert!(request.starts_with("GET /jwks HTTP/1.1\r\n"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains("accept: application/jwk-set+json, application/json"),
        "{request}"
    );
}

#[test]
fn jwks_url_unreachable() {
    let url = format!("http://127.0.0.1:{}/jwks", closed_port());
    tokenguard()
        .args(["verify", "--jwks-url", &url])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: fetching the JWK Set from {url} failed: the connection was refused; \
             check the host and port, and that the server is running\n"
        ));
}

#[test]
fn jwks_url_not_found() {
    let body = "not here";
    let response = format!(
        "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let server = OneShotServer::respond(response.into_bytes());
    let url = server.url.clone();
    tokenguard()
        .args(["verify", "--jwks-url", &url])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(format!(
            "error: fetching the JWK Set from {url} failed: HTTP status 404 (expected \
             200); check the URL\n"
        ));
    server.request();
}

#[test]
fn jwks_url_oversized_body() {
    let body_len = tokenguard::MAX_KEY_SET_BYTES + 1024;
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body_len}\r\n\
         Connection: close\r\n\r\n"
    )
    .into_bytes();
    response.extend(std::iter::repeat_n(b' ', body_len));
    let server = OneShotServer::respond(response);
    tokenguard()
        .args(["verify", "--jwks-url", &server.url])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains(
            "the response body is larger than 1048576 bytes, the maximum JWK Set size",
        ));
    server.request();
}

#[test]
fn jwks_url_timeout() {
    let server = OneShotServer::silent(Duration::from_secs(3));
    tokenguard()
        .args(["verify", "--jwks-url", &server.url, "--timeout", "1"])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains(
            "failed: timed out after 1 second; raise --timeout or check that the server \
             responds",
        ));
    server.request();
}

#[test]
fn jwks_url_other_scheme_rejected() {
    for url in [
        "ftp://127.0.0.1/jwks",
        "file:///etc/jwks.json",
        "127.0.0.1/jwks",
    ] {
        tokenguard()
            .args(["verify", "--jwks-url", url])
            .args(["--issuer", ISSUER, "--audience", AUDIENCE])
            .arg(example_token("es256.jwt"))
            .assert()
            .code(2)
            .stderr(format!(
                "error: --jwks-url {url:?} is not an http:// or https:// URL; use --jwks \
                 for a file\n"
            ));
    }
}

#[test]
fn hmac_options_need_secret_file() {
    let expected = "error: --hmac-alg and --kid apply only to --hmac-secret-file; remove them, \
                    since the keys of a JWK Set carry their own alg and kid\n";
    verify_example(&["--kid", "es256-1"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(expected);
    verify_example(&["--hmac-alg", "HS256"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(expected);
}

#[test]
fn timeout_needs_jwks_url() {
    verify_example(&["--timeout", "3"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(
            "error: --timeout applies only to --jwks-url; remove it or fetch the keys from a URL\n",
        );
}

#[test]
fn hmac_secret_verifies() {
    let dir = temp_dir();
    let secret = dir.path().join("secret");
    fs::write(&secret, format!("{}\n", "s".repeat(32))).unwrap();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let secret_arg = secret.to_str().unwrap();
    let token = sign(
        &["--key", secret_arg, "--alg", "HS256", "--kid", "h1"],
        &claims,
    );

    let verify = |extra: &[&str]| {
        let mut command = tokenguard();
        command
            .args([
                "verify",
                "--hmac-secret-file",
                secret_arg,
                "--hmac-alg",
                "HS256",
            ])
            .args(["--issuer", ISSUER, "--audience", AUDIENCE])
            .args(extra)
            .arg(&token);
        command
    };
    verify(&["--kid", "h1"]).assert().success();
    verify(&["--kid", "other"])
        .assert()
        .code(1)
        .stderr(contains("error: unknown_kid (202)"));
    verify(&["--kid", "h1", "--alg", "ES256"])
        .assert()
        .code(1)
        .stderr(contains(
            "error: unsupported_alg (200): algorithm HS256 is not allowed by the policy",
        ));
}

#[test]
fn hmac_secret_too_short() {
    let dir = temp_dir();
    let secret = dir.path().join("secret");
    fs::write(&secret, "short").unwrap();
    tokenguard()
        .arg("verify")
        .arg("--hmac-secret-file")
        .arg(&secret)
        .args([
            "--hmac-alg",
            "HS256",
            "--issuer",
            ISSUER,
            "--audience",
            AUDIENCE,
        ])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(format!(
            "error: cannot use the HMAC secret in {}: weak_key (204): weak key: HMAC \
             secret of 5 bytes (minimum 32)\n",
            secret.display()
        ));
}

#[test]
fn hmac_alg_required_with_secret() {
    tokenguard()
        .args(["verify", "--hmac-secret-file", "secret"])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE, "x.y.z"])
        .assert()
        .code(2)
        .stderr(contains("--hmac-alg <ALG>"));
    tokenguard()
        .args([
            "verify",
            "--hmac-secret-file",
            "secret",
            "--hmac-alg",
            "RS256",
        ])
        .args(["--issuer", ISSUER, "--audience", AUDIENCE, "x.y.z"])
        .assert()
        .code(2)
        .stderr(contains("\"RS256\" is not HS256, HS384 or HS512"));
}

#[test]
fn skipped_keys_reported_as_warnings() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "weak");
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let token = sign(&["--key", private.to_str().unwrap()], &claims);

    // A 1024-bit RSA modulus (all ones), which the key set skips as weak.
    let weak_rsa = format!(
        r#"{{"kty":"RSA","kid":"weak","n":"{}8","e":"AQAB"}}"#,
        "_".repeat(170)
    );
    let jwks = dir.path().join("jwks.json");
    fs::write(&jwks, format!(r#"{{"keys":[{weak_rsa}]}}"#)).unwrap();

    tokenguard()
        .arg("verify")
        .arg("--jwks")
        .arg(&jwks)
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(&token)
        .assert()
        .code(1)
        .stderr(contains(
            "error: weak_key (204): weak key: RSA modulus of 1024 bits (minimum 2048)\n",
        ))
        .stderr(contains("warning: the key set has no usable key\n"))
        .stderr(contains(
            "warning: the key set skipped the key with kid \"weak\": weak_key (204): weak \
             key: RSA modulus of 1024 bits (minimum 2048)\n",
        ));
}

#[test]
fn unknown_kid_lists_skipped_keys() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "missing");
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let token = sign(&["--key", private.to_str().unwrap()], &claims);

    let jwks = dir.path().join("jwks.json");
    let good = fs::read_to_string(example("jwks.json")).unwrap();
    let good: Value = serde_json::from_str(&good).unwrap();
    let mut keys = good["keys"].as_array().unwrap().clone();
    keys.push(serde_json::json!({"kty": "EC", "crv": "P-521", "kid": "p521"}));
    fs::write(&jwks, serde_json::json!({ "keys": keys }).to_string()).unwrap();

    tokenguard()
        .arg("verify")
        .arg("--jwks")
        .arg(&jwks)
        .args(["--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(&token)
        .assert()
        .code(1)
        .stderr(contains(
            "error: unknown_kid (202): no key in the key set has the token's kid\n",
        ))
        .stderr(contains(
            "warning: the key set skipped the key with kid \"p521\": key_mismatch (203)",
        ))
        .stderr(contains("no usable key").not());
}

#[test]
fn policy_errors_exit_2() {
    verify_example(&["--leeway", "301"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("301 is not in 0..=300"));
    verify_example(&["--require-claim", ""])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr("error: invalid --require-claim: names must be 1 to 64 bytes\n");
    verify_example(&["--scope", "a b"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr("error: invalid --scope: scopes must be non-empty and contain no space\n");
    verify_example(&["--alg", "ES512"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("ES512 is not supported"));
    verify_example(&["--alg", "none"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("algorithm none is never accepted"));
    verify_example(&["--max-token-bytes", "0"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("0 is not in 1..=1048576"));
}

#[test]
fn issuer_and_audience_required() {
    tokenguard()
        .args([
            "verify",
            "--jwks",
            "examples/jwks.json",
            "--audience",
            AUDIENCE,
        ])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("--issuer <ISS>"));
    tokenguard()
        .args(["verify", "--jwks", "examples/jwks.json", "--issuer", ISSUER])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("--audience <AUD>"));
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains(
            "<--jwks <FILE>|--jwks-url <URL>|--hmac-secret-file <FILE>>",
        ));
}

#[test]
fn several_issuers_accepted() {
    verify_example(&["--issuer", "https://other-issuer.example.com"])
        .arg(example_token("es256.jwt"))
        .assert()
        .success();
    tokenguard()
        .args([
            "verify",
            "--jwks",
            "examples/jwks.json",
            "--audience",
            AUDIENCE,
        ])
        .args(["--issuer", "https://other-issuer.example.com"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(1)
        .stderr(contains("error: wrong_issuer (305)"));
}

#[test]
fn insufficient_scope_challenge() {
    verify_example(&["--scope", "orders:read", "--scope", "orders:admin"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(1)
        .stderr(
            "error: insufficient_scope (308): token lacks a required scope\n\
             HTTP status: 403\n\
             WWW-Authenticate: Bearer error=\"insufficient_scope\", \
             error_description=\"token lacks a required scope\", \
             scope=\"orders:read orders:admin\"\n",
        );
    verify_example(&["--scope", "orders:read", "--scope", "orders:admin"])
        .args(["--scope-match", "any"])
        .arg(example_token("es256.jwt"))
        .assert()
        .success();
}

#[test]
fn scope_claims_and_hierarchy() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "ES256", "es-1");
    let claims = dir.path().join("claims.json");
    fs::write(
        &claims,
        format!(
            r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{LONG_LIVED_EXP},"scp":["orders"]}}"#
        ),
    )
    .unwrap();
    let token = sign(&["--key", private.to_str().unwrap()], &claims);
    let verify = |extra: &[&str]| {
        let mut command = tokenguard();
        command
            .arg("verify")
            .arg("--jwks")
            .arg(&public)
            .args([
                "--issuer",
                ISSUER,
                "--audience",
                AUDIENCE,
                "--scope",
                "orders:read",
            ])
            .args(extra)
            .arg(&token);
        command
    };

    verify(&[])
        .assert()
        .code(1)
        .stderr(contains("insufficient_scope"));
    verify(&["--scope-claims", "scope-or-scp"])
        .assert()
        .code(1)
        .stderr(contains("insufficient_scope"));
    verify(&["--scope-claims", "scope-or-scp", "--scope-hierarchy", ":"])
        .assert()
        .success();
}

#[test]
fn profile_rfc9068_requires_claims() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "ES256", "es-1");
    let claims = dir.path().join("claims.json");
    fs::write(
        &claims,
        format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{LONG_LIVED_EXP}}}"#),
    )
    .unwrap();
    let token = sign(&["--key", private.to_str().unwrap()], &claims);
    let verify = |extra: &[&str]| {
        let mut command = tokenguard();
        command
            .arg("verify")
            .arg("--jwks")
            .arg(&public)
            .args(["--issuer", ISSUER, "--audience", AUDIENCE])
            .args(extra)
            .arg(&token);
        command
    };

    verify(&[]).assert().success();
    verify(&["--profile", "rfc9068"])
        .assert()
        .code(1)
        .stderr(contains(
            "error: missing_claim (304): required claim 'sub' is missing",
        ));
    verify(&["--require-claim", "jti"])
        .assert()
        .code(1)
        .stderr(contains("required claim 'jti' is missing"));
    verify(&["--profile", "rfc9068", "--typ", "any"])
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
}

#[test]
fn typ_options() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "EdDSA", "ed-1");
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let untyped = sign(&["--key", private.to_str().unwrap(), "--no-typ"], &claims);
    let verify = |extra: &[&str]| {
        let mut command = tokenguard();
        command
            .arg("verify")
            .arg("--jwks")
            .arg(&public)
            .args(["--issuer", ISSUER, "--audience", AUDIENCE])
            .args(extra)
            .arg(&untyped);
        command
    };

    verify(&[])
        .assert()
        .code(1)
        .stderr(contains("error: wrong_type (307)"));
    verify(&["--typ", "jwt"]).assert().success();
    verify(&["--typ", "any"]).assert().success();
    verify(&["--typ", "at+jwt"]).assert().code(1);
}

#[test]
fn algorithm_allow_list() {
    verify_example(&["--alg", "ES384"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(1)
        .stderr(contains(
            "error: unsupported_alg (200): algorithm ES256 is not allowed by the policy",
        ));
    verify_example(&["--alg", "ES384", "--alg", "ES256"])
        .arg(example_token("es256.jwt"))
        .assert()
        .success();
}

#[test]
fn dates_leeway_and_max_age() {
    // 20 seconds after exp: inside the default leeway of 30 seconds, outside 10.
    verify_example(&["--now", "1767229220"])
        .arg(example_token("expired.jwt"))
        .assert()
        .success();
    verify_example(&["--now", "1767229220", "--leeway", "10"])
        .arg(example_token("expired.jwt"))
        .assert()
        .code(1)
        .stderr(contains("error: expired (300)"));

    verify_example(&["--now", "1767225000"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(1)
        .stderr(contains(
            "error: issued_in_future (302): token issued in the future at 1767225600 \
             (now 1767225000)",
        ));
    verify_example(&["--now", "1767300000", "--max-age", "3600"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(1)
        .stderr(contains(
            "error: expired (300): token exceeded its maximum age at 1767229200",
        ));
}

#[test]
fn token_size_limit() {
    verify_example(&["--max-token-bytes", "100"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(1)
        .stderr(contains("error: too_large (101): input is"))
        .stderr(contains("more than the maximum of 100"));
}

#[test]
fn large_token_with_raised_limit() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "ES256", "es-1");
    let padding = format!(r#""padding":"{}""#, "x".repeat(40_000));
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, &padding);
    let token = sign(&["--key", private.to_str().unwrap()], &claims);
    let verify = |extra: &[&str]| {
        let mut command = tokenguard();
        command
            .arg("verify")
            .arg("--jwks")
            .arg(&public)
            .args(["--issuer", ISSUER, "--audience", AUDIENCE])
            .args(extra)
            .arg("--token-file")
            .arg("-")
            .write_stdin(token.clone());
        command
    };

    verify(&[])
        .assert()
        .code(1)
        .stderr(contains("more than the maximum of 16384"));
    let output = verify(&["--max-token-bytes", "1048576"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["claims"]["padding"].as_str().map(str::len),
        Some(40_000)
    );
}

#[test]
fn usage_errors_exit_2() {
    tokenguard()
        .assert()
        .code(2)
        .stderr(contains("Usage: tokenguard <COMMAND>"));
    tokenguard()
        .args(["verify", "--bogus"])
        .assert()
        .code(2)
        .stderr(contains("unexpected argument '--bogus'"));
    tokenguard().arg("frobnicate").assert().code(2);
    verify_example(&["--scope-match", "most"])
        .assert()
        .code(2)
        .stderr(contains("possible values: all, any"));
    tokenguard().args(["verify", "--help"]).assert().success();
}

#[test]
fn closed_stdout_is_not_an_error() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokenguard"))
        .current_dir(repo_root())
        .arg("verify")
        .args(example_policy())
        .arg(example_token("es256.jwt"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closing the read end makes the child's write fail with a broken pipe, as
    // `tokenguard verify ... | head -1` does.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
}
