"""Worked examples from public billing systems' documentation, and each policy's behaviour."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pytest

from nudge_sdk import (
    Catalog,
    Discount,
    DowngradeTiming,
    Granularity,
    IntervalChange,
    InvalidInput,
    Item,
    NaiveDatetime,
    Period,
    Quoter,
    Rounding,
    UnknownItem,
    parse_catalog,
    to_json,
)
from nudge_sdk.billing._policy import LongerInterval  # not exported from nudge_sdk yet

CATALOG = """
currency: {currency}
metrics: {{seats: {{kind: gauge}}}}
plans:
  free: {{}}
  a: {{prices: {{month: {a}}}}}
  b: {{prices: {{month: {b}, year: {b_year}}}}}
  seat: {{prices: {{month: {{per_seat: 12.00}}, year: {{per_seat: 120.00}}}}}}
addons:
  pack: {{prices: {{month: 8.00}}}}
"""


def catalog(a: str = "10", b: str = "20", b_year: str = "200", currency: str = "USD") -> Catalog:
    return parse_catalog(CATALOG.format(a=a, b=b, b_year=b_year, currency=currency))


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


JUNE = Period(utc(2025, 6, 1), utc(2025, 7, 1))
MID_JUNE = utc(2025, 6, 16)  # 15 of June's 30 days remain: exactly half


def amounts(quote: object) -> list[int]:
    return [line["amount_minor"] for line in to_json(quote)["lines"]]


@pytest.mark.parametrize(
    ("source", "old", "new", "period", "at", "lines", "total"),
    [
        # Stripe, "Prorations": 10 USD -> 20 USD halfway through: -5 USD and +10 USD.
        ("stripe", "10", "20", JUNE, MID_JUNE, [-500, 1000], 500),
        # Autumn, "Proration": $20/month -> $50/month halfway: charged $15.
        ("autumn", "20", "50", JUNE, MID_JUNE, [-1000, 2500], 1500),
        # Samsung IAP, example 1: $30 standard, Sep 1 - Oct 1, 15 days used; the
        # premium plan ($60) for the 15 days left: extra payment of $15.
        (
            "samsung",
            "30",
            "60",
            Period(utc(2025, 9, 1), utc(2025, 10, 1)),
            utc(2025, 9, 16),
            [-1500, 3000],
            1500,
        ),
        # mlytics: $10 -> $99 with 15 of 30 days left. Their page rounds the per-day rate
        # first ($0.33 x 15 = $4.95); rounding once per line gives the exact -$5.00/+$49.50.
        (
            "mlytics",
            "10",
            "99",
            Period(utc(2025, 9, 1), utc(2025, 10, 1)),
            utc(2025, 9, 16),
            [-500, 4950],
            4450,
        ),
    ],
)
def test_worked_examples(
    source: str,
    old: str,
    new: str,
    period: Period,
    at: datetime,
    lines: list[int],
    total: int,
) -> None:
    """Published proration examples come out to the cent."""
    quote = Quoter(catalog(a=old, b=new)).quote(
        Item.plan("a", "month"), Item.plan("b", "month"), period=period, at=at
    )
    assert lines == amounts(quote)
    assert total == quote.total.minor


def test_chargebee_day_based_example() -> None:
    """Chargebee's day-based proration: $649 over a 28-day February, one day left: $23.18."""
    day = attrs.evolve(catalog().proration, granularity=Granularity.DAY)
    quoter = Quoter(catalog(b="649"), day)
    february = Period(utc(2025, 2, 1), utc(2025, 3, 1))
    quote = quoter.quote(None, Item.plan("b", "month"), period=february, at=utc(2025, 2, 28, 9))
    assert [2318] == amounts(quote)
    assert Fraction(1, 28) == quote.lines[0].fraction


@pytest.mark.parametrize(
    ("interval", "price", "downgrade"),
    [
        # Lago, "Upgrades & downgrades", from a $20 monthly plan:
        ("month", "40", False),  # $40 per month: upgrade
        ("month", "15", True),  # $15 per month: downgrade
        ("year", "300", False),  # $300 per year = $25 per month: upgrade
        ("year", "180", True),  # $180 per year = $15 per month: downgrade
        ("year", "240", False),  # $240 per year = $20 per month: equal counts as upgrade
    ],
)
def test_upgrade_or_downgrade_is_decided_per_year(
    interval: str, price: str, downgrade: bool
) -> None:
    """With ``longer_interval: by_price`` (Lago's rule), a change is a downgrade when the
    yearly-normalized amount goes down; equal is not. (By default a move to a longer
    interval is an upgrade whatever its price: tests/test_interval_moves.py.)"""
    cat = catalog(a="20", b=price, b_year=price)
    quoter = Quoter(cat, attrs.evolve(cat.proration, longer_interval=LongerInterval.BY_PRICE))
    quote = quoter.quote(
        Item.plan("a", "month"), Item.plan("b", interval), period=JUNE, at=MID_JUNE
    )
    assert downgrade == quote.downgrade
    assert downgrade == (quote.effective_at == JUNE.end)


