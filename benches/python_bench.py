"""Benchmark tokenguard against PyJWT, joserfc and jwcrypto on the same tokens and keys.

For each algorithm it times one validation on one thread with ``timeit``, then the
throughput of 2 threads against 1 for each library. It prints the tables and writes
them as JSON (default ``benches/target/python-results.json``), which
``benches/report.py`` puts into ``benches/RESULTS.md``. Run from the repository root
in a virtual environment that has the package and the peers installed (see
``benches/README.md``):

    target/python-venv/bin/python benches/python_bench.py

``--iterations 1 --repeats 1 --seconds 0.01`` runs every step once, as CI does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform
import statistics
import sys
import threading
import time
import timeit
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import jwt
import tokenguard
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jwk as joserfc_jwk
from joserfc import jwt as joserfc_jwt
from joserfc.errors import JoseError, SecurityWarning
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jwt as jwcrypto_jwt
from jwcrypto.common import JWException
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://auth.example.com/"
AUDIENCE = "https://api.example.com"
OTHER_AUDIENCE = "https://billing.example.com"
LEEWAY_SECONDS = 30
ALGORITHMS = ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"]
LIBRARIES = ["tokenguard", "PyJWT", "joserfc", "jwcrypto"]
KEYS_PER_SET = 3
# Tokens are 700 to 1,000 bytes long; the RSA ones, the longest, are padded to this.
LONGEST_TOKEN_BYTES = 1000
RSA_2048_SIGNATURE_CHARS = 342
DEFAULT_OUTPUT = Path(__file__).with_name("target") / "python-results.json"
# The base classes of the errors each library raises for a rejected token.
REJECTIONS = (tokenguard.TokenError, jwt.InvalidTokenError, JoseError, JWException)

# joserfc 1.8 warns on every EdDSA token that RFC 9864 deprecates the name in favour
# of Ed25519. The benchmark tokens use EdDSA, as every other library here expects.
warnings.filterwarnings(
    "ignore", message="EdDSA is deprecated", category=SecurityWarning
)

Validate = Callable[[str], Any]


def b64url(data: bytes) -> str:
    """Encode base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_json(subject: str, audience: str, now: int) -> str:
    """Return RFC 9068 access-token claims with a scope of six values, as the Rust benches."""
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "aud": audience,
        "exp": now + 3600,
        "iat": now - 10,
        "nbf": now - 10,
        "jti": "5b8d6f0e-3c1a-4e7b-9f2d-8a6c4b1e0d37",
        "client_id": "orders-service-7c2e",
        "scope": "openid profile email orders:read orders:write invoices:read",
    }
    return json.dumps(claims, separators=(",", ":"))


def subject_for_length(header: str, now: int) -> str:
    """Return a ``sub`` that brings the RSA tokens as close to 1,000 bytes as possible."""

    def token_len(subject: str) -> int:
        claims = claims_json(subject, AUDIENCE, now)
        return (
            len(b64url(header.encode()))
            + len(b64url(claims.encode()))
            + 2
            + RSA_2048_SIGNATURE_CHARS
        )

    subject = "user-"
    while token_len(subject) < LONGEST_TOKEN_BYTES:
        subject += "0123456789abcdef"[len(subject) * 7 % 16]
    while token_len(subject) > LONGEST_TOKEN_BYTES:
        subject = subject[:-1]
    return subject


@dataclass
class Key:
    """One key of a set: its kid, the private key or secret, and its public JWK."""

    kid: str
    private: Any
    public_jwk: dict[str, Any]


def generate_key(alg: str, index: int) -> Key:
    """Generate one key for ``alg`` with a 43-character kid."""
    if alg == "HS256":
        secret = os.urandom(32)
        kid = b64url(hashlib.sha256(f"hmac secret {index}".encode()).digest())
        return Key(kid, secret, {"kty": "oct", "k": b64url(secret)})
    if alg in ("RS256", "PS256"):
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        algorithm: Any = RSAAlgorithm
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
        algorithm = ECAlgorithm
    elif alg == "ES384":
        private = ec.generate_private_key(ec.SECP384R1())
        algorithm = ECAlgorithm
    else:
        private = ed25519.Ed25519PrivateKey.generate()
        algorithm = OKPAlgorithm
    public = algorithm.to_jwk(private.public_key(), as_dict=True)
    kid = b64url(hashlib.sha256(json.dumps(public, sort_keys=True).encode()).digest())
    public.update({"kid": kid, "alg": alg, "use": "sig"})
    return Key(kid, private, public)


