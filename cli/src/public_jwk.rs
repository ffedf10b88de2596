//! `tokenguard public-jwk`: the public JWK of a private key file.

use std::path::PathBuf;

use clap::Args;
use tokenguard::Algorithm;

use crate::key_set::parse_alg;
use crate::private_key;
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
    let key = private_key::read(&args.key)?;
    let alg = args.alg.or(key.alg());
    let algorithms = key.key_type().algorithms();
    if let Some(alg) = alg {
        if !algorithms.contains(alg) {
            return Err(Failure::error(format!(
                "--alg {alg} does not fit {} in {}, which signs {}",
                private_key::describe(key.key_type()),
                args.key.display(),
                private_key::names(algorithms.iter())
            )));
        }
    }

    let kid = match args.kid.or(key.kid().map(str::to_string)) {
        Some(kid) => kid,
        None => private_key::thumbprint(&key)?,
    };
    let jwk = key
        .public_jwk(Some(&kid), alg)
        .ok_or_else(|| Failure::error("an HMAC secret has no public JWK"))?;
    print_line(&jwk)
}
