//! The verified-token handle and its accessors.
//!
//! A token owns copies of its verified header and payload, so it is independent of
//! the validator and of the caller's token bytes. Functions that return a string
//! copy it into a caller buffer, as `tg_token_key_id` describes. The header and
//! payload JSON are borrowed instead, valid until the token is freed. A claim that
//! is JSON `null` counts as absent, as in the core.

use std::ffi::{c_char, CStr};
use std::sync::{Mutex, PoisonError};

use tokenguard_core::json::{self, Object, Value};
use tokenguard_core::{
    AccessToken, Algorithm, Claims, DpopRequest, DpopVerifier, Error, JsonStr, NumericDate, Part,
    ReplayCache, ScopeClaims, TokenBuffer, Validator, DEFAULT_MAX_TOKEN_BYTES,
    MAX_TOKEN_BYTES_LIMIT,
};

use crate::boundary::{self, Failure, Out, OutBuf};
use crate::status::{tg_status, TG_NOT_FOUND, TG_OUT_OF_RANGE, TG_TYPE_MISMATCH};

/// An access token whose signature, header and claims passed every check.
///
/// Immutable; any number of threads may read one token at once. It owns its data
/// and is freed with `tg_token_free`.
pub struct tg_token {
    /// The verified JOSE header, as decoded; `None` for a token accepted from an
    /// introspection response.
    header: Option<Box<str>>,
    /// The verified claims, as decoded.
    payload: Box<str>,
    algorithm: Option<Algorithm>,
    /// The claims that grant scopes under the validator's policy.
    scope_claims: ScopeClaims,
}

/// The JSON type of a claim value.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tg_json_type {
    /// `true` or `false`.
    TG_JSON_BOOL = 1,
    /// A number.
    TG_JSON_NUMBER = 2,
    /// A string.
    TG_JSON_STRING = 3,
    /// An array.
    TG_JSON_ARRAY = 4,
    /// An object.
    TG_JSON_OBJECT = 5,
}

/// Frees a token. NULL is ignored.
///
/// Pointers from `tg_token_header` and `tg_token_payload` become invalid.
///
/// # Safety
///
/// `token` must be NULL or a token from `tg_validator_validate` or
/// `tg_validator_validate_authorization` that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn tg_token_free(token: *mut tg_token) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(token) }
}

/// Writes a pointer to the verified payload, the claims as one JSON object in UTF-8,
/// and its length.
///
/// The text is the payload as the issuer encoded it, without a terminating NUL. It
/// is owned by the token and valid until `tg_token_free`.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token and each out-parameter valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_payload(
    token: *const tg_token,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe { borrow(token, out_ptr, out_len, |token| Ok(&token.payload)) }
}

/// Writes a pointer to the verified JOSE header, one JSON object in UTF-8, and its
/// length.
///
/// As for `tg_token_payload`: owned by the token, valid until `tg_token_free`.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token and each out-parameter valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_header(
    token: *const tg_token,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe { borrow(token, out_ptr, out_len, |token| token.header_text()) }
}

/// Writes the name of the algorithm that verified the token, such as "ES256", as a
/// static NUL-terminated string that is never freed.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token and `out_name` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_algorithm(
    token: *const tg_token,
    out_name: *mut *const c_char,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_value(token, out_name, "out_name", |token| {
            let algorithm = token.algorithm.ok_or_else(no_header)?;
            Ok(algorithm_name(algorithm).as_ptr())
        })
    }
}

/// Copies the header's `kid` into `buf`.
///
/// String results are UTF-8 without a terminating NUL, copied into the caller's
/// `buf` of `buf_len` bytes, with the length written to `*out_len`. When `buf_len`
/// is too small, the call returns `TG_BUFFER_TOO_SMALL` and writes only `*out_len`,
/// the length needed. To query that length, pass NULL for `buf` and 0 for
/// `buf_len`.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the header has no `kid`, `TG_BUFFER_TOO_SMALL`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token, `buf` valid for writes of `buf_len` bytes, and
/// `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_key_id(
    token: *const tg_token,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_string(token, buf, buf_len, out_len, |token| {
            let header = token.header_object()?;
            let kid = header.get("kid").and_then(|kid| kid.as_str());
            kid.map(|kid| kid.unescaped().into_owned())
                .ok_or_else(|| Failure::new(TG_NOT_FOUND, "the token header has no kid"))
        })
    }
}

