//! The `c_abi` target: sequences of C ABI calls made through the `tg_` functions'
//! Rust signatures, with the pointer and length arguments built from the input.
//!
//! A [`Session`] makes validators from fixed, generated or raw configurations and
//! key sets, validates fixed, generated and raw tokens, `Authorization` values,
//! introspection responses, certificate-bound tokens and DPoP requests, calls
//! every accessor on the tokens it got, and calls the `Authorization`,
//! `WWW-Authenticate`, last-error and status functions. It also makes and uses
//! revocation lists, DPoP verifiers, replay caches, client assertion verifiers and
//! signing keys, and feeds what the keys sign to the verifiers. Every call is
//! checked, not only for crashes: see [`calls`] for the status and last-error
//! rules and [`args`] for the buffers. A validator made from a fixed configuration
//! has a core [`Validator`](tokenguard::Validator) with the same policy and keys
//! beside it, each other handle has a core twin that gets the same calls, and each
//! verdict must be the core's.
//!
//! Arguments follow the header's safety rules: pointers are NULL or valid for
//! their whole length, so a crash or an AddressSanitizer report is the library's
//! fault.

mod args;
mod assertion;
mod bearer;
mod calls;
mod dpop;
mod fixtures;
mod inputs;
mod mirror;
mod requests;
mod revocation;
mod signing;
mod status;
mod token_calls;
mod validators;

use arbitrary::{Arbitrary, Result, Unstructured};
use tokenguard_ffi::{tg_token_free, tg_validator, tg_validator_free};

pub use args::{BufArg, Bytes, BytesArg, HandleArg, NowArg, OutArg, StatusArg};
pub use assertion::AssertionOp;
pub use dpop::DpopOp;
pub use inputs::{AuthArg, ClientsArg, ConfigArg, JwksArg, TokenArg};
pub use requests::{
    AccessTokenArg, CapacityArg, CertArg, DpopAuthArg, IntrospectionArg, JtiArg, MadeArg,
    SecondsArg, TextArg,
};
pub use revocation::RevocationOp;
pub use signing::{DerArg, MadePayload, PrivateJwkArg, SecretArg, SigningOp};
pub use token_calls::TokenCall;

use assertion::LiveAssertionVerifier;
use calls::Checker;
use dpop::{LiveDpopVerifier, LiveReplayCache};
use mirror::Mirror;
use revocation::LiveRevocationList;
use signing::LiveSigningKey;
use token_calls::LiveToken;

/// Maximum number of operations of one session, so that one input stays fast.
pub const MAX_OPS: usize = 64;

/// A sequence of C ABI calls.
#[derive(Debug)]
pub struct Session<'a> {
    /// The validator and token made before the operations.
    pub prologue: Prologue,
    /// The operations, at most [`MAX_OPS`].
    pub ops: Vec<Op<'a>>,
}

impl<'a> Session<'a> {
    /// Decodes the prologue, then operations until the input ends.
    fn decode(u: &mut Unstructured<'a>) -> Result<Self> {
        let prologue = Prologue::arbitrary(u)?;
        let mut ops = Vec::new();
        while !u.is_empty() && ops.len() < MAX_OPS {
            ops.push(Op::arbitrary(u)?);
        }
        Ok(Self { prologue, ops })
    }
}

/// Operations follow each other without a separator, so that `seeds.py` can write
/// them. The derived `Vec` would put a flag before each.
impl<'a> Arbitrary<'a> for Session<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Self::decode(u)
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> Result<Self> {
        Self::decode(&mut u)
    }
}

/// The validator and token made before the operations run.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Prologue {
    /// A validator of the RFC 9068 configuration and the Ed25519 key, and its
    /// accepted fixed Ed25519 token, so that even short inputs reach the accessors.
    /// Also a revocation list, a DPoP verifier, a replay cache, a client assertion
    /// verifier and the Ed25519 key as a signing key, so that short inputs reach
    /// their functions too. The verifier registers "client-1" with the Ed25519 key
    /// and "client-2" with another key.
    Profile,
    /// A validator of the HMAC configuration and its accepted HS256 token.
    Hmac,
    /// Nothing.
    Empty,
}

