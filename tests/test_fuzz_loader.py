"""Fuzzing the loader: whatever the text, it loads or gives located errors, quickly.

Inputs are a small valid catalog mutated (a value, a key or a line replaced or inserted)
with what has broken YAML loaders before: aliases and anchors (bombs, recursion), tags,
huge and odd numbers (YAML 1.1 base 60 and octal, exponents, infinities), non-text
keys, control characters, deep nesting, long durations. Each input must either load
(and then evaluate without an internal error) or raise `InvalidCatalog` whose every
issue has a line, within a time and memory bound generous enough for a noisy 2-core
machine.

By default the number of examples follows the active hypothesis profile, capped so the
file runs in seconds; ``NUDGE_FUZZ_LONG=1`` runs many more (minutes).
"""

from __future__ import annotations

import collections
import os
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nudge_sdk import Catalog, Evaluator, Granularity, InvalidCatalog, parse_catalog
from nudge_sdk.billing._periods import Interval, Period
from nudge_sdk.evaluation._account import Account

LONG = os.environ.get("NUDGE_FUZZ_LONG") == "1"
EXAMPLES = 3_000 if LONG else min(settings().max_examples, 150)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDS = 2.0
"""Per input; the slowest small input takes a few milliseconds."""
PEAK_MB = 64.0
"""Traced memory per input; an input is at most a few kilobytes."""

BASE = """\
currency: USD
default_locale: en
quiet_days_after_signup: 0
metrics:
  gb: {kind: gauge, unit: GB}
  credits: {kind: counter, reset: month}
features:
  sso: {}
plans:
  free:
    limits: {gb: 2, credits: 50}
  pro:
    prices: {month: 9.00, year: {base: 90, per_seat: 1.5, included_seats: 2}}
    limits: {gb: 100, credits: {limit: 1000, overage: 0.02}}
    features: [sso]
addons:
  pack:
    prices: {month: 8.00}
    grants: {gb: 100}
placements:
  banner: {max: 1}
signals:
  open_ticket: {silences: [all]}
nudges:
  full:
    when: {usage: {metric: gb, levels: [80, 100]}}
    offer: recommend
    placement: banner
    frequency: {cooldown: 3d, max_per_week: 2, within: 7d}
    schedule: {start: "2025-01-01T00:00:00Z"}
    discount: {percent: 10}
    messages:
      en:
        title: {count: days, one: "{days} day", other: "{days} days"}
        body: "You used {used} of {limit}."
  ending:
    when: {ending: {what: period, within: 14d}}
    offer: {addon: pack, quantity: 1}
    messages: {en: {title: Renew, body: "Ends {date}"}}
"""

