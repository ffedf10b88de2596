"""Benchmark tokenguard against PyJWT on the same tokens and keys.

Measures one validation per algorithm on one thread, then the throughput of 2
threads against 1 for each library, and writes the tables to RESULTS.md next to
this file. Run from the repository root after ``pip install "./python[test]"``:

    target/python-venv/bin/python benches/python_bench.py
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import tokenguard
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://auth.example.com"
AUDIENCE = "https://api.example.com"
ALGORITHMS = ["HS256", "RS256", "PS256", "ES256", "EdDSA"]
RESULTS = Path(__file__).with_name("RESULTS.md")


def make_case(alg: str) -> tuple[str, Callable[[], Any], Callable[[], Any]]:
    """Return a token and two zero-argument validators of it: tokenguard, PyJWT."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "client_id": "client-1",
        "iat": now,
        "exp": now + 24 * 3600,
        "jti": "id-1",
        "scope": "orders:read orders:write",
    }
    header = {"kid": "k1", "typ": "at+jwt"}
    if alg == "HS256":
        secret = os.urandom(32)
        token = jwt.encode(claims, secret, algorithm=alg, headers=header)
        validator = tokenguard.Validator(
            hmac_secrets=[("k1", "HS256", secret)], issuers=ISSUER, audiences=AUDIENCE
        )
        verifying_key: Any = secret
    else:
        if alg in ("RS256", "PS256"):
            private: Any = rsa.generate_private_key(
                public_exponent=65537, key_size=2048
            )
            public = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
            public = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
        else:
            private = ed25519.Ed25519PrivateKey.generate()
            public = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
        public.update({"kid": "k1", "alg": alg})
        token = jwt.encode(claims, private, algorithm=alg, headers=header)
        validator = tokenguard.Validator(
            {"keys": [public]}, issuers=ISSUER, audiences=AUDIENCE
        )
        verifying_key = private.public_key()

    def with_tokenguard() -> Any:
        return validator.validate(token)

    def with_pyjwt() -> Any:
        return jwt.decode(
            token,
            verifying_key,
            algorithms=[alg],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=30,
            options={"require": ["exp", "iss", "aud"]},
        )

    return token, with_tokenguard, with_pyjwt


def per_call_us(function: Callable[[], Any], iterations: int, repeats: int) -> float:
    """Return the best mean time of one call over ``repeats`` runs, in microseconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(iterations):
            function()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best * 1e6


def throughput(function: Callable[[], Any], threads: int, seconds: float) -> float:
    """Return validations per second with ``threads`` threads running ``function``."""
    counts = [0] * threads
    stop = threading.Event()

    def work(index: int) -> None:
        while not stop.is_set():
            for _ in range(50):
                function()
            counts[index] += 50

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - start)


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the machine type elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--iterations", type=int, default=2000, help="calls per timed run"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs; the best is kept"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=0.5,
        help="length of one throughput run, in seconds",
    )
    args = parser.parse_args()

    single = [
        "| algorithm | tokenguard (µs) | PyJWT (µs) | PyJWT / tokenguard |",
        "| --- | ---: | ---: | ---: |",
    ]
    threaded = [
        "| algorithm | library | 1 thread (/s) | 2 threads (/s) | 2 / 1 |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for alg in ALGORITHMS:
        _, ours, theirs = make_case(alg)
        assert ours().subject == theirs()["sub"]
        ours_us = per_call_us(ours, args.iterations, args.repeats)
        theirs_us = per_call_us(theirs, args.iterations, args.repeats)
        single.append(
            f"| {alg} | {ours_us:.1f} | {theirs_us:.1f} | {theirs_us / ours_us:.1f} |"
        )
        print(single[-1], flush=True)
        for name, function in (("tokenguard", ours), ("PyJWT", theirs)):
            # Alternate 1 and 2 threads and keep the best of each, so that a burst of
            # other work on the machine lowers both sides rather than one.
            one = two = 0.0
            for _ in range(args.repeats):
                one = max(one, throughput(function, 1, args.seconds))
                two = max(two, throughput(function, 2, args.seconds))
            threaded.append(
                f"| {alg} | {name} | {one:,.0f} | {two:,.0f} | {two / one:.2f} |"
            )
            print(threaded[-1], flush=True)

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    machine = f"{cpu_model()}, {os.cpu_count()} logical CPUs"
    versions = (
        f"Python {platform.python_version()}, tokenguard (this tree, release build via pip), "
        f"PyJWT {jwt.__version__}"
    )
    command = (
        "target/python-venv/bin/python benches/python_bench.py "
        f"--iterations {args.iterations} --repeats {args.repeats} --seconds {args.seconds}"
    )
    RESULTS.write_text(
        "\n".join(
            [
                "# Python benchmark: tokenguard against PyJWT",
                "",
                f"Machine: {machine}, {platform.system()} {platform.release()}.",
                f"Software: {versions}.",
                f"Command: `{command}`.",
                f"Load average when the run ended (1, 5, 15 minutes): {load}. A load near",
                "the CPU count means another process was competing for the cores, which",
                "lowers the 2-thread numbers most.",
                "",
                "Both libraries validate the same token with the same key: signature, `iss`,",
                "`aud`, `exp` with 30 s leeway. PyJWT gets a key object loaded once. Times are",
                "the best of the timed runs. The machine is shared with other work (see the",
                "load average above), so treat differences under 10% as noise.",
                "",
                "## One validation, one thread",
                "",
                *single,
                "",
                "## Throughput, 2 threads against 1",
                "",
                "Each number is the best of the alternating 1-thread and 2-thread runs.",
                "tokenguard releases the GIL while it verifies; the 2 / 1 column shows how",
                "much of a second core each library uses.",
                "",
                *threaded,
                "",
            ]
        )
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
