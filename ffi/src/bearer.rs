//! `Authorization` parsing and `WWW-Authenticate` challenges (RFC 6750 sections 2.1
//! and 3).

use tokenguard_core::{parse_authorization, Challenge, Error, Scheme};

use crate::boundary::{self, Failure, Out, OutBuf};
use crate::dpop::tg_dpop_verifier;
use crate::status::{self, tg_status, TG_INVALID_ARGUMENT, TG_OK};

/// An HTTP authentication scheme for access tokens.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tg_scheme {
    /// `Bearer` (RFC 6750).
    TG_SCHEME_BEARER = 1,
    /// `DPoP` (RFC 9449): the token must come with a DPoP proof, so
    /// `tg_validator_validate_authorization` rejects it and
    /// `tg_validator_validate_dpop` checks both.
    TG_SCHEME_DPOP = 2,
}

/// Parses an `Authorization` header value as `scheme 1*SP token` and writes the
/// scheme and the token.
///
/// The scheme is `Bearer` or `DPoP` in any ASCII letter case, followed by one or
/// more spaces and a `b64token` (RFC 6750 section 2.1). Nothing may precede the
/// scheme or follow the token. `value_ptr` need not be NUL-terminated.
/// `*out_token_ptr` points into the caller's `value_ptr` bytes, so it is valid as
/// long as they are; it is not NUL-terminated and is never freed by itself.
///
/// # Errors
///
/// `TG_MALFORMED` when the value does not parse or has another scheme (the last
/// error's HTTP status tells which: 400 or 401), `TG_NULL_POINTER`.
///
/// # Safety
///
/// `value_ptr` must point to `value_len` readable bytes, or be NULL with `value_len`
/// 0; each out-parameter must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_parse_authorization(
    value_ptr: *const u8,
    value_len: usize,
    out_scheme: *mut tg_scheme,
    out_token_ptr: *mut *const u8,
    out_token_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises `value_len` readable bytes at `value_ptr`.
        let value = unsafe { boundary::bytes(value_ptr, value_len, "value_ptr") }?;
        let out_scheme = Out::new(out_scheme, "out_scheme")?;
        let out_token_ptr = Out::new(out_token_ptr, "out_token_ptr")?;
        let out_token_len = Out::new(out_token_len, "out_token_len")?;

        let credentials = parse_authorization(value)?;
        let scheme = match credentials.scheme() {
            Scheme::Bearer => tg_scheme::TG_SCHEME_BEARER,
            Scheme::DPoP => tg_scheme::TG_SCHEME_DPOP,
        };
        let token = credentials.token();
        // SAFETY: the caller promises the out-parameters are valid for writes.
        unsafe {
            out_scheme.write(scheme);
            out_token_ptr.write(token.as_ptr());
            out_token_len.write(token.len());
        }
        Ok(())
    })
}

