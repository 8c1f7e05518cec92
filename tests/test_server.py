"""The HTTP sidecar (`nudge_sdk.server`), through Starlette's test client."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from structlog.testing import capture_logs

from nudge_sdk import Evaluator, MemoryStore, MissingExtra, StoreUnavailable
from nudge_sdk.cli import main
from nudge_sdk.evaluation._state import StateSnapshot
from nudge_sdk.server import create_app, openapi_document, openapi_text, render_openapi
from nudge_sdk.server._app import Sidecar

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = ROOT / "examples" / "accounts"
NOW = "2025-06-16T00:00:00Z"
TOKEN = "t0ken-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"content-type": "application/json"}
ACCOUNT: dict[str, Any] = json.loads((ACCOUNTS / "storage_full.json").read_text())
USAGE: dict[str, Any] = json.loads((ACCOUNTS / "storage_full.usage.json").read_text())
TRIAL: dict[str, Any] = {
    **ACCOUNT,
    "id": "acct_trial",
    "plan": "team",
    "signup": "2025-06-02T00:00:00Z",
    "trial_end": "2025-06-18T00:00:00Z",
}

Client = Callable[..., TestClient]
"""Starts the sidecar on a catalog file and a store, with its lifespan running."""


@pytest.fixture
def plans(tmp_path: Path) -> Path:
    """A copy of the example catalog that a test may rewrite."""
    path = tmp_path / "plans.yaml"
    shutil.copy(ROOT / "examples" / "plans.yaml", path)
    return path


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store the embedded default covers: this process only, and a SQLite file."""
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def serve(plans: Path) -> Iterator[Client]:
    clients: list[TestClient] = []

    def start(store: Any = "memory://", **options: Any) -> TestClient:
        options.setdefault("tokens", [TOKEN])
        options.setdefault("reload_every", 0)
        client = TestClient(create_app(plans, store, **options), headers=AUTH)
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(serve: Client, store: str) -> TestClient:
    return serve(store)


def evaluation(**extra: Any) -> dict[str, Any]:
    return {"account": ACCOUNT, "usage": USAGE, "now": NOW, "placement": "banner", **extra}


def conforms(name: str, answer: Any) -> None:
    """`answer` follows the OpenAPI document's schema `name`."""
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(answer)


# -- each endpoint ------------------------------------------------------------------


def test_evaluate_shows_the_storage_nudge(client: TestClient) -> None:
    """The example account, almost out of storage, is offered more, as the payload JSON."""
    response = client.post("/v1/evaluate", json=evaluation())
    assert 200 == response.status_code
    assert "application/json" == response.headers["content-type"]
    answer = response.json()
    assert ["storage_almost_full"] == [n["rule"] for n in answer["nudges"]]
    assert answer["degraded"] is False
    conforms("Evaluation", answer)


def test_evaluate_takes_every_option(client: TestClient) -> None:
    """explain, compare, feature, events and a null placement all reach the SDK."""
    body = evaluation(placement=None, explain=True, compare=True, feature="sso", events=["x"])
    answer = client.post("/v1/evaluate", json=body).json()
    assert answer["decisions"]
    assert "comparison" == answer["comparison"]["kind"]
    assert "feature_locked" in {n["kind"] for n in answer["nudges"]}


def test_dismissed_nudge_is_held_back(client: TestClient) -> None:
    """evaluate, then the frontend's dismissal, then evaluate: the nudge stays away."""
    first = client.post("/v1/evaluate", json=evaluation()).json()
    nudge = first["nudges"][0]["id"]
    event = {"account": "acct_42", "nudge": nudge, "kind": "dismissed", "at": NOW}
    response = client.post("/v1/events", json=event)
    assert (200, {"recorded": True, "duplicate": False, "problem": ""}) == (
        response.status_code,
        response.json(),
    )
    assert {"recorded": True, "duplicate": True, "problem": ""} == client.post(
        "/v1/events", json=event
    ).json()
    later = client.post(
        "/v1/evaluate", json=evaluation(now="2025-06-20T00:00:00Z", explain=True)
    ).json()
    assert [] == later["nudges"]
    reasons = {d["rule"]: d["reason"] for d in later["decisions"]}
    assert "dismissed" == reasons["storage_almost_full"]


