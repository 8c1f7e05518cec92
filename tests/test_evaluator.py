"""The evaluator's documented behaviour: gates, frequency, caps, explain, fail-safety."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from nudge_sdk import (
    Account,
    Evaluation,
    Evaluator,
    Grant,
    Interval,
    NaiveDatetime,
    Period,
    RuleHistory,
    StateSnapshot,
    Unit,
    load_catalog,
    parse_catalog,
)
from nudge_sdk.catalog._metrics import MetricKind
from nudge_sdk.evaluation._entitlements import _projection

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
    seats=3,
)
FULL = {"storage_gb": 92, "seats": 1}


def run(account: Account = STARTER, usage: Any = FULL, **options: Any) -> Evaluation:
    return EVALUATOR.evaluate(account, usage, now=options.pop("now", NOW), **options)


def reasons(result: Evaluation) -> dict[str, str]:
    return {decision.rule: decision.reason for decision in result.decisions}


def test_a_nudge_and_why() -> None:
    """Storage at 92% on Starter shows the storage nudge; explain covers every rule."""
    result = run(explain=True)
    assert ["storage_almost_full"] == [n.rule for n in result.nudges]
    assert set(CATALOG.rules) == set(reasons(result))
    assert "shown" == reasons(result)["storage_almost_full"]
    assert "threshold_not_reached" == reasons(result)["seats_filling_up"]


def test_without_explain_decisions_are_not_collected() -> None:
    """Explain is opt-in: a plain evaluation carries no decisions."""
    assert () == run().decisions


@pytest.mark.parametrize(
    ("change", "usage", "options", "rule", "reason"),
    [
        ({"signup": NOW - timedelta(days=1)}, FULL, {}, "storage_almost_full", "quiet_period"),
        (
            {"signals": frozenset({"failed_payment"})},
            FULL,
            {},
            "storage_almost_full",
            "silenced_by_signal",
        ),
        (
            {"signals": frozenset({"negative_sentiment"})},
            FULL,
            {},
            "storage_almost_full",
            "silenced_by_signal",
        ),
        ({}, {"storage_gb": 50}, {}, "storage_almost_full", "threshold_not_reached"),
        ({}, {"seats": 1}, {}, "storage_almost_full", "no_usage"),
        ({}, FULL, {"placement": "modal"}, "storage_almost_full", "other_placement"),
        (
            {"country": "US"},
            {"storage_gb": 60},
            {"now": datetime(2025, 5, 20, tzinfo=UTC)},
            "summer_offer",
            "outside_schedule",
        ),
        (
            {"country": "FR"},
            {"storage_gb": 60},
            {"now": datetime(2025, 7, 2, tzinfo=UTC)},
            "summer_offer",
            "audience_country",
        ),
        ({}, FULL, {}, "trial_more_days", "audience_trial"),
        ({"plan": "business", "seats": 5}, FULL, {}, "storage_almost_full", "audience_plan"),
        ({}, FULL, {"feature": "audit_log"}, "sso_locked", "feature_not_requested"),
        ({"plan": "team"}, FULL, {"feature": "sso"}, "sso_locked", "feature_allowed"),
        ({"licence_end": NOW + timedelta(days=30)}, FULL, {}, "licence_expiring", "not_ending"),
    ],
)
def test_why_a_rule_stays_quiet(
    change: dict[str, Any], usage: Any, options: dict[str, Any], rule: str, reason: str
) -> None:
    """Each gate names itself in the explanation."""
    result = run(attrs.evolve(STARTER, **change), usage, explain=True, **options)
    assert reason == reasons(result)[rule]
    assert rule not in [n.rule for n in result.nudges]


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        (RuleHistory(dismissed=True), "dismissed"),
        (RuleHistory(snoozed_until=NOW + timedelta(hours=1)), "snoozed"),
        (RuleHistory(last_shown=NOW - timedelta(days=1)), "cooldown"),
        (RuleHistory(shown_last_week=2), "weekly_cap"),
    ],
)
def test_state_holds_nudges_back(history: RuleHistory, reason: str) -> None:
    """Dismissals, snoozes, cooldowns and weekly caps come from the snapshot."""
    state = StateSnapshot(rules={"storage_almost_full": history})
    result = run(state=state, explain=True)
    assert reason == reasons(result)["storage_almost_full"]


def test_a_level_already_shown_holds_back() -> None:
    """A rule shown once per level (the default) stays quiet at a level it showed."""
    state = StateSnapshot(rules={"seats_filling_up": RuleHistory(last_level=Decimal(2))})
    result = run(usage={"seats": 3}, state=state, explain=True)
    assert "level_already_shown" == reasons(result)["seats_filling_up"]
    assert "shown" == reasons(run(usage={"seats": 3}, explain=True))["seats_filling_up"]


def test_a_higher_level_fires_again() -> None:
    """Having shown the 80% level, crossing 100% shows the nudge again."""
    state = StateSnapshot(rules={"storage_almost_full": RuleHistory(last_level=Decimal(80))})
    result = run(usage={"storage_gb": 101}, state=state)
    assert ["storage_almost_full"] == [n.rule for n in result.nudges]
    assert "100" == result.impressions[0].level


def test_back_under_the_limit_clears_the_level() -> None:
    """When usage falls back under every level, the result asks the store to forget the
    last level shown, so the next climb fires again."""
    state = StateSnapshot(rules={"storage_almost_full": RuleHistory(last_level=Decimal(100))})
    assert ("storage_almost_full",) == run(usage={"storage_gb": 40}, state=state).cleared
    assert () == run(usage={"storage_gb": 85}, state=state).cleared


def test_cooldown_ends() -> None:
    """Three days after the last showing (cooldown 3d) the nudge is back."""
    history = RuleHistory(last_shown=NOW - timedelta(days=3))
    result = run(state=StateSnapshot(rules={"storage_almost_full": history}))
    assert ["storage_almost_full"] == [n.rule for n in result.nudges]


def test_placement_cap_keeps_the_highest_priority() -> None:
    """Two banner rules fire; the banner holds one, and the higher priority wins."""
    usage = {"storage_gb": 92, "seats": 3, "ai_credits": 2600}
    result = run(usage=usage, explain=True)
    assert ["credits_break_even"] == [n.rule for n in result.nudges if n.placement == "banner"]
    assert "capped_by_placement" == reasons(result)["storage_almost_full"]


def test_nudge_ids_are_stable_and_distinct() -> None:
    """The same account, rule, level and period give the same id; another level another."""
    first, again = run().nudges[0], run().nudges[0]
    higher = run(usage={"storage_gb": 101}).nudges[0]
    assert first.id == again.id
    assert first.id != higher.id


def test_impressions_say_what_to_record() -> None:
    """Each shown nudge comes with what the store should record."""
    result = run()
    [impression] = result.impressions
    assert ("storage_almost_full", result.nudges[0].id, NOW, "80") == (
        impression.rule,
        impression.nudge,
        impression.at,
        impression.level,
    )


@pytest.mark.parametrize(
    ("usage", "problem"),
    [
        ({"storage_gb": "lots"}, "usage storage_gb: expected a number, got str 'lots'"),
        ({"storage_gb": -3}, "usage storage_gb: -3 must not be negative"),
        ({"storage_gb": float("nan")}, "usage storage_gb: nan is not a finite number"),
        ({"storage_gb": True}, "usage storage_gb: expected a number, got bool True"),
        ({"bandwidth": 10}, "usage unknown metric 'bandwidth'"),
        (
            {"storage_gb": {"value": 5, "rate": 1}},
            "usage storage_gb: unknown key 'rate'; a reading has value and per_day",
        ),
        ({"storage_gb": {"per_day": 1}}, "usage storage_gb: a reading needs a value"),
        (
            {"storage_gb": {"value": 5, "per_day": "fast"}},
            "usage storage_gb.per_day: expected a number, got str 'fast'",
        ),
        ({"storage_gb": {"value": -1, "per_day": 1}}, "usage storage_gb: -1 must not be negative"),
        (
            {"storage_gb": {"value": 5, "per_day": float("inf")}},
            "usage storage_gb.per_day: inf is not a finite number",
        ),
        (
            {"storage_gb": 10**16},
            "usage storage_gb: 10000000000000000 is larger than the largest "
            "usage accepted (1000000000000000)",
        ),
    ],
)
def test_bad_usage_costs_only_its_metric(usage: dict[str, Any], problem: str) -> None:
    """A bad value drops its metric with a reason; the rest is still evaluated."""
    with capture_logs() as logs:
        result = run(usage={**usage, "seats": 4, "ai_credits": 2600})
    assert result.degraded
    assert [f"{problem}; its nudges are skipped"] == list(result.problems)
    assert ["credits_break_even", "seats_filling_up"] == [n.rule for n in result.nudges]
    assert "nudge.bad_usage" in [log["event"] for log in logs]


@pytest.mark.parametrize(
    ("change", "now", "problem"),
    [
        (
            {"plan": "gold"},
            NOW,
            "unknown plan 'gold'; the catalog has: free, starter, team, business",
        ),
        ({"currency": "EUR"}, NOW, "account currency 'EUR' is not one the catalog sells in (USD)"),
        ({"interval": Interval(Unit.WEEK)}, NOW, "plan 'starter' is not sold by the week"),
        ({"zone": "Mars/Olympus"}, NOW, "zone: 'Mars/Olympus' is not an IANA time zone"),
        (
            {"addons": {"nope": 1}},
            NOW,
            "unknown add-on 'nope'; the catalog has: storage_pack, credit_pack, audit_log_addon",
        ),
        (
            {},
            datetime(2025, 6, 16),
            "now: 2025-06-16T00:00:00 has no time zone; pass an aware "
            "datetime (for example with tzinfo=datetime.UTC)",
        ),
    ],
)
def test_bad_accounts_degrade_to_no_nudge(
    change: dict[str, Any], now: datetime, problem: str
) -> None:
    """Unusable input never raises into the host: no nudges, degraded, the problem named."""
    with capture_logs() as logs:
        result = run(attrs.evolve(STARTER, **change), now=now)
    assert ((), True, (problem,)) == (result.nudges, result.degraded, result.problems)
    assert [("nudge.degraded", problem)] == [
        (log["event"], log["problem"]) for log in logs if log["event"] == "nudge.degraded"
    ]


def test_a_degraded_evaluation_carries_a_degraded_comparison() -> None:
    """Asked for a comparison, a host gets one even when the input is unusable: empty,
    degraded, with the same problem, and the problem is logged once."""
    with capture_logs() as logs:
        result = EVALUATOR.evaluate(attrs.evolve(STARTER, plan="gold"), {}, now=NOW, compare=True)
    assert result.comparison is not None
    assert ((), True, result.problems) == (
        result.comparison.columns,
        result.comparison.degraded,
        result.comparison.problems,
    )
    assert 1 == [log["event"] for log in logs].count("nudge.degraded")


@pytest.mark.parametrize("field", ["signup", "trial_end", "licence_end", "anchor"])
def test_accounts_refuse_naive_datetimes(field: str) -> None:
    """A host building an Account with a naive datetime is told at once, by field name."""
    with pytest.raises(NaiveDatetime, match=f"^{field}: 2025-01-01T00:00:00 has no time zone"):
        attrs.evolve(STARTER, **{field: datetime(2025, 1, 1)})  # type: ignore[arg-type]


def test_an_internal_failure_degrades_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a bug inside the SDK becomes a degraded result and a logged error."""

    def broken(*args: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("nudge_sdk._evaluator.entitlements", broken)
    with capture_logs() as logs:
        result = run()
    assert ("internal error: ZeroDivisionError('boom')",) == result.problems
    assert "nudge.failed" in [log["event"] for log in logs]


@pytest.mark.usefixtures("debug_logging")
def test_decisions_are_structured_log_events() -> None:
    """Every decision is a structlog event with the rule, outcome and reason as fields."""
    with capture_logs() as logs:
        run()
    decisions = [log for log in logs if log["event"] == "nudge.decision"]
    shown = [log for log in decisions if log["shown"]]
    assert [("a1", "storage_almost_full", "shown")] == [
        (log["account"], log["rule"], log["reason"]) for log in shown
    ]
    assert all({"account", "rule", "shown", "reason", "detail"} <= log.keys() for log in decisions)


@pytest.mark.usefixtures("debug_logging")
def test_rules_for_unreported_metrics_cost_nothing() -> None:
    """Without explain, a usage rule on a metric the host did not report is not looked at
    (the index skips it); with explain it is, and says why."""
    with capture_logs() as logs:
        run(usage={"seats": 1})
    looked_at = {log["rule"] for log in logs if log["event"] == "nudge.decision"}
    assert "storage_almost_full" not in looked_at
    assert "no_usage" == reasons(run(usage={"seats": 1}, explain=True))["storage_almost_full"]


def test_triggered_is_the_decision_path() -> None:
    """`triggered` lists the rules whose moment came, best first, without payloads."""
    usage = {"storage_gb": 92, "seats": 3, "ai_credits": 2600}
    assert ("credits_break_even", "storage_almost_full", "seats_filling_up") == (
        EVALUATOR.triggered(STARTER, usage, now=NOW)
    )


@pytest.mark.parametrize(
    ("value", "used"),
    [
        (92.4, Decimal("92.4")),
        (Decimal("0.1234567894"), Decimal("0.123456789")),
        (Decimal("0.1234567895"), Decimal("0.123456790")),
        (8.6677259555006e-13, Decimal("0E-9")),
        (0.12345678951, Decimal("0.123456790")),
        (7, Decimal(7)),
    ],
)
def test_usage_is_taken_to_nine_places(value: Any, used: Decimal) -> None:
    """Floats are read at their shortest text; anything finer than nine places is
    rounded half to even (a measurement, not money)."""
    assert (
        used == EVALUATOR.entitlements(STARTER, {"storage_gb": value}, now=NOW)["storage_gb"].used
    )


def test_entitlements_add_addons_and_unexpired_grants() -> None:
    """A storage pack and a live grant raise the limit; an expired grant does not."""
    account = attrs.evolve(
        STARTER,
        addons={"storage_pack": 2},
        grants=(
            Grant(metric="storage_gb", amount=Decimal(5)),
            Grant(metric="storage_gb", amount=Decimal(50), expires=NOW - timedelta(days=1)),
        ),
    )
    storage = EVALUATOR.entitlements(account, {"storage_gb": 92}, now=NOW)["storage_gb"]
    assert (Decimal(305), Decimal(213), True) == (storage.limit, storage.remaining, storage.hard)


def test_soft_limits_bill_overage_and_counters_reset() -> None:
    """Starter's credits are soft at $0.02 a credit and reset with the billing period."""
    credits = EVALUATOR.entitlements(STARTER, {"ai_credits": 600}, now=NOW)["ai_credits"]
    assert (False, Decimal(2), JUNE.end) == (
        credits.hard,
        credits.overage_rate,
        credits.resets_at,
    )
    assert Decimal(1200) == credits.projected  # 600 in half the period


@pytest.mark.parametrize(
    ("reading", "projected", "run_out"),
    [
        ({"value": 70}, Decimal(70), None),  # a gauge without a trend stays where it is
        ({"value": 70, "per_day": 0}, Decimal(70), None),
        ({"value": 70, "per_day": 3}, Decimal(115), datetime(2025, 6, 26, tzinfo=UTC)),
        ({"value": 70, "per_day": 2}, Decimal(100), None),  # reaches 100 only as June ends
        ({"value": 70, "per_day": 0.5}, Decimal(77), None),  # 77.5, an estimate: whole units
        ({"value": 70, "per_day": -4}, Decimal(70), None),  # falling: no lower projection
        ({"value": Decimal("99.5"), "per_day": 1}, Decimal("114"), NOW + timedelta(hours=12)),
    ],
)
def test_a_gauge_with_a_trend_projects_to_the_period_end(
    reading: dict[str, Any], projected: Decimal, run_out: datetime | None
) -> None:
    """Storage growing by so much a day (the host's trend) is projected to the end of
    the billing period, and says when it reaches the limit (100 GB on Starter)."""
    storage = EVALUATOR.entitlements(STARTER, {"storage_gb": reading}, now=NOW)["storage_gb"]
    assert (projected, run_out) == (storage.projected, storage.run_out_at)
    assert Decimal(reading["value"]) == storage.used


def test_a_counter_trend_replaces_its_average_pace() -> None:
    """600 credits by mid-June average 40 a day (1200 by July); a host that knows the
    last days ran at 100 a day gets that pace instead: 600 + 15 x 100."""
    usage = {"ai_credits": {"value": 600, "per_day": 100}}
    credits = EVALUATOR.entitlements(STARTER, usage, now=NOW)["ai_credits"]
    assert (Decimal(2100), datetime(2025, 6, 20, tzinfo=UTC)) == (
        credits.projected,
        credits.run_out_at,
    )


@given(
    st.decimals(min_value=0, max_value=10**6, places=3),
    st.decimals(min_value=-(10**4), max_value=10**4, places=3),
    st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2025, 6, 30, 23)),
)
def test_trend_projections_are_sane(used: Decimal, per_day: Decimal, now: datetime) -> None:
    """Never below usage; whole units when above it; never above what the trend allows;
    a run-out date only inside the period, when usage is still under the limit."""
    now = now.replace(tzinfo=UTC)
    storage = EVALUATOR.entitlements(
        STARTER, {"storage_gb": {"value": used, "per_day": per_day}}, now=now
    )["storage_gb"]
    days_left = (JUNE.end - now) / timedelta(days=1)
    assert storage.projected >= used
    assert storage.projected == used or storage.projected == int(storage.projected)
    assert storage.projected <= used + max(per_day, Decimal(0)) * Decimal(days_left) + 1
    if storage.run_out_at is not None:
        assert now <= storage.run_out_at < JUNE.end
        assert used < 100 < used + per_day * Decimal(days_left)


