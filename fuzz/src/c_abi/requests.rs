//! The arguments of the introspection, certificate-bound, DPoP, revocation, signing
//! and client assertion operations: fixed values, values the session made, and raw
//! bytes.

use arbitrary::Arbitrary;

use super::args::{BytesArg, Input};
use super::fixtures::{self, CERTIFICATE, DPOP_BOUND_TOKEN, OTHER_ISSUER, REQUEST_URI};
use crate::{AUDIENCE, ISSUER};

/// Algorithm lists of the DPoP and client assertion verifiers, some rejected.
pub const ALGORITHM_LISTS: [&str; 8] = [
    "",
    "EdDSA",
    "ES256 EdDSA",
    "HS256",
    "ES256  EdDSA",
    "none",
    "RS256 PS256 ES256 ES384 EdDSA Ed25519",
    "ES512",
];

/// Algorithm names of the signing functions; the empty name picks the key's.
pub const ALGORITHMS: [&str; 12] = [
    "", "EdDSA", "Ed25519", "ES256", "ES384", "RS256", "PS256", "HS256", "HS384", "HS512", "none",
    "es256",
];

/// Request methods.
pub const METHODS: [&str; 4] = ["GET", "POST", "get", ""];

/// Request URIs.
pub const URIS: [&str; 4] = [
    REQUEST_URI,
    "https://api.tokenguard.test/orders?page=2#top",
    "https://other.tokenguard.test/orders",
    "",
];

/// DPoP nonces; the empty one requires none.
pub const NONCES: [&str; 2] = ["", "nonce-1"];

/// Issuers.
pub const ISSUERS: [&str; 3] = [ISSUER, OTHER_ISSUER, ""];

/// `jti` values of the fixed tokens, and the empty one.
pub const JTIS: [&str; 4] = ["jti-/1", "bound-dpop", "bound-mtls", ""];

/// Subjects of the fixed tokens, and the empty one.
pub const SUBJECTS: [&str; 4] = ["user-\u{e9} 42", "svc", "user-7", ""];

/// Audience lists of the client assertion verifier, and single audiences.
pub const AUDIENCES: [&str; 4] = [
    AUDIENCE,
    "https://issuer.tokenguard.test https://api.tokenguard.test",
    "",
    " ",
];

/// Client identifiers.
pub const CLIENT_IDS: [&str; 3] = ["client-1", "", "client-2"];

/// `typ` values of `tg_signing_key_sign_jws`; the empty one writes none.
pub const TYPES: [&str; 4] = ["", "at+jwt", "dpop+jwt", "JWT"];

/// Key identifiers; the empty one keeps the key's.
pub const KIDS: [&str; 3] = ["", "made-1", "ed25519-1"];

/// A text argument: one of a list of known values, or raw bytes.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum TextArg<'a> {
    /// A known value by position, modulo their number.
    Known(u8),
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl TextArg<'_> {
    /// Returns the input to pass, picking from `known`.
    pub fn input(self, known: &[&str]) -> Input {
        match self {
            Self::Known(index) => {
                let text = known[usize::from(index) % known.len()];
                Input::owned(text.as_bytes().to_vec())
            }
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}

/// A table capacity.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum CapacityArg {
    /// A small capacity, so that tables fill.
    Small(u8),
    /// The largest capacity accepted, 4194304.
    Limit,
    /// One more than the largest, which is rejected.
    OverLimit,
    /// Any capacity.
    Any(usize),
}

impl CapacityArg {
    /// Returns the capacity to pass.
    pub fn value(self) -> usize {
        match self {
            Self::Small(capacity) => usize::from(capacity % 8),
            Self::Limit => tokenguard::MAX_REPLAY_ENTRIES,
            Self::OverLimit => tokenguard::MAX_REPLAY_ENTRIES + 1,
            Self::Any(capacity) => capacity,
        }
    }
}

/// A number of seconds: a lifetime, maximum age or leeway.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum SecondsArg {
    /// The core's default for the argument.
    Default,
    /// Up to 65535 seconds.
    Small(u16),
    /// Any number.
    Any(u32),
}

impl SecondsArg {
    /// Returns the seconds to pass, `default` for [`SecondsArg::Default`].
    pub fn value(self, default: u32) -> u32 {
        match self {
            Self::Default => default,
            Self::Small(seconds) => u32::from(seconds),
            Self::Any(seconds) => seconds,
        }
    }
}