def test_event_for_a_nudge_never_shown_names_the_nudge(client: TestClient) -> None:
    """An event for an id the account was not shown is a 422 naming `nudge`."""
    event = {"account": "acct_42", "nudge": "nope", "kind": "clicked", "at": NOW}
    response = client.post("/v1/events", json=event)
    assert 422 == response.status_code
    assert "nudge" == response.json()["field"]
    assert "was not shown" in response.json()["error"]


def test_trial_extension_is_claimed_once(client: TestClient) -> None:
    """The trial nudge's extension: granted, then the same claim again is a duplicate."""
    body = {"account": TRIAL, "usage": {"storage_gb": 5, "seats": 3}, "now": NOW}
    shown = client.post("/v1/evaluate", json=body).json()
    nudge = next(n["id"] for n in shown["nudges"] if n["kind"] == "trial_extension")
    claim = {"account": "acct_trial", "nudge": nudge, "at": NOW}
    first = client.post("/v1/trial-extensions", json=claim).json()
    again = client.post("/v1/trial-extensions", json=claim).json()
    assert {"granted": True, "days": 7, "duplicate": False, "reason": ""} == first
    assert {"granted": True, "days": 7, "duplicate": True, "reason": ""} == again
    conforms("Claim", first)


def test_compare(client: TestClient) -> None:
    """The comparison payload, the recommended plan among its columns."""
    body = {"account": ACCOUNT, "usage": USAGE, "now": NOW}
    answer = client.post("/v1/compare", json=body).json()
    assert "comparison" == answer["kind"]
    assert answer["recommended"] in [c["plan"] for c in answer["columns"]]
    conforms("Comparison", answer)


def test_may(client: TestClient) -> None:
    """Starter lacks SSO; Team is the cheapest plan that has it."""
    answer = client.post("/v1/may", json={"account": ACCOUNT, "feature": "sso"}).json()
    expected = {
        "feature": "sso",
        "allowed": False,
        "reason": "not_in_plan",
        "cheapest_plan": "team",
        "cheapest_addon": None,
    }
    assert expected == answer
    conforms("Access", answer)


def test_may_for_an_unknown_plan_names_it(client: TestClient) -> None:
    """`may` cannot answer for a plan the catalog lacks: a 422 naming account.plan."""
    body = {"account": {**ACCOUNT, "plan": "gold"}, "feature": "sso"}
    response = client.post("/v1/may", json=body)
    assert (422, "account.plan") == (response.status_code, response.json()["field"])


def test_catalog_for_a_pricing_page(client: TestClient) -> None:
    """Plans in ladder order with prices in minor units and formatted, per locale."""
    answer = client.get("/v1/catalog").json()
    conforms("CatalogView", answer)
    assert ["free", "starter", "team", "business"] == [p["id"] for p in answer["plans"]][:4]
    starter = next(p for p in answer["plans"] if p["id"] == "starter")
    month = next(p for p in starter["prices"] if p["interval"] == "month")
    assert {"minor": 900, "amount": "9.00", "formatted": "$9.00"} == month["base"]
    assert "sso" in next(p for p in answer["plans"] if p["id"] == "team")["features"]
    assert "storage_pack" in [a["id"] for a in answer["addons"]]
    german = client.get("/v1/catalog", params={"locale": "de-DE"}).json()
    starter = next(p for p in german["plans"] if p["id"] == "starter")
    assert "9,00\xa0$" == starter["prices"][0]["base"]["formatted"]
    assert "de_DE" == german["locale"]


