//! Counts heap allocations while an already-built [`Validator`] validates tokens.
//!
//! The global allocator of this test binary counts every allocation in counters
//! local to the calling thread, so tests running in parallel threads do not see
//! each other's allocations. tokenguard itself must allocate nothing on the
//! validation path, for valid and rejected tokens alike. RSA verification in ring and
//! in the RustCrypto `rsa` crate allocates internally, so for RSA the expected count
//! is the backend's count times the number of signature checks.

mod signing;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use signing::{SigningKey, AUDIENCE, ISSUER, LIFETIME_SECONDS, NOW};
use tokenguard::{
    AlgSet, Algorithm, Backend, Error, ExpiryRule, Fault, JwkSet, Part, Policy, Profile,
    RevocationList, TokenBuffer, Validator,
};

/// Validations measured per case, after one warm-up validation.
const ROUNDS: u64 = 100;

/// Heap allocations in one RSA verification with a 2048-bit key in ring 0.17.14,
/// which rebuilds the public key from `n` and `e` every time.
const RING_RSA_2048_ALLOCATIONS: u64 = 5;

/// Bytes those allocations request: five buffers of the 256-byte modulus size.
const RING_RSA_2048_BYTES: u64 = 5 * 256;

/// Heap allocations and bytes of one 2048-bit RS256 verification with the
/// RustCrypto backend (rsa 0.10.0, whose big integers live on the heap).
const RUST_CRYPTO_RS256_2048: Counts = Counts {
    allocations: 32,
    bytes: 7750,
};

/// The same for PS256, which also allocates for the mask generation.
const RUST_CRYPTO_PS256_2048: Counts = Counts {
    allocations: 35,
    bytes: 7932,
};

/// Allocation counters of one thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    allocations: u64,
    /// Bytes requested by those calls, the new size for `realloc`.
    bytes: u64,
}

thread_local! {
    static COUNTS: Cell<Counts> = const {
        Cell::new(Counts {
            allocations: 0,
            bytes: 0,
        })
    };
}

/// The system allocator, counting allocations per thread.
struct CountingAllocator;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn record(bytes: usize) {
    // `try_with`, because a thread may still allocate after its locals are gone.
    let _ = COUNTS.try_with(|counts| {
        let old = counts.get();
        counts.set(Counts {
            allocations: old.allocations + 1,
            bytes: old.bytes + bytes as u64,
        });
    });
}

// SAFETY: every call is forwarded unchanged to `System`. Counting touches only a
// thread-local `Cell`, which needs no allocation.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn counts() -> Counts {
    COUNTS.with(Cell::get)
}

/// The entry point a case goes through.
#[derive(Clone, Copy)]
enum Input {
    /// [`Validator::validate`] with a compact JWS.
    Token,
    /// [`Validator::validate_authorization`] with an `Authorization` header value.
    AuthorizationHeader,
}

/// One token to validate, with the outcome it must have.
struct Case {
    name: &'static str,
    input: Input,
    /// The compact JWS, or the header value for [`Input::AuthorizationHeader`].
    token: String,
    now: i64,
    expected: Result<(), Error>,
    /// Signature checks the validation runs, each a ring verification.
    signature_checks: u64,
}

/// Validates `case.token` once to warm up, then [`ROUNDS`] times while counting,
/// and returns the counts per validation.
///
/// Every validation must have the expected outcome; comparing outcomes allocates
/// nothing, so only the validations are counted.
fn measure(validator: &Validator, case: &Case) -> Counts {
    let mut buffer = TokenBuffer::new();
    let warm_up = validate(validator, case, &mut buffer);
    assert_eq!(warm_up, case.expected, "{}: warm-up", case.name);

    let mut unexpected = 0;
    let before = counts();
    for _ in 0..ROUNDS {
        if validate(validator, black_box(case), &mut buffer) != case.expected {
            unexpected += 1;
        }
    }
    let after = counts();
    assert_eq!(unexpected, 0, "{}: unexpected outcomes", case.name);

    let allocations = after.allocations - before.allocations;
    let bytes = after.bytes - before.bytes;
    assert_eq!(
        allocations % ROUNDS,
        0,
        "{}: {allocations} allocations",
        case.name
    );
    assert_eq!(bytes % ROUNDS, 0, "{}: {bytes} bytes", case.name);
    Counts {
        allocations: allocations / ROUNDS,
        bytes: bytes / ROUNDS,
    }
}

