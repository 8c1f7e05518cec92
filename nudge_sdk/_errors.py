"""Exceptions raised by nudge-sdk.

Every exception derives from `NudgeError`; where it helps callers, a builtin too::

    NudgeError
    ├── InvalidCatalog (ValueError)        the plan YAML is wrong; lists every issue
    ├── InvalidInput (ValueError)          an argument is wrong
    │   ├── NaiveDatetime                  a datetime without a time zone
    │   ├── UnknownCurrency                not an ISO 4217 code
    │   ├── InexactAmount                  more decimals than the currency has
    │   ├── InvalidInterval                not a billing interval
    │   ├── InvalidEvent                   an event for a nudge the account was not shown
    │   ├── InvalidStoreURL                a state store URL of no known form
    │   └── UnknownItem (LookupError)      no such plan or add-on in the catalog
    ├── CurrencyMismatch (ValueError)      money of two currencies combined
    ├── StoreUnavailable                   the state store failed or timed out
    │   └── StoreContended                 other writers won every try on one account
    └── MissingExtra (ImportError)         an optional part whose extra is not installed

Each carries the offending values as attributes, and its text names the value and
where it came from. `exit_code` is what the `nudge` command exits with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

import attrs

_SHOWN = 40


def _shorten(value: object) -> str:
    """At most a few dozen characters of a value's text: it may be megabytes long."""
    if isinstance(value, int) and not -(10**_SHOWN) < value < 10**_SHOWN:
        return f"a number of more than {_SHOWN} digits"  # str() refuses past 4,300
    text = str(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text)} characters)"


def _quoted(value: object) -> str:
    """`repr(value)` of a few dozen characters at most: host text can be megabytes."""
    if isinstance(value, str) and len(value) > _SHOWN:
        return f"{value[:_SHOWN]!r}... ({len(value)} characters)"
    if isinstance(value, int) and not -(10**_SHOWN) < value < 10**_SHOWN:
        return f"a number of more than {_SHOWN} digits"
    try:
        text = repr(value)
    except Exception:  # a host object whose repr fails says what it is
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


class NudgeError(Exception):
    """The root of every exception nudge-sdk raises."""

    exit_code: ClassVar[int] = 2


@attrs.frozen
class CatalogIssue:
    """One thing wrong with a catalog, and where.

    `path` is the key path inside the document (``plans.pro.limits.storage``);
    `line` and `column` are 1-based positions in the source text, or 0 when the
    catalog did not come from text.
    """

    path: str
    message: str
    line: int = 0
    column: int = 0

    def render(self, source: str) -> str:
        """Format as ``FILE:LINE:COLUMN: path: message``."""
        where = f"{source}:{self.line}:{self.column}" if self.line else source
        return f"{where}: {self.path or '(top)'}: {self.message}"


class InvalidCatalog(NudgeError, ValueError):
    """The catalog cannot be loaded; `issues` lists every problem found, in order."""

    exit_code = 1

    def __init__(self, source: str, issues: Sequence[CatalogIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(issue.render(source) for issue in self.issues))


class InvalidInput(NudgeError, ValueError):
    """An argument passed to the SDK is not acceptable."""


class NaiveDatetime(InvalidInput):
    """A datetime has no time zone; the SDK never guesses one."""

    def __init__(self, name: str, value: datetime) -> None:
        self.name = name
        self.value = value
        super().__init__(
            f"{name}: {value.isoformat()} has no time zone; pass an aware datetime "
            "(for example with tzinfo=datetime.UTC)"
        )


class UnknownCurrency(InvalidInput):
    """The code is not an ISO 4217 currency known to Babel."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(f"{_quoted(code)} is not an ISO 4217 currency code")


class InexactAmount(InvalidInput):
    """An amount has more decimals than its currency allows, is not finite, or is larger
    than the SDK reads (`reason` says so)."""

    def __init__(
        self, amount: object, currency: str, decimals: int, *, reason: str | None = None
    ) -> None:
        self.amount = amount
        self.currency = currency
        self.decimals = decimals
        shown = _shorten(amount)
        if reason is not None:
            text = f"{shown} {reason}"
        elif decimals >= 0:
            text = f"{shown} has more decimals than {currency} allows ({decimals})"
        else:
            text = f"{shown} is not a finite amount of {currency}"
        super().__init__(text)


class InvalidInterval(InvalidInput):
    """The text is not a billing interval such as ``month`` or ``3 months``."""

    def __init__(self, text: object, reason: str) -> None:
        self.text = text
        super().__init__(f"{_quoted(text)} is not a billing interval: {reason}")


class UnknownItem(InvalidInput, LookupError):
    """No plan or add-on of that id, or no price for that interval."""

    def __init__(self, kind: str, item_id: str, known: Sequence[str]) -> None:
        self.kind = kind
        self.item_id = item_id
        self.known = tuple(known)
        super().__init__(
            f"unknown {kind} {_quoted(item_id)}; the catalog has: {', '.join(self.known) or 'none'}"
        )

    def __str__(self) -> str:  # LookupError would repr() the message otherwise
        return str(self.args[0])


class CurrencyMismatch(NudgeError, ValueError):
    """Two amounts of different currencies were combined."""

    def __init__(self, left: str, right: str) -> None:
        self.left = left
        self.right = right
        super().__init__(f"cannot combine {left} with {right}")


class InvalidEvent(InvalidInput):
    """An event the store refuses: a nudge id this account was not shown (or no longer
    remembers), an unknown kind, or a snooze without a sensible end."""

    def __init__(self, account: str, nudge: str, kind: str, reason: str) -> None:
        self.account = account
        self.nudge = nudge
        self.kind = kind
        self.reason = reason
        super().__init__(
            f"event {_quoted(kind)} for nudge {_quoted(nudge)} of account {_quoted(account)}: "
            f"{reason}"
        )


class InvalidStoreURL(InvalidInput):
    """A state store URL of no form the SDK knows."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"state store {_quoted(url)}: {reason}")


class StoreUnavailable(NudgeError):
    """The state store failed, timed out, or its breaker is open. The request path never
    raises it: evaluations degrade and event writes report it in their result."""

    def __init__(self, store: str, reason: str) -> None:
        self.store = store
        self.reason = reason
        super().__init__(f"state store {store} is unavailable: {reason}")


class StoreContended(StoreUnavailable):
    """Other writers changed one account every time a change was about to commit. The
    store answers; only that account is busy, so it does not count against the store
    (a breaker stays closed for everyone else)."""


class MissingExtra(NudgeError, ImportError):
    """An optional part is used without its extra installed; the text names the
    ``pip install`` that fixes it."""

    def __init__(self, part: str, extra: str) -> None:
        self.part = part
        self.extra = extra
        super().__init__(f"{part} needs the {extra!r} extra: pip install 'nudge-sdk[{extra}]'")
