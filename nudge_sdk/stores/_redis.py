"""The Redis store (``redis://``, ``rediss://``): one hash per account, written by a Lua
compare-and-set, expired by Redis itself.

Layout. Each account is one hash, ``nudge:{<account>}:state``, with two fields: ``v``
(the version, decimal text) and ``d`` (the snapshot document of
`nudge_sdk.stores._codec`). A load is one ``HMGET key v d``; keeping the version beside
the document in the same hash means one read sees both, consistently, without a
transaction.

Compare-and-set in Lua. A save has to compare the stored version and write only if it is
unchanged; ``WATCH``/``MULTI`` would take three round trips and a pinned connection, a
Lua script takes one and Redis runs it atomically. The versions are compared as text, so
Lua's floating-point numbers never round a large version. The script is sent by its SHA1
(``EVALSHA``); when the server has lost its script cache (``SCRIPT FLUSH``, a restart, a
failover) the save falls back to ``EVAL``, which runs the script and caches it again.

Hash tags. The part of the key in braces is a Redis Cluster hash tag: every key of an
account lands in the same slot, so a script may touch all of them even on a cluster. An
id that cannot be a tag (empty, containing ``{`` or ``}``, or not encodable as UTF-8)
is replaced by the hex BLAKE2b digest (16 bytes) of its UTF-8 bytes, and such keys are
marked with ``#`` before the brace (``nudge:#{<digest>}:state``) so that they can never
collide with the key of an account whose id happens to be that digest.

Expiry. A save sets the hash to expire at the caller's `expires` (``PEXPIREAT``, integer
milliseconds, rounded up so the state lives at least that long), or at the expiry an
earlier save gave it if that is later (kept in the hash as ``e``); Redis deletes expired
keys itself, so `prune` does nothing. This module never reads the clock; the script
reads the server's (``TIME``) only to keep a write whose expiry has already passed there
(see `_CAS`).

Timeouts and retries. Every socket operation (connect, each reply) is bounded by
`timeout`. redis-py 6 and later retry failed commands by default (ten times, with
backoff up to a second, and the connect is retried again inside each attempt), which
would turn a dead server into seconds of waiting; this store asks for no retries at all.
The pool already replaces connections the server closed when it hands them out, so
retries would mainly repeat timeouts; and a repeated save whose first attempt did
commit would see its own write, report a lost race, and have `change` apply the change
twice. Deciding whether to try again is left to `change` and the caller. Async calls are
in addition bounded as a whole by ``asyncio.wait_for`` at twice `timeout`: a connect and
a reply, each within `timeout`, as in the sync client's worst case.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

import redis
import redis.asyncio
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError, RedisError
from redis.retry import Retry

from nudge_sdk._errors import InvalidInput, InvalidStoreURL, NaiveDatetime, StoreUnavailable
from nudge_sdk._log import log as _log
from nudge_sdk.catalog._rules import MAX_WINDOW
from nudge_sdk.evaluation._state import StateSnapshot
from nudge_sdk.stores._base import DEFAULT_TIMEOUT, Store, bounded, redact
from nudge_sdk.stores._codec import encode
from nudge_sdk.stores._tracking import TrackedCache

__all__ = ["RedisStore"]

_CAS = """\
local version = redis.call('HGET', KEYS[1], 'v') or '0'
if version ~= '0' and not string.match(version, '^[1-9][0-9]*$') then
  version = '0'
end
if version ~= ARGV[1] then
  return 0
end
local expires = tonumber(ARGV[4])
local kept = tonumber(redis.call('HGET', KEYS[1], 'e') or '')
if kept and kept > expires then
  expires = kept
end
local now = redis.call('TIME')
local clock = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if expires <= clock then
  expires = clock + tonumber(ARGV[5])
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3], 'e', string.format('%d', expires))
redis.call('PEXPIREAT', KEYS[1], string.format('%d', expires))
return 1
"""
"""Save: KEYS[1] the account's hash; ARGV the expected version, the new one, the
document, the expiry in milliseconds since the epoch and how long to keep the state
instead when that expiry has passed on the server's clock. A missing hash is version 0,
and so is a version that is not canonical decimal text (a bad row, which reads as empty
and which the next write replaces).

