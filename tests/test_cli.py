"""The `nudge` command: its output, its JSON contract and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nudge_sdk.cli._commands import main
from nudge_sdk.payloads._schema import schema_text

QUOTE = [
    "--from",
    "starter",
    "--to",
    "team",
    "--interval",
    "month",
    "--period-start",
    "2025-06-01T00:00:00Z",
    "--at",
    "2025-06-16T00:00:00Z",
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_summarizes_a_good_catalog(example_path: Path) -> None:
    """`nudge check` exits 0 and lists every plan with its prices and limits."""
    code, out, err = run("check", str(example_path))
    assert (0, "") == (code, err)
    assert out.startswith("currency USD; 3 metrics, 3 features, 4 plans, 3 add-ons\n")
    assert "  plan team (Team): 12.00 per seat/month, 120.00 per seat/year\n" in out
    assert "  plan business (Business): 99.00 + 15.00 per seat/month" in out


def test_check_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    """On errors, `nudge check` prints them all as FILE:LINE:COLUMN: path: message."""
    bad = tmp_path / "plans.yaml"
    bad.write_text("currency: USD\nplans:\n  a: {prices: {month: -1}, colour: red}\n")
    code, out, err = run("check", str(bad))
    assert (1, "") == (code, out)
    assert [
        f"{bad}:3:16: plans.a.prices.month: -1 must not be negative",
        f"{bad}:3:28: plans.a.colour: unknown key; expected one of: name, description, popular, "
        "prices, limits, features",
        f"2 error(s) in {bad}",
    ] == err.splitlines()


def test_schema_prints_the_checked_in_schema() -> None:
    """`nudge schema` prints the JSON Schema shipped in the package."""
    code, out, _ = run("schema")
    assert 0 == code
    assert schema_text() == out
    assert "nudge-sdk catalog" == json.loads(out)["title"]


def test_quote_json_is_the_documented_shape(example_path: Path) -> None:
    """`nudge quote --json` prints exactly the documented payload (plus extra keys)."""
    code, out, err = run("quote", str(example_path), *QUOTE, "--json")
    assert (0, "") == (code, err)
    payload = json.loads(out)
    line = {
        "interval": "month",
        "seats": 1,
        "start": "2025-06-16T00:00:00Z",
        "end": "2025-07-01T00:00:00Z",
        "fraction": "1/2",
    }
    expected = {
        "currency": "USD",
        "lines": [
            {"kind": "credit", "plan": "starter", **line, "amount_minor": -450, "amount": "-4.50"},
            {"kind": "charge", "plan": "team", **line, "amount_minor": 600, "amount": "6.00"},
        ],
        "total_minor": 150,
        "total": "1.50",
        "effective_at": "2025-06-16T00:00:00Z",
        "new_period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
    }
    # The two keys this SDK adds to the documented shape:
    assert False is payload.pop("downgrade")
    assert ["plan", "plan"] == [line.pop("item_kind") for line in payload["lines"]]
    assert expected == payload


def test_quote_table(example_path: Path) -> None:
    """Without --json the quote is a readable table with locale-formatted money."""
    code, out, _ = run("quote", str(example_path), *QUOTE)
    assert 0 == code
    assert [
        "credit  starter  month  x1  2025-06-16T00:00:00Z -> 2025-07-01T00:00:00Z  1/2  -$4.50",
        "charge  team     month  x1  2025-06-16T00:00:00Z -> 2025-07-01T00:00:00Z  1/2   $6.00",
        "total                                                                           $1.50",
        "effective 2025-06-16T00:00:00Z; new period 2025-06-01T00:00:00Z -> 2025-07-01T00:00:00Z",
    ] == out.splitlines()


def test_quote_policy_overrides(example_path: Path) -> None:
    """Policy options override the catalog: an immediate downgrade credits now."""
    args = [
        "--from",
        "team",
        "--to",
        "starter",
        "--interval",
        "month",
        "--seats",
        "3",
        "--json",
        "--period-start",
        "2025-06-01T00:00:00Z",
        "--at",
        "2025-06-16T00:00:00Z",
    ]
    _, deferred, _ = run("quote", str(example_path), *args)
    _, now, _ = run("quote", str(example_path), *args, "--downgrade", "immediate")
    assert ([], "2025-07-01T00:00:00Z") == (
        json.loads(deferred)["lines"],
        json.loads(deferred)["effective_at"],
    )
    assert [-1800, 450] == [line["amount_minor"] for line in json.loads(now)["lines"]]


def test_quote_period_end_defaults_to_one_interval(example_path: Path) -> None:
    """Without --period-end the period is one interval long, month ends clamped."""
    args = [
        "--from",
        "starter",
        "--to",
        "team",
        "--interval",
        "month",
        "--json",
        "--period-start",
        "2025-01-31T00:00:00Z",
        "--at",
        "2025-02-14T00:00:00Z",
    ]
    _, out, _ = run("quote", str(example_path), *args)
    assert {"start": "2025-01-31T00:00:00Z", "end": "2025-02-28T00:00:00Z"} == json.loads(out)[
        "new_period"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"--at": "2025-06-16"},
            "nudge: error: --at: 2025-06-16 has no time zone; add one, e.g. 2025-06-16Z",
        ),
        ({"--at": "16 June"}, "nudge: error: --at: '16 June' is not an ISO 8601 date and time"),
        (
            {"--to": "gold"},
            "nudge: error: unknown plan 'gold'; the catalog has: free, starter, team, business",
        ),
        (
            {"--interval": "fortnight"},
            "nudge: error: 'fortnight' is not a billing interval: "
            "the unit must be one of: day, week, month, quarter, year",
        ),
        (
            {"--at": "2025-08-01T00:00:00Z"},
            "nudge: error: at 2025-08-01T00:00:00+00:00 is "
            "outside the period [2025-06-01T00:00:00+00:00, 2025-07-01T00:00:00+00:00)",
        ),
        (
            {"--to-interval": "week"},
            "nudge: error: plan 'team' has no week price; it is sold by: month, year",
        ),
    ],
)
def test_quote_input_errors_are_one_line_exit_2(
    example_path: Path, change: dict[str, str], message: str
) -> None:
    """Bad dates, unknown plans and the like print one clear line and exit 2."""
    args = list(QUOTE)
    for option, value in change.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    code, out, err = run("quote", str(example_path), *args)
    assert (2, "", [message]) == (code, out, err.splitlines())
