//! Creating DPoP proofs (RFC 9449 section 4.2): the client's side.

use alloc::string::String;

use crate::alg::Algorithm;
use crate::assertion::encode_jti;
use crate::crypto::Sha256;
use crate::error::{Error, MismatchReason};
use crate::signing::{HeaderParams, ObjectWriter, SigningKey};

use super::DpopRequest;

/// Signs a DPoP proof for `request` with `key` under `alg`, or under the key's
/// [default algorithm](SigningKey::default_algorithm) when `alg` is `None`.
///
/// The header has `typ` `dpop+jwt`, `alg` and the public key as `jwk`. The claims
/// are `jti` (the base64url encoding of `jti_random`, 16 to 64 fresh bytes from
/// the caller's generator), `htm` the method, `htu` the URI without its query and
/// fragment, `iat` `now`, `ath` the SHA-256 of `access_token` when one is given,
/// and `nonce` when the request has one.
///
/// # Errors
///
/// [`Error::KeyMismatch`] for an HMAC secret, whose key cannot be published in a
/// proof; [`Error::InvalidConfig`] for an empty method or URI, a `jti_random` of
/// the wrong length, or an RSA key without `alg` when none is given; the errors
/// of [`SigningKey::sign`].
pub fn create_dpop_proof(
    key: &SigningKey,
    alg: Option<Algorithm>,
    request: &DpopRequest<'_>,
    access_token: Option<&str>,
    now: i64,
    jti_random: &[u8],
) -> Result<String, Error> {
    if key.thumbprint().is_none() {
        return Err(Error::KeyMismatch {
            reason: MismatchReason::Algorithm,
        });
    }
    if request.method.is_empty() || request.uri.is_empty() {
        return Err(Error::InvalidConfig {
            field: "request",
            reason: "the method and the URI must not be empty",
        });
    }
    let jti = encode_jti(jti_random)?;
    let alg = alg
        .or(key.default_algorithm())
        .ok_or(Error::InvalidConfig {
            field: "alg",
            reason: "an RSA key without alg needs the algorithm named",
        })?;

    // RFC 9449 section 4.2: htu is the target URI without query and fragment.
    let htu = request.uri.split(['?', '#']).next().unwrap_or_default();
    let mut claims = ObjectWriter::default();
    claims
        .string("jti", &jti)
        .string("htm", request.method)
        .string("htu", htu)
        .integer("iat", now);
    if let Some(token) = access_token {
        let mut digest = Sha256::new();
        digest.update(token.as_bytes());
        claims.encoded("ath", &digest.finish());
    }
    claims.optional("nonce", request.nonce);

    let header = HeaderParams {
        typ: Some("dpop+jwt"),
        kid: None,
        embed_jwk: true,
    };
    key.sign_jws(alg, &header, claims.finish().as_bytes())
}
