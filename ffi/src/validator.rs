//! The validator handle: a policy and a key set, whose key set can be replaced while
//! other threads validate.

use std::sync::{Arc, PoisonError, RwLock};

use tokenguard_core::{JwkSet, ScopeClaims, Validator};

use crate::boundary::{self, Failure, Out};
use crate::config;
use crate::status::{tg_status, TG_INVALID_CONFIG};
use crate::token::{self, tg_token, Input};

/// A validator: a policy and a key set, ready to validate access tokens.
///
/// Immutable except for its key set, which `tg_validator_set_jwks` replaces as a
/// whole. Any number of threads may use one validator at once; only
/// `tg_validator_free` must not overlap another call on it. Tokens it returns own
/// their data and stay valid after the validator is freed.
pub struct tg_validator {
    /// The validator in force. Each validation clones the `Arc` under the read lock
    /// and then runs without it, so it uses one key set from start to end, and a
    /// replacement waits only for those clones.
    current: RwLock<Arc<Validator>>,
    /// The claims that grant scopes, for reading the scopes of verified tokens.
    scope_claims: ScopeClaims,
}

/// Builds a validator from a JSON configuration and a JWK Set, and writes it to
/// `*out_validator`.
///
/// The configuration is a JSON object with these fields; only `issuers` and
/// `audiences` are required, and any other field name is rejected:
///
/// - `issuers`, `audiences`: arrays of strings. `iss` must equal one issuer, and
///   `aud` (a string or an array) must contain one audience.
/// - `algorithms`: array of JWS algorithm names. Default: every asymmetric one
///   (RS*, PS*, ES256, ES384, EdDSA, Ed25519), or with `hmac_secrets` their own.
/// - `leeway`: clock leeway in seconds, 0 to 300, default 30. `max_age`: rejects
///   tokens more than this many seconds after `iat`, which it then requires.
/// - `typ`: `"at+jwt"` (RFC 9068, the default), `"jwt"` (also `JWT`,
///   `application/jwt` or no `typ`) or `"any"`. `profile`: `"rfc9068"`, which
///   requires `typ` at+jwt and the claims iss, exp, aud, sub, client_id, iat and
///   jti, so `typ` may then only be `"at+jwt"`.
/// - `required_claims`, `required_scopes`: arrays of strings. `scope_match`:
///   `"all"` (the default) or `"any"`. `scope_claims`: `"scope"` (the default) or
///   `"scope-or-scp"`, which reads `scp` when `scope` is absent.
///   `scope_hierarchy`: a one-character separator, such as `":"`, that lets
///   `orders` cover `orders:read`.
/// - `max_token_bytes`: 1 to 1048576, default 16384.
/// - `hmac_secrets`: array of `{"kid": ..., "alg": "HS256", "secret_base64url":
///   ...}` (`kid` optional), verifying HMAC tokens in place of a JWK Set; then
///   `jwks_len` must be 0.
/// - `introspection_audience`: the client identifier of this API at the
///   authorization server, which signed introspection responses must carry in
///   `aud`; without it `tg_validator_validate_signed_introspection` fails with
///   `TG_INVALID_CONFIG`. `introspection_max_age`: how many seconds after its
///   `iat`, plus the leeway, a signed response is accepted, default 60.
///
/// Neither input need be NUL-terminated, and both are copied: the caller may free
/// them when the call returns. The caller owns the new validator and frees it with
/// `tg_validator_free`.
///
/// # Errors
///
/// `TG_INVALID_CONFIG`, with a last-error message that names the field, or the
/// length of a configuration over 1 MiB. For a JWK Set the core rejects, the core's
/// status, such as `TG_MALFORMED`, `TG_TOO_LARGE` (over 1 MiB) or `TG_INVALID_KEY`,
/// with a message that starts with "jwks: ". Also `TG_INVALID_UTF8` and
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `config_ptr` and `jwks_ptr` must point to `config_len` and `jwks_len` readable
/// bytes, or be NULL with length 0; `out_validator` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_new(
    config_ptr: *const u8,
    config_len: usize,
    jwks_ptr: *const u8,
    jwks_len: usize,
    out_validator: *mut *mut tg_validator,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises `config_len` readable bytes at `config_ptr`.
        let config = unsafe { boundary::text(config_ptr, config_len, "config_ptr") }?;
        // SAFETY: the caller promises `jwks_len` readable bytes at `jwks_ptr`.
        let jwks = unsafe { boundary::bytes(jwks_ptr, jwks_len, "jwks_ptr") }?;
        let out = Out::new(out_validator, "out_validator")?;

        let config = config::parse(config)?;
        let keys = match config.hmac_keys {
            Some(keys) if jwks.is_empty() => keys,
            Some(_) => {
                return Err(Failure::new(
                    TG_INVALID_CONFIG,
                    "invalid configuration hmac_secrets: cannot be combined with a JWK Set; \
                     pass jwks_len 0 or remove hmac_secrets",
                ))
            }
            None if jwks.is_empty() => {
                return Err(Failure::new(
                    TG_INVALID_CONFIG,
                    "invalid configuration: no keys; pass a JWK Set document in jwks_ptr \
                     or configure hmac_secrets",
                ))
            }
            None => key_set(jwks)?,
        };

        let validator = tg_validator {
            current: RwLock::new(Arc::new(Validator::new(config.policy, keys))),
            scope_claims: config.scope_claims,
        };
        // SAFETY: the caller promises `out_validator` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(validator))) };
        Ok(())
    })
}

