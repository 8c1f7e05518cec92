"""The catalog: metrics, features, plans, add-ons and proration policy, as typed values.

These are what the rest of the SDK works on. They are built from the YAML by
`nudge_sdk.catalog._loader`, which checks everything first: amounts here are already whole
minor units of `Catalog.currency`, intervals are parsed, every id resolves.

A catalog sold in several currencies holds each plan's and add-on's other prices in its
`currency_options`; `Catalog.in_currency` gives the catalog as an account paying in one
of them sees it: the same plans, add-ons and rules, every amount in that currency.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from nudge_sdk._errors import UnknownItem
from nudge_sdk.billing._money import Currency
from nudge_sdk.billing._periods import Interval
from nudge_sdk.billing._policy import (
    DowngradeTiming,
    Granularity,
    IntervalChange,
    LongerInterval,
    Price,
    ProrationPolicy,
)
from nudge_sdk.catalog._metrics import MetricKind, Reset

if TYPE_CHECKING:
    from nudge_sdk.catalog._rules import Rule

__all__ = [
    "MAX_AMOUNT",
    "UNLIMITED",
    "AddOn",
    "Caps",
    "Catalog",
    "CurrencyPrices",
    "DowngradeTiming",
    "Feature",
    "Granularity",
    "IntervalChange",
    "Limit",
    "LongerInterval",
    "Metric",
    "MetricKind",
    "Plan",
    "Price",
    "ProrationPolicy",
    "Reset",
    "Unlimited",
]


class Unlimited(enum.Enum):
    """The limit of a metric a plan does not cap."""

    UNLIMITED = "unlimited"

    def __repr__(self) -> str:
        return "UNLIMITED"


UNLIMITED = Unlimited.UNLIMITED
Limit = Decimal | Unlimited
"""A plan's cap on a metric: a non-negative number, or `UNLIMITED`."""


@attrs.frozen(kw_only=True)
class Caps:
    """At most this many nudges per customer's calendar day and per seven calendar days
    (today and the six before, in the account's time zone); 0 means no cap."""

    per_day: int = 0
    per_week: int = 0

    def __bool__(self) -> bool:
        return bool(self.per_day or self.per_week)


@attrs.frozen(kw_only=True)
class Metric:
    """Something an account uses and a plan limits: storage, seats, credits."""

    id: str
    kind: MetricKind
    unit: str = ""
    name: str = ""
    reset: Reset | None = None
    """When a counter resets; `None` for gauges."""


@attrs.frozen(kw_only=True)
class Feature:
    """A capability a plan or add-on has or lacks (SSO, audit log)."""

    id: str
    name: str = ""
    description: str = ""


MAX_AMOUNT = 10**15
"""The largest price a catalog may set, in minor units (ten trillion dollars): with seats
and quantities bounded too, every price the SDK computes stays an exact integer."""
OVERAGE_PLACES = 6
"""Decimal places an overage price may have beyond its currency's minor unit: per-unit
prices of usage are often fractions of a cent ($0.0005 an API call)."""


def _rates(rates: Mapping[str, Decimal | int]) -> dict[str, Decimal]:
    return {metric: Decimal(rate) for metric, rate in rates.items()}


@attrs.frozen(kw_only=True)
class CurrencyPrices:
    """A plan's prices in one more currency of its catalog."""

    prices: Mapping[Interval, Price] = attrs.field(factory=dict)
    """By the same intervals as the plan's own prices, in this currency's minor units."""
    overage: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_rates)
    """Per soft-limited metric, as `Plan.overage`, in this currency's minor units."""


@attrs.frozen(kw_only=True)
class Plan:
    """A rung of the plan ladder."""

    id: str
    name: str
    description: str = ""
    prices: Mapping[Interval, Price] = attrs.field(factory=dict)
    """No prices means the plan is free in every interval."""
    limits: Mapping[str, Limit] = attrs.field(factory=dict)
    """A metric the plan does not list is not allowed at all (a limit of zero)."""
    overage: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_rates)
    """Price per unit above the limit, in minor units, for metrics with a soft limit:
    exact, and possibly a fraction of a minor unit (``0.05`` is $0.0005 an API call)."""
    features: frozenset[str] = frozenset()
    popular: bool = False
    """Shown with a "most popular" badge in comparisons."""
    billing_ids: Mapping[Interval, str] = attrs.field(factory=dict)
    """The billing system's id of each price (a Stripe price id...), for checkout."""
    retired: bool = False
    """No longer sold (an old price, a grandfathered version such as ``pro@2024``): the
    accounts on it are priced and evaluated by it, and offered what is sold today; no
    offer or comparison proposes it to anyone else."""
    currency_options: Mapping[str, CurrencyPrices] = attrs.field(factory=dict)
    """Per currency code of the catalog's `currencies`, the plan's prices in it."""

    def price(self, interval: Interval) -> Price | None:
        """The price for `interval`, a zero price if the plan is free, `None` if not sold so."""
        if not self.prices:
            return Price()
        return self.prices.get(interval)


@attrs.frozen(kw_only=True)
class AddOn:
    """Something bought on top of a plan, by the unit: a storage pack, credits, a feature."""

    id: str
    name: str
    description: str = ""
    prices: Mapping[Interval, int] = attrs.field(factory=dict)
    """Price of one unit per interval, in minor units."""
    grants: Mapping[str, Decimal] = attrs.field(factory=dict)
    """What one unit adds to each metric's limit."""
    features: frozenset[str] = frozenset()
    plans: frozenset[str] = frozenset()
    """The plans it is sold with; empty: every plan."""
    min_plan: str = ""
    """If set, it is sold only with this plan and those above it on the ladder."""
    billing_ids: Mapping[Interval, str] = attrs.field(factory=dict)
    """The billing system's id of each price (a Stripe price id...), for checkout."""
    currency_options: Mapping[str, Mapping[Interval, int]] = attrs.field(factory=dict)
    """Per currency code of the catalog's `currencies`, the price of one unit per
    interval in it."""

    def price(self, interval: Interval) -> Price | None:
        """The price of one unit for `interval`, or `None` if not sold so."""
        unit = self.prices.get(interval)
        return None if unit is None else Price(per_seat=unit)


