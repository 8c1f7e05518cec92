"""The evaluator against GrowthBook and a hand-written floor, on the same decisions.

Eight usage-threshold rules (metric at 80% of its limit, Starter plan only) are
expressed three ways: as nudge rules, as GrowthBook features with conditions on
precomputed utilization attributes, and as a plain Python function doing only the
comparisons. Each evaluates the same rotating set of accounts' usage.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
from growthbook import GrowthBook
from timing import medians

from nudge_sdk import Account, Evaluator, Interval, Period, Unit, load_catalog, parse_catalog

METRICS = [f"m{i}" for i in range(8)]
LIMIT = 100
NOW = datetime(2025, 6, 16, tzinfo=UTC)
JUNE = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))


def threshold_catalog(rules: int) -> str:
    """Starter and 24 other plans; eight rules for Starter, the rest for other plans."""
    lines = ["currency: USD", "metrics:"]
    lines += [f"  {m}: {{kind: gauge}}" for m in METRICS]
    lines.append("plans:")
    limits = ", ".join(f"{m}: {LIMIT}" for m in METRICS)
    for plan in ["starter", *(f"p{i}" for i in range(24))]:
        lines.append(f"  {plan}: {{prices: {{month: 10}}, limits: {{{limits}}}}}")
    lines.append("nudges:")
    for index in range(rules):
        plan = "starter" if index < 8 else f"p{index % 24}"
        metric = METRICS[index % 8]
        lines += [
            f"  r{index}:",
            f"    when: {{usage: {{metric: {metric}, levels: [80]}}}}",
            "    offer: none",
            f"    audience: {{plans: [{plan}]}}",
            f"    placement: slot{index % 8}",
            "    messages: {en: {title: 'Almost out of {metric}', body: '{used} of {limit}'}}",
        ]
    return "\n".join(lines) + "\n"


GROWTHBOOK_FEATURES = {
    f"r{i}": {
        "defaultValue": False,
        "rules": [{"condition": {"plan": "starter", f"{m}_pct": {"$gte": 80}}, "force": True}],
    }
    for i, m in enumerate(METRICS)
}


def floor(plan: str, usage: dict[str, float]) -> list[str]:
    """Only the comparisons: which of the eight rules fire."""
    if plan != "starter":
        return []
    return [f"r{i}" for i, m in enumerate(METRICS) if usage[m] * 100 >= 80 * LIMIT]


def growthbook_decisions(gb: GrowthBook, plan: str, usage: dict[str, float]) -> list[str]:
    """The same decisions through GrowthBook: utilization computed by the host."""
    attributes: dict[str, Any] = {"id": "a1", "plan": plan}
    attributes |= {f"{m}_pct": usage[m] * 100 / LIMIT for m in METRICS}
    gb.set_attributes(attributes)
    return [key for key in GROWTHBOOK_FEATURES if gb.is_on(key)]


def usages(count: int) -> list[dict[str, float]]:
    rng = random.Random(7)
    return [{m: float(rng.randint(40, 99)) for m in METRICS} for _ in range(count)]


def requests(count: int) -> list[tuple[dict[str, float], datetime]]:
    """Storage between 80.5 and 99.5 GB with three decimals, and a moment in the second
    half of June: `count` distinct requests, more than any formatting cache holds, so
    that every figure and every prorated amount is computed afresh."""
    rng = random.Random(11)
    return [
        (
            {"storage_gb": 80.5 + rng.randrange(19_000) / 1000, "seats": 2},
            NOW + timedelta(seconds=rng.randrange(14 * 86_400)),
        )
        for _ in range(count)
    ]


def constructor(value: Any) -> Any:
    """A function that builds a copy of `value`, a tree of attrs objects and tuples, in
    one compiled expression: what building a payload costs with every field already
    computed, the floor under any evaluation that returns it."""
    constants: list[Any] = []

    def expression(node: Any) -> str:
        if attrs.has(type(node)):
            index = len(constants)
            constants.append(type(node))
            fields = ", ".join(
                f"{field.name}={expression(getattr(node, field.name))}"
                for field in attrs.fields(type(node))
            )
            return f"K[{index}]({fields})"
        if isinstance(node, tuple):
            return "(" + "".join(f"{expression(item)}, " for item in node) + ")"
        constants.append(node)
        return f"K[{len(constants) - 1}]"

    source = f"lambda: {expression(value)}"
    return eval(source, {"K": constants})


def cycling(function: Any, count: int) -> Any:
    """A call of `function(i)` for i = 0, 1, ... count - 1, 0, ..."""
    state = {"i": 0}

    def call() -> Any:
        state["i"] = (state["i"] + 1) % count
        return function(state["i"])

    return call


def account(plan: str = "starter", seats: int = 1) -> Account:
    return Account(
        id="a1",
        plan=plan,
        interval=Interval(Unit.MONTH),
        period=JUNE,
        signup=datetime(2024, 1, 1, tzinfo=UTC),
        seats=seats,
    )


def rows(quick: bool) -> list[tuple[str, str, float, float, float | None]]:
    """(measurement, baseline, baseline seconds, measured seconds, target ratio)."""
    calls, repeats = (100, 3) if quick else (2000, 9)
    samples = usages(64)
    eight = Evaluator(parse_catalog(threshold_catalog(8)))
    thousand = Evaluator(parse_catalog(threshold_catalog(1000)))
    gb = GrowthBook(features=GROWTHBOOK_FEATURES)
    customer = account()

    # Same decisions from all three, or the comparison means nothing.
    for usage in samples:
        expected = floor("starter", usage)
        assert expected == growthbook_decisions(gb, "starter", usage)
        assert expected == sorted(
            eight.triggered(customer, usage, now=NOW), key=lambda r: int(r[1:])
        )

    def rotating(function: Any) -> Any:
        return cycling(lambda i: function(samples[i]), len(samples))

    floor_s, gb_s, ours_s = medians(
        [
            rotating(lambda u: floor("starter", u)),
            rotating(lambda u: growthbook_decisions(gb, "starter", u)),
            rotating(lambda u: eight.triggered(customer, u, now=NOW)),
        ],
        calls,
        repeats,
    )
    small_s, large_s = medians(
        [
            rotating(lambda u: eight.evaluate(customer, u, now=NOW)),
            rotating(lambda u: thousand.evaluate(customer, u, now=NOW)),
        ],
        calls,
        repeats,
    )

    example = Evaluator(load_catalog(Path(__file__).parent.parent / "examples" / "plans.yaml"))
    team_customer = account(seats=3)
    full_samples = requests(20_000)
    for usage, now in full_samples[:: len(full_samples) // 16]:
        assert len(example.evaluate(team_customer, usage, now=now).nudges) == 1

    def separate(i: int) -> Any:
        usage, now = full_samples[i]
        return example.evaluate(team_customer, usage, now=now), example.compare(
            team_customer, usage, now=now
        )

    def combined(i: int) -> Any:
        usage, now = full_samples[i]
        return example.evaluate(team_customer, usage, now=now, compare=True)

    usage, now = full_samples[0]
    result = example.evaluate(team_customer, usage, now=now, compare=True)
    assert result.comparison is not None
    assert len(result.comparison.columns) == 3
    floor_build = constructor(result)
    assert floor_build() == result
    separate_s, combined_s, build_s, flags_s = medians(
        [
            cycling(separate, len(full_samples)),
            cycling(combined, len(full_samples)),
            floor_build,
            rotating(lambda u: growthbook_decisions(gb, "starter", u)),
        ],
        calls // 4 or 1,
        repeats,
    )
    return [
        ("decisions, 8 threshold rules", "hand-written comparisons", floor_s, ours_s, None),
        ("decisions, 8 threshold rules", "GrowthBook is_on x 8", gb_s, ours_s, 1.0),
        ("evaluate, 1000 rules (8 match)", "evaluate, 8 rules", small_s, large_s, 1.5),
        ("evaluate, then compare", "(absolute, us)", 50e-6, separate_s, None),
        ("evaluate(compare=True)", "(absolute, us)", 50e-6, combined_s, 1.0),
        ("evaluate(compare=True)", "building its payload objects", build_s, combined_s, None),
        ("evaluate(compare=True)", "GrowthBook is_on x 8", flags_s, combined_s, None),
    ]
