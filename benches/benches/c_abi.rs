//! The C ABI's cost: one `tg_validator_validate` call, plus the `tg_token_free`
//! every caller owes, against `Validator::validate` on the same policy, keys and
//! token.
//!
//! The C functions are called through `libtokenguard.so`, the cdylib that C and Go
//! programs link, so each call crosses a shared-library boundary (a PLT jump, no
//! inlining) as it does for them. build.rs points the linker at the copy cargo
//! builds for this crate. Both rows pass a fixed `now`, so neither reads a clock.
//!
//! Allocations: the library's Rust code allocates with its own copy of the system
//! allocator, which calls the C library's `malloc`. This binary therefore defines
//! `malloc`, `calloc`, `realloc` and `posix_memalign` itself, counts each call and
//! forwards it to glibc's `__libc_*` function. The dynamic linker binds the
//! library's calls to these definitions. The Rust rows are counted the
//! same way, because this binary keeps the default `System` allocator.

use std::ffi::c_void;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, Criterion};
use tokenguard::TokenBuffer;
use tokenguard_benches::allocations::Allocations;
use tokenguard_benches::fixtures::{Alg, Fixture, KeySet};
use tokenguard_benches::paired;
use tokenguard_benches::peers;
use tokenguard_benches::records::AllocationTable;
use tokenguard_benches::{AUDIENCE, ISSUER, LEEWAY_SECONDS};

/// The C ABI as `include/tokenguard.h` declares it.
#[allow(non_camel_case_types)]
mod ffi {
    /// `struct tg_validator`, opaque.
    #[repr(C)]
    pub struct tg_validator {
        _private: [u8; 0],
    }

    /// `struct tg_token`, opaque.
    #[repr(C)]
    pub struct tg_token {
        _private: [u8; 0],
    }

    /// `TG_OK`.
    pub const TG_OK: i32 = 0;

    #[link(name = "tokenguard", kind = "dylib")]
    extern "C" {
        pub fn tg_validator_new(
            config_ptr: *const u8,
            config_len: usize,
            jwks_ptr: *const u8,
            jwks_len: usize,
            out_validator: *mut *mut tg_validator,
        ) -> i32;
        pub fn tg_validator_validate(
            validator: *const tg_validator,
            token_ptr: *const u8,
            token_len: usize,
            now: i64,
            out_token: *mut *mut tg_token,
        ) -> i32;
        pub fn tg_validator_free(validator: *mut tg_validator);
        pub fn tg_token_free(token: *mut tg_token);
        pub fn tg_last_error_message(buf: *mut u8, buf_len: usize, out_len: *mut usize) -> i32;
    }
}

/// A validator made by `tg_validator_new`, freed on drop.
struct CValidator(*mut ffi::tg_validator);

impl CValidator {
    fn new(fixture: &Fixture) -> Self {
        let mut config = serde_json::json!({
            "issuers": [ISSUER],
            "audiences": [AUDIENCE],
            "algorithms": [fixture.alg.name()],
            "leeway": LEEWAY_SECONDS,
        });
        let jwks = match &fixture.key_set {
            KeySet::Jwks(jwks) => jwks.clone(),
            KeySet::Secrets(secrets) => {
                let secrets: Vec<_> = secrets
                    .iter()
                    .map(|(kid, secret)| {
                        serde_json::json!({
                            "kid": kid,
                            "alg": "HS256",
                            "secret_base64url": Base64UrlUnpadded::encode_string(secret),
                        })
                    })
                    .collect();
                config["hmac_secrets"] = secrets.into();
                String::new()
            }
        };
        let config = config.to_string();

        let mut validator = std::ptr::null_mut();
        // SAFETY: both inputs are valid for their lengths, and `validator` for a write.
        let status = unsafe {
            ffi::tg_validator_new(
                config.as_ptr(),
                config.len(),
                jwks.as_ptr(),
                jwks.len(),
                &mut validator,
            )
        };
        assert_eq!(status, ffi::TG_OK, "tg_validator_new: {}", last_error());
        Self(validator)
    }

