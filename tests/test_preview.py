"""`nudge preview`: one static HTML page of what each sample account would be shown,
with the renderer inlined, the reasons beside, hostile strings escaped, bad input exit 2."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from nudge_sdk.cli import main
from nudge_sdk.cli._preview import preview_app
from nudge_sdk.web import bundle_text

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "examples" / "plans.yaml"
ACCOUNTS = ROOT / "examples" / "accounts"
NOW = "2025-06-16T00:00:00Z"
HOSTILE = "</script><img src=x onerror=alert(1)>"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def preview(tmp_path: Path, plans: Path = PLANS, accounts: Path = ACCOUNTS) -> str:
    out = tmp_path / "preview.html"
    code, stdout, stderr = run(
        "preview", str(plans), str(accounts), "--out", str(out), "--now", NOW
    )
    assert (0, "") == (code, stderr)
    assert stdout == f"{out}: 1 account(s)\n"
    return out.read_text("utf-8")


def test_the_page_shows_the_examples(tmp_path: Path) -> None:
    """The bundle inline, the account, each element and every rule's reason."""
    page = preview(tmp_path)
    assert bundle_text() in page
    assert "<h2>acct_42</h2>" in page
    assert "<nudge-banner " in page
    assert "<nudge-plan-table " in page
    assert "nudge-modal" in page  # defined by the bundle; the example has no modal nudge
    assert "<td>threshold_not_reached</td>" in page
    assert "<td>audience_plan</td>" in page
    assert "endpoint=" not in page.split("<body>")[1]  # a preview reports nothing


def test_hostile_strings_stay_text(tmp_path: Path) -> None:
    """An account id and a catalog title that try to close the script stay escaped."""
    accounts = tmp_path / "accounts"
    shutil.copytree(ACCOUNTS, accounts)
    account = accounts / "storage_full.json"
    data = json.loads(account.read_text("utf-8"))
    account.write_text(json.dumps(data | {"id": HOSTILE}), "utf-8")
    plans = tmp_path / "plans.yaml"
    text = PLANS.read_text("utf-8")
    assert "title: Your storage is almost full\n" in text
    plans.write_text(
        text.replace("title: Your storage is almost full\n", f"title: '{HOSTILE}'\n"), "utf-8"
    )
    page = preview(tmp_path, plans, accounts)
    assert HOSTILE not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page  # the heading
    embedded = "<\\/script><img src=x onerror=alert(1)>"  # inside the JSON blocks only
    assert page.count(embedded) >= 2  # the id and the title
    assert page.count("<img") == page.count(embedded)


@pytest.mark.parametrize("case", ["missing dir", "no usage"])
def test_bad_folders_exit_2_with_one_line(tmp_path: Path, case: str) -> None:
    accounts = tmp_path / "accounts"
    if case == "no usage":
        accounts.mkdir()
        shutil.copy(ACCOUNTS / "storage_full.json", accounts)
    out = tmp_path / "preview.html"
    code, stdout, stderr = run("preview", str(PLANS), str(accounts), "--out", str(out))
    assert (2, "") == (code, stdout)
    assert 1 == len(stderr.splitlines())
    assert stderr.startswith("nudge: error: ACCOUNTS_DIR: ")
    assert not out.exists()


def test_the_banner_renders_in_a_browser(tmp_path: Path) -> None:
    """Opened from disk in Chromium, the banner shows its title."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    preview(tmp_path)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto((tmp_path / "preview.html").as_uri())
            title = page.locator("nudge-banner[placement=banner] [part~=title]")
            assert "Your storage is almost full" == title.inner_text(timeout=10_000)
            table = page.locator("nudge-plan-table [part~=column]")
            assert table.count() >= 2
        finally:
            browser.close()


# -- nudge preview --serve: the same page, live ------------------------------------------


def live(tmp_path: Path) -> tuple[Path, TestClient]:
    """The preview app on copies of the example catalog and accounts."""
    plans = tmp_path / "plans.yaml"
    shutil.copy(PLANS, plans)
    accounts = tmp_path / "accounts"
    shutil.copytree(ACCOUNTS, accounts)
    app = preview_app(str(plans), str(accounts), datetime.fromisoformat(NOW))
    return plans, TestClient(app)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    stamp = path.stat().st_mtime_ns + 1_000_000  # a later mtime, on a coarse clock too
    os.utime(path, ns=(stamp, stamp))


def test_the_live_page_follows_the_catalog(tmp_path: Path) -> None:
    """Serve, edit a title in the catalog: `/version` changes, and the page shows the
    new title; it polls `/version` to reload itself."""
    plans, client = live(tmp_path)
    first = client.get("/")
    assert 200 == first.status_code
    assert "acct_42" in first.text
    assert 'fetch("/version"' in first.text
    before = client.get("/version").json()["version"]
    assert before == client.get("/version").json()["version"]
    edit(plans, "title: Your storage is almost full", "title: Room for more")
    assert before != client.get("/version").json()["version"]
    assert "Room for more" in client.get("/").text


def test_a_broken_catalog_shows_its_errors_until_fixed(tmp_path: Path) -> None:
    plans, client = live(tmp_path)
    edit(plans, "    priority: 45\n", "    priority: high\n")
    page = client.get("/").text
    assert "the inputs have errors" in page
    assert "nudges.team_storage_pack.priority: expected a whole number" in page
    edit(plans, "    priority: high\n", "    priority: 45\n")
    assert "acct_42" in client.get("/").text


@pytest.mark.parametrize("args", [[], ["--out", "x.html", "--serve"]])
def test_preview_takes_out_or_serve(args: list[str]) -> None:
    code, out, err = run("preview", str(PLANS), str(ACCOUNTS), *args)
    assert (2, "", ["nudge: error: give either --out FILE or --serve"]) == (
        code,
        out,
        err.splitlines(),
    )
