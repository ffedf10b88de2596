//! Hostile inputs for every subcommand: slow, endless or oversized JWK Set
//! responses, redirects, special files, extreme numbers, output files that are
//! symbolic links, and closed output streams.
//!
//! Each test guards an attack the command handles.

mod support;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command as StdCommand, Output, Stdio};
use std::thread;
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use predicates::prelude::*;
use predicates::str::contains;
use support::*;

/// A time at which the shipped long-lived example tokens are valid, as `--now`.
const VALID_NOW: &str = "1767225660";

/// Returns `verify` with the shipped key set, issuer and audience, then `extra`.
fn verify_args(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["verify".to_string()];
    args.extend(example_policy());
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

/// Runs `inspect` on an unsigned token whose payload segment encodes `payload`.
fn inspect_payload(payload: &str) -> assert_cmd::assert::Assert {
    let header = Base64UrlUnpadded::encode_string(br#"{"alg":"ES256","typ":"at+jwt"}"#);
    let payload = Base64UrlUnpadded::encode_string(payload.as_bytes());
    tokenguard()
        .args(["inspect", "--now", VALID_NOW])
        .arg(format!("{header}.{payload}.c2ln"))
        .assert()
}

/// A server on 127.0.0.1 that writes the start of a response to one connection and
/// then keeps it open without writing more.
struct PartialServer {
    url: String,
}

/// Starts a [`PartialServer`] that writes `head` and then stays silent for 30 s.
fn partial_server(head: Vec<u8>) -> PartialServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(&head);
            thread::sleep(Duration::from_secs(30));
        }
    });
    PartialServer {
        url: format!("http://127.0.0.1:{port}/jwks"),
    }
}

/// The output stream that [`run_with_closed`] closes.
#[derive(Clone, Copy)]
enum Closed {
    Stdout,
    Stderr,
}

/// Runs the binary with `args` from the repository root, with one output stream a
/// pipe whose reading end is closed at once, so every write to it fails.
fn run_with_closed(closed: Closed, args: &[OsString]) -> Output {
    let mut command = StdCommand::new(env!("CARGO_BIN_EXE_tokenguard"));
    command
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start tokenguard");
    match closed {
        Closed::Stdout => drop(child.stdout.take()),
        Closed::Stderr => drop(child.stderr.take()),
    }
    child.wait_with_output().expect("wait for tokenguard")
}

/// Converts string arguments for [`run_with_closed`].
fn os_args(args: &[String]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

#[test]
fn jwks_url_timeout_overflow() {
    let url = format!("http://127.0.0.1:{}/jwks", closed_port());
    for timeout in [u64::MAX, i64::MAX as u64] {
        tokenguard()
            .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
            .args(["--jwks-url", &url, "--timeout", &timeout.to_string()])
            .arg(example_token("es256.jwt"))
            .assert()
            .code(2)
            .stderr(contains("panicked").not());
    }
}

#[test]
fn jwks_url_timeout_at_limit() {
    // The largest accepted timeout, an hour, is far from the monotonic clock's range.
    let url = format!("http://127.0.0.1:{}/jwks", closed_port());
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &url, "--timeout", "3600"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("the connection was refused"));
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &url, "--timeout", "3601"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stderr(contains("3601 is not in 0..=3600"));
}

#[test]
fn jwks_url_timeout_zero() {
    let server = OneShotServer::silent(Duration::from_secs(2));
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url, "--timeout", "0"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("timed out after 0 seconds"));
}

#[test]
fn jwks_url_headers_never_end() {
    // The status line arrives, then the headers stop.
    let server = partial_server(b"HTTP/1.1 200 OK\r\nX-Slow: ".to_vec());
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url, "--timeout", "1"])
        .arg(example_token("es256.jwt"))
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("timed out after 1 second;"));
}

#[test]
fn jwks_url_body_never_ends() {
    // Content-Length promises more than arrives, and the connection stays open.
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"keys\":[".to_vec();
    let server = partial_server(head);
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url, "--timeout", "1"])
        .arg(example_token("es256.jwt"))
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("timed out after 1 second;"));
}

