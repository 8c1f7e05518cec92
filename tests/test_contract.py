"""The JSON contract a frontend can switch on: closed sets of values are enumerations,
every field is described, the TypeScript types follow the schema, and the regeneration
commands that keep them in step are documented and work."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, assert_type

import attrs
import pytest
from jsonschema.validators import validator_for

import nudge_sdk
from nudge_sdk import (
    DECISION_REASONS,
    CtaAction,
    Direction,
    Evaluator,
    NudgeKind,
    NudgeKindCode,
    OfferKind,
    ReasonCode,
    Severity,
    SeverityCode,
    catalog_from_dict,
    catalog_schema,
    payload_schema,
    to_json,
)
from nudge_sdk.catalog import _spec
from nudge_sdk.payloads import _schema, _typescript
from nudge_sdk.payloads._json import JSONObject
from nudge_sdk.payloads._messages import locale_text
from nudge_sdk.payloads._schema import DRAFT, docstrings, render_schema, schema_text
from nudge_sdk.payloads._typescript import render_typescript, typescript_text

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nudge_sdk"


def calls(path: Path) -> Iterator[ast.Call]:
    """Every call in a source file."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call):
            yield node


def callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def text(node: ast.AST | None) -> str | None:
    """The value of a string literal, else `None`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def decision_reasons_in_source() -> set[str]:
    """The reason codes the package's source writes: ``Miss("<code>", ...)``,
    ``reason="<code>"`` on a `Decision` (or its `evolve`), and the guardrails' holds and
    caps, which name their code before building the `Miss`."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for call in calls(path):
            name = callee(call)
            if name == "Miss" and call.args and (code := text(call.args[0])):
                found.add(code)
            if name in ("Miss", "Decision", "evolve"):
                found |= {c for k in call.keywords if k.arg == "reason" and (c := text(k.value))}
            if name == "append" and call.args and isinstance(call.args[0], ast.Tuple):
                first = call.args[0].elts[0] if call.args[0].elts else None
                if path.name == "_guardrails.py" and (code := text(first)):
                    found.add(code)  # blocks.append(("cooldown", text, until))
            if name == "_check" and len(call.args) > 2 and (code := text(call.args[2])):
                found.add(code)  # self._check(caps, days, "global_cap", "")
    return found


def test_every_decision_reason_in_the_source_is_listed() -> None:
    """A reason code the evaluator can write is in `DecisionReason`, and so in the schema:
    adding a `Miss("new_code", ...)` without listing it fails here."""
    found = decision_reasons_in_source()
    assert {"cooldown", "global_cap", "store_unavailable", "audience_plan"} <= found  # scan works
    assert set() == found - set(DECISION_REASONS)


def test_every_listed_decision_reason_is_produced() -> None:
    """No stale code: each listed reason but ``shown`` is written somewhere."""
    assert set() == set(DECISION_REASONS) - decision_reasons_in_source() - {"shown"}


def test_decision_reasons_are_documented_in_order() -> None:
    """`DECISION_REASONS` is the alias's values, each once, and the schema's enum."""
    assert len(set(DECISION_REASONS)) == len(DECISION_REASONS)
    assert list(DECISION_REASONS) == payload_schema()["$defs"]["DecisionReason"]["enum"]


def nudge_builder_constants(name: str) -> set[str]:
    """String values of the module-level dict `name` in `payloads/_nudges.py`."""
    tree = ast.parse((PACKAGE / "payloads" / "_nudges.py").read_text("utf-8"))
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if getattr(target, "id", "") == name:
            value = getattr(node, "value", None)
            assert isinstance(value, ast.Dict)
            return {v for item in value.values if (v := text(item))}
    raise AssertionError(f"no {name} in _nudges.py")


