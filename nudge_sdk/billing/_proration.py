"""Proration: what a change made inside a billing period costs now.

A quote has at most two lines: a credit for the unused time of what is replaced and a
charge for the remaining time of what replaces it. Each line is an exact fraction of a
recurring amount, rounded once (on its magnitude, with the policy's mode) to whole
minor units; the total is the sum of the rounded lines.

The rules, all in one place:

- The fraction is time remaining over the length of the period, counted in seconds
  (exactly, to the microsecond) or in whole local days, per the policy's granularity.
  In days, a period that starts and ends on the same local date (shorter than a day)
  is one whole day, all of it remaining until the period ends: the day of the change
  counts as remaining, as in longer periods.
- A change is a downgrade when the recurring amount per (365-day) year goes down;
  equal counts as an upgrade. Between paid items in different intervals, by default
  (``longer_interval: immediate``) the interval decides instead: a move to a longer
  interval is an upgrade, to a shorter one a downgrade. A downgrade at ``period_end``
  charges and credits nothing and takes effect when the period ends.
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
from typing import NamedTuple

import attrs

from nudge_sdk._errors import InvalidInput
from nudge_sdk.billing._money import Currency, Money, Rounding
from nudge_sdk.billing._periods import Cycle, Interval, Period, aware, local_days
from nudge_sdk.billing._policy import (
    DowngradeTiming,
    Granularity,
    IntervalChange,
    LongerInterval,
    PriceBook,
    ProrationPolicy,
)

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
    """The share of `period` that ``[start, end)`` covers, counted per `granularity`.

    In days, a period inside one local date counts as one day (not zero over zero), all
    of it remaining while `start` is before `end`.
    """
    return Fraction(*_share(period, start, end, granularity, zone))


def _share(
    period: Period, start: datetime, end: datetime, granularity: Granularity, zone: tzinfo
) -> tuple[int, int]:
    """`prorate` as numerator and denominator, not reduced: a price is multiplied by it
    and rounded at once, which needs no `Fraction` normalized in between."""
    if granularity is Granularity.DAY:
        days = local_days(period.start, period.end, zone)
        if days == 0:
            return (1 if start < end else 0), 1
        return local_days(start, end, zone), days
    return (end - start) // _MICROSECOND, (period.end - period.start) // _MICROSECOND


def _inside(period: Period, at: datetime) -> datetime:
    if not period.start <= at <= period.end:
        raise InvalidInput(
            f"at {at.isoformat()} is outside the period "
            f"[{period.start.isoformat()}, {period.end.isoformat()})"
        )
    return at


def _lowers_the_bill(
    old: Item | None,
    old_amount: int | Fraction,
    new: Item | None,
    new_amount: int | Fraction,
    longer: LongerInterval,
) -> bool:
    """Whether the change is a downgrade: less per (365-day) year; equal is an upgrade.
    Between paid items in different intervals, with `LongerInterval.IMMEDIATE`, a
    shorter interval (more of them per year) is a downgrade and a longer one is not."""
    if old is None or new is None:
        return new is None and old_amount > 0
    if old.interval == new.interval:
        return new_amount < old_amount
    if longer is LongerInterval.IMMEDIATE and old_amount > 0 and new_amount > 0:
        return new.interval.per_year > old.interval.per_year
    return new_amount * new.interval.per_year < old_amount * old.interval.per_year


def _rounded(amount: int | Fraction, share: Fraction, mode: Rounding) -> int:
    """``round_minor(amount * share, mode)`` for non-negative `amount` and `share`, in
    integers: no intermediate `Fraction` is normalized."""
    return _rounded_parts(amount, share.numerator, share.denominator, mode)


def _rounded_parts(amount: int | Fraction, part: int, whole: int, mode: Rounding) -> int:
    """``round_minor(amount * part / whole, mode)`` for non-negative values, in integers
    (`part` over `whole` need not be reduced: the rounding depends on the value only)."""
    if whole <= 0:  # as `Fraction(part, whole)` would have it
        if whole == 0:
            raise ZeroDivisionError(f"Fraction({part}, 0)")
        part, whole = -part, -whole
    numerator = amount.numerator * part
    denominator = amount.denominator * whole
    quotient, rest = divmod(numerator, denominator)
    if mode is Rounding.DOWN or 2 * rest < denominator:
        return quotient
    if 2 * rest > denominator or mode is Rounding.HALF_UP:
        return quotient + 1
    return quotient + (quotient & 1)  # a tie, to even


class _CycleOf(NamedTuple):
    """What a `Cycle` is built from, for the few quotes that need one (a downgrade at
    period end, an interval change): most quotes never do."""

    anchor: datetime
    interval: Interval
    zone: tzinfo

    def build(self) -> Cycle:
        return Cycle(aware("anchor", self.anchor), self.interval, self.zone)


class Quoter:
    """Prices changes against one catalog with one policy (the catalog's by default).

    See the package docstring for an example.
    """

    def __init__(self, catalog: PriceBook, policy: ProrationPolicy | None = None) -> None:
        self.catalog = catalog
        self.policy = policy or catalog.proration
        self._round = self.policy.rounding
        self._last_share: tuple[Period, datetime, tzinfo, int, int] | None = None
        """The share of the period left that `due` counted last, and for what (the
        same objects: immutable, so the same share)."""

    def recurring(self, item: Item) -> Fraction:
        """The item's amount per interval in minor units, after its discount."""
        return Fraction(self._recurring(item))

    def _recurring(self, item: Item) -> int | Fraction:
        """`recurring`, left a whole number when there is no discount."""
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
        return amount if item.discount is None else item.discount.apply(amount)

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
        at = _inside(period, aware("at", at))
        if billed_minor is not None and (isinstance(billed_minor, bool) or billed_minor < 0):
            raise InvalidInput(f"billed_minor must be a whole number >= 0, got {billed_minor!r}")
        current = old or new
        if current is None:
            raise InvalidInput("a quote needs an old item, a new item, or both")
        old_amount = self._recurring(old) if old else 0
        new_amount = self._recurring(new) if new else 0
        downgrade = _lowers_the_bill(old, old_amount, new, new_amount, self.policy.longer_interval)
        cycle = _CycleOf(anchor or period.start, current.interval, zone)
        if trial_end is not None and at < aware("trial_end", trial_end):
            return self._nothing(at, period if new else None, downgrade)
        if downgrade and self.policy.downgrade is DowngradeTiming.PERIOD_END:
            return self._nothing(period.end, self._after(cycle, period, new), downgrade)
        new_period = self._new_period(cycle, new, period, at)
        if old and new and old.interval == new.interval and old_amount == new_amount:
            return self._nothing(at, new_period, downgrade)
        lines = []
        share = prorate(period, at, period.end, self.policy.granularity, zone)
        if old is not None:
            lines.append(
                self._line(LineKind.CREDIT, old, old_amount, share, period, at, billed_minor)
            )
        if new is not None and new_period is not None:
            if new_period != period:
                share = prorate(new_period, at, new_period.end, self.policy.granularity, zone)
            lines.append(self._line(LineKind.CHARGE, new, new_amount, share, new_period, at, None))
        kept = tuple(line for line in lines if line.exact)
        currency = self.catalog.currency
        return Quote(
            currency=currency,
            lines=kept,
            total=Money(sum(line.amount.minor for line in kept), currency),
            effective_at=at,
            new_period=new_period,
            downgrade=downgrade,
        )

    def due(
        self,
        old: Item | None,
        new: Item | None,
        *,
        period: Period,
        at: datetime,
        zone: tzinfo = UTC,
        anchor: datetime | None = None,
        trial_end: datetime | None = None,
    ) -> int:
        """``quote(...).total.minor`` for the same arguments, computed without building
        the quote: a nudge needs only what the customer pays today.

        The usual change (same interval, no trial, not deferred to the period's end) is
        priced here in integers, each line rounded once as in `quote`; anything else
        goes through `quote` itself.
        """
        if type(at) is not datetime or at.tzinfo is not UTC:
            at = aware("at", at)  # (in UTC already, it would come back the same object)
        if (
            (old is None and new is None)
            or (
                old is not None
                and new is not None
                and old.interval is not new.interval
                and old.interval != new.interval
            )
            or (trial_end is not None and at < aware("trial_end", trial_end))
            or not period.start <= at <= period.end
        ):
            return self.quote(
                old, new, period=period, at=at, zone=zone, anchor=anchor, trial_end=trial_end
            ).total.minor
        old_amount = self._recurring(old) if old else 0
        new_amount = self._recurring(new) if new else 0
        if _lowers_the_bill(old, old_amount, new, new_amount, self.policy.longer_interval) and (
            self.policy.downgrade is DowngradeTiming.PERIOD_END
        ):
            return 0
        if old_amount == new_amount and old and new:
            return 0
        last = self._last_share  # a comparison prices several changes at one moment
        if last is not None and last[0] is period and last[1] is at and last[2] is zone:
            part, whole = last[3], last[4]
        else:
            part, whole = _share(period, at, period.end, self.policy.granularity, zone)
            self._last_share = (period, at, zone, part, whole)
        credit = _rounded_parts(old_amount, part, whole, self._round) if old else 0
        charge = _rounded_parts(new_amount, part, whole, self._round) if new else 0
        return charge - credit

    def _after(self, cycle: _CycleOf, period: Period, new: Item | None) -> Period | None:
        """The first period of `new` when it starts at the end of `period`."""
        if new is None:
            return None
        if new.interval == cycle.interval:
            return cycle.build().next(period)
        return Cycle(period.end, new.interval, cycle.zone).period(0)

    def _new_period(
        self, cycle: _CycleOf, new: Item | None, period: Period, at: datetime
    ) -> Period | None:
        """The period `new` is charged for when it starts at `at`."""
        if new is None:
            return None
        if new.interval == cycle.interval:
            return period
        if self.policy.interval_change is IntervalChange.RESET:
            return Cycle(at, new.interval, cycle.zone).period(0)
        return Cycle(cycle.build().anchor, new.interval, cycle.zone).period_at(at)

    def _line(
        self,
        kind: LineKind,
        item: Item,
        amount: int | Fraction,
        share: Fraction,
        period: Period,
        at: datetime,
        cap: int | None,
    ) -> QuoteLine:
        exact = amount * share
        minor = _rounded(amount, share, self._round)  # as round_minor(exact), in integers
        if cap is not None:
            minor = min(minor, cap)
        if kind is LineKind.CREDIT:
            exact, minor = -exact, -minor
        return QuoteLine(
            kind=kind,
            item=item,
            start=at,
            end=period.end,
            fraction=share,
            exact=exact,
            amount=Money(minor, self.catalog.currency),
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