/// Copies the `sub` claim into `buf`, as `tg_token_key_id` describes string results.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent, `TG_BUFFER_TOO_SMALL`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_key_id`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_subject(
    token: *const tg_token,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_registered(token, buf, buf_len, out_len, "sub", |claims| {
            claims.subject()
        })
    }
}

/// Copies the `iss` claim into `buf`, as `tg_token_key_id` describes string results.
///
/// # Errors
///
/// `TG_BUFFER_TOO_SMALL`, `TG_NULL_POINTER`. A verified token always has `iss`.
///
/// # Safety
///
/// As for `tg_token_key_id`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_issuer(
    token: *const tg_token,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_registered(token, buf, buf_len, out_len, "iss", |claims| {
            claims.issuer()
        })
    }
}

/// Copies the `client_id` claim (RFC 9068 section 2.2) into `buf`, as
/// `tg_token_key_id` describes string results.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent, `TG_BUFFER_TOO_SMALL`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_key_id`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_client_id(
    token: *const tg_token,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_registered(token, buf, buf_len, out_len, "client_id", |claims| {
            claims.client_id()
        })
    }
}

/// Copies the `jti` claim into `buf`, as `tg_token_key_id` describes string results.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent, `TG_BUFFER_TOO_SMALL`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_key_id`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_jwt_id(
    token: *const tg_token,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_registered(token, buf, buf_len, out_len, "jti", |claims| {
            claims.jwt_id()
        })
    }
}

/// Writes the `exp` claim in Unix seconds, rounded down, to `*out_seconds`.
///
/// # Errors
///
/// `TG_NULL_POINTER`. A verified token always has `exp`.
///
/// # Safety
///
/// `token` must be a live token and `out_seconds` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_expires_at(
    token: *const tg_token,
    out_seconds: *mut i64,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe { write_date(token, out_seconds, "exp", |claims| claims.expires_at()) }
}

/// Writes the `iat` claim in Unix seconds, rounded down, to `*out_seconds`.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token and `out_seconds` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_issued_at(
    token: *const tg_token,
    out_seconds: *mut i64,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe { write_date(token, out_seconds, "iat", |claims| claims.issued_at()) }
}

/// Writes the `nbf` claim in Unix seconds, rounded down, to `*out_seconds`.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token and `out_seconds` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_not_before(
    token: *const tg_token,
    out_seconds: *mut i64,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe { write_date(token, out_seconds, "nbf", |claims| claims.not_before()) }
}

/// Writes the number of audiences in `aud`, 1 for a string, to `*out_count`.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token and `out_count` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_audience_count(
    token: *const tg_token,
    out_count: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_value(token, out_count, "out_count", |token| {
            Ok(token.claims()?.audiences().count())
        })
    }
}

/// Copies the audience at `index` (from 0) of `aud` into `buf`, as `tg_token_key_id`
/// describes string results.
///
/// # Errors
///
/// `TG_OUT_OF_RANGE` when `index` is not below `tg_token_audience_count`,
/// `TG_BUFFER_TOO_SMALL`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_key_id`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_audience(
    token: *const tg_token,
    index: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_string(token, buf, buf_len, out_len, |token| {
            let claims = token.claims()?;
            let count = claims.audiences().count();
            let audience = claims.audiences().nth(index);
            audience
                .map(|audience| audience.unescaped().into_owned())
                .ok_or_else(|| past_end("aud", index, count))
        })
    }
}

/// Writes the number of scopes the token grants to `*out_count`.
///
/// The scopes are the space-separated values of `scope`; with `scope_claims`
/// `"scope-or-scp"` configured and no `scope`, those of `scp`, a string or an
/// array of strings. Empty values are skipped, and a value may repeat.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token and `out_count` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_scope_count(
    token: *const tg_token,
    out_count: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_value(token, out_count, "out_count", |token| {
            Ok(token.scopes()?.len())
        })
    }
}

/// Copies the scope at `index` (from 0, in token order) into `buf`, as
/// `tg_token_key_id` describes string results.
///
/// # Errors
///
/// `TG_OUT_OF_RANGE` when `index` is not below `tg_token_scope_count`,
/// `TG_BUFFER_TOO_SMALL`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_key_id`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_scope(
    token: *const tg_token,
    index: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_string(token, buf, buf_len, out_len, |token| {
            let mut scopes = token.scopes()?;
            let count = scopes.len();
            if index >= count {
                return Err(past_end("scope", index, count));
            }
            Ok(scopes.swap_remove(index))
        })
    }
}

