"""TypeScript types of the payloads, generated from their JSON Schema.

The frontend's side of the contract: one ``export interface`` per payload object
(`Evaluation`, `Nudge`, `Offer`, `Comparison`, ...), one string-literal union per
enumeration (`NudgeKindCode`, `DecisionReason`, ...), and `Payload` for either root,
each with the schema's descriptions as doc comments. The result is checked into the
package as ``schemas/payload.d.ts`` and a test keeps it identical to what this makes
from the checked-in schema, so the two never drift. It needs no Node: the schema's
few shapes (objects, arrays, ``anyOf``, ``enum``, ``const``, ``$ref``) map one to one.

After changing a payload class, regenerate the schemas and the types together, from
the repository's root::

    python -m nudge_sdk.payloads._typescript

or only the types (``nudge schema payload`` prints the schema they come from)::

    python -c "from nudge_sdk.payloads._typescript import render_typescript; open('nudge_sdk/schemas/payload.d.ts','w').write(render_typescript())"
"""  # noqa: E501 - the commands are meant to be copied whole

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from nudge_sdk.payloads._schema import render_schema

__all__ = ["main", "render_typescript", "typescript_text"]

_HEADER = """\
// The JSON payloads of nudge-sdk, as TypeScript types.
// Generated from payload.schema.json by nudge_sdk.payloads._typescript: do not edit.
// Regenerate with: python -m nudge_sdk.payloads._typescript
"""
_WIDTH = 92
_PRIMITIVES = {"string": "string", "integer": "number", "boolean": "boolean", "null": "null"}


def render_typescript(schema: Mapping[str, Any] | None = None) -> str:
    """The ``.d.ts`` text for a payload schema (the one the generator makes today by
    default).

    >>> print(render_typescript({"anyOf": [{"$ref": "#/$defs/Side"}], "$defs": {
    ...     "Side": {"description": "A side.", "type": "string", "enum": ["ltr", "rtl"]}}}))
    ... # doctest: +NORMALIZE_WHITESPACE
    // The JSON payloads of nudge-sdk, as TypeScript types.
    // Generated from payload.schema.json by nudge_sdk.payloads._typescript: do not edit.
    // Regenerate with: python -m nudge_sdk.payloads._typescript
    <BLANKLINE>
    export type Payload = Side;
    <BLANKLINE>
    /** A side. */
    export type Side = "ltr" | "rtl";
    """
    if schema is None:
        schema = json.loads(render_schema("payload"))
    blocks = [_HEADER, _definition("Payload", schema)]
    blocks += [_definition(name, definition) for name, definition in schema["$defs"].items()]
    return "\n".join(blocks)


def _definition(name: str, definition: Mapping[str, Any]) -> str:
    """An interface for an object, a type alias for anything else."""
    doc = _comment(definition.get("description"), "")
    if definition.get("type") != "object" or "properties" not in definition:
        alias = f"export type {name} = {_type(definition)};"
        if len(alias) > _WIDTH and "enum" in definition:  # one member a line
            members = "".join(f"\n  | {json.dumps(v)}" for v in definition["enum"])
            alias = f"export type {name} ={members};"
        return f"{doc}{alias}\n"
    required = set(definition.get("required", ()))
    lines = [f"{doc}export interface {name} {{"]
    for key, prop in definition["properties"].items():
        field = f"{_key(key)}{'' if key in required else '?'}: {_type(prop)};"
        lines.append(f"{_comment(prop.get('description'), '  ')}  {field}")
    lines.append("}\n")
    return "\n".join(lines)


def _type(schema: Mapping[str, Any]) -> str:
    """The TypeScript type of a (sub)schema."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    if "enum" in schema:
        return " | ".join(json.dumps(value, ensure_ascii=False) for value in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_type(member) for member in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        item = _type(schema.get("items", {}))
        return f"({item})[]" if " " in item else f"{item}[]"
    if isinstance(kind, str) and kind in _PRIMITIVES:
        return _PRIMITIVES[kind]
    if kind == "object":  # pragma: no cover - every payload object is a named $def
        return "Record<string, unknown>"
    raise ValueError(f"no TypeScript type for {schema!r}")  # pragma: no cover


def _key(name: str) -> str:
    return name if name.isidentifier() else json.dumps(name)


def _comment(description: object, indent: str) -> str:
    """A doc comment, or nothing; paragraphs wrapped to the width, ``*/`` escaped."""
    if not isinstance(description, str) or not description:
        return ""
    text = description.replace("*/", "*\\/")
    width = _WIDTH - len(indent) - 3
    paragraphs = [
        textwrap.wrap(p, width, break_long_words=False, break_on_hyphens=False) or [""]
        for p in text.split("\n\n")
    ]
    lines = [line for p in _joined(paragraphs) for line in p]
    if len(lines) == 1 and len(lines[0]) <= width - 4:
        return f"{indent}/** {lines[0]} */\n"
    body = "".join(f"{indent} * {line}".rstrip() + "\n" for line in lines)
    return f"{indent}/**\n{body}{indent} */\n"


def _wrap(paragraph: str, width: int) -> list[str]:
    return textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False)


def _joined(paragraphs: Sequence[list[str]]) -> list[list[str]]:
    """Paragraphs separated by an empty comment line."""
    out: list[list[str]] = []
    for paragraph in paragraphs:
        if out:
            out.append([""])
        out.append(paragraph)
    return out


def typescript_text() -> str:
    """The ``.d.ts`` as checked into the package."""
    return resources.files("nudge_sdk").joinpath("schemas/payload.d.ts").read_text("utf-8")


def main(argv: Sequence[str] = ()) -> None:
    """Write the catalog and payload schemas and the payload types into a folder (the
    package's ``schemas/`` unless one is given); into the package, also the renderer's
    copy of the types (``web/src/payload.d.ts``), which its npm build compiles against."""
    package = Path(__file__).resolve().parent.parent
    folder = Path(argv[0]) if argv else package / "schemas"
    for name in ("catalog", "payload"):
        (folder / f"{name}.schema.json").write_text(render_schema(name), "utf-8")
    types = render_typescript()
    (folder / "payload.d.ts").write_text(types, "utf-8")
    if not argv:
        (package / "web" / "src" / "payload.d.ts").write_text(types, "utf-8")


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    main(sys.argv[1:])
