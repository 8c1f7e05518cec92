"""The evaluator against GrowthBook, Eppo and a hand-written floor, on the same decisions.

Eight usage-threshold rules (metric at 80% of its limit, Starter plan only) are
expressed four ways: as nudge rules, as GrowthBook features and as Eppo flags with
conditions on precomputed utilization attributes, and as a plain Python function doing
only the comparisons. Each evaluates the same rotating set of accounts' usage. Eppo's
Python SDK evaluates in a compiled Rust core: it is the reference for what a compiled
rule engine costs per flag from Python. It runs offline, from a fixed configuration
(no poll, no network).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import eppo_client
from eppo_client import AssignmentLogger, ClientConfig, Configuration
from growthbook import GrowthBook
from timing import medians

from nudge_sdk import Account, Evaluator, Interval, Period, Unit, load_catalog, parse_catalog

METRICS = [f"m{i}" for i in range(8)]
OTHER_METRICS = [f"x{i}" for i in range(40)]
"""Metrics the benchmark's accounts never report."""
LIMIT = 100
NOW = datetime(2025, 6, 16, tzinfo=UTC)
JUNE = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))


def threshold_catalog(rules: int, admitting: bool = False) -> str:
    """Starter and 24 other plans; eight rules for Starter, the rest for other plans or,
    `admitting`, for Starter too: on metrics the account does not report (half of them)
    or for the accounts of other countries (the other half), so none fires but every one
    admits the account's plan."""
    lines = ["currency: USD", "metrics:"]
    lines += [f"  {m}: {{kind: gauge}}" for m in [*METRICS, *OTHER_METRICS]]
    lines.append("plans:")
    limits = ", ".join(f"{m}: {LIMIT}" for m in [*METRICS, *OTHER_METRICS])
    for plan in ["starter", *(f"p{i}" for i in range(24))]:
        lines.append(f"  {plan}: {{prices: {{month: 10}}, limits: {{{limits}}}}}")
    lines.append("nudges:")
    for index in range(rules):
        plan = "starter" if index < 8 or admitting else f"p{index % 24}"
        metric = METRICS[index % 8]
        countries = ""
        if admitting and index >= 8:
            if index % 2:
                metric = OTHER_METRICS[index % len(OTHER_METRICS)]
            else:
                countries = f", countries: [C{index % 50}]"
        lines += [
            f"  r{index}:",
            f"    when: {{usage: {{metric: {metric}, levels: [80]}}}}",
            "    offer: none",
            f"    audience: {{plans: [{plan}]{countries}}}",
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


class _Quiet(AssignmentLogger):
    def log_assignment(self, event: dict[str, Any]) -> None:
        pass

    def log_bandit_action(self, event: dict[str, Any]) -> None:
        pass


def eppo_flags() -> bytes:
    """The eight rules as Eppo flags (its universal flag configuration)."""

    def flag(key: str, metric: str) -> dict[str, Any]:
        conditions = [
            {"attribute": "plan", "operator": "ONE_OF", "value": ["starter"]},
            {"attribute": f"{metric}_pct", "operator": "GTE", "value": 80},
        ]
        return {
            "key": key,
            "enabled": True,
            "variationType": "BOOLEAN",
            "totalShards": 10000,
            "variations": {
                "on": {"key": "on", "value": True},
                "off": {"key": "off", "value": False},
            },
            "allocations": [
                {
                    "key": "nudge",
                    "rules": [{"conditions": conditions}],
                    "splits": [{"variationKey": "on", "shards": []}],
                    "doLog": False,
                }
            ],
        }

    config = {
        "createdAt": "2025-01-01T00:00:00Z",
        "format": "SERVER",
        "environment": {"name": "benchmark"},
        "flags": {f"r{i}": flag(f"r{i}", m) for i, m in enumerate(METRICS)},
    }
    return json.dumps(config).encode()


def eppo_client_offline() -> Any:
    return eppo_client.init(
        ClientConfig(
            api_key="offline",
            base_url="http://127.0.0.1:9",  # never asked: no poll
            assignment_logger=_Quiet(),
            poll_interval_seconds=None,
            initial_configuration=Configuration(flags_configuration=eppo_flags()),
        )
    )


def eppo_decisions(client: Any, plan: str, usage: dict[str, float], flags: int = 8) -> list[str]:
    """The same decisions through Eppo: utilization computed by the host."""
    attributes: dict[str, Any] = {"plan": plan}
    attributes |= {f"{m}_pct": usage[m] * 100 / LIMIT for m in METRICS[:flags]}
    return [
        f"r{i}"
        for i in range(flags)
        if client.get_boolean_assignment(f"r{i}", "a1", attributes, False)
    ]


def floor(plan: str, usage: dict[str, float]) -> list[str]:
    """Only the comparisons: which of the eight rules fire."""
    if plan != "starter":
        return []
    return [f"r{i}" for i, m in enumerate(METRICS) if usage[m] * 100 >= 80 * LIMIT]


def growthbook_decisions(
    gb: GrowthBook, plan: str, usage: dict[str, float], flags: int = 8
) -> list[str]:
    """The same decisions through GrowthBook: utilization computed by the host (for the
    metrics of the first `flags` flags)."""
    attributes: dict[str, Any] = {"id": "a1", "plan": plan}
    attributes |= {f"{m}_pct": usage[m] * 100 / LIMIT for m in METRICS[:flags]}
    gb.set_attributes(attributes)
    return [f"r{i}" for i in range(flags) if gb.is_on(f"r{i}")]


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
    one = Evaluator(parse_catalog(threshold_catalog(1)))
    eight = Evaluator(parse_catalog(threshold_catalog(8)))
    thousand = Evaluator(parse_catalog(threshold_catalog(1000)))
    admitting = Evaluator(parse_catalog(threshold_catalog(1000, admitting=True)))
    gb = GrowthBook(features=GROWTHBOOK_FEATURES)
    eppo = eppo_client_offline()
    customer = account()

    # Same decisions from all four, or the comparison means nothing.
    for usage in samples:
        expected = floor("starter", usage)
        assert expected == growthbook_decisions(gb, "starter", usage)
        assert expected == eppo_decisions(eppo, "starter", usage)
        assert expected == sorted(
            eight.triggered(customer, usage, now=NOW), key=lambda r: int(r[1:])
        )
        assert [r for r in expected if r == "r0"] == list(one.triggered(customer, usage, now=NOW))
        assert [r for r in expected if r == "r0"] == growthbook_decisions(
            gb, "starter", usage, flags=1
        )
        assert eight.evaluate(customer, usage, now=NOW) == admitting.evaluate(
            customer, usage, now=NOW
        )

    def rotating(function: Any) -> Any:
        return cycling(lambda i: function(samples[i]), len(samples))

    floor_s, gb_s, eppo_s, ours_s, gb1_s, eppo1_s, one_s = medians(
        [
            rotating(lambda u: floor("starter", u)),
            rotating(lambda u: growthbook_decisions(gb, "starter", u)),
            rotating(lambda u: eppo_decisions(eppo, "starter", u)),
            rotating(lambda u: eight.triggered(customer, u, now=NOW)),
            rotating(lambda u: growthbook_decisions(gb, "starter", u, flags=1)),
            rotating(lambda u: eppo_decisions(eppo, "starter", u, flags=1)),
            rotating(lambda u: one.triggered(customer, u, now=NOW)),
        ],
        calls,
        repeats,
    )
    small_s, large_s, admitting_s = medians(
        [
            rotating(lambda u: eight.evaluate(customer, u, now=NOW)),
            rotating(lambda u: thousand.evaluate(customer, u, now=NOW)),
            rotating(lambda u: admitting.evaluate(customer, u, now=NOW)),
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

    def general(i: int) -> Any:  # no plain-threshold shortcut: the plan has every kind
        usage, now = full_samples[i]
        return example.triggered(team_customer, usage, now=now)

    first_usage, first_now = full_samples[0]
    assert example._plainly(team_customer, first_usage, first_now, None) is None

    usage, now = full_samples[0]
    result = example.evaluate(team_customer, usage, now=now, compare=True)
    assert result.comparison is not None
    assert len(result.comparison.columns) == 3
    floor_build = constructor(result)
    assert floor_build() == result
    separate_s, combined_s, build_s, flags_s, general_s = medians(
        [
            cycling(separate, len(full_samples)),
            cycling(combined, len(full_samples)),
            floor_build,
            rotating(lambda u: growthbook_decisions(gb, "starter", u)),
            cycling(general, len(full_samples)),
        ],
        calls // 4 or 1,
        repeats,
    )
    return [
        ("decisions, 8 threshold rules", "hand-written comparisons", floor_s, ours_s, None),
        ("decisions, 8 threshold rules", "GrowthBook is_on x 8", gb_s, ours_s, 0.5),
        ("decisions, 8 threshold rules", "Eppo (Rust core) x 8", eppo_s, ours_s, None),
        ("decisions, 1 threshold rule", "GrowthBook is_on x 1", gb1_s, one_s, 1.0),
        ("decisions, 1 threshold rule", "Eppo (Rust core) x 1", eppo1_s, one_s, None),
        (
            "decisions, example catalog (general path)",
            "GrowthBook is_on x 8",
            flags_s,
            general_s,
            None,
        ),
        ("evaluate, 1000 rules (8 match)", "evaluate, 8 rules", small_s, large_s, 1.5),
        ("evaluate, 1000 admit its plan", "evaluate, 8 rules", small_s, admitting_s, 1.5),
        ("evaluate, then compare", "(absolute, us)", 50e-6, separate_s, None),
        ("evaluate(compare=True)", "(absolute, us)", 50e-6, combined_s, 1.0),
        ("evaluate(compare=True)", "building its payload objects", build_s, combined_s, None),
        ("evaluate(compare=True)", "GrowthBook is_on x 8", flags_s, combined_s, None),
    ]
