"""Write benches/RESULTS.md from one run of `cargo bench` and of python_bench.py.

Reads criterion's median estimates under benches/target/criterion, the allocation
counts the bench binaries wrote to benches/target/tokenguard-benches, the run facts
that run-all.sh recorded there, and benches/target/python-results.json. Every ratio
is a quotient of two medians of that one run. Uses only the standard library:

    python3 benches/report.py
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

BENCHES = Path(__file__).resolve().parent
TARGET = BENCHES / "target"
ALGORITHMS = ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"]
ASYMMETRIC = ["RS256", "PS256", "ES256", "ES384", "EdDSA"]
JWT_AWS = "jsonwebtoken (aws_lc_rs)"
JWT_RUST = "jsonwebtoken (rust_crypto)"
AWS_LC_FLOOR = "floor (aws-lc-rs)"
TG_AWS = "tokenguard (aws-lc-rs)"
TG_RUST = "tokenguard (rust-crypto)"
VALIDATION_ROWS = [
    "floor",
    AWS_LC_FLOOR,
    "tokenguard",
    TG_AWS,
    TG_RUST,
    JWT_AWS,
    JWT_RUST,
    "jwt-simple",
]
PYTHON_PEERS = ["PyJWT", "joserfc", "jwcrypto"]
PYTHON_CONTROL = "control (hashlib)"
CRATES = [
    "ring",
    "jsonwebtoken",
    "aws-lc-rs",
    "aws-lc-sys",
    "rsa",
    "p256",
    "p384",
    "ed25519-dalek",
    "jwt-simple",
    "superboring",
    "ed25519-compact",
    "serde_json",
    "criterion",
]

# The targets and their thresholds.
PYTHON_SPEEDUP_TARGETS = {
    "HS256": 10.0,
    "RS256": 2.5,
    "PS256": 2.5,
    "ES256": 1.7,
    "ES384": 1.8,
    "EdDSA": 3.0,
}
# The most tokenguard with aws-lc-rs may take, as a fraction of the ring floor.
AWS_LC_FLOOR_TARGETS = {"RS256": 0.8, "ES384": 0.4}
FLOOR_TARGET = 1.05
HMAC_FLOOR_TARGET = 2.5
HMAC_PEER_SPEEDUP_TARGET = 2.0
C_ABI_OVERHEAD_TARGET_NS = 150.0
THREAD_SCALING_TARGET = 1.8
KID_LOOKUP_TARGET_NS = 100.0
ZERO_ALLOCATION_ALGORITHMS = ["HS256", "ES256", "ES384", "EdDSA"]


def read_criterion() -> dict[tuple[str, str], float]:
    """Return the median of every benchmark, in nanoseconds, by (group, row)."""
    medians: dict[tuple[str, str], float] = {}
    for benchmark in (TARGET / "criterion").glob("**/new/benchmark.json"):
        estimates = benchmark.with_name("estimates.json")
        if not estimates.exists():
            continue
        info = json.loads(benchmark.read_text())
        row = info.get("function_id") or info.get("value_str")
        if info.get("function_id") and info.get("value_str"):
            row = f"{info['function_id']}/{info['value_str']}"
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        medians[(info["group_id"], row)] = median
    return medians


def read_allocations() -> dict[tuple[str, str], dict[str, float]]:
    """Return the allocation counts of every row, by (group, row)."""
    counts: dict[tuple[str, str], dict[str, float]] = {}
    for path in sorted((TARGET / "tokenguard-benches").glob("allocations-*.json")):
        for record in json.loads(path.read_text()):
            counts[(record["group"], record["row"])] = record
    return counts


def read_paired() -> dict[tuple[str, str, str], dict[str, Any]]:
    """Return the paired timings, by (group, baseline, measured)."""
    pairs: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in sorted((TARGET / "tokenguard-benches").glob("paired-*.json")):
        for pair in json.loads(path.read_text()):
            pairs[(pair["group"], pair["baseline"], pair["measured"])] = pair
    return pairs


def lock_versions() -> dict[str, list[str]]:
    """Return the versions of each package in benches/Cargo.lock."""
    versions: dict[str, list[str]] = {}
    text = (BENCHES / "Cargo.lock").read_text()
    for name, version in re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', text):
        versions.setdefault(name, []).append(version)
    return versions


def command_output(*command: str) -> str:
    """Return a command's stripped standard output, or a note that it failed."""
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        return f"({' '.join(command)} failed: {error})"


