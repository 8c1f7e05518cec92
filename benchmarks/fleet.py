"""A fleet of app servers on one shared store: processes evaluating the same accounts at
the same instants, then every cap checked against the history the store recorded.

Usage: python benchmarks/fleet.py [--quick] [URL ...]   (sqlite, redis, redis with its client
cache, postgres by default)

Each process runs the same timeline of evaluations (account ``i % accounts`` at
``START + i * step``), so every evaluation races the same one in every other process.
The test suite runs it too (``tests/test_store_concurrency.py``) and requires zero
violations.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from nudge_sdk import (
    Account,
    Catalog,
    Nudges,
    Period,
    Shown,
    StateSnapshot,
    catalog_from_dict,
    open_store,
)
from nudge_sdk.billing._periods import Interval, Unit

START = datetime(2025, 3, 3, tzinfo=UTC)
SPAN = timedelta(days=10)
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "Pacific/Auckland")
KEEP = timedelta(days=365 * 100)  # the timeline is in the past; Redis would expire it
TIMEOUT = 2.0
"""Seconds per store call: generous, since eight processes share two cores."""

CATALOG_SPEC = {
    "currency": "USD",
    "metrics": {
        "storage_gb": {"kind": "gauge", "unit": "GB"},
        "seats": {"kind": "gauge", "unit": "seat"},
    },
    "plans": {"free": {"limits": {"storage_gb": 10, "seats": 5}}},
    "placements": {"banner": {"max": 1, "per_day": 2}, "modal": {"max": 1}},
    "caps": {"per_day": 3, "per_week": 8},
    "nudges": {
        "fill": {
            "when": {"usage": {"metric": "storage_gb", "levels": [50]}},
            "offer": "none",
            "placement": "banner",
            "priority": 3,
            "frequency": {"max_per_week": 3, "once_per_level": False},
            "messages": {"en": {"title": "Storage", "body": "b"}},
        },
        "crowded": {
            "when": {"usage": {"metric": "seats", "levels": [1], "measure": "remaining"}},
            "offer": "none",
            "placement": "modal",
            "priority": 2,
            "frequency": {"max_shown": 2, "within": "1d", "once_per_level": False},
            "messages": {"en": {"title": "Seats", "body": "b"}},
        },
        "reminder": {
            "when": {"usage": {"metric": "storage_gb", "levels": [60]}},
            "offer": "none",
            "placement": "banner",
            "priority": 1,
            "frequency": {"cooldown": "6h", "once_per_level": False},
            "messages": {"en": {"title": "Reminder", "body": "b"}},
        },
    },
}
USAGE = {"storage_gb": 9, "seats": 5}


def catalog() -> Catalog:
    """The fleet's catalog: three rules that fire on every evaluation, held by caps."""
    return catalog_from_dict(CATALOG_SPEC)


def account(index: int, run: str = "") -> Account:
    """Account `index` of fleet run `run`, in one of several time zones (so calendar days
    differ)."""
    return Account(
        id=f"{run}acct-{index}",
        plan="free",
        interval=Interval(Unit.MONTH),
        period=Period(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)),
        signup=datetime(2024, 1, 1, tzinfo=UTC),
        zone=ZONES[index % len(ZONES)],
    )


@attrs.frozen(kw_only=True)
class Run:
    """What one process saw."""

    evaluations: int
    shown: int
    degraded: int
    seconds: float


def _worker(
    url: str, run: str, evaluations: int, accounts: int, queue: multiprocessing.Queue[Run]
) -> None:
    nudges = Nudges(catalog(), open_store(url, timeout=TIMEOUT), timeout=TIMEOUT, keep_for=KEEP)
    step = SPAN / evaluations
    shown = degraded = 0
    started = time.perf_counter()
    for i in range(evaluations):
        result = nudges.evaluate(account(i % accounts, run), USAGE, now=START + i * step)
        shown += len(result.nudges)
        degraded += result.degraded
    seconds = time.perf_counter() - started
    nudges.close()
    queue.put(Run(evaluations=evaluations, shown=shown, degraded=degraded, seconds=seconds))


