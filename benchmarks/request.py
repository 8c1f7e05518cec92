"""The whole request a host serves: the account's JSON in, `evaluate` (with and without
the comparison), JSON bytes out, over accounts spread as a real customer base is.

4,000 distinct requests (more than any formatting cache holds): accounts on Starter and
Team, 1 to 40 seats, usage from 40% to 115% of the storage limit and any AI credits, a
moment anywhere in a month; each account in one of 30 time zones and 10 locales. The
baseline is the same requests from one zone and one locale (``UTC``, ``en-US``), so the
ratio is what the spread costs: per-locale formatters, dates in many zones, amounts no
cache has seen. The caches' hit rates over the spread run are printed with it.

Usage: python benchmarks/request.py [--quick]
"""

from __future__ import annotations

import argparse
import functools
import logging
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from evaluator import GROWTHBOOK_FEATURES, constructor, growthbook_decisions, usages
from growthbook import GrowthBook
from timing import medians

from nudge_sdk import Evaluator, account_from_json, load_catalog, to_json_bytes
from nudge_sdk.billing import _periods
from nudge_sdk.evaluation import _account
from nudge_sdk.payloads import _messages

PLANS = Path(__file__).resolve().parent.parent / "examples" / "plans.yaml"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
ZONES = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid",
    "Europe/Warsaw", "Europe/Istanbul", "Europe/Moscow", "Africa/Cairo", "Africa/Lagos",
    "Africa/Johannesburg", "Asia/Dubai", "Asia/Tehran", "Asia/Kolkata", "Asia/Kathmandu",
    "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul",
    "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland", "Pacific/Chatham",
    "America/St_Johns", "America/Sao_Paulo", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles",
)  # fmt: skip
LOCALES = ("en-US", "de-DE", "fr-FR", "es-MX", "pt-BR", "ja-JP", "ar-EG", "fa-IR", "hi-IN", "tr")
LIMITS = {"starter": 100, "team": 1000}
Row = tuple[str, str, float, float, float | None]


Request = tuple[dict[str, Any], dict[str, Any], datetime]
"""The account's JSON, its usage and the moment, as a host receives them."""


def requests(count: int, spread: bool) -> list[Request]:
    """`count` distinct requests as the host receives them (account JSON, usage, now);
    `spread` draws each account's zone and locale, else all are ``UTC`` and ``en-US``.
    Both draw everything else from the same seed, so they differ only there."""
    rng = random.Random(23)
    made = []
    for index in range(count):
        plan = rng.choice(("starter", "team"))
        seats = rng.randint(1, 5) if plan == "starter" else rng.randint(1, 40)
        zone, locale = rng.choice(ZONES), rng.choice(LOCALES)
        account = {
            "id": f"acct_{index}",
            "plan": plan,
            "interval": "month",
            "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
            "signup": "2024-03-04T05:06:07Z",
            "seats": seats,
            "locale": locale if spread else "en-US",
            "zone": zone if spread else "UTC",
        }
        storage = LIMITS[plan] * rng.randrange(400, 1150) / 1000
        usage = {"storage_gb": storage, "seats": seats, "ai_credits": rng.randrange(2000)}
        made.append((account, usage, NOW + timedelta(seconds=rng.randrange(29 * 86_400))))
    return made


def serve(evaluator: Evaluator, made: list[Request], **options: Any) -> Callable[[], bytes]:
    """One request per call, in turn: account from JSON, evaluate, JSON bytes."""
    state = {"i": 0}

    def call() -> bytes:
        state["i"] = (state["i"] + 1) % len(made)
        account, usage, now = made[state["i"]]
        result = evaluator.evaluate(account_from_json(account), usage, now=now, **options)
        return to_json_bytes(result)

    return call


_CACHES: dict[str, Any] = {
    "locale formatters": _messages.locale_text,
    "amounts": _messages._amount,
    "dates": _messages._date,
    "locale chains": _messages._chain,
    "period boundaries": _periods._boundary,
    "time zones": _account._known_zone,
}


def hit_rates(run: Callable[[], Any]) -> list[str]:
    """Each cache's hit rate over `run`, from `functools` counters."""
    before = {name: cache.cache_info() for name, cache in _CACHES.items()}
    run()
    notes = []
    for name, cache in _CACHES.items():
        info, was = cache.cache_info(), before[name]
        hits, misses = info.hits - was.hits, info.misses - was.misses
        if hits + misses:
            notes.append(f"{name} {hits / (hits + misses):.0%} of {hits + misses}")
    return notes


def rows(quick: bool) -> tuple[list[Row], list[str]]:
    """The rows `run.py` prints, and the caches' hit rates over the spread requests."""
    calls, repeats = (100, 3) if quick else (1000, 9)
    evaluator = Evaluator(load_catalog(PLANS))
    spread, single = requests(4000, spread=True), requests(4000, spread=False)
    shown = sum(
        bool(evaluator.evaluate(account_from_json(a), u, now=n).nudges) for a, u, n in spread
    )
    samples = usages(64)
    gb = GrowthBook(features=GROWTHBOOK_FEATURES)
    flags = functools.partial(growthbook_decisions, gb, "starter")
    state = {"i": 0}

    def growthbook() -> list[str]:
        state["i"] = (state["i"] + 1) % len(samples)
        return flags(samples[state["i"]])

    def spread_run() -> None:
        call = serve(evaluator, spread, compare=True)
        for _ in range(len(spread)):
            call()

    # The floor under any request of this shape in this model: the account built from
    # its JSON, the payload objects built from fields already computed, the JSON bytes.
    account, usage, now = next(
        (a, u, n) for a, u, n in spread if evaluator.evaluate(account_from_json(a), u, now=n).nudges
    )
    example = evaluator.evaluate(account_from_json(account), usage, now=now, compare=True)
    assert example.comparison is not None
    build = constructor(example)

    def floor() -> bytes:
        account_from_json(account)
        return to_json_bytes(build())

    notes = [f"{shown} of {len(spread)} spread requests show a nudge"]
    notes.append("cache hit rates, spread requests: " + ", ".join(hit_rates(spread_run)))
    single_s, spread_s, single_c, spread_c, flags_s, floor_s = medians(
        [
            serve(evaluator, single),
            serve(evaluator, spread),
            serve(evaluator, single, compare=True),
            serve(evaluator, spread, compare=True),
            growthbook,
            floor,
        ],
        calls,
        repeats,
    )
    return [
        ("request: JSON in, bytes out", "(absolute, us)", 50e-6, spread_s, None),
        ("request, 30 zones x 10 locales", "one zone and locale", single_s, spread_s, 1.3),
        ("request + compare, spread", "one zone and locale", single_c, spread_c, 1.3),
        ("request + compare, spread", "GrowthBook is_on x 8", flags_s, spread_c, 2.0),
        ("request + compare, spread", "JSON in, objects, bytes out", floor_s, spread_c, None),
        ("JSON in, objects, bytes out", "GrowthBook is_on x 8", flags_s, floor_s, None),
    ], notes


def main() -> int:
    logging.getLogger("nudge_sdk").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repeats, to check it runs")
    found, notes = rows(parser.parse_args().quick)
    for name, baseline, base_s, meas_s, target in found:
        goal = "" if target is None else f"<= {target:g}x"
        print(
            f"{name:32} {baseline:24} {base_s * 1e6:8.1f}us {meas_s * 1e6:8.1f}us "
            f"{meas_s / base_s:6.2f}x  {goal}"
        )
    for note in notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
