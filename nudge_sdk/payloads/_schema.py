"""The JSON Schemas (draft 2020-12) of the plan YAML and of the payloads, generated from
the classes in `nudge_sdk.catalog._spec` and `nudge_sdk.payloads._payloads`.

The generated schemas are checked into the package (``schemas/catalog.schema.json``,
``schemas/payload.schema.json``) so editors can validate and complete catalogs and
frontends can read the payload contract; tests keep them identical to what the
generator makes. Every property has a description: a field's attribute docstring where
it has one, else `_CATALOG_DOCS`. A payload field typed with one of the ``Literal``
aliases of `nudge_sdk.payloads._payloads` is an enumeration under ``$defs``, by the
alias's name. After changing a spec or payload class, regenerate them (and the
TypeScript types) with::

    python -m nudge_sdk.payloads._typescript

or one at a time, from the repository's root::

    python -c "from nudge_sdk.payloads._schema import render_schema; open('nudge_sdk/schemas/payload.schema.json','w').write(render_schema('payload'))"
    python -c "from nudge_sdk.payloads._schema import render_schema; open('nudge_sdk/schemas/catalog.schema.json','w').write(render_schema('catalog'))"

``nudge schema catalog`` and ``nudge schema payload`` print the checked-in files.
"""  # noqa: E501 - the commands are meant to be copied whole

from __future__ import annotations

import ast
import enum
import functools
import inspect
import itertools
import json
import re
import sys
import types
import typing
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import attrs

from nudge_sdk.billing._periods import Unit
from nudge_sdk.catalog._spec import BLANK_IS_EMPTY, CatalogSpec, LimitSpec, PriceSpec, SoftLimitSpec
from nudge_sdk.payloads import _payloads
from nudge_sdk.payloads._payloads import SCHEMA_VERSION, Comparison, Evaluation