API_CALLS = """
currency: USD
metrics: {api_calls: {kind: counter, reset: billing_period}}
plans:
  dev: {prices: {month: 20}, limits: {api_calls: {limit: 100000, overage: 0.0005}}}
  pro: {prices: {month: 99}, limits: {api_calls: 1000000}}
nudges:
  calls_break_even:
    when: {break_even: {metric: api_calls}}
    offer: recommend
    messages: {en: {title: "Save {saving} a month", body: "Overage: {overage}."}}
"""


def test_overage_at_a_fraction_of_a_cent_is_exact() -> None:
    """150,001 calls by mid-June head for 300,002: 200,002 over the limit at $0.0005 is
    $100.001 of overage, so Dev costs $120.001 against Pro's $99. The overage shown is
    rounded once, at the end ($100.00), and so is the saving ($21.00)."""
    evaluator = Evaluator(parse_catalog(API_CALLS))
    account = attrs.evolve(STARTER, plan="dev", seats=1)
    calls = evaluator.entitlements(account, {"api_calls": 150_001}, now=NOW)["api_calls"]
    assert Decimal("10000.1") == calls.overage_cost(calls.projected, calls.limit)
    [shown] = evaluator.evaluate(account, {"api_calls": 150_001}, now=NOW).nudges
    assert shown.offer is not None
    assert shown.offer.overage is not None
    assert ("pro", 10000, "Save $21.00 a month", "Overage: $100.00.") == (
        shown.offer.plan,
        shown.offer.overage.minor,
        shown.title,
        shown.body,
    )


