"""Offers never drop what the customer has, over fuzzed accounts and the example catalog.

For every nudge with an offer: each feature the account has through an add-on (and
through its plan, but for a down-sell) is in the offer; each held add-on is kept, at
least as many units, unless the offered plan includes it; every add-on is sold with the
offered plan (or already held on it); the difference is against today's bill; and an
upsell never costs less than today's bill nor asks for a negative amount today.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nudge_sdk import Account, Catalog, Evaluator, account_from_json, parse_catalog
from nudge_sdk.evaluation._recommend import Need, holding, includes
from nudge_sdk.payloads._nudges import _ratio

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "examples" / "plans.yaml").read_text()
PACK = "    grants: {storage_gb: 100}\n"
CATALOGS = [
    parse_catalog(TEXT),
    parse_catalog(TEXT.replace(PACK, PACK + "    min_plan: starter\n", 1)),  # paid plans only
]
# A search that runs out of time is not what these properties are about: a loaded CI
# machine must not make them flaky.
EVALUATORS = [Evaluator(catalog, deadline=60.0) for catalog in CATALOGS]
NOW = datetime(2025, 6, 16, tzinfo=UTC)
PERIODS = {
    "month": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
    "year": {"start": "2025-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
}
UPSELLS = {"upgrade", "addon", "feature_locked", "renewal", "trial_ending", "milestone"}
"""Nudge kinds whose offer must keep the customer on their plan or above."""


@st.composite
def accounts(draw: st.DrawFn) -> tuple[int, Account, dict[str, Any], str | None]:
    """An account on any plan and interval, holding any add-ons, with usage around its
    limits, perhaps cancelling, its licence ending, or reaching for SSO."""
    which = draw(st.sampled_from(range(len(CATALOGS))))
    catalog = CATALOGS[which]
    interval = draw(st.sampled_from(sorted(PERIODS)))
    fields: dict[str, Any] = {
        "id": "acct",
        "plan": draw(st.sampled_from(list(catalog.plans))),
        "interval": interval,
        "seats": draw(st.integers(1, 60)),
        "period": PERIODS[interval],
        "signup": "2024-01-01T00:00:00Z",
        "addons": draw(st.dictionaries(st.sampled_from(list(catalog.addons)), st.integers(1, 3))),
        "country": "US",
        "signals": draw(st.lists(st.just("cancel_intent"), max_size=1)),
    }
    if draw(st.booleans()):
        fields["licence_end"] = "2025-06-20T00:00:00Z"
    usage = {
        "storage_gb": draw(st.integers(0, 2500)),
        "seats": draw(st.integers(0, 60)),
        "ai_credits": draw(st.integers(0, 6000)),
    }
    feature = draw(st.sampled_from([None, "sso"]))
    return which, account_from_json(fields), usage, feature


def features_of(catalog: Catalog, plan: str, addons: dict[str, int]) -> frozenset[str]:
    return catalog.plans[plan].features.union(
        *(catalog.addons[a].features for a, n in addons.items() if n)
    )


@given(accounts())
def test_no_offer_drops_what_the_account_has(drawn: tuple[int, Account, Any, Any]) -> None:
    """Every offer keeps held features and add-ons (or its plan includes them), sells
    add-ons only with plans that sell them, states the difference against today's bill,
    and as an upsell is never cheaper than today's bill nor negative today."""
    which, account, usage, feature = drawn
    catalog = CATALOGS[which]
    result = EVALUATORS[which].evaluate(account, usage, now=NOW, feature=feature)
    assert not result.degraded, result.problems
    held = dict(account.addons)
    need = holding(catalog, Need(), account.plan, held)
    for nudge in result.nudges:
        offer = nudge.offer
        if offer is None or offer.kind == "trial_extension":
            continue
        assert offer.plan is not None
        offered = {line.addon: line.quantity for line in offer.addons}
        has = features_of(catalog, account.plan, {})
        if nudge.kind == "retention":
            has = frozenset().union(*(catalog.addons[a].features for a in held))
        else:
            has = has.union(*(catalog.addons[a].features for a in held))
        assert has <= features_of(catalog, offer.plan, offered), nudge.rule
        for addon_id, quantity in held.items():
            if offered.get(addon_id, 0) < quantity:
                assert offer.plan != account.plan, nudge.rule
                plan = catalog.plans[offer.plan]
                assert includes(plan, catalog.addons[addon_id], need.have), nudge.rule
        for addon_id, quantity in offered.items():
            assert catalog.sells(addon_id, offer.plan) or (
                offer.plan == account.plan and quantity <= held.get(addon_id, 0)
            ), nudge.rule
        assert offer.recurring.minor - offer.current_recurring.minor == offer.difference.minor
        if nudge.kind in UPSELLS:
            assert offer.due_now.minor >= 0, nudge.rule
            if offer.discount_percent is None:
                assert offer.recurring.minor >= offer.current_recurring.minor, nudge.rule


def test_the_issue_cases() -> None:
    """The cases of the issue: Starter with the audit-log add-on at 92.4 GB is offered
    Team keeping the add-on ($3 more); seats filling up offers Team with the add-on; a
    Free account holding three audit-log add-ons renews with them, at what it pays."""
    evaluator = EVALUATORS[0]

    def account(**fields: Any) -> Account:
        base = {
            "id": "acct",
            "plan": "starter",
            "interval": "month",
            "period": PERIODS["month"],
            "signup": "2024-01-01T00:00:00Z",
            "addons": {"audit_log_addon": 1},
        }
        return account_from_json(base | fields)

    def shown(account: Account, usage: dict[str, Any], rule: str) -> Any:
        [nudge] = [n for n in evaluator.evaluate(account, usage, now=NOW).nudges if n.rule == rule]
        offer = nudge.offer
        assert offer is not None
        addons = [(a.addon, a.quantity) for a in offer.addons]
        return offer.plan, addons, offer.difference.formatted, offer.due_now.minor, nudge.body

    plan, addons, difference, due, body = shown(
        account(), {"storage_gb": 92.4}, "storage_almost_full"
    )
    assert ("team", [("audit_log_addon", 1)], "$3.00", 150) == (plan, addons, difference, due)
    assert body.endswith("Get more room for $3.00 more per month.")
    plan, addons, *_ = shown(account(seats=4), {"seats": 4}, "seats_filling_up")
    assert ("team", [("audit_log_addon", 1)]) == (plan, addons)
    free = account(plan="free", addons={"audit_log_addon": 3}, licence_end="2025-06-20T00:00:00Z")
    plan, addons, difference, due, body = shown(free, {"storage_gb": 1}, "licence_expiring")
    assert ("free", [("audit_log_addon", 3)], "$0.00", 0) == (plan, addons, difference, due)
    assert "Renew Free for $15.00 per month to keep everything." in body


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(10), "10"),
        (Fraction(20), "20"),
        (Fraction(9245, 10000), "0.9245"),
        (Fraction(0), "0"),
    ],
)
def test_ratios_are_plain_decimal_text(value: Fraction, text: str) -> None:
    """A utilization or share of ten or more is ``10``, not ``1E+1``."""
    assert text == _ratio(value)
