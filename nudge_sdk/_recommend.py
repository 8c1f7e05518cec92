"""Right-sizing: the cheapest plan, with add-ons, that covers an account's usage.

An option is a plan in the account's interval and seats, plus add-on quantities. It
covers a need when every hard limit (plan limit plus add-on grants) is at least the
need, every required feature is present, and every metric that must grow does grow.
Its cost is its recurring price plus the overage its soft limits would bill. The
search tries every plan; for each short metric it weighs overage (soft limits only)
against quantities of the add-ons that grant it (a branch and bound, below); this is
exact when each add-on grants one metric (the usual storage or credit pack), however
many add-ons grant the same one. An add-on granting several metrics is chosen per
metric and its quantities merged (the larger wins), which may overbuy.

Costs are `Decimal` minor units: usage is a decimal quantity and prices are integers,
so every cost is exact at `PRECISION` digits; `cheapest` traps `Inexact` so that a
magnitude beyond it fails loudly instead of rounding.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

import attrs

from nudge_sdk._catalog import UNLIMITED, Catalog, Plan
from nudge_sdk._periods import Interval

__all__ = ["Need", "Option", "Recommender", "cheapest", "cost_of"]

_ZERO = Decimal(0)
PRECISION = 60
"""Significant digits for usage-times-price arithmetic: usage is at most 10**15 with
nine decimal places (24 digits), so products with any catalog price stay exact."""


@attrs.frozen(kw_only=True)
class Need:
    """What an option must provide."""

    usage: Mapping[str, Decimal] = attrs.field(factory=dict)
    """The level each metric must be covered to (usage, or its projection if higher)."""
    features: frozenset[str] = frozenset()
    grow: Mapping[str, Decimal] = attrs.field(factory=dict)
    """Metrics whose limit must end above these values (more room than today)."""
    lowest_plan: str = ""
    """If set, plans below this one on the ladder are not considered (an upsell never
    moves a customer down)."""


@attrs.frozen(kw_only=True)
class Option:
    """A plan, its interval and seats, and add-on quantities, with what they cost."""

    plan: str
    interval: Interval
    seats: int
    addons: Mapping[str, int]
    recurring: int
    """Plan and add-ons, minor units per interval."""
    overage: Decimal
    """What soft limits would bill for the need, in minor units (exact)."""

    @property
    def cost(self) -> Decimal:
        """Recurring price plus overage."""
        return self.recurring + self.overage


def cost_of(
    catalog: Catalog,
    plan: Plan,
    interval: Interval,
    seats: int,
    addons: Mapping[str, int],
    need: Need,
) -> Option | None:
    """The option of exactly this plan and these add-ons, or `None` if it does not cover."""
    return _cost(catalog, plan, interval, seats, addons, need, need.usage.keys() | need.grow)


def _cost(
    catalog: Catalog,
    plan: Plan,
    interval: Interval,
    seats: int,
    addons: Mapping[str, int],
    need: Need,
    metrics: Iterable[str],
) -> Option | None:
    """`cost_of`, with the metrics the need names worked out by the caller."""
    price = plan.price(interval)
    if price is None:
        return None
    recurring = price.amount(seats)
    features: frozenset[str] = plan.features
    grants: dict[str, Decimal] = {}
    kept: dict[str, int] = {}
    for addon_id, quantity in addons.items():
        if not quantity:
            continue
        addon = catalog.addons[addon_id]
        unit = addon.prices.get(interval)
        if unit is None:
            return None
        kept[addon_id] = quantity
        recurring += unit * quantity
        if addon.features:
            features |= addon.features
        for metric, amount in addon.grants.items():
            grants[metric] = grants.get(metric, _ZERO) + amount * quantity
    if not need.features <= features:
        return None
    overage = _ZERO
    for metric in metrics:
        base = plan.limits.get(metric, _ZERO)
        if base is UNLIMITED:
            continue
        limit = base + grants[metric] if metric in grants else base
        floor_ = need.grow.get(metric)
        if floor_ is not None and limit <= floor_:
            return None
        short = need.usage.get(metric, _ZERO) - limit
        if short > 0:
            rate = plan.overage.get(metric)
            if rate is None:
                return None
            overage += short * rate
    return Option(
        plan=plan.id,
        interval=interval,
        seats=seats,
        addons=kept,
        recurring=recurring,
        overage=overage,
    )


Pack = tuple[Fraction, str, Decimal, int]
"""An add-on granting a metric: price per unit granted, id, grant, unit price."""


def _packs(catalog: Catalog, interval: Interval, metric: str) -> list[Pack]:
    """The add-ons granting `metric` sold by `interval`, best value first."""
    return sorted(
        (
            (
                Fraction(addon.prices[interval]) / Fraction(grant),
                addon.id,
                grant,
                addon.prices[interval],
            )
            for addon in catalog.addons.values()
            if (grant := addon.grants.get(metric, _ZERO)) > 0 and interval in addon.prices
        ),
        key=lambda pack: (pack[0], pack[1]),
    )


def _metric_choice(plan: Plan, metric: str, need: Need, packs: list[Pack]) -> dict[str, int] | None:
    """The cheapest add-on quantities covering one metric on one plan (empty when the
    plan covers it or overage is cheapest), or `None` if nothing can.

    A branch and bound over the add-ons granting the metric, best value first: every
    add-on but the last tries each quantity up to covering, cut off as soon as it
    cannot beat the best so far; the last needs only the quantities where its cost
    can turn (none, rounded down, rounded up), since cost is linear in between.
    """
    base = plan.limits.get(metric, _ZERO)
    if base is UNLIMITED:
        return {}
    usage = need.usage.get(metric, _ZERO)
    floor_ = need.grow.get(metric)
    rate = plan.overage.get(metric)

    def rest(limit: Decimal) -> Decimal | None:
        """What is still owed at this limit: overage, or `None` if it does not cover."""
        if floor_ is not None and limit <= floor_:
            return None
        if usage <= limit:
            return _ZERO
        return None if rate is None else (usage - limit) * rate

    best: list[tuple[Decimal, dict[str, int]]] = []

    def walk(index: int, limit: Decimal, spent: int, chosen: dict[str, int]) -> None:
        if best and spent >= best[0][0]:
            return
        owed = rest(limit)
        if owed is not None and (not best or spent + owed < best[0][0]):
            best[:] = [(spent + owed, chosen)]
        if index == len(packs):
            return
        _, addon_id, grant, unit = packs[index]
        least = _units(floor_ - limit, grant)[0] + 1 if floor_ is not None else 0
        down, up = _units(usage - limit, grant)
        if index == len(packs) - 1:
            quantities = sorted({max(q, least, 0) for q in (0, down, up)})
        else:
            quantities = list(range(max(up, least, 0) + 1))
        for quantity in quantities:
            if quantity:
                walk(
                    index + 1,
                    limit + grant * quantity,
                    spent + unit * quantity,
                    {**chosen, addon_id: quantity},
                )
            elif index + 1 < len(packs):
                walk(index + 1, limit, spent, chosen)

    walk(0, base, 0, {})
    return best[0][1] if best else None


def _units(amount: Decimal, grant: Decimal) -> tuple[int, int]:
    """How many units of `grant` fit in `amount`, rounded down and up (exactly)."""
    whole, rest = divmod(amount, grant)  # truncates toward zero
    down = int(whole) - (1 if rest < 0 else 0)
    return down, down + (1 if rest else 0)


class Recommender:
    """Right-sizing against one catalog, with its add-on tables built once."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._ladder = list(catalog.plans.values())
        self._rung = {plan_id: index for index, plan_id in enumerate(catalog.plans)}
        self._packs: dict[tuple[Interval, str], list[Pack]] = {}
        self._feature_addon: dict[tuple[Interval, str], str | None] = {}

    def packs(self, interval: Interval, metric: str) -> list[Pack]:
        """The add-ons granting `metric` by `interval`, best value first (memoized)."""
        key = (interval, metric)
        found = self._packs.get(key)
        if found is None:
            found = self._packs[key] = _packs(self.catalog, interval, metric)
        return found

    def feature_addon(self, interval: Interval, feature: str) -> str | None:
        """The cheapest add-on with `feature` sold by `interval` (memoized)."""
        key = (interval, feature)
        if key not in self._feature_addon:
            offers = [
                (addon.prices[interval], addon.id)
                for addon in self.catalog.addons.values()
                if feature in addon.features and interval in addon.prices
            ]
            self._feature_addon[key] = min(offers)[1] if offers else None
        return self._feature_addon[key]

    def cheapest(self, interval: Interval, seats: int, need: Need) -> Option | None:
        """The cheapest option covering `need`; ties go to fewer add-on units, then the
        lower plan."""
        with decimal.localcontext(prec=PRECISION) as context:
            context.traps[decimal.Inexact] = True
            return self._cheapest(interval, seats, need)

    def _cheapest(self, interval: Interval, seats: int, need: Need) -> Option | None:
        best: Option | None = None
        start = self._rung[need.lowest_plan] if need.lowest_plan else 0
        metrics = need.usage.keys() | need.grow.keys()
        usage, grow = need.usage, need.grow
        for plan in self._ladder[start:]:
            price = plan.price(interval)
            if price is None or (best is not None and price.amount(seats) > best.cost):
                continue  # not sold by this interval, or dearer than the best before add-ons
            chosen: dict[str, int] = {}
            for feature in need.features - plan.features:
                addon_id = self.feature_addon(interval, feature)
                if addon_id is not None:
                    chosen[addon_id] = 1
            for metric in metrics:
                base = plan.limits.get(metric, _ZERO)
                if base is UNLIMITED or (
                    usage.get(metric, _ZERO) <= base and (metric not in grow or base > grow[metric])
                ):
                    continue  # the plan alone covers it: no add-on can make it cheaper
                choice = _metric_choice(plan, metric, need, self.packs(interval, metric))
                for addon_id, quantity in (choice or {}).items():
                    chosen[addon_id] = max(chosen.get(addon_id, 0), quantity)
            option = _cost(self.catalog, plan, interval, seats, chosen, need, metrics)
            if option is not None and (
                best is None
                or (option.cost, sum(option.addons.values()))
                < (best.cost, sum(best.addons.values()))
            ):
                best = option
        return best


def cheapest(catalog: Catalog, interval: Interval, seats: int, need: Need) -> Option | None:
    """The cheapest option covering `need` (see `Recommender.cheapest`)."""
    return Recommender(catalog).cheapest(interval, seats, need)
