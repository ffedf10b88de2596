//! Checks of the c_abi harness: the empty input reaches an accepted token, random
//! inputs pass every check, a fixed session reaches every kind of accepted request,
//! every function of the header is called, and the library package it builds
//! matches ffi/.

use arbitrary::{Arbitrary, Unstructured};
use tokenguard_fuzz::c_abi::{
    self, AccessTokenArg, AssertionOp, BufArg, Bytes, CertArg, ClientMismatches, ClientsArg,
    DpopAuthArg, DpopOp, HandleArg, IntrospectionArg, JtiArg, MadeArg, MadePayload, NowArg, Op,
    OutArg, Prologue, RevocationOp, SecondsArg, Session, SigningOp, StatusArg, Summary, TextArg,
    TokenArg, TokenCall,
};

/// Stack size for running sessions: an unoptimised build makes the largest token
/// buffers on the stack before moving them to the heap.
const STACK_BYTES: usize = 64 * 1024 * 1024;

fn run_bytes(data: &[u8]) -> Summary {
    let session = Session::arbitrary_take_rest(Unstructured::new(data)).expect("session");
    c_abi::run(&session)
}

fn on_large_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let thread = std::thread::Builder::new().stack_size(STACK_BYTES).spawn(f);
    thread.expect("spawn").join().expect("session panicked")
}

#[test]
fn empty_input_reaches_accepted_token() {
    let summary = on_large_stack(|| run_bytes(&[]));
    assert_eq!(
        summary,
        Summary {
            validators: 1,
            tokens: 1,
            ..Summary::default()
        }
    );
}

/// Returns the operations that sign a DPoP proof and an assertion with the
/// prologue's key and use them, validate introspection responses and a
/// certificate-bound token, and revoke the prologue's token.
fn accepted_requests() -> Vec<Op<'static>> {
    let known = TextArg::Known(0);
    let now = NowArg::Fixed;
    let (newest, out) = (HandleArg::Newest, OutArg::Valid);
    let validate_dpop = || {
        Op::Dpop(DpopOp::Validate {
            validator: newest,
            authorization: DpopAuthArg::Dpop(0),
            proof: MadeArg::Made(0),
            method: known,
            uri: known,
            nonce: known,
            verifier: newest,
            cache: newest,
            now,
            out,
        })
    };
    let verify_assertion = || {
        Op::Assertion(AssertionOp::Verify {
            verifier: newest,
            assertion: MadeArg::Made(0),
            client_id: known,
            cache: newest,
            now,
            out,
        })
    };
    vec![
        Op::ValidateIntrospection {
            validator: newest,
            response: IntrospectionArg::Fixed(0),
            signed: false,
            now,
            out,
        },
        Op::ValidateIntrospection {
            validator: newest,
            response: IntrospectionArg::Fixed(2),
            signed: true,
            now,
            out,
        },
        Op::ValidateCertificateBound {
            validator: newest,
            token: TokenArg::Fixed(4),
            certificate: CertArg::Fixed,
            now,
            out,
        },
        Op::Signing(SigningOp::CreateProof {
            key: newest,
            alg: known,
            method: known,
            uri: known,
            access_token: AccessTokenArg::Fixed(0),
            nonce: known,
            jti: JtiArg::Fresh,
            now,
            buf: BufArg::Large(2048),
        }),
        validate_dpop(),
        // The same proof again is a replay.
        validate_dpop(),
        Op::Dpop(DpopOp::LastErrorChallenge {
            verifier: newest,
            realm: c_abi::BytesArg::NullEmpty,
            buf: BufArg::Large(512),
        }),
        Op::Signing(SigningOp::CreateAssertion {
            key: newest,
            alg: known,
            client_id: known,
            audience: known,
            lifetime: SecondsArg::Default,
            jti: JtiArg::Fresh,
            now,
            buf: BufArg::Small(8),
        }),
        verify_assertion(),
        verify_assertion(),
        Op::Token {
            token: newest,
            call: TokenCall::Parts { ptr: out, len: out },
        },
        Op::Revocation(RevocationOp::RevokeToken {
            list: newest,
            token: HandleArg::Live(0),
            now,
        }),
        Op::Revocation(RevocationOp::Check {
            list: newest,
            token: HandleArg::Live(0),
        }),
        Op::Revocation(RevocationOp::Counts {
            list: newest,
            tokens: out,
            subjects: out,
        }),
        Op::Signing(SigningOp::SignJws {
            key: newest,
            alg: known,
            typ: TextArg::Known(1),
            embed_jwk: true,
            payload: MadePayload::Claims(0),
            buf: BufArg::Query,
        }),
        Op::Signing(SigningOp::Thumbprint {
            key: newest,
            buf: BufArg::Large(64),
        }),
        Op::Dpop(DpopOp::Challenge {
            status: StatusArg::Known(25),
            verifier: newest,
            realm: c_abi::BytesArg::NullEmpty,
            buf: BufArg::Large(512),
        }),
    ]
}

