//! Private keys for `sign` and `public-jwk`: private JWKs, and PKCS#8 or PKCS#1
//! files in DER or PEM, read by the core's [`SigningKey`].

use std::path::Path;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use tokenguard::{json, Algorithm, Error, KeyFault, KeyType, SigningKey};

use crate::input::read_file;
use crate::verify::error_line;
use crate::Failure;

/// Maximum size of a private key file in bytes; an 8192-bit RSA key in PEM is
/// about 6.5 KB.
const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

/// Reads the private key in the file at `path`: a private JWK (EC, OKP Ed25519 or
/// RSA with its primes), or an RSA, P-256, P-384 or Ed25519 key in PKCS#8, or an
/// RSA key in PKCS#1, as DER or PEM.
pub(crate) fn read(path: &Path) -> Result<SigningKey, Failure> {
    let bytes = read_file(path, MAX_KEY_FILE_BYTES, "key file")?;
    let start = bytes.trim_ascii_start();
    let path_text = path.display();
    let unusable =
        |reason: String| Failure::error(format!("cannot use the key in {path_text}: {reason}"));

    if start.starts_with(b"{") {
        return from_jwk(&bytes).map_err(unusable);
    }
    if start.starts_with(b"-----BEGIN ") {
        return from_pem(start, &path_text.to_string()).map_err(unusable);
    }
    SigningKey::from_der(&bytes)
        .map_err(|error| der_reason(&error))
        .map_err(unusable)
}

/// Names the key type in messages.
pub(crate) fn describe(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Rsa => "an RSA key",
        KeyType::EcP256 => "an EC P-256 key",
        KeyType::EcP384 => "an EC P-384 key",
        KeyType::Ed25519 => "an Ed25519 key",
        _ => "an HMAC secret",
    }
}

/// Returns the RFC 7638 thumbprint of the public key, base64url-encoded.
pub(crate) fn thumbprint(key: &SigningKey) -> Result<String, Failure> {
    key.thumbprint()
        .map(|thumbprint| Base64UrlUnpadded::encode_string(&thumbprint))
        .ok_or_else(|| Failure::error("an HMAC secret has no public key to fingerprint"))
}

/// Lists algorithm names, comma-separated.
pub(crate) fn names(algorithms: impl IntoIterator<Item = Algorithm>) -> String {
    let names: Vec<&str> = algorithms.into_iter().map(Algorithm::name).collect();
    names.join(", ")
}

/// Reads a private JWK, first catching the files that look like one but are not
/// meant for signing, to say what to give instead.
fn from_jwk(bytes: &[u8]) -> Result<SigningKey, String> {
    if let Ok(object) = json::parse_object(bytes) {
        if object.get("keys").is_some() {
            return Err("the file is a JWK Set; give one private JWK".into());
        }
        let kty = object.get("kty").and_then(|kty| kty.as_str());
        if kty.is_some_and(|kty| kty.eq_str("oct")) {
            let reason = "an oct JWK is an HMAC secret: pass the raw secret as the --key \
                          file, with --alg HS256, HS384 or HS512";
            return Err(reason.into());
        }
    }
    SigningKey::from_jwk(bytes).map_err(|error| match error {
        Error::InvalidKey {
            fault: KeyFault::PublicOnly,
        } => "the JWK is a public key (it has no d member); signing needs the private key"
            .to_string(),
        Error::InvalidKey {
            fault: KeyFault::MissingMember { member },
        } if ["p", "q", "dp", "dq", "qi"].contains(&member) => format!(
            "the RSA JWK has no {member} member; ring signs only with the primes and \
             CRT members (p, q, dp, dq, qi)"
        ),
        other => error_line(&other),
    })
}

/// Explains why a DER key was not read.
fn der_reason(error: &Error) -> String {
    match error {
        Error::InvalidKey {
            fault: KeyFault::UnknownKeyFormat,
        } => "the file is not a private key tokenguard can read: expected a private JWK, \
              or an unencrypted RSA, P-256, P-384 or Ed25519 key in PKCS#8 (DER or PEM)"
            .to_string(),
        other => error_line(other),
    }
}

/// Reads the first PEM block (RFC 7468) of the file.
fn from_pem(text: &[u8], file: &str) -> Result<SigningKey, String> {
    let text = std::str::from_utf8(text).map_err(|_| "the PEM file is not ASCII text")?;
    let mut lines = text.lines().map(str::trim);
    let first = lines.next().unwrap_or_default();
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.strip_suffix("-----"))
        .ok_or("the PEM file does not start with a -----BEGIN ...----- line")?;

    let end = format!("-----END {label}-----");
    let mut body = String::new();
    let mut closed = false;
    for line in lines {
        if line == end {
            closed = true;
            break;
        }
        if line.contains(':') {
            return Err(format!(
                "the PEM block has headers, so it is encrypted; decrypt it first, for \
                 example with openssl pkey -in {file} -out key.pem"
            ));
        }
        body.push_str(line);
    }
    if !closed {
        return Err(format!("the PEM block has no {end} line"));
    }
    let der = Base64::decode_vec(&body).map_err(|_| "the PEM block is not valid base64")?;

    match label {
        "PRIVATE KEY" | "RSA PRIVATE KEY" => {
            SigningKey::from_der(&der).map_err(|error| der_reason(&error))
        }
        "ENCRYPTED PRIVATE KEY" => Err(format!(
            "the key is encrypted; decrypt it first, for example with openssl pkcs8 \
             -in {file} -out key.pem"
        )),
        "EC PRIVATE KEY" => Err(format!(
            "the key is in SEC1 form, which ring does not read; convert it with \
             openssl pkcs8 -topk8 -nocrypt -in {file} -out key.pem"
        )),
        "PUBLIC KEY" | "CERTIFICATE" => Err(format!(
            "the file contains a {label}; signing needs a private key"
        )),
        other => Err(format!(
            "PEM label {other:?} is not supported; expected PRIVATE KEY"
        )),
    }
}
