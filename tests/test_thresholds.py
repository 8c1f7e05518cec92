"""The decision path's compiled probes (`nudge_sdk.evaluation._thresholds`) decide
exactly as the general path does.

Two laws: a probe reads a float as the general path reads it (its shortest decimal
text, rounded to nine places), around every reach, in the band between its two
brackets too; and `Evaluator.triggered`, which answers from the probes when it can,
names the same rules as deciding every rule of the plan one by one, over generated
threshold catalogs (gauges and counters, shares and amounts left, projected or not,
unlimited, missing and zero limits, schedules, audiences, quiet periods, silencing
signals, rules of other kinds) and accounts with add-ons, grants, trends and usage on
the edges, and raises the same errors. ``NUDGE_FUZZ_LONG=1`` runs many more examples.
"""

from __future__ import annotations

import decimal
import json
import math
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nudge_sdk import (
    Account,
    Evaluator,
    Grant,
    Interval,
    NudgeError,
    Period,
    Unit,
    account_from_json,
    load_catalog,
    parse_catalog,
)
from nudge_sdk._evaluator import _only_nudge_errors
from nudge_sdk.evaluation._account import MAX_USAGE, exact_float
from nudge_sdk.evaluation._thresholds import Probe, _bracket
from nudge_sdk.evaluation._triggers import Hit

LONG = bool(os.environ.get("NUDGE_FUZZ_LONG"))
"""Many more examples, as the fuzz suites take them."""
NOW = datetime(2025, 6, 16, 12, tzinfo=UTC)
JUNE = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))

reaches = st.one_of(
    st.fractions(min_value=0, max_value=10**6, max_denominator=10**12),
    st.decimals(min_value=0, max_value=10**15, places=9).map(Fraction),
    st.sampled_from([Fraction(0), Fraction(80), Fraction(1, 3), Fraction(10**15), Fraction(-5)]),
    st.just(Fraction(10**15 + 1)),
)


@st.composite
def near(draw: st.DrawFn, reach: Fraction) -> float:
    """A float at or near `reach`: a few ulps, a few billionths, or anywhere."""
    centre = min(max(float(reach), 0.0), float(MAX_USAGE))
    how = draw(st.sampled_from(["ulps", "billionths", "anywhere"]))
    if how == "ulps":
        value = centre
        for _ in range(draw(st.integers(0, 40))):
            value = math.nextafter(value, draw(st.sampled_from([math.inf, -math.inf])))
    elif how == "billionths":
        value = centre + draw(st.integers(-3000, 3000)) * 1e-12
    else:
        value = draw(st.floats(min_value=0, max_value=float(MAX_USAGE)))
    return min(max(value, 0.0), float(MAX_USAGE))


def _probe(reach: Fraction) -> Probe:
    """A probe for `reach`, bracketed as `Probes.of` brackets it."""
    low, high = _bracket(reach)
    whole = max(0, math.ceil(reach))
    return Probe(rule="r", metric="m", placement="p", reach=reach, low=low, high=high,
                 whole=whole, starts=None, ends=None)  # fmt: skip


@settings(max_examples=20_000 if LONG else 400)
@given(reaches, st.data())
def test_a_probe_reads_usage_as_the_general_path(reach: Fraction, data: st.DataObject) -> None:
    """`Probe.fires` is "the exact reading is at least `reach`", for floats and ints."""
    probe = _probe(reach)
    value = data.draw(near(reach))
    assert probe.fires(value) == (exact_float(value) >= reach)
    whole = data.draw(st.integers(0, MAX_USAGE))
    assert probe.fires(whole) == (whole >= reach)
    for edge in (math.floor(reach), math.ceil(reach)):
        if 0 <= edge <= MAX_USAGE:
            assert probe.fires(edge) == (edge >= reach)


LIMITS = ["100", "2.5", "0", "1000000", "0.000000001", "unlimited", None]
METRICS = {
    "g0": "{kind: gauge}",
    "g1": "{kind: gauge}",
    "c0": "{kind: counter, reset: billing_period}",
    "c1": "{kind: counter}",
}


