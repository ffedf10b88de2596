#!/usr/bin/env bash
# Runs every benchmark once and writes benches/RESULTS.md: the Rust benches with
# criterion, the Python script, then report.py. Takes about 15 minutes on a
# 2-core machine. PYTHON selects the interpreter of a virtual environment that has
# tokenguard, PyJWT, joserfc and jwcrypto (default: target/python-venv at the
# repository root, as scripts/test-all.sh builds it).
set -euo pipefail
cd "$(dirname "$0")"
python="${PYTHON:-../target/python-venv/bin/python}"
if [ ! -x "$python" ]; then
    echo "error: no Python interpreter at $python; see benches/README.md or set PYTHON" >&2
    exit 1
fi
# The Python benchmark runs from the repository root.
python="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")"

facts=target/tokenguard-benches
mkdir -p "$facts"
load() { cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'; }

date_started=$(date -u +%Y-%m-%dT%H:%MZ)
load_before=$(load)
nice cargo bench
load_after_rust=$(load)
cat >"$facts/run.json" <<JSON
{"date": "$date_started", "rust_command": "cargo bench", "load_before": "$load_before",
 "load_after_rust": "$load_after_rust"}
JSON

(cd .. && nice "$python" benches/python_bench.py)
python3 report.py