#[test]
fn jwks_url_ten_megabyte_body() {
    let body = vec![b' '; 10 * 1024 * 1024];
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    response.extend(body);
    let server = OneShotServer::respond(response);
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(
            "the response body is larger than 1048576 bytes, the maximum JWK Set size",
        ));
}

#[test]
fn jwks_url_chunked_without_end() {
    // 2 MiB of 4 KiB chunks and no final zero-length chunk.
    let mut response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..512 {
        response.extend(b"1000\r\n");
        response.extend([b' '; 4096]);
        response.extend(b"\r\n");
    }
    let server = OneShotServer::respond(response);
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("larger than 1048576 bytes"));
}

#[test]
fn jwks_url_invalid_json() {
    let server = OneShotServer::jwk_set("<html>not JSON</html>");
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("cannot use the JWK Set from"));
}

#[test]
fn jwks_url_gzip_body_not_decoded() {
    // The body is the gzip magic bytes and junk. The client has no gzip support, so
    // the bytes reach the JSON reader as they are.
    let body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x01\x02\x03";
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend(body);
    let server = OneShotServer::respond(response);
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("cannot use the JWK Set from"));
    let request = server.request();
    assert!(
        !request
            .to_ascii_lowercase()
            .contains("accept-encoding: gzip"),
        "the request asks for gzip: {request}"
    );
}

#[test]
fn jwks_url_redirect_to_file_url() {
    let response = b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n"
        .to_vec();
    let server = OneShotServer::respond(response);
    tokenguard()
        .args(["verify", "--issuer", ISSUER, "--audience", AUDIENCE])
        .args(["--jwks-url", &server.url, "--timeout", "5"])
        .arg(example_token("es256.jwt"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("root:").not());
}

// --- Token sources ---

#[test]
fn token_file_is_directory() {
    let dir = temp_dir();
    tokenguard()
        .args(verify_args(&["--token-file"]))
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("it is a directory"));
}

#[test]
fn token_file_is_dev_zero() {
    tokenguard()
        .args(verify_args(&["--token-file", "/dev/zero"]))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("is larger than 1052672 bytes"));
}

#[test]
fn token_file_is_dev_null() {
    tokenguard()
        .args(verify_args(&["--token-file", "/dev/null"]))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("is empty"));
}

#[test]
fn stdin_of_100_megabytes() {
    let dir = temp_dir();
    let path = dir.path().join("zeros");
    let file = fs::File::create(&path).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    let verify = verify_args(&[]);
    let inspect = vec!["inspect".to_string()];
    for args in [verify, inspect] {
        tokenguard()
            .args(&args)
            .pipe_stdin(&path)
            .unwrap()
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(
                "the token on standard input is larger than 1052672 bytes",
            ));
    }
}

#[test]
fn stdin_of_binary_garbage() {
    let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    tokenguard()
        .args(verify_args(&[]))
        .write_stdin(garbage.clone())
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("malformed (100)"));
    tokenguard()
        .arg("inspect")
        .write_stdin(garbage)
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("malformed (100)"));
}

#[test]
fn header_with_cr_lf_rejected() {
    let header = format!("Bearer {}\r\nX-Injected: 1", example_token("es256.jwt"));
    tokenguard()
        .args(verify_args(&["--now", VALID_NOW, "--header", &header]))
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("malformed authorization header"));
}

#[test]
fn header_not_utf8_is_usage_error() {
    let mut args: Vec<std::ffi::OsString> = verify_args(&["--header"])
        .into_iter()
        .map(Into::into)
        .collect();
    args.push(OsStr::from_bytes(b"Bearer \xff\xfe").to_os_string());
    tokenguard()
        .args(args)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("invalid UTF-8"));
}

// --- Times and dates ---

#[test]
fn verify_now_at_i64_extremes() {
    for now in [i64::MIN, i64::MAX, -1, 0] {
        let now_arg = format!("--now={now}");
        tokenguard()
            .args(verify_args(&[&now_arg]))
            .arg(example_token("es256.jwt"))
            .assert()
            .code(1)
            .stdout("")
            .stderr(contains("panicked").not());
    }
}

