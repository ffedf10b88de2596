//! The last error of each thread: the message, HTTP status, RFC 6750 error and
//! `WWW-Authenticate` value of the most recent failed call.
//!
//! Every function that returns a status other than `TG_OK` replaces the calling
//! thread's last error; successful calls leave it as it was. The `tg_last_error_`
//! functions read it and never change it, even when they fail. Since it is kept per
//! thread, read it on the thread that made the failed call (in Go, with the
//! goroutine locked to its thread).

use std::cell::RefCell;
use std::ffi::c_char;

use tokenguard_core::{Challenge, Scheme};

use crate::bearer::challenge_text;
use crate::boundary::{self, Detail, Failure, Out, OutBuf};
use crate::dpop::tg_dpop_verifier;
use crate::status::{self, tg_status, tg_status_http_status, TG_NOT_FOUND};

thread_local! {
    static LAST_ERROR: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

/// Copies the message of the calling thread's last error into `buf`.
///
/// The message is UTF-8 without a terminating NUL, such as "token expired at
/// 1767225600 (now 1767229200)" or "invalid configuration leway: unknown field;
/// expected one of issuers, ...". `buf` may be NULL when `buf_len` is 0, which returns
/// `TG_BUFFER_TOO_SMALL` with the length in `*out_len` (or `TG_OK` with 0 for an
/// empty message). The caller owns `buf`; nothing is kept after the call.
///
/// # Errors
///
/// `TG_NOT_FOUND` when no call on this thread has failed yet, `TG_BUFFER_TOO_SMALL`
/// (with `*out_len` set to the length needed), `TG_NULL_POINTER`.
///
/// # Safety
///
/// `buf` must be valid for writes of `buf_len` bytes and `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_last_error_message(
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call_unrecorded(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        let message = last()?.to_string();
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(message.as_bytes()) }
    })
}

/// Writes the HTTP status an API should respond with for the calling thread's last
/// error into `*out_http_status`.
///
/// Unlike `tg_status_http_status`, it tells a malformed `Authorization` value (400)
/// and another authentication scheme (401, with a bare challenge) from a malformed
/// token (401).
///
/// # Errors
///
/// `TG_NOT_FOUND` when no call on this thread has failed yet, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `out_http_status` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_last_error_http_status(out_http_status: *mut u16) -> tg_status {
    boundary::call_unrecorded(|| {
        let out = Out::new(out_http_status, "out_http_status")?;
        let failure = last()?;
        let http_status = match failure.detail() {
            Detail::Core { error, .. } => error.http_status(),
            _ => tg_status_http_status(failure.status()),
        };
        // SAFETY: the caller promises `out_http_status` is valid.
        unsafe { out.write(http_status) };
        Ok(())
    })
}

/// Writes the RFC 6750 error code of the calling thread's last error into
/// `*out_bearer_error`: a static NUL-terminated string ("invalid_request",
/// "invalid_token" or "insufficient_scope"), or NULL when the error has none.
///
/// Another authentication scheme, a configuration error and the C layer's own
/// failures have none. The string is never freed.
///
/// # Errors
///
/// `TG_NOT_FOUND` when no call on this thread has failed yet, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `out_bearer_error` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_last_error_bearer_error(
    out_bearer_error: *mut *const c_char,
) -> tg_status {
    boundary::call_unrecorded(|| {
        let out = Out::new(out_bearer_error, "out_bearer_error")?;
        let failure = last()?;
        let error = match failure.detail() {
            Detail::Core { error, .. } => error.bearer_error(),
            _ => status::sample_error(failure.status()).and_then(|error| error.bearer_error()),
        };
        let name = error.map_or(std::ptr::null(), |error| {
            status::bearer_error_name(error).as_ptr()
        });
        // SAFETY: the caller promises `out_bearer_error` is valid.
        unsafe { out.write(name) };
        Ok(())
    })
}

