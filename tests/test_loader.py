"""Loading the plan YAML: exact numbers, and every error at once with its line and column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from textwrap import dedent

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from nudge_sdk import (
    MAX_CATALOG_BYTES,
    UNLIMITED,
    Currency,
    Interval,
    InvalidCatalog,
    Price,
    ProrationPolicy,
    Unit,
    catalog_from_dict,
    load_catalog,
    parse_catalog,
)

MINIMAL = "currency: USD\nplans:\n  free: {}\n"


def issues(text: str) -> list[str]:
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(dedent(text), source="plans.yaml")
    return str(caught.value).splitlines()


def test_the_example_catalog_loads(example_path: Path) -> None:
    """The shipped example is valid and its numbers are exact minor units."""
    catalog = load_catalog(example_path)
    assert Currency.of("USD") == catalog.currency
    assert ["free", "starter", "team", "business"] == list(catalog.plans)
    team = catalog.plan("team")
    assert Price(per_seat=1200) == team.prices[Interval(Unit.MONTH)]
    assert UNLIMITED is team.limits["ai_credits"]
    assert frozenset({"sso"}) == team.features
    assert ProrationPolicy() == catalog.proration


def test_prices_never_pass_through_float() -> None:
    """0.1 + 0.2 style prices are read from their text: 0.30 is 30 cents, not 29.999..."""
    catalog = parse_catalog("currency: USD\nplans:\n  a: {prices: {month: 0.30, year: 1e1}}\n")
    prices = catalog.plan("a").prices
    assert [Price(base=30), Price(base=1000)] == list(prices.values())


def test_limits_keep_their_decimals() -> None:
    """A fractional limit stays exactly as written."""
    catalog = parse_catalog(
        "currency: USD\nmetrics: {gb: {kind: gauge}}\nplans:\n  a: {limits: {gb: 0.1}}\n"
    )
    assert Decimal("0.1") == catalog.plan("a").limits["gb"]


def test_overage_prices_may_be_fractions_of_a_cent() -> None:
    """$0.0005 an API call is 0.05 minor units, kept exact; whole cents stay whole."""
    catalog = parse_catalog(
        "currency: USD\nmetrics: {calls: {kind: counter}, gb: {kind: gauge}}\nplans:\n"
        "  a: {limits: {calls: {limit: 1000, overage: 0.0005}, gb: {limit: 1, overage: 2}}}\n"
    )
    assert {"calls": Decimal("0.05"), "gb": Decimal(200)} == dict(catalog.plan("a").overage)


@pytest.mark.usefixtures("debug_logging")
def test_loading_logs_an_event() -> None:
    """A successful load is a structured event, not a configured logger."""
    with capture_logs() as logs:
        parse_catalog(MINIMAL, source="mem")
    assert [{"event": "catalog.loaded", "source": "mem", "plans": 1, "log_level": "debug"}] == logs


CASES = [
    (
        "unknown currency",
        """\
        currency: USX
        plans: {free: {}}
        """,
        ["plans.yaml:1:1: currency: 'USX' is not an ISO 4217 currency code"],
    ),
    (
        "unknown top-level key",
        """\
        currency: USD
        plan: {free: {}}
        plans: {free: {}}
        """,
        [
            "plans.yaml:2:1: plan: unknown key; expected one of: currency, currencies, plans, "
            "proration, default_locale, interval_names, comparison_messages, "
            "quiet_days_after_signup, metrics, features, addons, placements, caps, signals, nudges"
        ],
    ),
    (
        "missing keys",
        "metrics: {}\n",
        [
            "plans.yaml:1:1: currency: required key is missing",
            "plans.yaml:1:1: plans: required key is missing",
        ],
    ),
    (
        "too many decimals, negative, non-finite",
        """\
        currency: JPY
        plans:
          a:
            prices: {month: 9.5}
          b:
            prices: {month: -3}
          c:
            prices: {year: .nan}
        """,
        [
            "plans.yaml:4:14: plans.a.prices.month: 9.5 has more decimals than JPY allows (0)",
            "plans.yaml:6:14: plans.b.prices.month: -3 must not be negative",
            "plans.yaml:8:14: plans.c.prices.year: NaN is not a finite number",
        ],
    ),
    (
        "overage prices: too precise, too large",
        """\
        currency: USD
        metrics: {calls: {kind: counter}}
        plans:
          a: {limits: {calls: {limit: 1, overage: 0.000000001}}}
          b: {limits: {calls: {limit: 1, overage: 2000000000}}}
        """,
        [
            "plans.yaml:4:34: plans.a.limits.calls.overage: 0.000000001 has more than 8 "
            "decimals; "
            "an overage price in USD may have at most 8",
            "plans.yaml:5:34: plans.b.limits.calls.overage: 2000000000 is more than an "
            "overage price may be (1000000000)",
        ],
    ),
    (
        "impossible intervals",
        """\
        currency: USD
        plans:
          a:
            prices: {fortnight: 10, 0 months: 5, month: 1, 1 month: 2}
        """,
        [
            "plans.yaml:4:14: plans.a.prices.fortnight: 'fortnight' is not a billing interval: "
            "the unit must be one of: day, week, month, quarter, year",
            "plans.yaml:4:29: plans.a.prices.0 months: '0 months' is not a billing interval: "
            "the count must be a whole number from 1 to 100",
            "plans.yaml:4:52: plans.a.prices.1 month: the same interval as another key (month)",
        ],
    ),
    (
        "unknown metric and feature, listed twice",
        """\
        currency: USD
        metrics:
          seats: {kind: gauge}
        features:
          sso: {}
        plans:
          a:
            limits: {storage: 5, seats: unlimited}
            features: [sso, sso, saml]
        """,
        [
            "plans.yaml:8:14: plans.a.limits.storage: unknown metric 'storage'; "
            "the catalog defines: seats",
            "plans.yaml:9:21: plans.a.features[1]: 'sso' is listed twice",
            "plans.yaml:9:26: plans.a.features[2]: unknown feature 'saml'; "
            "the catalog defines: sso",
        ],
    ),
    (
        "wrong types",
        """\
        currency: USD
        metrics:
          seats: {kind: level}
        plans:
          a:
            name: 5
            prices: {month: {per_seat: ten}}
            limits: {seats: lots}
          b: [1, 2]
        """,
        [
            "plans.yaml:3:11: metrics.seats.kind: 'level' is not one of: gauge, counter",
            "plans.yaml:6:5: plans.a.name: expected text, got int 5",
            "plans.yaml:7:22: plans.a.prices.month.per_seat: expected a number, got str 'ten'",
            "plans.yaml:8:14: plans.a.limits.seats: expected a number or 'unlimited', got 'lots'",
            "plans.yaml:9:3: plans.b: expected a mapping, got list",
        ],
    ),
    (
        "unknown keys inside a plan",
        """\
        currency: USD
        plans:
          a: {name: A, colour: blue, limit: {}}
        """,
        [
            "plans.yaml:3:16: plans.a.colour: unknown key; expected one of: name, description, "
            "popular, prices, limits, features, billing_ids, retired, currency_options",
            "plans.yaml:3:30: plans.a.limit: unknown key; expected one of: name, description, "
            "popular, prices, limits, features, billing_ids, retired, currency_options",
        ],
    ),
    (
        "an unknown key does not hide the entry's other problems",
        """\
        currency: USD
        features:
          sso: {}
        plans:
          a:
            colour: blue
            features: [saml]
        """,
        [
            "plans.yaml:6:5: plans.a.colour: unknown key; expected one of: name, description, "
            "popular, prices, limits, features, billing_ids, retired, currency_options",
            "plans.yaml:7:16: plans.a.features[0]: unknown feature 'saml'; "
            "the catalog defines: sso",
        ],
    ),
    (
        "an unknown key deeper in an entry does not hide its other problems either",
        """\
        currency: USD
        metrics:
          seats: {kind: gauge}
        plans:
          a:
            prices: {month: {base: 10, per_sear: 2}}
            limits: {storage: 5}
        """,
        [
            "plans.yaml:6:32: plans.a.prices.month.per_sear: unknown key; expected one of: "
            "base, per_seat, included_seats",
            "plans.yaml:7:14: plans.a.limits.storage: unknown metric 'storage'; "
            "the catalog defines: seats",
        ],
    ),
    (
        "duplicate ids",
        """\
        currency: USD
        plans:
          a: {}
          b: {}
          a: {name: again}
        addons:
          b: {prices: {month: 1}}
        """,
        [
            "plans.yaml:5:3: plans.a: duplicate key; an earlier one has the same name",
            "plans.yaml:7:3: addons.b: 'b' is already the id of a plan",
        ],
    ),
    (
        "gauge with a reset, bad id, add-on without price",
        """\
        currency: USD
        metrics:
          gb: {kind: gauge, reset: month}
          "two words": {kind: counter}
        plans:
          a: {}
        addons:
          pack: {grants: {gb: 10, credits: 5}}
        """,
        [
            "plans.yaml:3:21: metrics.gb.reset: only counters reset; a gauge is a current level",
            "plans.yaml:4:3: metrics.two words: 'two words' is not a valid id: use letters, "
            "digits, '_' and '-'",
            "plans.yaml:8:3: addons.pack.prices: an add-on needs a price for at least one interval",
            "plans.yaml:8:27: addons.pack.grants.credits: unknown metric 'credits'; "
            "the catalog defines: gb, two words",
        ],
    ),
    (
        "not a mapping",
        "- a\n- b\n",
        ["plans.yaml:1:1: (top): the catalog must be a mapping, got list"],
    ),
    (
        "malformed YAML",
        "currency: USD\nplans: {free: {}\n",
        ["plans.yaml:3:1: (top): not valid YAML: did not find expected ',' or '}'"],
    ),
    (
        "empty plans",
        "currency: USD\nplans: {}\n",
        ["plans.yaml:2:1: plans: define at least one plan"],
    ),
    (
        "bad proration policy",
        """\
        currency: USD
        proration: {granularity: hour, rouding: down}
        plans: {a: {}}
        """,
        [
            "plans.yaml:2:13: proration.granularity: 'hour' is not one of: second, day",
            "plans.yaml:2:32: proration.rouding: unknown key; expected one of: granularity, "
            "rounding, interval_change, downgrade, longer_interval",
        ],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_errors_say_what_and_where(name: str, text: str, expected: list[str]) -> None:
    """Every problem is reported at once, in file order, as FILE:LINE:COLUMN: path: message."""
    assert expected == issues(text)


def test_errors_carry_structured_issues() -> None:
    """The exception holds each issue's path, message and position as attributes."""
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog("currency: USD\nplans:\n  a: {prices: {month: -1}}\n", source="x.yaml")
    [issue] = caught.value.issues
    assert ("plans.a.prices.month", 3, 16) == (issue.path, issue.line, issue.column)
    assert "x.yaml" == caught.value.source
    assert isinstance(caught.value, ValueError)


