"""nudge-sdk: decide in-process when and how to ask a customer to pay for more.

The plan-math core, from a catalog to what a plan change costs today:

>>> from datetime import datetime, UTC
>>> from nudge_sdk import Item, Period, Quoter, catalog_from_dict
>>> catalog = catalog_from_dict({
...     "currency": "USD",
...     "plans": {
...         "starter": {"prices": {"month": "9.00"}},
...         "team": {"prices": {"month": {"per_seat": "12.00"}}},
...     },
... })
>>> june = Period(datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))
>>> quote = Quoter(catalog).quote(
...     Item.plan("starter", "month"),
...     Item.plan("team", "month", seats=1),
...     period=june,
...     at=datetime(2025, 6, 16, tzinfo=UTC),
... )
>>> [str(line.amount) for line in quote.lines], str(quote.total)
(['-4.50', '6.00'], '1.50')
"""

from nudge_sdk._errors import (
    CatalogIssue,
    CurrencyMismatch,
    InexactAmount,
    InvalidCatalog,
    InvalidEvent,
    InvalidInput,
    InvalidInterval,
    InvalidStoreURL,
    MissingExtra,
    NaiveDatetime,
    NudgeError,
    StoreUnavailable,
    UnknownCurrency,
    UnknownItem,
)
from nudge_sdk._evaluator import Evaluator
from nudge_sdk._nudges import Breaker, Nudges, Reported
from nudge_sdk.billing._money import Currency, Money, Rounding, allocate, round_minor
from nudge_sdk.billing._periods import Cycle, Interval, Period, Unit
from nudge_sdk.billing._proration import (
    Discount,
    Item,
    ItemKind,
    LineKind,
    Quote,
    QuoteLine,
    Quoter,
    prorate,
)
from nudge_sdk.catalog._catalog import (
    UNLIMITED,
    AddOn,
    Caps,
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
from nudge_sdk.catalog._loader import (
    MAX_CATALOG_BYTES,
    MAX_CATALOG_VALUES,
    catalog_from_dict,
    load_catalog,
    parse_catalog,
)
from nudge_sdk.catalog._rules import PLACEHOLDERS, NudgeKind, Rule, Severity
from nudge_sdk.evaluation._account import Account, Grant, account_from_json
from nudge_sdk.evaluation._entitlements import Access, Entitlement
from nudge_sdk.evaluation._guardrails import Claim
from nudge_sdk.evaluation._state import EVENT_KINDS, NudgeEvent, RuleHistory, Shown, StateSnapshot
from nudge_sdk.payloads._json import to_json
from nudge_sdk.payloads._payloads import (
    SCHEMA_VERSION,
    AddonLine,
    Amount,
    CallToAction,
    Comparison,
    Decision,
    Evaluation,
    FeatureCell,
    Impression,
    LimitCell,
    MetricFigures,
    Nudge,
    Offer,
    PlanColumn,
    Reason,
)
from nudge_sdk.payloads._schema import catalog_schema
from nudge_sdk.stores import MemoryStore, Store, open_store

__all__ = [
    "EVENT_KINDS",
    "MAX_CATALOG_BYTES",
    "MAX_CATALOG_VALUES",
    "PLACEHOLDERS",
    "SCHEMA_VERSION",
    "UNLIMITED",
    "Access",
    "Account",
    "AddOn",
    "AddonLine",
    "Amount",
    "Breaker",
    "CallToAction",
    "Caps",
    "Catalog",
    "CatalogIssue",
    "Claim",
    "Comparison",
    "Currency",
    "CurrencyMismatch",
    "Cycle",
    "Decision",
    "Discount",
    "DowngradeTiming",
    "Entitlement",
    "Evaluation",
    "Evaluator",
    "Feature",
    "FeatureCell",
    "Grant",
    "Granularity",
    "Impression",
    "InexactAmount",
    "Interval",
    "IntervalChange",
    "InvalidCatalog",
    "InvalidEvent",
    "InvalidInput",
    "InvalidInterval",
    "InvalidStoreURL",
    "Item",
    "ItemKind",
    "Limit",
    "LimitCell",
    "LineKind",
    "MemoryStore",
    "Metric",
    "MetricFigures",
    "MetricKind",
    "MissingExtra",
    "Money",
    "NaiveDatetime",
    "Nudge",
    "NudgeError",
    "NudgeEvent",
    "NudgeKind",
    "Nudges",
    "Offer",
    "Period",
    "Plan",
    "PlanColumn",
    "Price",
    "ProrationPolicy",
    "Quote",
    "QuoteLine",
    "Quoter",
    "Reason",
    "Reported",
    "Reset",
    "Rounding",
    "Rule",
    "RuleHistory",
    "Severity",
    "Shown",
    "StateSnapshot",
    "Store",
    "StoreUnavailable",
    "Unit",
    "UnknownCurrency",
    "UnknownItem",
    "Unlimited",
    "account_from_json",
    "allocate",
    "catalog_from_dict",
    "catalog_schema",
    "load_catalog",
    "open_store",
    "parse_catalog",
    "prorate",
    "round_minor",
    "to_json",
]
