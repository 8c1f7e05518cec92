"""The SQLite store: the embedded default, one file that every process on a machine
shares (``sqlite:///nudge-state.db``), with the standard library's `sqlite3` only.

One row per account in ``nudge_state(account, version, doc, expires_at)``: the codec's
JSON document as a BLOB, its version, and when it may be forgotten (integer
microseconds since the epoch, UTC, indexed for `prune`). The file and the table are
created on first connection, since nobody runs a migration for an embedded default.

Why these statements:

- `load` is one SELECT. In WAL mode readers never wait for the writer.
- `save` is one compare-and-set statement in autocommit mode, so it is atomic on its
  own: ``INSERT ... ON CONFLICT DO NOTHING`` for version 0 (stored versions start at
  1, so version 0 always means "no row") and ``UPDATE ... WHERE version = ?``
  otherwise; it succeeded iff it changed one row. A row pruned meanwhile makes the
  UPDATE change nothing, so the writer reloads (as version 0) like after any race.
- `change` without a pre-loaded snapshot runs ``BEGIN IMMEDIATE``, read, change,
  write, ``COMMIT``: it takes the write lock before reading, so it never loses a race
  and never retries (a deferred transaction could read a snapshot that a writer then
  outdates, which SQLite reports as busy without waiting). With a pre-loaded snapshot
  it tries the cheaper compare-and-set first and falls back to the transaction on a
  conflict. Either way one logical change is one transaction, so a process killed
  in the middle leaves the whole change or none of it.
- `prune` deletes in batches, so it never holds the write lock for long.

Each call is one round trip in `round_trips`, a `change` transaction too. The async
methods are the base class's, in worker threads; `achange` runs `change` in one.

Connections: one per thread (a `sqlite3.Connection` must not be shared across
threads mid-statement) and per process (SQLite forbids carrying a connection across
``fork()``; the child opens its own, and leaves the inherited ones alone rather than
close them). Each is in autocommit mode (``isolation_level=None``), with
``journal_mode=WAL`` (readers and one writer at once) and ``synchronous=NORMAL`` (in
WAL mode a crash of the process loses nothing committed; a power cut may lose the
last commits, never consistency).

The time bound is SQLite's busy timeout: a call that waits longer than `timeout` for
another connection's lock fails with `StoreUnavailable`. The work of a statement
itself (a local file, one row) is not interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Self, TypeVar

from nudge_sdk._errors import InvalidStoreURL, NaiveDatetime, StoreUnavailable
from nudge_sdk._log import log as _log
from nudge_sdk.evaluation._account import brief
from nudge_sdk.evaluation._state import StateSnapshot
from nudge_sdk.stores._base import DEFAULT_TIMEOUT, Change, Store
from nudge_sdk.stores._codec import encode

__all__ = ["SQLiteStore"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nudge_state (
    account TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    doc BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS nudge_state_expires_at ON nudge_state (expires_at);
"""
_SELECT = "SELECT version, doc FROM nudge_state WHERE account = ?"
_INSERT = (  # the first write, or one replacing a row whose version is unusable
    "INSERT INTO nudge_state (account, version, doc, expires_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (account) DO UPDATE SET version = excluded.version, doc = excluded.doc,"
    " expires_at = MAX(nudge_state.expires_at, excluded.expires_at)"
    " WHERE typeof(nudge_state.version) != 'integer' OR nudge_state.version < 1"
)
_UPDATE = (  # a write never shortens the state's life (a backdated event, a slow clock)
    "UPDATE nudge_state SET version = ?, doc = ?, expires_at = MAX(expires_at, ?)"
    " WHERE account = ? AND version = ?"
)
_PRUNE = (
    "DELETE FROM nudge_state WHERE rowid IN"
    " (SELECT rowid FROM nudge_state WHERE expires_at < ? LIMIT ?)"
)
PRUNE_BATCH = 1000
"""Rows `prune` deletes per statement."""
_FORMS = "expected sqlite:///relative/path.db or sqlite:////absolute/path.db"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class _Link:
    """A thread's connection, weakly listed by its store so `close` can reach it while
    the thread's death still frees it."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn: sqlite3.Connection | None = conn


class SQLiteStore(Store):
    """Snapshots in a SQLite file, shared by the processes of one machine:
    ``SQLiteStore("/var/lib/app/nudge.db", timeout=0.5)``, or
    ``open_store("sqlite:////var/lib/app/nudge.db")``. A relative `path` is resolved
    against the working directory once, here."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> None:
        given = os.fspath(path)
        self.name = f"sqlite:///{given}"
        self.path = os.path.abspath(given)
        self.timeout = timeout
        self._pid = os.getpid()
        self._local = threading.local()
        self._links: weakref.WeakSet[_Link] = weakref.WeakSet()
        self._inherited: list[_Link] = []

    @classmethod
    def from_url(cls, url: str, *, timeout: float) -> Self:
        """The store a ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` URL names
        (SQLAlchemy's forms); `InvalidStoreURL` for anything else."""
        return cls(_path(url), timeout=timeout)

    # -- primitives -------------------------------------------------------------------

    def load(self, account: str) -> StateSnapshot:
        """The account's snapshot and its version; an empty one if none."""
        self.round_trips += 1
        with self._failures():
            row = self._connection().execute(_SELECT, (account,)).fetchone()
        return self._snapshot(account, row)

    def save(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """Compare-and-set on the version, in one statement."""
        return self._save(account, state, state.version, expires)

    def change(
        self,
        account: str,
        change: Change[T],
        *,
        expires: datetime,
        state: StateSnapshot | None = None,
    ) -> T:
        """Apply `change` under the write lock, in one transaction that never loses a
        race; with a pre-loaded `state`, try a compare-and-set first."""
        if state is not None:
            new, result = change(state)
            if new is state or self._save(account, new, state.version, expires):
                return result
        return self._change_locked(account, change, expires)

    async def achange(
        self,
        account: str,
        change: Change[T],
        *,
        expires: datetime,
        state: StateSnapshot | None = None,
    ) -> T:
        """`change` in a worker thread (one hop, no retry loop)."""
        return await asyncio.to_thread(self.change, account, change, expires=expires, state=state)

    def init(self) -> None:
        """Create the file and table if missing (every connection does too)."""
        self.round_trips += 1
        with self._failures():
            self._connection().executescript(_SCHEMA)

    def prune(self, now: datetime) -> int:
        """Delete the rows that expired before `now`, a batch per statement."""
        cutoff = _micros(now, "now")
        deleted = 0
        while True:
            self.round_trips += 1
            with self._failures():
                batch = self._connection().execute(_PRUNE, (cutoff, PRUNE_BATCH)).rowcount
            deleted += batch
            if batch < PRUNE_BATCH:
                return deleted

    def close(self) -> None:
        """Close this process's connections (a later call opens new ones). Call it when
        no other thread is using the store."""
        if os.getpid() != self._pid:
            return
        for link in list(self._links):
            if link.conn is not None:
                link.conn.close()
                link.conn = None

    # -- internals --------------------------------------------------------------------

    def _save(self, account: str, state: StateSnapshot, version: int, expires: datetime) -> bool:
        """`state` written as ``version + 1`` if the stored version is `version`."""
        self.round_trips += 1
        with self._failures():
            return self._write(self._connection(), account, state, version, expires)

    def _change_locked(self, account: str, change: Change[T], expires: datetime) -> T:
        """Read, change and write in one ``BEGIN IMMEDIATE`` transaction."""
        self.round_trips += 1
        with self._failures():
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                base = self._snapshot(account, conn.execute(_SELECT, (account,)).fetchone())
                new, result = change(base)
                if new is not base:
                    self._write(conn, account, new, base.version, expires)
                conn.execute("COMMIT")
            finally:
                if conn.in_transaction:  # the change raised, or COMMIT failed
                    conn.execute("ROLLBACK")
        return result

    def _write(
        self,
        conn: sqlite3.Connection,
        account: str,
        state: StateSnapshot,
        version: int,
        expires: datetime,
    ) -> bool:
        """Write `state` as ``version + 1`` if the stored version is `version`."""
        doc, until = encode(state), _micros(expires, "expires")
        if version == 0:
            cursor = conn.execute(_INSERT, (account, 1, doc, until))
        else:
            cursor = conn.execute(_UPDATE, (version + 1, doc, until, account, version))
        return cursor.rowcount == 1

    def _snapshot(self, account: str, row: tuple[int, object] | None) -> StateSnapshot:
        """A fetched row as a snapshot; no row is an empty one at version 0."""
        if row is None:
            return StateSnapshot()
        version, doc = row
        if type(version) is not int or version < 1:  # SQLite columns take any value
            _log.warning(
                "nudge.store.bad_row",
                store=self.name,
                account=account,
                problem=f"stored version {brief(version)} is not a version number",
            )
            return StateSnapshot()  # read as empty; the next write replaces the row
        # A BLOB column takes any value; one that is not text reads as corrupt.
        return self._decode(account, doc if isinstance(doc, bytes | str) else b"", version)

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection in this process, opened on first use."""
        if os.getpid() != self._pid:
            # Forked: the parent's connections are not ours to use, nor to close.
            self._inherited.extend(self._links)
            self._pid, self._local, self._links = os.getpid(), threading.local(), weakref.WeakSet()
        link: _Link | None = getattr(self._local, "link", None)
        if link is not None and link.conn is not None:
            return link.conn
        conn = self._connect()
        link = _Link(conn)
        self._local.link = link
        self._links.add(link)
        return conn

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False only so `close` may close every thread's connection;
        # each thread still uses its own.
        conn = sqlite3.connect(
            self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._use_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Put the file in WAL mode (it stays so). Switching needs the file to itself,
        and SQLite answers "locked" at once rather than wait (waiting could deadlock),
        so a new file opened by several connections at once is retried here until the
        timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone() != ("wal",):
                    conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.001)

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """Raise the engine's failures as `StoreUnavailable`."""
        try:
            yield
        except sqlite3.OperationalError as error:
            reason = str(error)
            if "locked" in reason or "busy" in reason:
                reason += f" (waited {self.timeout:g}s for another writer)"
            raise StoreUnavailable(self.name, reason) from error
        except sqlite3.Error as error:
            raise StoreUnavailable(self.name, f"{type(error).__name__}: {error}") from error


def _path(url: str) -> str:
    """The file a SQLite URL names."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower() != "sqlite" or not sep:
        raise InvalidStoreURL(url, _FORMS)
    if not rest.startswith("/"):
        raise InvalidStoreURL(url, f"a SQLite file has no host; {_FORMS}")
    path = rest[1:]
    if not path or path.endswith("/"):
        raise InvalidStoreURL(url, f"no file name; {_FORMS}")
    if "?" in path or "#" in path:
        raise InvalidStoreURL(url, f"query parameters are not supported; {_FORMS}")
    if path == ":memory:":
        raise InvalidStoreURL(
            url, "an in-memory SQLite database is not shared between threads; use memory://"
        )
    return path


def _micros(moment: datetime, name: str) -> int:
    """An aware instant as integer microseconds since the epoch."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetime(name, moment)
    return (moment - _EPOCH) // _US