THREE_DAYS = Period(utc(2025, 6, 1), utc(2025, 6, 4))


@pytest.mark.parametrize(
    ("currency", "a", "b", "rounding", "period", "at", "lines"),
    [
        # 1000 JPY -> 3000 JPY with a third of the period left: no minor unit to split.
        ("JPY", "1000", "3000", Rounding.HALF_EVEN, THREE_DAYS, utc(2025, 6, 3), [-333, 1000]),
        # 2.500 KWD -> 7.125 KWD halfway: 3562.5 fils rounds per mode.
        ("KWD", "2.500", "7.125", Rounding.HALF_EVEN, JUNE, MID_JUNE, [-1250, 3562]),
        ("KWD", "2.500", "7.125", Rounding.HALF_UP, JUNE, MID_JUNE, [-1250, 3563]),
        ("KWD", "2.500", "7.125", Rounding.DOWN, JUNE, MID_JUNE, [-1250, 3562]),
        # Half a cent each way: half_up gives a cent, down gives none (the line stays, at 0).
        ("USD", "0.01", "0.03", Rounding.HALF_UP, JUNE, MID_JUNE, [-1, 2]),
        ("USD", "0.01", "0.03", Rounding.DOWN, JUNE, MID_JUNE, [0, 1]),
    ],
)
def test_currencies_and_rounding_modes(
    currency: str,
    a: str,
    b: str,
    rounding: Rounding,
    period: Period,
    at: datetime,
    lines: list[int],
) -> None:
    """Zero- and three-decimal currencies round to their own minor unit, per mode."""
    cat = catalog(a=a, b=b, b_year=b, currency=currency)
    quoter = Quoter(cat, attrs.evolve(cat.proration, rounding=rounding))
    quote = quoter.quote(Item.plan("a", "month"), Item.plan("b", "month"), period=period, at=at)
    assert lines == amounts(quote)
    assert sum(lines) == quote.total.minor


def test_interval_change_reset_charges_a_fresh_full_period() -> None:
    """Monthly to yearly, reset: the new year starts now and is charged in full."""
    quote = Quoter(catalog()).quote(
        Item.plan("a", "month"), Item.plan("b", "year"), period=JUNE, at=MID_JUNE
    )
    assert [-500, 20000] == amounts(quote)
    assert Period(MID_JUNE, utc(2026, 6, 16)) == quote.new_period


def test_interval_change_align_keeps_the_anchor() -> None:
    """Monthly to yearly, align: the year from the old anchor, 350 of 365 days left."""
    cat = catalog()
    quoter = Quoter(cat, attrs.evolve(cat.proration, interval_change=IntervalChange.ALIGN))
    quote = quoter.quote(Item.plan("a", "month"), Item.plan("b", "year"), period=JUNE, at=MID_JUNE)
    assert Period(utc(2025, 6, 1), utc(2026, 6, 1)) == quote.new_period
    assert Fraction(70, 73) == quote.lines[1].fraction
    assert [-500, 19178] == amounts(quote)  # 200 x 350/365 = 191.78


def test_align_back_to_monthly_uses_the_month_of_the_change() -> None:
    """Yearly to monthly, align, downgrade now: credit the year's rest, charge the month's."""
    cat = catalog(a="10", b="20", b_year="200")
    policy = attrs.evolve(
        cat.proration,
        interval_change=IntervalChange.ALIGN,
        downgrade=DowngradeTiming.IMMEDIATE,
    )
    year = Period(utc(2025, 1, 1), utc(2026, 1, 1))
    quote = Quoter(cat, policy).quote(
        Item.plan("b", "year"), Item.plan("a", "month"), period=year, at=MID_JUNE
    )
    assert Period(JUNE.start, JUNE.end) == quote.new_period
    assert [Fraction(199, 365), Fraction(1, 2)] == [line.fraction for line in quote.lines]
    assert [-10904, 500] == amounts(quote)


