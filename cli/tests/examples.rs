//! The README's first command and the shipped examples in `examples/`.

mod support;

use std::fs;

use predicates::str::contains;
use serde_json::Value;
use support::*;

/// The prefix that runs the command through cargo, replaced here by the built
/// binary.
const CARGO_RUN: &str = "cargo run -q -p tokenguard-cli -- ";

/// Returns the first command of the README's first `sh` block.
fn readme_first_command() -> String {
    let readme = fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a sh block");
    block
        .replace("\\\n", " ")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn readme_first_command_verifies_example() {
    let command = readme_first_command();
    assert_eq!(
        command,
        "cargo run -q -p tokenguard-cli -- verify --jwks examples/jwks.json \
         --issuer https://auth.example.com --audience https://api.example.com \
         --token-file examples/es256.jwt"
    );
    let args: Vec<&str> = command
        .strip_prefix(CARGO_RUN)
        .expect("runs tokenguard-cli")
        .split_whitespace()
        .collect();

    let output = tokenguard().args(&args).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(json["claims"]["iss"], ISSUER);
    assert_eq!(json["claims"]["aud"], AUDIENCE);
    assert_eq!(json["claims"]["sub"], "user-1234");
    assert_eq!(json["claims"]["client_id"], "orders-web");
    assert_eq!(json["claims"]["scope"], "orders:read orders:write");
    assert_eq!(json["header"]["typ"], "at+jwt");
}

#[test]
fn every_valid_example_verifies() {
    for (file, alg, kid) in [
        ("rs256.jwt", "RS256", "rsa-1"),
        ("ps256.jwt", "PS256", "rsa-1"),
        ("es256.jwt", "ES256", "es256-1"),
        ("es384.jwt", "ES384", "es384-1"),
        ("eddsa.jwt", "EdDSA", "eddsa-1"),
    ] {
        let output = tokenguard()
            .arg("verify")
            .args(example_policy())
            .args([
                "--profile",
                "rfc9068",
                "--scope",
                "orders:read",
                "--token-file",
            ])
            .arg(example(file))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{file}: {output:?}");
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["header"]["alg"], alg, "{file}");
        assert_eq!(json["header"]["kid"], kid, "{file}");
        assert_eq!(json["claims"]["exp"], LONG_LIVED_EXP, "{file}");
    }
}

#[test]
fn every_invalid_example_rejected() {
    for (file, reason) in [
        (
            "expired.jwt",
            "error: expired (300): token expired at 1767229200",
        ),
        ("wrong-audience.jwt", "error: wrong_audience (306)"),
        ("tampered.jwt", "error: bad_signature (206)"),
    ] {
        tokenguard()
            .arg("verify")
            .args(example_policy())
            .arg("--token-file")
            .arg(example(file))
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains(reason));
    }
}

#[test]
fn example_key_set_is_public() {
    let text = fs::read_to_string(example("jwks.json")).unwrap();
    let set: Value = serde_json::from_str(&text).unwrap();
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 4);
    for key in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(key.get(private).is_none(), "{key} has {private}");
        }
    }
}
