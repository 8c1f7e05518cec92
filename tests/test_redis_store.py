"""The Redis store's own behaviour: key layout, compare-and-set, expiry, script cache
recovery, failures and bounds. (What every store must do is the contract suite's.)

Needs a Redis server at ``NUDGE_TEST_REDIS`` (default ``redis://127.0.0.1:6379/0``);
without one these tests skip, or fail when ``CI`` is set.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
import redis
import redis.connection
from hypothesis import given
from hypothesis import strategies as st
from redis.backoff import NoBackoff
from redis.crc import key_slot
from redis.retry import Retry
from structlog.testing import capture_logs

from nudge_sdk._errors import InvalidInput, InvalidStoreURL, NaiveDatetime, StoreUnavailable
from nudge_sdk.evaluation._state import NudgeEvent, RuleHistory, Shown, StateSnapshot
from nudge_sdk.stores import open_store
from nudge_sdk.stores._redis import RedisStore

URL = os.environ.get("NUDGE_TEST_REDIS", "redis://127.0.0.1:6379/0")
TIMEOUT = 0.25
"""The store's default timeout: what the failure tests hold it to."""
AT = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
EXPIRES = datetime(2099, 12, 31, 19, 0, 0, 1500, tzinfo=ZoneInfo("America/New_York"))
EXPIRES_MS = 4102444800000 + 2
"""`EXPIRES` (2100-01-01 00:00:00.0015 UTC) in milliseconds, rounded up."""
HEX_TAG = re.compile(r"#\{[0-9a-f]{32}\}")

KEYS = RedisStore("redis://127.0.0.1:1/0", prefix="p")
"""A store for key tests only: it never connects."""


def sample() -> StateSnapshot:
    """A snapshot with something in every part."""
    return StateSnapshot(
        rules={
            "storage-80": RuleHistory(
                last_shown=AT, last_level=Decimal("0.8"), level_window=AT + timedelta(days=30)
            ),
            "seats": RuleHistory(dismissed=True, dismissed_until=AT + timedelta(days=7)),
        },
        shown=(Shown(rule="storage-80", nudge="n-1", placement="banner", at=AT),),
        events=(
            NudgeEvent(nudge="n-1", rule="storage-80", kind="clicked", at=AT, event_id="e-1"),
            NudgeEvent(
                nudge="n-1",
                rule="storage-80",
                kind="converted",
                at=AT + timedelta(minutes=2),
                event_id="e-2",
                plan="pro",
                amount_minor=1900,
            ),
        ),
        claims={"trial-1": 7},
        trial_extensions_claimed=1,
    )


def at_version(state: StateSnapshot, version: int) -> StateSnapshot:
    """`state` as a load returns it after `version` saves."""
    return attrs.evolve(state, version=version)