#[test]
fn inspect_now_at_i64_extremes() {
    for now in [i64::MIN, i64::MAX] {
        tokenguard()
            .args(["inspect", &format!("--now={now}")])
            .arg(example_token("es256.jwt"))
            .assert()
            .code(0)
            .stderr(contains("(a year outside 0000 to 9999)"))
            .stderr(contains("panicked").not());
    }
}

#[test]
fn inspect_exp_beyond_i64() {
    for exp in ["1e400", "-1e400", "99999999999999999999999"] {
        inspect_payload(&format!(r#"{{"exp":{exp}}}"#))
            .code(0)
            .stdout(contains(format!(r#""exp": {exp}"#)))
            .stderr(contains(format!(
                "exp: {exp} is outside the signed 64-bit range of Unix seconds"
            )));
    }
}

#[test]
fn inspect_dates_outside_calendar() {
    let cases = [
        ("253402300800", "year 10000"),
        ("-62167219201", "year -1"),
        ("9223372036854775807", "i64::MAX"),
        ("-9223372036854775808", "i64::MIN"),
    ];
    for (exp, label) in cases {
        inspect_payload(&format!(r#"{{"exp":{exp}}}"#))
            .code(0)
            .stderr(contains(format!("exp: {exp} (a year outside 0000 to 9999)")).name(label));
    }
}

#[test]
fn inspect_calendar_edges() {
    inspect_payload(r#"{"exp":253402300799,"iat":-62167219200}"#)
        .code(0)
        .stderr(contains("exp: 9999-12-31T23:59:59Z (253402300799)"))
        .stderr(contains("iat: 0000-01-01T00:00:00Z (-62167219200)"));
}

#[test]
fn inspect_non_object_payloads() {
    for payload in ["[1]", "\"text\"", "1", "null", ""] {
        inspect_payload(payload)
            .code(1)
            .stdout("")
            .stderr(contains("malformed token payload"));
    }
}

#[test]
fn inspect_dates_of_wrong_type() {
    inspect_payload(r#"{"exp":"soon","iat":true,"nbf":[]}"#)
        .code(0)
        .stderr(contains("exp: not a NumericDate: a JSON string"))
        .stderr(contains("iat: not a NumericDate: a JSON boolean"))
        .stderr(contains("nbf: not a NumericDate: a JSON array"));
}

// --- keygen output files ---

#[test]
fn keygen_existing_file_kept() {
    let dir = temp_dir();
    let existing = dir.path().join("existing.json");
    fs::write(&existing, "keep me").unwrap();
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--private-out"])
        .arg(&existing)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("already exists"));
    assert_eq!(fs::read_to_string(&existing).unwrap(), "keep me");
}

#[test]
fn keygen_symlink_not_followed() {
    let dir = temp_dir();
    let victim = dir.path().join("victim.txt");
    let link = dir.path().join("link.json");
    fs::write(&victim, "victim").unwrap();
    std::os::unix::fs::symlink(&victim, &link).unwrap();

    tokenguard()
        .args(["keygen", "--alg", "EdDSA", "--private-out"])
        .arg(&link)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("already exists"));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "victim");

    // With --force the link itself is replaced, and its target stays as it was.
    tokenguard()
        .args(["keygen", "--alg", "EdDSA", "--force", "--private-out"])
        .arg(&link)
        .assert()
        .code(0);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "victim");
    let metadata = fs::symlink_metadata(&link).unwrap();
    assert!(metadata.file_type().is_file(), "link.json is still a link");
}

#[test]
fn keygen_dangling_symlink_not_followed() {
    let dir = temp_dir();
    let target = dir.path().join("created-through-link.json");
    let link = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--private-out"])
        .arg(&link)
        .assert()
        .code(2)
        .stderr(contains("already exists"));
    assert!(!target.exists(), "keygen created the symlink's target");
}

#[test]
fn keygen_directory_rejected() {
    let dir = temp_dir();
    for force in [false, true] {
        let mut command = tokenguard();
        command.args(["keygen", "--alg", "ES384", "--private-out"]);
        command.arg(dir.path());
        if force {
            command.arg("--force");
        }
        command.assert().code(2).stdout("");
    }
    assert!(dir.path().is_dir());
}

#[test]
fn keygen_same_file_spelled_differently() {
    let dir = temp_dir();
    tokenguard()
        .current_dir(dir.path())
        .args(["keygen", "--alg", "ES256", "--force"])
        .args(["--private-out", "./k.json", "--public-out", "k.json"])
        .assert()
        .code(2)
        .stderr(contains("name the same file"));
}

#[test]
fn keygen_failure_leaves_no_private_key() {
    let dir = temp_dir();
    let private = dir.path().join("private.json");
    let public = dir.path().join("missing-directory/public.json");
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--private-out"])
        .arg(&private)
        .arg("--public-out")
        .arg(&public)
        .assert()
        .code(2);
    assert!(
        !private.exists(),
        "keygen left {} behind",
        private.display()
    );
}

#[test]
fn keygen_kid_escaped_in_json() {
    let dir = temp_dir();
    let kid = "a\"b\n\\c\u{1b}";
    let private = dir.path().join("private.json");
    let public = dir.path().join("public.json");
    tokenguard()
        .args(["keygen", "--alg", "ES256", "--kid", kid, "--private-out"])
        .arg(&private)
        .arg("--public-out")
        .arg(&public)
        .assert()
        .code(0)
        .stdout("");
    for path in [&private, &public] {
        let text = fs::read_to_string(path).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert!(text.contains(r#""kid":"a\"b\n\\c\u001b""#), "{text}");
        assert!(parsed.is_object());
    }
}

#[test]
fn keygen_never_prints_private_key() {
    let dir = temp_dir();
    let private = dir.path().join("private.json");
    let output = tokenguard()
        .args(["keygen", "--alg", "EdDSA", "--private-out"])
        .arg(&private)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let jwk: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&private).unwrap()).unwrap();
    let d = jwk["d"].as_str().expect("d member");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(d));
    assert!(!String::from_utf8_lossy(&output.stderr).contains(d));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("\"d\""));
}

// --- sign ---

#[test]
fn sign_rejects_duplicate_members() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "es-1");
    let claims = dir.path().join("claims.json");
    for text in [r#"{"a":1,"a":2}"#, r#"{"o":{"x":1,"x":1}}"#] {
        fs::write(&claims, text).unwrap();
        tokenguard()
            .args(["sign", "--key"])
            .arg(&private)
            .arg(&claims)
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains("duplicate member name"));
    }
}

