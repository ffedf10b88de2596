//! Status codes: the core's error codes, `TG_OK`, and the codes of the C layer itself,
//! with their names, messages, RFC 6750 errors and HTTP statuses.

use core::ffi::{c_char, CStr};

use tokenguard_core::{
    AlgRejection, BearerError, ClaimName, DpopFault, Error, ExpiryRule, Fault, KeyFault,
    MismatchReason, Part, Weakness,
};

/// The result of a `tg_` function: `TG_OK` (0) or the reason it failed.
///
/// Values 100 to 899 are the `code()` values of the Rust core's `Error`, grouped by
/// hundreds: 1xx malformed input, 2xx keys and signatures, 3xx claims, 4xx
/// configuration, 5xx the state of a store such as a revocation list. Values 900
/// to 999 belong to the C layer. A value is never reused
/// for another meaning. A newer library may return core codes that an older header
/// does not define, and `tg_status_name` returns "unknown" for them.
pub type tg_status = i32;

/// Success.
pub const TG_OK: tg_status = 0;
/// The input is not well-formed: structure, base64url, JSON, member types, or an
/// `Authorization` value that does not parse.
pub const TG_MALFORMED: tg_status = 100;
/// The input is longer than the configured maximum.
pub const TG_TOO_LARGE: tg_status = 101;
/// The header `alg` is `none`, unknown, ES512, or not in the configured algorithms.
pub const TG_UNSUPPORTED_ALG: tg_status = 200;
/// The header `crit` names an extension this library does not implement.
pub const TG_UNSUPPORTED_CRIT: tg_status = 201;
/// No key in the key set has the header's `kid`.
pub const TG_UNKNOWN_KID: tg_status = 202;
/// A key was found but may not verify the token's algorithm.
pub const TG_KEY_MISMATCH: tg_status = 203;
/// The key is too weak to be trusted.
pub const TG_WEAK_KEY: tg_status = 204;
/// The key or key set is broken or ambiguous.
pub const TG_INVALID_KEY: tg_status = 205;
/// The signature or MAC does not verify.
pub const TG_BAD_SIGNATURE: tg_status = 206;
/// The token has no `kid` and more keys fit its algorithm than may be tried.
pub const TG_KID_REQUIRED: tg_status = 207;
/// Making a signature failed: the system random number generator failed.
pub const TG_SIGNING_FAILED: tg_status = 208;
/// The token is expired, by `exp` or by the configured maximum age.
pub const TG_EXPIRED: tg_status = 300;
/// The token's `nbf` is in the future.
pub const TG_NOT_YET_VALID: tg_status = 301;
/// The token's `iat` is in the future.
pub const TG_ISSUED_IN_FUTURE: tg_status = 302;
/// A claim has the wrong JSON type or an out-of-range value.
pub const TG_INVALID_CLAIM: tg_status = 303;
/// A required claim is absent or `null`.
pub const TG_MISSING_CLAIM: tg_status = 304;
/// The `iss` claim is not one of the configured issuers.
pub const TG_WRONG_ISSUER: tg_status = 305;
/// The `aud` claim contains none of the configured audiences.
pub const TG_WRONG_AUDIENCE: tg_status = 306;
/// The header `typ` is not the type the configuration requires.
pub const TG_WRONG_TYPE: tg_status = 307;
/// The token does not grant the required scopes.
pub const TG_INSUFFICIENT_SCOPE: tg_status = 308;
/// The token is bound to a key by `cnf`, and a bearer check cannot prove possession.
pub const TG_PROOF_REQUIRED: tg_status = 309;
/// The introspection response reports the token as not active.
pub const TG_INACTIVE: tg_status = 310;
/// The token passed every check but is on a revocation list.
pub const TG_REVOKED: tg_status = 311;
/// The token is bound to a client certificate (`cnf` `x5t#S256`) other than the
/// connection's.
pub const TG_CERTIFICATE_MISMATCH: tg_status = 312;
/// The DPoP proof is missing, malformed or fails a check; the message names it.
pub const TG_INVALID_DPOP_PROOF: tg_status = 313;
/// The server requires a DPoP nonce and the proof carries none or another one.
pub const TG_USE_DPOP_NONCE: tg_status = 314;
/// A client assertion with this issuer and `jti` was already accepted.
pub const TG_REPLAYED: tg_status = 315;
/// A client assertion names a client (by `iss` or the request's `client_id`) that
/// has no registered keys.
pub const TG_UNKNOWN_CLIENT: tg_status = 316;
/// The configuration is invalid; the message names the field.
pub const TG_INVALID_CONFIG: tg_status = 400;
/// A revocation list has no room and no expired entry to evict; the revocation
/// was not recorded.
pub const TG_REVOCATION_LIST_FULL: tg_status = 500;
/// A replay cache has no room and no expired entry to evict; the proof or
/// assertion was rejected because it could not be recorded.
pub const TG_REPLAY_CACHE_FULL: tg_status = 501;
/// A pointer argument that must not be NULL is NULL.
pub const TG_NULL_POINTER: tg_status = 900;
/// A text argument is not valid UTF-8.
pub const TG_INVALID_UTF8: tg_status = 901;
/// The library panicked, which is a bug in tokenguard; the call had no effect.
pub const TG_PANIC: tg_status = 902;
/// The output buffer is too small. `*out_len` is set to the length needed.
pub const TG_BUFFER_TOO_SMALL: tg_status = 903;
/// The claim is absent or `null`, or there is no last error on this thread.
pub const TG_NOT_FOUND: tg_status = 904;
/// The claim or array element has another JSON type than the function reads.
pub const TG_TYPE_MISMATCH: tg_status = 905;
/// An index is past the end, or a number does not fit the requested C type exactly.
pub const TG_OUT_OF_RANGE: tg_status = 906;
/// An argument has a value the function does not accept, such as a length above
/// `PTRDIFF_MAX` or an unknown status code.
pub const TG_INVALID_ARGUMENT: tg_status = 907;