/// Writes whether the token grants the scope in `scope_ptr` to `*out_granted`.
///
/// The scope must equal a granted value exactly; `scope_hierarchy` does not apply
/// here. The scope bytes need not be NUL-terminated.
///
/// # Errors
///
/// `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token, `scope_ptr` must point to `scope_len` readable
/// bytes (or be NULL with `scope_len` 0), and `out_granted` must be valid for a
/// write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_has_scope(
    token: *const tg_token,
    scope_ptr: *const u8,
    scope_len: usize,
    out_granted: *mut bool,
) -> tg_status {
    let read = |token: &tg_token| {
        // SAFETY: the caller promises `scope_len` readable bytes at `scope_ptr`.
        let scope = unsafe { boundary::text(scope_ptr, scope_len, "scope_ptr") }?;
        Ok(token.scopes()?.iter().any(|granted| granted == scope))
    };
    // SAFETY: the caller's promises are passed on.
    unsafe { write_value(token, out_granted, "out_granted", read) }
}

/// Writes the JSON type of the claim named by `name_ptr` to `*out_type`.
///
/// Claim names are compared after unescaping and need not be NUL-terminated.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent or `null`, `TG_INVALID_UTF8`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `token` must be a live token, `name_ptr` must point to `name_len` readable bytes
/// (or be NULL with `name_len` 0), and `out_type` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_token_claim_type(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    out_type: *mut tg_json_type,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_claim(
            token,
            name_ptr,
            name_len,
            out_type,
            "out_type",
            |_, value| {
                Ok(match value {
                    Value::Bool(_) => tg_json_type::TG_JSON_BOOL,
                    Value::Number(_) => tg_json_type::TG_JSON_NUMBER,
                    Value::String(_) => tg_json_type::TG_JSON_STRING,
                    Value::Array(_) => tg_json_type::TG_JSON_ARRAY,
                    Value::Object(_) => tg_json_type::TG_JSON_OBJECT,
                    // `claim` treats null as absent.
                    Value::Null => return Err(Failure::new(TG_NOT_FOUND, "the claim is null")),
                })
            },
        )
    }
}

/// Copies the string claim named by `name_ptr`, unescaped, into `buf`, as
/// `tg_token_key_id` describes string results.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent or `null`, `TG_TYPE_MISMATCH` when it is
/// not a string, `TG_BUFFER_TOO_SMALL`, `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_key_id`, and `name_ptr` must point to `name_len` readable bytes
/// (or be NULL with `name_len` 0).
#[no_mangle]
pub unsafe extern "C" fn tg_token_claim_string(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    let read = |token: &tg_token| {
        // SAFETY: the caller promises `name_len` readable bytes at `name_ptr`.
        let name = unsafe { claim_name(name_ptr, name_len) }?;
        let value = token.claim(name)?;
        let text = value
            .as_str()
            .ok_or_else(|| mismatch(name, "a string", value))?;
        Ok(text.unescaped().into_owned())
    };
    // SAFETY: the caller's promises are passed on.
    unsafe { copy_string(token, buf, buf_len, out_len, read) }
}

/// Writes the number claim named by `name_ptr` to `*out_value`, as the nearest
/// `double`.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent or `null`, `TG_TYPE_MISMATCH` when it is
/// not a number, `TG_OUT_OF_RANGE` when it is too large for a finite `double` (such
/// as `1e400`), `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_claim_type`, with `out_value`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_claim_number(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    out_value: *mut f64,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_claim(
            token,
            name_ptr,
            name_len,
            out_value,
            "out_value",
            |name, value| {
                let Value::Number(number) = value else {
                    return Err(mismatch(name, "a number", value));
                };
                let double = number.as_f64();
                if !double.is_finite() {
                    return Err(Failure::new(
                        TG_OUT_OF_RANGE,
                        format!(
                            "claim {name:?} is {}, too large for a double",
                            number.as_text()
                        ),
                    ));
                }
                Ok(double)
            },
        )
    }
}