#[test]
fn sign_claims_over_one_mebibyte() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "es-1");
    let claims = dir.path().join("claims.json");
    fs::write(&claims, format!(r#"{{"pad":"{}"}}"#, "a".repeat(1 << 20))).unwrap();
    tokenguard()
        .args(["sign", "--key"])
        .arg(&private)
        .arg(&claims)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("larger than 1048576 bytes"));
}

#[test]
fn sign_rejects_wrong_key_kinds() {
    let dir = temp_dir();
    let (private, public) = keygen(dir.path(), "ES256", "es-1");
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let cases: [(&Path, &[&str], &str); 4] = [
        (&public, &[], "the file is a JWK Set"),
        (&private, &["--alg", "RS256"], "does not sign RS256"),
        (&private, &["--alg", "EdDSA"], "does not sign EdDSA"),
        (Path::new("/dev/zero"), &[], "larger than 65536 bytes"),
    ];
    for (key, extra, message) in cases {
        tokenguard()
            .args(["sign", "--key"])
            .arg(key)
            .args(extra)
            .arg(&claims)
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(message));
    }
}

#[test]
fn sign_warning_hides_secret() {
    let dir = temp_dir();
    let secret = dir.path().join("secret");
    fs::write(&secret, "tiny-secret-value").unwrap();
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    tokenguard()
        .args(["sign", "--alg", "HS256", "--key"])
        .arg(&secret)
        .arg(&claims)
        .assert()
        .code(0)
        .stderr(contains("shorter than the 32 bytes"))
        .stderr(contains("tiny-secret-value").not());
}

