"""Checkout ids: plans and add-ons carry their billing system's price ids, and every offer,
call to action and comparison column carries the ids of exactly what it offers."""

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
CATALOG = """\
currency: USD
metrics: {gb: {kind: gauge}}
plans:
  starter:
    prices: {month: 29, year: 290}
    limits: {gb: 100}
    billing_ids: {month: price_starter_m, year: price_starter_y}
  team:
    prices: {month: 79}
    limits: {gb: 1000}
    billing_ids: {month: price_team_m}
addons:
  pack: {prices: {month: 8}, grants: {gb: 100}, billing_ids: {month: price_pack_m}}
nudges:
  full:
    when: {usage: {metric: gb, levels: [90]}}
    offer: OFFER
    messages: {en: {title: Full, body: b}}
"""


@pytest.mark.parametrize(
    ("offer", "plan_id", "addon_ids"),
    [
        ("recommend", "price_starter_m", [("pack", "price_pack_m")]),  # a pack on Starter
        ("{plan: team}", "price_team_m", []),  # Team, which includes the room
    ],
)
def test_offers_and_buttons_carry_the_ids_of_what_they_offer(
    offer: str, plan_id: str, addon_ids: list[tuple[str, str]]
) -> None:
    evaluator = Evaluator(parse_catalog(CATALOG.replace("OFFER", offer)))
    [nudge] = evaluator.evaluate(STARTER, {"gb": 95}, now=NOW).nudges
    assert nudge.offer is not None
    assert plan_id == nudge.offer.billing_id == nudge.cta.billing_id
    lines = [(line.addon, line.billing_id) for line in nudge.offer.addons]
    assert addon_ids == lines == [(line.addon, line.billing_id) for line in nudge.cta.addons]


def test_comparison_columns_carry_their_plan_ids() -> None:
    evaluator = Evaluator(parse_catalog(CATALOG.replace("OFFER", "recommend")))
    result = evaluator.evaluate(STARTER, {"gb": 95}, now=NOW, compare=True)
    assert result.comparison is not None
    ids = {column.plan: column.billing_id for column in result.comparison.columns}
    assert {"starter": "price_starter_m", "team": "price_team_m"} == ids


def test_an_item_without_ids_says_none() -> None:
    text = CATALOG.replace("OFFER", "recommend").replace(", billing_ids: {month: price_pack_m}", "")
    [nudge] = Evaluator(parse_catalog(text)).evaluate(STARTER, {"gb": 95}, now=NOW).nudges
    assert nudge.offer is not None
    assert [None] == [line.billing_id for line in nudge.offer.addons]


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (
            "{week: price_w}",
            "plans.yaml:4:19: plans.a.billing_ids.week: no price for week; it is priced by: month",
        ),
        (
            "{fortnight: x}",
            "plans.yaml:4:19: plans.a.billing_ids.fortnight: 'fortnight' is not a billing "
            "interval: the unit must be one of: day, week, month, quarter, year",
        ),
        (
            "{month: ''}",
            "plans.yaml:4:19: plans.a.billing_ids.month: a billing id must be printable text "
            "of 1 to 200 characters, got ''",
        ),
        (
            '{month: "a\\tb"}',
            "plans.yaml:4:19: plans.a.billing_ids.month: a billing id must be printable text "
            "of 1 to 200 characters, got 'a\\tb'",
        ),
        (
            "{month: " + "x" * 201 + "}",
            "plans.yaml:4:19: plans.a.billing_ids.month: a billing id must be printable text "
            "of 1 to 200 characters, got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... "
            "(201 characters)",
        ),
    ],
)
def test_bad_billing_ids_are_located_errors(ids: str, message: str) -> None:
    text = f"currency: USD\nplans:\n  a:\n    billing_ids: {ids}\n    prices: {{month: 9}}\n"
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text, "plans.yaml")
    assert [message] == str(caught.value).splitlines()
