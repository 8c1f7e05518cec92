"""The PostgreSQL store (``postgresql://user@host/db``): psycopg 3 with a small pool per
flavour, sync (`psycopg_pool.ConnectionPool`) and async (`AsyncConnectionPool`), each
opened on first use, never at import or construction.

One row per account, in a table (``nudge_state`` unless told otherwise) that `init`
creates; it is never created silently, and a call on a missing table fails with a
`StoreUnavailable` that says to run ``nudge state init URL``::

    account text PRIMARY KEY, version bigint NOT NULL,
    doc bytea NOT NULL, expires_at timestamptz NOT NULL   -- and an index on expires_at

``doc`` is the codec's JSON document as bytes, not ``jsonb``: the server need not
parse it on every write, it reads back byte for byte what every other backend stores
(so a bad document is handled by the same code), and ``jsonb`` would refuse text
holding ``\\u0000``, which a claim key or nudge id may contain.

Each call is one round trip:

- `load` is one SELECT;
- `save` is one compare-and-set statement: ``INSERT ... ON CONFLICT DO NOTHING`` for
  version 0 and ``UPDATE ... WHERE version = %s`` otherwise; it succeeded iff it
  changed one row. A row missing at version n > 0 (pruned meanwhile) is a lost race,
  as in every other backend: the writer reloads and inserts version 1. (A single
  ``INSERT ... ON CONFLICT DO UPDATE ... WHERE version = %s`` would blindly recreate
  such a row instead.)
- `change` is the base class's compare-and-set loop: no transaction spans a round
  trip, so no lock is held while the host computes.

Safe behind PgBouncer in transaction mode: connections are in autocommit mode and
keep no session state (no prepared statements, no session ``SET``, no advisory lock,
no LISTEN).

Time bounds, all derived from `timeout`:

- waiting for a pooled connection: the pool's ``timeout``;
- connecting: libpq's ``connect_timeout``, whole seconds and at least 2 (libpq's
  floor), so a refused or unreachable server makes calls fail at the pool's wait
  while the pool keeps retrying in the background;
- the statement: the server's ``statement_timeout``, set with ``SET LOCAL`` to what is
  left of `timeout` in the same query message as the statement (the two run in one
  implicit transaction, so the setting ends with it: nothing leaks to the next
  client of a PgBouncer server connection, and there is no extra round trip). Session
  options (``options=-c statement_timeout``) are refused or dropped by PgBouncer, and
  a plain ``SET`` would leak. Parameters are bound client-side (`ClientCursor`), as
  several statements in one message need the simple query protocol; the timeout
  applies per statement from PostgreSQL 13 on;
- a server host that vanishes mid-call (nothing acknowledges the query any more):
  TCP's ``tcp_user_timeout``, the connect timeout again, drops the connection.

So a sync call ends within `timeout` unless the network itself fails, and then within
a few seconds. The async flavour also wraps every call in `asyncio.wait_for`, a hard
bound of `timeout`.

Account ids cannot contain NUL (``\\x00``), which PostgreSQL text refuses; `ping` is
therefore a query of its own rather than the base class's load of such an id. The
async pool belongs to the event loop that opened it: `aclose` before using the store
from another loop. A host that never calls `aclose` still gets its loop back: the pool
is closed when the loop shuts down (`asyncio.run` cancels the task that waits for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Self

import psycopg
from psycopg import AsyncClientCursor, ClientCursor, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolTimeout

from nudge_sdk._errors import InvalidInput, InvalidStoreURL, NaiveDatetime, StoreUnavailable
from nudge_sdk.evaluation._state import StateSnapshot
from nudge_sdk.stores._base import DEFAULT_TIMEOUT, Store, bounded
from nudge_sdk.stores._codec import encode

__all__ = ["PostgresStore"]

PRUNE_BATCH = 1000
"""Rows `prune` deletes per statement."""
_TABLE = re.compile(r"[a-z_][a-z0-9_]{0,49}")
_SCHEMES = ("postgresql", "postgres")
_SESSION: dict[str, Any] = {"autocommit": True, "prepare_threshold": None}
"""Connection settings: no transaction left open, no server-side prepared statement."""
_Result = tuple[int, tuple[Any, ...] | None]
"""A statement's outcome: the rows it changed, and its first row if it returns any."""


