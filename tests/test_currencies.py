"""A catalog sold in several currencies: each plan and add-on priced in each, checked
against that currency's decimals, and an account priced, nudged, quoted and compared in
the currency it pays in, exactly as a catalog written in that currency alone would."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from nudge_sdk import (
    Account,
    Currency,
    Evaluator,
    Interval,
    InvalidCatalog,
    InvalidInput,
    Period,
    Unit,
    catalog_from_dict,
    catalog_schema,
    parse_catalog,
    to_json_bytes,
)
from nudge_sdk.cli import main
from nudge_sdk.server import create_app

NOW = datetime(2025, 6, 16, tzinfo=UTC)
MONTH = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
YEAR = Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
CATALOG = """\
currency: USD
currencies: [EUR, JPY, KWD]
metrics:
  gb: {kind: gauge}
  calls: {kind: counter}
plans:
  free:
    limits: {gb: 5}
  starter:
    prices: {month: 29, year: 290}
    limits: {gb: 100, calls: {limit: 1000, overage: 0.0005}}
    currency_options:
      EUR: {prices: {month: 27, year: 270}, overage: {calls: 0.0004}}
      JPY: {prices: {month: 4000, year: 40000}, overage: {calls: 0.07}}
      KWD: {prices: {month: 9.125, year: 91.25}, overage: {calls: 0.00015}}
addons:
  pack:
    prices: {month: 8}
    grants: {gb: 100}
    currency_options:
      EUR: {prices: {month: 7}}
      JPY: {prices: {month: 1200}}
      KWD: {prices: {month: 2.5}}
nudges:
  full:
    when: {usage: {metric: gb, levels: [90]}}
    messages: {en: {title: Full, body: "Get room for {price} ({difference} more)"}}
"""


def account(currency: str = "", plan: str = "starter", **options: Any) -> Account:
    return Account(
        id="a1",
        plan=plan,
        interval=Interval(Unit.MONTH),
        period=MONTH,
        signup=datetime(2024, 1, 1, tzinfo=UTC),
        currency=currency,
        **options,
    )


# -- the catalog ----------------------------------------------------------------------


def test_a_catalog_in_another_currency_is_the_same_catalog_priced_in_it() -> None:
    catalog = parse_catalog(CATALOG)
    assert ("USD", "EUR", "JPY", "KWD") == catalog.sold_in
    kwd = catalog.in_currency("kwd")
    assert ("KWD", 3) == (kwd.currency.code, kwd.currency.decimals)
    assert ("KWD",) == kwd.sold_in
    starter = kwd.plans["starter"]
    month, year = Interval(Unit.MONTH), Interval(Unit.YEAR)
    assert (9125, 91250) == (starter.prices[month].base, starter.prices[year].base)
    assert {"calls": Decimal("0.15")} == starter.overage  # 0.00015 KWD in fils
    assert {month: 2500} == kwd.addons["pack"].prices
    assert (kwd.rules, kwd.metrics) == (catalog.rules, catalog.metrics)
    assert catalog.in_currency("USD") is catalog
    with pytest.raises(LookupError, match="unknown currency 'GBP'; the catalog has: USD, EUR"):
        catalog.in_currency("GBP")


def _broken(edit: str, replacement: str) -> list[str]:
    text = CATALOG.replace(edit, replacement)
    assert text != CATALOG
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text)
    return [f"{i.line}:{i.column}: {i.path}: {i.message}" for i in caught.value.issues]


@pytest.mark.parametrize(
    ("edit", "replacement", "expected"),
    [
        (
            "[EUR, JPY, KWD]",
            "[EUR, JPY, KWD, usd, EUR, QQQ]",
            [
                "2:29: currencies[3]: USD is the catalog's own `currency`",
                "2:34: currencies[4]: EUR is listed twice",
                "2:39: currencies[5]: 'QQQ' is not an ISO 4217 currency code",
            ],
        ),
        (
            "      JPY: {prices: {month: 4000, year: 40000}, overage: {calls: 0.07}}\n",
            "",
            ["12:5: plans.starter.currency_options: no prices in JPY, which `currencies` lists"],
        ),
        (
            "{month: 4000, year: 40000}",
            "{month: 4000.5, year: 40000, week: 900}",
            [
                "14:13: plans.starter.currency_options.JPY.prices: priced in JPY by "
                "week, which it is not sold by in USD (sold by: month, year)",
                "14:22: plans.starter.currency_options.JPY.prices.month: 4000.5 has "
                "more decimals than JPY allows (0)",
            ],
        ),
        (
            "{month: 9.125, year: 91.25}",
            "{month: 9.1255}",
            [
                "15:13: plans.starter.currency_options.KWD.prices: no KWD price by "
                "year; it is sold by: month, year",
                "15:22: plans.starter.currency_options.KWD.prices.month: 9.1255 has "
                "more decimals than KWD allows (3)",
            ],
        ),
        (
            "overage: {calls: 0.0004}",
            "overage: {gb: 1}",
            [
                "13:45: plans.starter.currency_options.EUR.overage: no EUR overage "
                "price for 'calls'",
                "13:55: plans.starter.currency_options.EUR.overage.gb: 'gb' is not a "
                "soft limit of this plan (its soft limits: calls)",
            ],
        ),
        (
            "overage: {calls: 0.07}",
            "overage: {calls: 0.0000001}",
            [
                "14:59: plans.starter.currency_options.JPY.overage.calls: 0.0000001 "
                "has more than 6 decimals; an overage price in JPY may have at most 6"
            ],
        ),
        (
            "      EUR: {prices: {month: 7}}",
            "      GBP: {prices: {month: 7}}",
            [
                "20:5: addons.pack.currency_options: no prices in EUR, which `currencies` lists",
                "21:7: addons.pack.currency_options.GBP: 'GBP' is not one of the "
                "catalog's `currencies` (listed: EUR, JPY, KWD)",
            ],
        ),
        (
            "    limits: {gb: 5}",
            "    limits: {gb: 5}\n    currency_options: {EUR: {prices: {month: 1}}}",
            [
                "9:30: plans.free.currency_options.EUR.prices: priced in EUR by "
                "month, which it is not sold by in USD (sold by: none (it is free))"
            ],
        ),
    ],
)
def test_prices_in_other_currencies_are_checked(
    edit: str, replacement: str, expected: list[str]
) -> None:
    """Every price is read against its own currency's decimals, by the same intervals
    as the plan's own, and every problem is reported at once, where it is written."""
    assert expected == _broken(edit, replacement)


