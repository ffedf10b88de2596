//! Proves that tokenguard links into a binary without std: builds and runs
//! `tests/no_std_link`, a `#![no_std]` `#![no_main]` program that validates
//! embedded tokens with its own panic handler and allocator.
//!
//! That program is its own workspace, built into `target/no_std_link` so that its
//! build does not wait for the lock on the main target directory.

mod signing;

use std::path::{Path, PathBuf};

use signing::SigningKey;
use tokenguard::Algorithm;

fn program_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/no_std_link")
}

// The program relies on glibc's C runtime to call its `main`, so the test that
// builds and runs it exists only on Linux with glibc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod link {
    use std::path::Path;
    use std::process::{Command, Output};

    use super::program_dir;

    fn output_text(output: &Output) -> String {
        format!(
            "status: {}\n--- stdout\n{}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// Removes the variables cargo sets for this package's test run. Build scripts
    /// that watch them, such as ring's, would otherwise see them change between
    /// this build and one started by hand, and rerun every time.
    fn remove_package_variables(command: &mut Command) {
        for (name, _) in std::env::vars_os() {
            let Some(name) = name.to_str() else {
                continue;
            };
            let set_by_cargo = name.starts_with("CARGO_PKG_")
                || matches!(
                    name,
                    "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "OUT_DIR"
                );
            if set_by_cargo {
                command.env_remove(name);
            }
        }
    }

    #[test]
    fn no_std_program_links_and_validates() {
        // `CARGO_TARGET_TMPDIR` is `<target dir>/tmp`, wherever the target dir is.
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("the target directory")
            .join("no_std_link");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

        // `panic_impl` is the lang item behind `#[panic_handler]`, and a program
        // may define it once. std defines it, so the program's own handler is
        // allowed only while no crate in its graph links std. If a dependency
        // pulls in std, this build fails with "found duplicate lang item
        // `panic_impl`", and the note under that error names the crate that
        // depends on std.
        let mut build = Command::new(&cargo);
        build
            .arg("build")
            .arg("--manifest-path")
            .arg(program_dir().join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target_dir)
            // A configured target would move the binary away from `debug/`.
            .env_remove("CARGO_BUILD_TARGET");
        remove_package_variables(&mut build);
        let build = build.output().expect("cargo runs");
        assert!(
            build.status.success(),
            "building the no_std program failed\n{}",
            output_text(&build)
        );

        let binary = target_dir.join("debug/tokenguard-no-std-link");
        let run = Command::new(&binary)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        println!("{}", String::from_utf8_lossy(&run.stdout));
        assert!(
            run.status.success(),
            "the no_std program reported a failed check; its exit statuses are listed in \
             tests/no_std_link/src/main.rs\n{}",
            output_text(&run)
        );
    }
}

/// Writes new keys and tokens into `tests/no_std_link/fixtures`: a JWK Set with an
/// ES256, an EdDSA and an RS256 key, a token signed by each, and an HS256 secret
/// with a token. The tokens are valid from 60 seconds before the program's
/// validation time, 2026-01-01T00:00:00Z, for ten minutes.
#[test]
#[ignore = "rewrites tests/no_std_link/fixtures; run it alone to replace their keys"]
fn write_no_std_link_fixtures() {
    let fixtures = program_dir().join("fixtures");
    let claims = signing::access_token_claims(signing::NOW - 60);
    let write = |name: &str, text: &str| {
        let path = fixtures.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    };

    let public_keys = [
        (
            "es256.jwt",
            SigningKey::generate(Algorithm::ES256, "es256-1"),
        ),
        (
            "eddsa.jwt",
            SigningKey::generate(Algorithm::EdDSA, "eddsa-1"),
        ),
        (
            "rs256.jwt",
            SigningKey::rsa_test_key(Algorithm::RS256, "rs256-1", 1),
        ),
    ];
    let jwks: Vec<String> = public_keys
        .iter()
        .map(|(_, key)| key.public_jwk())
        .collect();
    write("jwks.json", &signing::key_set_json(&jwks));
    for (name, key) in &public_keys {
        write(name, &key.sign_access_token(&claims));
    }

    // A printable secret, so that the fixture is a text file: 43 base64url
    // characters of 32 random bytes, more than the 32 bytes HS256 requires.
    let secret = signing::encode(&signing::random_bytes(32));
    write("hs256-secret.txt", &secret);
    let hmac = SigningKey::hmac(Algorithm::HS256, "hs256-1", secret.as_bytes());
    write("hs256.jwt", &hmac.sign_access_token(&claims));
}