/// Replaces the key set of `validator` with the JWK Set in `jwks_ptr`, atomically.
///
/// The new set is read and checked before anything changes; on failure the old set
/// stays in force. Validations running on other threads finish with the set they
/// started with; each validation uses exactly one set. The policy, including the
/// configured algorithms, is unchanged. The document is copied, and need not be
/// NUL-terminated.
///
/// # Errors
///
/// The core's status for a JWK Set it rejects (`TG_MALFORMED`, `TG_TOO_LARGE`,
/// `TG_INVALID_KEY`), `TG_NULL_POINTER`.
///
/// # Safety
///
/// `validator` must be a live validator; `jwks_ptr` must point to `jwks_len`
/// readable bytes, or be NULL with `jwks_len` 0.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_set_jwks(
    validator: *const tg_validator,
    jwks_ptr: *const u8,
    jwks_len: usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live validator.
        let validator = unsafe { boundary::handle(validator, "validator") }?;
        // SAFETY: the caller promises `jwks_len` readable bytes at `jwks_ptr`.
        let jwks = unsafe { boundary::bytes(jwks_ptr, jwks_len, "jwks_ptr") }?;

        let keys = key_set(jwks)?;
        let policy = validator.snapshot().policy().clone();
        validator.replace(Validator::new(policy, keys));
        Ok(())
    })
}

/// Writes the number of keys in the key set in force: `*out_usable` keys that can
/// verify tokens, and `*out_skipped` keys the set skipped because they are weak,
/// broken, not for signatures, or of a type this library does not implement.
///
/// A token whose `kid` names a skipped key is rejected with that key's reason.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `validator` must be a live validator and each out-parameter valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_key_counts(
    validator: *const tg_validator,
    out_usable: *mut usize,
    out_skipped: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live validator.
        let validator = unsafe { boundary::handle(validator, "validator") }?;
        let out_usable = Out::new(out_usable, "out_usable")?;
        let out_skipped = Out::new(out_skipped, "out_skipped")?;

        let current = validator.snapshot();
        let keys = current.keys();
        // SAFETY: the caller promises the out-parameters are valid for writes.
        unsafe {
            out_usable.write(keys.keys().len());
            out_skipped.write(keys.rejected().len());
        }
        Ok(())
    })
}

/// Validates a compact JWS access token at `now` and writes the verified token to
/// `*out_token`.
///
/// `now` is the validation time in Unix seconds; the library never reads a clock.
/// The checks run in the core's order (size, structure, header, `alg`, `typ`, key,
/// signature, then `exp`, `nbf`, `iat`, maximum age, `iss`, `aud`, required claims,
/// scopes) and the first failure is returned. The token bytes need not be
/// NUL-terminated or UTF-8 (anything outside base64url is `TG_MALFORMED`) and are
/// not kept. The caller owns the new token and frees it with `tg_token_free`. It
/// contains copies of the verified header and payload, so it stays valid after the
/// validator is freed.
///
/// # Errors
///
/// The core's status of the first failed check, such as `TG_EXPIRED` or
/// `TG_BAD_SIGNATURE`, with the details in the last error; `TG_NULL_POINTER`.
///
/// # Safety
///
/// `validator` must be a live validator; `token_ptr` must point to `token_len`
/// readable bytes, or be NULL with `token_len` 0; `out_token` must be valid for a
/// write.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_validate(
    validator: *const tg_validator,
    token_ptr: *const u8,
    token_len: usize,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        validate(
            validator,
            token_ptr,
            token_len,
            "token_ptr",
            now,
            out_token,
            |token| Input::Token(token),
        )
    }
}

