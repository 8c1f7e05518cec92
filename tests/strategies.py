"""Hypothesis strategies for the plan-math core, shared by every property test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from nudge_sdk import (
    Catalog,
    Currency,
    Cycle,
    Granularity,
    Interval,
    Period,
    Plan,
    Price,
    ProrationPolicy,
    Rounding,
    Unit,
)
from nudge_sdk.billing._policy import LongerInterval

CURRENCIES = ("USD", "EUR", "JPY", "KWD", "BHD", "CLF", "KRW")
ZONES = ("UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata")

currencies = st.sampled_from(CURRENCIES).map(Currency.of)
zones: st.SearchStrategy[tzinfo] = st.sampled_from(ZONES).map(ZoneInfo)
roundings = st.sampled_from(Rounding)
granularities = st.sampled_from(Granularity)
longer_intervals = st.sampled_from(LongerInterval)
intervals = st.builds(Interval, st.sampled_from(Unit), st.integers(1, 3))
monthly_or_yearly = st.sampled_from([Interval(Unit.MONTH), Interval(Unit.YEAR)])
minor_amounts = st.integers(0, 10**9)
instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


@st.composite
def cycles(draw: st.DrawFn, interval: st.SearchStrategy[Interval] = intervals) -> Cycle:
    """A billing cycle anchored anywhere, in any of a few tricky time zones."""
    return Cycle(draw(instants), draw(interval), draw(zones))


@st.composite
def periods_with_instant(
    draw: st.DrawFn, interval: st.SearchStrategy[Interval] = intervals
) -> tuple[Cycle, Period, datetime]:
    """A cycle, one of its periods, and an instant inside it (start included)."""
    cycle = draw(cycles(interval))
    period = cycle.period(draw(st.integers(-30, 30)))
    span = period.duration // timedelta(microseconds=1)
    offset = draw(st.one_of(st.just(0), st.integers(0, span - 1)))
    return cycle, period, period.start + timedelta(microseconds=offset)


@st.composite
def catalogs(draw: st.DrawFn, plans: int = 4) -> Catalog:
    """A catalog of `plans` plans priced monthly and yearly, some per seat."""
    ladder = {}
    for index in range(plans):
        prices = {
            interval: Price(
                base=draw(minor_amounts),
                per_seat=draw(st.one_of(st.just(0), minor_amounts)),
                included_seats=draw(st.integers(0, 5)),
            )
            for interval in (Interval(Unit.MONTH), Interval(Unit.YEAR))
        }
        ladder[f"p{index}"] = Plan(id=f"p{index}", name=f"P{index}", prices=prices)
    policy = ProrationPolicy(
        granularity=draw(granularities),
        rounding=draw(roundings),
        longer_interval=draw(longer_intervals),
    )
    return Catalog(currency=draw(currencies), proration=policy, plans=ladder)
