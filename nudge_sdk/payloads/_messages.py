"""Localized message text: locale fallback, Babel formatting, safe templates, plurals.

A template may only name placeholders from `PLACEHOLDERS` (checked when the catalog
loads); each is replaced by a value already formatted for the customer's locale. There
is no attribute access, indexing or code in templates.

Numbers, percentages and money go through `NumberFormat`s built once per locale from
Babel's patterns (see `_numbers`); dates through Babel, cached per day and locale.

The locale comes from the host, so it is checked before anything is cached by it:
`well_formed` takes a BCP 47 tag or POSIX locale id of at most `MAX_LOCALE` characters
(``fa-IR``, ``zh_Hans_CN``, ``de_DE.UTF-8@euro``) to Babel's form without charset or
modifier (``fa_IR``, ``zh_Hans_CN``, ``de_DE``), and anything else to ``""``, which falls
back to the catalog's default locale. Every cache here is an LRU of bounded size.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from decimal import Decimal
from fractions import Fraction

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from nudge_sdk.billing._money import Currency, Money
from nudge_sdk.catalog._rules import Message, Template
from nudge_sdk.payloads._numbers import (
    NumberFormat,
    currency_format,
    decimal_format,
    percent_format,
)
from nudge_sdk.payloads._payloads import Amount, Direction

__all__ = [
    "MAX_LOCALE",
    "LocaleText",
    "bcp47",
    "fallback_chain",
    "locale_text",
    "recognised",
    "well_formed",
]

_CACHE = 4096
MAX_LOCALE = 35
"""The longest locale id taken (BCP 47 advises supporting tags of at least 35 characters)."""
_LOCALE_ID = re.compile(
    r"(?P<tag>[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:[-_](?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)"
    r"(?:[-_][0-9A-WY-Za-wy-z](?:[-_][A-Za-z0-9]{2,8})+)*"
    r"(?:[-_][Xx](?:[-_][A-Za-z0-9]{1,8})+)?"
    r"(?:\.[A-Za-z0-9-]{1,20})?(?:@[A-Za-z0-9]{1,20})?",
    re.ASCII,
)
"""Language, script, region and variants (``-`` or ``_``), then BCP 47 extensions
(``-u-ca-gregory``) and private use (``-x-...``), or a POSIX charset and modifier. The
extensions, charset and modifier are accepted and left out of the tag: texts and
numbers follow the language, script, region and variants alone."""


def well_formed(locale: object) -> str:
    """`locale` as a Babel identifier without charset or modifier (``fa-IR`` gives
    ``fa_IR``), or ``""`` if it is not a well-formed locale id of at most `MAX_LOCALE`
    characters. Whether Babel knows it is another matter (`fallback_chain`)."""
    if not isinstance(locale, str) or len(locale) > MAX_LOCALE:
        return ""
    return _tag(locale)


@functools.lru_cache(maxsize=_CACHE)
def _tag(locale: str) -> str:
    """`well_formed` for text of at most `MAX_LOCALE` characters (so the cache stays
    small, whatever hosts send)."""
    match = _LOCALE_ID.fullmatch(locale)
    return match["tag"].replace("-", "_") if match else ""


@functools.lru_cache(maxsize=_CACHE)
def _locale(key: str) -> Locale:
    return Locale.parse(key)


def fallback_chain(locale: str, default: str) -> tuple[str, ...]:
    """``fa-IR`` gives ``fa_IR``, ``fa``, then the catalog default (unknown parts skipped);
    a malformed locale gives the default alone."""
    return _chain(well_formed(locale), default)


def recognised(locale: str) -> bool:
    """Whether `locale` is well formed and Babel knows it, or at least its language
    (``de-ZZ`` is German); if not, texts and numbers fall back to the catalog's
    default."""
    tag = well_formed(locale)
    return bool(tag) and len(_chain(tag, "")) > 1


@functools.lru_cache(maxsize=_CACHE)
def _chain(locale: str, default: str) -> tuple[str, ...]:
    chain: list[str] = []
    language = locale.split("_", 1)[0]
    for candidate in dict.fromkeys([locale, language]) if locale else ():
        try:
            parsed = _locale(candidate)
        except (ValueError, UnknownLocaleError):
            continue
        chain = [str(parsed), parsed.language]
        break
    return tuple(dict.fromkeys([*chain, default]))


@functools.lru_cache(maxsize=_CACHE)
def _date(day: date, locale: str) -> str:
    return str(format_date(day, "medium", locale=_locale(locale)))


@functools.lru_cache(maxsize=_CACHE)
def _amount(minor: int, currency: Currency, text: LocaleText) -> Amount:
    money = Money(minor, currency)
    return Amount(minor=minor, amount=str(money), formatted=text.money(money))


class _Blank(dict[str, str]):
    """Placeholder values; a placeholder with no value renders empty. Templates can only
    name documented placeholders (checked when the catalog loads)."""

    def __missing__(self, key: str) -> str:
        return ""


@functools.lru_cache(maxsize=_CACHE)
def locale_text(locale: str) -> LocaleText:
    """The shared `LocaleText` of a locale Babel knows (one of a `fallback_chain`): built
    once, with its number patterns, and kept, so accounts spread over many time zones
    share one per locale (zones are an argument of `LocaleText.date`)."""
    return LocaleText(locale)


class LocaleText:
    """Formats figures and renders templates for one locale, in any time zone."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        parsed = _locale(locale)
        self.direction: Direction = "rtl" if parsed.character_order == "right-to-left" else "ltr"
        self._number = decimal_format(parsed, "#,##0.##")
        self._percent = percent_format(parsed)
        self._money: dict[str, NumberFormat] = {}

    def money(self, money: Money) -> str:
        """``$12.50``, ``12,50 USD``, ... per the locale."""
        currency = money.currency
        apply = self._money.get(currency.code)
        if apply is None:
            apply = currency_format(_locale(self.locale), currency.code)
            self._money[currency.code] = apply
        return apply.scaled(money.minor, currency.decimals)

    def amount(self, minor: int, currency: Currency) -> Amount:
        """The payload form of an amount: minor units, plain text, formatted. Amounts
        are immutable, so the ones that repeat (catalog prices) are shared."""
        return _amount(minor, currency, self)

    def number(self, value: Decimal) -> str:
        """A quantity with at most two decimals (half to even), grouped per the locale."""
        return self._number(value)

    def percent(self, value: Fraction) -> str:
        """A share as a whole percentage, rounded down: "92%" reads better than "91.7%"
        in a banner, and it never shows 100% before the limit is really reached."""
        # int(value * 100), truncated toward zero, without normalizing a Fraction
        whole = abs(value.numerator) * 100 // value.denominator
        return self._percent.scaled(-whole if value.numerator < 0 else whole, 2)

    def date(self, value: datetime, zone: tzinfo) -> str:
        """The date in `zone`, in the locale's medium format."""
        return _date(value.astimezone(zone).date(), self.locale)

    def render(
        self, message: Message, values: Mapping[str, str], counts: Mapping[str, Decimal]
    ) -> tuple[str, str, str]:
        """Title, body and call to action with every placeholder filled in (those without
        a value for this nudge, such as `run_out_date` with no projection, are empty)."""
        filled = _Blank(values)
        return (
            self._text(message.title, filled, counts),
            self._text(message.body, filled, counts),
            self._text(message.cta, filled, counts),
        )

    def _text(
        self, template: Template, values: Mapping[str, str], counts: Mapping[str, Decimal]
    ) -> str:
        form = "other"
        if template.count:
            count = counts.get(template.count, Decimal(0))
            form = _locale(self.locale).plural_form(count)
        return template.text(form).format_map(values)


def bcp47(locale: str) -> str:
    """A Babel locale id as a BCP 47 tag: ``fa_IR`` is ``fa-IR``, ``zh_Hant_TW`` is
    ``zh-Hant-TW``."""
    return locale.replace("_", "-")
