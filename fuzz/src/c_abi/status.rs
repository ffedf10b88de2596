//! The status functions and the `tg_last_error_` functions, including on a thread
//! that has no last error.

use std::ffi::{c_char, CStr};

use tokenguard_ffi::{
    tg_last_error_bearer_error, tg_last_error_http_status, tg_last_error_message,
    tg_last_error_www_authenticate, tg_status, tg_status_bearer_error, tg_status_http_status,
    tg_status_message, tg_status_name, tg_version, TG_BAD_SIGNATURE, TG_BUFFER_TOO_SMALL,
    TG_CERTIFICATE_MISMATCH, TG_EXPIRED, TG_INACTIVE, TG_INSUFFICIENT_SCOPE, TG_INVALID_ARGUMENT,
    TG_INVALID_CLAIM, TG_INVALID_CONFIG, TG_INVALID_DPOP_PROOF, TG_INVALID_KEY, TG_INVALID_UTF8,
    TG_ISSUED_IN_FUTURE, TG_KEY_MISMATCH, TG_KID_REQUIRED, TG_MALFORMED, TG_MISSING_CLAIM,
    TG_NOT_FOUND, TG_NOT_YET_VALID, TG_NULL_POINTER, TG_OK, TG_OUT_OF_RANGE, TG_PANIC,
    TG_PROOF_REQUIRED, TG_REPLAYED, TG_REPLAY_CACHE_FULL, TG_REVOCATION_LIST_FULL, TG_REVOKED,
    TG_SIGNING_FAILED, TG_TOO_LARGE, TG_TYPE_MISMATCH, TG_UNKNOWN_CLIENT, TG_UNKNOWN_KID,
    TG_UNSUPPORTED_ALG, TG_UNSUPPORTED_CRIT, TG_USE_DPOP_NONCE, TG_WEAK_KEY, TG_WRONG_AUDIENCE,
    TG_WRONG_ISSUER, TG_WRONG_TYPE,
};

use super::args::{BufArg, BytesArg, Input, OutArg, UNWRITTEN_LEN};
use super::bearer::{check_challenge, ChallengeExpect};
use super::calls::{bearer_error_name, read_last_error, set_sentinel, Call, Checker, Expect};

/// Every status the header defines: `TG_OK`, then the core's errors (100 to 899),
/// then the C layer's own (900 to 999).
pub const KNOWN_STATUSES: [tg_status; 40] = [
    TG_OK,
    TG_MALFORMED,
    TG_TOO_LARGE,
    TG_UNSUPPORTED_ALG,
    TG_UNSUPPORTED_CRIT,
    TG_UNKNOWN_KID,
    TG_KEY_MISMATCH,
    TG_WEAK_KEY,
    TG_INVALID_KEY,
    TG_BAD_SIGNATURE,
    TG_KID_REQUIRED,
    TG_SIGNING_FAILED,
    TG_EXPIRED,
    TG_NOT_YET_VALID,
    TG_ISSUED_IN_FUTURE,
    TG_INVALID_CLAIM,
    TG_MISSING_CLAIM,
    TG_WRONG_ISSUER,
    TG_WRONG_AUDIENCE,
    TG_WRONG_TYPE,
    TG_INSUFFICIENT_SCOPE,
    TG_PROOF_REQUIRED,
    TG_INACTIVE,
    TG_REVOKED,
    TG_CERTIFICATE_MISMATCH,
    TG_INVALID_DPOP_PROOF,
    TG_USE_DPOP_NONCE,
    TG_REPLAYED,
    TG_UNKNOWN_CLIENT,
    TG_INVALID_CONFIG,
    TG_REVOCATION_LIST_FULL,
    TG_REPLAY_CACHE_FULL,
    TG_NULL_POINTER,
    TG_INVALID_UTF8,
    TG_PANIC,
    TG_BUFFER_TOO_SMALL,
    TG_NOT_FOUND,
    TG_TYPE_MISMATCH,
    TG_OUT_OF_RANGE,
    TG_INVALID_ARGUMENT,
];

/// Returns whether `status` is the code of one of the core's errors.
pub fn is_core_status(status: tg_status) -> bool {
    (100..900).contains(&status) && KNOWN_STATUSES.contains(&status)
}

/// Checks the static strings and the HTTP status of `status`, and the version.
pub fn check_status_functions(status: tg_status) {
    let known = KNOWN_STATUSES.contains(&status);
    let name = static_text(tg_status_name(status), "tg_status_name");
    let message = static_text(tg_status_message(status), "tg_status_message");
    assert!(
        !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_'),
        "tg_status_name({status}) is {name:?}, not snake_case"
    );
    assert_eq!(name != "unknown", known, "tg_status_name({status})");
    assert_eq!(
        message != "unknown status",
        known,
        "tg_status_message({status})"
    );
    assert!(
        !message.is_empty() && !message.chars().any(char::is_control),
        "tg_status_message({status}) is {message:?}"
    );

    let bearer = bearer_error_name(tg_status_bearer_error(status), "tg_status_bearer_error");
    // The configuration, full stores and a failed signature are the server's faults.
    let server_fault = [
        TG_INVALID_CONFIG,
        TG_REVOCATION_LIST_FULL,
        TG_REPLAY_CACHE_FULL,
        TG_SIGNING_FAILED,
    ];
    let rejection = is_core_status(status) && !server_fault.contains(&status);
    assert_eq!(
        bearer.is_some(),
        rejection,
        "tg_status_bearer_error({status})"
    );
    assert_eq!(
        bearer == Some("insufficient_scope"),
        status == TG_INSUFFICIENT_SCOPE,
        "tg_status_bearer_error({status})"
    );

    let expected_http = match status {
        TG_OK => 200,
        TG_INSUFFICIENT_SCOPE => 403,
        _ if rejection => 401,
        _ => 500,
    };
    assert_eq!(
        tg_status_http_status(status),
        expected_http,
        "tg_status_http_status({status})"
    );

    let version = static_text(tg_version(), "tg_version");
    assert!(
        !version.is_empty()
            && version
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b".-+".contains(&byte)),
        "tg_version() is {version:?}"
    );
}

