"""Babel's number patterns, applied without looking anything up per call.

Babel's `format_decimal`, `format_percent` and `format_currency` find the locale's
pattern and symbols again on every call, which costs tens of microseconds; a nudge
formats half a dozen figures. A `NumberFormat` reads the pattern and the symbols from
Babel once and then applies them the way `babel.numbers.NumberPattern.apply` does for
a plain pattern (no significant digits, no exponent, no currency long name): the
value is scaled (percent), rounded with `Decimal.quantize` in the current context
(half to even by default, as Babel), grouped, and wrapped in the pattern's prefix and
suffix for its sign.

When it is built, a format renders a set of probe values both its own way and through
Babel; if any differs, or the pattern is not a plain one, every call goes to Babel. So
it is never less faithful to Babel than Babel itself, only faster when it can be.

One deliberate difference: Babel strips single quotes from the whole formatted text,
digits included, as if they quoted pattern literals. Since CLDR 48 (Babel 2.19) the
Swiss locales (de_CH, fr_CH, it_CH, en_CH, gsw, de_LI) group digits with an ASCII
apostrophe, so Babel renders 1'234'567.89 as 1234567.89 and -9'876'543'210.99 as
-9876543'210.99. A fast format keeps the locale's separator; it is still checked
against Babel, as the same text with Babel's quote step applied (`babel_equivalent`).
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from decimal import Decimal

import attrs
from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)

__all__ = [
    "NumberFormat",
    "babel_equivalent",
    "currency_format",
    "decimal_format",
    "percent_format",
]

PROBES = tuple(
    Decimal(text)
    for text in (
        "0", "1", "-1", "0.5", "-0.5", "0.005", "0.015", "-0.004", "0.125", "12.345",
        "999.995", "1000", "-1234.5", "12345.678", "1234567.891", "-9876543210.987",
        "100", "0.0001", "7.1", "-0",
    )
)  # fmt: skip
"""Values every fast format must render exactly as Babel does before it is used."""

_WHOLE_DIGITS = 18
_WHOLE = 10**_WHOLE_DIGITS
"""`NumberFormat.scaled` takes integers below this from their digits: no decimal
context of at least `_WHOLE_DIGITS` digits' precision rounds them."""

_QUOTED = re.compile(r"'([^']*)'")


def _unquote(text: str) -> str:
    """Babel's last step: text in single quotes is literal, '' is a quote."""
    return _QUOTED.sub(lambda match: match.group(1) or "'", text)


@attrs.frozen
class NumberFormat:
    """One number pattern for one locale (and currency), ready to apply.

    >>> money = currency_format(Locale.parse("en_US"), "USD")
    >>> money(Decimal("-1234.5")), money.fast
    ('-$1,234.50', True)
    """

    prefix: tuple[str, str]
    """Before the digits: positive, negative."""
    suffix: tuple[str, str]
    scale: int
    """Powers of ten the value is multiplied by first (2 for percent)."""
    quantum: Decimal
    """The value is rounded to a multiple of this."""
    fraction: tuple[int, int]
    """Fraction digits: at least, at most."""
    integer_digits: int
    """Integer digits at least (zero-padded)."""
    grouping: tuple[int, int]
    """Size of the first group of integer digits, then of the others."""
    group: str
    point: str
    babel: Callable[[Decimal], str] = attrs.field(repr=False)
    """The same formatting through Babel."""
    fast: bool = True
    """False when this format hands every call to Babel."""

    def __call__(self, value: Decimal) -> str:
        """The value, formatted."""
        if not self.fast or not value.is_finite():
            return self.babel(value)
        if self.scale:
            value = value.scaleb(self.scale)
        negative = int(value.is_signed())
        digits, _, fraction = f"{abs(value).normalize().quantize(self.quantum):f}".partition(".")
        return self._compose(negative, digits, fraction)

    def scaled(self, units: int, places: int) -> str:
        """``self(Decimal(units).scaleb(-places))``, the same text, from the integer: an
        amount of minor units (`places` the currency's decimals), or a whole percentage
        (`places` 2, for a percent format). When the number is small enough that no
        precision could round it (below `_WHOLE` and `getcontext().prec`), and its
        places are exactly the ones this format keeps after scaling, the digits are
        the integer's own; otherwise it goes the `Decimal` way."""
        shift = places - self.scale
        if (
            not self.fast
            or shift != self.fraction[1]
            or shift < 0
            or not -_WHOLE < units < _WHOLE
            or decimal.getcontext().prec < _WHOLE_DIGITS
        ):
            return self(Decimal(units).scaleb(-places))
        if shift:
            whole, part = divmod(abs(units), 10**shift)
            return self._compose(units < 0, str(whole), str(part).zfill(shift))
        return self._compose(units < 0, str(abs(units)), "")

    def _compose(self, negative: int, digits: str, fraction: str) -> str:
        """The text of a number's integer digits and fraction digits (rounded already):
        padded, grouped, trimmed and wrapped in the affixes of its sign."""
        if len(digits) < self.integer_digits:
            digits = "0" * (self.integer_digits - len(digits)) + digits
        size, then = self.grouping
        if len(digits) > size:
            groups = []
            while len(digits) > size:
                groups.append(digits[-size:])
                digits = digits[:-size]
                size = then
            groups.append(digits)
            digits = self.group.join(reversed(groups))
        least, most = self.fraction
        fraction = fraction or "0"
        if len(fraction) < least:
            fraction += "0" * (least - len(fraction))
        if most == 0 or (least == 0 and int(fraction) == 0):
            fraction = ""
        else:
            while len(fraction) > least and fraction[-1] == "0":
                fraction = fraction[:-1]
            fraction = self.point + fraction
        return self.prefix[negative] + digits + fraction + self.suffix[negative]