    /// Validates `token` and frees the verified token, returning the status.
    fn validate(&self, token: &[u8], now: i64) -> i32 {
        let mut verified = std::ptr::null_mut();
        // SAFETY: the validator is live, `token` is valid for its length and
        // `verified` for a write.
        let status = unsafe {
            ffi::tg_validator_validate(self.0, token.as_ptr(), token.len(), now, &mut verified)
        };
        // SAFETY: `verified` is NULL or a token that this call owns; it is freed once.
        unsafe { ffi::tg_token_free(verified) };
        status
    }
}

impl Drop for CValidator {
    fn drop(&mut self) {
        // SAFETY: the validator came from `tg_validator_new` and is freed once.
        unsafe { ffi::tg_validator_free(self.0) };
    }
}

/// Returns the calling thread's last C ABI error message.
fn last_error() -> String {
    let mut message = vec![0u8; 1024];
    let mut len = 0;
    // SAFETY: `message` is valid for its length and `len` for a write.
    let status =
        unsafe { ffi::tg_last_error_message(message.as_mut_ptr(), message.len(), &mut len) };
    if status != ffi::TG_OK {
        return format!("(no message: status {status})");
    }
    message.truncate(len);
    String::from_utf8_lossy(&message).into_owned()
}

/// Time each paired comparison runs.
const PAIRED_BUDGET: Duration = Duration::from_millis(1000);

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn record(size: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

extern "C" {
    fn __libc_malloc(size: usize) -> *mut c_void;
    fn __libc_calloc(count: usize, size: usize) -> *mut c_void;
    fn __libc_realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
    fn __libc_memalign(alignment: usize, size: usize) -> *mut c_void;
}

/// Counts, then allocates with glibc's `malloc`.
///
/// # Safety
///
/// As for C `malloc`.
#[no_mangle]
pub unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    record(size);
    // SAFETY: the caller's contract is that of `malloc`.
    unsafe { __libc_malloc(size) }
}

/// Counts, then allocates with glibc's `calloc`.
///
/// # Safety
///
/// As for C `calloc`.
#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    record(count.saturating_mul(size));
    // SAFETY: the caller's contract is that of `calloc`.
    unsafe { __libc_calloc(count, size) }
}

/// Counts, then reallocates with glibc's `realloc`.
///
/// # Safety
///
/// As for C `realloc`.
#[no_mangle]
pub unsafe extern "C" fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void {
    record(size);
    // SAFETY: the caller's contract is that of `realloc`.
    unsafe { __libc_realloc(ptr, size) }
}

/// Counts, then allocates with glibc's `memalign`, with the argument checks of
/// POSIX `posix_memalign`.
///
/// # Safety
///
/// As for C `posix_memalign`.
#[no_mangle]
pub unsafe extern "C" fn posix_memalign(
    out: *mut *mut c_void,
    alignment: usize,
    size: usize,
) -> i32 {
    const EINVAL: i32 = 22;
    const ENOMEM: i32 = 12;
    if !alignment.is_power_of_two() || !alignment.is_multiple_of(std::mem::size_of::<*mut c_void>())
    {
        return EINVAL;
    }
    record(size);
    // SAFETY: `alignment` is a power of two, as `memalign` requires.
    let ptr = unsafe { __libc_memalign(alignment, size) };
    if ptr.is_null() {
        return ENOMEM;
    }
    // SAFETY: the caller promises `out` is valid for a write.
    unsafe { *out = ptr };
    0
}

/// Counts the `malloc`-level allocations of `call`, averaged over 100 calls after
/// one uncounted call.
fn allocations_per_call<R>(mut call: impl FnMut() -> R) -> Allocations {
    const CALLS: u32 = 100;
    black_box(call());
    ALLOCATIONS.store(0, Ordering::SeqCst);
    BYTES.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..CALLS {
        black_box(call());
    }
    COUNTING.store(false, Ordering::SeqCst);
    Allocations {
        count: ALLOCATIONS.load(Ordering::SeqCst) as f64 / f64::from(CALLS),
        bytes: BYTES.load(Ordering::SeqCst) as f64 / f64::from(CALLS),
    }
}

