//! Creating client assertions (RFC 7523 section 3): the client's side.

use alloc::string::String;

use crate::alg::Algorithm;
use crate::base64url;
use crate::error::Error;
use crate::signing::{HeaderParams, ObjectWriter, SigningKey};

use super::DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS;

/// Lifetime of a created assertion by default, in seconds from `iat` to `exp`:
/// an assertion is sent once, right after it is made.
pub const DEFAULT_ASSERTION_LIFETIME_SECONDS: u32 = 60;

/// Minimum number of random bytes a `jti` is made from: 128 bits, so that two
/// assertions of one client share a `jti` by chance with negligible probability.
pub const MIN_JTI_RANDOM_BYTES: usize = 16;

/// Maximum number of random bytes a `jti` is made from; more add only length.
pub const MAX_JTI_RANDOM_BYTES: usize = 64;

/// Makes signed client assertions for one client and one audience.
///
/// Each assertion has `iss` and `sub` set to the client id, and `aud` set to the
/// audience: the token endpoint URL, or the authorization server's issuer
/// identifier. `iat` is now, `exp` is now plus the lifetime, and the `jti` is made
/// from random bytes the caller supplies. The header has `alg`, the key's `kid`
/// when it has one, and `typ` `JWT`.
#[derive(Clone, Debug)]
pub struct AssertionBuilder<'a> {
    client_id: &'a str,
    audience: &'a str,
    lifetime: u32,
}

impl<'a> AssertionBuilder<'a> {
    /// Returns a builder for assertions from `client_id` to `audience`, with a
    /// lifetime of [`DEFAULT_ASSERTION_LIFETIME_SECONDS`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when `client_id` or `audience` is empty.
    pub fn new(client_id: &'a str, audience: &'a str) -> Result<Self, Error> {
        if client_id.is_empty() {
            return Err(Error::InvalidConfig {
                field: "client_id",
                reason: "must not be empty",
            });
        }
        if audience.is_empty() {
            return Err(Error::InvalidConfig {
                field: "audience",
                reason: "must not be empty",
            });
        }
        Ok(Self {
            client_id,
            audience,
            lifetime: DEFAULT_ASSERTION_LIFETIME_SECONDS,
        })
    }

    /// Returns this builder making assertions that expire `seconds` after `iat`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for 0, or for more than
    /// [`DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS`], the longest lifetime an
    /// [`AssertionVerifier`](crate::AssertionVerifier) accepts by default.
    pub fn with_lifetime(self, seconds: u32) -> Result<Self, Error> {
        if seconds == 0 || seconds > DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS {
            return Err(Error::InvalidConfig {
                field: "lifetime",
                reason: "must be 1 to 300 seconds",
            });
        }
        Ok(Self {
            lifetime: seconds,
            ..self
        })
    }

    /// Signs an assertion with `key` under `alg`, or under the key's
    /// [default algorithm](SigningKey::default_algorithm) when `alg` is `None`.
    ///
    /// `now` is the time in Unix seconds. `jti_random` are fresh random bytes from
    /// the caller's generator, [`MIN_JTI_RANDOM_BYTES`] to
    /// [`MAX_JTI_RANDOM_BYTES`] of them; the `jti` is their base64url encoding.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for a `jti_random` of the wrong length, for an RSA
    /// key without `alg` when no `alg` is given, and for a `now` so late that `exp`
    /// overflows. Also the errors of [`SigningKey::sign`].
    pub fn sign(
        &self,
        key: &SigningKey,
        alg: Option<Algorithm>,
        now: i64,
        jti_random: &[u8],
    ) -> Result<String, Error> {
        let jti = encode_jti(jti_random)?;
        let alg = alg
            .or(key.default_algorithm())
            .ok_or(Error::InvalidConfig {
                field: "alg",
                reason: "an RSA key without alg needs the algorithm named",
            })?;
        let exp = now
            .checked_add(i64::from(self.lifetime))
            .ok_or(Error::InvalidConfig {
                field: "now",
                reason: "is too large for exp to be represented",
            })?;

        let claims = ObjectWriter::default()
            .string("iss", self.client_id)
            .string("sub", self.client_id)
            .string("aud", self.audience)
            .integer("iat", now)
            .integer("exp", exp)
            .string("jti", &jti)
            .finish();
        let header = HeaderParams {
            typ: Some("JWT"),
            kid: key.kid(),
            embed_jwk: false,
        };
        key.sign_jws(alg, &header, claims.as_bytes())
    }
}

/// Returns the base64url encoding of `random`, the `jti` of a created token.
///
/// # Errors
///
/// [`Error::InvalidConfig`] unless `random` has [`MIN_JTI_RANDOM_BYTES`] to
/// [`MAX_JTI_RANDOM_BYTES`] bytes.
pub(crate) fn encode_jti(random: &[u8]) -> Result<String, Error> {
    if !(MIN_JTI_RANDOM_BYTES..=MAX_JTI_RANDOM_BYTES).contains(&random.len()) {
        return Err(Error::InvalidConfig {
            field: "jti_random",
            reason: "must be 16 to 64 random bytes",
        });
    }
    let mut jti = String::new();
    base64url::encode_to(&mut jti, random);
    Ok(jti)
}