def _views(catalog: Catalog) -> dict[str, Catalog]:
    """The catalog as accounts paying in each of its other currencies see it."""
    views = {}
    for currency in catalog.currencies:
        code = currency.code
        plans = {
            key: attrs.evolve(
                plan,
                prices=plan.currency_options[code].prices,
                overage=plan.currency_options[code].overage,
                currency_options={},
            )
            for key, plan in catalog.plans.items()
        }
        addons = {
            key: attrs.evolve(addon, prices=addon.currency_options[code], currency_options={})
            for key, addon in catalog.addons.items()
        }
        views[code] = attrs.evolve(
            catalog, currency=currency, currencies=(), plans=plans, addons=addons
        )
    return views


def _sold_with(catalog: Catalog) -> dict[str, frozenset[str]]:
    ladder = list(catalog.plans)
    sold = {}
    for addon in catalog.addons.values():
        plans = [p for p in ladder if not addon.plans or p in addon.plans]
        if addon.min_plan in ladder:
            plans = [p for p in plans if ladder.index(p) >= ladder.index(addon.min_plan)]
        sold[addon.id] = frozenset(plans)
    return sold


@attrs.frozen(kw_only=True)
class Catalog:
    """Everything a product team configures, checked and typed."""

    currency: Currency
    """The currency of every amount on the plans and add-ons themselves."""
    currencies: tuple[Currency, ...] = ()
    """More currencies the catalog sells in: every priced plan and add-on has its prices
    in each under `currency_options` (see `in_currency`)."""
    proration: ProrationPolicy = attrs.field(factory=ProrationPolicy)
    metrics: Mapping[str, Metric] = attrs.field(factory=dict)
    features: Mapping[str, Feature] = attrs.field(factory=dict)
    plans: Mapping[str, Plan] = attrs.field(factory=dict)
    """In ladder order, lowest first."""
    addons: Mapping[str, AddOn] = attrs.field(factory=dict)
    default_locale: str = "en"
    """The last step of every message's locale fallback chain."""
    interval_names: Mapping[str, Mapping[Interval, str]] = attrs.field(factory=dict)
    """Per locale, how messages name each billing interval."""
    comparison_messages: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    """Per locale, templates ``more``, ``less`` and ``same`` for a comparison column's
    price difference."""
    quiet_days_after_signup: int = 0
    placements: Mapping[str, int] = attrs.field(factory=dict)
    """How many nudges each placement shows per evaluation (1 if not listed)."""
    caps: Caps = attrs.field(factory=lambda: Caps())
    """How many nudges one account may be shown across rules, over time."""
    placement_caps: Mapping[str, Caps] = attrs.field(factory=dict)
    """The same, per placement."""
    """The most nudges each placement shows per evaluation."""
    signals: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    """Host signals and the rule ids each silences (``all`` for every rule)."""
    rules: Mapping[str, Rule] = attrs.field(factory=dict)
    """Nudge rules by id."""
    sold_with: Mapping[str, frozenset[str]] = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_sold_with, takes_self=True)
    )
    """Per add-on, the plans it may be sold with (its `plans` and `min_plan` resolved
    against the ladder once)."""
    views: Mapping[str, Catalog] = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_views, takes_self=True)
    )
    """Per code of `currencies`, the catalog in that currency (built once)."""

    @property
    def sold_in(self) -> tuple[str, ...]:
        """The codes of every currency the catalog sells in, its own first."""
        return (self.currency.code, *(c.code for c in self.currencies))

    def in_currency(self, code: str) -> Catalog:
        """The catalog as an account paying in `code` sees it (case-insensitive): the same
        plans, add-ons and rules with every price in that currency, and no other
        currencies. `UnknownItem` listing `sold_in` if the catalog does not sell in it."""
        wanted = code.upper() if isinstance(code, str) else ""
        if wanted == self.currency.code:
            return self
        try:
            return self.views[wanted]
        except KeyError:
            shown = (code if isinstance(code, str) else repr(code))[:40]  # never megabytes
            raise UnknownItem("currency", shown, list(self.sold_in)) from None

    def sells(self, addon_id: str, plan_id: str) -> bool:
        """Whether the add-on may be sold with the plan."""
        return plan_id in self.sold_with[addon_id]

    def interval_name(self, interval: Interval, locales: Sequence[str]) -> str:
        """How messages in the first of `locales` that has one name `interval`; the
        plain interval text (``month``) if none does."""
        for locale in locales:
            name = self.interval_names.get(locale, {}).get(interval)
            if name:
                return name
        return str(interval)

    def plan(self, plan_id: str) -> Plan:
        """The plan of this id; `UnknownItem` listing the known ones if there is none."""
        try:
            return self.plans[plan_id]
        except KeyError:
            raise UnknownItem("plan", plan_id, list(self.plans)) from None

    def addon(self, addon_id: str) -> AddOn:
        """The add-on of this id; `UnknownItem` listing the known ones if there is none."""
        try:
            return self.addons[addon_id]
        except KeyError:
            raise UnknownItem("add-on", addon_id, list(self.addons)) from None
