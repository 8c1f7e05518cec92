"""Retention and bad rows, the same on every backend: a write never shortens an
account's life, and a row whose version is unusable reads as empty and is replaced."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import structlog

from nudge_sdk import StateSnapshot, Store
from nudge_sdk.stores._redis import RedisStore
from nudge_sdk.stores._sqlite import SQLiteStore
from tests.store_backends import BACKENDS, CACHED, REDIS_URL, fresh_store

FAR = datetime(2200, 1, 1, tzinfo=UTC)
PAST = datetime(2001, 1, 1, tzinfo=UTC)
LATER = datetime(2150, 1, 1, tzinfo=UTC)


@pytest.fixture(params=[*BACKENDS, CACHED])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with fresh_store(request.param, tmp_path) as store:
        yield store


def test_a_backdated_write_keeps_the_later_expiry(store: Store) -> None:
    """An event dated long ago (or a host whose clock is behind) does not let the
    account's history expire before the expiry an earlier write gave it."""
    assert store.save("acme", StateSnapshot(), expires=FAR)
    assert store.save("acme", store.load("acme"), expires=PAST)
    assert 0 == store.prune(LATER)
    assert 2 == store.load("acme").version


def test_a_later_expiry_extends_the_life(store: Store) -> None:
    """Each write may push the expiry later; prune then keeps the account."""
    assert store.save("acme", StateSnapshot(), expires=LATER - timedelta(days=1))
    assert store.save("acme", store.load("acme"), expires=FAR)
    assert 0 == store.prune(LATER)
    assert 2 == store.load("acme").version


def test_a_redis_write_dated_in_the_past_is_not_lost_on_arrival(tmp_path: Path) -> None:
    """Redis deletes a key whose expiry has passed on its own clock at once; a write for
    an instant already past there is kept `min_ttl` from the server's clock instead."""
    with fresh_store("redis", tmp_path) as store:
        assert isinstance(store, RedisStore)
        assert store.save("acme", StateSnapshot(), expires=PAST)
        assert 1 == store.load("acme").version
        with redis.Redis.from_url(REDIS_URL, socket_timeout=2) as client:
            left = client.pttl(store.key("acme"))
        assert timedelta(days=399) < timedelta(milliseconds=left) <= timedelta(days=400)


@pytest.mark.parametrize("garbage", ["1.0", "-3", "007", "x", ""])
def test_a_bad_redis_version_reads_empty_and_is_replaced(tmp_path: Path, garbage: str) -> None:
    """A hash whose version is not this store's decimal text is a bad row: logged, read
    as empty (never a store failure that would open the breaker for everyone), and the
    next write replaces it."""
    with fresh_store("redis", tmp_path) as store:
        assert isinstance(store, RedisStore)
        with redis.Redis.from_url(REDIS_URL, socket_timeout=2) as client:
            client.hset(store.key("acme"), mapping={"v": garbage, "d": "{}"})
        reads_empty_then_is_replaced(store)


@pytest.mark.parametrize("garbage", ["x", 1.5, -2, 0, b"1"])
def test_a_bad_sqlite_version_reads_empty_and_is_replaced(tmp_path: Path, garbage: object) -> None:
    """A row whose version is not a positive whole number reads as empty, logged, and
    the next write replaces it (not an internal error, not a lost race forever)."""
    with fresh_store("sqlite", tmp_path) as store:
        assert isinstance(store, SQLiteStore)
        assert store.save("acme", StateSnapshot(), expires=FAR)
        with sqlite3.connect(store.path) as conn:
            conn.execute("UPDATE nudge_state SET version = ?", (garbage,))
        reads_empty_then_is_replaced(store)


def reads_empty_then_is_replaced(store: Store) -> None:
    """The bad row of "acme" reads as an empty snapshot, logged as a bad row, and the
    next write replaces it as version 1."""
    with structlog.testing.capture_logs() as logs:
        loaded = store.load("acme")
    assert StateSnapshot() == loaded
    assert ["nudge.store.bad_row"] == [entry["event"] for entry in logs]
    assert store.save("acme", loaded, expires=FAR)
    assert 1 == store.load("acme").version