#[test]
fn fixed_session_reaches_every_request() {
    let summary = on_large_stack(|| {
        c_abi::run(&Session {
            prologue: Prologue::Profile,
            ops: accepted_requests(),
        })
    });
    assert_eq!(summary.introspected, 2, "{summary:?}");
    assert_eq!(summary.certificate_bound, 1, "{summary:?}");
    assert_eq!(summary.dpop, 1, "{summary:?}");
    assert_eq!(summary.assertions, 1, "{summary:?}");
    assert_eq!(summary.revoked, 1, "{summary:?}");
    assert_eq!(summary.signed, 3, "{summary:?}");
    assert_eq!(summary.tokens, 6, "{summary:?}");
}

/// Returns the operation that signs a client assertion for `CLIENT_IDS[client]`
/// with the newest key, the prologue's Ed25519 key.
fn create_assertion(client: u8) -> Op<'static> {
    let known = TextArg::Known(0);
    Op::Signing(SigningOp::CreateAssertion {
        key: HandleArg::Newest,
        alg: known,
        client_id: TextArg::Known(client),
        audience: known,
        lifetime: SecondsArg::Default,
        jti: JtiArg::Fresh,
        now: NowArg::Fixed,
        buf: BufArg::Large(2048),
    })
}

/// Returns the operation that verifies the newest assertion with the newest
/// verifier, for the request's `client_id` `CLIENT_IDS[client]` ("" names none).
fn verify_assertion(client: u8) -> Op<'static> {
    Op::Assertion(AssertionOp::Verify {
        verifier: HandleArg::Newest,
        assertion: MadeArg::Made(0),
        client_id: TextArg::Known(client),
        cache: HandleArg::Newest,
        now: NowArg::Fixed,
        out: OutArg::Valid,
    })
}

/// Returns the operation that makes an assertion verifier for the fixed clients
/// document `index`.
fn new_assertion_verifier(index: u8) -> Op<'static> {
    Op::Assertion(AssertionOp::New {
        audiences: TextArg::Known(0),
        algorithms: TextArg::Known(0),
        max_lifetime: SecondsArg::Default,
        leeway: SecondsArg::Default,
        clients: ClientsArg::Fixed(index),
        out: OutArg::Valid,
    })
}

/// Positions of `CLIENT_IDS` in `src/c_abi/requests.rs`.
const CLIENT_1: u8 = 0;
const NO_CLIENT: u8 = 1;
const CLIENT_2: u8 = 2;

#[test]
fn assertions_verify_only_for_their_client() {
    // The prologue registers "client-1" with the Ed25519 key and "client-2" with
    // another Ed25519 key under the same `kid`.
    let summary = on_large_stack(|| {
        c_abi::run(&Session {
            prologue: Prologue::Profile,
            ops: vec![
                create_assertion(CLIENT_1),
                // The keys of "client-2" do not verify what the key of "client-1"
                // signed.
                verify_assertion(CLIENT_2),
                verify_assertion(NO_CLIENT),
                create_assertion(CLIENT_2),
                // Without a client_id the `iss` "client-2" chooses its keys.
                verify_assertion(NO_CLIENT),
                // The keys of "client-1" verify, but the assertion names "client-2".
                verify_assertion(CLIENT_1),
                // "client-1" alone.
                new_assertion_verifier(2),
                verify_assertion(NO_CLIENT),
                // Both clients with the fixed public keys.
                new_assertion_verifier(1),
                verify_assertion(NO_CLIENT),
            ],
        })
    });
    assert_eq!(summary.assertions, 2, "{summary:?}");
    assert_eq!(
        summary.client_mismatches,
        ClientMismatches {
            bad_signature: 2,
            wrong_issuer: 1,
            unknown_client: 1,
        }
    );
}