A write never shortens the state's life: the hash keeps the expiry it was given (``e``)
and a later write with an earlier one (a backdated event, a host whose clock is behind)
keeps the later (milliseconds from year 1000 to 9000 are below 2**53, so Lua's numbers
hold them exactly). And since Redis deletes a key whose expiry has passed at once, an
expiry already past on the server's clock (a host replaying history) is replaced by the
store's `min_ttl` from the server's clock, so a write is never lost on arrival."""
_CAS_SHA = hashlib.sha1(_CAS.encode(), usedforsecurity=False).hexdigest()

_BOUNDS = ("socket_timeout", "socket_connect_timeout", "retry_on_timeout", "retry_on_error")
"""URL query options redis-py would let override the store's bounds."""
T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class RedisStore(Store):
    """Snapshots in Redis, one hash per account (see the module docstring).

    `min_ttl` is how long a write is kept when the expiry it asks for has already
    passed on the server's clock (a host replaying old instants). `client_cache` (or
    ``?client_cache=true`` in the URL) answers a read of an account nobody changed since
    this process last read it from memory, kept fresh by Redis's invalidation notices
    (`nudge_sdk.stores._tracking`); `cache_hits` counts those reads.

    >>> store = RedisStore("redis://:secret@localhost:6379/0", prefix="app")
    >>> store.name
    'redis://:***@localhost:6379/0'
    >>> store.key("acme")
    'app:{acme}:state'
    >>> store.close()
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        prefix: str = "nudge",
        min_ttl: timedelta = MAX_WINDOW,
        client_cache: bool = False,
    ) -> None:
        url, client_cache = _cache_option(url, client_cache)
        self.name = redact(url)
        _check_bounds(self.name, url, timeout)
        if "{" in prefix or "}" in prefix:
            raise InvalidInput(f"key prefix {prefix!r}: braces would break the hash tag")
        self._url = url
        self._timeout = timeout
        self._prefix = prefix
        self._min_ttl = str(-(-min_ttl // _MS))
        try:
            # Creates the pool object only; the first command opens a connection.
            self._client = redis.Redis.from_url(url, **self._options(Retry(NoBackoff(), 0)))
        except ValueError as error:
            raise InvalidStoreURL(self.name, str(error)) from None
        self._async: redis.asyncio.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cache = TrackedCache(self._client, prefix) if client_cache else None
        self.cache_hits = 0
        """Reads answered from the process's copy, without a round trip."""

    @classmethod
    def from_url(cls, url: str, *, timeout: float) -> RedisStore:
        """The store a ``redis://`` or ``rediss://`` URL names (what `open_store` calls)."""
        return cls(url, timeout=timeout)

    def key(self, account: str) -> str:
        """The Redis key of the account's hash."""
        if account and "{" not in account and "}" not in account and _encodable(account):
            return f"{self._prefix}:{{{account}}}:state"
        digest = hashlib.blake2b(account.encode("utf-8", "surrogatepass"), digest_size=16)
        return f"{self._prefix}:#{{{digest.hexdigest()}}}:state"

    # -- sync -------------------------------------------------------------------------

    def load(self, account: str) -> StateSnapshot:
        """The account's snapshot and its version, in one ``HMGET`` (none when the
        client cache holds a copy Redis has not invalidated)."""
        key = self.key(account)
        copy, epoch = self._copy(account, key)
        if copy is not None:
            return copy
        self.round_trips += 1
        with self._failures():
            version, document = self._client.hmget(key, "v", "d")
        return self._read(account, key, version, document, epoch)

    def save(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """Compare-and-set in one script call (two if the server lost the script)."""
        args = (*_script_args(state, expires), self._min_ttl)
        key = self.key(account)
        self.round_trips += 1
        with self._failures():
            try:
                done: object = self._client.evalsha(_CAS_SHA, 1, key, *args)
            except NoScriptError:
                self.round_trips += 1
                done = self._client.eval(_CAS, 1, key, *args)
        self._written(key)
        return done == 1

    def init(self) -> None:
        """Load the compare-and-set script into the server's script cache, so that the
        first write finds it (a server started afresh has none; without this, the first
        write pays one extra round trip to send it)."""
        self.round_trips += 1
        with self._failures():
            self._client.script_load(_CAS)

    def ping(self) -> None:
        """Raise `StoreUnavailable` unless the server answers ``PING``."""
        self.round_trips += 1
        with self._failures():
            self._client.ping()

    def close(self) -> None:
        """Close the sync client's connections (async hosts call `aclose`) and stop the
        client cache's listener."""
        if self._cache is not None:
            self._cache.close()
        with self._failures():
            self._client.close()

    # -- async ------------------------------------------------------------------------

    async def aload(self, account: str) -> StateSnapshot:
        """`load`, on the asyncio client (and the same client cache)."""
        key = self.key(account)
        copy, epoch = self._copy(account, key)
        if copy is not None:
            return copy
        client = self._aclient()
        self.round_trips += 1
        with self._failures():
            version, document = await self._bounded(client.hmget(key, "v", "d"))
        return self._read(account, key, version, document, epoch)

    async def asave(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """`save`, on the asyncio client."""
        args = (*_script_args(state, expires), self._min_ttl)
        key = self.key(account)
        client = self._aclient()
        self.round_trips += 1
        with self._failures():
            try:
                done: object = await self._bounded(client.evalsha(_CAS_SHA, 1, key, *args))
            except NoScriptError:
                self.round_trips += 1
                done = await self._bounded(client.eval(_CAS, 1, key, *args))
        self._written(key)
        return done == 1

    async def aping(self) -> None:
        """`ping`, on the asyncio client."""
        client = self._aclient()
        self.round_trips += 1
        with self._failures():
            await self._bounded(client.ping())

    async def aclose(self) -> None:
        """Close the asyncio client (in the loop that made it) and the sync one."""
        client, self._async, self._loop = self._async, None, None
        if client is not None:
            with self._failures():
                await client.aclose()
        self.close()

    # -- internals --------------------------------------------------------------------

    def _copy(self, account: str, key: str) -> tuple[StateSnapshot | None, int]:
        """The account's snapshot from the client cache if it holds a usable copy, and
        the cache's epoch to read from the server with otherwise."""
        cache = self._cache
        if cache is None:
            return None, 0
        copy = cache.get(key.encode())
        if copy is None:
            return None, cache.epoch
        self.cache_hits += 1
        return self._snapshot(account, *copy), 0

    def _read(
        self,
        account: str,
        key: str,
        version: bytes | str | None,
        document: bytes | str | None,
        epoch: int,
    ) -> StateSnapshot:
        """What the server answered, kept in the client cache if it is on."""
        if self._cache is not None:
            self._cache.put(key.encode(), (version, document), epoch)
        return self._snapshot(account, version, document)

    def _written(self, key: str) -> None:
        """After a write or a lost race, the copy of `key` is not to be trusted: Redis's
        notice comes a little later, and a copy from before a lost race is stale."""
        if self._cache is not None:
            self._cache.drop(key.encode())

    def _options(self, retry: Retry | AsyncRetry) -> dict[str, Any]:
        """Client options both flavours share: every socket operation bounded, no
        retries (see the module docstring)."""
        return {
            "socket_timeout": self._timeout,
            "socket_connect_timeout": self._timeout,
            "retry": retry,
        }

    def _aclient(self) -> redis.asyncio.Redis:
        """The asyncio client of the running loop, made on first use: its connections
        belong to one loop, so a host that runs a new loop gets a new client."""
        loop = asyncio.get_running_loop()
        if self._async is None or self._loop is not loop:
            self._async = redis.asyncio.Redis.from_url(
                self._url, **self._options(AsyncRetry(NoBackoff(), 0))
            )
            self._loop = loop
        return self._async

    async def _bounded(self, call: Awaitable[T]) -> T:
        """Await a client call within twice the timeout (a connect and a reply)."""
        return await bounded(call, 2 * self._timeout, self.name)

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """Raise the client's errors (refused, timed out, wrong type) as
        `StoreUnavailable`."""
        try:
            yield
        except (RedisError, OSError) as error:
            raise StoreUnavailable(self.name, f"{type(error).__name__}: {error}") from error

    def _snapshot(
        self, account: str, version: bytes | str | None, document: bytes | str | None
    ) -> StateSnapshot:
        """The snapshot in the hash's two fields; a hash without a version is none."""
        if version is None:
            return StateSnapshot()
        number = self._version(account, version)
        if number is None:
            return StateSnapshot()
        if document is None:
            return StateSnapshot(version=number)
        return self._decode(account, document, number)

    def _version(self, account: str, raw: bytes | str) -> int | None:
        """The stored version; only what this store writes (canonical decimal text)
        counts, since the script compares the text. Anything else is a bad row: logged,
        read as empty, replaced by the next write (the script reads it as 0 too)."""
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        if text.isascii() and text.isdigit() and str(int(text)) == text:
            return int(text)
        _log.warning(
            "nudge.store.bad_row",
            store=self.name,
            account=account,
            problem=f"stored version {text[:40]!r} is not a version number",
        )
        return None


def _script_args(state: StateSnapshot, expires: datetime) -> tuple[str, str, bytes, str]:
    """The compare-and-set script's arguments (see `_CAS`)."""
    return str(state.version), str(state.version + 1), encode(state), str(_ms(expires))


def _ms(expires: datetime) -> int:
    """Milliseconds since the epoch, rounded up so the state lives until `expires` at
    least; exact integer arithmetic on the timedelta."""
    if expires.utcoffset() is None:
        raise NaiveDatetime("expires", expires)
    return -((_EPOCH - expires) // _MS)


def _encodable(account: str) -> bool:
    """Whether the id can be sent as it is (redis-py encodes keys strictly as UTF-8)."""
    try:
        account.encode()
    except UnicodeEncodeError:
        return False
    return True


def _cache_option(url: str, given: bool) -> tuple[str, bool]:
    """The URL without its ``client_cache`` option (redis-py would refuse it), and
    whether the cache is on (`given`, or the option's ``true``); `InvalidStoreURL` for a
    value that is neither true nor false, so a typo does not turn it off unnoticed."""
    parts = urlsplit(url)
    kept, on = [], given
    for item in parts.query.split("&") if parts.query else []:
        name, _, value = item.partition("=")
        if name != "client_cache":
            kept.append(item)
        elif value.lower() in _TRUE:
            on = True
        elif value.lower() not in _FALSE:
            raise InvalidStoreURL(
                redact(url), f"client_cache={value[:20]!r}: expected true or false"
            )
    return urlunsplit(parts._replace(query="&".join(kept))), on


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _check_bounds(name: str, url: str, timeout: float) -> None:
    """Refuse what would unbound the calls: redis-py lets URL query options win over
    the store's own."""
    if not timeout > 0:
        raise InvalidStoreURL(name, f"timeout {timeout!r} must be a positive number")
    given = sorted(set(_BOUNDS) & set(parse_qs(urlsplit(url).query)))
    if given:
        raise InvalidStoreURL(name, f"{', '.join(given)}: set by the store's timeout")
