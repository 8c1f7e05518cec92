"""The HTTP sidecar: nudge-sdk for backends not written in Python (``nudge serve``).

An edge layer (sockets, files, the clock), on top of everything else: it may import
`Nudges` and the layers below it, and nothing imports it. It needs the ``server`` extra
(Starlette; uvicorn to run it): ``pip install 'nudge-sdk[server]'``.

=========================  =================================================================
``POST /v1/evaluate``      the nudges to show an account now (`Nudges.aevaluate`)
``POST /v1/compare``       the plan comparison (`Evaluator.compare`)
``POST /v1/may``           feature access (`Evaluator.may`)
``POST /v1/events``        what the customer did with a nudge (`Nudges.report`)
``POST /v1/trial-extensions``  claim a trial extension (`Nudges.claim_trial_extension`)
``GET /v1/catalog``        plans, prices, limits, features, add-ons, for a pricing page
``GET /healthz``           liveness; no token needed
``GET /readyz``            readiness (catalog loaded, store answers); no token needed
``GET /openapi.json``      the OpenAPI 3.1 document (``server/openapi.json``)
=========================  =================================================================
"""

from nudge_sdk._errors import MissingExtra

try:
    import starlette  # noqa: F401 - only to say which extra is missing
except ImportError:  # pragma: no cover - the extra is installed in development
    raise MissingExtra("the sidecar", "server") from None

from nudge_sdk.server._app import MAX_BODY, PUBLIC_PATHS, Sidecar, create_app
from nudge_sdk.server._live import LiveCatalog
from nudge_sdk.server._openapi import openapi_document, openapi_text, render_openapi

__all__ = [
    "MAX_BODY",
    "PUBLIC_PATHS",
    "LiveCatalog",
    "Sidecar",
    "create_app",
    "openapi_document",
    "openapi_text",
    "render_openapi",
]
