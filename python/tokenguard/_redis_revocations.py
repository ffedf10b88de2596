"""A revocation list shared by a fleet of API instances through Redis.

Each instance keeps an in-process :class:`~tokenguard.RevocationList`, so that
checking a token never waits on the network. A revocation is written to Redis
first and published on a channel in the same Lua script, and every instance
applies the published message to its own list. A background thread per instance holds
the subscription. Each time the subscription is confirmed (on start and after
every reconnect, including the ones redis-py makes by itself) the thread reloads
every stored revocation with ``SCAN``, so that nothing published while it was
disconnected is missed.

Entries are Redis hashes:

- ``<prefix>:revoked:jti:<digest>`` with ``iss``, ``value`` (the ``jti``) and
  ``exp``,
- ``<prefix>:revoked:sub:<digest>`` with ``iss``, ``value`` (the ``sub``),
  ``cutoff`` and ``keep_until``.

``<digest>`` is the hex SHA-256 of the issuer's length and the two strings, so
that keys have a fixed length. Each key expires (``PEXPIREAT``) 300 seconds after
``exp`` or ``keep_until``, the same margin the in-process list keeps, so that no
leeway makes a revoked token valid again.

How much survives a Redis crash depends on the server's persistence, because a
revocation is acknowledged once Redis has executed the write:

- ``appendonly yes`` with ``appendfsync always``: Redis writes and fsyncs the
  append-only file before it replies, so an acknowledged revocation survives a
  crash of Redis or of its machine.
- ``appendonly yes`` with ``appendfsync everysec`` (the Redis default once AOF is
  on): about the last second of revocations may be lost in a machine crash.
- No persistence (``--save '' --appendonly no``): a restart loses every stored
  revocation. Running instances keep what they had applied, but an instance
  started afterwards does not see it.

These rules are for one Redis server. With replicas and automatic failover
(Sentinel), replication is asynchronous: the primary acknowledges a revocation
before any replica has it, so a failover soon after the write can promote a
replica without it, and the revocation is lost whatever the persistence. This
class does not send ``WAIT`` after its writes. ``min-replicas-to-write`` and
``min-replicas-max-lag`` on the primary make it reject writes (``revoke``
raises) while too few up-to-date replicas are connected, which narrows that
window. Even ``WAIT`` does not close it, because Redis does not promise to
promote the replica that received the write.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Union

from tokenguard._errors import InvalidConfig, MissingClaim, RevocationListFull, TokenError
from tokenguard._native import MAX_LEEWAY_SECONDS, RevocationList, VerifiedToken
from tokenguard._ratelog import RateLimitedLog

if TYPE_CHECKING:
    import redis

logger = logging.getLogger("tokenguard.revocation")

Seconds = Union[int, float]

#: Time a Redis key outlives the expiry it was given, in seconds. It is the
#: margin the in-process list keeps its entries for, the largest leeway.
KEY_MARGIN_SECONDS = MAX_LEEWAY_SECONDS
#: Latest time stored (9999-12-31T23:59:59Z). A later one is stored as this.
MAX_EXPIRY_SECONDS = 253_402_300_799
#: Earliest time stored. An earlier one is stored as this. Both bounds keep every
#: time exact as a Lua number (a double) in the script, also in milliseconds.
MIN_SECONDS = -MAX_EXPIRY_SECONDS
#: Keys read from Redis per round trip during a resync.
RESYNC_BATCH = 500
#: Maximum wait for a message before the thread checks whether to stop, in seconds.
POLL_SECONDS = 0.5
#: First and maximum wait between two reconnection attempts, in seconds.
FIRST_RECONNECT_DELAY = 0.2
MAX_RECONNECT_DELAY = 30.0

# Merges one entry and publishes the message in one atomic step: every time field
# keeps the later of the stored and the new value, as the in-process list does.
# KEYS[1] is the entry. ARGV: channel, message, iss, value, the name of the field
# the key expires after, the margin in seconds, then (field, seconds) pairs.
_REVOKE_SCRIPT = """
local key = KEYS[1]
local fields = {}
for i = 7, #ARGV, 2 do
  local value = tonumber(ARGV[i + 1])
  local stored = tonumber(redis.call('HGET', key, ARGV[i]))
  if stored and stored > value then
    value = stored
  end
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = string.format('%d', value)
end
redis.call('HSET', key, 'iss', ARGV[3], 'value', ARGV[4], unpack(fields))
local expires = tonumber(redis.call('HGET', key, ARGV[5])) + tonumber(ARGV[6])
redis.call('PEXPIREAT', key, string.format('%d', expires * 1000))
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
"""


@dataclass(frozen=True)
class RevocationSyncStats:
    """Counters of a :class:`RedisRevocationList` since it was built."""

    #: Completed reloads of every stored revocation.
    resyncs: int
    #: Entries applied from reloads and from published messages.
    applied: int
    #: Entries the in-process list had no room for, each logged as an error.
    rejected_full: int
    #: Messages or stored entries that were not valid revocations.
    invalid: int
    #: Times the sync thread lost Redis or failed, and started over.
    sync_errors: int


@dataclass(frozen=True)
class _Revocation:
    """One revocation as stored and published: a ``jti`` or a subject cut-off."""

    kind: str
    issuer: str
    value: str
    #: ``exp`` for a ``jti``, or ``keep_until`` for a subject.
    expires_at: int
    #: For a subject: tokens issued at or before this time are revoked.
    cutoff: int = 0

    def message(self) -> str:
        fields: dict[str, object] = {"kind": self.kind, "iss": self.issuer}
        if self.kind == "jti":
            fields.update(jti=self.value, exp=self.expires_at)
        else:
            fields.update(sub=self.value, cutoff=self.cutoff, keep_until=self.expires_at)
        return json.dumps(fields, separators=(",", ":"))

    def time_fields(self) -> list[object]:
        if self.kind == "jti":
            return ["exp", self.expires_at]
        return ["cutoff", self.cutoff, "keep_until", self.expires_at]

    def apply(self, local: RevocationList, now: int) -> None:
        if self.kind == "jti":
            local.revoke(self.issuer, self.value, self.expires_at, now)
        else:
            local.revoke_subject(self.issuer, self.value, self.cutoff, self.expires_at, now)


class RedisRevocationList:
    """A revocation list kept in Redis and mirrored in every instance's memory.

    ``redis_client`` is a ``redis.Redis`` client or a ``redis://`` URL (then the
    client is built with 5-second socket timeouts). ``prefix`` starts every key and
    the channel name ``<prefix>:revocations``. ``local`` is the in-process list to
    keep in sync. By default one with the default capacity is built.

    Call :meth:`start` before serving requests, and :meth:`stop` on shutdown (or
    use it as a context manager). :meth:`check` reads only the in-process list.
    The revoking methods return once Redis acknowledged the write. They raise
    ``redis.RedisError`` when Redis cannot be reached, and then nothing was
    applied locally. Requires the ``redis`` package (the ``redis`` extra of this package).
    """

    def __init__(
        self,
        redis_client: Any,
        *,
        prefix: str = "tokenguard",
        local: RevocationList | None = None,
        ping_interval: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        redis_module = _import_redis()
        if isinstance(redis_client, str):
            redis_client = redis_module.Redis.from_url(
                redis_client, socket_timeout=5.0, socket_connect_timeout=5.0
            )
        elif not isinstance(redis_client, redis_module.Redis):
            raise InvalidConfig("redis_client must be a redis.Redis client or a redis:// URL")
        if not isinstance(prefix, str) or not prefix or any(c in prefix for c in "*?[]\\ \t\n"):
            raise InvalidConfig("prefix must be a non-empty str without spaces or *?[]\\")
        if local is not None and not isinstance(local, RevocationList):
            raise InvalidConfig("local must be a tokenguard.RevocationList")
        if not ping_interval > 0:
            raise InvalidConfig("ping_interval must be positive")

        self._redis: redis.Redis = redis_client
        self._error_types: tuple[type[Exception], ...] = (redis_module.RedisError, OSError)
        self.prefix = prefix
        self.channel = f"{prefix}:revocations"
        self.local = local if local is not None else RevocationList()
        self.ping_interval = ping_interval
        self._clock = clock
        self._script = self._redis.register_script(_REVOKE_SCRIPT)

        self._stopping = threading.Event()
        self._synced = threading.Event()
        self._thread: threading.Thread | None = None
        self._counts_lock = threading.Lock()
        self._counts = dict.fromkeys(
            ("resyncs", "applied", "rejected_full", "invalid", "sync_errors"), 0
        )
        self._last_error = ""
        self._reconnect_delay = FIRST_RECONNECT_DELAY
        self._full_log = RateLimitedLog(logger, clock)
        self._invalid_log = RateLimitedLog(logger, clock)

    # ---- Lifecycle ----

    def start(self, wait: bool = True, timeout: float = 10.0) -> None:
        """Start the sync thread and, with ``wait``, return once the first reload is done.

        Raises ``TimeoutError`` when the first reload has not finished within
        ``timeout`` seconds, and the thread goes on trying in the background.
        """
        if self._thread is not None:
            raise RuntimeError("the revocation list was already started")
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"tokenguard-revocations-{self.prefix}", daemon=True
        )
        self._thread.start()
        if wait and not self._synced.wait(timeout):
            raise TimeoutError(
                f"the revocation list did not load from Redis within {timeout} s: "
                f"{self._last_error or 'no answer yet'}"
            )

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the sync thread and wait up to ``timeout`` seconds for it to end."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join(timeout)
        if thread.is_alive():
            logger.warning("the revocation sync thread did not stop within %s s", timeout)
        self._synced.clear()

    def wait_synced(self, timeout: float | None = None) -> bool:
        """Wait until the list is subscribed and reloaded, and return whether it is."""
        return self._synced.wait(timeout)

    @property
    def synced(self) -> bool:
        """Whether the subscription is up and every stored revocation was reloaded
        since it was last confirmed."""
        return self._synced.is_set()

    @property
    def stats(self) -> RevocationSyncStats:
        """The counters so far."""
        with self._counts_lock:
            return RevocationSyncStats(**self._counts)

    def __enter__(self) -> RedisRevocationList:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- Revoking and checking ----

    def revoke(self, issuer: str, jti: str, expires_at: Seconds) -> None:
        """Revoke the token ``jti`` of ``issuer`` until ``expires_at`` (its ``exp``).

        A token that expired more than 300 seconds ago cannot pass validation, so
        nothing is stored. Raises :class:`~tokenguard.RevocationListFull` when the
        in-process list has no room. The revocation is stored in Redis all the
        same, and other instances apply it.
        """
        expires = _unix_seconds(expires_at, "expires_at")
        self._store(_Revocation("jti", _text(issuer, "issuer"), _text(jti, "jti"), expires))

    def revoke_token(self, token: VerifiedToken) -> None:
        """Revoke a verified token by its ``iss``, ``jti`` and ``exp``."""
        claims = token.claims
        jti = claims.get("jti")
        if token.issuer is None or not isinstance(jti, str):
            raise MissingClaim("the token has no iss or no string jti, so it cannot be revoked")
        self.revoke(token.issuer, jti, claims["exp"])

    def revoke_subject(
        self, issuer: str, subject: str, cutoff: Seconds, keep_until: Seconds
    ) -> None:
        """Revoke every token of ``subject`` from ``issuer`` issued at or before
        ``cutoff``, keeping the entry until ``keep_until``.

        ``keep_until`` should be ``cutoff`` plus the longest lifetime the issuer
        gives its tokens. Errors as for :meth:`revoke`.
        """
        revocation = _Revocation(
            "sub",
            _text(issuer, "issuer"),
            _text(subject, "subject"),
            _unix_seconds(keep_until, "keep_until"),
            _unix_seconds(cutoff, "cutoff"),
        )
        self._store(revocation)

    def check(self, token: VerifiedToken) -> None:
        """Raise :class:`~tokenguard.Revoked` when the token is revoked, without a network call."""
        self.local.check(token)

    def is_revoked(self, token: VerifiedToken) -> bool:
        """Return whether the token is revoked, without a network call."""
        return self.local.is_revoked(token)

    def _store(self, revocation: _Revocation) -> None:
        now = math.floor(self._clock())
        if revocation.expires_at + KEY_MARGIN_SECONDS < now:
            return
        self._script(
            keys=[self._key(revocation.kind, revocation.issuer, revocation.value)],
            args=[
                self.channel,
                revocation.message(),
                revocation.issuer,
                revocation.value,
                "exp" if revocation.kind == "jti" else "keep_until",
                KEY_MARGIN_SECONDS,
                *revocation.time_fields(),
            ],
        )
        try:
            revocation.apply(self.local, now)
        except RevocationListFull:
            logger.error(
                "a %s revocation of issuer %r is stored in Redis but not in this "
                "instance's list, which is full",
                revocation.kind,
                revocation.issuer,
            )
            self._count("rejected_full")
            raise

    def _key(self, kind: str, issuer: str, value: str) -> str:
        encoded = issuer.encode()
        digest = hashlib.sha256(len(encoded).to_bytes(8, "big") + encoded + value.encode())
        return f"{self.prefix}:revoked:{kind}:{digest.hexdigest()}"

    # ---- The sync thread ----

    def _run(self) -> None:
        while not self._stopping.is_set():
            pubsub = self._redis.pubsub()
            try:
                pubsub.subscribe(self.channel)
                self._listen(pubsub)
            except self._error_types as error:
                self._failed(error)
                logger.warning(
                    "revocation sync with Redis failed, retrying in %.1f s: %s",
                    self._reconnect_delay,
                    self._last_error,
                )
                self._back_off()
            except Exception as error:
                # A bug must not end the thread, or the list would silently stop
                # following Redis.
                self._failed(error)
                logger.exception(
                    "revocation sync failed unexpectedly, retrying in %.1f s",
                    self._reconnect_delay,
                )
                self._back_off()
            finally:
                pubsub.close()
        logger.info("revocation sync with Redis stopped")

    def _failed(self, error: Exception) -> None:
        self._synced.clear()
        self._count("sync_errors")
        self._last_error = f"{type(error).__name__}: {error}"

    def _back_off(self) -> None:
        delay = self._reconnect_delay
        self._reconnect_delay = min(delay * 2, MAX_RECONNECT_DELAY)
        self._stopping.wait(delay)

    def _listen(self, pubsub: Any) -> None:
        last_activity = time.monotonic()
        while not self._stopping.is_set():
            message = pubsub.get_message(timeout=POLL_SECONDS)
            now = time.monotonic()
            if message is None:
                # A PING finds a connection that broke without being closed.
                if now - last_activity >= self.ping_interval:
                    pubsub.ping()
                    last_activity = now
                continue
            last_activity = now
            kind = _as_text(message.get("type"))
            if kind == "subscribe":
                # Confirmed: every revocation published from now on reaches this
                # thread, so a reload now misses nothing.
                self._resync()
            elif kind == "message":
                self._apply(_parse_message(message.get("data")), "message")

    def _resync(self) -> None:
        self._synced.clear()
        loaded = 0
        for kind in ("jti", "sub"):
            batch: list[Any] = []
            for key in self._redis.scan_iter(match=f"{self.prefix}:revoked:{kind}:*", count=1000):
                batch.append(key)
                if len(batch) == RESYNC_BATCH:
                    loaded += self._load(kind, batch)
                    batch = []
            if batch:
                loaded += self._load(kind, batch)
        self._count("resyncs")
        self._reconnect_delay = FIRST_RECONNECT_DELAY
        self._synced.set()
        logger.info("revocation list reloaded from Redis: %d entries", loaded)

    def _load(self, kind: str, keys: list[Any]) -> int:
        pipeline = self._redis.pipeline(transaction=False)
        for key in keys:
            pipeline.hgetall(key)
        loaded = 0
        for fields in pipeline.execute():
            # A key that expired between SCAN and HGETALL comes back empty.
            if fields:
                loaded += self._apply(_parse_entry(kind, fields), "stored entry")
        return loaded

    def _apply(self, revocation: _Revocation | None, source: str) -> int:
        if revocation is None:
            self._count("invalid")
            self._invalid_log.error("ignored a %s that is not a valid revocation", source)
            return 0
        try:
            revocation.apply(self.local, math.floor(self._clock()))
        except RevocationListFull as error:
            self._count("rejected_full")
            self._full_log.error(
                "a %s revocation of issuer %r from Redis was not applied, "
                "so this instance accepts that token: %s",
                revocation.kind,
                revocation.issuer,
                error,
            )
            return 0
        except TokenError as error:
            self._count("invalid")
            self._invalid_log.error("ignored a %s that the list rejected: %s", source, error)
            return 0
        self._count("applied")
        return 1

    def _count(self, name: str) -> None:
        with self._counts_lock:
            self._counts[name] += 1


def _import_redis() -> Any:
    try:
        import redis
    except ImportError as error:
        message = (
            "RedisRevocationList needs redis: pip install redis, "
            "or './python[redis]' from a tokenguard checkout"
        )
        raise ImportError(message) from error
    return redis


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidConfig(f"{name} must be a str")
    return value


def _unix_seconds(value: object, name: str) -> int:
    """Read a time in Unix seconds, rounding down and capping it at year 9999."""
    valid = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not valid or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidConfig(f"{name} must be Unix seconds as an int or a finite float")
    assert isinstance(value, (int, float))
    return max(min(math.floor(value), MAX_EXPIRY_SECONDS), MIN_SECONDS)


def _as_text(value: object) -> str | None:
    """Decode a reply that is ``bytes`` (or ``str`` with ``decode_responses``)."""
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None


def _parse_message(data: object) -> _Revocation | None:
    """Read a published revocation, or return ``None`` for anything else."""
    text = _as_text(data)
    try:
        fields = json.loads(text) if text is not None else None
    except ValueError:
        return None
    if not isinstance(fields, dict):
        return None
    kind = fields.get("kind")
    issuer = fields.get("iss")
    if kind == "jti":
        return _revocation(kind, issuer, fields.get("jti"), fields.get("exp"), 0)
    if kind == "sub":
        expires, cutoff = fields.get("keep_until"), fields.get("cutoff")
        return _revocation(kind, issuer, fields.get("sub"), expires, cutoff)
    return None


def _parse_entry(kind: str, stored: dict[Any, Any]) -> _Revocation | None:
    """Read a stored hash, or return ``None`` when a field is missing or invalid."""
    fields = {_as_text(name): value for name, value in stored.items()}
    issuer, value = fields.get("iss"), fields.get("value")
    if kind == "jti":
        return _revocation(kind, issuer, value, fields.get("exp"), 0)
    return _revocation(kind, issuer, value, fields.get("keep_until"), fields.get("cutoff"))


def _revocation(
    kind: str, issuer: object, value: object, expires: object, cutoff: object
) -> _Revocation | None:
    issuer_text, value_text = _as_text(issuer), _as_text(value)
    expires_at, cutoff_at = _as_seconds(expires), _as_seconds(cutoff)
    if issuer_text is None or value_text is None or expires_at is None or cutoff_at is None:
        return None
    return _Revocation(kind, issuer_text, value_text, expires_at, cutoff_at)


def _as_seconds(value: object) -> int | None:
    """Read an int or a decimal string in the range :func:`_unix_seconds` allows."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        seconds = value
    else:
        text = _as_text(value)
        if text is None or not text.lstrip("-").isdigit() or len(text) > 20:
            return None
        seconds = int(text)
    if seconds < MIN_SECONDS:
        return None
    return min(seconds, MAX_EXPIRY_SECONDS)