/// Returns the library version, such as "0.1.0", as a static NUL-terminated string.
///
/// The string is never freed. It equals `TOKENGUARD_VERSION` of the header the
/// program was compiled with when header and library match.
#[no_mangle]
pub extern "C" fn tg_version() -> *const c_char {
    VERSION.as_ptr()
}

/// Returns the snake_case name of `status`, such as "expired", as a static
/// NUL-terminated string.
///
/// The names of core codes are those of the Rust core's `Error::name()`. An unknown
/// status returns "unknown". The string is never freed.
#[no_mangle]
pub extern "C" fn tg_status_name(status: tg_status) -> *const c_char {
    info(status).map_or(c"unknown", |info| info.name).as_ptr()
}

/// Returns a one-line description of `status` as a static NUL-terminated string.
///
/// The description names the kind of failure only; the message of the failure
/// itself, with the values involved, comes from `tg_last_error_message`. An unknown
/// status returns "unknown status". The string is never freed.
#[no_mangle]
pub extern "C" fn tg_status_message(status: tg_status) -> *const c_char {
    info(status)
        .map_or(c"unknown status", |info| info.message)
        .as_ptr()
}

/// Returns the RFC 6750 error code for `status` ("invalid_request", "invalid_token"
/// or "insufficient_scope", or the RFC 9449 "invalid_dpop_proof" and
/// "use_dpop_nonce") as a static NUL-terminated string, or NULL when the status
/// has none.
///
/// `TG_OK`, `TG_INVALID_CONFIG`, `TG_SIGNING_FAILED`, the full-store statuses,
/// the C layer's own statuses and unknown statuses have none. `TG_MALFORMED` maps to "invalid_token", as for a malformed token. A
/// malformed `Authorization` value gets "invalid_request" instead (RFC 6750 section
/// 3.1), which only `tg_last_error_bearer_error` can tell. The string is never
/// freed.
#[no_mangle]
pub extern "C" fn tg_status_bearer_error(status: tg_status) -> *const c_char {
    match sample_error(status).and_then(|error| error.bearer_error()) {
        Some(error) => bearer_error_name(error).as_ptr(),
        None => core::ptr::null(),
    }
}

