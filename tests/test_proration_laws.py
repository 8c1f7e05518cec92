"""The laws of proration, as properties over random catalogs, periods and instants."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import attrs
from hypothesis import assume, given
from hypothesis import strategies as st

from nudge_sdk import (
    Catalog,
    Cycle,
    Discount,
    DowngradeTiming,
    Granularity,
    Interval,
    IntervalChange,
    InvalidInput,
    Item,
    LineKind,
    Period,
    Price,
    Quoter,
    Rounding,
    prorate,
    round_minor,
)
from nudge_sdk.billing._proration import _rounded
from tests.strategies import catalogs, monthly_or_yearly, periods_with_instant, roundings

IMMEDIATE = DowngradeTiming.IMMEDIATE
plan_ids = st.sampled_from(["p0", "p1", "p2", "p3"])
seats = st.integers(0, 60)


def immediate(catalog: Catalog, change: IntervalChange = IntervalChange.RESET) -> Quoter:
    """A quoter whose downgrades take effect now, so every change has lines."""
    policy = attrs.evolve(catalog.proration, downgrade=IMMEDIATE, interval_change=change)
    return Quoter(catalog, policy)


@given(catalogs(), plan_ids, seats, periods_with_instant(monthly_or_yearly))
def test_a_full_period_prorates_to_the_full_price(
    catalog: Catalog, plan: str, count: int, when: tuple[Cycle, Period, datetime]
) -> None:
    """Added at the very start of a period, an item is charged exactly its recurring price."""
    cycle, period, _ = when
    item = Item.plan(plan, cycle.interval, seats=count)
    quoter = Quoter(catalog)
    quote = quoter.quote(None, item, period=period, at=period.start, zone=cycle.zone)
    price = quoter.recurring(item)
    assert [price] == [line.exact for line in quote.lines] or (price == 0 and not quote.lines)
    assert price == quote.total.minor


@given(catalogs(), plan_ids, plan_ids, seats, periods_with_instant(monthly_or_yearly))
def test_zero_remaining_time_gives_no_lines(
    catalog: Catalog, old: str, new: str, count: int, when: tuple[Cycle, Period, datetime]
) -> None:
    """A change at the very end of a period, in the same interval, costs nothing."""
    cycle, period, _ = when
    quote = immediate(catalog).quote(
        Item.plan(old, cycle.interval, seats=count),
        Item.plan(new, cycle.interval, seats=count),
        period=period,
        at=period.end,
        zone=cycle.zone,
    )
    assert () == quote.lines
    assert 0 == quote.total.minor


@given(
    catalogs(),
    plan_ids,
    st.integers(1, 40),
    st.integers(1, 1000),
    periods_with_instant(monthly_or_yearly),
)
def test_amounts_are_linear_in_price_and_quantity_and_bounded(
    catalog: Catalog, plan: str, count: int, factor: int, when: tuple[Cycle, Period, datetime]
) -> None:
    """Before rounding, a line is price x fraction: scaling the price or the seats scales it;
    and no line is ever worth more than one period's price."""
    cycle, period, at = when
    per_seat = Price(per_seat=catalog.plan(plan).prices[cycle.interval].base + 1)
    scaled = Price(per_seat=per_seat.per_seat * factor)

    def charge(price: Price, count: int) -> Fraction:
        changed = attrs.evolve(catalog.plans[plan], prices={cycle.interval: price})
        quoter = Quoter(attrs.evolve(catalog, plans={**catalog.plans, plan: changed}))
        item = Item.plan(plan, cycle.interval, seats=count)
        quote = quoter.quote(None, item, period=period, at=at, zone=cycle.zone)
        for line in quote.lines:
            assert abs(line.exact) <= quoter.recurring(item)
            assert abs(line.amount.minor) <= quoter.recurring(item)
        return sum((line.exact for line in quote.lines), Fraction(0))

    one = charge(per_seat, 1)
    assert count * one == charge(per_seat, count)
    assert factor * one == charge(scaled, 1)


@given(periods_with_instant(), st.data(), st.sampled_from(Granularity))
def test_splitting_a_span_adds_up_exactly(
    when: tuple[Cycle, Period, datetime], data: st.DataObject, granularity: Granularity
) -> None:
    """The share of [a, t) plus the share of [t, b) is the share of [a, b), exactly."""
    cycle, period, start = when
    span = (period.end - start) // timedelta(microseconds=1)
    cut = start + timedelta(microseconds=data.draw(st.integers(0, span)))
    whole = prorate(period, start, period.end, granularity, cycle.zone)
    parts = prorate(period, start, cut, granularity, cycle.zone) + prorate(
        period, cut, period.end, granularity, cycle.zone
    )
    assert whole == parts


