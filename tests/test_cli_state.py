"""`nudge evaluate --state`, `nudge event` and `nudge state`: the README's main command
run twice holds the nudge back, and the store's history is readable from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nudge_sdk.cli import main

ROOT = Path(__file__).resolve().parent.parent
PLANS = str(ROOT / "examples" / "plans.yaml")
ACCOUNT = str(ROOT / "examples" / "accounts" / "storage_full.json")
USAGE = str(ROOT / "examples" / "accounts" / "storage_full.usage.json")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def event(url: str, nudge: str, kind: str, *extra: str) -> tuple[int, str, str]:
    """`nudge event` for the example account, an hour after the evaluations' instant."""
    return run(
        "event", url, nudge, kind, "--plans", PLANS, "--account", "acct_42",
        "--at", "2025-06-16T01:00:00Z", *extra,
    )  # fmt: skip


def evaluate(url: str, now: str = "2025-06-16T00:00:00Z", *extra: str) -> tuple[int, str, str]:
    return run(
        "evaluate",
        PLANS,
        "--account",
        ACCOUNT,
        "--usage",
        USAGE,
        "--now",
        now,
        "--state",
        url,
        *extra,
    )


def test_the_second_run_is_held_back(tmp_path: Path) -> None:
    """Run twice on one SQLite file: the second run shows nothing and says until when."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    code, first, _ = evaluate(url, "2025-06-16T00:00:00Z", "--explain")
    assert 0 == code
    assert first.startswith("acct_42: 2 nudge(s)\n")
    code, second, _ = evaluate(url, "2025-06-16T00:00:00Z", "--explain")
    assert 0 == code
    assert second.startswith("acct_42: 0 nudge(s)\n")
    assert (
        "storage_almost_full    cooldown: shown 2025-06-16T00:00:00+00:00 "
        "(next eligible 2025-06-19T00:00:00Z)" in second
    )


def test_events_and_history_from_the_shell(tmp_path: Path) -> None:
    """`nudge event` records a dismissal; `nudge state show` prints it; a third run says
    dismissed; events for unknown nudges exit 2 with one line."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    _, out, _ = evaluate(url, "2025-06-16T00:00:00Z", "--json")
    nudge = json.loads(out)["nudges"][0]["id"]
    code, out, err = event(url, nudge, "dismissed")
    assert (0, f"acct_42: dismissed {nudge}\n", "") == (code, out, err)
    code, out, _ = run("state", "show", url, "acct_42", "--json")
    history = json.loads(out)
    assert (0, True) == (code, history["rules"]["storage_almost_full"]["dismissed"])
    assert ["dismissed"] == [event["kind"] for event in history["events"]]
    _, out, _ = evaluate(url, "2025-06-30T00:00:00Z", "--explain")
    assert "storage_almost_full    dismissed: dismissed for good" in out
    code, out, err = event(url, "nope", "clicked")
    assert (2, "") == (code, out)
    assert (
        "nudge: error: event 'clicked' for nudge 'nope' of account 'acct_42': this account "
        "was not shown that nudge\n"
    ) == err


def test_state_show_json_holds_everything_the_store_keeps(tmp_path: Path) -> None:
    """`state show --json` lists every field of a rule's history (its level and the level's
    window too) and of an event (its id and a conversion's plan, add-on and amount), each
    key present, null when unset."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    _, out, _ = evaluate(url, "2025-06-16T00:00:00Z", "--json")
    nudge = json.loads(out)["nudges"][0]["id"]
    code, _, _ = event(url, nudge, "converted", "--event-id", "ev-1", "--plan", "team",
                       "--amount-minor", "2400")  # fmt: skip
    assert 0 == code
    assert 0 == event(url, nudge, "clicked")[0]
    code, out, _ = run("state", "show", url, "acct_42", "--json")
    history = json.loads(out)
    rule = history["rules"]["storage_almost_full"]
    assert {"last_level": None, "level_window": None} == {  # it reminds at every level
        key: rule[key] for key in ("last_level", "level_window")
    }
    converted, clicked = history["events"]
    assert {
        "nudge": nudge,
        "rule": "storage_almost_full",
        "kind": "converted",
        "at": "2025-06-16T01:00:00Z",
        "event_id": "ev-1",
        "until": None,
        "plan": "team",
        "addon": None,
        "amount_minor": 2400,
    } == converted
    assert ("clicked", "2025-06-16T01:00:00+00:00", None) == (  # the id: --at
        clicked["kind"],
        clicked["event_id"],
        clicked["plan"],
    )


def test_state_init_show_and_prune(tmp_path: Path) -> None:
    """init is idempotent; show of an unknown account says so; prune counts."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    for _ in range(2):
        code, out, _ = run("state", "init", url)
        assert (0, f"{url}: ready\n") == (code, out)
    assert (0, "nobody: nothing remembered\n", "") == run("state", "show", url, "nobody")
    evaluate(url)
    code, out, _ = run("state", "prune", url, "--now", "2025-06-17T00:00:00Z")
    assert (0, f"{url}: 0 account(s) forgotten\n") == (code, out)


def test_bad_store_urls_exit_2() -> None:
    """An unknown scheme is one line on stderr and exit code 2."""
    code, out, err = run("state", "show", "ftp://x", "a1")
    assert (2, "") == (code, out)
    assert err.startswith("nudge: error: state store 'ftp://x': unknown scheme; expected one of:")


@pytest.mark.parametrize(
    ("details", "warnings"),
    [
        (["--plan", "team"], []),
        (
            ["--plan", "nosuch"],
            [
                "nudge: warning: --plan: the catalog has no 'nosuch'; it has: business, free, "
                "starter, team"
            ],
        ),
        (
            ["--addon", "nosuch"],
            [
                "nudge: warning: --addon: the catalog has no 'nosuch'; it has: audit_log_addon, "
                "credit_pack, storage_pack"
            ],
        ),
    ],
)
def test_a_conversion_naming_what_the_catalog_lacks_is_warned_about(
    tmp_path: Path, details: list[str], warnings: list[str]
) -> None:
    """A `converted` event is recorded, with a warning if its plan or add-on is not in
    the catalog (most likely a typo)."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    _, out, _ = evaluate(url, "2025-06-16T00:00:00Z", "--json")
    nudge = json.loads(out)["nudges"][0]["id"]
    code, out, err = event(url, nudge, "converted", *details)
    assert (0, f"acct_42: converted {nudge}\n", warnings) == (code, out, err.splitlines())
