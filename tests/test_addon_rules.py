"""Add-ons as catalogs sell them: only with some plans, or from a plan up the ladder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nudge_sdk import Account, Evaluator, InvalidCatalog, account_from_json, parse_catalog

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 6, 16, tzinfo=UTC)

LADDER = """
currency: USD
plans: {free: {}, starter: {prices: {month: 9}}, team: {prices: {month: 12}}}
addons:
  pack: {prices: {month: 8}, min_plan: starter}
  sso: {prices: {month: 5}, plans: [team]}
  both: {prices: {month: 5}, plans: [free, team], min_plan: starter}
  any: {prices: {month: 1}}
"""


def test_plans_and_min_plan_decide_where_an_addon_is_sold() -> None:
    """`min_plan` sells from that plan up; `plans` only with those; both: where both allow."""
    catalog = parse_catalog(LADDER)
    sold = {a: sorted(p for p in catalog.plans if catalog.sells(a, p)) for a in catalog.addons}
    assert {
        "pack": ["starter", "team"],
        "sso": ["team"],
        "both": ["team"],
        "any": ["free", "starter", "team"],
    } == sold


@pytest.mark.parametrize(
    ("addon", "expected"),
    [
        (
            "{prices: {month: 8}, plans: [starter, gold]}",
            "plans.yaml:4:47: addons.pack.plans[1]: unknown plan 'gold'; the catalog "
            "defines: free, starter",
        ),
        (
            "{prices: {month: 8}, min_plan: platinum}",
            "plans.yaml:4:30: addons.pack.min_plan: unknown plan 'platinum'; the catalog "
            "defines: free, starter",
        ),
        (
            "{prices: {month: 8}, plans: [starter, starter]}",
            "plans.yaml:4:47: addons.pack.plans[1]: 'starter' is listed twice",
        ),
    ],
)
def test_unknown_plans_are_located_errors(addon: str, expected: str) -> None:
    """A plan id that names no plan is an error at its line and column."""
    text = (
        "currency: USD\nplans: {free: {}, starter: {prices: {month: 9}}}\naddons:\n"
        f"  pack: {addon}\n"
    )
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text, "plans.yaml")
    assert [expected] == str(caught.value).splitlines()


def example(extra: str = "") -> Evaluator:
    """The example catalog, storage packs sold from Starter up (plus `extra` lines under
    the pack)."""
    text = (ROOT / "examples" / "plans.yaml").read_text()
    marker = "    grants: {storage_gb: 100}\n"
    assert marker in text
    return Evaluator(parse_catalog(text.replace(marker, marker + extra, 1)))


def account(**fields: Any) -> Account:
    base: dict[str, Any] = {
        "id": "acct",
        "plan": "free",
        "interval": "month",
        "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
        "signup": "2024-01-01T00:00:00Z",
    }
    return account_from_json(base | fields)


def test_packs_sold_only_on_paid_plans_are_not_offered_on_free() -> None:
    """150 GB on Free with two seats: with packs sold everywhere, Free + 2 packs ($16) is
    cheapest; sold from Starter up, Starter + 1 pack ($17) is."""
    usage = {"storage_gb": 150}
    offers = []
    for extra in ("", "    min_plan: starter\n"):
        result = example(extra).evaluate(account(seats=2), usage, now=NOW)
        [shown] = [n for n in result.nudges if n.rule == "storage_almost_full"]
        assert shown.offer is not None
        offers.append(
            (
                shown.offer.plan,
                [(a.addon, a.quantity) for a in shown.offer.addons],
                shown.offer.recurring.minor,
            )
        )
    assert [("free", [("storage_pack", 2)], 1600), ("starter", [("storage_pack", 1)], 1700)] == (
        offers
    )


def test_a_fixed_addon_offer_not_sold_with_the_plan_is_not_made() -> None:
    """The Team storage-pack rule finds no offer when packs are sold only with Business."""
    evaluator = example("    plans: [business]\n")
    result = evaluator.evaluate(
        account(plan="team", seats=3), {"storage_gb": 950}, now=NOW, explain=True
    )
    assert "team_storage_pack" not in {n.rule for n in result.nudges}
    [decision] = [d for d in result.decisions if d.rule == "team_storage_pack"]
    assert "no_fitting_offer" == decision.reason


def test_a_held_addon_no_longer_sold_stays_on_its_plan() -> None:
    """A Free account holding a storage pack from before packs moved to paid plans keeps
    it; a renewal offer keeps it too (grandfathered), and adds no more."""
    evaluator = example("    min_plan: starter\n")
    held = account(addons={"storage_pack": 1}, licence_end="2025-06-20T00:00:00Z")
    result = evaluator.evaluate(held, {"storage_gb": 50}, now=NOW)
    [shown] = [n for n in result.nudges if n.rule == "licence_expiring"]
    assert shown.offer is not None
    assert ("free", [("storage_pack", 1)]) == (
        shown.offer.plan,
        [(a.addon, a.quantity) for a in shown.offer.addons],
    )
