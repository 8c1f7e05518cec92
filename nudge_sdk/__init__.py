"""nudge-sdk: decide in-process when and how to ask a customer to pay for more.

The plan-math core::

    >>> from datetime import datetime, UTC
    >>> from nudge_sdk import Item, Period, Quoter, load_catalog
    >>> catalog = load_catalog("examples/plans.yaml")  # doctest: +SKIP
    >>> june = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
    >>> quote = Quoter(catalog).quote(  # doctest: +SKIP
    ...     Item.plan("starter", "month"), Item.plan("team", "month"),
    ...     period=june, at=datetime(2025, 6, 16, tzinfo=UTC))
"""

from nudge_sdk._catalog import (
    UNLIMITED,
    AddOn,
    Catalog,
    DowngradeTiming,
    Feature,
    Granularity,
    IntervalChange,
    Limit,
    Metric,
    MetricKind,
    Plan,
    Price,
    ProrationPolicy,
    Reset,
    Unlimited,
)
from nudge_sdk._errors import (
    CatalogIssue,
    CurrencyMismatch,
    InexactAmount,
    InvalidCatalog,
    InvalidInput,
    InvalidInterval,
    NaiveDatetime,
    NudgeError,
    UnknownCurrency,
    UnknownItem,
)
from nudge_sdk._json import to_json
from nudge_sdk._loader import (
    MAX_CATALOG_BYTES,
    MAX_CATALOG_VALUES,
    catalog_from_dict,
    load_catalog,
    parse_catalog,
)
from nudge_sdk._money import Currency, Money, Rounding, allocate, round_minor
from nudge_sdk._periods import Cycle, Interval, Period, Unit
from nudge_sdk._proration import (
    Discount,
    Item,
    ItemKind,
    LineKind,
    Quote,
    QuoteLine,
    Quoter,
    prorate,
)
from nudge_sdk._schema import catalog_schema

__all__ = [
    "MAX_CATALOG_BYTES",
    "MAX_CATALOG_VALUES",
    "UNLIMITED",
    "AddOn",
    "Catalog",
    "CatalogIssue",
    "Currency",
    "CurrencyMismatch",
    "Cycle",
    "Discount",
    "DowngradeTiming",
    "Feature",
    "Granularity",
    "InexactAmount",
    "Interval",
    "IntervalChange",
    "InvalidCatalog",
    "InvalidInput",
    "InvalidInterval",
    "Item",
    "ItemKind",
    "Limit",
    "LineKind",
    "Metric",
    "MetricKind",
    "Money",
    "NaiveDatetime",
    "NudgeError",
    "Period",
    "Plan",
    "Price",
    "ProrationPolicy",
    "Quote",
    "QuoteLine",
    "Quoter",
    "Reset",
    "Rounding",
    "Unit",
    "UnknownCurrency",
    "UnknownItem",
    "Unlimited",
    "allocate",
    "catalog_from_dict",
    "catalog_schema",
    "load_catalog",
    "parse_catalog",
    "prorate",
    "round_minor",
    "to_json",
]
