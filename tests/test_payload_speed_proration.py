"""`Quoter.due` rounds a price times the share of the period left from the share's
numerator and denominator as counted, never reduced: the same minor units as rounding
the exact product."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import attrs
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import Cycle, Granularity, InvalidInput, Item, Period, Quoter, round_minor
from nudge_sdk.billing._money import Rounding
from nudge_sdk.billing._proration import _rounded_parts, _share
from tests.strategies import catalogs, monthly_or_yearly, periods_with_instant, roundings

plan_ids = st.sampled_from(["p0", "p1", "p2", "p3"])


@given(
    amount=st.one_of(
        st.integers(0, 10**15),
        st.fractions(min_value=0, max_value=10**12, max_denominator=10**6),
    ),
    part=st.integers(0, 10**13),
    whole=st.integers(1, 10**13),
    common=st.integers(1, 10**6),
    mode=roundings,
)
def test_rounding_unreduced_parts_is_round_minor(
    amount: int | Fraction, part: int, whole: int, common: int, mode: Rounding
) -> None:
    """Whatever factor the parts share, the rounding is that of the exact product."""
    expected = round_minor(amount * Fraction(part, whole), mode)
    assert expected == _rounded_parts(amount, part * common, whole * common, mode)


@given(periods_with_instant(), st.sampled_from(Granularity))
def test_the_counted_share_has_a_positive_denominator(
    when: tuple[Cycle, Period, datetime], granularity: Granularity
) -> None:
    """The share of a period left is counted over a positive whole, in seconds and in
    days, and is at most the whole."""
    cycle, period, at = when
    part, whole = _share(period, at, period.end, granularity, cycle.zone)
    assert 0 < whole
    assert 0 <= part <= whole


@given(
    st.lists(st.tuples(periods_with_instant(monthly_or_yearly), plan_ids, plan_ids), max_size=6),
    st.sampled_from(Granularity),
    st.data(),
)
def test_a_quoter_that_priced_other_changes_prices_as_a_fresh_one(
    changes: list[tuple[tuple[Cycle, Period, datetime], str, str]],
    granularity: Granularity,
    data: st.DataObject,
) -> None:
    """`due` remembers the share of the period it counted last, by the objects it was
    counted for: asked again for the same ones, or for others, it answers as a quoter
    that never priced anything."""
    catalog = data.draw(catalogs())
    policy = attrs.evolve(catalog.proration, granularity=granularity)
    shared = Quoter(catalog, policy)
    for (cycle, period, at), old, new in changes + changes[::-1]:
        old_item = Item.plan(old, cycle.interval, seats=3)
        new_item = Item.plan(new, cycle.interval, seats=2)
        fresh = Quoter(catalog, policy)
        try:
            expected = fresh.due(old_item, new_item, period=period, at=at, zone=cycle.zone)
        except InvalidInput:
            continue  # a plan not sold by that interval
        assert expected == shared.due(old_item, new_item, period=period, at=at, zone=cycle.zone)