/// Returns the HTTP status an API should respond with for `status`.
///
/// 200 for `TG_OK`; 401, or 403 for `TG_INSUFFICIENT_SCOPE`, for a rejected token
/// (RFC 6750 section 3.1); 500 for `TG_INVALID_CONFIG`, `TG_SIGNING_FAILED`,
/// `TG_REVOCATION_LIST_FULL`, `TG_REPLAY_CACHE_FULL`, the C layer's own statuses
/// and unknown statuses, which are the server's fault. `TG_MALFORMED` maps to 401,
/// as for a malformed token; for a malformed `Authorization` value (400), use
/// `tg_last_error_http_status`.
#[no_mangle]
pub extern "C" fn tg_status_http_status(status: tg_status) -> u16 {
    if status == TG_OK {
        return 200;
    }
    sample_error(status).map_or(500, |error| error.http_status())
}

/// The version as a NUL-terminated string, taken from the package version.
pub(crate) const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the package version contains a NUL byte"),
    };

/// The static strings of one status.
pub(crate) struct StatusInfo {
    pub(crate) status: tg_status,
    pub(crate) name: &'static CStr,
    pub(crate) message: &'static CStr,
}

const fn status(status: tg_status, name: &'static CStr, message: &'static CStr) -> StatusInfo {
    StatusInfo {
        status,
        name,
        message,
    }
}