@given(
    catalogs(),
    plan_ids,
    seats,
    periods_with_instant(monthly_or_yearly),
    st.data(),
    st.sampled_from([Rounding.HALF_EVEN, Rounding.HALF_UP]),
)
def test_split_charges_are_within_half_a_unit_per_line(
    catalog: Catalog,
    plan: str,
    count: int,
    when: tuple[Cycle, Period, datetime],
    data: st.DataObject,
    rounding: Rounding,
) -> None:
    """Charging [at, t) and [t, end) as two lines, each rounded, stays within half a minor
    unit per line of the exact charge for [at, end)."""
    cycle, period, at = when
    span = (period.end - at) // timedelta(microseconds=1)
    assume(span > 1)
    cut = at + timedelta(microseconds=data.draw(st.integers(1, span - 1)))
    quoter = Quoter(catalog, attrs.evolve(catalog.proration, rounding=rounding))
    item = Item.plan(plan, cycle.interval, seats=count)
    exact_first = quoter.recurring(item) * prorate(
        period, at, cut, catalog.proration.granularity, cycle.zone
    )
    later = quoter.quote(None, item, period=period, at=cut, zone=cycle.zone)
    whole = quoter.quote(None, item, period=period, at=at, zone=cycle.zone)
    exact_whole = sum((line.exact for line in whole.lines), Fraction(0))
    exact_later = sum((line.exact for line in later.lines), Fraction(0))
    assert exact_whole == exact_first + exact_later
    two_lines = round_minor(exact_first, rounding) + later.total.minor
    assert abs(two_lines - exact_whole) <= 1
    assert abs(whole.total.minor - exact_whole) <= Fraction(1, 2)


@given(
    catalogs(),
    plan_ids,
    plan_ids,
    seats,
    seats,
    periods_with_instant(monthly_or_yearly),
    monthly_or_yearly,
)
def test_a_change_and_its_reverse_at_the_same_instant_net_to_zero(
    catalog: Catalog,
    first: str,
    second: str,
    count: int,
    other_count: int,
    when: tuple[Cycle, Period, datetime],
    new_interval: object,
) -> None:
    """Changing and changing back at once costs nothing, within one minor unit per line
    (same interval, or a new interval aligned to the old anchor)."""
    cycle, period, at = when
    quoter = immediate(catalog, IntervalChange.ALIGN)
    a = Item.plan(first, cycle.interval, seats=count)
    b = Item.plan(second, new_interval, seats=other_count)  # type: ignore[arg-type]
    there = quoter.quote(a, b, period=period, at=at, zone=cycle.zone, anchor=cycle.anchor)
    assert there.new_period is not None
    back = quoter.quote(b, a, period=there.new_period, at=at, zone=cycle.zone, anchor=cycle.anchor)
    lines = len(there.lines) + len(back.lines)
    assert abs(there.total.minor + back.total.minor) <= lines


@given(
    catalogs(),
    st.lists(st.tuples(plan_ids, seats), min_size=2, max_size=6),
    periods_with_instant(monthly_or_yearly),
    st.data(),
)
def test_a_chain_of_changes_telescopes_to_the_time_weighted_price(
    catalog: Catalog,
    chain: list[tuple[str, int]],
    when: tuple[Cycle, Period, datetime],
    data: st.DataObject,
) -> None:
    """The full price of the first item plus every quote of a chain of changes equals,
    exactly, each item's price weighted by the share of the period it was held."""
    cycle, period, _ = when
    span = period.duration // timedelta(microseconds=1)
    offsets = sorted(
        data.draw(st.lists(st.integers(0, span), min_size=len(chain) - 1, max_size=len(chain) - 1))
    )
    instants = [period.start + timedelta(microseconds=o) for o in offsets]
    quoter = immediate(catalog)
    items = [Item.plan(plan, cycle.interval, seats=count) for plan, count in chain]
    paid = quoter.recurring(items[0])
    for old, new, at in zip(items, items[1:], instants, strict=False):
        quote = quoter.quote(old, new, period=period, at=at, zone=cycle.zone)
        paid += sum((line.exact for line in quote.lines), Fraction(0))
    bounds = [period.start, *instants, period.end]
    granularity = catalog.proration.granularity
    weighted = sum(
        (
            quoter.recurring(item) * prorate(period, start, end, granularity, cycle.zone)
            for item, start, end in zip(items, bounds, bounds[1:], strict=False)
        ),
        Fraction(0),
    )
    assert weighted == paid


@given(catalogs(), plan_ids, seats, periods_with_instant(monthly_or_yearly))
def test_the_same_price_and_quantity_produces_nothing(
    catalog: Catalog, plan: str, count: int, when: tuple[Cycle, Period, datetime]
) -> None:
    """Changing to what one already pays for, in the same interval, has no lines."""
    cycle, period, at = when
    item = Item.plan(plan, cycle.interval, seats=count)
    quote = Quoter(catalog).quote(item, item, period=period, at=at, zone=cycle.zone)
    assert () == quote.lines
    assert at == quote.effective_at


