"""The hostile corpus: every input that once hung, crashed or ate memory, replayed, with
the time and the peak of traced memory each takes now, and the worst of them.

Usage: python benchmarks/hostile.py

Each case must end in an answer (a located `InvalidCatalog`, a degraded evaluation, an
offer): no other exception, no hang. The figures before the fixes are in the row's note.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from nudge_sdk import Account, Evaluator, InvalidCatalog, Period, load_catalog, parse_catalog
from nudge_sdk.billing._periods import Interval, Unit

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 6, 16, tzinfo=UTC)
STARTER = Account(
    id="a1",
    plan="starter",
    interval=Interval(Unit.MONTH),
    period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
    signup=datetime(2024, 1, 1, tzinfo=UTC),
    seats=3,
)
TWO_PACKS = """\
currency: USD
metrics: {gb: {kind: gauge, unit: GB}}
plans:
  small: {prices: {month: 10}, limits: {gb: 100}}
addons:
  hundred: {prices: {month: 8}, grants: {gb: 100}}
  thousand: {prices: {month: 70}, grants: {gb: 1000}}
nudges:
  full:
    when: {usage: {metric: gb, levels: [80]}}
    offer: recommend
    messages: {en: {title: Full, body: b}}
"""


def bomb(levels: int) -> str:
    lines = ["currency: USD", "plans: {a: {}}", "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, levels + 1):
        lines.append(f"x{level}: &x{level} [{', '.join([f'*x{level - 1}'] * 10)}]")
    return "\n".join([*lines, "currency: USD"]) + "\n"


def load(text: str) -> Callable[[], str]:
    def run() -> str:
        try:
            parse_catalog(text, source="hostile.yaml")
        except InvalidCatalog as error:
            return f"InvalidCatalog: {str(error).splitlines()[0][:60]}"
        return "loaded"

    return run


def evaluate(evaluator: Evaluator, account: Account, usage: Any) -> Callable[[], str]:
    def run() -> str:
        result = evaluator.evaluate(account, usage, now=NOW)
        return f"{len(result.nudges)} nudge(s), {len(result.problems)} problem(s)"

    return run


def corpus() -> list[tuple[str, str, Callable[[], str]]]:
    """(case, before the fixes, the call)."""
    example = Evaluator(load_catalog(ROOT / "examples" / "plans.yaml"))
    packs = Evaluator(parse_catalog(TWO_PACKS))
    small = attrs.evolve(STARTER, plan="small")
    huge_locale = attrs.evolve(STARTER, locale="en_US@" + "x" * 1_000_000)
    return [
        ("alias bomb, 7 levels + duplicate key", "25 s", load(bomb(7))),
        ("alias bomb, 8 levels + duplicate key", "218 s", load(bomb(8))),
        ("recursive alias + duplicate key", "RecursionError", load("x: &r [*r]\nx: 1\n")),
        (
            "flat list of 4 MiB",
            "28 s, 764 MB",
            load("currency: USD\nplans: {a: {}}\nx: [" + "1," * 2_000_000 + "1]\n"),
        ),
        (
            "150k metrics",
            "15 s",
            load(
                "currency: USD\nplans: {a: {}}\nmetrics:\n"
                + "".join(f"  m{i}: {{kind: gauge}}\n" for i in range(150_000))
            ),
        ),
        ("two packs, usage 1e8", "1.8 s", evaluate(packs, small, {"gb": 10**8})),
        ("two packs, usage 1e10", "78 s, 416 MB", evaluate(packs, small, {"gb": 10**10})),
        ("a 1 MB locale string", "+3 MB per call", evaluate(example, huge_locale, {"seats": 1})),
        (
            "10^6 unknown usage keys",
            "18.8 s, 387 MB",
            evaluate(example, STARTER, {f"k{i}": 1 for i in range(1_000_000)}),
        ),
        (
            "10^6 signals",
            "10 s",
            evaluate(
                example,
                attrs.evolve(STARTER, signals=frozenset(f"s{i}" for i in range(1_000_000))),
                {"seats": 1},
            ),
        ),
    ]


def measure(call: Callable[[], str]) -> tuple[str, float, int]:
    """What the call answered, its seconds and its peak of traced memory, in bytes."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        answer = call()
    except Exception as error:  # an escape is what this benchmark exists to find
        answer = f"ESCAPED {type(error).__name__}: {error}"[:80]
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return answer, seconds, peak


def main() -> int:
    print(f"{'case':40} {'before':>15} {'now':>9} {'peak':>9}  answer")
    worst_time = worst_memory = 0.0
    escapes = 0
    for case, before, call in corpus():
        answer, seconds, peak = measure(call)
        escapes += answer.startswith("ESCAPED")
        worst_time, worst_memory = max(worst_time, seconds), max(worst_memory, peak)
        print(f"{case:40} {before:>15} {seconds:8.3f}s {peak / 2**20:7.1f}MB  {answer}")
    print(
        f"worst time {worst_time:.3f} s, worst peak of traced memory "
        f"{worst_memory / 2**20:.1f} MB, escapes {escapes}"
    )
    return 1 if escapes else 0


if __name__ == "__main__":
    sys.exit(main())
