"""Moves between billing intervals: a longer interval is an upgrade, as billing systems do.

By default (``proration.longer_interval: immediate``) a move between paid items to a
longer interval (monthly to yearly, monthly to quarterly) takes effect at once: the
unused time is credited and the new interval's period charged, as the interval policy
(``reset`` or ``align``) cuts it. A move to a shorter interval is a downgrade and follows
the downgrade policy. ``by_price`` keeps the older rule (Lago's): the price per year decides.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import attrs
import pytest

from nudge_sdk import (
    Catalog,
    DowngradeTiming,
    Item,
    Period,
    Quoter,
    parse_catalog,
    to_json,
)
from nudge_sdk.billing._policy import LongerInterval  # not exported from nudge_sdk yet


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


JUNE = Period(utc(2025, 6, 1), utc(2025, 7, 1))
MID_JUNE = utc(2025, 6, 16)

CATALOG = """
currency: USD
proration: {proration}
plans:
  free: {{}}
  pro: {{prices: {{month: 100.00, quarter: 270.00, year: 1000.00}}}}
  starter: {{prices: {{month: 9.00, year: 90.00}}}}
"""


def catalog(proration: str = "{}") -> Catalog:
    return parse_catalog(CATALOG.format(proration=proration))


def amounts(quote: object) -> list[int]:
    return [line["amount_minor"] for line in to_json(quote)["lines"]]


def test_monthly_to_yearly_is_charged_now() -> None:
    """The issue's case: $100 a month to $1,000 a year on June 16 is an upgrade, not a
    downgrade deferred to July 1: half of June credited, a new year from today charged.

    Stripe: "if the new plan has a different billing frequency from the old plan (for
    example, monthly to yearly) the first full period of the new plan begins
    immediately" (https://support.stripe.com/questions/handling-subscription-changes;
    https://docs.stripe.com/billing/subscriptions/prorations: changing to a price with
    a different billing interval prorates). Polar promotes such a change to an
    immediate invoice: "If the billing interval changes (for example, monthly to
    yearly), prorate is promoted to invoice automatically"
    (https://polar.sh/docs/guides/proration-for-subscription-changes). Neither page
    gives numbers for this move; these follow from the rules they document.
    """
    quote = Quoter(catalog()).quote(
        Item.plan("pro", "month"), Item.plan("pro", "year"), period=JUNE, at=MID_JUNE
    )
    assert (False, MID_JUNE) == (quote.downgrade, quote.effective_at)
    assert [-5000, 100000] == amounts(quote)
    assert 95000 == quote.total.minor
    assert Period(MID_JUNE, utc(2026, 6, 16)) == quote.new_period


def test_by_price_keeps_the_older_rule() -> None:
    """With ``longer_interval: by_price`` the same move costs less per year, so it is a
    downgrade and waits for the period's end (Lago decides by price alone)."""
    quote = Quoter(catalog("{longer_interval: by_price}")).quote(
        Item.plan("pro", "month"), Item.plan("pro", "year"), period=JUNE, at=MID_JUNE
    )
    assert (True, JUNE.end, []) == (quote.downgrade, quote.effective_at, amounts(quote))


KILL_BILL = """
currency: USD
proration: {granularity: day, interval_change: align}
plans:
  pistol: {prices: {month: 29.95, quarter: 69.95}}
  shotgun: {prices: {month: 249.95, year: 2399.95}}
"""
MAY_2012 = Period(utc(2012, 5, 1), utc(2012, 6, 1))


@pytest.mark.parametrize(
    ("plan", "to", "lines", "new_period"),
    [
        # Kill Bill, beatrix TestIntegrationWithDifferentBillingPeriods
        # .testChangeMonthlyToAnnual: Shotgun $249.95 a month, billed on the 1st, moved
        # to $2,399.95 a year on May 12, 2012: RECURRING 2012-05-12..2013-05-01 $2,327.62
        # and REPAIR_ADJ 2012-05-12..2012-06-01 -$161.26. Kill Bill's example "Firearms"
        # catalog's changePolicy has MONTHLY to ANNUAL IMMEDIATE and ANNUAL to MONTHLY
        # END_OF_TERM. https://github.com/killbill/killbill/blob/master/beatrix/src/test/
        # java/org/killbill/billing/beatrix/integration/
        # TestIntegrationWithDifferentBillingPeriods.java
        ("shotgun", "year", [-16126, 232762], Period(utc(2012, 5, 1), utc(2013, 5, 1))),
        # The same file, testChangeMonthlyToQuarterly: Pistol $29.95 a month to $69.95 a
        # quarter on May 12: RECURRING 2012-05-12..2012-08-01 $61.59, REPAIR_ADJ -$19.32.
        ("pistol", "quarter", [-1932, 6159], Period(utc(2012, 5, 1), utc(2012, 8, 1))),
    ],
)
def test_kill_bill_monthly_to_a_longer_interval(
    plan: str, to: str, lines: list[int], new_period: Period
) -> None:
    """Kill Bill's invoices for a move to a longer interval, to the cent: whole days, the
    new interval aligned to the old billing day, charged at once."""
    quote = Quoter(parse_catalog(KILL_BILL)).quote(
        Item.plan(plan, "month"), Item.plan(plan, to), period=MAY_2012, at=utc(2012, 5, 12)
    )
    assert (False, utc(2012, 5, 12)) == (quote.downgrade, quote.effective_at)
    assert lines == amounts(quote)
    assert new_period == quote.new_period
    assert Fraction(20, 31) == quote.lines[0].fraction


def test_a_shorter_interval_follows_the_downgrade_policy() -> None:
    """Yearly to monthly waits for the year's end by default, even though twelve months
    cost more than the year (Kill Bill's ANNUAL to MONTHLY is END_OF_TERM); with
    ``downgrade: immediate`` it is credited and charged now."""
    year = Period(utc(2025, 1, 1), utc(2026, 1, 1))
    later = Quoter(catalog()).quote(
        Item.plan("starter", "year"), Item.plan("starter", "month"), period=year, at=MID_JUNE
    )
    assert (True, year.end, []) == (later.downgrade, later.effective_at, amounts(later))
    assert Period(year.end, utc(2026, 2, 1)) == later.new_period
    now = Quoter(catalog("{downgrade: immediate}")).quote(
        Item.plan("starter", "year"), Item.plan("starter", "month"), period=year, at=MID_JUNE
    )
    assert (True, MID_JUNE) == (now.downgrade, now.effective_at)
    assert [-4907, 900] == amounts(now)  # 90 x 199/365; a fresh month from June 16


@pytest.mark.parametrize(
    ("old", "new", "downgrade"),
    [
        # Nothing paid before: a move from a free plan is decided by price, an upgrade.
        (("free", "year"), ("starter", "month"), False),
        # Nothing paid after: a move to a free plan lowers the bill whatever the interval.
        (("starter", "month"), ("free", "year"), True),
        # A longer interval between paid plans, cheaper per year: still an upgrade.
        (("pro", "month"), ("starter", "year"), False),
        (("pro", "month"), ("pro", "quarter"), False),
        # A shorter interval between paid plans, dearer per year: still a downgrade.
        (("starter", "year"), ("pro", "month"), True),
    ],
)
def test_which_interval_moves_are_downgrades(
    old: tuple[str, str], new: tuple[str, str], downgrade: bool
) -> None:
    """The interval decides between paid items; a free side leaves it to the price."""
    year = Period(utc(2025, 1, 1), utc(2026, 1, 1))
    period = year if old[1] == "year" else JUNE
    quote = Quoter(catalog()).quote(
        Item.plan(old[0], old[1]), Item.plan(new[0], new[1]), period=period, at=MID_JUNE
    )
    assert downgrade == quote.downgrade


def test_due_matches_the_quote_for_interval_moves() -> None:
    """What a nudge shows as due today is the quote's total for an interval move too."""
    for policy in ("{}", "{longer_interval: by_price}", "{interval_change: align}"):
        quoter = Quoter(catalog(policy))
        for old, new in [
            (("pro", "month"), ("pro", "year")),
            (("pro", "month"), ("pro", "quarter")),
        ]:
            args = (Item.plan(*old), Item.plan(*new))
            quote = quoter.quote(*args, period=JUNE, at=MID_JUNE)
            assert quote.total.minor == quoter.due(*args, period=JUNE, at=MID_JUNE)


def test_the_policy_can_be_set_per_call() -> None:
    """A quoter built with an evolved policy overrides the catalog's."""
    cat = catalog()
    policy = attrs.evolve(
        cat.proration, longer_interval=LongerInterval.BY_PRICE, downgrade=DowngradeTiming.IMMEDIATE
    )
    quote = Quoter(cat, policy).quote(
        Item.plan("pro", "month"), Item.plan("pro", "year"), period=JUNE, at=MID_JUNE
    )
    assert (True, MID_JUNE, [-5000, 100000]) == (
        quote.downgrade,
        quote.effective_at,
        amounts(quote),
    )
