"""The request path against hostile input: the offer search's deadline, bounded locale
caches, bounded reports of large collections, and exactly which errors each entry
point may raise."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from nudge_sdk import (
    Account,
    Evaluator,
    Grant,
    Interval,
    InvalidEvent,
    InvalidInput,
    NudgeError,
    Nudges,
    Period,
    RuleHistory,
    StateSnapshot,
    Unit,
    account_from_json,
    load_catalog,
    parse_catalog,
    payload_schema,
    to_json_bytes,
)
from nudge_sdk.billing._periods import parse_instant
from nudge_sdk.evaluation._account import MAX_SIGNALS, MAX_USAGE_KEYS
from nudge_sdk.payloads import _messages

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "examples" / "plans.yaml")
EVALUATOR = Evaluator(CATALOG)
NOW = datetime(2025, 6, 16, tzinfo=UTC)
JUNE = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
STARTER = Account(
    id="a1",
    plan="starter",
    interval=Interval(Unit.MONTH),
    period=JUNE,
    signup=datetime(2024, 1, 1, tzinfo=UTC),
)
FULL = {"storage_gb": 92}

TWO_PACKS = """
currency: USD
metrics: {gb: {kind: gauge, unit: GB}}
plans:
  small:
    name: Small
    prices: {month: 9.00}
    limits: {gb: 100}
addons:
  hundred: {name: 100 GB, prices: {month: 8.00}, grants: {gb: 100}}
  thousand: {name: 1000 GB, prices: {month: 50.00}, grants: {gb: 1000}}
nudges:
  full:
    when: {usage: {metric: gb, levels: [80]}}
    offer: recommend
    placement: banner
    messages:
      en: {title: Full, body: "{used} of {limit}", cta: More}
"""
DEADLINE_PROBLEM = (
    "search_deadline: the offer search ran out of its 50 ms; offers are the best found by then"
)


def ticking(step: float) -> Callable[[], float]:
    """A clock that moves `step` seconds every time it is read."""
    counter = itertools.count()
    return lambda: next(counter) * step


# -- the offer search's deadline ------------------------------------------------------


@pytest.mark.parametrize("usage", [10**8, 10**10, 10**15])
def test_right_sizing_huge_usage_is_fast_and_exact(usage: int) -> None:
    """Two packs and usage in the billions: the search bounds quantities arithmetically,
    so it answers at once with the exact cheapest mix, not by listing quantities."""
    evaluator = Evaluator(parse_catalog(TWO_PACKS))
    account = attrs.evolve(STARTER, plan="small")
    result = evaluator.evaluate(account, {"gb": usage}, now=NOW)
    [nudge] = result.nudges
    assert nudge.offer is not None
    assert ((("thousand", (usage - 100 + 999) // 1000),), ()) == (
        tuple((a.addon, a.quantity) for a in nudge.offer.addons),
        result.problems,
    )


@pytest.mark.parametrize("deadline", [timedelta(milliseconds=50), 0.05])
def test_a_search_past_its_deadline_says_so(deadline: timedelta | float) -> None:
    """With a clock that jumps past the deadline, the search stops: the rule's reason is
    `search_deadline` and the result carries one problem saying so."""
    evaluator = Evaluator(CATALOG, deadline=deadline, clock=ticking(1.0))
    result = evaluator.evaluate(STARTER, FULL, now=NOW, explain=True, compare=True)
    reasons = {d.rule: d.reason for d in result.decisions}
    assert ("search_deadline", (DEADLINE_PROBLEM,), True) == (
        reasons["storage_almost_full"],
        result.problems,
        result.degraded,
    )
    assert result.comparison is not None
    assert (DEADLINE_PROBLEM,) == result.comparison.problems


def test_a_search_within_its_deadline_is_not_degraded() -> None:
    """A clock that barely moves leaves the evaluation as it was."""
    evaluator = Evaluator(CATALOG, clock=ticking(1e-9))
    assert EVALUATOR.evaluate(STARTER, FULL, now=NOW) == evaluator.evaluate(STARTER, FULL, now=NOW)


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (0, "deadline: 0 must be a positive duration"),
        (timedelta(0), "deadline: datetime.timedelta(0) must be a positive duration"),
        (-1.5, "deadline: -1.5 must be a positive duration"),
    ],
)
def test_a_deadline_must_be_positive(deadline: Any, message: str) -> None:
    """A deadline of zero or less is refused when the evaluator is built."""
    with pytest.raises(InvalidInput) as raised:
        Evaluator(CATALOG, deadline=deadline)
    assert message == str(raised.value)


# -- locales --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fa-IR", "fa_IR"),
        ("de_DE.UTF-8@euro", "de_DE"),
        ("zh-Hans-CN", "zh_Hans_CN"),
        ("en_US@<script>", ""),
        ("<b>", ""),
        ("en" * 20, ""),
        ("", ""),
    ],
)
def test_locales_are_checked_and_normalised(locale: str, expected: str) -> None:
    """BCP 47 and POSIX ids become Babel's form; anything else is not a locale."""
    assert expected == _messages.well_formed(locale)


