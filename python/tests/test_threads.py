"""Four threads validate while the key set rotates: no verdict may be wrong."""

from __future__ import annotations

import sys
import threading
import time

from conftest import AUDIENCE, ISSUER, NOW, claims, jwks, make_key

import tokenguard
from tokenguard import TokenError, Validator

ROUNDS = 300


def test_rotation_under_threads():
    stable, rotating, absent = (
        make_key("ES256", "stable"),
        make_key("EdDSA", "rotating"),
        make_key("ES256", "absent"),
    )
    wrong_issuer = stable.sign(claims(iss="https://evil.example"))
    tampered = stable.sign(claims())[:-4] + "AAAA"
    # Each token with the verdicts it may get; the rotating key comes and goes.
    cases = [
        (stable.sign(claims()), {None}),
        (rotating.sign(claims()), {None, tokenguard.UnknownKeyId}),
        (absent.sign(claims()), {tokenguard.UnknownKeyId}),
        (wrong_issuer, {tokenguard.WrongIssuer}),
        (tampered, {tokenguard.BadSignature}),
    ]
    validator = Validator(jwks(stable), issuers=ISSUER, audiences=AUDIENCE)
    stop = threading.Event()
    wrong: list[str] = []
    counts = [0] * 4

    def work(index: int) -> None:
        while not stop.is_set():
            for token, allowed in cases:
                try:
                    validator.validate(token, now=NOW)
                    verdict = None
                except TokenError as error:
                    verdict = type(error)
                if verdict not in allowed:
                    wrong.append(f"{verdict} for a token allowed {allowed}")
                counts[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    sets = [jwks(stable), jwks(stable, rotating), jwks(rotating, stable)]
    for round_number in range(ROUNDS):
        validator.set_jwks(sets[round_number % len(sets)])
        time.sleep(0.0005)
    stop.set()
    for thread in threads:
        thread.join()

    assert wrong == []
    assert min(counts) > 0, "every thread validated while the keys rotated"


def ticks_while_validating(validator: Validator, token: str) -> int:
    """Count how often another thread ran during 0.3 s of validations.

    With a 1 s switch interval, a thread that never releases the GIL keeps it for
    a whole second, so the counter advances only if validation releases it.
    """
    stop = threading.Event()
    ticks = [0]

    def count() -> None:
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0)

    interval = sys.getswitchinterval()
    counter = threading.Thread(target=count)
    counter.start()
    try:
        sys.setswitchinterval(1.0)
        start = ticks[0]
        deadline = time.perf_counter() + 0.3
        while time.perf_counter() < deadline:
            validator.validate(token, now=NOW)
        advanced = ticks[0] - start
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        counter.join()
    return advanced


def test_gil_released_during_verification():
    key = make_key("RS256", "rsa")
    validator = Validator(jwks(key), issuers=ISSUER, audiences=AUDIENCE)
    assert ticks_while_validating(validator, key.sign(claims())) > 10


def test_gil_kept_for_hmac_only_keys():
    # An HMAC check is shorter than a GIL handover, so such a validator keeps it.
    key = make_key("HS256", "hs")
    validator = Validator(
        hmac_secrets=[(key.kid, "HS256", key.private)], issuers=ISSUER, audiences=AUDIENCE
    )
    assert ticks_while_validating(validator, key.sign(claims())) < 5
