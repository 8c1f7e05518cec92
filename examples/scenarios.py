"""Every kind of nudge the SDK makes, as a runnable scenario against examples/plans.yaml.

    python examples/scenarios.py              # all of them
    python examples/scenarios.py sso_locked   # one, with its JSON payload

Each scenario is an account, its usage, an instant, and what the host passes along
(a feature the customer reached for, an event). tests/test_scenarios.py runs the same
scenarios and checks what each must show.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nudge_sdk import Comparison, Evaluation, Evaluator, account_from_json, load_catalog, to_json

CATALOG = Path(__file__).with_name("plans.yaml")
JUNE = {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"}
JULY = {"start": "2025-07-01T00:00:00Z", "end": "2025-08-01T00:00:00Z"}


@dataclass(frozen=True)
class Scenario:
    """One idea, one account."""

    name: str
    idea: str
    account: Mapping[str, Any]
    usage: Mapping[str, Any]
    now: str = "2025-06-16T00:00:00Z"
    feature: str | None = None
    events: tuple[str, ...] = ()
    compare: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


def account(**fields: Any) -> dict[str, Any]:
    """An account with sensible defaults: a Starter customer since last November."""
    return {
        "id": "acct_demo",
        "plan": "starter",
        "interval": "month",
        "period": JUNE,
        "signup": "2024-11-03T09:30:00Z",
        "locale": "en",
        **fields,
    }


SCENARIOS = [
    Scenario(
        "storage_upgrade",
        "Upsell at the moment of need: storage almost full, and a second seat needed",
        account(id="acct_free", plan="free"),
        {"storage_gb": 1.9, "seats": 2, "ai_credits": 10},
    ),
    Scenario(
        "credits_break_even",
        "Usage-based break-even: overage on credits costs more than the Team plan",
        account(id="acct_credits", seats=3),
        {"storage_gb": 20, "seats": 3, "ai_credits": 2600},
    ),
    Scenario(
        "small_addon_large_bill",
        "Cross-sell: an $8 storage pack next to a $120 Team bill",
        account(id="acct_team", plan="team", seats=10),
        {"storage_gb": 950, "seats": 10, "ai_credits": 5000},
    ),
    Scenario(
        "team_seats_filling",
        "Right-size: a per-seat Team plan with one seat left",
        account(id="acct_seats", plan="team", seats=49),
        {"storage_gb": 300, "seats": 49},
    ),
    Scenario(
        "sso_locked",
        "Feature-locked upsell: the customer reached for SSO",
        account(id="acct_sso", seats=4),
        {"storage_gb": 30, "seats": 4},
        feature="sso",
    ),
    Scenario(
        "licence_expiring",
        "Renewal: the licence ends in five days",
        account(id="acct_licence", licence_end="2025-06-21T00:00:00Z"),
        {"storage_gb": 30, "seats": 2},
    ),
    Scenario(
        "trial_extension",
        "Trial extension: an engaged trial ends in two days",
        account(
            id="acct_trial",
            plan="team",
            seats=3,
            signup="2025-06-02T00:00:00Z",
            trial_end="2025-06-18T00:00:00Z",
        ),
        {"storage_gb": 5, "seats": 3},
    ),
    Scenario(
        "cancel_downsell",
        "Down-sell: a Business customer about to cancel, using little",
        account(
            id="acct_cancel",
            plan="business",
            seats=5,
            signup="2025-03-01T00:00:00Z",
            signals=["cancel_intent"],
        ),
        {"storage_gb": 40, "seats": 3, "ai_credits": 100},
    ),
    Scenario(
        "loyal_discount",
        "Loyal customers get a better offer: the same down-sell after three years",
        account(
            id="acct_loyal",
            plan="business",
            seats=5,
            signup="2022-03-01T00:00:00Z",
            signals=["cancel_intent"],
        ),
        {"storage_gb": 40, "seats": 3, "ai_credits": 100},
    ),
    Scenario(
        "summer_offer",
        "Limited-time offer: 25% off Team until September",
        account(id="acct_summer", country="US", period=JULY),
        {"storage_gb": 60, "seats": 2},
        now="2025-07-10T00:00:00Z",
    ),
    Scenario(
        "open_ticket",
        "Restraint: a customer with an open support ticket sees nothing",
        account(id="acct_ticket", signals=["open_ticket"]),
        {"storage_gb": 99, "seats": 5, "ai_credits": 2600},
    ),
    Scenario(
        "milestone",
        "Milestones: right after sharing a first folder",
        account(id="acct_milestone"),
        {"storage_gb": 10, "seats": 1},
        events=("first_shared_folder",),
    ),
    Scenario(
        "credits_run_out",
        "Projection: at this pace a Free account runs out of credits before the period ends",
        account(id="acct_pace", plan="free"),
        {"storage_gb": 1, "seats": 1, "ai_credits": 30},
    ),
    Scenario(
        "storage_trend",
        "Projection from the host's trend: storage at 72.5 GB growing 2.5 GB a day fills "
        "Starter's 100 GB on June 27, so a pack is offered before the 80% mark",
        account(id="acct_trend", seats=3),
        {"storage_gb": {"value": 72.5, "per_day": 2.5}, "seats": 3},
    ),
    Scenario(
        "compare_arabic",
        "Plan comparison in Arabic, right to left",
        account(id="acct_ar", locale="ar", seats=3),
        {"storage_gb": 92, "seats": 3, "ai_credits": 400},
        compare=True,
    ),
    Scenario(
        "storage_persian",
        "Localized: the storage nudge in Persian",
        account(id="acct_fa", locale="fa-IR", seats=3),
        {"storage_gb": 92, "seats": 3},
    ),
    Scenario(
        "storage_kyrgyz",
        "Localized: the storage nudge in Kyrgyz",
        account(id="acct_ky", locale="ky", seats=3),
        {"storage_gb": 92, "seats": 3},
    ),
]


def run(evaluator: Evaluator, scenario: Scenario) -> Evaluation | Comparison:
    """Evaluate (or compare) one scenario."""
    from datetime import datetime

    customer = account_from_json(dict(scenario.account))
    now = datetime.fromisoformat(scenario.now)
    if scenario.compare:
        return evaluator.compare(customer, scenario.usage, now=now)
    return evaluator.evaluate(
        customer,
        scenario.usage,
        now=now,
        feature=scenario.feature,
        events=scenario.events,
        explain=True,
    )


def main(names: list[str]) -> None:
    evaluator = Evaluator(load_catalog(CATALOG))
    for scenario in SCENARIOS:
        if names and scenario.name not in names:
            continue
        result = run(evaluator, scenario)
        print(f"== {scenario.name}: {scenario.idea}")
        if isinstance(result, Comparison):
            for column in result.columns:
                print(f"   {column.name}: {column.price.formatted} {column.badge or ''}")
        else:
            for nudge in result.nudges:
                print(f"   [{nudge.kind}] {nudge.title} | {nudge.body} | {nudge.cta.label}")
            if not result.nudges:
                print(
                    "   (nothing shown)", *[d.reason for d in result.decisions if not d.shown][:3]
                )
        if names:
            print(json.dumps(to_json(result), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    main(sys.argv[1:])