def test_may_a_feature() -> None:
    """Feature gating says why, and what would unlock it."""
    assert (False, "not_in_plan", "team", None) == attrs.astuple(EVALUATOR.may(STARTER, "sso"))[1:]
    audit = EVALUATOR.may(STARTER, "audit_log")
    assert ("business", "audit_log_addon") == (audit.cheapest_plan, audit.cheapest_addon)
    with_addon = attrs.evolve(STARTER, addons={"audit_log_addon": 1})
    assert (True, "addon") == (
        EVALUATOR.may(with_addon, "audit_log").allowed,
        EVALUATOR.may(with_addon, "audit_log").reason,
    )


def test_an_upsell_never_moves_down_the_ladder() -> None:
    """Free plus a pack would be cheaper than Starter plus a pack for this usage, but a
    storage upsell keeps the customer on Starter and adds the pack."""
    [shown] = run(usage={"storage_gb": 92, "seats": 1}).nudges
    assert shown.offer is not None
    assert ("starter", ["storage_pack"]) == (
        shown.offer.plan,
        [a.addon for a in shown.offer.addons],
    )


def test_stale_period_rolls_forward() -> None:
    """If the host's period is behind `now`, offers are priced in the period containing now."""
    result = run(now=datetime(2025, 8, 16, tzinfo=UTC))
    [shown] = result.nudges
    assert shown.offer is not None
    assert ("starter", 413) == (shown.offer.plan, shown.offer.due_now.minor)  # $8 x 16/31


