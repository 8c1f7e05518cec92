"""Each scenario of examples/scenarios.py, end to end: what each nudge case must show."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from nudge_sdk import Comparison, Evaluation, Evaluator, Nudge, load_catalog

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("scenarios", ROOT / "examples" / "scenarios.py")
assert _spec is not None
assert _spec.loader is not None
scenarios: Any = importlib.util.module_from_spec(_spec)
sys.modules["scenarios"] = scenarios
_spec.loader.exec_module(scenarios)

EVALUATOR = Evaluator(load_catalog(ROOT / "examples" / "plans.yaml"))


def evaluation(name: str) -> Evaluation:
    [scenario] = [s for s in scenarios.SCENARIOS if s.name == name]
    result = scenarios.run(EVALUATOR, scenario)
    assert isinstance(result, Evaluation)
    assert not result.degraded, result.problems
    return result


def nudge(name: str, rule: str) -> Nudge:
    shown = {n.rule: n for n in evaluation(name).nudges}
    assert rule in shown, f"{rule} not shown; shown: {list(shown)}"
    return shown[rule]


def test_every_scenario_runs() -> None:
    """Every scenario in examples/ evaluates without degrading."""
    for scenario in scenarios.SCENARIOS:
        result = scenarios.run(EVALUATOR, scenario)
        assert not result.degraded, (scenario.name, result.problems)


def test_upsell_at_the_moment_of_need() -> None:
    """Free, storage at 95% and a second seat: Starter, the cheapest plan that fits
    (a storage pack alone would not give the seat)."""
    shown = nudge("storage_upgrade", "storage_almost_full")
    assert shown.offer is not None
    assert ("upgrade", "starter", "plan") == (shown.kind, shown.offer.plan, shown.offer.kind)
    assert "You've used 1.9 GB of 2 GB (95%)." in shown.body
    assert shown.metric is not None
    assert ("80", 450) == (shown.metric.level, shown.offer.due_now.minor)  # $9 x 15/30


def test_break_even_names_the_saving() -> None:
    """2600 credits by mid-June on Starter heads for 5200: $84 overage + $9; Team (3 seats)
    at $36 covers it, saving $57."""
    shown = nudge("credits_break_even", "credits_break_even")
    assert shown.offer is not None
    assert ("break_even", "team", 3600) == (
        shown.kind,
        shown.offer.plan,
        shown.offer.recurring.minor,
    )
    assert "Save $57.00 this month" == shown.title
    assert shown.offer.overage is not None
    assert 8400 == shown.offer.overage.minor


def test_small_addon_next_to_a_large_bill() -> None:
    """A $8 pack on a $120 Team bill: about 6.7% of it."""
    shown = nudge("small_addon_large_bill", "team_storage_pack")
    assert shown.offer is not None
    assert ("addon", "0.0667") == (shown.kind, shown.offer.share_of_bill)
    assert [("storage_pack", 1)] == [(a.addon, a.quantity) for a in shown.offer.addons]


def test_per_seat_plan_filling_up_recommends_the_plan_that_fits() -> None:
    """49 of 50 Team seats: Business (unlimited seats) is recommended, not more Team."""
    shown = nudge("team_seats_filling", "seats_filling_up")
    assert shown.offer is not None
    assert ("business", "Only 1 seat left") == (shown.offer.plan, shown.title)


def test_feature_locked_sso() -> None:
    """Reaching for SSO on Starter shows the cheapest plan with it, and its price today."""
    shown = nudge("sso_locked", "sso_locked")
    assert shown.offer is not None
    assert ("feature_locked", "team", "modal") == (shown.kind, shown.offer.plan, shown.placement)
    assert "Upgrade to Team: $19.50 today" == shown.cta.label  # (48 - 9) x 15/30


def test_licence_about_to_expire() -> None:
    """Five days before the licence ends: a critical renewal banner with the date."""
    shown = nudge("licence_expiring", "licence_expiring")
    assert ("renewal", "critical", "renew") == (shown.kind, shown.severity, shown.cta.action)
    assert "Your licence ends in 5 days" == shown.title


def test_engaged_trial_gets_more_days() -> None:
    """An engaged Team trial two days from its end is offered 7 more days."""
    shown = nudge("trial_extension", "trial_more_days")
    assert shown.offer is not None
    assert shown.offer.trial_end is not None
    assert (7, "2025-06-25") == (
        shown.offer.extension_days,
        shown.offer.trial_end.date().isoformat(),
    )
    assert "Take 7 more days" == shown.title
    # The body names the day the extended trial ends, not the day it ends today (Jun 18).
    assert "Keep exploring Team until Jun 25, 2025." in shown.body


def test_cancelling_customer_is_offered_a_cheaper_plan() -> None:
    """Business at $99 but using Starter's worth: Starter, 10% off for a new customer."""
    shown = nudge("cancel_downsell", "cancel_downsell")
    assert shown.offer is not None
    assert ("retention", "starter", "10", 810) == (
        shown.kind,
        shown.offer.plan,
        shown.offer.discount_percent,
        shown.offer.recurring.minor,
    )