def test_included_seats_are_the_same_in_every_currency() -> None:
    assert [
        "13:13: plans.starter.currency_options.EUR.prices: by month includes 2 "
        "seats; in USD it includes 0, and seats are the same in every currency"
    ] == _broken("{month: 27, year: 270}", "{month: {base: 27, included_seats: 2}, year: 270}")


# -- an account in its currency -------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "body", "recurring"),
    [
        ("", "Get room for $37.00 ($8.00 more)", 3700),
        ("eur", "Get room for €34.00 (€7.00 more)", 3400),
        ("JPY", "Get room for ¥5,200 (¥1,200 more)", 5200),
        ("KWD", "Get room for KWD11.625 (KWD2.500 more)", 11625),
    ],
)
def test_an_account_is_offered_prices_in_its_currency(
    currency: str, body: str, recurring: int
) -> None:
    result = Evaluator(parse_catalog(CATALOG)).evaluate(
        account(currency), {"gb": 95}, now=NOW, compare=True
    )
    [nudge] = result.nudges
    assert nudge.offer is not None
    assert result.comparison is not None
    assert (body, recurring) == (nudge.body, nudge.offer.recurring.minor)
    code = currency.upper() or "USD"
    assert code == result.comparison.currency
    assert not result.degraded


def test_a_currency_the_catalog_does_not_sell_degrades_naming_those_it_does() -> None:
    evaluator = Evaluator(parse_catalog(CATALOG))
    result = evaluator.evaluate(account("GBP"), {"gb": 95}, now=NOW)
    assert ((), True) == (result.nudges, result.degraded)
    assert (
        "account currency 'GBP' is not one the catalog sells in (USD, EUR, JPY, KWD)",
    ) == result.problems


SSO = """\
currency: USD
currencies: [JPY]
features: {sso: {}}
plans:
  free: {}
  pro:
    prices: {month: 50}
    features: [sso]
    currency_options: {JPY: {prices: {month: 9000}}}
  team:
    prices: {month: 60}
    features: [sso]
    currency_options: {JPY: {prices: {month: 7000}}}
"""


