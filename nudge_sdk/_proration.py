"""Proration: what a change made inside a billing period costs now.

A quote has at most two lines: a credit for the unused time of what is replaced and a
charge for the remaining time of what replaces it. Each line is an exact fraction of a
recurring amount, rounded once (on its magnitude, with the policy's mode) to whole
minor units; the total is the sum of the rounded lines.

The rules, all in one place:

- The fraction is time remaining over the length of the period, counted in seconds
  (exactly, to the microsecond) or in whole local days, per the policy's granularity.
- A change is a downgrade when the recurring amount per (365-day) year goes down;
  equal counts as an upgrade. A downgrade at ``period_end`` charges and credits nothing
  and takes effect when the period ends.
- A new interval either starts a fresh period at the change (``reset``, charged in
  full) or keeps the old anchor (``align``, the rest of the containing period).
- A credit never exceeds what was billed for the period (``billed_minor``).
- Inside a trial nothing is charged or credited; the change takes effect at once.
- The same recurring amount in the same interval produces no lines.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, tzinfo
from fractions import Fraction

import attrs

from nudge_sdk._catalog import (
    Catalog,
    DowngradeTiming,
    Granularity,
    IntervalChange,
    ProrationPolicy,
)
from nudge_sdk._errors import InvalidInput
from nudge_sdk._money import Currency, Money, round_minor
from nudge_sdk._periods import Cycle, Interval, Period, aware, local_days

__all__ = ["Discount", "Item", "ItemKind", "LineKind", "Quote", "QuoteLine", "Quoter", "prorate"]

_MICROSECOND = timedelta(microseconds=1)


class ItemKind(enum.Enum):
    """What a subscription item is."""

    PLAN = "plan"
    ADDON = "addon"


class LineKind(enum.Enum):
    """Whether a quote line gives money back or asks for it."""

    CREDIT = "credit"
    CHARGE = "charge"


def _percent(instance: Discount, attribute: attrs.Attribute[Fraction], value: Fraction) -> None:
    if not 0 <= value <= 100:
        raise InvalidInput(f"discount percent_off must be from 0 to 100, got {value}")


def _not_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{attribute.name} must be a whole number >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class Discount:
    """A reduction of a recurring amount, applied inside every line that prices it.

    The percentage applies first, then the fixed amount; the result never goes below zero.
    """

    percent_off: Fraction = attrs.field(default=Fraction(0), converter=Fraction, validator=_percent)
    amount_off_minor: int = attrs.field(default=0, validator=_not_negative)

    def apply(self, amount: int) -> Fraction:
        """The discounted amount, exactly."""
        return max(Fraction(0), amount * (1 - self.percent_off / 100) - self.amount_off_minor)


@attrs.frozen(kw_only=True)
class Item:
    """One thing a subscription bills for: a plan for some seats, or add-on units.

    >>> Item.plan("team", "month", seats=3).quantity
    3
    """

    kind: ItemKind
    id: str
    interval: Interval
    quantity: int = attrs.field(default=1, validator=_not_negative)
    discount: Discount | None = None

    @classmethod
    def plan(
        cls,
        plan_id: str,
        interval: Interval | str,
        *,
        seats: int = 1,
        discount: Discount | None = None,
    ) -> Item:
        """A plan item; `interval` may be text such as ``"month"``."""
        return cls(
            kind=ItemKind.PLAN,
            id=plan_id,
            interval=_interval(interval),
            quantity=seats,
            discount=discount,
        )

    @classmethod
    def addon(
        cls,
        addon_id: str,
        interval: Interval | str,
        *,
        quantity: int = 1,
        discount: Discount | None = None,
    ) -> Item:
        """An add-on item of `quantity` units."""
        return cls(
            kind=ItemKind.ADDON,
            id=addon_id,
            interval=_interval(interval),
            quantity=quantity,
            discount=discount,
        )


def _interval(value: Interval | str) -> Interval:
    return value if isinstance(value, Interval) else Interval.parse(value)


@attrs.frozen(kw_only=True)
class QuoteLine:
    """A credit or a charge for `item` over ``[start, end)``."""

    kind: LineKind
    item: Item
    start: datetime
    end: datetime
    fraction: Fraction
    """The share of the item's recurring amount this line prices, exactly."""
    exact: Fraction
    """The amount before rounding, in minor units; negative for credits."""
    amount: Money
    """The amount rounded to whole minor units (and capped, for credits)."""


@attrs.frozen(kw_only=True)
class Quote:
    """What a change costs now, and when it takes effect."""

    currency: Currency
    lines: tuple[QuoteLine, ...]
    total: Money
    effective_at: datetime
    new_period: Period | None
    """The period the new item is billed for; `None` when nothing replaces the old one."""
    downgrade: bool


