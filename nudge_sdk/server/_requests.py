"""The request bodies the sidecar takes, read from parsed JSON into typed values.

Each body is declared once, as a `Body` of `Field`s: the same declaration reads a request
(`Body.read`) and gives its JSON Schema for the OpenAPI document (`Body.schema`), so what
the document promises and what the server accepts cannot drift apart. A problem is a
`BadRequest` naming the field (``account.signup``, ``usage.storage_gb``, ``at``).

What is checked here is the shape: types, required keys, unknown keys, instants with a
time zone inside the range the SDK computes with. What a value *means* (an unknown plan,
a negative usage figure) is the SDK's to judge, and it degrades instead of failing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from nudge_sdk._errors import InvalidInput
from nudge_sdk.billing._periods import FIRST_INSTANT, LAST_INSTANT, parse_instant
from nudge_sdk.evaluation._account import Account, account_from_json, brief
from nudge_sdk.evaluation._state import EVENT_KINDS, EventKind

__all__ = [
    "CLAIM",
    "COMPARE",
    "EVALUATE",
    "EVENT",
    "MAX_TEXT",
    "MAY",
    "BadRequest",
    "Body",
    "ClaimRequest",
    "CompareRequest",
    "EvaluateRequest",
    "EventRequest",
    "Field",
    "MayRequest",
    "field_of",
]

MAX_TEXT = 512
"""The longest id or name a body may carry (what `Nudges.report` accepts)."""
_MESSAGE = 300
"""The longest error message sent back (a message may quote the value it refuses)."""

T = TypeVar("T")


class BadRequest(Exception):
    """A request the sidecar refuses: its status, the field at fault, and why."""

    def __init__(self, status: int, field: str | None, message: str) -> None:
        self.status = status
        self.field = field
        self.message = message if len(message) <= _MESSAGE else message[:_MESSAGE] + "..."
        super().__init__(self.message)


def _invalid(field: str, message: str) -> BadRequest:
    return BadRequest(422, field, message)


# -- the values a field may hold ----------------------------------------------------------


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT:
        raise _invalid(field, f"expected text of 1 to {MAX_TEXT} characters, got {brief(value)}")
    return value


def _flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _invalid(field, f"expected true or false, got {brief(value)}")
    return value


def _integral(value: object) -> object:
    """`value`, or the int it is if it is a whole float: JSON (and JSON Schema's
    ``integer``) does not tell 3.0 from 3, and some encoders write every number so."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return value


def _whole(field: str, value: object) -> int:
    value = _integral(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, f"expected a whole number, got {brief(value)}")
    return value