def test_probes_need_no_token(serve: Client) -> None:
    """/healthz and /readyz answer without a token: they are what orchestrators ask."""
    client = serve()
    bare = TestClient(client.app)
    assert (200, {"status": "ok"}) == (
        bare.get("/healthz").status_code,
        bare.get("/healthz").json(),
    )
    ready = bare.get("/readyz")
    assert 200 == ready.status_code
    assert {"ready": True, "store": "memory://", "problem": ""}.items() <= ready.json().items()


# -- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, 'Bearer realm="nudge"'),
        ({"Authorization": "Bearer wrong"}, 'Bearer realm="nudge", error="invalid_token"'),
        ({"Authorization": f"Basic {TOKEN}"}, 'Bearer realm="nudge"'),
        ({"Authorization": f"Bearer {TOKEN}x"}, 'Bearer realm="nudge", error="invalid_token"'),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/evaluate"),
        ("POST", "/v1/events"),
        ("GET", "/v1/catalog"),
        ("GET", "/openapi.json"),
        ("GET", "/nowhere"),
    ],
)
def test_no_valid_token_is_a_401(
    serve: Client, headers: dict[str, str], challenge: str, method: str, path: str
) -> None:
    """Everything but the probes needs one of the tokens: else 401 and a Bearer challenge."""
    app = serve().app
    response = TestClient(app).request(method, path, headers=headers, json=evaluation())
    assert 401 == response.status_code
    assert challenge == response.headers["WWW-Authenticate"]
    assert "Authorization" == response.json()["field"]


def test_any_of_several_tokens(serve: Client) -> None:
    """Every token in the list is accepted (rotation: old and new at once)."""
    app = serve(tokens=["old", TOKEN, "new"]).app
    for token in ("old", "new"):
        bare = TestClient(app, headers={"Authorization": f"bearer {token}"})
        assert 200 == bare.get("/v1/catalog").status_code


def test_without_tokens_nothing_is_asked(serve: Client) -> None:
    """tokens=None (`--insecure-no-auth`) serves without authentication."""
    app = serve(tokens=None).app
    assert 200 == TestClient(app).get("/v1/catalog").status_code


@pytest.mark.parametrize("tokens", ["one-text", [], [""]])
def test_tokens_must_be_a_real_list(plans: Path, tokens: Any) -> None:
    """One text, or no token at all, is refused: None is how to ask for no auth."""
    with pytest.raises(ValueError, match="tokens"):
        create_app(plans, tokens=tokens)


def test_a_body_over_the_limit_is_a_413(serve: Client) -> None:
    """Declared or streamed, a body past the limit is refused before it is parsed."""
    client = serve(max_body=1024)
    big = json.dumps(evaluation(events=["x" * 2000])).encode()
    declared = client.post("/v1/evaluate", content=big, headers=JSON)
    streamed = client.post(
        "/v1/evaluate",
        content=iter([big[:600], big[600:]]),
        headers=JSON,
    )
    for response in (declared, streamed):
        assert (413, "body") == (response.status_code, response.json()["field"])
    assert 200 == client.post("/v1/evaluate", json=evaluation()).status_code


def test_the_default_limit_is_one_mebibyte(client: TestClient) -> None:
    """1 MiB and a byte is too much."""
    body = b" " * (1024 * 1024 + 1)
    response = client.post("/v1/evaluate", content=body, headers=JSON)
    assert 413 == response.status_code


