"""Day granularity counts whole local days; a period inside one local date (shorter than
a day) is one whole day, remaining until it ends, never zero over zero (issue 8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from click.testing import CliRunner

from nudge_sdk import (
    Account,
    Evaluator,
    Granularity,
    Interval,
    Item,
    Period,
    Quoter,
    Unit,
    load_catalog,
    parse_catalog,
    prorate,
)
from nudge_sdk.cli import main

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "examples" / "plans.yaml"
CATALOG = load_catalog(PLANS)
DAY_CATALOG = parse_catalog(PLANS.read_text().replace("granularity: second", "granularity: day", 1))
HALF_DAY = Period(datetime(2025, 6, 16, tzinfo=UTC), datetime(2025, 6, 16, 12, tzinfo=UTC))
SIX = datetime(2025, 6, 16, 6, tzinfo=UTC)


def utc(hour: int, day: int = 16) -> datetime:
    return datetime(2025, 6, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "at", "end", "zone", "share"),
    [
        (utc(0), utc(6), utc(12), UTC, Fraction(1)),
        (utc(0), utc(0), utc(12), UTC, Fraction(1)),
        (utc(0), utc(12), utc(12), UTC, Fraction(0)),
        (utc(1), utc(2), utc(3), timezone(timedelta(hours=-5)), Fraction(1)),
        # Two local dates in Berlin (22:00 and 01:00 the next day): one day, as before.
        (utc(20), utc(21), utc(23), ZoneInfo("Europe/Berlin"), Fraction(1)),
        (utc(0), utc(0, day=17), utc(0, day=18), UTC, Fraction(1, 2)),
    ],
)
def test_prorate_in_days(
    start: datetime, at: datetime, end: datetime, zone: tzinfo, share: Fraction
) -> None:
    """Whole local days remaining over days in the period; a sub-day period is one day."""
    assert share == prorate(Period(start, end), at, end, Granularity.DAY, zone)


def test_quote_of_a_sub_day_period_prices_the_whole_day() -> None:
    """A quote inside a half-day period with day granularity credits and charges it all."""
    quoter = Quoter(DAY_CATALOG)
    quote = quoter.quote(
        Item.plan("starter", "month"), Item.plan("team", "month"), period=HALF_DAY, at=SIX
    )
    assert [-900, 1200] == [line.amount.minor for line in quote.lines]
    assert 300 == quote.total.minor
    assert 300 == quoter.due(
        Item.plan("starter", "month"), Item.plan("team", "month"), period=HALF_DAY, at=SIX
    )


def test_requests_in_a_sub_day_period_do_not_degrade() -> None:
    """evaluate and compare answer for an account whose period is half a day long."""
    evaluator = Evaluator(DAY_CATALOG)
    account = Account(
        id="a1",
        plan="starter",
        interval=Interval(Unit.MONTH),
        period=HALF_DAY,
        signup=datetime(2024, 1, 1, tzinfo=UTC),
    )
    result = evaluator.evaluate(account, {"storage_gb": 92}, now=SIX, compare=True)
    assert (False, ()) == (result.degraded, tuple(result.problems))
    assert ["storage_almost_full"] == [nudge.rule for nudge in result.nudges]
    comparison = evaluator.compare(account, {"storage_gb": 92}, now=SIX)
    assert (False, ()) == (comparison.degraded, tuple(comparison.problems))


def test_cli_quote_of_a_sub_day_period() -> None:
    """`nudge quote --granularity day` over half a day exits 0 with the whole day priced."""
    args = ["quote", str(PLANS), "--from", "starter", "--to", "team", "--interval", "month"]
    args += ["--period-start", "2025-06-01T00:00:00Z", "--period-end", "2025-06-01T12:00:00Z"]
    args += ["--at", "2025-06-01T06:00:00Z", "--granularity", "day", "--json"]
    result = CliRunner().invoke(main, args)
    assert 0 == result.exit_code, result.output
    payload = json.loads(result.stdout)
    assert (300, "3.00") == (payload["total_minor"], payload["total"])
    assert ["1", "1"] == [line["fraction"] for line in payload["lines"]]


def test_second_granularity_is_unchanged() -> None:
    """The example catalog (seconds) prices the same half day by its seconds."""
    quote = Quoter(CATALOG).quote(
        Item.plan("starter", "month"),
        Item.plan("team", "month"),
        period=attrs.evolve(HALF_DAY),
        at=SIX,
    )
    assert [Fraction(1, 2), Fraction(1, 2)] == [line.fraction for line in quote.lines]
