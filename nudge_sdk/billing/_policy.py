"""What a plan change is priced against: the proration policy, a recurring price, and the
`PriceBook` a quoter reads (the catalog is one; billing does not import it).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Protocol

import attrs

from nudge_sdk.billing._money import Currency, Rounding
from nudge_sdk.billing._periods import Interval

__all__ = [
    "DowngradeTiming",
    "Granularity",
    "IntervalChange",
    "LongerInterval",
    "Price",
    "PriceBook",
    "Priced",
    "ProrationPolicy",
]


class Granularity(enum.Enum):
    """The unit in which time remaining in a period is counted."""

    SECOND = "second"
    """Seconds remaining over seconds in the period (exact to the microsecond)."""
    DAY = "day"
    """Whole local calendar days: the day of the change counts as remaining. A period
    within one local date counts as one day, all remaining until it ends."""


class IntervalChange(enum.Enum):
    """What happens to the period when the billing interval changes."""

    RESET = "reset"
    """The new period starts at the change and is charged in full."""
    ALIGN = "align"
    """The new interval's periods keep the old anchor; the rest of the current one is charged."""


class DowngradeTiming(enum.Enum):
    """When a change that lowers the recurring amount takes effect."""

    PERIOD_END = "period_end"
    """At the end of the period: nothing is charged or credited now."""
    IMMEDIATE = "immediate"
    """Now, with a credit and a charge like an upgrade."""


class LongerInterval(enum.Enum):
    """Whether a move between paid items in different intervals is an upgrade or a
    downgrade by its interval or by its price."""

    IMMEDIATE = "immediate"
    """A move to a longer interval (monthly to yearly or quarterly) is an upgrade: it
    takes effect at once, the interval policy deciding the new period. A move to a
    shorter one is a downgrade and follows the downgrade policy. Stripe, Polar and
    Kill Bill's default catalog do so."""
    BY_PRICE = "by_price"
    """Like any change: a downgrade when the amount per (365-day) year goes down (Lago)."""


@attrs.frozen(kw_only=True)
class ProrationPolicy:
    """How plan changes are priced; set in the catalog, overridable per call."""

    granularity: Granularity = Granularity.SECOND
    rounding: Rounding = Rounding.HALF_EVEN
    interval_change: IntervalChange = IntervalChange.RESET
    downgrade: DowngradeTiming = DowngradeTiming.PERIOD_END
    longer_interval: LongerInterval = LongerInterval.IMMEDIATE


@attrs.frozen(kw_only=True)
class Price:
    """A recurring price for one interval, in minor units: a base plus seats above those included.

    >>> Price(base=0, per_seat=1200).amount(seats=3)
    3600
    """

    base: int = 0
    per_seat: int = 0
    included_seats: int = 0

    def amount(self, seats: int = 1) -> int:
        """The price of one interval for `seats` seats, in minor units."""
        return self.base + self.per_seat * max(0, seats - self.included_seats)


class Priced(Protocol):
    """A plan or an add-on, as far as pricing goes."""

    @property
    def prices(self) -> Mapping[Interval, object]: ...

    def price(self, interval: Interval) -> Price | None: ...


class PriceBook(Protocol):
    """Where a quoter looks prices up: the catalog, seen from below."""

    @property
    def currency(self) -> Currency: ...

    @property
    def proration(self) -> ProrationPolicy: ...

    def plan(self, plan_id: str) -> Priced: ...

    def addon(self, addon_id: str) -> Priced: ...