/// Validates the token of a whole `Authorization` header value, such as `Bearer
/// eyJ...`, at `now` and writes the verified token to `*out_token`.
///
/// The value is parsed as `tg_parse_authorization` does; the `DPoP` scheme is
/// rejected, because its proof is not checked here. The token is then validated as
/// by `tg_validator_validate`, with the same ownership rules.
///
/// # Errors
///
/// `TG_MALFORMED` for a value that does not parse, uses another scheme, or uses
/// `DPoP`. The last error's HTTP status is then 400 or 401, and
/// `tg_last_error_www_authenticate` writes the matching challenge. Otherwise the
/// errors of `tg_validator_validate`.
///
/// # Safety
///
/// As for `tg_validator_validate`, with `value_ptr` and `value_len`.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_validate_authorization(
    validator: *const tg_validator,
    value_ptr: *const u8,
    value_len: usize,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        validate(
            validator,
            value_ptr,
            value_len,
            "value_ptr",
            now,
            out_token,
            |value| Input::Authorization(value),
        )
    }
}

/// Checks an RFC 7662 introspection response body at `now` with the validator's
/// policy, and writes the token it describes to `*out_token`.
///
/// The body must be a JSON object whose `active` member is a boolean. An active
/// response then passes the claim checks of `tg_validator_validate`: `exp` is
/// required, and `iss` and `aud` must match the configuration even though RFC 7662
/// makes them optional. The token has no JWS header, so `tg_token_header`,
/// `tg_token_algorithm` and `tg_token_key_id` return `TG_NOT_FOUND` for it; the
/// claim functions read the response's members. Ownership is as for
/// `tg_validator_validate`.
///
/// # Errors
///
/// `TG_INACTIVE` for `"active": false`; `TG_MALFORMED` for a body that is not a
/// JSON object or whose `active` is missing or not a boolean; `TG_TOO_LARGE` above
/// `max_token_bytes`; otherwise the claim errors of `tg_validator_validate`.
///
/// # Safety
///
/// As for `tg_validator_validate`, with `body_ptr` and `body_len`.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_validate_introspection(
    validator: *const tg_validator,
    body_ptr: *const u8,
    body_len: usize,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        validate(
            validator,
            body_ptr,
            body_len,
            "body_ptr",
            now,
            out_token,
            |body| Input::Introspection(body),
        )
    }
}

/// Checks an RFC 9701 signed introspection response (a JWT of media type
/// `application/token-introspection+jwt`) at `now`, and writes the token it
/// describes to `*out_token`.
///
/// The response is verified with the validator's key set and algorithms. Its
/// header `typ` must be `token-introspection+jwt`, its `iss` a configured issuer,
/// its `aud` the configured `introspection_audience`, its `exp` and `nbf`, when
/// present, must hold at `now` with the leeway, and its `iat` must be within
/// `introspection_max_age` plus the leeway. Its `token_introspection` member is
/// then checked as `tg_validator_validate_introspection` checks a body.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` without `introspection_audience`; the errors of
/// `tg_validator_validate` for the response JWT and its claims; then those of
/// `tg_validator_validate_introspection`.
///
/// # Safety
///
/// As for `tg_validator_validate`, with `response_ptr` and `response_len`.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_validate_signed_introspection(
    validator: *const tg_validator,
    response_ptr: *const u8,
    response_len: usize,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        validate(
            validator,
            response_ptr,
            response_len,
            "response_ptr",
            now,
            out_token,
            |response| Input::SignedIntrospection(response),
        )
    }
}

/// Frees a validator. NULL is ignored.
///
/// Tokens it returned stay valid. No other call may use the validator while or
/// after it is freed.
///
/// # Safety
///
/// `validator` must be NULL or a validator from `tg_validator_new` that was not
/// freed yet.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_free(validator: *mut tg_validator) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(validator) }
}

impl tg_validator {
    /// Returns the claims that grant scopes.
    pub(crate) const fn scope_claims(&self) -> ScopeClaims {
        self.scope_claims
    }

