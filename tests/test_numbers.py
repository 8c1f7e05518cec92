"""The fast number formats render exactly what Babel renders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel import Locale, localedata
from babel.numbers import parse_pattern
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk.payloads._numbers import (
    NumberFormat,
    _build,
    babel_equivalent,
    currency_format,
    decimal_format,
    percent_format,
)

LOCALES = localedata.locale_identifiers()
CURRENCIES = ["USD", "EUR", "JPY", "KWD", "CLF", "IRR", "KGS", "SAR", "INR", "CHF"]

values = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=9, allow_nan=False
)


def formats(locale: str, currency: str) -> list[NumberFormat]:
    parsed = Locale.parse(locale)
    return [
        decimal_format(parsed, "#,##0.##"),
        percent_format(parsed),
        currency_format(parsed, currency),
    ]


@given(st.sampled_from(LOCALES), st.sampled_from(CURRENCIES), values)
def test_every_locale_formats_like_babel(locale: str, currency: str, value: Decimal) -> None:
    for format_ in formats(locale, currency):
        symbols = format_.group + format_.point
        assert babel_equivalent(format_(value), format_.babel(value), symbols)


def test_every_locale_gets_the_fast_path() -> None:
    """Babel's patterns for every locale it knows are plain ones: none falls back."""
    slow = [loc for loc in LOCALES if not all(f.fast for f in formats(loc, "USD"))]
    assert [] == slow


@pytest.mark.parametrize(
    ("locale", "currency", "value", "expected"),
    [
        ("en_US", "USD", Decimal("-1234.5"), "-$1,234.50"),
        ("en_US", "JPY", Decimal("1234.5"), "¥1,234"),  # no minor units; half to even
        ("de_DE", "EUR", Decimal("1234567.891"), "1.234.567,89\xa0€"),
        ("hi_IN", "INR", Decimal("12345678"), "₹1,23,45,678.00"),  # groups of 3, then 2
        ("ar", "USD", Decimal("12.5"), "\u200f12.50\xa0US$"),
        ("ky", "KGS", Decimal("1500"), "1\xa0500,00\xa0\u0441\u043e\u043c"),  # сом
    ],
)
def test_money_examples(locale: str, currency: str, value: Decimal, expected: str) -> None:
    assert expected == currency_format(Locale.parse(locale), currency)(value)


@pytest.mark.parametrize("locale", ["de_CH", "fr_CH", "it_CH", "en_CH", "gsw"])
def test_swiss_groups_keep_their_apostrophe(locale: str) -> None:
    """Swiss digits are grouped by the locale's own separator, whatever Babel strips."""
    parsed = Locale.parse(locale)
    group = decimal_format(parsed, "#,##0.##").group
    assert f"9{group}876{group}543{group}210" in decimal_format(parsed, "#,##0.##")(
        Decimal("9876543210")
    )


def test_a_format_that_disagrees_with_babel_on_a_probe_hands_over_to_babel() -> None:
    locale = Locale.parse("en_US")
    disagreeing = _build(parse_pattern("#,##0.##"), locale, lambda value: f"<{value}>")
    assert not disagreeing.fast
    assert "<1.5>" == disagreeing(Decimal("1.5"))


@pytest.mark.parametrize("pattern", ["@@@", "0.###E0"])
def test_patterns_it_does_not_know_go_to_babel(pattern: str) -> None:
    format_ = decimal_format(Locale.parse("en_US"), pattern)
    assert not format_.fast
    assert format_.babel(Decimal("1234.5")) == format_(Decimal("1234.5"))