@pytest.mark.parametrize("locale", ["en_US@<script>alert(1)</script>", "x" * 10**6, "en_US@@"])
def test_a_malformed_locale_falls_back_with_a_problem(locale: str) -> None:
    """The payload is in the catalog's default locale and never repeats the input; the
    result says why."""
    account = attrs.evolve(STARTER, locale=locale)
    result = EVALUATOR.evaluate(account, FULL, now=NOW, compare=True)
    assert result.comparison is not None
    problem = (
        "locale: not a well-formed locale id (BCP 47 or POSIX, at most 35 characters); using en"
    )
    assert (["en"], "en", (problem,)) == (
        [n.locale for n in result.nudges],
        result.comparison.locale,
        result.problems,
    )


def test_locale_caches_stay_bounded() -> None:
    """Thousands of distinct locales, well-formed or not, fill no cache past its size."""
    for index in range(5000):
        _messages.fallback_chain(f"de_v{index:05d}", "en")
        _messages.fallback_chain(f"en_US@m{index}", "en")
    for index in range(300):
        account = attrs.evolve(STARTER, locale=f"en_US@m{index}" if index % 2 else f"x{index}")
        EVALUATOR.evaluate(account, FULL, now=NOW)
    caches = (_messages._chain, _messages._tag, _messages._locale, _messages.locale_text)
    for cache in (*caches, _messages._date):
        info = cache.cache_info()
        assert info.maxsize is not None
        assert info.currsize <= info.maxsize
    assert _messages._chain.cache_info().currsize == _messages._chain.cache_info().maxsize


# -- large host collections -----------------------------------------------------------


def test_too_many_usage_keys_are_one_problem() -> None:
    """Beyond the maximum, usage is refused at once as one problem, not one per key."""
    usage = {f"m{i}": i for i in range(MAX_USAGE_KEYS + 1)}
    result = EVALUATOR.evaluate(STARTER, usage, now=NOW)
    assert (("usage: 10001 entries, more than the 10000 accepted",), ()) == (
        result.problems,
        result.nudges,
    )


def test_many_bad_usage_keys_are_reported_up_to_ten() -> None:
    """Within the maximum, the first ten problems are listed and the rest counted."""
    usage = {**FULL, **{f"m{i}": i for i in range(1000)}}
    result = EVALUATOR.evaluate(STARTER, usage, now=NOW)
    assert 11 == len(result.problems)
    assert "usage unknown metric 'm0'; its nudges are skipped" == result.problems[0]
    assert "and 990 more" == result.problems[-1]
    assert ["storage_almost_full"] == [n.rule for n in result.nudges]


def test_too_many_signals_are_one_problem() -> None:
    """Beyond the maximum, signals are refused at once as one problem."""
    account = attrs.evolve(STARTER, signals=frozenset(f"s{i}" for i in range(MAX_SIGNALS + 1)))
    result = EVALUATOR.evaluate(account, FULL, now=NOW)
    assert ("signals: 10001 entries, more than the 10000 accepted",) == result.problems