def constants_in_function(path: Path, function: str, keyword: str) -> set[str]:
    """String literals of `keyword=` arguments, and of assignments to a variable of that
    name, inside `function`."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for inner in ast.walk(node):
                if isinstance(inner, ast.keyword) and inner.arg == keyword:
                    found |= {c for n in ast.walk(inner.value) if (c := text(n))}
                target = (
                    inner.targets[0]
                    if isinstance(inner, ast.Assign)
                    else inner.target
                    if isinstance(inner, ast.AnnAssign)
                    else None
                )
                if getattr(target, "id", "") == keyword and isinstance(
                    inner, ast.Assign | ast.AnnAssign
                ):
                    found |= {c for n in ast.walk(inner) if (c := text(n))}
    return found


def values(alias: object) -> set[str]:
    return set(typing.get_args(alias))


@pytest.mark.parametrize(
    ("alias", "produced"),
    [
        pytest.param(NudgeKindCode, {k.value for k in NudgeKind}, id="nudge kind"),
        pytest.param(SeverityCode, {s.value for s in Severity}, id="severity"),
        pytest.param(CtaAction, nudge_builder_constants("_CTA") | {"none"}, id="cta action"),
        pytest.param(
            ReasonCode,
            nudge_builder_constants("_TRIGGER_CODES")
            | {"cheapest_fit", "addon_share_cap", "discount"},
            id="nudge reason",
        ),
        pytest.param(
            OfferKind,
            constants_in_function(PACKAGE / "payloads" / "_nudges.py", "_offer", "kind"),
            id="offer kind",
        ),
        pytest.param(
            Direction,
            {locale_text(loc).direction for loc in ("en", "ar", "fa", "de")},
            id="direction",
        ),
    ],
)
def test_literal_is_what_the_code_produces(alias: object, produced: set[str]) -> None:
    """Each closed set of values lists exactly what the payload builders write."""
    assert produced == values(alias)


def test_nudge_reason_codes_in_source_are_listed() -> None:
    """``Reason("<code>", ...)`` literals are all `ReasonCode`s."""
    found = {
        code
        for call in calls(PACKAGE / "payloads" / "_nudges.py")
        if callee(call) == "Reason" and call.args and (code := text(call.args[0]))
    }
    assert {"cheapest_fit", "addon_share_cap", "discount"} == found
    assert found <= values(ReasonCode)


# -- the schemas ---------------------------------------------------------------------------

SCHEMAS = {"catalog": catalog_schema, "payload": payload_schema}


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_for_the_draft_it_declares(name: str) -> None:
    """The schema declares draft 2020-12 and follows that draft's metaschema."""
    schema = SCHEMAS[name]()
    assert DRAFT == schema["$schema"]
    validator = validator_for(schema)
    assert DRAFT == validator.META_SCHEMA["$id"]
    validator.check_schema(schema)


@pytest.mark.parametrize("name", SCHEMAS)
def test_public_schema_is_the_checked_in_one(name: str) -> None:
    """`payload_schema()` and `catalog_schema()` give the parsed shipped file, which is
    what the generator makes today."""
    assert json.loads(schema_text(name)) == SCHEMAS[name]()
    assert render_schema(name) == schema_text(name)


