"""Fuzzing `nudge quote` where the CLI's own fuzz (tests/test_cli_hardening.py) is
blind: a catalog with ``granularity: day`` and periods shorter than a day, seats and
quantities far past 28 digits of money, and the JSON's ``amount`` checked against its
own ``amount_minor`` (not only the exit code). The command answers 0 or 2, never 3,
and every amount it prints is its minor units, exactly.

Fast by default; ``NUDGE_FUZZ_LONG=1`` runs many more examples.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nudge_sdk import Currency
from nudge_sdk.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "plans.yaml"
LONG = os.environ.get("NUDGE_FUZZ_LONG") == "1"
FUZZ = settings(
    max_examples=1000 if LONG else 30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
USD = Currency.of("USD")
WIDE = Context(prec=200)
START = datetime(2025, 6, 1, tzinfo=UTC)


_FOLDER = tempfile.TemporaryDirectory(prefix="nudge-fuzz-cli-")


def _catalog(granularity: str) -> str:
    """The example catalog with `granularity`, written where the CLI can read it."""
    path = Path(_FOLDER.name) / f"{granularity}.yaml"
    text = EXAMPLE.read_text().replace("granularity: second", f"granularity: {granularity}", 1)
    path.write_text(text)
    return str(path)


CATALOGS = {name: _catalog(name) for name in ("second", "day")}
lengths = st.sampled_from(
    [timedelta(seconds=1), timedelta(hours=1), timedelta(hours=12), timedelta(hours=23),
     timedelta(days=1, hours=1), timedelta(days=30), None]
)  # fmt: skip
counts = st.one_of(
    st.integers(0, 100), st.integers(0, 10**9), st.integers(10**9, 10**32), st.just(10**30 + 1)
)
zones = st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Kiritimati", "America/St_Johns"])


def _text(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _exact(amount: str, minor: int) -> None:
    """`amount` is `minor` minor units of USD, to the last digit."""
    assert Decimal(amount).scaleb(USD.decimals, WIDE) == minor, (amount, minor)
    assert len(amount.partition(".")[2]) == USD.decimals, amount


@FUZZ
@given(
    granularity=st.sampled_from(sorted(CATALOGS)),
    length=lengths,
    offset=st.floats(0, 1),
    seats=counts,
    to_seats=counts,
    addon=st.booleans(),
    zone=zones,
    policy=st.sampled_from([[], ["--granularity", "day"], ["--downgrade", "immediate"]]),
)
def test_quote_amounts_are_their_minor_units(
    granularity: str,
    length: timedelta | None,
    offset: float,
    seats: int,
    to_seats: int,
    addon: bool,
    zone: str,
    policy: list[str],
) -> None:
    """Exit 0 or 2 (never a bug's 3); on 0, each line's and the total's ``amount`` is
    exactly its ``amount_minor``, and the lines add up to the total."""
    span = length or timedelta(days=30)
    at = START + timedelta(microseconds=int(span // timedelta(microseconds=1) * offset))
    argv = ["quote", CATALOGS[granularity], "--interval", "month", "--zone", zone]
    argv += ["--period-start", _text(START), "--at", _text(at), "--json", *policy]
    if length is not None:
        argv += ["--period-end", _text(START + length)]
    if addon:
        argv += [
            "--addon",
            "storage_pack",
            "--quantity",
            str(seats),
            "--to-quantity",
            str(to_seats),
        ]
    else:
        argv += ["--from", "starter", "--to", "team", "--seats", str(max(seats, 1))]
        argv += ["--to-seats", str(max(to_seats, 1))]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code in (0, 2), (argv, result.output)
    if result.exit_code:
        # One error line of ours, or click's usage error for an option out of its range.
        assert result.stderr.startswith(("nudge: error: ", "Usage: ")), result.stderr
        return
    payload: dict[str, Any] = json.loads(result.stdout)
    for line in payload["lines"]:
        _exact(line["amount"], line["amount_minor"])
    _exact(payload["total"], payload["total_minor"])
    assert payload["total_minor"] == sum(line["amount_minor"] for line in payload["lines"])