@given(
    catalogs(),
    plan_ids,
    plan_ids,
    seats,
    seats,
    periods_with_instant(monthly_or_yearly),
    monthly_or_yearly,
)
def test_outputs_are_whole_minor_units_and_add_up(
    catalog: Catalog,
    old: str,
    new: str,
    count: int,
    other_count: int,
    when: tuple[Cycle, Period, datetime],
    new_interval: object,
) -> None:
    """Every amount is an integer of the catalog's currency; the total is the sum of lines;
    each line is its exact amount rounded (credits also capped), never more than a unit off."""
    cycle, period, at = when
    quote = immediate(catalog).quote(
        Item.plan(old, cycle.interval, seats=count),
        Item.plan(new, new_interval, seats=other_count),  # type: ignore[arg-type]
        period=period,
        at=at,
        zone=cycle.zone,
    )
    assert sum(line.amount.minor for line in quote.lines) == quote.total.minor
    for line in quote.lines:
        assert isinstance(line.amount.minor, int)
        assert catalog.currency == line.amount.currency
        assert abs(line.amount.minor - line.exact) < 1
        if line.kind is LineKind.CREDIT:
            assert line.amount.minor <= 0 < -line.exact
        else:
            assert line.amount.minor >= 0 < line.exact


@given(catalogs(), plan_ids, plan_ids, seats, periods_with_instant(monthly_or_yearly))
def test_a_credit_never_exceeds_what_was_billed(
    catalog: Catalog, old: str, new: str, count: int, when: tuple[Cycle, Period, datetime]
) -> None:
    """Whatever the proration says, the credit is capped at the amount actually billed."""
    cycle, period, at = when
    quoter = immediate(catalog)
    billed = quoter.recurring(Item.plan(old, cycle.interval, seats=count)) // 3
    quote = quoter.quote(
        Item.plan(old, cycle.interval, seats=count),
        Item.plan(new, cycle.interval, seats=count),
        period=period,
        at=at,
        zone=cycle.zone,
        billed_minor=int(billed),
    )
    credits = [line.amount.minor for line in quote.lines if line.kind is LineKind.CREDIT]
    assert all(-credit <= billed for credit in credits)


@given(
    catalogs(),
    st.sampled_from([None, "p0", "p1", "p2", "p3"]),
    st.sampled_from([None, "p0", "p1", "p2", "p3"]),
    seats,
    seats,
    periods_with_instant(monthly_or_yearly),
    monthly_or_yearly,
    st.sampled_from(DowngradeTiming),
    st.sampled_from(IntervalChange),
    st.integers(0, 100),
    st.sampled_from([None, -3, 0, 5]),
)
def test_due_is_the_quote_total(
    catalog: Catalog,
    old: str | None,
    new: str | None,
    old_seats: int,
    new_seats: int,
    when: tuple[Cycle, Period, datetime],
    new_interval: Interval,
    downgrade: DowngradeTiming,
    change: IntervalChange,
    percent: int,
    trial_days: int | None,
) -> None:
    """`Quoter.due`, the shortcut a nudge uses, always equals the full quote's total."""
    assume(old is not None or new is not None)
    cycle, period, at = when
    policy = attrs.evolve(catalog.proration, downgrade=downgrade, interval_change=change)
    quoter = Quoter(catalog, policy)
    discount = Discount(percent_off=percent) if percent else None
    old_item = None if old is None else Item.plan(old, cycle.interval, seats=old_seats)
    new_item = (
        None if new is None else Item.plan(new, new_interval, seats=new_seats, discount=discount)
    )
    trial_end = None if trial_days is None else at + timedelta(days=trial_days)
    zone, anchor = cycle.zone, cycle.anchor
    try:
        quote = quoter.quote(
            old_item, new_item, period=period, at=at, zone=zone, anchor=anchor, trial_end=trial_end
        )
    except InvalidInput:
        assume(False)  # a plan not sold by that interval: neither is asked for it
    due = quoter.due(
        old_item, new_item, period=period, at=at, zone=zone, anchor=anchor, trial_end=trial_end
    )
    assert quote.total.minor == due


@given(
    amount=st.one_of(
        st.integers(0, 10**15),
        st.fractions(min_value=0, max_value=10**12, max_denominator=10**6),
    ),
    share=st.fractions(min_value=0, max_value=1, max_denominator=10**13),
    mode=roundings,
)
def test_integer_rounding_is_round_minor(
    amount: int | Fraction, share: Fraction, mode: Rounding
) -> None:
    """A quote line rounds its amount times its share in integers, and that is exactly
    `round_minor` of the exact product, in every rounding mode (ties included)."""
    assert round_minor(amount * share, mode) == _rounded(amount, share, mode)


@given(whole=st.integers(0, 10**9), mode=roundings)
def test_integer_rounding_of_ties(whole: int, mode: Rounding) -> None:
    """Exact halves, where the modes differ."""
    amount, share = 2 * whole + 1, Fraction(1, 2)
    assert round_minor(amount * share, mode) == _rounded(amount, share, mode)
