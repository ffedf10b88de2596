//! Builds libtokenguard, compiles the C example and the C tests with gcc through
//! `ffi/Makefile`, and runs them without valgrind, so that `cargo test` checks the C
//! ABI on any machine with make and gcc. `ffi/run-c-tests.sh` runs the same programs
//! under valgrind.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The validation time of every fixture test: 2026-01-01T01:00:00Z.
const NOW: &str = "1767229200";

/// How often the thread test replaces the key set here; valgrind runs fewer.
const SWAPS: &str = "2000";

#[test]
fn c_test_suite_passes() {
    let output = run(
        Command::new(program("test_tokenguard")).arg(fixtures()),
        None,
    );
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(summary.ends_with(" passed, 0 failed"), "{stdout}");
    assert!(!summary.starts_with("0 passed"), "{stdout}");
}

#[test]
fn c_threads_rotation_passes() {
    let output = run(
        Command::new(program("test_threads")).args([fixtures().as_os_str(), SWAPS.as_ref()]),
        None,
    );
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(", 0 wrong\n"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
}

#[test]
fn handler_allows_valid_token() {
    let output = handler(&[&format!("Bearer {}", token("es256.jwt"))], None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("decision: allow\nstatus: 200\n"),
        "{stdout}"
    );
    assert!(stdout.contains("subject: user-1234\n"), "{stdout}");
    assert!(
        stdout.contains("scopes: orders:read orders:write\n"),
        "{stdout}"
    );
}

#[test]
fn handler_denies_expired_token() {
    let output = handler(&[&format!("Bearer {}", token("expired.jwt"))], None);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("decision: deny\nstatus: 401\n"), "{stdout}");
    assert!(
        stdout.contains(
            "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", \
             error_description=\"token expired at 1767225600 (now 1767229200)\"\n"
        ),
        "{stdout}"
    );
}

#[test]
fn handler_reads_standard_input() {
    let line = format!("Bearer {}\r\n", token("eddsa.jwt"));
    let output = handler(&[], Some(&line));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("decision: allow"));
}

#[test]
fn handler_challenges_missing_header() {
    let output = handler(&[], Some(""));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("status: 401\n"), "{stdout}");
    assert!(
        stdout.contains("WWW-Authenticate: Bearer realm=\"api\"\n"),
        "{stdout}"
    );
}

#[test]
fn handler_rejects_malformed_header() {
    let output = handler(&["Bearer two tokens"], None);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("status: 400\n"), "{stdout}");
    assert!(stdout.contains("error=\"invalid_request\""), "{stdout}");
}

#[test]
fn handler_reports_insufficient_scope() {
    let config = temp_config(
        "insufficient-scope",
        r#"{"issuers": ["https://auth.example.com"], "audiences": ["https://api.example.com"],
            "required_scopes": ["orders:admin"]}"#,
    );
    let value = format!("Bearer {}", token("es256.jwt"));
    let output = run(
        Command::new(program("handler")).args([
            config.as_os_str(),
            fixtures().join("jwks.json").as_os_str(),
            NOW.as_ref(),
            value.as_ref(),
        ]),
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("status: 403\n"), "{stdout}");
    assert!(stdout.contains("error=\"insufficient_scope\""), "{stdout}");
}

#[test]
fn handler_names_invalid_config_field() {
    let config = temp_config(
        "invalid",
        r#"{"issuers": ["https://auth.example.com"], "audiences": ["https://api.example.com"],
            "scope_match": "some"}"#,
    );
    let output = run(
        Command::new(program("handler")).args([
            config.as_os_str(),
            fixtures().join("jwks.json").as_os_str(),
            NOW.as_ref(),
            "Bearer x".as_ref(),
        ]),
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid configuration scope_match: must be one of all, any"),
        "{stderr}"
    );
}

/// Returns the folder of the compiled C programs, building them once per test run.
fn programs() -> &'static Path {
    static PROGRAMS: OnceLock<PathBuf> = OnceLock::new();
    PROGRAMS.get_or_init(|| {
        let root = workspace_root();
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args(["build", "-p", "tokenguard-ffi"])
            .current_dir(&root);
        // Cargo sets these for the test process. ring's build script reruns when
        // CARGO_MANIFEST_DIR changes, so passing them on would rebuild ring here and
        // again in the next ordinary build.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            let set_for_tests = [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
            ]
            .contains(&name.as_ref())
                || [
                    "CARGO_PKG_",
                    "CARGO_BIN_",
                    "CARGO_PRIMARY_",
                    "CARGO_TARGET_TMPDIR",
                ]
                .iter()
                .any(|prefix| name.starts_with(prefix));
            if set_for_tests {
                build.env_remove(name.as_ref());
            }
        }
        let built = build
            .status()
            .expect("cannot run cargo to build libtokenguard");
        assert!(built.success(), "cargo build -p tokenguard-ffi failed");

        let out = target.join("c/debug");
        let make_status = Command::new("make")
            .arg("-s")
            .arg("-C")
            .arg(root.join("ffi"))
            .arg(format!("LIB_DIR={}", target.join("debug").display()))
            .arg(format!("OUT={}", out.display()))
            .status()
            .expect("cannot run make; install make and gcc to build the C tests");
        assert!(
            make_status.success(),
            "make -C ffi failed; see its output above"
        );
        out
    })
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ffi/ has a parent folder")
        .to_path_buf()
}

fn program(name: &str) -> PathBuf {
    programs().join(name)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn token(name: &str) -> String {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    text.trim_end().to_string()
}

/// Writes a configuration file for one test into the C programs' folder.
fn temp_config(name: &str, json: &str) -> PathBuf {
    let path = programs().join(format!("config-{name}.json"));
    std::fs::write(&path, json).unwrap();
    path
}

/// Runs the handler with the fixture configuration and key set at [`NOW`].
fn handler(args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(program("handler"));
    command
        .arg(fixtures().join("config.json"))
        .arg(fixtures().join("jwks.json"))
        .arg(NOW)
        .args(args);
    run(&mut command, stdin)
}

fn run(command: &mut Command, stdin: Option<&str>) -> Output {
    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn assert_success(output: &Output) {
    assert!(output.status.success(), "{}", text(output));
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
