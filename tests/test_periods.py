"""Billing intervals and periods: month-end anchors, time zones, DST, naive datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import Cycle, Interval, InvalidInput, InvalidInterval, NaiveDatetime, Period, Unit
from nudge_sdk.billing._periods import local_days
from tests.strategies import cycles, instants

MONTH = Interval(Unit.MONTH)
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("month", Interval(Unit.MONTH)),
        ("Month", Interval(Unit.MONTH)),
        ("months", Interval(Unit.MONTH)),
        ("2 months", Interval(Unit.MONTH, 2)),
        ("3month", Interval(Unit.MONTH, 3)),
        ("quarter", Interval(Unit.QUARTER)),
        ("year", Interval(Unit.YEAR)),
        ("2 weeks", Interval(Unit.WEEK, 2)),
        ("day", Interval(Unit.DAY)),
    ],
)
def test_interval_parse(text: str, interval: Interval) -> None:
    """Units, plurals and counts are read; str() gives the canonical text back."""
    assert interval == Interval.parse(text)
    assert interval == Interval.parse(str(interval))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fortnight", "'fortnight' is not a billing interval: the unit must be one of: day, week"),
        ("0 months", "'0 months' is not a billing interval: the count must be a whole number"),
        ("101 years", "the count must be a whole number from 1 to 100"),
        ("-1 month", "expected a unit, optionally after a count"),
        ("1.5 months", "expected a unit, optionally after a count"),
        ("", "expected a unit"),
    ],
)
def test_impossible_intervals_are_refused(text: str, message: str) -> None:
    """Unknown units, zero, negative, fractional and absurd counts are errors saying why."""
    with pytest.raises(InvalidInterval) as caught:
        Interval.parse(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("anchor", "interval", "ends"),
    [
        # Month-end anchors clamp and return to the 31st.
        (utc(2025, 1, 31), MONTH, [utc(2025, 2, 28), utc(2025, 3, 31), utc(2025, 4, 30)]),
        (utc(2024, 1, 31), MONTH, [utc(2024, 2, 29), utc(2024, 3, 31), utc(2024, 4, 30)]),
        (utc(2025, 1, 30), MONTH, [utc(2025, 2, 28), utc(2025, 3, 30), utc(2025, 4, 30)]),
        # A leap-day yearly anchor falls on Feb 28 and comes back in leap years.
        (
            utc(2024, 2, 29),
            Interval(Unit.YEAR),
            [utc(2025, 2, 28), utc(2026, 2, 28), utc(2027, 2, 28), utc(2028, 2, 29)],
        ),
        (utc(2025, 11, 30), Interval(Unit.QUARTER), [utc(2026, 2, 28), utc(2026, 5, 30)]),
        (utc(2025, 1, 31), Interval(Unit.MONTH, 2), [utc(2025, 3, 31), utc(2025, 5, 31)]),
        (utc(2025, 6, 1, 12), Interval(Unit.WEEK, 2), [utc(2025, 6, 15, 12), utc(2025, 6, 29, 12)]),
    ],
)
def test_period_ends_clamp_and_return(
    anchor: datetime, interval: Interval, ends: list[datetime]
) -> None:
    """Boundaries come from the anchor each time, so a clamped month does not stick."""
    cycle = Cycle(anchor, interval)
    assert ends == [cycle.boundary(k) for k in range(1, len(ends) + 1)]


def test_boundaries_follow_the_local_wall_clock_across_dst() -> None:
    """In New York a monthly period starting at local midnight keeps starting at local
    midnight, so its length in hours changes with daylight saving time."""
    cycle = Cycle(datetime(2025, 2, 1, tzinfo=NEW_YORK), MONTH, NEW_YORK)
    march = cycle.period_at(datetime(2025, 3, 15, tzinfo=NEW_YORK))
    assert datetime(2025, 3, 1, 5, tzinfo=UTC) == march.start  # EST, UTC-5
    assert datetime(2025, 4, 1, 4, tzinfo=UTC) == march.end  # EDT, UTC-4
    assert timedelta(days=31) - timedelta(hours=1) == march.duration
    assert 31 == local_days(march.start, march.end, NEW_YORK)


def test_daily_periods_across_dst_are_one_local_day_each() -> None:
    """The day clocks spring forward is 23 hours long and still one day."""
    cycle = Cycle(datetime(2025, 3, 8, tzinfo=NEW_YORK), Interval(Unit.DAY), NEW_YORK)
    short = cycle.period(1)
    assert timedelta(hours=23) == short.duration
    assert 1 == local_days(short.start, short.end, NEW_YORK)
    long_day = Cycle(datetime(2025, 11, 2, tzinfo=NEW_YORK), Interval(Unit.DAY), NEW_YORK).period(0)
    assert timedelta(hours=25) == long_day.duration


def test_next_and_previous() -> None:
    """Next and previous periods of a month-end cycle are the neighbouring months."""
    cycle = Cycle(utc(2025, 1, 31), MONTH)
    february = cycle.period_at(utc(2025, 3, 1))
    assert Period(utc(2025, 2, 28), utc(2025, 3, 31)) == february
    assert Period(utc(2025, 3, 31), utc(2025, 4, 30)) == cycle.next(february)
    assert Period(utc(2025, 1, 31), utc(2025, 2, 28)) == cycle.previous(february)


@given(cycles(), instants)
def test_period_at_contains_the_instant(cycle: Cycle, at: datetime) -> None:
    """The period found for an instant contains it and is one of the cycle's periods."""
    period = cycle.period_at(at)
    assert at in period
    index = cycle.index_at(at)
    assert period == cycle.period(index)


@given(cycles(), st.integers(-200, 200))
def test_periods_tile_time(cycle: Cycle, index: int) -> None:
    """Each period ends where the next starts; previous undoes next."""
    period = cycle.period(index)
    following = cycle.next(period)
    assert period.end == following.start
    assert period == cycle.previous(following)
    assert index + 1 == cycle.index_at(following.start)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Period(datetime(2025, 1, 1), utc(2025, 2, 1)),
        lambda: Period(utc(2025, 1, 1), datetime(2025, 2, 1)),
        lambda: Cycle(datetime(2025, 1, 1), MONTH),
        lambda: Cycle(utc(2025, 1, 1), MONTH).period_at(datetime(2025, 1, 1)),
    ],
)
def test_naive_datetimes_are_refused(make: object) -> None:
    """Every datetime the SDK takes must carry a time zone; the error names which one."""
    with pytest.raises(NaiveDatetime, match="has no time zone"):
        make()  # type: ignore[operator]


def test_naive_error_names_the_argument() -> None:
    """The message says which argument was naive."""
    with pytest.raises(NaiveDatetime, match=r"^period end: 2025-02-01T00:00:00 has no time zone"):
        Period(utc(2025, 1, 1), datetime(2025, 2, 1))


def test_empty_period_is_refused() -> None:
    """A period must end after it starts."""
    with pytest.raises(InvalidInput, match="must come after its start"):
        Period(utc(2025, 1, 1), utc(2025, 1, 1))


def test_period_is_held_in_utc() -> None:
    """Instants in any zone are converted to UTC, so comparisons are absolute."""
    plus_two = timezone(timedelta(hours=2))
    period = Period(datetime(2025, 1, 1, 2, tzinfo=plus_two), utc(2025, 2, 1))
    assert utc(2025, 1, 1) == period.start
    assert UTC == period.start.tzinfo