# -- which errors each entry point may raise ----------------------------------------


class FailingMapping(Mapping[str, object]):
    """A host mapping that raises when read."""

    def __getitem__(self, key: str) -> object:
        raise RuntimeError("host bug")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("host bug")

    def __len__(self) -> int:
        return 1


NAIVE = datetime(2025, 6, 1)
YEAR_ONE = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("zone is a directory", {"zone": "America"}, "zone: 'America' is not an IANA time zone"),
    (
        "zone of 5,000 characters",
        {"zone": "A" * 5000},
        f"zone: {'A' * 40!r}... (5000 characters) is not an IANA time zone",
    ),
    (
        "naive last_shown",
        {"state": StateSnapshot(rules={"storage_almost_full": RuleHistory(last_shown=NAIVE)})},
        "state.rules['storage_almost_full'].last_shown: 2025-06-01T00:00:00 has no time "
        "zone; pass an aware datetime (for example with tzinfo=datetime.UTC)",
    ),
    (
        "NaN last_level",
        {
            "state": StateSnapshot(
                rules={"seats_filling_up": RuleHistory(last_level=Decimal("NaN"))}
            )
        },
        "state.rules['seats_filling_up'].last_level: Decimal('NaN') is not a finite number",
    ),
    (
        "now near year 1",
        {"now": YEAR_ONE},
        "now: datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.timezone("
        "datetime.timedelta(seconds=18000))) has no UTC equivalent (date value out of range)",
    ),
    (
        "now near year 9999",
        {"now": datetime(9999, 12, 31, tzinfo=UTC)},
        "now: 9999-12-31T00:00:00+00:00 is outside the instants the SDK computes with "
        "(1000-01-01 to 9000-01-01)",
    ),
    (
        "period near year 9999",
        {"period": Period(datetime(9999, 12, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))},
        "period start: 9999-12-01T00:00:00+00:00 is outside the instants the SDK computes "
        "with (1000-01-01 to 9000-01-01)",
    ),
    (
        "usage is not a mapping",
        {"usage": [("storage_gb", 92)]},
        "usage: expected a mapping of metric to number, got list",
    ),
    (
        "huge add-on quantity",
        {"addons": {"storage_pack": 10**20}},
        "addons: 'storage_pack': 100000000000000000000 must be from 0 to 1000000000",
    ),
    # Issue 8, after the audit: every field of a hand-built account is checked for its
    # type, and a grant for its amount, instead of failing as an internal error.
    (
        "id with a lone surrogate",
        {"id": "\ud800"},
        "id: '\\ud800' must be text without lone surrogates",
    ),
    ("id not text", {"id": 7}, "id: expected text, got int"),
    ("country None", {"country": None}, "country: expected text, got NoneType"),
    ("locale None", {"locale": None}, "locale: expected text, got NoneType"),
    ("plan a list", {"plan": ["team"]}, "plan: expected text, got list"),
    ("addons None", {"addons": None}, "addons: expected a mapping, got NoneType"),
    ("signals a list", {"signals": ["open_ticket"]}, "signals: expected a set of text, got list"),
    ("signal not text", {"signals": frozenset({7})}, "signals: expected text, got int"),
    ("attribute a list", {"attributes": {"a": ["x"]}}, "attributes: 'a': expected text, got list"),
    ("grants None", {"grants": None}, "grants: expected a tuple of Grant, got NoneType"),
    (
        "grant NaN",
        {"grants": (Grant(metric="storage_gb", amount=Decimal("NaN")),)},
        "grants[0].amount: NaN is not a finite number",
    ),
    (
        "grant 1e999999",
        {"grants": (Grant(metric="storage_gb", amount=Decimal("1e999999")),)},
        "grants[0].amount: 1E+999999 must be from 0 to 1000000000000000",
    ),
    (
        "grant a float",
        {"grants": (Grant(metric="storage_gb", amount=1.5),)},  # type: ignore[arg-type]
        "grants[0].amount: expected a Decimal or an int, got float 1.5",
    ),
    (
        "grant negative",
        {"grants": (Grant(metric="storage_gb", amount=-1),)},  # type: ignore[arg-type]
        "grants[0].amount: -1 must be from 0 to 1000000000000000",
    ),
    (
        "grant finer than usage",
        {"grants": (Grant(metric="storage_gb", amount=Decimal("1e-20")),)},
        "grants[0].amount: 1E-20 has more than 9 decimals",
    ),
    (
        "plan id of 1 MB",
        {"plan": "p" * 10**6},
        f"unknown plan {'p' * 40!r}... (1000000 characters); the catalog has: free, "
        "starter, team, business",
    ),
    (
        "usage whose iteration fails",
        {"usage": FailingMapping()},
        "account or usage: reading it raised RuntimeError",
    ),
]


