"""JSON views of SDK values, through one cattrs converter.

Instants are written in UTC with a ``Z``; exact fractions as ``"p/q"`` text; money as
two keys, ``<name>_minor`` (an integer) and ``<name>`` (decimal text with exactly the
currency's decimals), so a frontend never parses a float.

The payload classes (`Evaluation`, `Nudge`, `Comparison` and their parts) are written by
functions compiled once from their fields' types (`_compiled`): the dicts cattrs' own
hooks make, key for key, without dispatching on each value's type at every step (on the
request path that dispatch was a third of the JSON's cost). For `to_json_bytes` through
orjson, the comparison cells a `Comparer` shares between requests (they depend on the
catalog and the locale alone) are written once each and kept as JSON fragments.

>>> from nudge_sdk import Amount
>>> to_json(Amount(minor=450, amount="4.50", formatted="$4.50"))
{'minor': 450, 'amount': '4.50', 'formatted': '$4.50'}
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any, Literal, TypeAlias, overload

import attrs
import cattrs
from attrs import AttrsInstance

try:  # the `fast` extra
    import orjson
except ImportError:  # pragma: no cover - the test environment installs it
    orjson = None  # type: ignore[assignment]

from nudge_sdk.billing._periods import Period
from nudge_sdk.billing._proration import ItemKind, Quote, QuoteLine
from nudge_sdk.payloads import _payloads

__all__ = ["JSON", "JSONObject", "converter", "dumps", "instant", "to_json", "to_json_bytes"]

JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | bool | None
"""A JSON value as `to_json` makes it: no floats (money is integer minor units and
decimal text)."""

JSONObject: TypeAlias = dict[str, Any]
"""A JSON object, as `to_json` makes one of a payload, a quote or a period; its values
are `JSON`, typed `Any` so that callers can index nested keys without narrowing each
step. Its shape is ``schemas/payload.schema.json`` (and ``payload.d.ts``)."""

converter = cattrs.Converter()


def instant(value: datetime) -> str:
    """``2025-06-16T00:00:00Z``: the instant in UTC, microseconds only when present."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _period(period: Period) -> dict[str, str]:
    return {"start": instant(period.start), "end": instant(period.end)}


def _line(line: QuoteLine) -> dict[str, Any]:
    item = line.item
    is_plan = item.kind is ItemKind.PLAN
    return {
        "kind": line.kind.value,
        "item_kind": item.kind.value,
        ("plan" if is_plan else "addon"): item.id,
        "interval": str(item.interval),
        ("seats" if is_plan else "quantity"): item.quantity,
        "start": instant(line.start),
        "end": instant(line.end),
        "fraction": str(line.fraction),
        "amount_minor": line.amount.minor,
        "amount": str(line.amount),
    }


def _quote(quote: Quote) -> dict[str, Any]:
    return {
        "currency": quote.currency.code,
        "lines": [_line(line) for line in quote.lines],
        "total_minor": quote.total.minor,
        "total": str(quote.total),
        "effective_at": instant(quote.effective_at),
        "new_period": _period(quote.new_period) if quote.new_period else None,
        "downgrade": quote.downgrade,
    }


converter.register_unstructure_hook(datetime, instant)
converter.register_unstructure_hook(Fraction, str)
converter.register_unstructure_hook(Period, _period)
converter.register_unstructure_hook(QuoteLine, _line)
converter.register_unstructure_hook(Quote, _quote)

_PLAIN = (str, int, bool, type(None))
"""Field types whose values are their own JSON (as cattrs' identity hook leaves them)."""


def _compiled(
    classes: list[type], shared: Callable[[Callable[[Any], Any]], Callable[[Any], Any]] | None
) -> dict[type, Callable[[Any], dict[str, Any]]]:
    """For each attrs class, a function writing an instance as cattrs' generated hook
    does: a dict of its fields in order, each value unstructured by its declared type.
    A field of another of `classes` calls that class's function directly; a type this
    does not know goes through the converter's hook for it. With `shared`, a value of
    a class in `_SHARED` is written by ``shared(writer)`` of that class instead."""
    names = {cls: f"_un_{cls.__name__}" for cls in classes}
    constants: dict[str, Any] = {"instant": instant}

    def expression(value: str, kind: Any) -> str:
        """Code for the JSON of `value` (a name or attribute), declared `kind`."""
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if kind in _PLAIN or origin is Literal:
            return value
        if kind is datetime:
            return f"instant({value})"
        if shared is not None and kind in _SHARED:
            return f"_shared_{names[kind]}({value})"
        if kind in names:
            return f"{names[kind]}({value})"
        if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
            other = args[0] if args[1] is type(None) else args[1]
            inner = expression(value, other)
            return value if inner == value else f"(None if {value} is None else {inner})"
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            inner = expression("item", args[0])
            return f"list({value})" if inner == "item" else f"[{inner} for item in {value}]"
        hook = f"_hook{len(constants)}"
        constants[hook] = converter.get_unstructure_hook(kind)
        return f"{hook}({value})"

    source = []
    for cls in classes:
        hints = typing.get_type_hints(cls)
        items = ", ".join(
            f"{field.name!r}: {expression(f'value.{field.name}', hints[field.name])}"
            for field in attrs.fields(cls)
        )
        source.append(f"def {names[cls]}(value):\n    return {{{items}}}\n")
    namespace = dict(constants)
    exec(compile("\n".join(source), "<nudge_sdk payload JSON>", "exec"), namespace)
    if shared is not None:
        for cls in _SHARED:
            namespace[f"_shared_{names[cls]}"] = shared(namespace[names[cls]])
    return {cls: namespace[names[cls]] for cls in classes}


