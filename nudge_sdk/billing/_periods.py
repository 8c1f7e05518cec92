"""Billing intervals and the periods they cut time into.

A `Cycle` is an anchor instant, an interval and a time zone. Period boundaries are
computed on the local wall clock of that zone, always from the anchor (never from the
previous boundary), so a month-end anchor clamps and returns: Jan 31 gives Feb 28
(Feb 29 in a leap year), Mar 31, Apr 30. Instants are kept in UTC so that comparisons
and durations are absolute even across daylight-saving changes.
"""

from __future__ import annotations

import enum
import functools
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from fractions import Fraction

import attrs
from dateutil.relativedelta import relativedelta

from nudge_sdk._errors import InvalidInput, InvalidInterval, NaiveDatetime

__all__ = [
    "FIRST_INSTANT",
    "LAST_INSTANT",
    "Cycle",
    "Interval",
    "Period",
    "Unit",
    "aware",
    "in_range",
    "local_days",
    "parse_instant",
]


class Unit(enum.Enum):
    """The calendar unit of an interval."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTHS = {Unit.MONTH: 1, Unit.QUARTER: 3, Unit.YEAR: 12}
_DAYS = {Unit.DAY: 1, Unit.WEEK: 7}
# How many of each unit make a year, to compare prices of different intervals.
# A year is 365 days here: the comparison decides upgrade versus downgrade and must not
# depend on which year it is.
_PER_YEAR = {
    Unit.DAY: Fraction(365),
    Unit.WEEK: Fraction(365, 7),
    Unit.MONTH: Fraction(12),
    Unit.QUARTER: Fraction(4),
    Unit.YEAR: Fraction(1),
}
_INTERVAL_TEXT = re.compile(r"(?:(\d+)\s*)?([a-z]+?)s?", re.ASCII)
MAX_COUNT = 100
"""The largest multiple of a unit an interval may have (100 years is already absurd)."""


def _positive_count(instance: Interval, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        raise InvalidInterval(value, f"the count must be a whole number from 1 to {MAX_COUNT}")


_PARSED: dict[tuple[Unit, int], Interval] = {}
"""One `Interval` per unit and count read from text (at most 5 x `MAX_COUNT`): equal
intervals from a catalog and from an account are then the same object, and a price
lookup by interval matches by identity, without comparing fields."""


@attrs.frozen(cache_hash=True)  # a dict key on every price lookup
class Interval:
    """A billing interval: a unit and how many of it (``month``, ``3 months``).

    >>> Interval.parse("2 weeks")
    Interval(unit=<Unit.WEEK: 'week'>, count=2)
    """

    unit: Unit
    count: int = attrs.field(default=1, validator=_positive_count)

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Read ``day``, ``week``, ``month``, ``quarter``, ``year``, or ``N units``."""
        if not isinstance(text, str):
            raise InvalidInterval(text, "expected text such as 'month' or '3 months'")
        match = _INTERVAL_TEXT.fullmatch(text.strip().lower())
        if match is None:
            raise InvalidInterval(text, "expected a unit, optionally after a count: '3 months'")
        count, name = match.groups()
        try:
            unit = Unit(name)
        except ValueError:
            units = ", ".join(u.value for u in Unit)
            raise InvalidInterval(text, f"the unit must be one of: {units}") from None
        number = int(count) if count is not None else 1
        if not 1 <= number <= MAX_COUNT:
            raise InvalidInterval(text, f"the count must be a whole number from 1 to {MAX_COUNT}")
        found = _PARSED.get((unit, number))
        if found is None or type(found) is not cls:
            found = _PARSED[unit, number] = cls(unit, number)
        return found

    def __str__(self) -> str:
        return self.unit.value if self.count == 1 else f"{self.count} {self.unit.value}s"

    @property
    def per_year(self) -> Fraction:
        """How many of these intervals make a (365-day) year."""
        return _PER_YEAR[self.unit] / self.count

    def shift(self, local: datetime, steps: int) -> datetime:
        """The naive wall-clock time `steps` intervals after `local` (clamping month ends)."""
        if self.unit in _MONTHS:
            return local + relativedelta(months=steps * self.count * _MONTHS[self.unit])
        return local + timedelta(days=steps * self.count * _DAYS[self.unit])

    def steps_between(self, start: datetime, end: datetime) -> int:
        """An estimate, within one, of how many intervals lie between two wall-clock times."""
        if self.unit in _MONTHS:
            months = (end.year - start.year) * 12 + end.month - start.month
            return months // (self.count * _MONTHS[self.unit])
        return (end.date() - start.date()).days // (self.count * _DAYS[self.unit])


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date and time with a time zone, in UTC; `ValueError` saying what is
    wrong otherwise (the caller adds where it came from)."""
    try:
        value = datetime.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValueError(f"{_quoted(text)} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise ValueError(f"{text} has no time zone; add one, e.g. {text}Z")
    return value.astimezone(UTC)


def _quoted(text: object) -> str:
    """`repr(text)` of at most a few dozen characters: the text may be megabytes."""
    if isinstance(text, str) and len(text) > _SHOWN:
        return f"{text[:_SHOWN]!r}... ({len(text)} characters)"
    return repr(text) if isinstance(text, str) else f"a {type(text).__name__}"


_SHOWN = 40
FIRST_INSTANT = datetime(1000, 1, 1, tzinfo=UTC)
"""The earliest instant an evaluation computes with (see `in_range`)."""
LAST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)
"""The latest instant an evaluation computes with: periods, windows and cooldowns
reach at most a century past it, well short of the year 9999 `datetime` stops at."""


def aware(name: str, value: datetime) -> datetime:
    """`value` in UTC; `NaiveDatetime` naming the argument if it has no time zone, and
    `InvalidInput` if it is not a datetime or has no UTC equivalent (year 1 or 9999)."""
    if not isinstance(value, datetime):
        raise InvalidInput(f"{name}: expected a datetime, got {type(value).__name__}")
    try:
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetime(name, value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as error:
        if isinstance(error, InvalidInput):
            raise
        raise InvalidInput(f"{name}: {value!r} has no UTC equivalent ({error})") from None


def in_range(name: str, value: datetime) -> datetime:
    """`aware(name, value)`, and `InvalidInput` unless it lies from `FIRST_INSTANT` to
    `LAST_INSTANT`: arithmetic on instants nearer the ends of the calendar overflows."""
    instant = aware(name, value)
    if not FIRST_INSTANT <= instant <= LAST_INSTANT:
        raise InvalidInput(
            f"{name}: {instant.isoformat()} is outside the instants the SDK computes with "
            f"({FIRST_INSTANT.date()} to {LAST_INSTANT.date()})"
        )
    return instant


def _start(value: datetime) -> datetime:
    return aware("period start", value)


def _end(value: datetime) -> datetime:
    return aware("period end", value)


def _anchor(value: datetime) -> datetime:
    return aware("anchor", value)


@attrs.frozen
class Period:
    """The half-open span ``[start, end)`` of time, held in UTC."""

    start: datetime = attrs.field(converter=_start)
    end: datetime = attrs.field(converter=_end)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput(
                f"period end {self.end.isoformat()} must come after its start "
                f"{self.start.isoformat()}"
            )

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    @property
    def duration(self) -> timedelta:
        """The absolute length of the period."""
        return self.end - self.start


def local_days(start: datetime, end: datetime, zone: tzinfo) -> int:
    """Calendar days from the local date of `start` to the local date of `end` in `zone`."""
    first: date = start.astimezone(zone).date()
    last: date = end.astimezone(zone).date()
    return (last - first).days


@functools.lru_cache(maxsize=8192)
def _boundary(anchor: datetime, interval: Interval, zone: tzinfo, index: int) -> datetime:
    # A pure function of its arguments, and calendar arithmetic is slow: accounts ask
    # for the same few boundaries request after request.
    try:
        local = anchor.astimezone(zone).replace(tzinfo=None)
        return interval.shift(local, index).replace(tzinfo=zone).astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput(
            f"period {index} of the {interval} cycle anchored {anchor.isoformat()} is "
            "beyond the dates the calendar has"
        ) from None


@attrs.frozen
class Cycle:
    """Periods of `interval` anchored on `anchor`, on the wall clock of `zone`.

    >>> from datetime import datetime, UTC
    >>> cycle = Cycle(datetime(2024, 1, 31, tzinfo=UTC), Interval(Unit.MONTH))
    >>> cycle.period_at(datetime(2024, 3, 5, tzinfo=UTC)).start.date()
    datetime.date(2024, 2, 29)
    """

    anchor: datetime = attrs.field(converter=_anchor)
    interval: Interval
    zone: tzinfo = UTC

    def boundary(self, index: int) -> datetime:
        """The start of period number `index` (0 starts at the anchor; may be negative)."""
        return _boundary(self.anchor, self.interval, self.zone, index)

    def index_at(self, instant: datetime) -> int:
        """The number of the period that contains `instant`."""
        at = aware("instant", instant)
        local_anchor = self.anchor.astimezone(self.zone)
        index = self.interval.steps_between(local_anchor, at.astimezone(self.zone))
        while self.boundary(index) > at:
            index -= 1
        while self.boundary(index + 1) <= at:
            index += 1
        return index

    def period(self, index: int) -> Period:
        """Period number `index`."""
        return Period(self.boundary(index), self.boundary(index + 1))

    def period_at(self, instant: datetime) -> Period:
        """The period that contains `instant`."""
        return self.period(self.index_at(instant))

    def next(self, period: Period) -> Period:
        """The period right after `period` (which must be one of this cycle's)."""
        return self.period_at(period.end)

    def previous(self, period: Period) -> Period:
        """The period right before `period` (which must be one of this cycle's)."""
        return self.period(self.index_at(period.start) - 1)