def test_oversized_input_is_refused_before_parsing() -> None:
    """A catalog larger than the limit is refused without being parsed."""
    text = MINIMAL + "#" * MAX_CATALOG_BYTES
    assert [
        f"plans.yaml: (top): is {len(text)} bytes; a catalog may have at most {MAX_CATALOG_BYTES}"
    ] == issues(text)


def test_alias_bombs_are_refused() -> None:
    """Aliases that expand exponentially (a billion laughs) are caught, not walked."""
    lines = ["currency: USD", "plans: {a: {}}", "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, 9):
        previous = f"*x{level - 1}"
        lines.append(f"x{level}: &x{level} [{', '.join([previous] * 10)}]")
    assert ["plans.yaml:1:1: (top): expands to more than 200000 values (YAML aliases?)"] == issues(
        "\n".join(lines)
    )


def test_unreadable_file(tmp_path: Path) -> None:
    """A missing file is an InvalidCatalog naming it, not a bare OSError."""
    with pytest.raises(InvalidCatalog, match="cannot read the file"):
        load_catalog(tmp_path / "missing.yaml")


def test_from_dict_refuses_floats() -> None:
    """Built from Python data, a float price is refused: it is not exact."""
    with pytest.raises(InvalidCatalog) as caught:
        catalog_from_dict({"currency": "USD", "plans": {"a": {"prices": {"month": 9.99}}}})
    assert (
        "<dict>: plans.a.prices.month: expected a number, got float 9.99; floats are not exact, "
        "pass text or a Decimal"
    ) == str(caught.value)


def test_from_dict_accepts_text_and_decimal() -> None:
    """Text and Decimal amounts are exact and accepted."""
    catalog = catalog_from_dict(
        {"currency": "EUR", "plans": {"a": {"prices": {"month": "9.99", "year": Decimal("99")}}}}
    )
    assert [999, 9900] == [price.base for price in catalog.plan("a").prices.values()]


yaml_scalars = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.booleans(),
    st.none(),
)
documents = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "currency",
                    "plans",
                    "metrics",
                    "features",
                    "addons",
                    "nudges",
                    "limits",
                    "prices",
                    "month",
                    "year",
                    "per_seat",
                    "kind",
                    "when",
                    "usage",
                    "metric",
                    "levels",
                    "messages",
                    "en",
                    "title",
                    "body",
                    "free",
                    "pro",
                    "gb",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=25,
)


def load_outcome(text: str) -> list[str] | None:
    """None if the text loads; the rendered issues if it raises InvalidCatalog. Any other
    exception propagates and fails the test."""
    try:
        parse_catalog(text)
    except InvalidCatalog as error:
        return str(error).splitlines()
    return None


@given(documents)
def test_any_document_loads_or_fails_cleanly(document: object) -> None:
    """Whatever the YAML holds, loading gives a catalog or InvalidCatalog with at least
    one issue: never another exception."""
    outcome = load_outcome(yaml.safe_dump(document))
    assert outcome is None or len(outcome) >= 1


@given(st.text(max_size=200))
def test_any_text_loads_or_fails_cleanly(text: str) -> None:
    """Even text that is not YAML gives InvalidCatalog, never another exception."""
    outcome = load_outcome(text)
    assert outcome is None or len(outcome) >= 1