// --- thumbprint ---

#[test]
fn thumbprint_rejects_key_set() {
    tokenguard()
        .arg("thumbprint")
        .arg(example("jwks.json"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("is a JWK Set"));
}

#[test]
fn thumbprint_rejects_secret_key() {
    tokenguard()
        .arg("thumbprint")
        .write_stdin(r#"{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}"#)
        .assert()
        .code(2)
        .stdout("");
}

// --- check-cases ---

#[test]
fn check_cases_deep_nesting() {
    let dir = temp_dir();
    let path = dir.path().join("deep.json");
    fs::write(&path, "[".repeat(100_000) + &"]".repeat(100_000)).unwrap();
    tokenguard()
        .arg("check-cases")
        .arg(&path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("JSON nesting is too deep"));
}

#[test]
fn check_cases_huge_array_of_numbers() {
    let dir = temp_dir();
    let path = dir.path().join("huge.json");
    let items = vec!["1"; 1_000_000].join(",");
    fs::write(&path, format!("[{items}]")).unwrap();
    tokenguard()
        .arg("check-cases")
        .arg(&path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("a case must be an object"));
}

#[test]
fn check_cases_unknown_fields() {
    let dir = temp_dir();
    let path = dir.path().join("unknown.json");
    let case = one_valid_case();
    for (name, text) in [
        (
            "case",
            case.replacen("\"id\":", "\"skip\": true, \"id\":", 1),
        ),
        (
            "policy",
            case.replacen("\"issuer\":", "\"ignore_signature\": true, \"issuer\":", 1),
        ),
    ] {
        fs::write(&path, format!("[{text}]")).unwrap();
        tokenguard()
            .arg("check-cases")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(contains("unknown").name(name));
    }
}

#[test]
fn check_cases_dev_zero_bounded() {
    // The address space limit stops the unbounded read near 1 GiB.
    let output = StdCommand::new("sh")
        .args([
            "-c",
            "ulimit -v 1048576 && exec \"$0\" check-cases /dev/zero",
            env!("CARGO_BIN_EXE_tokenguard"),
        ])
        .output()
        .expect("run sh");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("larger than"), "{stderr}");
}

#[test]
fn check_cases_duplicate_jwk_member() {
    let dir = temp_dir();
    let path = dir.path().join("duplicate.json");
    let case = one_valid_case();
    let text = case.replacen("\"kty\":", "\"kty\": \"RSA\", \"kty\":", 1);
    assert_ne!(text, case, "the case has a kty member");
    fs::write(&path, format!("[{text}]")).unwrap();
    // Rejected as a file not in the format, as `verify --jwks` rejects the set.
    tokenguard()
        .arg("check-cases")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("duplicate member name"));
}

#[test]
fn check_cases_duplicate_case_field() {
    let dir = temp_dir();
    let path = dir.path().join("duplicate.json");
    let case = one_valid_case();
    let text = case.replacen("\"input\":", "\"input\": \"unknown-input\", \"input\":", 1);
    fs::write(&path, format!("[{text}]")).unwrap();
    tokenguard()
        .arg("check-cases")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains("duplicate"));
}