junk = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
readings = st.dictionaries(st.sampled_from(["value", "per_day", "rate"]), junk, max_size=3)
usage_maps = st.dictionaries(
    st.sampled_from(["storage_gb", "seats", "ai_credits", "bandwidth", ""]),
    st.one_of(junk, readings),
    max_size=4,
)
accounts = st.builds(
    lambda plan, seats, locale, signals, trial_days, zone, addons: attrs.evolve(
        STARTER,
        plan=plan,
        seats=seats,
        locale=locale,
        signals=frozenset(signals),
        trial_end=None if trial_days is None else NOW + timedelta(days=trial_days),
        zone=zone,
        addons=addons,
    ),
    st.sampled_from(["free", "starter", "team", "business", "gold"]),
    st.integers(1, 80),
    st.sampled_from(["en", "ar", "fa-IR", "ky", "xx", "", "zz-ZZ"]),
    st.lists(st.sampled_from(["open_ticket", "cancel_intent", "negative_sentiment", "x"])),
    st.one_of(st.none(), st.integers(-5, 5)),
    st.sampled_from(["UTC", "Europe/Berlin", "Nowhere/Land"]),
    st.dictionaries(st.sampled_from(["storage_pack", "credit_pack", "nope"]), st.integers(0, 3)),
)
instants = st.one_of(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)


