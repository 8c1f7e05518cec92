"""The catalog as a pricing page needs it: plans with their prices per interval (minor
units, decimal text and formatted), limits and features, add-ons, metrics and features.

Pure: built from a compiled `Catalog` and a locale, once per catalog version and locale
(the sidecar keeps the result).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from nudge_sdk.billing._periods import Interval
from nudge_sdk.catalog._catalog import UNLIMITED, AddOn, Catalog, Plan
from nudge_sdk.payloads._messages import LocaleText, fallback_chain, locale_text
from nudge_sdk.payloads._payloads import Amount, Direction

__all__ = [
    "AddonCard",
    "AddonPrice",
    "CatalogView",
    "FeatureCard",
    "GrantCard",
    "LimitCard",
    "MetricCard",
    "PlanCard",
    "PriceCard",
    "catalog_view",
]


@attrs.frozen(kw_only=True)
class PriceCard:
    """A plan's recurring price for one interval: ``base + per_seat x (seats -
    included_seats)``, never below ``base``."""

    interval: str
    """The interval as the catalog writes it: ``month``, ``year``, ``3 months``."""
    interval_name: str
    """How the catalog's messages name it in this locale (``month`` when none does)."""
    base: Amount
    """The flat part, per interval."""
    per_seat: Amount
    """Each seat beyond the included ones, per interval."""
    included_seats: int
    """Seats covered by the base."""


@attrs.frozen(kw_only=True)
class LimitCard:
    """A plan's cap on one metric."""

    metric: str
    limit: str | None
    """Decimal text; `None` when unlimited. A metric the plan does not list has 0."""
    formatted: str
    """The limit for this locale (``1,000``, ``∞``)."""
    overage: str | None
    """For a soft limit, the price of each unit above it, decimal text in the currency's
    major unit, exact (``0.0005``); `None` for a hard limit."""


@attrs.frozen(kw_only=True)
class PlanCard:
    """One rung of the plan ladder."""

    id: str
    name: str
    description: str
    popular: bool
    """Shown with a "most popular" badge."""
    free: bool
    """No prices: free in every interval."""
    prices: tuple[PriceCard, ...]
    """One per interval the plan is sold in, in catalog order."""
    limits: tuple[LimitCard, ...]
    """One per metric of the catalog, in catalog order."""
    features: tuple[str, ...]
    """Ids of the features the plan includes, in catalog order."""


@attrs.frozen(kw_only=True)
class AddonPrice:
    """An add-on's price of one unit for one interval."""

    interval: str
    interval_name: str
    unit: Amount


@attrs.frozen(kw_only=True)
class GrantCard:
    """What one unit of an add-on adds to a metric's limit."""

    metric: str
    amount: str
    """Decimal text."""
    formatted: str


@attrs.frozen(kw_only=True)
class AddonCard:
    """Something bought on top of a plan, by the unit."""

    id: str
    name: str
    description: str
    prices: tuple[AddonPrice, ...]
    grants: tuple[GrantCard, ...]
    features: tuple[str, ...]


@attrs.frozen(kw_only=True)
class MetricCard:
    """Something a plan limits."""

    id: str
    name: str
    """The display name; the id when the catalog gives none."""
    unit: str
    kind: str
    """``gauge`` (a level) or ``counter`` (consumption in a window)."""


@attrs.frozen(kw_only=True)
class FeatureCard:
    """A capability plans and add-ons have or lack."""

    id: str
    name: str
    description: str


@attrs.frozen(kw_only=True)
class CatalogView:
    """The catalog for a pricing page, formatted for one locale."""

    version: str
    """Changes whenever the served catalog file changes (a digest of its text)."""
    currency: str
    locale: str
    """The locale figures are formatted in."""
    direction: Direction
    plans: tuple[PlanCard, ...]
    """In ladder order, lowest first."""
    addons: tuple[AddonCard, ...]
    metrics: tuple[MetricCard, ...]
    features: tuple[FeatureCard, ...]


def catalog_view(catalog: Catalog, version: str, locale: str) -> CatalogView:
    """The pricing page's view of `catalog` in `locale` (or its fallbacks)."""
    chain = fallback_chain(locale, catalog.default_locale)
    text = locale_text(chain[0])
    return CatalogView(
        version=version,
        currency=catalog.currency.code,
        locale=text.locale,
        direction=text.direction,
        plans=tuple(_plan(catalog, plan, text, chain) for plan in catalog.plans.values()),
        addons=tuple(_addon(catalog, addon, text, chain) for addon in catalog.addons.values()),
        metrics=tuple(
            MetricCard(id=m.id, name=m.name or m.id, unit=m.unit, kind=m.kind.value)
            for m in catalog.metrics.values()
        ),
        features=tuple(
            FeatureCard(id=f.id, name=f.name or f.id, description=f.description)
            for f in catalog.features.values()
        ),
    )


def _plan(catalog: Catalog, plan: Plan, text: LocaleText, chain: tuple[str, ...]) -> PlanCard:
    currency = catalog.currency
    prices = tuple(
        PriceCard(
            interval=str(interval),
            interval_name=catalog.interval_name(interval, chain),
            base=text.amount(price.base, currency),
            per_seat=text.amount(price.per_seat, currency),
            included_seats=price.included_seats,
        )
        for interval, price in plan.prices.items()
    )
    return PlanCard(
        id=plan.id,
        name=plan.name,
        description=plan.description,
        popular=plan.popular,
        free=not plan.prices,
        prices=prices,
        limits=tuple(_limit(catalog, plan, metric, text) for metric in catalog.metrics),
        features=tuple(f for f in catalog.features if f in plan.features),
    )


def _limit(catalog: Catalog, plan: Plan, metric: str, text: LocaleText) -> LimitCard:
    limit = plan.limits.get(metric, Decimal(0))
    rate = plan.overage.get(metric)
    overage = None
    if rate is not None:
        overage = _plain(rate.scaleb(-catalog.currency.decimals))
    if limit is UNLIMITED:
        return LimitCard(metric=metric, limit=None, formatted="∞", overage=overage)
    return LimitCard(
        metric=metric, limit=_plain(limit), formatted=text.number(limit), overage=overage
    )


def _addon(catalog: Catalog, addon: AddOn, text: LocaleText, chain: tuple[str, ...]) -> AddonCard:
    def price(interval: Interval, unit: int) -> AddonPrice:
        return AddonPrice(
            interval=str(interval),
            interval_name=catalog.interval_name(interval, chain),
            unit=text.amount(unit, catalog.currency),
        )

    return AddonCard(
        id=addon.id,
        name=addon.name,
        description=addon.description,
        prices=tuple(price(interval, unit) for interval, unit in addon.prices.items()),
        grants=tuple(
            GrantCard(metric=m, amount=_plain(amount), formatted=text.number(amount))
            for m, amount in addon.grants.items()
        ),
        features=tuple(f for f in catalog.features if f in addon.features),
    )


def _plain(value: Decimal) -> str:
    """Decimal text without exponent or trailing zeros: ``100``, ``0.0005``."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
