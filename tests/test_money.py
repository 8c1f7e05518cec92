"""Money: exact parsing, ISO 4217 decimals, the rounding modes, allocation."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import (
    Currency,
    CurrencyMismatch,
    InexactAmount,
    Money,
    Rounding,
    UnknownCurrency,
    allocate,
    round_minor,
)
from tests.strategies import currencies, roundings

USD = Currency.of("USD")


@pytest.mark.parametrize(
    ("code", "decimals"),
    [("USD", 2), ("usd", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3)],
)
def test_currency_decimals_come_from_iso_4217(code: str, decimals: int) -> None:
    """Each currency has its ISO 4217 number of decimals, whatever the case of its code."""
    assert decimals == Currency.of(code).decimals
    assert code.upper() == Currency.of(code).code


@pytest.mark.parametrize("code", ["ZZZ", "US", "", "dollars"])
def test_unknown_currency_is_named(code: str) -> None:
    """An unknown code raises UnknownCurrency naming it."""
    with pytest.raises(UnknownCurrency, match="is not an ISO 4217 currency code") as caught:
        Currency.of(code)
    assert code == caught.value.code


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("9.99", "USD", 999),
        ("9.9", "USD", 990),
        ("9", "USD", 900),
        (" 0.10 ", "USD", 10),
        ("-4.50", "USD", -450),
        ("1e2", "USD", 10000),
        ("1200", "JPY", 1200),
        ("1.5", "JPY", None),
        ("0.125", "KWD", 125),
        ("0.1255", "KWD", None),
        ("9.999", "USD", None),
        ("9.990", "USD", 999),
    ],
)
def test_parse_is_exact(text: str, code: str, minor: int | None) -> None:
    """Amounts are read exactly; more decimals than the currency has is an error."""
    currency = Currency.of(code)
    if minor is None:
        with pytest.raises(InexactAmount, match=f"has more decimals than {code} allows"):
            Money.parse(text, currency)
    else:
        assert minor == Money.parse(text, currency).minor


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "ten"])
def test_parse_refuses_non_finite_and_junk(text: str) -> None:
    """Not-a-number, infinities and junk are refused with a message naming them."""
    with pytest.raises(InexactAmount, match=f"{text} is not a finite amount of USD"):
        Money.parse(text, USD)


def test_parse_refuses_float() -> None:
    """A float cannot hold most prices exactly, so it is refused outright."""
    with pytest.raises(TypeError, match="not float"):
        Money.parse(9.99, USD)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minor", "code", "text", "formatted"),
    [
        (-450, "USD", "-4.50", "-$4.50"),
        (0, "USD", "0.00", "$0.00"),
        (1200, "JPY", "1200", "¥1,200"),
        (125, "KWD", "0.125", "KWD0.125"),
    ],
)
def test_text_and_locale_formatting(minor: int, code: str, text: str, formatted: str) -> None:
    """str() is plain text with the currency's decimals; format() is locale-aware."""
    money = Money(minor, Currency.of(code))
    assert text == str(money)
    assert formatted == money.format("en_US")


def test_locale_formatting_follows_the_locale() -> None:
    """German puts the symbol after and uses a decimal comma."""
    assert "1.234,50\xa0€" == Money(123450, Currency.of("EUR")).format("de_DE")


def test_money_of_two_currencies_does_not_mix() -> None:
    """Adding dollars to euros is an error naming both."""
    with pytest.raises(CurrencyMismatch, match="cannot combine USD with EUR"):
        Money(1, USD) + Money(1, Currency.of("EUR"))


@given(currencies, st.integers(-(10**12), 10**12))
def test_parse_inverts_str(currency: Currency, minor: int) -> None:
    """Parsing the text of an amount gives back the same amount."""
    money = Money(minor, currency)
    assert money == Money.parse(str(money), currency)
    assert money == Money.parse(money.amount, currency)


@pytest.mark.parametrize(
    ("exact", "half_even", "half_up", "down"),
    [
        (Fraction(5, 2), 2, 3, 2),
        (Fraction(7, 2), 4, 4, 3),
        (Fraction(-5, 2), -2, -3, -2),
        (Fraction(-7, 2), -4, -4, -3),
        (Fraction(10, 3), 3, 3, 3),
        (Fraction(-10, 3), -3, -3, -3),
        (Fraction(11, 3), 4, 4, 3),
        (Fraction(0), 0, 0, 0),
        (Fraction(1, 2), 0, 1, 0),
    ],
)
def test_rounding_modes(exact: Fraction, half_even: int, half_up: int, down: int) -> None:
    """Each named mode rounds as documented, acting on the magnitude."""
    assert half_even == round_minor(exact, Rounding.HALF_EVEN)
    assert half_up == round_minor(exact, Rounding.HALF_UP)
    assert down == round_minor(exact, Rounding.DOWN)