@given(accounts, usage_maps, instants, st.sampled_from([None, "sso", "nope"]), st.booleans())
def test_evaluate_and_compare_never_raise(
    account: Account, usage: dict[str, Any], now: datetime, feature: str | None, explain: bool
) -> None:
    """Whatever the host passes, the request path returns a result: nudges only for what
    could be evaluated, and a named problem for everything else. No internal errors."""
    result = EVALUATOR.evaluate(account, usage, now=now, feature=feature, explain=explain)
    assert result.degraded == bool(result.problems)
    assert not any(p.startswith("internal error") for p in result.problems), result.problems
    comparison = EVALUATOR.compare(account, usage, now=now)
    assert not any(p.startswith("internal error") for p in comparison.problems)
    both = EVALUATOR.evaluate(
        account, usage, now=now, feature=feature, explain=explain, compare=True
    )
    assert (result, comparison) == (attrs.evolve(both, comparison=None), both.comparison)


DISCOUNTED_PACK = """
currency: USD
metrics: {gb: {kind: gauge}}
plans:
  starter: {prices: {month: 9.00}, limits: {gb: 100}}
addons:
  pack: {prices: {month: 8.00}, grants: {gb: 100}}
nudges:
  pack_half_off:
    when: {usage: {metric: gb, levels: [80]}}
    offer: {addon: pack}
    discount: {percent: 50}
    messages: {en: {title: t, body: b}}
"""