/// Returns the JSON text of one valid case from the project's key cases, as
/// serde_json writes it (`"name":value`, no spaces).
fn one_valid_case() -> String {
    let text = fs::read_to_string(repo_root().join("core/tests/cases/keys.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let case = cases
        .into_iter()
        .find(|case| case["expect"] == "valid")
        .expect("a valid case");
    let case_text = serde_json::to_string(&case).unwrap();
    let dir = temp_dir();
    let file = dir.path().join("one.json");
    fs::write(&file, format!("[{case_text}]")).unwrap();
    tokenguard()
        .arg("check-cases")
        .arg(&file)
        .assert()
        .code(0)
        .stdout("1 passed, 0 failed\n");
    case_text
}

// --- Closed output streams and --quiet ---

#[test]
fn closed_stdout_every_subcommand() {
    let dir = temp_dir();
    let (private, _) = keygen(dir.path(), "ES256", "es-1");
    let claims = write_claims(dir.path(), "claims.json", LONG_LIVED_EXP, "");
    let new_key = dir.path().join("new.json");
    let token = example_token("es256.jwt");
    let cases: Vec<(Vec<String>, i32)> = vec![
        (verify_args(&["--now", VALID_NOW, &token]), 0),
        (verify_args(&["--token-file", "examples/expired.jwt"]), 1),
        (vec!["inspect".into(), token.clone()], 0),
        (
            vec![
                "thumbprint".into(),
                fixture("rfc7638-example-key.json").display().to_string(),
            ],
            0,
        ),
        (
            vec![
                "public-jwk".into(),
                "--key".into(),
                private.display().to_string(),
            ],
            0,
        ),
        (
            vec![
                "keygen".into(),
                "--alg".into(),
                "EdDSA".into(),
                "--private-out".into(),
                new_key.display().to_string(),
            ],
            0,
        ),
        (
            vec![
                "sign".into(),
                "--key".into(),
                private.display().to_string(),
                claims.display().to_string(),
            ],
            0,
        ),
        (
            vec!["check-cases".into(), "core/tests/cases/keys.json".into()],
            0,
        ),
        (vec!["--help".into()], 0),
    ];
    for (args, code) in cases {
        let output = run_with_closed(Closed::Stdout, &os_args(&args));
        assert_eq!(output.status.code(), Some(code), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn closed_stderr_keeps_exit_codes() {
    let token = example_token("es256.jwt");
    let cases: Vec<(Vec<String>, i32)> = vec![
        (vec!["inspect".into(), token.clone()], 0),
        (verify_args(&["--token-file", "examples/expired.jwt"]), 1),
        (verify_args(&["--token-file", "/nonexistent/token.jwt"]), 2),
        (vec!["thumbprint".into(), "/nonexistent/key.json".into()], 2),
    ];
    for (args, code) in cases {
        let output = run_with_closed(Closed::Stderr, &os_args(&args));
        assert_eq!(output.status.code(), Some(code), "{args:?}: {output:?}");
    }
}

#[test]
fn closed_stderr_quiet_verify() {
    for (extra, code) in [
        (
            vec!["--now", VALID_NOW, "--token-file", "examples/es256.jwt"],
            0,
        ),
        (vec!["--token-file", "examples/expired.jwt"], 1),
        (vec!["--token-file", "/nonexistent/token.jwt"], 2),
    ] {
        let mut extra = extra;
        extra.push("--quiet");
        let args = verify_args(&extra);
        let output = run_with_closed(Closed::Stderr, &os_args(&args));
        assert_eq!(output.status.code(), Some(code), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
    }
}

#[test]
fn quiet_silent_on_hostile_inputs() {
    let url = format!("http://127.0.0.1:{}/jwks", closed_port());
    let cases: [(&[&str], i32); 6] = [
        (&["--token-file", "/dev/zero"], 2),
        (&["--token-file", "/dev/null"], 2),
        (&["--token-file", "/"], 2),
        (&["--header", "Bearer a.b.c\r\nX: y"], 1),
        (&["--header", "DPoP a.b.c"], 1),
        (
            &[
                "--now=-9223372036854775808",
                "--token-file",
                "examples/es256.jwt",
            ],
            1,
        ),
    ];
    for (extra, code) in cases {
        let mut args = verify_args(extra);
        args.push("--quiet".into());
        tokenguard()
            .args(&args)
            .write_stdin("")
            .assert()
            .code(code)
            .stdout("")
            .stderr("");
    }
    tokenguard()
        .args([
            "verify",
            "--quiet",
            "--issuer",
            ISSUER,
            "--audience",
            AUDIENCE,
        ])
        .args(["--jwks-url", &url, "x.y.z"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("");
}
