"""`Quoter.due` rounds a price times the share of the period left from the share's
numerator and denominator as counted, never reduced: the same minor units as rounding
the exact product."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import Cycle, Granularity, Period, round_minor
from nudge_sdk.billing._money import Rounding
from nudge_sdk.billing._proration import _rounded_parts, _share
from tests.strategies import periods_with_instant, roundings


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
