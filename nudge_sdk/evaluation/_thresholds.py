"""Plain usage thresholds compiled into number comparisons, for the decision path.

Most rules a plan has are thresholds: "storage at 80% of the limit". When such a rule
looks at nothing else (no audience beyond plans, no projection of a counter), whether
it fires depends on one number: the least usage that reaches a level against the
plan's limit. `Probes.of` computes it once per plan and rule, so that
`Evaluator.triggered` decides each such rule with one comparison of the host's number,
making no `Decimal`, no entitlement and no context. Everything else (add-ons, grants,
trends, silencing signals, rules of other kinds that could apply) takes the general path.

Exactness. The general path takes a float at its shortest decimal text, rounded half to
even to `USAGE_PLACES` places (`exact_float`), and compares that exactly. That reading never
decreases as the float grows, so a probe keeps two floats around the exact least usage
`reach`: below `low` a float cannot reach it, at or above `high` it does, and the few
floats between (a band about a billionth of a unit wide) are read exactly, as the general
path would. An int is exact already: it fires from ``ceil(reach)``.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import attrs

from nudge_sdk.catalog._catalog import UNLIMITED, Catalog, MetricKind, Plan
from nudge_sdk.catalog._rules import Milestone, Rule, UsageThreshold
from nudge_sdk.evaluation._account import MAX_USAGE, exact_float
from nudge_sdk.evaluation._exact import EXACT

__all__ = ["Probe", "Probes", "needed_metric", "plain"]

_NEVER = math.inf
"""`low` of a rule no usage can fire (every accepted float is below it)."""


@attrs.frozen(kw_only=True)
class Probe:
    """One plain threshold rule for one plan: fires when usage is at least `reach`."""

    rule: str
    metric: str
    placement: str
    reach: Fraction
    """The least usage that fires the rule, exactly."""
    low: float
    """Every float below it falls short."""
    high: float
    """Every float at or above it fires."""
    whole: int
    """The least int usage that fires it."""
    starts: datetime | None
    ends: datetime | None
    always: bool = attrs.field(init=False)
    """Whether the rule has no schedule (most have none)."""

    @always.default
    def _always(self) -> bool:
        return self.starts is None and self.ends is None

    def running(self, now: datetime) -> bool:
        """Whether the rule's schedule has it running at `now`."""
        return not ((self.starts and now < self.starts) or (self.ends and now >= self.ends))

    def fires(self, value: float | int) -> bool:
        """Whether usage `value` (an accepted float or int, see `clean_usage`) fires it."""
        if type(value) is int:
            return value >= self.whole
        if value < self.low:
            return False
        return value >= self.high or exact_float(value) >= self.reach


@attrs.frozen(kw_only=True)
class Probes:
    """A plan's plain threshold rules, best first, and what sends an account elsewhere:
    the metrics of its other rules (`other_metrics`) and whether it has other rules that
    need no metric (`others_anywhere`)."""

    probes: tuple[Probe, ...]
    other_metrics: frozenset[str]
    others_anywhere: bool

    @classmethod
    def of(
        cls, catalog: Catalog, plan: Plan, ranked: Iterable[Rule], targeted: frozenset[str]
    ) -> Probes:
        """The probes of the rules `ranked` (those admitting `plan`, best first);
        `targeted` names the rules whose audience says more than which plans."""
        probes: list[Probe] = []
        other_metrics: set[str] = set()
        anywhere = False
        for rule in ranked:
            trigger = rule.trigger
            if not plain(rule, trigger, catalog, targeted):
                if metric := needed_metric(rule):
                    other_metrics.add(metric)
                else:
                    anywhere = True
                continue
            assert isinstance(trigger, UsageThreshold)
            limit = plan.limits.get(trigger.metric, Decimal(0))
            if limit is UNLIMITED:
                continue  # never fires: no limit to reach
            probes.append(_probe(rule, trigger, limit))
        return cls(
            probes=tuple(probes), other_metrics=frozenset(other_metrics), others_anywhere=anywhere
        )

    def cover(self, usage: Mapping[str, object]) -> bool:
        """Whether the probes alone decide for this usage: no other rule can apply."""
        if self.others_anywhere:
            return False
        others = self.other_metrics
        return not others or others.isdisjoint(usage)


def plain(rule: Rule, trigger: object, catalog: Catalog, targeted: frozenset[str]) -> bool:
    """Whether `rule` fires on one number: a threshold on a metric's own usage (or a
    gauge's projection, which is its usage), for any account of the plans it admits."""
    if type(trigger) is not UsageThreshold or rule.id in targeted:
        return False
    metric = catalog.metrics.get(trigger.metric)
    return metric is not None and (not trigger.projected or metric.kind is MetricKind.GAUGE)


def needed_metric(rule: Rule) -> str:
    """The metric a rule cannot fire without, if any ("" for one that needs none)."""
    trigger = rule.trigger
    if isinstance(trigger, UsageThreshold | Milestone):
        return trigger.metric
    return ""


def _probe(rule: Rule, trigger: UsageThreshold, limit: Decimal) -> Probe:
    with decimal.localcontext(EXACT):  # as the general path, whatever the host's context
        if trigger.measure == "share":
            reach = Fraction(min(level * limit for level in trigger.levels)) / 100
        else:
            reach = Fraction(limit - max(trigger.levels))
        low, high = _bracket(reach)
    return Probe(
        rule=rule.id,
        metric=trigger.metric,
        placement=rule.placement,
        reach=reach,
        low=low,
        high=high,
        whole=max(0, -(-reach.numerator // reach.denominator)),
        starts=rule.starts,
        ends=rule.ends,
    )


def _bracket(reach: Fraction) -> tuple[float, float]:
    """(low, high): every accepted float below `low` reads below `reach`, every one at or
    above `high` reads at or above it. The reading is monotone, so checking the two
    ends proves it for every float beyond them."""
    if reach <= 0:
        return -1.0, 0.0  # every usage fires (usage is never negative)
    if reach > MAX_USAGE:
        return _NEVER, _NEVER
    centre = float(reach)
    margin = 1e-9 + abs(centre) * 2**-50
    low, high = max(0.0, centre - margin), centre + margin
    while low > 0 and exact_float(low) >= reach:
        low = max(0.0, low - margin)
    if low == 0 and exact_float(low) >= reach:
        low = -1.0
    while exact_float(high) < reach:
        high += margin
    return low, high