def dirty_note() -> str:
    """Return a note when files other than RESULTS.md differ from the commit."""
    changes = command_output("git", "status", "--porcelain").splitlines()
    others = [line for line in changes if not line.endswith("RESULTS.md")]
    return " with uncommitted changes" if others else ""


def cpu_model() -> str:
    """Return the CPU model that lscpu reports."""
    for line in command_output("lscpu").splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def ns(value: float | None) -> str:
    """Format nanoseconds as ns, µs or ms, with two or three significant figures."""
    if value is None:
        return "n/a"
    if abs(value) < 1000:
        return f"{value:.1f} ns"
    micros = value / 1000
    if abs(micros) < 10:
        return f"{micros:.2f} µs"
    if abs(micros) < 100:
        return f"{micros:.1f} µs"
    if abs(micros) < 1000:
        return f"{micros:.0f} µs"
    return f"{micros / 1000:.2f} ms"


def loads(values: list[float]) -> str:
    """Format load averages."""
    return ", ".join(f"{value:.2f}" for value in values)


def ratio(numerator: float | None, denominator: float | None) -> str:
    """Format a ratio of two medians."""
    if numerator is None or denominator is None:
        return "n/a"
    return f"{numerator / denominator:.2f}"


def count(record: dict[str, float] | None) -> str:
    """Format allocations per call, with bytes."""
    if record is None:
        return "n/a"
    allocations = record["count"]
    text = (
        f"{allocations:.0f}"
        if allocations == int(allocations)
        else f"{allocations:.2f}"
    )
    return f"{text} ({record['bytes']:,.0f} B)"