@pytest.mark.parametrize(("currency", "cheapest"), [("USD", "pro"), ("JPY", "team")])
def test_the_cheapest_plan_with_a_feature_is_the_cheapest_in_the_accounts_currency(
    currency: str, cheapest: str
) -> None:
    access = Evaluator(parse_catalog(SSO)).may(account(currency, plan="free"), "sso")
    assert (False, cheapest) == (access.allowed, access.cheapest_plan)


def test_every_entry_point_prices_in_the_accounts_currency() -> None:
    evaluator = Evaluator(parse_catalog(CATALOG))
    jpy = account("JPY", plan="free")
    assert "JPY" == evaluator.priced(jpy).catalog.currency.code
    assert ("full",) == evaluator.triggered(account("JPY"), {"gb": 95}, now=NOW)
    comparison = evaluator.compare(jpy, {"gb": 50}, now=NOW)
    prices = {column.plan: column.price.formatted for column in comparison.columns}
    assert {"free": "¥0", "starter": "¥4,000"} == prices
    assert "gb" in evaluator.entitlements(account("KWD"), {"gb": 50}, now=NOW)
    with pytest.raises(InvalidInput, match="not one the catalog sells in"):
        evaluator.triggered(account("GBP"), {"gb": 95}, now=NOW)


# -- the same as a catalog written in that currency -------------------------------------

_CODES = ("JPY", "USD", "KWD")


def _text(minor: int, code: str) -> str:
    return f"{Decimal(minor).scaleb(-Currency.of(code).decimals):f}"


def _rate(units: int, code: str) -> str:
    """An overage price with up to six decimals beyond the currency's."""
    return f"{Decimal(units).scaleb(-Currency.of(code).decimals - 6):f}"


