//! A `#![no_std]` program that links tokenguard, validates embedded tokens and
//! signs one with a generated key, so the linker has to resolve the whole
//! validation path and the signing path without std.
//!
//! It brings what std would otherwise provide: a panic handler, a global allocator
//! (a bump allocator over a static array) and the two unwinding symbols the
//! prebuilt `liballoc` refers to. libc supplies the C runtime that calls `main`,
//! plus `write`, `abort` and the memory functions. Linking libc does not link
//! Rust's std.
//!
//! The program exits with status 0 when every check passes. At the first failed
//! check it writes one line to standard error and exits with that check's status.
//! tokenguard's `tests/no_std.rs` builds and runs it. The key set, secret and
//! tokens in `fixtures/` are written by that file's ignored test
//! `write_no_std_link_fixtures`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void};
use core::fmt::{self, Write as _};
use core::panic::PanicInfo;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};

use tokenguard::{
    AlgSet, Algorithm, Error, HeaderParams, Jwk, JwkSet, Policy, PolicyBuilder, Profile,
    SigningKey, TokenBuffer, Validator,
};

/// Issuer and audience of the fixture tokens, as `../signing/mod.rs` writes them.
const ISSUER: &str = "https://issuer.tokenguard.test";
const AUDIENCE: &str = "https://api.tokenguard.test";

/// Validation time: 2026-01-01T00:00:00Z, within the fixture tokens' lifetime.
const NOW: i64 = 1_767_225_600;

/// A time one day later, when every fixture token has expired.
const ONE_DAY_LATER: i64 = NOW + 86_400;

/// Public keys that verify [`PUBLIC_KEY_TOKENS`].
const KEY_SET: &[u8] = include_bytes!("../fixtures/jwks.json");

/// Tokens signed with the private halves of [`KEY_SET`], with their file names.
const PUBLIC_KEY_TOKENS: [(&str, &str); 3] = [
    ("es256.jwt", include_str!("../fixtures/es256.jwt")),
    ("eddsa.jwt", include_str!("../fixtures/eddsa.jwt")),
    ("rs256.jwt", include_str!("../fixtures/rs256.jwt")),
];

/// The configured HMAC secret that signs [`HS256_TOKEN`], and its `kid`.
const HS256_SECRET: &str = include_str!("../fixtures/hs256-secret.txt");
const HS256_KID: &str = "hs256-1";
const HS256_TOKEN: (&str, &str) = ("hs256.jwt", include_str!("../fixtures/hs256.jwt"));

/// Largest token the program copies to corrupt its signature, in bytes.
const MAX_TOKEN_BYTES: usize = 4096;

// Exit statuses, one per failed check.
const EXIT_KEY_SET_REJECTED: c_int = 2;
const EXIT_POLICY_REJECTED: c_int = 3;
const EXIT_SECRET_REJECTED: c_int = 4;
const EXIT_VALID_TOKEN_REJECTED: c_int = 5;
const EXIT_WRONG_ISSUER_READ: c_int = 6;
const EXIT_CORRUPTED_TOKEN_NOT_REJECTED: c_int = 7;
const EXIT_EXPIRED_TOKEN_NOT_REJECTED: c_int = 8;
const EXIT_CANNOT_CORRUPT_TOKEN: c_int = 9;
const EXIT_SIGNING_FAILED: c_int = 10;

#[link(name = "c")]
extern "C" {
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn abort() -> !;
}

#[no_mangle]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    match run() {
        Ok(validated) => {
            let used = HEAP.next.load(Ordering::Relaxed);
            let _ = writeln!(
                Stdout,
                "{validated} tokens validated; heap used: {used} of {HEAP_BYTES} bytes"
            );
            0
        }
        Err(failure) => {
            let _ = writeln!(Stderr, "tokenguard-no-std-link: {failure}");
            failure.status
        }
    }
}

/// A failed check: the exit status, the token concerned, and what went wrong.
struct Failure {
    status: c_int,
    subject: &'static str,
    problem: &'static str,
    error: Option<Error>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.problem)?;
        if let Some(error) = &self.error {
            write!(f, ": {} ({error:?})", error.name())?;
        }
        Ok(())
    }
}

