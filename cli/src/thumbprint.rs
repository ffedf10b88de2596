//! `tokenguard thumbprint`: the RFC 7638 thumbprint of a public JWK.

use std::path::PathBuf;

use base64ct::{Base64UrlUnpadded, Encoding};
use clap::Args;
use tokenguard::json;
use tokenguard::{Error, Jwk, KeyFault, MAX_KEY_SET_BYTES};

use crate::input::read_file_or_stdin;
use crate::verify::error_line;
use crate::{print_line, Failure};

/// Prints the RFC 7638 SHA-256 thumbprint of a public JWK.
///
/// The thumbprint is base64url-encoded on one line. The key is read with the same
/// checks as a key of a JWK Set, so a private JWK, an HMAC secret, a weak key or a
/// key that is not for signatures is rejected (exit 2).
#[derive(Args)]
pub(crate) struct ThumbprintArgs {
    /// The JWK file; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

/// Runs `thumbprint`.
pub(crate) fn run(args: ThumbprintArgs) -> Result<(), Failure> {
    let path = args.file.unwrap_or_else(|| PathBuf::from("-"));
    let source = if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let text = read_file_or_stdin(&path, MAX_KEY_SET_BYTES, "JWK file")?;
    let is_set = json::parse_object(&text).is_ok_and(|object| object.get("keys").is_some());
    if is_set {
        return Err(Failure::error(format!(
            "{source} is a JWK Set; give one JWK, such as one element of its keys array"
        )));
    }

    let jwk = Jwk::from_json(&text).map_err(|error| match error {
        Error::InvalidKey {
            fault: KeyFault::PrivateMembers,
        } => Failure::error(format!(
            "the JWK in {source} is a private key (it has d or other private members); \
             a thumbprint is computed over the public key: run \
             tokenguard public-jwk --key {source} | tokenguard thumbprint"
        )),
        other => Failure::error(format!(
            "cannot use the JWK in {source}: {}",
            error_line(&other)
        )),
    })?;
    // A thumbprint is a public, unsalted hash: for a secret it would let anyone
    // who reads it test guesses of the secret offline.
    if jwk.is_secret() {
        return Err(Failure::error(format!(
            "the JWK in {source} is an HMAC secret (kty oct); thumbprints are for public keys"
        )));
    }
    print_line(&Base64UrlUnpadded::encode_string(&jwk.thumbprint()))
}