BAD = [
    (b"{", 400, "body"),
    (b"[]", 400, "body"),
    (b'{"a": NaN}', 400, "body"),
    (b"\xff\xfe{", 400, "body"),
    (b"[" * 100_000 + b"]" * 100_000, 400, "body"),
    (b"{}", 422, "account"),
    (json.dumps({"account": ACCOUNT}).encode(), 422, "usage"),
    (json.dumps({**evaluation(), "colour": 1}).encode(), 422, "colour"),
    (json.dumps(evaluation(now="2025-06-16T00:00:00")).encode(), 422, "now"),
    (json.dumps(evaluation(now="9999-12-31T00:00:00Z")).encode(), 422, "now"),
    (json.dumps(evaluation(now=17)).encode(), 422, "now"),
    (json.dumps(evaluation(explain="yes")).encode(), 422, "explain"),
    (json.dumps(evaluation(events=["a", 2])).encode(), 422, "events[1]"),
    (json.dumps(evaluation(placement="")).encode(), 422, "placement"),
    (json.dumps(evaluation(usage=[1])).encode(), 422, "usage"),
    (json.dumps(evaluation(usage={"storage_gb": "9"})).encode(), 422, "usage.storage_gb"),
    (json.dumps(evaluation(usage={"seats": {"per_day": 1}})).encode(), 422, "usage.seats.value"),
    (json.dumps(evaluation(usage={"seats": {"value": 1, "x": 1}})).encode(), 422, "usage.seats.x"),
    (json.dumps(evaluation(account={**ACCOUNT, "seats": 0})).encode(), 422, "account.seats"),
    (json.dumps(evaluation(account={**ACCOUNT, "signup": None})).encode(), 422, "account.signup"),
    (json.dumps(evaluation(account={**ACCOUNT, "x": 1})).encode(), 422, "account"),
    (json.dumps(evaluation(account="acct_42")).encode(), 422, "account"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD)
def test_a_bad_body_names_the_field(
    client: TestClient, body: bytes, status: int, field: str
) -> None:
    """Not JSON or not an object: 400; a field wrong: 422; either way the field named."""
    response = client.post("/v1/evaluate", content=body, headers=JSON)
    assert (status, field) == (response.status_code, response.json()["field"])
    conforms("Problem", response.json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account": "a", "nudge": "n"}, "kind"),
        ({"account": "a", "nudge": "n", "kind": "liked"}, "kind"),
        ({"account": "", "nudge": "n", "kind": "shown"}, "account"),
        ({"account": "a", "nudge": "n" * 513, "kind": "shown"}, "nudge"),
        ({"account": "a", "nudge": "n", "kind": "converted", "amount_minor": 1.5}, "amount_minor"),
        ({"account": "a", "nudge": "n", "kind": "snoozed", "until": "soon"}, "until"),
    ],
)
def test_a_bad_event_names_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    """Events are checked field by field too."""
    response = client.post("/v1/events", json=body)
    assert (422, field) == (response.status_code, response.json()["field"])


def test_a_body_that_is_not_json_is_a_415(client: TestClient) -> None:
    """A form post (curl -d without a Content-Type) is refused, saying what to send."""
    response = client.post("/v1/evaluate", content=json.dumps(evaluation()))
    assert (415, "Content-Type") == (response.status_code, response.json()["field"])


def test_unknown_path_and_method_are_json_problems(client: TestClient) -> None:
    """404 and 405 are problems too; 405 says which method is allowed."""
    missing, wrong = client.get("/v2/evaluate"), client.get("/v1/evaluate")
    assert (404, None) == (missing.status_code, missing.json()["field"])
    assert (405, "POST") == (wrong.status_code, wrong.headers["allow"])


def test_an_unexpected_error_is_a_logged_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last resort: a bug is a 500 problem and a logged event, never a traceback."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Evaluator, "may", broken)
    with capture_logs() as logs:
        response = client.post("/v1/may", json={"account": ACCOUNT, "feature": "sso"})
    assert (500, None) == (response.status_code, response.json()["field"])
    assert ["nudge.server.failed"] == [e["event"] for e in logs if e["log_level"] == "error"]


# -- a failing store --------------------------------------------------------------------


class DownStore(MemoryStore):
    """A store whose engine does not answer."""

    name = "down://"

    def load(self, account: str) -> StateSnapshot:
        raise StoreUnavailable(self.name, "connection refused")

    def save(self, account: str, state: StateSnapshot, *, expires: datetime) -> bool:
        raise StoreUnavailable(self.name, "connection refused")


