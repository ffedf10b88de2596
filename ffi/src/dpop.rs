//! DPoP (RFC 9449) and certificate-bound (RFC 8705) validation: the proof
//! verifier, the replay cache behind a lock, and the validator functions that use
//! them.

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokenguard_core::{AlgSet, Algorithm, DpopRequest, DpopVerifier, ReplayCache};

use crate::boundary::{self, Failure, Out};
use crate::status::{tg_status, TG_INVALID_ARGUMENT};
use crate::token::{self, tg_token, DpopInput, Input};
use crate::validator::tg_validator;

/// The checks of DPoP proofs that do not depend on the request: the accepted
/// algorithms and the time window.
///
/// Immutable; any number of threads may use one verifier at once.
pub struct tg_dpop_verifier {
    pub(crate) verifier: DpopVerifier,
}

/// A bounded set of DPoP proofs and client assertions already accepted, so that
/// each is accepted once.
///
/// Its capacity is fixed by `tg_replay_cache_new`. An entry is kept until its
/// proof or assertion could no longer pass the time checks; a full cache evicts
/// such entries, and otherwise rejects the new proof with `TG_REPLAY_CACHE_FULL`.
/// Any number of threads may use one cache at once: a mutex guards it, and a
/// validation holds it from start to end, so validations that share a cache run
/// one at a time. Only `tg_replay_cache_free` must not overlap another call on it.
pub struct tg_replay_cache {
    pub(crate) cache: Mutex<ReplayCache>,
}

/// Builds a DPoP proof verifier and writes it to `*out_verifier`.
///
/// `algorithms_ptr` lists the JWS algorithms accepted for proofs, separated by
/// single spaces, such as `ES256 EdDSA`; with `algorithms_len` 0 every asymmetric
/// algorithm is accepted. HMAC algorithms are rejected, because a proof is signed
/// with the private half of the public key in its header. A proof is accepted
/// from `max_age_seconds` before now (plus the leeway) to `leeway_seconds` after
/// now; the core's defaults are 60 and 30. The caller owns the verifier and frees
/// it with `tg_dpop_verifier_free`.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` for an unknown or HMAC algorithm name or a leeway above
/// 300; `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `algorithms_ptr` must point to `algorithms_len` readable bytes, or be NULL with
/// length 0; `out_verifier` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_dpop_verifier_new(
    algorithms_ptr: *const u8,
    algorithms_len: usize,
    max_age_seconds: u32,
    leeway_seconds: u32,
    out_verifier: *mut *mut tg_dpop_verifier,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises `algorithms_len` readable bytes.
        let names = unsafe { boundary::text(algorithms_ptr, algorithms_len, "algorithms_ptr") }?;
        let out = Out::new(out_verifier, "out_verifier")?;

        let mut verifier = DpopVerifier::new()
            .with_max_age(max_age_seconds)
            .with_leeway(leeway_seconds)?;
        if !names.is_empty() {
            verifier = verifier.with_algorithms(algorithm_list(names, "algorithms_ptr")?)?;
        }
        let handle = tg_dpop_verifier { verifier };
        // SAFETY: the caller promises `out_verifier` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(handle))) };
        Ok(())
    })
}

/// Frees a DPoP verifier. NULL is ignored.
///
/// # Safety
///
/// `verifier` must be NULL or a verifier from `tg_dpop_verifier_new` that was not
/// freed yet, and no other call may use it while or after it is freed.
#[no_mangle]
pub unsafe extern "C" fn tg_dpop_verifier_free(verifier: *mut tg_dpop_verifier) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(verifier) }
}

