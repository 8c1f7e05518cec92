"""What the host knows about an account, and its usage, as typed values.

`Account` is built by the host (or read from JSON with `account_from_json`); usage is a
plain mapping of metric id to number (or to ``{"value": n, "per_day": r}`` when the host
knows the trend), cleaned by `clean_usage` so that one bad value costs only its own
metric.

What the host passes is bounded before anything costs in proportion to it: at most
`MAX_USAGE_KEYS` usage entries and `MAX_SIGNALS` signals (and as many add-ons, grants
and attributes), time zone names of at most `MAX_ZONE` characters, and seats from 1 to
`MAX_SEATS`. An account outside these is refused with an `InvalidInput` naming the
field (seats at construction; the collections when it is evaluated).

Every field is checked for its type when the account is evaluated (`check_account`):
an account built in Python can carry anything, and `None` or a list where text or a
set belongs is unusable input, never an internal error. Its id must be valid Unicode
text (`unicode_text`: no lone surrogate, which no UTF-8 store or JSON body can carry),
and a grant's amount a finite number from 0 to `MAX_USAGE` with at most
`USAGE_PLACES` decimals.
"""

from __future__ import annotations

import functools
import math
import reprlib
from collections.abc import Iterator, Mapping, Set, Sized
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

from nudge_sdk._errors import InvalidInput
from nudge_sdk.billing._periods import Interval, Period, aware, parse_instant

__all__ = [
    "MAX_SEATS",
    "MAX_SIGNALS",
    "MAX_USAGE",
    "MAX_USAGE_KEYS",
    "MAX_ZONE",
    "USAGE_PLACES",
    "Account",
    "Grant",
    "account_from_json",
    "brief",
    "check_account",
    "check_sizes",
    "clean_usage",
    "exact_float",
    "grant_problem",
    "unicode_text",
]

MAX_USAGE = 10**15
"""The largest usage value accepted; anything above is dropped with a reason (no real
metric gets there, and exact arithmetic on it would outgrow Decimal's precision)."""
USAGE_PLACES = 9
"""Usage is taken to at most this many decimal places, rounded half to even: a
measurement finer than a billionth of a unit means nothing to a limit, and bounding it
keeps every product with a price exact (see `Evaluator`)."""
_QUANTUM = Decimal(1).scaleb(-USAGE_PLACES)
MAX_USAGE_KEYS = 10_000
"""The most usage entries one evaluation takes; more is refused as one problem (a
catalog has a few dozen metrics at most)."""
MAX_SIGNALS = 10_000
"""The most signals one account may carry (also the bound on add-ons, grants and
attributes); more is refused as one problem."""
MAX_SEATS = 10**9
"""The most seats an account may have; prices times seats stay exact."""
MAX_ZONE = 64
"""The longest time zone name looked up (IANA names have at most about 30 characters)."""
_BRIEF = 40
_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 4
_REPR.maxlong = _REPR.maxother = _BRIEF


def brief(value: object) -> str:
    """`repr(value)`, cut to a few dozen characters: what a message may quote of a value
    the host passed (the whole of it could be megabytes)."""
    if isinstance(value, str) and len(value) > _BRIEF:
        return f"{value[:_BRIEF]!r}... ({len(value)} characters)"
    if isinstance(value, int) and not -(10**_BRIEF) < value < 10**_BRIEF:
        return f"a number of more than {_BRIEF} digits"  # repr() refuses past 4,300
    try:
        text = _REPR.repr(value)  # looks at a few items of a container, not all of them
    except Exception:  # a host object whose repr fails (or recurses) says what it is
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _BRIEF else f"{text[:_BRIEF]}..."