/// Writes the integer claim named by `name_ptr` to `*out_value`.
///
/// The number must be written as an integer, without a fraction or exponent, from
/// `INT64_MIN` to `INT64_MAX`, so that the value is exact. Read other numbers with
/// `tg_token_claim_number`.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent or `null`, `TG_TYPE_MISMATCH` when it is
/// not a number, `TG_OUT_OF_RANGE` when it is not such an integer,
/// `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_claim_type`, with `out_value`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_claim_int64(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    out_value: *mut i64,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_claim(
            token,
            name_ptr,
            name_len,
            out_value,
            "out_value",
            |name, value| {
                let Value::Number(number) = value else {
                    return Err(mismatch(name, "a number", value));
                };
                number.as_i64().ok_or_else(|| {
                    Failure::new(
                        TG_OUT_OF_RANGE,
                        format!(
                            "claim {name:?} is {}, which is not an integer that int64_t holds \
                         exactly; read it with tg_token_claim_number",
                            number.as_text()
                        ),
                    )
                })
            },
        )
    }
}

/// Writes the boolean claim named by `name_ptr` to `*out_value`.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent or `null`, `TG_TYPE_MISMATCH` when it is
/// not `true` or `false`, `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_claim_type`, with `out_value`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_claim_bool(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    out_value: *mut bool,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_claim(
            token,
            name_ptr,
            name_len,
            out_value,
            "out_value",
            |name, value| match value {
                Value::Bool(value) => Ok(value),
                _ => Err(mismatch(name, "a boolean", value)),
            },
        )
    }
}

/// Writes the number of elements of the array claim named by `name_ptr` to
/// `*out_count`, whatever their types.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent or `null`, `TG_TYPE_MISMATCH` when it is
/// not an array, `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_claim_type`, with `out_count`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_claim_array_len(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    out_count: *mut usize,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_claim(
            token,
            name_ptr,
            name_len,
            out_count,
            "out_count",
            |name, value| match value {
                Value::Array(items) => Ok(items.iter().count()),
                _ => Err(mismatch(name, "an array", value)),
            },
        )
    }
}

/// Copies the string at `index` (from 0) of the array claim named by `name_ptr`,
/// unescaped, into `buf`, as `tg_token_key_id` describes string results.
///
/// # Errors
///
/// `TG_NOT_FOUND` when the claim is absent or `null`, `TG_TYPE_MISMATCH` when it is
/// not an array or that element is not a string, `TG_OUT_OF_RANGE` when `index` is
/// not below `tg_token_claim_array_len`, `TG_BUFFER_TOO_SMALL`, `TG_INVALID_UTF8`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_token_claim_string`.
#[no_mangle]
pub unsafe extern "C" fn tg_token_claim_array_string(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    index: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    let read = |token: &tg_token| {
        // SAFETY: the caller promises `name_len` readable bytes at `name_ptr`.
        let name = unsafe { claim_name(name_ptr, name_len) }?;
        let value = token.claim(name)?;
        let Value::Array(items) = value else {
            return Err(mismatch(name, "an array", value));
        };
        let Some(item) = items.iter().nth(index) else {
            return Err(past_end(name, index, items.iter().count()));
        };
        let text = item.as_str().ok_or_else(|| {
            let element = format!("{name}[{index}]");
            mismatch(&element, "a string", item)
        })?;
        Ok(text.unescaped().into_owned())
    };
    // SAFETY: the caller's promises are passed on.
    unsafe { copy_string(token, buf, buf_len, out_len, read) }
}