/// One C ABI operation.
#[derive(Arbitrary, Debug)]
pub enum Op<'a> {
    /// `tg_validator_new`.
    NewValidator {
        /// The configuration.
        config: ConfigArg<'a>,
        /// The JWK Set.
        jwks: JwksArg<'a>,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_validator_set_jwks`.
    SetJwks {
        /// The validator.
        validator: HandleArg,
        /// The new JWK Set.
        jwks: JwksArg<'a>,
    },
    /// `tg_validator_key_counts`.
    KeyCounts {
        /// The validator.
        validator: HandleArg,
        /// The usable-keys out-parameter.
        usable: OutArg,
        /// The skipped-keys out-parameter.
        skipped: OutArg,
    },
    /// `tg_validator_validate`.
    Validate {
        /// The validator.
        validator: HandleArg,
        /// The token.
        token: TokenArg<'a>,
        /// The validation time.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_validator_validate_authorization`.
    ValidateAuthorization {
        /// The validator.
        validator: HandleArg,
        /// The `Authorization` value.
        value: AuthArg<'a>,
        /// The validation time.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// The `tg_token_` functions on a token.
    Token {
        /// The token.
        token: HandleArg,
        /// The functions and their arguments.
        call: TokenCall<'a>,
    },
    /// `tg_parse_authorization`.
    ParseAuthorization {
        /// The value.
        value: AuthArg<'a>,
        /// The scheme, token pointer and token length out-parameters.
        outs: [OutArg; 3],
    },
    /// `tg_www_authenticate`.
    WwwAuthenticate {
        /// The status.
        status: StatusArg,
        /// The realm.
        realm: BytesArg<'a>,
        /// The scope.
        scope: BytesArg<'a>,
        /// The output buffer.
        buf: args::BufArg,
    },
    /// `tg_last_error_message`.
    LastErrorMessage {
        /// The output buffer.
        buf: args::BufArg,
    },
    /// `tg_last_error_http_status`.
    LastErrorHttpStatus {
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_last_error_bearer_error`.
    LastErrorBearerError {
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_last_error_www_authenticate`.
    LastErrorWwwAuthenticate {
        /// The realm.
        realm: BytesArg<'a>,
        /// The scope.
        scope: BytesArg<'a>,
        /// The output buffer.
        buf: args::BufArg,
    },
    /// The `tg_last_error_` functions on a new thread, which has no last error.
    LastErrorOnNewThread,
    /// `tg_status_name`, `tg_status_message`, `tg_status_bearer_error`,
    /// `tg_status_http_status` and `tg_version`.
    Status {
        /// The status.
        status: StatusArg,
    },
    /// `tg_validator_free`, for which NULL is a no-op.
    FreeValidator {
        /// The validator.
        validator: HandleArg,
    },
    /// `tg_token_free`, for which NULL is a no-op.
    FreeToken {
        /// The token.
        token: HandleArg,
    },
    /// `tg_validator_validate_introspection`, or
    /// `tg_validator_validate_signed_introspection` when `signed`.
    ValidateIntrospection {
        /// The validator.
        validator: HandleArg,
        /// The response.
        response: IntrospectionArg<'a>,
        /// Whether to call the function for signed responses.
        signed: bool,
        /// The validation time.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_validator_validate_certificate_bound`.
    ValidateCertificateBound {
        /// The validator.
        validator: HandleArg,
        /// The token.
        token: TokenArg<'a>,
        /// The client certificate.
        certificate: CertArg<'a>,
        /// The validation time.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// The revocation-list functions.
    Revocation(RevocationOp<'a>),
    /// The DPoP verifier, replay cache, validation and challenge functions.
    Dpop(DpopOp<'a>),
    /// The signing-key functions.
    Signing(SigningOp<'a>),
    /// The client assertion verifier functions.
    Assertion(AssertionOp<'a>),
}

/// Counts of what a session reached, for the harness tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Validators made.
    pub validators: usize,
    /// Tokens accepted, by every function that returns one.
    pub tokens: usize,
    /// Introspection responses accepted, plain or signed.
    pub introspected: usize,
    /// Certificate-bound tokens accepted.
    pub certificate_bound: usize,
    /// DPoP requests accepted.
    pub dpop: usize,
    /// Client assertions accepted.
    pub assertions: usize,
    /// Client assertions rejected for the client they name or the keys that
    /// signed them, matching the core.
    pub client_mismatches: ClientMismatches,
    /// Revocation checks that returned `TG_REVOKED`.
    pub revoked: usize,
    /// JWS, client assertions and DPoP proofs signed.
    pub signed: usize,
}

/// Client assertion verifications that failed with a status of the client check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientMismatches {
    /// `TG_BAD_SIGNATURE`: the client's keys do not verify the signature.
    pub bad_signature: usize,
    /// `TG_WRONG_ISSUER`: the verified `iss` is not the request's `client_id`.
    pub wrong_issuer: usize,
    /// `TG_UNKNOWN_CLIENT`: no keys are registered for the client.
    pub unknown_client: usize,
}

/// Runs `session` and checks every call.
///
/// # Panics
///
/// On the first call that breaks the C ABI's contract.
pub fn run(session: &Session<'_>) -> Summary {
    let mut harness = Harness {
        checker: Checker::new(),
        validators: Vec::new(),
        tokens: Vec::new(),
        lists: Vec::new(),
        dpop_verifiers: Vec::new(),
        caches: Vec::new(),
        verifiers: Vec::new(),
        keys: Vec::new(),
        made: Vec::new(),
        fresh: 0,
        summary: Summary::default(),
    };
    harness.prologue(session.prologue);
    for op in &session.ops {
        harness.apply(op);
    }
    harness.finish();
    harness.summary
}

/// A live validator, with the core validator that mirrors it when its policy is
/// known.
struct LiveValidator {
    ptr: *mut tg_validator,
    mirror: Option<Mirror>,
    /// The usable and skipped key counts of the key set in force.
    counts: Option<(usize, usize)>,
}

struct Harness {
    checker: Checker,
    validators: Vec<LiveValidator>,
    tokens: Vec<LiveToken>,
    lists: Vec<LiveRevocationList>,
    dpop_verifiers: Vec<LiveDpopVerifier>,
    caches: Vec<LiveReplayCache>,
    verifiers: Vec<LiveAssertionVerifier>,
    keys: Vec<LiveSigningKey>,
    /// The outputs of the signing functions, oldest first.
    made: Vec<Vec<u8>>,
    /// The number of fresh `jti_random` values made.
    fresh: u64,
    summary: Summary,
}

/// The target of unwritten handle out-parameters.
static UNWRITTEN: u8 = 0;

impl Harness {
    fn prologue(&mut self, prologue: Prologue) {
        let (config, jwks, token) = match prologue {
            Prologue::Profile => (0, JwksArg::Ed25519, 0),
            Prologue::Hmac => (1, JwksArg::Empty, 1),
            Prologue::Empty => return,
        };
        self.new_validator(&ConfigArg::Fixed(config), jwks, OutArg::Valid);
        let token = TokenArg::Fixed(token);
        self.validate(HandleArg::Newest, &token, NowArg::Fixed, OutArg::Valid);
        assert_eq!(
            self.tokens.len(),
            1,
            "the prologue's fixed token was rejected"
        );
        if let Prologue::Profile = prologue {
            self.profile_handles();
        }
    }

    /// Makes one handle of each other kind with fixed arguments.
    fn profile_handles(&mut self) {
        self.new_revocation_list(4, 4, OutArg::Valid);
        self.new_dpop_verifier(&args::Input::null(0), 60, 30, OutArg::Valid);
        self.new_replay_cache(8, OutArg::Valid);
        let audience = args::Input::owned(crate::AUDIENCE.as_bytes().to_vec());
        // "client-1" with the Ed25519 key, "client-2" with another key of its `kid`.
        let clients = ClientsArg::Fixed(0).input();
        self.new_assertion_verifier(
            &audience,
            &args::Input::null(0),
            300,
            30,
            &clients,
            OutArg::Valid,
        );
        self.key_from_jwk(signing::PrivateJwkArg::Ed25519, OutArg::Valid);
        let made = [
            self.lists.len(),
            self.dpop_verifiers.len(),
            self.caches.len(),
            self.verifiers.len(),
            self.keys.len(),
        ];
        assert_eq!(made, [1; 5], "the prologue's handles were rejected");
    }

    fn apply(&mut self, op: &Op<'_>) {
        match op {
            Op::NewValidator { config, jwks, out } => self.new_validator(config, *jwks, *out),
            Op::SetJwks { validator, jwks } => self.set_jwks(*validator, *jwks),
            Op::KeyCounts {
                validator,
                usable,
                skipped,
            } => {
                let index = validator.pick(self.validators.len());
                self.key_counts(index, *usable, *skipped);
            }
            Op::Validate {
                validator,
                token,
                now,
                out,
            } => self.validate(*validator, token, *now, *out),
            Op::ValidateAuthorization {
                validator,
                value,
                now,
                out,
            } => self.validate_authorization(*validator, value, *now, *out),
            Op::Token { token, call } => {
                let token = token.pick(self.tokens.len()).map(|i| &self.tokens[i]);
                token_calls::run(&mut self.checker, token, call);
            }
            Op::ParseAuthorization { value, outs } => {
                bearer::parse(&mut self.checker, value, *outs)
            }
            Op::WwwAuthenticate {
                status,
                realm,
                scope,
                buf,
            } => bearer::www_authenticate(&mut self.checker, status.value(), *realm, *scope, *buf),
            Op::LastErrorMessage { buf } => status::message(&mut self.checker, *buf),
            Op::LastErrorHttpStatus { out } => status::http_status(&mut self.checker, *out),
            Op::LastErrorBearerError { out } => status::bearer_error(&mut self.checker, *out),
            Op::LastErrorWwwAuthenticate { realm, scope, buf } => {
                status::www_authenticate(&mut self.checker, *realm, *scope, *buf);
            }
            Op::LastErrorOnNewThread => status::on_new_thread(&self.checker),
            Op::Status { status } => status::check_status_functions(status.value()),
            Op::FreeValidator { validator } => self.free_validator(*validator),
            Op::FreeToken { token } => self.free_token(*token),
            Op::ValidateIntrospection {
                validator,
                response,
                signed,
                now,
                out,
            } => self.validate_introspection(*validator, response, *signed, *now, *out),
            Op::ValidateCertificateBound {
                validator,
                token,
                certificate,
                now,
                out,
            } => self.validate_certificate_bound(*validator, token, certificate, *now, *out),
            Op::Revocation(op) => self.revocation(op),
            Op::Dpop(op) => self.dpop(op),
            Op::Signing(op) => self.signing(op),
            Op::Assertion(op) => self.assertion(op),
        }
    }

    fn free_validator(&mut self, validator: HandleArg) {
        match validator.pick(self.validators.len()) {
            // SAFETY: NULL is a no-op.
            None => unsafe { tg_validator_free(std::ptr::null_mut()) },
            Some(index) => {
                let live = self.validators.remove(index);
                // SAFETY: the validator is live and removed from the list, so it is
                // freed once.
                unsafe { tg_validator_free(live.ptr) };
            }
        }
    }

    fn free_token(&mut self, token: HandleArg) {
        match token.pick(self.tokens.len()) {
            // SAFETY: NULL is a no-op.
            None => unsafe { tg_token_free(std::ptr::null_mut()) },
            Some(index) => {
                let live = self.tokens.remove(index);
                // SAFETY: the token is live and removed from the list, so it is freed
                // once.
                unsafe { tg_token_free(live.ptr) };
            }
        }
    }

    /// Frees the validators and other handles first, then checks that every token
    /// still reads the same, and frees the tokens.
    fn finish(&mut self) {
        while !self.validators.is_empty() {
            self.free_validator(HandleArg::Newest);
        }
        while !self.lists.is_empty() {
            self.free_revocation_list(HandleArg::Newest);
        }
        let op = DpopOp::FreeVerifier {
            verifier: HandleArg::Newest,
        };
        while !self.dpop_verifiers.is_empty() {
            self.dpop(&op);
        }
        while !self.caches.is_empty() {
            self.free_replay_cache(HandleArg::Newest);
        }
        let op = AssertionOp::Free {
            verifier: HandleArg::Newest,
        };
        while !self.verifiers.is_empty() {
            self.assertion(&op);
        }
        let op = SigningOp::Free {
            key: HandleArg::Newest,
        };
        while !self.keys.is_empty() {
            self.signing(&op);
        }
        for index in 0..self.tokens.len() {
            let (header, payload) = self.read_parts(self.tokens[index].ptr);
            let token = &self.tokens[index];
            assert_eq!(
                header, token.header,
                "the header changed after the validator was freed"
            );
            assert_eq!(
                payload, token.payload,
                "the payload changed after the validator was freed"
            );
        }
        while !self.tokens.is_empty() {
            self.free_token(HandleArg::Newest);
        }
    }
}