/// Every status this version knows, in increasing order.
pub(crate) const STATUSES: [StatusInfo; 40] = [
    status(TG_OK, c"ok", c"success"),
    status(TG_MALFORMED, c"malformed", c"the input is not well-formed"),
    status(
        TG_TOO_LARGE,
        c"too_large",
        c"the input is longer than the maximum",
    ),
    status(
        TG_UNSUPPORTED_ALG,
        c"unsupported_alg",
        c"the token's algorithm is not accepted",
    ),
    status(
        TG_UNSUPPORTED_CRIT,
        c"unsupported_crit",
        c"header crit names an unsupported extension",
    ),
    status(
        TG_UNKNOWN_KID,
        c"unknown_kid",
        c"no key in the key set has the token's kid",
    ),
    status(
        TG_KEY_MISMATCH,
        c"key_mismatch",
        c"the key may not verify the token's algorithm",
    ),
    status(
        TG_WEAK_KEY,
        c"weak_key",
        c"the key is too weak to be trusted",
    ),
    status(
        TG_INVALID_KEY,
        c"invalid_key",
        c"the key or key set is broken or ambiguous",
    ),
    status(
        TG_BAD_SIGNATURE,
        c"bad_signature",
        c"signature verification failed",
    ),
    status(
        TG_KID_REQUIRED,
        c"kid_required",
        c"token has no kid and too many keys fit its algorithm",
    ),
    status(
        TG_SIGNING_FAILED,
        c"signing_failed",
        c"signing failed: the system random number generator failed",
    ),
    status(TG_EXPIRED, c"expired", c"token is expired"),
    status(
        TG_NOT_YET_VALID,
        c"not_yet_valid",
        c"token is not valid yet",
    ),
    status(
        TG_ISSUED_IN_FUTURE,
        c"issued_in_future",
        c"token was issued in the future",
    ),
    status(
        TG_INVALID_CLAIM,
        c"invalid_claim",
        c"a claim has an invalid type or value",
    ),
    status(
        TG_MISSING_CLAIM,
        c"missing_claim",
        c"a required claim is missing",
    ),
    status(
        TG_WRONG_ISSUER,
        c"wrong_issuer",
        c"issuer is not an accepted issuer",
    ),
    status(
        TG_WRONG_AUDIENCE,
        c"wrong_audience",
        c"audience contains no accepted audience",
    ),
    status(
        TG_WRONG_TYPE,
        c"wrong_type",
        c"header typ is not the required token type",
    ),
    status(
        TG_INSUFFICIENT_SCOPE,
        c"insufficient_scope",
        c"token lacks a required scope",
    ),
    status(
        TG_PROOF_REQUIRED,
        c"proof_required",
        c"token is bound to a key by cnf and needs a proof of possession",
    ),
    status(
        TG_INACTIVE,
        c"inactive",
        c"introspection response reports the token as not active",
    ),
    status(TG_REVOKED, c"revoked", c"token has been revoked"),
    status(
        TG_CERTIFICATE_MISMATCH,
        c"certificate_mismatch",
        c"token is bound to another client certificate than the connection's",
    ),
    status(
        TG_INVALID_DPOP_PROOF,
        c"invalid_dpop_proof",
        c"the DPoP proof is missing, malformed or fails a check",
    ),
    status(
        TG_USE_DPOP_NONCE,
        c"use_dpop_nonce",
        c"DPoP proof must carry the nonce from the DPoP-Nonce header",
    ),
    status(
        TG_REPLAYED,
        c"replayed",
        c"client assertion with this jti was already used",
    ),
    status(
        TG_UNKNOWN_CLIENT,
        c"unknown_client",
        c"client assertion names a client with no registered keys",
    ),
    status(
        TG_INVALID_CONFIG,
        c"invalid_config",
        c"the configuration is invalid",
    ),
    status(
        TG_REVOCATION_LIST_FULL,
        c"revocation_list_full",
        c"revocation list is full; the revocation was not recorded",
    ),
    status(
        TG_REPLAY_CACHE_FULL,
        c"replay_cache_full",
        c"replay cache is full; the proof or assertion was rejected",
    ),
    status(
        TG_NULL_POINTER,
        c"null_pointer",
        c"a required pointer argument is NULL",
    ),
    status(
        TG_INVALID_UTF8,
        c"invalid_utf8",
        c"a text argument is not valid UTF-8",
    ),
    status(
        TG_PANIC,
        c"panic",
        c"internal error: the library panicked, which is a bug in tokenguard",
    ),
    status(
        TG_BUFFER_TOO_SMALL,
        c"buffer_too_small",
        c"the output buffer is too small",
    ),
    status(
        TG_NOT_FOUND,
        c"not_found",
        c"the claim or value was not found",
    ),
    status(
        TG_TYPE_MISMATCH,
        c"type_mismatch",
        c"the value has another JSON type",
    ),
    status(
        TG_OUT_OF_RANGE,
        c"out_of_range",
        c"the index or number is out of range",
    ),
    status(
        TG_INVALID_ARGUMENT,
        c"invalid_argument",
        c"an argument has a value the function does not accept",
    ),
];

/// Returns the static strings of `status`, if this version knows it.
pub(crate) fn info(status: tg_status) -> Option<&'static StatusInfo> {
    STATUSES.iter().find(|info| info.status == status)
}

