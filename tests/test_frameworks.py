"""The examples in examples/frameworks/, each through its framework's own test client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from fastapi.testclient import TestClient

from examples.frameworks import django_app, fastapi_app, flask_app
from nudge_sdk import InvalidInput, Nudges, account_from_json, load_catalog

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = ROOT / "examples" / "accounts"
NOW = "2025-06-16T00:00:00Z"

Post = Callable[[str, Any], tuple[int, Any]]
"""Posts a JSON body to a path of the app; its status and its JSON answer."""


@pytest.fixture(params=["fastapi", "flask", "django"])
def post(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Post]:
    """One app, started on a fresh SQLite file as its start-up reads it: $NUDGE_STORE."""
    store = f"sqlite:///{tmp_path / 'nudge-state.db'}"
    monkeypatch.setenv("NUDGE_STORE", store)
    if request.param == "fastapi":
        with TestClient(fastapi_app.app) as client:  # runs the lifespan: start-up, shutdown
            yield lambda path, body: _answer(client.post(path, json=body))
    elif request.param == "flask":
        app = flask_app.create_app()
        flask_client = app.test_client()
        yield lambda path, body: _answer(flask_client.post(path, json=body))
        app.extensions["nudges"].close()
    else:  # the module built its `nudges` when it was imported; give it this test's store
        nudges = Nudges(load_catalog(django_app.PLANS), store=store)
        monkeypatch.setattr(django_app, "nudges", nudges)
        django_client = Client(SERVER_NAME="localhost")
        yield lambda path, body: _answer(
            django_client.post(path, body, content_type="application/json")
        )
        nudges.close()


def _answer(response: Any) -> tuple[int, Any]:
    text = response.text if hasattr(response, "text") else response.content
    return response.status_code, json.loads(text)


def evaluation(**extra: Any) -> dict[str, Any]:
    """The evaluate body for the example account whose storage is almost full."""
    return {
        "account": json.loads((ACCOUNTS / "storage_full.json").read_text()),
        "usage": json.loads((ACCOUNTS / "storage_full.usage.json").read_text()),
        "placement": "banner",
        "now": NOW,
        **extra,
    }


def event(nudge: str, kind: str = "dismissed", **extra: Any) -> dict[str, Any]:
    return {"account": "acct_42", "nudge": nudge, "kind": kind, "at": NOW, **extra}


def test_evaluate_shows_the_storage_nudge(post: Post) -> None:
    """The example account, almost out of storage, is offered more."""
    status, answer = post("/nudges/evaluate", evaluation())
    assert 200 == status
    assert ["storage_almost_full"] == [n["rule"] for n in answer["nudges"]], answer
    assert "acct_42" == answer["account"]
    assert answer["degraded"] is False


def test_dismissed_nudge_is_held_back(post: Post) -> None:
    """A dismissal the frontend posts is remembered by the next evaluation."""
    _, first = post("/nudges/evaluate", evaluation())
    nudge = first["nudges"][0]["id"]
    assert (200, {"recorded": True, "duplicate": False}) == post("/nudges/events", event(nudge))
    status, again = post("/nudges/evaluate", evaluation(explain=True))
    assert 200 == status
    assert [] == again["nudges"]
    held = {d["rule"]: d["reason"] for d in again["decisions"]}
    assert "dismissed" == held["storage_almost_full"]


def test_duplicate_event_changes_nothing(post: Post) -> None:
    """The same event id posted twice is recorded once; the second says duplicate."""
    _, first = post("/nudges/evaluate", evaluation())
    nudge = first["nudges"][0]["id"]
    assert (200, {"recorded": True, "duplicate": False}) == post(
        "/nudges/events", event(nudge, "clicked", event_id="evt_1")
    )
    assert (200, {"recorded": True, "duplicate": True}) == post(
        "/nudges/events", event(nudge, "clicked", event_id="evt_1")
    )


def test_unknown_nudge_is_400(post: Post) -> None:
    """An event for a nudge the account was not shown: 400 with InvalidEvent's text."""
    status, answer = post("/nudges/events", event("not_a_nudge"))
    assert 400 == status
    assert answer["error"].startswith("event 'dismissed' for nudge 'not_a_nudge' of account")


def test_bad_account_is_400(post: Post) -> None:
    """A wrong account gives 400 with the message of `account_from_json`."""
    body = evaluation()
    body["account"]["seats"] = "three"
    with pytest.raises(InvalidInput) as raised:
        account_from_json(body["account"])
    assert (400, {"error": str(raised.value)}) == post("/nudges/evaluate", body)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/nudges/evaluate", [1, 2]),
        ("/nudges/evaluate", {"account": {}, "usage": "lots"}),
        ("/nudges/evaluate", {**evaluation(), "now": "yesterday"}),
        ("/nudges/evaluate", {**evaluation(), "now": "2025-06-16T00:00:00"}),
        ("/nudges/events", "dismissed"),
        ("/nudges/events", event("n", kind="liked")),
        ("/nudges/events", event("n", at="2025-06-16T00:00:00")),
    ],
)
def test_malformed_body_is_client_error(post: Post, path: str, body: Any) -> None:
    """A body of the wrong shape is the client's error (400, or FastAPI's 422)."""
    status, _ = post(path, body)
    assert status in (400, 422)


@pytest.mark.parametrize(
    ("kind", "extra", "held"),
    [
        ("shown", {}, None),
        ("snoozed", {"until": "2025-06-20T00:00:00Z"}, "snoozed"),
        ("converted", {"plan": "team", "amount_minor": 1234}, None),
    ],
)
def test_every_event_kind_is_recorded(
    post: Post, kind: str, extra: dict[str, Any], held: str | None
) -> None:
    """The frontend's shown, snoozed (with its end) and converted events are recorded;
    a snoozed nudge is held back until then."""
    _, first = post("/nudges/evaluate", evaluation())
    nudge = first["nudges"][0]["id"]
    answer = post("/nudges/events", event(nudge, kind, **extra))
    assert (200, {"recorded": True, "duplicate": False}) == answer
    if held is not None:
        _, again = post("/nudges/evaluate", evaluation(explain=True))
        reasons = {d["rule"]: d["reason"] for d in again["decisions"]}
        assert held == reasons["storage_almost_full"]


def test_the_django_module_builds_its_store_from_the_environment(tmp_path: Path) -> None:
    """Imported afresh (as a server starts it), the Django example builds `nudges` from
    $NUDGE_STORE; the fixture above swaps it only because one process imports it once."""
    store = f"sqlite:///{tmp_path / 'django-state.db'}"
    code = "import examples.frameworks.django_app as app; print(app.nudges.store.name)"
    env = {**os.environ, "NUDGE_STORE": store}
    ran = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (0, store) == (ran.returncode, ran.stdout.strip()), ran.stderr