ODD_SCALARS = [
    "1:30.5",
    "1:30",
    "010",
    "0x1F",
    "0b101",
    "0o17",
    "1_000",
    "1" * 60,
    "1" * 4400,
    "9" * 38,
    "1e1000000",
    "1.0e+1000000",
    "1.0e-1000000",
    "1.0e+99999999999999999999",
    ".inf",
    "-.inf",
    ".nan",
    "-0",
    "-1",
    "0.000000000001",
    "0.0000000000001",
    "12345678901234567890123456789.01",
    "10000000000000.01",
    "!!int 9.5",
    "!!int ''",
    "!!float abc",
    "!!bool maybe",
    "!!binary aGVsbG8=",
    "!!binary '!!'",
    "!!str 7",
    "!!null x",
    "!!timestamp 2025-01-01",
    "!!set {a}",
    "!!omap [a: 1]",
    "!foo bar",
    "!!python/name:os.system",
    "~",
    "null",
    "true",
    "no",
    "''",
    '""',
    "'x\\x01'",
    '"\\x01"',
    '"\\u0085"',
    '"\\ud800"',
    "2025-06-01T00:00:00Z",
    "0001-01-01",
    "'0001-01-01T00:00:00+01:00'",
    "'9999-12-31T23:59:59-01:00'",
    "9999999999d",
    "99999999999w",
    "1m",
    "5min",
    "0d",
    "401d",
    "3661d",
    "1d 12h",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{other: ''}",
    "{count: days, other: ''}",
    "*nope",
    "&a x",
    "<<",
    "{<<: 1}",
    "'{unknown}'",
    "'{0}'",
    "'{used!r}'",
    "'{'",
]
ODD_KEYS = [
    "7",
    "~",
    "1.5",
    "true",
    "no",
    "? [a]",
    "? {a: 1}",
    "!!binary aGVsbG8=",
    "<<",
    "'7'",
    "a b",
    "''",
    "x" * 300,
    "é",
    '"\\x01"',
]
SNIPPETS = [
    "x: &r [*r]",
    "x: &a {k: &b [*a]}",
    "y: *undefined",
    "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    + "\n".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]" for i in range(1, 9)),
    "x: " + "[" * 300 + "]" * 300,
    "x: " + "{a: " * 80 + "1" + "}" * 80,
    "x:" + "".join(f"\n{' ' * i}k{i}:" for i in range(1, 90)),
    "m0: &m0 {k: 1}\n" + "\n".join(f"m{i}: &m{i} {{<<: *m{i - 1}}}" for i in range(1, 80)),
    "currency: USD",
    "plans: {a: {}}",
    "---\na: 1",
    "%YAML 1.1\n---",
    "x: \x01",
    "x: \x7f\x85\u2028",
    "\ufeffx: 1",
    "\t- a",
    "x: [" + ",".join(["1"] * 2000) + "]",
    "x: '" + "a" * 5000 + "'",
]

lines = BASE.splitlines()


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The base catalog with a few values, keys or lines replaced, or snippets added."""
    text = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text) - 1))
        line = text[at]
        action = draw(st.sampled_from(["value", "key", "insert", "drop", "flow"]))
        indent = line[: len(line) - len(line.lstrip())]
        if action == "value" and ":" in line:
            key = line.split(":", 1)[0]
            text[at] = f"{key}: {draw(st.sampled_from(ODD_SCALARS))}"
        elif action == "key" and ":" in line:
            value = line.split(":", 1)[1]
            text[at] = f"{indent}{draw(st.sampled_from(ODD_KEYS))}:{value}"
        elif action == "insert":
            snippet = draw(st.sampled_from(SNIPPETS))
            text.insert(at, snippet if draw(st.booleans()) else indent + snippet)
        elif action == "drop":
            del text[at]
        else:
            scalar = draw(st.sampled_from(ODD_SCALARS))
            text[at] = line.replace("100", scalar).replace("3d", scalar).replace("en:", scalar)
        if not text:
            text = ["{}"]
    return "\n".join(text) + "\n"


def scalar_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_SCALARS),
        st.integers(-(10**50), 10**50).map(str),
        st.decimals(allow_nan=True, places=None).map(str),
        st.text(st.characters(codec="utf-8"), max_size=12).map(repr),
    )


@st.composite
def generated(draw: st.DrawFn) -> str:
    """A document of the catalog's section names holding odd values, in block style."""
    out = [f"currency: {draw(st.sampled_from(['USD', 'JPY', 'KWD', 'XXX', '']))}"]
    sections = {
        "plans": ["prices", "limits", "features", "name", "popular"],
        "metrics": ["kind", "unit", "reset"],
        "addons": ["prices", "grants"],
        "signals": ["silences"],
        "placements": ["max", "per_day"],
    }
    for section in draw(st.lists(st.sampled_from(sorted(sections)), max_size=4)):
        out.append(f"{section}:")
        for _ in range(draw(st.integers(0, 3))):
            key = draw(
                st.one_of(st.sampled_from(ODD_KEYS), st.from_regex(r"[a-z]{1,5}", fullmatch=True))
            )
            out.append(f"  {key}:")
            for field in draw(st.lists(st.sampled_from(sections[section]), max_size=3)):
                out.append(f"    {field}: {draw(scalar_text())}")
    for name in draw(
        st.lists(st.sampled_from(["quiet_days_after_signup", "default_locale", "caps"]), max_size=2)
    ):
        out.append(f"{name}: {draw(scalar_text())}")
    return "\n".join(out) + "\n"


