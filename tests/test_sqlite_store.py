"""The SQLite store's own behaviour: URLs, the compare-and-set statements, round trips,
the schema, pruning, corrupt rows, a locked file, threads, fork and ``kill -9``.

What every store must do alike is the shared contract suite's business."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from structlog.testing import capture_logs

from nudge_sdk import InvalidStoreURL, NaiveDatetime, StoreUnavailable
from nudge_sdk.evaluation._guardrails import Claim
from nudge_sdk.evaluation._state import NudgeEvent, RuleHistory, Shown, StateSnapshot
from nudge_sdk.stores import _sqlite
from nudge_sdk.stores._sqlite import SQLiteStore
from tests.store_backends import AT, EXPIRES, MARGIN, claiming

ROOT = Path(__file__).resolve().parent.parent


def sample() -> StateSnapshot:
    """A snapshot with something in every part."""
    return StateSnapshot(
        rules={
            "storage_80": RuleHistory(
                last_shown=AT,
                snoozed_until=AT + timedelta(days=2),
                last_level=Decimal("0.8"),
                level_window=AT + timedelta(days=30),
            )
        },
        shown=(Shown(rule="storage_80", nudge="n1", placement="banner", at=AT),),
        events=(
            NudgeEvent(
                nudge="n1",
                rule="storage_80",
                kind="snoozed",
                at=AT,
                event_id="e1",
                until=AT + timedelta(days=2),
            ),
        ),
        claims={"welcome": 7},
        trial_extensions_claimed=1,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A fresh store in a temporary file, with a generous timeout."""
    store = SQLiteStore(tmp_path / "nudge.db", timeout=2.0)
    yield store
    store.close()


@contextlib.contextmanager
def raw(store: SQLiteStore) -> Iterator[sqlite3.Connection]:
    """A connection of its own to the store's file, in autocommit mode, closed after."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


# -- URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////var/lib/app/nudge.db", "/var/lib/app/nudge.db"),
        ("SQLite:////srv/n.db", "/srv/n.db"),
        ("sqlite:///nudge-state.db", "{cwd}/nudge-state.db"),
        ("sqlite:///data/state.db", "{cwd}/data/state.db"),
    ],
)
def test_url_forms(url: str, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three slashes name a file relative to the working directory, four an absolute
    one; the name is the URL, its scheme in lower case."""
    monkeypatch.chdir(tmp_path)
    store = SQLiteStore.from_url(url, timeout=0.5)
    assert path.format(cwd=tmp_path) == store.path
    assert "sqlite:" + url.split(":", 1)[1] == store.name
    assert 0.5 == store.timeout


FORMS = "expected sqlite:///relative/path.db or sqlite:////absolute/path.db"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite://host/x.db", f"a SQLite file has no host; {FORMS}"),
        ("sqlite://", f"a SQLite file has no host; {FORMS}"),
        ("sqlite:///", f"no file name; {FORMS}"),
        ("sqlite:////var/lib/", f"no file name; {FORMS}"),
        ("sqlite:///x.db?mode=ro", f"query parameters are not supported; {FORMS}"),
        (
            "sqlite:///:memory:",
            "an in-memory SQLite database is not shared between threads; use memory://",
        ),
        ("sqlite:x.db", FORMS),
        ("redis://x", FORMS),
    ],
)
def test_url_errors(url: str, reason: str) -> None:
    """Any other form is refused, naming the URL and the forms that work."""
    with pytest.raises(InvalidStoreURL) as caught:
        SQLiteStore.from_url(url, timeout=0.25)
    assert (url, reason) == (caught.value.url, caught.value.reason)
    assert f"state store {url!r}: {reason}" == str(caught.value)


def test_constructing_opens_nothing(tmp_path: Path) -> None:
    """The file is created on the first call, not by the constructor."""
    store = SQLiteStore(tmp_path / "later.db")
    assert not (tmp_path / "later.db").exists()
    assert 0 == store.load("acct").version
    assert (tmp_path / "later.db").exists()
    store.close()


# -- primitives -----------------------------------------------------------------------


def test_missing_account_loads_empty(store: SQLiteStore) -> None:
    """An account never written is an empty snapshot at version 0, in one round trip."""
    assert StateSnapshot() == store.load("nobody")
    assert 1 == store.round_trips


