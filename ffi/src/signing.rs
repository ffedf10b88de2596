//! Signing keys, compact JWS signing and client assertion creation (RFC 7523).

use base64ct::{Base64UrlUnpadded, Encoding};
use tokenguard_core::{
    create_dpop_proof, Algorithm, AssertionBuilder, DpopRequest, HeaderParams, SigningKey,
};

use crate::boundary::{self, Failure, Out, OutBuf};
use crate::status::{tg_status, TG_INVALID_ARGUMENT, TG_NOT_FOUND};

/// A private key or HMAC secret that signs tokens.
///
/// Immutable; any number of threads may sign with one key at once. Freed with
/// `tg_signing_key_free`, which does not clear the key's memory.
pub struct tg_signing_key {
    key: SigningKey,
}

/// Reads a private JWK (EC P-256 or P-384, OKP Ed25519, or RSA with `p`, `q`,
/// `dp`, `dq` and `qi`) and writes the key to `*out_key`.
///
/// The key keeps the JWK's `kid` and `alg`. An `oct` JWK is rejected: pass an HMAC
/// secret to `tg_signing_key_from_hmac_secret`. The input is copied; the caller
/// owns the key and frees it with `tg_signing_key_free`.
///
/// # Errors
///
/// `TG_MALFORMED` for text that is not one JSON object, `TG_INVALID_KEY` for a
/// public JWK, a missing or invalid member or a key ring rejects,
/// `TG_KEY_MISMATCH` for an unsupported key type or an `alg` of another type,
/// `TG_UNSUPPORTED_ALG`, `TG_WEAK_KEY`, `TG_TOO_LARGE` above 16384 bytes,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `jwk_ptr` must point to `jwk_len` readable bytes, or be NULL with length 0;
/// `out_key` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_from_jwk(
    jwk_ptr: *const u8,
    jwk_len: usize,
    out_key: *mut *mut tg_signing_key,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises `jwk_len` readable bytes at `jwk_ptr`.
        let jwk = unsafe { boundary::bytes(jwk_ptr, jwk_len, "jwk_ptr") }?;
        let out = Out::new(out_key, "out_key")?;
        let key = SigningKey::from_jwk(jwk).map_err(|error| Failure::core_in("jwk", error))?;
        // SAFETY: the caller promises `out_key` is valid for a write.
        unsafe { out.write(into_handle(key)) };
        Ok(())
    })
}

/// Reads a DER private key, PKCS#8 (RSA, P-256, P-384 or Ed25519) or PKCS#1
/// (RSA), and writes the key to `*out_key`.
///
/// The key has no `kid` unless `kid_len` is not 0. The inputs are copied; the
/// caller owns the key and frees it with `tg_signing_key_free`.
///
/// # Errors
///
/// `TG_INVALID_KEY` for bytes that are neither form or a key ring rejects,
/// `TG_KEY_MISMATCH` for a PKCS#8 key of another type or curve, `TG_TOO_LARGE`
/// above 16384 bytes, `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `der_ptr` and `kid_ptr` must point to `der_len` and `kid_len` readable bytes,
/// or be NULL with length 0; `out_key` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_from_der(
    der_ptr: *const u8,
    der_len: usize,
    kid_ptr: *const u8,
    kid_len: usize,
    out_key: *mut *mut tg_signing_key,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises `der_len` readable bytes at `der_ptr`.
        let der = unsafe { boundary::bytes(der_ptr, der_len, "der_ptr") }?;
        // SAFETY: the caller promises `kid_len` readable bytes at `kid_ptr`.
        let kid = unsafe { boundary::text(kid_ptr, kid_len, "kid_ptr") }?;
        let out = Out::new(out_key, "out_key")?;
        let mut key = SigningKey::from_der(der).map_err(|error| Failure::core_in("der", error))?;
        if !kid.is_empty() {
            key = key.with_kid(kid);
        }
        // SAFETY: the caller promises `out_key` is valid for a write.
        unsafe { out.write(into_handle(key)) };
        Ok(())
    })
}