/// Returns a static NUL-terminated string, which must be UTF-8.
fn static_text(ptr: *const c_char, function: &str) -> &'static str {
    assert!(!ptr.is_null(), "{function} returned NULL");
    // SAFETY: the status functions return static NUL-terminated strings.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .unwrap_or_else(|_| panic!("{function} returned text that is not UTF-8"))
}

/// Reads the message into the buffer that `buf` describes.
pub fn message(checker: &mut Checker, buf: BufArg) {
    let expected = checker.last().message.clone();
    let call = Call::unrecorded("tg_last_error_message");
    // SAFETY: the checker passes a buffer valid for its length and a valid or NULL
    // `out_len`.
    let f = |buf, len, out_len| unsafe { tg_last_error_message(buf, len, out_len) };
    checker.string(call, buf, Expect::Value(&expected), &f);
}

/// Reads the HTTP status.
pub fn http_status(checker: &mut Checker, out: OutArg) {
    let expected = checker.last().http_status;
    let call = Call::unrecorded("tg_last_error_http_status");
    // SAFETY: the out-parameter is valid or NULL.
    let f = |out| unsafe { tg_last_error_http_status(out) };
    checker.value(call, out, u16::MAX, Expect::Value(expected), f);
}

/// Reads the RFC 6750 error.
pub fn bearer_error(checker: &mut Checker, out: OutArg) {
    let expected = checker.last().bearer_error;
    let unwritten = c"unwritten".as_ptr();
    let call = Call::unrecorded("tg_last_error_bearer_error");
    // SAFETY: the out-parameter is valid or NULL.
    let f = |out| unsafe { tg_last_error_bearer_error(out) };
    if let Some(ptr) = checker.value(call, out, unwritten, Expect::Success, f) {
        let found = bearer_error_name(ptr, "tg_last_error_bearer_error");
        assert_eq!(found, expected, "tg_last_error_bearer_error");
    }
}

/// Builds the challenge of the last error into the buffer that `buf` describes.
pub fn www_authenticate(
    checker: &mut Checker,
    realm: BytesArg<'_>,
    scope: BytesArg<'_>,
    buf: BufArg,
) {
    let (realm, scope) = (Input::new(realm), Input::new(scope));
    let call = Call::unrecorded("tg_last_error_www_authenticate")
        .with(realm.text_faults())
        .with(scope.text_faults());

    // SAFETY: realm and scope are NULL or valid for their lengths, and the checker
    // passes a buffer valid for its length and a valid or NULL `out_len`.
    let f = |buf, len, out_len| unsafe {
        tg_last_error_www_authenticate(
            realm.ptr(),
            realm.len(),
            scope.ptr(),
            scope.len(),
            buf,
            len,
            out_len,
        )
    };
    let Some(challenge) = checker.string(call, buf, Expect::Success, &f) else {
        return;
    };

    // The message of a failed validation is the core error's, which is also the
    // description. Other failures may put context before it, such as "jwks: ".
    let last = checker.last();
    let expect = ChallengeExpect {
        scheme: "Bearer",
        realm: &realm,
        scope: &scope,
        error: last.bearer_error,
        description: is_validation(checker.last_call()).then_some(last.message.as_str()),
        algs: None,
    };
    check_challenge(&challenge, &expect);
}

/// Returns whether the function `name` records a core error with no context, so
/// that its message is the challenge's `error_description`.
pub fn is_validation(name: &str) -> bool {
    matches!(
        name,
        "tg_validator_validate"
            | "tg_validator_validate_authorization"
            | "tg_validator_validate_introspection"
            | "tg_validator_validate_signed_introspection"
            | "tg_validator_validate_certificate_bound"
            | "tg_validator_validate_dpop"
            | "tg_assertion_verifier_verify"
            | "tg_revocation_list_check"
    )
}

/// Checks on a new thread that there is no last error there and that a failure
/// there does not change this thread's.
pub fn on_new_thread(checker: &Checker) {
    let thread = std::thread::spawn(|| {
        assert_eq!(read_last_error(), None, "a new thread has a last error");

        let mut bearer = c"unwritten".as_ptr();
        // SAFETY: `bearer` is valid for a write.
        let status = unsafe { tg_last_error_bearer_error(&mut bearer) };
        assert_eq!(
            status, TG_NOT_FOUND,
            "tg_last_error_bearer_error on a new thread"
        );
        assert_eq!(
            bearer,
            c"unwritten".as_ptr(),
            "TG_NOT_FOUND wrote the out-parameter"
        );

        let mut len = UNWRITTEN_LEN;
        // SAFETY: NULL with length 0 for the inputs and the buffer; `len` is valid.
        let status = unsafe {
            tg_last_error_www_authenticate(
                std::ptr::null(),
                0,
                std::ptr::null(),
                0,
                std::ptr::null_mut(),
                0,
                &mut len,
            )
        };
        assert_eq!(
            status, TG_NOT_FOUND,
            "tg_last_error_www_authenticate on a new thread"
        );
        assert_eq!(len, UNWRITTEN_LEN, "TG_NOT_FOUND wrote out_len");
        set_sentinel();
    });
    if thread.join().is_err() {
        panic!("the check on a new thread failed");
    }
    assert_eq!(
        read_last_error().as_ref(),
        Some(checker.last()),
        "a failure on another thread changed this thread's last error"
    );
}
