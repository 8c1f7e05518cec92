"""The JSON Schema of the plan YAML, generated from the classes in `nudge_sdk.catalog._spec`.

The generated schema is checked into the package (``schemas/catalog.schema.json``) so
editors can validate and complete catalogs; a test keeps the two identical.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import attrs

from nudge_sdk.billing._periods import Unit
from nudge_sdk.catalog._spec import BLANK_IS_EMPTY, CatalogSpec, LimitSpec, PriceSpec, SoftLimitSpec
from nudge_sdk.payloads._payloads import SCHEMA_VERSION, Comparison, Evaluation

__all__ = ["catalog_schema", "payload_schema", "render_schema", "schema_text"]

_ID_PATTERN = "^[A-Za-z][A-Za-z0-9_-]*$"
_INTERVAL_PATTERN = f"^([0-9]+ *)?({'|'.join(u.value for u in Unit)})s?$"
_NUMBER = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
    ]
}
_DOCS = {
    "currency": "ISO 4217 code; amounts may have at most its number of decimals.",
    "plans": "Plans in ladder order, lowest first.",
    "prices": "Price per interval: 'month', 'year', '3 months', ...",
    "limits": "Cap per metric: a number or 'unlimited'; an unlisted metric is not allowed.",
    "grants": "What one unit adds to each metric's limit.",
    "included_seats": "Seats covered by the base price.",
    "reset": "When a counter starts again from zero (counters only).",
}


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
    for field in attrs.fields(cls):
        prop = _schema(hints[field.name], field.name)
        if field.name in _DOCS:
            prop = {"description": _DOCS[field.name], **prop}
        properties[field.name] = prop
    required = [f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def catalog_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a catalog document."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://nudge-sdk.dev/schemas/catalog.schema.json",
        "title": "nudge-sdk catalog",
        "description": "Plans, limits, prices, add-ons and proration policy.",
        **_object(CatalogSpec),
    }


def _payload(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a payload type; classes go to `defs` and are referenced."""
    origin = typing.get_origin(tp)
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
            fields = attrs.fields(tp)
            defs[tp.__name__] = {
                "type": "object",
                "properties": {f.name: _payload(hints[f.name], defs) for f in fields},
                "required": [f.name for f in fields],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{tp.__name__}"}
    raise TypeError(f"no schema for {tp!r}")  # pragma: no cover - a new payload type


def payload_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what `evaluate` and `compare` return as JSON."""
    defs: dict[str, Any] = {}
    roots = [_payload(Evaluation, defs), _payload(Comparison, defs)]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://nudge-sdk.dev/schemas/payload.schema.json",
        "title": "nudge-sdk payloads",
        "description": f"Evaluation and comparison payloads, schema_version {SCHEMA_VERSION}.",
        "anyOf": roots,
        "$defs": dict(sorted(defs.items())),
    }


_SCHEMAS = {"catalog": catalog_schema, "payload": payload_schema}


def schema_text(name: str = "catalog") -> str:
    """A schema as checked into the package, as text."""
    path = f"schemas/{name}.schema.json"
    return resources.files("nudge_sdk").joinpath(path).read_text("utf-8")


def render_schema(name: str = "catalog") -> str:
    """A generated schema as the text that is checked in."""
    return json.dumps(_SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"
