"""The Redis store's client cache: a read of an account nobody changed costs no round
trip, another server's write reaches the copy, and a stale copy costs a retry, never a
wrong commit."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
import structlog

from nudge_sdk import InvalidStoreURL, StateSnapshot
from nudge_sdk.stores._redis import RedisStore, _cache_option
from nudge_sdk.stores._tracking import LISTENER, TrackedCache
from tests.store_backends import CACHED, REDIS_URL, fresh_store

FAR = datetime(2200, 1, 1, tzinfo=UTC)


@pytest.fixture
def cached(tmp_path: Path) -> Iterator[RedisStore]:
    with fresh_store(CACHED, tmp_path) as store:
        assert isinstance(store, RedisStore)
        yield store


@pytest.fixture
def other(cached: RedisStore) -> Iterator[RedisStore]:
    """Another server's store on the same keys, without a cache."""
    store = RedisStore(REDIS_URL, timeout=2.0, prefix=cached.key("x").split(":")[0])
    yield store
    store.close()


def eventually(check: Callable[[], bool], seconds: float = 3.0) -> None:
    """Wait until `check()` holds (the listener works in the background)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.01)


def warm(store: RedisStore, account: str) -> None:
    """Read `account` until the copy answers (the listener subscribes after first use)."""
    eventually(lambda: (store.load(account), store.cache_hits)[1] > 0)


def test_an_unchanged_account_is_read_from_the_copy(cached: RedisStore) -> None:
    """Once the listener is subscribed, reading an account again costs no round trip."""
    cached.save("acme", StateSnapshot(), expires=FAR)
    warm(cached, "acme")
    trips, hits = cached.round_trips, cached.cache_hits
    for _ in range(10):
        assert 1 == cached.load("acme").version
    assert (trips, hits + 10) == (cached.round_trips, cached.cache_hits)


def test_another_servers_write_reaches_the_copy(cached: RedisStore, other: RedisStore) -> None:
    """Redis's notice drops the copy; the next read sees the other server's write."""
    warm(cached, "acme")
    assert other.save("acme", StateSnapshot(), expires=FAR)
    eventually(lambda: cached.load("acme").version == 1)


def test_an_own_write_drops_the_copy_at_once(cached: RedisStore) -> None:
    """The process's own write is seen by its next read, without waiting for the notice."""
    warm(cached, "acme")
    assert cached.save("acme", StateSnapshot(), expires=FAR)
    assert 1 == cached.load("acme").version


def test_a_stale_copy_loses_the_race_and_is_dropped(
    cached: RedisStore, other: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a notice is late, the copy is stale: a write based on it is refused by the
    compare-and-set, the copy is dropped, and `change` decides again on the fresh state."""
    warm(cached, "acme")
    cache = cached._cache
    assert isinstance(cache, TrackedCache)
    monkeypatch.setattr(cache, "_invalidate", lambda keys: None)  # the notice is late
    assert other.save("acme", StateSnapshot(), expires=FAR)
    stale = cached.load("acme")
    assert 0 == stale.version
    assert not cached.save("acme", stale, expires=FAR)
    assert 1 == cached.load("acme").version  # read from Redis again
    seen = cached.change("acme", lambda state: (state, state.version), expires=FAR)
    assert 1 == seen


def test_a_lost_listener_stops_the_copies(cached: RedisStore) -> None:
    """When the listening connection dies, no copy is used until it is back."""
    warm(cached, "acme")
    with redis.Redis.from_url(REDIS_URL, socket_timeout=2) as server:
        listeners = [c for c in server.client_list() if c.get("name") == LISTENER]
        assert listeners
        for client in listeners:
            server.client_kill_filter(_id=client["id"])
    trips = cached.round_trips
    eventually(lambda: (cached.load("acme"), cached.round_trips)[1] > trips)
    warm(cached, "acme")  # subscribed again


@pytest.mark.parametrize(
    ("url", "given", "expected"),
    [
        ("redis://h:6379/0", False, ("redis://h:6379/0", False)),
        ("redis://h:6379/0?client_cache=true", False, ("redis://h:6379/0", True)),
        ("redis://h/0?db=1&client_cache=1", False, ("redis://h/0?db=1", True)),
        ("redis://h/0?client_cache=false", True, ("redis://h/0", True)),
        ("redis://h/0?client_cache=no", False, ("redis://h/0", False)),
    ],
)
def test_the_url_option(url: str, given: bool, expected: tuple[str, bool]) -> None:
    """``client_cache`` is the store's option, taken out of what redis-py reads."""
    assert expected == _cache_option(url, given)


def test_a_misspelt_option_value_is_refused() -> None:
    """``client_cache=ture`` is an error, not a cache silently left off."""
    with pytest.raises(InvalidStoreURL, match="client_cache='ture': expected true or false"):
        RedisStore("redis://127.0.0.1:6379/0?client_cache=ture")


def test_close_does_not_wait_for_the_listener(cached: RedisStore) -> None:
    """Closing returns at once (the listener ends by itself), not after its heartbeat."""
    warm(cached, "acme")
    started = time.monotonic()
    cached.close()
    assert time.monotonic() - started < 0.2


def test_a_dead_server_is_one_warning_not_a_flood() -> None:
    """While Redis is down the listener retries with a growing pause, and says so once
    at WARNING (the retries are debug events)."""
    store = RedisStore("redis://127.0.0.1:1/0?client_cache=true", timeout=0.05)
    with structlog.testing.capture_logs() as logs:
        store.cache_hits  # noqa: B018 - nothing to read yet
        assert store._cache is not None
        store._cache.get(b"x")  # starts the listener
        time.sleep(2.0)
    store.close()
    levels = [entry["log_level"] for entry in logs if entry["event"] == "nudge.store.cache_lost"]
    assert ["warning"] == [level for level in levels if level == "warning"]
    assert len(levels) <= 4  # 0.5 s, then 1 s, then 2 s between tries