/// Wraps an HMAC secret for the algorithm named by `alg_ptr` (HS256, HS384 or
/// HS512) and writes the key to `*out_key`.
///
/// The secret must be at least as long as the hash output (32, 48 or 64 bytes).
/// It is copied; the caller owns the key and frees it with `tg_signing_key_free`.
///
/// # Errors
///
/// `TG_WEAK_KEY` for a shorter secret, `TG_KEY_MISMATCH` for another algorithm,
/// `TG_INVALID_ARGUMENT` for an unknown algorithm name, `TG_INVALID_UTF8`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `alg_ptr`, `secret_ptr` and `kid_ptr` must point to `alg_len`, `secret_len`
/// and `kid_len` readable bytes, or be NULL with length 0; `out_key` must be valid
/// for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_from_hmac_secret(
    alg_ptr: *const u8,
    alg_len: usize,
    secret_ptr: *const u8,
    secret_len: usize,
    kid_ptr: *const u8,
    kid_len: usize,
    out_key: *mut *mut tg_signing_key,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises `alg_len` readable bytes at `alg_ptr`.
        let alg = unsafe { boundary::text(alg_ptr, alg_len, "alg_ptr") }?;
        // SAFETY: the caller promises `secret_len` readable bytes at `secret_ptr`.
        let secret = unsafe { boundary::bytes(secret_ptr, secret_len, "secret_ptr") }?;
        // SAFETY: the caller promises `kid_len` readable bytes at `kid_ptr`.
        let kid = unsafe { boundary::text(kid_ptr, kid_len, "kid_ptr") }?;
        let out = Out::new(out_key, "out_key")?;
        let alg = algorithm(alg, "alg_ptr")?;
        let mut key = SigningKey::hmac_secret(alg, secret)?;
        if !kid.is_empty() {
            key = key.with_kid(kid);
        }
        // SAFETY: the caller promises `out_key` is valid for a write.
        unsafe { out.write(into_handle(key)) };
        Ok(())
    })
}

/// Generates a key for the algorithm named by `alg_ptr` (ES256, ES384, EdDSA or
/// Ed25519), bound to that algorithm, and writes it to `*out_key`.
///
/// The key has `kid_ptr` as its `kid` when `kid_len` is not 0. Its private half
/// cannot be exported through the C ABI. The caller owns the key and frees it
/// with `tg_signing_key_free`.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` for another algorithm (RSA keys cannot be generated),
/// `TG_INVALID_ARGUMENT` for an unknown algorithm name, `TG_SIGNING_FAILED` when
/// the system random number generator fails, `TG_INVALID_UTF8`,
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `alg_ptr` and `kid_ptr` must point to `alg_len` and `kid_len` readable bytes,
/// or be NULL with length 0; `out_key` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_generate(
    alg_ptr: *const u8,
    alg_len: usize,
    kid_ptr: *const u8,
    kid_len: usize,
    out_key: *mut *mut tg_signing_key,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises `alg_len` readable bytes at `alg_ptr`.
        let alg = unsafe { boundary::text(alg_ptr, alg_len, "alg_ptr") }?;
        // SAFETY: the caller promises `kid_len` readable bytes at `kid_ptr`.
        let kid = unsafe { boundary::text(kid_ptr, kid_len, "kid_ptr") }?;
        let out = Out::new(out_key, "out_key")?;
        let alg = algorithm(alg, "alg_ptr")?;
        let mut key = SigningKey::generate(alg)?.into_signing_key();
        if !kid.is_empty() {
            key = key.with_kid(kid);
        }
        // SAFETY: the caller promises `out_key` is valid for a write.
        unsafe { out.write(into_handle(key)) };
        Ok(())
    })
}

/// Frees a signing key. NULL is ignored.
///
/// # Safety
///
/// `key` must be NULL or a key from a `tg_signing_key_from_` function that was not
/// freed yet, and no other call may use it while or after it is freed.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_free(key: *mut tg_signing_key) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(key) }
}

/// Copies the public JWK of `key` into `buf`, as one line of JSON with the key's
/// `kid` and `alg` when it has them and `"use":"sig"`.
///
/// The output rules are those of `tg_token_key_id`.
///
/// # Errors
///
/// `TG_NOT_FOUND` for an HMAC secret, which has no public key;
/// `TG_BUFFER_TOO_SMALL` (with `*out_len` set to the length needed);
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `key` must be a live key, `buf` valid for writes of `buf_len` bytes and
/// `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_public_jwk(
    key: *const tg_signing_key,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live key.
        let key = &unsafe { boundary::handle(key, "key") }?.key;
        let out = OutBuf::new(buf, buf_len, out_len)?;
        let jwk = key
            .public_jwk(key.kid(), key.alg())
            .ok_or_else(no_public_key)?;
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(jwk.as_bytes()) }
    })
}

/// Copies the RFC 7638 thumbprint of `key`'s public key, base64url-encoded (43
/// characters), into `buf`: the value of a DPoP-bound token's `cnf` `jkt`.
///
/// The output rules are those of `tg_token_key_id`.
///
/// # Errors
///
/// `TG_NOT_FOUND` for an HMAC secret; `TG_BUFFER_TOO_SMALL`; `TG_NULL_POINTER`.
///
/// # Safety
///
/// As for `tg_signing_key_public_jwk`.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_thumbprint(
    key: *const tg_signing_key,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live key.
        let key = &unsafe { boundary::handle(key, "key") }?.key;
        let out = OutBuf::new(buf, buf_len, out_len)?;
        let thumbprint = key.thumbprint().ok_or_else(no_public_key)?;
        let text = Base64UrlUnpadded::encode_string(&thumbprint);
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(text.as_bytes()) }
    })
}

