//! `tokenguard keygen`: makes an EC or Ed25519 key pair with ring.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _};
use tokenguard::Algorithm;

use crate::der;
use crate::input::describe;
use crate::jwk_out::{key_set, JsonObject};
use crate::private_key::KeyPair;
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

    let (alg, generated) = match args.alg {
        KeygenAlg::Es256 => {
            let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
            (Algorithm::ES256, ecdsa(alg, KeyPair::P256)?)
        }
        KeygenAlg::Es384 => {
            let alg = &signature::ECDSA_P384_SHA384_FIXED_SIGNING;
            (Algorithm::ES384, ecdsa(alg, KeyPair::P384)?)
        }
        KeygenAlg::EdDsa => (Algorithm::EdDSA, ed25519()?),
        KeygenAlg::Ed25519 => (Algorithm::Ed25519, ed25519()?),
    };
    let kid = match args.kid {
        Some(kid) => kid,
        None => generated.pair.thumbprint()?,
    };
    let public = generated.pair.public_jwk(&kid, Some(alg));
    let private = private_jwk(&public, &generated.private);

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

/// A generated key pair and the private member `d` of its JWK.
struct Generated {
    pair: KeyPair,
    private: Vec<u8>,
}

/// Generates an ECDSA key; `wrap` names its curve.
fn ecdsa(
    alg: &'static EcdsaSigningAlgorithm,
    wrap: fn(EcdsaKeyPair) -> KeyPair,
) -> Result<Generated, Failure> {
    let rng = SystemRandom::new();
    let failed = || Failure::error("generating the EC key with ring failed");
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(|_| failed())?;
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).map_err(|_| failed())?;
    let d = der::ec_private_key(pkcs8.as_ref())
        .ok_or_else(failed)?
        .to_vec();

    // RFC 7518 section 6.2.2.1: d has the length of a coordinate, as x and y do.
    if d.len() != (pair.public_key().as_ref().len() - 1) / 2 {
        return Err(failed());
    }
    Ok(Generated {
        pair: wrap(pair),
        private: d,
    })
}

fn ed25519() -> Result<Generated, Failure> {
    // RFC 8037 section 2: d is the 32-byte seed from which the key pair is derived.
    let mut seed = vec![0; 32];
    SystemRandom::new()
        .fill(&mut seed)
        .map_err(|_| Failure::error("the system random number generator failed"))?;
    let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
        .map_err(|_| Failure::error("deriving the Ed25519 key with ring failed"))?;
    Ok(Generated {
        pair: KeyPair::Ed25519(pair),
        private: seed,
    })
}

/// Adds `d` to a public JWK's text.
fn private_jwk(public: &str, d: &[u8]) -> String {
    let d_member = JsonObject::default().encoded("d", d).finish();
    // Both are one-line objects: `{...}` and `{"d":"..."}`.
    let without_close = public.strip_suffix('}').unwrap_or(public);
    let member = d_member.strip_prefix('{').unwrap_or(&d_member);
    format!("{without_close},{member}\n")
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