fn validate(validator: &Validator, case: &Case, buffer: &mut TokenBuffer) -> Result<(), Error> {
    let outcome = match case.input {
        Input::Token => validator.validate(&case.token, case.now, buffer),
        Input::AuthorizationHeader => {
            validator.validate_authorization(&case.token, case.now, buffer)
        }
    };
    outcome.map(|_| ())
}

/// Builds a validator for `alg` over three keys, `key-1` to `key-3`, of which
/// `key-2` signs, and checks the allocations of valid and rejected tokens.
fn check_algorithm(alg: Algorithm) {
    let keys: Vec<SigningKey> = (1..=3)
        .map(|n| SigningKey::for_algorithm(alg, &format!("key-{n}"), n))
        .collect();
    let signer = &keys[1];
    let key_set = if signer.is_secret() {
        JwkSet::from_keys(keys.iter().map(SigningKey::verifying_jwk).collect())
    } else {
        let jwks: Vec<String> = keys.iter().map(SigningKey::public_jwk).collect();
        JwkSet::from_json(signing::key_set_json(&jwks).as_bytes())
    }
    .expect("building the key set");
    assert_eq!(key_set.keys().len(), 3, "{alg}: usable keys");

    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .algorithms(AlgSet::of(&[alg]))
        .profile(Profile::Rfc9068)
        .require_scope("orders:read")
        .require_scope("orders:write")
        .build()
        .expect("building the policy");
    let validator = Validator::new(policy, key_set);

    let claims = signing::access_token_claims(NOW - 60);
    let token = signer.sign_access_token(&claims);
    let header_without_kid = signing::access_token_header(alg, None);
    let header_unknown_kid = signing::access_token_header(alg, Some("key-9"));
    let expired_at = NOW - 60 + LIFETIME_SECONDS;
    let late = expired_at + 3600;

    let cases = [
        Case {
            name: "valid",
            input: Input::Token,
            token: token.clone(),
            now: NOW,
            expected: Ok(()),
            signature_checks: 1,
        },
        Case {
            name: "valid authorization header",
            input: Input::AuthorizationHeader,
            token: format!("Bearer {token}"),
            now: NOW,
            expected: Ok(()),
            signature_checks: 1,
        },
        // Without `kid`, keys are tried in `kid` order: `key-1` fails, `key-2` verifies.
        Case {
            name: "valid without kid",
            input: Input::Token,
            token: signer.sign_compact(&header_without_kid, &claims),
            now: NOW,
            expected: Ok(()),
            signature_checks: 2,
        },
        Case {
            name: "bad signature",
            input: Input::Token,
            token: signing::with_corrupted_signature(&token),
            now: NOW,
            expected: Err(Error::BadSignature),
            signature_checks: 1,
        },
        Case {
            name: "expired",
            input: Input::Token,
            token: token.clone(),
            now: late,
            expected: Err(Error::Expired {
                rule: ExpiryRule::Exp,
                at: expired_at,
                now: late,
            }),
            signature_checks: 1,
        },
        Case {
            name: "unknown kid",
            input: Input::Token,
            token: signer.sign_compact(&header_unknown_kid, &claims),
            now: NOW,
            expected: Err(Error::UnknownKid),
            signature_checks: 0,
        },
        Case {
            name: "two segments",
            input: Input::Token,
            token: token.rsplit_once('.').unwrap().0.to_string(),
            now: NOW,
            expected: Err(Error::Malformed {
                part: Part::Token,
                fault: Fault::SegmentCount,
            }),
            signature_checks: 0,
        },
    ];

    // aws-lc-rs allocates through C's malloc, which this counter does not see.
    let per_check = match (alg, Backend::DEFAULT.name()) {
        (Algorithm::RS256 | Algorithm::PS256, "ring") => Counts {
            allocations: RING_RSA_2048_ALLOCATIONS,
            bytes: RING_RSA_2048_BYTES,
        },
        (Algorithm::RS256, "rust-crypto") => RUST_CRYPTO_RS256_2048,
        (Algorithm::PS256, "rust-crypto") => RUST_CRYPTO_PS256_2048,
        _ => Counts::default(),
    };
    for case in &cases {
        let measured = measure(&validator, case);
        println!(
            "{alg} {}: {} allocations, {} bytes per validation",
            case.name, measured.allocations, measured.bytes
        );
        let checks = case.signature_checks;
        let expected = Counts {
            allocations: checks * per_check.allocations,
            bytes: checks * per_check.bytes,
        };
        // The rsa crate allocates less when a signature fails early (where depends on
        // the corrupted byte and, for PSS, on the random salt), so with it the count
        // of a valid signature is the most a check may allocate.
        let within = if Backend::DEFAULT.name() == "rust-crypto" {
            measured.allocations <= expected.allocations && measured.bytes <= expected.bytes
        } else {
            measured == expected
        };
        assert!(
            within,
            "{alg} {}: {measured:?} per validation, expected {expected:?}",
            case.name
        );
    }
}

