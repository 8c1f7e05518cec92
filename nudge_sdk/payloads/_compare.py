"""The plan-comparison payload: three plans side by side, for this account.

The columns are the current plan, the cheapest plan that covers the account's usage
and its projection (the recommended one), and their neighbours on the ladder, up to
three, in ladder order. Prices are in the account's interval and seats; each column
says what switching to it costs today.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import TypeAlias

import attrs

from nudge_sdk.billing._money import Money
from nudge_sdk.billing._periods import Interval, Unit
from nudge_sdk.billing._proration import Item, Quoter
from nudge_sdk.catalog._catalog import UNLIMITED, Catalog, Plan
from nudge_sdk.evaluation._recommend import holding
from nudge_sdk.evaluation._triggers import Context
from nudge_sdk.payloads._messages import LocaleText, bcp47, fallback_chain
from nudge_sdk.payloads._payloads import Amount, Comparison, FeatureCell, LimitCell, PlanColumn

__all__ = ["Comparer"]

_MONTH, _YEAR = Interval(Unit.MONTH), Interval(Unit.YEAR)
_ZERO = Decimal(0)

_Cell: TypeAlias = tuple[LimitCell, LimitCell, str, Decimal | None, bool]
"""A limit cell short and covered, its metric, the plan's limit, and whether overage
covers any usage."""


def _pick(ladder: list[str], current: str, recommended: str) -> list[str]:
    """Current and recommended, then the recommended one's neighbours, up to three."""
    chosen = {current, recommended}
    at = ladder.index(recommended)
    for step in (1, -1, 2, -2):
        if len(chosen) >= 3:
            break
        if 0 <= at + step < len(ladder):
            chosen.add(ladder[at + step])
    return [plan for plan in ladder if plan in chosen]


class Comparer:
    """Builds comparison payloads against one catalog.

    A column's prices, savings, features and formatted limits depend only on the plan,
    the account's plan, interval and seats, and the locale: they are built once and
    kept in a bounded cache, with the item change of switching to the plan and what
    each limit cell needs to tell whether it covers the usage. So are the plans a
    comparison shows, which depend only on the interval and the current and
    recommended plans. Per request only what depends on usage and time is added:
    which plan is recommended, which limits cover the usage, what switching costs now.
    """

    def __init__(self, catalog: Catalog, quoter: Quoter) -> None:
        self.quoter = quoter
        self.catalog = catalog
        self._column = functools.lru_cache(maxsize=4096)(self._static_column)
        self._columns = functools.lru_cache(maxsize=4096)(self._shown)
        # Cells are shared by every column of the same plans (and locale), whatever the
        # seats and interval, so their JSON is written once (see `to_json_bytes`).
        self._features = functools.lru_cache(maxsize=4096)(self._features_of)
        self._limits = functools.lru_cache(maxsize=4096)(self._limits_of)
        self._retired = frozenset(p.id for p in catalog.plans.values() if p.retired)

    def compare(self, ctx: Context, text: LocaleText) -> Comparison:
        """The comparison payload for the account in `ctx`."""
        catalog, account = self.catalog, ctx.account
        interval, seats = account.interval, account.seats
        # Columns show each plan's features; the add-ons the account holds are kept.
        need = holding(catalog, ctx.need(), account.plan, account.addons, plan_features=False)
        best = ctx.recommender.cheapest(interval, seats, need)
        if best is not None and _buys(best.addons, account.addons):
            # A column shows a plan, not add-ons: recommend one whose own limits cover
            # what is needed, so the table never highlights a plan it shows as short.
            covering = [
                plan_id
                for plan_id in self._ladder(interval, account.plan)
                if all(_covers(catalog.plans[plan_id], m, need.usage) for m in need.usage)
            ]
            best = ctx.recommender.cheapest(interval, seats, need, plans=covering) or (
                best if not covering else None
            )
        recommended = best.plan if best else account.plan
        usage = need.usage
        columns = []
        for plan_id in self._columns(interval, account.plan, recommended):
            column, cells, switch = self._column(plan_id, account.plan, interval, seats, text)
            due = column.due_now  # zero for the current plan
            if switch is not None:
                due = text.amount(ctx.due_now(self.quoter, (switch,)), catalog.currency)
            columns.append(
                PlanColumn(
                    plan=plan_id,
                    name=column.name,
                    current=column.current,
                    recommended=plan_id == recommended,
                    badge=column.badge,
                    price=column.price,
                    difference=column.difference,
                    difference_text=column.difference_text,
                    yearly_saving=column.yearly_saving,
                    due_now=due,
                    limits=tuple(
                        covered
                        if limit is None or soft or usage.get(metric, _ZERO) <= limit
                        else short
                        for short, covered, metric, limit, soft in cells
                    ),
                    features=column.features,
                    billing_id=column.billing_id,
                )
            )
        return Comparison(
            account=account.id,
            currency=catalog.currency.code,
            interval=str(interval),
            locale=text.locale,
            lang=bcp47(text.locale),
            direction=text.direction,
            recommended=recommended,
            columns=tuple(columns),
        )

    def _ladder(self, interval: Interval, current: str) -> list[str]:
        """The plans sold by `interval`, in ladder order: what is sold today, and the
        account's own plan however old."""
        return [
            p.id
            for p in self.catalog.plans.values()
            if p.price(interval) is not None and (p.id == current or p.id not in self._retired)
        ]

    def _shown(self, interval: Interval, current: str, recommended: str) -> tuple[str, ...]:
        """The plans a comparison shows, in ladder order (see `_pick`)."""
        return tuple(_pick(self._ladder(interval, current), current, recommended))

    def _static_column(
        self, plan_id: str, current_id: str, interval: Interval, seats: int, text: LocaleText
    ) -> tuple[PlanColumn, tuple[_Cell, ...], tuple[Item, Item] | None]:
        """The column's parts that do not depend on usage or time; its limit cells (see
        `_limits_of`); and the item change of switching to the plan (`None` for the
        current one)."""
        catalog = self.catalog
        plan, current = catalog.plans[plan_id], catalog.plans[current_id]

        def price(of: Plan, unit: Interval) -> int | None:
            found = of.price(unit)
            return None if found is None else found.amount(seats)

        own = price(plan, interval) or 0
        monthly, yearly = price(plan, _MONTH), price(plan, _YEAR)
        saving = monthly * 12 - yearly if monthly is not None and yearly is not None else 0
        difference = own - (price(current, interval) or 0)
        limits, cells = self._limits(plan_id, current_id, text)
        column = PlanColumn(
            plan=plan_id,
            name=plan.name,
            current=plan_id == current_id,
            recommended=False,
            badge="most_popular" if plan.popular else None,
            price=_amount(own, catalog, text),
            difference=_amount(difference, catalog, text),
            difference_text=_difference_text(catalog, plan, interval, own, difference, text),
            yearly_saving=_amount(saving, catalog, text) if saving > 0 else None,
            due_now=_amount(0, catalog, text),
            billing_id=plan.billing_ids.get(interval),
            limits=limits,
            features=self._features(plan_id, current_id),
        )
        switch = None if plan_id == current_id else _switch(current_id, plan_id, interval, seats)
        return column, cells, switch

    def _features_of(self, plan_id: str, current_id: str) -> tuple[FeatureCell, ...]:
        """The plan's feature cells next to the current plan's."""
        plan, current = self.catalog.plans[plan_id], self.catalog.plans[current_id]
        return tuple(
            FeatureCell(
                feature=f.id,
                name=f.name,
                included=f.id in plan.features,
                gain=f.id in plan.features and f.id not in current.features,
            )
            for f in self.catalog.features.values()
        )

    def _limits_of(
        self, plan_id: str, current_id: str, text: LocaleText
    ) -> tuple[tuple[LimitCell, ...], tuple[_Cell, ...]]:
        """The plan's limit cells next to the current plan's, as they read when the
        usage is not covered, and each with its covered form, metric, the plan's limit
        (`None` when unlimited) and whether overage covers any usage (see `_covers`)."""
        plan = self.catalog.plans[plan_id]
        limits = _limits(self.catalog, plan, self.catalog.plans[current_id], text)
        cells = tuple(
            (
                cell,
                attrs.evolve(cell, covers=True),
                cell.metric,
                _cap(plan, cell.metric),
                cell.metric in plan.overage,
            )
            for cell in limits
        )
        return limits, cells


