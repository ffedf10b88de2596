//! The client assertion verifier functions, checked against a core
//! `AssertionVerifier` and key set built from the same arguments, and the replay
//! cache's core twin.

use arbitrary::Arbitrary;
use tokenguard::{AssertionVerifier, JwkSet, TokenBuffer};
use tokenguard_ffi::{
    tg_assertion_verifier, tg_assertion_verifier_free, tg_assertion_verifier_new,
    tg_assertion_verifier_verify, tg_status,
};

use super::args::{Faults, HandleArg, Input, NowArg, OutArg, OutCell};
use super::calls::Call;
use super::dpop::{algorithm_list, code};
use super::inputs::JwksArg;
use super::requests::{MadeArg, SecondsArg, TextArg, ALGORITHM_LISTS, AUDIENCES, CLIENT_IDS};
use super::validators::unwritten_token;
use super::Harness;

/// The core's default maximum lifetime of an assertion, in seconds.
const DEFAULT_MAX_LIFETIME: u32 = 300;

/// The core's default leeway, in seconds.
const DEFAULT_LEEWAY: u32 = 30;

/// A call of the client assertion verifier functions.
#[derive(Arbitrary, Debug)]
pub enum AssertionOp<'a> {
    /// `tg_assertion_verifier_new`.
    New {
        /// The accepted audiences.
        audiences: TextArg<'a>,
        /// The accepted algorithms.
        algorithms: TextArg<'a>,
        /// The maximum lifetime.
        max_lifetime: SecondsArg,
        /// The leeway.
        leeway: SecondsArg,
        /// The clients' keys.
        jwks: JwksArg<'a>,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_assertion_verifier_verify`.
    Verify {
        /// The verifier.
        verifier: HandleArg,
        /// The assertion.
        assertion: MadeArg<'a>,
        /// The `client_id` of the request.
        client_id: TextArg<'a>,
        /// The replay cache.
        cache: HandleArg,
        /// The verification time.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_assertion_verifier_free`, for which NULL is a no-op.
    Free {
        /// The verifier.
        verifier: HandleArg,
    },
}

/// A live assertion verifier and the core verifier and key set built from the same
/// arguments.
pub struct LiveAssertionVerifier {
    /// The handle.
    pub ptr: *mut tg_assertion_verifier,
    /// The core verifier.
    pub twin: AssertionVerifier,
    /// The core key set.
    pub keys: JwkSet,
}

/// Builds the core verifier and key set that `tg_assertion_verifier_new` builds,
/// in its order, or returns the status it fails with.
fn core_verifier(
    audiences: &str,
    names: &str,
    max_lifetime: u32,
    leeway: u32,
    jwks: &[u8],
) -> Result<(AssertionVerifier, JwkSet), tg_status> {
    let audiences: Vec<&str> = if audiences.is_empty() {
        Vec::new()
    } else {
        audiences.split(' ').collect()
    };
    let mut verifier = AssertionVerifier::new(&audiences)
        .map_err(code)?
        .with_max_lifetime(max_lifetime)
        .with_leeway(leeway)
        .map_err(code)?;
    if !names.is_empty() {
        verifier = verifier
            .with_algorithms(algorithm_list(names)?)
            .map_err(code)?;
    }
    let keys = JwkSet::from_json(jwks).map_err(code)?;
    Ok((verifier, keys))
}

impl Harness {
    pub(super) fn assertion(&mut self, op: &AssertionOp<'_>) {
        match *op {
            AssertionOp::New {
                audiences,
                algorithms,
                max_lifetime,
                leeway,
                jwks,
                out,
            } => {
                let audiences = audiences.input(&AUDIENCES);
                let names = algorithms.input(&ALGORITHM_LISTS);
                let max_lifetime = max_lifetime.value(DEFAULT_MAX_LIFETIME);
                let leeway = leeway.value(DEFAULT_LEEWAY);
                self.new_assertion_verifier(
                    &audiences,
                    &names,
                    max_lifetime,
                    leeway,
                    &jwks.input(),
                    out,
                );
            }
            AssertionOp::Verify {
                verifier,
                assertion,
                client_id,
                cache,
                now,
                out,
            } => {
                let index = verifier.pick(self.verifiers.len());
                let ptr = index.map_or(std::ptr::null(), |i| self.verifiers[i].ptr.cast_const());
                let (cache, cache_ptr) = self.cache(cache);
                let assertion = assertion.input(&self.made);
                let client_id = client_id.input(&CLIENT_IDS);
                let mut cell = OutCell::new(out, unwritten_token());
                let name = "tg_assertion_verifier_verify";
                let call = Call::new(name)
                    .with(Faults::null_if(ptr.is_null() || cache_ptr.is_null()))
                    .with(assertion.faults())
                    .with(client_id.text_faults())
                    .with(cell.faults());
                let (now, out_ptr) = (now.value(), cell.ptr());
                // SAFETY: the handles are NULL or live, the inputs are NULL or valid for
                // their lengths, and the out-parameter is valid or NULL.
                let status = self.checker.invoke(call, || unsafe {
                    tg_assertion_verifier_verify(
                        ptr,
                        assertion.ptr(),
                        assertion.len(),
                        client_id.ptr(),
                        client_id.len(),
                        cache_ptr,
                        now,
                        out_ptr,
                    )
                });
                let (Some(index), Some(cache), false) = (index, cache, call.faults.any()) else {
                    cell.assert_untouched(name);
                    return;
                };
                let expected = self.caches[cache].twin.as_mut().map(|twin_cache| {
                    let live = &self.verifiers[index];
                    let client_id = client_id.text().expect("no fault");
                    let mut buffer = TokenBuffer::new();
                    let verified = live.twin.verify(
                        assertion.bytes().expect("no fault"),
                        (!client_id.is_empty()).then_some(client_id),
                        &live.keys,
                        twin_cache,
                        now,
                        &mut buffer,
                    );
                    verified
                        .map(|verified| (None, verified.claims().as_object().as_text().to_string()))
                        .map_err(code)
                });
                if self.check_verdict(name, status, &cell, expected) {
                    self.summary.assertions += 1;
                }
            }
            AssertionOp::Free { verifier } => match verifier.pick(self.verifiers.len()) {
                // SAFETY: NULL is a no-op.
                None => unsafe { tg_assertion_verifier_free(std::ptr::null_mut()) },
                Some(index) => {
                    let live = self.verifiers.remove(index);
                    // SAFETY: the verifier is live and removed from the handles, so it
                    // is freed once.
                    unsafe { tg_assertion_verifier_free(live.ptr) };
                }
            },
        }
    }

    pub(super) fn new_assertion_verifier(
        &mut self,
        audiences: &Input,
        names: &Input,
        max_lifetime: u32,
        leeway: u32,
        jwks: &Input,
        out: OutArg,
    ) {
        let call = Call::new("tg_assertion_verifier_new")
            .with(audiences.text_faults())
            .with(names.text_faults())
            .with(jwks.faults());
        let twin = match (audiences.text(), names.text(), jwks.bytes()) {
            (Some(audiences), Some(names), Some(jwks)) => {
                Some(core_verifier(audiences, names, max_lifetime, leeway, jwks))
            }
            _ => None,
        };
        let expected = twin
            .as_ref()
            .map(|twin| twin.as_ref().map(|_| ()).map_err(|c| *c));
        // SAFETY: the inputs are NULL or valid for their lengths, and the
        // out-parameter is valid or NULL.
        let ptr = self.checker.handle(call, out, expected, |out| unsafe {
            tg_assertion_verifier_new(
                audiences.ptr(),
                audiences.len(),
                names.ptr(),
                names.len(),
                max_lifetime,
                leeway,
                jwks.ptr(),
                jwks.len(),
                out,
            )
        });
        if let (Some(ptr), Some(Ok((twin, keys)))) = (ptr, twin) {
            self.verifiers
                .push(LiveAssertionVerifier { ptr, twin, keys });
        }
    }
}
