"""Price anchoring: a rule may cap what an add-on offer adds to the customer's bill; above
the cap a `recommend` rule offers a plan instead, an add-on rule stays quiet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nudge_sdk import Account, Evaluator, Interval, InvalidCatalog, Period, Unit, parse_catalog

NOW = datetime(2025, 6, 16, tzinfo=UTC)
STARTER = Account(
    id="a1",
    plan="starter",
    interval=Interval(Unit.MONTH),
    period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
    signup=datetime(2024, 1, 1, tzinfo=UTC),
)
FULL = {"gb": 95}


def catalog(pack: str, offer: str = "recommend", cap: str = "30") -> str:
    """Starter at $29 with 100 GB, Team at $79 with 1 TB, one storage pack at `pack`
    dollars, and a rule at 90% offering `offer` with `max_addon_share: cap`."""
    return f"""\
currency: USD
metrics: {{gb: {{kind: gauge}}}}
plans:
  starter: {{prices: {{month: 29}}, limits: {{gb: 100}}}}
  team: {{prices: {{month: 79}}, limits: {{gb: 1000}}}}
addons:
  pack: {{prices: {{month: {pack}}}, grants: {{gb: 100}}}}
nudges:
  full:
    when: {{usage: {{metric: gb, levels: [90]}}}}
    offer: {offer}
    max_addon_share: {cap}
    messages: {{en: {{title: Full, body: b}}}}
"""


@pytest.mark.parametrize(
    ("pack", "kind", "plan", "share"),
    [
        ("8", "addon", "starter", "0.2759"),  # $8 next to $29: 27.6%, under the cap
        ("15", "plan", "team", None),  # $15 next to $29: 51.7%, over: Team instead
    ],
)
def test_a_recommend_rule_offers_a_plan_above_the_cap(
    pack: str, kind: str, plan: str, share: str | None
) -> None:
    """The figures of the price-anchoring idea: an $8 pack beside a $29 plan adds 27.6%
    of the bill, a $15 one 51.7%; with a 30% cap the second offers Team and says why."""
    result = Evaluator(parse_catalog(catalog(pack))).evaluate(STARTER, FULL, now=NOW)
    [nudge] = result.nudges
    assert nudge.offer is not None
    assert (kind, plan, share) == (nudge.offer.kind, nudge.offer.plan, nudge.offer.share_of_bill)
    capped = [r.detail for r in nudge.reasons if r.code == "addon_share_cap"]
    if kind == "plan":
        assert [
            "the add-ons would add 51.7% of the bill, above the rule's cap of 30%; "
            "team is offered instead"
        ] == capped
    else:
        assert [] == capped


def test_an_addon_rule_above_the_cap_stays_quiet_and_says_why() -> None:
    """A rule that offers the pack itself has no plan to fall back on: it stays quiet,
    and explain gives the share and the cap."""
    evaluator = Evaluator(parse_catalog(catalog("15", offer="{addon: pack}", cap="27.5")))
    result = evaluator.evaluate(STARTER, FULL, now=NOW, explain=True)
    assert () == result.nudges
    [decision] = [d for d in result.decisions if d.rule == "full"]
    assert ("addon_share_cap", False) == (decision.reason, decision.shown)
    assert (
        "the add-ons would add 51.7% of the bill, above the rule's cap of 27.5%; "
        "no plan fits instead"
    ) == decision.detail


def test_a_free_plan_has_no_share_to_spare() -> None:
    """On a plan that costs nothing any add-on is all of the bill: above every cap."""
    text = catalog("8").replace("{prices: {month: 29}", "{prices: {month: 0}")
    [nudge] = Evaluator(parse_catalog(text)).evaluate(STARTER, FULL, now=NOW).nudges
    assert nudge.offer is not None
    assert ("plan", "team") == (nudge.offer.kind, nudge.offer.plan)
    assert any("add all of the bill" in r.detail for r in nudge.reasons)


@pytest.mark.parametrize(
    ("offer", "cap", "message"),
    [
        ("recommend", "0", "a share of the bill must be a percentage above 0, at most 1000"),
        ("recommend", "1001", "a share of the bill must be a percentage above 0, at most 1000"),
        (
            "downsell",
            "30",
            "only a rule that can offer add-ons (recommend, addon) takes a cap",
        ),
        (
            "{plan: team}",
            "30",
            "only a rule that can offer add-ons (recommend, addon) takes a cap",
        ),
    ],
)
def test_a_cap_is_checked_where_it_is_written(offer: str, cap: str, message: str) -> None:
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(catalog("8", offer=offer, cap=cap), "plans.yaml")
    assert [f"plans.yaml:12:5: nudges.full.max_addon_share: {message}"] == str(
        caught.value
    ).splitlines()
