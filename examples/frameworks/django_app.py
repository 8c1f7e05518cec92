"""nudge-sdk in Django, in one module: settings, `Nudges`, views and URLs.

    pip install nudge-sdk django
    NUDGE_STORE=sqlite:///nudge-state.db python examples/frameworks/django_app.py runserver
    gunicorn examples.frameworks.django_app:application  # or any WSGI server

The endpoints and their JSON are those of fastapi_app.py (its docstring has curl lines;
runserver listens on port 8000). In a project the settings stay in settings.py, the
views go in an app's views.py and the URLs in its urls.py, and `nudges` in a module of
its own, built once when the process imports it.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from nudge_sdk import Nudges, account_from_json, load_catalog, to_json

PLANS = Path(__file__).resolve().parent.parent / "plans.yaml"

settings.configure(
    DEBUG=os.environ.get("DJANGO_DEBUG") == "1",
    SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "only-for-this-example"),
    ALLOWED_HOSTS=["localhost", "127.0.0.1"],
    ROOT_URLCONF=__name__,
    # A real project keeps its session, auth and CSRF middleware; the frontend then
    # sends the CSRF token (the X-CSRFToken header) with its posts.
    MIDDLEWARE=[],
)

nudges = Nudges(
    load_catalog(PLANS), store=os.environ.get("NUDGE_STORE", "sqlite:///nudge-state.db")
)
atexit.register(nudges.close)


def body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object; `ValueError` for anything else."""
    data = json.loads(request.body)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def instant(data: dict[str, Any], name: str) -> datetime | None:
    """An optional ISO 8601 field; `ValueError` if it is not one."""
    value = data.get(name)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected an ISO 8601 instant, got {value!r}") from None


@require_POST
def evaluate(request: HttpRequest) -> JsonResponse:
    """The nudges to show this account now, as the payload JSON."""
    try:
        data = body(request)
        # In a real app the account comes from your database, for `request.user`'s
        # account, and the usage from your metering, not from the body.
        account = account_from_json(data.get("account"))  # InvalidInput names the field
        usage = data.get("usage")
        if not isinstance(usage, dict):
            raise ValueError("usage: expected a JSON object of metric to number")
        now = instant(data, "now") or datetime.now(UTC)  # `now` is for tests and demos
        if now.tzinfo is None:
            raise ValueError("now: expected an instant with a time zone")
    except ValueError as error:  # the SDK's InvalidInput is a ValueError too
        return JsonResponse({"error": str(error)}, status=400)
    placement = data.get("placement")
    explain = data.get("explain") is True
    result = nudges.evaluate(account, usage, now=now, placement=placement, explain=explain)
    return JsonResponse(to_json(result))


@require_POST
def record_event(request: HttpRequest) -> JsonResponse:
    """What the customer did with a nudge; idempotent by (nudge, kind, event_id)."""
    try:
        data = body(request)
        # In a real app take the account from the session (`request.user`), never
        # from the body: otherwise anyone can report for any account.
        account = data.get("account", "")
        reported = nudges.report(
            account,  # `report` checks the ids, the kind and the times: InvalidEvent
            data.get("nudge", ""),
            data.get("kind", ""),
            at=instant(data, "at") or datetime.now(UTC),
            until=instant(data, "until"),
            event_id=data.get("event_id"),
            plan=data.get("plan"),
            addon=data.get("addon"),
            amount_minor=data.get("amount_minor"),
        )
    except ValueError as error:  # InvalidEvent is an InvalidInput, a ValueError
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"recorded": reported.recorded, "duplicate": reported.duplicate})


urlpatterns = [
    path("nudges/evaluate", evaluate),
    path("nudges/events", record_event),
]

application = get_wsgi_application()

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