#[test]
fn fixed_clients_documents_are_checked() {
    // Each fixed document, and the empty, raw and oversized ones: the harness
    // compares each status with the core's, and a clients error's message.
    let mut ops: Vec<Op<'static>> = (0..10).map(new_assertion_verifier).collect();
    for clients in [
        ClientsArg::Empty,
        ClientsArg::Raw(c_abi::BytesArg::Bytes(Bytes(br#"{"client-1":null}"#))),
        ClientsArg::Oversized,
    ] {
        ops.push(Op::Assertion(AssertionOp::New {
            audiences: TextArg::Known(0),
            algorithms: TextArg::Known(0),
            max_lifetime: SecondsArg::Default,
            leeway: SecondsArg::Default,
            clients,
            out: OutArg::Valid,
        }));
    }
    ops.push(create_assertion(CLIENT_1));
    ops.push(verify_assertion(NO_CLIENT));
    let summary = on_large_stack(move || {
        c_abi::run(&Session {
            prologue: Prologue::Profile,
            ops,
        })
    });
    // Documents 4 to 9 and the last three are rejected, so the newest verifier is
    // that of document 3, which names "client-2" with an escape and registers
    // "client-1" with the Ed25519 key beside keys it skips.
    assert_eq!(summary.assertions, 1, "{summary:?}");
}

#[test]
fn committed_seed_is_fixed_session() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/c_abi/accepted-requests");
    let seed = std::fs::read(path).unwrap();
    let session = Session::arbitrary_take_rest(Unstructured::new(&seed)).unwrap();
    let expected = Session {
        prologue: Prologue::Profile,
        ops: accepted_requests(),
    };
    assert_eq!(format!("{session:?}"), format!("{expected:?}"));
}

/// Returns `source` without comments, string literals and `use` declarations, so
/// that what remains names only the functions the code calls or passes.
fn code_only(source: &str) -> String {
    let mut code = String::new();
    let mut in_use = false;
    for line in source.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("use ") || trimmed.starts_with("pub use ") {
            in_use = true;
        }
        if in_use {
            in_use = !trimmed.ends_with(';');
            continue;
        }
        let line = line.split("//").next().unwrap_or_default();
        // Drop string literals: every other piece between quotes.
        let pieces = line.split('"').step_by(2);
        code.extend(pieces.map(|piece| format!("{piece} ")));
        code.push('\n');
    }
    code
}

#[test]
fn target_calls_every_header_function() {
    let fuzz = env!("CARGO_MANIFEST_DIR");
    let header = std::fs::read_to_string(format!("{fuzz}/../include/tokenguard.h")).unwrap();
    let mut functions = Vec::new();
    for line in header.lines().filter(|line| !line.starts_with(' ')) {
        let Some(open) = line.find('(') else { continue };
        let name = line[..open].rsplit([' ', '*']).next().unwrap_or_default();
        if name.starts_with("tg_") {
            functions.push(name.to_string());
        }
    }
    assert!(functions.len() >= 70, "read {} functions", functions.len());

    let mut code = String::new();
    for entry in std::fs::read_dir(format!("{fuzz}/src/c_abi")).unwrap() {
        code += &code_only(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    let uncalled: Vec<&String> = functions
        .iter()
        .filter(|name| {
            !code.match_indices(name.as_str()).any(|(at, _)| {
                let before = code.as_bytes().get(at.wrapping_sub(1)).copied();
                let after = code.as_bytes().get(at + name.len()).copied();
                !before.is_some_and(is_word) && !after.is_some_and(is_word)
            })
        })
        .collect();
    assert!(
        uncalled.is_empty(),
        "the c_abi target never calls {uncalled:?}"
    );
}

#[test]
fn random_inputs_pass_checks() {
    on_large_stack(|| {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            // xorshift64: a fixed sequence, so that a failure reproduces.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut tokens = 0;
        for _ in 0..400 {
            let len = usize::try_from(next() % 1500).unwrap();
            let data: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            tokens += run_bytes(&data).tokens;
        }
        assert!(tokens > 0, "no random input reached an accepted token");
    });
}

#[test]
fn committed_seeds_pass_checks() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/c_abi");
    let mut seeds = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        seeds.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(!seeds.is_empty(), "no committed c_abi seeds in {folder}");
    on_large_stack(move || {
        for seed in &seeds {
            run_bytes(seed);
        }
    });
}

/// Returns the `[dependencies]` lines of a manifest, sorted, with the path
/// `prefix` of the repository root removed.
fn dependencies(manifest: &str, prefix: &str) -> Vec<String> {
    let section = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("[dependencies]");
    let section = section.split("\n[").next().unwrap_or(section);
    let mut lines: Vec<String> = section
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.replace(prefix, "path = \""))
        .collect();
    lines.sort();
    lines
}

#[test]
fn ffi_rlib_dependencies_match_ffi() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let ffi = std::fs::read_to_string(format!("{root}/ffi/Cargo.toml")).unwrap();
    let rlib = std::fs::read_to_string(format!("{root}/fuzz/ffi-rlib/Cargo.toml")).unwrap();
    assert_eq!(
        dependencies(&rlib, "path = \"../../"),
        dependencies(&ffi, "path = \"../"),
        "fuzz/ffi-rlib/Cargo.toml must list the dependencies of ffi/Cargo.toml"
    );
}