/// The token bytes to validate, with how to read them.
pub(crate) enum Input<'a> {
    /// A compact JWS.
    Token(&'a [u8]),
    /// A whole `Authorization` header value.
    Authorization(&'a [u8]),
    /// An RFC 7662 introspection response body.
    Introspection(&'a [u8]),
    /// An RFC 9701 signed introspection response.
    SignedIntrospection(&'a [u8]),
    /// A compact JWS bound to the DER client certificate of the connection.
    CertificateBound {
        token: &'a [u8],
        certificate: &'a [u8],
    },
    /// A `DPoP` `Authorization` value with its proof.
    Dpop(DpopInput<'a>),
}

/// The inputs of a DPoP-bound request.
pub(crate) struct DpopInput<'a> {
    pub(crate) authorization: &'a [u8],
    pub(crate) proof: &'a [u8],
    pub(crate) request: DpopRequest<'a>,
    pub(crate) verifier: &'a DpopVerifier,
    /// Locked for the whole validation, because the core records the proof only
    /// after every check passed.
    pub(crate) cache: &'a Mutex<ReplayCache>,
}

/// Token length up to which a small stack buffer suffices. Access tokens are
/// usually under 2 KiB, and zeroing the 1.5 KiB buffer for them costs about an
/// eighth of zeroing the default 12 KiB one on every call.
const SMALL_TOKEN_BYTES: usize = 2 * 1024;

/// Token lengths up to which the smaller heap buffers suffice.
const MEDIUM_TOKEN_BYTES: usize = 64 * 1024;
const LARGE_TOKEN_BYTES: usize = 256 * 1024;

/// Validates `input` at `now` and returns the verified token.
///
/// The decoded parts go into a buffer sized for the input. Two sizes live on the
/// stack, up to the default maximum of 16 KiB. Three sizes above it live on the
/// heap, up to the largest `max_token_bytes` a policy accepts.
pub(crate) fn validate(
    validator: &Validator,
    input: Input<'_>,
    now: i64,
    scope_claims: ScopeClaims,
) -> Result<tg_token, Error> {
    let len = match &input {
        Input::Token(bytes) | Input::Authorization(bytes) | Input::SignedIntrospection(bytes) => {
            bytes.len()
        }
        Input::CertificateBound { token, .. } => token.len(),
        Input::Dpop(dpop) => dpop.authorization.len(),
        // A response body is read in place, so it needs no buffer.
        Input::Introspection(body) => {
            let verified = validator.validate_introspection(body, now)?;
            return Ok(tg_token::new(&verified, scope_claims));
        }
    };
    // A token over the policy's maximum is rejected before decoding, so the
    // default buffer suffices for it too. An `Authorization` value is longer than
    // its token, so sizing by it is safe.
    if len <= SMALL_TOKEN_BYTES {
        let mut buffer = TokenBuffer::<{ SMALL_TOKEN_BYTES / 4 * 3 }>::with_capacity();
        return validate_in(validator, input, now, &mut buffer, scope_claims);
    }
    if len <= DEFAULT_MAX_TOKEN_BYTES || validator.policy().max_token_bytes() < len {
        let mut buffer = TokenBuffer::new();
        return validate_in(validator, input, now, &mut buffer, scope_claims);
    }
    // NOTE: unoptimised builds make each buffer on the stack before `Box::new`
    // moves it, up to 768 KiB for the largest tokens: a debug build of
    // `tokens_of_every_buffer_size_validate` overflowed a 1 MB thread stack, and a
    // release build passed on 300 KB. The core has no way to make a `TokenBuffer`
    // directly on the heap.
    if len <= MEDIUM_TOKEN_BYTES {
        let mut buffer = Box::new(TokenBuffer::<{ MEDIUM_TOKEN_BYTES / 4 * 3 }>::with_capacity());
        return validate_in(validator, input, now, &mut buffer, scope_claims);
    }
    if len <= LARGE_TOKEN_BYTES {
        let mut buffer = Box::new(TokenBuffer::<{ LARGE_TOKEN_BYTES / 4 * 3 }>::with_capacity());
        return validate_in(validator, input, now, &mut buffer, scope_claims);
    }
    let mut buffer = Box::new(TokenBuffer::<{ MAX_TOKEN_BYTES_LIMIT / 4 * 3 }>::with_capacity());
    validate_in(validator, input, now, &mut buffer, scope_claims)
}

fn validate_in<const N: usize>(
    validator: &Validator,
    input: Input<'_>,
    now: i64,
    buffer: &mut TokenBuffer<N>,
    scope_claims: ScopeClaims,
) -> Result<tg_token, Error> {
    let verified = match input {
        Input::Token(token) => validator.validate(token, now, buffer)?,
        Input::Authorization(value) => validator.validate_authorization(value, now, buffer)?,
        Input::Introspection(body) => validator.validate_introspection(body, now)?,
        Input::SignedIntrospection(response) => {
            validator.validate_signed_introspection(response, now, buffer)?
        }
        Input::CertificateBound { token, certificate } => {
            validator.validate_certificate_bound(token, certificate, now, buffer)?
        }
        Input::Dpop(dpop) => {
            // A proof is at most 8192 bytes, which the default buffer holds.
            let mut proof_buffer = TokenBuffer::new();
            let mut cache = dpop.cache.lock().unwrap_or_else(PoisonError::into_inner);
            validator.validate_dpop(
                dpop.authorization,
                dpop.proof,
                &dpop.request,
                dpop.verifier,
                &mut cache,
                now,
                buffer,
                &mut proof_buffer,
            )?
        }
    };
    Ok(tg_token::new(&verified, scope_claims))
}

impl tg_token {
    /// Builds a token without a header from verified `claims`, such as those of a
    /// client assertion.
    pub(crate) fn from_claims(claims: &Claims<'_>, scope_claims: ScopeClaims) -> Self {
        Self {
            header: None,
            payload: claims.as_object().as_text().into(),
            algorithm: None,
            scope_claims,
        }
    }

    fn new(verified: &AccessToken<'_>, scope_claims: ScopeClaims) -> Self {
        Self {
            header: verified
                .header()
                .map(|header| header.as_object().as_text().into()),
            payload: verified.claims().as_object().as_text().into(),
            algorithm: verified.header().map(|header| header.alg()),
            scope_claims,
        }
    }

    /// Reads the claims again from the payload, which passed this same parse when
    /// the token was validated.
    pub(crate) fn claims(&self) -> Result<Claims<'_>, Failure> {
        Ok(Claims::parse(self.payload.as_bytes())?)
    }

    fn header_text(&self) -> Result<&str, Failure> {
        self.header.as_deref().ok_or_else(no_header)
    }

    fn header_object(&self) -> Result<Object<'_>, Failure> {
        json::parse_object(self.header_text()?.as_bytes()).map_err(|fault| {
            Failure::from(Error::Malformed {
                part: Part::Header,
                fault,
            })
        })
    }

    /// Returns the claim `name`, treating `null` as absent.
    fn claim(&self, name: &str) -> Result<Value<'_>, Failure> {
        let value = self.claims()?.get(name);
        value.ok_or_else(|| Failure::new(TG_NOT_FOUND, format!("claim {name:?} is absent or null")))
    }

    /// Returns the scopes granted, read as the core reads them for required scopes.
    fn scopes(&self) -> Result<Vec<String>, Failure> {
        let claims = self.claims()?;
        let owned = |text: JsonStr<'_>| text.unescaped().into_owned();
        if claims.get("scope").is_some() || self.scope_claims == ScopeClaims::Scope {
            return Ok(claims.scopes().map(owned).collect());
        }
        Ok(match claims.scp() {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| item.as_str())
                .map(owned)
                .collect(),
            Some(Value::String(scp)) => scp
                .unescaped()
                .split(' ')
                .filter(|scope| !scope.is_empty())
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        })
    }
}

