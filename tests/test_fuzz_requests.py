"""Fuzzing the request path: hostile accounts, usage, state snapshots and `now` against
the example catalog and variants of its proration policy (day granularity, aligned
intervals, immediate downgrades), with periods down to a second. `evaluate` and
`compare` never raise, the other entry points raise only `NudgeError`, nothing is ever
an internal error, and every input is answered fast. Host text includes lone
surrogates, and grants any number; event reports with hostile text never open the
store's breaker.

Fast by default (a capped number of examples); ``NUDGE_FUZZ_LONG=1`` runs many more.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nudge_sdk import (
    Account,
    Evaluator,
    Grant,
    Interval,
    InvalidInput,
    NudgeError,
    Nudges,
    Period,
    RuleHistory,
    StateSnapshot,
    Unit,
    load_catalog,
    parse_catalog,
    to_json_bytes,
)
from nudge_sdk.evaluation._state import EVENT_KINDS, Shown
from nudge_sdk.evaluation._triggers import Hit

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "examples" / "plans.yaml")
EVALUATOR = Evaluator(CATALOG)
_POLICIES = [
    ("granularity: second", "granularity: day"),
    ("interval_change: reset", "interval_change: align"),
    ("downgrade: period_end", "downgrade: immediate"),
]


def _variant(*changes: int) -> Evaluator:
    """The example catalog with some of its proration choices changed."""
    text = (ROOT / "examples" / "plans.yaml").read_text()
    for index in changes:
        old, new = _POLICIES[index]
        assert old in text, old
        text = text.replace(old, new, 1)
    return Evaluator(parse_catalog(text))


EVALUATORS = [EVALUATOR, _variant(0), _variant(0, 1, 2), _variant(1, 2)]
"""Seconds (the example's), days, days with aligned intervals and immediate
downgrades, and seconds with those: day granularity meets periods shorter than a day."""
LONG = os.environ.get("NUDGE_FUZZ_LONG") == "1"
FUZZ = settings(
    max_examples=5000 if LONG else 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TIME_BOUND = 2.0
"""Seconds any one call may take, with a generous margin (a call takes microseconds)."""

MIN_DAY = datetime(1, 1, 2)
MAX_DAY = datetime(9999, 12, 30)

good_zones = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati"]
)
zones = st.one_of(
    good_zones,
    good_zones,
    good_zones,
    st.sampled_from(["America", "Europe/", "../etc/passwd", "", "\x00", "UTC\udc80", "x" * 5000]),
    st.text(max_size=40),
)  # fmt: skip
good_locales = st.sampled_from(["en", "ar", "fa-IR", "ky", "zh_Hans_CN", "de_DE.UTF-8@euro"])
locales = st.one_of(
    good_locales,
    good_locales,
    st.sampled_from(["xx", "", "en-150", "ar_EG", "sr_Latn_RS"]),
    st.sampled_from(["en_US@<script>alert(1)</script>", "en" * 600, "en_US@" + "m" * 30]),
    st.text(max_size=50),
)
fixed_offsets = st.integers(-23 * 60 + 1, 23 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
tzs = st.one_of(st.just(UTC), fixed_offsets, st.timezones())
ordinary = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=tzs
)
extreme = st.one_of(
    st.datetimes(min_value=MIN_DAY, max_value=datetime(1001, 1, 1), timezones=tzs),
    st.datetimes(min_value=datetime(8999, 1, 1), max_value=MAX_DAY, timezones=tzs),
)
instants = st.one_of(ordinary, ordinary, ordinary, ordinary, extreme)
numbers = st.one_of(
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("1e999999"), Decimal("-0"), 10**15, 10**15 + 1, 2**63, 92.4]),
)
junk = st.one_of(
    numbers, st.text(max_size=5), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)
)
readings = st.dictionaries(st.sampled_from(["value", "per_day", "rate"]), junk, max_size=3)
metric_names = st.one_of(
    st.sampled_from(["storage_gb", "seats", "ai_credits", "bandwidth", ""]), st.text(max_size=8)
)
known = st.sampled_from(["storage_gb", "seats", "ai_credits"])
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
host_text = st.one_of(
    st.text(max_size=8),
    st.text(max_size=8),
    st.text(st.one_of(surrogates, st.characters()), min_size=1, max_size=6),
    st.sampled_from(["\ud800", "a\udfffb", "\u202eevil", "\x1b[2J"]),
)
"""Text as a host passes it on: any code point, lone surrogates included (valid in
Python and in JSON, but no UTF-8 store or body can carry them)."""
grant_amounts = st.one_of(
    st.integers(-(10**30), 10**30),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("1e999999"), Decimal("1e-20"), Decimal("sNaN"), 10**15, True]),
)
sane = st.one_of(
    st.integers(0, 5000),
    st.floats(0, 5000),
    st.fixed_dictionaries(
        {"value": st.integers(0, 5000)}, optional={"per_day": st.integers(-50, 50)}
    ),
)
usage_maps = st.one_of(
    st.dictionaries(known, sane, max_size=3),
    st.dictionaries(known, sane, max_size=3),
    st.dictionaries(known, sane, max_size=3),
    st.dictionaries(metric_names, st.one_of(numbers, junk, readings), max_size=6),
    st.integers(0, 20_000).map(lambda n: {f"m{i}": i for i in range(n)}),
)
usages: st.SearchStrategy[Any] = st.one_of(
    usage_maps, st.sampled_from([[("storage_gb", 1)], "storage_gb", None, 42])
)
signals: st.SearchStrategy[frozenset[str]] = st.one_of(
    st.just(frozenset()),
    st.just(frozenset()),
    st.frozensets(st.sampled_from(["open_ticket", "cancel_intent", "negative_sentiment", "x"])),
    st.integers(0, 20_000).map(lambda n: frozenset(f"s{i}" for i in range(n))),
)


FIELDS = (
    "period", "signup", "anchor", "trial_end", "licence_end", "seats", "locale", "zone",
    "currency", "addons", "grants", "signals", "usage", "now", "state", "plan", "interval",
)  # fmt: skip
"""What can be hostile; an example makes at most two of them so, so that most inputs
get through the checks and reach the rules, offers and payloads."""


@st.composite
def requests(
    draw: st.DrawFn,
) -> tuple[Account, Any, datetime, StateSnapshot | None]:
    """An account, its usage, `now` and a state snapshot, mostly sane, with a field or
    two hostile: extreme or naive instants, bad zones and locales, huge seats, add-on
    quantities and collections, junk usage, odd state."""
    hostile = draw(st.sets(st.sampled_from(FIELDS), max_size=2))

    def pick(field: str, sane: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Any:
        return draw(st.one_of(sane, bad) if field in hostile else sane)

    maybe_sane = st.one_of(st.none(), ordinary)
    maybe_bad = st.one_of(st.none(), instants)
    start = pick("period", ordinary, instants)
    length = draw(
        st.sampled_from(
            [
                timedelta(days=30),
                timedelta(days=365),
                timedelta(seconds=1),
                timedelta(hours=1),
                timedelta(hours=12),
                timedelta(hours=23),
                timedelta(days=1, hours=1),
            ]
        )
    )
    try:
        period = Period(start, start + length)
    except (OverflowError, NudgeError):
        period = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
    account = Account(
        id=draw(host_text),
        plan=pick(
            "plan", st.sampled_from(["free", "starter", "team", "business"]), st.just("gold")
        ),
        interval=pick(
            "interval",
            st.sampled_from([Interval(Unit.MONTH), Interval(Unit.YEAR)]),
            st.just(Interval(Unit.DAY, 100)),
        ),
        period=period,
        signup=pick("signup", ordinary, instants),
        anchor=pick("anchor", maybe_sane, maybe_bad),
        seats=pick("seats", st.integers(1, 80), st.integers(1, 10**9)),
        trial_end=pick("trial_end", maybe_sane, maybe_bad),
        licence_end=pick("licence_end", maybe_sane, maybe_bad),
        locale=pick("locale", good_locales, locales),
        currency=pick("currency", st.sampled_from(["", "USD", "usd"]), st.just("EUR")),
        zone=pick("zone", good_zones, zones),
        country=draw(st.one_of(st.sampled_from(["", "DE", "US", "x" * 100]), host_text)),
        addons=pick(
            "addons",
            st.dictionaries(
                st.sampled_from(["storage_pack", "credit_pack", "audit_log_addon"]),
                st.integers(0, 3),
                max_size=2,
            ),
            st.dictionaries(
                st.sampled_from(["storage_pack", "credit_pack", "nope"]),
                st.integers(-5, 10**20),
                max_size=3,
            ),
        ),
        grants=tuple(
            draw(
                st.lists(
                    st.builds(
                        Grant,
                        metric=st.sampled_from(["storage_gb", "ai_credits", "nope"]),
                        amount=st.one_of(st.integers(0, 10**6).map(Decimal), grant_amounts)
                        if "grants" in hostile
                        else st.integers(0, 10**6).map(Decimal),
                        expires=maybe_bad if "grants" in hostile else maybe_sane,
                    ),
                    max_size=2,
                )
            )
        ),
        signals=pick(
            "signals",
            st.frozensets(st.sampled_from(["open_ticket", "cancel_intent", "x"]), max_size=1),
            signals,
        ),
        attributes=draw(st.dictionaries(host_text, host_text, max_size=3)),
    )
    usage = pick("usage", st.dictionaries(known, sane, max_size=3), usages)
    now = pick("now", ordinary, nows)
    state = pick("state", st.one_of(st.none(), sane_states), states)
    return account, usage, now, state


odd_levels = st.one_of(
    st.none(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal(80)]),
)
maybe_time = st.one_of(st.none(), instants, st.datetimes(min_value=MIN_DAY, max_value=MAX_DAY))
histories = st.builds(
    RuleHistory,
    last_shown=maybe_time,
    shown_last_week=st.integers(-3, 10**6),
    dismissed=st.booleans(),
    dismissed_until=maybe_time,
    snoozed_until=maybe_time,
    last_level=odd_levels,
    level_window=maybe_time,
)
rule_ids = st.sampled_from([*CATALOG.rules, "gone"])
placements = st.sampled_from(["banner", "modal", "inline", "nowhere"])
states = st.builds(
    StateSnapshot,
    rules=st.dictionaries(rule_ids, histories, max_size=4),
    trial_extensions_claimed=st.integers(-2, 5),
    shown=st.lists(
        st.builds(
            Shown,
            rule=rule_ids,
            nudge=st.text(max_size=4),
            placement=placements,
            at=st.one_of(instants, st.datetimes(min_value=MIN_DAY, max_value=MAX_DAY)),
        ),
        max_size=5,
    ).map(tuple),
)
sane_times = st.one_of(st.none(), ordinary)
sane_states = st.builds(
    StateSnapshot,
    rules=st.dictionaries(
        rule_ids,
        st.builds(
            RuleHistory,
            last_shown=sane_times,
            shown_last_week=st.integers(0, 5),
            dismissed=st.booleans(),
            dismissed_until=sane_times,
            snoozed_until=sane_times,
            last_level=st.one_of(st.none(), st.sampled_from([Decimal(80), Decimal(100)])),
            level_window=sane_times,
        ),
        max_size=3,
    ),
    trial_extensions_claimed=st.integers(0, 3),
    shown=st.lists(
        st.builds(
            Shown, rule=rule_ids, nudge=st.text(max_size=4), placement=placements, at=ordinary
        ),
        max_size=5,
    ).map(tuple),
)
nows = st.one_of(instants, st.datetimes(min_value=MIN_DAY, max_value=MAX_DAY))


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    try:
        return call(), time.perf_counter() - started
    except NudgeError as error:
        return error, time.perf_counter() - started


def _no_internal_error(problems: tuple[str, ...]) -> None:
    assert not any(p.startswith("internal error") for p in problems), problems


@FUZZ
@given(
    requests(),
    st.one_of(st.sampled_from([None, "sso", "audit_log", "nope"]), host_text),
    st.booleans(),
    st.sampled_from(EVALUATORS),
)
def test_the_request_path_survives_hostile_input(
    request: tuple[Account, Any, datetime, StateSnapshot | None],
    feature: str | None,
    explain: bool,
    evaluator: Evaluator,
) -> None:
    """`evaluate` and `compare` never raise and never report an internal error;
    `entitlements`, `triggered` and `may` raise nothing but `NudgeError`, never an
    internal one; each call answers within `TIME_BOUND`; the result's JSON bytes can
    always be made."""
    account, usage, now, state = request
    EVALUATOR = evaluator  # noqa: N806 - the same calls, against each catalog variant
    result, took = _timed(
        lambda: EVALUATOR.evaluate(
            account, usage, now=now, state=state, feature=feature, explain=explain, compare=True
        )
    )
    assert not isinstance(result, NudgeError), result
    assert took < TIME_BOUND
    assert result.degraded == bool(result.problems)
    _no_internal_error(result.problems)
    json.loads(to_json_bytes(result))
    if result.comparison is not None:
        _no_internal_error(result.comparison.problems)
    comparison, took = _timed(lambda: EVALUATOR.compare(account, usage, now=now))
    assert not isinstance(comparison, NudgeError), comparison
    assert took < TIME_BOUND
    _no_internal_error(comparison.problems)
    for call in (
        lambda: EVALUATOR.entitlements(account, usage, now=now),
        lambda: EVALUATOR.triggered(account, usage, now=now, state=state, feature=feature),
        lambda: EVALUATOR.may(account, feature or "sso"),
    ):
        outcome, took = _timed(call)
        assert took < TIME_BOUND
        if isinstance(outcome, NudgeError):
            assert not str(outcome).startswith("internal error"), outcome


@pytest.mark.parametrize("locale", ["en_US@<script>", "en_US@" + "x" * 10**6, "<b>"])
def test_a_malformed_locale_never_reaches_the_payload(locale: str) -> None:
    """Whatever the locale, the payloads' locale is one Babel knows, never the input."""
    account = Account(
        id="a",
        plan="starter",
        interval=Interval(Unit.MONTH),
        period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
        signup=datetime(2024, 1, 1, tzinfo=UTC),
        locale=locale,
    )
    result = EVALUATOR.evaluate(
        account, {"storage_gb": 92}, now=datetime(2025, 6, 16, tzinfo=UTC), compare=True
    )
    assert result.comparison is not None
    assert {"en"} == {n.locale for n in result.nudges} | {result.comparison.locale}
    assert not any(locale in problem for problem in result.problems)


@FUZZ
@given(requests(), st.sampled_from([None, "banner", "modal"]), st.sampled_from(EVALUATORS))
def test_explaining_changes_nothing_but_the_decisions(
    request: tuple[Account, Any, datetime, StateSnapshot | None],
    placement: str | None,
    evaluator: Evaluator,
) -> None:
    """Unexplained, an evaluation skips what cannot fire (thresholds not reached, with
    nothing to clear); explained, every rule is decided. Both show, record and clear
    the same, and `triggered` names exactly the rules the full decision fires."""
    account, usage, now, state = request
    EVALUATOR = evaluator  # noqa: N806 - the same calls, against each catalog variant
    quiet = EVALUATOR.evaluate(account, usage, now=now, state=state, placement=placement)
    told = EVALUATOR.evaluate(
        account, usage, now=now, state=state, placement=placement, explain=True
    )
    assert attrs.evolve(told, decisions=()) == quiet
    try:
        fired = EVALUATOR.triggered(account, usage, now=now, state=state, placement=placement)
    except NudgeError:
        assert quiet.degraded
        return
    checked, plain = EVALUATOR._check(account, usage, now, state)
    ctx, _ = EVALUATOR.context(account, plain, checked, state=state)
    every = [
        rule.id
        for rule in EVALUATOR._rules[account.plan]
        if isinstance(EVALUATOR._decide(rule, ctx, placement), Hit)
    ]
    assert every == list(fired)


_STATE_DIR = tempfile.TemporaryDirectory(prefix="nudge-fuzz-")
NUDGES = Nudges(CATALOG, store=f"sqlite:///{_STATE_DIR.name}/state.db")
"""A real store, which encodes what it writes: in memory, a lone surrogate would pass."""
NOW = datetime(2025, 6, 16, tzinfo=UTC)
SHOWN_TO = Account(
    id="fuzz",
    plan="starter",
    interval=Interval(Unit.MONTH),
    period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
    signup=datetime(2024, 1, 1, tzinfo=UTC),
)
SHOWN = NUDGES.evaluate(SHOWN_TO, {"storage_gb": 92}, now=NOW).nudges[0].id
amounts = st.one_of(st.none(), st.integers(-(10**50), 10**50), st.sampled_from([10**5000, 1.5]))


@settings(FUZZ, max_examples=400 if LONG else 40)
@given(
    account=st.one_of(st.just("fuzz"), host_text),
    nudge=st.one_of(st.just(SHOWN), host_text),
    kind=st.one_of(st.sampled_from(EVENT_KINDS), host_text, st.integers(), st.just(10**5000)),
    event_id=st.one_of(st.none(), host_text),
    plan=st.one_of(st.none(), st.just("team"), host_text),
    amount=amounts,
)
def test_hostile_reports_never_reach_the_store_as_failures(
    account: str, nudge: str, kind: Any, event_id: str | None, plan: str | None, amount: Any
) -> None:
    """A report raises only `InvalidInput` (and its `InvalidEvent`), or is recorded; a
    store never fails on it, so the breaker stays closed for every account."""
    until = NOW + timedelta(days=1) if kind == "snoozed" else None
    try:
        reported = NUDGES.report(
            account, nudge, kind, at=NOW, event_id=event_id, until=until, plan=plan,
            amount_minor=amount,
        )  # fmt: skip
    except InvalidInput:
        pass
    else:
        assert "" == reported.problem, reported
    assert False is NUDGES.breaker.open


@pytest.fixture(autouse=True, scope="module")
def _close_the_store() -> Iterator[None]:
    yield
    NUDGES.close()
    _STATE_DIR.cleanup()