/// Builds the `WWW-Authenticate` value (RFC 6750 section 3) for `status` and copies
/// it into `buf`.
///
/// `TG_OK` gives the bare challenge for a request without a token, `Bearer` or
/// `Bearer realm="..."`. A rejection status gives its RFC 6750 `error` and its
/// `tg_status_message` as `error_description`. `TG_MALFORMED` counts as a malformed
/// token (`invalid_token`). `TG_INVALID_CONFIG`, the server's fault, gives a bare
/// challenge. For the message of the actual failure, and `invalid_request` for
/// a malformed `Authorization` value, use `tg_last_error_www_authenticate`.
/// `realm` and `scope` are added when their length is not 0, escaped as that
/// function describes. The result is ASCII without a terminating NUL; the caller
/// owns `buf`.
///
/// # Errors
///
/// `TG_INVALID_ARGUMENT` for a status that is neither `TG_OK` nor a core status,
/// `TG_BUFFER_TOO_SMALL` (with `*out_len` set to the length needed),
/// `TG_NULL_POINTER`, `TG_INVALID_UTF8`.
///
/// # Safety
///
/// `realm_ptr` and `scope_ptr` must point to `realm_len` and `scope_len` readable
/// bytes (or be NULL with length 0), `buf` must be valid for writes of `buf_len`
/// bytes and `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_www_authenticate(
    status: tg_status,
    realm_ptr: *const u8,
    realm_len: usize,
    scope_ptr: *const u8,
    scope_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises readable `realm` and `scope` bytes.
        let realm = unsafe { boundary::text(realm_ptr, realm_len, "realm_ptr") }?;
        // SAFETY: as above.
        let scope = unsafe { boundary::text(scope_ptr, scope_len, "scope_ptr") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;

        let challenge = Challenge::new(Scheme::Bearer);
        let sample = status::sample_error(status);
        let message = status::info(status).and_then(|info| info.message.to_str().ok());
        let value = match (sample.as_ref().and_then(Error::bearer_error), message) {
            (Some(code), Some(message)) => {
                challenge_text(challenge.error(code).description(&message), realm, scope)
            }
            _ if status == TG_OK || sample.is_some() => challenge_text(challenge, realm, scope),
            _ => {
                return Err(Failure::new(
                    TG_INVALID_ARGUMENT,
                    format!("status {status} is neither TG_OK nor a token rejection"),
                ))
            }
        };
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(value.as_bytes()) }
    })
}

/// Builds the `WWW-Authenticate` value in the `DPoP` scheme (RFC 9449 section 7.1)
/// for `status` and copies it into `buf`.
///
/// As `tg_www_authenticate`, with the scheme `DPoP` and an `algs` parameter that
/// lists `verifier`'s algorithms, so that a client knows which to sign proofs
/// with. `TG_INVALID_DPOP_PROOF` and `TG_USE_DPOP_NONCE` give the RFC 9449 codes
/// `invalid_dpop_proof` and `use_dpop_nonce`; a `use_dpop_nonce` response also
/// needs the `DPoP-Nonce` header, which the caller adds. `realm` is added when its
/// length is not 0.
///
/// # Errors
///
/// As for `tg_www_authenticate`.
///
/// # Safety
///
/// `verifier` must be a live verifier; `realm_ptr` must point to `realm_len`
/// readable bytes (or be NULL with length 0), `buf` must be valid for writes of
/// `buf_len` bytes and `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_www_authenticate_dpop(
    status: tg_status,
    verifier: *const tg_dpop_verifier,
    realm_ptr: *const u8,
    realm_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live verifier.
        let verifier = unsafe { boundary::handle(verifier, "verifier") }?;
        // SAFETY: the caller promises readable `realm` bytes.
        let realm = unsafe { boundary::text(realm_ptr, realm_len, "realm_ptr") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;

        let challenge = Challenge::new(Scheme::DPoP).algs(verifier.verifier.algorithms());
        let sample = status::sample_error(status);
        let message = status::info(status).and_then(|info| info.message.to_str().ok());
        let value = match (sample.as_ref().and_then(Error::bearer_error), message) {
            (Some(code), Some(message)) => {
                challenge_text(challenge.error(code).description(&message), realm, "")
            }
            _ if status == TG_OK || sample.is_some() => challenge_text(challenge, realm, ""),
            _ => {
                return Err(Failure::new(
                    TG_INVALID_ARGUMENT,
                    format!("status {status} is neither TG_OK nor a token rejection"),
                ))
            }
        };
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(value.as_bytes()) }
    })
}

