"""The `nudge` command: its output, its JSON contract and its exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
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
        "prices, limits, features, billing_ids, retired, currency_options",
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
            "nudge: error: --at: 2025-06-16 has no time zone; add one, e.g. 2025-06-16T00:00:00Z",
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


ADDON_QUOTE = [
    "--interval",
    "month",
    "--period-start",
    "2025-06-01T00:00:00Z",
    "--at",
    "2025-06-16T00:00:00Z",
]


@pytest.mark.parametrize(
    ("args", "lines", "total", "effective"),
    [
        # buying two storage packs half way through June: half of 2 x $8 now
        (["--to-quantity", "2"], [("charge", "storage_pack", 2, 800)], 800, "immediate"),
        # one more than held: only the new unit is charged, for the half month left
        (
            ["--quantity", "1", "--to-quantity", "2"],
            [("credit", "storage_pack", 1, -400), ("charge", "storage_pack", 2, 800)],
            400,
            "immediate",
        ),
        # without --to-quantity: one more unit than held
        (["--quantity", "1"], None, 400, "immediate"),
        # removing them: a decrease, deferred to the period's end as the policy says
        (["--quantity", "2", "--to-quantity", "0"], [], 0, "period_end"),
    ],
)
def test_quote_prices_addon_units(
    example_path: Path,
    args: list[str],
    lines: list[tuple[str, str, int, int]] | None,
    total: int,
    effective: str,
) -> None:
    """`nudge quote --addon` prices buying, adding and removing add-on units."""
    code, out, err = run(
        "quote", str(example_path), "--addon", "storage_pack", *args, *ADDON_QUOTE, "--json"
    )
    assert (0, "") == (code, err)
    quote = json.loads(out)
    found = [
        (line["kind"], line["addon"], line["quantity"], line["amount_minor"])
        for line in quote["lines"]
    ]
    assert lines is None or lines == found
    assert (total, effective == "period_end") == (quote["total_minor"], quote["downgrade"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--addon", "gold_pack"],
            "nudge: error: --addon: unknown add-on 'gold_pack'; the catalog defines: "
            "storage_pack, credit_pack, audit_log_addon",
        ),
        (
            ["--addon", "storage_pack", "--from", "starter"],
            "nudge: error: --addon quotes add-on units: leave out --from, --to and --to-seats",
        ),
        (
            ["--addon", "storage_pack", "--quantity", "2", "--to-quantity", "2"],
            "nudge: error: --to-quantity 2 is what --quantity already holds",
        ),
        ([], "nudge: error: --from and --to are required, unless --addon is given"),
        (
            ["--from", "starter", "--to", "team", "--quantity", "2"],
            "nudge: error: --quantity and --to-quantity go with --addon",
        ),
    ],
)
def test_addon_quote_errors_are_one_line_exit_2(
    example_path: Path, args: list[str], message: str
) -> None:
    code, out, err = run("quote", str(example_path), *args, *ADDON_QUOTE)
    assert (2, "", [message]) == (code, out, err.splitlines())


def _commands() -> list[tuple[str, click.Command]]:
    """Every command of `nudge`, by its full name, groups included."""
    found: list[tuple[str, click.Command]] = []

    def visit(name: str, command: click.Command) -> None:
        found.append((name, command))
        if isinstance(command, click.Group):
            for sub, child in command.commands.items():
                visit(f"{name} {sub}".strip(), child)

    visit("", main)
    return found


def test_help_lists_every_command() -> None:
    """`nudge --help` names every command, `state` and `event` included."""
    code, out, _ = run("--help")
    listed = out.split("Commands:\n")[1]
    names = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert (0, sorted(main.commands)) == (code, names)
    assert {"check", "compare", "evaluate", "event", "quote", "schema", "state"} <= set(names)


def test_help_and_readme_give_the_same_exit_codes() -> None:
    """`nudge --help` and the README's table list the same exit codes, and both say
    that `nudge diff` exits 1 when NEW would strand a sample account."""
    _, out, _ = run("--help")
    codes = out.split("Exit codes, the same for every command:")[1].split("Example:")[0]
    helped = dict(re.findall(r"^ +(\d+) +(.*(?:\n +[a-z(].*)*)", codes, re.M))
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = dict(re.findall(r"^\| (\d+) \| ([^|]*) \|", readme, re.M))
    assert sorted(helped) == sorted(table) == ["0", "1", "130", "2", "3"]
    assert ("diff" in helped["1"], "nudge diff" in table["1"]) == (True, True)


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: str(v) or "nudge")
def test_every_command_has_an_example_and_described_options(
    name: str, command: click.Command
) -> None:
    """Each command's help shows an example of it, and every option says what it does."""
    code, out, _ = run(*name.split(), "--help")
    assert (0, True) == (code, "Example:\n" in out)
    example = out.split("Example:\n")[1].split("\n\n")[0]
    assert f"nudge {name}".strip() in example
    undescribed = [
        param.name
        for param in command.params
        if isinstance(param, click.Option) and not param.help and param.name != "version"
    ]
    assert [] == undescribed


def test_the_readme_names_only_flags_the_command_has() -> None:
    """Every flag the README's command summary gives a command is one it takes."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    summary = readme.split("### The command")[1].split("```")[1]
    mentioned: dict[str, set[str]] = {}
    command = ""
    for line in summary.splitlines():
        words = line.split()
        if words[:1] == ["nudge"]:
            command = " ".join(w for w in words[1:3] if w.isalpha() and w.islower())
            command = command if command in dict(_commands()) else words[1]
        mentioned.setdefault(command, set()).update(re.findall(r"--[a-z][a-z-]*", line))
    for name, flags in mentioned.items():
        taken = {
            opt
            for param in dict(_commands())[name].params
            for opt in [*param.opts, *param.secondary_opts]
        }
        assert set() == flags - taken, name


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--seats",
            "many",
            "Error: Invalid value for '--seats': 'many' is not a valid integer range",
        ),
        (
            "--seats",
            "0",
            "Error: Invalid value for '--seats': 0 is not in the range 1<=x<=1000000000",
        ),
        (
            "--seats",
            "2000000000",
            "Error: Invalid value for '--seats': 2000000000 is not in the range 1<=x<=1000000000",
        ),
        (
            "--to-seats",
            "0",
            "Error: Invalid value for '--to-seats': 0 is not in the range 1<=x<=1000000000",
        ),
    ],
)
def test_click_usage_errors_exit_2(option: str, value: str, message: str) -> None:
    """A missing or malformed option is click's usage error: exit code 2, no output; seats
    are held to what an account may have, 1 to 10^9."""
    code, out, err = run("quote", "plans.yaml", option, value)
    assert (2, "", message) == (code, out, err.splitlines()[-1].rstrip("."))
