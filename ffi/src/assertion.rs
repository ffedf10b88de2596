//! Client assertion verification (RFC 7523 section 3): the receiving side.

use tokenguard_core::{AssertionVerifier, JwkSet, ScopeClaims, TokenBuffer};

use crate::boundary::{self, Failure, Out};
use crate::dpop::{algorithm_list, tg_replay_cache};
use crate::status::tg_status;
use crate::token::tg_token;

/// The rules for client assertions and the clients' registered keys.
///
/// Immutable; any number of threads may use one verifier at once.
pub struct tg_assertion_verifier {
    verifier: AssertionVerifier,
    keys: JwkSet,
}

/// Builds a client assertion verifier and writes it to `*out_verifier`.
///
/// `audiences_ptr` lists the audiences this server accepts as its own (its token
/// endpoint URL, its issuer identifier), separated by single spaces; an assertion's `aud`
/// must contain one. `algorithms_ptr` lists the accepted algorithms the same way;
/// with `algorithms_len` 0 every asymmetric one is accepted, and HS* must be named
/// for `client_secret_jwt`. An assertion may expire at most
/// `max_lifetime_seconds` after now (the core's default is 300), and
/// `leeway_seconds` (0 to 300, default 30) applies to every time check.
/// `jwks_ptr` is the JWK Set of the registered clients' keys. The inputs are
/// copied; the caller owns the verifier and frees it with
/// `tg_assertion_verifier_free`.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` for no audience, an empty algorithm list or a leeway above
/// 300; `TG_INVALID_ARGUMENT` for an unknown algorithm name; the key set errors of
/// `tg_validator_new`, with a message that starts with "jwks: ";
/// `TG_INVALID_UTF8`; `TG_NULL_POINTER`.
///
/// # Safety
///
/// Each `_ptr` must point to its `_len` readable bytes, or be NULL with length 0;
/// `out_verifier` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_assertion_verifier_new(
    audiences_ptr: *const u8,
    audiences_len: usize,
    algorithms_ptr: *const u8,
    algorithms_len: usize,
    max_lifetime_seconds: u32,
    leeway_seconds: u32,
    jwks_ptr: *const u8,
    jwks_len: usize,
    out_verifier: *mut *mut tg_assertion_verifier,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let audiences = unsafe { boundary::text(audiences_ptr, audiences_len, "audiences_ptr") }?;
        // SAFETY: as above.
        let names = unsafe { boundary::text(algorithms_ptr, algorithms_len, "algorithms_ptr") }?;
        // SAFETY: as above.
        let jwks = unsafe { boundary::bytes(jwks_ptr, jwks_len, "jwks_ptr") }?;
        let out = Out::new(out_verifier, "out_verifier")?;

        let audiences: Vec<&str> = if audiences.is_empty() {
            Vec::new()
        } else {
            audiences.split(' ').collect()
        };
        let mut verifier = AssertionVerifier::new(&audiences)?
            .with_max_lifetime(max_lifetime_seconds)
            .with_leeway(leeway_seconds)?;
        if !names.is_empty() {
            verifier = verifier.with_algorithms(algorithm_list(names, "algorithms_ptr")?)?;
        }
        let keys = JwkSet::from_json(jwks).map_err(|error| Failure::core_in("jwks", error))?;
        let handle = tg_assertion_verifier { verifier, keys };
        // SAFETY: the caller promises `out_verifier` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(handle))) };
        Ok(())
    })
}

/// Verifies a client assertion at `now`, records its `jti` in `cache` so that it
/// is accepted once, and writes the verified assertion to `*out_token`.
///
/// With `client_id_len` not 0, the assertion's `iss` must equal `client_id_ptr`,
/// the `client_id` parameter of the request. The checks: the signature with a key
/// of the set, `typ` absent or `JWT`, `iss` equal to `sub`, `aud`, `exp` required
/// and within the maximum lifetime, `nbf` and `iat` not in the future, `jti`
/// required, then the replay check. The token has no JWS header; read the client
/// identifier with `tg_token_claim_string` for "iss", and free it with
/// `tg_token_free`.
///
/// # Errors
///
/// The signature and structure errors of `tg_validator_validate`;
/// `TG_WRONG_TYPE`; `TG_MISSING_CLAIM` for `iss`, `sub`, `aud`, `exp` or `jti`;
/// `TG_INVALID_CLAIM` for a `sub` other than `iss` or an `exp` too far ahead;
/// `TG_WRONG_ISSUER` for another client; `TG_WRONG_AUDIENCE`; `TG_EXPIRED`,
/// `TG_NOT_YET_VALID`, `TG_ISSUED_IN_FUTURE`; `TG_REPLAYED`;
/// `TG_REPLAY_CACHE_FULL`; `TG_INVALID_UTF8`; `TG_NULL_POINTER`.
///
/// # Safety
///
/// `verifier` and `cache` must be live handles; `assertion_ptr` and
/// `client_id_ptr` must point to `assertion_len` and `client_id_len` readable
/// bytes, or be NULL with length 0; `out_token` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_assertion_verifier_verify(
    verifier: *const tg_assertion_verifier,
    assertion_ptr: *const u8,
    assertion_len: usize,
    client_id_ptr: *const u8,
    client_id_len: usize,
    cache: *const tg_replay_cache,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises live handles.
        let verifier = unsafe { boundary::handle(verifier, "verifier") }?;
        // SAFETY: as above.
        let cache = unsafe { boundary::handle(cache, "cache") }?;
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let assertion = unsafe { boundary::bytes(assertion_ptr, assertion_len, "assertion_ptr") }?;
        // SAFETY: as above.
        let client_id = unsafe { boundary::text(client_id_ptr, client_id_len, "client_id_ptr") }?;
        let out = Out::new(out_token, "out_token")?;

        // Assertions are at most 8192 bytes, which the default buffer holds.
        let mut buffer = TokenBuffer::new();
        let mut cache = cache.lock();
        let verified = verifier.verifier.verify(
            assertion,
            (!client_id.is_empty()).then_some(client_id),
            &verifier.keys,
            &mut cache,
            now,
            &mut buffer,
        )?;
        drop(cache);
        let token = tg_token::from_claims(verified.claims(), ScopeClaims::Scope);
        // SAFETY: the caller promises `out_token` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(token))) };
        Ok(())
    })
}

/// Frees a client assertion verifier. NULL is ignored.
///
/// # Safety
///
/// `verifier` must be NULL or a verifier from `tg_assertion_verifier_new` that was
/// not freed yet, and no other call may use it while or after it is freed.
#[no_mangle]
pub unsafe extern "C" fn tg_assertion_verifier_free(verifier: *mut tg_assertion_verifier) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(verifier) }
}