@given(st.fractions(), roundings)
def test_rounding_is_within_one_unit_and_symmetric(exact: Fraction, mode: Rounding) -> None:
    """Rounding moves less than one unit (half, for nearest modes) and is odd: r(-x) = -r(x)."""
    rounded = round_minor(exact, mode)
    limit = Fraction(1) if mode is Rounding.DOWN else Fraction(1, 2)
    assert abs(rounded - exact) <= limit
    if mode is Rounding.DOWN:
        assert abs(rounded) <= abs(exact)
    assert -rounded == round_minor(-exact, mode)


@given(
    st.integers(-(10**12), 10**12),
    st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=12).filter(any),
)
def test_allocate_adds_up_and_stays_near_each_share(total: int, weights: list[Fraction]) -> None:
    """Parts always sum to the total and each is within one minor unit of its exact share."""
    parts = allocate(total, weights)
    assert total == sum(parts)
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight / whole) < 1


def test_allocate_carries_the_remainder_forward() -> None:
    """A dollar split three ways: the remainder lands on the last part."""
    assert [33, 33, 34] == allocate(100, [1, 1, 1])
    assert [0, 1] == allocate(1, [1, 1])


@pytest.mark.parametrize(
    ("weights", "message"),
    [([], "at least one weight"), ([0, 0], "must not all be zero"), ([1, -1], "not be negative")],
)
def test_allocate_refuses_bad_weights(weights: list[int], message: str) -> None:
    """Weights that cannot split anything are refused with a reason."""
    with pytest.raises(ValueError, match=message):
        allocate(10, weights)


def test_money_amount_is_decimal_with_currency_decimals() -> None:
    """The major-unit amount is a Decimal carrying exactly the currency's decimals."""
    assert Decimal("4.50") == Money(450, USD).amount
    assert "4.50" == str(Money(450, USD).amount)


# -- amounts past the 28 digits of the default decimal context (issue 8) --------------


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("12345678901234567890123456789.01", "USD", 1234567890123456789012345678901),
        ("-99999999999999999999999999999999999999.99", "USD", -(10**40) + 1),
        ("0e-999999999", "USD", 0),
        ("1e37", "USD", 10**39),
        ("123456789012345678901234567890123456789", "JPY", 123456789012345678901234567890123456789),
    ],
)
def test_parse_is_exact_past_28_digits(text: str, code: str, minor: int) -> None:
    """Amounts of up to MAX_MONEY_DIGITS digits of minor units are read to the last unit."""
    assert minor == Money.parse(text, Currency.of(code)).minor


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e-999999999", "1e-999999999 has more decimals than USD allows (2)"),
        ("1e999999999", "1e999999999 has more than 40 digits of minor units"),
        ("1e38", "1e38 has more than 40 digits of minor units"),
        (10**5000, "a number of more than 40 digits has more than 40 digits of minor units"),
        (
            "1" * 100_000,
            "1111111111111111111111111111111111111111... (100000 characters) has more than "
            "40 digits of minor units",
        ),
    ],
    ids=["tiny", "huge exponent", "41 digits", "5001-digit int", "100k digits"],
)
def test_parse_refuses_amounts_out_of_bounds(amount: str | int, message: str) -> None:
    """Too small a fraction or too many digits is InexactAmount, quoting a bounded text."""
    with pytest.raises(InexactAmount) as caught:
        Money.parse(amount, USD)
    assert message == str(caught.value)


@pytest.mark.parametrize(
    ("minor", "code", "text", "formatted"),
    [
        (
            10**30 + 1,
            "USD",
            "10000000000000000000000000000.01",
            "$10,000,000,000,000,000,000,000,000,000.01",
        ),
        (
            -(10**30) - 1,
            "USD",
            "-10000000000000000000000000000.01",
            "-$10,000,000,000,000,000,000,000,000,000.01",
        ),
        (
            10**29 + 1,
            "JPY",
            "100000000000000000000000000001",
            "¥100,000,000,000,000,000,000,000,000,001",
        ),
        (
            10**33 + 7,
            "KWD",
            "1000000000000000000000000000000.007",
            "KWD1,000,000,000,000,000,000,000,000,000,000.007",
        ),
    ],
)
def test_text_is_exact_past_28_digits(minor: int, code: str, text: str, formatted: str) -> None:
    """str(), amount and format() agree with minor to the last unit, whatever its size."""
    money = Money(minor, Currency.of(code))
    assert text == str(money)
    assert Decimal(text) == money.amount
    assert formatted == money.format("en_US")


@given(currencies, st.integers(-(10**40) + 1, 10**40 - 1))
def test_parse_inverts_str_at_every_size(currency: Currency, minor: int) -> None:
    """Text and minor units convert both ways exactly up to MAX_MONEY_DIGITS digits."""
    money = Money(minor, currency)
    assert money == Money.parse(str(money), currency)
    assert Decimal(minor) == money.amount.scaleb(currency.decimals, decimal.Context(prec=100))