def _instant(field: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise _invalid(field, f"expected an ISO 8601 date and time, got {brief(value)}")
    try:
        moment = parse_instant(value)
    except (ValueError, OverflowError) as error:
        raise _invalid(field, str(error)) from None
    if not FIRST_INSTANT <= moment <= LAST_INSTANT:
        raise _invalid(field, f"{value} is outside the years 1000 to 9000")
    return moment


def _kind(field: str, value: object) -> EventKind:
    for kind in EVENT_KINDS:
        if value == kind:
            return kind
    raise _invalid(field, f"expected one of: {', '.join(EVENT_KINDS)}; got {brief(value)}")


def _names(field: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _invalid(field, f"expected a list of text, got {brief(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _invalid(f"{field}[{index}]", f"expected text, got {brief(item)}")
    return tuple(value)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _usage(field: str, value: object) -> Mapping[str, object]:
    """Metric id to a number or ``{"value": n, "per_day": r}``; their ranges and the
    metric ids are the SDK's to judge (a bad one is dropped, the rest evaluated)."""
    if not isinstance(value, dict):
        raise _invalid(field, f"expected an object of metric id to number, got {brief(value)}")
    for metric, reading in value.items():
        where = f"{field}.{metric}"
        if _number(reading):
            continue
        if not isinstance(reading, dict):
            raise _invalid(where, f"expected a number or a reading, got {brief(reading)}")
        for key in reading:
            if key not in ("value", "per_day"):
                raise _invalid(f"{where}.{key}", "unknown field; a reading has value and per_day")
        if "value" not in reading:
            raise _invalid(f"{where}.value", "required field is missing")
        for key, number in reading.items():
            if not _number(number):
                raise _invalid(f"{where}.{key}", f"expected a number, got {brief(number)}")
    return value


def _account(field: str, value: object) -> Account:
    if isinstance(value, dict):  # whole numbers written as floats, as JSON allows
        value = dict(value)
        if "seats" in value:
            value["seats"] = _integral(value["seats"])
        if isinstance(value.get("addons"), dict):
            value["addons"] = {k: _integral(n) for k, n in value["addons"].items()}
    try:
        return account_from_json(value)
    except InvalidInput as error:
        raise _invalid(field_of(str(error), field), str(error)) from None


def field_of(message: str, default: str) -> str:
    """The field an SDK message names before its ``": "``s (``account.signup: ... has no
    time zone``, ``account: seats: 0 must be ...``), under `default`, or `default`
    when it names none.

    >>> field_of("account.signup: 2024-01-01T00:00:00 has no time zone", "account")
    'account.signup'
    >>> field_of("account: seats: 0 must be a whole number from 1 to 1000000000", "account")
    'account.seats'
    >>> field_of("account.seats: seats: 0 must be a whole number", "account")
    'account.seats'
    >>> field_of("account: unknown field(s): x", "account")
    'account'
    """
    path: list[str] = []
    rest = message
    while ": " in rest:
        head, rest = rest.split(": ", 1)
        if not head or not all(part.isidentifier() or part.isdigit() for part in head.split(".")):
            break
        if not path or head != path[-1].rsplit(".", 1)[-1]:  # "account.seats: seats: ..."
            path.append(head)
    field = ".".join(path)
    if not field:
        return default
    return field if field == default or field.startswith(f"{default}.") else f"{default}.{field}"


# -- the JSON Schemas of those values ---------------------------------------------------

_INSTANT = {"type": "string", "format": "date-time"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
_NUMBER = {"type": "number"}
_READING = {
    "type": "object",
    "properties": {"value": _NUMBER, "per_day": _NUMBER},
    "required": ["value"],
    "additionalProperties": False,
}
_AMOUNT = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
    ]
}
_SCALAR = {"type": ["string", "number", "boolean"]}
_MAYBE_INSTANT = {"anyOf": [_INSTANT, {"type": "null"}]}


def _described(description: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"description": description, **schema}


ACCOUNT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "The account as `account_from_json` reads it (README: The account and usage JSON). "
        "Every instant carries a time zone; unknown keys are refused."
    ),
    "properties": {
        "id": _described("The account's id.", {"type": "string"}),
        "plan": _described("The plan's id; it must be in the catalog.", {"type": "string"}),
        "interval": _described(
            "The billing interval: 'month', 'year', '3 months'...", {"type": "string"}
        ),
        "period": _described(
            "The current billing period.",
            {
                "type": "object",
                "properties": {"start": _INSTANT, "end": _INSTANT},
                "required": ["start", "end"],
                "additionalProperties": False,
            },
        ),
        "signup": _described("When the account signed up.", _INSTANT),
        "anchor": _described("The cycle's anchor if not period.start.", _MAYBE_INSTANT),
        "seats": _described("Seats billed.", {"type": "integer", "minimum": 1, "maximum": 10**9}),
        "trial_end": _described("When the trial ends.", _MAYBE_INSTANT),
        "licence_end": _described("When the licence ends.", _MAYBE_INSTANT),
        "locale": _described("'en', 'fa-IR', 'ar'...", {"type": "string"}),
        "currency": _described(
            "ISO 4217, one the catalog sells in (it picks the prices); the catalog's own when "
            "empty.",
            {"type": "string"},
        ),
        "zone": _described("IANA time zone.", {"type": "string"}),
        "country": _described("ISO country code.", {"type": "string"}),
        "addons": _described(
            "Add-on id to quantity held.",
            {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        ),
        "grants": _described(
            "Promotional allowances.",
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "metric": {"type": "string"},
                        "amount": _AMOUNT,
                        "expires": _MAYBE_INSTANT,
                    },
                    "required": ["metric", "amount"],
                    "additionalProperties": False,
                },
            },
        ),
        "signals": _described(
            "What the host knows now: open_ticket, failed_payment, cancel_intent...",
            {"type": "array", "items": {"type": "string"}},
        ),
        "attributes": _described(
            "Free-form values for audiences, compared as text.",
            {"type": "object", "additionalProperties": _SCALAR},
        ),
    },
    "required": ["id", "plan", "interval", "period", "signup"],
    "additionalProperties": False,
}
"""The account JSON's schema (`account_from_json` is what really reads it)."""

USAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Metric id to a number, or to a reading {value, per_day} when the host knows the "
        "trend. Unknown metrics and negative or huge values are dropped by the SDK, with "
        "a reason in `problems`."
    ),
    "additionalProperties": {"anyOf": [_NUMBER, _READING]},
}


# -- bodies ------------------------------------------------------------------------------


@attrs.frozen
class Field:
    """One key of a request body: how to read it, and its schema."""

    name: str
    read: Callable[[str, object], object]
    schema: Mapping[str, Any]
    description: str
    required: bool = False
    nullable: bool = False
    """Whether ``null`` is taken as absent."""


