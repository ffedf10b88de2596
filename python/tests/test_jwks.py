"""JWKSClient and AsyncJWKSClient against a JWKS server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import AUDIENCE, ISSUER, NOW, SigningKey, claims, make_key
from servers import KeyServer

import tokenguard
from tokenguard import AsyncJWKSClient, JWKSClient, JWKSError


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def key() -> SigningKey:
    return make_key("ES256", "key-1")


@pytest.fixture
def server(key: SigningKey) -> Iterator[KeyServer]:
    server = KeyServer(key)
    yield server
    server.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(server: KeyServer, clock: Clock) -> Iterator[JWKSClient]:
    with JWKSClient(server.jwks_url, issuers=ISSUER, audiences=AUDIENCE, clock=clock) as client:
        yield client


def test_fetches_on_first_use(client: JWKSClient, server: KeyServer, key: SigningKey):
    assert server.count() == 0
    assert client.validate(key.sign(claims()), now=NOW).subject == "user-1"
    assert server.count() == 1
    client.validate_header("Bearer " + key.sign(claims()), now=NOW)
    assert server.count() == 1


def test_honours_max_age(client: JWKSClient, server: KeyServer, key: SigningKey, clock: Clock):
    server.cache_control = "public, max-age=120"
    token = key.sign(claims())
    client.validate(token, now=NOW)
    clock.now += 119
    client.validate(token, now=NOW)
    assert server.count() == 1
    clock.now += 2
    client.validate(token, now=NOW)
    assert server.count() == 2


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        (None, 300),
        ("max-age=5", 60),
        ("max-age=999999", 86400),
        ("no-store", 60),
        ("no-cache, max-age=600", 60),
        ("private", 300),
        ('max-age="600"', 600),
    ],
)
def test_ttl_clamped(server: KeyServer, cache_control: Any, ttl: int):
    client = JWKSClient(server.jwks_url, issuers=ISSUER, audiences=AUDIENCE)
    assert client._cache.ttl(cache_control) == ttl
    client.close()


def test_unknown_kid_refetches_once(
    client: JWKSClient, server: KeyServer, key: SigningKey, clock: Clock
):
    client.refresh()
    new = make_key("ES256", "key-2")
    server.rotate(key, new)
    assert client.validate(new.sign(claims()), now=NOW).subject == "user-1"
    assert server.count() == 2
    assert set(client.validator.key_ids) == {"key-1", "key-2"}


def test_junk_kids_rate_limited(client: JWKSClient, server: KeyServer, clock: Clock):
    client.refresh()
    for i in range(50):
        junk = make_key("ES256", f"junk-{i % 3}") if i < 3 else None
        token = (junk or make_key_cached()).sign(claims(), kid=f"junk-{i}")
        with pytest.raises(tokenguard.UnknownKeyId):
            client.validate(token, now=NOW)
    # One refetch for the first junk kid, none during the cooldown.
    assert server.count() == 2
    clock.now += 31
    with pytest.raises(tokenguard.UnknownKeyId):
        client.validate(make_key_cached().sign(claims(), kid="junk-0"), now=NOW)
    assert server.count() == 2, "a kid still unknown after a refetch is remembered"
    with pytest.raises(tokenguard.UnknownKeyId):
        client.validate(make_key_cached().sign(claims(), kid="fresh"), now=NOW)
    assert server.count() == 3


_CACHED: list[SigningKey] = []


def make_key_cached() -> SigningKey:
    if not _CACHED:
        _CACHED.append(make_key("ES256", "unused"))
    return _CACHED[0]


def test_failed_refresh_keeps_keys(
    client: JWKSClient, server: KeyServer, key: SigningKey, clock: Clock, caplog: Any
):
    client.refresh()
    server.status = 500
    clock.now += 301
    with caplog.at_level(logging.WARNING, logger="tokenguard.jwks"):
        assert client.validate(key.sign(claims()), now=NOW).subject == "user-1"
    assert "keeping the previous 1 keys" in caplog.text
    assert server.count() == 2
    client.validate(key.sign(claims()), now=NOW)
    assert server.count() == 2, "a failed refresh is retried after the cooldown"
    server.status = 200
    clock.now += 31
    client.validate(key.sign(claims()), now=NOW)
    assert server.count() == 3


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"keys": 5}', b"x" * (2**20 + 10)],
    ids=["not-json", "keys-not-array", "too-large"],
)
def test_bad_first_fetch_raises(server: KeyServer, body: bytes):
    server.body = body
    with JWKSClient(server.jwks_url, issuers=ISSUER, audiences=AUDIENCE) as client:
        with pytest.raises(JWKSError):
            client.refresh()
        with pytest.raises(JWKSError):
            client.validate("a.b.c", now=NOW)


def test_unreachable_server_raises():
    server = KeyServer()
    url = server.jwks_url
    server.close()
    with JWKSClient(url, issuers=ISSUER, audiences=AUDIENCE, timeout=2) as client:
        with pytest.raises(JWKSError):
            client.refresh()


def test_logs_rotation_without_token(
    client: JWKSClient, server: KeyServer, key: SigningKey, caplog: Any
):
    token = key.sign(claims())
    with caplog.at_level(logging.DEBUG, logger="tokenguard"):
        client.validate(token, now=NOW)
        server.rotate(key, make_key("ES256", "key-3"))
        client.refresh()
    assert "loaded JWK Set" in caplog.text
    assert "added ['key-3']" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


def test_discovery(server: KeyServer, key: SigningKey):
    with JWKSClient(issuer=server.url, audiences=AUDIENCE) as client:
        token = key.sign(claims(iss=server.url))
        assert client.validate(token, now=NOW).issuer == server.url
    assert server.count("/.well-known/openid-configuration") == 1


def test_discovery_issuer_mismatch(server: KeyServer):
    with JWKSClient(issuer=server.url + "/other", audiences=AUDIENCE) as client:
        with pytest.raises(JWKSError, match="names issuer"):
            client.refresh()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"jwks_url": "http://127.0.0.1/x", "issuer": "http://127.0.0.1"},
        {"jwks_url": "file:///etc/passwd"},
        {"jwks_url": "http://127.0.0.1/x", "min_ttl": 100, "max_ttl": 10},
        {"jwks_url": "http://127.0.0.1/x", "leeway": 1000},
    ],
)
def test_client_config_errors(options: dict[str, Any]):
    options = {"issuers": ISSUER, "audiences": AUDIENCE, **options}
    with pytest.raises(tokenguard.InvalidConfig):
        JWKSClient(**options)


def test_async_client(server: KeyServer, key: SigningKey):
    async def run() -> None:
        clock = Clock()
        async with AsyncJWKSClient(
            server.jwks_url, issuers=ISSUER, audiences=AUDIENCE, clock=clock
        ) as client:
            token = key.sign(claims())
            results = await asyncio.gather(*(client.validate(token, now=NOW) for _ in range(20)))
            assert {r.subject for r in results} == {"user-1"}
            assert server.count() == 1
            new = make_key("EdDSA", "key-ed")
            server.rotate(new)
            verified = await client.validate_header("Bearer " + new.sign(claims()), now=NOW)
            assert verified.header["alg"] == "EdDSA"
            assert server.count() == 2
            with pytest.raises(tokenguard.UnknownKeyId):
                await client.validate(key.sign(claims()), now=NOW)
            assert server.count() == 2
            server.status = 503
            clock.now += 301
            assert (await client.validate(new.sign(claims()), now=NOW)).subject == "user-1"
            await client.refresh()

    asyncio.run(run())


def test_async_first_fetch_fails(server: KeyServer):
    server.status = 404

    async def run() -> None:
        async with AsyncJWKSClient(server.jwks_url, issuers=ISSUER, audiences=AUDIENCE) as client:
            with pytest.raises(JWKSError):
                await client.validate("a.b.c", now=NOW)

    asyncio.run(run())


def test_first_use_fetches_once_across_threads(
    client: JWKSClient, server: KeyServer, key: SigningKey
):
    token = key.sign(claims())
    subjects: list[str | None] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        subjects.append(client.validate(token, now=NOW).subject)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert subjects == ["user-1"] * 8
    assert server.count() == 1


def test_stale_set_served_during_refresh(
    client: JWKSClient, server: KeyServer, key: SigningKey, clock: Clock
):
    client.refresh()
    clock.now += 301
    # Another thread is refreshing: this one goes on with the current keys.
    with client._lock:
        assert client.validate(key.sign(claims()), now=NOW).subject == "user-1"
    assert server.count() == 1


def test_rotation_under_threads(server: KeyServer, key: SigningKey):
    new = make_key("EdDSA", "key-new")
    old_token, new_token = key.sign(claims()), new.sign(claims())
    wrong: list[str] = []
    stop = threading.Event()
    with JWKSClient(
        server.jwks_url, issuers=ISSUER, audiences=AUDIENCE, refetch_cooldown=0.05
    ) as client:
        client.refresh()

        def work() -> None:
            while not stop.is_set():
                for token in (old_token, new_token):
                    try:
                        client.validate(token, now=NOW)
                    except tokenguard.UnknownKeyId:
                        continue
                    except tokenguard.TokenError as error:
                        wrong.append(error.name)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        server.rotate(key, new)
        deadline = time.monotonic() + 5
        while "key-new" not in client.validator.key_ids and time.monotonic() < deadline:
            time.sleep(0.01)
        server.rotate(new)
        client.refresh()
        stop.set()
        for thread in threads:
            thread.join()
        assert wrong == []
        assert client.validator.key_ids == ("key-new",)
        assert client.validate(new_token, now=NOW).subject == "user-1"