def test_not_ready_while_the_store_is_down(serve: Client) -> None:
    """/readyz is a 503 saying why; evaluation still answers 200, degraded and quiet."""
    client = serve(DownStore())
    ready = client.get("/readyz")
    assert 503 == ready.status_code
    assert ready.json()["ready"] is False
    assert "connection refused" in ready.json()["problem"]
    conforms("Readiness", ready.json())
    answer = client.post("/v1/evaluate", json=evaluation()).json()
    assert (True, []) == (answer["degraded"], answer["nudges"])
    assert answer["problems"][-1].startswith("store_unavailable")


def test_an_event_the_store_could_not_record_is_a_503(serve: Client) -> None:
    """The client should retry (the report is idempotent): 503 with Retry-After."""
    client = serve(DownStore())
    event = {"account": "acct_42", "nudge": "n1", "kind": "clicked", "at": NOW}
    response = client.post("/v1/events", json=event)
    assert (503, "5") == (response.status_code, response.headers["Retry-After"])
    assert response.json()["recorded"] is False


# -- the catalog's reload ---------------------------------------------------------------


def _sidecar(client: TestClient) -> Sidecar:
    sidecar: Sidecar = client.app.state.sidecar  # type: ignore[attr-defined]
    return sidecar


def _starter_price(client: TestClient) -> int:
    plans = client.get("/v1/catalog").json()["plans"]
    starter = next(p for p in plans if p["id"] == "starter")
    return int(starter["prices"][0]["base"]["minor"])


def test_a_valid_new_catalog_replaces_the_old(serve: Client, plans: Path) -> None:
    """A changed file is loaded; the next requests see it, the store stays the same."""
    client = serve()
    before = client.get("/v1/catalog").json()["version"]
    nudge = client.post("/v1/evaluate", json=evaluation()).json()["nudges"][0]["id"]
    plans.write_text(plans.read_text().replace("month: 9.00", "month: 11.00"))
    with capture_logs() as logs:
        assert _sidecar(client).live.reload() is True
    assert 1100 == _starter_price(client)
    assert before != client.get("/v1/catalog").json()["version"]
    assert ["nudge.server.catalog_reloaded"] == [e["event"] for e in logs]
    event = {"account": "acct_42", "nudge": nudge, "kind": "dismissed", "at": NOW}
    assert 200 == client.post("/v1/events", json=event).status_code  # same store


def test_an_invalid_catalog_is_refused_and_the_old_serves(serve: Client, plans: Path) -> None:
    """A catalog with errors is logged and refused; nothing changes for clients."""
    client = serve()
    before = client.get("/v1/catalog").json()["version"]
    plans.write_text(plans.read_text().replace("month: 9.00", "month: -9.00"))
    with capture_logs() as logs:
        assert _sidecar(client).live.reload() is False
    assert before == client.get("/v1/catalog").json()["version"]
    assert 900 == _starter_price(client)
    assert ["nudge.server.catalog_refused"] == [e["event"] for e in logs]
    assert "plans.starter.prices.month" in logs[0]["problem"]
    assert 200 == client.get("/readyz").status_code


def test_the_file_is_watched_in_the_background(serve: Client, plans: Path) -> None:
    """With reload_every, the running app notices a changed file by itself."""
    client = serve(reload_every=0.02)
    plans.write_text(plans.read_text().replace("month: 9.00", "month: 12.00"))
    deadline = time.monotonic() + 10
    while _starter_price(client) != 1200 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert 1200 == _starter_price(client)


def test_a_missing_file_keeps_the_old_catalog(serve: Client, plans: Path) -> None:
    """A file removed (mid-deploy) is refused like an invalid one."""
    client = serve()
    plans.unlink()
    with capture_logs() as logs:
        assert _sidecar(client).live.reload() is False
    assert 900 == _starter_price(client)
    assert ["nudge.server.catalog_refused"] == [e["event"] for e in logs]


# -- the OpenAPI document ---------------------------------------------------------------