@st.composite
def price_lists(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    """Per currency, the catalog's amounts in minor units (overage in millionths)."""
    amount = st.integers(1, 10**7)
    return {
        code: {
            "starter_month": draw(amount),
            "starter_year": draw(amount),
            "seat": draw(st.integers(1, 10**5)),  # per seat in every currency, as required
            "team_month": draw(amount),
            "team_year": draw(amount),
            "pack": draw(amount),
            "overage": draw(st.integers(0, 10**9)),
        }
        for code in _CODES
    }


def _plans(prices: dict[str, int], code: str) -> dict[str, Any]:
    def plan(name: str) -> dict[str, Any]:
        return {
            "month": {
                "base": _text(prices[f"{name}_month"], code),
                "per_seat": _text(prices["seat"], code),
                "included_seats": 2,
            },
            "year": _text(prices[f"{name}_year"], code),
        }

    return {"starter": plan("starter"), "team": plan("team")}


def _document(lists: dict[str, dict[str, int]], own: str, others: list[str]) -> dict[str, Any]:
    """The catalog priced in `own`, and in `others` through `currency_options`."""
    prices = _plans(lists[own], own)
    document: dict[str, Any] = {
        "currency": own,
        "currencies": others,
        "metrics": {"gb": {"kind": "gauge"}, "calls": {"kind": "counter"}},
        "plans": {
            "free": {"limits": {"gb": 5}},
            "starter": {
                "prices": prices["starter"],
                "limits": {"gb": 100, "calls": {"limit": 1000, "overage": _rate(0, own)}},
            },
            "team": {"prices": prices["team"], "limits": {"gb": 1000, "calls": "unlimited"}},
        },
        "addons": {
            "pack": {
                "prices": {"month": _text(lists[own]["pack"], own)},
                "grants": {"gb": 100},
                "plans": ["starter", "team"],
            }
        },
        "nudges": {
            "full": {
                "when": {"usage": {"metric": "gb", "levels": [80, 100]}},
                "messages": {"en": {"title": "Full", "body": "{price}, {difference} more"}},
            },
            "calls": {
                "when": {"usage": {"metric": "calls", "levels": [100], "projected": True}},
                "offer": {"plan": "team"},
                "messages": {"en": {"title": "Calls", "body": "{price}: {overage}"}},
            },
        },
    }
    starter = document["plans"]["starter"]
    starter["limits"]["calls"]["overage"] = _rate(lists[own]["overage"], own)
    for code in others:
        other = _plans(lists[code], code)
        starter.setdefault("currency_options", {})[code] = {
            "prices": other["starter"],
            "overage": {"calls": _rate(lists[code]["overage"], code)},
        }
        team = document["plans"]["team"]
        team.setdefault("currency_options", {})[code] = {"prices": other["team"]}
        pack = document["addons"]["pack"]
        pack.setdefault("currency_options", {})[code] = {
            "prices": {"month": _text(lists[code]["pack"], code)}
        }
    return document


def _amounts(value: Any) -> list[dict[str, Any]]:
    """Every amount in a payload's JSON (an object with minor, amount and formatted)."""
    if isinstance(value, dict):
        found = [value] if {"minor", "amount", "formatted"} <= value.keys() else []
        return found + [a for v in value.values() for a in _amounts(v)]
    if isinstance(value, list):
        return [a for v in value for a in _amounts(v)]
    return []


@settings(max_examples=60, deadline=None)
@given(
    lists=price_lists(),
    own=st.sampled_from(_CODES),
    paid=st.sampled_from(_CODES),
    plan=st.sampled_from(["free", "starter", "team"]),
    yearly=st.booleans(),
    seats=st.integers(1, 6),
    gb=st.integers(0, 3000),
    calls=st.integers(0, 5000),
    locale=st.sampled_from(["en", "de-DE", "ja", "ar-KW"]),
    pack=st.integers(0, 2),
)
def test_an_account_is_evaluated_as_a_catalog_in_its_currency_alone_would(
    lists: dict[str, dict[str, int]],
    own: str,
    paid: str,
    plan: str,
    yearly: bool,
    seats: int,
    gb: int,
    calls: int,
    locale: str,
    pack: int,
) -> None:
    """JPY (0 decimals), USD (2) and KWD (3): the multi-currency catalog, asked for an
    account paying in one of them, answers byte for byte what a catalog written in that
    currency alone answers; every amount carries exactly its currency's decimals."""
    others = [code for code in _CODES if code != own]
    multi = catalog_from_dict(_document(lists, own, others))
    alone = catalog_from_dict(_document(lists, paid, []))
    interval = Interval(Unit.YEAR if yearly else Unit.MONTH)
    customer = Account(
        id="a1",
        plan=plan,
        interval=interval,
        period=YEAR if yearly else MONTH,
        signup=datetime(2024, 1, 1, tzinfo=UTC),
        seats=seats,
        locale=locale,
        currency=paid.lower(),
        addons={"pack": pack} if plan != "free" and pack else {},
    )
    usage = {"gb": gb, "calls": calls}
    got = Evaluator(multi).evaluate(customer, usage, now=NOW, compare=True)
    expected = Evaluator(alone).evaluate(customer, usage, now=NOW, compare=True)
    assert to_json_bytes(expected) == to_json_bytes(got)
    assert not got.degraded, got.problems
    decimals = Currency.of(paid).decimals
    for amount in _amounts(json.loads(to_json_bytes(got))):
        text = f"{Decimal(amount['minor']).scaleb(-decimals):.{decimals}f}"
        assert text == amount["amount"]


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(_CODES), minor=st.integers(1, 10**9), extra=st.integers(0, 2))
def test_a_price_has_at_most_its_currencys_decimals(code: str, minor: int, extra: int) -> None:
    """A price with the currency's decimals loads exactly; one more decimal is refused,
    at the price, naming the currency."""
    decimals = Currency.of(code).decimals
    places = decimals + extra
    written = f"{Decimal(minor).scaleb(-places):f}"
    option = {"prices": {"month": written}}
    document = {
        "currency": "EUR",
        "currencies": [code],
        "plans": {"p": {"prices": {"month": 1}, "currency_options": {code: option}}},
    }
    exact = Decimal(written).scaleb(decimals)
    if exact == exact.to_integral_value():
        catalog = catalog_from_dict(document)
        price = catalog.in_currency(code).plans["p"].prices[Interval(Unit.MONTH)]
        assert int(exact) == price.base
    else:
        with pytest.raises(InvalidCatalog) as caught:
            catalog_from_dict(document)
        [issue] = caught.value.issues
        assert f"plans.p.currency_options.{code}.prices.month" == issue.path
        assert f"more decimals than {code} allows ({decimals})" in issue.message