#[test]
fn hs256_allocates_nothing() {
    check_algorithm(Algorithm::HS256);
}

#[test]
fn hs384_allocates_nothing() {
    check_algorithm(Algorithm::HS384);
}

#[test]
fn es256_allocates_nothing() {
    check_algorithm(Algorithm::ES256);
}

#[test]
fn es384_allocates_nothing() {
    check_algorithm(Algorithm::ES384);
}

#[test]
fn eddsa_allocates_nothing() {
    check_algorithm(Algorithm::EdDSA);
}

#[test]
fn ed25519_allocates_nothing() {
    check_algorithm(Algorithm::Ed25519);
}

#[test]
fn rs256_allocates_only_in_ring() {
    check_algorithm(Algorithm::RS256);
}

#[test]
fn ps256_allocates_only_in_ring() {
    check_algorithm(Algorithm::PS256);
}

/// Introspection responses are read in place, and the revocation list's tables
/// were reserved when it was built: checking and revoking allocate nothing.
#[test]
fn introspection_and_revocation_allocate_nothing() {
    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .require_scope("orders:read")
        .build()
        .expect("building the policy");
    let keys = JwkSet::from_json(br#"{"keys":[]}"#).expect("building the key set");
    let validator = Validator::new(policy, keys);
    let exp = NOW + LIFETIME_SECONDS;
    let bodies: Vec<String> = (0..ROUNDS)
        .map(|i| {
            format!(
                r#"{{"active":true,"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{exp},"iat":{NOW},"sub":"user-{i}","jti":"tok-{i}","scope":"orders:read"}}"#
            )
        })
        .collect();
    let inactive = br#"{"active":false}"#;
    let mut list =
        RevocationList::new(ROUNDS as usize, ROUNDS as usize).expect("building the list");

    let before = counts();
    for body in &bodies {
        let token = validator
            .validate_introspection(black_box(body.as_bytes()), NOW)
            .expect("an active response");
        list.check(token.claims()).expect("not revoked yet");
        list.revoke_token(token.claims(), NOW)
            .expect("room for the jti");
        let subject = token.claims().subject().expect("a subject").as_plain();
        list.revoke_subject(ISSUER, subject.expect("no escapes"), NOW, exp, NOW)
            .expect("room for the subject");
        assert_eq!(list.check(token.claims()), Err(Error::Revoked));
        let outcome = validator.validate_introspection(black_box(inactive), NOW);
        assert_eq!(outcome.err(), Some(Error::Inactive));
    }
    let after = counts();
    assert_eq!(after.allocations - before.allocations, 0);
    assert_eq!(list.token_count(), ROUNDS as usize);
}

/// Guards the counter itself: a test that cannot see allocations proves nothing.
#[test]
fn counter_sees_allocations() {
    let before = counts();
    let boxed = black_box(Box::new([0u8; 48]));
    let after = counts();
    drop(boxed);
    assert_eq!(after.allocations - before.allocations, 1);
    assert_eq!(after.bytes - before.bytes, 48);
}
