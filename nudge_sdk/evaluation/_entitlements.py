"""Entitlements: what an account may use, has used, and has left, per metric and feature.

A metric's limit is the plan's limit, plus what held add-ons grant, plus unexpired
grants; a metric the plan does not list has a limit of zero.

Projections are whole units, rounded down (they are estimates). With a trend from the
host (a change per day), any metric is projected at that pace to the end of its reset
window, or of the billing period when it has none; a falling trend projects to the
level itself. Without one, counters are projected to the end of their reset window at
their average pace so far, and gauges to themselves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction

import attrs

from nudge_sdk.billing._periods import Cycle, Interval, Period, Unit
from nudge_sdk.catalog._catalog import UNLIMITED, Catalog, MetricKind, Reset
from nudge_sdk.evaluation._account import Account

__all__ = [
    "Access",
    "Entitlement",
    "Entitlements",
    "entitlements",
    "feature_access",
    "reset_window",
]

_ZERO = Decimal(0)
_MIN_ELAPSED = timedelta(hours=1)
"""Below this much of a window, a pace is noise: no projection is made."""
_WINDOWS = {
    Reset.DAY: Interval(Unit.DAY),
    Reset.WEEK: Interval(Unit.WEEK),
    Reset.MONTH: Interval(Unit.MONTH),
    Reset.YEAR: Interval(Unit.YEAR),
}


@attrs.frozen(kw_only=True)
class Entitlement:
    """One metric for one account at one instant."""

    metric: str
    limit: Decimal | None
    """`None` when unlimited."""
    used: Decimal
    remaining: Decimal | None
    """What is left before the limit (never negative); `None` when unlimited."""
    hard: bool
    """A hard limit blocks; a soft one bills `overage_rate` per unit above it."""
    overage_rate: Decimal | None
    """Minor units per unit above a soft limit, exactly (``Decimal("0.05")`` is $0.0005);
    `None` for a hard limit."""
    projected: Decimal
    """Usage at the end of the reset window (or billing period) at the current pace: the
    host's trend if given, else a counter's average pace; a gauge without a trend
    projects to its level."""
    window: Period | None
    """The counter's current reset window; `None` for gauges and counters that never reset."""
    run_out_at: datetime | None
    """When usage at the current pace reaches the limit, if within the window."""

    @property
    def utilization(self) -> Fraction | None:
        """Used over limit, exactly; `None` when unlimited or the limit is zero."""
        if not self.limit:
            return None
        used, per_used = self.used.as_integer_ratio()
        limit, per_limit = self.limit.as_integer_ratio()
        return Fraction(used * per_limit, per_used * limit)  # one normalization, not three

    @property
    def over(self) -> bool:
        """Whether usage is above the limit."""
        return self.limit is not None and self.used > self.limit

    @property
    def resets_at(self) -> datetime | None:
        """When the counter starts again from zero."""
        return self.window.end if self.window else None

    def overage_cost(self, usage: Decimal, limit: Decimal | None) -> Decimal:
        """Overage, in minor units, for `usage` against `limit` at this metric's price."""
        if limit is None or usage <= limit or self.overage_rate is None:
            return _ZERO
        return (usage - limit) * self.overage_rate


@attrs.frozen(kw_only=True)
class Access:
    """May the account use a feature now, and if not, what would give it."""

    feature: str
    allowed: bool
    reason: str
    """``plan``, ``addon``, ``not_in_plan`` or ``unknown_feature``."""
    cheapest_plan: str | None = None
    cheapest_addon: str | None = None


def reset_window(
    account: Account, reset: Reset | None, now: datetime, zone: tzinfo
) -> Period | None:
    """The counter's window containing `now`: the billing period, a calendar unit, or none."""
    if reset is None or reset is Reset.NEVER:
        return None
    if reset is Reset.BILLING_PERIOD:
        if now in account.period:
            return account.period
        anchor = account.anchor or account.period.start
        return Cycle(anchor, account.interval, zone).period_at(now)
    local = now.astimezone(zone)
    first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if reset is Reset.MONTH:
        first = first.replace(day=1)
    elif reset is Reset.YEAR:
        first = first.replace(month=1, day=1)
    elif reset is Reset.WEEK:
        first -= timedelta(days=first.weekday())
    return Cycle(first, _WINDOWS[reset], zone).period_at(now)