__all__ = [
    "DRAFT",
    "catalog_schema",
    "docstrings",
    "payload_schema",
    "render_schema",
    "schema_text",
]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect both documents declare (``$schema``) and are checked against."""

_ID_PATTERN = "^[A-Za-z][A-Za-z0-9_-]*$"
_INTERVAL_PATTERN = f"^([0-9]+ *)?({'|'.join(u.value for u in Unit)})s?$"
_NUMBER = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
    ]
}
_DURATION = (
    "A duration: a number and a unit (min, h, d, w), or several: '7d', '12h', '1d 12h'; "
    "or ISO 8601 of fixed length: 'P7D', 'PT12H', 'P1DT30M' (no months or years)."
)
_INSTANT = "An ISO 8601 instant with its time zone: '2025-06-01T00:00:00Z'."

# What the catalog spec's fields mean, for fields without an attribute docstring in
# `nudge_sdk.catalog._spec` (a docstring there wins; a test checks none is left over).
_CATALOG_DOCS = {
    ("CatalogSpec", "currency"): "ISO 4217 code; amounts may have at most its number of decimals.",
    ("CatalogSpec", "plans"): "Plans by id, in ladder order, lowest first.",
    ("CatalogSpec", "proration"): "How plan changes are priced mid-period.",
    ("CatalogSpec", "default_locale"): (
        "The locale messages fall back to; every rule needs messages in it."
    ),
    ("CatalogSpec", "quiet_days_after_signup"): "No nudge in a customer's first days; 0: none.",
    ("CatalogSpec", "metrics"): "What is measured, by id: storage, seats, credits.",
    ("CatalogSpec", "features"): "Features plans and add-ons may include, by id.",
    ("CatalogSpec", "addons"): "Add-ons, by id: units bought on top of a plan.",
    ("CatalogSpec", "placements"): (
        "Per placement (banner, modal, ...), how many nudges it shows and how often."
    ),
    ("CatalogSpec", "caps"): "Per account, across rules and placements: how many nudges shown.",
    ("CatalogSpec", "signals"): "Per host signal (open_ticket, failed_payment), what it silences.",
    ("CatalogSpec", "nudges"): "The nudge rules, by id.",
    ("ProrationSpec", "granularity"): (
        "How remaining time is counted: 'second' (exact) or whole local 'day's."
    ),
    ("ProrationSpec", "rounding"): (
        "How an exact amount becomes whole minor units: 'half_even' (ties to even), "
        "'half_up' (ties away from zero) or 'down' (toward zero)."
    ),
    ("ProrationSpec", "interval_change"): (
        "When the billing interval changes: 'reset' starts a new period now, 'align' keeps "
        "the old anchor."
    ),
    ("ProrationSpec", "downgrade"): (
        "When a cheaper change takes effect: 'period_end' (nothing due now) or 'immediate'."
    ),
    ("MetricSpec", "kind"): (
        "'gauge' for a level (storage used, seats), 'counter' for consumption in a window "
        "(credits)."
    ),
    ("MetricSpec", "unit"): "The unit shown next to numbers: 'GB', 'seat'.",
    ("MetricSpec", "name"): "The display name; the id when empty.",
    ("MetricSpec", "reset"): "When a counter starts again from zero (counters only).",
    ("FeatureSpec", "name"): "The display name; the id when empty.",
    ("FeatureSpec", "description"): "What the feature does, for plan comparisons.",
    ("SeatPriceSpec", "base"): "The flat part of the price per interval.",
    ("SeatPriceSpec", "per_seat"): "The price of each seat beyond the included ones.",
    ("SeatPriceSpec", "included_seats"): "Seats covered by the base price.",
    ("SoftLimitSpec", "limit"): "Usage included in the plan.",
    ("PlanSpec", "name"): "The display name; the id when empty.",
    ("PlanSpec", "description"): "A short description, for plan comparisons.",
    ("PlanSpec", "popular"): "Marks the plan 'most_popular' in comparisons.",
    ("PlanSpec", "prices"): (
        "Price per interval ('month', 'year', '3 months', ...): a number, or base and "
        "per-seat parts; a plan without prices is free."
    ),
    ("PlanSpec", "limits"): (
        "Cap per metric: a number, 'unlimited', or a soft limit with an overage price; "
        "an unlisted metric is not allowed."
    ),
    ("PlanSpec", "features"): "Ids of the features the plan includes.",
    ("AddOnSpec", "name"): "The display name; the id when empty.",
    ("AddOnSpec", "description"): "A short description, for offers.",
    ("AddOnSpec", "prices"): "Price of one unit per interval ('month', 'year', ...).",
    ("AddOnSpec", "grants"): "What one unit adds to each metric's limit.",
    ("AddOnSpec", "features"): "Ids of the features the add-on unlocks.",
    ("CapsSpec", "per_day"): "At most this many shown per customer's calendar day; 0: no cap.",
    ("CapsSpec", "per_week"): (
        "At most this many in the customer's last seven calendar days; 0: no cap."
    ),
    ("UsageTriggerSpec", "metric"): "The metric's id.",
    ("UsageTriggerSpec", "levels"): (
        "Thresholds, ascending: percentages of the limit ('share'), or amounts left "
        "('remaining'); each fires once per climb."
    ),
    ("UsageTriggerSpec", "measure"): "Whether levels are a share of the limit or an amount left.",
    ("UsageTriggerSpec", "projected"): (
        "Compare the usage projected to the end of its window, not today's."
    ),
    ("BreakEvenTriggerSpec", "metric"): (
        "Fires when the plan plus this metric's projected overage costs more than the "
        "cheapest option that covers the usage."
    ),
    ("FeatureTriggerSpec", "feature"): (
        "Fires when the host asks about this feature and the plan lacks it."
    ),
    ("EndingTriggerSpec", "what"): "Which end: the billing period, the trial or the licence.",
    ("EndingTriggerSpec", "within"): f"Fires when that end is this close. {_DURATION}",
    ("TrialExtensionTriggerSpec", "within"): (
        f"Fires when the trial ends within this duration. {_DURATION}"
    ),
    ("TrialExtensionTriggerSpec", "days"): "Days an extension adds to the trial.",
    ("TrialExtensionTriggerSpec", "max"): "How many extensions an account may claim.",
    ("TrialExtensionTriggerSpec", "engaged"): (
        "Minimum usage per metric for the customer to count as engaged."
    ),
    ("CancelTriggerSpec", "signal"): "The host signal that says the customer means to cancel.",
    ("MilestoneTriggerSpec", "metric"): "The metric whose usage is the goal.",
    ("MilestoneTriggerSpec", "reached"): "The usage that counts as reaching the goal.",
    ("MilestoneTriggerSpec", "event"): (
        "Or: a host event (first_shared_folder) that is the milestone."
    ),
    ("WhenSpec", "usage"): "Usage reaches a level of the limit.",
    ("WhenSpec", "break_even"): "Paying overage costs more than a bigger option.",
    ("WhenSpec", "feature"): "The customer reaches for a feature the plan lacks.",
    ("WhenSpec", "ending"): "The period, trial or licence ends soon.",
    ("WhenSpec", "trial_extension"): "An engaged trial ends soon: offer more days, once.",
    ("WhenSpec", "cancel_intent"): "The customer is about to cancel.",
    ("WhenSpec", "milestone"): "The customer reached a goal.",
    ("FixedOfferSpec", "plan"): "Offer this plan.",
    ("FixedOfferSpec", "addon"): "Offer this add-on.",
    ("AudienceSpec", "plans"): "Only accounts on these plans.",
    ("AudienceSpec", "not_plans"): "Not accounts on these plans.",
    ("AudienceSpec", "trial"): "true: only trial accounts; false: only paying ones.",
    ("AudienceSpec", "min_tenure_days"): "Only accounts signed up at least this many days ago.",
    ("AudienceSpec", "max_tenure_days"): "Only accounts signed up at most this many days ago.",
    ("AudienceSpec", "locales"): "Only accounts in these locales (or their fallbacks: 'fa').",
    ("AudienceSpec", "countries"): "Only accounts in these countries (ISO 3166 codes: 'DE').",
    ("AudienceSpec", "attributes"): (
        "Only accounts whose host attribute has one of these values, compared as text."
    ),
    ("LoyalSpec", "min_tenure_days"): "Tenure from which the loyal discount applies.",
    ("LoyalSpec", "percent"): "The loyal customers' percentage off.",
    ("DiscountSpec", "percent"): "The percentage off the offer's new items.",
    ("DiscountSpec", "loyal"): "A better discount for customers of long tenure.",
    ("ScheduleSpec", "start"): f"When the rule starts; empty: already running. {_INSTANT}",
    ("ScheduleSpec", "end"): (
        f"When the rule (a limited-time offer) ends; empty: never. {_INSTANT}"
    ),
    ("FrequencySpec", "cooldown"): f"The least time between two showings. {_DURATION}",
    ("FrequencySpec", "within"): f"The rolling window `max_shown` counts in. {_DURATION}",
    ("FrequencySpec", "snoozable"): "Whether the customer may snooze it.",
    ("FrequencySpec", "dismissible"): "Whether the customer may dismiss it.",
    ("FrequencySpec", "once_per_level"): (
        "Show a level once, until usage falls back under the lowest level or its window resets."
    ),
    ("PluralSpec", "count"): "The placeholder whose number chooses the form: 'days'.",
    ("PluralSpec", "other"): "The form for other numbers (CLDR 'other'); required.",
    ("PluralSpec", "zero"): "The form for CLDR 'zero', where the locale has it.",
    ("PluralSpec", "one"): "The form for CLDR 'one'.",
    ("PluralSpec", "two"): "The form for CLDR 'two', where the locale has it.",
    ("PluralSpec", "few"): "The form for CLDR 'few', where the locale has it.",
    ("PluralSpec", "many"): "The form for CLDR 'many', where the locale has it.",
    ("MessageSpec", "title"): "The title template, or plural forms.",
    ("MessageSpec", "body"): "The body template, or plural forms.",
    ("MessageSpec", "cta"): "The button's label template, or plural forms.",
    ("DifferenceSpec", "more"): "When the plan costs more: '{difference} more per {interval}'.",
    ("DifferenceSpec", "less"): "When the plan costs less: '{difference} less per {interval}'.",
    ("DifferenceSpec", "same"): "When it costs the same: 'Your plan'.",
    ("NudgeSpec", "when"): "The trigger: exactly one of its keys.",
    ("NudgeSpec", "offer"): (
        "'recommend' (the cheapest option covering the usage), 'downsell' (a cheaper one), "
        "'none', {plan: ID} or {addon: ID, quantity: N}."
    ),
    ("NudgeSpec", "audience"): "Who may see it.",
    ("NudgeSpec", "placement"): "Where it shows: 'banner', 'modal', or any name.",
    ("NudgeSpec", "priority"): "Higher first, when several fire.",
    ("NudgeSpec", "severity"): "How prominently the frontend shows it.",
    ("NudgeSpec", "schedule"): "When the rule runs; a limited-time offer says when it ends.",
    ("NudgeSpec", "discount"): "A discount on what the offer adds.",
    ("NudgeSpec", "frequency"): "How often a customer may see it, snooze it, dismiss it.",
    ("NudgeSpec", "messages"): (
        "Per locale, the title, body and button templates; {placeholders} are filled in, "
        "formatted for the customer's locale."
    ),
}


# -- descriptions from attribute docstrings -----------------------------------------------


@functools.cache
def docstrings(module_name: str) -> dict[tuple[str, str], str]:
    """The attribute docstrings of a module: ``(class, field)`` for a class's fields,
    ``("", name)`` for the module's own names, each cleaned into one line per paragraph.

    >>> docstrings("nudge_sdk.payloads._payloads")["Decision", "shown"]
    'Whether the rule produced a nudge in this result.'
    """
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    found: dict[tuple[str, str], str] = {}

    def collect(owner: str, body: list[ast.stmt]) -> None:
        for node, after in itertools.pairwise(body):
            target = (
                node.target
                if isinstance(node, ast.AnnAssign)
                else node.targets[0]
                if isinstance(node, ast.Assign) and len(node.targets) == 1
                else None
            )
            if (
                isinstance(target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                found[owner, target.id] = _plain(after.value.value)

    collect("", tree.body)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            collect(node.name, node.body)
    return found


def _plain(doc: str) -> str:
    """A docstring as a JSON description: paragraphs on one line, ``code`` in single
    backticks, Python's None, True and False as JSON's null, true and false."""
    text = inspect.cleandoc(doc).replace("``", "`")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    text = "\n\n".join(paragraphs)
    return re.sub(
        r"`(None|True|False)`", lambda m: f"`{m[1].lower().replace('none', 'null')}`", text
    )


def _described(description: str | None, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, **schema} if description else schema


# -- the catalog -------------------------------------------------------------------------


def _schema(tp: Any, name: str = "") -> dict[str, Any]:
    if tp == PriceSpec:
        return {"anyOf": [_NUMBER, _schema(typing.get_args(tp)[1])]}
    if tp == LimitSpec:
        return {"anyOf": [_NUMBER, {"const": "unlimited"}, _object(SoftLimitSpec)]}
    if tp == dict[str, list[str]]:  # attributes: one value or a list, compared as text
        scalar = {"type": ["string", "number", "boolean"]}
        values = {"anyOf": [scalar, {"type": "array", "items": scalar}]}
        return {"type": "object", "additionalProperties": values}
    if tp == dict[str, dict[str, str]]:  # interval names per locale
        return {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "propertyNames": {"pattern": _INTERVAL_PATTERN},
                "additionalProperties": {"type": "string"},
            },
        }
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(tp))}
    if origin in (typing.Union, types.UnionType):
        members = [_schema(arg) for arg in typing.get_args(tp)]
        return {"anyOf": members}
    if origin is dict:
        keys = {"pattern": _INTERVAL_PATTERN} if name == "prices" else {"pattern": _ID_PATTERN}
        return {
            "type": "object",
            "propertyNames": keys,
            "additionalProperties": _schema(typing.get_args(tp)[1]),
        }
    if origin is list:
        return {"type": "array", "items": _schema(typing.get_args(tp)[0]), "uniqueItems": True}
    if tp is type(None):
        return {"type": "null"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer", "minimum": 0}
    if tp is Decimal:
        return dict(_NUMBER)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [member.value for member in tp]}
    if tp in BLANK_IS_EMPTY:
        return {"anyOf": [_object(tp), {"type": "null"}]}
    if attrs.has(tp):
        return _object(tp)
    raise TypeError(f"no schema for {tp!r}")  # pragma: no cover - a new spec type


def _object(cls: type) -> dict[str, Any]:
    properties = {}
    hints = typing.get_type_hints(cls)
    documented = docstrings(cls.__module__)
    for field in attrs.fields(cls):
        key = (cls.__name__, field.name)
        description = documented.get(key) or _CATALOG_DOCS.get(key)
        properties[field.name] = _described(description, _schema(hints[field.name], field.name))
    required = [f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def _catalog_document() -> dict[str, Any]:
    """The catalog's schema as the generator makes it today."""
    return {
        "$schema": DRAFT,
        "$id": "https://nudge-sdk.dev/schemas/catalog.schema.json",
        "title": "nudge-sdk catalog",
        "description": "Plans, limits, prices, add-ons, proration policy and nudge rules.",
        **_object(CatalogSpec),
    }


