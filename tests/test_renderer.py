"""The reference renderer (`nudge_sdk/web`) in a real browser: Debian's chromium driven by
Playwright renders payloads the SDK produced, as text only, mirrored right to left, and
reports what the customer did to an events endpoint once per nudge.

Without chromium at /usr/bin/chromium the browser tests skip, saying so, except under CI
(where `.ci/run` installs it), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from nudge_sdk import Catalog, Evaluator, account_from_json, catalog_from_dict, to_json
from nudge_sdk.web import BUNDLE_MEDIA_TYPE, BUNDLE_NAME, bundle_path, bundle_text

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "nudge_sdk" / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NOW = datetime(2025, 6, 16, tzinfo=UTC)
INJECTION = '<img src=x onerror="window.__pwned = 1">'

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>renderer test</title>
<script type="module" src="/{BUNDLE_NAME}"></script>
<script>
  window.domEvents = [];
  document.addEventListener("nudge-event", (event) => window.domEvents.push(event.detail));
  window.mount = (tag, payload, attributes) => {{
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    if (payload !== null) element.payload = payload;
    document.body.append(element);
  }};
</script>
<style>body {{ margin: 24px; font-family: sans-serif; }}
  nudge-banner {{ margin-bottom: 16px; }}</style>
</head><body></body></html>
"""

# -- payloads the SDK produces ----------------------------------------------------------------


class _DecimalLoader(yaml.SafeLoader):
    """YAML with decimals as `Decimal`: `catalog_from_dict` refuses floats for prices."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    return Decimal(loader.construct_scalar(node))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def example_document() -> dict[str, Any]:
    """The example catalog as a dict, for `catalog_from_dict`."""
    text = (ROOT / "examples" / "plans.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.load(text, Loader=_DecimalLoader)
    return document


@cache
def evaluator(injected: bool = False) -> Evaluator:
    """The example catalog compiled; `injected` puts markup in its texts and names."""
    document = example_document()
    if injected:
        english = document["nudges"]["storage_almost_full"]["messages"]["en"]
        english["title"] = f"Full {INJECTION}"
        english["body"] = f"{INJECTION} You've used {{used}} GB."
        english["cta"] = f"Buy {INJECTION}"
        document["metrics"]["storage_gb"]["name"] = f"Storage {INJECTION}"
        document["addons"]["storage_pack"]["name"] = f"Pack {INJECTION}"
        document["plans"]["team"]["name"] = f"Team {INJECTION}"
        document["features"]["sso"]["name"] = f"SSO {INJECTION}"
    catalog: Catalog = catalog_from_dict(document)
    # A generous search deadline: with chromium running beside it, the default 50 ms can
    # pass on a loaded machine and drop the seats nudge's offer.
    return Evaluator(catalog, deadline=timedelta(seconds=10))


def payload(locale: str | None = None, *, injected: bool = False) -> dict[str, Any]:
    """The evaluation (with its comparison) of the example account, as the frontend gets it."""
    data = json.loads((ROOT / "examples" / "accounts" / "storage_full.json").read_text())
    usage = json.loads((ROOT / "examples" / "accounts" / "storage_full.usage.json").read_text())
    if locale is not None:
        data["locale"] = locale
    result = evaluator(injected).evaluate(account_from_json(data), usage, now=NOW, compare=True)
    document: dict[str, Any] = to_json(result)
    return document


def rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """The nudge of rule `rule_id` in an evaluation payload."""
    found: dict[str, Any] = next(n for n in data["nudges"] if n["rule"] == rule_id)
    return found


# -- the browser and a page served from 127.0.0.1 ---------------------------------------------


class Site(ThreadingHTTPServer):
    """Serves the test page and the bundle, and records what is POSTed to /nudges/events."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def received(
        self, kind: str, *, at_least: int = 1, settle: float = 0.2
    ) -> list[dict[str, Any]]:
        """The `kind` events received: once `at_least` have come (or 5 s passed), after
        `settle` more seconds for any that should not come."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(self._of(kind)) < at_least:
            time.sleep(0.02)
        time.sleep(settle)
        return self._of(kind)

    def _of(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [event for event in self.events if event.get("kind") == kind]


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        if self.path == f"/{BUNDLE_NAME}":
            self._send(200, BUNDLE_MEDIA_TYPE, bundle_text().encode())
        else:
            self._send(200, "text/html; charset=utf-8", PAGE.encode())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path != "/nudges/events":
            self._send(404, "application/json", b"{}")
            return
        with self.server.lock:
            self.server.events.append(json.loads(body))
        self._send(200, "application/json", b'{"recorded": true, "duplicate": false}')

    def _send(self, status: int, media_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", media_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on what was received."""


def chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"the renderer's browser tests need Debian's chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def context(browser: Any) -> Iterator[Any]:
    made = browser.new_context(viewport={"width": 1280, "height": 900})
    yield made
    made.close()


@pytest.fixture
def page(context: Any, site: Site) -> Iterator[Any]:
    """A fresh page (its own reporting memory) on the test site, the elements defined."""
    with site.lock:
        site.events.clear()
    tab = context.new_page()
    tab.set_default_timeout(5000)
    tab.goto(site.url + "/")
    tab.evaluate("() => customElements.whenDefined('nudge-plan-table')")
    yield tab
    tab.close()


def mount(page: Any, tag: str, data: Any, **attributes: str) -> Any:
    """Put `<tag>` on the page with `data` as its `payload` property; its locator."""
    page.evaluate("([t, p, a]) => mount(t, p, a)", [tag, data, attributes])
    return page.locator(tag).nth(page.locator(tag).count() - 1)


def x(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None
    return float(box["x"])


# -- rendering --------------------------------------------------------------------------------


def test_banner_renders_the_nudge(page: Any) -> None:
    """A banner shows the title, body, figures, offer, the button with what it costs today,
    and snooze and dismiss buttons with names."""
    banner = mount(page, "nudge-banner", payload(), placement="banner")
    assert "Your storage is almost full" == banner.locator("[part~=title]").inner_text()
    assert banner.locator("[part~=body]").inner_text().startswith("You've used 92.4 GB of 100 GB")
    assert "92.4 of 100 GB" == banner.locator("[part~=figures-used]").inner_text()
    assert "92%" == banner.locator("[part~=figures-percent]").inner_text()
    assert "92" == banner.get_by_role("meter").get_attribute("aria-valuenow")
    assert (
        "1 \N{MULTIPLICATION SIGN} Extra storage (100 GB)"
        == banner.locator("[part~=offer-item]").inner_text()
    )
    assert "$17.00 per month" == banner.locator("[part~=offer-recurring]").inner_text()
    assert "+$8.00 per month" == banner.locator("[part~=offer-difference]").inner_text()
    cta = banner.get_by_role("button", name="Get more storage: $4.00 today")
    assert cta.is_visible()
    assert "$4.00 due today" == banner.locator("[part~=due-now]").inner_text()
    assert banner.get_by_role("button", name="Remind me later").is_visible()
    assert banner.get_by_role("button", name="Dismiss").is_visible()
    assert "ltr" == banner.get_attribute("dir")
    assert "en-US" == banner.get_attribute("lang")


def test_modal_is_an_accessible_dialog(page: Any, site: Site) -> None:
    """A modal is a named dialog that takes the focus, keeps Tab inside, closes on Escape
    (reported as a dismissal) and gives the focus back to where it was."""
    page.evaluate(
        """() => { const b = document.createElement('button'); b.id = 'opener';
        b.textContent = 'open'; document.body.append(b); b.focus(); }"""
    )
    data = payload()
    nudge = rule(data, "seats_filling_up")
    modal = mount(page, "nudge-modal", nudge, account=data["account"], endpoint="/nudges/events")
    dialog = modal.get_by_role("dialog", name="Only 2 seats left")
    assert "true" == dialog.get_attribute("aria-modal")
    assert "$36.00 per month" == modal.locator("[part~=offer-recurring]").inner_text()
    assert "$13.50 due today" == modal.locator("[part~=due-now]").inner_text()
    inside = "() => document.activeElement && document.activeElement.tagName === 'NUDGE-MODAL'"
    page.wait_for_function(inside)
    focused = "() => document.querySelector('nudge-modal').shadowRoot.activeElement.textContent"
    names = []
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
        names.append(page.evaluate(focused))
    assert ["Remind me later", "See Team→", "", "Remind me later"] == names
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert "See Team→" == page.evaluate(focused)
    page.keyboard.press("Escape")
    assert 0 == dialog.count()
    assert "opener" == page.evaluate("() => document.activeElement.id")
    [dismissed] = site.received("dismissed")
    assert (data["account"], nudge["id"]) == (dismissed["account"], dismissed["nudge"])


def test_plan_table_renders_the_comparison(page: Any) -> None:
    """A comparison shows its three columns in ladder order, the badge, the recommended one
    highlighted, what each gains over the current plan, the yearly saving and what
    switching costs today."""
    table = mount(page, "nudge-plan-table", payload())
    columns = table.locator("[part~=column]")
    assert ["free", "starter", "team"] == [
        columns.nth(i).get_attribute("data-plan") for i in range(columns.count())
    ]
    recommended = table.locator("[part~=column-recommended]")
    assert "starter" == recommended.get_attribute("data-plan")
    assert "Recommended" == recommended.locator("[part~=recommended-flag]").inner_text()
    assert "Current plan" == recommended.locator("[part~=current-flag]").inner_text()
    team = table.locator("[data-plan=team]")
    assert "Most popular" == team.locator("[part~=badge]").inner_text()
    assert "$36.00" == team.locator("[part~=price-amount]").inner_text()
    assert "$27.00 more per month" == team.locator("[part~=difference]").inner_text()
    gains = team.locator("[part~=gain] [part~=cell-name]")
    assert ["Storage", "Seats", "AI credits", "Single sign-on"] == gains.all_inner_texts()
    assert "Save $72.00 a year paying yearly" == team.locator("[part~=yearly-saving]").inner_text()
    assert "$13.50 due today" == team.locator("[part~=due-now]").inner_text()
    assert team.get_by_role("button", name="Choose Team").is_enabled()
    assert recommended.get_by_role("button", name="Current plan").is_disabled()
    free_storage = table.locator("[data-plan=free] [data-metric=storage_gb]")
    assert "short" in (free_storage.get_attribute("part") or "")


def test_payload_attribute_takes_json_text(page: Any) -> None:
    """The `payload` attribute (JSON text) renders like the property."""
    page.evaluate(
        """(text) => { const e = document.createElement('nudge-banner');
        e.setAttribute('payload', text); document.body.append(e); }""",
        json.dumps(payload()),
    )
    assert "Your storage is almost full" == page.locator("nudge-banner [part~=title]").inner_text()


def test_unknown_schema_version_renders_nothing(page: Any) -> None:
    """A payload of another schema version is refused: nothing shows, `nudge-error` says why."""
    page.evaluate(
        """() => document.addEventListener('nudge-error',
            (e) => { window.refused = e.detail.reason })"""
    )
    banner = mount(page, "nudge-banner", {**payload(), "schema_version": 2})
    assert 0 == banner.locator("[part~=surface]").count()
    assert "schema_version 2 is not 1" == page.evaluate("() => window.refused")


def test_markup_in_texts_stays_text(page: Any) -> None:
    """Markup in catalog messages and names is shown as text: no element is created and
    nothing runs."""
    data = payload(injected=True)
    banner = mount(page, "nudge-banner", data, placement="banner")
    modal = mount(page, "nudge-modal", data, placement="banner")
    table = mount(page, "nudge-plan-table", data)
    assert f"Full {INJECTION}" == banner.locator("[part~=title]").inner_text()
    assert banner.locator("[part~=body]").inner_text().startswith(INJECTION)
    assert f"Pack {INJECTION}" in banner.locator("[part~=offer-item]").inner_text()
    assert f"Buy {INJECTION}" in modal.locator("[part~=cta]").inner_text()
    assert f"Team {INJECTION}" == table.locator("[data-plan=team] [part~=plan-name]").inner_text()
    assert f"SSO {INJECTION}" in table.locator("[data-plan=team]").inner_text()
    images = """() => [...document.querySelectorAll('nudge-banner, nudge-modal, nudge-plan-table')]
        .reduce((n, e) => n + e.shadowRoot.querySelectorAll('img').length, 0)
        + document.querySelectorAll('img').length"""
    assert 0 == page.evaluate(images)
    assert page.evaluate("() => window.__pwned") is None


# -- direction --------------------------------------------------------------------------------


def test_arabic_is_laid_out_right_to_left(page: Any) -> None:
    """In Arabic the banner's button sits left of its text and the comparison's columns run
    right to left; in English the other way round."""
    english, arabic = payload(), payload("ar")
    banner_en = mount(page, "nudge-banner", english, placement="banner")
    banner_ar = mount(page, "nudge-banner", arabic, placement="banner")
    assert ("ltr", "rtl") == (banner_en.get_attribute("dir"), banner_ar.get_attribute("dir"))
    title, cta = "[part~=title]", "[part~=cta]"
    assert x(banner_en.locator(title)) < x(banner_en.locator(cta))
    assert x(banner_ar.locator(cta)) < x(banner_ar.locator(title))
    assert "←" == banner_ar.locator("[part~=cta-arrow]").inner_text()
    page.evaluate("() => document.querySelectorAll('nudge-banner').forEach((e) => e.remove())")
    table_en = mount(page, "nudge-plan-table", english)
    free_en, team_en = (x(table_en.locator(f"[data-plan={p}]")) for p in ("free", "team"))
    page.evaluate("() => document.querySelector('nudge-plan-table').remove()")
    table_ar = mount(page, "nudge-plan-table", arabic)
    free_ar, team_ar = (x(table_ar.locator(f"[data-plan={p}]")) for p in ("free", "team"))
    assert free_en < team_en
    assert team_ar < free_ar
    assert "الأكثر شيوعًا" == table_ar.locator("[data-plan=team] [part~=badge]").inner_text()


def test_kyrgyz_is_left_to_right(page: Any) -> None:
    """Kyrgyz (Cyrillic) lays out left to right."""
    banner = mount(page, "nudge-banner", payload("ky"), placement="banner")
    assert ("ltr", "ky") == (banner.get_attribute("dir"), banner.get_attribute("lang"))
    assert x(banner.locator("[part~=title]")) < x(banner.locator("[part~=cta]"))


# -- reporting --------------------------------------------------------------------------------


def test_dismiss_posts_one_dismissed_event(page: Any, site: Site) -> None:
    """Dismissing POSTs `dismissed` to the endpoint once per nudge id, in the shape the
    framework examples' /nudges/events takes, and the banner goes away."""
    data = payload()
    nudge = rule(data, "storage_almost_full")["id"]
    banner = mount(page, "nudge-banner", data, placement="banner", endpoint="/nudges/events")
    again = mount(page, "nudge-banner", data, placement="banner", endpoint="/nudges/events")
    with page.expect_request(lambda r: r.method == "POST" and "dismissed" in (r.post_data or "")):
        banner.get_by_role("button", name="Dismiss").first.click()
    assert 0 == banner.locator("[part~=surface]").count()
    again.get_by_role("button", name="Dismiss").click()
    [event] = site.received("dismissed", settle=0.5)
    assert {"account", "nudge", "kind", "at", "event_id"} == set(event)
    assert ("acct_42", nudge, "dismissed") == (event["account"], event["nudge"], event["kind"])
    assert abs(datetime.fromisoformat(event["at"]) - datetime.now(UTC)) < timedelta(minutes=1)
    assert event["at"].endswith("Z")
    assert [nudge] == [e["nudge"] for e in site.received("shown", settle=0)]


def test_snooze_posts_until(page: Any, site: Site) -> None:
    """Snoozing POSTs `snoozed` with `until`, `snooze-hours` from now."""
    data = payload()
    banner = mount(page, "nudge-banner", data, endpoint="/nudges/events", **{"snooze-hours": "48"})
    with page.expect_request(lambda r: r.method == "POST" and "snoozed" in (r.post_data or "")):
        banner.get_by_role("button", name="Remind me later").click()
    [event] = site.received("snoozed", settle=0)
    until = datetime.fromisoformat(event["until"]) - datetime.fromisoformat(event["at"])
    assert timedelta(hours=47, minutes=59) < until <= timedelta(hours=48, seconds=1)


def test_click_reports_and_tells_the_host(page: Any, site: Site) -> None:
    """The button reports `clicked` and dispatches `nudge-cta` with what to buy."""
    page.evaluate(
        "() => document.addEventListener('nudge-cta', (e) => { window.cta = e.detail.cta })"
    )
    banner = mount(page, "nudge-banner", payload(), endpoint="/nudges/events")
    with page.expect_request(lambda r: r.method == "POST" and "clicked" in (r.post_data or "")):
        banner.locator("[part~=cta]").click()
    cta = page.evaluate("() => window.cta")
    assert ("add_addon", "storage_pack") == (cta["action"], cta["addons"][0]["addon"])
    assert 1 == len(site.received("clicked", settle=0))


def test_host_can_route_events_itself(page: Any, site: Site) -> None:
    """A `nudge-event` listener that calls preventDefault() keeps the element from POSTing."""
    page.evaluate("() => document.addEventListener('nudge-event', (e) => e.preventDefault(), true)")
    banner = mount(page, "nudge-banner", payload(), endpoint="/nudges/events")
    banner.get_by_role("button", name="Dismiss").click()
    assert ["shown", "dismissed"] == page.evaluate("() => domEvents.map((e) => e.kind)")
    assert [] == site.received("dismissed", at_least=0, settle=0.5) + site.received(
        "shown", at_least=0
    )


def test_limited_offer_counts_down(page: Any) -> None:
    """A nudge with `expires_at` counts down to it; once past, it says so and the button
    is disabled."""
    data = payload()
    soon = datetime.now(UTC) + timedelta(hours=2)
    nudge = {**rule(data, "storage_almost_full"), "expires_at": soon.strftime("%Y-%m-%dT%H:%M:%SZ")}
    banner = mount(page, "nudge-banner", nudge)
    text = banner.locator("[part~=countdown]").inner_text()
    assert text.startswith("Offer ends in 01:59:"), text
    assert "timer" == banner.locator("[part~=countdown]").get_attribute("role")
    arabic = {**rule(payload("ar"), "storage_almost_full"), "expires_at": nudge["expires_at"]}
    text = mount(page, "nudge-banner", arabic).locator("[part~=countdown]").inner_text()
    assert text.startswith("ينتهي العرض خلال 01:59:"), text  # the payload's digits
    page.evaluate("() => document.querySelectorAll('nudge-banner').forEach((e) => e.remove())")
    banner = mount(page, "nudge-banner", {**nudge, "expires_at": "2025-06-01T00:00:00Z"})
    assert "This offer has ended" == banner.locator("[part~=countdown]").inner_text()
    assert banner.locator("[part~=cta]").is_disabled()


# -- the bundle -------------------------------------------------------------------------------


def test_bundle_ships_in_the_package() -> None:
    """The built bundle is package data, readable without Node."""
    assert bundle_path().read_text("utf-8") == bundle_text()
    assert "customElements.define" in bundle_text()


def test_payload_types_are_the_schema_copy() -> None:
    """The renderer's copy of the payload types is the generated one (copy it over after
    regenerating: ``python -m nudge_sdk.payloads._typescript`` writes both)."""
    schema_types = ROOT / "nudge_sdk" / "schemas" / "payload.d.ts"
    assert schema_types.read_text("utf-8") == (WEB / "src" / "payload.d.ts").read_text("utf-8")


def test_bundle_is_built_from_the_sources(tmp_path: Path) -> None:
    """The committed bundle is what `npm run build` makes of src/ (run it after editing
    src/). Needs `npm ci` in nudge_sdk/web; skipped without it, as Python's CI needs no
    Node."""
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / ".bin" / "esbuild").exists():
        pytest.skip("nudge_sdk/web has no node_modules (npm ci --prefix nudge_sdk/web)")
    out = tmp_path / BUNDLE_NAME
    done = subprocess.run(  # the bundling step of `npm run build` (after its type check)
        [node, "build.mjs", str(out)],
        cwd=WEB,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (0, "") == (done.returncode, done.stderr)
    assert out.read_text("utf-8") == bundle_text(), "run `npm run build` in nudge_sdk/web"