@attrs.frozen
class Body(Generic[T]):
    """A request body: its fields, and the typed value they make."""

    name: str
    description: str
    fields: Sequence[Field]
    make: Callable[..., T]

    def read(self, data: object) -> T:
        """The typed request; `BadRequest` naming the first field at fault."""
        if not isinstance(data, dict):
            raise BadRequest(400, "body", f"expected a JSON object, got {brief(data)}")
        known = {f.name: f for f in self.fields}
        for key in data:
            if key not in known:
                expected = ", ".join(known)
                raise _invalid(str(key), f"unknown field; expected one of: {expected}")
        values: dict[str, object] = {}
        for f in self.fields:
            value = data.get(f.name)
            if value is None and (f.name not in data or f.nullable):
                if f.required:
                    raise _invalid(f.name, "required field is missing")
                continue
            values[f.name] = f.read(f.name, value)
        return self.make(**values)

    def schema(self) -> dict[str, Any]:
        """The body's JSON Schema (draft 2020-12, as OpenAPI 3.1 has it)."""
        properties = {}
        for f in self.fields:
            schema = dict(f.schema)
            if f.nullable:
                schema = {"anyOf": [schema, {"type": "null"}]}
            properties[f.name] = _described(f.description, schema)
        return {
            "type": "object",
            "description": self.description,
            "properties": properties,
            "required": [f.name for f in self.fields if f.required],
            "additionalProperties": False,
        }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_ACCOUNT = Field("account", _account, _ref("Account"), "The account.", required=True)
_USAGE = Field("usage", _usage, _ref("Usage"), "The account's usage now.", required=True)
_NOW = Field(
    "now",
    _instant,
    _INSTANT,
    "When to evaluate; the server's clock by default (tests and demos set it).",
    nullable=True,
)


@attrs.frozen(kw_only=True)
class EvaluateRequest:
    """``POST /v1/evaluate``."""

    account: Account
    usage: Mapping[str, object]
    now: datetime | None = None
    placement: str | None = None
    feature: str | None = None
    events: tuple[str, ...] = ()
    explain: bool = False
    compare: bool = False


EVALUATE = Body(
    "EvaluateRequest",
    "The nudges to show an account now; what is shown is recorded in the store.",
    [
        _ACCOUNT,
        _USAGE,
        _NOW,
        Field("placement", _text, _TEXT, "Only nudges for this placement.", nullable=True),
        Field("feature", _text, _TEXT, "A feature the customer reached for.", nullable=True),
        Field(
            "events",
            _names,
            {"type": "array", "items": {"type": "string"}},
            "Host events, for milestones.",
            nullable=True,
        ),
        Field("explain", _flag, {"type": "boolean"}, "Say why every rule fired or not."),
        Field("compare", _flag, {"type": "boolean"}, "Add the plan comparison."),
    ],
    EvaluateRequest,
)


@attrs.frozen(kw_only=True)
class CompareRequest:
    """``POST /v1/compare``."""

    account: Account
    usage: Mapping[str, object]
    now: datetime | None = None


COMPARE = Body(
    "CompareRequest",
    "Three plans side by side for an account: current, recommended, neighbours.",
    [_ACCOUNT, _USAGE, _NOW],
    CompareRequest,
)


@attrs.frozen(kw_only=True)
class MayRequest:
    """``POST /v1/may``."""

    account: Account
    feature: str


MAY = Body(
    "MayRequest",
    "Whether an account may use a feature now, and if not, what would give it.",
    [_ACCOUNT, Field("feature", _text, _TEXT, "The feature's id.", required=True)],
    MayRequest,
)


@attrs.frozen(kw_only=True)
class EventRequest:
    """``POST /v1/events``."""

    account: str
    nudge: str
    kind: EventKind
    at: datetime | None = None
    until: datetime | None = None
    event_id: str | None = None
    plan: str | None = None
    addon: str | None = None
    amount_minor: int | None = None


EVENT = Body(
    "EventRequest",
    "What the customer did with a nudge; idempotent by (nudge, kind, event_id).",
    [
        Field("account", _text, _TEXT, "The account's id.", required=True),
        Field("nudge", _text, _TEXT, "The nudge's id, from the payload.", required=True),
        Field("kind", _kind, {"enum": list(EVENT_KINDS)}, "What happened.", required=True),
        Field("at", _instant, _INSTANT, "When; the server's clock by default.", nullable=True),
        Field("until", _instant, _INSTANT, "When a snooze ends.", nullable=True),
        Field(
            "event_id", _text, _TEXT, "Makes the report idempotent; `at` by default.",
            nullable=True,
        ),
        Field("plan", _text, _TEXT, "What was bought (converted).", nullable=True),
        Field("addon", _text, _TEXT, "The add-on bought (converted).", nullable=True),
        Field(
            "amount_minor", _whole, {"type": "integer"}, "What was paid, in minor units.",
            nullable=True,
        ),
    ],
    EventRequest,
)  # fmt: skip


@attrs.frozen(kw_only=True)
class ClaimRequest:
    """``POST /v1/trial-extensions``."""

    account: str
    nudge: str
    at: datetime | None = None
    key: str | None = None


CLAIM = Body(
    "ClaimRequest",
    "Claim the trial extension a nudge offered, exactly once per key.",
    [
        Field("account", _text, _TEXT, "The account's id.", required=True),
        Field("nudge", _text, _TEXT, "The trial-extension nudge's id.", required=True),
        Field("at", _instant, _INSTANT, "When; the server's clock by default.", nullable=True),
        Field("key", _text, _TEXT, "Idempotency key; the nudge id by default.", nullable=True),
    ],
    ClaimRequest,
)
