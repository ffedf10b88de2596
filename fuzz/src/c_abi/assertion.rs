//! The client assertion verifier functions, checked against a core
//! `AssertionVerifier` and `ClientRegistry` built from the same arguments, and the
//! replay cache's core twin.

use arbitrary::Arbitrary;
use tokenguard::json::{self, Value};
use tokenguard::{
    AssertionVerifier, ClientRegistry, Error, JwkSet, Part, TokenBuffer, MAX_KEY_SET_BYTES,
};
use tokenguard_ffi::{
    tg_assertion_verifier, tg_assertion_verifier_free, tg_assertion_verifier_new,
    tg_assertion_verifier_verify, tg_status, TG_BAD_SIGNATURE, TG_INVALID_CONFIG, TG_MALFORMED,
    TG_UNKNOWN_CLIENT, TG_WRONG_ISSUER,
};

use super::args::{Faults, HandleArg, Input, NowArg, OutArg, OutCell};
use super::calls::{read_last_error, Call};
use super::dpop::{algorithm_list, code};
use super::inputs::ClientsArg;
use super::requests::{MadeArg, SecondsArg, TextArg, ALGORITHM_LISTS, AUDIENCES, CLIENT_IDS};
use super::validators::unwritten_token;
use super::Harness;

/// The core's default maximum lifetime of an assertion, in seconds.
const DEFAULT_MAX_LIFETIME: u32 = 300;

/// The core's default leeway, in seconds.
const DEFAULT_LEEWAY: u32 = 30;

/// The largest clients document that `tg_assertion_verifier_new` reads.
const MAX_CLIENTS_BYTES: usize = 4 * MAX_KEY_SET_BYTES;

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
        /// The client identifiers and their JWK Sets.
        clients: ClientsArg<'a>,
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

/// A live assertion verifier and the core verifier and clients built from the same
/// arguments.
pub struct LiveAssertionVerifier {
    /// The handle.
    pub ptr: *mut tg_assertion_verifier,
    /// The core verifier.
    pub twin: AssertionVerifier,
    /// The core clients' keys.
    pub clients: ClientRegistry,
}

/// The failed step of the core twin of `tg_assertion_verifier_new`, with its status.
#[derive(Clone, Copy)]
enum NewFailure {
    /// The audiences, algorithms, maximum lifetime or leeway.
    Policy(tg_status),
    /// The clients document, whose errors the last error message names.
    Clients(tg_status),
}

impl NewFailure {
    const fn status(self) -> tg_status {
        match self {
            Self::Policy(status) | Self::Clients(status) => status,
        }
    }
}

/// Builds the core verifier and clients that `tg_assertion_verifier_new` builds,
/// in its order, or returns the status it fails with.
fn core_verifier(
    audiences: &str,
    names: &str,
    max_lifetime: u32,
    leeway: u32,
    clients: &[u8],
) -> Result<(AssertionVerifier, ClientRegistry), NewFailure> {
    let verifier =
        core_policy(audiences, names, max_lifetime, leeway).map_err(NewFailure::Policy)?;
    let clients = core_clients(clients).map_err(NewFailure::Clients)?;
    Ok((verifier, clients))
}

/// Builds the core verifier of the policy arguments, as `tg_assertion_verifier_new`
/// does before it reads the clients.
fn core_policy(
    audiences: &str,
    names: &str,
    max_lifetime: u32,
    leeway: u32,
) -> Result<AssertionVerifier, tg_status> {
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
    Ok(verifier)
}

/// Reads a clients document as `tg_assertion_verifier_new` does: the size limit,
/// strict JSON, an object value for each client, its JWK Set, its registration,
/// then at least one client.
fn core_clients(document: &[u8]) -> Result<ClientRegistry, tg_status> {
    if document.len() > MAX_CLIENTS_BYTES {
        return Err(code(Error::TooLarge {
            len: document.len(),
            max: MAX_CLIENTS_BYTES,
        }));
    }
    let object = json::parse_object(document).map_err(|fault| {
        code(Error::Malformed {
            part: Part::KeySet,
            fault,
        })
    })?;
    let mut clients = ClientRegistry::new();
    for (client_id, value) in object.members() {
        let Value::Object(jwks) = value else {
            return Err(TG_MALFORMED);
        };
        let keys = JwkSet::from_json(jwks.as_text().as_bytes()).map_err(code)?;
        clients.insert(&client_id.unescaped(), keys).map_err(code)?;
    }
    if clients.is_empty() {
        return Err(TG_INVALID_CONFIG);
    }
    Ok(clients)
}

impl Harness {
    pub(super) fn assertion(&mut self, op: &AssertionOp<'_>) {
        match *op {
            AssertionOp::New {
                audiences,
                algorithms,
                max_lifetime,
                leeway,
                clients,
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
                    &clients.input(),
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
                        &live.clients,
                        twin_cache,
                        now,
                        &mut buffer,
                    );
                    verified
                        .map(|verified| (None, verified.claims().as_object().as_text().to_string()))
                        .map_err(code)
                });
                let checked = expected.is_some();
                if self.check_verdict(name, status, &cell, expected) {
                    self.summary.assertions += 1;
                }
                let mismatches = &mut self.summary.client_mismatches;
                match status {
                    _ if !checked => {}
                    TG_BAD_SIGNATURE => mismatches.bad_signature += 1,
                    TG_WRONG_ISSUER => mismatches.wrong_issuer += 1,
                    TG_UNKNOWN_CLIENT => mismatches.unknown_client += 1,
                    _ => {}
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
        clients: &Input,
        out: OutArg,
    ) {
        let name = "tg_assertion_verifier_new";
        let call = Call::new(name)
            .with(audiences.text_faults())
            .with(names.text_faults())
            .with(clients.faults());
        let twin = match (audiences.text(), names.text(), clients.bytes()) {
            (Some(audiences), Some(names), Some(clients)) => Some(core_verifier(
                audiences,
                names,
                max_lifetime,
                leeway,
                clients,
            )),
            _ => None,
        };
        let expected = twin.as_ref().map(|twin| {
            twin.as_ref()
                .map(|_| ())
                .map_err(|failure| failure.status())
        });
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
                clients.ptr(),
                clients.len(),
                out,
            )
        });
        match (ptr, twin) {
            (Some(ptr), Some(Ok((twin, clients)))) => {
                self.verifiers
                    .push(LiveAssertionVerifier { ptr, twin, clients });
            }
            // The checker has matched the status. The message must also name the
            // argument that failed.
            (_, Some(Err(NewFailure::Clients(_))))
                if !call.faults.any() && matches!(out, OutArg::Valid) =>
            {
                let error = read_last_error().expect("a failure sets the last error");
                assert!(
                    error.message.starts_with("clients: "),
                    "{name}: a clients error without the clients prefix: {}",
                    error.message
                );
            }
            _ => {}
        }
    }
}