/// Copies the string that `read` returns into `buf`: the shared body of the
/// functions with a string result.
///
/// # Safety
///
/// `token` must be a live token, `buf` valid for writes of `buf_len` bytes and
/// `out_len` valid for a write.
unsafe fn copy_string(
    token: *const tg_token,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    read: impl FnOnce(&tg_token) -> Result<String, Failure>,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live token.
        let token = unsafe { boundary::handle(token, "token") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;
        let text = read(token)?;
        // SAFETY: the caller promises `buf` and `out_len` are valid for writes.
        unsafe { out.write(text.as_bytes()) }
    })
}

/// Writes the value that `read` returns to `out`: the shared body of the functions
/// with one out-parameter.
///
/// # Safety
///
/// `token` must be a live token and `out` valid for a write.
unsafe fn write_value<T>(
    token: *const tg_token,
    out: *mut T,
    out_name: &'static str,
    read: impl FnOnce(&tg_token) -> Result<T, Failure>,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live token.
        let token = unsafe { boundary::handle(token, "token") }?;
        let out = Out::new(out, out_name)?;
        let value = read(token)?;
        // SAFETY: the caller promises `out` is valid for a write.
        unsafe { out.write(value) };
        Ok(())
    })
}

/// Reads the claim named by `name_ptr` with `read` into `out`: the shared body of
/// the typed claim functions.
///
/// # Safety
///
/// `token` must be a live token, `name_ptr` must point to `name_len` readable bytes
/// (or be NULL with `name_len` 0), and `out` must be valid for a write.
unsafe fn write_claim<T>(
    token: *const tg_token,
    name_ptr: *const u8,
    name_len: usize,
    out: *mut T,
    out_name: &'static str,
    read: impl FnOnce(&str, Value<'_>) -> Result<T, Failure>,
) -> tg_status {
    let read_claim = |token: &tg_token| {
        // SAFETY: the caller promises `name_len` readable bytes at `name_ptr`.
        let name = unsafe { claim_name(name_ptr, name_len) }?;
        read(name, token.claim(name)?)
    };
    // SAFETY: the caller's promises are passed on.
    unsafe { write_value(token, out, out_name, read_claim) }
}

/// Writes a pointer to a part the token owns, and its length: the shared body of
/// `tg_token_payload` and `tg_token_header`.
///
/// # Safety
///
/// `token` must be a live token and each out-parameter valid for a write.
unsafe fn borrow(
    token: *const tg_token,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
    part: fn(&tg_token) -> Result<&str, Failure>,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live token.
        let token = unsafe { boundary::handle(token, "token") }?;
        let out_ptr = Out::new(out_ptr, "out_ptr")?;
        let out_len = Out::new(out_len, "out_len")?;
        let text = part(token)?;
        // SAFETY: the caller promises the out-parameters are valid for writes.
        unsafe {
            out_ptr.write(text.as_ptr());
            out_len.write(text.len());
        }
        Ok(())
    })
}

