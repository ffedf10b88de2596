//! Checks of the c_abi harness: the empty input reaches an accepted token, random
//! inputs pass every check, and the library package it builds matches ffi/.

use arbitrary::{Arbitrary, Unstructured};
use tokenguard_fuzz::c_abi::{self, Session, Summary};

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
            tokens: 1
        }
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