/// Builds an empty replay cache with room for `capacity` entries (about 84 bytes each,
/// allocated here) and writes it to `*out_cache`.
///
/// The caller owns the cache and frees it with `tg_replay_cache_free`.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` when `capacity` exceeds 4194304, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `out_cache` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_replay_cache_new(
    capacity: usize,
    out_cache: *mut *mut tg_replay_cache,
) -> tg_status {
    boundary::call(|| {
        let out = Out::new(out_cache, "out_cache")?;
        let cache = ReplayCache::new(capacity)?;
        let handle = tg_replay_cache {
            cache: Mutex::new(cache),
        };
        // SAFETY: the caller promises `out_cache` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(handle))) };
        Ok(())
    })
}

/// Writes the number of entries in the cache to `*out_len`.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `cache` must be a live cache and `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_replay_cache_len(
    cache: *const tg_replay_cache,
    out_len: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live cache.
        let cache = unsafe { boundary::handle(cache, "cache") }?;
        let out = Out::new(out_len, "out_len")?;
        let len = cache.lock().len();
        // SAFETY: the caller promises `out_len` is valid for a write.
        unsafe { out.write(len) };
        Ok(())
    })
}

/// Removes every entry whose time has passed at `now`, and writes how many were
/// removed to `*out_removed`.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `cache` must be a live cache and `out_removed` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_replay_cache_evict_expired(
    cache: *const tg_replay_cache,
    now: i64,
    out_removed: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live cache.
        let cache = unsafe { boundary::handle(cache, "cache") }?;
        let out = Out::new(out_removed, "out_removed")?;
        let removed = cache.lock().evict_expired(now);
        // SAFETY: the caller promises `out_removed` is valid for a write.
        unsafe { out.write(removed) };
        Ok(())
    })
}

/// Frees a replay cache. NULL is ignored.
///
/// # Safety
///
/// `cache` must be NULL or a cache from `tg_replay_cache_new` that was not freed
/// yet, and no other call may use it while or after it is freed.
#[no_mangle]
pub unsafe extern "C" fn tg_replay_cache_free(cache: *mut tg_replay_cache) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(cache) }
}

/// Validates a DPoP-bound access token with its proof (RFC 9449 section 7) at
/// `now`, and writes the verified token to `*out_token`.
///
/// `authorization_ptr` is the request's `Authorization` value in the `DPoP`
/// scheme, `proof_ptr` its one `DPoP` header value, `method_ptr` the request
/// method (such as `GET`, compared exactly with `htm`) and `uri_ptr` the absolute
/// request URI (compared with `htu` without query and fragment). `nonce_ptr` is
/// the nonce the server last sent this client in `DPoP-Nonce`; with `nonce_len` 0
/// no nonce is required. The token is validated as by `tg_validator_validate` and
/// must carry `cnf` `jkt`; the proof must then pass `verifier`'s checks, carry
/// `ath` over the token and be signed by the key `jkt` names. A proof that passes
/// is recorded in `cache` and accepted only once. No input need be NUL-terminated,
/// and none is kept; ownership of the token is as for `tg_validator_validate`.
///
/// # Errors
///
/// `TG_MALFORMED` for an `Authorization` value that does not parse or is not in
/// the `DPoP` scheme; the token errors of `tg_validator_validate`;
/// `TG_PROOF_REQUIRED` for a token whose `cnf` also has `x5t#S256`, which binds
/// it to a client certificate this check does not see;
/// `TG_INVALID_DPOP_PROOF` with the failed check in the last error (a replayed
/// proof among them); `TG_USE_DPOP_NONCE`; `TG_REPLAY_CACHE_FULL`;
/// `TG_INVALID_UTF8` for a method, URI or nonce that is not UTF-8;
/// `TG_NULL_POINTER`. `tg_last_error_www_authenticate_dpop` then writes the
/// challenge to send.
///
/// # Safety
///
/// `validator`, `verifier` and `cache` must be live handles; each `_ptr` must point
/// to its `_len` readable bytes, or be NULL with length 0; `out_token` must be
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_validate_dpop(
    validator: *const tg_validator,
    authorization_ptr: *const u8,
    authorization_len: usize,
    proof_ptr: *const u8,
    proof_len: usize,
    method_ptr: *const u8,
    method_len: usize,
    uri_ptr: *const u8,
    uri_len: usize,
    nonce_ptr: *const u8,
    nonce_len: usize,
    verifier: *const tg_dpop_verifier,
    cache: *const tg_replay_cache,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises live handles.
        let validator = unsafe { boundary::handle(validator, "validator") }?;
        // SAFETY: as above.
        let verifier = unsafe { boundary::handle(verifier, "verifier") }?;
        // SAFETY: as above.
        let cache = unsafe { boundary::handle(cache, "cache") }?;
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let authorization =
            unsafe { boundary::bytes(authorization_ptr, authorization_len, "authorization_ptr") }?;
        // SAFETY: as above.
        let proof = unsafe { boundary::bytes(proof_ptr, proof_len, "proof_ptr") }?;
        // SAFETY: as above.
        let method = unsafe { boundary::text(method_ptr, method_len, "method_ptr") }?;
        // SAFETY: as above.
        let uri = unsafe { boundary::text(uri_ptr, uri_len, "uri_ptr") }?;
        // SAFETY: as above.
        let nonce = unsafe { boundary::text(nonce_ptr, nonce_len, "nonce_ptr") }?;
        let out = Out::new(out_token, "out_token")?;

        let input = Input::Dpop(DpopInput {
            authorization,
            proof,
            request: DpopRequest {
                method,
                uri,
                nonce: (!nonce.is_empty()).then_some(nonce),
            },
            verifier: &verifier.verifier,
            cache: &cache.cache,
        });
        let current = validator.snapshot();
        let verified = token::validate(&current, input, now, validator.scope_claims())?;
        // SAFETY: the caller promises `out_token` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(verified))) };
        Ok(())
    })
}