def test_save_is_compare_and_set(store: SQLiteStore) -> None:
    """A save writes version n + 1 only over version n (a missing row being 0); each
    load and each save is one round trip."""
    assert store.save("acct", sample(), expires=EXPIRES)
    assert not store.save("acct", sample(), expires=EXPIRES)  # stale: still version 0
    first = store.load("acct")
    assert attrs.evolve(sample(), version=1) == first
    changed = attrs.evolve(first, trial_extensions_claimed=2, claims={"a": 1, "b": 2})
    assert store.save("acct", changed, expires=EXPIRES)
    assert not store.save("acct", changed, expires=EXPIRES)  # stale: now version 2
    assert attrs.evolve(changed, version=2) == store.load("acct")
    assert 6 == store.round_trips


def test_save_over_a_missing_row_needs_version_0(store: SQLiteStore) -> None:
    """A row gone since it was loaded (pruned) is a lost race: the save is refused and
    a reload (version 0) writes it again."""
    assert not store.save("acct", attrs.evolve(sample(), version=3), expires=EXPIRES)
    assert 0 == store.load("acct").version
    assert store.save("acct", sample(), expires=EXPIRES)
    assert 1 == store.load("acct").version


def test_naive_expiry_is_refused(store: SQLiteStore) -> None:
    """An expiry without a time zone is an error, not a guess."""
    with pytest.raises(NaiveDatetime):
        store.save("acct", sample(), expires=datetime(2030, 1, 1))


def test_expiry_is_stored_in_microseconds(store: SQLiteStore) -> None:
    """expires_at holds integer microseconds since the epoch, UTC."""
    store.save("acct", sample(), expires=datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC))
    with raw(store) as conn:
        assert [(1_000_005,)] == conn.execute("SELECT expires_at FROM nudge_state").fetchall()


# -- schema and maintenance -----------------------------------------------------------


def test_init_is_idempotent(store: SQLiteStore) -> None:
    """init creates the table and index, and again changes nothing."""
    store.init()
    store.save("acct", sample(), expires=EXPIRES)
    store.init()
    assert 1 == store.load("acct").version
    with raw(store) as conn:
        names = conn.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()
    assert [("nudge_state",), ("nudge_state_expires_at",), ("sqlite_autoindex_nudge_state_1",)] == (
        names
    )
    assert ("wal",) == mode