/// Builds the `WWW-Authenticate` value (RFC 6750 section 3) for the calling thread's
/// last error and copies it into `buf`.
///
/// For a rejected token the value carries the RFC 6750 `error` and the message as
/// `error_description`, as the Rust core's `Challenge::for_error` writes it, such as
/// `Bearer realm="api", error="invalid_token", error_description="token expired at
/// 1767225600 (now 1767229200)"`. Errors without an RFC 6750 code give a bare
/// challenge. `realm` and `scope` are added when their length is not 0; quotes and
/// backslashes in `realm` are escaped, and characters RFC 6750 does not allow in
/// `scope` or `error_description` are replaced by `?`. The result is ASCII without a
/// terminating NUL; the caller owns `buf`.
///
/// # Errors
///
/// `TG_NOT_FOUND` when no call on this thread has failed yet, `TG_BUFFER_TOO_SMALL`
/// (with `*out_len` set to the length needed), `TG_NULL_POINTER`, `TG_INVALID_UTF8`.
///
/// # Safety
///
/// `realm_ptr` and `scope_ptr` must point to `realm_len` and `scope_len` readable
/// bytes (or be NULL with length 0), `buf` must be valid for writes of `buf_len`
/// bytes and `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_last_error_www_authenticate(
    realm_ptr: *const u8,
    realm_len: usize,
    scope_ptr: *const u8,
    scope_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call_unrecorded(|| {
        // SAFETY: the caller promises readable `realm` and `scope` bytes.
        let realm = unsafe { boundary::text(realm_ptr, realm_len, "realm_ptr") }?;
        // SAFETY: as above.
        let scope = unsafe { boundary::text(scope_ptr, scope_len, "scope_ptr") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;

        let failure = last()?;
        let value = match failure.detail() {
            Detail::Core { error, .. } => {
                challenge_text(Challenge::for_error(Scheme::Bearer, error), realm, scope)
            }
            _ => challenge_text(Challenge::new(Scheme::Bearer), realm, scope),
        };
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(value.as_bytes()) }
    })
}

/// Builds the `WWW-Authenticate` value in the `DPoP` scheme (RFC 9449 section 7.1)
/// for the calling thread's last error and copies it into `buf`.
///
/// As `tg_last_error_www_authenticate`, with the scheme `DPoP` and an `algs`
/// parameter listing `verifier`'s algorithms, such as `DPoP realm="api",
/// error="invalid_dpop_proof", error_description="invalid DPoP proof: htm is not
/// the request method", algs="ES256 EdDSA"`. Send it after
/// `tg_validator_validate_dpop` fails; a `use_dpop_nonce` response also needs the
/// `DPoP-Nonce` header, which the caller adds.
///
/// # Errors
///
/// As for `tg_last_error_www_authenticate`.
///
/// # Safety
///
/// `verifier` must be a live verifier; `realm_ptr` must point to `realm_len`
/// readable bytes (or be NULL with length 0), `buf` must be valid for writes of
/// `buf_len` bytes and `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_last_error_www_authenticate_dpop(
    verifier: *const tg_dpop_verifier,
    realm_ptr: *const u8,
    realm_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call_unrecorded(|| {
        // SAFETY: the caller promises a live verifier.
        let verifier = unsafe { boundary::handle(verifier, "verifier") }?;
        // SAFETY: the caller promises readable `realm` bytes.
        let realm = unsafe { boundary::text(realm_ptr, realm_len, "realm_ptr") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;

        let failure = last()?;
        let algs = verifier.verifier.algorithms();
        let challenge = match failure.detail() {
            Detail::Core { error, .. } => Challenge::for_error(Scheme::DPoP, error).algs(algs),
            _ => Challenge::new(Scheme::DPoP).algs(algs),
        };
        let value = challenge_text(challenge, realm, "");
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(value.as_bytes()) }
    })
}

/// Stores `failure` as the calling thread's last error and returns its status.
pub(crate) fn record(failure: Failure) -> tg_status {
    let status = failure.status();
    // While the thread exits its slot may be gone; the caller still gets the status.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(failure));
    status
}

/// Returns the message of the calling thread's last error, for tests.
#[cfg(test)]
pub(crate) fn message() -> Option<String> {
    last().ok().map(|failure| failure.to_string())
}

/// Returns a copy of the calling thread's last error.
fn last() -> Result<Failure, Failure> {
    LAST_ERROR
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
        .ok_or_else(|| Failure::new(TG_NOT_FOUND, "no call on this thread has failed yet"))
}
