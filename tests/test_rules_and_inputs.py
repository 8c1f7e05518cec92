"""Rule checks at load time, and reading accounts from JSON: errors say what and where."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent, indent
from typing import Any

import pytest
from click.testing import CliRunner

from nudge_sdk import PLACEHOLDERS, InvalidCatalog, InvalidInput, account_from_json, parse_catalog
from nudge_sdk.cli._commands import main
from nudge_sdk.payloads._schema import render_schema, schema_text

HEAD = """\
currency: USD
metrics: {gb: {kind: gauge}}
features: {sso: {}}
plans: {a: {prices: {month: 1}, limits: {gb: 5}}}
"""


def issues(nudges: str) -> list[str]:
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(HEAD + "nudges:\n" + indent(dedent(nudges), "  "), source="p.yaml")
    return [line.split(": ", 1)[1] for line in str(caught.value).splitlines()]


MESSAGES = "  messages: {en: {title: t, body: b}}\n"
NAMES = ", ".join(PLACEHOLDERS)  # the documented set, in its documented order
RULE_CASES = [
    (
        "no trigger",
        "r:\n  when: {}\n" + MESSAGES,
        [
            "nudges.r.when: give exactly one trigger, one of: usage, break_even, feature, ending, "
            "trial_extension, cancel_intent, milestone"
        ],
    ),
    (
        "two triggers",
        "r:\n  when: {feature: {feature: sso}, cancel_intent: {}}\n" + MESSAGES,
        [
            "nudges.r.when: give exactly one trigger, one of: usage, break_even, feature, ending, "
            "trial_extension, cancel_intent, milestone"
        ],
    ),
    (
        "unknown metric",
        "r:\n  when: {usage: {metric: tb, levels: [80]}}\n" + MESSAGES,
        ["nudges.r.when.usage.metric: unknown metric 'tb'; the catalog defines: gb"],
    ),
    (
        "unknown feature",
        "r:\n  when: {feature: {feature: saml}}\n" + MESSAGES,
        ["nudges.r.when.feature.feature: unknown feature 'saml'; the catalog defines: sso"],
    ),
    (
        "bad duration",
        "r:\n  when: {ending: {what: trial, within: soon}}\n" + MESSAGES,
        [
            "nudges.r.when.ending.within: 'soon' is not a duration; write d, w, h or min "
            "(7d, 2w, 12h, 30min, 1d 12h), or ISO 8601 (P7D, PT12H)"
        ],
    ),
    (
        "unknown offer plan",
        "r:\n  when: {feature: {feature: sso}}\n  offer: {plan: gold}\n" + MESSAGES,
        ["nudges.r.offer.plan: unknown plan 'gold'; the catalog defines: a"],
    ),
    (
        "bad offer word",
        "r:\n  when: {feature: {feature: sso}}\n  offer: cheapest\n" + MESSAGES,
        [
            "nudges.r.offer: expected recommend, downsell, none, {plan: ID} or {addon: ID}, "
            "got 'cheapest'"
        ],
    ),
    (
        "unknown placeholder",
        "r:\n  when: {feature: {feature: sso}}\n  messages: {en: {title: 'Hi {name}', body: b}}\n",
        ["nudges.r.messages.en.title: {name} is not a placeholder; use one of: " + NAMES],
    ),
    (
        "attribute access",
        "r:\n  when: {feature: {feature: sso}}\n"
        "  messages: {en: {title: '{plan.__class__}', body: b}}\n",
        ["nudges.r.messages.en.title: {plan.__class__} is not a placeholder; use one of: " + NAMES],
    ),
    (
        "no default locale",
        "r:\n  when: {feature: {feature: sso}}\n  messages: {ar: {title: t, body: b}}\n",
        ["nudges.r.messages: give messages in the default locale 'en'"],
    ),
    (
        "unknown locale",
        "r:\n  when: {feature: {feature: sso}}\n"
        "  messages: {en: {title: t, body: b}, xx-YY: {title: t, body: b}}\n",
        ["nudges.r.messages.xx-YY: 'xx-YY' is not a known locale"],
    ),
    (
        "schedule without zone",
        "r:\n  when: {feature: {feature: sso}}\n"
        "  schedule: {start: '2025-06-01T00:00:00'}\n" + MESSAGES,
        [
            "nudges.r.schedule.start: 2025-06-01T00:00:00 has no time zone; add one, "
            "e.g. 2025-06-01T00:00:00Z"
        ],
    ),
    (
        "bad severity",
        "r:\n  when: {feature: {feature: sso}}\n  severity: loud\n" + MESSAGES,
        ["nudges.r.severity: 'loud' is not one of: info, warning, critical"],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_errors(name: str, text: str, expected: list[str]) -> None:
    """Rules are checked against the catalog when it loads, every error with its path."""
    assert expected == issues(text)


def test_comparison_messages_are_checked() -> None:
    """Comparison messages may only use their four placeholders, in known locales."""
    text = HEAD + (
        "comparison_messages:\n"
        "  en: {more: '{difference} more for {feature}', less: x}\n"
        "  xx-YY: {more: a, less: b}\n"
    )
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text, source="p.yaml")
    assert [
        "p.yaml:6:8: comparison_messages.en.more: {feature} is not a placeholder; use one of: "
        "difference, interval, plan, price",
        "p.yaml:7:3: comparison_messages.xx-YY: 'xx-YY' is not a known locale",
    ] == str(caught.value).splitlines()


ACCOUNT = {
    "id": "a",
    "plan": "starter",
    "interval": "month",
    "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
    "signup": "2024-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"signup": "2024-01-01T00:00:00"}, "account.signup: 2024-01-01T00:00:00 has no time zone"),
        ({"signup": "yesterday"}, "account.signup: 'yesterday' is not an ISO 8601 date and time"),
        ({"seats": -1}, "account.seats: expected a whole number >= 0, got -1"),
        ({"seats": "3"}, "account.seats: expected a whole number >= 0, got '3'"),
        ({"interval": "fortnight"}, "account.interval: 'fortnight' is not a billing interval"),
        (
            {"period": {"start": "2025-06-01T00:00:00Z"}},
            'account.period: expected {"start": ISO, "end": ISO}',
        ),
        ({"plan": None}, "account.plan: expected text, got None"),
        ({"colour": "red"}, "account: unknown field(s): colour"),
        ({"signals": "open_ticket"}, "account.signals: expected a list of text, got 'open_ticket'"),
    ],
)
def test_account_json_errors_name_the_field(change: dict[str, Any], message: str) -> None:
    """Reading an account from JSON, the first bad field is named with what is wrong."""
    with pytest.raises(InvalidInput) as caught:
        account_from_json({**ACCOUNT, **change})
    assert str(caught.value).startswith(message)


def test_account_json_missing_field() -> None:
    """A missing required field is named."""
    data = dict(ACCOUNT)
    del data["plan"]
    with pytest.raises(InvalidInput, match=r"^account\.plan: required field is missing$"):
        account_from_json(data)


def test_payload_schema_is_checked_in() -> None:
    """The payload schema shipped in the package is what the generator makes today."""
    assert render_schema("payload") == schema_text("payload")


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVALUATE = [
    "evaluate",
    str(EXAMPLES / "plans.yaml"),
    "--account",
    str(EXAMPLES / "accounts" / "storage_full.json"),
    "--usage",
    str(EXAMPLES / "accounts" / "storage_full.usage.json"),
    "--now",
    "2025-06-16T00:00:00Z",
]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_evaluate_json_is_the_payload() -> None:
    """`nudge evaluate --json` prints exactly the evaluation payload."""
    code, out, err = invoke(*EVALUATE, "--json")
    assert (0, "") == (code, err)
    payload = json.loads(out)
    assert (1, "acct_42") == (payload["schema_version"], payload["account"])
    assert ["storage_almost_full", "seats_filling_up"] == [n["rule"] for n in payload["nudges"]]


def test_cli_evaluate_explains() -> None:
    """The readable output lists the nudges, then why every rule did or did not fire."""
    code, out, _ = invoke(*EVALUATE, "--explain")
    assert 0 == code
    assert "[banner] warning addon (storage_almost_full)" in out
    assert "  summer_offer           audience_country: country DE" in out.splitlines()


def test_cli_compare() -> None:
    """`nudge compare` shows three plans with the current and recommended marked."""
    code, out, _ = invoke("compare", *EVALUATE[1:])
    assert 0 == code
    assert "current, recommended" in out
    assert "most_popular" in out


def test_cli_evaluate_with_the_comparison() -> None:
    """`nudge evaluate --compare` adds the comparison, in the JSON and in the text, equal
    to what `nudge compare` prints."""
    code, out, _ = invoke(*EVALUATE, "--compare", "--json")
    _, alone, _ = invoke("compare", *EVALUATE[1:], "--json")
    assert (0, json.loads(alone)) == (code, json.loads(out)["comparison"])
    _, text, _ = invoke(*EVALUATE, "--compare")
    _, alone_text, _ = invoke("compare", *EVALUATE[1:])
    assert text.endswith(alone_text)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--now", "2025-06-16"],
            "nudge: error: --now: 2025-06-16 has no time zone; add one, e.g. 2025-06-16T00:00:00Z",
        ),
        (
            ["--usage", "/nonexistent.json"],
            "nudge: error: --usage: cannot read /nonexistent.json: No such file or directory",
        ),
    ],
)
def test_cli_evaluate_input_errors(args: list[str], message: str) -> None:
    """Bad command input is one line on stderr and exit code 2."""
    argv = list(EVALUATE)
    argv[argv.index(args[0]) + 1] = args[1]
    code, out, err = invoke(*argv)
    assert (2, "", [message]) == (code, out, err.splitlines())


def test_cli_evaluate_bad_account_json(tmp_path: Path) -> None:
    """A malformed account file is named with its line and column."""
    bad = tmp_path / "account.json"
    bad.write_text('{"id": "a",\n "plan": }')
    argv = list(EVALUATE)
    argv[argv.index("--account") + 1] = str(bad)
    code, _, err = invoke(*argv)
    assert (2, [f"nudge: error: --account: {bad}:2:10: Expecting value"]) == (
        code,
        err.splitlines(),
    )


def test_a_message_knows_the_placeholders_it_names() -> None:
    """Only these are formatted for a nudge: the plural count's too, and none twice."""
    rule = """\
    r:
      when: {usage: {metric: gb, levels: [80]}}
      messages:
        en:
          title: "{used} of {limit}"
          body: {count: quantity, one: "{quantity} pack", other: "{quantity} packs for {price}"}
          cta: Upgrade
    """
    catalog = parse_catalog(HEAD + "nudges:\n" + indent(dedent(rule), "  "))
    names = catalog.rules["r"].messages["en"].names
    assert frozenset({"used", "limit", "quantity", "price"}) == names