/// Builds both validators and checks every fixture token, returning how many
/// validated.
fn run() -> Result<usize, Failure> {
    let setup_failure = |status, subject, problem| {
        move |error| Failure {
            status,
            subject,
            problem,
            error: Some(error),
        }
    };

    let keys = JwkSet::from_json(KEY_SET).map_err(setup_failure(
        EXIT_KEY_SET_REJECTED,
        "jwks.json",
        "key set rejected",
    ))?;
    let algorithms = AlgSet::of(&[Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256]);
    let policy = policy_builder()
        .algorithms(algorithms)
        .build()
        .map_err(setup_failure(
            EXIT_POLICY_REJECTED,
            "public key policy",
            "policy rejected",
        ))?;
    let public_keys = Validator::new(policy, keys);

    let secret = Jwk::hmac_secret(
        Some(HS256_KID),
        Algorithm::HS256,
        HS256_SECRET.trim_ascii().as_bytes(),
    )
    .and_then(|key| JwkSet::from_keys(vec![key]))
    .map_err(setup_failure(
        EXIT_SECRET_REJECTED,
        "hs256-secret.txt",
        "secret rejected",
    ))?;
    let policy = policy_builder()
        .algorithms(AlgSet::of(&[Algorithm::HS256]))
        .build()
        .map_err(setup_failure(
            EXIT_POLICY_REJECTED,
            "secret policy",
            "policy rejected",
        ))?;
    let secret_keys = Validator::new(policy, secret);

    for (name, token) in PUBLIC_KEY_TOKENS {
        check_token(&public_keys, name, token.trim_ascii())?;
    }
    let (name, token) = HS256_TOKEN;
    check_token(&secret_keys, name, token.trim_ascii())?;
    check_signing()?;
    Ok(PUBLIC_KEY_TOKENS.len() + 2)
}

/// Generates an ES256 key, which draws on ring's system random number generator,
/// signs an access token with it, and checks that token as [`check_token`] does.
fn check_signing() -> Result<(), Failure> {
    let subject = "generated ES256 key";
    let failed = |problem| {
        move |error| Failure {
            status: EXIT_SIGNING_FAILED,
            subject,
            problem,
            error: Some(error),
        }
    };
    let key = SigningKey::generate(Algorithm::ES256)
        .map_err(failed("key generation failed"))?
        .into_signing_key();
    let claims = alloc::format!(
        "{{\"iss\":\"{ISSUER}\",\"sub\":\"no-std\",\"aud\":\"{AUDIENCE}\",\
         \"exp\":{},\"iat\":{NOW},\"jti\":\"no-std-1\",\"client_id\":\"no-std\",\
         \"scope\":\"orders:read\"}}",
        NOW + 600
    );
    let header = HeaderParams {
        typ: Some("at+jwt"),
        kid: Some("generated-1"),
        embed_jwk: false,
    };
    let token = key
        .sign_jws(Algorithm::ES256, &header, claims.as_bytes())
        .map_err(failed("signing failed"))?;

    let public = key.public_jwk(Some("generated-1"), Some(Algorithm::ES256));
    let keys = public
        .ok_or(Error::SigningFailed)
        .and_then(|jwk| Jwk::from_json(jwk.as_bytes()))
        .and_then(|jwk| JwkSet::from_keys(vec![jwk]))
        .map_err(failed("public JWK rejected"))?;
    let policy = policy_builder()
        .algorithms(AlgSet::of(&[Algorithm::ES256]))
        .build()
        .map_err(failed("policy rejected"))?;
    check_token(&Validator::new(policy, keys), subject, &token)
}

/// Starts the policy both validators share: RFC 9068 access tokens from
/// [`ISSUER`] for [`AUDIENCE`] that grant `orders:read`.
fn policy_builder() -> PolicyBuilder {
    Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .profile(Profile::Rfc9068)
        .require_scope("orders:read")
}

/// Checks that `token` validates at [`NOW`], and is rejected with its signature
/// corrupted or one day later.
fn check_token(validator: &Validator, name: &'static str, token: &str) -> Result<(), Failure> {
    let failure = |status, problem, error| Failure {
        status,
        subject: name,
        problem,
        error,
    };
    let mut buffer = TokenBuffer::new();

    let verified = match validator.validate(token, NOW, &mut buffer) {
        Ok(verified) => verified,
        Err(error) => {
            let problem = "valid token rejected";
            return Err(failure(EXIT_VALID_TOKEN_REJECTED, problem, Some(error)));
        }
    };
    let issuer = verified.claims().issuer();
    if !issuer.is_some_and(|iss| iss.eq_str(ISSUER)) {
        let problem = "issuer not read back from the claims";
        return Err(failure(EXIT_WRONG_ISSUER_READ, problem, None));
    }

    let mut copy = [0u8; MAX_TOKEN_BYTES];
    let corrupted = corrupt_signature(token, &mut copy).ok_or(failure(
        EXIT_CANNOT_CORRUPT_TOKEN,
        "token too long to copy, or without a signature to corrupt",
        None,
    ))?;
    match validator.validate(corrupted, NOW, &mut buffer) {
        Err(Error::BadSignature) => {}
        other => {
            let problem = "corrupted signature not rejected as bad_signature";
            return Err(failure(
                EXIT_CORRUPTED_TOKEN_NOT_REJECTED,
                problem,
                other.err(),
            ));
        }
    }

    match validator.validate(token, ONE_DAY_LATER, &mut buffer) {
        Err(Error::Expired { .. }) => Ok(()),
        other => Err(failure(
            EXIT_EXPIRED_TOKEN_NOT_REJECTED,
            "token not rejected as expired one day later",
            other.err(),
        )),
    }
}