def test_month_end_anchor_is_honoured_when_aligning() -> None:
    """With a Jan 31 anchor, the quarter containing Mar 15 ends Apr 30, not Apr 28."""
    cat = parse_catalog(
        "currency: USD\nplans:\n  a: {prices: {month: 10}}\n  b: {prices: {quarter: 60}}\n"
    )
    quoter = Quoter(cat, attrs.evolve(cat.proration, interval_change=IntervalChange.ALIGN))
    february = Period(utc(2025, 2, 28), utc(2025, 3, 31))
    quote = quoter.quote(
        Item.plan("a", "month"),
        Item.plan("b", "quarter"),
        period=february,
        at=utc(2025, 3, 15),
        anchor=utc(2025, 1, 31),
    )
    assert Period(utc(2025, 1, 31), utc(2025, 4, 30)) == quote.new_period


def test_downgrade_at_period_end_charges_nothing_now() -> None:
    """By default a downgrade takes effect when the period ends, with no lines."""
    quote = Quoter(catalog()).quote(
        Item.plan("b", "month"), Item.plan("a", "month"), period=JUNE, at=MID_JUNE
    )
    assert () == quote.lines
    assert quote.downgrade
    assert JUNE.end == quote.effective_at
    assert Period(utc(2025, 7, 1), utc(2025, 8, 1)) == quote.new_period


def test_immediate_downgrade_credits_now() -> None:
    """With downgrade: immediate, the unused higher price is credited at once."""
    cat = catalog()
    quoter = Quoter(cat, attrs.evolve(cat.proration, downgrade=DowngradeTiming.IMMEDIATE))
    quote = quoter.quote(Item.plan("b", "month"), Item.plan("a", "month"), period=JUNE, at=MID_JUNE)
    assert [-1000, 500] == amounts(quote)
    assert MID_JUNE == quote.effective_at


def test_seat_change_prices_both_quantities() -> None:
    """3 to 5 seats at $12 per seat halfway: -$18 for the old seats, +$30 for the new."""
    quote = Quoter(catalog()).quote(
        Item.plan("seat", "month", seats=3),
        Item.plan("seat", "month", seats=5),
        period=JUNE,
        at=MID_JUNE,
    )
    assert [-1800, 3000] == amounts(quote)


def test_addon_added_and_removed() -> None:
    """An add-on added mid-period is charged for the rest; removed, it waits for period end
    (it lowers the bill) unless downgrades are immediate, then it is credited."""
    cat = catalog()
    two_packs = Item.addon("pack", "month", quantity=2)
    added = Quoter(cat).quote(None, two_packs, period=JUNE, at=MID_JUNE)
    assert [800] == amounts(added)
    removed = Quoter(cat).quote(Item.addon("pack", "month"), None, period=JUNE, at=MID_JUNE)
    assert ([], JUNE.end, None) == (amounts(removed), removed.effective_at, removed.new_period)
    now = Quoter(cat, attrs.evolve(cat.proration, downgrade=DowngradeTiming.IMMEDIATE))
    assert [-400] == amounts(now.quote(Item.addon("pack", "month"), None, period=JUNE, at=MID_JUNE))


def test_trials_are_never_charged_or_credited() -> None:
    """Inside a trial a change costs nothing and takes effect at once."""
    quote = Quoter(catalog()).quote(
        Item.plan("a", "month"),
        Item.plan("b", "month"),
        period=JUNE,
        at=MID_JUNE,
        trial_end=utc(2025, 6, 20),
    )
    assert ((), MID_JUNE, JUNE) == (quote.lines, quote.effective_at, quote.new_period)
    after = Quoter(catalog()).quote(
        Item.plan("a", "month"),
        Item.plan("b", "month"),
        period=JUNE,
        at=MID_JUNE,
        trial_end=utc(2025, 6, 10),
    )
    assert [-500, 1000] == amounts(after)


def test_credit_is_capped_at_what_was_billed() -> None:
    """A $10 plan billed $3 (a coupon) is credited at most $3, not $5."""
    quote = Quoter(catalog()).quote(
        Item.plan("a", "month"), Item.plan("b", "month"), period=JUNE, at=MID_JUNE, billed_minor=300
    )
    assert [-300, 1000] == amounts(quote)


def test_discount_applies_inside_the_lines() -> None:
    """25% off the new plan, then $1 off, priced inside the charge line."""
    discount = Discount(percent_off=Fraction(25), amount_off_minor=100)
    quote = Quoter(catalog()).quote(
        Item.plan("a", "month"),
        Item.plan("b", "month", discount=discount),
        period=JUNE,
        at=MID_JUNE,
    )
    assert [-500, 700] == amounts(quote)  # (20 x 75% - 1) x 1/2


def test_a_discount_can_turn_a_change_into_a_downgrade() -> None:
    """The comparison uses discounted amounts: $20 at 50% off, less $1, is below $10."""
    discount = Discount(percent_off=Fraction(50), amount_off_minor=100)
    quote = Quoter(catalog()).quote(
        Item.plan("a", "month"),
        Item.plan("b", "month", discount=discount),
        period=JUNE,
        at=MID_JUNE,
    )
    assert (True, [], JUNE.end) == (quote.downgrade, amounts(quote), quote.effective_at)


