"""What a state store adds to an evaluation: `Nudges.evaluate` on each store next to the
bare `Evaluator.evaluate` with an in-memory snapshot of the same history, in one run.

The requests are distinct: 100 accounts across zones, locales and seat counts, each
evaluated about four times a day for a week (page loads) at its own instants with its
own usage, so some evaluations show (and write) and most are held back by a cooldown or
a cap (and only read), as in a host where the same customer loads many pages. Round
trips are counted, not assumed.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from timing import medians

from nudge_sdk import (
    Account,
    Evaluator,
    MemoryStore,
    Nudges,
    Period,
    StateSnapshot,
    Store,
    load_catalog,
)
from nudge_sdk.billing._periods import Interval, Unit
from nudge_sdk.stores import RedisStore, open_store

ROOT = Path(__file__).resolve().parent.parent
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "Asia/Tehran")
LOCALES = ("en_US", "de_DE", "fr_FR", "ar_EG", "fa_IR", "ja_JP", "ky_KG")
START = datetime(2025, 6, 2, tzinfo=UTC)
KEEP = timedelta(days=365 * 100)  # the timeline is in the past; Redis would expire it
Row = tuple[str, str, float, float, float | None]


def accounts(count: int, run: str) -> list[Account]:
    """`count` Starter accounts spread over zones, locales and seats."""
    june = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
    return [
        Account(
            id=f"{run}{i}",
            plan="starter",
            interval=Interval(Unit.MONTH),
            period=june,
            signup=datetime(2024, 1, 1, tzinfo=UTC) - timedelta(days=i),
            seats=1 + i % 4,
            zone=ZONES[i % len(ZONES)],
            locale=LOCALES[i % len(LOCALES)],
        )
        for i in range(count)
    ]


def requests(count: int, customers: int) -> list[tuple[int, dict[str, Any], datetime]]:
    """Distinct (account, usage, now) as page loads come: each account about four times
    a day for a week, its seats steady and its storage (80 to 99.99 GB) creeping up."""
    step = timedelta(days=7) / count
    return [
        (
            i % customers,
            {
                "storage_gb": Decimal(8000 + (i % customers) * 97 % 1900 + i * 7 // count) / 100,
                "seats": 1 + (i % customers) % 4,
            },
            START + i * step,
        )
        for i in range(count)
    ]


def _stores(run: str) -> list[tuple[str, Callable[[], Store]]]:
    folder = tempfile.mkdtemp()
    redis_url = os.environ.get("NUDGE_TEST_REDIS", "redis://127.0.0.1:6379/0")
    postgres_url = os.environ.get(
        "NUDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
    )
    return [
        ("memory", MemoryStore),
        ("sqlite", lambda: open_store(f"sqlite:///{folder}/bench-{run}.db", timeout=1.0)),
        ("redis", lambda: open_store(redis_url, timeout=1.0)),
        (
            "redis, client cache",
            lambda: RedisStore(redis_url, timeout=1.0, prefix="nudge-cached", client_cache=True),
        ),
        ("postgres", lambda: open_store(postgres_url, timeout=1.0)),
    ]


def rows(quick: bool) -> tuple[list[Row], list[str]]:
    """The ratio rows, and lines on round trips (or why a store was skipped)."""
    run = f"bench-{uuid.uuid4().hex[:8]}-"
    count, repeats = (300, 3) if quick else (3000, 7)
    catalog = load_catalog(ROOT / "examples" / "plans.yaml")
    evaluator = Evaluator(catalog)
    work = requests(count, 100)
    # A fresh namespace of accounts per pass, so every pass lives the same history
    # from nothing: the baseline gets the snapshots the memory store saw at each step.
    passes = [accounts(100, f"{run}{n}-") for n in range(repeats + 1)]
    recorder = Nudges(evaluator, MemoryStore(), keep_for=KEEP)
    snapshots: list[StateSnapshot] = []
    for index, usage, now in work:
        account = passes[0][index]
        snapshots.append(recorder.history(account.id))
        recorder.evaluate(account, usage, now=now)

    def bare(i: int) -> Any:
        index, usage, now = work[i]
        return evaluator.evaluate(passes[0][index], usage, now=now, state=snapshots[i])

    rows_out: list[Row] = []
    notes: list[str] = []
    for name, make in _stores(run):
        try:
            store = make()
            store.init()
            store.ping()
        except Exception as error:  # a benchmark reports a missing server, it does not die
            notes.append(f"{name}: skipped, {error}")
            continue
        nudges = Nudges(evaluator, store, keep_for=KEEP, timeout=1.0)
        before, wrote = store.round_trips, 0
        hits_before = getattr(store, "cache_hits", 0)
        for index, usage, now in work:  # pass 0: count the round trips
            result = nudges.evaluate(passes[0][index], usage, now=now)
            wrote += bool(result.impressions or result.cleared)
        trips = store.round_trips - before
        hits = getattr(store, "cache_hits", 0) - hits_before
        verdict = "ok" if trips + hits == count + wrote else "MISMATCH"
        if any(nudges.evaluator.evaluate(passes[0][i], u, now=n).degraded for i, u, n in work[:20]):
            raise AssertionError("the benchmark's requests must be valid")
        notes.append(
            f"{name}: {trips} round trips for {count} evaluations, {wrote} of which wrote "
            f"(1 read each + 1 write per writing evaluation: {verdict})"
            + (f"; {hits} reads answered by the client cache" if hits else "")
        )
        position = {"pass": 0, "i": count - 1}

        def stored(nudges: Nudges = nudges, position: dict[str, int] = position) -> Any:
            position["i"] += 1
            if position["i"] == count:  # the next pass, in fresh accounts
                position["i"], position["pass"] = 0, position["pass"] + 1
            index, usage, now = work[position["i"]]
            return nudges.evaluate(passes[position["pass"]][index], usage, now=now)

        base, measured, ping = medians([_cycling(bare, count), stored, store.ping], count, repeats)
        if name in ("redis", "redis, client cache", "postgres"):  # one round trip's cost
            notes.append(
                f"{name}: a bare PING round trip takes {ping * 1e6:.0f} us; the store adds "
                f"{(measured - base) * 1e6:.0f} us per evaluation, "
                f"{(measured - base) / ping:.2f} round trips' worth"
            )
        target = 1.5 if name in ("sqlite", "redis", "redis, client cache") else None
        label = f"evaluate with {name} store"
        rows_out.append((label, "evaluate, snapshot in hand", base, measured, target))
        nudges.close()
    return rows_out, notes


def _cycling(function: Callable[[int], Any], count: int) -> Callable[[], Any]:
    state = {"i": -1}

    def call() -> Any:
        state["i"] = (state["i"] + 1) % count
        return function(state["i"])

    return call