def test_a_discount_applies_to_what_is_offered_only() -> None:
    """50% off a storage pack: the pack costs $4, the plan stays $9 (not discounted,
    not counted twice), and half of June left makes $2.00 due now."""
    evaluator = Evaluator(parse_catalog(DISCOUNTED_PACK))
    account = attrs.evolve(STARTER, seats=1)
    [shown] = evaluator.evaluate(account, {"gb": 90}, now=NOW).nudges
    assert shown.offer is not None
    assert (1300, 400, 200, "50") == (
        shown.offer.recurring.minor,
        shown.offer.difference.minor,
        shown.offer.due_now.minor,
        shown.offer.discount_percent,
    )


@pytest.mark.parametrize(
    ("what", "kind", "action"),
    [("trial", "trial_ending", "upgrade"), ("period", "renewal", "renew")],
)
def test_a_trial_ending_is_its_own_kind(what: str, kind: str, action: str) -> None:
    """A trial that ends asks the customer to buy, not to renew: its own kind, and an
    upgrade button; a period that ends stays a renewal."""
    catalog = parse_catalog(
        "currency: USD\n"
        "plans: {team: {prices: {month: 79}}}\n"
        "nudges:\n"
        f"  ends: {{when: {{ending: {{what: {what}, within: 7d}}}}, offer: recommend,\n"
        "         messages: {en: {title: Ends soon, body: b}}}\n"
    )
    account = attrs.evolve(
        STARTER,
        plan="team",
        trial_end=NOW + timedelta(days=2),
        period=attrs.evolve(JUNE, end=NOW + timedelta(days=2)),
    )
    [shown] = Evaluator(catalog).evaluate(account, {}, now=NOW).nudges
    assert (kind, action) == (shown.kind, shown.cta.action)