@dataclass
class Case:
    """One algorithm's tokens and a zero-argument validator per library."""

    alg: str
    token: str
    wrong_audience_token: str
    subject: str
    validators: dict[str, Validate]


def sign(alg: str, key: Key, header: str, claims: str) -> str:
    """Sign a compact JWS with PyJWT's algorithm implementation."""
    signing_input = f"{b64url(header.encode())}.{b64url(claims.encode())}"
    algorithm = jwt.get_algorithm_by_name(alg)
    signature = algorithm.sign(
        signing_input.encode(), algorithm.prepare_key(key.private)
    )
    return f"{signing_input}.{b64url(signature)}"


def make_case(alg: str, now: int) -> Case:
    """Generate a key set of three keys and sign the tokens with the second one."""
    keys = [generate_key(alg, index) for index in range(KEYS_PER_SET)]
    signer = keys[1]
    header = json.dumps(
        {"alg": alg, "typ": "at+jwt", "kid": signer.kid}, separators=(",", ":")
    )
    subject = subject_for_length(header, now)
    token = sign(alg, signer, header, claims_json(subject, AUDIENCE, now))
    wrong = sign(alg, signer, header, claims_json(subject, OTHER_AUDIENCE, now))
    assert 700 <= len(token) <= 1000, f"{alg} token is {len(token)} bytes"
    validators = {
        "tokenguard": tokenguard_validator(alg, keys),
        "PyJWT": pyjwt_validator(alg, signer),
        "joserfc": joserfc_validator(alg, signer),
        "jwcrypto": jwcrypto_validator(alg, signer),
    }
    return Case(alg, token, wrong, subject, validators)


def tokenguard_validator(alg: str, keys: list[Key]) -> Validate:
    """Return tokenguard's validation with the key set of three keys; it also checks typ and iat."""
    if alg == "HS256":
        validator = tokenguard.Validator(
            hmac_secrets=[(key.kid, alg, key.private) for key in keys],
            issuers=ISSUER,
            audiences=AUDIENCE,
            leeway=LEEWAY_SECONDS,
        )
    else:
        validator = tokenguard.Validator(
            {"keys": [key.public_jwk for key in keys]},
            issuers=ISSUER,
            audiences=AUDIENCE,
            algorithms=[alg],
            leeway=LEEWAY_SECONDS,
        )

    def validate(token: str) -> Any:
        return validator.validate(token).subject

    return validate


def pyjwt_validator(alg: str, key: Key) -> Validate:
    """Return PyJWT's validation with the signing key's key object, loaded once."""
    verifying_key = key.private if alg == "HS256" else key.private.public_key()

    def validate(token: str) -> Any:
        claims = jwt.decode(
            token,
            verifying_key,
            algorithms=[alg],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
        return claims["sub"]

    return validate


def joserfc_validator(alg: str, key: Key) -> Validate:
    """Return joserfc's validation with the signing key imported once and a claims registry."""
    imported = joserfc_jwk.import_key(key.public_jwk)
    registry = joserfc_jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
    )

    def validate(token: str) -> Any:
        decoded = joserfc_jwt.decode(token, imported, algorithms=[alg])
        registry.validate(decoded.claims)
        return decoded.claims["sub"]

    return validate


def jwcrypto_validator(alg: str, key: Key) -> Validate:
    """Return jwcrypto's validation with the signing key imported once.

    jwcrypto keeps state in its JWT object, so one is made per token.
    """
    imported = jwcrypto_jwk.JWK(**key.public_jwk)
    check_claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": None}

    def validate(token: str) -> Any:
        decoded = jwcrypto_jwt.JWT(
            algs=[alg], check_claims=check_claims, expected_type="JWS"
        )
        decoded.leeway = LEEWAY_SECONDS
        decoded.deserialize(token, imported)
        return json.loads(decoded.claims)["sub"]

    return validate


CONTROL = "control (hashlib)"
CONTROL_DATA = b"\0" * (1 << 16)


def hash_control(token: str) -> Any:
    """Hash 64 KiB with SHA-256, which hashlib does with the GIL released.

    Its 2 / 1 thread ratio is what the machine allows at that moment: near 2 when a
    second core is free, near 1 when other work occupies it.
    """
    return hashlib.sha256(CONTROL_DATA).digest()


def check_agreement(case: Case) -> None:
    """Check that every library accepts the token and rejects the wrong audience."""
    for library, validate in case.validators.items():
        subject = validate(case.token)
        if subject != case.subject:
            raise AssertionError(f"{case.alg}: {library} returned sub {subject!r}")
        try:
            validate(case.wrong_audience_token)
        except REJECTIONS:
            continue
        raise AssertionError(f"{case.alg}: {library} accepts the wrong audience")