class PostgresStore(Store):
    """Snapshots in a PostgreSQL table, shared by every server of an application:
    ``PostgresStore("postgresql://app@db/app", timeout=0.5)``, or
    ``open_store("postgresql://app@db/app")``. `conninfo` is a URL or a libpq
    ``key=value`` string; `table` a plain lower-case name (tests use one per run)."""

    def __init__(
        self,
        conninfo: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        table: str = "nudge_state",
        min_size: int = 1,
        max_size: int = 4,
        name: str | None = None,
    ) -> None:
        if not _TABLE.fullmatch(table):
            raise InvalidInput(
                f"table {table!r}: expected a plain lower-case name of at most 50 characters"
            )
        params = _parse(conninfo)
        self.name = name or _describe(params)
        self.table = table
        self.timeout = timeout
        connect = max(2, math.ceil(timeout))
        defaults = {"connect_timeout": connect, "tcp_user_timeout": connect * 1000}
        self._conninfo = make_conninfo(
            conninfo, **{key: value for key, value in defaults.items() if key not in params}
        )
        self._sizes = (min_size, max_size)
        self._lock = threading.Lock()
        self._alock = asyncio.Lock()
        self._pool: ConnectionPool | None = None
        self._apool: AsyncConnectionPool | None = None
        self._closer: asyncio.Task[None] | None = None
        self._statements(sql.Identifier(table), sql.Identifier(f"{table}_expires_at"))

    @classmethod
    def from_url(cls, url: str, *, timeout: float) -> Self:
        """The store a ``postgresql://`` or ``postgres://`` URL names; `InvalidStoreURL`
        for anything else."""
        scheme, sep, rest = url.partition("://")
        if scheme.lower() not in _SCHEMES or not sep:
            raise InvalidStoreURL(_redact(url), "expected postgresql://user@host:port/dbname")
        return cls(f"{scheme.lower()}://{rest}", timeout=timeout)  # libpq wants lower case

    def _statements(self, table: sql.Identifier, index: sql.Identifier) -> None:
        """Compose every statement once, each behind the ``SET LOCAL`` that bounds it."""
        bound = sql.SQL("SET LOCAL statement_timeout = %s; ")

        def statement(text: str) -> sql.Composed:
            return bound + sql.SQL(text).format(table=table, index=index)

        self._schema = statement(
            "CREATE TABLE IF NOT EXISTS {table} (account text PRIMARY KEY,"
            " version bigint NOT NULL, doc bytea NOT NULL, expires_at timestamptz NOT NULL);"
            " CREATE INDEX IF NOT EXISTS {index} ON {table} (expires_at)"
        )
        self._select = statement("SELECT version, doc FROM {table} WHERE account = %s")
        self._insert = statement(
            "INSERT INTO {table} (account, version, doc, expires_at) VALUES (%s, 1, %s, %s)"
            " ON CONFLICT (account) DO NOTHING"
        )
        self._update = statement(
            "UPDATE {table} SET version = %s, doc = %s, expires_at = GREATEST(expires_at, %s)"
            " WHERE account = %s AND version = %s"
        )
        # The outer expires_at test is checked again on a row a writer just renewed.
        self._prune = statement(
            "DELETE FROM {table} WHERE account IN"
            " (SELECT account FROM {table} WHERE expires_at < %s LIMIT %s)"
            " AND expires_at < %s"
        )
        self._ping = statement("SELECT 1 FROM {table} LIMIT 0")

    # -- primitives -------------------------------------------------------------------

    def load(self, account: str) -> StateSnapshot:
        """The account's snapshot and its version; an empty one if none."""
        return self._snapshot(account, self._run(self._select, (account,)))

    def save(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """Compare-and-set on the version, in one statement."""
        statement, params = self._write(account, state, expires)
        return self._run(statement, params)[0] == 1

    def init(self) -> None:
        """Create the table and its index if missing; idempotent."""
        self._run(self._schema, ())

    def prune(self, now: datetime) -> int:
        """Delete the rows that expired before `now`, a batch per statement."""
        _aware(now, "now")
        deleted = 0
        while True:
            batch = self._run(self._prune, (now, PRUNE_BATCH, now))[0]
            deleted += batch
            if batch < PRUNE_BATCH:
                return deleted

    def ping(self) -> None:
        """Raise `StoreUnavailable` unless the server answers and the table exists."""
        self._run(self._ping, ())

    def close(self) -> None:
        """Close the sync pool (a later call opens a new one)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- async flavour ----------------------------------------------------------------

    async def aload(self, account: str) -> StateSnapshot:
        """`load`, on the async pool."""
        return self._snapshot(account, await self._arun(self._select, (account,)))

    async def asave(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        """`save`, on the async pool."""
        statement, params = self._write(account, state, expires)
        return (await self._arun(statement, params))[0] == 1

    async def aping(self) -> None:
        """`ping`, on the async pool."""
        await self._arun(self._ping, ())

    async def aclose(self) -> None:
        """Close the async pool, and the sync one if it was used."""
        async with self._alock:
            pool, self._apool = self._apool, None
            closer, self._closer = self._closer, None
        self._alock = asyncio.Lock()  # free of this loop, for the next one
        if closer is not None:
            closer.cancel()  # closing here instead
        if pool is not None:
            await pool.close()
        if self._pool is not None:
            await asyncio.to_thread(self.close)

    # -- internals --------------------------------------------------------------------

    def _write(
        self, account: str, state: StateSnapshot, expires: datetime
    ) -> tuple[sql.Composed, tuple[object, ...]]:
        """The compare-and-set statement for `state` and its parameters."""
        doc, version = encode(state), state.version
        _aware(expires, "expires")
        if version == 0:
            return self._insert, (account, doc, expires)
        return self._update, (version + 1, doc, expires, account, version)

    def _snapshot(self, account: str, result: _Result) -> StateSnapshot:
        """A fetched row as a snapshot; no row is an empty one at version 0."""
        row = result[1]
        if row is None:
            return StateSnapshot()
        version, doc = row
        return self._decode(account, doc, version)

    def _run(self, statement: sql.Composed, params: Sequence[object]) -> _Result:
        """`statement` in one round trip on the sync pool, within the timeout."""
        self.round_trips += 1
        deadline = time.monotonic() + self.timeout
        with (
            self._failures(),
            self._sync_pool().connection(timeout=self.timeout) as conn,
            ClientCursor(conn) as cursor,
        ):
            cursor.execute(statement, (_left(deadline), *params))
            cursor.nextset()  # past the SET LOCAL
            return cursor.rowcount, cursor.fetchone() if cursor.description else None

    async def _arun(self, statement: sql.Composed, params: Sequence[object]) -> _Result:
        """`statement` in one round trip on the async pool, within the timeout."""
        self.round_trips += 1
        return await bounded(self._aexecute(statement, params), self.timeout, self.name)

    async def _aexecute(self, statement: sql.Composed, params: Sequence[object]) -> _Result:
        deadline = time.monotonic() + self.timeout
        with self._failures():
            pool = await self._async_pool()
            async with (
                pool.connection(timeout=self.timeout) as conn,
                AsyncClientCursor(conn) as cursor,
            ):
                await cursor.execute(statement, (_left(deadline), *params))
                cursor.nextset()
                row = await cursor.fetchone() if cursor.description else None
                return cursor.rowcount, row

    def _sync_pool(self) -> ConnectionPool:
        """The sync pool, opened (without waiting for a connection) on first use."""
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ConnectionPool(**self._pool_settings())
                    self._pool.open(wait=False)
                pool = self._pool
        return pool

    async def _async_pool(self) -> AsyncConnectionPool:
        """The async pool, opened in the running loop on first use."""
        pool = self._apool
        if pool is None:
            async with self._alock:
                if self._apool is None:
                    self._apool = AsyncConnectionPool(**self._pool_settings())
                    await self._apool.open(wait=False)
                    self._closer = asyncio.get_running_loop().create_task(
                        _close_at_shutdown(self._apool), name="nudge-postgres-pool-closer"
                    )
                pool = self._apool
        return pool

    def _pool_settings(self) -> dict[str, Any]:
        min_size, max_size = self._sizes
        return {
            "conninfo": self._conninfo,
            "kwargs": _SESSION,
            "min_size": min_size,
            "max_size": max_size,
            "timeout": self.timeout,
            "open": False,
            "name": self.name,
        }

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """Raise the engine's failures as `StoreUnavailable`."""
        try:
            yield
        except psycopg.errors.UndefinedTable as error:
            reason = f"table {self.table!r} does not exist; run `nudge state init URL` first"
            raise StoreUnavailable(self.name, reason) from error
        except psycopg.errors.QueryCanceled as error:
            reason = f"no answer within {self.timeout:g}s"
            raise StoreUnavailable(self.name, reason) from error
        except PoolTimeout as error:
            # The pool logs why connecting failed (logger "psycopg.pool").
            reason = f"no connection within {self.timeout:g}s"
            raise StoreUnavailable(self.name, reason) from error
        except psycopg.Error as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise StoreUnavailable(self.name, reason) from error


def _left(deadline: float) -> int:
    """Whole milliseconds left before `deadline`, at least 1 (0 would mean none)."""
    return max(1, int((deadline - time.monotonic()) * 1000))


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetime(name, moment)


def _parse(conninfo: str) -> dict[str, Any]:
    """The connection parameters of a URL or ``key=value`` string."""
    try:
        return conninfo_to_dict(conninfo)
    except psycopg.Error as error:
        reason = _redact(str(error).splitlines()[0])
        raise InvalidStoreURL(_redact(conninfo), reason) from None


def _describe(params: dict[str, Any]) -> str:
    """What logs call a server: its URL without the password."""
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    host = params.get("host") or params.get("hostaddr") or ""
    return f"postgresql://{user}{host}{port}/{params.get('dbname') or ''}"


def _redact(text: str) -> str:
    """`text` with any password in a URL's user part or a ``password=`` replaced."""
    text = re.sub(r"(//[^:/@\s]*):[^@/\s]*@", r"\1:***@", text)
    return re.sub(r"(password\s*=\s*)('[^']*'|[^&\s\"]+)", r"\1***", text)


async def _close_at_shutdown(pool: AsyncConnectionPool) -> None:
    """Wait until the event loop shuts down (`asyncio.run` cancels every task left),
    then close `pool`, for hosts that never call `aclose`. Without it the loop's
    shutdown can hang for good: psycopg_pool's workers take a cancellation that lands
    in a connection attempt (a server that accepts and never answers) as a failed
    task and wait for the next one, so the loop waits for them forever. Closing the
    pool sends each worker its stop."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        await pool.close(timeout=0)
        raise