/// The `jti_random` of a proof or client assertion.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum JtiArg<'a> {
    /// 16 bytes that no earlier call of the session passed.
    Fresh,
    /// This many bytes, modulo 80, that are the same in every call: a replay.
    Repeated(u8),
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl JtiArg<'_> {
    /// Returns the input to pass; `counter` numbers the fresh values.
    pub fn input(self, counter: &mut u64) -> Input {
        match self {
            Self::Fresh => {
                *counter += 1;
                let mut bytes = counter.to_le_bytes().to_vec();
                bytes.extend_from_slice(b"fresh jt");
                Input::owned(bytes)
            }
            Self::Repeated(len) => Input::owned(vec![0x4a; usize::from(len % 80)]),
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}

/// A proof, client assertion or JWS that an earlier signing call returned, or raw
/// bytes.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum MadeArg<'a> {
    /// An output of the signing functions by position from the newest, modulo
    /// their number; the empty input when there is none.
    Made(u8),
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl MadeArg<'_> {
    /// Returns the input to pass, picking from `made`, oldest first.
    pub fn input(self, made: &[Vec<u8>]) -> Input {
        match self {
            Self::Made(_) if made.is_empty() => Input::owned(Vec::new()),
            Self::Made(index) => {
                let back = usize::from(index) % made.len();
                Input::owned(made[made.len() - 1 - back].clone())
            }
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}

/// Returns a fixed token counted from the DPoP-bound one, modulo their number.
fn bound_token(offset: u8) -> &'static str {
    let tokens = fixtures::tokens();
    &tokens[(DPOP_BOUND_TOKEN + usize::from(offset)) % tokens.len()].text
}

/// The `Authorization` value of a DPoP request.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum DpopAuthArg<'a> {
    /// `DPoP` and a fixed token counted from the DPoP-bound one.
    Dpop(u8),
    /// `Bearer` and a fixed token counted from the DPoP-bound one.
    Bearer(u8),
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl DpopAuthArg<'_> {
    /// Returns the value to pass.
    pub fn input(self) -> Input {
        match self {
            Self::Dpop(offset) => Input::owned(format!("DPoP {}", bound_token(offset)).into()),
            Self::Bearer(offset) => Input::owned(format!("Bearer {}", bound_token(offset)).into()),
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}

/// The access token a DPoP proof covers with `ath`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum AccessTokenArg<'a> {
    /// A fixed token counted from the DPoP-bound one.
    Fixed(u8),
    /// None: the proof has no `ath`.
    Absent,
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl AccessTokenArg<'_> {
    /// Returns the token to pass.
    pub fn input(self) -> Input {
        match self {
            Self::Fixed(offset) => Input::owned(bound_token(offset).as_bytes().to_vec()),
            Self::Absent => Input::null(0),
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}

/// The client certificate of a certificate-bound validation.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum CertArg<'a> {
    /// The certificate the fixed bound token names.
    Fixed,
    /// That certificate with one byte replaced.
    Changed {
        /// The position, modulo the length.
        at: u8,
        /// The new byte.
        byte: u8,
    },
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl CertArg<'_> {
    /// Returns the certificate to pass.
    pub fn input(self) -> Input {
        match self {
            Self::Fixed => Input::owned(CERTIFICATE.to_vec()),
            Self::Changed { at, byte } => {
                let mut bytes = CERTIFICATE.to_vec();
                bytes[usize::from(at) % CERTIFICATE.len()] = byte;
                Input::owned(bytes)
            }
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}

/// An introspection response, plain or signed.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum IntrospectionArg<'a> {
    /// A fixed response by position, modulo their number.
    Fixed(u8),
    /// A fixed response with one byte replaced.
    Changed {
        /// The fixed response, modulo their number.
        base: u8,
        /// The position, modulo the length.
        at: u16,
        /// The new byte.
        byte: u8,
    },
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl IntrospectionArg<'_> {
    /// Returns the response to pass.
    pub fn input(self) -> Input {
        let responses = fixtures::introspection_responses();
        let fixed = |index: u8| responses[usize::from(index) % responses.len()].as_bytes();
        match self {
            Self::Fixed(index) => Input::owned(fixed(index).to_vec()),
            Self::Changed { base, at, byte } => {
                let mut bytes = fixed(base).to_vec();
                let at = usize::from(at) % bytes.len();
                bytes[at] = byte;
                Input::owned(bytes)
            }
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}
