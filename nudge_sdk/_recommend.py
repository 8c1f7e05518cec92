"""Right-sizing: the cheapest plan, with add-ons, that covers an account's usage.

An option is a plan in the account's interval and seats, plus add-on quantities. It
covers a need when every hard limit (plan limit plus add-on grants) is at least the
need, every required feature is present, and every metric that must grow does grow.
Its cost is its recurring price plus the overage its soft limits would bill. The
search tries every plan; for each short metric it weighs overage (soft limits only)
against the smallest and the covering quantity of each add-on that grants it, which is
exact when each add-on grants one metric (the usual storage or credit pack).

Costs are `Decimal` minor units: usage is a decimal quantity and prices are integers,
so every cost is exact; `cheapest` traps `Inexact` so that a magnitude beyond Decimal's
precision fails loudly instead of rounding (the evaluator then degrades).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal

import attrs

from nudge_sdk._catalog import UNLIMITED, Catalog, Plan
from nudge_sdk._periods import Interval

__all__ = ["Need", "Option", "cheapest", "cost_of"]

_ZERO = Decimal(0)


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
    price = plan.price(interval)
    if price is None:
        return None
    recurring = price.amount(seats)
    features = set(plan.features)
    grants: dict[str, Decimal] = {}
    for addon_id, quantity in addons.items():
        if not quantity:
            continue
        addon = catalog.addons[addon_id]
        unit = addon.prices.get(interval)
        if unit is None:
            return None
        recurring += unit * quantity
        features |= addon.features
        for metric, amount in addon.grants.items():
            grants[metric] = grants.get(metric, Decimal(0)) + amount * quantity
    if not need.features <= features:
        return None
    overage = _ZERO
    for metric in need.usage.keys() | need.grow.keys():
        base = plan.limits.get(metric, Decimal(0))
        if base is UNLIMITED:
            continue
        limit = base + grants.get(metric, Decimal(0))
        if metric in need.grow and limit <= need.grow[metric]:
            return None
        short = need.usage.get(metric, Decimal(0)) - limit
        if short > 0:
            rate = plan.overage.get(metric)
            if rate is None:
                return None
            overage += short * rate
    kept = {addon: quantity for addon, quantity in addons.items() if quantity}
    return Option(
        plan=plan.id,
        interval=interval,
        seats=seats,
        addons=kept,
        recurring=recurring,
        overage=overage,
    )


def _metric_choice(
    catalog: Catalog, plan: Plan, interval: Interval, metric: str, need: Need
) -> tuple[str, int] | None:
    """The cheapest way to cover one metric on one plan: ``("", 0)`` for no add-on
    (the plan covers it, or overage is cheapest), ``(addon, quantity)``, or `None`."""
    base = plan.limits.get(metric, Decimal(0))
    if base is UNLIMITED:
        return "", 0
    usage = need.usage.get(metric, Decimal(0))
    floor_ = need.grow.get(metric)
    rate = plan.overage.get(metric)

    def spend(grant: Decimal, quantity: int, unit: int) -> Decimal | None:
        limit = base + grant * quantity
        if floor_ is not None and limit <= floor_:
            return None
        if usage > limit and rate is None:
            return None
        overage = (usage - limit) * (rate or 0) if usage > limit else _ZERO
        return unit * quantity + overage

    scored: list[tuple[Decimal, int, str]] = []
    if (alone := spend(Decimal(0), 0, 0)) is not None:
        scored.append((alone, 0, ""))
    for addon in catalog.addons.values():
        grant, unit = addon.grants.get(metric, Decimal(0)), addon.prices.get(interval)
        if grant <= 0 or unit is None:
            continue
        least = _units(floor_ - base, grant)[0] + 1 if floor_ is not None else 0
        for quantity in _units(usage - base, grant):
            quantity = max(quantity, least, 0)
            if (cost := spend(grant, quantity, unit)) is not None:
                scored.append((cost, quantity, addon.id))
    if not scored:
        return None
    _, quantity, addon_id = min(scored)
    return addon_id, quantity


def _units(amount: Decimal, grant: Decimal) -> tuple[int, int]:
    """How many units of `grant` fit in `amount`, rounded down and up (exactly)."""
    whole, rest = divmod(amount, grant)  # truncates toward zero
    down = int(whole) - (1 if rest < 0 else 0)
    return down, down + (1 if rest else 0)


def cheapest(catalog: Catalog, interval: Interval, seats: int, need: Need) -> Option | None:
    """The cheapest option covering `need`; ties go to fewer add-on units, then the
    lower plan."""
    with decimal.localcontext() as context:
        context.traps[decimal.Inexact] = True
        return _cheapest(catalog, interval, seats, need)


def _cheapest(catalog: Catalog, interval: Interval, seats: int, need: Need) -> Option | None:
    best: Option | None = None
    ladder = list(catalog.plans.values())
    start = list(catalog.plans).index(need.lowest_plan) if need.lowest_plan else 0
    for plan in ladder[start:]:
        if plan.price(interval) is None:
            continue
        chosen: dict[str, int] = {}
        for feature in need.features - plan.features:
            offers = [
                (addon.prices[interval], addon.id)
                for addon in catalog.addons.values()
                if feature in addon.features and interval in addon.prices
            ]
            if offers:
                chosen[min(offers)[1]] = 1
        for metric in need.usage.keys() | need.grow.keys():
            choice = _metric_choice(catalog, plan, interval, metric, need)
            if choice is not None and choice[1]:
                chosen[choice[0]] = max(chosen.get(choice[0], 0), choice[1])
        option = cost_of(catalog, plan, interval, seats, chosen, need)
        if option is not None and (
            best is None
            or (option.cost, sum(option.addons.values())) < (best.cost, sum(best.addons.values()))
        ):
            best = option
    return best