# -- the payloads ------------------------------------------------------------------------


def _enumerations() -> dict[tuple[object, ...], str]:
    """The payloads' ``Literal`` aliases, by their values: these become named enums."""
    return {
        typing.get_args(value): name
        for name, value in vars(_payloads).items()
        if typing.get_origin(value) is typing.Literal
    }


def _payload(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a payload type; classes and enums go to `defs`, referenced."""
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        values = typing.get_args(tp)
        name = _enumerations().get(values)
        if name is None:  # a one-off, such as a payload's own kind
            return {"const": values[0]} if len(values) == 1 else {"enum": list(values)}
        if name not in defs:
            doc = docstrings(_payloads.__name__).get(("", name))
            defs[name] = _described(doc, {"type": "string", "enum": list(values)})
        return {"$ref": f"#/$defs/{name}"}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_payload(arg, defs) for arg in typing.get_args(tp)]}
    if origin is tuple:
        return {"type": "array", "items": _payload(typing.get_args(tp)[0], defs)}
    simple = {str: "string", int: "integer", bool: "boolean", type(None): "null"}
    if tp in simple:
        return {"type": simple[tp]}
    if tp is datetime:
        return {"type": "string", "format": "date-time", "pattern": "Z$"}
    if attrs.has(tp):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}  # a placeholder stops recursion
            hints = typing.get_type_hints(tp)
            documented = docstrings(tp.__module__)
            fields = attrs.fields(tp)
            properties = {
                f.name: _described(
                    documented.get((tp.__name__, f.name)), _payload(hints[f.name], defs)
                )
                for f in fields
            }
            defs[tp.__name__] = _described(
                _plain(tp.__doc__ or ""),
                {
                    "type": "object",
                    "properties": properties,
                    "required": [f.name for f in fields],
                    "additionalProperties": False,
                },
            )
        return {"$ref": f"#/$defs/{tp.__name__}"}
    raise TypeError(f"no schema for {tp!r}")  # pragma: no cover - a new payload type


def _payload_document() -> dict[str, Any]:
    """The payloads' schema as the generator makes it today."""
    defs: dict[str, Any] = {}
    roots = [_payload(Evaluation, defs), _payload(Comparison, defs)]
    return {
        "$schema": DRAFT,
        "$id": "https://nudge-sdk.dev/schemas/payload.schema.json",
        "title": "nudge-sdk payloads",
        "description": (
            f"What `to_json` gives for an evaluation or a comparison, schema_version "
            f"{SCHEMA_VERSION}. Money is an Amount (integer minor units, decimal text, "
            "formatted text), never a float; quantities and fractions are decimal text; "
            "instants are ISO 8601 in UTC with `Z`; texts are already localized. Render "
            "every string as text (`textContent`, a framework's text binding), never as "
            "HTML: catalog texts and host values reach the payload unescaped, which is "
            "right for JSON, and a title holding `<img onerror=...>` must show as those "
            "characters."
        ),
        "anyOf": roots,
        "$defs": dict(sorted(defs.items())),
    }


_DOCUMENTS = {"catalog": _catalog_document, "payload": _payload_document}


# -- the checked-in files ----------------------------------------------------------------


def schema_text(name: str = "catalog") -> str:
    """A schema as checked into the package, as text."""
    path = f"schemas/{name}.schema.json"
    return resources.files("nudge_sdk").joinpath(path).read_text("utf-8")


def render_schema(name: str = "catalog") -> str:
    """A generated schema as the text that is checked in."""
    return json.dumps(_DOCUMENTS[name](), indent=2, ensure_ascii=False) + "\n"


def catalog_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a catalog document, as shipped in the package.

    >>> catalog_schema()["properties"]["currency"]["description"][:9]
    'ISO 4217 '
    """
    parsed: dict[str, Any] = json.loads(schema_text("catalog"))
    return parsed


def payload_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what `to_json` gives for an `Evaluation` or a
    `Comparison`, as shipped in the package: the contract a frontend can switch on.

    >>> payload_schema()["$defs"]["Direction"]["enum"]
    ['ltr', 'rtl']
    """
    parsed: dict[str, Any] = json.loads(schema_text("payload"))
    return parsed