@attrs.frozen(kw_only=True)
class Fleet:
    """The outcome of a fleet run on one store."""

    url: str
    processes: int
    evaluations: int
    shown: int
    """Nudges the processes were told to show."""
    recorded: int
    """Impressions the store holds: must equal `shown`."""
    violations: int
    degraded: int
    seconds: float
    """Wall time of the slowest process."""

    @property
    def throughput(self) -> float:
        """Evaluations per second, all processes together."""
        return self.evaluations / self.seconds


def run_fleet(url: str, processes: int = 8, evaluations: int = 2000, accounts: int = 20) -> Fleet:
    """Run `processes` processes of `evaluations` evaluations on the store at `url`."""
    run = f"{uuid.uuid4().hex[:8]}-"  # a namespace of its own on a shared server
    setup = open_store(url, timeout=TIMEOUT)
    setup.init()
    setup.close()
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[Run] = context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, run, evaluations, accounts, queue))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    runs = [queue.get(timeout=1200) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    store = open_store(url, timeout=TIMEOUT)
    states = {i: store.load(account(i, run).id) for i in range(accounts)}
    store.close()
    guards = catalog()
    return Fleet(
        url=url,
        processes=processes,
        evaluations=sum(r.evaluations for r in runs),
        shown=sum(r.shown for r in runs),
        recorded=sum(len(s.shown) for s in states.values()),
        violations=sum(violations(guards, s, ZoneInfo(account(i).zone)) for i, s in states.items()),
        degraded=sum(r.degraded for r in runs),
        seconds=max(r.seconds for r in runs),
    )


def violations(catalog: Catalog, state: StateSnapshot, zone: ZoneInfo) -> int:
    """How many impressions broke a cap, counted afresh from the recorded history."""
    broken = 0
    for rule_id, rule in catalog.rules.items():
        times = [s.at for s in state.shown if s.rule == rule_id]
        frequency = rule.frequency
        for i, at in enumerate(times):
            if i and at - times[i - 1] < frequency.cooldown:
                broken += 1
            if frequency.max_per_week:
                broken += _over(times[: i + 1], at - timedelta(days=7), frequency.max_per_week)
            if frequency.max_shown:
                broken += _over(times[: i + 1], at - frequency.within, frequency.max_shown)
    broken += _over_days(state.shown, zone, catalog.caps.per_day, catalog.caps.per_week)
    for placement, caps in catalog.placement_caps.items():
        mine = [s for s in state.shown if s.placement == placement]
        broken += _over_days(mine, zone, caps.per_day, caps.per_week)
    return broken


def _over(times: Sequence[datetime], after: datetime, cap: int) -> int:
    """1 if more than `cap` of `times` fall after `after`."""
    return int(sum(t > after for t in times) > cap)


def _over_days(shown: Sequence[Shown], zone: ZoneInfo, per_day: int, per_week: int) -> int:
    days = Counter(s.at.astimezone(zone).date() for s in shown)
    broken = sum(max(0, n - per_day) for n in days.values()) if per_day else 0
    if per_week:
        for day in days:
            week = sum(n for d, n in days.items() if _within_week(d, day))
            broken += max(0, week - per_week)
    return broken


def _within_week(day: date, last: date) -> bool:
    return last - timedelta(days=6) <= day <= last


def default_urls() -> list[str]:
    """A fresh SQLite file, and the local Redis (without and with the client cache) and
    PostgreSQL (or the test servers')."""
    redis_url = os.environ.get("NUDGE_TEST_REDIS", "redis://127.0.0.1:6379/0")
    return [
        f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'fleet.db')}",
        redis_url,
        f"{redis_url}{'&' if '?' in redis_url else '?'}client_cache=true",
        os.environ.get("NUDGE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer evaluations")
    parser.add_argument("urls", nargs="*")
    options = parser.parse_args()
    urls = options.urls or default_urls()
    evaluations = 200 if options.quick else 2000
    print(f"fleet: 8 processes x {evaluations} evaluations of the same 20 accounts")
    print(f"{'store':44} {'evals/s':>8} {'shown':>6} {'recorded':>8} {'degraded':>8} violations")
    for url in urls:
        fleet = run_fleet(url, evaluations=evaluations)
        print(
            f"{fleet.url[:44]:44} {fleet.throughput:8.0f} {fleet.shown:6} {fleet.recorded:8} "
            f"{fleet.degraded:8} {fleet.violations}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