def _request(change: dict[str, Any]) -> tuple[Account, Any, datetime, StateSnapshot | None]:
    fields = {k: v for k, v in change.items() if k not in ("usage", "now", "state")}
    account = attrs.evolve(STARTER, **fields)
    return account, change.get("usage", FULL), change.get("now", NOW), change.get("state")


@pytest.mark.parametrize(("case", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_evaluate_and_compare_degrade(case: str, change: dict[str, Any], message: str) -> None:
    """`evaluate` and `compare` never raise: unusable input is one named problem."""
    account, usage, now, state = _request(change)
    result = EVALUATOR.evaluate(account, usage, now=now, state=state)
    comparison = EVALUATOR.compare(account, usage, now=now)
    assert ((message,), ()) == (result.problems, result.nudges)
    if "state" not in change:  # a comparison takes no state
        assert (message,) == comparison.problems


@pytest.mark.parametrize(("case", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_entitlements_and_triggered_raise_invalid_input(
    case: str, change: dict[str, Any], message: str
) -> None:
    """`entitlements` and `triggered` raise `InvalidInput` naming the field, nothing else."""
    account, usage, now, state = _request(change)
    with pytest.raises(InvalidInput) as raised:
        EVALUATOR.triggered(account, usage, now=now, state=state)
    assert message == str(raised.value)
    if "state" not in change:
        with pytest.raises(InvalidInput) as raised:
            EVALUATOR.entitlements(account, usage, now=now)
        assert message == str(raised.value)


def test_an_unexpected_failure_is_a_nudge_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a bug raise inside `may`, the host still sees only a `NudgeError`."""

    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("nudge_sdk._evaluator.feature_access", broken)
    with pytest.raises(NudgeError) as raised:
        EVALUATOR.may(STARTER, "sso")
    assert "internal error: ZeroDivisionError('a bug')" == str(raised.value)


@pytest.mark.parametrize(
    ("seats", "message"),
    [
        (0, "seats: 0 must be a whole number from 1 to 1000000000"),
        (-3, "seats: -3 must be a whole number from 1 to 1000000000"),
        (10**10, "seats: 10000000000 must be a whole number from 1 to 1000000000"),
        (True, "seats: True must be a whole number from 1 to 1000000000"),
    ],
)
def test_an_account_refuses_impossible_seats(seats: int, message: str) -> None:
    """Seats are checked when the account is built, like its datetimes."""
    with pytest.raises(InvalidInput) as raised:
        attrs.evolve(STARTER, seats=seats)
    assert message == str(raised.value)


def test_only_time_spent_searching_counts_against_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow step between the searches (a locale's data loaded on a cold start, here a
    second per formatter) does not use up the searches' deadline: it ran out before on
    the first request in each new locale."""
    now = [0.0]
    evaluator = Evaluator(CATALOG, clock=lambda: now[0])
    original = _messages.locale_text

    def slow(*args: Any) -> Any:
        now[0] += 1.0
        return original(*args)

    monkeypatch.setattr("nudge_sdk.payloads._nudges.locale_text", slow)
    result = evaluator.evaluate(STARTER, {"storage_gb": 92, "seats": 3}, now=NOW, compare=True)
    assert now[0] >= 1.0  # the slow step ran ...
    assert (2, ()) == (len(result.nudges), result.problems)  # ... and cost no offer


# -- host objects that raise, and what may reach a response (issue 8, after the audit) --


class ItemsRaise(dict[str, object]):
    """A dict whose ``items`` raises: reading it through its methods fails."""

    def items(self) -> Any:
        raise RuntimeError("host bug")


def test_a_dict_with_a_failing_items_is_read_as_its_contents() -> None:
    """The usage is copied once, as a dict, so an overridden ``items`` is never called."""
    result = EVALUATOR.evaluate(STARTER, ItemsRaise(FULL), now=NOW)
    assert (False, ["storage_almost_full"]) == (result.degraded, [n.rule for n in result.nudges])
    assert ("storage_almost_full",) == EVALUATOR.triggered(STARTER, ItemsRaise(FULL), now=NOW)


def test_logging_that_fails_does_not_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    """A traceback renderer that reads host objects can raise again: evaluate still
    returns a degraded result, and may still raises only NudgeError."""

    class Raising:
        def __getattr__(self, name: str) -> Callable[..., None]:
            def log(*args: object, **kwargs: object) -> None:
                raise RuntimeError("drawing the traceback failed")

            return log

    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("nudge_sdk._evaluator._log", Raising())
    monkeypatch.setattr("nudge_sdk._evaluator.feature_access", broken)
    monkeypatch.setattr("nudge_sdk._evaluator.clean_usage", broken)
    result = EVALUATOR.evaluate(STARTER, FULL, now=NOW)
    assert ("internal error: ZeroDivisionError('a bug')",) == result.problems
    with pytest.raises(NudgeError, match="internal error"):
        EVALUATOR.may(STARTER, "sso")


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (["sso"], "feature: expected text, got list"),
        (None, "feature: expected text, got NoneType"),
    ],
)
def test_may_refuses_a_feature_that_is_not_text(feature: Any, message: str) -> None:
    """`may` raises InvalidInput for a feature that is not text, not an internal error."""
    with pytest.raises(InvalidInput) as raised:
        EVALUATOR.may(STARTER, feature)
    assert message == str(raised.value)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"placement": ["banner"]}, "placement: expected text or None, got list"),
        ({"feature": {"sso": 1}}, "feature: expected text or None, got dict"),
    ],
)
def test_options_that_are_not_text_are_unusable(option: dict[str, Any], message: str) -> None:
    """A placement or feature that is not text degrades evaluate and fails triggered."""
    assert (message,) == EVALUATOR.evaluate(STARTER, FULL, now=NOW, **option).problems
    with pytest.raises(InvalidInput, match=message):
        EVALUATOR.triggered(STARTER, FULL, now=NOW, **option)