/// Writes `challenge` with `realm` and `scope` added when they are not empty.
pub(crate) fn challenge_text<'a>(
    mut challenge: Challenge<'a>,
    realm: &'a str,
    scope: &'a str,
) -> String {
    if !realm.is_empty() {
        challenge = challenge.realm(realm);
    }
    if !scope.is_empty() {
        challenge = challenge.scope(scope);
    }
    challenge.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{TG_EXPIRED, TG_INSUFFICIENT_SCOPE, TG_INVALID_CONFIG, TG_MALFORMED};
    use crate::status::{TG_NOT_FOUND, TG_NULL_POINTER};

    fn parse(value: &[u8]) -> Result<(tg_scheme, String), tg_status> {
        let mut scheme = tg_scheme::TG_SCHEME_BEARER;
        let mut token = std::ptr::null();
        let mut len = 0;
        // SAFETY: `value` and the out-parameters are valid.
        let status = unsafe {
            tg_parse_authorization(
                value.as_ptr(),
                value.len(),
                &mut scheme,
                &mut token,
                &mut len,
            )
        };
        if status != TG_OK {
            return Err(status);
        }
        // SAFETY: the token points into `value`.
        let token = unsafe { std::slice::from_raw_parts(token, len) };
        Ok((scheme, String::from_utf8(token.to_vec()).unwrap()))
    }

    fn challenge(status: tg_status, realm: &str, scope: &str) -> Result<String, tg_status> {
        let mut buf = [0u8; 256];
        let mut len = 0;
        // SAFETY: every pointer is valid for its length.
        let result = unsafe {
            tg_www_authenticate(
                status,
                realm.as_ptr(),
                realm.len(),
                scope.as_ptr(),
                scope.len(),
                buf.as_mut_ptr(),
                buf.len(),
                &mut len,
            )
        };
        if result != TG_OK {
            return Err(result);
        }
        Ok(String::from_utf8(buf[..len].to_vec()).unwrap())
    }

    #[test]
    fn parse_bearer_and_dpop() {
        assert_eq!(
            parse(b"Bearer abc.def.ghi"),
            Ok((tg_scheme::TG_SCHEME_BEARER, "abc.def.ghi".into()))
        );
        assert_eq!(
            parse(b"dpop   a-b_c"),
            Ok((tg_scheme::TG_SCHEME_DPOP, "a-b_c".into()))
        );
    }

    #[test]
    fn parse_rejects_bad_values() {
        for value in [
            &b"Basic dXNlcg=="[..],
            b"Bearer",
            b"Bearer a b",
            b" Bearer a",
            b"",
        ] {
            assert_eq!(parse(value), Err(TG_MALFORMED), "{value:?}");
        }
    }

    #[test]
    fn parse_checks_out_pointers() {
        let value = b"Bearer abc";
        let mut token = std::ptr::null();
        let mut len = 0;
        // SAFETY: `value` is valid; the NULL out_scheme is rejected before any write.
        let status = unsafe {
            tg_parse_authorization(
                value.as_ptr(),
                value.len(),
                std::ptr::null_mut(),
                &mut token,
                &mut len,
            )
        };
        assert_eq!(status, TG_NULL_POINTER);
        assert!(token.is_null());
        assert_eq!(len, 0);
    }

    #[test]
    fn challenge_for_statuses() {
        assert_eq!(challenge(TG_OK, "", ""), Ok("Bearer".into()));
        assert_eq!(
            challenge(TG_OK, "api \"v2\"", ""),
            Ok("Bearer realm=\"api \\\"v2\\\"\"".into())
        );
        assert_eq!(
            challenge(TG_EXPIRED, "api", ""),
            Ok("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"token is expired\"".into())
        );
        assert_eq!(
            challenge(TG_INSUFFICIENT_SCOPE, "", "orders:read orders:write"),
            Ok("Bearer error=\"insufficient_scope\", error_description=\"token lacks a required scope\", scope=\"orders:read orders:write\"".into())
        );
        assert_eq!(challenge(TG_INVALID_CONFIG, "", ""), Ok("Bearer".into()));
    }

    #[test]
    fn challenge_rejects_other_statuses() {
        assert_eq!(challenge(TG_NOT_FOUND, "", ""), Err(TG_INVALID_ARGUMENT));
        assert_eq!(challenge(555, "", ""), Err(TG_INVALID_ARGUMENT));
    }
}