def test_prune_deletes_only_expired_rows(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows whose expiry is before `now` go, in batches; one expiring at `now` stays."""
    monkeypatch.setattr(_sqlite, "PRUNE_BATCH", 2)
    for day in range(5):
        store.save(f"old{day}", sample(), expires=AT - timedelta(days=day + 1))
    store.save("now", sample(), expires=AT)
    store.save("later", sample(), expires=AT + timedelta(seconds=1))
    store.round_trips = 0
    assert 5 == store.prune(AT)
    assert 3 == store.round_trips  # 2 + 2 + 1
    assert 0 == store.prune(AT)
    assert [1, 1] == [store.load(account).version for account in ("now", "later")]
    assert 0 == store.load("old0").version


# -- what can go wrong ----------------------------------------------------------------


@pytest.mark.parametrize("garbage", [b"\x00\xff not json", b"[1, 2]", b'{"f": 99}', 42])
def test_corrupt_document_loads_empty(store: SQLiteStore, garbage: object) -> None:
    """A document that is not a snapshot reads as empty at its version (and is logged);
    the next save replaces it."""
    store.save("acct", sample(), expires=EXPIRES)
    with raw(store) as conn:
        conn.execute("UPDATE nudge_state SET doc = ? WHERE account = 'acct'", (garbage,))
    with capture_logs() as logs:
        loaded = store.load("acct")
    assert StateSnapshot(version=1) == loaded
    assert ["nudge.store.corrupt"] == [log["event"] for log in logs]
    assert store.save("acct", attrs.evolve(sample(), version=1), expires=EXPIRES)
    assert attrs.evolve(sample(), version=2) == store.load("acct")


def test_locked_file_fails_within_the_timeout(tmp_path: Path) -> None:
    """While another process holds the write lock, reads go on (WAL) and a write gives
    up after the busy timeout with StoreUnavailable."""
    store = SQLiteStore(tmp_path / "locked.db", timeout=0.25)
    store.save("acct", sample(), expires=EXPIRES)
    with raw(store) as other:
        other.execute("BEGIN IMMEDIATE")
        assert 1 == store.load("acct").version
        writes: list[Callable[[], object]] = [
            lambda: store.save("acct", attrs.evolve(sample(), version=1), expires=EXPIRES),
            lambda: store.change("acct", claiming("k", 1, 9), expires=EXPIRES),
        ]
        for write in writes:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="database is locked") as caught:
                write()
            assert time.monotonic() - started < 0.25 + MARGIN
            assert store.name == caught.value.store
            assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        other.execute("ROLLBACK")
    assert 1 == store.load("acct").version
    store.close()


def test_unopenable_file_is_unavailable(tmp_path: Path) -> None:
    """A file that cannot be created raises StoreUnavailable, not sqlite3's error."""
    store = SQLiteStore(tmp_path / "missing-dir" / "x.db")
    with pytest.raises(StoreUnavailable, match="unable to open database file"):
        store.load("acct")


# -- change ---------------------------------------------------------------------------


def test_change_is_one_transaction(store: SQLiteStore) -> None:
    """Without a loaded snapshot, change reads and writes under the write lock in one
    round trip; a duplicate claim writes nothing."""
    result = store.change("acct", claiming("k1", 7, 3), expires=EXPIRES)
    assert Claim(granted=True, days=7) == result
    again = store.change("acct", claiming("k1", 9, 3), expires=EXPIRES)
    assert Claim(granted=True, days=7, duplicate=True) == again
    assert 2 == store.round_trips
    assert (1, {"k1": 7}) == (store.load("acct").version, dict(store.load("acct").claims))


def test_change_with_a_loaded_snapshot(store: SQLiteStore) -> None:
    """A fresh loaded snapshot costs one compare-and-set; a stale one falls back to the
    transaction, which applies the change to the freshest state."""
    loaded = store.load("acct")
    store.change("acct", claiming("k1", 7, 5), expires=EXPIRES, state=loaded)
    assert 2 == store.round_trips
    result = store.change("acct", claiming("k2", 7, 5), expires=EXPIRES, state=loaded)
    assert Claim(granted=True, days=7) == result
    assert 4 == store.round_trips  # the stale compare-and-set, then the transaction
    final = store.load("acct")
    assert (2, {"k1": 7, "k2": 7}, 2) == (
        final.version,
        dict(final.claims),
        final.trial_extensions_claimed,
    )


def test_failed_change_writes_nothing(store: SQLiteStore) -> None:
    """An exception from the change rolls its transaction back and reaches the caller
    as it is; the connection is usable afterwards."""

    def broken(state: StateSnapshot) -> tuple[StateSnapshot, None]:
        raise LookupError("no such plan")

    with pytest.raises(LookupError, match="no such plan"):
        store.change("acct", broken, expires=EXPIRES)
    assert store.save("acct", sample(), expires=EXPIRES)
    assert 1 == store.load("acct").version


def test_achange_runs_the_transaction_in_a_thread(store: SQLiteStore) -> None:
    """achange is change in a worker thread: one round trip, no retry loop."""
    result = asyncio.run(store.achange("acct", claiming("k", 3, 1), expires=EXPIRES))
    assert (Claim(granted=True, days=3), 1) == (result, store.round_trips)
    assert 1 == asyncio.run(store.aload("acct")).trial_extensions_claimed


def test_threads_never_lose_a_claim(store: SQLiteStore) -> None:
    """Threads, each on its own connection, claiming at once: every claim counts once."""

    def claim_many(thread: int) -> None:
        for index in range(25):
            store.change("acct", claiming(f"t{thread}-{index}", 1, 1000), expires=EXPIRES)

    threads = [threading.Thread(target=claim_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = store.load("acct")
    assert (100, 100, 100) == (final.trial_extensions_claimed, len(final.claims), final.version)


def test_close_then_use_reopens(store: SQLiteStore) -> None:
    """close releases the connections; the next call opens a new one."""
    store.save("acct", sample(), expires=EXPIRES)
    store.close()
    assert 1 == store.load("acct").version


def test_a_forked_child_opens_its_own_connection(store: SQLiteStore) -> None:
    """After fork the child opens its own connection, and the parent's still works."""
    store.save("acct", sample(), expires=EXPIRES)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            claimed = store.change("acct", claiming("child", 1, 9), expires=EXPIRES)
            store.close()
            code = 0 if claimed.granted else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert 0 == os.waitstatus_to_exitcode(status)
    final = store.load("acct")
    assert (2, {"welcome": 7, "child": 1}) == (final.version, dict(final.claims))