def per_call_us(
    validate: Validate, token: str, iterations: int, repeats: int
) -> list[float]:
    """Return the mean time of one call in each of ``repeats`` timeit runs, in µs."""
    timer = timeit.Timer(lambda: validate(token))
    return [total / iterations * 1e6 for total in timer.repeat(repeats, iterations)]


def throughput(
    validate: Validate, token: str, threads: int, seconds: float
) -> tuple[float, float]:
    """Return validations per second with ``threads`` threads validating ``token``.

    Also returns the CPU cores the process used meanwhile, its CPU time over the wall
    time. Two threads that use about one core are serialised, by the GIL or by other
    work on the machine that leaves no second core free.
    """
    counts = [0] * threads
    stop = threading.Event()
    batch = 20

    def work(index: int) -> None:
        while not stop.is_set():
            for _ in range(batch):
                validate(token)
            counts[index] += batch

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    cpu_start = time.process_time()
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    return sum(counts) / elapsed, (time.process_time() - cpu_start) / elapsed


def versions() -> dict[str, str]:
    """Return the versions of Python and of every library measured."""
    found = {"Python": platform.python_version()}
    for distribution in ["tokenguard", "PyJWT", "joserfc", "jwcrypto", "cryptography"]:
        found[distribution] = metadata.version(distribution)
    return found


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the machine type elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--iterations",
        type=int,
        default=2000,
        help="calls per timeit run (default 2000)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=7,
        help="timeit runs, and throughput runs per thread count; medians are kept (default 7)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=0.5,
        help="length of one throughput run, in seconds (default 0.5)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"JSON results file (default {DEFAULT_OUTPUT})",
    )
    return parser.parse_args()


def main() -> None:
    """Run every measurement, print the tables and write the JSON results."""
    args = parse_args()
    load_before = os.getloadavg()
    now = int(time.time())
    single: list[dict[str, Any]] = []
    threaded: list[dict[str, Any]] = []

    print("| algorithm | library | median (µs) | min (µs) | / tokenguard |", flush=True)
    for alg in ALGORITHMS:
        case = make_case(alg, now)
        check_agreement(case)
        medians: dict[str, float] = {}
        for library in LIBRARIES:
            times = per_call_us(
                case.validators[library], case.token, args.iterations, args.repeats
            )
            medians[library] = statistics.median(times)
            ratio = medians[library] / medians["tokenguard"]
            single.append(
                {
                    "alg": alg,
                    "library": library,
                    "token_bytes": len(case.token),
                    "median_us": medians[library],
                    "min_us": min(times),
                }
            )
            print(
                f"| {alg} | {library} | {medians[library]:.1f} | {min(times):.1f} "
                f"| {ratio:.2f} |",
                flush=True,
            )

        for library in [*LIBRARIES, CONTROL]:
            validate = case.validators.get(library, hash_control)
            # 1 and 2 threads alternate, so that a burst of other work on the machine
            # lowers both sides rather than one.
            one: list[tuple[float, float]] = []
            two: list[tuple[float, float]] = []
            for _ in range(args.repeats):
                one.append(throughput(validate, case.token, 1, args.seconds))
                two.append(throughput(validate, case.token, 2, args.seconds))
            row = {
                "alg": alg,
                "library": library,
                "one_thread": statistics.median(rate for rate, _ in one),
                "two_threads": statistics.median(rate for rate, _ in two),
                "one_thread_cores": statistics.median(cores for _, cores in one),
                "two_threads_cores": statistics.median(cores for _, cores in two),
            }
            threaded.append(row)
            print(
                f"| {alg} | {library} | 1 thread {row['one_thread']:,.0f}/s "
                f"| 2 threads {row['two_threads']:,.0f}/s "
                f"| {row['two_threads'] / row['one_thread']:.2f} "
                f"| cores used {row['one_thread_cores']:.2f} and {row['two_threads_cores']:.2f} |",
                flush=True,
            )

    command = (
        f"{os.path.relpath(sys.executable)} benches/python_bench.py "
        f"--iterations {args.iterations} "
        f"--repeats {args.repeats} --seconds {args.seconds}"
    )
    results = {
        "machine": f"{cpu_model()}, {os.cpu_count()} logical CPUs, "
        f"{platform.system()} {platform.release()}",
        "versions": versions(),
        "command": command,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "iterations": args.iterations,
        "repeats": args.repeats,
        "seconds": args.seconds,
        "single": single,
        "threads": threaded,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
