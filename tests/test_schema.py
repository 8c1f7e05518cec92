"""The catalog's JSON Schema: checked in, in step with the loader, and useful to editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from nudge_sdk import catalog_schema
from nudge_sdk.payloads._schema import render_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent


def as_json(value: Any) -> Any:
    """YAML as an editor's validator sees it: numbers are numbers."""
    return json.loads(json.dumps(value, default=float))  # only Decimal is not JSON


def test_checked_in_schema_is_the_generated_one() -> None:
    """The file shipped in the package is what the generator makes today
    (regenerate with `python -c 'from nudge_sdk.payloads._schema import render_schema; ...'`)."""
    assert render_schema() == schema_text()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    """The schema itself follows its metaschema."""
    jsonschema.Draft202012Validator.check_schema(catalog_schema())


def test_example_catalog_validates(example_path: Path) -> None:
    """The shipped example passes the schema."""
    document = yaml.safe_load(example_path.read_text())
    jsonschema.validate(as_json(document), catalog_schema())


@pytest.mark.parametrize(
    "document",
    [
        {"plans": {"a": {}}},
        {"currency": "USD", "plans": {"a": {"colour": "blue"}}},
        {"currency": "USD", "plans": {"a": {"prices": {"fortnight": 1}}}},
        {"currency": "USD", "plans": {"a": {"limits": {"gb": -1}}}},
        {"currency": "USD", "plans": {"a": {"limits": {"gb": "lots"}}}},
        {"currency": "USD", "proration": {"granularity": "hour"}, "plans": {"a": {}}},
        {"currency": "USD", "plans": {"a": {"features": ["sso", "sso"]}}},
    ],
)
def test_schema_refuses_what_the_loader_refuses(document: dict[str, Any]) -> None:
    """Shape errors the loader reports are also caught by an editor using the schema."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, catalog_schema())
