//! The DPoP functions: verifiers, replay caches, `tg_validator_validate_dpop` and
//! the `DPoP` challenges. Each verifier and cache has a core twin that gets the
//! same calls, and a validation by a validator with a mirror is compared with the
//! core's `validate_dpop` on the twins.

use std::ffi::CStr;

use arbitrary::Arbitrary;
use tokenguard::{
    AlgSet, Algorithm, Challenge, DpopRequest, DpopVerifier, Error, ReplayCache, Scheme,
    TokenBuffer, Validator, DEFAULT_MAX_TOKEN_BYTES, MAX_TOKEN_BYTES_LIMIT,
};
use tokenguard_ffi::{
    tg_dpop_verifier, tg_dpop_verifier_free, tg_dpop_verifier_new,
    tg_last_error_www_authenticate_dpop, tg_replay_cache, tg_replay_cache_evict_expired,
    tg_replay_cache_free, tg_replay_cache_len, tg_replay_cache_new, tg_status,
    tg_status_bearer_error, tg_status_message, tg_validator_validate_dpop,
    tg_www_authenticate_dpop, TG_INVALID_ARGUMENT, TG_OK,
};

use super::args::UNWRITTEN_LEN;
use super::args::{BufArg, BytesArg, Faults, HandleArg, Input, NowArg, OutArg, OutCell};
use super::bearer::{check_challenge, parameters, ChallengeExpect};
use super::calls::{bearer_error_name, Call, Expect, SENTINEL_STATUS};
use super::mirror::{verdict_of, Verdict};
use super::requests::{
    CapacityArg, DpopAuthArg, MadeArg, SecondsArg, TextArg, ALGORITHM_LISTS, METHODS, NONCES, URIS,
};
use super::status::is_core_status;
use super::validators::unwritten_token;
use super::Harness;

/// The core's default maximum age of a proof, in seconds.
const DEFAULT_MAX_AGE: u32 = 60;

/// The core's default leeway, in seconds.
const DEFAULT_LEEWAY: u32 = 30;

