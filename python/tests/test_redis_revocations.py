"""The Redis-backed revocation list against a real redis-server on 127.0.0.1.

Each test starts its own server on a free port, with the instances of the fleet
as several RedisRevocationList objects in this process, each with its own
in-process list and sync thread.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
import redis
from conftest import AUDIENCE, ISSUER
from redis_server import RedisServer, free_port

import tokenguard
from tokenguard import RedisRevocationList, RevocationList, Validator, VerifiedToken

WAIT_SECONDS = 10.0
VALIDATOR = Validator({"keys": []}, issuers=ISSUER, audiences=AUDIENCE)


def wait_until(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` until it is true or ``WAIT_SECONDS`` pass."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def token(jti: str | None = "jti-1", sub: str = "user-1", iat: int | None = None) -> VerifiedToken:
    """A verified token read from an introspection response, valid now."""
    now = int(time.time())
    answer: dict[str, Any] = {
        "active": True,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "exp": now + 600,
        "iat": now - 10 if iat is None else iat,
    }
    if jti is not None:
        answer["jti"] = jti
    return VALIDATOR.validate_introspection(json.dumps(answer), now=now)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    yield redis_server
    redis_server.stop()


@pytest.fixture
def durable_server(tmp_path: Path) -> Iterator[RedisServer]:
    redis_server = RedisServer(tmp_path, durable=True)
    redis_server.start()
    yield redis_server
    redis_server.stop()


@pytest.fixture
def fleet() -> Iterator[Callable[..., RedisRevocationList]]:
    """Build started instances and stop them all after the test."""
    started: list[RedisRevocationList] = []

    def instance(server: RedisServer, **options: Any) -> RedisRevocationList:
        revocations = RedisRevocationList(server.url, **options)
        revocations.start(timeout=WAIT_SECONDS)
        started.append(revocations)
        return revocations

    yield instance
    for revocations in started:
        revocations.stop()


def test_revocation_reaches_other_instance(server: RedisServer, fleet: Any):
    first, second = fleet(server), fleet(server)
    assert not second.is_revoked(token())
    first.revoke(ISSUER, "jti-1", int(time.time()) + 600)
    assert first.is_revoked(token()), "the revoking instance applies it at once"
    assert wait_until(lambda: second.is_revoked(token()))
    with pytest.raises(tokenguard.Revoked):
        second.check(token())
    assert not second.is_revoked(token(jti="jti-2"))
    assert second.stats.applied == 1


def test_revoke_stores_key_with_expiry(server: RedisServer, fleet: Any):
    revocations = fleet(server)
    exp = int(time.time()) + 600
    revocations.revoke(ISSUER, "jti-1", exp)
    client = server.client()
    [key] = client.keys("tokenguard:revoked:jti:*")
    assert len(key.split(b":")[-1]) == 64
    assert client.hgetall(key) == {b"iss": ISSUER.encode(), b"value": b"jti-1", b"exp": b"%d" % exp}
    assert client.pexpiretime(key) == (exp + 300) * 1000

    # A second revocation keeps the later expiry, as the in-process list does.
    revocations.revoke(ISSUER, "jti-1", exp - 100)
    assert client.pexpiretime(key) == (exp + 300) * 1000
    revocations.revoke(ISSUER, "jti-1", exp + 100)
    assert client.hget(key, "exp") == b"%d" % (exp + 100)
    assert client.pexpiretime(key) == (exp + 400) * 1000
    client.close()


def test_keys_separate_issuers(server: RedisServer, fleet: Any):
    revocations = fleet(server)
    exp = int(time.time()) + 600
    revocations.revoke("https://other.example.com", "jti-1", exp)
    revocations.revoke(ISSUER, "jti-1", exp)
    revocations.revoke(ISSUER + "j", "ti-1", exp)
    client = server.client()
    assert len(client.keys("tokenguard:revoked:jti:*")) == 3
    client.close()


def test_new_instance_loads_on_start(server: RedisServer, fleet: Any):
    first = fleet(server)
    now = int(time.time())
    first.revoke(ISSUER, "jti-1", now + 600)
    first.revoke_subject(ISSUER, "user-9", now, now + 3600)
    late = fleet(server)
    assert late.synced
    assert late.is_revoked(token())
    assert late.is_revoked(token(jti=None, sub="user-9", iat=now - 5))
    assert late.local.token_count == 1
    assert late.local.subject_count == 1
    assert late.stats.resyncs == 1


def test_subject_cutoff_reaches_other_instance(server: RedisServer, fleet: Any):
    first, second = fleet(server), fleet(server)
    now = int(time.time())
    first.revoke_subject(ISSUER, "user-1", now - 100, now + 3600)
    assert wait_until(lambda: second.is_revoked(token(jti="any", iat=now - 200)))
    assert not second.is_revoked(token(jti="any", iat=now - 50))
    assert not second.is_revoked(token(jti="any", sub="user-2", iat=now - 200))


def test_revoke_token(server: RedisServer, fleet: Any):
    first, second = fleet(server), fleet(server)
    first.revoke_token(token(jti="jti-7"))
    assert wait_until(lambda: second.is_revoked(token(jti="jti-7")))
    with pytest.raises(tokenguard.MissingClaim):
        first.revoke_token(token(jti=None))


def test_idle_connection_pinged(server: RedisServer, fleet: Any):
    revocations = fleet(server, ping_interval=0.05)
    client = server.client()

    def pings() -> int:
        calls: int = client.info("commandstats").get("cmdstat_ping", {}).get("calls", 0)
        return calls

    # The server's startup check sent one PING; the sync thread sends the rest.
    assert wait_until(lambda: pings() >= 3)
    client.close()
    assert revocations.stats.sync_errors == 0
    assert revocations.synced


def test_check_needs_no_network(server: RedisServer, fleet: Any):
    revocations = fleet(server)
    revocations.revoke(ISSUER, "jti-1", int(time.time()) + 600)
    server.crash()
    assert revocations.is_revoked(token())
    assert not revocations.is_revoked(token(jti="jti-2"))
    assert wait_until(lambda: not revocations.synced)


def test_durable_restart_keeps_acknowledged(durable_server: RedisServer, fleet: Any):
    first, second = fleet(durable_server), fleet(durable_server)
    now = int(time.time())
    first.revoke(ISSUER, "jti-1", now + 600)
    durable_server.crash()
    durable_server.start()

    # The revocation was acknowledged, so the append-only file has it.
    late = fleet(durable_server)
    assert late.is_revoked(token())

    # The running instances reconnect, reload and receive new revocations again.
    # redis-py may reconnect by itself, so a reload, not an error, marks it.
    assert wait_until(lambda: first.stats.resyncs >= 2)
    assert wait_until(lambda: second.stats.resyncs >= 2)
    late.revoke(ISSUER, "jti-2", now + 600)
    assert wait_until(lambda: first.is_revoked(token(jti="jti-2")))
    assert wait_until(lambda: second.is_revoked(token(jti="jti-2")))


def test_reconnect_reloads_missed_entries(server: RedisServer, fleet: Any):
    revocations = fleet(server)
    writer = fleet(server)
    # The first reload must be over, or it could pick up the entry below itself.
    assert wait_until(lambda: revocations.stats.resyncs >= 1)
    exp = int(time.time()) + 600
    # Stored but never published, as if it had been published while this
    # instance was disconnected.
    client = server.client()
    key = writer._key("jti", ISSUER, "jti-missed")
    client.hset(key, mapping={"iss": ISSUER, "value": "jti-missed", "exp": exp})
    assert not revocations.is_revoked(token(jti="jti-missed"))

    resyncs = revocations.stats.resyncs
    client.client_kill_filter(_type="pubsub")
    assert wait_until(lambda: revocations.stats.resyncs > resyncs)
    assert wait_until(lambda: revocations.is_revoked(token(jti="jti-missed")))
    client.close()


def test_restart_without_persistence(server: RedisServer, fleet: Any):
    first = fleet(server)
    first.revoke(ISSUER, "jti-1", int(time.time()) + 600)
    server.crash()
    server.start()
    assert wait_until(lambda: first.stats.resyncs >= 2)
    # The running instance keeps what it applied; a new one never learns of it.
    assert first.is_revoked(token())
    late = fleet(server)
    assert not late.is_revoked(token())


def test_expired_entries_leave_redis(server: RedisServer, fleet: Any):
    revocations = fleet(server)
    now = int(time.time())
    # exp + 300 s is one second from now, so the key expires then.
    revocations.revoke(ISSUER, "jti-1", now - 299)
    client = server.client()
    [key] = client.keys("tokenguard:revoked:jti:*")
    assert client.pexpiretime(key) == (now + 1) * 1000
    assert wait_until(lambda: client.exists(key) == 0)
    assert not fleet(server).is_revoked(token())

    # Past the margin nothing is stored at all, and nothing fails.
    revocations.revoke(ISSUER, "jti-2", now - 400)
    assert client.keys("tokenguard:revoked:*") == []
    assert revocations.local.token_count == 1
    assert revocations.local.evict_expired(now + 2) == 1
    client.close()


def test_full_local_list_raises_and_counts(server: RedisServer, fleet: Any, caplog: Any):
    small = fleet(server, local=RevocationList(max_tokens=1))
    writer = fleet(server)
    exp = int(time.time()) + 600
    with caplog.at_level(logging.ERROR, logger="tokenguard.revocation"):
        writer.revoke(ISSUER, "jti-1", exp)
        writer.revoke(ISSUER, "jti-2", exp)
        assert wait_until(lambda: small.stats.rejected_full == 1)
        assert small.stats.applied == 1
        with pytest.raises(tokenguard.RevocationListFull):
            small.revoke(ISSUER, "jti-3", exp)
    # The failed revoke counts once, and its own published message once more.
    assert wait_until(lambda: small.stats.rejected_full == 3)
    assert "was not applied" in caplog.text
    assert "stored in Redis but not in this instance's list" in caplog.text
    # The revocation that did not fit is in Redis, and other instances have it.
    assert wait_until(lambda: writer.is_revoked(token(jti="jti-3")))
    client = server.client()
    assert len(client.keys("tokenguard:revoked:jti:*")) == 3
    client.close()


@pytest.mark.parametrize(
    "message",
    [
        b"not json",
        b"[]",
        b'{"kind": "jti", "iss": "x", "jti": "y"}',
        b'{"kind": "jti", "iss": "x", "jti": "y", "exp": "soon"}',
        b'{"kind": "jti", "iss": 1, "jti": "y", "exp": 5}',
        b'{"kind": "jti", "iss": "x", "jti": "y", "exp": true}',
        b'{"kind": "sub", "iss": "x", "sub": "y", "keep_until": 5}',
        b'{"kind": "other", "iss": "x"}',
        b"\xff",
    ],
    ids=[
        "not-json",
        "array",
        "no-exp",
        "exp-string",
        "iss-int",
        "exp-bool",
        "no-cutoff",
        "unknown-kind",
        "not-utf8",
    ],
)
def test_invalid_message_counted(server: RedisServer, fleet: Any, message: bytes):
    revocations = fleet(server)
    client = server.client()
    client.publish(revocations.channel, message)
    assert wait_until(lambda: revocations.stats.invalid == 1)
    # The thread goes on applying valid messages.
    client.publish(
        revocations.channel,
        json.dumps({"kind": "jti", "iss": ISSUER, "jti": "jti-1", "exp": int(time.time()) + 60}),
    )
    assert wait_until(lambda: revocations.is_revoked(token()))
    client.close()


def test_huge_time_in_message_capped(server: RedisServer, fleet: Any):
    revocations = fleet(server)
    client = server.client()
    message = {"kind": "jti", "iss": ISSUER, "jti": "jti-1", "exp": 10**30}
    client.publish(revocations.channel, json.dumps(message))
    assert wait_until(lambda: revocations.is_revoked(token()))
    client.close()


def test_invalid_stored_entry_counted(server: RedisServer, fleet: Any):
    client = server.client()
    client.hset("tokenguard:revoked:jti:" + "0" * 64, mapping={"iss": ISSUER, "value": "x"})
    client.hset("tokenguard:revoked:sub:" + "0" * 64, mapping={"iss": ISSUER, "value": "x"})
    revocations = fleet(server)
    assert revocations.stats.invalid == 2
    assert revocations.local.token_count == 0
    client.close()


def test_prefix_separates_lists(server: RedisServer, fleet: Any):
    first = fleet(server, prefix="api-a")
    second = fleet(server, prefix="api-b")
    first.revoke(ISSUER, "jti-1", int(time.time()) + 600)
    assert first.channel == "api-a:revocations"
    assert not fleet(server, prefix="api-b").is_revoked(token())
    assert not second.is_revoked(token())
    assert fleet(server, prefix="api-a").is_revoked(token())


def test_unreachable_redis():
    # Nothing listens on a port that was free a moment ago.
    revocations = RedisRevocationList(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(redis.ConnectionError):
        revocations.revoke(ISSUER, "jti-1", int(time.time()) + 600)
    assert revocations.local.token_count == 0, "nothing is applied before Redis acknowledged"
    with pytest.raises(TimeoutError, match="did not load from Redis"):
        revocations.start(timeout=0.5)
    assert not revocations.synced
    revocations.stop()
    assert revocations.stats.sync_errors >= 1


def test_start_twice_rejected(server: RedisServer, fleet: Any):
    revocations = fleet(server)
    with pytest.raises(RuntimeError):
        revocations.start()


def test_context_manager(server: RedisServer):
    with RedisRevocationList(redis.Redis.from_url(server.url)) as revocations:
        assert revocations.synced
    assert not revocations.synced


@pytest.mark.parametrize(
    ("arguments", "options"),
    [
        ((5,), {}),
        (("redis://127.0.0.1:1/0",), {"prefix": "a*b"}),
        (("redis://127.0.0.1:1/0",), {"prefix": ""}),
        (("redis://127.0.0.1:1/0",), {"local": "list"}),
        (("redis://127.0.0.1:1/0",), {"ping_interval": 0}),
    ],
    ids=["client", "prefix-glob", "prefix-empty", "local", "ping-interval"],
)
def test_invalid_config(arguments: Any, options: Any):
    with pytest.raises(tokenguard.InvalidConfig):
        RedisRevocationList(*arguments, **options)


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.revoke(5, "jti", 10),
        lambda r: r.revoke(ISSUER, None, 10),
        lambda r: r.revoke(ISSUER, "jti", True),
        lambda r: r.revoke(ISSUER, "jti", float("nan")),
        lambda r: r.revoke(ISSUER, "jti", "soon"),
        lambda r: r.revoke_subject(ISSUER, "sub", 5, None),
    ],
    ids=["issuer", "jti", "bool-exp", "nan-exp", "str-exp", "keep-until"],
)
def test_invalid_arguments(call: Any):
    revocations = RedisRevocationList("redis://127.0.0.1:1/0")
    with pytest.raises(tokenguard.InvalidConfig):
        call(revocations)
