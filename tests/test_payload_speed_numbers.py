"""The integer ways of writing money and percentages give exactly the text of the
`Decimal` ways they stand for."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk.billing._money import _EXACT, MAX_MONEY_DIGITS, Currency, Money
from nudge_sdk.payloads._messages import locale_text
from nudge_sdk.payloads._nudges import _ratio
from nudge_sdk.payloads._numbers import currency_format, decimal_format, percent_format
from tests.test_numbers import CURRENCIES, LOCALES

units = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**20), 10**20),
    st.integers(-(10**45), 10**45),
    st.sampled_from([0, 1, -1, 99, 100, 101, -100, 999_999_999_999_999_999, 10**18, -(10**18)]),
)


@given(st.sampled_from(LOCALES), st.sampled_from(CURRENCIES), units, st.integers(0, 4))
def test_scaled_is_the_decimal_way(locale: str, currency: str, whole: int, places: int) -> None:
    """`scaled(units, places)` is the format of ``Decimal(units).scaleb(-places)``, for
    money, percent and plain number formats alike, at the SDK's precision and the
    default one."""
    parsed = Locale.parse(locale)
    for format_ in (
        currency_format(parsed, currency),
        percent_format(parsed),
        decimal_format(parsed, "#,##0.##"),
    ):
        for precision in (28, 60):
            with decimal.localcontext(prec=precision):
                try:
                    expected = format_(Decimal(whole).scaleb(-places))
                except decimal.InvalidOperation:
                    continue  # too many digits for the precision: no text to match
                assert expected == format_.scaled(whole, places)


@given(st.sampled_from(["USD", "JPY", "KWD", "CLF", "BHD"]), units)
def test_money_text_is_the_exact_decimals(code: str, minor: int) -> None:
    """``str(money)`` is the exact `Decimal` in fixed point, whatever its size."""
    money = Money(minor, Currency.of(code))
    assert f"{Decimal(minor).scaleb(-money.currency.decimals, _EXACT):f}" == str(money)
    assert MAX_MONEY_DIGITS == 40


@given(
    st.sampled_from(["en", "de_DE", "ar_EG", "fa_IR", "hi_IN", "tr", "fr_FR"]),
    st.fractions(min_value=-5, max_value=50, max_denominator=10**9),
)
def test_percent_truncates_as_the_fraction_does(locale: str, share: Fraction) -> None:
    """A share in whole percent, truncated toward zero, as ``int(share * 100)``."""
    text = locale_text(locale)
    expected = text._percent(Decimal(int(share * 100)).scaleb(-2))
    assert expected == text.percent(share)


@given(
    st.one_of(
        st.fractions(min_value=-3, max_value=3, max_denominator=10**7),
        st.fractions(min_value=-(10**30), max_value=10**30, max_denominator=10**3),
        st.integers(-20_000, 20_000).map(lambda n: Fraction(2 * n + 1, 20_000)),  # ties
    )
)
def test_ratio_text_is_the_decimal_way(value: Fraction) -> None:
    """A utilization or share as text with at most four places, half to even, as the
    `Decimal` way writes it, at the SDK's precision and the default one."""
    for precision in (28, 60):
        with decimal.localcontext(prec=precision):
            expected = format((Decimal(round(value * 10_000)) / 10_000).normalize(), "f")
            assert expected == _ratio(value)