def test_loyal_customers_get_a_better_discount() -> None:
    """The same down-sell after three years of tenure: 30% off instead of 10%."""
    shown = nudge("loyal_discount", "cancel_downsell")
    assert shown.offer is not None
    assert ("30", 630) == (shown.offer.discount_percent, shown.offer.recurring.minor)


def test_limited_time_offer_says_when_it_expires() -> None:
    """The summer offer carries its end in the payload and the message."""
    shown = nudge("summer_offer", "summer_offer")
    assert shown.expires_at is not None
    assert "2025-09-01" == shown.expires_at.date().isoformat()
    assert "Offer ends Sep 1, 2025." in shown.body
    assert shown.offer is not None
    assert ("team", 900) == (shown.offer.plan, shown.offer.recurring.minor)  # $12 less 25%


def test_open_support_ticket_silences_everything() -> None:
    """With an open ticket nothing is shown, and explain says why for each rule."""
    result = evaluation("open_ticket")
    assert () == result.nudges
    reasons = {d.rule: d.reason for d in result.decisions}
    assert "silenced_by_signal" == reasons["storage_almost_full"]
    assert "silenced_by_signal" == reasons["credits_break_even"]


def test_milestone_event() -> None:
    """Right after the first shared folder, Team is suggested."""
    shown = nudge("milestone", "first_share_milestone")
    assert ("milestone", "You shared your first folder") == (shown.kind, shown.title)


def test_projection_says_when_credits_run_out() -> None:
    """30 credits in 15 days of June on Free (50): at this pace they run out June 26."""
    shown = nudge("credits_run_out", "credits_running_out")
    assert "At this pace you run out on Jun 26, 2025." in shown.body
    assert shown.metric is not None
    assert "60" == shown.metric.projected


def test_a_storage_trend_says_when_storage_fills_up() -> None:
    """72.5 GB growing 2.5 GB a day reaches 100 GB on June 27; projected to the end of
    June it is 110, so for three seats one 100 GB pack ($8) is the cheapest cover, not
    Team ($36)."""
    shown = nudge("storage_trend", "storage_running_out")
    assert "At this rate your 100 GB are full on Jun 27, 2025." in shown.body
    assert shown.metric is not None
    assert shown.offer is not None
    assert ("72.5", "110", "addon", {"storage_pack": 1}) == (
        shown.metric.used,
        shown.metric.projected,
        shown.offer.kind,
        {line.addon: line.quantity for line in shown.offer.addons},
    )


def test_plan_comparison_in_arabic() -> None:
    """Three plans, right to left, Arabic money, Team marked most popular."""
    [scenario] = [s for s in scenarios.SCENARIOS if s.name == "compare_arabic"]
    result = scenarios.run(EVALUATOR, scenario)
    assert isinstance(result, Comparison)
    assert ("rtl", "ar", "starter") == (result.direction, result.locale, result.recommended)
    assert ["free", "starter", "team"] == [c.plan for c in result.columns]
    team = result.columns[2]
    assert team.yearly_saving is not None
    assert ("most_popular", "\u200f36.00\xa0US$", 7200) == (
        team.badge,
        team.price.formatted,
        team.yearly_saving.minor,
    )
    assert ["sso"] == [f.feature for f in team.features if f.gain]
    assert ["\u200f9.00\xa0US$ أقل كل شهر", "خطتك الحالية", "\u200f27.00\xa0US$ إضافية كل شهر"] == [
        column.difference_text for column in result.columns
    ]


@pytest.mark.parametrize(
    ("name", "locale", "direction", "title"),
    [
        ("storage_persian", "fa_IR", "rtl", "فضای ذخیره‌سازی شما تقریباً پر است"),
        ("storage_kyrgyz", "ky", "ltr", "Сактагычыңыз дээрлик толду"),
    ],
)
def test_messages_in_the_customers_language(
    name: str, locale: str, direction: str, title: str
) -> None:
    """Messages follow fa-IR -> fa and ky, with the interval named in that language."""
    shown = nudge(name, "storage_almost_full")
    assert (locale, direction, title) == (shown.locale, shown.direction, shown.title)
    assert ("ماه" if name == "storage_persian" else "ай") in shown.body
