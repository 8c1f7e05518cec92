"""Retired and versioned plans: accounts on an old price stay priced and evaluated by it,
and are offered what is sold today; nobody else is ever offered an old plan."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nudge_sdk import Account, Evaluator, InvalidCatalog, account_from_json, parse_catalog

NOW = datetime(2025, 6, 16, tzinfo=UTC)
CATALOG = """\
currency: USD
metrics: {gb: {kind: gauge}}
plans:
  starter: {prices: {month: 29}, limits: {gb: 100}}
  pro@2024: {name: Pro (2024), prices: {month: 49}, limits: {gb: 500}, retired: true}
  pro: {name: Pro, prices: {month: 59}, limits: {gb: 500}}
  team: {prices: {month: 99}, limits: {gb: 2000}}
nudges:
  full:
    when: {usage: {metric: gb, levels: [90]}}
    offer: recommend
    messages: {en: {title: Full, body: "{current_price} now, {price} then"}}
"""
EVALUATOR = Evaluator(parse_catalog(CATALOG))


def account(plan: str) -> Account:
    return account_from_json(
        {
            "id": "a1",
            "plan": plan,
            "interval": "month",
            "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
            "signup": "2024-01-01T00:00:00Z",
        }
    )


def test_an_account_on_a_retired_version_is_priced_by_it_and_offered_todays_plans() -> None:
    """Pro (2024) at $49 and 480 of 500 GB: its bill is its own $49, never "unknown
    plan", and the offer is Team, sold today, not another old plan."""
    result = EVALUATOR.evaluate(account("pro@2024"), {"gb": 480}, now=NOW, compare=True)
    assert (False, ()) == (result.degraded, result.problems)
    [nudge] = result.nudges
    assert nudge.offer is not None
    assert ("team", 4900) == (nudge.offer.plan, nudge.offer.current_recurring.minor)
    assert result.comparison is not None
    columns = [column.plan for column in result.comparison.columns]
    assert "pro@2024" in columns
    assert [c.current for c in result.comparison.columns if c.plan == "pro@2024"] == [True]


def test_nobody_else_is_offered_or_shown_a_retired_plan() -> None:
    """Starter at 95 GB: the cheapest cover would be the retired $49 Pro (2024); the
    offer is today's Pro at $59, and the comparison does not show the old one."""
    result = EVALUATOR.evaluate(account("starter"), {"gb": 95}, now=NOW, compare=True)
    [nudge] = result.nudges
    assert nudge.offer is not None
    assert "pro" == nudge.offer.plan
    assert result.comparison is not None
    assert "pro@2024" not in [column.plan for column in result.comparison.columns]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("offer: recommend", "offer: {plan: pro@2024}"),
            "plans.yaml:11:13: nudges.full.offer.plan: plan 'pro@2024' is retired: no rule "
            "may offer it",
        ),
        (
            ("pro@2024:", "pro@:"),
            "plans.yaml:5:3: plans.pro@: 'pro@' is not a valid id: use letters, digits, '_' "
            "and '-', and a version after '@'",
        ),
    ],
)
def test_retired_plans_are_checked_where_they_are_written(
    change: tuple[str, str], message: str
) -> None:
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(CATALOG.replace(*change), "plans.yaml")
    assert message in str(caught.value).splitlines()


def test_a_catalog_sells_at_least_one_plan() -> None:
    text = "currency: USD\nplans: {old: {retired: true}}\n"
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text, "plans.yaml")
    assert "every plan is retired; at least one must be sold" in str(caught.value)
