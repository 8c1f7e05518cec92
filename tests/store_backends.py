"""The stores the shared suites run against, each fresh and isolated per test.

Redis and PostgreSQL come from ``NUDGE_TEST_REDIS`` and ``NUDGE_TEST_POSTGRES`` (local
servers by default). When one does not answer, its tests fail under CI (which starts
both) and are skipped elsewhere, saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg import sql

from nudge_sdk import MemoryStore, Store, catalog_from_dict
from nudge_sdk.evaluation._guardrails import Claim, Guardrails
from nudge_sdk.stores._base import Change

REDIS_URL = os.environ.get("NUDGE_TEST_REDIS", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("NUDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ("memory", "sqlite", "redis", "postgres")
CACHED = "redis_cached"
"""Redis with the client cache on (``client_cache=True``): the contract holds for it too."""
KEEP = timedelta(days=365 * 100)
"""How long tests keep state: their clocks are fixed in the past, and Redis expires a
key whose expiry instant has passed on the server's own clock."""


def unreachable(kind: str, error: Exception) -> None:
    """Fail under CI, skip elsewhere: a shared backend that does not answer."""
    message = f"{kind} is not reachable ({error}); CI starts it, see .ci/run"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def fresh_store(kind: str, tmp: Path) -> Iterator[Store]:
    """A new, empty store of `kind`, removed afterwards."""
    unique = f"t{uuid.uuid4().hex[:12]}"
    store: Store
    if kind == "memory":
        store = MemoryStore()
    elif kind == "sqlite":
        from nudge_sdk.stores._sqlite import SQLiteStore

        store = SQLiteStore(tmp / f"{unique}.db", timeout=2.0)
    elif kind in ("redis", CACHED):
        from nudge_sdk.stores._redis import RedisStore

        store = RedisStore(REDIS_URL, timeout=2.0, prefix=unique, client_cache=kind == CACHED)
    else:
        from nudge_sdk.stores._postgres import PostgresStore

        store = PostgresStore(POSTGRES_URL, timeout=2.0, table=unique)
    try:
        try:
            store.init()
            store.ping()
        except Exception as error:
            store.close()
            unreachable(kind.split("_")[0], error)
        store.round_trips = 0
        yield store
    finally:
        _clean(kind, store, unique)
        store.close()


def _clean(kind: str, store: Store, unique: str) -> None:
    """Remove what a test left on a shared server."""
    try:
        if kind in ("redis", CACHED):
            with redis.Redis.from_url(REDIS_URL, socket_timeout=2) as client:
                keys = list(client.scan_iter(match=f"{unique}:*"))
                if keys:
                    client.delete(*keys)
        elif kind == "postgres":
            with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=2) as conn:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(unique)))
    except (redis.RedisError, psycopg.Error):
        pass  # the server is gone; the test has already said so


StoreFactory = Callable[[], Store]

AT = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
EXPIRES = AT + timedelta(days=30)
GUARDRAILS = Guardrails(catalog_from_dict({"currency": "USD", "plans": {"free": {}}}))
MARGIN = 1.0
"""Seconds a failing call may take beyond its timeout."""


def claiming(key: str, days: int = 7, maximum: int = 10**9) -> Change[Claim]:
    """The change that claims a trial extension under `key`."""
    return lambda state: GUARDRAILS.claim(state, key, days, maximum)