#[test]
fn case_seeds_validate_valid_cases() {
    let fuzz = env!("CARGO_MANIFEST_DIR");
    let corpus =
        std::env::temp_dir().join(format!("tokenguard-c-abi-seeds-{}", std::process::id()));
    let written = std::process::Command::new("python3")
        .arg(format!("{fuzz}/seeds.py"))
        .arg(&corpus)
        .output()
        .expect("python3 runs");
    assert!(written.status.success(), "seeds.py failed: {written:?}");

    let mut valid_cases = 0;
    for path in std::fs::read_dir(format!("{fuzz}/../core/tests/cases")).unwrap() {
        let path = path.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let cases: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let cases = cases.as_array().expect("an array of cases");
            valid_cases += cases
                .iter()
                .filter(|case| case["expect"] == "valid")
                .count();
        }
    }

    // seeds.py also copies the committed seeds, which are not sessions of cases.
    let mut committed = Vec::new();
    for entry in std::fs::read_dir(format!("{fuzz}/seeds/c_abi")).unwrap() {
        committed.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let mut seeds = Vec::new();
    for entry in std::fs::read_dir(corpus.join("c_abi")).unwrap() {
        let seed = std::fs::read(entry.unwrap().path()).unwrap();
        if !committed.contains(&seed) {
            seeds.push(seed);
        }
    }
    std::fs::remove_dir_all(&corpus).unwrap();
    assert!(!seeds.is_empty(), "seeds.py wrote no c_abi seeds");

    let tokens = on_large_stack(move || {
        let mut tokens = 0;
        for seed in &seeds {
            let session = Session::arbitrary_take_rest(Unstructured::new(seed)).unwrap();
            // The positions that seeds.py writes select these operations.
            let shape = format!("{session:?}");
            assert!(
                shape.starts_with("Session { prologue: Empty, ops: [NewValidator { config: Raw("),
                "{shape}"
            );
            assert!(
                shape.ends_with("index: Small(0), buf: Large(64), out: Valid } }] }"),
                "{shape}"
            );
            tokens += c_abi::run(&session).tokens;
        }
        tokens
    });
    assert_eq!(tokens, valid_cases, "tokens accepted through the C ABI");
}
