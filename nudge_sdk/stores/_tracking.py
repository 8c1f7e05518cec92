"""Reads Redis need not repeat: a process-local copy of the accounts' hashes, kept only
while the server promises to say when one changes (server-assisted client-side caching,
``CLIENT TRACKING`` in broadcasting mode).

Most page loads read an account nobody changed since its last read (the store benchmark:
93% only read). A round trip to Redis costs more than the evaluation itself, so a
`RedisStore` made with ``client_cache=True`` keeps what it read here and answers the next
read of that account from memory, until Redis says the key changed.

How Redis says so. One background thread per store and process holds its own connection
(RESP2), subscribes it to ``__redis__:invalidate`` and turns on tracking for every key
under the store's prefix, redirected to itself (``CLIENT TRACKING ON REDIRECT <own id>
BCAST PREFIX <prefix>:``). From then on Redis publishes the name of every key under the
prefix that any client writes, deletes or lets expire; the thread drops those entries.

When a copy may be used. Only while the thread has heard from the server within the last
`STALE_AFTER` seconds (it sends ``PING`` when nothing else arrives), so a silently dead
connection stops the cache within that bound. Losing the connection empties the cache; a
new one starts empty. An entry is stored only if no invalidation at all arrived while it
was being read (the `epoch` did not move): a write that raced the read can never leave a
stale copy behind.

Why a stale copy cannot break a cap. The notice of another server's write reaches this
process a little after the write, so a read in between sees the copy from before it.
Every write is a compare-and-set on the version: a decision made on that copy fails to
commit, the store drops the copy, and `change` reads the account from Redis and decides
again. A stale copy can cost a retry, never a cap.

The cost, in the fleet: every process that turns it on receives a notice for every write
to any account under the prefix (a few dozen bytes each). That suits fleets that read far
more than they write, which nudges do; with hundreds of processes and thousands of writes
a second, leave it off.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from typing import Any

import redis
from redis.exceptions import RedisError

from nudge_sdk._log import log as _log

__all__ = ["HEARTBEAT", "LISTENER", "MAX_PAUSE", "STALE_AFTER", "TrackedCache"]

HEARTBEAT = 0.5
"""Seconds of silence after which the thread pings the server."""
MAX_PAUSE = 8.0
"""The longest pause between attempts to subscribe again while the server is down."""
STALE_AFTER = 2.0
"""Seconds without a word from the server after which no copy is used."""
LISTENER = "nudge-invalidations"
"""The listening connection's name, as ``CLIENT LIST`` shows it."""
_CHANNEL = b"__redis__:invalidate"
Raw = tuple[bytes | str | None, bytes | str | None]
"""A hash's ``v`` and ``d`` fields as read (``None``: absent)."""


