"""The PostgreSQL store's own behaviour: URLs, the compare-and-set statements, round
trips, the schema and its absence, pruning, corrupt rows, time bounds, the async
flavour and ``kill -9``.

It needs a server: ``NUDGE_TEST_POSTGRES`` (by default a local one, trust auth). When it
does not answer, these tests fail under CI and are skipped elsewhere. Each test uses a
table of its own, dropped afterwards. What every store must do alike is the shared
contract suite's business."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import psycopg
import pytest
from psycopg import sql
from structlog.testing import capture_logs

from nudge_sdk import (
    InvalidInput,
    InvalidStoreURL,
    NaiveDatetime,
    StoreUnavailable,
)
from nudge_sdk.evaluation._guardrails import Claim
from nudge_sdk.evaluation._state import NudgeEvent, RuleHistory, Shown, StateSnapshot
from nudge_sdk.stores import _postgres
from nudge_sdk.stores._postgres import PostgresStore
from tests.store_backends import AT, EXPIRES, MARGIN, claiming

URL = os.environ.get("NUDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REFUSED = "postgresql://postgres@127.0.0.1:1/test"
"""Nothing listens on port 1: connecting is refused at once."""
ROOT = Path(__file__).resolve().parent.parent


def sample() -> StateSnapshot:
    """A snapshot with something in every part, and a NUL in a claim key (which jsonb
    would refuse)."""
    return StateSnapshot(
        rules={
            "storage_80": RuleHistory(
                last_shown=AT,
                dismissed=True,
                dismissed_until=AT + timedelta(days=9),
                last_level=Decimal("0.8"),
                level_window=AT + timedelta(days=30),
            )
        },
        shown=(Shown(rule="storage_80", nudge="n1", placement="banner", at=AT),),
        events=(NudgeEvent(nudge="n1", rule="storage_80", kind="dismissed", at=AT),),
        claims={"welcome\x00": 7},
        trial_extensions_claimed=1,
    )


@pytest.fixture(scope="module")
def server() -> str:
    """The test server's URL; fail under CI, skip elsewhere, when it does not answer."""
    try:
        with psycopg.connect(URL, connect_timeout=2):
            pass
    except psycopg.Error as error:
        message = f"PostgreSQL at {URL} is not reachable ({error}); set NUDGE_TEST_POSTGRES"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return URL


def execute(query: sql.SQL | sql.Composed, *params: object) -> list[tuple[object, ...]]:
    """Run `query` on a connection of its own; its rows, if any."""
    with psycopg.connect(URL, autocommit=True) as conn, conn.execute(query, params) as cursor:
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def table(server: str) -> Iterator[str]:
    """A table name of this test's own, dropped afterwards."""
    name = f"nudge_test_{uuid.uuid4().hex[:12]}"
    yield name
    execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def store(server: str, table: str) -> Iterator[PostgresStore]:
    """A store on a fresh table, created, with a generous timeout and no trips counted."""
    store = PostgresStore(server, timeout=2.0, table=table)
    store.init()
    store.round_trips = 0
    yield store
    store.close()


# -- URLs and construction ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"),
        ("postgres://app:s3cret@db.internal/app", "postgresql://app@db.internal/app"),
        ("PostgreSQL://db/app?sslmode=require&password=s3cret", "postgresql://db/app"),
        ("postgresql:///app?host=/var/run/postgresql", "postgresql:///var/run/postgresql/app"),
    ],
)
def test_url_forms(url: str, name: str) -> None:
    """Both schemes are accepted; the name never shows a password."""
    store = PostgresStore.from_url(url, timeout=0.5)
    assert (name, 0.5, "nudge_state") == (store.name, store.timeout, store.table)
    store.close()