fn no_header() -> Failure {
    Failure::new(
        TG_NOT_FOUND,
        "the token was accepted from an introspection response and has no JWS header",
    )
}

/// Copies a registered string claim, which the core has type-checked.
///
/// # Safety
///
/// As for [`copy_string`].
unsafe fn copy_registered(
    token: *const tg_token,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    name: &'static str,
    pick: for<'a> fn(&Claims<'a>) -> Option<JsonStr<'a>>,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        copy_string(token, buf, buf_len, out_len, |token| {
            let claims = token.claims()?;
            let value = pick(&claims).map(|text| text.unescaped().into_owned());
            value.ok_or_else(|| Failure::new(TG_NOT_FOUND, format!("claim {name:?} is absent")))
        })
    }
}

/// Writes a registered date claim in Unix seconds.
///
/// # Safety
///
/// As for [`write_value`].
unsafe fn write_date(
    token: *const tg_token,
    out_seconds: *mut i64,
    name: &'static str,
    pick: fn(&Claims<'_>) -> Option<NumericDate>,
) -> tg_status {
    // SAFETY: the caller's promises are passed on.
    unsafe {
        write_value(token, out_seconds, "out_seconds", |token| {
            let date = pick(&token.claims()?);
            date.map(|date| date.seconds())
                .ok_or_else(|| Failure::new(TG_NOT_FOUND, format!("claim {name:?} is absent")))
        })
    }
}

/// Borrows a claim name argument.
///
/// # Safety
///
/// As for [`boundary::text`].
unsafe fn claim_name<'a>(name_ptr: *const u8, name_len: usize) -> Result<&'a str, Failure> {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::text(name_ptr, name_len, "name_ptr") }
}

fn mismatch(name: &str, expected: &str, value: Value<'_>) -> Failure {
    Failure::new(
        TG_TYPE_MISMATCH,
        format!(
            "claim {name:?} is a JSON {}, not {expected}",
            value.type_name()
        ),
    )
}

fn past_end(name: &str, index: usize, count: usize) -> Failure {
    Failure::new(
        TG_OUT_OF_RANGE,
        format!("index {index} is past the end of {name:?}, which has {count} values"),
    )
}

/// Returns an algorithm's name as a static NUL-terminated string.
const fn algorithm_name(algorithm: Algorithm) -> &'static CStr {
    match algorithm {
        Algorithm::HS256 => c"HS256",
        Algorithm::HS384 => c"HS384",
        Algorithm::HS512 => c"HS512",
        Algorithm::RS256 => c"RS256",
        Algorithm::RS384 => c"RS384",
        Algorithm::RS512 => c"RS512",
        Algorithm::PS256 => c"PS256",
        Algorithm::PS384 => c"PS384",
        Algorithm::PS512 => c"PS512",
        Algorithm::ES256 => c"ES256",
        Algorithm::ES384 => c"ES384",
        Algorithm::EdDSA => c"EdDSA",
        Algorithm::Ed25519 => c"Ed25519",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_match_core() {
        for algorithm in Algorithm::ALL {
            assert_eq!(
                algorithm_name(algorithm).to_str().unwrap(),
                algorithm.name()
            );
        }
    }
}