/// Returns an error of the core with code `status`, so that the RFC 6750 error and
/// HTTP status of a bare status come from the core's own mapping.
pub(crate) fn sample_error(status: tg_status) -> Option<Error> {
    let error = match status {
        TG_MALFORMED => Error::Malformed {
            part: Part::Token,
            fault: Fault::SegmentCount,
        },
        TG_TOO_LARGE => Error::TooLarge { len: 0, max: 0 },
        TG_UNSUPPORTED_ALG => Error::UnsupportedAlg {
            reason: AlgRejection::Unknown,
        },
        TG_UNSUPPORTED_CRIT => Error::UnsupportedCrit,
        TG_UNKNOWN_KID => Error::UnknownKid,
        TG_KEY_MISMATCH => Error::KeyMismatch {
            reason: MismatchReason::Algorithm,
        },
        TG_WEAK_KEY => Error::WeakKey {
            weakness: Weakness::PublicExponent,
        },
        TG_INVALID_KEY => Error::InvalidKey {
            fault: KeyFault::NotOnCurve,
        },
        TG_BAD_SIGNATURE => Error::BadSignature,
        TG_KID_REQUIRED => Error::KidRequired,
        TG_SIGNING_FAILED => Error::SigningFailed,
        TG_EXPIRED => Error::Expired {
            rule: ExpiryRule::Exp,
            at: 0,
            now: 0,
        },
        TG_NOT_YET_VALID => Error::NotYetValid { nbf: 0, now: 0 },
        TG_ISSUED_IN_FUTURE => Error::IssuedInFuture { iat: 0, now: 0 },
        TG_INVALID_CLAIM => Error::InvalidClaim {
            claim: ClaimName::new(),
        },
        TG_MISSING_CLAIM => Error::MissingClaim {
            claim: ClaimName::new(),
        },
        TG_WRONG_ISSUER => Error::WrongIssuer,
        TG_WRONG_AUDIENCE => Error::WrongAudience,
        TG_WRONG_TYPE => Error::WrongType,
        TG_INSUFFICIENT_SCOPE => Error::InsufficientScope,
        TG_PROOF_REQUIRED => Error::ProofOfPossessionRequired,
        TG_INACTIVE => Error::Inactive,
        TG_REVOKED => Error::Revoked,
        TG_CERTIFICATE_MISMATCH => Error::CertificateMismatch,
        TG_INVALID_DPOP_PROOF => Error::InvalidDpopProof {
            fault: DpopFault::Malformed,
        },
        TG_USE_DPOP_NONCE => Error::UseDpopNonce,
        TG_REPLAYED => Error::Replayed,
        TG_UNKNOWN_CLIENT => Error::UnknownClient,
        TG_INVALID_CONFIG => Error::InvalidConfig {
            field: "",
            reason: "",
        },
        TG_REVOCATION_LIST_FULL => Error::RevocationListFull { capacity: 0 },
        TG_REPLAY_CACHE_FULL => Error::ReplayCacheFull { capacity: 0 },
        _ => return None,
    };
    Some(error)
}

/// Returns the RFC 6750 error code as a static NUL-terminated string.
pub(crate) const fn bearer_error_name(error: BearerError) -> &'static CStr {
    match error {
        BearerError::InvalidRequest => c"invalid_request",
        BearerError::InvalidToken => c"invalid_token",
        BearerError::InsufficientScope => c"insufficient_scope",
        BearerError::InvalidDpopProof => c"invalid_dpop_proof",
        BearerError::UseDpopNonce => c"use_dpop_nonce",
    }
}