@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        ("mysql://db/app", "mysql://db/app", "expected postgresql://user@host:port/dbname"),
        ("postgresql:db", "postgresql:db", "expected postgresql://user@host:port/dbname"),
        (
            "postgresql://u:s3cret@[::1/app",
            "postgresql://u:***@[::1/app",
            'end of string reached when looking for matching "]" in IPv6 host address in'
            ' URI: "postgresql://u:***@[::1/app"',
        ),
        (
            "postgresql://db/app?password=s3cret&colour=blue",
            "postgresql://db/app?password=***&colour=blue",
            'invalid URI query parameter: "colour"',
        ),
    ],
)
def test_url_errors(url: str, shown: str, reason: str) -> None:
    """Other schemes and URLs libpq cannot read are refused, without their password."""
    with pytest.raises(InvalidStoreURL) as caught:
        PostgresStore.from_url(url, timeout=0.25)
    assert (shown, reason) == (caught.value.url, caught.value.reason)


@pytest.mark.parametrize("table", ["", "Nudge", "nudge-state", "a.b", "x" * 51, "1st"])
def test_table_must_be_a_plain_name(table: str) -> None:
    """The table is a plain lower-case identifier, nothing that needs quoting."""
    with pytest.raises(InvalidInput, match="expected a plain lower-case name"):
        PostgresStore(URL, table=table)


def test_constructing_connects_to_nothing() -> None:
    """Neither import nor construction opens a pool; closing an unused store is fine."""
    store = PostgresStore(REFUSED)
    assert (None, None) == (store._pool, store._apool)
    store.close()
    asyncio.run(store.aclose())


# -- primitives -----------------------------------------------------------------------


def test_missing_account_loads_empty(store: PostgresStore) -> None:
    """An account never written is an empty snapshot at version 0, in one round trip."""
    assert StateSnapshot() == store.load("nobody")
    assert 1 == store.round_trips


def test_save_is_compare_and_set(store: PostgresStore) -> None:
    """A save writes version n + 1 only over version n (a missing row being 0); each
    load and each save is one round trip."""
    assert store.save("acct", sample(), expires=EXPIRES)
    assert not store.save("acct", sample(), expires=EXPIRES)
    first = store.load("acct")
    assert attrs.evolve(sample(), version=1) == first
    changed = attrs.evolve(first, trial_extensions_claimed=2, claims={"a": 1, "b": 2})
    assert store.save("acct", changed, expires=EXPIRES)
    assert not store.save("acct", changed, expires=EXPIRES)
    assert attrs.evolve(changed, version=2) == store.load("acct")
    assert 6 == store.round_trips


def test_save_over_a_missing_row_needs_version_0(store: PostgresStore) -> None:
    """A row gone since it was loaded (pruned) is a lost race, as in every store: the
    save is refused and a reload (version 0) writes it again."""
    assert not store.save("acct", attrs.evolve(sample(), version=3), expires=EXPIRES)
    assert 0 == store.load("acct").version
    assert store.save("acct", sample(), expires=EXPIRES)
    assert 1 == store.load("acct").version


def test_naive_expiry_is_refused(store: PostgresStore) -> None:
    """An expiry without a time zone is an error, not a guess."""
    with pytest.raises(NaiveDatetime):
        store.save("acct", sample(), expires=datetime(2030, 1, 1))


def test_statements_leave_no_session_state(server: str, table: str) -> None:
    """The statement timeout is set for one implicit transaction only: a pooled
    connection (what PgBouncer would hand the next client) is back to the default."""
    store = PostgresStore(server, timeout=2.0, table=table, min_size=1, max_size=1)
    store.init()
    store.load("acct")
    with store._sync_pool().connection() as conn:
        default = conn.execute(
            "SELECT reset_val FROM pg_settings WHERE name = %s", ("statement_timeout",)
        )
        assert default.fetchone() == conn.execute("SHOW statement_timeout").fetchone()
        assert psycopg.pq.TransactionStatus.IDLE == conn.info.transaction_status
    store.close()


# -- schema and maintenance -----------------------------------------------------------


