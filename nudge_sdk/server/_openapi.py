"""The sidecar's OpenAPI 3.1 document, generated from the types it serves.

Responses reuse the payload schema's ``$defs`` (`nudge_sdk.payload_schema`) and, for the
sidecar's own answers, the same generator run over their classes; request bodies come
from the `Body` declarations that also read them. The document is checked into the
package (``server/openapi.json``, served at ``GET /openapi.json``); a test keeps it
identical to what this module makes. After changing a body or a payload, regenerate it
from the repository's root::

    python -c "from nudge_sdk.server import render_openapi; open('nudge_sdk/server/openapi.json','w').write(render_openapi())"
"""  # noqa: E501 - the command is meant to be copied whole

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from nudge_sdk._nudges import Reported
from nudge_sdk.evaluation._entitlements import Access
from nudge_sdk.evaluation._guardrails import Claim
from nudge_sdk.payloads._payloads import SCHEMA_VERSION
from nudge_sdk.payloads._schema import _payload, payload_schema
from nudge_sdk.server._pricing import CatalogView
from nudge_sdk.server._requests import (
    ACCOUNT_SCHEMA,
    CLAIM,
    COMPARE,
    EVALUATE,
    EVENT,
    MAY,
    USAGE_SCHEMA,
    Body,
)
from nudge_sdk.server._responses import Health, Problem, Readiness

__all__ = ["API_VERSION", "openapi_document", "openapi_text", "render_openapi"]

API_VERSION = "1"
"""The version of the HTTP API (the ``/v1/`` in its paths)."""

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: str, headers: dict[str, Any] | None = None) -> Any:
    answer: dict[str, Any] = {
        "description": description,
        "content": {_JSON: {"schema": _ref(schema)}},
    }
    if headers:
        answer["headers"] = headers
    return answer


_UNAUTHORIZED = _answer(
    "No bearer token, or not one of the sidecar's (`NUDGE_TOKENS`).",
    "Problem",
    {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
)
_REFUSED = {
    "400": _answer("The body is not a JSON object.", "Problem"),
    "401": _UNAUTHORIZED,
    "413": _answer("The body is larger than the sidecar takes (1 MiB by default).", "Problem"),
    "415": _answer("The body is not `application/json`.", "Problem"),
    "422": _answer("A field (or a query parameter) is wrong; `field` names it.", "Problem"),
}
_RETRY = {"Retry-After": {"schema": {"type": "string"}, "required": True}}


def _post(summary: str, body: Body[Any], answer: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "operationId": body.name.removesuffix("Request").lower(),
            "requestBody": {"required": True, "content": {_JSON: {"schema": _ref(body.name)}}},
            "responses": {"200": answer, **_REFUSED, **more},
        }
    }


def _get(
    summary: str, operation: str, answer: dict[str, Any], *, public: bool = False, **more: Any
) -> dict[str, Any]:
    get: dict[str, Any] = {"summary": summary, "operationId": operation}
    if public:
        get["security"] = []
    get["responses"] = {"200": answer, **({} if public else {"401": _UNAUTHORIZED}), **more}
    return {"get": get}


def _components() -> dict[str, Any]:
    """Every schema the document names: the payloads' ``$defs``, the sidecar's answers,
    the request bodies, with references pointed at ``#/components/schemas``."""
    defs: dict[str, Any] = dict(payload_schema()["$defs"])
    for answer in (Access, Reported, Claim, Problem, Health, Readiness, CatalogView):
        _payload(answer, defs)
    defs["Account"] = ACCOUNT_SCHEMA
    defs["Usage"] = USAGE_SCHEMA
    for body in (EVALUATE, COMPARE, MAY, EVENT, CLAIM):
        defs[body.name] = body.schema()
    text = json.dumps(dict(sorted(defs.items())))
    moved: dict[str, Any] = json.loads(text.replace('"#/$defs/', '"#/components/schemas/'))
    return moved


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document as this module makes it today."""
    paths = {
        "/v1/evaluate": _post(
            "The nudges to show an account now (`Nudges.aevaluate`); what it shows is recorded.",
            EVALUATE,
            _answer(
                "The evaluation payload; `degraded` says if something was wrong.", "Evaluation"
            ),
        ),
        "/v1/compare": _post(
            "The plan comparison for an account (`Evaluator.compare`).",
            COMPARE,
            _answer("The comparison payload.", "Comparison"),
        ),
        "/v1/may": _post(
            "Whether an account may use a feature, and what would give it (`Evaluator.may`).",
            MAY,
            _answer("The access.", "Access"),
        ),
        "/v1/events": _post(
            "Record what the customer did with a nudge (`Nudges.report`).",
            EVENT,
            _answer("Recorded (or recorded before: `duplicate`).", "Reported"),
            **{"503": _answer("The store could not record it; retry.", "Reported", _RETRY)},
        ),
        "/v1/trial-extensions": _post(
            "Claim a trial extension a nudge offered (`Nudges.claim_trial_extension`).",
            CLAIM,
            _answer("Granted, refused (`reason`), or granted before (`duplicate`).", "Claim"),
            **{"503": _answer("The store could not record it; retry.", "Claim", _RETRY)},
        ),
        "/v1/catalog": {
            "get": {
                **_get(
                    "Plans, prices, limits, features and add-ons, for a pricing page.",
                    "catalog",
                    _answer("The catalog being served, formatted for the locale.", "CatalogView"),
                    **{
                        "422": _answer(
                            "A locale over 64 characters, a currency the catalog does not "
                            "sell in, or another parameter.",
                            "Problem",
                        )
                    },
                )["get"],
                "parameters": [
                    {
                        "name": "locale",
                        "in": "query",
                        "required": False,
                        "description": "Format figures for this locale; the catalog's default.",
                        "schema": {"type": "string", "maxLength": 64},
                    },
                    {
                        "name": "currency",
                        "in": "query",
                        "required": False,
                        "description": "Prices in this currency (ISO 4217), one the catalog "
                        "sells in; the catalog's own currency.",
                        "schema": {"type": "string", "maxLength": 3},
                    },
                ],
            }
        },
        "/healthz": _get(
            "Liveness: the process answers.", "health", _answer("Up.", "Health"), public=True
        ),
        "/readyz": _get(
            "Readiness: the catalog is loaded and the store answers.",
            "ready",
            _answer("Ready.", "Readiness"),
            public=True,
            **{"503": _answer("Not ready; `problem` says why.", "Readiness")},
        ),
        "/openapi.json": _get(
            "This document.",
            "openapi",
            {
                "description": "The OpenAPI document.",
                "content": {_JSON: {"schema": {"type": "object"}}},
            },
        ),
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "nudge-sdk sidecar",
            "version": API_VERSION,
            "description": (
                "nudge-sdk over HTTP, for backends not written in Python (`nudge serve`). "
                f"Bodies are the documented payload JSON, schema_version {SCHEMA_VERSION}. "
                "Every call but /healthz and /readyz needs `Authorization: Bearer <token>`."
            ),
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _components(),
        },
    }


def render_openapi() -> str:
    """The generated document as the text that is checked in."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def openapi_text() -> str:
    """The document as checked into the package."""
    return resources.files("nudge_sdk.server").joinpath("openapi.json").read_text("utf-8")
