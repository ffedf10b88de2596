//! `tokenguard inspect`: decoding without verification, the labels and dates on
//! standard error, and strict decoding.

mod support;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;
use support::*;

fn inspect(args: &[&str]) -> assert_cmd::Command {
    let mut command = tokenguard();
    command.arg("inspect").args(args);
    command
}

/// Encodes `bytes` as base64url without padding.
fn b64(bytes: &[u8]) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::encode_string(bytes)
}

#[test]
fn labelled_unverified_with_dates() {
    let output = inspect(&["--now", "1767230000"])
        .arg(example_token("es256.jwt"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(json["header"]["alg"], "ES256");
    assert_eq!(json["claims"]["jti"], "example-es256");

    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines[0], "UNVERIFIED: signature not checked");
    assert!(lines.contains(&"signature: 64 bytes"), "{stderr}");
    assert!(
        lines.contains(&"now: 2026-01-01T01:13:20Z (1767230000), from --now"),
        "{stderr}"
    );
    assert!(
        lines.contains(&"iat: 2026-01-01T00:00:00Z (1767225600)"),
        "{stderr}"
    );
    assert!(
        lines.contains(&"exp: 2099-12-31T00:00:00Z (4102358400), expires in 27026d 22h 46m 40s"),
        "{stderr}"
    );
}

#[test]
fn expired_token_shows_time_since() {
    inspect(&["--now", "1767230000", "--token-file"])
        .arg(example("expired.jwt"))
        .assert()
        .success()
        .stderr(contains(
            "exp: 2026-01-01T01:00:00Z (1767229200), expired 13m 20s ago\n",
        ));
}

#[test]
fn clock_used_without_now() {
    inspect(&[])
        .arg(example_token("eddsa.jwt"))
        .assert()
        .success()
        .stderr(contains(", from the system clock\n"));
}

#[test]
fn tampered_token_still_decodes() {
    inspect(&[])
        .arg(example_token("tampered.jwt"))
        .assert()
        .success()
        .stdout(contains(
            "\"scope\": \"orders:read orders:write orders:admin\"",
        ))
        .stderr(contains("UNVERIFIED: signature not checked"));
}

#[test]
fn header_and_stdin_sources() {
    let token = example_token("rs256.jwt");
    inspect(&["--header", &format!("Bearer {token}")])
        .assert()
        .success()
        .stdout(contains("\"alg\": \"RS256\""))
        .stderr(contains("signature: 256 bytes"));
    inspect(&[])
        .write_stdin(format!("  {token}\n"))
        .assert()
        .success()
        .stdout(contains("\"kid\": \"rsa-1\""));
    inspect(&[])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(contains("the token from standard input is empty"));
}

#[test]
fn not_three_segments() {
    for token in ["abc", "a.b", "a.b.c.d"] {
        inspect(&[token]).assert().code(1).stdout("").stderr(
            "error: malformed (100): malformed token: expected exactly three \
             dot-separated segments\n",
        );
    }
}

#[test]
fn strict_base64url() {
    let header = b64(br#"{"alg":"ES256"}"#);
    let payload = b64(br#"{"exp":1}"#);
    let cases = [
        (
            format!("{header}=.{payload}.AA"),
            "malformed token header: invalid base64url",
        ),
        (
            format!("{header}.{payload}+.AA"),
            "malformed token payload: invalid base64url",
        ),
        (
            format!("{header}.{payload}.A"),
            "malformed token signature: invalid base64url",
        ),
    ];
    for (token, message) in cases {
        inspect(&[&token])
            .assert()
            .code(1)
            .stderr(contains(format!("error: malformed (100): {message}")));
    }
}

#[test]
fn payload_not_json() {
    let header = b64(br#"{"alg":"ES256"}"#);
    let cases = [
        (b64(b"{not json}"), "malformed token payload: invalid JSON"),
        (
            b64(b"[1, 2]"),
            "malformed token payload: JSON is not an object",
        ),
        (
            b64(br#"{"exp":1,"exp":2}"#),
            "malformed token payload: duplicate member name",
        ),
    ];
    for (payload, message) in cases {
        inspect(&[&format!("{header}.{payload}.AA")])
            .assert()
            .code(1)
            .stderr(contains(format!("error: malformed (100): {message}")));
    }
    inspect(&[&format!("{}.{}.AA", b64(b"{"), b64(br#"{"exp":1}"#))])
        .assert()
        .code(1)
        .stderr(contains("malformed token header: invalid JSON"));
}

#[test]
fn unusual_dates_described() {
    let header = b64(br#"{"alg":"ES256"}"#);
    let payload = b64(br#"{"iat":"yesterday","nbf":1e400,"sub":"x"}"#);
    inspect(&["--now", "0", &format!("{header}.{payload}.AA")])
        .assert()
        .success()
        .stdout(contains("\"nbf\": 1e400"))
        .stderr(contains(
            "iat: not a NumericDate: a JSON string, where a number is required\n",
        ))
        .stderr(contains(
            "nbf: 1e400 is outside the signed 64-bit range of Unix seconds\n",
        ))
        .stderr(contains(
            "exp: missing; tokenguard verify rejects a token without exp\n",
        ));

    let far = b64(br#"{"exp":253402300800.5}"#);
    inspect(&["--now", "0", &format!("{header}.{far}.AA")])
        .assert()
        .success()
        .stderr(contains(
            "exp: 253402300800.5 (a year outside 0000 to 9999), expires in",
        ));
}

#[test]
fn inspect_does_not_print_unverified_label_on_error() {
    inspect(&["a.b"])
        .assert()
        .code(1)
        .stderr(contains("UNVERIFIED").not());
}
