"""Schemathesis against the sidecar's OpenAPI document, driving the ASGI app in-process.

Every operation gets generated requests, valid and invalid, and every answer must be
something other than a 5xx, with a status, content type, headers and body the document
declares; an invalid request must be refused (4xx). Fast by default; set
``NUDGE_FUZZ_LONG=1`` for a long run.

Which requests are *valid* for the schema and which the server takes differ on purpose
in one way: the document cannot know the catalog or relations between fields, so an
account whose interval the catalog cannot parse, or whose period ends before it starts,
matches it and is still refused (422). The positive-data-acceptance check is therefore
off. To reach the evaluator rather than stop at that 422, the document fuzzed here
narrows plan, interval and usage keys to the example catalog's, and sends only valid
requests (the narrowed document would call an unknown plan invalid, which it is not).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from nudge_sdk import load_catalog
from nudge_sdk.server import create_app, openapi_document

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "examples" / "plans.yaml"
TOKEN = "fuzz-token"
LONG = os.environ.get("NUDGE_FUZZ_LONG") == "1"
PERIOD = {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"}
MOMENTS = [
    "2025-06-01T00:00:00Z",
    "2025-06-16T12:00:00Z",
    "2025-06-30T23:59:59Z",
    "2025-09-01T00:00:00Z",
]


def _document() -> dict[str, Any]:
    """The served document, with the account's plan and interval narrowed to the example
    catalog's (and one unknown plan, which degrades), usage keys mostly its metrics, and
    the billing period and the evaluation's instant to a few that fit together."""
    document = copy.deepcopy(openapi_document())
    catalog = load_catalog(PLANS)
    schemas = document["components"]["schemas"]
    fields = schemas["Account"]["properties"]
    fields["plan"] = {"enum": [*catalog.plans, "gold"]}
    fields["interval"] = {"enum": ["month", "year"]}
    fields["period"] = {
        "enum": [PERIOD, {"start": "2025-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}]
    }
    for body in ("EvaluateRequest", "CompareRequest"):
        schemas[body]["properties"]["now"] = {"enum": MOMENTS}
    schemas["Usage"]["propertyNames"] = {
        "anyOf": [{"enum": list(catalog.metrics)}, {"type": "string"}]
    }
    return document


EXAMPLES = 400 if LONG else 25
APP = create_app(PLANS, "memory://", tokens=[TOKEN], reload_every=0)


def _config(**generation: Any) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "auth": {"openapi": {"bearer": {"bearer": TOKEN}}},  # the scheme the document names
            "checks": {"positive_data_acceptance": {"enabled": False}},
            "generation": {"max-examples": EXAMPLES, **generation},
        }
    )


contract = schemathesis.openapi.from_dict(openapi_document(), config=_config())
contract.app = APP
deep = schemathesis.openapi.from_dict(_document(), config=_config(mode="positive"))
deep.app = APP
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not LONG,
)


@contract.parametrize()
@SETTINGS
def test_sidecar_keeps_its_contract(case: schemathesis.Case[Any]) -> None:
    """The document as served, valid and invalid requests: no 5xx, every answer as
    declared, every invalid request refused."""
    case.call_and_validate()


@deep.parametrize()
@SETTINGS
def test_sidecar_evaluates_whatever_it_accepts(case: schemathesis.Case[Any]) -> None:
    """Valid requests for the example catalog, reaching the evaluator: no 5xx, every
    answer (payloads, comparisons, access) as declared."""
    case.call_and_validate()