def test_openapi_document_is_up_to_date() -> None:
    """The checked-in document is what the generator makes from today's types; rebuild
    it with the command in `nudge_sdk.server._openapi` after changing them."""
    assert render_openapi() == openapi_text()


def test_openapi_document_is_served(client: TestClient) -> None:
    """GET /openapi.json is the checked-in document, byte for byte."""
    assert openapi_text().encode() == client.get("/openapi.json").content


def test_openapi_document_is_valid_json_schema() -> None:
    """Every component is a valid JSON Schema 2020-12, and every reference resolves."""
    document = openapi_document()
    for name in document["components"]["schemas"]:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).is_valid({})  # resolves the references


# -- the command ------------------------------------------------------------------------


def test_serve_refuses_to_start_without_tokens(plans: Path) -> None:
    """No NUDGE_TOKENS and no --insecure-no-auth: exit 2, saying what to do."""
    result = CliRunner().invoke(main, ["serve", str(plans), "--store", "memory://"], env={})
    assert 2 == result.exit_code
    assert "NUDGE_TOKENS is not set" in result.output


def test_serve_without_auth_binds_loopback_only(plans: Path) -> None:
    """--insecure-no-auth on a public address is refused."""
    args = ["serve", str(plans), "--store", "memory://", "--insecure-no-auth", "--host", "0.0.0.0"]
    result = CliRunner().invoke(main, args, env={"NUDGE_TOKENS": ""})
    assert 2 == result.exit_code
    assert "loopback only" in result.output


def test_serve_runs_uvicorn(plans: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With tokens it builds the app and hands it to uvicorn on the address given."""
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(app=app, **options))
    args = ["serve", str(plans), "--store", "memory://", "--port", "9999"]
    result = CliRunner().invoke(main, args, env={"NUDGE_TOKENS": "a, b"})
    assert 0 == result.exit_code, result.output
    assert ("127.0.0.1", 9999) == (ran["host"], ran["port"])
    bare = TestClient(ran["app"])
    assert 401 == bare.get("/v1/catalog").status_code
    assert 200 == bare.get("/v1/catalog", headers={"Authorization": "Bearer b"}).status_code


def test_serve_with_a_bad_catalog_exits_1(tmp_path: Path) -> None:
    """A catalog with errors does not start: every error printed, exit 1."""
    bad = tmp_path / "plans.yaml"
    bad.write_text("currency: USD\nplans: {free: {limits: {x: 1}}}\n")
    result = CliRunner().invoke(
        main, ["serve", str(bad), "--store", "memory://"], env={"NUDGE_TOKENS": "a"}
    )
    assert 1 == result.exit_code


def test_serve_without_the_extra_names_the_install(
    plans: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without uvicorn, `nudge serve` says which pip install it needs."""
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(
        main, ["serve", str(plans), "--store", "memory://"], env={"NUDGE_TOKENS": "a"}
    )
    assert 2 == result.exit_code
    assert "pip install 'nudge-sdk[server]'" in result.output


def test_the_server_package_without_starlette_names_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Importing nudge_sdk.server without Starlette raises MissingExtra."""
    for name in [m for m in sys.modules if m.startswith("nudge_sdk.server")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "starlette", None)
    with pytest.raises(MissingExtra, match=r"pip install 'nudge-sdk\[server\]'"):
        import nudge_sdk.server  # noqa: F401


def test_whole_numbers_may_be_written_as_floats(client: TestClient) -> None:
    """JSON does not tell 3.0 from 3: seats, add-on quantities and amounts take either."""
    account = {**ACCOUNT, "seats": 3.0, "addons": {"storage_pack": 1.0}}
    assert 200 == client.post("/v1/may", json={"account": account, "feature": "sso"}).status_code
    half = {**ACCOUNT, "seats": 2.5}
    response = client.post("/v1/may", json={"account": half, "feature": "sso"})
    assert (422, "account.seats") == (response.status_code, response.json()["field"])
