#!/usr/bin/env bash
# Builds libtokenguard, compiles the C example and tests with ffi/Makefile, and runs
# them under valgrind. Any memory error, or a leak that valgrind calls definite or
# indirect, fails the run, and so does a missing valgrind.
#
#     bash ffi/run-c-tests.sh [SWAPS]
#
# SWAPS is how often test_threads replaces the key set (default 3000). The library
# is built in release unless TOKENGUARD_PROFILE=debug; release keeps debug symbols
# (see [profile.release] in Cargo.toml), so valgrind still names the lines.
set -euo pipefail
cd "$(dirname "$0")/.."

swaps=${1:-3000}
profile=${TOKENGUARD_PROFILE:-release}
fixtures=ffi/tests/fixtures

if ! command -v valgrind >/dev/null; then
    echo "error: valgrind is not installed; install it with: apt-get install -y valgrind" >&2
    exit 1
fi
case $profile in
    release) cargo build -q -p tokenguard-ffi --release ;;
    debug) cargo build -q -p tokenguard-ffi ;;
    *) echo "error: TOKENGUARD_PROFILE must be debug or release, not $profile" >&2; exit 2 ;;
esac
make -s -C ffi PROFILE="$profile"
bin=target/c/$profile

passed=0
failed=0

# run NAME EXPECTED_EXIT PROGRAM ARGS...: runs PROGRAM under valgrind, with its
# standard input from $stdin, and checks its exit status. Valgrind exits with 1 for
# the test programs, whose own failure is also 1, and with 3 for the handler,
# whose denials exit with 1.
run() {
    local name=$1 expected=$2
    shift 2
    local log=$bin/valgrind-$name.log error_exit=1
    [[ $(basename "$1") == handler ]] && error_exit=3
    local status=0
    # --fair-sched=yes: valgrind runs one thread at a time, and its default lock let
    # test_threads' readers starve the key-swapping writer (12 minutes in one CI run,
    # 86 s with fair scheduling).
    valgrind --fair-sched=yes --error-exitcode="$error_exit" --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --log-file="$log" \
        "$@" <"${stdin:-/dev/null}" >"$bin/$name.out" 2>"$bin/$name.err" || status=$?
    grep -h -E 'ERROR SUMMARY|definitely lost|indirectly lost|All heap blocks' "$log" \
        | sed "s/^==[0-9]*== /$name: /"
    if [[ $status -eq $expected ]]; then
        passed=$((passed + 1))
        return 0
    fi
    echo "FAILED: $name exited with $status, expected $expected; see $log" >&2
    cat "$bin/$name.out" "$bin/$name.err" >&2
    failed=$((failed + 1))
    return 1
}

# expect NAME TEXT: checks that the output of run NAME contains TEXT.
expect() {
    if ! grep -qF -- "$2" "$bin/$1.out"; then
        echo "FAILED: the output of $1 lacks: $2" >&2
        cat "$bin/$1.out" >&2
        passed=$((passed - 1))
        failed=$((failed + 1))
    fi
}

run test_tokenguard 0 "$bin/test_tokenguard" "$fixtures" || true
tail -n 1 "$bin/test_tokenguard.out"
run test_threads 0 "$bin/test_threads" "$fixtures" "$swaps" || true
head -n 1 "$bin/test_threads.out"

es256=$(cat "$fixtures/es256.jwt")
expired=$(cat "$fixtures/expired.jwt")
hs256=$(cat "$fixtures/hs256.jwt")
config=$fixtures/config.json
jwks=$fixtures/jwks.json
now=1767229200

run handler_allow 0 "$bin/handler" "$config" "$jwks" "$now" "Bearer $es256" &&
    expect handler_allow "subject: user-1234"
run handler_expired 1 "$bin/handler" "$config" "$jwks" "$now" "Bearer $expired" &&
    expect handler_expired 'error_description="token expired at 1767225600 (now 1767229200)"'
printf '' >"$bin/empty.stdin"
stdin=$bin/empty.stdin run handler_no_header 1 "$bin/handler" "$config" "$jwks" "$now" &&
    expect handler_no_header 'WWW-Authenticate: Bearer realm="api"'
printf 'Bearer %s\r\n' "$hs256" >"$bin/hs256.stdin"
stdin=$bin/hs256.stdin run handler_hmac 0 "$bin/handler" "$fixtures/config-hs256.json" - "$now" &&
    expect handler_hmac "decision: allow"

echo "valgrind: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