class TrackedCache:
    """Copies of accounts' hashes, dropped when Redis says they changed (see the module
    docstring). Thread-safe; the listening thread starts on first use."""

    def __init__(self, client: redis.Redis, prefix: str, *, size: int = 10_000) -> None:
        self._pool = client.connection_pool
        self._prefix = f"{prefix}:"
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[bytes, Raw] = OrderedDict()
        self.epoch = 0
        """Moves on every notice and every (re)connection."""
        self._heard = float("-inf")
        self._pid = os.getpid()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    # -- the store's side ---------------------------------------------------------------

    def get(self, key: bytes) -> Raw | None:
        """The copy of `key`, if there is one that may be used now."""
        if not self._usable():
            return None
        return self._entries.get(key)

    def put(self, key: bytes, raw: Raw, epoch: int) -> None:
        """Keep `raw` as read from the server, unless a notice arrived since `epoch` (the
        value of `epoch` before the read)."""
        with self._lock:
            if epoch != self.epoch or time.monotonic() - self._heard >= STALE_AFTER:
                return
            self._entries[key] = raw
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def drop(self, key: bytes) -> None:
        """Forget `key` (this process wrote it, or lost a race on it)."""
        with self._lock:
            self.epoch += 1
            self._entries.pop(key, None)

    def close(self) -> None:
        """Stop listening and forget everything, without waiting for the listener: its
        connection is closed under it, and it ends at its next look (a daemon thread)."""
        self._stop.set()
        self._thread = None
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(RedisError, OSError):  # already gone
                conn.disconnect()
        self._forget()

    # -- the listener ---------------------------------------------------------------------

    def _usable(self) -> bool:
        """Whether the server was heard recently (starting the listener if need be)."""
        if os.getpid() != self._pid:  # forked: the parent's thread and socket are not ours
            self._pid, self._thread, self._conn = os.getpid(), None, None
            self._stop = threading.Event()
            self._forget()
        if self._thread is None and not self._stop.is_set():
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._listen, name="nudge-redis-invalidations", daemon=True
                    )
                    self._thread.start()
        return time.monotonic() - self._heard < STALE_AFTER

    def _forget(self) -> None:
        with self._lock:
            self.epoch += 1
            self._heard = float("-inf")
            self._entries.clear()

    def _listen(self) -> None:
        """Subscribe, then apply notices until stopped; on any failure forget everything
        and subscribe again after a pause that doubles up to `MAX_PAUSE`. The first
        failure of an outage is a warning, the retries are debug events, and being back
        is an info event: a dead server does not flood the host's log."""
        pause, lost = HEARTBEAT, False
        while not self._stop.is_set():
            try:
                self._subscribe()
                if lost:
                    _log.info("nudge.store.cache_back", prefix=self._prefix)
                pause, lost = HEARTBEAT, False
                self._receive()
            except (RedisError, OSError, ValueError, TypeError) as error:
                if not self._stop.is_set():
                    report = _log.debug if lost else _log.warning
                    report("nudge.store.cache_lost", prefix=self._prefix, problem=str(error))
                lost = True
            finally:
                self._forget()
                conn, self._conn = self._conn, None
                if conn is not None:
                    with contextlib.suppress(RedisError, OSError):
                        conn.disconnect()
            self._stop.wait(pause)
            pause = min(2 * pause, MAX_PAUSE)

    def _subscribe(self) -> None:
        kwargs = {**self._pool.connection_kwargs, "protocol": 2}
        kwargs["socket_timeout"] = STALE_AFTER  # connect stays bounded by the store's timeout
        conn = self._conn = self._pool.connection_class(**kwargs)
        conn.connect()
        conn.send_command("CLIENT", "SETNAME", LISTENER)
        conn.read_response()
        conn.send_command("CLIENT", "ID")
        own = conn.read_response()
        conn.send_command(
            "CLIENT", "TRACKING", "ON", "REDIRECT", own, "BCAST", "PREFIX", self._prefix
        )
        conn.read_response()
        conn.send_command("SUBSCRIBE", _CHANNEL)
        conn.read_response()
        with self._lock:  # copies are kept from now on: every later write will be told
            self.epoch += 1
            self._heard = time.monotonic()

    def _receive(self) -> None:
        conn = self._conn
        pinged = False
        while not self._stop.is_set():
            if not conn.can_read(timeout=HEARTBEAT):
                if pinged and time.monotonic() - self._heard >= STALE_AFTER:
                    raise TimeoutError(f"no answer from the server for {STALE_AFTER:g}s")
                conn.send_command("PING")
                pinged = True
                continue
            message = conn.read_response()
            self._heard = time.monotonic()
            pinged = False
            if isinstance(message, list) and message[:2] == [b"message", _CHANNEL]:
                self._invalidate(message[2])

    def _invalidate(self, keys: list[bytes] | None) -> None:
        """Apply one notice: some keys changed, or (``None``) all of them (a flush)."""
        with self._lock:
            self.epoch += 1
            if keys is None:
                self._entries.clear()
                return
            for key in keys:
                self._entries.pop(key, None)