/// Copies `token` into `copy` with one signature character changed, and returns
/// the copy.
///
/// The changed character is the fifth of the signature, never its last one, whose
/// unused low bits would make the encoding non-canonical and the token malformed
/// rather than wrongly signed.
fn corrupt_signature<'c>(token: &str, copy: &'c mut [u8]) -> Option<&'c [u8]> {
    let copy = copy.get_mut(..token.len())?;
    copy.copy_from_slice(token.as_bytes());

    let signature_start = token.rfind('.')? + 1;
    let at = signature_start + 4;
    if at + 1 >= token.len() {
        return None;
    }
    copy[at] = if copy[at] == b'A' { b'B' } else { b'A' };
    Some(copy)
}

/// Size of the heap in bytes. Building both validators and checking every token
/// used 9,680 bytes with tokenguard 0.1.0 and ring 0.17.14. The program prints the
/// amount on each run, and aborts with a panic message when the heap runs out.
const HEAP_BYTES: usize = 64 * 1024;

/// A bump allocator over a static array: each allocation takes the next free,
/// suitably aligned bytes, and freed memory is never reused, which suits a program
/// that runs a few checks and exits.
struct BumpHeap {
    bytes: UnsafeCell<[u8; HEAP_BYTES]>,
    /// Offset of the first free byte.
    next: AtomicUsize,
}

// SAFETY: `alloc` hands out each byte range at most once, claimed by an atomic
// compare-exchange on `next`, so threads never receive overlapping memory.
unsafe impl Sync for BumpHeap {}

// SAFETY: returned blocks lie inside `bytes`, are aligned as `layout` requires, do
// not overlap, and stay valid for the life of the program. When the heap runs out,
// `alloc` returns null.
unsafe impl GlobalAlloc for BumpHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.bytes.get().cast::<u8>();
        let mut next = self.next.load(Ordering::Relaxed);
        loop {
            // Align the address, not the offset: the array itself is only byte-aligned.
            let address = base as usize + next;
            let start = next + (address.next_multiple_of(layout.align()) - address);
            let end = match start.checked_add(layout.size()) {
                Some(end) if end <= HEAP_BYTES => end,
                _ => return ptr::null_mut(),
            };
            match self
                .next
                .compare_exchange_weak(next, end, Ordering::Relaxed, Ordering::Relaxed)
            {
                // SAFETY: `start..end` lies within `bytes`, as checked above.
                Ok(_) => return unsafe { base.add(start) },
                Err(current) => next = current,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static HEAP: BumpHeap = BumpHeap {
    bytes: UnsafeCell::new([0; HEAP_BYTES]),
    next: AtomicUsize::new(0),
};

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    let _ = writeln!(Stderr, "tokenguard-no-std-link: {info}");
    // SAFETY: `abort` takes no arguments and never returns.
    unsafe { abort() }
}

// The prebuilt `liballoc` of stable Rust is compiled for unwinding and refers to
// both symbols, `libcore` to the first. With `panic = "abort"` nothing calls them,
// but the link fails on any reference that survives section garbage collection:
// with Rust 1.95 that is `rust_eh_personality`, and `_Unwind_Resume` once a linked
// `liballoc` function keeps its landing pad.
#[no_mangle]
extern "C" fn rust_eh_personality() {}

#[allow(non_snake_case)]
#[no_mangle]
extern "C" fn _Unwind_Resume() {}

/// Standard output, written through libc.
struct Stdout;

/// Standard error, written through libc.
struct Stderr;

impl fmt::Write for Stdout {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        write_all(1, text)
    }
}

impl fmt::Write for Stderr {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        write_all(2, text)
    }
}

fn write_all(fd: c_int, text: &str) -> fmt::Result {
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        // SAFETY: `rest` is a live byte slice of `rest.len()` readable bytes.
        let written = unsafe { write(fd, rest.as_ptr().cast(), rest.len()) };
        let written = usize::try_from(written).map_err(|_| fmt::Error)?;
        if written == 0 {
            return Err(fmt::Error);
        }
        rest = &rest[written..];
    }
    Ok(())
}
