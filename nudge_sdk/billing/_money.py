"""Exact money: integer minor units of an ISO 4217 currency.

Amounts are read from text or `Decimal`, never from float, and at most
`MAX_MONEY_DIGITS` digits of minor units. Arithmetic in between is exact (`Fraction`);
turning an exact amount back into minor units happens only in `round_minor`, with a named
`Rounding` mode, and `allocate` splits a total into parts that always add up to it.

Conversions to and from `Decimal` never go through the thread's decimal context (28
digits by default, which would round a 30-digit amount): they use `_EXACT`, a context
wide enough that scaling by a power of ten is always exact, so `str(money)` and
`money.amount` agree with `money.minor` to the last unit whatever its size.
"""

from __future__ import annotations

import decimal
import enum
import functools
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import attrs
from babel.numbers import format_currency, get_currency_precision, list_currencies

from nudge_sdk._errors import CurrencyMismatch, InexactAmount, UnknownCurrency

__all__ = ["MAX_MONEY_DIGITS", "Currency", "Money", "Rounding", "allocate", "round_minor"]

MAX_MONEY_DIGITS = 40
"""The most digits of minor units `Money.parse` reads (an amount below 10**40 minor
units); beyond it `InexactAmount`. Catalog prices are bounded far lower (`MAX_AMOUNT`)."""

_PLAIN = 10**MAX_MONEY_DIGITS
"""`str(money)` writes amounts below this from the integer's digits (the same text as
the exact `Decimal`'s), larger ones through `Decimal`."""

_EXACT = decimal.Context(
    prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, traps=[]
)
"""Scaling by a power of ten in this context never rounds, overflows or underflows: no
coefficient reaches `MAX_PREC` digits, and no exponent reaches `MAX_EMAX`. Only `scaleb`
and comparisons use it (a division in it could try to compute `MAX_PREC` digits)."""


class Rounding(enum.Enum):
    """How an exact amount becomes whole minor units.

    Modes act on the magnitude, so a credit and a charge of the same exact size
    always round to the same number of minor units.
    """

    HALF_EVEN = "half_even"
    """To the nearest unit; ties to the even one (banker's rounding). The default."""
    HALF_UP = "half_up"
    """To the nearest unit; ties away from zero."""
    DOWN = "down"
    """Toward zero: the customer is never charged or credited a fraction more."""


def round_minor(amount: Fraction | Decimal | int, mode: Rounding = Rounding.HALF_EVEN) -> int:
    """Round an exact amount of minor units to a whole number of them.

    >>> round_minor(Fraction(5, 2)), round_minor(Fraction(-5, 2), Rounding.HALF_UP)
    (2, -3)
    """
    if isinstance(amount, int):
        return amount
    if isinstance(amount, Decimal):
        amount = Fraction(amount)  # exact: every finite Decimal is a fraction
    magnitude = abs(amount)
    if mode is Rounding.HALF_EVEN:
        whole: int = round(magnitude)  # Fraction.__round__ is exact half-to-even
    elif mode is Rounding.HALF_UP:
        whole = int(magnitude + Fraction(1, 2))
    else:
        whole = int(magnitude)
    return -whole if amount < 0 else whole


def allocate(total: int, weights: Sequence[int | Fraction]) -> list[int]:
    """Split `total` minor units by `weights` into parts that add up to `total`.

    Each part is the floor of its cumulative share minus the floor of the previous
    one, so the rounding remainder is carried forward and every part is within one
    minor unit of its exact share.

    >>> allocate(100, [1, 1, 1])
    [33, 33, 34]
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(weight < 0 for weight in weights):
        raise ValueError(f"weights must not be negative: {list(weights)}")
    whole = sum(weights, Fraction(0))
    if whole == 0:
        raise ValueError("weights must not all be zero")
    parts = []
    running = Fraction(0)
    previous = 0
    for weight in weights:
        running += weight
        reached = (total * running / whole).__floor__()
        parts.append(reached - previous)
        previous = reached
    return parts


@functools.cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@attrs.frozen
class Currency:
    """An ISO 4217 currency and its number of decimals, from Babel's CLDR data.

    >>> Currency.of("JPY").decimals, Currency.of("KWD").decimals
    (0, 3)
    """

    code: str
    decimals: int

    @staticmethod
    def of(code: str) -> Currency:
        """The currency of this code (case-insensitive); `UnknownCurrency` if none."""
        if not isinstance(code, str) or code.upper() not in _known_currencies():
            raise UnknownCurrency(code)
        return _currency(code.upper())

    @property
    def scale(self) -> int:
        """Minor units in one major unit (100 for USD, 1 for JPY, 1000 for KWD)."""
        scale: int = 10**self.decimals
        return scale

    def __str__(self) -> str:
        return self.code


@functools.cache
def _currency(code: str) -> Currency:
    return Currency(code, get_currency_precision(code))


@attrs.frozen(order=True)
class Money:
    """An exact amount: integer minor units of one currency.

    >>> Money.parse("9.99", Currency.of("USD"))
    Money(minor=999, currency=Currency(code='USD', decimals=2))
    """

    minor: int
    currency: Currency = attrs.field(order=False)

    @classmethod
    def parse(cls, amount: str | Decimal | int, currency: Currency) -> Money:
        """Read an amount in major units exactly; more decimals than allowed is an error.

        Floats are refused: they cannot hold most prices exactly.
        """
        if isinstance(amount, bool) or not isinstance(amount, str | Decimal | int):
            raise TypeError(f"amount must be str, Decimal or int, not {type(amount).__name__}")
        try:
            value = Decimal(amount.strip() if isinstance(amount, str) else amount)
        except InvalidOperation:
            raise InexactAmount(amount, currency.code, -1) from None
        if not value.is_finite():
            raise InexactAmount(amount, currency.code, -1)
        minor = value.scaleb(currency.decimals, _EXACT)  # exact: see _EXACT
        if minor != minor.to_integral_value(context=_EXACT):
            raise InexactAmount(amount, currency.code, currency.decimals)
        if minor and minor.adjusted() >= MAX_MONEY_DIGITS:  # before int() builds it
            raise InexactAmount(
                amount,
                currency.code,
                currency.decimals,
                reason=f"has more than {MAX_MONEY_DIGITS} digits of minor units",
            )
        return cls(int(minor), currency)

    @property
    def amount(self) -> Decimal:
        """The amount in major units, with exactly the currency's decimals, exactly."""
        return Decimal(self.minor).scaleb(-self.currency.decimals, _EXACT)

    def __str__(self) -> str:
        """Plain decimal text with the currency's decimals: ``-4.50``, ``12``, ``0.125``."""
        minor, decimals = self.minor, self.currency.decimals
        if not -_PLAIN < minor < _PLAIN:  # beyond what `parse` reads: the Decimal way
            return f"{self.amount:f}"  # the exponent is -decimals: no rounding, no padding
        if not decimals:
            return str(minor)
        whole, part = divmod(abs(minor), 10**decimals)  # the same digits, from integers
        return f"{'-' if minor < 0 else ''}{whole}.{part:0{decimals}d}"

    def format(self, locale: str = "en_US") -> str:
        """Locale-aware text with the currency symbol, through Babel: ``-$4.50``."""
        amount = self.amount
        # Babel quantizes in the thread's context: give it room for every digit, so a
        # 30-digit amount is neither rounded nor refused (InvalidOperation).
        with decimal.localcontext(prec=max(28, amount.adjusted() + self.currency.decimals + 8)):
            return str(format_currency(amount, self.currency.code, locale=locale))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency.code, other.currency.code)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)