@pytest.mark.parametrize("country", ["US", "us", "Ca", "KG", "FR", "", "ZZZ"])
def test_country_rules_fire_where_they_are_for_and_explain_changes_nothing(country: str) -> None:
    """Rules for some countries are indexed by them (any case): an account in one of them
    gets the summer offer, others do not, and explaining gives the same nudges."""
    account = attrs.evolve(STARTER, country=country)
    options: dict[str, Any] = {"usage": {"storage_gb": 60}, "now": datetime(2025, 7, 2, tzinfo=UTC)}
    quiet, explained = run(account, **options), run(account, explain=True, **options)
    assert quiet.nudges == explained.nudges
    fired = "summer_offer" in [nudge.rule for nudge in quiet.nudges]
    assert fired == (country.upper() in {"US", "CA", "KG"})


@pytest.mark.parametrize(
    ("used", "fires"),
    [(80, True), (Decimal("79.999999"), False), (79.999999, False), (100, True), (0, False)],
)
def test_a_threshold_fires_exactly_at_its_level(used: Any, fires: bool) -> None:
    """80 GB of 100 is the 80% level: shown unexplained, explained and by `triggered`
    alike (the unexplained path skips what cannot reach, by the same comparison)."""
    usage = {"storage_gb": used}
    for explain in (False, True):
        result = run(usage=usage, explain=explain)
        assert fires == ("storage_almost_full" in [n.rule for n in result.nudges])
    assert fires == ("storage_almost_full" in EVALUATOR.triggered(STARTER, usage, now=NOW))


@given(
    used=st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False),
    limit=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2)),
    offset=st.integers(0, 30 * 86_400 * 10**6 - 1),
)
def test_a_counters_projection_is_the_exact_pace_truncated(
    used: Decimal, limit: Decimal | None, offset: int
) -> None:
    """Projected usage is the pace so far over the whole window, truncated to whole units;
    the run-out instant is when that pace reaches the limit, truncated to the
    microsecond: the integer arithmetic gives exactly what the fractions define."""
    window = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
    now = window.start + timedelta(microseconds=offset)
    projected, run_out = _projection(MetricKind.COUNTER, used, limit, window, now)
    if not used or now - window.start < timedelta(hours=1):
        assert (used, None) == (projected, run_out)
        return
    pace = Fraction(used) / offset
    total = window.duration // timedelta(microseconds=1)
    assert max(Decimal(int(pace * total)), used) == projected
    expected = None
    if limit is not None and used < limit and Fraction(limit) / pace < total:
        expected = window.start + timedelta(microseconds=int(Fraction(limit) / pace))
    assert expected == run_out


@pytest.mark.parametrize(
    ("seats", "usage", "recommended"),
    [
        # Free with one 100 GB pack ($8) is cheaper than Starter ($9), but the table shows
        # Free's own 2 GB: it must highlight a plan that covers by itself.
        (1, {"storage_gb": 92.4, "seats": 1}, "starter"),
        (1, {"storage_gb": 1, "seats": 1}, "free"),  # Free covers this by itself
        (3, {"storage_gb": 450, "seats": 3}, "team"),  # Starter would need 4 packs
    ],
)
def test_a_comparison_recommends_a_plan_its_column_shows_covering(
    seats: int, usage: dict[str, Any], recommended: str
) -> None:
    """The recommended column is a plan whose own limits cover the usage: a plan that
    fits only with add-ons the column cannot show is not highlighted."""
    unhurried = Evaluator(CATALOG, deadline=60.0)  # a GC pause must not cut the search
    comparison = unhurried.compare(attrs.evolve(STARTER, seats=seats), usage, now=NOW)
    assert recommended == comparison.recommended
    [column] = [c for c in comparison.columns if c.recommended]
    assert all(cell.covers for cell in column.limits if cell.metric in usage)