def test_init_is_idempotent(store: PostgresStore, table: str) -> None:
    """init creates the table and index, and again changes nothing."""
    store.save("acct", sample(), expires=EXPIRES)
    store.init()
    assert 1 == store.load("acct").version
    columns = execute(
        sql.SQL(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = %s ORDER BY ordinal_position"
        ),
        table,
    )
    assert [
        ("account", "text"),
        ("version", "bigint"),
        ("doc", "bytea"),
        ("expires_at", "timestamp with time zone"),
    ] == columns
    indexes = execute(sql.SQL("SELECT indexname FROM pg_indexes WHERE tablename = %s"), table)
    assert {f"{table}_pkey", f"{table}_expires_at"} == {name for (name,) in indexes}


def test_missing_table_says_to_run_init(server: str, table: str) -> None:
    """Without init, every call fails with StoreUnavailable naming the fix; nothing is
    created silently."""
    store = PostgresStore(server, timeout=2.0, table=table)
    calls: list[Callable[[], object]] = [
        lambda: store.load("acct"),
        lambda: store.save("acct", sample(), expires=EXPIRES),
        store.ping,
        lambda: store.prune(AT),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailable) as caught:
            call()
        assert f"table '{table}' does not exist; run `nudge state init URL` first" == (
            caught.value.reason
        )
    assert [] == execute(sql.SQL("SELECT 1 FROM pg_tables WHERE tablename = %s"), table)
    store.close()


