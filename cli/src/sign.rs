//! `tokenguard sign`: signs a claims object into a compact JWS, for tests.

use std::path::PathBuf;

use clap::Args;
use tokenguard::{
    json, Algorithm, Error, HeaderParams, SigningKey, Weakness, MAX_TOKEN_BYTES_LIMIT,
};

use crate::input::{read_file, read_file_or_stdin, strip_final_newline};
use crate::json_out::compact;
use crate::key_set::{parse_alg, MAX_SECRET_FILE_BYTES};
use crate::private_key;
use crate::verify::error_line;
use crate::{print_line, Failure};

/// Signs a JSON object of claims into a compact JWS and prints it on standard
/// output.
///
/// The header is {"alg": ALG, "typ": TYP, "kid": KID}. The payload is the claims
/// object without whitespace, with members in file order and numbers as written.
/// A claims file that is not one JSON object, or that repeats a member name, is
/// rejected (exit 2).
#[derive(Args)]
pub(crate) struct SignArgs {
    /// The signing key: a private JWK (EC P-256 or P-384, OKP Ed25519, or RSA with
    /// p, q, dp, dq and qi), an unencrypted RSA, P-256, P-384 or Ed25519 key in
    /// PKCS#8 (DER or PEM), or an RSA key in PKCS#1. With --alg HS256, HS384 or
    /// HS512, the file contains the HMAC secret: its bytes, less one final newline.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,

    /// The signature algorithm, required for RSA keys and HMAC secrets. For other
    /// keys the default is the private JWK's alg, or else ES256 for P-256, ES384
    /// for P-384 and EdDSA for Ed25519.
    #[arg(long, value_name = "ALG", value_parser = parse_alg)]
    alg: Option<Algorithm>,

    /// The kid header. Default: the private JWK's kid; no kid for other key files.
    #[arg(long, value_name = "KID")]
    kid: Option<String>,

    /// The typ header.
    #[arg(long, value_name = "TYP", default_value = "at+jwt")]
    typ: String,

    /// Leaves typ out of the header.
    #[arg(long, conflicts_with = "typ")]
    no_typ: bool,

    /// The file with the claims, a JSON object; `-` reads standard input.
    #[arg(value_name = "CLAIMS_FILE")]
    claims: PathBuf,
}

/// Runs `sign`.
pub(crate) fn run(args: SignArgs) -> Result<(), Failure> {
    let claims_text = read_file_or_stdin(&args.claims, MAX_TOKEN_BYTES_LIMIT, "claims file")?;
    let claims = json::parse_object(&claims_text).map_err(|fault| {
        Failure::error(format!(
            "the claims in {} are not one JSON object: {fault}",
            args.claims.display()
        ))
    })?;
    let payload = compact(claims);

    let (key, alg, kid) = signer(&args)?;
    let header = HeaderParams {
        typ: (!args.no_typ).then_some(args.typ.as_str()),
        kid: kid.as_deref(),
        embed_jwk: false,
    };
    let token = key
        .sign_jws(alg, &header, payload.as_bytes())
        .map_err(|error| Failure::error(format!("signing with {alg} failed: {error}")))?;
    print_line(&token)
}

/// Reads the key and settles the algorithm and `kid`.
fn signer(args: &SignArgs) -> Result<(SigningKey, Algorithm, Option<String>), Failure> {
    let path_text = args.key.display();
    if let Some(alg) = args
        .alg
        .filter(|alg| matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
    {
        let bytes = read_file(&args.key, MAX_SECRET_FILE_BYTES, "HMAC secret file")?;
        let secret = strip_final_newline(&bytes);
        if secret.trim_ascii_start().starts_with(b"{") {
            report!(
                "warning: {path_text} looks like JSON; with {alg} the whole file is the \
                 secret, not a JWK"
            );
        }
        // A short secret still signs, so that tests can make the tokens a verifier
        // must reject.
        let key = match SigningKey::hmac_secret(alg, secret) {
            Err(Error::WeakKey {
                weakness: Weakness::ShortSecret { len, min },
            }) => {
                report!(
                    "warning: the HMAC secret in {path_text} is {len} bytes, shorter than \
                     the {min} bytes of the {alg} hash; tokenguard verify rejects it as \
                     weak_key"
                );
                SigningKey::hmac_secret_of_any_length(alg, secret)
            }
            other => other,
        };
        let key = key.map_err(|error| Failure::error(error_line(&error)))?;
        return Ok((key, alg, args.kid.clone()));
    }

    let key = private_key::read(&args.key)?;
    let described = private_key::describe(key.key_type());
    let algorithms = key.key_type().algorithms();
    if let (Some(jwk_alg), Some(alg)) = (key.alg(), args.alg) {
        if jwk_alg != alg {
            return Err(Failure::error(format!(
                "the JWK in {path_text} has alg {jwk_alg}, so it does not sign {alg}; \
                 remove --alg or use another key"
            )));
        }
    }
    let Some(alg) = args.alg.or(key.default_algorithm()) else {
        return Err(Failure::error(format!(
            "{path_text} contains {described}: choose the algorithm with --alg, one of {}",
            private_key::names(algorithms.iter())
        )));
    };
    if !algorithms.contains(alg) {
        return Err(Failure::error(format!(
            "{path_text} contains {described}, which signs {}, not {alg}",
            private_key::names(algorithms.iter())
        )));
    }

    let kid = args.kid.clone().or(key.kid().map(str::to_string));
    Ok((key, alg, kid))
}
