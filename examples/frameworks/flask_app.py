"""nudge-sdk in a Flask app: evaluate an account, record what the frontend reports.

    pip install nudge-sdk flask
    NUDGE_STORE=sqlite:///nudge-state.db flask --app examples.frameworks.flask_app run

The endpoints and their JSON are those of fastapi_app.py (its docstring has curl lines;
Flask listens on port 5000). `create_app` builds `Nudges` (the compiled catalog and
the store) once and keeps it in ``app.extensions``; the store is closed at exit.
"""

from __future__ import annotations

import atexit
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import BadRequest, HTTPException

from nudge_sdk import InvalidInput, Nudges, account_from_json, load_catalog, to_json

PLANS = Path(__file__).resolve().parent.parent / "plans.yaml"

nudges_api = Blueprint("nudges", __name__, url_prefix="/nudges")


def create_app() -> Flask:
    """The app, with `Nudges` built from examples/plans.yaml and ``$NUDGE_STORE``."""
    app = Flask(__name__)
    store = os.environ.get("NUDGE_STORE", "sqlite:///nudge-state.db")
    app.extensions["nudges"] = Nudges(load_catalog(PLANS), store=store)
    atexit.register(app.extensions["nudges"].close)
    app.register_blueprint(nudges_api)
    return app


def nudges() -> Nudges:
    found: Nudges = current_app.extensions["nudges"]
    return found


@nudges_api.errorhandler(InvalidInput)
def invalid_input(error: InvalidInput) -> tuple[dict[str, str], int]:
    """A bad account or event (`InvalidEvent` is an `InvalidInput`): 400 and the reason."""
    return {"error": str(error)}, 400


@nudges_api.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[dict[str, str], int]:
    """Bad JSON (400), or not sent as JSON (415): JSON errors for a JSON API."""
    return {"error": str(error.description)}, error.code or 500


def body() -> dict[str, Any]:
    """The request's JSON object; 400 for anything else."""
    data = request.get_json()  # not JSON, or not sent as JSON: BadRequest
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def instant(data: dict[str, Any], name: str) -> datetime | None:
    """An optional ISO 8601 field; 400 if it is not one (a naive one `report` refuses)."""
    value = data.get(name)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name}: expected an ISO 8601 instant, got {value!r}") from None


@nudges_api.post("/evaluate")
def evaluate() -> Any:
    """The nudges to show this account now, as the payload JSON."""
    data = body()
    # In a real app the account comes from your database, for the account of the
    # signed-in user (the session), and the usage from your metering, not from the body.
    account = account_from_json(data.get("account"))  # InvalidInput: 400, naming the field
    usage = data.get("usage")
    if not isinstance(usage, dict):
        raise BadRequest("usage: expected a JSON object of metric to number")
    now = instant(data, "now") or datetime.now(UTC)  # `now` is for tests and demos
    if now.tzinfo is None:
        raise BadRequest("now: expected an instant with a time zone")
    placement = data.get("placement")
    explain = data.get("explain") is True
    return to_json(nudges().evaluate(account, usage, now=now, placement=placement, explain=explain))


@nudges_api.post("/events")
def record_event() -> dict[str, bool]:
    """What the customer did with a nudge; idempotent by (nudge, kind, event_id)."""
    data = body()
    # In a real app take the account from the session (flask_login's
    # `current_user.account_id`), never from the body: otherwise anyone can report for
    # any account.
    account = data.get("account", "")
    reported = nudges().report(
        account,  # `report` checks the ids, the kind and the times: InvalidEvent, 400
        data.get("nudge", ""),
        data.get("kind", ""),
        at=instant(data, "at") or datetime.now(UTC),
        until=instant(data, "until"),
        event_id=data.get("event_id"),
        plan=data.get("plan"),
        addon=data.get("addon"),
        amount_minor=data.get("amount_minor"),
    )
    return {"recorded": reported.recorded, "duplicate": reported.duplicate}
