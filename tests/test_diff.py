"""`nudge diff`: what a catalog change changes, for the catalog and for sample accounts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from nudge_sdk.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "plans.yaml"
ACCOUNTS = ROOT / "examples" / "accounts"
NOW = ["--now", "2025-06-16T00:00:00Z"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    return result.exit_code, result.stdout, result.stderr


def edited(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = EXAMPLE.read_text()
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "old.yaml"
    path.write_text(text)
    return path


def test_prices_limits_and_the_accounts_they_change(tmp_path: Path) -> None:
    """Team was $10 a seat with 500 GB: the new catalog's $12 and 1 TB are listed, and
    the example account's Team offer now costs $36 for three seats instead of $30."""
    old = edited(
        tmp_path,
        ("      month: {per_seat: 12.00}", "      month: {per_seat: 10.00}"),
        ("limits: {storage_gb: 1000, seats: 50", "limits: {storage_gb: 500, seats: 50"),
    )
    code, out, err = run(str(old), str(EXAMPLE), str(ACCOUNTS), *NOW)
    assert (0, "") == (code, err)
    assert [
        "plan team: price by month: 0.00 + 10.00/seat -> 0.00 + 12.00/seat",
        "plan team: limit storage_gb: 500 -> 1000",
        "1 sample account(s) would see different nudges",
        "  acct_42: rule seats_filling_up: offer team at $30.00 -> team at $36.00",
    ] == out.splitlines()


def test_the_same_catalog_changes_nothing() -> None:
    code, out, _ = run(str(EXAMPLE), str(EXAMPLE), str(ACCOUNTS), *NOW)
    assert 0 == code
    assert [
        "the catalogs define the same plans, add-ons and rules",
        "no sample account would see different nudges",
    ] == out.splitlines()


def test_rules_and_addons_say_what_changed(tmp_path: Path) -> None:
    old = edited(
        tmp_path,
        ("    priority: 45\n", "    priority: 40\n"),
        ("    prices: {month: 8.00, year: 80.00}", "    prices: {month: 9.00, year: 80.00}"),
    )
    code, out, _ = run(str(old), str(EXAMPLE), "--json")
    assert 0 == code
    report = json.loads(out)
    assert {
        "catalog": [
            "add-on storage_pack: price by month: 9.00 -> 8.00",
            "rule team_storage_pack: changed priority",
        ],
        "accounts": {},
        "stranded": [],
    } == report


def test_dropping_a_plan_an_account_is_on_strands_it(tmp_path: Path) -> None:
    """The old catalog sells Legacy and a sample account is on it; the new one drops it:
    the account would degrade, so diff says so, with the fix, and exits 1."""
    old = edited(tmp_path, ("\n  free:\n", "\n  legacy: {prices: {month: 5.00}}\n  free:\n"))
    accounts = tmp_path / "accounts"
    shutil.copytree(ACCOUNTS, accounts)
    data = json.loads((accounts / "storage_full.json").read_text())
    (accounts / "storage_full.json").write_text(json.dumps(data | {"plan": "legacy"}))
    code, out, err = run(str(old), str(EXAMPLE), str(accounts), *NOW)
    assert 1 == code
    assert "plan legacy: removed" in out.splitlines()
    assert [
        "nudge: error: 1 sample account(s) NEW would strand: acct_42 is on legacy "
        "(keep the plan with retired: true)"
    ] == err.splitlines()