    /// Returns the validator in force.
    pub(crate) fn snapshot(&self) -> Arc<Validator> {
        // No code panics while holding the lock, but a poisoned lock still holds a
        // complete validator, so it is used as it is.
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&current)
    }

    /// Puts `validator` in force.
    fn replace(&self, validator: Validator) {
        let new = Arc::new(validator);
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let old = std::mem::replace(&mut *current, new);
        drop(current);
        // The old validator is freed here, outside the lock, unless a validation
        // still holds it.
        drop(old);
    }
}

/// Reads a JWK Set document.
fn key_set(jwks: &[u8]) -> Result<JwkSet, Failure> {
    JwkSet::from_json(jwks).map_err(|error| Failure::core_in("jwks", error))
}

/// Validates a token, an `Authorization` value or an introspection response: the
/// shared body of the validation functions.
///
/// # Safety
///
/// As for `tg_validator_validate`.
unsafe fn validate(
    validator: *const tg_validator,
    input_ptr: *const u8,
    input_len: usize,
    input_name: &'static str,
    now: i64,
    out_token: *mut *mut tg_token,
    kind: fn(&[u8]) -> Input<'_>,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live validator.
        let validator = unsafe { boundary::handle(validator, "validator") }?;
        // SAFETY: the caller promises `input_len` readable bytes at `input_ptr`.
        let input = unsafe { boundary::bytes(input_ptr, input_len, input_name) }?;
        let out = Out::new(out_token, "out_token")?;

        let current = validator.snapshot();
        let verified = token::validate(&current, kind(input), now, validator.scope_claims)?;
        // SAFETY: the caller promises `out_token` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(verified))) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};
    use ring::hmac;

    use super::*;
    use crate::status::{TG_OK, TG_TOO_LARGE};
    use crate::token::{tg_token_free, tg_token_payload};

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_767_229_200;

    #[test]
    fn handles_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<tg_validator>();
        assert_send_sync::<tg_token>();
    }

    /// Signs an HS256 token whose `pad` claim makes it about `len` bytes long.
    fn hs256_token(len: usize) -> String {
        let header = Base64UrlUnpadded::encode_string(br#"{"alg":"HS256","typ":"at+jwt"}"#);
        let claims = format!(
            r#"{{"iss":"https://auth.example.com","aud":"https://api.example.com","exp":4102358400,"pad":"{}"}}"#,
            "x".repeat(len / 4 * 3)
        );
        let payload = Base64UrlUnpadded::encode_string(claims.as_bytes());
        let signing_input = format!("{header}.{payload}");
        let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET);
        let signature = hmac::sign(&key, signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            Base64UrlUnpadded::encode_string(signature.as_ref())
        )
    }

    fn hmac_validator(max_token_bytes: usize) -> *mut tg_validator {
        let config = format!(
            r#"{{"issuers": ["https://auth.example.com"], "audiences": ["https://api.example.com"],
                "max_token_bytes": {max_token_bytes},
                "hmac_secrets": [{{"alg": "HS256", "secret_base64url": "{}"}}]}}"#,
            Base64UrlUnpadded::encode_string(SECRET)
        );
        let mut validator = std::ptr::null_mut();
        // SAFETY: `config` is valid for its length and `validator` for a write.
        let status = unsafe {
            tg_validator_new(
                config.as_ptr(),
                config.len(),
                std::ptr::null(),
                0,
                &mut validator,
            )
        };
        assert_eq!(status, TG_OK, "{:?}", crate::last_error::message());
        validator
    }

    /// Validates `token` and returns the status and the payload length.
    fn validate_len(validator: *const tg_validator, token: &str) -> (tg_status, usize) {
        let mut verified = std::ptr::null_mut();
        // SAFETY: `validator` is live, `token` valid for its length.
        let status = unsafe {
            tg_validator_validate(validator, token.as_ptr(), token.len(), NOW, &mut verified)
        };
        if status != TG_OK {
            return (status, 0);
        }
        let (mut ptr, mut len) = (std::ptr::null(), 0);
        // SAFETY: `verified` is a live token; the out-parameters are valid.
        let payload_status = unsafe { tg_token_payload(verified, &mut ptr, &mut len) };
        assert_eq!(payload_status, TG_OK);
        // SAFETY: `verified` came from `tg_validator_validate` and is freed once.
        unsafe { tg_token_free(verified) };
        (status, len)
    }

    #[test]
    fn tokens_of_every_buffer_size_validate() {
        let validator = hmac_validator(MAX_TOKEN_BYTES);
        // One size for the stack buffer and one for each heap buffer.
        for len in [2_000, 40_000, 200_000, 1_000_000] {
            let token = hs256_token(len);
            assert!(token.len() <= MAX_TOKEN_BYTES, "{}", token.len());
            let (status, payload_len) = validate_len(validator, &token);
            assert_eq!(status, TG_OK, "{len}: {:?}", crate::last_error::message());
            assert!(
                payload_len > len / 4 * 3,
                "{len}: payload of {payload_len} bytes"
            );
        }
        // SAFETY: `validator` came from `tg_validator_new` and is freed once.
        unsafe { tg_validator_free(validator) };
    }

    #[test]
    fn tokens_around_small_buffer_limit_validate() {
        let validator = hmac_validator(MAX_TOKEN_BYTES);
        // Token lengths from below to above the 2 KiB of the small stack buffer.
        let mut lengths = Vec::new();
        for len in (1_780..1_940).step_by(2) {
            let token = hs256_token(len);
            let (status, payload_len) = validate_len(validator, &token);
            assert_eq!(
                status,
                TG_OK,
                "{}: {:?}",
                token.len(),
                crate::last_error::message()
            );
            assert!(payload_len > len / 4 * 3, "{}", token.len());
            lengths.push(token.len());
        }
        assert!(lengths.contains(&2_048), "{lengths:?}");
        assert!(lengths.iter().any(|len| *len < 2_048), "{lengths:?}");
        assert!(lengths.iter().any(|len| *len > 2_048), "{lengths:?}");
        // SAFETY: `validator` came from `tg_validator_new` and is freed once.
        unsafe { tg_validator_free(validator) };
    }

    #[test]
    fn token_over_maximum_rejected_before_decoding() {
        let validator = hmac_validator(50_000);
        let (status, _) = validate_len(validator, &hs256_token(60_000));
        assert_eq!(status, TG_TOO_LARGE);
        let (status, _) = validate_len(validator, &hs256_token(40_000));
        assert_eq!(status, TG_OK);
        // SAFETY: `validator` came from `tg_validator_new` and is freed once.
        unsafe { tg_validator_free(validator) };
    }

    #[test]
    fn oversized_config_reads_as_config_error() {
        // The configuration is the server's input, so every last-error function, the
        // challenge included, must describe an oversized one as a configuration error.
        let config = format!(
            r#"{{"issuers": ["https://auth.example.com"], "audiences": ["https://api.example.com"]}}{}"#,
            " ".repeat(config::MAX_CONFIG_BYTES)
        );
        let mut validator = std::ptr::null_mut();
        // SAFETY: `config` is valid for its length and `validator` for a write.
        let status = unsafe {
            tg_validator_new(
                config.as_ptr(),
                config.len(),
                std::ptr::null(),
                0,
                &mut validator,
            )
        };
        assert_eq!(status, TG_INVALID_CONFIG);
        assert!(validator.is_null());

        let mut http_status = 0;
        // SAFETY: `http_status` is valid for a write.
        let http = unsafe { crate::tg_last_error_http_status(&mut http_status) };
        assert_eq!(http, TG_OK);
        assert_eq!(http_status, 500);

        let mut bearer_error = c"unwritten".as_ptr();
        // SAFETY: `bearer_error` is valid for a write.
        let bearer = unsafe { crate::tg_last_error_bearer_error(&mut bearer_error) };
        assert_eq!(bearer, TG_OK);
        assert!(
            bearer_error.is_null(),
            "a configuration error has no RFC 6750 error"
        );

        let mut challenge = [0u8; 64];
        let mut len = 0;
        // SAFETY: realm and scope are NULL with length 0. `challenge` has 64 writable
        // bytes and `len` is valid for a write.
        let built = unsafe {
            crate::tg_last_error_www_authenticate(
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                challenge.as_mut_ptr(),
                challenge.len(),
                &mut len,
            )
        };
        assert_eq!(built, TG_OK);
        assert_eq!(&challenge[..len], b"Bearer");
    }

    /// The largest `max_token_bytes` a configuration accepts.
    const MAX_TOKEN_BYTES: usize = tokenguard_core::MAX_TOKEN_BYTES_LIMIT;
}