/// Validates an access token bound to a client certificate (RFC 8705 section 3)
/// at `now`, and writes the verified token to `*out_token`.
///
/// `cert_ptr` contains the DER bytes of the client certificate that the TLS layer
/// verified for this connection. The token is validated as by
/// `tg_validator_validate`, and its `cnf` `x5t#S256` must then be the base64url
/// SHA-256 of those bytes. A token also bound to a DPoP key by `cnf` `jkt` needs
/// that proof too, so it is rejected here. Ownership is as for
/// `tg_validator_validate`.
///
/// # Errors
///
/// The errors of `tg_validator_validate`; `TG_MISSING_CLAIM` for a token without
/// `cnf` `x5t#S256`; `TG_INVALID_CLAIM` when that thumbprint is not a string;
/// `TG_CERTIFICATE_MISMATCH` when it names another certificate;
/// `TG_PROOF_REQUIRED` for a token also bound by `jkt`; `TG_NULL_POINTER`.
///
/// # Safety
///
/// `validator` must be a live validator; `token_ptr` and `cert_ptr` must point to
/// `token_len` and `cert_len` readable bytes, or be NULL with length 0;
/// `out_token` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_validator_validate_certificate_bound(
    validator: *const tg_validator,
    token_ptr: *const u8,
    token_len: usize,
    cert_ptr: *const u8,
    cert_len: usize,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live validator.
        let validator = unsafe { boundary::handle(validator, "validator") }?;
        // SAFETY: the caller promises `token_len` readable bytes at `token_ptr`.
        let token = unsafe { boundary::bytes(token_ptr, token_len, "token_ptr") }?;
        // SAFETY: the caller promises `cert_len` readable bytes at `cert_ptr`.
        let certificate = unsafe { boundary::bytes(cert_ptr, cert_len, "cert_ptr") }?;
        let out = Out::new(out_token, "out_token")?;

        let input = Input::CertificateBound { token, certificate };
        let current = validator.snapshot();
        let verified = token::validate(&current, input, now, validator.scope_claims())?;
        // SAFETY: the caller promises `out_token` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(verified))) };
        Ok(())
    })
}