def unicode_text(value: object) -> bool:
    """Whether `value` is text that UTF-8 can encode: a `str` without lone surrogates
    (``"\\ud800"`` is a valid Python string and valid JSON, but no store, log or JSON
    body can carry it)."""
    if not isinstance(value, str):
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _seats(instance: object, attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SEATS:
        raise InvalidInput(f"seats: {brief(value)} must be a whole number from 1 to {MAX_SEATS}")


# Converters for aware datetimes, one per field so that the error names it (and so that
# mypy's attrs plugin can see through them).
def _signup(value: datetime) -> datetime:
    return aware("signup", value)


def _anchor(value: datetime | None) -> datetime | None:
    return None if value is None else aware("anchor", value)


def _trial_end(value: datetime | None) -> datetime | None:
    return None if value is None else aware("trial_end", value)


def _licence_end(value: datetime | None) -> datetime | None:
    return None if value is None else aware("licence_end", value)


def _expires(value: datetime | None) -> datetime | None:
    return None if value is None else aware("grant expires", value)


@attrs.frozen(kw_only=True)
class Grant:
    """Extra allowance on a metric (promotional credits), optionally expiring."""

    metric: str
    amount: Decimal
    expires: datetime | None = attrs.field(default=None, converter=_expires)


@attrs.frozen(kw_only=True)
class Account:
    """One customer account, as the host knows it at evaluation time."""

    id: str
    plan: str
    interval: Interval
    period: Period
    """The current billing period (the one last invoiced)."""
    signup: datetime = attrs.field(converter=_signup)
    anchor: datetime | None = attrs.field(default=None, converter=_anchor)
    """The billing cycle's anchor if not `period.start` (month-end anchors)."""
    seats: int = attrs.field(default=1, validator=_seats)
    trial_end: datetime | None = attrs.field(default=None, converter=_trial_end)
    licence_end: datetime | None = attrs.field(default=None, converter=_licence_end)
    locale: str = "en"
    currency: str = ""
    """The currency the account pays in (ISO 4217, any case): one of the catalog's
    `sold_in`; empty means the catalog's own. Another one cannot be priced."""
    zone: str = "UTC"
    country: str = ""
    addons: Mapping[str, int] = attrs.field(factory=dict)
    """Add-ons held, by id, with their quantity."""
    grants: tuple[Grant, ...] = ()
    signals: frozenset[str] = frozenset()
    """What the host knows right now: ``open_ticket``, ``failed_payment``, ``cancel_intent``..."""
    attributes: Mapping[str, str] = attrs.field(factory=dict)
    """Free-form values for audience targeting, compared as text."""

    def in_trial(self, now: datetime) -> bool:
        """Whether the account is in its trial at `now`."""
        return self.trial_end is not None and now < self.trial_end

    def tenure_days(self, now: datetime) -> int:
        """Whole days since signup."""
        return (now - self.signup).days

    def tz(self) -> ZoneInfo:
        """The account's time zone; `InvalidInput` if the name is unknown."""
        return _zone(self.zone)


@functools.lru_cache(maxsize=1024)
def _known_zone(name: str) -> ZoneInfo | None:
    # Only names of bounded length get here, so the cache stays small.
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a directory ("America"), ...
        return None


def _zone(name: object) -> ZoneInfo:
    found = _known_zone(name) if isinstance(name, str) and 0 < len(name) <= MAX_ZONE else None
    if found is None:
        raise InvalidInput(f"zone: {brief(name)} is not an IANA time zone")
    return found


_TEXTS = ("plan", "locale", "currency", "zone", "country")
_SETS = (frozenset, set)
"""The usual types of a set, checked before the (slower) abstract `Set`."""


def check_account(account: Account) -> None:
    """`InvalidInput` naming the first field of `account` whose type the evaluation
    cannot use (the sizes are `check_sizes`'s)."""
    if (  # the usual exact types, at once; anything else is looked at field by field
        type(account.plan) is str
        and type(account.locale) is str
        and type(account.currency) is str
        and type(account.zone) is str
        and type(account.country) is str
        and type(account.signals) in _SETS
        and type(account.addons) is dict
        and type(account.attributes) is dict
        and type(account.grants) is tuple
        and type(account.id) is str
        and account.id.isascii()
    ):
        return
    if not unicode_text(account.id):
        raise InvalidInput(
            f"id: {brief(account.id)} must be text without lone surrogates"
            if isinstance(account.id, str)
            else f"id: expected text, got {type(account.id).__name__}"
        )
    for name in _TEXTS:
        value = getattr(account, name)
        if not isinstance(value, str):
            raise InvalidInput(f"{name}: expected text, got {type(value).__name__}")
    if type(account.signals) not in _SETS and not isinstance(account.signals, Set):
        kind = type(account.signals).__name__
        raise InvalidInput(f"signals: expected a set of text, got {kind}")
    for name in ("addons", "attributes"):
        value = getattr(account, name)
        if type(value) is not dict and not isinstance(value, Mapping):
            raise InvalidInput(f"{name}: expected a mapping, got {type(value).__name__}")
    if not isinstance(account.grants, tuple | list):
        raise InvalidInput(
            f"grants: expected a tuple of Grant, got {type(account.grants).__name__}"
        )


def check_members(account: Account) -> None:
    """`InvalidInput` naming the first member of a collection of `account` that is not
    of its type: signals and attribute values are text, add-on ids text, grants
    `Grant`s of a usable amount. Run after `check_sizes`: the collections are bounded."""
    for signal in account.signals:
        if not isinstance(signal, str):
            raise InvalidInput(f"signals: expected text, got {type(signal).__name__}")
    for addon in account.addons:
        if not isinstance(addon, str):
            raise InvalidInput(f"addons: {brief(addon)}: expected an add-on id (text)")
    for key, value in account.attributes.items():
        if not isinstance(value, str):
            kind = type(value).__name__
            raise InvalidInput(f"attributes: {brief(key)}: expected text, got {kind}")
    for index, grant in enumerate(account.grants):
        if not isinstance(grant, Grant):
            raise InvalidInput(f"grants[{index}]: expected a Grant, got {type(grant).__name__}")
        if not isinstance(grant.metric, str):
            kind = type(grant.metric).__name__
            raise InvalidInput(f"grants[{index}].metric: expected text, got {kind}")
        if problem := grant_problem(grant.amount):
            raise InvalidInput(f"grants[{index}].amount: {problem}")


def grant_problem(amount: object) -> str:
    """Why `amount` cannot be a grant's amount ("" if it can): a `Decimal` or int (not a
    float, which cannot hold most amounts exactly), finite, from 0 to `MAX_USAGE`, with
    at most `USAGE_PLACES` decimals, so a limit plus grants stays exact."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        return f"expected a Decimal or an int, got {type(amount).__name__} {brief(amount)}"
    if isinstance(amount, int):
        return "" if 0 <= amount <= MAX_USAGE else f"{brief(amount)} must be from 0 to {MAX_USAGE}"
    if not amount.is_finite():
        return f"{amount} is not a finite number"
    if not 0 <= amount <= MAX_USAGE:
        return f"{_figure(amount)} must be from 0 to {MAX_USAGE}"
    exponent = amount.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and exponent < -USAGE_PLACES
        and amount != amount.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    ):
        return f"{_figure(amount)} has more than {USAGE_PLACES} decimals"
    return ""


def check_sizes(usage: object, account: Account) -> None:
    """`InvalidInput` if usage is not a mapping or a collection is beyond its maximum."""
    if type(usage) is not dict and not isinstance(usage, Mapping):
        raise InvalidInput(
            f"usage: expected a mapping of metric to number, got {type(usage).__name__}"
        )
    if (  # the usual case at once: nothing near its bound
        len(usage) <= MAX_USAGE_KEYS
        and len(account.signals) + len(account.addons) + len(account.grants) <= MAX_SIGNALS
        and len(account.attributes) <= MAX_SIGNALS
    ):
        return
    sized: tuple[tuple[str, Sized, int], ...] = (
        ("usage", usage, MAX_USAGE_KEYS),
        ("signals", account.signals, MAX_SIGNALS),
        ("addons", account.addons, MAX_SIGNALS),
        ("grants", account.grants, MAX_SIGNALS),
        ("attributes", account.attributes, MAX_SIGNALS),
    )
    for name, value, most in sized:
        if len(value) > most:
            raise InvalidInput(f"{name}: {len(value)} entries, more than the {most} accepted")


class Usage(Mapping[str, Decimal]):
    """Usage that passed its checks, each value made exact the first time it is looked at:
    a request reports every metric, and a decision often needs one. Its keys are known at
    once (for the rule index), in the order reported; a float's shortest decimal text is
    what costs."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[str, Decimal | float] = {}

    def __getitem__(self, metric: str) -> Decimal:
        value = self._values[metric]
        if type(value) is float:  # checked: finite, within bounds
            value = self._values[metric] = exact_float(value)
        return cast(Decimal, value)

    def __contains__(self, metric: object) -> bool:
        return metric in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Usage({dict(self)!r})"


def clean_usage(
    usage: Mapping[str, object], metrics: Mapping[str, object]
) -> tuple[Usage, dict[str, Decimal], list[tuple[str, str]]]:
    """Usage as exact numbers, the trends given with it (change per day), and a reason
    for every value that had to be dropped.

    A value is a number, or ``{"value": number, "per_day": number}``. Floats are taken
    at their shortest decimal text (9.2 is 9.2); booleans, text, negative and
    non-finite numbers, and unknown metrics are dropped with a reason. A trend may be
    negative (usage falling); it must be finite and within `MAX_USAGE`.
    """
    result = Usage()
    clean = result._values  # floats stay floats until looked at
    trends: dict[str, Decimal] = {}
    dropped: list[tuple[str, str]] = []
    for metric, value in usage.items():
        # The common cases first: a non-negative int (not a bool), or a finite
        # non-negative float, taken at its shortest decimal text when looked at.
        if isinstance(value, int) and type(value) is not bool and 0 <= value <= MAX_USAGE:
            if metric in metrics:
                clean[metric] = Decimal(value)
                continue
        elif isinstance(value, float) and 0 <= value <= MAX_USAGE and metric in metrics:
            # A subclass (numpy.float64) as the plain float it is: `Usage` reads floats.
            clean[metric] = value if type(value) is float else float.__float__(value)
            continue
        elif isinstance(value, Mapping) and metric in metrics:
            reading = _reading(metric, value)
            if isinstance(reading, str):
                dropped.append((str(metric), reading))
            else:
                clean[metric], trends[metric] = reading
            continue
        if reason := _usage_problem(metric, value, metrics):
            dropped.append((str(metric), reason))
        elif isinstance(value, Decimal | int):
            clean[metric] = _places(Decimal(value))
    return result, trends, dropped


def exact_float(value: float) -> Decimal:
    """A finite float at its shortest decimal text, to at most `USAGE_PLACES` places."""
    text = float.__repr__(value)  # a subclass's own repr may say more (np.float64(9.2))
    point = text.find(".")
    exact = Decimal(text)
    # Most floats have few decimals; only look closer when the text says so.
    fine = "e" in text or (point >= 0 and len(text) - point - 1 > USAGE_PLACES)
    return _places(exact) if fine else exact


def _reading(metric: str, value: Mapping[object, object]) -> tuple[Decimal, Decimal] | str:
    """``{"value": ..., "per_day": ...}`` as exact numbers, or why it cannot be used."""
    unknown = [str(key) for key in value if key not in ("value", "per_day")]
    if unknown:
        first = min(unknown)
        return f"{metric}: unknown key {brief(first)}; a reading has value and per_day"
    if "value" not in value:
        return f"{metric}: a reading needs a value"
    level, trend = value["value"], value.get("per_day", 0)
    if problem := _number_problem(metric, level, negative=False):
        return problem
    if problem := _number_problem(f"{metric}.per_day", trend, negative=True):
        return problem
    assert isinstance(level, int | float | Decimal)
    assert isinstance(trend, int | float | Decimal)
    return _number(level), _number(trend)


def _number(value: int | float | Decimal) -> Decimal:
    if isinstance(value, float):
        return exact_float(value)
    return _places(Decimal(value))


def _places(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -USAGE_PLACES:
        return value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
    return value


def _usage_problem(metric: object, value: object, metrics: Mapping[str, object]) -> str:
    if metric not in metrics:
        return f"unknown metric {brief(metric)}"
    return _number_problem(str(metric), value, negative=False)


def _number_problem(name: str, value: object, *, negative: bool) -> str:
    """Why `value` is not a usable usage figure named `name` ("" if it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return f"{name}: expected a number, got {type(value).__name__} {brief(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name}: {value} is not a finite number"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"{name}: {value} is not a finite number"
    if value < 0 and not negative:
        return f"{name}: {_figure(value)} must not be negative"
    if not -MAX_USAGE <= value <= MAX_USAGE:
        return f"{name}: {_figure(value)} is larger than the largest usage accepted ({MAX_USAGE})"
    return ""


def _figure(value: int | float | Decimal) -> str:
    """A number as a message quotes it: whole if short, else in scientific form."""
    text = str(value)
    return text if len(text) <= _BRIEF else f"{Decimal(value):.6e}"


_json = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)


def _instant(value: object, _: type) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date and time, got {brief(value)}")
    return parse_instant(value)


def _decimal(value: object, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {brief(value)}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"expected a number, got {brief(value)}") from None
    if problem := grant_problem(number):
        raise ValueError(problem)
    return number


def _count(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {brief(value)}")
    return value


def _text(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {brief(value)}")
    return value


def _period(value: object, _: type) -> Period:
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise ValueError('expected {"start": ISO, "end": ISO}')
    return Period(_instant(value["start"], str), _instant(value["end"], str))


_json.register_structure_hook(datetime, _instant)
_json.register_structure_hook(Decimal, _decimal)
_json.register_structure_hook(int, _count)
_json.register_structure_hook(str, _text)
_json.register_structure_hook(Interval, lambda value, _: Interval.parse(value))
_json.register_structure_hook(Period, _period)
_json.register_structure_hook_func(
    lambda tp: tp == frozenset[str], lambda value, _: frozenset(_strings(value))
)
_json.register_structure_hook_func(
    lambda tp: tp == Mapping[str, str], lambda value, _: _attributes(value)
)
_json.register_structure_hook_func(
    lambda tp: tp == Mapping[str, int], lambda value, _: _quantities(value)
)


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"expected a list of text, got {brief(value)}")
    return value


def _attributes(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping, got {brief(value)}")
    out = {}
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool):
            raise ValueError(
                f"{brief(key)}: expected text, a number or true/false, got {brief(item)}"
            )
        out[str(key)] = str(item).lower() if isinstance(item, bool) else str(item)
    return out


def _quantities(value: object) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of add-on id to quantity, got {brief(value)}")
    return {str(key): _count(item, int) for key, item in value.items()}


def account_from_json(data: Any) -> Account:
    """Read an account from parsed JSON; `InvalidInput` naming the first bad field.

    The keys are the fields of `Account`; instants are ISO 8601 with a time zone,
    ``period`` is ``{"start": ..., "end": ...}``, ``interval`` is text such as ``month``.
    """
    if not isinstance(data, dict):
        raise InvalidInput(f"account: expected a JSON object, got {type(data).__name__}")
    try:
        account = _json.structure(data, Account)
    except (ClassValidationError, IterableValidationError) as error:
        path, message = _first_problem(error, "account")
        raise InvalidInput(f"{path}: {message}") from None
    return account


def _first_problem(error: BaseException, path: str) -> tuple[str, str]:
    if isinstance(error, ClassValidationError | IterableValidationError):
        with_notes, without = error.group_exceptions()
        for sub, note in with_notes:
            step = note.name if hasattr(note, "name") else note.index
            return _first_problem(sub, f"{path}.{step}")
        return _first_problem(without[0], path)
    if isinstance(error, KeyError):
        return path, "required field is missing"
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return path, f"unknown field(s): {', '.join(sorted(error.extra_fields))}"
    return path, str(error)