def _switch(current: str, plan: str, interval: Interval, seats: int) -> tuple[Item, Item]:
    """The item change of switching plans (items are immutable, so they are shared)."""
    return Item.plan(current, interval, seats=seats), Item.plan(plan, interval, seats=seats)


def _difference_text(
    catalog: Catalog, plan: Plan, interval: Interval, own: int, difference: int, text: LocaleText
) -> str:
    """ "$5.00 more per month" from the catalog's comparison messages in the customer's
    locale (or its fallbacks); a signed amount ("+$5.00") if the catalog has none."""
    amount = text.money(Money(abs(difference), catalog.currency))
    chain = fallback_chain(text.locale, catalog.default_locale)
    messages = next(
        (catalog.comparison_messages[k] for k in chain if k in catalog.comparison_messages), None
    )
    if messages is None:
        return ("+" if difference > 0 else "-" if difference < 0 else "") + amount
    template = messages["more" if difference > 0 else "less" if difference < 0 else "same"]
    return template.format_map(
        {
            "difference": amount,
            "interval": catalog.interval_name(interval, chain),
            "plan": plan.name,
            "price": text.money(Money(own, catalog.currency)),
        }
    )


def _amount(minor: int, catalog: Catalog, text: LocaleText) -> Amount:
    return text.amount(minor, catalog.currency)


def _buys(addons: Mapping[str, int], held: Mapping[str, int]) -> bool:
    """Whether an option holds more units of some add-on than the account does."""
    return any(quantity > held.get(addon, 0) for addon, quantity in addons.items())


def _covers(plan: Plan, metric: str, need: Mapping[str, Decimal]) -> bool:
    """Whether the plan covers the account's usage of `metric` (soft limits do, at a
    price)."""
    limit = _cap(plan, metric)
    return limit is None or need.get(metric, Decimal(0)) <= limit or metric in plan.overage


def _cap(plan: Plan, metric: str) -> Decimal | None:
    """The plan's limit on `metric`; `None` when unlimited."""
    limit = plan.limits.get(metric, Decimal(0))
    return None if limit is UNLIMITED else limit


def _limits(catalog: Catalog, plan: Plan, current: Plan, text: LocaleText) -> tuple[LimitCell, ...]:
    """The plan's limit cells; `covers` is filled in per request."""
    cells = []
    for metric in catalog.metrics.values():
        limit, mine = _cap(plan, metric.id), _cap(current, metric.id)
        cells.append(
            LimitCell(
                metric=metric.id,
                name=metric.name,
                limit=None if limit is None else str(limit),
                formatted="∞" if limit is None else text.number(limit),
                covers=False,
                gain=mine is not None and (limit is None or limit > mine),
            )
        )
    return tuple(cells)
