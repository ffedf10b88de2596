//! Helpers for running the `tokenguard` binary: the command, the shipped
//! examples, keys and claims in temporary directories, and a one-shot HTTP server
//! on 127.0.0.1.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

/// Issuer of the shipped examples and of the claims written here.
pub const ISSUER: &str = "https://auth.example.com";

/// Audience of the shipped examples and of the claims written here.
pub const AUDIENCE: &str = "https://api.example.com";

/// 2026-01-01T00:00:00Z, the `iat` of the shipped examples and of the claims here.
pub const ISSUED_AT: i64 = 1_767_225_600;

/// 2099-12-31T00:00:00Z, the `exp` of the long-lived tokens.
pub const LONG_LIVED_EXP: i64 = 4_102_358_400;

/// How long the one-shot server waits for its connection before giving up.
const SERVER_WAIT: Duration = Duration::from_secs(30);

/// Returns the `tokenguard` command with a time limit, run from the repository
/// root, with proxy variables removed so that HTTP requests stay on 127.0.0.1.
pub fn tokenguard() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokenguard"));
    command
        .timeout(Duration::from_secs(60))
        .current_dir(repo_root());
    for variable in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(variable);
    }
    command
}

/// Returns the repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the repository")
        .to_path_buf()
}

/// Returns the path of a file in `examples/`.
pub fn example(name: &str) -> PathBuf {
    repo_root().join("examples").join(name)
}

/// Returns the path of a file in `cli/tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Returns the path of a test-only RSA key of the core's tests, in PKCS#8 DER.
pub fn rsa_test_key() -> PathBuf {
    repo_root().join("core/tests/fixtures/rsa-2048-test-only-1.pk8.der")
}

/// Returns the text of a file in `examples/`, without the final newline.
pub fn example_token(name: &str) -> String {
    let text = std::fs::read_to_string(example(name)).expect("example file");
    text.trim_end().to_string()
}

/// Returns the arguments that make `verify` read the shipped JWK Set and accept
/// the shipped tokens' issuer and audience.
pub fn example_policy() -> Vec<String> {
    [
        "--jwks",
        example("jwks.json").to_str().expect("UTF-8 path"),
        "--issuer",
        ISSUER,
        "--audience",
        AUDIENCE,
    ]
    .map(String::from)
    .to_vec()
}

/// Writes claims with the examples' issuer and audience to `dir/name`, with `exp`
/// and any `extra` members, and returns the path.
pub fn write_claims(dir: &Path, name: &str, exp: i64, extra: &str) -> PathBuf {
    let path = dir.join(name);
    let separator = if extra.is_empty() { "" } else { "," };
    let text = format!(
        r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"user-1","client_id":"client-1","jti":"jti-1","iat":{ISSUED_AT},"exp":{exp},"scope":"orders:read orders:write"{separator}{extra}}}"#
    );
    std::fs::write(&path, text).expect("write claims");
    path
}

/// Runs `keygen` for `alg` into `dir`, returning the private JWK's path and the
/// public JWK Set's path.
pub fn keygen(dir: &Path, alg: &str, kid: &str) -> (PathBuf, PathBuf) {
    let private = dir.join(format!("{kid}.private.json"));
    let public = dir.join(format!("{kid}.public.json"));
    tokenguard()
        .args(["keygen", "--alg", alg, "--kid", kid])
        .arg("--private-out")
        .arg(&private)
        .arg("--public-out")
        .arg(&public)
        .assert()
        .success();
    (private, public)
}

/// Runs `sign` and returns the token.
pub fn sign(args: &[&str], claims: &Path) -> String {
    let output = tokenguard()
        .arg("sign")
        .args(args)
        .arg(claims)
        .output()
        .expect("run sign");
    assert!(
        output.status.success(),
        "sign {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 token")
        .trim_end()
        .to_string()
}

/// Returns a new temporary directory.
pub fn temp_dir() -> TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// Returns a port on 127.0.0.1 that nothing listens on: bound, then released.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.local_addr().expect("local address").port()
}

/// A server on 127.0.0.1 that responds to one connection and stops.
pub struct OneShotServer {
    /// The URL of `/jwks` on the server.
    pub url: String,
    handle: JoinHandle<String>,
}

impl OneShotServer {
    /// Starts a server that reads one request and writes `response`, bytes as
    /// they are, then closes the connection.
    pub fn respond(response: Vec<u8>) -> Self {
        Self::start(move |mut stream| {
            let request = read_request(&mut stream);
            // The client may hang up early on an oversized body; that is expected.
            let _ = stream.write_all(&response);
            request
        })
    }

    /// Starts a server that responds with status 200 and `body` as a JWK Set.
    pub fn jwk_set(body: &str) -> Self {
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/jwk-set+json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        Self::respond(response.into_bytes())
    }

    /// Starts a server that accepts one connection, reads the request and sends
    /// nothing for `silence`.
    pub fn silent(silence: Duration) -> Self {
        Self::start(move |mut stream| {
            let request = read_request(&mut stream);
            thread::sleep(silence);
            request
        })
    }

    fn start(handler: impl FnOnce(TcpStream) -> String + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");

        // Waits a bounded time for the one connection, so that a test that never
        // connects leaves no thread behind for long.
        let handle = thread::spawn(move || {
            let deadline = Instant::now() + SERVER_WAIT;
            while Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).expect("blocking stream");
                        return handler(stream);
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
            String::new()
        });
        Self {
            url: format!("http://127.0.0.1:{port}/jwks"),
            handle,
        }
    }

    /// Waits for the server to finish and returns the request it read.
    pub fn request(self) -> String {
        self.handle.join().expect("server thread")
    }
}

/// Reads an HTTP request head, up to the blank line that ends it.
fn read_request(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => request.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}