def test_prune_deletes_only_expired_rows(
    store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows whose expiry is before `now` go, in batches; one expiring at `now` stays."""
    monkeypatch.setattr(_postgres, "PRUNE_BATCH", 2)
    for day in range(5):
        store.save(f"old{day}", sample(), expires=AT - timedelta(days=day + 1))
    store.save("now", sample(), expires=AT)
    store.save("later", sample(), expires=AT + timedelta(microseconds=1))
    store.round_trips = 0
    assert 5 == store.prune(AT)
    assert 3 == store.round_trips
    assert 0 == store.prune(AT)
    assert [1, 1, 0] == [store.load(account).version for account in ("now", "later", "old0")]


# -- what can go wrong ----------------------------------------------------------------


@pytest.mark.parametrize("garbage", [b"\x00\xff not json", b"[1, 2]", b'{"f": 99}'])
def test_corrupt_document_loads_empty(store: PostgresStore, table: str, garbage: bytes) -> None:
    """A document that is not a snapshot reads as empty at its version (and is logged);
    the next save replaces it."""
    store.save("acct", sample(), expires=EXPIRES)
    execute(sql.SQL("UPDATE {} SET doc = %s").format(sql.Identifier(table)), garbage)
    with capture_logs() as logs:
        loaded = store.load("acct")
    assert StateSnapshot(version=1) == loaded
    assert ["nudge.store.corrupt"] == [log["event"] for log in logs]
    assert store.save("acct", attrs.evolve(sample(), version=1), expires=EXPIRES)
    assert attrs.evolve(sample(), version=2) == store.load("acct")


def test_refused_server_fails_within_the_timeout() -> None:
    """A server that refuses connections makes each call fail with StoreUnavailable
    within its timeout, sync and async."""
    store = PostgresStore(REFUSED, timeout=0.25)

    async def both() -> None:
        calls: list[Callable[[], Awaitable[object]]] = [lambda: store.aload("acct"), store.aping]
        for call in calls:
            started = time.monotonic()
            # The pool's wait and asyncio.wait_for end at the same moment; either may tell.
            with pytest.raises(StoreUnavailable, match=r"no (connection|answer) within 0\.25s"):
                await call()
            assert time.monotonic() - started < 0.25 + MARGIN
        await store.aclose()

    calls: list[Callable[[], object]] = [
        lambda: store.load("acct"),
        lambda: store.save("acct", sample(), expires=AT),
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match=r"no connection within 0\.25s") as caught:
            call()
        assert time.monotonic() - started < 0.25 + MARGIN
        assert "postgresql://postgres@127.0.0.1:1/test" == caught.value.store
    store.close()
    asyncio.run(both())


_SILENT_HOST = """
import asyncio, sys, time
from nudge_sdk.stores._postgres import PostgresStore

store = PostgresStore(f"postgresql://postgres@127.0.0.1:{sys.argv[1]}/test", timeout=0.5)

async def main() -> None:
    try:
        await store.aload("acct")
    except Exception as error:
        print(type(error).__name__, flush=True)

started = time.monotonic()
asyncio.run(main())  # the host never calls aclose
print(f"returned {time.monotonic() - started:.2f}", flush=True)
"""


def test_a_host_without_aclose_gets_its_loop_back_from_a_silent_server() -> None:
    """A server that accepts connections and never answers: the call fails within its
    timeout, and `asyncio.run` returns although the host never closes the store (it
    used to wait forever for the pool's workers, which take a cancellation inside a
    connection attempt as a failed task)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel accepts; nobody ever answers
        port = silent.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-c", _SILENT_HOST, str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    lines = done.stdout.split()
    assert lines[0] == "StoreUnavailable"
    assert float(lines[-1]) < 10, done.stdout


def test_a_blocked_statement_fails_within_the_timeout(server: str, table: str) -> None:
    """A save stuck behind another transaction's row lock is cancelled by the server's
    statement timeout, sync and async, and the row stays as it was."""
    store = PostgresStore(server, timeout=0.25, table=table)
    store.init()
    store.save("acct", sample(), expires=EXPIRES)
    stale = attrs.evolve(sample(), version=1)
    with psycopg.connect(server) as locker:
        locker.execute(
            sql.SQL("SELECT 1 FROM {} FOR UPDATE").format(sql.Identifier(table))
        )  # holds the row until the block ends

        async def save() -> bool:
            try:
                return await store.asave("acct", stale, expires=EXPIRES)
            finally:
                await store.aclose()

        calls: list[Callable[[], object]] = [
            lambda: store.save("acct", stale, expires=EXPIRES),
            lambda: asyncio.run(save()),
        ]
        for call in calls:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match=r"no answer within 0\.25s"):
                call()
            assert time.monotonic() - started < 0.25 + MARGIN
        assert 1 == store.load("acct").version  # readers are not blocked
        locker.rollback()
    assert store.save("acct", stale, expires=EXPIRES)
    store.close()


# -- async ----------------------------------------------------------------------------


def test_async_flavour(store: PostgresStore) -> None:
    """aload, asave and aping mirror the sync calls, one round trip each, on a pool of
    their own; achange applies a claim once under concurrent callers."""

    async def run() -> None:
        await store.aping()
        assert StateSnapshot() == await store.aload("acct")
        assert await store.asave("acct", sample(), expires=EXPIRES)
        assert not await store.asave("acct", sample(), expires=EXPIRES)
        assert attrs.evolve(sample(), version=1) == await store.aload("acct")
        assert 5 == store.round_trips
        claims = await asyncio.gather(
            *(store.achange("acct", claiming(f"k{n}", 1, 100), expires=EXPIRES) for n in range(3))
        )
        assert [Claim(granted=True, days=1)] * 3 == claims
        await store.aclose()

    asyncio.run(run())
    final = store.load("acct")
    assert (4, 4) == (final.version, final.trial_extensions_claimed)


def test_async_missing_table_says_to_run_init(server: str, table: str) -> None:
    """The async calls report a missing table the same way."""
    store = PostgresStore(server, timeout=2.0, table=table)

    async def run() -> None:
        try:
            with pytest.raises(StoreUnavailable, match="run `nudge state init URL`"):
                await store.aload("acct")
        finally:
            await store.aclose()

    asyncio.run(run())