/// Signs `payload` into a compact JWS and copies it into `buf`.
///
/// The header is `alg`, then `typ` when `typ_len` is not 0, then the key's `kid`
/// when it has one, then, when `embed_jwk` is true, the public key as `jwk` with
/// the members its RFC 7638 thumbprint covers, as a DPoP proof needs. `alg_ptr`
/// names the algorithm; with `alg_len` 0 the key's `alg`, or ES256, ES384 or EdDSA
/// for an EC or Ed25519 key, is used. The payload is signed as given; for a JWT
/// it is the JSON text of the claims. Calling again after `TG_BUFFER_TOO_SMALL`
/// signs again, which for ECDSA and RSA-PSS gives another valid signature. The
/// output rules are those of `tg_token_key_id`.
///
/// # Errors
///
/// `TG_KEY_MISMATCH` for an algorithm the key does not sign with, or `embed_jwk`
/// with an HMAC secret; `TG_INVALID_ARGUMENT` for an unknown algorithm name or
/// none for an RSA key without `alg`; `TG_SIGNING_FAILED`; `TG_BUFFER_TOO_SMALL`;
/// `TG_INVALID_UTF8`; `TG_NULL_POINTER`.
///
/// # Safety
///
/// `key` must be a live key; `alg_ptr`, `typ_ptr` and `payload_ptr` must point to
/// `alg_len`, `typ_len` and `payload_len` readable bytes, or be NULL with length
/// 0; `buf` must be valid for writes of `buf_len` bytes and `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_signing_key_sign_jws(
    key: *const tg_signing_key,
    alg_ptr: *const u8,
    alg_len: usize,
    typ_ptr: *const u8,
    typ_len: usize,
    embed_jwk: bool,
    payload_ptr: *const u8,
    payload_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live key.
        let key = &unsafe { boundary::handle(key, "key") }?.key;
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let alg = unsafe { boundary::text(alg_ptr, alg_len, "alg_ptr") }?;
        // SAFETY: as above.
        let typ = unsafe { boundary::text(typ_ptr, typ_len, "typ_ptr") }?;
        // SAFETY: as above.
        let payload = unsafe { boundary::bytes(payload_ptr, payload_len, "payload_ptr") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;

        let alg = chosen_algorithm(key, alg)?;
        let header = HeaderParams {
            typ: (!typ.is_empty()).then_some(typ),
            kid: key.kid(),
            embed_jwk,
        };
        let token = key.sign_jws(alg, &header, payload)?;
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(token.as_bytes()) }
    })
}

/// Signs an RFC 7523 client assertion with `key` at `now` and copies it into
/// `buf`.
///
/// The claims are `iss` and `sub` set to `client_id`, `aud` set to `audience`
/// (the token endpoint URL or the issuer identifier), `iat` `now`, `exp` `now`
/// plus `lifetime_seconds` (1 to 300; the core's default is 60), and a `jti` that
/// is the base64url encoding of `jti_random`: 16 to 64 fresh bytes from the
/// caller's secure random number generator. The header has `alg`, `typ` `JWT` and
/// the key's `kid`. `alg_ptr` is chosen as for `tg_signing_key_sign_jws`. The
/// output rules are those of `tg_token_key_id`. A retry after
/// `TG_BUFFER_TOO_SMALL` may pass the same `jti_random`, because the first result
/// was never sent.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` for an empty `client_id` or `audience`, a lifetime out of
/// range, a `jti_random` of the wrong length or a `now` too large; the errors of
/// `tg_signing_key_sign_jws`.
///
/// # Safety
///
/// `key` must be a live key; each `_ptr` must point to its `_len` readable bytes,
/// or be NULL with length 0; `buf` must be valid for writes of `buf_len` bytes and
/// `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_client_assertion_create(
    key: *const tg_signing_key,
    alg_ptr: *const u8,
    alg_len: usize,
    client_id_ptr: *const u8,
    client_id_len: usize,
    audience_ptr: *const u8,
    audience_len: usize,
    lifetime_seconds: u32,
    jti_random_ptr: *const u8,
    jti_random_len: usize,
    now: i64,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live key.
        let key = &unsafe { boundary::handle(key, "key") }?.key;
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let alg = unsafe { boundary::text(alg_ptr, alg_len, "alg_ptr") }?;
        // SAFETY: as above.
        let client_id = unsafe { boundary::text(client_id_ptr, client_id_len, "client_id_ptr") }?;
        // SAFETY: as above.
        let audience = unsafe { boundary::text(audience_ptr, audience_len, "audience_ptr") }?;
        // SAFETY: as above.
        let jti_random =
            unsafe { boundary::bytes(jti_random_ptr, jti_random_len, "jti_random_ptr") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;

        let alg = chosen_algorithm(key, alg)?;
        let builder =
            AssertionBuilder::new(client_id, audience)?.with_lifetime(lifetime_seconds)?;
        let assertion = builder.sign(key, Some(alg), now, jti_random)?;
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(assertion.as_bytes()) }
    })
}