# -- the tools ------------------------------------------------------------------------


@pytest.fixture
def plans(tmp_path: Path) -> Path:
    path = tmp_path / "plans.yaml"
    path.write_text(CATALOG)
    return path


def test_the_pricing_page_is_priced_in_the_currency_asked_for(plans: Path) -> None:
    with TestClient(create_app(plans, tokens=None, reload_every=0)) as client:
        answer = client.get("/v1/catalog", params={"currency": "jpy", "locale": "ja"}).json()
        refused = client.get("/v1/catalog", params={"currency": "GBP"})
        default = client.get("/v1/catalog").json()
    starter = next(plan for plan in answer["plans"] if plan["id"] == "starter")
    assert ("JPY", "￥4,000") == (answer["currency"], starter["prices"][0]["base"]["formatted"])
    assert "USD" == default["currency"]
    assert 422 == refused.status_code
    assert "sold in: USD, EUR, JPY, KWD" in refused.json()["error"]


def test_quote_in_another_currency(plans: Path) -> None:
    args = ["quote", str(plans), "--from", "free", "--to", "starter", "--interval", "month"]
    args += ["--period-start", "2025-06-01T00:00:00Z", "--at", "2025-06-16T00:00:00Z"]
    runner = CliRunner()
    done = runner.invoke(main, [*args, "--currency", "kwd", "--json"])
    assert 0 == done.exit_code, done.output
    quote = json.loads(done.output)
    # half of 9.125 is 4.5625, rounded half to even to the fils
    assert ("KWD", 4562) == (quote["currency"], quote["total_minor"])
    refused = runner.invoke(main, [*args, "--currency", "GBP"])
    assert 2 == refused.exit_code


KWD_PLAN = "      KWD: {prices: {month: 9.125, year: 91.25}, overage: {calls: 0.00015}}\n"