def test_a_lone_surrogate_never_breaks_the_response() -> None:
    """A degraded result for a surrogate id has no id and encodes; JSON bytes of any
    result with host text UTF-8 cannot carry are valid, escaped JSON."""
    result = EVALUATOR.evaluate(attrs.evolve(STARTER, id="\ud800"), FULL, now=NOW)
    assert "" == result.account
    assert "" == json.loads(to_json_bytes(result))["account"]
    access = EVALUATOR.may(STARTER, "\ud800")
    assert "\ud800" == json.loads(to_json_bytes(access))["feature"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"grants": [{"metric": "storage_gb", "amount": "1e999999"}]},
            "account.grants.0.amount: 1E+999999 must be from 0 to 1000000000000000",
        ),
        (
            {"grants": [{"metric": "storage_gb", "amount": "NaN"}]},
            "account.grants.0.amount: NaN is not a finite number",
        ),
        (
            {"signals": [1] * 10**6},
            "account.signals: expected a list of text, got [1, 1, 1, 1, ...]",
        ),
        (
            {"attributes": {"k" * 10**5: ["x"] * 10**5}},
            f"account.attributes: {'k' * 40!r}... (100000 characters): expected text, a "
            "number or true/false, got ['x', 'x', 'x', 'x', ...]",
        ),
    ],
    ids=["grant 1e999999", "grant NaN", "1M signals", "huge attribute"],
)
def test_account_json_errors_are_short_and_named(data: dict[str, Any], message: str) -> None:
    """account_from_json names the field and quotes at most a few dozen characters."""
    base = json.loads((ROOT / "examples" / "accounts" / "storage_full.json").read_text())
    with pytest.raises(InvalidInput) as raised:
        account_from_json({**base, **data})
    assert message == str(raised.value)