impl tg_replay_cache {
    /// Locks the cache. Each update of the table is one insertion or retain, so a
    /// panic while the lock was held cannot leave it half updated, and a poisoned
    /// lock is used as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, ReplayCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Reads JWS algorithm names separated by single spaces.
pub(crate) fn algorithm_list(names: &str, argument: &'static str) -> Result<AlgSet, Failure> {
    let mut set = AlgSet::EMPTY;
    for name in names.split(' ') {
        let alg = Algorithm::from_name(name).map_err(|error| {
            Failure::new(
                TG_INVALID_ARGUMENT,
                format!("argument {argument}: {name:?}: {error}"),
            )
        })?;
        set = set.with(alg);
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::status::{TG_INVALID_CONFIG, TG_NULL_POINTER, TG_OK};

    fn new_verifier(algorithms: &str, leeway: u32) -> Result<*mut tg_dpop_verifier, tg_status> {
        let mut verifier = ptr::null_mut();
        // SAFETY: `algorithms` is live for the call and `verifier` valid for a write.
        let status = unsafe {
            tg_dpop_verifier_new(
                algorithms.as_ptr(),
                algorithms.len(),
                60,
                leeway,
                &mut verifier,
            )
        };
        if status == TG_OK {
            Ok(verifier)
        } else {
            assert!(verifier.is_null());
            Err(status)
        }
    }

    #[test]
    fn handles_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<tg_dpop_verifier>();
        assert_send_sync::<tg_replay_cache>();
    }

    #[test]
    fn verifier_options_checked() {
        let verifier = new_verifier("ES256 EdDSA", 30).unwrap();
        // SAFETY: the verifier is live.
        let algorithms = unsafe { &*verifier }.verifier.algorithms();
        assert_eq!(
            algorithms,
            AlgSet::of(&[Algorithm::ES256, Algorithm::EdDSA])
        );
        // SAFETY: the verifier is live and freed once.
        unsafe { tg_dpop_verifier_free(verifier) };

        assert_eq!(new_verifier("HS256", 30).err(), Some(TG_INVALID_CONFIG));
        assert_eq!(new_verifier("ES256", 301).err(), Some(TG_INVALID_CONFIG));
        assert_eq!(
            new_verifier("ES256  EdDSA", 30).err(),
            Some(TG_INVALID_ARGUMENT)
        );
        assert_eq!(new_verifier("none", 30).err(), Some(TG_INVALID_ARGUMENT));
        let all = new_verifier("", 0).unwrap();
        // SAFETY: the verifier is live and freed once.
        unsafe { tg_dpop_verifier_free(all) };
    }

    #[test]
    fn cache_counts_and_limits() {
        let mut cache = ptr::null_mut();
        // SAFETY: `cache` is valid for a write.
        assert_eq!(unsafe { tg_replay_cache_new(4, &mut cache) }, TG_OK);
        let mut len = 99;
        // SAFETY: the cache is live and `len` valid for a write.
        assert_eq!(unsafe { tg_replay_cache_len(cache, &mut len) }, TG_OK);
        assert_eq!(len, 0);
        let mut removed = 99;
        // SAFETY: as above.
        let status = unsafe { tg_replay_cache_evict_expired(cache, 0, &mut removed) };
        assert_eq!(status, TG_OK);
        assert_eq!(removed, 0);
        // SAFETY: the cache is live and freed once.
        unsafe { tg_replay_cache_free(cache) };

        let mut big = ptr::null_mut();
        // SAFETY: `big` is valid for a write.
        let status = unsafe { tg_replay_cache_new(usize::MAX, &mut big) };
        assert_eq!(status, TG_INVALID_CONFIG);
        assert!(big.is_null());
        // SAFETY: a NULL cache is rejected before it is read.
        let status = unsafe { tg_replay_cache_len(ptr::null(), &mut len) };
        assert_eq!(status, TG_NULL_POINTER);
    }
}
