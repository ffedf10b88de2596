//! `tokenguard keygen`: makes an EC or Ed25519 key pair through the core's
//! `SigningKey::generate`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use tokenguard::{Algorithm, SigningKey};

use crate::input::describe;
use crate::jwk_out::key_set;
use crate::private_key;
use crate::{print_line, Failure};

/// Makes an ES256, ES384 or Ed25519 key pair for signing test tokens.
///
/// Writes the private JWK to --private-out (mode 0600 on Unix) and the public
/// JWK Set to --public-out, or to standard output without it. The private key is never printed. ring cannot generate RSA keys: make one with
/// openssl genpkey and get its public JWK with tokenguard public-jwk.
#[derive(Args)]
pub(crate) struct KeygenArgs {
    /// The algorithm the key signs: ES256 (P-256), ES384 (P-384), or EdDSA or
    /// Ed25519 (both Ed25519; the name goes into the JWK's alg).
    #[arg(long, value_name = "ALG", value_enum)]
    alg: KeygenAlg,

    /// The kid of the key. Default: the RFC 7638 thumbprint of the public key.
    #[arg(long, value_name = "KID")]
    kid: Option<String>,

    /// Writes the private JWK (with d) to FILE, which must not exist unless
    /// --force is given.
    #[arg(long, value_name = "FILE")]
    private_out: PathBuf,

    /// Writes the public JWK Set to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    public_out: Option<PathBuf>,

    /// Replaces existing output files.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum KeygenAlg {
    #[value(name = "ES256")]
    Es256,
    #[value(name = "ES384")]
    Es384,
    #[value(name = "EdDSA")]
    EdDsa,
    #[value(name = "Ed25519")]
    Ed25519,
}

/// Runs `keygen`.
pub(crate) fn run(args: KeygenArgs) -> Result<(), Failure> {
    let same_file = args
        .public_out
        .as_ref()
        .is_some_and(|public| same_path(public, &args.private_out));
    if same_file {
        return Err(Failure::error(
            "--private-out and --public-out name the same file; give two files",
        ));
    }
    for path in std::iter::once(&args.private_out).chain(&args.public_out) {
        if !args.force && fs::symlink_metadata(path).is_ok() {
            return Err(Failure::error(format!(
                "{} already exists; choose another file or pass --force to replace it",
                path.display()
            )));
        }
    }

    let alg = match args.alg {
        KeygenAlg::Es256 => Algorithm::ES256,
        KeygenAlg::Es384 => Algorithm::ES384,
        KeygenAlg::EdDsa => Algorithm::EdDSA,
        KeygenAlg::Ed25519 => Algorithm::Ed25519,
    };
    let generated = SigningKey::generate(alg)
        .map_err(|error| Failure::error(format!("generating the {alg} key failed: {error}")))?;
    let kid = match args.kid {
        Some(kid) => kid,
        None => private_key::thumbprint(generated.signing_key())?,
    };
    let public = generated
        .signing_key()
        .public_jwk(Some(&kid), Some(alg))
        .ok_or_else(|| Failure::error("the generated key has no public JWK"))?;
    let private = format!("{}\n", generated.private_jwk(Some(&kid)));

    write_new(&args.private_out, &private, true, args.force)?;
    report!(
        "wrote the private JWK with kid {kid:?} to {}; keep it secret",
        args.private_out.display()
    );
    let set = key_set(&[public]);
    match &args.public_out {
        Some(path) => {
            // Without its public half the private key is of no use, so a failed
            // write removes it rather than leave a file that blocks the next run.
            if let Err(failure) = write_new(path, &set, false, args.force) {
                let _ = fs::remove_file(&args.private_out);
                return Err(failure);
            }
            report!("wrote the public JWK Set to {}", path.display());
        }
        None => print_line(set.trim_end())?,
    }
    Ok(())
}

/// Returns whether two paths name the same file, comparing their directories after
/// resolving them, since the files need not exist yet.
fn same_path(a: &Path, b: &Path) -> bool {
    let resolve = |path: &Path| {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let directory = fs::canonicalize(&directory).unwrap_or(directory);
        path.file_name().map(|name| directory.join(name))
    };
    a == b || resolve(a).is_some_and(|a| Some(a) == resolve(b))
}

/// Writes `text` to a new file; `secret` files get mode 0600 on Unix. With
/// `force`, an existing file is removed first, so that it cannot keep looser
/// permissions.
fn write_new(path: &Path, text: &str, secret: bool, force: bool) -> Result<(), Failure> {
    let path_text = path.display();
    if force {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::error(format!(
                    "cannot replace {path_text}: {}",
                    describe(&e)
                )))
            }
        }
    }

    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;

    let mut file = options
        .open(path)
        .map_err(|e| Failure::error(format!("cannot create {path_text}: {}", describe(&e))))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::error(format!("cannot write {path_text}: {}", describe(&e))))
}