def test_day_granularity_counts_the_day_of_the_change() -> None:
    """Whole local days: a change at 15:00 on June 16 still counts June 16 as remaining."""
    cat = catalog()
    quoter = Quoter(cat, attrs.evolve(cat.proration, granularity=Granularity.DAY))
    quote = quoter.quote(
        Item.plan("a", "month"), Item.plan("b", "month"), period=JUNE, at=utc(2025, 6, 16, 15)
    )
    assert [Fraction(1, 2)] * 2 == [line.fraction for line in quote.lines]


def test_day_granularity_uses_the_account_time_zone_across_dst() -> None:
    """In New York, March has 31 local days though it is an hour short; 16 remain on the 16th."""
    zone = ZoneInfo("America/New_York")
    march = Period(datetime(2025, 3, 1, tzinfo=zone), datetime(2025, 4, 1, tzinfo=zone))
    cat = catalog()
    quoter = Quoter(cat, attrs.evolve(cat.proration, granularity=Granularity.DAY))
    at = datetime(2025, 3, 16, 23, 30, tzinfo=zone)  # already the 17th in UTC
    quote = quoter.quote(None, Item.plan("b", "month"), period=march, at=at, zone=zone)
    assert Fraction(16, 31) == quote.lines[0].fraction


def test_second_granularity_counts_absolute_time_across_dst() -> None:
    """By the second, a New York March is 743 hours long, not 744."""
    zone = ZoneInfo("America/New_York")
    march = Period(datetime(2025, 3, 1, tzinfo=zone), datetime(2025, 4, 1, tzinfo=zone))
    quote = Quoter(catalog()).quote(
        None, Item.plan("b", "month"), period=march, at=datetime(2025, 3, 31, tzinfo=zone)
    )
    assert Fraction(24, 743) == quote.lines[0].fraction


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda q: q.quote(
                Item.plan("a", "month"), Item.plan("b", "month"), period=JUNE, at=utc(2025, 7, 2)
            ),
            InvalidInput,
            "at 2025-07-02T00:00:00+00:00 is outside the period",
        ),
        (
            lambda q: q.quote(
                Item.plan("a", "month"),
                Item.plan("b", "month"),
                period=JUNE,
                at=datetime(2025, 6, 2),
            ),
            NaiveDatetime,
            "at: 2025-06-02T00:00:00 has no time zone",
        ),
        (
            lambda q: q.quote(
                Item.plan("a", "month"), Item.plan("gold", "month"), period=JUNE, at=MID_JUNE
            ),
            UnknownItem,
            "unknown plan 'gold'; the catalog has: free, a, b, seat",
        ),
        (
            lambda q: q.quote(
                Item.plan("a", "month"), Item.plan("a", "year"), period=JUNE, at=MID_JUNE
            ),
            InvalidInput,
            "plan 'a' has no year price; it is sold by: month",
        ),
        (
            lambda q: q.quote(None, None, period=JUNE, at=MID_JUNE),
            InvalidInput,
            "a quote needs an old item, a new item, or both",
        ),
        (
            lambda q: q.quote(None, Item.addon("nope", "month"), period=JUNE, at=MID_JUNE),
            UnknownItem,
            "unknown add-on 'nope'; the catalog has: pack",
        ),
        (
            lambda q: q.quote(
                Item.plan("a", "month"), None, period=JUNE, at=MID_JUNE, billed_minor=-1
            ),
            InvalidInput,
            "billed_minor must be a whole number >= 0, got -1",
        ),
    ],
)
def test_bad_quote_input_is_named(call: object, error: type[Exception], message: str) -> None:
    """Each kind of bad argument raises its own error, saying what was wrong."""
    with pytest.raises(error) as caught:
        call(Quoter(catalog()))  # type: ignore[operator]
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Discount(percent_off=Fraction(101)), "percent_off must be from 0 to 100"),
        (lambda: Discount(amount_off_minor=-5), "amount_off_minor must be a whole number >= 0"),
        (lambda: Item.plan("a", "month", seats=-1), "quantity must be a whole number >= 0"),
        (lambda: Item.plan("a", "fortnight"), "'fortnight' is not a billing interval"),
    ],
)
def test_bad_items_and_discounts_are_refused(make: object, message: str) -> None:
    """Negative quantities, impossible percentages and bad intervals are refused at once."""
    with pytest.raises(InvalidInput) as caught:
        make()  # type: ignore[operator]
    assert message in str(caught.value)