_CLASSES = [
    cls
    for name in _payloads.__all__
    if attrs.has(cls := getattr(_payloads, name)) and isinstance(cls, type)
]
_SHARED = (_payloads.FeatureCell, _payloads.LimitCell)
"""Parts of a comparison that depend on the catalog and the locale alone: its builder
shares each between requests (see `Comparer`), so `to_json_bytes` writes each once."""
_KEPT = 4096
"""How many shared parts `to_json_bytes` keeps the JSON of, per class."""


def _sharing(write: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`write` for orjson, remembering the bytes of the last `_KEPT` instances written
    by identity (each kept with its instance, so no other object takes its id)."""
    kept: dict[int, tuple[object, Any]] = {}
    fragment, encode = orjson.Fragment, orjson.dumps

    def shared(value: object) -> Any:
        found = kept.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        written = fragment(encode(write(value)))
        if len(kept) >= _KEPT:
            kept.clear()
        kept[id(value)] = (value, written)
        return written

    return shared


_WRITERS = _compiled(_CLASSES, None)
_BYTES_WRITERS = _compiled(_CLASSES, _sharing) if orjson is not None else {}
"""The same, but for orjson: the shared parts as fragments of JSON written once."""


def _written(kind: object) -> bool:
    """Whether `kind` is one of the payload classes (exactly: a subclass keeps cattrs'
    own hook, with its own fields)."""
    return isinstance(kind, type) and kind in _WRITERS


def _write(value: object) -> dict[str, Any]:
    return _WRITERS[type(value)](value)


converter.register_unstructure_hook_func(_written, _write)


@overload
def to_json(value: AttrsInstance) -> JSONObject: ...
@overload
def to_json(value: datetime | Fraction) -> str: ...
@overload
def to_json(value: object) -> Any: ...  # a value of unknown type: `JSON` in fact
def to_json(value: object) -> JSON:
    """The JSON-ready form (dicts, lists, strings, integers) of an SDK value: an
    `Evaluation` or a `Comparison` gives the object `payload_schema()` describes."""
    writer = _WRITERS.get(type(value))
    result: JSON = converter.unstructure(value) if writer is None else writer(value)
    return result


_STDLIB = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def dumps(value: JSON) -> bytes:
    """A `to_json` value as compact UTF-8 JSON: exactly the bytes of
    ``json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()``, through
    orjson when it is installed (the ``fast`` extra) and the standard library otherwise
    or for what orjson refuses (integers beyond 64 bits).

    Text UTF-8 cannot encode (a lone surrogate a host passed along, such as a feature
    name ``"\\ud800"``) does not fail the response: the whole document is then written
    with every non-ASCII character escaped (``"\\ud800"``), still valid JSON, which a
    frontend's ``JSON.parse`` reads back to the same string.

    >>> dumps({"a": [1, "é"], "b": None})
    b'{"a":[1,"\\xc3\\xa9"],"b":null}'
    """
    if orjson is not None:
        try:
            encoded: bytes = orjson.dumps(value)
        except orjson.JSONEncodeError:
            pass
        else:
            return encoded
    text = _STDLIB.encode(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _ASCII.encode(value).encode("ascii")


def to_json_bytes(value: object) -> bytes:
    """`to_json(value)` as compact UTF-8 JSON bytes (see `dumps`): what a host returns
    to its frontend."""
    writer = _BYTES_WRITERS.get(type(value))
    if writer is not None:
        try:
            encoded: bytes = orjson.dumps(writer(value))
        except orjson.JSONEncodeError:
            pass  # what orjson refuses, `dumps` writes through the standard library
        else:
            return encoded
    return dumps(to_json(value))
