//! `tokenguard public-jwk`: the public JWK of a private key file.

use std::path::PathBuf;

use clap::Args;
use tokenguard::Algorithm;

use crate::key_set::parse_alg;
use crate::private_key::PrivateKey;
use crate::{print_line, Failure};

/// Prints the public JWK of a private key file.
///
/// The JWK is on one line, ready to go into a JWK Set. Reads a private JWK (EC
/// P-256 or P-384, OKP Ed25519, or RSA with p, q, dp, dq and qi) and drops its
/// private members. Also reads an unencrypted RSA, P-256, P-384 or Ed25519 key in
/// PKCS#8 (DER or PEM), and an RSA key in PKCS#1. The JWK has "use": "sig". Its
/// kid is --kid, else the private JWK's kid, else the RFC 7638 thumbprint.
#[derive(Args)]
pub(crate) struct PublicJwkArgs {
    /// The private key file.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,

    /// The kid of the public JWK.
    #[arg(long, value_name = "KID")]
    kid: Option<String>,

    /// Binds the JWK to one algorithm with an alg member. Default: the private
    /// JWK's alg; without one, the JWK has no alg and verifies every algorithm of
    /// its key type (RS* and PS* for RSA).
    #[arg(long, value_name = "ALG", value_parser = parse_alg)]
    alg: Option<Algorithm>,
}

/// Runs `public-jwk`.
pub(crate) fn run(args: PublicJwkArgs) -> Result<(), Failure> {
    let key = PrivateKey::read(&args.key)?;
    let alg = args.alg.or(key.alg);
    if let Some(alg) = alg {
        if !key.pair.algorithms().contains(&alg) {
            return Err(Failure::error(format!(
                "--alg {alg} does not fit {} in {}, which signs {}",
                key.pair.describe(),
                args.key.display(),
                names(key.pair.algorithms())
            )));
        }
    }

    let kid = match args.kid.or(key.kid) {
        Some(kid) => kid,
        None => key.pair.thumbprint()?,
    };
    print_line(&key.pair.public_jwk(&kid, alg))
}

/// Lists algorithm names, comma-separated.
pub(crate) fn names(algorithms: &[Algorithm]) -> String {
    let names: Vec<&str> = algorithms.iter().map(|alg| alg.name()).collect();
    names.join(", ")
}
