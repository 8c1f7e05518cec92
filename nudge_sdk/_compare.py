"""The plan-comparison payload: three plans side by side, for this account.

The columns are the current plan, the cheapest plan that covers the account's usage
and its projection (the recommended one), and their neighbours on the ladder, up to
three, in ladder order. Prices are in the account's interval and seats; each column
says what switching to it costs today.
"""

from __future__ import annotations

from decimal import Decimal

from nudge_sdk._catalog import UNLIMITED, Catalog, Plan
from nudge_sdk._messages import LocaleText
from nudge_sdk._money import Money
from nudge_sdk._payloads import Amount, Comparison, FeatureCell, LimitCell, PlanColumn
from nudge_sdk._periods import Interval, Unit
from nudge_sdk._proration import Item, Quoter
from nudge_sdk._triggers import Context

__all__ = ["compare"]

_MONTH, _YEAR = Interval(Unit.MONTH), Interval(Unit.YEAR)


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


def compare(quoter: Quoter, ctx: Context, text: LocaleText) -> Comparison:
    """The comparison payload for the account in `ctx`."""
    catalog, account = quoter.catalog, ctx.account
    ladder = [p.id for p in catalog.plans.values() if p.price(account.interval) is not None]
    best = ctx.recommender.cheapest(account.interval, account.seats, ctx.need())
    recommended = best.plan if best else account.plan
    current = catalog.plans[account.plan]

    def amount(minor: int) -> Amount:
        money = Money(minor, catalog.currency)
        return Amount(minor=minor, amount=str(money), formatted=text.money(money))

    def price(plan: Plan, interval: Interval) -> int | None:
        found = plan.price(interval)
        return None if found is None else found.amount(account.seats)

    current_price = price(current, account.interval) or 0
    columns = []
    for plan_id in _pick(ladder, account.plan, recommended):
        plan = catalog.plans[plan_id]
        own = price(plan, account.interval) or 0
        monthly, yearly = price(plan, _MONTH), price(plan, _YEAR)
        saving = monthly * 12 - yearly if monthly is not None and yearly is not None else 0
        switch = (
            Item.plan(account.plan, account.interval, seats=account.seats),
            Item.plan(plan_id, account.interval, seats=account.seats),
        )
        due = ctx.due_now(quoter, [switch] if plan_id != account.plan else [])
        difference = own - current_price
        sign = "+" if difference > 0 else ""
        columns.append(
            PlanColumn(
                plan=plan_id,
                name=plan.name,
                current=plan_id == account.plan,
                recommended=plan_id == recommended,
                badge="most_popular" if plan.popular else None,
                price=amount(own),
                difference=amount(difference),
                difference_text=f"{sign}{text.money(Money(difference, catalog.currency))}",
                yearly_saving=amount(saving) if saving > 0 else None,
                due_now=amount(due),
                limits=_limits(catalog, plan, current, ctx, text),
                features=tuple(
                    FeatureCell(
                        feature=f.id,
                        name=f.name,
                        included=f.id in plan.features,
                        gain=f.id in plan.features and f.id not in current.features,
                    )
                    for f in catalog.features.values()
                ),
            )
        )
    return Comparison(
        account=account.id,
        currency=catalog.currency.code,
        interval=str(account.interval),
        locale=text.locale,
        direction=text.direction,
        recommended=recommended,
        columns=tuple(columns),
    )


def _cap(plan: Plan, metric: str) -> Decimal | None:
    """The plan's limit on `metric`; `None` when unlimited."""
    limit = plan.limits.get(metric, Decimal(0))
    return None if limit is UNLIMITED else limit


def _limits(
    catalog: Catalog, plan: Plan, current: Plan, ctx: Context, text: LocaleText
) -> tuple[LimitCell, ...]:
    need = ctx.need().usage
    cells = []
    for metric in catalog.metrics.values():
        limit, mine = _cap(plan, metric.id), _cap(current, metric.id)
        cells.append(
            LimitCell(
                metric=metric.id,
                name=metric.name,
                limit=None if limit is None else str(limit),
                formatted="∞" if limit is None else text.number(limit),
                covers=limit is None
                or need.get(metric.id, Decimal(0)) <= limit
                or metric.id in plan.overage,
                gain=mine is not None and (limit is None or limit > mine),
            )
        )
    return tuple(cells)
