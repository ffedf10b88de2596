#!/usr/bin/env bash
# Every test of tokenguard: formatting and lints, the Rust tests, the shared
# hostile cases and Wycheproof vectors read in place from ../shared, the
# oidc-provider interop test, the C ABI under valgrind, the Go package and the
# Python package. This is the README's test command; .ci/run installs what it
# needs and runs it.
#
# Needs cargo, gcc, make, valgrind, Node.js with npm, Go 1.19 or later,
# redis-server and python3 with venv. The shared test data is read from
# TOKENGUARD_SHARED, default ../shared next to the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

# The shared suites are data from outside the repository; without them the
# other tests still run, and the run prints plainly that these did not.
# TOKENGUARD_REQUIRE_SHARED=1 (set by .ci/run) makes their absence an error.
shared="${TOKENGUARD_SHARED:-$(cd .. && pwd)/shared}"
have_shared=1
if [ ! -f "$shared/cases/hostile-tokens.json" ]; then
    if [ "${TOKENGUARD_REQUIRE_SHARED:-0}" = 1 ]; then
        echo "error: shared test data not found in $shared (set TOKENGUARD_SHARED)" >&2
        exit 1
    fi
    have_shared=0
fi
for tool in cargo gcc make valgrind curl node npm go python3 redis-server; do
    if ! command -v "$tool" >/dev/null; then
        echo "error: $tool is not installed; the tests need it (see the README)" >&2
        exit 1
    fi
done

step() { printf '\n== %s\n' "$*"; }

no_std_crate=core/tests/no_std_link/Cargo.toml

step "rustfmt"
cargo fmt --all --check
cargo fmt --manifest-path "$no_std_crate" --check

step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --manifest-path "$no_std_crate" --all-targets --target-dir target/no_std_link \
    -- -D warnings

# Runs the shared hostile cases and the Wycheproof JOSE vectors, with the cargo
# feature flags given as arguments, and checks that each suite reported.
shared_suites() {
    TOKENGUARD_SHARED="$shared" cargo test -p tokenguard-cases -p tokenguard "$@" --test cases \
        --test wycheproof -- --ignored --nocapture 2>&1 | tee target/shared-suites.log
    for suite in hostile-tokens.json json_web_signature_test.json json_web_key_test.json; do
        grep -Eq "$suite: [0-9]+ passed, 0 failed\$" target/shared-suites.log
    done
}

step "Rust tests: cargo test --workspace"
cargo test --workspace

# The C library in the workspace enables aws-lc-rs, so the workspace tests ran with
# ring and aws-lc-rs compiled in and Backend::DEFAULT picked aws-lc-rs. Each run
# below tests the core and the project's token cases again with other backends, in
# the same target directory, building only those two crates: ring alone (the
# crate's default); all three together, where the differential test
# (core/tests/backends.rs) compares every backend's verdicts; and RustCrypto alone,
# with no ring at all.
backends=("" "--features aws-lc-rs,rust-crypto" "--no-default-features --features rust-crypto")
cargo clippy -p tokenguard -p tokenguard-cases --all-targets --features aws-lc-rs,rust-crypto \
    -- -D warnings
for flags in "${backends[@]}"; do
    step "Rust tests of the core with crypto backend flags: ${flags:-(default, ring)}"
    # shellcheck disable=SC2086 # the flags are several words on purpose
    cargo test -p tokenguard -p tokenguard-cases $flags
    if [ "$have_shared" = 1 ]; then
        step "shared hostile cases and Wycheproof vectors: ${flags:-(default, ring)}"
        # shellcheck disable=SC2086
        shared_suites $flags
    fi
done

# The RustCrypto backend exists for microcontrollers that ring cannot build for.
# The target's standard library comes from rustup, which may be unable to fetch it
# on some machines. The step then prints that it did not run, and so does the
# summary.
embedded=thumbv7em-none-eabihf
have_embedded=0
if rustup target list --installed 2>/dev/null | grep -qx "$embedded" \
    || rustup target add "$embedded"; then
    have_embedded=1
    step "no_std build for $embedded with the RustCrypto backend, without ring"
    cargo clippy -p tokenguard --no-default-features --features rust-crypto --target "$embedded" \
        -- -D warnings
    cargo build -p tokenguard --no-default-features --features rust-crypto --target "$embedded"
    if cargo tree -p tokenguard --no-default-features --features rust-crypto \
        --target "$embedded" -e normal --prefix none | grep -Eq '^(ring|aws-lc)'; then
        echo "error: the $embedded build depends on ring or aws-lc" >&2
        exit 1
    fi
else
    step "$embedded build NOT RUN: rustup could not add the target"
fi

if [ "$have_shared" = 1 ]; then
    step "shared hostile cases through tokenguard check-cases"
    cargo run -q -p tokenguard-cli -- check-cases "$shared/cases/hostile-tokens.json" \
        | tee target/check-cases.log
    grep -Eq '^[0-9]+ passed, 0 failed$' target/check-cases.log
else
    step "shared suites NOT RUN: no shared test data in $shared"
fi

step "interop: tokenguard verify against oidc-provider tokens"
cargo build -q -p tokenguard-cli
bash interop/run.sh

step "python: build and install the package, with its test dependencies"
python3 -m venv target/python-venv
target/python-venv/bin/pip install --quiet --upgrade pip
target/python-venv/bin/pip install --quiet "./python[test]" ruff

step "python: ruff, rustfmt and clippy"
(cd python && ../target/python-venv/bin/ruff check . && ../target/python-venv/bin/ruff format --check .)
cargo fmt --manifest-path python/Cargo.toml --check
PYO3_PYTHON="$PWD/target/python-venv/bin/python" \
    cargo clippy --manifest-path python/Cargo.toml --all-targets -- -D warnings

step "python: pytest (JWKS, uvicorn and wsgiref servers on 127.0.0.1)"
target/python-venv/bin/pytest -W error python/tests

# The benchmarks are not timed here: CI only checks that they build and that the
# Python script runs one iteration (benches/README.md).
step "benches: format, lints, compile check and one Python iteration"
cargo fmt --manifest-path benches/Cargo.toml --check
(cd benches && ../target/python-venv/bin/ruff check . && ../target/python-venv/bin/ruff format --check .)
cargo bench --manifest-path benches/Cargo.toml --no-run
target/python-venv/bin/pip install --quiet "joserfc>=1.8,<1.9" "jwcrypto>=1.6,<1.7"
target/python-venv/bin/python benches/python_bench.py --iterations 1 --repeats 1 --seconds 0.01 \
    --output target/python-bench-quick.json

step "C ABI: header matches cbindgen, C tests and handler under valgrind"
cargo test -q -p tokenguard-ffi --test header
bash ffi/run-c-tests.sh

step "Go: gofmt, go vet and go test of the cgo package"
cargo build -q -p tokenguard-ffi --release
unformatted=$(gofmt -l ffi/go)
if [ -n "$unformatted" ]; then
    echo "error: gofmt would change: $unformatted" >&2
    exit 1
fi
(cd ffi/go && go vet ./... && go test -count=1 ./... && go test -count=1 -tags tokenguard_shared ./...)

not_run=()
[ "$have_shared" = 1 ] || not_run+=("the shared suites")
[ "$have_embedded" = 1 ] || not_run+=("the $embedded build")
if [ "${#not_run[@]}" -eq 0 ]; then
    step "all tests passed"
else
    step "all tests passed, but these did NOT run: ${not_run[*]}"
fi