class Entitlements(Mapping[str, Entitlement]):
    """Every metric's entitlement, each computed the first time it is looked at: an
    evaluation usually needs only the few metrics its rules are about."""

    def __init__(
        self, catalog: Catalog, account: Account, usage: Mapping[str, Decimal], now: datetime,
        zone: tzinfo, trends: Mapping[str, Decimal] | None = None,
    ) -> None:  # fmt: skip
        self._catalog, self._account, self._usage = catalog, account, usage
        self._trends = trends or {}
        self._now, self._zone = now, zone
        self._plan = catalog.plan(account.plan)
        self._extra: dict[str, Decimal] = {}
        for addon_id, quantity in account.addons.items():
            for metric, amount in catalog.addon(addon_id).grants.items():
                self._extra[metric] = self._extra.get(metric, Decimal(0)) + amount * quantity
        for grant in account.grants:
            if grant.expires is None or now < grant.expires:
                self._extra[grant.metric] = self._extra.get(grant.metric, Decimal(0)) + grant.amount
        self._done: dict[str, Entitlement] = {}
        self._figures: dict[str, tuple[Decimal | None, Decimal, Decimal]] = {}

    def __getitem__(self, metric_id: str) -> Entitlement:
        found = self._done.get(metric_id)
        if found is None:
            found = self._done[metric_id] = self._compute(metric_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._catalog.metrics)

    def __len__(self) -> int:
        return len(self._catalog.metrics)

    def figures(self, metric_id: str) -> tuple[Decimal | None, Decimal, Decimal]:
        """Limit (`None` when unlimited), usage and projected usage: what a threshold
        check needs, without building the whole `Entitlement`."""
        found = self._figures.get(metric_id)
        if found is None:
            spec = self._catalog.metrics[metric_id]
            base = self._plan.limits.get(metric_id, _ZERO)
            if base is UNLIMITED:
                limit = None
            else:
                extra = self._extra.get(metric_id)
                limit = base if extra is None else base + extra
            used = self._usage.get(metric_id, _ZERO)
            projected = used
            if metric_id in self._trends or (spec.kind is MetricKind.COUNTER and used):
                projected = self._project(metric_id, used, limit)[0]
            found = self._figures[metric_id] = (limit, used, projected)
        return found

    def _compute(self, metric_id: str) -> Entitlement:
        spec = self._catalog.metrics[metric_id]  # KeyError for unknown metrics, as a dict
        limit, used, _ = self.figures(metric_id)
        window = reset_window(self._account, spec.reset, self._now, self._zone)
        projected, run_out = self._project(metric_id, used, limit)
        overage = self._plan.overage.get(metric_id)
        return Entitlement(
            metric=metric_id,
            limit=limit,
            used=used,
            remaining=None if limit is None else max(_ZERO, limit - used),
            hard=overage is None,
            overage_rate=overage,
            projected=projected,
            window=window,
            run_out_at=run_out,
        )

    def _project(
        self, metric_id: str, used: Decimal, limit: Decimal | None
    ) -> tuple[Decimal, datetime | None]:
        """Projected usage and when it reaches the limit, per the module's rules."""
        spec = self._catalog.metrics[metric_id]
        account, now, zone = self._account, self._now, self._zone
        window = reset_window(account, spec.reset, now, zone)
        trend = self._trends.get(metric_id)
        if trend is None:
            return _projection(spec.kind, used, limit, window, now)
        horizon = window or reset_window(account, Reset.BILLING_PERIOD, now, zone)
        assert horizon is not None  # the billing period always exists
        return _trend(used, trend, limit, horizon, now)


def entitlements(
    catalog: Catalog,
    account: Account,
    usage: Mapping[str, Decimal],
    now: datetime,
    zone: tzinfo,
    trends: Mapping[str, Decimal] | None = None,
) -> Entitlements:
    """Every metric's entitlement for the account at `now` (computed as looked at);
    `trends` are the host's changes per day, by metric."""
    return Entitlements(catalog, account, usage, now, zone, trends)


_DAY_US = timedelta(days=1) // timedelta(microseconds=1)


def _trend(
    used: Decimal, per_day: Decimal, limit: Decimal | None, horizon: Period, now: datetime
) -> tuple[Decimal, datetime | None]:
    """`used` growing by `per_day` until the end of `horizon`, and when it reaches `limit`."""
    if per_day <= 0:
        return used, None
    left = (horizon.end - now) // timedelta(microseconds=1)
    projected = Decimal(int(Fraction(used) + Fraction(per_day) * left / _DAY_US))
    run_out = None
    if limit is not None and used < limit:
        reach = Fraction(limit - used) / Fraction(per_day) * _DAY_US
        if reach < left:
            run_out = now + timedelta(microseconds=int(reach))
    return max(projected, used), run_out


_MICROSECOND = timedelta(microseconds=1)


def _projection(
    kind: MetricKind, used: Decimal, limit: Decimal | None, window: Period | None, now: datetime
) -> tuple[Decimal, datetime | None]:
    if kind is MetricKind.GAUGE or not used or window is None or now - window.start < _MIN_ELAPSED:
        return used, None
    # In integers: used = n / d units over `elapsed` microseconds of `total`. The pace
    # is n / (d * elapsed) per microsecond; both results are exact, then truncated.
    elapsed = (now - window.start) // _MICROSECOND
    total = window.duration // _MICROSECOND
    n, d = used.as_integer_ratio()  # used > 0
    projected = Decimal(n * total // (d * elapsed))  # whole units: a projection is an estimate
    run_out = None
    if limit is not None and used < limit:
        # The limit is reached limit / pace microseconds from the window's start.
        ln, ld = limit.as_integer_ratio()
        reach = ln * d * elapsed // (ld * n)  # truncated, as int() of the exact fraction
        if reach < total:  # compared first: a slow pace reaches the limit past year 9999
            run_out = window.start + timedelta(microseconds=reach)
    return max(projected, used), run_out


def feature_access(catalog: Catalog, account: Account, feature: str) -> Access:
    """Whether `account` has `feature`, through its plan or an add-on, or what would give it.

    The cheapest plan is the one with the lowest price in the account's interval and
    seats; the cheapest add-on the one with the lowest unit price in that interval.
    """
    if feature not in catalog.features:
        return Access(feature=feature, allowed=False, reason="unknown_feature")
    if feature in catalog.plan(account.plan).features:
        return Access(feature=feature, allowed=True, reason="plan")
    if any(feature in catalog.addon(a).features for a, n in account.addons.items() if n):
        return Access(feature=feature, allowed=True, reason="addon")
    plans = [
        (price.amount(account.seats), plan.id)
        for plan in catalog.plans.values()
        if feature in plan.features and (price := plan.price(account.interval)) is not None
    ]
    addons = [
        (unit, addon.id)
        for addon in catalog.addons.values()
        if feature in addon.features and (unit := addon.prices.get(account.interval)) is not None
    ]
    return Access(
        feature=feature,
        allowed=False,
        reason="not_in_plan",
        cheapest_plan=min(plans)[1] if plans else None,
        cheapest_addon=min(addons)[1] if addons else None,
    )