/// Signs a DPoP proof (RFC 9449 section 4.2) for a request at `now` and copies it
/// into `buf`.
///
/// The header has `typ` `dpop+jwt`, `alg` (chosen as for
/// `tg_signing_key_sign_jws`) and the public key as `jwk`. The claims are `jti`,
/// the base64url encoding of `jti_random` (16 to 64 fresh bytes from the caller's
/// secure random number generator); `htm` `method_ptr`; `htu` `uri_ptr` without
/// its query and fragment; `iat` `now`; `ath` the SHA-256 of the access token
/// when `access_token_len` is not 0; and `nonce` when `nonce_len` is not 0. The
/// output rules are those of `tg_token_key_id`.
///
/// # Errors
///
/// `TG_KEY_MISMATCH` for an HMAC secret; `TG_INVALID_CONFIG` for an empty method
/// or URI or a `jti_random` of the wrong length; the errors of
/// `tg_signing_key_sign_jws`.
///
/// # Safety
///
/// `key` must be a live key; each `_ptr` must point to its `_len` readable bytes,
/// or be NULL with length 0; `buf` must be valid for writes of `buf_len` bytes and
/// `out_len` for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_dpop_proof_create(
    key: *const tg_signing_key,
    alg_ptr: *const u8,
    alg_len: usize,
    method_ptr: *const u8,
    method_len: usize,
    uri_ptr: *const u8,
    uri_len: usize,
    access_token_ptr: *const u8,
    access_token_len: usize,
    nonce_ptr: *const u8,
    nonce_len: usize,
    jti_random_ptr: *const u8,
    jti_random_len: usize,
    now: i64,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live key.
        let key = &unsafe { boundary::handle(key, "key") }?.key;
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let alg = unsafe { boundary::text(alg_ptr, alg_len, "alg_ptr") }?;
        // SAFETY: as above.
        let method = unsafe { boundary::text(method_ptr, method_len, "method_ptr") }?;
        // SAFETY: as above.
        let uri = unsafe { boundary::text(uri_ptr, uri_len, "uri_ptr") }?;
        // SAFETY: as above.
        let access_token =
            unsafe { boundary::text(access_token_ptr, access_token_len, "access_token_ptr") }?;
        // SAFETY: as above.
        let nonce = unsafe { boundary::text(nonce_ptr, nonce_len, "nonce_ptr") }?;
        // SAFETY: as above.
        let jti_random =
            unsafe { boundary::bytes(jti_random_ptr, jti_random_len, "jti_random_ptr") }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;

        let alg = chosen_algorithm(key, alg)?;
        let request = DpopRequest {
            method,
            uri,
            nonce: (!nonce.is_empty()).then_some(nonce),
        };
        let token = (!access_token.is_empty()).then_some(access_token);
        let proof = create_dpop_proof(key, Some(alg), &request, token, now, jti_random)?;
        // SAFETY: the caller promises `buf` and `out_len` are valid.
        unsafe { out.write(proof.as_bytes()) }
    })
}

fn into_handle(key: SigningKey) -> *mut tg_signing_key {
    Box::into_raw(Box::new(tg_signing_key { key }))
}

fn algorithm(name: &str, argument: &'static str) -> Result<Algorithm, Failure> {
    Algorithm::from_name(name).map_err(|error| {
        Failure::new(
            TG_INVALID_ARGUMENT,
            format!("argument {argument}: {name:?}: {error}"),
        )
    })
}

/// Returns the algorithm named by `name`, or the key's default when it is empty.
fn chosen_algorithm(key: &SigningKey, name: &str) -> Result<Algorithm, Failure> {
    if !name.is_empty() {
        return algorithm(name, "alg_ptr");
    }
    key.default_algorithm().ok_or_else(|| {
        Failure::new(
            TG_INVALID_ARGUMENT,
            "argument alg_ptr is empty, and an RSA key without alg needs the algorithm named",
        )
    })
}

fn no_public_key() -> Failure {
    Failure::new(TG_NOT_FOUND, "an HMAC secret has no public key")
}