/// Returns the status for an error of the core: its code.
pub(crate) fn of_error(error: &Error) -> tg_status {
    tg_status::from(error.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_core_status(status: tg_status) -> bool {
        sample_error(status).is_some()
    }

    fn text(ptr: *const c_char) -> &'static str {
        // SAFETY: every pointer tested here comes from a static `CStr`.
        unsafe { CStr::from_ptr(ptr) }.to_str().unwrap()
    }

    #[test]
    fn statuses_sorted_and_unique() {
        for pair in STATUSES.windows(2) {
            assert!(pair[0].status < pair[1].status, "{}", pair[1].status);
        }
    }

    #[test]
    fn core_statuses_match_core_errors() {
        for info in STATUSES.iter().filter(|info| is_core_status(info.status)) {
            let error = sample_error(info.status).unwrap();
            assert_eq!(of_error(&error), info.status);
            assert_eq!(info.name.to_str().unwrap(), error.name());
        }
    }

    #[test]
    fn ffi_statuses_in_own_range() {
        for info in STATUSES.iter().filter(|info| info.status != TG_OK) {
            let core = is_core_status(info.status);
            let own_range = (900..1000).contains(&info.status);
            assert!(core != own_range, "status {}", info.status);
        }
    }

    #[test]
    fn names_and_messages_for_unknown_status() {
        assert_eq!(text(tg_status_name(TG_EXPIRED)), "expired");
        assert_eq!(text(tg_status_name(TG_TYPE_MISMATCH)), "type_mismatch");
        assert_eq!(text(tg_status_name(12345)), "unknown");
        assert_eq!(text(tg_status_message(-1)), "unknown status");
        assert_eq!(
            text(tg_status_message(TG_BAD_SIGNATURE)),
            "signature verification failed"
        );
    }

    #[test]
    fn bearer_errors_and_http_statuses() {
        assert_eq!(text(tg_status_bearer_error(TG_EXPIRED)), "invalid_token");
        assert_eq!(text(tg_status_bearer_error(TG_MALFORMED)), "invalid_token");
        assert_eq!(
            text(tg_status_bearer_error(TG_INSUFFICIENT_SCOPE)),
            "insufficient_scope"
        );
        assert!(tg_status_bearer_error(TG_OK).is_null());
        assert!(tg_status_bearer_error(TG_INVALID_CONFIG).is_null());
        assert!(tg_status_bearer_error(TG_REVOCATION_LIST_FULL).is_null());
        assert_eq!(text(tg_status_bearer_error(TG_REVOKED)), "invalid_token");
        assert_eq!(text(tg_status_bearer_error(TG_INACTIVE)), "invalid_token");
        assert!(tg_status_bearer_error(TG_PANIC).is_null());
        assert!(tg_status_bearer_error(TG_SIGNING_FAILED).is_null());
        assert!(tg_status_bearer_error(TG_REPLAY_CACHE_FULL).is_null());
        assert_eq!(
            text(tg_status_bearer_error(TG_INVALID_DPOP_PROOF)),
            "invalid_dpop_proof"
        );
        assert_eq!(
            text(tg_status_bearer_error(TG_USE_DPOP_NONCE)),
            "use_dpop_nonce"
        );
        assert_eq!(
            text(tg_status_bearer_error(TG_CERTIFICATE_MISMATCH)),
            "invalid_token"
        );

        assert_eq!(tg_status_http_status(TG_OK), 200);
        assert_eq!(tg_status_http_status(TG_EXPIRED), 401);
        assert_eq!(tg_status_http_status(TG_INSUFFICIENT_SCOPE), 403);
        assert_eq!(tg_status_http_status(TG_INVALID_CONFIG), 500);
        assert_eq!(tg_status_http_status(TG_REVOCATION_LIST_FULL), 500);
        assert_eq!(tg_status_http_status(TG_REVOKED), 401);
        assert_eq!(tg_status_http_status(TG_NULL_POINTER), 500);
        assert_eq!(tg_status_http_status(TG_SIGNING_FAILED), 500);
        assert_eq!(tg_status_http_status(TG_REPLAY_CACHE_FULL), 500);
        assert_eq!(tg_status_http_status(TG_CERTIFICATE_MISMATCH), 401);
        assert_eq!(tg_status_http_status(TG_INVALID_DPOP_PROOF), 401);
        assert_eq!(tg_status_http_status(TG_USE_DPOP_NONCE), 401);
        assert_eq!(tg_status_http_status(TG_REPLAYED), 401);
        assert_eq!(tg_status_http_status(TG_UNKNOWN_CLIENT), 401);
        assert_eq!(tg_status_http_status(777), 500);
    }

    #[test]
    fn version_matches_package() {
        assert_eq!(text(tg_version()), env!("CARGO_PKG_VERSION"));
    }
}
