"""Screenshots of the reference renderer, in English and Arabic, for the docs.

    .venv/bin/python docs/screenshots.py            # writes docs/screenshots/*.png

Evaluates the example account (examples/accounts/storage_full.json, Starter, 92.4 GB of
100 GB) against the example catalog on 2025-06-16, as the README's first command does, and
renders the payloads with the bundle shipped in the package, in Debian's chromium
(/usr/bin/chromium, or the path in $CHROMIUM): `<nudge-banner>` with the storage nudge,
`<nudge-modal>` with the seats nudge, `<nudge-plan-table>` with the comparison.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from nudge_sdk import Evaluator, account_from_json, load_catalog, to_json
from nudge_sdk.web import bundle_text

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2025, 6, 16, tzinfo=UTC)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<style>
  html { background: #f1f5f9; }
  body { margin: 0; padding: 32px; font-family: system-ui, sans-serif; }
</style></head><body></body></html>
"""


def evaluation(locale: str) -> dict[str, Any]:
    """The example account's evaluation with its comparison, in `locale`."""
    accounts = ROOT / "examples" / "accounts"
    account = json.loads((accounts / "storage_full.json").read_text("utf-8"))
    usage = json.loads((accounts / "storage_full.usage.json").read_text("utf-8"))
    # A generous search deadline: the default 50 ms can pass on a loaded machine, and a
    # screenshot should not depend on it.
    evaluator = Evaluator(
        load_catalog(ROOT / "examples" / "plans.yaml"), deadline=timedelta(seconds=10)
    )
    result = evaluator.evaluate(
        account_from_json({**account, "locale": locale}), usage, now=NOW, compare=True
    )
    document: dict[str, Any] = to_json(result)
    return document


def show(page: Page, tag: str, payload: Any, account: str) -> None:
    """A fresh page with `<tag>` rendering `payload`."""
    page.set_content(PAGE)
    page.add_script_tag(content=bundle_text(), type="module")
    page.evaluate(
        """([tag, payload, account]) => customElements.whenDefined(tag).then(() => {
            const element = document.createElement(tag);
            element.setAttribute("account", account);
            element.payload = payload;
            document.body.append(element);
        })""",
        [tag, payload, account],
    )


def shoot(page: Page, locale: str, short: str) -> list[Path]:
    data = evaluation(locale)
    nudges = {nudge["rule"]: nudge for nudge in data["nudges"]}
    storage, seats = nudges["storage_almost_full"], nudges["seats_filling_up"]
    written = []

    page.set_viewport_size({"width": 1040, "height": 400})
    show(page, "nudge-banner", storage, data["account"])
    path = OUT / f"banner-{short}.png"
    page.locator("body").screenshot(path=path)
    written.append(path)

    page.set_viewport_size({"width": 1040, "height": 720})
    show(page, "nudge-plan-table", data, data["account"])
    path = OUT / f"plan-table-{short}.png"
    page.locator("body").screenshot(path=path)
    written.append(path)

    page.set_viewport_size({"width": 760, "height": 620})
    show(page, "nudge-modal", seats, data["account"])
    page.locator("nudge-modal [role=dialog]").wait_for()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    path = OUT / f"modal-{short}.png"
    page.screenshot(path=path)
    written.append(path)
    return written


def main() -> int:
    chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        print(f"chromium is not at {chromium}: apt-get install chromium", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(device_scale_factor=1, reduced_motion="reduce")
        page = context.new_page()
        for locale, short in (("en-US", "en"), ("ar", "ar")):
            for path in shoot(page, locale, short):
                print(path.relative_to(ROOT))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