@st.composite
def rule_text(draw: st.DrawFn, index: int) -> list[str]:
    kind = draw(st.sampled_from([*["share"] * 6, "remaining", "remaining", "ending", "milestone"]))
    metric = draw(st.sampled_from(sorted(METRICS)))
    if kind == "share":
        levels = draw(
            st.lists(
                st.sampled_from(["0", "50", "80", "99.5", "100", "150"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        projected = draw(st.booleans())
        flag = str(projected).lower()
        when = f"{{usage: {{metric: {metric}, levels: [{', '.join(levels)}], projected: {flag}}}}}"
    elif kind == "remaining":
        levels = draw(
            st.lists(
                st.sampled_from(["0", "1", "10.25", "200"]), min_size=1, max_size=2, unique=True
            )
        )
        when = f"{{usage: {{metric: {metric}, levels: [{', '.join(levels)}], measure: remaining}}}}"
    elif kind == "ending":
        when = "{ending: {what: period, within: 30d}}"
    else:
        when = f"{{milestone: {{metric: {metric}, reached: 5}}}}"
    audience = draw(
        st.sampled_from(
            ["{}", "{}", "{plans: [a]}", "{not_plans: [a]}", "{plans: [b]}", "{countries: [DE]}"]
        )
    )
    lines = [
        f"  r{index}:",
        f"    when: {when}",
        "    offer: none",
        f"    audience: {audience}",
        f"    placement: {draw(st.sampled_from(['banner', 'modal']))}",
        f"    priority: {draw(st.integers(0, 3))}",
        "    messages: {en: {title: t, body: b}}",
    ]
    if draw(st.integers(0, 5)) == 0:
        lines.append('    schedule: {start: "2025-06-10T00:00:00Z", end: "2025-06-20T00:00:00Z"}')
    return lines


@st.composite
def catalogs(draw: st.DrawFn) -> Evaluator:
    lines = [
        "currency: USD",
        f"quiet_days_after_signup: {draw(st.sampled_from([0, 0, 3]))}",
        "metrics:",
    ]
    lines += [f"  {m}: {spec}" for m, spec in METRICS.items()]
    lines += ["signals:", "  quiet: {silences: [all]}", "  hush: {silences: [r0]}", "plans:"]
    for plan in ("a", "b"):
        limits = {m: draw(st.sampled_from(LIMITS)) for m in METRICS}
        given_limits = ", ".join(f"{m}: {v}" for m, v in limits.items() if v is not None)
        lines.append(f"  {plan}: {{prices: {{month: 10}}, limits: {{{given_limits}}}}}")
    lines += ["addons:", "  more: {prices: {month: 5}, grants: {g0: 10}}", "nudges:"]
    for index in range(draw(st.integers(1, 4))):
        lines += draw(rule_text(index))
    return Evaluator(parse_catalog("\n".join(lines) + "\n"), deadline=60.0)


def usage_value(evaluator: Evaluator) -> st.SearchStrategy[Any]:
    """Usage near the catalog's reaches, or anything the general path must sort out."""
    probes = [p for ps in evaluator._probes.values() for p in ps.probes]
    close = [near(p.reach) for p in probes] or [st.floats(0, 1000)]
    return st.one_of(
        *close,
        st.integers(0, 2000),
        st.sampled_from([80, 80.0, 79.99999999999999, 2.5, 0, -1, math.nan, math.inf, True]),
        st.decimals(min_value=0, max_value=2000, places=3),
        st.just({"value": 50, "per_day": 10}),
        st.just("80"),
    )


@st.composite
def requests(draw: st.DrawFn) -> tuple[Evaluator, Account, dict[str, Any], dict[str, Any]]:
    evaluator = draw(catalogs())
    value = usage_value(evaluator)
    if draw(st.booleans()):  # the usual request: what the probes can answer
        plan = draw(st.sampled_from(["a", "b"]))
        usage = {}
        for probe in evaluator._probes[plan].probes:  # on each probe's edge, or anywhere
            usage[probe.metric] = draw(st.one_of(near(probe.reach), st.integers(0, 2000)))
        account = Account(
            id="acct",
            plan=plan,
            interval=Interval(Unit.MONTH),
            period=JUNE,
            signup=NOW - timedelta(days=draw(st.sampled_from([1, 10, 400]))),
            country=draw(st.sampled_from(["", "DE"])),
        )
        return evaluator, account, usage, {"placement": None, "now": NOW}
    names = st.sampled_from([*METRICS, "unknown"])
    usage = draw(st.dictionaries(names, value, max_size=5))
    account = Account(
        id="acct",
        plan=draw(st.sampled_from(["a", "b", "gone"])),
        interval=draw(st.sampled_from([Interval(Unit.MONTH), Interval(Unit.YEAR)])),
        period=JUNE,
        signup=NOW - timedelta(days=draw(st.sampled_from([0, 1, 10, 400, -2]))),
        country=draw(st.sampled_from(["", "DE", "us"])),
        locale=draw(st.sampled_from(["", "en", "de-CH", "xx-YY", "%%"])),
        signals=frozenset(draw(st.sets(st.sampled_from(["quiet", "hush", "other"]), max_size=2))),
        addons=draw(st.sampled_from([{}, {"more": 1}, {"nope": 1}])),
        grants=draw(st.sampled_from([(), (Grant(metric="g0", amount=Decimal(5)),)])),
        zone=draw(st.sampled_from(["UTC", "Europe/Berlin", "Mars/Base"])),
        currency=draw(st.sampled_from(["", "USD", "EUR"])),
    )
    options = {
        "placement": draw(st.sampled_from([None, "banner", "modal"])),
        "now": draw(
            st.sampled_from([NOW, NOW.replace(day=25), NOW.astimezone(UTC).replace(tzinfo=None)])
        ),
    }
    return evaluator, account, usage, options


def every_rule(evaluator: Evaluator, account: Account, usage: Any, options: Any) -> list[str]:
    """The reference: every rule of the plan decided one by one, on the general path."""
    checked, plain = evaluator._check(account, usage, options["now"], None)
    ctx, _ = evaluator.context(account, plain, checked)
    return [
        rule.id
        for rule in evaluator._rules[account.plan]
        if isinstance(evaluator._decide(rule, ctx, options["placement"]), Hit)
    ]


def outcome(run: Any) -> Any:
    try:
        return tuple(run())
    except NudgeError as error:
        return type(error), str(error)


@settings(max_examples=4000 if LONG else 300, deadline=None)
@given(requests())
def test_triggered_decides_as_every_rule_one_by_one(
    request: tuple[Evaluator, Account, dict[str, Any], dict[str, Any]],
) -> None:
    """Whichever path `triggered` takes, its answer (or its error) is the general one."""
    evaluator, account, usage, options = request
    fast = outcome(lambda: evaluator.triggered(account, usage, **options))
    with mock.patch.object(Evaluator, "_plainly", return_value=None):  # the general path
        general = outcome(lambda: evaluator.triggered(account, usage, **options))
    assert fast == general
    if isinstance(fast, tuple) and not (fast and isinstance(fast[0], type)):
        reference = _only_nudge_errors(account, every_rule, evaluator, account, usage, options)
        assert list(fast) == reference


def test_the_probes_take_the_usual_request() -> None:
    """A catalog of plain thresholds and an account with nothing unusual: the probes
    answer (the general path is not asked)."""
    evaluator = Evaluator(
        parse_catalog(
            "currency: USD\nmetrics: {gb: {kind: gauge}}\n"
            "plans: {a: {prices: {month: 10}, limits: {gb: 100}}}\n"
            "nudges:\n  full:\n    when: {usage: {metric: gb, levels: [80]}}\n"
            "    offer: none\n    placement: banner\n    messages: {en: {title: t, body: b}}\n"
        )
    )
    account = Account(
        id="x", plan="a", interval=Interval(Unit.MONTH), period=JUNE, signup=NOW - timedelta(9)
    )
    checked, plain = evaluator._check(account, {"gb": 80.0}, NOW, None)
    assert evaluator._plainly(account, plain, checked, None) == ("full",)
    assert evaluator._plainly(account, {"gb": 79.9999999}, checked, None) == ()
    assert evaluator._plainly(account, {"gb": 79.9999999999}, checked, None) == ("full",)
    assert evaluator._plainly(account, {"gb": True}, checked, None) is None
    assert evaluator._plainly(account, {"tb": 1}, checked, None) is None


@pytest.mark.parametrize(
    ("reach", "below", "at"),
    [
        (Fraction(80), 79.9999999994, 79.9999999995),  # the text rounds to nine places
        (Fraction(1, 3), 0.3333333334, 0.33333333350000004),
        (Fraction(0), None, 0.0),
    ],
)
def test_the_band_is_read_exactly(reach: Fraction, below: float | None, at: float) -> None:
    """Floats a hair below a reach can read as reaching it; the probe agrees."""
    probe = _probe(reach)
    if below is not None:
        assert probe.fires(below) == (exact_float(below) >= reach)
    assert probe.fires(at) == (exact_float(at) >= reach)


def test_the_hosts_decimal_context_does_not_reach_the_sdk() -> None:
    """A host that trades in `Decimal` with its own settings (few digits, rounding down,
    inexact results trapped) gets the same answers: the SDK computes in its own context
    and gives the host's back."""
    catalog = Path(__file__).resolve().parent.parent / "examples" / "plans.yaml"
    evaluator = Evaluator(load_catalog(catalog), deadline=60.0)
    account = account_from_json(
        json.loads((catalog.parent / "accounts" / "storage_full.json").read_text())
    )
    usage = {"storage_gb": 92.4, "seats": 3}
    expected = evaluator.evaluate(account, usage, now=NOW, compare=True)
    triggered = evaluator.triggered(account, usage, now=NOW)
    own = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact])
    with decimal.localcontext(own) as host:
        assert evaluator.evaluate(account, usage, now=NOW, compare=True) == expected
        assert evaluator.triggered(account, usage, now=NOW) == triggered
        assert decimal.getcontext() is host
    assert not expected.degraded
    assert expected.nudges