class Report:
    """The data of one run and the Markdown built from it."""

    def __init__(self) -> None:
        self.medians = read_criterion()
        self.allocations = read_allocations()
        self.paired = read_paired()
        run_path = TARGET / "tokenguard-benches" / "run.json"
        self.run = json.loads(run_path.read_text()) if run_path.exists() else {}
        python_path = TARGET / "python-results.json"
        self.python = (
            json.loads(python_path.read_text()) if python_path.exists() else None
        )
        self.lines: list[str] = []
        self.targets: list[tuple[str, str, str, str]] = []

    def median(self, group: str, row: str) -> float | None:
        """Return one benchmark's median in ns, or None when it did not run."""
        return self.medians.get((group, row))

    def pair(self, group: str, baseline: str, measured: str) -> dict[str, Any] | None:
        """Return one paired timing, or None when it did not run."""
        return self.paired.get((group, baseline, measured))

    def paired_table(self, pairs: list[tuple[str, str, str]]) -> None:
        """Add a table of paired timings."""
        self.add(
            "| group | measured / baseline | baseline | measured | difference (IQR) "
            "| ratio |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
        )
        for group, baseline, measured in pairs:
            pair = self.pair(group, baseline, measured)
            if pair is None:
                continue
            self.add(
                f"| {group} | {measured} / {baseline} | {ns(pair['baseline_ns'])} "
                f"| {ns(pair['measured_ns'])} | {ns(pair['difference_ns'])} "
                f"({ns(pair['difference_iqr_ns'])}) | {pair['ratio']:.3f} |"
            )
        self.add("")

    def add(self, *lines: str) -> None:
        """Append lines of Markdown."""
        self.lines.extend(lines)

    def target(self, name: str, figure: str, met: bool | None, note: str = "") -> None:
        """Record one target's outcome."""
        if met is None:
            verdict = "not measured"
        elif met:
            verdict = "met"
        else:
            verdict = "not met"
        self.targets.append((name, figure, verdict, note))

    def header(self) -> None:
        """Add the machine, the versions and the commands."""
        versions = lock_versions()
        crate_list = ", ".join(
            f"{name} {'/'.join(versions[name])}" for name in CRATES if name in versions
        )
        run = self.run
        self.add(
            "# tokenguard benchmarks: one complete run",
            "",
            "Written by `benches/report.py` from the run below; `benches/README.md` says",
            "what each row measures and how to repeat it. Every figure comes from this",
            "one run: criterion medians and their quotients, and the medians of the",
            "paired timings that the targets use.",
            "",
            f"- Date (UTC): {run.get('date', 'unknown')}",
            f"- Commit: {command_output('git', 'rev-parse', '--short', 'HEAD')}{dirty_note()}",
            f"- Machine: {cpu_model()}, `nproc` {command_output('nproc')}, "
            f"kernel {platform.release()}",
            f"- Rust: {command_output('rustc', '--version')}; {command_output('cargo', '--version')}",
            f"- Crates (benches/Cargo.lock): {crate_list}; tokenguard and tokenguard-ffi "
            "from this tree",
            '- jwt-simple is built with `default-features = false, features = ["pure-rust"]`:',
            "  its default BoringSSL backend needs cmake, which these machines do not have.",
            "  The feature changes only its RSA code (the `rsa` crate through superboring",
            "  instead of BoringSSL); its HMAC, ECDSA and Ed25519 code is pure Rust either way.",
            f"- Rust command: `{run.get('rust_command', 'cargo bench')}` in `benches/`",
            f"- Load average (1, 5, 15 min) before the Rust run: {run.get('load_before', 'n/a')};"
            f" after it: {run.get('load_after_rust', 'n/a')}",
        )
        if self.python:
            python = self.python
            python_versions = ", ".join(
                f"{k} {v}" for k, v in python["versions"].items()
            )
            self.add(
                f"- Python command: `{python['command']}` from the repository root",
                f"- Python packages: {python_versions}",
                f"- Load average before the Python run: {loads(python['load_before'])}; "
                f"after it: {loads(python['load_after'])}",
            )
        self.add(
            "",
            "The machine is shared with other work, which the load averages show. A",
            "load above the 2 CPUs means another process competed for the cores during",
            "part of the run; the 2-thread figures suffer most.",
            "",
        )

    def validation(self) -> None:
        """Add sections 1 to 3: floor, tokenguard and peers per algorithm."""
        self.add(
            "## 1-3. One validation: floor, tokenguard and peers",
            "",
            "Median time of one call. `/ floor` divides by the ring floor of the same",
            "algorithm; `/ tokenguard` divides by tokenguard's median, so a peer's value",
            "is how many times slower than tokenguard it is. The row `tokenguard` verifies",
            f"with ring, its default backend; `{TG_AWS}` and `{TG_RUST}` are the same",
            "validation with the other backends. Tokens are 700 to 1,000",
            "bytes (HS256 701, ES256 and EdDSA 744, ES384 786, RS256 and PS256 1000).",
            "",
            "| algorithm | row | median | / floor | / tokenguard |",
            "| --- | --- | ---: | ---: | ---: |",
        )
        for alg in ALGORITHMS:
            group = f"validate/{alg}"
            floor = self.median(group, "floor")
            ours = self.median(group, "tokenguard")
            for row in VALIDATION_ROWS:
                value = self.median(group, row)
                self.add(
                    f"| {alg} | {row} | {ns(value)} | {ratio(value, floor)} "
                    f"| {ratio(value, ours)} |"
                )
        self.add(
            "",
            "Paired timing, from each validation binary before criterion starts: rounds",
            "of a batch of the baseline row and a batch of the measured row, one right",
            "after the other in alternating order, for 1.5 s. The ratio and difference",
            "are medians over the rounds of each round's own ratio and difference, so a",
            "burst of other work that slows both batches of a round cancels out. The",
            "targets below use these ratios; the criterion medians above are the",
            "separate, less robust view of the same calls.",
            "",
        )
        pairs = [(f"validate/{alg}", "floor", "tokenguard") for alg in ALGORITHMS]
        pairs += [(f"validate/{alg}", "floor", AWS_LC_FLOOR) for alg in ALGORITHMS]
        pairs += [(f"validate/{alg}", "floor", TG_AWS) for alg in ALGORITHMS]
        pairs += [
            ("validate/HS256", "tokenguard", peer) for peer in (JWT_AWS, JWT_RUST)
        ]
        self.paired_table(pairs)

        for alg in ALGORITHMS:
            threshold = HMAC_FLOOR_TARGET if alg == "HS256" else FLOOR_TARGET
            name = f"{alg} tokenguard / floor <= {threshold}"
            pair = self.pair(f"validate/{alg}", "floor", "tokenguard")
            if pair is None:
                self.target(name, "n/a", None)
                continue
            self.target(
                name,
                f"{pair['ratio']:.3f}",
                pair["ratio"] <= threshold,
                f"tokenguard {ns(pair['measured_ns'])}, floor {ns(pair['baseline_ns'])}: "
                f"{ns(pair['difference_ns'])} above the floor",
            )
        for alg, threshold in AWS_LC_FLOOR_TARGETS.items():
            name = f"{alg} {TG_AWS} / ring floor <= {threshold}"
            pair = self.pair(f"validate/{alg}", "floor", TG_AWS)
            if pair is None:
                self.target(name, "n/a", None)
                continue
            detail = f"{TG_AWS} {ns(pair['measured_ns'])}, ring floor {ns(pair['baseline_ns'])}"
            library = self.pair(f"validate/{alg}", "floor", AWS_LC_FLOOR)
            if library is not None:
                detail += f"; aws-lc-rs alone / ring floor = {library['ratio']:.3f}"
                if library["ratio"] > threshold:
                    detail += ", so aws-lc-rs itself rules the target out"
            self.target(
                name, f"{pair['ratio']:.3f}", pair["ratio"] <= threshold, detail
            )
        for peer in (JWT_AWS, JWT_RUST):
            name = f"HS256 {peer} / tokenguard >= {HMAC_PEER_SPEEDUP_TARGET}"
            pair = self.pair("validate/HS256", "tokenguard", peer)
            if pair is None:
                self.target(name, "n/a", None)
                continue
            self.target(
                name,
                f"{pair['ratio']:.2f}",
                pair["ratio"] >= HMAC_PEER_SPEEDUP_TARGET,
                f"{peer} {ns(pair['measured_ns'])}, tokenguard {ns(pair['baseline_ns'])}",
            )

    def allocations_section(self) -> None:
        """Add section 5: heap allocations per validation."""
        self.add(
            "## 5. Heap allocations per validation",
            "",
            "Counted by a counting global allocator in each bench binary: allocations",
            "(including reallocations) per call, with the bytes requested, averaged over",
            "100 calls after one warm-up call.",
            "",
            "| algorithm | " + " | ".join(VALIDATION_ROWS) + " |",
            "| --- | " + " | ".join("---:" for _ in VALIDATION_ROWS) + " |",
        )
        for alg in ALGORITHMS:
            group = f"validate/{alg}"
            cells = [
                count(self.allocations.get((group, row))) for row in VALIDATION_ROWS
            ]
            self.add(f"| {alg} | " + " | ".join(cells) + " |")
        self.add("")
        for alg in ZERO_ALLOCATION_ALGORITHMS:
            record = self.allocations.get((f"validate/{alg}", "tokenguard"))
            met = None if record is None else record["count"] == 0
            self.target(f"{alg} tokenguard allocations = 0", count(record), met)

    def key_set(self) -> None:
        """Add section 4: reading JWK Sets and looking up a kid."""
        self.add(
            "## 4. Key-set work",
            "",
            "`JwkSet::from_json` on a JWK Set of RSA 2048-bit public keys, and",
            "`JwkSet::get` on the 1,000-key set (binary search over sorted kids).",
            "",
            "| operation | median | per key | allocations |",
            "| --- | ---: | ---: | ---: |",
        )
        for size in (1, 10, 1000):
            row = "1 key" if size == 1 else f"{size} keys"
            value = self.median("jwks/parse", row)
            per_key = None if value is None else value / size
            allocations = count(self.allocations.get(("jwks/parse", row)))
            self.add(f"| parse, {row} | {ns(value)} | {ns(per_key)} | {allocations} |")
        for row in ("kid present", "kid absent"):
            value = self.median("jwks/lookup", row)
            allocations = count(self.allocations.get(("jwks/lookup", row)))
            self.add(f"| lookup in 1,000 keys, {row} | {ns(value)} | | {allocations} |")
        self.add("")
        value = self.median("jwks/lookup", "kid present")
        met = None if value is None else value < KID_LOOKUP_TARGET_NS
        self.target(
            f"kid lookup in 1,000 keys < {KID_LOOKUP_TARGET_NS:.0f} ns", ns(value), met
        )

    def c_abi(self) -> None:
        """Add section 6: the C ABI's cost over the Rust call."""
        self.add(
            "## 6. C ABI over Rust",
            "",
            "`Rust` is `Validator::validate` with a reused `TokenBuffer`; `Rust, new",
            "TokenBuffer` makes and zeroes a 12 KiB buffer per call, as the C function",
            "does; `C ABI` is `tg_validator_validate` plus `tg_token_free` through",
            "libtokenguard.so. Overhead is the difference of the C and Rust medians.",
            "Allocations are counted at `malloc` level for all three rows.",
            "",
            "| algorithm | Rust | Rust, new TokenBuffer | C ABI | C ABI - Rust "
            "| allocations Rust / C ABI |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        )
        for alg in ALGORITHMS:
            group = f"c_abi/{alg}"
            rust = self.median(group, "Rust")
            fresh = self.median(group, "Rust, new TokenBuffer")
            c_abi = self.median(group, "C ABI")
            overhead = None if rust is None or c_abi is None else c_abi - rust
            rust_count = count(self.allocations.get((group, "Rust")))
            c_count = count(self.allocations.get((group, "C ABI")))
            self.add(
                f"| {alg} | {ns(rust)} | {ns(fresh)} | {ns(c_abi)} | {ns(overhead)} "
                f"| {rust_count} / {c_count} |"
            )
        self.add(
            "",
            "Two separate criterion medians on a shared machine cannot resolve a",
            "difference of a few hundred nanoseconds, which is why the C ABI - Rust",
            "column above can even be negative. The target is judged on HS256, whose",
            "validation is shortest, with the paired timing below.",
            "",
        )
        self.add(
            "Paired timing of the same calls, as in section 1-3: the difference is the",
            "median over rounds of alternating batches, with its interquartile range.",
            "",
        )
        pairs = []
        for alg in ALGORITHMS:
            pairs.append((f"c_abi/{alg}", "Rust", "C ABI"))
            pairs.append((f"c_abi/{alg}", "Rust", "Rust, new TokenBuffer"))
        self.paired_table(pairs)

        name = f"C ABI overhead <= {C_ABI_OVERHEAD_TARGET_NS:.0f} ns (HS256)"
        overhead = self.pair("c_abi/HS256", "Rust", "C ABI")
        fresh = self.pair("c_abi/HS256", "Rust", "Rust, new TokenBuffer")
        if overhead is None:
            self.target(name, "n/a", None)
            return
        detail = (
            f"C ABI {ns(overhead['measured_ns'])}, Rust {ns(overhead['baseline_ns'])}, "
            f"interquartile range {ns(overhead['difference_iqr_ns'])}"
        )
        if fresh is not None:
            detail += (
                f"; a new TokenBuffer per call alone costs {ns(fresh['difference_ns'])}"
            )
        self.target(
            name,
            ns(overhead["difference_ns"]),
            overhead["difference_ns"] <= C_ABI_OVERHEAD_TARGET_NS,
            detail,
        )

    def python_section(self) -> None:
        """Add section 7: the Python package against PyJWT, joserfc and jwcrypto."""
        self.add("## 7. Python", "")
        if not self.python:
            self.add("python_bench.py has not written its results for this run.", "")
            return
        python = self.python
        single = {(row["alg"], row["library"]): row for row in python["single"]}
        self.add(
            f"Median of {python['repeats']} `timeit` runs of {python['iterations']} calls",
            "each, one thread. The peer columns divide the peer's median by tokenguard's.",
            "",
            "| algorithm | tokenguard | PyJWT | joserfc | jwcrypto "
            "| PyJWT / tg | joserfc / tg | jwcrypto / tg |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        )
        for alg in ALGORITHMS:
            ours = single.get((alg, "tokenguard"))
            if ours is None:
                continue
            times = [
                single[(alg, lib)]["median_us"] for lib in ["tokenguard", *PYTHON_PEERS]
            ]
            ratios = [f"{value / times[0]:.1f}" for value in times[1:]]
            cells = [f"{value:.1f} µs" for value in times]
            self.add(f"| {alg} | " + " | ".join(cells + ratios) + " |")
        self.add(
            "",
            f"Throughput: the median of {python['repeats']} runs of {python['seconds']} s for",
            "each thread count, 1 and 2 threads alternating.",
            "",
            "`cores` is the process's CPU time over the wall time, the median over the",
            "runs: 2 threads that use about one core are serialised, by the GIL or by",
            "other work on the machine that leaves no second core free. The",
            "`control (hashlib)` row hashes 64 KiB with the GIL released: its 2 / 1 is",
            "what the machine allowed next to that algorithm's rows. A thread target",
            "whose control stayed under 1.8 is marked not measured.",
            "",
            "| algorithm | library | 1 thread (/s) | 2 threads (/s) | 2 / 1 "
            "| cores, 1 thread | cores, 2 threads |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        )
        for row in python["threads"]:
            scaling = row["two_threads"] / row["one_thread"]
            self.add(
                f"| {row['alg']} | {row['library']} | {row['one_thread']:,.0f} "
                f"| {row['two_threads']:,.0f} | {scaling:.2f} "
                f"| {row.get('one_thread_cores', float('nan')):.2f} "
                f"| {row.get('two_threads_cores', float('nan')):.2f} |"
            )
        self.add("")

        for alg, threshold in PYTHON_SPEEDUP_TARGETS.items():
            name = f"Python {alg} PyJWT / tokenguard >= {threshold}"
            ours, theirs = single.get((alg, "tokenguard")), single.get((alg, "PyJWT"))
            if ours is None or theirs is None:
                self.target(name, "n/a", None)
                continue
            speedup = theirs["median_us"] / ours["median_us"]
            # The Python package verifies with aws-lc-rs, its default backend.
            rust = self.median(f"validate/{alg}", TG_AWS)
            floor = self.median(f"validate/{alg}", "floor")
            detail = (
                f"tokenguard {ours['median_us']:.1f} µs (the Rust validation with "
                f"aws-lc-rs takes {ns(rust)}), PyJWT {theirs['median_us']:.1f} µs"
            )
            if floor is not None:
                # The highest speedup a ring-based validator could reach: PyJWT's time over
                # ring's signature check alone, with no parsing and no Python layer.
                bound = theirs["median_us"] * 1000 / floor
                detail += f"; PyJWT / ring floor ({ns(floor)}) = {bound:.2f}"
            self.target(name, f"{speedup:.2f}", speedup >= threshold, detail)
        controls = {
            row["alg"]: row["two_threads"] / row["one_thread"]
            for row in python["threads"]
            if row["library"] == PYTHON_CONTROL
        }
        for row in python["threads"]:
            if row["library"] != "tokenguard":
                continue
            scaling = row["two_threads"] / row["one_thread"]
            control = controls.get(row["alg"])
            # Amdahl's law for 2 threads, S = 2 / (1 + f), estimates the fraction f
            # of a call that runs serially, under the GIL or waiting for a core.
            serial = min(max(2 / scaling - 1, 0.0), 1.0)
            detail = (
                f"estimate: {serial:.0%} of a call runs serially; 2 threads used "
                f"{row.get('two_threads_cores', float('nan')):.2f} cores"
            )
            met: bool | None = scaling >= THREAD_SCALING_TARGET
            if control is not None:
                detail += f"; the GIL-free control reached {control:.2f}"
                if control < THREAD_SCALING_TARGET and not met:
                    # The machine itself did not allow the target, so this run
                    # cannot tell whether tokenguard would reach it.
                    met = None
                    detail += ", so no second core was free"
            self.target(
                f"Python {row['alg']} tokenguard 2 threads / 1 >= {THREAD_SCALING_TARGET}",
                f"{scaling:.2f}",
                met,
                detail,
            )

    def targets_section(self, notes: str) -> None:
        """Add the targets table, with met or not met, and the notes on misses."""
        self.add(
            "## Targets",
            "",
            "| target | figure | verdict | detail |",
            "| --- | ---: | --- | --- |",
        )
        for name, figure, verdict, detail in self.targets:
            self.add(f"| {name} | {figure} | {verdict} | {detail} |")
        self.add("")
        if notes:
            self.add(notes.rstrip(), "")

    def markdown(self, notes: str) -> str:
        """Build the whole page."""
        self.header()
        self.validation()
        self.key_set()
        self.allocations_section()
        self.c_abi()
        self.python_section()
        self.targets_section(notes)
        return "\n".join(self.lines)


def main() -> None:
    """Write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--notes",
        type=Path,
        default=BENCHES / "results-notes.md",
        help="Markdown appended after the targets table: why targets were missed",
    )
    parser.add_argument("--output", type=Path, default=BENCHES / "RESULTS.md")
    args = parser.parse_args()
    notes = args.notes.read_text() if args.notes.exists() else ""
    report = Report()
    if not report.medians:
        raise SystemExit(
            f"no criterion results under {TARGET / 'criterion'}; run cargo bench"
        )
    args.output.write_text(report.markdown(notes))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