def hash_tag(key: str) -> str:
    """The part of a key Redis Cluster hashes (the cluster specification's rule)."""
    start = key.find("{")
    end = key.find("}", start + 1)
    return key[start + 1 : end] if start >= 0 and end > start + 1 else key


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[redis.Redis]:
    """A plain client of the test server, to look at and tamper with keys directly."""
    client = redis.Redis.from_url(
        URL, socket_timeout=2, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        reason = f"no Redis server at {URL} ({error}); set NUDGE_TEST_REDIS"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield client
    client.close()


@pytest.fixture
def store(server: redis.Redis) -> Iterator[RedisStore]:
    """A store with a prefix of its own, whose keys are deleted afterwards."""
    prefix = f"nudge-test-{uuid.uuid4().hex}"
    store = RedisStore(URL, prefix=prefix, timeout=2.0)
    yield store
    store.close()
    keys = list(server.scan_iter(match=f"{prefix}:*"))
    if keys:
        server.delete(*keys)


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts connections (into its backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


# -- keys -----------------------------------------------------------------------------


def test_key_is_one_hash_tagged_by_the_account() -> None:
    """An account's hash is ``prefix:{account}:state``, in the slot of the id itself."""
    assert "p:{acct-1}:state" == KEYS.key("acct-1")
    assert key_slot(b"acct-1") == key_slot(KEYS.key("acct-1").encode())


@pytest.mark.parametrize(
    "account",
    ["a{b", "a}b", "{}", "}{", "{acct}", "", "\ud800"],
    ids=["open", "close", "braces", "reversed", "wrapped", "empty", "surrogate"],
)
def test_ids_that_cannot_be_a_tag_are_digested(account: str) -> None:
    """An empty id, one with braces or one that is not UTF-8 is tagged by its digest,
    marked so it cannot meet the key of an id that is that digest."""
    key = KEYS.key(account)
    digest = hash_tag(key)
    assert HEX_TAG.fullmatch(key.removeprefix("p:").removesuffix(":state"))
    assert KEYS.key(digest) != key
    assert key_slot(digest.encode()) == key_slot(key.encode())


@given(st.text())
def test_every_key_has_a_tag_of_its_own(account: str) -> None:
    """Any id gets a non-empty hash tag: the id itself, or its digest."""
    key = KEYS.key(account)
    assert hash_tag(key) == account or HEX_TAG.search(key)
    assert hash_tag(key)


@given(st.text(), st.text())
def test_different_accounts_have_different_keys(first: str, second: str) -> None:
    """Two ids share a key only if they are the same id."""
    assert (first == second) == (KEYS.key(first) == KEYS.key(second))


@pytest.mark.parametrize(
    "account",
    ["acct-1", "a{b}c", "", "x" * 10_000, "ünïcødé-账户-🚀", "\ud800"],
    ids=["plain", "braces", "empty", "long", "non-ascii", "surrogate"],
)
def test_any_id_round_trips(store: RedisStore, server: redis.Redis, account: str) -> None:
    """Whatever the id, a save lands in its key and loads back."""
    assert store.save(account, sample(), expires=EXPIRES)
    assert at_version(sample(), 1) == store.load(account)
    assert [b"1"] == server.hmget(store.key(account), "v")


# -- load and compare-and-set ---------------------------------------------------------


def test_missing_account_loads_empty(store: RedisStore) -> None:
    """An account never written is an empty snapshot at version 0."""
    assert StateSnapshot() == store.load("nobody")


def test_save_is_compare_and_set(store: RedisStore) -> None:
    """A save writes only over the version it was loaded at; a stale one is refused."""
    assert not store.save("acct", at_version(sample(), 3), expires=EXPIRES)
    assert store.save("acct", StateSnapshot(), expires=EXPIRES)
    assert not store.save("acct", sample(), expires=EXPIRES)
    assert store.save("acct", at_version(sample(), 1), expires=EXPIRES)
    assert at_version(sample(), 2) == store.load("acct")


def test_one_round_trip_each(store: RedisStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load and a save each send one command and count one round trip."""
    store.save("acct", StateSnapshot(), expires=EXPIRES)  # connected, script cached
    sent: list[object] = []
    send: Callable[..., None] = redis.connection.Connection.send_packed_command

    def spy(self: redis.connection.Connection, *args: Any, **kwargs: Any) -> None:
        sent.append(args[0])
        send(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", spy)
    before = store.round_trips
    state = store.load("acct")
    assert (1, 1) == (store.round_trips - before, len(sent))
    assert store.save("acct", sample_at(state), expires=EXPIRES)
    assert (2, 2) == (store.round_trips - before, len(sent))


def sample_at(state: StateSnapshot) -> StateSnapshot:
    """`sample()` carrying the version of `state`, ready to save over it."""
    return at_version(sample(), state.version)


# -- expiry ---------------------------------------------------------------------------


def test_save_sets_expiry_to_the_millisecond(store: RedisStore, server: redis.Redis) -> None:
    """A save makes Redis drop the hash at `expires`, rounded up to a millisecond."""
    store.save("acct", StateSnapshot(), expires=EXPIRES)
    assert EXPIRES_MS == server.pexpiretime(store.key("acct"))


def test_each_save_moves_the_expiry(store: RedisStore, server: redis.Redis) -> None:
    """The expiry follows the latest save when it is later (never earlier: see
    tests/test_store_retention.py)."""
    store.save("acct", StateSnapshot(), expires=datetime.now(UTC) + timedelta(hours=1))
    store.save("acct", at_version(sample(), 1), expires=datetime.now(UTC) + timedelta(hours=2))
    ttl = server.pttl(store.key("acct"))
    assert 7_200_000 - 10_000 < ttl <= 7_200_001  # rounded up to the next millisecond


def test_naive_expiry_is_refused(store: RedisStore) -> None:
    """`expires` must say its time zone."""
    with pytest.raises(NaiveDatetime, match="expires"):
        store.save("acct", StateSnapshot(), expires=datetime(2100, 1, 1))


# -- damage and recovery --------------------------------------------------------------


def test_corrupt_document_loads_empty_and_is_overwritten(
    store: RedisStore, server: redis.Redis
) -> None:
    """A document that is not one reads as empty at its version, is logged, and the
    next save replaces it."""
    server.hset(store.key("acct"), mapping={"v": "3", "d": b"\xffnot json"})
    with capture_logs() as logs:
        assert StateSnapshot(version=3) == store.load("acct")
    assert ["nudge.store.corrupt"] == [log["event"] for log in logs]
    assert store.save("acct", at_version(sample(), 3), expires=EXPIRES)
    assert at_version(sample(), 4) == store.load("acct")


def test_wrong_type_is_unavailable(store: RedisStore, server: redis.Redis) -> None:
    """A key of another type raises `StoreUnavailable`, not redis-py's error."""
    server.set(store.key("acct"), "not a hash")
    with pytest.raises(StoreUnavailable, match="WRONGTYPE"):
        store.load("acct")
    with pytest.raises(StoreUnavailable, match="WRONGTYPE"):
        store.save("acct", StateSnapshot(), expires=EXPIRES)


def test_save_survives_a_script_flush(store: RedisStore, server: redis.Redis) -> None:
    """After ``SCRIPT FLUSH`` a save falls back to ``EVAL`` (one more round trip), and
    the next one finds the script cached again."""
    store.save("acct", StateSnapshot(), expires=EXPIRES)
    server.script_flush()
    before = store.round_trips
    assert store.save("acct", at_version(sample(), 1), expires=EXPIRES)
    assert 2 == store.round_trips - before
    assert store.save("acct", at_version(sample(), 2), expires=EXPIRES)
    assert 3 == store.round_trips - before
    assert at_version(sample(), 3) == store.load("acct")


# -- async ----------------------------------------------------------------------------


def test_async_round_trip(store: RedisStore) -> None:
    """The asyncio flavour loads, compares-and-sets and pings like the sync one."""

    async def scenario() -> tuple[object, ...]:
        try:
            empty = await store.aload("acct")
            saved = await store.asave("acct", sample(), expires=EXPIRES)
            stale = await store.asave("acct", sample(), expires=EXPIRES)
            loaded = await store.aload("acct")
            await store.aping()
        finally:
            await store.aclose()
        return empty, saved, stale, loaded

    before = store.round_trips
    assert (StateSnapshot(), True, False, at_version(sample(), 1)) == asyncio.run(scenario())
    assert 5 <= store.round_trips - before  # the first save may have to send the script


def test_async_client_follows_the_loop(store: RedisStore) -> None:
    """Each event loop gets its own client; sync and async see the same data."""
    store.save("acct", sample(), expires=EXPIRES)

    async def load() -> StateSnapshot:
        try:
            return await store.aload("acct")
        finally:
            await store.aclose()

    assert [at_version(sample(), 1)] * 2 == [asyncio.run(load()), asyncio.run(load())]


def test_async_save_survives_a_script_flush(store: RedisStore, server: redis.Redis) -> None:
    """The asyncio save falls back to ``EVAL`` too."""

    async def scenario() -> bool:
        try:
            await store.asave("acct", StateSnapshot(), expires=EXPIRES)
            server.script_flush()
            return await store.asave("acct", at_version(sample(), 1), expires=EXPIRES)
        finally:
            await store.aclose()

    assert asyncio.run(scenario())
    assert at_version(sample(), 2) == store.load("acct")


# -- failures and bounds --------------------------------------------------------------

SYNC_CALLS: dict[str, Callable[[RedisStore], object]] = {
    "load": lambda store: store.load("acct"),
    "save": lambda store: store.save("acct", StateSnapshot(), expires=EXPIRES),
    "ping": lambda store: store.ping(),
}
ASYNC_CALLS: dict[str, Callable[[RedisStore], Awaitable[object]]] = {
    "aload": lambda store: store.aload("acct"),
    "asave": lambda store: store.asave("acct", StateSnapshot(), expires=EXPIRES),
    "aping": lambda store: store.aping(),
}


def fails_in_time(store: RedisStore, call: Callable[[], object]) -> StoreUnavailable:
    """Run `call`, which must raise `StoreUnavailable` within the timeout and a margin."""
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        call()
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert store.name == raised.value.store
    return raised.value


def async_call(store: RedisStore, call: str) -> Callable[[], object]:
    """`call` run in a fresh event loop, the store's async client closed after."""

    async def run() -> object:
        try:
            return await ASYNC_CALLS[call](store)
        finally:
            await store.aclose()

    return lambda: asyncio.run(run())


@pytest.mark.parametrize("call", sorted(SYNC_CALLS))
@pytest.mark.parametrize("port", ["closed_port", "silent_port"])
def test_sync_failure_is_unavailable_in_time(
    call: str, port: str, request: pytest.FixtureRequest
) -> None:
    """A refused or silent server raises `StoreUnavailable` within the timeout."""
    store = RedisStore(f"redis://127.0.0.1:{request.getfixturevalue(port)}/0")
    try:
        fails_in_time(store, lambda: SYNC_CALLS[call](store))
    finally:
        store.close()


@pytest.mark.parametrize("call", sorted(ASYNC_CALLS))
@pytest.mark.parametrize("port", ["closed_port", "silent_port"])
def test_async_failure_is_unavailable_in_time(
    call: str, port: str, request: pytest.FixtureRequest
) -> None:
    """The asyncio calls fail the same way, as quickly."""
    store = RedisStore(f"redis://127.0.0.1:{request.getfixturevalue(port)}/0")
    fails_in_time(store, async_call(store, call))


# -- construction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("rediss://app:s3cret@cache.internal/2", "rediss://app:***@cache.internal/2"),
        ("redis://127.0.0.1/0?password=s3cret&db=1", "redis://127.0.0.1/0?password=***&db=1"),
    ],
)
def test_name_hides_the_password(url: str, name: str) -> None:
    """`open_store` builds a `RedisStore`, named without its password."""
    store = open_store(url)
    try:
        assert isinstance(store, RedisStore)
        assert name == store.name
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://127.0.0.1:port/0", "Port could not be cast"),
        ("redis://127.0.0.1/0?socket_timeout=60", "socket_timeout: set by the store"),
        ("redis://127.0.0.1/0?retry_on_timeout=yes", "retry_on_timeout: set by the store"),
    ],
)
def test_bad_url_is_refused(url: str, message: str) -> None:
    """A URL redis-py cannot read, or one that would unbound the calls, is refused."""
    with pytest.raises(InvalidStoreURL, match=message):
        RedisStore(url)


def test_bad_timeout_and_prefix_are_refused() -> None:
    """The timeout must be positive; the prefix must not break the hash tag."""
    with pytest.raises(InvalidStoreURL, match="timeout 0 must be a positive number"):
        RedisStore(URL, timeout=0)
    with pytest.raises(InvalidInput, match="braces would break the hash tag"):
        RedisStore(URL, prefix="app{1}")