ACCOUNT_NOW = datetime(2025, 6, 16, tzinfo=UTC)
OUTCOMES: collections.Counter[str] = collections.Counter()
WORST: dict[str, float] = {"seconds": 0.0, "peak_mb": 0.0}


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    """Warm up (Babel's locale data loads on first use, not per input), then print what
    was tried (visible with ``pytest -s``)."""
    evaluates(parse_catalog(BASE))
    yield
    print(
        f"\nloader fuzz: {dict(OUTCOMES)}; worst {WORST['seconds']:.3f} s, "
        f"{WORST['peak_mb']:.1f} MB traced"
    )


def check(text: str) -> None:
    """Loads or fails cleanly, located, within the bounds; what loads evaluates."""
    tracemalloc.start()
    started = time.perf_counter()
    catalog: Catalog | None = None
    refused: InvalidCatalog | None = None
    try:
        catalog = parse_catalog(text, source="fuzz.yaml")
    except InvalidCatalog as error:
        OUTCOMES["invalid"] += 1
        refused = error
    except BaseException:
        OUTCOMES["escaped"] += 1
        raise
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        WORST["seconds"] = max(WORST["seconds"], seconds)
        WORST["peak_mb"] = max(WORST["peak_mb"], peak)
    OUTCOMES["inputs"] += 1
    if refused is not None:
        assert refused.issues
        assert all(i.line >= 1 and i.column >= 1 for i in refused.issues), str(refused)
    assert seconds < SECONDS, f"{seconds:.2f} s"
    assert peak < PEAK_MB, f"{peak:.1f} MB"
    if catalog is not None:
        OUTCOMES["loaded"] += 1
        evaluates(catalog)


HALF_DAY = Period(datetime(2025, 6, 16, tzinfo=UTC), datetime(2025, 6, 16, 12, tzinfo=UTC))
"""A period shorter than a day: with ``granularity: day`` it once divided zero by zero."""


def evaluates(catalog: Catalog) -> None:
    """A simple account on the first plan evaluates without an internal error, over a
    month and over half a day, with the catalog's granularity and with days."""
    plan_id, plan = next(iter(catalog.plans.items()))
    interval = next(iter(plan.prices), Interval.parse("month"))
    account = Account(
        id="fuzz",
        plan=plan_id,
        interval=interval,
        period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
        signup=datetime(2024, 1, 1, tzinfo=UTC),
    )
    usage = dict.fromkeys(catalog.metrics, 5)
    days = attrs.evolve(
        catalog, proration=attrs.evolve(catalog.proration, granularity=Granularity.DAY)
    )
    for evaluator in (Evaluator(catalog), Evaluator(days)):
        for period in (account.period, HALF_DAY):
            result = evaluator.evaluate(
                attrs.evolve(account, period=period),
                usage,
                now=ACCOUNT_NOW if period is account.period else HALF_DAY.start,
                explain=True,
                compare=True,
            )
            assert not [p for p in result.problems if "internal error" in p], result.problems


@FUZZ
@given(mutated())
def test_mutated_catalogs(text: str) -> None:
    """The base catalog with odd values, keys and lines loads or fails cleanly."""
    check(text)


@FUZZ
@given(generated())
def test_generated_documents(text: str) -> None:
    """Documents of odd values in the catalog's sections load or fail cleanly."""
    check(text)


@FUZZ
@given(st.text(st.characters(codec="utf-8"), max_size=300))
def test_any_text(text: str) -> None:
    """Any text, control characters included, loads or fails cleanly."""
    check(text)


def test_the_base_catalog_loads_and_evaluates() -> None:
    """The fuzzer starts from a catalog that loads, so mutations test more than syntax."""
    check(BASE)
    assert OUTCOMES["loaded"] >= 1
