"""Locale ids as hosts send them: BCP 47 tags with extensions are taken (and their
extensions left aside), and one Babel does not know falls back with a problem saying so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from nudge_sdk import Account, Evaluator, Period, load_catalog
from nudge_sdk.billing._periods import Interval, Unit
from nudge_sdk.payloads._messages import recognised, well_formed

ROOT = Path(__file__).resolve().parent.parent
# No search deadline: these tests are about locales, and a garbage collection inside a
# search of a busy test process counts against the 50 ms default (CI saw it once).
EVALUATOR = Evaluator(load_catalog(ROOT / "examples" / "plans.yaml"), deadline=60.0)
NOW = datetime(2025, 6, 16, tzinfo=UTC)
STARTER = Account(
    id="a1",
    plan="starter",
    interval=Interval(Unit.MONTH),
    period=Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
    signup=datetime(2024, 1, 1, tzinfo=UTC),
    seats=3,
)
FULL = {"storage_gb": 92, "seats": 1}


@pytest.mark.parametrize(
    ("locale", "tag", "known"),
    [
        ("en-US", "en_US", True),
        ("en-US-u-ca-gregory", "en_US", True),  # a Unicode extension: taken, left aside
        ("ar-u-nu-latn", "ar", True),
        ("de-CH-x-phonebk", "de_CH", True),  # private use
        ("en-US.UTF-8", "en_US", True),  # POSIX charset
        ("de-ZZ", "de_ZZ", True),  # an unknown region: still German
        ("xx-YY", "xx_YY", False),  # well formed, but no language Babel knows
        ("en-u", "", False),  # an extension singleton with no subtag
        ("en_US@<script>", "", False),
        ("e" * 36, "", False),  # longer than MAX_LOCALE
    ],
)
def test_locale_ids(locale: str, tag: str, known: bool) -> None:
    """What `well_formed` takes of a locale id, and whether Babel knows its language."""
    assert (tag, known) == (well_formed(locale), recognised(locale))


@pytest.mark.parametrize("locale", ["en-US-u-ca-gregory", "ar-u-nu-latn", "de-ZZ"])
def test_a_tag_with_extensions_is_not_a_problem(locale: str) -> None:
    """A valid BCP 47 tag evaluates cleanly, in its language."""
    result = EVALUATOR.evaluate(attrs.evolve(STARTER, locale=locale), FULL, now=NOW)
    assert ((), False) == (result.problems, result.degraded)
    assert result.nudges[0].locale.split("_")[0] == locale.split("-")[0]


def test_an_unknown_language_falls_back_with_a_problem() -> None:
    """``xx-YY`` is well formed but nobody's language: the default, and a problem."""
    result = EVALUATOR.evaluate(attrs.evolve(STARTER, locale="xx-YY"), FULL, now=NOW)
    assert ("locale: 'xx-YY' is no language Babel knows; using en",) == result.problems
    assert "en" == result.nudges[0].locale
