"""The loader refuses hostile and odd YAML quickly, with a located error, and whatever
loads evaluates: one table row per way a catalog used to hang, crash or lie."""

from __future__ import annotations

import os
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nudge_sdk import Evaluator, InvalidCatalog, load_catalog, parse_catalog
from nudge_sdk.billing._periods import Interval, Period
from nudge_sdk.catalog import _loader
from nudge_sdk.catalog._loader import MAX_CATALOG_BYTES, TooLarge, read_limited
from nudge_sdk.catalog._rules import MAX_WINDOW, parse_duration
from nudge_sdk.evaluation._account import Account
from nudge_sdk.server._live import LiveCatalog
from nudge_sdk.stores import MemoryStore

HEAD = "currency: USD\nmetrics: {gb: {kind: gauge}}\nplans:\n  a: {}\n"
RULE = (
    "nudges:\n  r:\n    when: {usage: {metric: gb, levels: [80]}}\n"
    "    messages: {en: {title: t, body: b}}\n"
)


def rule(extra: str = "", when: str = "usage: {metric: gb, levels: [80]}") -> str:
    """HEAD and one rule, with `extra` lines inside the rule."""
    return HEAD + RULE.replace("usage: {metric: gb, levels: [80]}", when) + extra


def issues(text: str) -> list[str]:
    """The rendered issues; any exception other than InvalidCatalog fails the test."""
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text, source="p.yaml")
    return str(caught.value).splitlines()


