//! `tokenguard sign`: signs a claims object into a compact JWS, for tests.

use std::path::PathBuf;

use base64ct::{Base64UrlUnpadded, Encoding};
use clap::Args;
use tokenguard::{json, Algorithm, MAX_TOKEN_BYTES_LIMIT};

use crate::input::{read_file, read_file_or_stdin, strip_final_newline};
use crate::json_out::compact;
use crate::jwk_out::JsonObject;
use crate::key_set::{parse_alg, MAX_SECRET_FILE_BYTES};
use crate::private_key::PrivateKey;
use crate::public_jwk::names;
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

    let (signer, alg, kid) = signer(&args)?;
    let header = JsonObject::default()
        .text("alg", alg.name())
        .optional("typ", (!args.no_typ).then_some(args.typ.as_str()))
        .optional("kid", kid.as_deref())
        .finish();

    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(payload.as_bytes())
    );
    let signature = signer.sign(alg, signing_input.as_bytes())?;
    let signature = Base64UrlUnpadded::encode_string(&signature);
    print_line(&format!("{signing_input}.{signature}"))
}

/// A key that signs.
enum Signer {
    Hmac(ring::hmac::Key),
    Key(PrivateKey),
}

impl Signer {
    fn sign(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, Failure> {
        match self {
            Self::Hmac(key) => Ok(ring::hmac::sign(key, message).as_ref().to_vec()),
            Self::Key(key) => key.pair.sign(alg, message),
        }
    }
}

/// Reads the key and settles the algorithm and `kid`.
fn signer(args: &SignArgs) -> Result<(Signer, Algorithm, Option<String>), Failure> {
    let path_text = args.key.display();
    if let Some((alg, hash, min)) = args.alg.and_then(hmac) {
        let bytes = read_file(&args.key, MAX_SECRET_FILE_BYTES, "HMAC secret file")?;
        let secret = strip_final_newline(&bytes).to_vec();
        if secret.trim_ascii_start().starts_with(b"{") {
            report!(
                "warning: {path_text} looks like JSON; with {alg} the whole file is the \
                 secret, not a JWK"
            );
        }
        if secret.len() < min {
            report!(
                "warning: the HMAC secret in {path_text} is {} bytes, shorter than the \
                 {min} bytes of the {alg} hash; tokenguard verify rejects it as weak_key",
                secret.len()
            );
        }
        let key = ring::hmac::Key::new(hash, &secret);
        return Ok((Signer::Hmac(key), alg, args.kid.clone()));
    }

    let key = PrivateKey::read(&args.key)?;
    if let (Some(jwk_alg), Some(alg)) = (key.alg, args.alg) {
        if jwk_alg != alg {
            return Err(Failure::error(format!(
                "the JWK in {path_text} has alg {jwk_alg}, so it does not sign {alg}; \
                 remove --alg or use another key"
            )));
        }
    }
    let Some(alg) = args.alg.or(key.alg).or(key.pair.default_alg()) else {
        return Err(Failure::error(format!(
            "{path_text} contains {}: choose the algorithm with --alg, one of {}",
            key.pair.describe(),
            names(key.pair.algorithms())
        )));
    };
    if !key.pair.algorithms().contains(&alg) {
        return Err(Failure::error(format!(
            "{path_text} contains {}, which signs {}, not {alg}",
            key.pair.describe(),
            names(key.pair.algorithms())
        )));
    }

    let kid = args.kid.clone().or(key.kid.clone());
    Ok((Signer::Key(key), alg, kid))
}

/// Returns an HS* algorithm with ring's HMAC algorithm and the output length of its
/// hash in bytes, the minimum secret length of RFC 7518 section 3.2.
fn hmac(alg: Algorithm) -> Option<(Algorithm, ring::hmac::Algorithm, usize)> {
    match alg {
        Algorithm::HS256 => Some((alg, ring::hmac::HMAC_SHA256, 32)),
        Algorithm::HS384 => Some((alg, ring::hmac::HMAC_SHA384, 48)),
        Algorithm::HS512 => Some((alg, ring::hmac::HMAC_SHA512, 64)),
        _ => None,
    }
}
