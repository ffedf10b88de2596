#!/usr/bin/env bash
# Smoke run of every fuzz target: build once, write the seed corpora from the
# project's token cases, run each target for a bounded time, and fail on any crash.
#
# Usage: fuzz/smoke.sh [SECONDS_PER_TARGET]   (default 30)
# Prints per target the executions and the final coverage (cov:) libFuzzer reports.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-30}"
targets=(jws_decode jwk_set validate claims authorization challenge signed_token differential c_abi
    introspection dpop_proof client_assertion)
logs=logs
mkdir -p "$logs"

# cargo-fuzz needs nightly flags: use a nightly toolchain when there is one, else
# stable with RUSTC_BOOTSTRAP=1.
if cargo +nightly --version >/dev/null 2>&1; then
    cargo_fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    cargo_fuzz=(cargo fuzz)
    # A stable run that failed without RUSTC_BOOTSTRAP leaves a cached rustc probe
    # that makes the next build fail too.
    rm -f target/.rustc_info.json
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "error: cargo-fuzz is not installed; run: cargo install --locked cargo-fuzz" >&2
    exit 1
fi

start=$(date +%s)
echo "== build (${cargo_fuzz[*]} build)"
"${cargo_fuzz[@]}" build
built=$(date +%s)

echo "== seeds"
python3 seeds.py

failed=()
printf '\n== run, %s s per target\n' "$seconds"
for target in "${targets[@]}"; do
    log="$logs/$target.smoke.log"
    mkdir -p "corpus/$target"
    set +e
    "${cargo_fuzz[@]}" run "$target" "corpus/$target" -- \
        -dict=jose.dict -max_total_time="$seconds" -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1
    status=$?
    set -e
    executions=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
    coverage=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo '?')
    files=$(find "corpus/$target" -type f | wc -l)
    if [ "$status" -eq 0 ]; then
        verdict=ok
    else
        verdict="FAILED (exit $status, see fuzz/$log)"
        failed+=("$target")
    fi
    printf '%-14s executions %-10s cov %-6s corpus %-6s %s\n' \
        "$target" "$executions" "$coverage" "$files" "$verdict"
done

end=$(date +%s)
printf '\nbuild %d s, seeds and runs %d s, total %d s\n' \
    $((built - start)) $((end - built)) $((end - start))
if [ "${#failed[@]}" -ne 0 ]; then
    echo "error: crash or failure in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "${#targets[@]} passed, 0 failed"
