"""End to end: a nudge the sidecar chose, rendered in chromium by the reference
elements; the customer dismisses it; the host's endpoint forwards the event to the
sidecar, which records it in the store; the next evaluation holds the nudge back."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from nudge_sdk.payloads._json import instant
from nudge_sdk.server import create_app
from tests.test_renderer import browser, context, mount, page, site  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = ROOT / "examples" / "accounts"
ACCOUNT: dict[str, Any] = json.loads((ACCOUNTS / "storage_full.json").read_text())
USAGE: dict[str, Any] = json.loads((ACCOUNTS / "storage_full.usage.json").read_text())
TOKEN = "end-to-end"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def sidecar(tmp_path: Path) -> Iterator[TestClient]:
    """The sidecar on a copy of the example catalog and a SQLite store."""
    plans = tmp_path / "plans.yaml"
    shutil.copy(ROOT / "examples" / "plans.yaml", plans)
    app = create_app(plans, f"sqlite:///{tmp_path / 'state.db'}", tokens=[TOKEN], reload_every=0)
    with TestClient(app, headers=AUTH) as client:
        yield client


def current(account: dict[str, Any]) -> dict[str, Any]:
    """The example account with its billing period around today: the sidecar evaluates
    by its own clock, as a host does, and a period long past would make the counters'
    projections depend on the hour the test runs."""
    today = datetime.now(UTC)
    period = {
        "start": instant(today - timedelta(days=15)),
        "end": instant(today + timedelta(days=15)),
    }
    return account | {"period": period, "signup": instant(today - timedelta(days=400))}


def evaluate(sidecar: TestClient) -> dict[str, Any]:
    """An evaluation now, by the sidecar's clock: the browser reports on the same one."""
    body = {"account": current(ACCOUNT), "usage": USAGE, "placement": "banner"}
    answer = sidecar.post("/v1/evaluate", json=body | {"explain": True})
    assert 200 == answer.status_code
    result: dict[str, Any] = answer.json()
    return result


def test_a_dismissal_in_the_browser_holds_the_nudge_back(page: Any, sidecar: TestClient) -> None:  # noqa: F811
    """Dismiss in chromium, through the host's endpoint and the sidecar into the store;
    the next evaluation says `dismissed`."""
    first = evaluate(sidecar)
    banners = [n for n in first["nudges"] if n["placement"] == "banner"]
    assert 1 == len(banners), (first["problems"], first["decisions"])
    [nudge] = banners
    forwarded: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def host_endpoint(route: Any) -> None:
        """What a host's /nudges/events does: add its service token, forward."""
        answer = sidecar.post(
            "/v1/events",
            content=route.request.post_data or "{}",
            headers={"content-type": "application/json"},
        )
        with lock:
            forwarded.append((answer.status_code, answer.json()))
        route.fulfill(status=answer.status_code, content_type="application/json", body=answer.text)

    page.route("**/nudges/events", host_endpoint)
    banner = mount(page, "nudge-banner", first, placement="banner", endpoint="/nudges/events")
    with page.expect_response(
        lambda r: "/nudges/events" in r.url and "dismissed" in (r.request.post_data or "")
    ):
        banner.get_by_role("button", name="Dismiss").first.click()
    with lock:
        kinds = [body for status, body in forwarded if status == 200]
    assert any(body["recorded"] for body in kinds)
    later = evaluate(sidecar)
    reasons = {d["rule"]: d["reason"] for d in later["decisions"]}
    assert "dismissed" == reasons[nudge["rule"]]
    assert nudge["id"] not in [n["id"] for n in later["nudges"]]