/// A call of the DPoP functions.
#[derive(Arbitrary, Debug)]
pub enum DpopOp<'a> {
    /// `tg_dpop_verifier_new`.
    NewVerifier {
        /// The accepted algorithms.
        algorithms: TextArg<'a>,
        /// The maximum age of a proof.
        max_age: SecondsArg,
        /// The leeway.
        leeway: SecondsArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_dpop_verifier_free`, for which NULL is a no-op.
    FreeVerifier {
        /// The verifier.
        verifier: HandleArg,
    },
    /// `tg_replay_cache_new`.
    NewCache {
        /// The capacity.
        capacity: CapacityArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_replay_cache_len`.
    CacheLen {
        /// The cache.
        cache: HandleArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_replay_cache_evict_expired`.
    EvictExpired {
        /// The cache.
        cache: HandleArg,
        /// The time of the call.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_replay_cache_free`, for which NULL is a no-op.
    FreeCache {
        /// The cache.
        cache: HandleArg,
    },
    /// `tg_validator_validate_dpop`.
    Validate {
        /// The validator.
        validator: HandleArg,
        /// The `Authorization` value.
        authorization: DpopAuthArg<'a>,
        /// The proof.
        proof: MadeArg<'a>,
        /// The request method.
        method: TextArg<'a>,
        /// The request URI.
        uri: TextArg<'a>,
        /// The nonce.
        nonce: TextArg<'a>,
        /// The verifier.
        verifier: HandleArg,
        /// The replay cache.
        cache: HandleArg,
        /// The validation time.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_www_authenticate_dpop`.
    Challenge {
        /// The status.
        status: super::args::StatusArg,
        /// The verifier.
        verifier: HandleArg,
        /// The realm.
        realm: BytesArg<'a>,
        /// The output buffer.
        buf: BufArg,
    },
    /// `tg_last_error_www_authenticate_dpop`.
    LastErrorChallenge {
        /// The verifier.
        verifier: HandleArg,
        /// The realm.
        realm: BytesArg<'a>,
        /// The output buffer.
        buf: BufArg,
    },
}

/// A live DPoP verifier and the core verifier built from the same arguments.
pub struct LiveDpopVerifier {
    /// The handle.
    pub ptr: *mut tg_dpop_verifier,
    /// The core verifier.
    pub twin: DpopVerifier,
}

/// A live replay cache and the core cache that gets the same calls, or `None` once
/// a call changed it in a way the harness cannot repeat: a DPoP validation by a
/// validator without a mirror.
pub struct LiveReplayCache {
    /// The handle.
    pub ptr: *mut tg_replay_cache,
    /// The core cache.
    pub twin: Option<ReplayCache>,
}

/// Returns the status of a core error.
pub fn code(error: Error) -> tg_status {
    tg_status::from(error.code())
}

/// Reads algorithm names separated by single spaces, as the C layer does: an
/// unknown name is `TG_INVALID_ARGUMENT`.
pub fn algorithm_list(names: &str) -> Result<AlgSet, tg_status> {
    let mut set = AlgSet::EMPTY;
    for name in names.split(' ') {
        let alg = Algorithm::from_name(name).map_err(|_| TG_INVALID_ARGUMENT)?;
        set = set.with(alg);
    }
    Ok(set)
}

/// Builds the core verifier that `tg_dpop_verifier_new` builds from these
/// arguments, or returns the status it fails with.
fn core_verifier(names: &str, max_age: u32, leeway: u32) -> Result<DpopVerifier, tg_status> {
    let mut verifier = DpopVerifier::new()
        .with_max_age(max_age)
        .with_leeway(leeway)
        .map_err(code)?;
    if !names.is_empty() {
        verifier = verifier
            .with_algorithms(algorithm_list(names)?)
            .map_err(code)?;
    }
    Ok(verifier)
}

/// Returns the `algs` parameter that a `DPoP` challenge for `verifier` carries.
fn expected_algs(verifier: &DpopVerifier) -> Option<String> {
    let challenge = Challenge::new(Scheme::DPoP)
        .algs(verifier.algorithms())
        .to_string();
    let parameters = parameters(&challenge, "DPoP").expect("the core's challenge");
    let algs = parameters.into_iter().find(|(name, _)| name == "algs");
    algs.map(|(_, value)| value)
}

/// Returns the core's verdict on a DPoP request, with buffers as the C layer
/// sizes them.
#[allow(clippy::too_many_arguments)]
fn core_dpop(
    validator: &Validator,
    authorization: &[u8],
    proof: &[u8],
    request: &DpopRequest<'_>,
    verifier: &DpopVerifier,
    cache: &mut ReplayCache,
    now: i64,
) -> Verdict {
    let mut proof_buffer = TokenBuffer::new();
    if authorization.len() <= DEFAULT_MAX_TOKEN_BYTES {
        let mut buffer = TokenBuffer::new();
        let verified = validator.validate_dpop(
            authorization,
            proof,
            request,
            verifier,
            cache,
            now,
            &mut buffer,
            &mut proof_buffer,
        );
        return verdict_of(verified);
    }
    let mut buffer = Box::new(TokenBuffer::<{ MAX_TOKEN_BYTES_LIMIT / 4 * 3 }>::with_capacity());
    let verified = validator.validate_dpop(
        authorization,
        proof,
        request,
        verifier,
        cache,
        now,
        &mut buffer,
        &mut proof_buffer,
    );
    verdict_of(verified)
}

impl Harness {
    pub(super) fn dpop(&mut self, op: &DpopOp<'_>) {
        match *op {
            DpopOp::NewVerifier {
                algorithms,
                max_age,
                leeway,
                out,
            } => {
                let names = algorithms.input(&ALGORITHM_LISTS);
                let (max_age, leeway) =
                    (max_age.value(DEFAULT_MAX_AGE), leeway.value(DEFAULT_LEEWAY));
                self.new_dpop_verifier(&names, max_age, leeway, out);
            }
            DpopOp::FreeVerifier { verifier } => self.free_dpop_verifier(verifier),
            DpopOp::NewCache { capacity, out } => self.new_replay_cache(capacity.value(), out),
            DpopOp::CacheLen { cache, out } => {
                let (index, ptr) = self.cache(cache);
                let call = Call::new("tg_replay_cache_len").with(Faults::null_if(ptr.is_null()));
                let expect = index
                    .and_then(|index| self.caches[index].twin.as_ref())
                    .map_or(Expect::Unknown, |twin| Expect::Value(twin.len()));
                // SAFETY: `ptr` is NULL or a live cache, and the out-parameter is valid
                // or NULL.
                let f = |out| unsafe { tg_replay_cache_len(ptr, out) };
                self.checker.value(call, out, UNWRITTEN_LEN, expect, f);
            }
            DpopOp::EvictExpired { cache, now, out } => {
                let (index, ptr) = self.cache(cache);
                let mut cell = OutCell::new(out, UNWRITTEN_LEN);
                let call = Call::new("tg_replay_cache_evict_expired")
                    .with(Faults::null_if(ptr.is_null()))
                    .with(cell.faults());
                let (now, out_ptr) = (now.value(), cell.ptr());
                // SAFETY: `ptr` is NULL or a live cache, and the out-parameter is valid
                // or NULL.
                let status = self.checker.invoke(call, || unsafe {
                    tg_replay_cache_evict_expired(ptr, now, out_ptr)
                });
                let twin = index
                    .filter(|_| !call.faults.any())
                    .and_then(|index| self.caches[index].twin.as_mut());
                let expect = twin.map_or(Expect::Unknown, |twin| {
                    Expect::Value(twin.evict_expired(now))
                });
                self.checker.check_value(call.name, status, &cell, expect);
            }
            DpopOp::FreeCache { cache } => self.free_replay_cache(cache),
            DpopOp::Validate { .. } => self.validate_dpop(op),
            DpopOp::Challenge {
                status,
                verifier,
                realm,
                buf,
            } => self.dpop_challenge(status.value(), verifier, realm, buf),
            DpopOp::LastErrorChallenge {
                verifier,
                realm,
                buf,
            } => self.last_error_dpop_challenge(verifier, realm, buf),
        }
    }

    pub(super) fn new_dpop_verifier(
        &mut self,
        names: &Input,
        max_age: u32,
        leeway: u32,
        out: OutArg,
    ) {
        let call = Call::new("tg_dpop_verifier_new").with(names.text_faults());
        let twin = names
            .text()
            .map(|names| core_verifier(names, max_age, leeway));
        let expected = twin
            .as_ref()
            .map(|twin| twin.as_ref().map(|_| ()).map_err(|c| *c));
        // SAFETY: the names are NULL or valid for their length, and the
        // out-parameter is valid or NULL.
        let ptr = self.checker.handle(call, out, expected, |out| unsafe {
            tg_dpop_verifier_new(names.ptr(), names.len(), max_age, leeway, out)
        });
        if let (Some(ptr), Some(Ok(twin))) = (ptr, twin) {
            self.dpop_verifiers.push(LiveDpopVerifier { ptr, twin });
        }
    }

    fn free_dpop_verifier(&mut self, verifier: HandleArg) {
        match verifier.pick(self.dpop_verifiers.len()) {
            // SAFETY: NULL is a no-op.
            None => unsafe { tg_dpop_verifier_free(std::ptr::null_mut()) },
            Some(index) => {
                let live = self.dpop_verifiers.remove(index);
                // SAFETY: the verifier is live and removed from the handles, so it is
                // freed once.
                unsafe { tg_dpop_verifier_free(live.ptr) };
            }
        }
    }

    pub(super) fn new_replay_cache(&mut self, capacity: usize, out: OutArg) {
        let call = Call::new("tg_replay_cache_new");
        let twin = ReplayCache::new(capacity).map_err(code);
        let expected = twin.as_ref().map(|_| ()).map_err(|c| *c);
        // SAFETY: the out-parameter is valid or NULL.
        let ptr = self
            .checker
            .handle(call, out, Some(expected), |out| unsafe {
                tg_replay_cache_new(capacity, out)
            });
        if let (Some(ptr), Ok(twin)) = (ptr, twin) {
            self.caches.push(LiveReplayCache {
                ptr,
                twin: Some(twin),
            });
        }
    }

    pub(super) fn free_replay_cache(&mut self, cache: HandleArg) {
        match cache.pick(self.caches.len()) {
            // SAFETY: NULL is a no-op.
            None => unsafe { tg_replay_cache_free(std::ptr::null_mut()) },
            Some(index) => {
                let live = self.caches.remove(index);
                // SAFETY: the cache is live and removed from the handles, so it is
                // freed once.
                unsafe { tg_replay_cache_free(live.ptr) };
            }
        }
    }

    /// Returns the position and pointer of the cache that `cache` picks, or `None`
    /// and NULL.
    pub(super) fn cache(&self, cache: HandleArg) -> (Option<usize>, *const tg_replay_cache) {
        let index = cache.pick(self.caches.len());
        let ptr = index.map_or(std::ptr::null(), |i| self.caches[i].ptr.cast_const());
        (index, ptr)
    }

    /// Returns the position and pointer of the verifier that `verifier` picks, or
    /// `None` and NULL.
    fn dpop_verifier(&self, verifier: HandleArg) -> (Option<usize>, *const tg_dpop_verifier) {
        let index = verifier.pick(self.dpop_verifiers.len());
        let ptr = index.map_or(std::ptr::null(), |i| {
            self.dpop_verifiers[i].ptr.cast_const()
        });
        (index, ptr)
    }

    fn validate_dpop(&mut self, op: &DpopOp<'_>) {
        let DpopOp::Validate {
            validator,
            authorization,
            proof,
            method,
            uri,
            nonce,
            verifier,
            cache,
            now,
            out,
        } = *op
        else {
            unreachable!("a DPoP validation")
        };
        let validator = validator.pick(self.validators.len());
        let validator_ptr =
            validator.map_or(std::ptr::null(), |i| self.validators[i].ptr.cast_const());
        let (verifier, verifier_ptr) = self.dpop_verifier(verifier);
        let (cache, cache_ptr) = self.cache(cache);
        let authorization = authorization.input();
        let proof = proof.input(&self.made);
        let (method, uri, nonce) = (
            method.input(&METHODS),
            uri.input(&URIS),
            nonce.input(&NONCES),
        );
        let mut cell = OutCell::new(out, unwritten_token());
        let name = "tg_validator_validate_dpop";
        let call = Call {
            authorization: true,
            ..Call::new(name)
        }
        .with(Faults::null_if(
            validator_ptr.is_null() || verifier_ptr.is_null() || cache_ptr.is_null(),
        ))
        .with(authorization.faults())
        .with(proof.faults())
        .with(method.text_faults())
        .with(uri.text_faults())
        .with(nonce.text_faults())
        .with(cell.faults());
        let (now, out_ptr) = (now.value(), cell.ptr());
        // SAFETY: the handles are NULL or live, every input is NULL or valid for its
        // length, and the out-parameter is valid or NULL.
        let status = self.checker.invoke(call, || unsafe {
            tg_validator_validate_dpop(
                validator_ptr,
                authorization.ptr(),
                authorization.len(),
                proof.ptr(),
                proof.len(),
                method.ptr(),
                method.len(),
                uri.ptr(),
                uri.len(),
                nonce.ptr(),
                nonce.len(),
                verifier_ptr,
                cache_ptr,
                now,
                out_ptr,
            )
        });
        let (Some(validator), Some(verifier), Some(cache), false) =
            (validator, verifier, cache, call.faults.any())
        else {
            cell.assert_untouched(name);
            return;
        };

        // The core's verdict, on the twins, when the validator has a mirror and the
        // cache's state is known. Otherwise the cache's state is unknown from now on.
        let mirror = self.validators[validator].mirror.clone();
        let twin = self.caches[cache].twin.take();
        let expected = match (mirror, twin) {
            (Some(mirror), Some(mut twin)) => {
                let nonce = nonce.text().expect("no fault");
                let request = DpopRequest {
                    method: method.text().expect("no fault"),
                    uri: uri.text().expect("no fault"),
                    nonce: (!nonce.is_empty()).then_some(nonce),
                };
                let verdict = core_dpop(
                    mirror.validator(),
                    authorization.bytes().expect("no fault"),
                    proof.bytes().expect("no fault"),
                    &request,
                    &self.dpop_verifiers[verifier].twin,
                    &mut twin,
                    now,
                );
                self.caches[cache].twin = Some(twin);
                Some(verdict)
            }
            _ => None,
        };
        if self.check_verdict(name, status, &cell, expected) {
            self.summary.dpop += 1;
        }
    }

    fn dpop_challenge(
        &mut self,
        status: tg_status,
        verifier: HandleArg,
        realm: BytesArg<'_>,
        buf: BufArg,
    ) {
        let (verifier, verifier_ptr) = self.dpop_verifier(verifier);
        let realm = Input::new(realm);
        let call = Call {
            may_repeat_sentinel: status == SENTINEL_STATUS,
            ..Call::new("tg_www_authenticate_dpop")
        }
        .with(Faults::null_if(verifier_ptr.is_null()))
        .with(realm.text_faults());
        let expect = if status == TG_OK || is_core_status(status) {
            Expect::Success
        } else {
            Expect::Status(TG_INVALID_ARGUMENT)
        };
        // SAFETY: the verifier is NULL or live, the realm is NULL or valid for its
        // length, and the checker passes a buffer valid for its length and a valid
        // or NULL `out_len`.
        let f = |buf, len, out_len| unsafe {
            tg_www_authenticate_dpop(
                status,
                verifier_ptr,
                realm.ptr(),
                realm.len(),
                buf,
                len,
                out_len,
            )
        };
        let Some(challenge) = self.checker.string(call, buf, expect, &f) else {
            return;
        };

        let error = bearer_error_name(tg_status_bearer_error(status), "tg_status_bearer_error");
        // SAFETY: `tg_status_message` returns a static NUL-terminated string.
        let message = unsafe { CStr::from_ptr(tg_status_message(status)) };
        let message = message.to_str().expect("status messages are UTF-8");
        let verifier = verifier.expect("TG_OK for a live verifier");
        let scope = Input::null(0);
        let expect = ChallengeExpect {
            scheme: "DPoP",
            realm: &realm,
            scope: &scope,
            error,
            description: Some(message),
            algs: expected_algs(&self.dpop_verifiers[verifier].twin),
        };
        check_challenge(&challenge, &expect);
    }

    fn last_error_dpop_challenge(&mut self, verifier: HandleArg, realm: BytesArg<'_>, buf: BufArg) {
        let (verifier, verifier_ptr) = self.dpop_verifier(verifier);
        let realm = Input::new(realm);
        let call = Call::unrecorded("tg_last_error_www_authenticate_dpop")
            .with(Faults::null_if(verifier_ptr.is_null()))
            .with(realm.text_faults());
        // SAFETY: the verifier is NULL or live, the realm is NULL or valid for its
        // length, and the checker passes a buffer valid for its length and a valid
        // or NULL `out_len`.
        let f = |buf, len, out_len| unsafe {
            tg_last_error_www_authenticate_dpop(
                verifier_ptr,
                realm.ptr(),
                realm.len(),
                buf,
                len,
                out_len,
            )
        };
        let Some(challenge) = self.checker.string(call, buf, Expect::Success, &f) else {
            return;
        };

        let verifier = verifier.expect("TG_OK for a live verifier");
        let last = self.checker.last();
        let scope = Input::null(0);
        let expect = ChallengeExpect {
            scheme: "DPoP",
            realm: &realm,
            scope: &scope,
            error: last.bearer_error,
            description: super::status::is_validation(self.checker.last_call())
                .then_some(last.message.as_str()),
            algs: expected_algs(&self.dpop_verifiers[verifier].twin),
        };
        check_challenge(&challenge, &expect);
    }
}