# -- event reports are checked before a store sees them (issue 8, after the audit) -----


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"event_id": "\ud800"}, "event_id must be valid Unicode text (it has a lone surrogate)"),
        ({"plan": "team\udfff"}, "plan must be valid Unicode text (it has a lone surrogate)"),
        ({"kind": 10**5000}, "expected one of: shown, clicked, dismissed, snoozed, converted"),
        ({"kind": ["clicked"]}, "expected one of: shown, clicked, dismissed, snoozed, converted"),
        (
            {"kind": "converted", "plan": "team", "amount_minor": 10**5000},
            "amount_minor must be whole minor units of at most 40 digits",
        ),
    ],
    ids=["surrogate event_id", "surrogate plan", "huge int kind", "list kind", "huge amount"],
)
def test_a_bad_report_is_invalid_and_leaves_the_breaker_alone(
    tmp_path: Path, change: dict[str, Any], reason: str
) -> None:
    """Three reports a store could not encode are InvalidEvent each; the breaker stays
    closed and other accounts still get their nudges."""
    with Nudges(CATALOG, store=f"sqlite:///{tmp_path / 'state.db'}") as nudges:
        shown = nudges.evaluate(STARTER, FULL, now=NOW).nudges[0].id
        for _ in range(3):
            arguments: dict[str, Any] = {"kind": "clicked", **change}
            kind = arguments.pop("kind")
            with pytest.raises(InvalidEvent) as raised:
                nudges.report(STARTER.id, shown, kind, at=NOW, **arguments)
            assert reason == raised.value.reason
        assert False is nudges.breaker.open
        other = nudges.evaluate(attrs.evolve(STARTER, id="other"), FULL, now=NOW)
        assert ((), ["storage_almost_full"]) == (other.problems, [n.rule for n in other.nudges])


def test_an_account_id_no_store_can_encode_is_never_sent_to_it(tmp_path: Path) -> None:
    """Nudges.evaluate of a surrogate id degrades without a store call: no breaker count."""
    with Nudges(CATALOG, store=f"sqlite:///{tmp_path / 'state.db'}") as nudges:
        for _ in range(3):
            result = nudges.evaluate(attrs.evolve(STARTER, id="\ud800"), FULL, now=NOW)
            assert ("id: '\\ud800' must be text without lone surrogates",) == result.problems
        assert False is nudges.breaker.open


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("16 June", "'16 June' is not an ISO 8601 date and time"),
        ("2" * 100_000, f"{'2' * 40!r}... (100000 characters) is not an ISO 8601 date and time"),
    ],
    ids=["short", "100k characters"],
)
def test_an_unreadable_instant_is_quoted_briefly(text: str, message: str) -> None:
    """parse_instant (behind --now, --at and account JSON) quotes a few dozen characters."""
    with pytest.raises(ValueError, match="is not an ISO 8601 date and time") as raised:
        parse_instant(text)
    assert message == str(raised.value)


def test_the_payload_schema_says_to_render_strings_as_text() -> None:
    """The schema a frontend reads tells it to render every string as text, never HTML."""
    description = payload_schema()["description"]
    assert "Render every string as text (`textContent`" in description
    assert "never as HTML" in description