def bomb(levels: int) -> str:
    """A billion-laughs document of `levels` levels, with one duplicate key."""
    lines = ["currency: USD", "plans: {a: {}}", "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, levels + 1):
        lines.append(f"x{level}: &x{level} [{', '.join([f'*x{level - 1}'] * 10)}]")
    return "\n".join([*lines, "currency: USD"]) + "\n"


CASES = [
    (
        "recursive alias with a duplicate key",
        "x: &r [*r]\nx: 1\ncurrency: USD\nplans: {a: {}}\n",
        ["p.yaml:1:8: x[0]: *r is inside the value it names (a recursive alias)"],
    ),
    (
        "alias to no anchor",
        "currency: USD\nplans:\n  a: {prices: {month: *nope}}\n",
        ["p.yaml:3:23: plans.a.prices.month: *nope names no anchor (&nope) defined before it"],
    ),
    (
        "YAML 1.1 base 60 float",
        "currency: USD\nplans:\n  a: {prices: {month: 1:30.5}}\n",
        [
            "p.yaml:3:23: plans.a.prices.month: 1:30.5 is a base-60 number in YAML 1.1; "
            "write it in base 10, or quote it if it is text"
        ],
    ),
    (
        "YAML 1.1 base 60 int (used to load as 90)",
        "currency: USD\nplans:\n  a: {prices: {month: 1:30}}\n",
        [
            "p.yaml:3:23: plans.a.prices.month: 1:30 is a base-60 number in YAML 1.1; "
            "write it in base 10, or quote it if it is text"
        ],
    ),
    (
        "YAML 1.1 octal (used to load 010 as 8)",
        "currency: USD\nplans:\n  a: {prices: {month: 010}}\n",
        [
            "p.yaml:3:23: plans.a.prices.month: 010 is an octal number in YAML 1.1 "
            "(a leading 0); write it without the 0, or quote it if it is text"
        ],
    ),
    (
        "an integer of 4301 digits",
        "currency: USD\nplans:\n  a: {prices: {month: " + "1" * 4301 + "}}\n",
        [
            "p.yaml:3:23: plans.a.prices.month: '1111111111111111111111111111111111111111'... "
            "(4301 characters) is too long for a number"
        ],
    ),
    (
        "!!int on a fraction",
        "currency: USD\nplans:\n  a: {prices: {month: !!int 9.5}}\n",
        ["p.yaml:3:23: plans.a.prices.month: 9.5 is not a whole number"],
    ),
    (
        "!!float on text, !!bool on text",
        "currency: USD\nplans:\n  a: {prices: {month: !!float abc}, popular: !!bool maybe}\n",
        [
            "p.yaml:3:23: plans.a.prices.month: abc is not a number",
            "p.yaml:3:46: plans.a.popular: maybe is not true or false",
        ],
    ),
    (
        "an exponent too large for Decimal",
        "currency: USD\nplans:\n  a: {prices: {month: 1.0e+99999999999999999999}}\n",
        ["p.yaml:3:23: plans.a.prices.month: 1.0e+99999999999999999999 is not a number"],
    ),
    (
        "1e1000000 as a price",
        "currency: USD\nplans:\n  a: {prices: {month: 1e1000000}}\n",
        [
            "p.yaml:3:16: plans.a.prices.month: 1E+1000000 is more than a catalog number "
            "may be (1000000000000000)"
        ],
    ),
    (
        "1e1000000 as a level (used to load, then overflow)",
        rule(when="usage: {metric: gb, levels: [1e1000000]}"),
        [
            "p.yaml:7:41: nudges.r.when.usage.levels[0]: 1E+1000000 is more than a catalog "
            "number may be (1000000000000000)"
        ],
    ),
    (
        "a price beyond 28 digits (used to round silently)",
        "currency: USD\nplans:\n  a: {prices: {month: 12345678901234567890123456789.01}}\n",
        [
            "p.yaml:3:16: plans.a.prices.month: 12345678901234567890123456789.01 is more than "
            "a catalog number may be (1000000000000000)"
        ],
    ),
    (
        "a price above MAX_AMOUNT minor units",
        "currency: USD\nplans:\n  a: {prices: {month: 10000000000000.01}}\n",
        [
            "p.yaml:3:16: plans.a.prices.month: 10000000000000.01 is more than a price may be "
            "(10000000000000.00)"
        ],
    ),
    (
        "more decimals than Decimal's context (used to round to a whole price)",
        "currency: USD\nplans:\n  a: {prices: {month: 1.0000000000000000000000000000001}}\n",
        [
            "p.yaml:3:16: plans.a.prices.month: 1.0000000000000000000000000000001 has more "
            "than 12 decimals"
        ],
    ),
    (
        "a cooldown that overflows timedelta",
        rule("    frequency: {cooldown: 9999999999d}\n"),
        ["p.yaml:9:17: nudges.r.frequency.cooldown: '9999999999d' is longer than 3660 days"],
    ),
    (
        "a cooldown longer than a store keeps",
        rule("    frequency: {cooldown: 500d}\n"),
        [
            "p.yaml:9:17: nudges.r.frequency.cooldown: '500d' is longer than the 400 days "
            "a store keeps"
        ],
    ),
    (
        "a lead time that overflows",
        rule(when="ending: {what: trial, within: 99999999999w}"),
        ["p.yaml:7:34: nudges.r.when.ending.within: '99999999999w' is longer than 3660 days"],
    ),
    (
        "a trial extension of too many days",
        rule(when="trial_extension: {within: 3d, days: 5000}"),
        ["p.yaml:7:42: nudges.r.when.trial_extension.days: an extension may be at most 3660 days"],
    ),
    (
        "m is ambiguous",
        rule("    frequency: {cooldown: 1m}\n"),
        [
            "p.yaml:9:17: nudges.r.frequency.cooldown: '1m' is not a duration: m could be "
            "months or minutes; write min for minutes (30min), d, w or h for longer"
        ],
    ),
    (
        "quiet days of .inf",
        HEAD + "quiet_days_after_signup: .inf\n",
        ["p.yaml:5:1: quiet_days_after_signup: expected a whole number, got Infinity"],
    ),
    (
        "a count above MAX_WHOLE",
        HEAD + "quiet_days_after_signup: 10000000000\n",
        [
            "p.yaml:5:1: quiet_days_after_signup: 10000000000 is more than a count may be "
            "(1000000000)"
        ],
    ),
    (
        "a schedule before year 1 in UTC",
        rule("    schedule: {start: '0001-01-01T00:00:00+01:00'}\n"),
        ["p.yaml:9:16: nudges.r.schedule.start: '0001-01-01T00:00:00+01:00' is out of range"],
    ),
    (
        "an empty currency",
        "currency: ''\nplans: {a: {}}\n",
        ["p.yaml:1:1: currency: '' is not an ISO 4217 currency code"],
    ),
    (
        "number keys in metrics",
        "currency: USD\nmetrics: {7: {kind: gauge}, 1.5: {kind: gauge}}\nplans: {a: {}}\n",
        [
            "p.yaml:2:11: metrics.7: the key 7 reads as a number, not text; "
            "quote it if it is a name: '7'",
            "p.yaml:2:29: metrics.1.5: the key 1.5 reads as a number, not text; "
            "quote it if it is a name: '1.5'",
        ],
    ),
    (
        "null and boolean plan keys (used to load as ids None and True)",
        "currency: USD\nplans: {true: {}, ~: {}}\n",
        [
            "p.yaml:2:9: plans.true: the key true reads as true or false, not text; "
            "quote it if it is a name: 'true'",
            "p.yaml:2:19: plans.~: the key ~ reads as null, not text; "
            "quote it if it is a name: '~'",
        ],
    ),
    (
        "a binary plan key",
        "currency: USD\nplans: {!!binary aGVsbG8=: {}}\n",
        ["p.yaml:2:9: plans: the tag '!!binary' is not used in a catalog; write the value plainly"],
    ),
    (
        "number keys in signals, locales and interval names",
        HEAD + "signals: {7: {}}\ninterval_names: {8: {month: m}}\n",
        [
            "p.yaml:5:11: signals.7: the key 7 reads as a number, not text; "
            "quote it if it is a name: '7'",
            "p.yaml:6:18: interval_names.8: the key 8 reads as a number, not text; "
            "quote it if it is a name: '8'",
        ],
    ),
    (
        "a mapping as a key",
        "currency: USD\nplans: {? {a: 1} : {}}\n",
        ["p.yaml:2:11: plans: a key must be text, not a mapping"],
    ),
    (
        "a control character",
        'currency: USD\nplans: {a: {name: "x\x01"}}\n',
        [
            "p.yaml:2:21: (top): not valid YAML: unacceptable character #x0001: "
            "control characters are not allowed"
        ],
    ),
    (
        "a control character after non-ASCII text",
        "currency: USD\nplans: {a: {name: é\x01}}\n",
        [
            "p.yaml:2:20: (top): not valid YAML: unacceptable character #x0001: "
            "control characters are not allowed"
        ],
    ),
    (
        "a plural without its other form (used to fail every evaluation)",
        rule().replace("title: t", "title: {count: days, other: ''}"),
        [
            "p.yaml:8:42: nudges.r.messages.en.title.other: must not be empty: it is used "
            "when no other form fits"
        ],
    ),
    (
        "deep nesting",
        "currency: USD\nplans: {a: {}}\nx:" + "".join(f"\n{' ' * i}k{i}:" for i in range(1, 99)),
        ["p.yaml:67:65: (top): nests deeper than 64 levels"],
    ),
    (
        "a chain of merges",
        "currency: USD\nplans: {a: {}}\nx0: &a0 {k: 1}\n"
        + "".join(f"x{i}: &a{i} {{<<: *a{i - 1}}}\n" for i in range(1, 80)),
        ["p.yaml:68:12: (top): merges mappings more than 64 deep"],
    ),
    (
        "a set tag",
        "currency: USD\nplans: !!set {a}\n",
        ["p.yaml:2:8: plans: the tag '!!set' is not used in a catalog; write the value plainly"],
    ),
    (
        "a duplicate key inside an aliased mapping is reported once, where it is written",
        "currency: USD\nplans: {a: {}}\nx: &x {a: 1, a: 2}\ny: [*x, *x, *x]\n",
        [
            "p.yaml:3:1: x: unknown key; expected one of: currency, currencies, plans, proration, "
            "default_locale, interval_names, comparison_messages, quiet_days_after_signup, "
            "metrics, features, addons, placements, caps, signals, nudges",
            "p.yaml:3:14: x.a: duplicate key; an earlier one has the same name",
            "p.yaml:4:1: y: unknown key; expected one of: currency, currencies, plans, proration, "
            "default_locale, interval_names, comparison_messages, quiet_days_after_signup, "
            "metrics, features, addons, placements, caps, signals, nudges",
        ],
    ),
    (
        "a long list of choices is cut",
        "currency: USD\nmetrics: {"
        + ", ".join(f"m{i}: {{kind: gauge}}" for i in range(30))
        + "}\nplans: {a: {limits: {x: 1}}}\n",
        [
            "p.yaml:3:22: plans.a.limits.x: unknown metric 'x'; the catalog defines: "
            + ", ".join(f"m{i}" for i in range(20))
            + " and 10 more"
        ],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_refused_with_a_located_error(name: str, text: str, expected: list[str]) -> None:
    """Each input is an InvalidCatalog whose lines are exactly these."""
    assert expected == issues(text)


def measured(text: str) -> tuple[float, float, list[str]]:
    """Seconds, peak traced MB and the rendered issues of loading `text`."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        lines = issues(text)
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return seconds, peak, lines


@pytest.mark.parametrize("levels", [7, 8])
def test_alias_bombs_with_a_duplicate_key_are_refused_at_once(levels: int) -> None:
    """The value budget is spent while composing: 7 and 8 levels (25 s and 218 s before)
    are refused in well under a second."""
    seconds, peak, lines = measured(bomb(levels))
    assert ["p.yaml:1:1: (top): expands to more than 200000 values (YAML aliases?)"] == lines
    assert seconds < 2
    assert peak < 20


def test_a_flat_list_of_4_mib_is_refused_within_the_budget() -> None:
    """Composing stops at the value budget: no 2-million-node graph (764 MB before)."""
    body = "currency: USD\nplans: {a: {}}\nx: ["
    text = body + ",".join(["1"] * ((4 * 1024 * 1024 - len(body) - 10) // 2)) + "]\n"
    seconds, peak, lines = measured(text)
    assert ["p.yaml:1:1: (top): expands to more than 200000 values"] == lines
    assert seconds < 30  # generous: a slow 2-core CI machine
    assert peak < 250


def test_a_huge_catalog_is_refused_within_the_budget() -> None:
    """150,000 metrics (15 s before) run over the budget while composing."""
    text = "currency: USD\nplans: {a: {}}\nmetrics:\n" + "".join(
        f"  m{i}: {{kind: gauge}}\n" for i in range(150_000)
    )
    seconds, peak, lines = measured(text)
    assert ["p.yaml:1:1: (top): expands to more than 200000 values"] == lines
    assert seconds < 30
    assert peak < 250


def test_a_flow_nesting_bomb_is_refused() -> None:
    """Thousands of nested brackets give a located error, not a RecursionError."""
    lines = issues("currency: USD\nplans: {a: {}}\nx: " + "[" * 5000 + "]" * 5000 + "\n")
    assert 1 == len(lines)
    assert lines[0].startswith("p.yaml:3:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30min", timedelta(minutes=30)),
        ("1d 12h", timedelta(days=1, hours=12)),
        ("3660d", timedelta(days=3660)),
        ("P7D", timedelta(days=7)),
        ("PT12H", timedelta(hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("P1DT30M", timedelta(days=1, minutes=30)),
        ("PT90S", timedelta(seconds=90)),
    ],
)
def test_durations_with_unambiguous_units(text: str, expected: timedelta) -> None:
    """w, d, h and min are read, and ISO 8601 durations of fixed length; the sum is the
    duration."""
    assert expected == parse_duration(text)


@pytest.mark.parametrize(
    "text",
    ["1m", "5 m", "3661d", "9" * 5000 + "d", "", "7days", "1y", "P1M", "P1Y", "PT", "P1D2H"],
)
def test_durations_refused(text: str) -> None:
    """Ambiguous, unknown, too long or empty durations are a ValueError, never overflow."""
    with pytest.raises(ValueError, match=r"not a duration|not an ISO 8601 duration|longer than"):
        parse_duration(text)


def test_window_bound() -> None:
    """A window of exactly MAX_WINDOW is accepted."""
    catalog = parse_catalog(rule(f"    frequency: {{cooldown: {MAX_WINDOW.days}d}}\n"))
    assert MAX_WINDOW == catalog.rules["r"].frequency.cooldown


def test_exact_prices_at_the_bounds() -> None:
    """The largest price and a price with every decimal convert exactly."""
    catalog = parse_catalog(
        "currency: KWD\nplans:\n  a: {prices: {month: 1000000000000.000, year: 0.001}}\n"
    )
    assert [10**15, 1] == [p.base for p in catalog.plan("a").prices.values()]


def test_unquoted_dates_are_text() -> None:
    """An unquoted schedule instant is read as text (YAML 1.2), not a YAML timestamp."""
    catalog = parse_catalog(rule("    schedule: {start: 2025-06-01T00:00:00Z}\n"))
    assert datetime(2025, 6, 1, tzinfo=UTC) == catalog.rules["r"].starts


def test_merge_keys_still_work() -> None:
    """``<<: *defaults`` merges, the explicit keys winning."""
    catalog = parse_catalog(
        "currency: USD\nmetrics:\n  gb: &g {kind: gauge, unit: GB}\n"
        "  tb: {<<: *g, unit: TB}\nplans: {a: {}}\n"
    )
    assert ("GB", "TB") == (catalog.metrics["gb"].unit, catalog.metrics["tb"].unit)


def test_included_seats_zero_means_every_seat_is_billed() -> None:
    """``included_seats: 0`` is meaningful (README's team plan), so it loads; an account
    of 0 seats is refused by `Account`, not by the catalog."""
    catalog = parse_catalog(
        "currency: USD\nplans:\n  a: {prices: {year: {per_seat: 90, included_seats: 0}}}\n"
    )
    assert 9000 == next(iter(catalog.plan("a").prices.values())).amount(1)


def test_what_loads_evaluates() -> None:
    """A catalog at the edges of every bound still evaluates without an internal error."""
    catalog = parse_catalog(
        "currency: USD\nmetrics: {gb: {kind: gauge}}\n"
        "plans:\n  a: {prices: {month: 10000000000000}, limits: {gb: 1000000000000000}}\n"
        "  b: {prices: {month: 0.01}, limits: {gb: 0.000000000001}}\n"
        "nudges:\n  r:\n    when: {usage: {metric: gb, levels: [0.000000000001, "
        "1000000000000000]}}\n"
        "    frequency: {cooldown: 400d, within: 400d, max_snooze: 400d, dismiss_for: 400d}\n"
        "    messages: {en: {title: {count: days, other: x}, body: b}}\n"
    )
    now = datetime(2025, 6, 16, tzinfo=UTC)
    account = Account(
        id="x",
        plan="a",
        interval=Interval.parse("month"),
        period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
        signup=datetime(2024, 1, 1, tzinfo=UTC),
    )
    result = Evaluator(catalog).evaluate(account, {"gb": 5}, now=now)
    assert not [p for p in result.problems if "internal error" in p]


# -- reading the file: st_size is not trusted (issue 8, after the audit) -------------

TOO_LARGE = "is larger than 4194304 bytes, the most a catalog may have"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_that_never_ends_is_refused_at_the_limit(device: str) -> None:
    """/dev/zero reports 0 bytes and never ends: it is read up to the limit, then refused."""
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    tracemalloc.start()
    try:
        with pytest.raises(InvalidCatalog) as caught:
            load_catalog(device)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f"{device}: (top): {TOO_LARGE}"] == str(caught.value).splitlines()
    assert peak < 4 * MAX_CATALOG_BYTES


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_that_does_not_end_is_refused_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO nobody writes to (or closes) is refused after READ_SECONDS, never a hang."""
    monkeypatch.setattr(_loader, "READ_SECONDS", 0.2)
    fifo = tmp_path / "plans.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(InvalidCatalog) as caught:
        load_catalog(fifo)
    assert time.monotonic() - started < 3
    reason = "cannot read the file: it is not a regular file and did not end within 0.2 s"
    assert [f"{fifo}: (top): {reason}"] == str(caught.value).splitlines()


def test_the_served_catalog_is_read_with_the_same_limit() -> None:
    """`nudge serve /dev/zero` refuses the file as load_catalog does (no MemoryError)."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    with pytest.raises(InvalidCatalog) as caught:
        LiveCatalog("/dev/zero", MemoryStore())
    assert [f"/dev/zero: (top): {TOO_LARGE}"] == str(caught.value).splitlines()


def test_read_limited_reads_a_regular_file_whole(tmp_path: Path) -> None:
    """A regular file within the limit comes back whole; one byte more is TooLarge."""
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert b"x" * 100 == read_limited(path, 100)
    with pytest.raises(TooLarge, match="more than 99 bytes"):
        read_limited(path, 99)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1m",
            "'1m' is not a duration: m could be months or minutes; write min for minutes "
            "(30min), d, w or h for longer",
        ),
        (
            "soon",
            "'soon' is not a duration; write d, w, h or min (7d, 2w, 12h, 30min, 1d 12h), "
            "or ISO 8601 (P7D, PT12H)",
        ),
        (
            "P1M",
            "'P1M' is not an ISO 8601 duration of fixed length: whole weeks, days, hours, "
            "minutes and seconds (P7D, PT12H, P1DT30M); months and years vary in length",
        ),
    ],
)
def test_duration_errors_say_what_is_taken(text: str, message: str) -> None:
    """Each refusal names the units that are read, ISO 8601 included."""
    with pytest.raises(ValueError, match="duration") as caught:
        parse_duration(text)
    assert message == str(caught.value)