def prorate(
    period: Period, start: datetime, end: datetime, granularity: Granularity, zone: tzinfo
) -> Fraction:
    """The share of `period` that ``[start, end)`` covers, counted per `granularity`."""
    if granularity is Granularity.DAY:
        return Fraction(local_days(start, end, zone), local_days(period.start, period.end, zone))
    return Fraction((end - start) // _MICROSECOND, period.duration // _MICROSECOND)


class Quoter:
    """Prices changes against one catalog with one policy.

    >>> quoter = Quoter(catalog)  # doctest: +SKIP
    >>> quoter.quote(Item.plan("starter", "month"), Item.plan("team", "month"),
    ...              period=june, at=mid_june)  # doctest: +SKIP
    """

    def __init__(self, catalog: Catalog, policy: ProrationPolicy | None = None) -> None:
        self.catalog = catalog
        self.policy = policy or catalog.proration
        self._round = self.policy.rounding

    def recurring(self, item: Item) -> Fraction:
        """The item's amount per interval in minor units, after its discount."""
        source = (
            self.catalog.plan(item.id)
            if item.kind is ItemKind.PLAN
            else self.catalog.addon(item.id)
        )
        price = source.price(item.interval)
        if price is None:
            sold = ", ".join(str(interval) for interval in source.prices)
            raise InvalidInput(
                f"{item.kind.value} {item.id!r} has no {item.interval} price; it is sold by: {sold}"
            )
        amount = price.amount(item.quantity)
        return Fraction(amount) if item.discount is None else item.discount.apply(amount)

    def quote(
        self,
        old: Item | None,
        new: Item | None,
        *,
        period: Period,
        at: datetime,
        zone: tzinfo = UTC,
        anchor: datetime | None = None,
        trial_end: datetime | None = None,
        billed_minor: int | None = None,
    ) -> Quote:
        """Price replacing `old` with `new` at `at`, inside the invoiced `period`.

        `old` is ``None`` when something is added, `new` when something is removed.
        `zone` is the account's time zone (day counts, period boundaries); `anchor` the
        cycle's anchor if not `period.start` (it matters for month-end anchors);
        `billed_minor` what was actually billed for `old` in this period.
        """
        at = aware("at", at)
        if billed_minor is not None and (isinstance(billed_minor, bool) or billed_minor < 0):
            raise InvalidInput(f"billed_minor must be a whole number >= 0, got {billed_minor!r}")
        if not period.start <= at <= period.end:
            raise InvalidInput(
                f"at {at.isoformat()} is outside the period "
                f"[{period.start.isoformat()}, {period.end.isoformat()})"
            )
        current = old or new
        if current is None:
            raise InvalidInput("a quote needs an old item, a new item, or both")
        old_amount = self.recurring(old) if old else Fraction(0)
        new_amount = self.recurring(new) if new else Fraction(0)
        cycle = Cycle(aware("anchor", anchor) if anchor else period.start, current.interval, zone)
        downgrade = new_amount * (new.interval.per_year if new else 0) < old_amount * (
            old.interval.per_year if old else 0
        )
        if trial_end is not None and at < aware("trial_end", trial_end):
            return self._nothing(at, period if new else None, downgrade)
        if downgrade and self.policy.downgrade is DowngradeTiming.PERIOD_END:
            later = None
            if new is not None:
                later = (
                    cycle.next(period)
                    if new.interval == current.interval
                    else Cycle(period.end, new.interval, zone).period(0)
                )
            return self._nothing(period.end, later, downgrade)
        new_period = self._new_period(current.interval, new, period, at, cycle, zone)
        if old and new and old.interval == new.interval and old_amount == new_amount:
            return self._nothing(at, new_period, downgrade)
        lines = []
        if old is not None:
            lines.append(
                self._line(LineKind.CREDIT, old, old_amount, period, at, zone, billed_minor)
            )
        if new is not None and new_period is not None:
            lines.append(self._line(LineKind.CHARGE, new, new_amount, new_period, at, zone, None))
        kept = tuple(line for line in lines if line.exact)
        total = sum((line.amount.minor for line in kept), 0)
        currency = self.catalog.currency
        return Quote(
            currency=currency,
            lines=kept,
            total=Money(total, currency),
            effective_at=at,
            new_period=new_period,
            downgrade=downgrade,
        )

    def _new_period(
        self,
        interval: Interval,
        new: Item | None,
        period: Period,
        at: datetime,
        cycle: Cycle,
        zone: tzinfo,
    ) -> Period | None:
        if new is None:
            return None
        if new.interval == interval:
            return period
        if self.policy.interval_change is IntervalChange.RESET:
            return Cycle(at, new.interval, zone).period(0)
        return Cycle(cycle.anchor, new.interval, zone).period_at(at)

    def _line(
        self,
        kind: LineKind,
        item: Item,
        amount: Fraction,
        period: Period,
        at: datetime,
        zone: tzinfo,
        cap: int | None,
    ) -> QuoteLine:
        fraction = prorate(period, at, period.end, self.policy.granularity, zone)
        exact = amount * fraction
        minor = round_minor(exact, self._round)
        if cap is not None:
            minor = min(minor, cap)
        sign = -1 if kind is LineKind.CREDIT else 1
        return QuoteLine(
            kind=kind,
            item=item,
            start=at,
            end=period.end,
            fraction=fraction,
            exact=sign * exact,
            amount=Money(sign * minor, self.catalog.currency),
        )

    def _nothing(self, effective_at: datetime, new_period: Period | None, downgrade: bool) -> Quote:
        currency = self.catalog.currency
        return Quote(
            currency=currency,
            lines=(),
            total=Money(0, currency),
            effective_at=effective_at,
            new_period=new_period,
            downgrade=downgrade,
        )