/// Checks that the interposed `malloc` counts the library's allocations. A
/// successful validation returns a heap-allocated `tg_token`, so it counts at least
/// one.
fn assert_library_allocations_counted(validator: &CValidator, fixture: &Fixture) {
    let counted =
        allocations_per_call(|| validator.validate(fixture.token.as_bytes(), fixture.now));
    assert!(
        counted.count >= 1.0,
        "libtokenguard.so's allocations are not counted; is malloc interposed?"
    );
}

struct Case {
    fixture: Fixture,
    validator: tokenguard::Validator,
    c_validator: CValidator,
}

fn benches(c: &mut Criterion) {
    let now = peers::now();
    let cases: Vec<Case> = Alg::ALL
        .iter()
        .map(|alg| {
            let fixture = Fixture::new(*alg, now);
            // The C library reads key sets with the default backend; compare like
            // with like.
            let validator = peers::tokenguard_validator(&fixture, tokenguard::Backend::DEFAULT);
            let c_validator = CValidator::new(&fixture);
            let mut buffer = TokenBuffer::new();
            validator
                .validate(&fixture.token, now, &mut buffer)
                .expect("Rust validation accepts the token");
            let status = c_validator.validate(fixture.token.as_bytes(), now);
            assert_eq!(status, ffi::TG_OK, "C validation: {}", last_error());
            let status = c_validator.validate(fixture.wrong_audience_token.as_bytes(), now);
            assert_ne!(
                status,
                ffi::TG_OK,
                "C validation accepts the wrong audience"
            );
            Case {
                fixture,
                validator,
                c_validator,
            }
        })
        .collect();
    assert_library_allocations_counted(&cases[0].c_validator, &cases[0].fixture);

    let mut buffer = TokenBuffer::new();
    let rust = |case: &Case, buffer: &mut TokenBuffer| {
        case.validator
            .validate(black_box(&case.fixture.token), case.fixture.now, buffer)
            .is_ok()
    };
    let rust_new_buffer = |case: &Case| {
        let mut buffer = TokenBuffer::new();
        case.validator
            .validate(
                black_box(&case.fixture.token),
                case.fixture.now,
                &mut buffer,
            )
            .is_ok()
    };
    let c_abi = |case: &Case| {
        let status = case
            .c_validator
            .validate(black_box(case.fixture.token.as_bytes()), case.fixture.now);
        assert_eq!(status, ffi::TG_OK);
    };

    let mut table = AllocationTable::default();
    for case in &cases {
        let group = format!("c_abi/{}", case.fixture.alg.name());
        table.push(
            &group,
            "Rust",
            allocations_per_call(|| rust(case, &mut buffer)),
        );
        table.push(
            &group,
            "Rust, new TokenBuffer",
            allocations_per_call(|| rust_new_buffer(case)),
        );
        table.push(&group, "C ABI", allocations_per_call(|| c_abi(case)));
    }
    table.finish("c_abi");

    // The overhead is a few hundred nanoseconds at most, which the spread of two
    // separate criterion rows on a shared machine can hide; paired batches resolve it.
    // The second pair shows how much of the overhead is the new TokenBuffer that
    // the C function zeroes on its stack for every call.
    let mut pairs = Vec::new();
    for case in &cases {
        let group = format!("c_abi/{}", case.fixture.alg.name());
        let mut buffer = TokenBuffer::new();
        pairs.push(paired::compare(
            (&group, "Rust", "C ABI"),
            PAIRED_BUDGET,
            || rust(case, &mut buffer),
            || c_abi(case),
        ));
        pairs.push(paired::compare(
            (&group, "Rust", "Rust, new TokenBuffer"),
            PAIRED_BUDGET,
            || rust(case, &mut buffer),
            || rust_new_buffer(case),
        ));
    }
    paired::finish("c_abi", &pairs);

    for case in &cases {
        let mut group = c.benchmark_group(format!("c_abi/{}", case.fixture.alg.name()));
        group.bench_function("Rust", |b| b.iter(|| rust(case, &mut buffer)));
        group.bench_function("Rust, new TokenBuffer", |b| {
            b.iter(|| rust_new_buffer(case))
        });
        group.bench_function("C ABI", |b| b.iter(|| c_abi(case)));
        group.finish();
    }
}

criterion_group! {
    name = c_abi;
    config = tokenguard_benches::criterion();
    targets = benches
}
criterion_main!(c_abi);