def test_diff_reports_prices_in_each_currency_and_a_dropped_currency(
    plans: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "new.yaml"
    changed.write_text(
        CATALOG.replace("[EUR, JPY, KWD]", "[EUR, JPY]")
        .replace("month: 4000,", "month: 4500,")
        .replace(KWD_PLAN, "")
        .replace("      KWD: {prices: {month: 2.5}}\n", "")
    )
    samples = tmp_path / "accounts"
    samples.mkdir()
    customer = {
        "id": "kw1",
        "plan": "starter",
        "interval": "month",
        "currency": "KWD",
        "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
        "signup": "2024-01-01T00:00:00Z",
    }
    (samples / "kw1.json").write_text(json.dumps(customer))
    (samples / "kw1.usage.json").write_text('{"gb": 10}')
    done = CliRunner().invoke(
        main, ["diff", str(plans), str(changed), str(samples), "--now", "2025-06-16T00:00:00Z"]
    )
    assert 1 == done.exit_code
    assert "plan starter in JPY: price by month: 4000 -> 4500" in done.output
    assert "currency KWD: removed" in done.output
    assert "kw1 pays in KWD (keep it in currencies)" in done.output


def test_the_catalog_schema_describes_currency_options() -> None:
    """Editors that validate against the schema know the new keys."""
    document = yaml.safe_load(CATALOG)
    jsonschema.Draft202012Validator(catalog_schema()).validate(document)
    document["plans"]["starter"]["currency_options"]["EUR"]["colour"] = "red"
    assert not jsonschema.Draft202012Validator(catalog_schema()).is_valid(document)


SWAPPED = """\
currency: JPY
currencies: [USD, EUR, KWD]
metrics:
  gb: {kind: gauge}
  calls: {kind: counter}
plans:
  free:
    limits: {gb: 5}
  starter:
    prices: {month: 4000, year: 40000}
    limits: {gb: 100, calls: {limit: 1000, overage: 0.07}}
    currency_options:
      USD: {prices: {month: 29, year: 290}, overage: {calls: 0.0005}}
      EUR: {prices: {month: 27, year: 270}, overage: {calls: 0.0004}}
      KWD: {prices: {month: 9.125, year: 91.25}, overage: {calls: 0.00015}}
addons:
  pack:
    prices: {month: 1200}
    grants: {gb: 100}
    currency_options:
      USD: {prices: {month: 8}}
      EUR: {prices: {month: 7}}
      KWD: {prices: {month: 2.5}}
nudges:
  full:
    when: {usage: {metric: gb, levels: [90]}}
    messages: {en: {title: Full, body: "Get room for {price} ({difference} more)"}}
"""


def test_diff_of_a_catalog_written_in_another_currency_compares_like_with_like(
    plans: Path, tmp_path: Path
) -> None:
    """The same prices, written in yen first: no price changed and no currency came or
    went, but an account that gave no currency would now pay in yen, so it is stranded."""
    swapped = tmp_path / "jpy.yaml"
    swapped.write_text(SWAPPED)
    samples = tmp_path / "accounts"
    samples.mkdir()
    for name, currency in (("plain", ""), ("dollars", "usd")):
        customer = {
            "id": name,
            "plan": "starter",
            "interval": "month",
            "currency": currency,
            "period": {"start": "2025-06-01T00:00:00Z", "end": "2025-07-01T00:00:00Z"},
            "signup": "2024-01-01T00:00:00Z",
        }
        (samples / f"{name}.json").write_text(json.dumps(customer))
        (samples / f"{name}.usage.json").write_text('{"gb": 95}')
    done = CliRunner().invoke(
        main,
        ["diff", str(plans), str(swapped), str(samples), "--now", "2025-06-16T00:00:00Z", "--json"],
    )
    report = json.loads(done.stdout)
    assert ["currency: USD -> JPY"] == report["catalog"]
    assert ["plain would pay in JPY, not USD (give it currency: USD)"] == report["stranded"]
    assert "dollars" not in report["accounts"]  # priced in dollars, as before
    assert 1 == done.exit_code


def test_every_entry_point_refuses_a_currency_not_sold() -> None:
    """`may` and `entitlements` too: a cheapest plan or an overage rate in another
    currency would be wrong."""
    evaluator = Evaluator(parse_catalog(CATALOG))
    message = "account currency 'GBP' is not one the catalog sells in"
    with pytest.raises(InvalidInput, match=message):
        evaluator.may(account("GBP"), "sso")
    with pytest.raises(InvalidInput, match=message):
        evaluator.entitlements(account("GBP"), {"gb": 5}, now=NOW)


def test_a_currency_that_is_not_text_is_unusable_input() -> None:
    evaluator = Evaluator(parse_catalog(CATALOG))
    customer = attrs.evolve(account(), currency=5)  # type: ignore[arg-type]
    result = evaluator.evaluate(customer, {"gb": 95}, now=NOW)
    assert ("currency: expected text, got int",) == result.problems
    with pytest.raises(InvalidInput, match="currency: expected text"):
        evaluator.triggered(customer, {"gb": 95}, now=NOW)
    with pytest.raises(LookupError, match="unknown currency '5'"):
        parse_catalog(CATALOG).in_currency(5)  # type: ignore[arg-type]


def test_a_flat_price_is_flat_in_every_currency() -> None:
    text = CATALOG.replace(
        "prices: {month: 29, year: 290}", "prices: {month: {per_seat: 12}, year: 290}"
    )
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(text)
    assert [
        "plans.starter.currency_options.EUR.prices: by month it is priced per seat in USD, "
        "and must be in EUR too: a price is built the same way in every currency",
        "plans.starter.currency_options.JPY.prices: by month it is priced per seat in USD, "
        "and must be in JPY too: a price is built the same way in every currency",
        "plans.starter.currency_options.KWD.prices: by month it is priced per seat in USD, "
        "and must be in KWD too: a price is built the same way in every currency",
    ] == [f"{issue.path}: {issue.message}" for issue in caught.value.issues]


def test_currencies_must_be_a_list_and_a_blank_option_is_empty() -> None:
    bare = CATALOG.replace("currencies: [EUR, JPY, KWD]", "currencies: EUR")
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(bare)
    assert ["currencies: expected a list, got str 'EUR'"] == [
        f"{issue.path}: {issue.message}" for issue in caught.value.issues
    ]
    blank = CATALOG.replace("      KWD: {prices: {month: 2.5}}", "      KWD:")
    with pytest.raises(InvalidCatalog) as caught:
        parse_catalog(blank)
    found = [f"{issue.path}: {issue.message}" for issue in caught.value.issues]
    assert [
        "addons.pack.currency_options.KWD.prices: no KWD price by month; it is sold by: month"
    ] == found