def undescribed(node: Any, path: str = "") -> Iterator[str]:
    """Paths of properties and definitions without a description."""
    if isinstance(node, dict):
        for key, prop in node.get("properties", {}).items():
            if not prop.get("description"):
                yield f"{path}.{key}"
        for key, definition in node.get("$defs", {}).items():
            if not definition.get("description"):
                yield f"{path}$defs.{key}"
        for key, value in node.items():
            yield from undescribed(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from undescribed(value, f"{path}[{index}]")


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_field_is_described(name: str) -> None:
    """Every property (and every payload definition) says what it means."""
    assert [] == list(undescribed(SCHEMAS[name]()))


def test_catalog_docs_fill_only_gaps() -> None:
    """The schema's own catalog descriptions name real spec fields that have no
    docstring in `_spec` (where a docstring is added, the entry here must go)."""
    documented = docstrings(_spec.__name__)
    fields = {
        (cls.__name__, field.name)
        for cls in vars(_spec).values()
        if isinstance(cls, type) and attrs.has(cls)
        for field in attrs.fields(cls)
    }
    entries = set(_schema._CATALOG_DOCS)
    assert set() == entries - fields
    assert set() == entries & set(documented)


@pytest.mark.parametrize(
    ("definition", "field", "enum"),
    [
        ("Nudge", "kind", "NudgeKindCode"),
        ("Nudge", "severity", "SeverityCode"),
        ("Nudge", "direction", "Direction"),
        ("Comparison", "direction", "Direction"),
        ("CallToAction", "action", "CtaAction"),
        ("Offer", "kind", "OfferKind"),
        ("Reason", "code", "ReasonCode"),
        ("Decision", "reason", "DecisionReason"),
    ],
)
def test_closed_fields_are_enumerations(definition: str, field: str, enum: str) -> None:
    """A field a frontend switches on refers to a named enumeration of strings."""
    defs = payload_schema()["$defs"]
    assert f"#/$defs/{enum}" == defs[definition]["properties"][field]["$ref"]
    assert "string" == defs[enum]["type"]
    assert list(typing.get_args(getattr(nudge_sdk, enum))) == defs[enum]["enum"]


def test_nullable_enumerations_and_constants() -> None:
    """A badge is one value or null; a comparison's kind is the constant ``comparison``."""
    defs = payload_schema()["$defs"]
    assert [{"$ref": "#/$defs/Badge"}, {"type": "null"}] == defs["PlanColumn"]["properties"][
        "badge"
    ]["anyOf"]
    assert "comparison" == defs["Comparison"]["properties"]["kind"]["const"]


# -- to_json ------------------------------------------------------------------------------


def test_to_json_gives_a_typed_object() -> None:
    """`to_json` of a payload is typed as a JSON object (checked by mypy) and is one."""
    catalog = catalog_from_dict({"currency": "USD", "plans": {"free": {}}})
    account = nudge_sdk.account_from_json(
        {
            "id": "a",
            "plan": "free",
            "interval": "month",
            "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
            "signup": "2025-01-01T00:00:00Z",
        }
    )
    now = datetime(2025, 6, 16, tzinfo=UTC)
    payload = to_json(Evaluator(catalog).evaluate(account, {}, now=now))
    assert_type(payload, JSONObject)
    assert "2025-06-16T00:00:00Z" == payload["evaluated_at"]
    assert_type(to_json(now), str)


# -- the TypeScript types ----------------------------------------------------------------


def test_typescript_types_follow_the_schema() -> None:
    """The shipped ``payload.d.ts`` is what the generator makes from the shipped schema
    (regenerate with ``python -m nudge_sdk.payloads._typescript``)."""
    assert render_typescript(payload_schema()) == typescript_text()


def test_typescript_declares_every_definition() -> None:
    """Each payload object is an interface and each enumeration a union of its values."""
    found = re.findall(r"^export (interface|type) (\w+)", typescript_text(), re.M)
    declared = {name: kind for kind, name in found}
    defs = payload_schema()["$defs"]
    expected = {name: "type" if "enum" in d else "interface" for name, d in defs.items()}
    assert {"Payload": "type", **expected} == declared
    for name, definition in defs.items():
        if "enum" in definition:
            union = re.search(rf"^export type {name} =([^;]*);", typescript_text(), re.M)
            assert union is not None
            assert definition["enum"] == re.findall(r'"([^"]*)"', union[1])


def test_typescript_interface_fields() -> None:
    """Fields keep their JSON names; nullable ones are ``| null``, arrays ``[]``."""
    ts = typescript_text()
    assert "  kind: NudgeKindCode;\n" in ts
    assert "  metric: MetricFigures | null;\n" in ts
    assert "  reasons: Reason[];\n" in ts
    assert '  kind: "comparison";\n' in ts
    assert "export type Payload = Evaluation | Comparison;\n" in ts


def test_typescript_compiles(tmp_path: Path) -> None:
    """The declarations compile in strict mode (CI installs tsc; elsewhere, without it,
    the test is skipped, saying so)."""
    local = Path(__file__).resolve().parent.parent / ".ci" / "node" / "node_modules" / ".bin"
    tsc = shutil.which("tsc") or shutil.which("tsc", path=str(local))
    if tsc is None:
        if os.environ.get("CI"):
            pytest.fail("tsc is missing: .ci/run installs it with npm")
        pytest.skip("TypeScript's tsc is not installed (npm install --prefix .ci/node typescript)")
    (tmp_path / "payload.d.ts").write_text(typescript_text(), "utf-8")
    done = subprocess.run(
        [tsc, "--strict", "--noEmit", str(tmp_path / "payload.d.ts")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (0, "") == (done.returncode, done.stdout)


# -- regeneration commands -----------------------------------------------------------------


def documented_commands(module: object) -> list[str]:
    """The ``python ...`` command lines in a module's docstring."""
    doc = getattr(module, "__doc__", None) or ""
    return [line.strip() for line in doc.splitlines() if line.strip().startswith("python ")]


def test_regeneration_commands_are_documented() -> None:
    """The modules that generate checked-in files say how to regenerate each."""
    typescript = " ".join(documented_commands(_typescript))
    schema = " ".join(documented_commands(_schema))
    assert "python -m nudge_sdk.payloads._typescript" in typescript
    assert "nudge_sdk/schemas/payload.d.ts" in typescript
    for name in ("payload", "catalog"):
        assert f"nudge_sdk/schemas/{name}.schema.json" in schema
    assert "python -m nudge_sdk.payloads._typescript" in schema


@pytest.mark.parametrize(
    "command",
    sorted(set(documented_commands(_typescript) + documented_commands(_schema))),
)
def test_documented_command_regenerates_the_checked_in_files(command: str, tmp_path: Path) -> None:
    """Run from a repository root, each documented command writes exactly the files that
    are checked in (here into a scratch copy of ``nudge_sdk/schemas``)."""
    schemas = tmp_path / "nudge_sdk" / "schemas"
    schemas.mkdir(parents=True)
    argv = shlex.split(command)
    assert "python" == argv[0]
    if argv[1] == "-m":
        argv.append(str(schemas))  # the module writes into the package unless told
    done = subprocess.run(
        [sys.executable, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert (0, "") == (done.returncode, done.stderr)
    written = sorted(p.name for p in schemas.iterdir())
    assert written
    for name in written:
        assert (PACKAGE / "schemas" / name).read_text("utf-8") == (schemas / name).read_text(
            "utf-8"
        )


def test_package_data_ships_the_types() -> None:
    """``pyproject.toml`` ships the TypeScript types with the schemas."""
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert '"schemas/*.d.ts"' in pyproject