def babel_equivalent(ours: str, babel: str, symbols: str) -> bool:
    """Whether `ours` is what Babel renders, but for Babel's quote step on the digits.

    Where the locale's group or decimal symbols hold no apostrophe, only equal texts
    are equivalent.

    >>> babel_equivalent("1'234'567.89", "1234567.89", "'.")
    True
    >>> babel_equivalent("1'234'567.89", "1'234'567.89", ",.")
    True
    >>> babel_equivalent("1'234'567.80", "1234567.89", "'.")
    False
    """
    if ours == babel:
        return True
    return "'" in symbols and _unquote(ours) == babel


def _build(
    pattern: NumberPattern,
    locale: Locale,
    babel: Callable[[Decimal], str],
    currency: str | None = None,
) -> NumberFormat:
    plain = not pattern.exp_prec and "@" not in pattern.pattern and "¤¤¤" not in pattern.pattern
    fraction = (get_currency_precision(currency),) * 2 if currency else pattern.frac_prec

    def affix(text: str) -> str:
        if currency is not None:
            text = text.replace("¤¤", currency.upper())
            text = text.replace("¤", get_currency_symbol(currency, locale))
        return _unquote(text)

    built = NumberFormat(
        prefix=(affix(pattern.prefix[0]), affix(pattern.prefix[1])),
        suffix=(affix(pattern.suffix[0]), affix(pattern.suffix[1])),
        scale=pattern.scale,
        quantum=Decimal(10) ** -fraction[1],
        fraction=fraction,
        integer_digits=pattern.int_prec[0],
        grouping=pattern.grouping,
        group=get_group_symbol(locale),
        point=get_decimal_symbol(locale),
        babel=babel,
        fast=plain and pattern.number_pattern != "",
    )
    symbols = built.group + built.point
    if built.fast and not all(
        babel_equivalent(built(value), babel(value), symbols) for value in PROBES
    ):
        return attrs.evolve(built, fast=False)
    return built


def decimal_format(locale: Locale, pattern: str) -> NumberFormat:
    """`babel.numbers.format_decimal` with `pattern`, for `locale`."""
    return _build(
        parse_pattern(pattern),
        locale,
        lambda value: str(format_decimal(value, format=pattern, locale=locale)),
    )


def percent_format(locale: Locale) -> NumberFormat:
    """`babel.numbers.format_percent` with the locale's pattern (1 is 100%)."""
    return _build(
        parse_pattern(locale.percent_formats[None]),
        locale,
        lambda value: str(format_percent(value, locale=locale)),
    )


def currency_format(locale: Locale, currency: str) -> NumberFormat:
    """`babel.numbers.format_currency` in `currency` with the locale's standard pattern."""
    return _build(
        parse_pattern(locale.currency_formats["standard"]),
        locale,
        lambda value: str(format_currency(value, currency, locale=locale)),
        currency,
    )
